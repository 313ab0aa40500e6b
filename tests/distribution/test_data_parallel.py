"""Data/model parallel training on 4 forced CPU devices (run in a subprocess: XLA_FLAGS must be
set before jax initializes)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import os, json
    # appended: the flags inherited from the test run stay (the last device count given wins)
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    import numpy as np, jax
    import fkeras as keras
    from fkeras import layers
    out = {"devices": keras.distribution.list_devices()}

    def data():
        r = np.random.default_rng(0)
        x = r.normal(size=(64, 6)).astype("float32")
        y = (x[:, :3].sum(1) > 0).astype("int32")
        return x, y

    def model(bn=False):
        keras.utils.set_random_seed(1)
        ls = [keras.Input((6,)), layers.Dense(8, activation="relu", name="hidden")]
        if bn:
            ls.append(layers.BatchNormalization(name="bn"))
        ls.append(layers.Dense(2, activation="softmax", name="head"))
        m = keras.Sequential(ls)
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    x, y = data()
    for bn in (False, True):
        single = model(bn)
        single.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        multi = model(bn)
        h = multi.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        shard_ok = len(multi.layers[0].kernel.value.sharding.device_set) == 4
        keras.distribution.set_distribution(None)
        diffs = [float(np.max(np.abs(a - b))) for a, b in zip(single.get_weights(), multi.get_weights())]
        out[f"dp_bn{int(bn)}"] = {"max_diff": max(diffs), "replicated_on_4": shard_ok,
                                  "loss": h.history["loss"][-1]}

    # the global batch must divide over the data axis
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    try:
        model().fit(x, y, batch_size=10, epochs=1, verbose=0)
        out["bad_batch"] = "no error"
    except ValueError as e:
        out["bad_batch"] = str(e)

    # model parallel: shard the hidden kernel's output dimension over a "model" axis
    mesh = keras.distribution.DeviceMesh((2, 2), ("batch", "model"))
    lm = keras.distribution.LayoutMap(mesh)
    lm["hidden/kernel"] = (None, "model")
    keras.distribution.set_distribution(keras.distribution.ModelParallel(layout_map=lm, batch_dim_name="batch"))
    mp = model()
    mp.fit(x, y, batch_size=16, epochs=1, verbose=0)
    spec = mp.layers[0].kernel.value.sharding.spec
    out["mp_spec"] = [None if s is None else str(s) for s in spec]
    ckpt_dir = os.environ.get("FK_CKPT_DIR")
    if ckpt_dir:
        ck = keras.saving.Checkpointer(ckpt_dir)
        ck.save(mp)
        ck.wait()
        np.savez(os.path.join(ckpt_dir, "weights.npz"), *mp.get_weights())
    lm2 = keras.distribution.LayoutMap(mesh)
    lm2["no_such_layer/kernel"] = (None, "model")
    keras.distribution.set_distribution(keras.distribution.ModelParallel(layout_map=lm2))
    try:
        model().fit(x, y, batch_size=16, epochs=1, verbose=0)
        out["bad_key"] = "no error"
    except ValueError as e:
        out["bad_key"] = str(e)
    keras.distribution.set_distribution(None)

    # arrays already on the device stay resident under data parallelism, split by rows over the
    # 4 devices (70 rows: padded to 72); they train exactly like numpy arrays streamed in sharded
    # chunks, with shuffling, a partial last batch and validation data
    from fkeras.trainers import feeding
    made = []

    class Recorded(feeding.EpochIterator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.split = [len(a.sharding.device_set) for a in jax.tree_util.tree_leaves(self._resident)]
            made.append(self)

    feeding.EpochIterator = Recorded
    r = np.random.default_rng(2)
    x70 = r.normal(size=(70, 6)).astype("float32")
    y70 = (x70[:, :3].sum(1) > 0).astype("int32")
    for impl in ("sharded", "pmap"):
        keras.distribution.set_distribution(keras.distribution.DataParallel(implementation=impl))
        runs = {}
        for resident in (True, False):
            del made[:]
            xs, ys = (jax.numpy.asarray(x70), jax.numpy.asarray(y70)) if resident else (x70, y70)
            m = model()
            h = m.fit(xs, ys, batch_size=16, epochs=2, validation_data=(xs[:30], ys[:30]), verbose=0)
            p = m.predict(xs, batch_size=16, verbose=0)
            runs[resident] = dict(w=m.get_weights(), h=h.history, p=p, paths=[(it.resident, it.split) for it in made])
        keras.distribution.set_distribution(None)
        out[f"resident_dp_{impl}"] = {
            "paths": [runs[True]["paths"], runs[False]["paths"]],
            "same_weights": all(np.array_equal(a, b) for a, b in zip(runs[True]["w"], runs[False]["w"])),
            "same_history": runs[True]["h"] == runs[False]["h"],
            "same_predictions": bool(np.array_equal(runs[True]["p"], runs[False]["p"])),
            "predictions": list(runs[True]["p"].shape)}
    feeding.EpochIterator = Recorded.__mro__[1]

    # tf.keras spelling: compile under MirroredStrategy().scope(), fit after the block
    strategy = keras.distribution.MirroredStrategy()
    out["replicas"] = strategy.num_replicas_in_sync
    with strategy.scope():
        m = model()
    m.fit(x, y, batch_size=16, epochs=1, verbose=0)
    out["mirrored_sharded"] = len(m.layers[0].kernel.value.sharding.device_set) == 4
    print("RESULT" + json.dumps(out))
''')


@pytest.fixture(scope="module")
def ckpt_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sharded_ckpt")


@pytest.fixture(scope="module")
def result(ckpt_dir):
    env = dict(os.environ, JAX_PLATFORMS="cpu", FK_CKPT_DIR=str(ckpt_dir))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


def test_four_devices_visible(result):
    assert result["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]


@pytest.mark.parametrize("key", ["dp_bn0", "dp_bn1"])
def test_data_parallel_matches_single_device(result, key):
    # BatchNormalization uses the global batch statistics, so even with BN the weights agree.
    assert result[key]["max_diff"] < 1e-5
    assert result[key]["replicated_on_4"]


def test_batch_size_must_divide_data_axis(result):
    assert "10" in result["bad_batch"] and "4" in result["bad_batch"] and "divisible" in result["bad_batch"]


def test_model_parallel_shards_kernel_as_asked(result):
    assert result["mp_spec"] == [None, "model"]


def test_layout_map_key_matching_nothing_is_an_error(result):
    assert "no_such_layer/kernel" in result["bad_key"] and "hidden/kernel" in result["bad_key"]


@pytest.mark.parametrize("impl", ["sharded", "pmap"])
def test_device_arrays_stay_resident_split_over_the_devices_and_train_like_streamed(result, impl):
    r = result[f"resident_dp_{impl}"]
    resident, streamed = r["paths"]
    assert resident == [[True, [4, 4]]] * 2 + [[True, [4]]]  # fit's train and validation x and y; predict's x
    assert streamed == [[False, []]] * 3
    assert r["same_weights"] and r["same_history"] and r["same_predictions"]
    assert r["predictions"] == [70, 2]


def test_mirrored_strategy_scope(result):
    assert result["replicas"] == 4 and result["mirrored_sharded"]


RESTORE = textwrap.dedent(r'''
    import os, sys, numpy as np, jax
    import fkeras as keras
    from fkeras import layers
    assert len(jax.devices()) == 1
    d = sys.argv[1]
    m = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu", name="hidden"),
                          layers.Dense(2, activation="softmax", name="head")])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(np.zeros((16, 6), "float32"), np.zeros((16,), "int32"), batch_size=16, epochs=1, verbose=0)
    keras.saving.Checkpointer(d).restore(m, resume=False)
    ref = np.load(os.path.join(d, "weights.npz"))
    ok = all(np.array_equal(ref[k], w) for k, w in zip(ref.files, m.get_weights()))
    print("RESTORED", ok)
''')


def test_checkpoint_saved_on_4_devices_restores_on_1(result, ckpt_dir):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-c", RESTORE, str(ckpt_dir)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RESTORED True" in proc.stdout
