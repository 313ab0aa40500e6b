import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Keras 3 (a test dependency, for parity tests) must use its JAX backend: with its default (TensorFlow)
# `import keras` fails here and `pytest.importorskip("keras")` would silently skip every parity test.
os.environ.setdefault("KERAS_BACKEND", "jax")
# Most of the suite's time is XLA compiling many tiny programs that then run once or twice on tiny data.
# XLA's HLO passes (fusion, layout, buffer assignment) still run at backend optimization level 0; only the
# LLVM code generation is unoptimized, which cuts the whole run's time by about a fifth. Subprocesses
# started by tests inherit it. An XLA_FLAGS that already names --xla_backend_optimization_level wins.
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()

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
