import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Keras 3 (a test dependency, for parity tests) must use its JAX backend: with its default (TensorFlow)
# `import keras` fails here and `pytest.importorskip("keras")` would silently skip every parity test.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh auto-names (dense, dense_1, ...) and the default policy."""
    import fkeras

    fkeras.backend.clear_session(free_memory=False)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
