"""Model files written and read by fkeras: .keras, .weights.h5, legacy .h5, YAML; errors and atomicity."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import fkeras as keras
from fkeras.saving import keras_layout, saving_api, saving_lib, yaml_io

X = np.random.RandomState(0).rand(8, 4).astype("float32")
Y = np.random.RandomState(1).rand(8, 2).astype("float32")


def _mlp(name=None, dropout=0.0):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dropout(dropout),
                             keras.layers.Dense(2, name="out")], name=name)


def _flat(model):
    return np.concatenate([np.ravel(w) for w in model.get_weights()])


def _out(model, x=X):
    """Eager forward pass (no jit compile: keeps these tests fast)."""
    y = model(x)
    return [np.asarray(t) for t in y] if isinstance(y, (list, tuple)) else np.asarray(y)


def _randomized(model=None, seed=0):
    model = model if model is not None else _mlp()
    r = np.random.RandomState(seed)
    model.set_weights([r.rand(*np.shape(w)).astype("float32") + 0.5 for w in model.get_weights()])
    return model


def _trained(optimizer="adam"):
    m = _mlp()
    m.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    m.train_on_batch(X[:4], Y[:4])
    m.train_on_batch(X[4:], Y[4:])
    return m


# --------------------------------------------------------------------------------------
# .keras
# --------------------------------------------------------------------------------------


def test_keras_roundtrip_predicts_same_and_training_continues(tmp_path):
    m = _trained()
    path = tmp_path / "m.keras"
    m.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "mse"
    loaded = saving_api.load_model(path)
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))
    assert loaded.optimizer._iterations == m.optimizer._iterations == 2
    # One more step on both: identical weights means the optimizer state came back.
    m.train_on_batch(X, Y)
    loaded.train_on_batch(X, Y)
    np.testing.assert_allclose(_flat(loaded), _flat(m), rtol=0, atol=1e-7)


def test_keras_compile_false_skips_optimizer(tmp_path):
    m = _randomized()
    m.compile(optimizer="adam", loss="mse")
    m.save(tmp_path / "m.keras")
    loaded = saving_api.load_model(tmp_path / "m.keras", compile=False)
    assert not getattr(loaded, "compiled", False)
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))


def test_functional_multi_io_shared_and_nested(tmp_path):
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = keras.layers.Dense(3, name="shared")
    inner = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(2)], name="inner")
    ha, hb = shared(a), shared(b)
    merged = keras.layers.Concatenate()([ha, hb])
    out1 = inner(merged)
    out2 = keras.layers.Dense(1, name="head2")(hb)
    m = keras.Model([a, b], [out1, out2])
    ref = _out(m, [X, X[::-1]])
    paths = [p for p, _ in keras_layout.saveables(m)]
    assert "layers/dense" in paths and "layers/sequential/layers/dense_1" in paths
    m.save(tmp_path / "f.keras")
    loaded = saving_api.load_model(tmp_path / "f.keras")
    got = _out(loaded, [X, X[::-1]])
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)


def test_weights_h5_layout_matches_keras(tmp_path):
    m = _trained()
    m.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        assert f["vars"].attrs["name"] == m.name
        # Keras names layer groups by class (dense, dense_1), not by layer name ("out").
        assert f["layers/dense_1/vars"].attrs["name"] == "out"
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], m.layers[0].kernel.numpy())
        bn = m.layers[1]
        for i, name in enumerate(["gamma", "beta", "moving_mean", "moving_variance"]):
            np.testing.assert_array_equal(f[f"layers/batch_normalization/vars/{i}"][()],
                                          getattr(bn, name).numpy())
        assert "layers/dropout/vars" in f and len(f["layers/dropout/vars"]) == 0
        opt = f["optimizer/vars"]
        # iteration, learning_rate, then (momentum, velocity) per trainable variable.
        assert len(opt) == 2 + 2 * len(m.trainable_weights)
        assert int(opt["0"][()]) == 2
        np.testing.assert_allclose(opt["1"][()], 0.001, rtol=1e-6)
        assert opt["2"].shape == opt["3"].shape == (4, 3)
    m2 = _mlp()
    m2.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(_out(m2, X), _out(m, X))


def test_rmsprop_slot_order_follows_keras():
    m = _randomized()
    m.compile(optimizer=keras.optimizers.RMSprop(momentum=0.5, centered=True), loss="mse")
    names = [n for n, _ in keras_layout.optimizer_arrays(m)]
    k = len(m.trainable_weights)
    assert names[:2] == ["iteration", "learning_rate"]
    # RMSprop builds velocities, then momentums, then average gradients (separate build calls).
    assert all(n.endswith("_velocity") for n in names[2:2 + k])
    assert all(n.endswith("_momentum") for n in names[2 + k:2 + 2 * k])
    assert all(n.endswith("_average_gradient") for n in names[2 + 2 * k:])


def test_subclassed_and_custom_layer(tmp_path):
    @keras.saving.register_keras_serializable(package="SavingTest")
    class Block(keras.layers.Layer):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.a = keras.layers.Dense(units)
            self.lst = [keras.layers.Dense(units), keras.layers.Dense(units)]

        def call(self, x):
            return self.lst[1](self.lst[0](self.a(x)))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @keras.saving.register_keras_serializable(package="SavingTest")
    class Net(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.z = keras.layers.Dense(3)
            self.blk = Block()

        def call(self, x):
            return self.blk(self.z(x))

    net = Net()
    net(X)
    paths = [p for p, _ in keras_layout.saveables(net)]
    # Keras's attribute walk: "blk" < "layers" (z is first reached through model.layers).
    assert paths[:5] == ["", "blk", "blk/a", "blk/lst/dense", "blk/lst/dense_1"]
    assert "layers/dense" in paths
    net.compile("sgd", "mse")
    net.save(tmp_path / "n.keras")
    loaded = saving_api.load_model(tmp_path / "n.keras")
    assert type(loaded).__name__ == "Net"
    np.testing.assert_allclose(_out(loaded, X), _out(net, X), rtol=0, atol=0)


def test_custom_objects_and_unknown_class_error(tmp_path):
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    m = keras.Sequential([keras.Input((4,)), Scale(), keras.layers.Dense(2)])
    m.layers[0].w.assign(np.arange(4, dtype="float32"))
    m.save(tmp_path / "s.keras")
    with pytest.raises((TypeError, ValueError)) as err:
        saving_api.load_model(tmp_path / "s.keras")
    assert "Scale" in str(err.value) and "register_keras_serializable" in str(err.value)
    assert "custom_objects" in str(err.value)
    loaded = saving_api.load_model(tmp_path / "s.keras", custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))


def test_lambda_needs_safe_mode_off(tmp_path):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2.0 + 1.0)])
    m.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        saving_api.load_model(tmp_path / "l.keras")
    loaded = saving_api.load_model(tmp_path / "l.keras", safe_mode=False)
    np.testing.assert_allclose(_out(loaded, X), X * 2.0 + 1.0, rtol=1e-6)
    from fkeras.saving import registry

    assert registry.in_safe_mode() is True  # restored after loading
    assert registry._SAFE_MODE.get() is None


def test_unzipped_directory(tmp_path):
    m = _randomized()
    with pytest.raises(ValueError, match="should not end in `.keras`"):  # Keras 3's path rule
        m.save(tmp_path / "dir.keras", zipped=False)
    m.save(tmp_path / "dir", zipped=False)
    assert sorted(os.listdir(tmp_path / "dir")) == ["config.json", "metadata.json", "model.weights.h5"]
    loaded = saving_api.load_model(tmp_path / "dir")
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))
    m2 = _randomized(seed=1)
    m2.save(tmp_path / "dir", zipped=False)  # replaces the directory
    np.testing.assert_array_equal(_out(saving_api.load_model(tmp_path / "dir"), X), _out(m2, X))
    assert sorted(os.listdir(tmp_path)) == ["dir"]


# --------------------------------------------------------------------------------------
# legacy .h5
# --------------------------------------------------------------------------------------


def test_legacy_h5_model(tmp_path):
    m = _trained()
    path = tmp_path / "m.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        m.save(path)
        loaded = saving_api.load_model(path)
    with h5py.File(path) as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        assert "optimizer_config" in json.loads(f.attrs["training_config"])
        names = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights"].attrs["layer_names"]]
        assert names == ["dense", "batch_normalization", "dropout", "out"]
        wn = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights/dense"].attrs["weight_names"]]
        assert wn == ["dense/kernel:0", "dense/bias:0"]
        np.testing.assert_array_equal(f["model_weights/dense/dense/kernel:0"][()], m.layers[0].kernel.numpy())
        assert "optimizer_weights" in f
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))
    assert loaded.optimizer._iterations == 2
    m.train_on_batch(X, Y)
    loaded.train_on_batch(X, Y)
    np.testing.assert_allclose(_flat(loaded), _flat(m), rtol=0, atol=1e-7)


def test_legacy_h5_weights(tmp_path):
    m = _randomized()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        m.save_weights(tmp_path / "w.h5")
        m2 = _mlp()
        m2.load_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5") as f:
        assert "layer_names" in f.attrs and "model_config" not in f.attrs
    np.testing.assert_array_equal(_out(m2, X), _out(m, X))
    with pytest.raises(ValueError, match="weights-only"):
        saving_api.load_model(tmp_path / "w.h5")


def test_legacy_tf_keras_style_config():
    from fkeras.saving import legacy_h5

    cfg = {"class_name": "Functional", "config": {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "name": "input_1",
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "input_1"},
             "inbound_nodes": []},
            {"class_name": "Dense", "name": "dense",
             "config": {"name": "dense", "units": 2, "activation": "relu",
                        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}}
    up = legacy_h5.upgrade_legacy_config(cfg)
    assert up["config"]["layers"][1]["module"] == "keras.layers"
    assert up["config"]["layers"][1]["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert up["config"]["layers"][1]["inbound_nodes"] == [{"args": [["input_1", 0, 0]], "kwargs": {}}]
    model = saving_lib.model_from_config(up)
    assert model(np.ones((1, 4), "float32")).shape == (1, 2)


# --------------------------------------------------------------------------------------
# mismatches and bad paths
# --------------------------------------------------------------------------------------


def test_mismatch_error_and_skip(tmp_path):
    m = _randomized()
    m.save_weights(tmp_path / "m.weights.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.0),
                              keras.layers.Dense(2, name="out")])
    with pytest.raises(ValueError) as err:
        other.load_weights(tmp_path / "m.weights.h5")
    msg = str(err.value)
    assert "dense" in msg and "(4, 5)" in msg and "(4, 3)" in msg
    before = other.layers[0].kernel.numpy().copy()
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(tmp_path / "m.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(), before)  # skipped
    np.testing.assert_array_equal(other.layers[0].bias.numpy(), 0 * before[0])  # whole layer skipped


def test_legacy_mismatch_error(tmp_path):
    m = _randomized()
    m.save_weights(tmp_path / "w.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.BatchNormalization(),
                              keras.layers.Dense(2)])
    with pytest.raises(ValueError) as err:
        other.load_weights(tmp_path / "w.h5")
    assert "dense" in str(err.value) and "(4, 5)" in str(err.value) and "(4, 3)" in str(err.value)


@pytest.mark.parametrize("call", ["save", "save_weights", "load_model", "load_weights"])
def test_unknown_extension(tmp_path, call):
    m = _mlp()
    target = tmp_path / "model.bin"
    target.write_bytes(b"x")
    fn = {"save": lambda: m.save(target), "save_weights": lambda: m.save_weights(target),
          "load_model": lambda: saving_api.load_model(target),
          "load_weights": lambda: m.load_weights(target)}[call]
    with pytest.raises(ValueError) as err:
        fn()
    for ext in (".keras", ".weights.h5", ".h5"):
        assert ext in str(err.value)


def test_truncated_and_corrupted_files(tmp_path):
    m = _randomized()
    good = tmp_path / "m.keras"
    m.save(good)
    data = good.read_bytes()
    trunc = tmp_path / "t.keras"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        saving_api.load_model(trunc)
    # An archive without its weights entry.
    missing = tmp_path / "nw.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(missing, "w") as dst:
        for name in ("metadata.json", "config.json"):
            dst.writestr(name, src.read(name))
    with pytest.raises(ValueError, match="model.weights.h5"):
        saving_api.load_model(missing)
    # A weights entry that is not HDF5.
    bad = tmp_path / "bw.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in ("metadata.json", "config.json"):
            dst.writestr(name, src.read(name))
        dst.writestr("model.weights.h5", b"not hdf5 at all")
    with pytest.raises(ValueError, match="HDF5"):
        saving_api.load_model(bad)
    # Wrong file type under a .keras / .weights.h5 name.
    text = tmp_path / "x.keras"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a valid"):
        saving_api.load_model(text)
    wtext = tmp_path / "x.weights.h5"
    wtext.write_text("hello")
    with pytest.raises(ValueError, match="HDF5"):
        m.load_weights(wtext)


def test_missing_file_and_unbuilt(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        saving_api.load_model(tmp_path / "nope.keras")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


def test_overwrite_false(tmp_path):
    m = _mlp()
    m.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        m.save(tmp_path / "m.keras", overwrite=False)


# --------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    m = _randomized()
    path = tmp_path / "m.keras"
    m.save(path)
    before = path.read_bytes()

    def boom(zf, name, data):
        zf.writestr(name, data[:10])
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving_lib, "_write_member", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        m.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]  # the temporary file was removed


def test_kill_during_save_leaves_previous_file(tmp_path):
    m = _randomized()
    path = tmp_path / "m.keras"
    m.save(path)
    before = path.read_bytes()
    marker = tmp_path / "started"
    child = textwrap.dedent(f"""
        import time
        import numpy as np
        import fkeras as keras
        from fkeras.saving import saving_lib

        def slow(zf, name, data):
            zf.writestr(name, data[: len(data) // 2])
            open({str(marker)!r}, "w").close()
            time.sleep(60)

        saving_lib._write_member = slow
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(7)])
        m.save({str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail("child exited early: " + proc.stderr.read().decode()[-2000:])
            if time.time() > deadline:
                pytest.fail("child never reached the slow writer")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert path.read_bytes() == before
    loaded = saving_api.load_model(path)
    np.testing.assert_array_equal(_out(loaded, X), _out(m, X))
    assert len(os.listdir(tmp_path)) == 3  # the killed save's temporary is still there ...
    m.save(path)
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "started"]  # ... until the next save


# --------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------


def test_yaml_roundtrip():
    yaml = pytest.importorskip("yaml")
    m = _mlp()
    text = yaml_io.to_yaml(m)
    assert "!!python" not in text and "class_name: Sequential" in text
    clone = yaml_io.model_from_yaml(text)
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in m.layers]
    assert json.loads(clone.to_json())["config"]["layers"][1]["config"]["units"] == 3
    with pytest.raises(yaml.constructor.ConstructorError):  # safe_load refuses Python object tags
        yaml_io.model_from_yaml("!!python/object/apply:os.system ['echo hi']")


def test_yaml_missing_pyyaml(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match="pip install pyyaml"):
        yaml_io.to_yaml(_mlp())


def test_optimizer_state_roundtrip_variants(tmp_path):
    """EMA + Nadam's extra scalar, amsgrad + gradient accumulation, and a schedule's step counter."""
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    for opt in (keras.optimizers.Nadam(use_ema=True),
                keras.optimizers.Adam(amsgrad=True, gradient_accumulation_steps=2),
                keras.optimizers.SGD(learning_rate=schedule)):
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        m.compile(optimizer=opt, loss="mse")
        for lo, hi in ((0, 4), (4, 8), (4, 8)):
            m.train_on_batch(X[lo:hi], Y[lo:hi])
        m.save(tmp_path / "o.keras")
        loaded = saving_api.load_model(tmp_path / "o.keras")
        assert loaded.optimizer._iterations == 3
        m.train_on_batch(X, Y)
        loaded.train_on_batch(X, Y)
        np.testing.assert_allclose(_flat(loaded), _flat(m), rtol=0, atol=1e-7, err_msg=type(opt).__name__)
