"""The optimizer base class: Keras 3's optimizer API over one optax ``GradientTransformation``.

An fkeras optimizer *is* an optax transformation (``optimizer.tx``) plus Keras's object API:

- ``tx`` chains, in Keras's order: loss-scale unscaling -> gradient accumulation ->
  clipping -> decoupled weight decay + the Keras update rule -> EMA of the weights.
  The whole chain sits inside ``optax.inject_hyperparams``, so ``learning_rate`` lives in the optax
  state (``state.hyperparams["learning_rate"]``) and can change between steps of a jitted train
  step without re-tracing. A schedule is evaluated inside the transformation at the step count.
- Keras's update rules put ``lr`` *inside* some buffers (SGD/RMSprop momentum, Adadelta) and read
  the weights (Ftrl, Adafactor), so each rule is written as one transformation that receives the
  learning rate and returns the final (already negative, lr-scaled) update. It matches Keras 3's
  arithmetic step by step (epsilon placement, bias correction, Nadam's momentum cache, ...).
- The stateless Keras 3 API (``build`` / ``variables`` / ``stateless_apply``) and the eager one
  (``apply`` / ``apply_gradients``) are thin layers over ``tx.init`` / ``tx.update``.

Example:

```python
opt = fkeras.optimizers.Adam(learning_rate=1e-3)
state = opt.tx.init(params)                       # params: {"dense": {"kernel": ..., "bias": ...}}
updates, state = opt.tx.update(grads, state, params)
params = optax.apply_updates(params, updates)
opt.learning_rate = 5e-4                           # a callback lowers the rate ...
state = opt._write_hyperparams(state)              # ... and the trainer writes it into the state
```
"""
from __future__ import annotations

import inspect
import re
import warnings
import weakref
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.engine.variables import behaves_as_array
from fkeras.backend.config import floatx
from fkeras.optimizers.schedules import learning_rate_schedule
from fkeras.saving import registry
from fkeras.utils import naming

# ---------------------------------------------------------------------------------------------
# Small state handle for the Keras object API.
# ---------------------------------------------------------------------------------------------


class _LiveNumber:
    """What ``optimizer.learning_rate`` and ``optimizer.iterations`` return: the number (a
    ``float`` / ``int`` subclass, so arithmetic, formatting and comparisons are a number's) that
    also answers Keras 3's variable API — ``.numpy()``, ``.value``, ``.assign(v)`` — so that
    ``keras.backend.set_value(model.optimizer.learning_rate, 1e-4)`` and
    ``model.optimizer.iterations.numpy()`` work. ``assign`` writes through to the optimizer; the
    number itself is a snapshot (read the attribute again after a change). Pickling or copying
    gives a plain number."""

    shape = ()

    def _bind(self, write):
        self._write = write
        return self

    @property
    def value(self):
        return jnp.asarray(self._plain(), self.dtype)

    def numpy(self):
        return np.asarray(self._plain(), self.dtype)[()]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._plain(), dtype or self.dtype)

    def assign(self, value):
        self._write(np.asarray(value).item())
        return self

    def _plain(self):
        return self._number(self)

    def __reduce__(self):
        return self._number, (self._plain(),)


class _LearningRateValue(_LiveNumber, float):
    _number = float
    dtype = np.dtype("float32")


class _IterationsValue(_LiveNumber, int):
    _number = int
    dtype = np.dtype("int32")


class _OptimizerVariable:
    """What both kinds of optimizer-variable handle share: ``numpy()``, ``__array__``, the repr
    and the shape check of ``assign`` (subclasses provide ``name``, ``shape``, ``dtype``, ``value``)."""

    def _check_shape(self, value):
        if tuple(np.shape(value)) != tuple(self.shape):
            raise ValueError(f"Cannot assign a value of shape {tuple(np.shape(value))} to optimizer variable "
                             f"{self.name!r} of shape {tuple(self.shape)}.")

    def numpy(self):
        return np.asarray(self.value)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def __repr__(self):
        return f"<OptimizerVariable name={self.name!r} shape={tuple(self.shape)} dtype={self.dtype}>"


@behaves_as_array
class _TrainerStateVariable(_OptimizerVariable):
    """A handle on one of Keras's optimizer variables of a model whose optimizer state lives in
    its trainer (``compile``/``fit``): reads and writes go through the Keras-ordered layout that
    ``.keras`` files use (``saving.keras_layout``)."""

    def __init__(self, model, index, name, path, shape, dtype):
        self._model_ref = weakref.ref(model)
        self._index = index
        self.name, self.path = name, path
        self.shape = tuple(shape)
        self.dtype = dtype

    def _arrays(self):
        from fkeras.saving import keras_layout

        model = self._model_ref()
        if model is None:
            raise RuntimeError(f"The model that optimizer variable {self.name!r} belongs to no longer exists.")
        return model, keras_layout.optimizer_entries(model)

    @property
    def value(self):
        return jnp.asarray(self._arrays()[1][self._index][1])

    def assign(self, value):
        from fkeras.saving import keras_layout

        self._check_shape(value)
        model, arrays = self._arrays()
        values = [a for _, a in arrays]
        values[self._index] = np.asarray(value, dtype=self.dtype)
        if not keras_layout.restore_optimizer(model, values):
            raise ValueError(f"Could not write optimizer variable {self.name!r} back into the model's state.")
        return self


@behaves_as_array
class _StateVariable(_OptimizerVariable):
    """A minimal mutable handle over one leaf of the optax state (private to the optimizer)."""

    def __init__(self, value, name=None):
        self._value = jnp.asarray(value)
        self.name = name
        self.path = name

    @property
    def value(self):
        return self._value

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype

    def assign(self, value):
        value = jnp.asarray(value, dtype=self.dtype)
        self._check_shape(value)
        self._value = value
        return self


def _value_of(v):
    return v.value if hasattr(v, "value") else jnp.asarray(v)


# ---------------------------------------------------------------------------------------------
# Transformations shared by all Keras optimizers.
# ---------------------------------------------------------------------------------------------


class KerasOptimizerState(NamedTuple):
    """State of a Keras update rule: step ``count`` (updates applied), per-variable ``slots``
    (one pytree like the params per slot, in Keras's variable order) and global ``extra`` scalars."""

    count: Any
    slots: tuple
    extra: dict


class GradientAccumulationState(NamedTuple):
    mini_step: Any
    accumulated_gradients: Any
    inner_state: Any


class EMAState(NamedTuple):
    count: Any
    average: Any


def _unscale(factor):
    def update(updates, state, params=None):
        del params
        return jax.tree_util.tree_map(lambda g: g / jnp.asarray(factor, g.dtype), updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _clip_by_norm_leaf(g, clipnorm):
    # Keras's per-tensor clip: g * clipnorm / max(||g||, clipnorm), NaN-safe at ||g|| == 0.
    l2sum = jnp.sum(jnp.square(g), keepdims=True)
    pred = l2sum > 0
    l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, jnp.ones_like(l2sum))), l2sum)
    clipnorm = jnp.asarray(clipnorm, g.dtype)
    return g * clipnorm / jnp.maximum(l2norm, clipnorm)


def _keras_clip(clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Keras 3's ``_clip_gradients``: per-tensor norm, global norm, or value clipping."""

    def update(updates, state, params=None):
        del params
        if clipnorm and clipnorm > 0:
            updates = jax.tree_util.tree_map(lambda g: _clip_by_norm_leaf(g, clipnorm), updates)
        elif global_clipnorm and global_clipnorm > 0:
            leaves = jax.tree_util.tree_leaves(updates)
            norm = jnp.sqrt(sum(jnp.sum(jnp.square(g.astype(jnp.float32))) for g in leaves))
            scale = global_clipnorm * jnp.minimum(1.0 / norm, 1.0 / global_clipnorm)
            scale = scale + (norm - norm)  # NaN for a non-finite norm, as Keras
            updates = jax.tree_util.tree_map(lambda g: g * scale.astype(g.dtype), updates)
        elif clipvalue and clipvalue > 0:
            updates = jax.tree_util.tree_map(lambda g: jnp.clip(g, -clipvalue, clipvalue), updates)
        return updates, state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _keras_update(optimizer, learning_rate):
    """Decoupled weight decay (``w -= w * wd * lr``, before the update) plus ``optimizer``'s
    Keras update rule, as one transformation returning the final update for each weight."""

    def init(params):
        leaves, treedef = jax.tree_util.tree_flatten(params)
        slots = tuple(
            treedef.unflatten([optimizer._init_slot(name, p) for p in leaves])
            for name in optimizer._slot_names()
        )
        return KerasOptimizerState(
            count=jnp.zeros([], jnp.int32), slots=slots, extra=optimizer._init_extra(leaves)
        )

    def update(grads, state, params=None):
        wd = optimizer.weight_decay
        if params is None:
            if wd or optimizer._needs_params:
                raise ValueError(
                    f"{optimizer.__class__.__name__}.tx.update(grads, state, params) needs `params` "
                    "(weight decay or the update rule reads the weights). Received params=None."
                )
            structure = grads
        else:
            structure = params
        leaves_s, treedef = jax.tree_util.tree_flatten(structure)
        leaves_g = treedef.flatten_up_to(grads)
        leaves_p = leaves_s if params is not None else [None] * len(leaves_s)
        slot_leaves = [treedef.flatten_up_to(s) for s in state.slots]
        step = state.count + 1
        extra = optimizer._update_extra(state.extra, step)
        if wd:
            mask = treedef.flatten_up_to(optimizer._weight_decay_mask(structure))
        out_updates = []
        new_slot_leaves = [[] for _ in state.slots]
        for i, (g, p) in enumerate(zip(leaves_g, leaves_p)):
            dtype = p.dtype if p is not None else g.dtype
            g = jnp.asarray(g).astype(dtype)
            lr = jnp.asarray(learning_rate).astype(dtype)
            decay = None
            if wd and mask[i]:
                decay = p * jnp.asarray(wd, dtype) * lr
                p = p - decay
            delta, new_slots = optimizer._update_leaf(
                g, p, tuple(s[i] for s in slot_leaves), lr, step, extra
            )
            if decay is not None:
                delta = delta - decay
            out_updates.append(delta.astype(dtype))
            for k, s in enumerate(new_slots):
                new_slot_leaves[k].append(s.astype(slot_leaves[k][i].dtype))
        new_state = KerasOptimizerState(
            count=state.count + 1,
            slots=tuple(treedef.unflatten(s) for s in new_slot_leaves),
            extra=extra,
        )
        return treedef.unflatten(out_updates), new_state

    return optax.GradientTransformation(init, update)


def _accumulate_gradients(inner, steps):
    """Keras's gradient accumulation: sum gradients for ``steps`` calls, then run ``inner`` once
    on their mean; other calls return zero updates and leave ``inner``'s state unchanged."""

    def init(params):
        return GradientAccumulationState(
            mini_step=jnp.zeros([], jnp.int32),
            accumulated_gradients=jax.tree_util.tree_map(jnp.zeros_like, params),
            inner_state=inner.init(params),
        )

    def update(grads, state, params=None):
        is_update = (state.mini_step + 1) % steps == 0
        summed = jax.tree_util.tree_map(lambda g, a: g + a.astype(g.dtype), grads,
                                        state.accumulated_gradients)
        mean = jax.tree_util.tree_map(lambda s: s / jnp.asarray(steps, s.dtype), summed)
        updates, inner_state = inner.update(mean, state.inner_state, params)
        inner_state = jax.tree_util.tree_map(lambda new, old: jnp.where(is_update, new, old),
                                             inner_state, state.inner_state)
        updates = jax.tree_util.tree_map(lambda u: jnp.where(is_update, u, jnp.zeros_like(u)),
                                         updates)
        accumulated = jax.tree_util.tree_map(
            lambda s, a: jnp.where(is_update, jnp.zeros_like(a), s.astype(a.dtype)),
            summed, state.accumulated_gradients)
        return updates, GradientAccumulationState(state.mini_step + 1, accumulated, inner_state)

    return optax.GradientTransformation(init, update)


def _keras_ema(momentum, overwrite_frequency=None, accumulation_steps=None):
    """Keras's EMA of the weights: ``average = m * average + (1 - m) * new_weights`` (``m = 0``
    on the first step); every ``overwrite_frequency`` steps the weights are replaced by it."""

    def init(params):
        return EMAState(count=jnp.zeros([], jnp.int32),
                        average=jax.tree_util.tree_map(jnp.zeros_like, params))

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("use_ema=True needs `params` in tx.update(grads, state, params).")
        iterations = state.count
        if accumulation_steps:
            iterations = iterations // accumulation_steps
        new_params = optax.apply_updates(params, updates)

        def avg(a, w):
            m = (iterations != 0).astype(w.dtype) * jnp.asarray(momentum, w.dtype)
            return m * a + (1 - m) * w

        average = jax.tree_util.tree_map(avg, state.average, new_params)
        if overwrite_frequency:
            overwrite = (iterations + 1) % overwrite_frequency == 0
            updates = jax.tree_util.tree_map(
                lambda u, a, p: jnp.where(overwrite, (a - p).astype(u.dtype), u),
                updates, average, params)
        return updates, EMAState(count=state.count + 1, average=average)

    return optax.GradientTransformation(init, update)


# ---------------------------------------------------------------------------------------------
# Locating the injected learning rate inside any optax state.
# ---------------------------------------------------------------------------------------------


def _has_lr_hyperparam(s):
    hp = getattr(s, "hyperparams", None)
    return isinstance(hp, dict) and "learning_rate" in hp and hasattr(s, "_replace")


def _find_lr_state(state):
    if _has_lr_hyperparam(state):
        return state
    if isinstance(state, (tuple, list)):
        children = list(state)
    elif isinstance(state, dict):
        children = list(state.values())
    else:
        return None
    for child in children:
        found = _find_lr_state(child)
        if found is not None:
            return found
    return None


def _replace_lr(state, value):
    """``state`` with the first injected ``learning_rate`` set to ``value`` (dtype/shape kept)."""
    done = [False]

    def rec(s):
        if done[0]:
            return s
        if _has_lr_hyperparam(s):
            done[0] = True
            old = s.hyperparams["learning_rate"]
            old_arr = jnp.asarray(old)
            new = jnp.full(old_arr.shape, value, dtype=old_arr.dtype)
            if isinstance(old, jax.Array) and not isinstance(old, jax.core.Tracer):
                new = jax.device_put(new, old.sharding)  # placed as before: no recompile
            hp = dict(s.hyperparams)
            hp["learning_rate"] = new
            return s._replace(hyperparams=hp)
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[rec(c) for c in s])
        if isinstance(s, (tuple, list)):
            return type(s)(rec(c) for c in s)
        if isinstance(s, dict):
            return {k: rec(v) for k, v in s.items()}
        return s

    return rec(state)


def _locate_counts(treedef):
    """See ``Optimizer._locate_counts``: found by flattening a state of leaf indices."""
    idx = jax.tree_util.tree_unflatten(treedef, list(range(treedef.num_leaves)))
    out = []
    injected = _find_lr_state(idx)
    if injected is not None and isinstance(getattr(injected, "count", None), int):
        out.append((injected.count, False))
        for schedule_state in (getattr(injected, "hyperparams_states", None) or {}).values():
            if isinstance(getattr(schedule_state, "count", None), int):  # the step a schedule is evaluated at
                out.append((schedule_state.count, False))
    for cls, field, per_update in ((GradientAccumulationState, "mini_step", False), (EMAState, "count", False),
                                   (KerasOptimizerState, "count", True)):
        found = _find_state(idx, cls)
        if found is not None and isinstance(getattr(found, field), int):
            out.append((getattr(found, field), per_update))
    return out


def _find_state(state, cls):
    if isinstance(state, cls):
        return state
    if isinstance(state, (tuple, list)):
        children = list(state)
    elif isinstance(state, dict):
        children = list(state.values())
    else:
        return None
    for child in children:
        found = _find_state(child, cls)
        if found is not None:
            return found
    return None


def _path_to_str(path):
    parts = []
    for key in path:
        for attr in ("key", "name", "idx"):
            if hasattr(key, attr):
                parts.append(str(getattr(key, attr)))
                break
        else:
            parts.append(str(key))
    return "/".join(parts)


def _as_step_schedule(fn):
    """A Keras zero-argument callable, or a callable of the step, as a callable of the step."""
    if isinstance(fn, learning_rate_schedule.LearningRateSchedule):
        return fn
    try:
        params = [
            p for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        takes_step = len(params) >= 1 or any(
            p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        takes_step = True
    if takes_step:
        return fn
    return lambda step: fn()


_UNSET = object()


# ---------------------------------------------------------------------------------------------
# The Optimizer base class.
# ---------------------------------------------------------------------------------------------


class Optimizer:
    """Base class of fkeras optimizers: Keras 3's arguments and object API, an optax transformation inside.

    Every built-in optimizer takes the arguments below. They become one ``optax`` chain, in Keras's
    order: loss-scale unscaling, gradient accumulation, clipping, decoupled weight decay, the update
    rule with an injected learning rate (so callbacks can change it without re-tracing), and the
    moving average of the weights.

    Subclasses define the update rule with ``_slot_names()``, ``_init_slot(name, param)`` and
    ``_update_leaf(g, p, slots, lr, step, extra) -> (update, new_slots)``.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count (or of no argument) returning the rate.
        weight_decay: Optional float. When set, decoupled weight decay shrinks every variable before
            each update, ``w -= w * weight_decay * learning_rate`` (see
            ``exclude_from_weight_decay``). ``None`` (default) disables it.
        clipnorm: Optional float; each variable's gradient is rescaled so that its own L2 norm is at
            most this value.
        clipvalue: Optional float; every gradient entry is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: Optional float; all gradients are rescaled together so that their joint L2
            norm is at most this value. At most one of ``clipnorm``, ``clipvalue`` and
            ``global_clipnorm`` may be set.
        use_ema: Whether to keep an exponential moving average of the weights (``EMA``). Defaults to
            ``False``.
        ema_momentum: Float in ``[0, 1]``, the momentum of that average: after each step
            ``average = ema_momentum * average + (1 - ema_momentum) * w``. Only used with
            ``use_ema``. Defaults to ``0.99``.
        ema_overwrite_frequency: Optional integer >= 1; with ``use_ema``, every this many steps the
            weights are replaced by their moving average. ``None`` (default) leaves that to
            ``finalize_variable_values`` (called at the end of ``fit``).
        loss_scale_factor: Optional float. ``scale_loss`` multiplies the loss by it and the
            gradients are divided by it before the update, a static loss scale for mixed precision.
            ``None`` (default) means no scaling.
        gradient_accumulation_steps: Optional integer >= 2. The variables are then updated only
            every this many steps, with the mean of the gradients gathered since the last update.
            ``None`` (default) updates every step.
        name: Name of the optimizer; ``None`` (default) derives a unique one from the class name.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, ``weight_decay`` is not a number, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    grads = [np.ones((2,), "float32")]
    w = keras.Variable(np.zeros((2,), "float32"))
    opt.apply(grads, [w])   # w is now [-0.1, -0.1]
    ```
    """

    _needs_params = False  # True when the update rule reads the weights (Ftrl, Adafactor).

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if name is None:
            name = naming.auto_name(self.__class__.__name__)
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if not (isinstance(gradient_accumulation_steps, (int, np.integer))
                    and gradient_accumulation_steps >= 2):
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. "
                    f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
                )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        if weight_decay is not None and not isinstance(weight_decay, (int, float, np.floating)):
            raise ValueError(
                f"Argument `weight_decay` must be a float or None. Received: weight_decay={weight_decay!r}"
            )
        self.built = False
        self._iterations = 0
        self._lr_version = 0
        self._tx = None
        self._variables = []
        self._trainable_variables = []
        self._trainable_ids = {}
        self._state_treedef = None
        self._jit_apply = None
        self._var_decay_flags = None
        self._exclude_ids = set()
        self._exclude_paths = set()
        self._exclude_pattern = None
        if learning_rate is not _UNSET:
            self._learning_rate = self._check_learning_rate(learning_rate)

    # ---- learning rate ---------------------------------------------------------------------

    @staticmethod
    def _check_learning_rate(learning_rate):
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            return learning_rate
        if callable(learning_rate):
            return learning_rate
        if isinstance(learning_rate, (bool, np.bool_)):
            pass
        elif isinstance(learning_rate, (int, float, np.integer, np.floating)):
            return float(learning_rate)
        elif isinstance(learning_rate, (np.ndarray, jax.Array)) and np.ndim(learning_rate) == 0:
            return float(learning_rate)
        raise ValueError(
            "Argument `learning_rate` should be a float, an instance of LearningRateSchedule, or "
            "a callable (that takes the current iteration value and returns the corresponding "
            f"learning rate value). Received instead: learning_rate={learning_rate!r}"
        )

    def _lr_is_schedule(self):
        return callable(self._learning_rate)

    def _get_current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, learning_rate_schedule.LearningRateSchedule):
            return float(lr(self._iterations))
        if callable(lr):
            return float(_as_step_schedule(lr)(self._iterations))
        return lr

    @property
    def learning_rate(self):
        """The current learning rate (a float; a schedule is evaluated at the current step). As
        with Keras 3's variable, ``.numpy()`` reads it and ``.assign(v)`` (or
        ``keras.backend.set_value``) sets it."""
        return _LearningRateValue(self._get_current_learning_rate())._bind(self._assign_learning_rate)

    def _assign_learning_rate(self, value):
        self.learning_rate = value

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule) or callable(
            learning_rate
        ):
            # A new schedule changes the transformation (and its state layout): rebuild it.
            if self.built:
                raise TypeError(
                    f"Cannot switch the learning rate of {self.name!r} to a schedule after the "
                    "optimizer is built (its state layout would change); create a new optimizer."
                )
            self._learning_rate = learning_rate
            self._tx = None
            self._jit_apply = None
            self._lr_version += 1
            return
        if self._lr_is_schedule():
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable "
                "(learning_rate is a schedule, cannot set it to a float). If you need the learning "
                "rate to be settable, you should instantiate the optimizer with a float "
                f"`learning_rate` argument. Received: learning_rate={learning_rate!r}"
            )
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._lr_version += 1
        if self.built:
            self._sync_lr_handle()

    lr = learning_rate  # Keras's alias.

    def _write_hyperparams(self, opt_state):
        """``opt_state`` with the Python-side learning rate written into the injected
        hyperparameter (no-op for schedules, which are evaluated inside the transformation)."""
        if self._lr_is_schedule():
            return opt_state
        return _replace_lr(opt_state, self._learning_rate)

    def _read_learning_rate(self, opt_state):
        """The learning rate stored in ``opt_state`` (the one used by the last update for a
        schedule)."""
        found = _find_lr_state(opt_state)
        if found is None:
            raise ValueError(
                f"No injected `learning_rate` hyperparameter found in the optimizer state of {self.name!r}."
            )
        return found.hyperparams["learning_rate"]

    @property
    def _iterations(self):
        """Raw count of update calls. Once the optimizer is built it is read from the step counter
        among ``variables`` (so values written back into them, as Keras's JAX custom-loop guide
        does after ``stateless_apply``, are what ``iterations`` and a schedule see)."""
        index = self._raw_count_index()
        if index is not None:
            return int(np.asarray(self._variables[index].value))
        return self.__dict__.get("_iterations_value", 0)

    def _raw_count_index(self):
        """Index in ``variables`` of the counter of update calls, or None (not built / unknown)."""
        if not self.__dict__.get("_variables"):
            return None
        for index, per_update in self.__dict__.get("_count_positions") or ():
            if not per_update:
                return index
        return None

    @_iterations.setter
    def _iterations(self, value):
        value = int(value)
        self.__dict__["_iterations_value"] = value
        positions = self.__dict__.get("_count_positions")
        if positions and self._variables:
            steps = self.gradient_accumulation_steps or 1
            for index, per_update in positions:
                self._variables[index].assign(value // steps if per_update else value)

    @property
    def iterations(self):
        """Number of optimizer steps taken (divided by ``gradient_accumulation_steps`` if set); an
        ``int`` with Keras 3's variable API (``.numpy()``, ``.assign(n)``)."""
        steps = self.gradient_accumulation_steps or 1
        return _IterationsValue(int(self._iterations) // steps)._bind(self._assign_iterations)

    def _assign_iterations(self, value):
        self._iterations = int(value) * (self.gradient_accumulation_steps or 1)

    # ---- the optax transformation -----------------------------------------------------------

    @property
    def tx(self):
        """The full optax ``GradientTransformation`` (built once and cached)."""
        if self._tx is None:
            self._tx = self._build_tx()
        return self._tx

    def _build_tx(self):
        lr = self._learning_rate
        if callable(lr):
            lr = _as_step_schedule(lr)
        return optax.inject_hyperparams(self._make_chain, hyperparam_dtype=jnp.dtype(floatx()))(
            learning_rate=lr
        )

    def _make_chain(self, learning_rate):
        parts = []
        if self.loss_scale_factor is not None:
            parts.append(_unscale(self.loss_scale_factor))
        inner = optax.chain(
            _keras_clip(self.clipnorm, self.clipvalue, self.global_clipnorm),
            self._update_transformation(learning_rate),
        )
        if self.gradient_accumulation_steps:
            inner = _accumulate_gradients(inner, self.gradient_accumulation_steps)
        parts.append(inner)
        if self.use_ema:
            parts.append(_keras_ema(self.ema_momentum, self.ema_overwrite_frequency,
                                    self.gradient_accumulation_steps))
        return optax.chain(*parts)

    # ---- the update rule (subclasses) -----------------------------------------------------

    def _update_transformation(self, learning_rate):
        """The transformation for weight decay + the update rule (a rule that cannot be written
        per leaf with ``_update_leaf``, such as Muon's, overrides this)."""
        return _keras_update(self, learning_rate)

    def _slot_names(self):
        return ()

    def _init_slot(self, name, param):
        return jnp.zeros_like(param)

    def _init_extra(self, param_leaves):
        return {}

    def _update_extra(self, extra, step):
        return extra

    def _update_leaf(self, g, p, slots, lr, step, extra):
        raise NotImplementedError(
            f"Optimizer {self.__class__.__name__} must implement `_update_leaf` (or wrap a raw "
            "optax transformation with `OptaxOptimizer`)."
        )

    # ---- weight decay exclusions ----------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay (call before the optimizer is built).

        Args:
            var_list: variables to exclude (matched by identity, or by their ``path``).
            var_names: strings; a variable whose path (e.g. ``"dense/bias"``) contains any of
                them (regular-expression search, as Keras) is excluded.

        Example:

        ```python
        opt = AdamW(weight_decay=0.01)
        opt.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
        ```
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer is built."
            )
        self._exclude_ids = set(id(v) for v in (var_list or []))
        self._exclude_paths = set(
            str(v.path) for v in (var_list or []) if getattr(v, "path", None) is not None
        )
        if var_names and len(var_names) > 0:
            self._exclude_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_pattern = None

    def _use_weight_decay_path(self, path):
        if path in self._exclude_paths:
            return False
        if self._exclude_pattern is not None and re.search(self._exclude_pattern, path):
            return False
        return True

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        path = getattr(variable, "path", None) or getattr(variable, "name", None)
        if path is None:
            return True
        return self._use_weight_decay_path(str(path))

    def _weight_decay_mask(self, params):
        """A pytree of Python bools like ``params``: which leaves get weight decay."""
        flags = self._var_decay_flags
        if isinstance(params, (list, tuple)) and flags is not None and len(params) == len(flags):
            return type(params)(flags) if isinstance(params, list) else tuple(flags)
        return jax.tree_util.tree_map_with_path(
            lambda path, _: self._use_weight_decay_path(_path_to_str(path)), params
        )

    # ---- Keras 3 stateless / eager API ----------------------------------------------------

    def build(self, var_list):
        """Create the optimizer's state for ``var_list`` (variables with ``.value``, or arrays)."""
        if self.built:
            return
        var_list = list(var_list)
        values = [_value_of(v) for v in var_list]
        self._set_variable_info(var_list)
        state = self._write_hyperparams(self.tx.init(values))
        with_paths, treedef = jax.tree_util.tree_flatten_with_path(state)
        self._adopt_state(
            [_StateVariable(leaf, name=f"{self.name}{jax.tree_util.keystr(path)}") for path, leaf in with_paths],
            treedef)

    def _set_variable_info(self, var_list):
        """Record the model variables the update runs over (order, identity, weight-decay flags)."""
        self._trainable_variables = list(var_list)
        self._trainable_ids = {id(v): i for i, v in enumerate(self._trainable_variables)}
        self._var_decay_flags = [self._use_weight_decay(v) for v in self._trainable_variables]

    def _locate_counts(self, treedef):
        """``[(leaf index, per_update)]``: where the step counters sit among the flat state leaves
        (``per_update``: counts applied updates, not calls, under gradient accumulation)."""
        return _locate_counts(treedef)

    def _adopt_state(self, handles, treedef):
        """Make ``handles`` (one per leaf of a state with structure ``treedef``) this optimizer's
        ``variables``; a wrapper shares a slice of its own handles with the optimizer it wraps."""
        pending = self.__dict__.get("_iterations_value", 0)
        self._state_treedef = treedef
        self._variables = list(handles)
        self._count_positions = self._locate_counts(treedef)
        self.built = True
        if pending:
            self._iterations = pending  # counted before the build (restored, or trained by fit)

    @property
    def variables(self):
        """The optimizer's state as a flat list of handles (``.value``, ``.assign``).

        After ``optimizer.build(...)``: the handles of that state (Keras 3's custom-loop API).
        For a model's optimizer that ``compile``/``fit`` drive (the state lives in the model's
        trainer): Keras's variables in Keras's order and names (``iteration``,
        ``learning_rate``, then each trainable variable's slots such as
        ``dense_kernel_momentum``), read from and written to the model's optimizer state."""
        if self._variables:
            return self._variables[:]
        model = self._model_ref() if getattr(self, "_model_ref", None) is not None else None
        if model is None or getattr(model, "optimizer", None) is not self:
            return []
        from fkeras.saving import keras_layout

        if getattr(model, "_opt_state", None) is None:  # not trained yet: Keras has built no slots
            entries = keras_layout._header(self)
        else:
            entries = keras_layout.optimizer_entries(model)
        return [_TrainerStateVariable(model, i, name, f"{self.name}/{name}", np.shape(a), np.dtype(a.dtype))
                for i, (name, a) in enumerate(entries)]

    def _sync_lr_handle(self):
        state = self._state_from_handles()
        state = self._write_hyperparams(state)
        for h, v in zip(self._variables, jax.tree_util.tree_leaves(state)):
            h.assign(v)

    def _state_from_handles(self, values=None):
        if values is None:
            values = [h.value for h in self._variables]
        return jax.tree_util.tree_unflatten(self._state_treedef, list(values))

    def _check_grads(self, grads):
        missing = [i for i, g in enumerate(grads) if g is None]
        if missing:
            raise ValueError(
                f"Received None gradients for variables at positions {missing}. fkeras optimizers "
                "update every variable they were built with; pass zeros, or build the optimizer "
                "on the variables that do receive gradients."
            )

    def _pure_apply(self, optimizer_variables, grads, trainable_values):
        state = self._state_from_handles(optimizer_variables)
        grads = [jnp.asarray(g) for g in grads]
        params = [jnp.asarray(p) for p in trainable_values]
        updates, new_state = self.tx.update(grads, state, params)
        new_params = optax.apply_updates(params, updates)
        return list(new_params), jax.tree_util.tree_leaves(new_state)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure, jittable update: returns ``(new_trainable_values, new_optimizer_variables)``.

        Example:

        ```python
        opt.build(params)
        opt_vars = [v.value for v in opt.variables]
        params, opt_vars = jax.jit(opt.stateless_apply)(opt_vars, grads, params)
        ```
        """
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {self.__class__.__name__} must be built (i.e. its "
                "variables must have been created). You can build it via "
                "`optimizer.build(trainable_variables)`."
            )
        if len(optimizer_variables) != len(self._variables):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received list with length "
                f"{len(optimizer_variables)}, but expected {len(self._variables)} variables."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                "Argument `trainable_variables` must be a list of tensors corresponding 1:1 to "
                "the trainable variables list that the optimizer was built with. Received "
                f"len(trainable_variables) == {len(trainable_variables)} whereas the optimizer "
                f"was built with {len(self._trainable_variables)} variables."
            )
        grads = list(grads)
        if len(grads) != len(self._trainable_variables):
            raise ValueError(
                f"Expected {len(self._trainable_variables)} gradients (one per trainable "
                f"variable), received {len(grads)}."
            )
        self._check_grads(grads)
        return self._pure_apply(
            [_value_of(v) for v in optimizer_variables], grads,
            [_value_of(v) for v in trainable_variables],
        )

    def apply(self, grads, trainable_variables=None):
        """Eager update: applies ``grads`` to the variables in place (``.assign``)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            for v in trainable_variables:
                if id(v) not in self._trainable_ids:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only be called for the "
                        "variables it was originally built with. When working with a new set of "
                        "variables, you should recreate a new optimizer instance."
                    )
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Received {len(grads)} gradients for {len(trainable_variables)} variables."
            )
        for v in trainable_variables:
            if not hasattr(v, "assign"):
                raise TypeError(
                    "`apply()` updates variables in place and needs objects with `.assign()`; "
                    f"received {type(v).__name__}. For plain arrays use `stateless_apply`."
                )
        self._check_grads(grads)
        # Order grads like the built variable list (callers may pass a permutation).
        ordered = [None] * len(self._trainable_variables)
        for g, v in zip(grads, trainable_variables):
            ordered[self._trainable_ids[id(v)]] = g
        if any(g is None for g in ordered):
            raise ValueError(
                "`apply()` needs a gradient for every variable the optimizer was built with."
            )
        state = self._write_hyperparams(self._state_from_handles())
        opt_values = jax.tree_util.tree_leaves(state)
        if self._jit_apply is None:
            self._jit_apply = jax.jit(self._pure_apply)
        new_params, new_opt = self._jit_apply(
            opt_values, ordered, [_value_of(v) for v in self._trainable_variables]
        )
        for h, v in zip(self._variables, new_opt):
            h.assign(v)
        for var, value in zip(self._trainable_variables, new_params):
            var.assign(value)
            constraint = getattr(var, "constraint", None)
            if constraint is not None:
                var.assign(constraint(_value_of(var)))
        if self._raw_count_index() is None:
            self._iterations += 1  # a raw optax state without a counter we know: count here

    def apply_gradients(self, grads_and_vars):
        """Eager update from ``[(grad, variable), ...]``; returns ``iterations``."""
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            return self._iterations
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` (if set) before taking gradients."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list):
        """With ``use_ema=True``, overwrite ``var_list`` by their moving averages."""
        if not self.use_ema or not self.built:
            return
        average = self._ema_average(self._state_from_handles())
        if len(var_list) != len(average):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(average)})."
            )
        for var, avg in zip(var_list, average):
            var.assign(avg)

    def _ema_average(self, opt_state):
        """The moving average of the weights held in ``opt_state`` (``use_ema=True``), a pytree
        like the params; a trainer writes it into the model at the end of ``fit``."""
        ema = _find_state(opt_state, EMAState)
        if ema is None:
            raise ValueError(f"Optimizer {self.name!r} keeps no moving average (use_ema=False).")
        return ema.average

    def _replace_ema_average(self, opt_state, average):
        """``opt_state`` with the moving average of the weights (``use_ema=True``) replaced by
        ``average`` (a pytree like the params); used to swap EMA weights in and out."""
        done = [False]

        def rebuild(s):
            if isinstance(s, EMAState) and not done[0]:
                done[0] = True
                return s._replace(average=average)
            if isinstance(s, tuple) and hasattr(s, "_fields"):
                return type(s)(*[rebuild(c) for c in s])
            if isinstance(s, (tuple, list)):
                return type(s)(rebuild(c) for c in s)
            if isinstance(s, dict):
                return {k: rebuild(v) for k, v in s.items()}
            return s

        new_state = rebuild(opt_state)
        if not done[0]:
            raise ValueError(f"Optimizer {self.name!r} keeps no moving average (use_ema=False).")
        return new_state

    def set_weights(self, weights):
        """Set the optimizer's state from a list of arrays (one per ``variables`` entry)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(
                    f"Optimizer variable {variable.name} has shape {variable.shape} not compatible "
                    f"with provided weight shape {tuple(np.shape(weight))}."
                )
            variable.assign(weight)

    def get_weights(self):
        return [v.numpy() for v in self._variables]

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables. "
            )
            if len(self._variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    # ---- config --------------------------------------------------------------------------

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate_schedule.serialize(lr)
        elif callable(lr):
            learning_rate = registry.serialize_keras_object(lr)
        else:
            learning_rate = float(lr)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            lr_config = config["learning_rate"]
            if lr_config.get("class_name") in learning_rate_schedule.ALL_OBJECTS_DICT:
                config["learning_rate"] = learning_rate_schedule.deserialize(
                    lr_config, custom_objects=custom_objects)
            else:
                config["learning_rate"] = registry.deserialize_keras_object(
                    lr_config, custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        try:
            lr = self.learning_rate
        except Exception:  # noqa: BLE001 - repr must not raise
            lr = "?"
        return f"<{self.__class__.__name__} name={self.name!r} learning_rate={lr}>"


# ---------------------------------------------------------------------------------------------
# A raw optax transformation behind the same interface.
# ---------------------------------------------------------------------------------------------


class OptaxOptimizer(Optimizer):
    """Wrap any ``optax.GradientTransformation`` so that ``compile()`` and the Keras optimizer API accept it.

    The transformation is used as it is (no clipping, weight decay or EMA is added). The learning
    rate can be read and set only when the transformation exposes it through
    ``optax.inject_hyperparams(...)(learning_rate=...)``; ``compile`` also accepts a raw
    transformation directly and wraps it this way.

    Args:
        tx: The ``optax.GradientTransformation`` to run.
        name: Name of the optimizer; ``None`` (default) derives a unique one (``"optax_optimizer"``,
            ...).

    Raises:
        TypeError: If ``tx`` is not an ``optax.GradientTransformation``.

    Example:

    ```python
    tx = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
    opt = keras.optimizers.OptaxOptimizer(tx)
    opt.learning_rate = 1e-4
    ```
    """

    def __init__(self, tx, name=None):
        if not isinstance(tx, optax.GradientTransformation):
            raise TypeError(
                "OptaxOptimizer expects an `optax.GradientTransformation`; received "
                f"{type(tx).__name__}: {tx!r}"
            )
        super().__init__(learning_rate=_UNSET, name=name or naming.auto_name("optax_optimizer"))
        self._given_tx = tx
        self._learning_rate = None
        self._lr_schedule_inside = False
        try:
            probe = tx.init(jnp.zeros((1,), jnp.float32))
        except Exception:  # noqa: BLE001 - some transformations need a specific params tree
            probe = None
        found = _find_lr_state(probe) if probe is not None else None
        if found is not None:
            schedules = getattr(found, "hyperparams_states", None) or {}
            if "learning_rate" in schedules:
                self._lr_schedule_inside = True
            else:
                self._learning_rate = float(np.asarray(found.hyperparams["learning_rate"]))

    def _build_tx(self):
        return self._given_tx

    def _lr_is_schedule(self):
        return self._lr_schedule_inside

    def _no_lr_error(self):
        return ValueError(
            f"The learning rate of OptaxOptimizer {self.name!r} is unknown: the wrapped optax "
            "transformation does not expose a `learning_rate` hyperparameter. Build it with "
            "`optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)` to read or set it."
        )

    @property
    def learning_rate(self):
        if self._lr_schedule_inside:
            raise ValueError(
                f"The learning rate of OptaxOptimizer {self.name!r} is an optax schedule inside the "
                "transformation; read the value used by the last step with "
                "`optimizer._read_learning_rate(opt_state)`."
            )
        if self._learning_rate is None:
            raise self._no_lr_error()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if self._lr_schedule_inside:
            raise TypeError(
                "The wrapped optax transformation injects a schedule as its learning rate, hence "
                f"it is not settable. Received: learning_rate={learning_rate!r}"
            )
        if self._learning_rate is None:
            raise self._no_lr_error()
        if callable(learning_rate):
            raise TypeError(
                "OptaxOptimizer cannot swap in a schedule; wrap a new optax transformation instead."
            )
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._lr_version += 1
        if self.built:
            self._sync_lr_handle()

    lr = learning_rate

    def _write_hyperparams(self, opt_state):
        if self._learning_rate is None or self._lr_schedule_inside:
            return opt_state
        return _replace_lr(opt_state, self._learning_rate)

    def get_config(self):
        raise NotImplementedError(
            f"OptaxOptimizer {self.name!r} wraps a raw optax transformation, which cannot be "
            "serialized to a config. Use a Keras optimizer (e.g. `Adam`) to save it."
        )

    @classmethod
    def from_config(cls, config, custom_objects=None):
        raise NotImplementedError("OptaxOptimizer cannot be rebuilt from a config.")
