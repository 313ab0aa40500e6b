"""``EarlyStopping``: stop training when a monitored metric stops improving."""
from __future__ import annotations

import warnings

from fkeras.callbacks.callback import Callback
from fkeras.callbacks.monitor_utils import comparison, resolve_mode
from fkeras.utils import io_utils


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    At the end of every epoch the value of ``monitor`` in the logs is compared with the best value
    so far; an improvement of more than ``min_delta`` resets the wait counter. After ``patience``
    epochs without one, ``model.stop_training`` is set and ``fit`` ends after that epoch.

    Args:
        monitor: Name of the quantity in the logs, e.g. ``"val_loss"`` (default) or
            ``"val_accuracy"``.
        min_delta: Smallest change (in absolute value) that counts as an improvement. Defaults to
            ``0``.
        patience: Number of epochs without improvement after which training stops. Defaults to
            ``0``.
        verbose: ``0`` (default) is silent, ``1`` prints a message when training stops and when the
            best weights are restored.
        mode: ``"min"`` (the quantity should decrease), ``"max"`` (it should increase) or ``"auto"``
            (default: inferred from the name, ``"max"`` for accuracy-like metrics and ``"min"``
            otherwise).
        baseline: Optional value the quantity must beat; while it has not, the wait counter keeps
            running even if the quantity improves. ``None`` (default) means no baseline.
        restore_best_weights: Whether to put back the weights of the best epoch when training ends
            (whether or not it stopped early). ``False`` (default) keeps the last weights.
        start_from_epoch: Number of initial epochs to ignore (a warm-up during which nothing is
            monitored). Defaults to ``0``.

    Example:
        callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[callback])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = resolve_mode(monitor, mode, "EarlyStopping")
        self.monitor_op = comparison(self.mode)
        if self.mode == "min":
            self.min_delta *= -1
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._warned = False

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return self.monitor_op(value - self.min_delta, reference)

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None and not self._warned:
            self._warned = True
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(sorted(logs or {}))}", stacklevel=3)
        return value

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                io_utils.print_msg(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
