"""Files move between fkeras and real Keras 3 (JAX backend), both ways.

Keras runs only in subprocesses (never imported into this process); the whole module is
skipped when Keras 3 is not installed. One Keras subprocess writes Keras files, one reads
fkeras files, so the module pays Keras's import cost twice.
"""
import inspect
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fkeras as keras
from fkeras.saving import saving_api

X = np.random.RandomState(0).rand(8, 4).astype("float32")
Y = np.random.RandomState(1).rand(8, 2).astype("float32")
XC = np.random.RandomState(2).rand(2, 8, 8, 1).astype("float32")
XT = np.random.RandomState(3).randint(0, 10, (2, 5)).astype("int32")

_ENV = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"}


def _run_keras(code, cwd):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=_ENV,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError("Keras subprocess failed:\n" + proc.stderr[-4000:])
    return proc.stdout


@pytest.fixture(scope="module")
def keras_available():
    # Installed-package metadata, not a third Keras subprocess (~3 s): a Keras 3 that is installed but
    # fails to import makes the subprocesses below fail with its traceback.
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras 3 is not installed (optional test dependency)")
    version = importlib.metadata.version("keras")
    if not version.startswith("3."):
        pytest.skip(f"Keras 3 is needed (optional test dependency); found {version}")
    return version


# The same architectures for each library (`K` is keras or fkeras), written once: the Keras
# subprocesses get these two functions' source text.
def seq(K):
    return K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="relu"), K.layers.BatchNormalization(),
                         K.layers.Dropout(0.0), K.layers.Dense(2, name="out")])


def cnn(K):
    i = K.Input((8, 8, 1))
    h = K.layers.Conv2D(2, 3, activation="relu")(i)
    h = K.layers.MaxPooling2D()(h)
    h = K.layers.Flatten()(h)
    return K.Model(i, K.layers.Dense(3)(h))


def lso(K):
    m = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="relu"), K.layers.Dense(2, dtype="float32")])
    m.compile(optimizer=K.optimizers.Adam(0.01), loss="mse")
    return m


_ARCH = "\n" + "\n".join(inspect.getsource(f) for f in (seq, cnn, lso))


def _flat(model):
    return np.concatenate([np.ravel(w) for w in model.get_weights()])


def _rnn_classes():
    layers = keras.layers
    emb = getattr(layers, "Embedding", None)
    lstm = getattr(layers, "LSTM", None)
    if emb is None or lstm is None:
        try:
            from fkeras.layers.embedding import Embedding as emb
            from fkeras.layers.recurrent import LSTM as lstm
        except ImportError:
            return None
    return emb, lstm


@pytest.fixture(scope="module")
def keras_files(keras_available, tmp_path_factory):
    d = tmp_path_factory.mktemp("from_keras")
    np.save(d / "x.npy", X)
    np.save(d / "y.npy", Y)
    np.save(d / "xc.npy", XC)
    np.save(d / "xt.npy", XT)
    _run_keras(_ARCH + """
import numpy as np, keras
x, y, xc, xt = (np.load(n + ".npy") for n in ("x", "y", "xc", "xt"))
m = seq(keras)
m.compile(optimizer="adam", loss="mse", metrics=["mae"])
m.fit(x, y, epochs=2, batch_size=4, verbose=0)
m.save("seq.keras"); m.save_weights("seq.weights.h5"); m.save("seq.h5")
np.save("seq_pred.npy", m.predict(x, verbose=0))
m.train_on_batch(x, y)
np.save("seq_next.npy", np.concatenate([w.ravel() for w in m.get_weights()]))
c = cnn(keras)
c.save("cnn.keras"); c.save_weights("cnn.weights.h5")
np.save("cnn_pred.npy", c.predict(xc, verbose=0))
t = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(10, 4), keras.layers.LSTM(3),
                      keras.layers.Dense(1)])
t.save("rnn.keras"); t.save_weights("rnn.weights.h5")
np.save("rnn_pred.npy", t.predict(xt, verbose=0))

@keras.saving.register_keras_serializable(package="Interop")
class Twice(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x
u = keras.Sequential([keras.Input((4,)), Twice(), keras.layers.Dense(2)])
u.save("custom.keras")

keras.mixed_precision.set_global_policy("mixed_float16")  # compile wraps Adam in a LossScaleOptimizer
l = lso(keras)
l.fit(x, y, epochs=2, batch_size=4, verbose=0)
l.save("lso.keras")
np.savez("lso_opt.npz", **{v.path: np.asarray(v.value) for v in l.optimizer.variables})
keras.mixed_precision.set_global_policy("float32")
""", d)
    return d


def test_keras_sequential_keras_file_loads_and_trains_on(keras_files):
    d = keras_files
    m = saving_api.load_model(d / "seq.keras")
    np.testing.assert_allclose(np.asarray(m(X)), np.load(d / "seq_pred.npy"), rtol=1e-6, atol=1e-6)
    assert m.optimizer._iterations == 4
    m.train_on_batch(X, Y)  # Keras took the same step after saving
    np.testing.assert_allclose(_flat(m), np.load(d / "seq_next.npy"), rtol=0, atol=1e-6)


def test_keras_weights_h5_loads_into_fkeras_architecture(keras_files):
    d = keras_files
    m = seq(keras)
    m.load_weights(d / "seq.weights.h5")
    np.testing.assert_allclose(np.asarray(m(X)), np.load(d / "seq_pred.npy"), rtol=1e-6, atol=1e-6)
    c = cnn(keras)
    c.load_weights(d / "cnn.weights.h5")
    np.testing.assert_allclose(np.asarray(c(XC)), np.load(d / "cnn_pred.npy"), rtol=1e-6, atol=1e-6)
    c2 = saving_api.load_model(d / "cnn.keras")
    np.testing.assert_allclose(np.asarray(c2(XC)), np.load(d / "cnn_pred.npy"), rtol=1e-6, atol=1e-6)


def test_keras_legacy_h5_loads(keras_files):
    d = keras_files
    m = saving_api.load_model(d / "seq.h5")
    np.testing.assert_allclose(np.asarray(m(X)), np.load(d / "seq_pred.npy"), rtol=1e-6, atol=1e-6)
    assert m.optimizer._iterations == 4


def test_keras_embedding_lstm_weights(keras_files):
    classes = _rnn_classes()
    if classes is None:
        pytest.skip("fkeras has no Embedding/LSTM yet")
    emb, lstm = classes
    d = keras_files
    t = keras.Sequential([keras.Input((5,), dtype="int32"), emb(10, 4), lstm(3), keras.layers.Dense(1)])
    t.load_weights(d / "rnn.weights.h5")
    np.testing.assert_allclose(np.asarray(t(XT)), np.load(d / "rnn_pred.npy"), rtol=1e-5, atol=1e-6)
    if hasattr(keras.layers, "LSTM") and hasattr(keras.layers, "Embedding"):
        t2 = saving_api.load_model(d / "rnn.keras")
        np.testing.assert_allclose(np.asarray(t2(XT)), np.load(d / "rnn_pred.npy"), rtol=1e-5, atol=1e-6)


def _same_names(got, want):
    """Optimizer variable paths equal up to the model-name prefix of the slot names (a loaded model's
    variables have no model name in their paths, in Keras as in fkeras)."""
    def same(g, w):
        (go, gn), (wo, wn) = g.split("/", 1), w.split("/", 1)
        return go == wo and (gn == wn or wn.endswith("_" + gn) or gn.endswith("_" + wn))
    return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))


def _lso_values(model):
    return {v.path: np.asarray(v.value) for v in model.optimizer.variables}


def test_keras_loss_scale_optimizer_state_loads(keras_files):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        m = saving_api.load_model(keras_files / "lso.keras")
        assert isinstance(m.optimizer, keras.mixed_precision.LossScaleOptimizer)
        want = dict(np.load(keras_files / "lso_opt.npz"))
        got = _lso_values(m)
        assert _same_names(list(got), list(want))  # names and order: Keras's
        for a, b in zip(got.values(), want.values()):
            np.testing.assert_array_equal(a, b)
        m.fit(X, Y, epochs=1, batch_size=4, verbose=0)  # trains on from the loaded state
        assert int(m.optimizer.iterations) == int(list(want.values())[4]) + 2  # the inner optimizer's iteration
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_keras_custom_layer_needs_registration(keras_files):
    d = keras_files
    with pytest.raises((TypeError, ValueError)) as err:
        saving_api.load_model(d / "custom.keras")
    assert "Twice" in str(err.value) and "register_keras_serializable" in str(err.value)

    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2.0 * x

    m = saving_api.load_model(d / "custom.keras", custom_objects={"Interop>Twice": Twice})
    assert np.asarray(m(X)).shape == (8, 2)


def test_fkeras_files_load_in_keras(keras_available, tmp_path):
    d = tmp_path
    keras.utils.set_random_seed(0)
    m = seq(keras)
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    m.train_on_batch(X[:4], Y[:4])
    m.train_on_batch(X[4:], Y[4:])
    m.save(d / "seq.keras")
    m.save_weights(d / "seq.weights.h5")
    m.save(d / "seq.h5")
    m.save_weights(d / "seq_w.h5")
    np.save(d / "seq_pred.npy", np.asarray(m(X)))
    m.train_on_batch(X, Y)
    np.save(d / "seq_next.npy", _flat(m))
    c = cnn(keras)
    c.save(d / "cnn.keras")
    c.save_weights(d / "cnn.weights.h5")
    c.save(d / "cnn.h5")
    np.save(d / "cnn_pred.npy", np.asarray(c(XC)))
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        lm = lso(keras)
        lm.fit(X, Y, epochs=1, batch_size=4, verbose=0)
        lm.save(d / "lso.keras")
        np.savez(d / "lso_opt.npz", **_lso_values(lm))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    np.save(d / "x.npy", X)
    np.save(d / "y.npy", Y)
    np.save(d / "xc.npy", XC)
    out = _run_keras(_ARCH + """
import json, numpy as np, keras
x, y, xc = (np.load(n + ".npy") for n in ("x", "y", "xc"))
err = lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
r = {}
m = keras.models.load_model("seq.keras")
r["seq_keras"] = err(m.predict(x, verbose=0), np.load("seq_pred.npy"))
r["seq_iterations"] = int(m.optimizer.iterations)
m.train_on_batch(x, y)
r["seq_next"] = err(np.concatenate([w.ravel() for w in m.get_weights()]), np.load("seq_next.npy"))
w = seq(keras); w.load_weights("seq.weights.h5")
r["seq_weights"] = err(w.predict(x, verbose=0), np.load("seq_pred.npy"))
w = seq(keras); w.load_weights("seq_w.h5")
r["seq_legacy_weights"] = err(w.predict(x, verbose=0), np.load("seq_pred.npy"))
# Keras 3.15 cannot compile its own legacy .h5 files with a string loss; compare weights only.
h = keras.models.load_model("seq.h5", compile=False)
r["seq_h5"] = err(h.predict(x, verbose=0), np.load("seq_pred.npy"))
c = keras.models.load_model("cnn.keras"); r["cnn_keras"] = err(c.predict(xc, verbose=0), np.load("cnn_pred.npy"))
c = cnn(keras); c.load_weights("cnn.weights.h5")
r["cnn_weights"] = err(c.predict(xc, verbose=0), np.load("cnn_pred.npy"))
c = keras.models.load_model("cnn.h5", compile=False)
r["cnn_h5"] = err(c.predict(xc, verbose=0), np.load("cnn_pred.npy"))
keras.mixed_precision.set_global_policy("mixed_float16")
l = keras.models.load_model("lso.keras")
want = dict(np.load("lso_opt.npz"))
got = {v.path: np.asarray(v.value) for v in l.optimizer.variables}
r["lso_names"] = list(got)
r["lso_values"] = max(err(a, b) for a, b in zip(got.values(), want.values())) if len(got) == len(want) else 1.0
print("RESULT" + json.dumps(r))
""", d)
    result = json.loads(out.split("RESULT", 1)[1])
    assert result.pop("seq_iterations") == 2
    assert _same_names(result.pop("lso_names"), list(np.load(d / "lso_opt.npz")))
    for key, value in result.items():
        assert value <= 1e-6, (key, value)
