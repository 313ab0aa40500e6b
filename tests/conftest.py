import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

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
