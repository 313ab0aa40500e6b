"""keras.utils.Config, keras.utils.standardize_dtype, the interactive-logging switches in
keras.utils, keras.models.save_model and keras.preprocessing.timeseries_dataset_from_array."""
import copy
import json
import os
import pickle

import numpy as np
import pytest

import fkeras as keras
from fkeras.utils import Config


def test_config_attribute_and_item_access():
    config = Config(learning_rate=0.1, momentum=0.9)
    config.seed = 123
    config["batch_size"] = 32
    assert config.learning_rate == 0.1 and config["seed"] == 123 and config.batch_size == 32
    assert len(config) == 4 and "seed" in config and "nope" not in config
    assert list(config) == ["batch_size", "learning_rate", "momentum", "seed"]  # sorted iteration
    assert list(config.keys()) == ["learning_rate", "momentum", "seed", "batch_size"]
    assert dict(config.items()) == config.as_dict()
    assert config.get("missing", 7) == 7
    as_dict = config.as_dict()
    as_dict["seed"] = 0
    assert config.seed == 123  # as_dict is a copy
    assert json.loads(config.to_json()) == {"learning_rate": 0.1, "momentum": 0.9, "seed": 123, "batch_size": 32}
    config.update(seed=5)
    assert config.pop("seed") == 5 and "seed" not in config
    del config["batch_size"]
    assert config.as_dict() == {"learning_rate": 0.1, "momentum": 0.9}
    with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
        config.momentun  # noqa: B018
    assert "momentum" in repr(config)


def test_config_freeze_blocks_every_write():
    config = Config(a=1)
    config.freeze()
    assert config.frozen
    writes = [lambda: setattr(config, "b", 2), lambda: config.__setitem__("a", 3), lambda: config.update(a=4),
              lambda: config.pop("a"), lambda: config.__delitem__("a")]
    for write in writes:
        with pytest.raises(ValueError, match="frozen"):
            write()
    assert config.as_dict() == {"a": 1}
    config.unfreeze()
    assert not config.frozen
    config.b = 2
    assert config.as_dict() == {"a": 1, "b": 2}


def test_config_copy_and_pickle_keep_entries_and_frozen_state():
    config = Config(a=[1, 2])
    config.freeze()
    for clone in (copy.deepcopy(config), pickle.loads(pickle.dumps(config)), copy.copy(config)):
        assert clone.as_dict() == {"a": [1, 2]} and clone.frozen


def test_config_matches_keras():
    keras3 = pytest.importorskip("keras")
    ours, theirs = Config(x=1, y="z"), keras3.utils.Config(x=1, y="z")
    for c in (ours, theirs):
        c.w = 2.5
    assert ours.to_json() == theirs.to_json() and list(ours) == list(theirs)
    assert {n for n in dir(theirs) if not n.startswith("_")} <= {n for n in dir(ours) if not n.startswith("_")}


def test_standardize_dtype_in_utils_and_backend():
    assert keras.utils.standardize_dtype is keras.backend.standardize_dtype
    assert keras.utils.standardize_dtype(np.int8) == "int8"
    assert keras.utils.standardize_dtype(None) == keras.backend.floatx()


def test_interactive_logging_switches(capsys):
    from fkeras.utils import io_utils

    assert keras.utils.is_interactive_logging_enabled() is io_utils.is_interactive_logging_enabled()
    try:
        keras.utils.disable_interactive_logging()
        assert not keras.utils.is_interactive_logging_enabled()
        io_utils.print_msg("hidden")
        assert "hidden" not in capsys.readouterr().out
    finally:
        keras.utils.enable_interactive_logging()
    assert keras.utils.is_interactive_logging_enabled()


def test_models_save_model_and_preprocessing_timeseries(tmp_path):
    assert keras.models.save_model is keras.saving.save_model
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = os.path.join(tmp_path, "m.keras")
    keras.models.save_model(model, path)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    assert keras.preprocessing.timeseries_dataset_from_array is keras.utils.timeseries_dataset_from_array
    batches = list(keras.preprocessing.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
                                                                     batch_size=8))
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in batches])[:, 0], np.arange(8))
