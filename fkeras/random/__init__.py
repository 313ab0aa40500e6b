"""``keras.random``: random ops with explicit seeds, and ``SeedGenerator``.

``seed`` may be an int, a ``SeedGenerator``, a raw JAX key, or None (the global stream set by
``keras.utils.set_random_seed``). Inside a jitted training step a ``SeedGenerator`` draws
from the step's key, so values differ every step without a Python-side state.
"""
from fkeras.random.random import (
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from fkeras.random.seed_generator import SeedGenerator, draw_key

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "draw_key", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]
