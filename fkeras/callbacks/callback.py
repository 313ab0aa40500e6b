"""``keras.callbacks.Callback`` and ``CallbackList``."""
from __future__ import annotations

from collections.abc import MutableMapping


class Callback:
    """Base class for callbacks: override the hooks you need; the others do nothing.

    ``fit``, ``evaluate`` and ``predict`` take a list of callbacks (``callbacks=[...]``) and call
    their hooks at the start and end of training, of each epoch and of each batch. Before the
    first hook, ``self.model`` is set to the model and ``self.params`` to a dict with
    ``"verbose"``, ``"epochs"`` and ``"steps"`` (batches per epoch, or ``None`` when unknown).
    ``logs`` dicts hold the metric results so far (``"loss"``, ``"accuracy"``, ``"val_loss"``...).

    When ``fit`` runs several steps per XLA call (``steps_per_execution``), batch hooks run once
    per call (``on_train_batch_end`` with the index of its last batch). A callback that overrides a batch hook keeps
    ``fit`` from fusing steps on its own (``steps_per_execution="auto"``).

    Example:

    ```python
    class StopAtLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["loss"] < 0.1:
                self.model.stop_training = True

    model.fit(x, y, epochs=100, callbacks=[StopAtLoss()])
    ```
    """

    # Batch hooks of a callback may read the model's weights, so fit writes them back after each
    # step while such a callback is attached; callbacks that only read the logs set this False.
    _needs_live_weights = True
    # A callback whose batch hooks must run after every single step keeps fit from fusing several
    # steps into one XLA call on its own; one that only samples batches (the progress bar redraws
    # a few times a second) sets this False and then sees the last step of each fused call.
    _needs_every_batch = True

    def __init__(self):
        self.params = None
        self._model = None
        self.validation_data = None

    def set_params(self, params):
        """Receive the run's parameters (called before the first hook).

        Args:
            params: A dict with ``"verbose"``, ``"epochs"`` and ``"steps"`` (batches per epoch,
                or ``None`` when unknown).
        """
        self.params = params

    def set_model(self, model):
        """Receive the model being trained, evaluated or predicted with (then ``self.model``).

        Args:
            model: The ``keras.Model``.
        """
        self._model = model

    @property
    def model(self):
        return self._model

    # Batch hooks: the old names are aliases of the train ones (as in Keras).
    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias for ``on_train_batch_begin`` (which calls it).

        Args:
            batch: The index of the batch within the epoch (0-based).
            logs: An empty dict (kept for compatibility).
        """

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias for ``on_train_batch_end`` (which calls it).

        Args:
            batch: The index of the batch within the epoch (0-based).
            logs: The training metric results so far.
        """

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch of ``fit``.

        Args:
            epoch: The index of the epoch (0-based; counts from ``initial_epoch``).
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch of ``fit``, after validation.

        Args:
            epoch: The index of the epoch (0-based).
            logs: The epoch's results: the training metrics (``"loss"``...) and, when ``fit``
                validated in this epoch, the same names prefixed with ``val_``. Values written
                into it are kept in the ``History``.
        """
        pass

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch (or fused group of batches) in ``fit``.

        Args:
            batch: The index of the batch within the epoch (0-based; with several steps per
                call, the first batch of the call).
            logs: An empty dict (kept for compatibility).
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch (or fused group of batches) in ``fit``.

        Args:
            batch: The index of the batch within the epoch (0-based; with several steps per
                call, the last batch of the call).
            logs: The training metric results so far (read lazily: the values stay on the
                device until a callback reads them).
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of ``evaluate`` (and of ``fit``'s validation).

        Args:
            batch: The index of the batch (0-based).
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of ``evaluate`` (and of ``fit``'s validation).

        Args:
            batch: The index of the batch (0-based).
            logs: The metric results so far.
        """
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of ``predict``.

        Args:
            batch: The index of the batch (0-based).
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of ``predict``.

        Args:
            batch: The index of the batch (0-based).
            logs: A dict ``{"outputs": ...}`` with the batch's predictions.
        """
        pass

    def on_train_begin(self, logs=None):
        """Called once at the start of ``fit``.

        Args:
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_train_end(self, logs=None):
        """Called once at the end of ``fit`` (also when it stops early).

        Args:
            logs: The last epoch's results (as ``on_epoch_end`` received them).
        """
        pass

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` (and of each validation run in ``fit``).

        Args:
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` (and of each validation run in ``fit``).

        Args:
            logs: The evaluation's results (``"loss"`` and the metrics).
        """
        pass

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``.

        Args:
            logs: An empty dict (kept for compatibility).
        """
        pass

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``.

        Args:
            logs: An empty dict (kept for compatibility).
        """
        pass


_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def _overrides(cb, name):
    return name in getattr(cb, "__dict__", {}) or getattr(type(cb), name, None) is not getattr(Callback, name, None)


class LazyLogs(MutableMapping):
    """Logs whose values stay on the device until someone reads them (one transfer, then cached).

    A callback may write into them as into Keras's dict (``logs["lr"] = ...``, ``update``, ``pop``)."""

    __slots__ = ("_raw", "_cache", "_extra")

    def __init__(self, raw, extra=None):
        self._raw = raw
        self._cache = None
        self._extra = extra

    def _materialize(self):
        if self._cache is None:
            import jax
            import numpy as np

            host = jax.device_get(self._raw) if self._raw else {}
            out = {}
            for k, v in sorted(host.items()):
                arr = np.asarray(v)
                out[k] = float(arr) if arr.ndim == 0 else arr
            if self._extra:
                out.update(self._extra)
            self._cache = out
        return self._cache

    def __getitem__(self, k):
        return self._materialize()[k]

    def __setitem__(self, k, v):
        self._materialize()[k] = v

    def __delitem__(self, k):
        del self._materialize()[k]

    def __iter__(self):
        return iter(self._materialize())

    def __len__(self):
        return len(self._materialize())

    def __repr__(self):
        return repr(self._materialize())

    def copy(self):
        return dict(self._materialize())


class CallbackList(Callback):
    """A container that runs a list of callbacks as one, the way ``fit``/``evaluate``/``predict`` call them.

    Each hook (``on_epoch_end(epoch, logs)``, ...) is forwarded to every callback in order, with an
    empty dict for missing logs. Batch hooks are skipped entirely when no callback overrides them,
    so the trainer can run several steps per host call.

    Args:
        callbacks: A list of ``Callback`` instances; ``None`` (default) starts empty.
        add_history: Whether to append a ``History`` callback when the list has none. Defaults to
            ``False``.
        add_progbar: Whether to append a ``ProgbarLogger`` when the list has none. Defaults to
            ``False``.
        model: Optional model passed to every callback's ``set_model``.
        **params: Training parameters (``verbose``, ``epochs``, ``steps``, ...) passed to every
            callback's ``set_params``.

    Example:

    ```python
    callbacks = keras.callbacks.CallbackList([keras.callbacks.History()], add_progbar=True,
                                               verbose=1, epochs=2, steps=10)
    callbacks.on_train_begin()
    ```
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        from fkeras.callbacks.history import History
        from fkeras.callbacks.progbar_logger import ProgbarLogger

        self.callbacks = list(callbacks or [])
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh_hooks()

    def _refresh_hooks(self):
        self._batch_users = {
            mode: [c for c in self.callbacks if any(_overrides(c, h) for h in hooks)]
            for mode, hooks in _BATCH_HOOKS.items()
        }

    def needs_batch_hooks(self, mode="train"):
        return bool(self._batch_users[mode])

    def needs_every_batch(self, mode="train"):
        """Whether some batch hook must run after every single step (see ``_needs_every_batch``)."""
        return any(getattr(c, "_needs_every_batch", True) for c in self._batch_users[mode])

    def append(self, callback):
        self.callbacks.append(callback)
        self._refresh_hooks()

    def set_params(self, params):
        self.params = params
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        self._model = model
        for c in self.callbacks:
            c.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def _call(self, name, *args):
        # Keras 3 hands every hook a dict of logs, empty where there is nothing to report.
        *head, logs = args
        args = (*head, {} if logs is None else logs)
        for c in self.callbacks:
            getattr(c, name)(*args)

    def _call_batch(self, mode, name, batch, logs):
        logs = {} if logs is None else logs
        for c in self._batch_users[mode]:
            getattr(c, name)(batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("train", "on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("train", "on_train_batch_end", batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("test", "on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("test", "on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("predict", "on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("predict", "on_predict_batch_end", batch, logs)
