"""``LambdaCallback``: a callback from plain functions."""
from __future__ import annotations

from fkeras.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Build a callback from plain functions, one per hook.

    Any ``Callback`` hook may be given as a keyword argument; the common ones are listed below.

    Args:
        on_epoch_begin: Function ``f(epoch, logs)`` run at the start of each epoch.
        on_epoch_end: Function ``f(epoch, logs)`` run at the end of each epoch.
        on_train_begin: Function ``f(logs)`` run when training starts.
        on_train_end: Function ``f(logs)`` run when training ends.
        on_train_batch_begin: Function ``f(batch, logs)`` run before each training batch.
        on_train_batch_end: Function ``f(batch, logs)`` run after each training batch.
        **kwargs: Any other hook by name, e.g. ``on_test_end=f`` or ``on_predict_batch_end=f``.

    Raises:
        ValueError: If a keyword is not the name of a ``Callback`` hook.

    Example:

    ```python
    print_epoch = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    model.fit(x, y, epochs=3, callbacks=[print_epoch])
    ```
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}.")
            setattr(self, name, fn)  # instance attributes shadow the class hooks
