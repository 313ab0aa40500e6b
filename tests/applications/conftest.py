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
    import fkeras.initializers as initializers
    from fkeras.initializers import constant_initializers as const
    from fkeras.initializers import random_initializers as rand

    original_get = initializers.get
    rng = np.random.default_rng(1234)

    class _Fast:
        def __init__(self, init):
            self.init = init

        def __call__(self, shape, dtype=None):
            dtype = np.dtype(dtype or "float32")
            shape = tuple(int(d) for d in shape)
            if mode == "zeros" or isinstance(self.init, const.Zeros):
                return np.zeros(shape, dtype)
            if isinstance(self.init, const.Ones):
                return np.ones(shape, dtype)
            if isinstance(self.init, rand.RandomInitializer):
                if len(shape) == 4 and shape[-1] == 1:  # depthwise kernel: fan-in is the window
                    fan_in = shape[0] * shape[1]
                else:
                    fan_in, _ = rand.compute_fans(shape)
                return (rng.standard_normal(shape) * np.sqrt(2.0 / max(1.0, fan_in))).astype(dtype)
            return self.init(shape, dtype)

    def fast_get(identifier):
        init = original_get(identifier)
        return init if init is None or isinstance(init, _Fast) else _Fast(init)

    monkeypatch.setattr(initializers, "get", fast_get)


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
