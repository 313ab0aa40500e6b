"""Issue 17 re-audit: what a crafted or damaged file could still do after the first round
(tests/saving/test_security.py covers the rest).

- a weights file that does not match fails before any weight is assigned (the model stays as it was);
- HDF5 links are refused at any level of a path (a layer's group, not only a dataset);
- non-numeric datasets, odd ``compile_config`` / ``build_config`` / class configs and damaged legacy
  ``.h5`` attributes get errors naming what is wrong;
- private helpers of fkeras's modeling packages are not modeling functions.
"""
import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import fkeras as keras
from fkeras.saving import saving_api, saving_lib

X = np.random.RandomState(0).rand(4, 3).astype("float32")


def _model():
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="d1"), keras.layers.Dense(2, name="d2")])
    m.compile(optimizer="sgd", loss="mse")
    return m


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A trained model's weights in each format, and a fresh model's weights to compare with."""
    d = tmp_path_factory.mktemp("audit")
    src = _model()
    src.fit(X, X[:, :2], epochs=1, verbose=0)
    src.save_weights(d / "w.weights.h5")
    src.save_weights(d / "w.h5")
    src.save(d / "m.keras")
    return d


def _copy(files, name, tmp_path, new_name=None):
    out = tmp_path / (new_name or name)
    out.write_bytes((files / name).read_bytes())
    return out


def _weights(model):
    return [np.array(v) for v in model.weights]


def _unchanged(model, before):
    return all(np.array_equal(a, np.array(b)) for a, b in zip(before, model.weights))


def _replace(group, key, value):
    del group[key]
    group[key] = value


# The second layer's data is wrong; the first layer's must not be assigned either.
_BAD_SECOND_LAYER = {
    "w.weights.h5": [("layers/dense_1/vars", "0", np.zeros((4, 5), "float32"), "Shape mismatch"),
                     ("layers/dense_1/vars", "1", np.array([b"a", b"b"]), "dtype |S1, not numbers")],
    "w.h5": [("d2/d2", "bias:0", np.array([b"a", b"b"]), "dtype |S1, not numbers")],
}


@pytest.mark.parametrize("name, case", [(n, i) for n, cases in _BAD_SECOND_LAYER.items() for i in range(len(cases))])
def test_a_mismatching_weights_file_leaves_the_model_unchanged(files, tmp_path, name, case):
    group, key, value, message = _BAD_SECOND_LAYER[name][case]
    path = _copy(files, name, tmp_path)
    with h5py.File(path, "r+") as f:
        _replace(f[group], key, value)
    m = _model()
    before = _weights(m)
    with pytest.raises(ValueError, match=message) as info:
        m.load_weights(path)
    assert "d2" in str(info.value)  # names the layer
    assert _unchanged(m, before)


def test_a_mismatching_keras_archive_leaves_the_model_unchanged(files, tmp_path):
    with zipfile.ZipFile(files / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "r+") as f:
        _replace(f["layers/dense_1/vars"], "0", np.zeros((4, 5), "float32"))
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    m = _model()
    before = _weights(m)
    with pytest.raises(ValueError, match="Shape mismatch in layer 'd2'"):
        m.load_weights(tmp_path / "bad.keras")
    assert _unchanged(m, before)


@pytest.mark.parametrize("where", ["weights.h5 group", "legacy h5 layer group", "soft link group"])
def test_links_are_refused_at_every_level_of_a_path(files, tmp_path, where):
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["vars/0"] = np.full((4, 2), 7.0, "float32")
        f["vars/1"] = np.full((2,), 7.0, "float32")
        g = f.create_group("d2/d2")
        g["kernel:0"] = np.full((4, 2), 7.0, "float32")
        g["bias:0"] = np.full((2,), 7.0, "float32")
        f["d2"].attrs["weight_names"] = [b"d2/kernel:0", b"d2/bias:0"]
    if where == "legacy h5 layer group":
        path = _copy(files, "w.h5", tmp_path)
        with h5py.File(path, "r+") as f:
            _replace(f, "d2", h5py.ExternalLink(str(secret), "/d2"))
    else:
        path = _copy(files, "w.weights.h5", tmp_path)
        with h5py.File(path, "r+") as f:
            target = (h5py.ExternalLink(str(secret), "/vars") if where == "weights.h5 group"
                      else h5py.SoftLink("/layers/dense/vars"))
            _replace(f["layers/dense_1"], "vars", target)
    m = _model()
    before = _weights(m)
    with pytest.raises(ValueError, match="Link .it would read data from elsewhere"):
        m.load_weights(path)
    assert _unchanged(m, before)
    with pytest.raises(ValueError, match="Not allowed"):
        keras.saving.KerasFileEditor(path) if str(path).endswith(".weights.h5") else saving_api.load_model(path)


def test_link_check_without_visititems_links_and_hard_link_loops(files, tmp_path, monkeypatch):
    path = _copy(files, "w.weights.h5", tmp_path)
    with h5py.File(path, "r+") as f:
        f["layers/dense/loop"] = f["layers"]  # a hard link back up: a loop
    _model().load_weights(path)  # hard links are allowed; the loop is never followed
    with pytest.raises(ValueError, match="reached twice through hard links"):
        keras.saving.KerasFileEditor(path)
    with h5py.File(path, "r+") as f:
        f["layers/dense_1/x"] = h5py.ExternalLink("elsewhere.h5", "/")
    monkeypatch.delattr(h5py.Group, "visititems_links")  # h5py < 3.11 walks the tree itself
    with h5py.File(path, "r") as f:
        with pytest.raises(ValueError, match="'/layers/dense_1/x' is a ExternalLink"):
            saving_lib.check_links(f, "the test file")


@pytest.mark.parametrize("attr, value, message", [
    ("model_config", "{nope", "'model_config' attribute is not valid JSON"),
    ("training_config", "{nope", "'training_config' attribute is not valid JSON"),
    ("training_config", "[1, 2]", "'training_config' attribute must be a JSON object.*received list"),
    ("model_config", '"text"', "'model_config' attribute must be a JSON object.*received str"),
])
def test_damaged_legacy_h5_attributes_get_clear_errors(tmp_path, attr, value, message):
    path = tmp_path / "m.h5"
    _model().save(path)
    with h5py.File(path, "r+") as f:
        f.attrs[attr] = value
    with pytest.raises(ValueError, match=message):
        saving_api.load_model(path)


def _archive(tmp_path, edit):
    m = _model()
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "e.keras", "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return tmp_path / "e.keras"


@pytest.mark.parametrize("compile_config", [[1], "adam", 3])
def test_a_compile_config_that_is_not_an_object_is_refused(tmp_path, compile_config):
    path = _archive(tmp_path, lambda c: c.update(compile_config=compile_config))
    with pytest.raises(ValueError, match=rf"`compile_config` must be a JSON object.*{type(compile_config).__name__}"):
        saving_api.load_model(path)
    assert isinstance(saving_api.load_model(path, compile=False), keras.Model)


@pytest.mark.parametrize("inner", [[1], "s", 5])
def test_a_class_config_that_is_not_an_object_is_refused(tmp_path, inner):
    path = _archive(tmp_path, lambda c: c["config"]["layers"][1].update(config=inner))
    with pytest.raises(ValueError, match=r"Could not deserialize class 'Dense': its 'config' must be a JSON object"):
        saving_api.load_model(path)


@pytest.mark.parametrize("build_config, message", [
    ("abc", "expected a JSON object.*received str"),
    ([1, 2], "expected a JSON object.*received list"),
    ({"input_shape": "abc"}, "'input_shape' must be a shape"),
    ({"input_shape": [None, -3]}, "'input_shape' must be a shape"),
    ({"input_shape": [None, 3.5]}, r"received \[None, 3.5\]"),  # was silently truncated to 3
    ({"shapes_dict": {"query_shape": "x"}}, "'shapes_dict' must be a shape"),
])
def test_an_odd_build_config_is_refused_naming_the_layer(build_config, message):
    config = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "name": "head"},
              "build_config": build_config}
    with pytest.raises(ValueError, match=f"Could not build Dense 'head'.*{message}"):
        keras.layers.deserialize(config)
    config["build_config"] = {"input_shape": [None, 3]}
    assert keras.layers.deserialize(config).kernel.shape == (3, 2)


def test_an_encrypted_member_is_refused(tmp_path):
    path = tmp_path / "m.keras"
    _model().save(path)
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(signature)
        while pos >= 0:
            data[pos + flag_offset] |= 1
            pos = data.find(signature, pos + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="entry 'config.json' is encrypted"):
        saving_api.load_model(path)


def test_private_helpers_of_modeling_packages_are_refused():
    for module, name in (("keras.ops._helpers", "arr"), ("keras.ops._dispatch", "keras_op")):
        config = {"module": module, "class_name": "function", "config": name, "registered_name": name}
        with pytest.raises(ValueError, match=f"Refusing to deserialize the function `{module}.{name}`"):
            keras.saving.deserialize_keras_object(config)
    relu = {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "relu"}
    assert keras.saving.deserialize_keras_object(relu) is keras.activations.relu
