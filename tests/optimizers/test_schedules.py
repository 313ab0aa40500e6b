"""Learning-rate schedules vs numpy formulas (Keras 3 semantics), eagerly and under jax.jit."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras.optimizers import schedules
from fkeras.optimizers.schedules import learning_rate_schedule as lrs

STEPS = list(range(0, 16)) + [23, 40]


def np_exponential(lr0, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        return lr0 * rate ** (math.floor(p) if staircase else p)

    return f


def np_piecewise(boundaries, values):
    def f(step):
        for b, v in zip(boundaries, values):
            if step <= b:
                return v
        return values[-1]

    return f


def np_polynomial(lr0, decay_steps, end=0.0001, power=1.0, cycle=False):
    def f(step):
        ds = decay_steps
        if cycle:
            ds = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        return (lr0 - end) * (1 - step / ds) ** power + end

    return f


def np_inverse_time(lr0, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        return lr0 / (1 + rate * (math.floor(p) if staircase else p))

    return f


def np_cosine(lr0, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, start):
        return start * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)

    def f(step):
        if warmup_target is None:
            return decay(min(step, decay_steps), lr0)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (warmup_target - lr0) * step / warmup_steps + lr0
        return decay(step - warmup_steps, warmup_target)

    return f


def np_cosine_restarts(lr0, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    def f(step):
        # Walk the periods explicitly (independent of Keras's closed form).
        start, length, i = 0.0, float(first), 0
        while step >= start + length:
            start += length
            length *= t_mul
            i += 1
        frac = (step - start) / length
        cosine = 0.5 * m_mul**i * (1 + math.cos(math.pi * frac))
        return lr0 * ((1 - alpha) * cosine + alpha)

    return f


CASES = [
    (schedules.ExponentialDecay(0.1, 3, 0.5), np_exponential(0.1, 3, 0.5)),
    (schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True), np_exponential(0.1, 3, 0.5, True)),
    (schedules.PiecewiseConstantDecay([2, 5, 9], [1.0, 0.5, 0.1, 0.01]),
     np_piecewise([2, 5, 9], [1.0, 0.5, 0.1, 0.01])),
    (schedules.PolynomialDecay(0.1, 5), np_polynomial(0.1, 5)),
    (schedules.PolynomialDecay(0.1, 5, end_learning_rate=0.01, power=0.5), np_polynomial(0.1, 5, 0.01, 0.5)),
    (schedules.PolynomialDecay(0.1, 3, end_learning_rate=0.01, power=2.0, cycle=True),
     np_polynomial(0.1, 3, 0.01, 2.0, True)),
    (schedules.InverseTimeDecay(0.1, 2, 0.5), np_inverse_time(0.1, 2, 0.5)),
    (schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True), np_inverse_time(0.1, 2, 0.5, True)),
    (schedules.CosineDecay(0.1, 10), np_cosine(0.1, 10)),
    (schedules.CosineDecay(0.1, 10, alpha=0.2), np_cosine(0.1, 10, 0.2)),
    (schedules.CosineDecay(0.0, 8, warmup_target=0.2, warmup_steps=4), np_cosine(0.0, 8, 0.0, 0.2, 4)),
    (schedules.CosineDecayRestarts(0.1, 3), np_cosine_restarts(0.1, 3)),
    (schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0, m_mul=0.5, alpha=0.1),
     np_cosine_restarts(0.1, 4, 1.0, 0.5, 0.1)),
    (schedules.CosineDecayRestarts(0.1, 2, t_mul=3.0, m_mul=0.7), np_cosine_restarts(0.1, 2, 3.0, 0.7)),
]


@pytest.mark.parametrize("schedule,reference", CASES, ids=[f"{type(s).__name__}-{i}" for i, (s, _) in enumerate(CASES)])
def test_schedule_matches_formula(schedule, reference):
    expected = np.array([reference(s) for s in STEPS])
    eager = np.array([float(schedule(s)) for s in STEPS])
    np.testing.assert_allclose(eager, expected, rtol=2e-5, atol=1e-7)
    jitted = jax.jit(schedule)
    traced = np.array([float(jitted(jnp.asarray(s, jnp.int32))) for s in STEPS])
    np.testing.assert_allclose(traced, expected, rtol=2e-5, atol=1e-7)
    # A vector of steps in one call (vmap) agrees as well.
    batched = np.asarray(jax.vmap(schedule)(jnp.asarray(STEPS, jnp.int32)))
    np.testing.assert_allclose(batched, expected, rtol=2e-5, atol=1e-7)
    assert np.asarray(schedule(3)).dtype == np.float32


@pytest.mark.parametrize("schedule,reference", CASES, ids=[f"{type(s).__name__}-{i}" for i, (s, _) in enumerate(CASES)])
def test_serialize_round_trip(schedule, reference):
    config = schedules.serialize(schedule)
    assert config["class_name"] == type(schedule).__name__
    assert config["module"] == "keras.optimizers.schedules"
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule)
    assert clone.get_config() == schedule.get_config()
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


def test_config_keys_follow_keras():
    assert set(schedules.CosineDecay(0.1, 10).get_config()) == {
        "initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps"}
    assert set(schedules.CosineDecayRestarts(0.1, 10).get_config()) == {
        "initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name"}
    assert set(schedules.PolynomialDecay(0.1, 10).get_config()) == {
        "initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"}
    assert schedules.PolynomialDecay(0.1, 10).end_learning_rate == 0.0001
    assert schedules.PiecewiseConstantDecay([1], [1.0, 0.5]).get_config()["name"] == "PiecewiseConstant"


def test_keras_written_config():
    config = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
              "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9,
                         "staircase": False, "name": "ExponentialDecay"}, "registered_name": None}
    sched = schedules.deserialize(config)
    assert float(sched(10)) == pytest.approx(0.09)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, -1)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, 0)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])
    with pytest.raises(ValueError, match="class_name"):
        schedules.deserialize("ExponentialDecay")
    with pytest.raises(NotImplementedError, match="__call__"):
        lrs.LearningRateSchedule()(0)


def test_custom_schedule_subclass():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def __call__(self, step):
            return self.lr / (step + 1)

        def get_config(self):
            return {"lr": self.lr}

    s = Halving(1.0)
    assert float(jax.jit(s)(3)) == pytest.approx(0.25)
    clone = schedules.deserialize(schedules.serialize(s), custom_objects={"Halving": Halving})
    assert clone.lr == 1.0
