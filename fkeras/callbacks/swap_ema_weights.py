"""``SwapEMAWeights``: evaluate (and optionally checkpoint) with the optimizer's moving average of the weights."""
from __future__ import annotations

import jax
import numpy as np

from fkeras.callbacks.callback import Callback


def _key_str(key):
    for attr in ("key", "name", "idx"):
        if hasattr(key, attr):
            return getattr(key, attr)
    return key


class SwapEMAWeights(Callback):
    """Put the optimizer's exponential moving average of the weights ("Polyak averaging") into the
    model before evaluation or prediction, and the trained weights back afterwards.

    Use it with an optimizer built with ``use_ema=True`` (for a `MultiOptimizer`, at least one
    inner optimizer; for a `LossScaleOptimizer`, the inner one). The swap is an exchange: while the
    averages are in the model, the optimizer holds the trained weights in their place, so nothing
    is copied twice. Training itself always continues from the trained weights.

    Args:
        swap_on_epoch: also swap at the end of each epoch (and back at the start of the next one),
            so that callbacks placed after this one, such as `ModelCheckpoint`, see the averaged
            weights. After the last epoch the averaged weights stay in the model. Defaults to False.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True), loss="mse")
    model.fit(x, y, validation_data=(x_val, y_val),
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
                         keras.callbacks.ModelCheckpoint("best.keras")])
    ```
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        if not isinstance(swap_on_epoch, (bool, np.bool_)):
            raise TypeError(f"Argument `swap_on_epoch` must be a bool. Received: swap_on_epoch={swap_on_epoch!r}")
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_weights_in_model = False

    # ---- finding the averages ------------------------------------------------------------------

    def _check_optimizer(self):
        optimizer = getattr(self.model, "optimizer", None)
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(inner, "optimizers"):
            if not any(getattr(opt, "use_ema", False) for opt in inner.optimizers):
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer has `use_ema=True` "
                                 "set. Received a MultiOptimizer with all inner optimizers having `use_ema=False`.")
        elif not getattr(inner, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                             f"Received: use_ema={getattr(inner, 'use_ema', None)}")
        return optimizer

    def _pairs(self):
        return ema_pairs(self.model, self._check_optimizer())

    def _swap_variables(self):
        pairs, write = self._pairs()
        if not pairs:
            return False
        trained = {}
        for var, key, avg in pairs:
            trained[key] = np.asarray(var.value).copy()
            var.assign(avg)
        write(trained)
        return True

    def _finalize_ema_values(self):
        """Make the optimizer's averages equal to the (averaged) weights now in the model."""
        pairs, write = self._pairs()
        if pairs:
            write({key: np.asarray(var.value).copy() for var, key, _ in pairs})

    # ---- hooks -----------------------------------------------------------------------------------

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._ema_weights_in_model = self._swap_variables()
            if self._ema_weights_in_model and self.params and epoch == self.params.get("epochs", 0) - 1:
                # the last epoch: the averaged weights stay in the model, and the optimizer's
                # averages continue from them
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._ema_weights_in_model = self._swap_variables()

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._ema_weights_in_model = self._swap_variables()

    def on_predict_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False


def ema_pairs(model, optimizer):
    """``(pairs, write)``: ``[(variable, key, average)]`` for every variable of ``model`` that
    ``optimizer`` (``use_ema=True``) averages, and ``write(new_averages)`` storing ``{key: array}``
    back as the optimizer's averages. Used by this callback and by ``fit``, which ends with the
    averages in the model as Keras's does."""
    state = optimizer._held_state
    if state is not None:  # the state fit/train_on_batch trains (the optimizer holds it, with its variables)
        by_path = {tuple(p): v for p, v in optimizer._held_items}
        average = optimizer._ema_average(state)
        leaves = jax.tree_util.tree_flatten_with_path(average)[0]
        pairs = []
        for path, avg in leaves:
            key = tuple(str(_key_str(k)) for k in path)
            pairs.append((by_path[key], key, avg))

        def write(new):
            rebuilt = jax.tree_util.tree_map_with_path(
                lambda path, avg: new.get(tuple(str(_key_str(k)) for k in path), avg), average)
            optimizer._keep_training_state(optimizer._replace_ema_average(state, rebuilt))

        return pairs, write
    if optimizer.built:  # a custom loop's optimizer (built on the model's variables)
        handles_state = optimizer._state_from_handles()
        average = optimizer._ema_average(handles_state)
        pairs = [(var, i, avg) for i, (var, avg) in enumerate(zip(optimizer._trainable_variables, average))
                 if avg is not None]

        def write(new):
            rebuilt = [new.get(i, avg) for i, avg in enumerate(average)]
            new_state = optimizer._replace_ema_average(handles_state, rebuilt)
            for handle, value in zip(optimizer._variables, jax.tree_util.tree_leaves(new_state)):
                handle.assign(value)

        return pairs, write
    return [], None  # nothing trained yet: there is no average to swap in
