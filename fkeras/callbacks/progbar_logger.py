"""``ProgbarLogger``: the progress bar that ``fit``/``evaluate``/``predict`` show."""
from __future__ import annotations

from fkeras.callbacks.callback import Callback
from fkeras.utils import io_utils
from fkeras.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Print a progress bar (``verbose=1``) or one line per epoch (``verbose=2``) with the logged metrics.

    ``fit``, ``evaluate`` and ``predict`` add it themselves when ``verbose`` is not 0; the verbosity
    and the number of steps come from the training parameters.

    Args:
        count_mode: Accepted for compatibility with older Keras code and ignored: progress is always
            counted in steps.

    Example:

    ```python
    model.fit(x, y, verbose=0, callbacks=[keras.callbacks.ProgbarLogger()])
    ```
    """

    _needs_live_weights = False  # reads logs only, never the model's weights per batch
    _needs_every_batch = False  # redraws at most every `interval` seconds: fused steps are fine

    def __init__(self, count_mode=None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._in_fit = False
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self):
        self._seen = 0
        self.progbar = None

    def _bar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")
        return self.progbar

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._bar()  # its clock starts with the epoch: the first step's compile time counts

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        bar = self._bar()
        bar.first_step_done(self._seen)
        if self.verbose == 1 and bar._dynamic:
            # Only read (and so transfer) the logs when the bar will actually redraw.
            import time

            if time.time() - bar._last_update >= bar.interval:
                bar.update(self._seen, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            self._bar().update(self._seen or (self.target or 0), list((logs or {}).items()), finalize=True)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._reset()
            self.target = self.params.get("steps") if self.params else None
            self._bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._seen = batch + 1
            bar = self._bar()
            bar.first_step_done(self._seen)
            if self.verbose == 1 and bar._dynamic:
                import time

                if time.time() - bar._last_update >= bar.interval:
                    bar.update(self._seen, list((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if not self._in_fit and self.verbose:
            self._bar().update(self._seen, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self._reset()
        self._bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        bar = self._bar()
        bar.first_step_done(self._seen)
        if self.verbose == 1 and bar._dynamic:
            bar.update(self._seen, None, finalize=False)

    def on_predict_end(self, logs=None):
        if self.verbose:
            self._bar().update(self._seen, None, finalize=True)
