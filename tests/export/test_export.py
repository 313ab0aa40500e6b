"""model.export / keras.export.ExportArchive: jax.export artifacts that plain JAX runs (checked in a
subprocess that cannot import fkeras), symbolic batch size, atomic writes, and the refusals."""
import inspect
import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras.export import export_lib

RNG = np.random.default_rng(0)


@pytest.fixture
def jax_export_ok():
    pytest.importorskip("flatbuffers")  # jax.export's serializer


def _load(path, endpoint="serve"):
    with open(os.path.join(path, endpoint + ".jax_exported"), "rb") as f:
        return jax.export.deserialize(bytearray(f.read()))


def _conv_model():
    keras.utils.set_random_seed(1)
    inp = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, padding="same")(inp)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.5)(x)
    out = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inp, out)
    bn = model.layers[2]
    bn.moving_mean.assign(RNG.normal(size=3).astype("float32"))
    bn.moving_variance.assign(RNG.uniform(0.5, 2.0, size=3).astype("float32"))
    return model


_PLAIN_JAX = textwrap.dedent("""
    import importlib.abc, json, sys

    class NoKeras(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("fkeras", "keras"):
                raise ImportError("this process must not import " + name)
            return None

    sys.meta_path.insert(0, NoKeras())
    import jax, numpy as np

    def load(folder, endpoint="serve"):
        with open(folder + "/" + endpoint + ".jax_exported", "rb") as f:
            return jax.export.deserialize(bytearray(f.read()))

    embedded, separate = load("embedded"), load("separate")
    with np.load("separate/variables.npz") as f:
        variables = [f["arr_%d" % i] for i in range(len(f.files))]
    meta = json.load(open("separate/fkeras_export.json"))
    assert len(meta["variables"]) == len(variables), meta["variables"]
    for n in (3, 7):
        x = np.load("x%d.npy" % n)
        np.save("embedded_%d.npy" % n, np.asarray(embedded.call(x)))
        np.save("separate_%d.npy" % n, np.asarray(separate.call(variables, x)))
    assert not any(m.split(".")[0] in ("fkeras", "keras") for m in sys.modules)
    print("plain-jax ok")
""")


def test_jax_artifact_runs_in_plain_jax_for_any_batch(tmp_path, jax_export_ok, capsys):
    model = _conv_model()
    model.export(tmp_path / "embedded", format="jax")
    assert "Endpoint 'serve'" in capsys.readouterr().out
    model.export(tmp_path / "separate", format="jax", embed_variables=False, verbose=False)
    xs = {n: RNG.normal(size=(n, 6, 6, 2)).astype("float32") for n in (3, 7)}
    for n, x in xs.items():
        np.save(tmp_path / f"x{n}.npy", x)
    script = tmp_path / "run.py"
    script.write_text(_PLAIN_JAX)
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH="")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "plain-jax ok" in proc.stdout
    for n, x in xs.items():
        want = model.predict(x, verbose=0)  # inference mode: dropout off, BN moving statistics
        np.testing.assert_allclose(np.load(tmp_path / f"embedded_{n}.npy"), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.load(tmp_path / f"separate_{n}.npy"), want, rtol=1e-5, atol=1e-6)
    meta = json.loads((tmp_path / "embedded" / "fkeras_export.json").read_text())
    assert meta["format"] == "jax" and meta["endpoints"]["serve"]["inputs"]["arrays"][0]["shape"] == ["batch", 6, 6, 2]
    assert not (tmp_path / "embedded" / "variables.npz").exists()


def test_structured_inputs_sequential_and_subclassed(tmp_path, jax_export_ok):
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(2)(a), b])
    dict_model = keras.Model({"a": a, "b": b}, {"y": keras.layers.Dense(1)(merged), "z": merged})
    x = {"a": RNG.normal(size=(5, 3)).astype("float32"), "b": RNG.normal(size=(5, 4)).astype("float32")}
    dict_model.export(tmp_path / "dict", format="jax", verbose=False)
    got = _load(tmp_path / "dict").call(x)
    want = dict_model.predict(x, verbose=0)
    for k in ("y", "z"):
        np.testing.assert_allclose(np.asarray(got[k]), want[k], rtol=1e-5, atol=1e-6)

    seq = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(2)])
    seq.export(tmp_path / "seq", format="jax", verbose=False)
    xs = RNG.normal(size=(4, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(_load(tmp_path / "seq").call(xs)), seq.predict(xs, verbose=0), rtol=1e-5)

    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs) * 2.0

    sub = Twice()
    with pytest.raises(ValueError, match="built"):
        sub.export(tmp_path / "never", format="jax")
    sub(np.zeros((1, 3), "float32"))
    sub.export(tmp_path / "sub", format="jax", verbose=False)
    xs = RNG.normal(size=(6, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(_load(tmp_path / "sub").call(xs)), np.asarray(sub(xs)), rtol=1e-5)
    assert not (tmp_path / "never").exists()


def test_export_archive_endpoints_and_collections(tmp_path, jax_export_ok):
    model = _conv_model()
    archive = keras.export.ExportArchive(format="jax")
    archive.track(model)
    assert len(archive.variables) == len(model.weights)
    assert len(archive.trainable_variables) == len(model.trainable_weights)
    spec = [keras.InputSpec(shape=(None, 6, 6, 2), dtype="float32")]
    serve = archive.add_endpoint("serve", lambda x: model(x, training=False), input_signature=spec)
    features = keras.Model(model.inputs, model.layers[3].output)
    archive.add_endpoint("features", features, input_signature=[jax.ShapeDtypeStruct((2, 6, 6, 2), "float32")])
    archive.add_variable_collection("bn_state", model.layers[2].non_trainable_weights)
    x = RNG.normal(size=(2, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(np.asarray(serve.call(x)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="already taken"):
        archive.add_endpoint("serve", model, input_signature=spec)
    archive.write_out(tmp_path / "art", verbose=False)
    np.testing.assert_allclose(np.asarray(_load(tmp_path / "art", "features").call(x)),
                               np.asarray(features(x)), rtol=1e-5, atol=1e-6)
    meta = json.loads((tmp_path / "art" / "fkeras_export.json").read_text())
    assert sorted(meta["endpoints"]) == ["features", "serve"]
    assert meta["endpoints"]["features"]["inputs"]["arrays"][0]["shape"] == [2, 6, 6, 2]
    col = meta["variable_collections"]["bn_state"]
    with np.load(tmp_path / "art" / col["file"]) as f:
        np.testing.assert_array_equal(f["arr_0"], model.layers[2].moving_mean.numpy())
    assert col["paths"][0].endswith("moving_mean")


def test_archive_refusals(tmp_path, jax_export_ok):
    model = _conv_model()
    archive = keras.export.ExportArchive(format="jax")
    with pytest.raises(ValueError, match="No endpoints"):
        archive.write_out(tmp_path / "empty")
    with pytest.raises(ValueError, match="not yet been built"):
        archive.track(keras.layers.Dense(2))
    with pytest.raises(ValueError, match="Invalid resource type"):
        archive.track(object())
    archive.track(model)
    with pytest.raises(ValueError, match="input_signature"):
        archive.add_endpoint("serve", model)
    spec = [keras.InputSpec(shape=(None, 6, 6, 2), dtype="float32")]
    with pytest.raises(ValueError, match="draws random numbers"):
        archive.add_endpoint("train", lambda x: model(x, training=True), input_signature=spec)
    bn = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
    archive.track(bn)
    with pytest.raises(ValueError, match="updates variables.*moving_mean"):
        archive.add_endpoint("bn_train", lambda x: bn(x, training=True),
                             input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    with pytest.raises(TypeError, match="saved_model"):
        archive.add_endpoint("serve", model, input_signature=spec, is_static=True)
    with pytest.raises(ValueError, match="identifier"):
        archive.add_endpoint("my endpoint", model, input_signature=spec)
    with pytest.raises(ValueError, match="shape.*dtype"):
        archive.add_endpoint("serve", model, input_signature=[keras.InputSpec(ndim=4)])
    with pytest.raises(ValueError, match="keras.Variable"):
        archive.add_variable_collection("stuff", [np.zeros(3)])
    archive.add_endpoint("serve", model, input_signature=spec)
    with pytest.raises(ValueError, match="options"):
        archive.write_out(tmp_path / "x", options=object())
    with pytest.raises(ValueError, match="embed_variables"):
        keras.export.ExportArchive(format="saved_model", embed_variables=False)
    separate = keras.export.ExportArchive(format="jax", embed_variables=False)
    separate.track_and_add_endpoint("serve", model, spec)
    separate.track(model)  # already tracked: nothing new
    with pytest.raises(ValueError, match="before the first add_endpoint"):
        separate.track(bn)


@pytest.mark.parametrize("fmt", ["onnx", "openvino", "litert", "torch", "savedmodel"])
def test_unsupported_formats_are_refused(tmp_path, fmt):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"Supported formats are: \['tf_saved_model', 'jax'\]"):
        model.export(tmp_path / "m", format=fmt)
    with pytest.raises(ValueError, match="Supported formats"):
        keras.export.ExportArchive(format=fmt)
    assert not (tmp_path / "m").exists()


def test_default_format_is_keras_and_needs_tensorflow(tmp_path):
    assert inspect.signature(keras.Model.export).parameters["format"].default == "tf_saved_model"
    keras3 = pytest.importorskip("keras")
    assert inspect.signature(keras3.Model.export).parameters["format"].default == "tf_saved_model"
    for method in ("track", "add_endpoint", "track_and_add_endpoint", "add_variable_collection", "write_out"):
        assert hasattr(keras.export.ExportArchive, method) and hasattr(keras3.export.ExportArchive, method)
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        with pytest.raises(ImportError, match="tf_saved_model.*tensorflow"):
            model.export(tmp_path / "m")
        with pytest.raises(ImportError, match="tensorflow"):
            keras.export.ExportArchive()
        assert not (tmp_path / "m").exists()


def test_atomic_write(tmp_path, jax_export_ok, monkeypatch):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    target = tmp_path / "art"
    model.export(target, format="jax", verbose=False)
    before = {p: (target / p).read_bytes() for p in os.listdir(target)}
    model.layers[0].kernel.assign(np.ones((3, 2), "float32"))

    calls = []
    real_write = export_lib.export_utils.write_file

    def failing_write(path, data):
        calls.append(path)
        if path.endswith(".json"):
            raise OSError("disk full")
        return real_write(path, data)

    monkeypatch.setattr(export_lib.export_utils, "write_file", failing_write)
    with pytest.raises(OSError, match="disk full"):
        model.export(target, format="jax", verbose=False)
    assert len(calls) == 2  # the endpoint file was written (into the temporary folder), then it failed
    assert {p: (target / p).read_bytes() for p in os.listdir(target)} == before
    assert sorted(os.listdir(tmp_path)) == ["art"]  # no temporary folder left behind
    monkeypatch.undo()
    model.export(target, format="jax", verbose=False)  # replaces the old artifact
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(_load(target).call(x)), model.predict(x, verbose=0), rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == ["art"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="a file exists"):
        model.export(tmp_path / "file", format="jax", verbose=False)


def test_tf_saved_model(tmp_path):
    tf = pytest.importorskip("tensorflow")
    model = _conv_model()
    model.export(tmp_path / "sm", format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "sm"))
    x = RNG.normal(size=(3, 6, 6, 2)).astype("float32")
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(np.asarray(reloaded.serve(x)), want, rtol=1e-4, atol=1e-5)
    assert len(reloaded.variables) == len(model.weights)
    archive = keras.export.ExportArchive()
    archive.track(model)
    spec = [keras.InputSpec(shape=(None, 6, 6, 2), dtype="float32")]
    archive.add_endpoint("call", model.call, input_signature=spec)
    archive.add_endpoint("static", lambda inputs: model(inputs), input_signature=spec, is_static=True)
    archive.add_variable_collection("bn", model.layers[2].non_trainable_weights)
    archive.write_out(str(tmp_path / "arch"), verbose=False)
    again = tf.saved_model.load(str(tmp_path / "arch"))
    for name in ("call", "static"):
        np.testing.assert_allclose(np.asarray(getattr(again, name)(x)), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(again.bn[0].numpy(), model.layers[2].moving_mean.numpy())
    assert "serving_default" in again.signatures
