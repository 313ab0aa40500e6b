"""The optimizer base class: Keras 3's optimizer API over one optax ``GradientTransformation``.

An fkeras optimizer *is* an optax transformation (``optimizer.tx``) plus Keras's object API:

- ``tx`` chains, in Keras's order: loss-scale unscaling -> gradient accumulation ->
  clipping -> decoupled weight decay + the Keras update rule -> EMA of the weights
  (``transforms``). The whole chain sits inside ``optax.inject_hyperparams``, so ``learning_rate``
  lives in the optax state (``state.hyperparams["learning_rate"]``) and can change between steps of
  a jitted train step without re-tracing (``hyperparams``). A schedule is evaluated inside the
  transformation at the step count.
- Keras's update rules put ``lr`` *inside* some buffers (SGD/RMSprop momentum, Adadelta) and read
  the weights (Ftrl, Adafactor), so each rule is written as one transformation that receives the
  learning rate and returns the final (already negative, lr-scaled) update. It matches Keras 3's
  arithmetic step by step (epsilon placement, bias correction, Nadam's momentum cache, ...).
- The optimizer owns its state, as in Keras 3 (``training_state``): the state of ``build`` (the
  stateless Keras 3 API ``variables`` / ``stateless_apply`` and the eager ``apply`` /
  ``apply_gradients``, in ``stateless``), or the state ``fit`` trains, which the trainer takes at
  the start of a fit and hands back at each epoch end. ``variables`` are views made in
  ``variables``; ``save_own_variables`` / ``load_own_variables`` read and write them in Keras's
  layout (``keras_variables``).

This module keeps the names it always had: ``Optimizer``, ``OptaxOptimizer``, the state types
(``KerasOptimizerState``, ``EMAState``, ...) and the helpers other modules import from here.

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

import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.backend.config import floatx
from fkeras.optimizers.hyperparams import (  # noqa: F401  (re-exported: the names other modules import from here)
    _UNSET,
    LearningRateAndSteps,
    _as_step_schedule,
    _find_lr_state,
    _find_state,
    _has_lr_hyperparam,
    _locate_counts,
    _path_to_str,
    _replace_lr,
)
from fkeras.optimizers.schedules import learning_rate_schedule
from fkeras.optimizers.stateless import StatelessAPI
from fkeras.optimizers.training_state import TrainingState
from fkeras.optimizers.transforms import (  # noqa: F401  (re-exported)
    EMAState,
    GradientAccumulationState,
    KerasOptimizerState,
    _accumulate_gradients,
    _clip_by_norm_leaf,
    _keras_clip,
    _keras_ema,
    _keras_update,
    _unscale,
)
from fkeras.optimizers.variables import (  # noqa: F401  (re-exported)
    _IterationsValue,
    _KerasVariable,
    _LearningRateValue,
    _LiveNumber,
    _OptimizerVariable,
    _StateVariable,
    _value_of,
)
from fkeras.saving import registry
from fkeras.utils import naming


class Optimizer(LearningRateAndSteps, StatelessAPI, TrainingState):
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
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=2)
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
        self._held_state = self._held_items = None  # the state fit trains (``training_state``)
        if learning_rate is not _UNSET:
            self._learning_rate = self._check_learning_rate(learning_rate)

    # ---- the optax transformation -----------------------------------------------------------

    @property
    def tx(self) -> optax.GradientTransformation:
        """The full optax ``GradientTransformation`` (built once and cached): ``tx.init(params)`` makes
        a state, ``tx.update(grads, state, params)`` returns ``(updates, new_state)``."""
        if self._tx is None:
            self._tx = self._build_tx()
        return self._tx

    def _build_tx(self) -> optax.GradientTransformation:
        lr = self._learning_rate
        if callable(lr):
            lr = _as_step_schedule(lr)
        return optax.inject_hyperparams(self._make_chain, hyperparam_dtype=jnp.dtype(floatx()))(
            learning_rate=lr
        )

    def _make_chain(self, learning_rate) -> optax.GradientTransformation:
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

    def _update_transformation(self, learning_rate) -> optax.GradientTransformation:
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


def __getattr__(name):
    # ``OptaxOptimizer`` lives in ``optax_optimizer`` (it subclasses Optimizer); still importable from here.
    if name == "OptaxOptimizer":
        from fkeras.optimizers.optax_optimizer import OptaxOptimizer

        return OptaxOptimizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
