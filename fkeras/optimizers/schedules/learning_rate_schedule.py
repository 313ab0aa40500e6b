"""Learning-rate schedules: pure, jittable functions of the optimizer step (Keras 3 API).

Every schedule is a callable ``schedule(step) -> learning_rate`` built from ``jax.numpy`` only, so
it works inside ``jax.jit`` and doubles as an optax schedule (``optax.inject_hyperparams`` calls it
with the step count).

Example:

```python
schedule = ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
opt = fkeras.optimizers.SGD(learning_rate=schedule)
schedule(0)  # 0.1
```
"""
from __future__ import annotations

import math

import jax.numpy as jnp

from fkeras.saving import registry


def _check_positive(name, value):
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


def _float_dtype(value):
    """The dtype of a Python/array learning rate: floatx for Python numbers, else its own."""
    dtype = jnp.asarray(value).dtype
    if not jnp.issubdtype(dtype, jnp.floating):
        from fkeras.backend.config import floatx

        dtype = jnp.dtype(floatx())
    return dtype


class LearningRateSchedule:
    """Base class for learning-rate schedules.

    Subclasses implement ``__call__(step)`` (pure ``jax.numpy``, so it can be traced) and
    ``get_config()``.

    Example:

    ```python
    class MyLRSchedule(LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / (step + 1)

        def get_config(self):
            return {"initial_learning_rate": self.initial_learning_rate}
    ```
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{self.__class__.__name__}({args})"


class _RateDecay(LearningRateSchedule):
    """Shared by ExponentialDecay and InverseTimeDecay: ``p = step / decay_steps`` (floored if
    ``staircase``), then ``_decay(lr0, decay_rate, p)``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        dtype = _float_dtype(self.initial_learning_rate)
        lr0 = jnp.asarray(self.initial_learning_rate, dtype)
        p = jnp.asarray(step, dtype) / jnp.asarray(self.decay_steps, dtype)
        if self.staircase:
            p = jnp.floor(p)
        return self._decay(lr0, jnp.asarray(self.decay_rate, dtype), p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_RateDecay):
    """Exponential decay: ``lr = initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Calling the schedule with the optimizer's step count (a Python number or a traced integer)
    returns the learning rate as a scalar array; the schedule is pure ``jax.numpy``, so it works
    inside ``jax.jit`` and as an optax schedule.

    Args:
        initial_learning_rate: The learning rate at step 0, a Python float (or a scalar array).
        decay_steps: Positive number of steps over which the rate decays by one factor
            ``decay_rate``.
        decay_rate: The factor applied every ``decay_steps`` steps, e.g. ``0.96``.
        staircase: Whether ``step / decay_steps`` is floored, so the rate drops in discrete jumps
            every ``decay_steps`` steps instead of continuously. Defaults to ``False``.
        name: Name of the schedule, kept in its config. Defaults to ``"ExponentialDecay"``.

    Raises:
        ValueError: If ``decay_steps`` is not positive.

    Example:

    ```python
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    schedule(20)  # 0.025
    opt = keras.optimizers.SGD(learning_rate=schedule)
    ```
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decay(self, lr0, rate, p):
        return lr0 * jnp.power(rate, p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """Piecewise constant rate: ``lr = values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``.

    ``values[0]`` applies while ``step <= boundaries[0]`` and ``values[-1]`` after the last
    boundary. Calling the schedule with the optimizer's step count (a Python number or a traced
    integer) returns the learning rate as a scalar array; the schedule is pure ``jax.numpy``, so it
    works inside ``jax.jit`` and as an optax schedule.

    Args:
        boundaries: Increasing list of step numbers where the rate changes.
        values: List of rates, one more than ``boundaries``.
        name: Name of the schedule, kept in its config. Defaults to ``"PiecewiseConstant"``.

    Raises:
        ValueError: If ``len(values) != len(boundaries) + 1``.

    Example:

    ```python
    keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])(150)  # 0.5
    ```
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        values = jnp.asarray(self.values)
        if not jnp.issubdtype(values.dtype, jnp.floating):
            values = values.astype(_float_dtype(self.values[0]))
        step = jnp.asarray(step)
        boundaries = jnp.asarray(self.boundaries)
        # Number of boundaries strictly below `step` is the index of the active value.
        compare_dtype = jnp.result_type(step.dtype, boundaries.dtype)
        index = jnp.sum(step.astype(compare_dtype) > boundaries.astype(compare_dtype))
        return values[index]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay: ``lr = (initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``.

    The rate goes from ``initial_learning_rate`` to ``end_learning_rate`` in ``decay_steps`` steps
    and then stays there. With ``cycle=True`` the horizon instead grows to the next multiple of
    ``decay_steps`` (``decay_steps * ceil(step / decay_steps)``), so the rate jumps back up and
    decays again. Calling the schedule with the optimizer's step count (a Python number or a traced
    integer) returns the learning rate as a scalar array; the schedule is pure ``jax.numpy``, so it
    works inside ``jax.jit`` and as an optax schedule.

    Args:
        initial_learning_rate: The learning rate at step 0, a Python float (or a scalar array).
        decay_steps: Positive number of steps to reach ``end_learning_rate``.
        end_learning_rate: The final rate. Defaults to ``0.0001``.
        power: Exponent of the polynomial; ``1.0`` (default) is a linear decay.
        cycle: Whether to restart the decay beyond ``decay_steps``. Defaults to ``False``.
        name: Name of the schedule, kept in its config. Defaults to ``"PolynomialDecay"``.

    Raises:
        ValueError: If ``decay_steps`` is not positive.

    Example:

    ```python
    keras.optimizers.schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.01)(50)  # 0.055
    ```
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        dtype = _float_dtype(self.initial_learning_rate)
        lr0 = jnp.asarray(self.initial_learning_rate, dtype)
        end = jnp.asarray(self.end_learning_rate, dtype)
        power = jnp.asarray(self.power, dtype)
        step = jnp.asarray(step, dtype)
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        if self.cycle:
            multiplier = jnp.where(step == 0, jnp.asarray(1.0, dtype), jnp.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = jnp.minimum(step, decay_steps)
        p = step / decay_steps
        # Clamp at 0: under jit, step / decay_steps may round to just above 1 (pow -> NaN).
        return (lr0 - end) * jnp.power(jnp.maximum(1 - p, 0), power) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_RateDecay):
    """Inverse time decay: ``lr = initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Calling the schedule with the optimizer's step count (a Python number or a traced integer)
    returns the learning rate as a scalar array; the schedule is pure ``jax.numpy``, so it works
    inside ``jax.jit`` and as an optax schedule.

    Args:
        initial_learning_rate: The learning rate at step 0, a Python float (or a scalar array).
        decay_steps: Positive number of steps that makes up one unit of ``decay_rate``.
        decay_rate: How fast the rate falls: after ``decay_steps`` steps it is
            ``initial_learning_rate / (1 + decay_rate)``.
        staircase: Whether ``step / decay_steps`` is floored, so the rate drops in discrete jumps
            every ``decay_steps`` steps instead of continuously. Defaults to ``False``.
        name: Name of the schedule, kept in its config. Defaults to ``"InverseTimeDecay"``.

    Raises:
        ValueError: If ``decay_steps`` is not positive.

    Example:

    ```python
    keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)(2)  # 0.05
    ```
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decay(self, lr0, rate, p):
        return lr0 / (1 + rate * p)


class CosineDecay(LearningRateSchedule):
    """Cosine decay: ``lr = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)``.

    ``step`` is capped at ``decay_steps``, after which the rate stays at ``initial * alpha`` (SGDR
    without restarts, Loshchilov & Hutter, 2017). With ``warmup_target`` set, the rate first rises
    linearly from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps and
    then decays from ``warmup_target`` as above. Calling the schedule with the optimizer's step
    count (a Python number or a traced integer) returns the learning rate as a scalar array; the
    schedule is pure ``jax.numpy``, so it works inside ``jax.jit`` and as an optax schedule.

    Args:
        initial_learning_rate: The learning rate at step 0, a Python float (or a scalar array). With
            a warmup it is the starting point of the warmup.
        decay_steps: Positive number of steps of the cosine decay (after the warmup).
        alpha: Floor of the decay as a fraction of the starting rate. Defaults to ``0.0``.
        name: Name of the schedule, kept in its config. Defaults to ``"CosineDecay"``.
        warmup_target: Rate reached at the end of the warmup; ``None`` (default) means no warmup.
        warmup_steps: Number of warmup steps. Defaults to ``0``.

    Raises:
        ValueError: If ``decay_steps`` is not positive.

    Example:

    ```python
    schedule = keras.optimizers.schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    schedule(5)  # 0.05, half-way through the warmup
    ```
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from, dtype):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        dtype = _float_dtype(self.initial_learning_rate)
        lr0 = jnp.asarray(self.initial_learning_rate, dtype)
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        step = jnp.asarray(step, dtype)
        if self.warmup_target is None:
            step = jnp.minimum(step, decay_steps)
            return self._decay(step, decay_steps, lr0, dtype).astype(dtype)
        target = jnp.asarray(self.warmup_target, dtype)
        warmup_steps = jnp.asarray(self.warmup_steps, dtype)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        # Guard the division for warmup_steps == 0 (the warmup branch is then never selected).
        safe_warmup = jnp.where(warmup_steps > 0, warmup_steps, jnp.asarray(1.0, dtype))
        warm = (target - lr0) * (step / safe_warmup) + lr0
        decayed = self._decay(step - warmup_steps, decay_steps, target, dtype)
        return jnp.where(step < warmup_steps, warm, decayed).astype(dtype)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR), each period starting from a higher rate again.

    ``lr = initial * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * f)) + alpha)``, where ``i`` is
    the index of the current period and ``f`` the fraction of it already done. The first period
    lasts ``first_decay_steps``; each next one is ``t_mul`` times longer and starts from a rate
    ``m_mul`` times lower (Loshchilov & Hutter, 2017). Calling the schedule with the optimizer's
    step count (a Python number or a traced integer) returns the learning rate as a scalar array;
    the schedule is pure ``jax.numpy``, so it works inside ``jax.jit`` and as an optax schedule.

    Args:
        initial_learning_rate: The rate at the start of the first period, a Python float.
        first_decay_steps: Positive length of the first period, in steps.
        t_mul: Factor by which each period is longer than the previous one. Defaults to ``2.0``.
        m_mul: Factor by which each period's starting rate is lower than the previous one. Defaults
            to ``1.0``.
        alpha: Floor of the decay as a fraction of ``initial_learning_rate``. Defaults to ``0.0``.
        name: Name of the schedule, kept in its config. Defaults to ``"SGDRDecay"``.

    Raises:
        ValueError: If ``first_decay_steps`` is not positive.

    Example:

    ```python
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.1, first_decay_steps=10)
    schedule(10)  # 0.1 (a restart)
    ```
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        dtype = _float_dtype(self.initial_learning_rate)
        lr0 = jnp.asarray(self.initial_learning_rate, dtype)
        alpha = jnp.asarray(self.alpha, dtype)
        t_mul = jnp.asarray(self._t_mul, dtype)
        m_mul = jnp.asarray(self._m_mul, dtype)
        fraction = jnp.asarray(step, dtype) / jnp.asarray(self.first_decay_steps, dtype)
        if float(self._t_mul) == 1.0:
            i_restart = jnp.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            sum_r = (1.0 - jnp.power(t_mul, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / jnp.power(t_mul, i_restart)
        cosine = 0.5 * jnp.power(m_mul, i_restart) * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return (lr0 * ((1 - alpha) * cosine + alpha)).astype(dtype)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


ALL_OBJECTS = (
    LearningRateSchedule,
    ExponentialDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
    InverseTimeDecay,
    CosineDecay,
    CosineDecayRestarts,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}


def serialize(learning_rate_schedule):
    """Turn a learning-rate schedule into a Keras 3 config.

    Args:
        learning_rate_schedule: A ``LearningRateSchedule`` instance (built-in or a registered custom
            class).

    Returns:
        A JSON-compatible dict with ``"class_name"`` and ``"config"`` keys.

    Example:

    ```python
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.96)
    keras.optimizers.schedules.serialize(schedule)["class_name"]  # 'ExponentialDecay'
    ```
    """
    out = registry.serialize_keras_object(learning_rate_schedule)
    if isinstance(out, dict) and out.get("module") == "keras.optimizers":
        out["module"] = "keras.optimizers.schedules"
    return out


def deserialize(config, custom_objects=None):
    """Rebuild a learning-rate schedule from the output of ``serialize`` (or a config Keras wrote).

    Args:
        config: A dict with ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom schedule classes, consulted before the
            built-in ones.

    Returns:
        A new ``LearningRateSchedule`` instance.

    Raises:
        ValueError: If ``config`` is not such a dict or names an unknown schedule.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Expected a schedule config: a dict with 'class_name' and 'config' keys. "
            f"Received: {config!r}"
        )
    return registry.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )
