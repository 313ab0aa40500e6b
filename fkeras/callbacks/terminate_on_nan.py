"""``TerminateOnNaN``: stop training when the loss becomes NaN or infinite."""
from __future__ import annotations

import numpy as np

from fkeras.callbacks.callback import Callback
from fkeras.utils import io_utils


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or Inf.

    By default it sets ``model.stop_training = True`` (the epoch ends, every callback's
    ``on_train_end`` runs); ``raise_error=True`` raises a ``RuntimeError`` at once instead.
    It reads the loss after every batch, so it costs one small device-to-host transfer per step.

    Args:
        raise_error: If ``True``, raise a ``RuntimeError`` at the first NaN or Inf loss instead of stopping training
            gracefully. Defaults to ``False``.

    Example:
        model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])
    """

    _needs_live_weights = False  # reads logs only, never the model's weights per batch

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = np.asarray(loss)
        if np.any(np.isnan(loss)) or np.any(np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    "Terminating training immediately.")
            io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
