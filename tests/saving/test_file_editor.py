"""keras.saving.KerasFileEditor: read, compare, edit and resave `.keras` / `.weights.h5` files."""
import os

import h5py
import numpy as np
import pytest

import fkeras as keras
from fkeras.saving import saving_lib
from fkeras.saving.file_editor import KerasFileEditor


def mlp(units=(4, 2), dropout=True):
    layers = [keras.Input((3,)), keras.layers.Dense(units[0], activation="relu", name="hidden")]
    if dropout:
        layers.append(keras.layers.Dropout(0.5))
    layers += [keras.layers.Dense(u, name=f"out{i}") for i, u in enumerate(units[1:])]
    return keras.Sequential(layers)


X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def forward(x, params):
    """numpy reference of the MLP: relu(x W0 + b0), then the linear layers."""
    (w, b), rest = params[0], params[1:]
    h = np.maximum(x @ w + b, 0.0)
    for w, b in rest:
        h = h @ w + b
    return h


@pytest.fixture
def saved(tmp_path):
    keras.utils.set_random_seed(3)
    model = mlp()
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    return model, path


def test_reads_the_keras_layout(saved, capsys):
    model, path = saved
    editor = KerasFileEditor(path)
    assert "Saved with Keras" in capsys.readouterr().out
    tree = editor.weights_dict
    assert sorted(tree["layers"]) == ["dense", "dense_1"]
    np.testing.assert_array_equal(tree["layers"]["dense"]["0"], model.layers[0].kernel.numpy())
    np.testing.assert_array_equal(tree["layers"]["dense_1"]["1"], model.layers[-1].bias.numpy())
    assert editor.object_metadata["layers/dense"]["name"] == "hidden"
    assert editor.config["class_name"] == "Sequential"
    text = editor.weights_summary()
    assert "dense ('hidden')" in text and "0: shape=(3, 4), dtype=float32" in text
    editor.summary()
    assert "dense_1 ('out0')" in capsys.readouterr().out


def test_edit_weights_save_and_load_model(saved, tmp_path):
    model, path = saved
    editor = KerasFileEditor(path)
    rng = np.random.default_rng(0)
    new_kernel = rng.normal(size=(3, 4)).astype(np.float32)
    new_bias = rng.normal(size=(2,)).astype(np.float32)
    editor.delete_weight("layers/dense", "0")
    editor.add_weights("dense", {"0": new_kernel})  # a unique name works as well as a path
    editor.add_weights("layers/dense_1", {"1": new_bias})
    out_path = os.path.join(tmp_path, "edited.keras")
    editor.save(out_path)
    loaded = keras.models.load_model(out_path)
    params = [(new_kernel, model.layers[0].bias.numpy()), (model.layers[-1].kernel.numpy(), new_bias)]
    expected = forward(X, params)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded(X), expected, rtol=1e-5, atol=1e-6)
    # the original is untouched
    np.testing.assert_array_equal(keras.models.load_model(path).layers[0].kernel.numpy(),
                                  model.layers[0].kernel.numpy())


def test_compare_reports_differences(saved, capsys):
    model, path = saved
    editor = KerasFileEditor(path)
    assert editor.compare(model) == {"status": "success", "error_count": 0, "match_count": 4}
    wider = mlp(units=(4, 5))
    wider.build((None, 3))
    result = editor.compare(wider)
    assert result == {"status": "error", "error_count": 2, "match_count": 2}
    assert "shape mismatch for layers/dense_1/0" in capsys.readouterr().out
    deeper = mlp(units=(4, 2, 3))
    result = editor.compare(deeper)
    assert result["status"] == "error" and result["error_count"] == 1 and result["match_count"] == 4
    assert "Object layers/dense_2 present in reference model, missing from saved file" in capsys.readouterr().out


def test_adapt_an_old_file_to_a_new_architecture(saved, tmp_path):
    """Keras's use case: the model gained a layer; add its weights, check, resave, load."""
    model, path = saved
    deeper = mlp(units=(4, 2, 3))
    editor = KerasFileEditor(path)
    w2, b2 = np.full((2, 3), 0.5, np.float32), np.array([1.0, -1.0, 0.0], np.float32)
    editor.add_object("layers/dense_2", {"0": w2, "1": b2})
    assert editor.compare(deeper)["status"] == "success"
    weights_path = os.path.join(tmp_path, "deeper.weights.h5")
    editor.resave_weights(weights_path)
    deeper.load_weights(weights_path)
    params = [(model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()),
              (model.layers[-1].kernel.numpy(), model.layers[-1].bias.numpy()), (w2, b2)]
    np.testing.assert_allclose(deeper.predict(X, verbose=0), forward(X, params), rtol=1e-5, atol=1e-6)
    # a weights-only file opens too, and renaming/deleting objects changes what compare sees
    editor2 = KerasFileEditor(weights_path)
    assert editor2.config is None
    editor2.rename_object("layers/dense_2", "extra")
    assert list(editor2.weights_dict["layers"]) == ["dense", "dense_1", "extra"]
    assert editor2.compare(deeper)["error_count"] == 2  # dense_2 missing, extra unexpected
    editor2.delete_object("extra")
    assert editor2.compare(model)["status"] == "success"
    with pytest.raises(ValueError, match="weights-only"):
        editor2.save(os.path.join(tmp_path, "x.keras"))


def test_editing_errors(saved):
    _, path = saved
    editor = KerasFileEditor(path)
    with pytest.raises(ValueError, match="more than once"):
        editor.delete_object("0")
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("dense_9")
    with pytest.raises(ValueError, match="not found"):
        editor.delete_object("layers/dense_9")
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("dense", "layers/x")
    with pytest.raises(ValueError, match="not found"):
        editor.add_object("nothere/dense", {"0": np.ones(2)})
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [np.ones(2)])
    with pytest.raises(ValueError, match="Weight '7' not found"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="extension"):
        editor.save("model.h5")
    with pytest.raises(ValueError, match="extension"):
        KerasFileEditor(path.replace(".keras", ".zip"))


def test_save_is_atomic(saved, tmp_path, monkeypatch):
    _, path = saved
    editor = KerasFileEditor(path)
    target = os.path.join(tmp_path, "target.weights.h5")
    editor.save(target)
    before = open(target, "rb").read()
    editor.add_weights("dense", {"0": np.zeros((3, 4), np.float32)})

    def broken(group, key, value):
        raise OSError("disk full")

    monkeypatch.setattr(saving_lib, "_write_dataset", broken)
    with pytest.raises(OSError, match="disk full"):
        editor.save(target)
    assert open(target, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == sorted(["model.keras", "target.weights.h5"])


def test_refuses_links_in_weights_files(tmp_path):
    path = os.path.join(tmp_path, "linked.weights.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((2, 2)))
        f["layers/dense_1/vars/0"] = h5py.SoftLink("/layers/dense/vars/0")
    with pytest.raises(ValueError, match="SoftLink"):
        KerasFileEditor(path)
    legacy = os.path.join(tmp_path, "legacy.weights.h5")
    with h5py.File(legacy, "w") as f:
        f.create_dataset("dense/kernel:0", data=np.ones((2, 2)))
    with pytest.raises(ValueError, match="not a Keras 3 weights file"):
        KerasFileEditor(legacy)


def _flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}"
        out.update(_flat(value, path) if isinstance(value, dict) else {path: np.asarray(value)})
    return out


def test_parity_with_keras_editor_and_loader(tmp_path, capsys):
    keras3 = pytest.importorskip("keras")
    if keras3.backend.backend() != "jax":
        pytest.skip("Keras 3 parity runs on its JAX backend")
    kmodel = keras3.Sequential([keras3.Input((3,)), keras3.layers.Dense(4, activation="relu", name="hidden"),
                                keras3.layers.Dropout(0.5), keras3.layers.Dense(2, name="out0")])
    kmodel.compile(optimizer="adam", loss="mse")
    kmodel.fit(X, np.ones((2, 2), np.float32), verbose=0)
    path = os.path.join(tmp_path, "keras3.keras")
    kmodel.save(path)
    theirs, ours = _flat(keras3.saving.KerasFileEditor(path).weights_dict), _flat(KerasFileEditor(path).weights_dict)
    assert sorted(theirs) == sorted(ours)
    for key in theirs:
        np.testing.assert_array_equal(ours[key], theirs[key])
    # edit with fkeras's editor; Keras 3 loads the result
    editor = KerasFileEditor(path)
    kernel = np.arange(8, dtype=np.float32).reshape(4, 2) / 10
    editor.add_weights("layers/dense_1", {"0": kernel})
    edited = os.path.join(tmp_path, "edited.keras")
    editor.save(edited)
    reloaded = keras3.models.load_model(edited)
    hidden = kmodel.layers[0].get_weights()
    expected = forward(X, [tuple(hidden), (kernel, kmodel.layers[-1].get_weights()[1])])
    np.testing.assert_allclose(np.asarray(reloaded.predict(X, verbose=0)), expected, rtol=1e-5, atol=1e-6)
    # and the fkeras model loaded from the file matches the file, optimizer included
    assert KerasFileEditor(edited).compare(keras.models.load_model(edited))["status"] == "success"
