"""``OrbaxCheckpoint``: Keras 3's orbax checkpoint callback over ``keras.saving.Checkpointer``."""
from __future__ import annotations

import os
import warnings

import jax
import numpy as np

from fkeras.callbacks.callback import Callback
from fkeras.callbacks.monitor_utils import comparison, resolve_mode


class _WeightsOnly:
    """A view of a model whose training checkpoint holds only its variables (trainable and
    non-trainable), for ``OrbaxCheckpoint(save_weights_only=True)``; restoring one writes them
    back into the model (``Checkpointer(directory).restore(_WeightsOnly(model))``)."""

    def __init__(self, model):
        self._model = model
        self.name = getattr(model, "name", "model")

    def _training_checkpoint(self):
        state, meta = self._model._training_checkpoint()
        return {"trainable_variables": state.trainable, "non_trainable_variables": state.non_trainable}, meta

    def _abstract_training_state(self):
        trainable, non_trainable = self._model._ensure_binding().trees(copy=False)
        return jax.tree_util.tree_map(
            lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=getattr(a, "sharding", None)),
            {"trainable_variables": trainable, "non_trainable_variables": non_trainable})

    def _restore_training_checkpoint(self, state, meta, resume=True):
        del meta, resume
        self._model._ensure_binding().write_back(state["trainable_variables"], state["non_trainable_variables"])


class OrbaxCheckpoint(Callback):
    """Save the model's training state with orbax during ``fit``: every epoch or every
    ``save_freq`` batches, optionally only when ``monitor`` improved, keeping the last
    ``max_to_keep`` checkpoints, written in the background.

    A checkpoint is the whole training state (weights, optimizer state, metric state, PRNG key
    and position in the run) in the layout of `keras.saving.Checkpointer`, one sub-directory per
    step: the epoch index (``save_freq="epoch"``) or the number of batches trained so far (integer
    ``save_freq``). Restore one with ``keras.saving.Checkpointer(directory).restore(model)``.

    Args:
        directory: the checkpoint directory (created if needed).
        monitor: the logged metric ``save_best_only`` compares. Defaults to ``"val_loss"``.
        verbose: 1 prints a line for each checkpoint written. Defaults to 0.
        save_best_only: save only when ``monitor`` is better than at every earlier save.
        mode: ``"auto"``, ``"min"`` or ``"max"``: whether a lower or a higher ``monitor`` is better
            (``"auto"`` guesses from the name).
        save_freq: ``"epoch"`` or a positive integer (save every that many batches).
        initial_value_threshold: the "best" value a first save must beat (``save_best_only``).
        max_to_keep: keep this many most recent checkpoints (None: all). Defaults to 1.
        save_on_background: write asynchronously while training continues. Defaults to True.
        save_weights_only: save only the model's variables (trainable and non-trainable).

    Example:

    ```python
    ckpt = keras.callbacks.OrbaxCheckpoint("/tmp/ckpt", monitor="val_loss", save_best_only=True)
    model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[ckpt])
    keras.saving.Checkpointer("/tmp/ckpt").restore(model)    # the best epoch's state
    ```
    """

    _needs_live_weights = False  # it saves the trainer's live state, not the model's variables

    def __init__(self, directory, monitor="val_loss", verbose=0, save_best_only=False, mode="auto",
                 save_freq="epoch", initial_value_threshold=None, max_to_keep=1, save_on_background=True,
                 save_weights_only=False):
        super().__init__()
        if not isinstance(directory, (str, os.PathLike)) or not os.fspath(directory):
            raise ValueError(f"Argument `directory` must be a non-empty path. Received: directory={directory!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a positive "
                             "integer (save every N batches).")
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or not isinstance(max_to_keep, int)
                                        or max_to_keep < 1):
            raise ValueError(f"Argument `max_to_keep` must be a positive integer or None. "
                             f"Received: max_to_keep={max_to_keep!r}")
        self.directory = os.fspath(directory)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.mode = resolve_mode(monitor, mode, "OrbaxCheckpoint")
        self.monitor_op = comparison(self.mode)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self.save_weights_only = save_weights_only
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = np.inf if self.mode == "min" else -np.inf
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._total_batches_seen = 0
        self._checkpointer = None
        if save_freq != "epoch":
            self.on_train_batch_end = self._on_train_batch_end  # batch hooks only when needed

    @property
    def checkpointer(self):
        """The `keras.saving.Checkpointer` writing the checkpoints (created on first use)."""
        if self._checkpointer is None:
            from fkeras.saving.checkpointer import Checkpointer

            self._checkpointer = Checkpointer(self.directory, max_to_keep=self.max_to_keep,
                                              async_save=bool(self.save_on_background))
        return self._checkpointer

    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            try:  # a reloaded model continues the batch count of its optimizer
                self._total_batches_seen = int(optimizer.iterations)
            except (AttributeError, TypeError, ValueError):
                pass

    def is_multihost_enabled(self):
        """Whether this run spans several JAX processes (hosts)."""
        return jax.process_count() > 1

    def is_primary_host(self):
        """Whether this process is the first one (always True on a single host)."""
        return jax.process_index() == 0

    def _is_improvement(self, current, best):
        return self.monitor_op(current, best)

    def _passes_best_only(self, logs, where):
        if not self.save_best_only:
            return True
        current = logs.get(self.monitor) if logs else None
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping save at {where}.",
                          stacklevel=3)
            return False
        current = float(np.asarray(current))
        if not self._is_improvement(current, self.best):
            return False
        self.best = current
        return True

    def _save_checkpoint(self, step):
        target = _WeightsOnly(self.model) if self.save_weights_only else self.model
        self.checkpointer.save(target, step=step)
        if self.verbose:
            print(f"OrbaxCheckpoint: saved step {step} to {self.directory}")

    def on_train_begin(self, logs=None):
        self.checkpointer  # noqa: B018 - creates the directory now: an unwritable path fails before training

    def _on_train_batch_end(self, batch, logs=None):
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._last_batch_seen = batch
        self._batches_seen_since_last_saving += added
        self._total_batches_seen += added
        if self._batches_seen_since_last_saving < self.save_freq:
            return
        self._batches_seen_since_last_saving = 0
        if self._passes_best_only(logs, f"batch {batch}"):
            self._save_checkpoint(self._total_batches_seen)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" and self._passes_best_only(logs, f"epoch {epoch}"):
            self._save_checkpoint(epoch)

    def on_train_end(self, logs=None):
        if self._checkpointer is not None:
            try:
                self._checkpointer.close()  # waits for the writes still running
            finally:
                self._checkpointer = None

    def wait_until_finished(self):
        """Block until every checkpoint started so far is written."""
        if self._checkpointer is not None:
            self._checkpointer.wait()
