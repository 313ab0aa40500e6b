"""``History``: records each epoch's logs (returned by ``fit``)."""
from __future__ import annotations

from fkeras.callbacks.callback import Callback


class History(Callback):
    """``history.history`` maps each metric name to its list of per-epoch values."""

    _needs_live_weights = False  # reads logs only, never the model's weights per batch

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self
