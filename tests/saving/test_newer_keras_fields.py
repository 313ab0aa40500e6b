"""Config fields written by a newer Keras: a default value the fkeras class does not take is dropped
with one warning; any other value is refused with an error naming the field and the Keras version."""
import json
import warnings
import zipfile

import numpy as np
import pytest

import fkeras as keras
from fkeras.initializers.random_initializers import compute_fans
from fkeras.saving import registry


def _dense_config(**extra):
    return {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
            "config": {"name": "d", "units": 2, "activation": "linear", "use_bias": True,
                       "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                              "config": {"seed": None, "input_axes": None, "output_axes": None},
                                              "registered_name": None},
                       **extra}}


def test_default_valued_unknown_field_is_dropped_with_one_warning():
    registry._WARNED_FIELDS.discard(("Dense", "future_flag"))
    with pytest.warns(UserWarning, match="'future_flag'.*Dense.*default"):
        layer = keras.layers.deserialize(_dense_config(future_flag=None))
    assert layer.units == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per class and field
        keras.layers.deserialize(_dense_config(future_flag=None))


def test_unknown_field_with_a_value_is_refused_naming_field_and_version(tmp_path):
    with pytest.raises(ValueError, match="'future_mode'.*'fast'.*a newer Keras"):
        keras.layers.deserialize(_dense_config(future_mode="fast"))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    path = tmp_path / "m.keras"
    model.save(path)
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "config.json":
                config = json.loads(data)
                config["config"]["layers"][-1]["config"]["future_mode"] = "fast"
                data = json.dumps(config).encode()
            elif item == "metadata.json":
                meta = json.loads(data)
                meta["keras_version"] = "3.99.0"
                data = json.dumps(meta).encode()
            dst.writestr(item, data)
    with pytest.raises(ValueError, match="'future_mode'.*written by Keras 3.99.0"):
        keras.saving.load_model(edited)


def test_variance_scaling_input_and_output_axes():
    assert compute_fans((4, 2, 3), input_axes=[0], output_axes=[1, 2]) == (4, 6)
    assert compute_fans((4, 2, 3)) == (2 * 4, 3 * 4)  # the convolution rule without axes
    init = keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=0,
                                              input_axes=[0], output_axes=[1, 2])
    values = np.asarray(init((400, 2, 3)))
    limit = np.sqrt(3 * 2.0 / 6)
    assert np.abs(values).max() <= limit
    assert np.var(values) == pytest.approx(limit ** 2 / 3, rel=0.1)
    config = init.get_config()
    assert config["input_axes"] == [0] and config["output_axes"] == [1, 2]
    again = keras.initializers.VarianceScaling.from_config(config)
    np.testing.assert_array_equal(np.asarray(again((400, 2, 3))), values)
    glorot = keras.initializers.GlorotUniform(seed=1, input_axes=[0], output_axes=[1, 2])
    assert np.abs(np.asarray(glorot((4, 2, 3)))).max() <= np.sqrt(6 / (4 + 6))
    assert "input_axes" not in keras.initializers.GlorotUniform(seed=1).get_config()  # older Keras reads it
    with pytest.raises(ValueError, match="both `input_axes` and `output_axes`"):
        keras.initializers.GlorotUniform(input_axes=[0])


def test_model_json_from_keras_3_15_loads():
    keras3 = pytest.importorskip("keras")
    if not hasattr(keras3, "Sequential"):
        pytest.skip("keras without a backend")
    model = keras3.Sequential([keras3.Input((3,)), keras3.layers.Dense(2),
                               keras3.layers.EinsumDense("ab,bc->ac", output_shape=4)])
    rebuilt = keras.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["Dense", "EinsumDense"]
    assert rebuilt.count_params() == model.count_params()


def test_legacy_h5_compares_shapes_before_reading_any_weight(tmp_path, monkeypatch):
    """A wrong-shape weight in a tf.keras .h5 file is refused from the datasets' shapes alone."""
    import h5py

    small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="a"), keras.layers.Dense(2, name="b")])
    small.save_weights(tmp_path / "w.h5")
    big = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="a"), keras.layers.Dense(5, name="b")])
    reads = []
    real = h5py.Dataset.__getitem__
    monkeypatch.setattr(h5py.Dataset, "__getitem__", lambda ds, key: reads.append(ds.name) or real(ds, key))
    with pytest.raises(ValueError, match="Shape mismatch.*'b'"):
        big.load_weights(tmp_path / "w.h5")
    assert reads == [], reads  # nothing read, nothing assigned: the model is as it was
    reads.clear()
    small.load_weights(tmp_path / "w.h5")
    assert len(reads) == 4  # every weight read once, after all shapes matched


def test_model_from_json_names_the_keras_version_that_wrote_it():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    config = json.loads(model.to_json())
    config["keras_version"] = "3.99.1"
    config["config"]["layers"][-1]["config"]["future_mode"] = "fast"
    with pytest.raises(ValueError, match="'future_mode'.*written by Keras 3.99.1"):
        keras.models.model_from_json(json.dumps(config))
