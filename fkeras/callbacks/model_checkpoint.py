"""``ModelCheckpoint``: save the model or its weights during training."""
from __future__ import annotations

import os
import warnings

import numpy as np

from fkeras.callbacks import path_utils
from fkeras.callbacks.callback import Callback
from fkeras.callbacks.monitor_utils import comparison, resolve_mode
from fkeras.utils import io_utils

# Keys a callback commonly adds to the epoch logs besides the compiled metrics.
_EXTRA_LOG_KEYS = ("learning_rate",)


class TemplateKeyError(KeyError):
    """A ``KeyError`` whose message prints as written (``KeyError`` would quote it)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class ModelCheckpoint(Callback):
    """Save the model (``.keras`` / ``.h5``), its weights (``.weights.h5``), or — for a directory
    path — orbax checkpoints of the whole training state (``keras.saving.Checkpointer``).

    Args:
        filepath: path of the file to write; may hold ``str.format`` fields filled from
            ``epoch`` (1-based), ``batch`` (1-based, with an integer ``save_freq``) and the
            epoch logs, e.g. ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``.
        monitor: the logged metric to compare when ``save_best_only=True``.
        verbose: 0 silent, 1 prints a line whenever the callback saves (or declines to).
        save_best_only: only write when ``monitor`` improved on the best value so far.
        save_weights_only: write ``model.save_weights(filepath)`` (``filepath`` must end in
            ``.weights.h5``) instead of ``model.save(filepath)`` (``.keras`` or ``.h5``).
        mode: ``"auto"``, ``"min"`` or ``"max"``: whether a lower or higher ``monitor`` is better.
        save_freq: ``"epoch"``, or an integer N to save every N training batches.
        initial_value_threshold: the "best" value to beat before the first save
            (with ``save_best_only=True``).

    Example:
        checkpoint = keras.callbacks.ModelCheckpoint(
            "ckpt/best.keras", monitor="val_accuracy", mode="max", save_best_only=True)
        model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
        model = keras.models.load_model("ckpt/best.keras")
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath) if not isinstance(filepath, str) else filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.mode = resolve_mode(monitor, mode, "ModelCheckpoint")
        self.monitor_op = comparison(self.mode)
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = np.inf if self.mode == "min" else -np.inf
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._warned_missing = False
        self._validated_keys = False

        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a positive integer "
                "(save every N batches)."
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                    f"`.weights.h5` (Keras weights format). Received: filepath={self.filepath}"
                )
        self._fields = path_utils.template_fields(self.filepath)
        # A path without a model-file extension is a directory of orbax checkpoints of the whole
        # training state (weights, optimizer, metrics, RNG, position): resumable exactly.
        is_file = self.filepath.endswith((".keras", ".h5"))
        looks_like_dir = self.filepath.endswith(("/", os.sep)) or not os.path.splitext(
            os.path.basename(self.filepath))[1]
        if not save_weights_only and not is_file and not looks_like_dir:
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format) or `.h5` (legacy HDF5 format), "
                f"or be a directory (no extension) for orbax training checkpoints. Received: filepath={self.filepath}"
            )
        self._orbax = not save_weights_only and not is_file
        self._checkpointer = None
        if self._orbax and self._fields:
            raise ValueError(
                "A ModelCheckpoint directory (orbax checkpoints of the training state) cannot hold template "
                f"fields; each save is a numbered step inside it. Received: filepath={self.filepath}. "
                "To write model files instead, end the path in `.keras` or `.h5`.")
        if isinstance(save_freq, int):
            # Batch hooks cost a host sync per step: install one only when saving by batch.
            self.on_train_batch_end = self._on_train_batch_end

    # --- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self._orbax:
            from fkeras.saving.checkpointer import Checkpointer

            path_utils.ensure_writable_dir(self.filepath, "ModelCheckpoint", "filepath")
            if self._checkpointer is None:
                self._checkpointer = Checkpointer(self.filepath, max_to_keep=1 if self.save_best_only else None)
            return
        self._check_template_keys()
        d = path_utils.static_dir(self.filepath)
        if d:
            path_utils.ensure_writable_dir(d, "ModelCheckpoint", "filepath")
        if not self._fields and os.path.isdir(self.filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                f"directory: {self.filepath}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    # --- helpers --------------------------------------------------------------------------
    def _check_template_keys(self):
        """Fail before the first step on a template key no epoch log can have."""
        names = list(getattr(self.model, "metrics_names", None) or [])
        wanted = [f for f in self._fields if f not in ("epoch", "batch")]
        if not wanted or not names:
            return  # nothing to check, or metric names unknown yet: checked at first use instead
        known = set(names) | {"val_" + n for n in names} | set(_EXTRA_LOG_KEYS)
        if self.save_freq != "epoch":
            known -= {"val_" + n for n in names}  # batch logs never hold validation metrics
        unknown = [f for f in wanted if f not in known]
        if unknown:
            available = ["epoch"] + (["batch"] if self.save_freq != "epoch" else []) + sorted(known)
            raise TemplateKeyError(
                f"ModelCheckpoint: the filepath template {self.filepath!r} uses the key(s) {unknown} which the "
                f"training logs will not have. Available keys: {available}."
            )
        self._validated_keys = True

    def _should_save_on_batch(self, batch):
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _get_file_path(self, epoch, batch, logs):
        logs = logs or {}
        values = {}
        for f in self._fields:
            if f == "epoch":
                values[f] = epoch + 1
            elif f == "batch" and batch is not None and "batch" not in logs:
                values[f] = batch + 1
            elif f in logs:
                values[f] = logs[f]
            else:
                raise TemplateKeyError(
                    f'Failed to format this callback filepath: "{self.filepath}". Reason: the logs have no key '
                    f"{f!r}. Available keys: {['epoch'] + (['batch'] if batch is not None else []) + sorted(logs)}."
                )
        return self.filepath.format(**values)

    def _should_save_model(self, epoch, batch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            if not self._warned_missing:
                self._warned_missing = True
                warnings.warn(
                    f"Can save best model only with {self.monitor} available. Available metrics are: "
                    f"{','.join(sorted(logs or {}))}. Saving on every epoch instead.", stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                "Falling back to `save_best_only=False`.", stacklevel=3)
            return True
        current = float(current)
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def on_train_end(self, logs=None):
        if self._checkpointer is not None:
            self._checkpointer.wait()

    def _save_model(self, epoch, batch, logs):
        if self._orbax:
            if self._should_save_model(epoch, batch, logs, self.filepath):
                step = self._checkpointer.save(self.model)
                if self.verbose > 0:
                    io_utils.print_msg(
                        f"\nEpoch {epoch + 1}: saved the training state to {self.filepath} (step {step})")
            return
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, batch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                f"directory: {filepath}"
            )
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
