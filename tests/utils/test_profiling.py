"""keras.utils.profile writes a JAX profiler trace TensorBoard's profile plugin reads."""
import glob
import gzip
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras import layers
from fkeras.models import Sequential
from fkeras.utils import profiling


def _fit_tiny(epochs=1):
    model = Sequential([layers.Dense(8, activation="relu", name="hidden"), layers.Dense(1, name="head")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model.fit(x, x.sum(1, keepdims=True), batch_size=8, epochs=epochs, verbose=0)
    return model


def test_context_manager_writes_xplane(tmp_path):
    logdir = tmp_path / "logs"
    with profiling.profile(logdir) as prof:
        _fit_tiny()
    assert prof.trace_dir is not None
    assert os.path.dirname(os.path.dirname(prof.trace_dir)) == str(logdir / "plugins")
    planes = glob.glob(os.path.join(prof.trace_dir, "*.xplane.pb"))
    assert len(planes) == 1 and os.path.getsize(planes[0]) > 0
    # Per-layer named scopes reach the trace: the HLO metadata names the layers.
    data = open(planes[0], "rb").read()
    assert b"/hidden/" in data and b"/head/" in data
    traces = glob.glob(os.path.join(prof.trace_dir, "*.trace.json.gz"))
    events = json.loads(gzip.open(traces[0]).read())["traceEvents"]
    assert any(e.get("name", "").startswith("dot") for e in events)


def test_decorator_and_annotation(tmp_path):
    @profiling.profile(tmp_path)
    def work():
        with profiling.trace_annotation("my_block"):
            return jax.jit(lambda a: jnp.tanh(a) @ a)(jnp.ones((16, 16)))

    out = work()
    np.testing.assert_allclose(np.asarray(out), np.tanh(np.ones((16, 16))) @ np.ones((16, 16)), rtol=1e-6)
    traces = glob.glob(str(tmp_path / "plugins" / "profile" / "*" / "*.trace.json.gz"))
    assert len(traces) == 1
    events = json.loads(gzip.open(traces[0]).read())["traceEvents"]
    assert any(e.get("name") == "my_block" for e in events)


def test_nested_profile_is_a_clear_error(tmp_path):
    with profiling.profile(tmp_path / "a"):
        with pytest.raises(RuntimeError, match="Only one trace"):
            with profiling.profile(tmp_path / "b"):
                pass
    with pytest.raises(ValueError, match="logdir"):
        profiling.profile("")
