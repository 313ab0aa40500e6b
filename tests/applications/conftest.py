"""Fixtures for the applications tests.

Building a network eagerly draws every weight with ``jax.random``, which compiles one small XLA
program per distinct weight shape (0.1-0.4 s each on CPU, 10-25 s per network). The values
don't matter to these tests (architecture, weight files, freezing), so ``fast_init`` swaps the
initializers for NumPy draws with the same shapes and dtypes, and ``zero_init`` for zeros (used
by the parameter-count checks at full size). The real initializers are covered by their own
tests and by ``examples/transfer_learning.py``.
"""
import urllib.error

import numpy as np
import pytest


def _patch_initializers(monkeypatch, mode):
    """Give every new Variable a NumPy-drawn initial value (the layers' initializer objects, and so
    their configs, stay untouched)."""
    from fkeras.engine import variables
    from fkeras.initializers import constant_initializers as const, random_initializers as rand

    original_init = variables.Variable.__init__
    rng = np.random.default_rng(1234)

    def value_for(init, shape, dtype):
        dtype = np.dtype(dtype or "float32")
        shape = tuple(int(d) for d in shape)
        if mode == "zeros" or isinstance(init, const.Zeros):
            return np.zeros(shape, dtype)
        if isinstance(init, const.Ones):
            return np.ones(shape, dtype)
        if isinstance(init, rand.RandomInitializer):
            if len(shape) == 4 and shape[-1] == 1:  # depthwise kernel: fan-in is the window
                fan_in = shape[0] * shape[1]
            else:
                fan_in, _ = rand.compute_fans(shape)
            return (rng.standard_normal(shape) * np.sqrt(2.0 / max(1.0, fan_in))).astype(dtype)
        return None

    def patched_init(self, initializer=None, shape=None, dtype=None, *args, value=None, **kwargs):
        if value is None and callable(initializer) and shape is not None:
            value = value_for(initializer, shape, dtype)
        original_init(self, initializer, shape, dtype, *args, value=value, **kwargs)

    monkeypatch.setattr(variables.Variable, "__init__", patched_init)


@pytest.fixture
def fast_init(monkeypatch):
    _patch_initializers(monkeypatch, "random")


@pytest.fixture
def zero_init(monkeypatch):
    _patch_initializers(monkeypatch, "zeros")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, and an empty fkeras cache in ``tmp_path``; returns the cache's models folder."""
    from fkeras.utils import file_utils

    calls = []

    def no_network(url, timeout=60):
        calls.append(url)
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(file_utils, "_open_url", no_network)
    monkeypatch.setenv("FKERAS_HOME", str(tmp_path / "fkeras_home"))
    return {"models": tmp_path / "fkeras_home" / "models", "calls": calls}
