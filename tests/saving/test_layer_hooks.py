"""A layer's Keras 3 saving hooks (`save_own_variables` / `load_own_variables` / `save_assets` /
`load_assets`) are called by `model.save`, `load_model`, `save_weights` and `load_weights`."""
import zipfile

import numpy as np
import pytest

import fkeras as keras

CALLS = []


@keras.saving.register_keras_serializable(package="HookTest")
class Shifted(keras.layers.Layer):
    """A scale variable plus Python state (an offset) and a vocabulary file (an asset)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", trainable=False, name="scale")
        self.offset = 0.0
        self.vocab = None

    def call(self, x):
        return x * self.scale + self.offset

    def save_own_variables(self, store):
        CALLS.append("save_own_variables")
        super().save_own_variables(store)  # the scale under "0"
        store["offset"] = np.array(self.offset)

    def load_own_variables(self, store):
        CALLS.append("load_own_variables")
        super().load_own_variables({"0": store["0"]})
        self.offset = float(np.asarray(store["offset"]))

    def save_assets(self, dir_path):
        CALLS.append("save_assets")
        with open(f"{dir_path}/vocab.txt", "w") as f:
            f.write("\n".join(self.vocab or []))

    def load_assets(self, dir_path):
        CALLS.append("load_assets")
        with open(f"{dir_path}/vocab.txt") as f:
            self.vocab = f.read().split("\n")


def _model():
    m = keras.Sequential([keras.Input((2,)), Shifted(name="shifted")])
    layer = m.get_layer("shifted")
    layer.scale.assign(2.0)
    layer.offset = 3.0
    layer.vocab = ["cat", "dog"]
    return m


X = np.ones((1, 2), "float32")


@pytest.mark.parametrize("zipped", [True, False])
def test_model_save_and_load_call_every_hook(tmp_path, zipped):
    del CALLS[:]
    path = tmp_path / ("m.keras" if zipped else "m_dir")
    m = _model()
    m.save(path, zipped=zipped)
    if zipped:
        assert "assets/layers/shifted/vocab.txt" in zipfile.ZipFile(path).namelist()  # Keras 3's layout
    loaded = keras.saving.load_model(path)
    assert CALLS == ["save_own_variables", "save_assets", "load_own_variables", "load_assets"]
    layer = loaded.get_layer("shifted")
    assert layer.offset == 3.0 and layer.vocab == ["cat", "dog"] and float(layer.scale.numpy()) == 2.0
    np.testing.assert_array_equal(np.asarray(loaded(X)), [[5.0, 5.0]])


def test_save_weights_calls_the_variable_hooks(tmp_path):
    del CALLS[:]
    _model().save_weights(tmp_path / "w.weights.h5")
    fresh = keras.Sequential([keras.Input((2,)), Shifted(name="shifted")])
    fresh.load_weights(tmp_path / "w.weights.h5")
    assert CALLS == ["save_own_variables", "load_own_variables"]
    np.testing.assert_array_equal(np.asarray(fresh(X)), [[5.0, 5.0]])


def test_an_asset_member_leaving_its_folder_is_refused(tmp_path):
    path = tmp_path / "m.keras"
    _model().save(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("assets/layers/shifted/../../../escape.txt", b"x")
    with pytest.raises(ValueError, match="outside its layer's folder"):
        keras.saving.load_model(path)
    assert not (tmp_path / "escape.txt").exists()
