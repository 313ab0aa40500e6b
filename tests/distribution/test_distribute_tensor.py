"""keras.distribution.get_device_count and distribute_tensor, on 4 forced CPU devices (in a
subprocess: XLA_FLAGS must be set before jax initializes) and on this process's devices."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fkeras as keras

SCRIPT = textwrap.dedent(r'''
    import os, json
    # appended: the flags inherited from the test run stay (the last device count given wins)
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    import numpy as np, jax
    import fkeras as keras
    from fkeras import distribution as D
    out = {"count": D.get_device_count(), "count_cpu": D.get_device_count("CPU")}
    mesh = D.DeviceMesh((2, 2), ("batch", "model"))
    x = np.arange(32, dtype="float32").reshape(8, 4)
    y = D.distribute_tensor(x, D.TensorLayout(("batch", "model"), mesh))
    out["eager_shards"] = sorted({tuple(s.data.shape) for s in y.addressable_shards})
    out["eager_devices"] = len(y.sharding.device_set)
    out["eager_equal"] = bool(np.array_equal(np.asarray(y), x))
    out["same_object"] = D.distribute_tensor(y, D.TensorLayout(("batch", "model"), mesh)) is y

    rows = D.TensorLayout(("batch", None), mesh)
    @jax.jit
    def f(a):
        return D.distribute_tensor(a * 2.0, rows) + 1.0
    z = f(x)
    out["jit_equal"] = bool(np.allclose(np.asarray(z), x * 2 + 1))
    out["jit_shards"] = sorted({tuple(s.data.shape) for s in z.addressable_shards})

    # a layout without a mesh takes the active distribution's
    with D.DataParallel().scope():
        w = D.distribute_tensor(x, D.TensorLayout(("batch", None)))
    out["scoped_shards"] = sorted({tuple(s.data.shape) for s in w.addressable_shards})
    # a jax Sharding works directly
    s = jax.sharding.NamedSharding(mesh.jax_mesh, jax.sharding.PartitionSpec(None, "model"))
    out["sharding_shards"] = sorted({tuple(s_.data.shape) for s_ in D.distribute_tensor(x, s).addressable_shards})
    print("RESULT" + json.dumps(out))
''')


@pytest.fixture(scope="module")
def result():
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, env=env)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, proc.stderr[-3000:]
    return json.loads(line[len("RESULT"):])


def test_get_device_count_on_4_devices(result):
    assert result["count"] == 4 and result["count_cpu"] == 4


def test_distribute_tensor_eager_and_jit(result):
    assert result["eager_devices"] == 4 and result["eager_equal"]
    assert result["eager_shards"] == [[4, 2]]
    assert result["same_object"]
    assert result["jit_equal"] and result["jit_shards"] == [[4, 4]]
    assert result["scoped_shards"] == [[2, 4]]
    assert result["sharding_shards"] == [[8, 2]]


def test_in_process_basics():
    import jax

    assert keras.distribution.get_device_count() == jax.device_count()
    assert keras.distribution.get_device_count("cpu") == jax.device_count("cpu")
    with pytest.raises(ValueError, match="device_type"):
        keras.distribution.get_device_count(3)
    kt = keras.Input((3,))
    assert keras.distribution.distribute_tensor(kt, keras.distribution.TensorLayout((None, None))) is kt
    with pytest.raises(ValueError, match="device_mesh"):
        keras.distribution.distribute_tensor(np.ones((2, 2)), keras.distribution.TensorLayout((None, None)))
    with pytest.raises(ValueError, match="TensorLayout"):
        keras.distribution.distribute_tensor(np.ones(2), "batch")
    mesh = keras.distribution.DeviceMesh((1,), ("batch",), devices=jax.devices()[:1])
    y = keras.distribution.distribute_tensor(np.ones((2, 3)), keras.distribution.TensorLayout(("batch", None), mesh))
    np.testing.assert_array_equal(np.asarray(y), np.ones((2, 3)))
