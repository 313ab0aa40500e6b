"""Loading a file never writes files or runs code; bad archives get clear errors (issue 17).

Every attack leaves a marker file (or directory) in ``tmp_path`` if the code it names ran;
each test asserts the marker is absent and the error names what was refused.
"""
import copy
import io
import json
import os
import struct
import subprocess
import sys
import threading
import zipfile

import h5py
import numpy as np
import pytest

import fkeras as keras
from fkeras.saving import file_utils, registry, saving_api, saving_lib

X = np.random.RandomState(0).rand(4, 3).astype("float32")


def _tiny(compile=True):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")])
    if compile:
        m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return m


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A genuine `.keras` file's members: (config dict, metadata bytes, weights bytes)."""
    path = tmp_path_factory.mktemp("base") / "m.keras"
    _tiny().save(path)
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json")), zf.read("metadata.json"), zf.read("model.weights.h5")


def _write(path, config, base, members=None, compression=zipfile.ZIP_STORED):
    _, meta, weights = base
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members or [("metadata.json", meta),
                                      ("config.json", json.dumps(config) if not isinstance(config, bytes)
                                       else config),
                                      ("model.weights.h5", weights)]:
            zf.writestr(name, data)
    return path


def _dense(cfg):
    return cfg["config"]["layers"][1]


def _fn(module, name):
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


# --------------------------------------------------------------------------------------
# 1. deserialization by allow-list
# --------------------------------------------------------------------------------------


def _attacks(marker):
    """(name, edit of the config, the name the error must mention)."""
    get_file_layer = {"module": "keras.utils", "class_name": "get_file",
                      "config": {"fname": str(marker), "origin": "data:,pwned"}}
    return [
        ("get_file as a layer", lambda c: c["config"]["layers"].insert(1, get_file_layer), "get_file"),
        ("get_file as a loss", lambda c: c["compile_config"].update(loss=_fn("keras.utils", "get_file")),
         "get_file"),
        ("get_file via keras.src path", lambda c: c["compile_config"].update(
            loss=_fn("keras.src.utils.file_utils", "get_file")), "get_file"),
        ("get_file as an initializer", lambda c: _dense(c)["config"].update(
            kernel_initializer=_fn("keras.utils", "get_file")), "get_file"),
        ("get_file as an activation", lambda c: _dense(c)["config"].update(
            activation=_fn("keras.utils", "get_file")), "get_file"),
        ("Checkpointer as a layer", lambda c: c["config"]["layers"].insert(1, {
            "module": "keras.saving", "class_name": "Checkpointer", "config": {"directory": str(marker)}}),
         "Checkpointer"),
        ("Checkpointer as an optimizer", lambda c: c["compile_config"].update(optimizer={
            "module": "keras.saving", "class_name": "Checkpointer", "config": {"directory": str(marker)}}),
         "Checkpointer"),
        ("EarlyStopping as a metric", lambda c: c["compile_config"].update(metrics=[{
            "module": "keras.callbacks", "class_name": "EarlyStopping", "config": {}}]), "EarlyStopping"),
        ("os.system as a loss", lambda c: c["compile_config"].update(loss=_fn("os", "system")), "system"),
        ("os.system as an activation", lambda c: _dense(c)["config"].update(activation=_fn("os", "system")),
         "system"),
        ("subprocess.Popen as a layer", lambda c: c["config"]["layers"].insert(1, {
            "module": "subprocess", "class_name": "Popen", "config": {"args": ["touch", str(marker)]}}), "Popen"),
        ("builtins.eval as a loss", lambda c: c["compile_config"].update(loss=_fn("builtins", "eval")), "eval"),
        ("load_model as a loss", lambda c: c["compile_config"].update(loss=_fn("keras.models", "load_model")),
         "load_model"),
        ("enable_unsafe_deserialization", lambda c: c["compile_config"].update(
            loss=_fn("keras.config", "enable_unsafe_deserialization")), "enable_unsafe_deserialization"),
        ("activations.get helper", lambda c: c["compile_config"].update(loss=_fn("keras.activations", "get")),
         "get"),
        ("top-level keras utility", lambda c: c["compile_config"].update(loss=_fn("keras", "utils")), "utils"),
    ]


_ATTACK_NAMES = [a[0] for a in _attacks("x")]


@pytest.mark.parametrize("attack", _ATTACK_NAMES)
def test_config_naming_non_modeling_objects_is_refused(tmp_path, base, attack):
    marker = tmp_path / "marker"
    _, edit, named = next(a for a in _attacks(marker) if a[0] == attack)
    config = copy.deepcopy(base[0])
    edit(config)
    path = _write(tmp_path / "evil.keras", config, base)
    with pytest.raises((ValueError, TypeError)) as info:
        saving_api.load_model(path)
    msg = str(info.value)
    assert named in msg
    if "activation" not in attack:  # activations.get words its own error ("Could not interpret ...")
        assert "register_keras_serializable" in msg and "custom_objects" in msg
    assert not marker.exists()
    assert not keras.config.is_unsafe_deserialization_enabled()
    assert sorted(os.listdir(tmp_path)) == ["evil.keras"]


def test_refusals_also_apply_to_json_and_direct_deserialization(tmp_path):
    marker = tmp_path / "marker"
    cfg = json.loads(_tiny(compile=False).to_json())
    cfg["config"]["layers"].insert(1, {"module": "keras.saving", "class_name": "Checkpointer",
                                       "config": {"directory": str(marker)}})
    with pytest.raises(ValueError, match="Checkpointer"):
        keras.models.model_from_json(json.dumps(cfg))
    with pytest.raises(ValueError, match="get_file"):
        keras.saving.deserialize_keras_object(_fn("keras.utils", "get_file"))
    with pytest.raises(ValueError, match="EarlyStopping"):
        keras.saving.deserialize_keras_object({"module": "keras.callbacks", "class_name": "EarlyStopping",
                                               "config": {}})
    assert not marker.exists()


def test_modeling_objects_and_trusted_custom_objects_still_load(tmp_path):
    assert keras.saving.deserialize_keras_object(_fn("keras.activations", "relu")) is keras.activations.relu
    assert keras.saving.deserialize_keras_object(_fn("builtins", "mean_squared_error")) is not None
    sched = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)))
    assert isinstance(sched, keras.optimizers.schedules.ExponentialDecay)

    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred))

    class Double(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Double()])
    m.compile(optimizer="sgd", loss=my_loss)
    m.save(tmp_path / "c.keras")
    with pytest.raises(TypeError, match="register_keras_serializable"):
        saving_api.load_model(tmp_path / "c.keras")
    objs = {"Double": Double, "my_loss": my_loss}
    loaded = saving_api.load_model(tmp_path / "c.keras", custom_objects=objs)
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(m(X)), rtol=1e-6)
    with keras.saving.custom_object_scope(objs):
        saving_api.load_model(tmp_path / "c.keras")
    # A user may vouch for any object, even one that is not a modeling object.
    got = keras.saving.deserialize_keras_object(_fn("keras.utils", "get_file"),
                                                custom_objects={"get_file": len})
    assert got is len


# --------------------------------------------------------------------------------------
# 2. safe mode: per call, thread-safe, the global opt-in honoured
# --------------------------------------------------------------------------------------


def _lambda_model(marker):
    fn = eval(f"lambda x, p={str(marker)!r}: (open(p, 'w').close(), x)[1]")  # noqa: S307 - test code
    return keras.Sequential([keras.Input((3,)), keras.layers.Lambda(fn), keras.layers.Dense(2)])


def test_lambda_code_runs_only_when_asked(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    _lambda_model(marker).save(tmp_path / "l.keras")
    marker.unlink()
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving_api.load_model(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe mode"):
        keras.saving.deserialize_keras_object({"class_name": "__lambda__", "config": {"code": "AA=="}})
    assert not marker.exists()
    saving_api.load_model(tmp_path / "l.keras", safe_mode=False)
    assert marker.exists()
    marker.unlink()
    monkeypatch.setattr(keras.backend.config, "_UNSAFE_DESERIALIZATION", False)  # keras.config re-exports it
    keras.config.enable_unsafe_deserialization()  # Keras 3's documented global opt-in
    assert keras.config.is_unsafe_deserialization_enabled()
    saving_api.load_model(tmp_path / "l.keras")
    assert marker.exists()


def test_tf_keras_h5_lambda(tmp_path):
    """tf.keras writes a Lambda's code as [base64, defaults, closure] with function_type 'lambda'."""
    marker = tmp_path / "ran"
    m = _lambda_model(marker)
    m.save(tmp_path / "l.h5")
    with h5py.File(tmp_path / "l.h5", "r+") as f:
        cfg = json.loads(f.attrs["model_config"])
        lam = cfg["config"]["layers"][1]["config"]
        inner = lam["function"]["config"]
        lam.update(function=[inner["code"], inner["defaults"], None], function_type="lambda",
                   module="__main__", output_shape_type="raw", output_shape_module=None)
        f.attrs["model_config"] = json.dumps(cfg)
    marker.unlink()
    with pytest.raises(ValueError, match="safe_mode=False") as info:
        saving_api.load_model(tmp_path / "l.h5")
    assert inner["code"][:40] not in str(info.value)  # no bytecode blob in the message
    assert not marker.exists()
    loaded = saving_api.load_model(tmp_path / "l.h5", safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(m(X)), rtol=1e-6)
    assert marker.exists()


_gate = {}


@keras.saving.register_keras_serializable("SecurityTest")
class Gate(keras.layers.Layer):
    """Holds a trusted load inside its (unsafe) scope until the other thread has finished."""

    def call(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        if "inside" in _gate:
            _gate["mode_inside"] = registry.in_safe_mode()
            _gate["inside"].set()
            _gate["release"].wait(60)
        return super().from_config(config)


def test_safe_mode_is_per_thread(tmp_path):
    trusted_marker, evil_marker = tmp_path / "trusted_ran", tmp_path / "evil_ran"
    trusted = _lambda_model(trusted_marker)
    trusted.add(Gate())
    trusted.save(tmp_path / "trusted.keras")
    _lambda_model(evil_marker).save(tmp_path / "evil.keras")
    trusted_marker.unlink()
    evil_marker.unlink()
    _gate.update(inside=threading.Event(), release=threading.Event())
    results = {}

    def load_trusted():
        try:
            results["trusted"] = saving_api.load_model(tmp_path / "trusted.keras", safe_mode=False)
        except BaseException as e:  # noqa: BLE001
            results["trusted"] = e
        results["trusted_mode_after"] = registry.in_safe_mode()

    def load_evil():
        try:
            results["evil"] = saving_api.load_model(tmp_path / "evil.keras")
        except BaseException as e:  # noqa: BLE001
            results["evil"] = e
        results["evil_mode_after"] = registry.in_safe_mode()

    try:
        a = threading.Thread(target=load_trusted)
        a.start()
        assert _gate["inside"].wait(60), "the trusted load never reached its gate"
        assert _gate["mode_inside"] is False  # the trusted load is inside its unsafe scope ...
        b = threading.Thread(target=load_evil)  # ... while this default load runs
        b.start()
        b.join(60)
        _gate["release"].set()
        a.join(60)
    finally:
        _gate.clear()
    assert trusted_marker.exists()
    assert isinstance(results["evil"], ValueError) and "safe_mode=False" in str(results["evil"])
    assert not evil_marker.exists()
    assert isinstance(results["trusted"], keras.Model), results["trusted"]
    assert results["trusted_mode_after"] is True and results["evil_mode_after"] is True
    assert registry.in_safe_mode() is True and registry._SAFE_MODE.get() is None


def test_safe_mode_restored_after_errors(tmp_path, base):
    config = copy.deepcopy(base[0])
    config["compile_config"]["loss"] = _fn("os", "system")
    path = _write(tmp_path / "e.keras", config, base)
    with pytest.raises(ValueError):
        saving_api.load_model(path, safe_mode=False)
    assert registry.in_safe_mode() is True and registry._SAFE_MODE.get() is None


# --------------------------------------------------------------------------------------
# 3. archive checks
# --------------------------------------------------------------------------------------


def test_duplicate_members_are_refused(tmp_path, base):
    config, meta, weights = base
    evil = copy.deepcopy(config)
    evil["compile_config"]["loss"] = "mae"
    members = [("metadata.json", meta), ("config.json", json.dumps(config)), ("config.json", json.dumps(evil)),
               ("model.weights.h5", weights)]
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = _write(tmp_path / "dup.keras", None, base, members)
    with pytest.raises(ValueError, match=r"several members named \['config.json'\]"):
        saving_api.load_model(path)
    with pytest.raises(ValueError, match="several members"):
        _tiny().load_weights(path)


def _patch_declared_size(path, member, size):
    """Rewrite ``member``'s uncompressed size in the zip's local and central headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, size_off, name_len_off, header_len in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        pos = data.find(sig)
        while pos >= 0:
            n = struct.unpack_from("<H", data, pos + name_len_off)[0]
            if bytes(data[pos + header_len: pos + header_len + n]) == name:
                struct.pack_into("<I", data, pos + size_off, size)
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def test_oversized_declared_members_are_refused_before_reading(tmp_path, base):
    path = _write(tmp_path / "big.keras", base[0], base, compression=zipfile.ZIP_DEFLATED)
    _patch_declared_size(path, "config.json", 512 * 2**20)
    with pytest.raises(ValueError, match="config.json' declares 536870912 bytes"):
        saving_api.load_model(path)
    path = _write(tmp_path / "bigw.keras", base[0], base, compression=zipfile.ZIP_DEFLATED)
    _patch_declared_size(path, "model.weights.h5", 2**30)
    with pytest.raises(ValueError, match="decompression bomb"):
        saving_api.load_model(path)
    with pytest.raises(ValueError, match="decompression bomb"):
        _tiny().load_weights(path)
    stored = _write(tmp_path / "lie.keras", base[0], base)  # uncompressed, declaring a different size
    _patch_declared_size(stored, "model.weights.h5", 2**30)
    with pytest.raises(ValueError, match="stored uncompressed but declares"):
        saving_api.load_model(stored)


def test_real_decompression_bomb_is_refused(tmp_path, base):
    members = [("metadata.json", base[1]), ("config.json", json.dumps(base[0])),
               ("model.weights.h5", bytes(32 * 2**20))]
    path = _write(tmp_path / "bomb.keras", None, base, members, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    with pytest.raises(ValueError, match="decompression bomb"):
        saving_api.load_model(path)


@pytest.mark.parametrize("config", [[1, 2], "text", 3, {"no": "class_name"}])
def test_config_json_must_be_an_object(tmp_path, base, config):
    path = _write(tmp_path / "x.keras", config, base)
    with pytest.raises(ValueError, match="must be a JSON object"):
        saving_api.load_model(path)


def test_hdf5_links_and_external_storage_are_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype="float32").tobytes())
    m = _tiny(compile=False)
    m.save_weights(tmp_path / "w.weights.h5")
    for kind in ("external_link", "external_storage", "soft_link"):
        path = tmp_path / f"{kind}.weights.h5"
        path.write_bytes((tmp_path / "w.weights.h5").read_bytes())
        with h5py.File(path, "r+") as f:
            group = next(f[k] for k in ("layers/dense/vars",) if k in f)
            del group["0"]
            if kind == "external_link":
                group["0"] = h5py.ExternalLink(str(secret), "/data")
            elif kind == "soft_link":
                group["0"] = h5py.SoftLink("/layers/dense/vars/1")
            else:
                group.create_dataset("0", shape=(3, 2), dtype="float32", external=[(str(secret), 0, 24)])
        with pytest.raises(ValueError, match="Not allowed"):
            m.load_weights(path)


# --------------------------------------------------------------------------------------
# 4. temporaries
# --------------------------------------------------------------------------------------


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _plant(tmp_path, target, pid, host=None):
    name = f".{target}.{file_utils.TMP_TAG}-{host or file_utils._host()}-{pid}-abc123.tmp"
    (tmp_path / name).write_bytes(b"partial")
    return name


@pytest.mark.parametrize("target", ["m.keras", "m.weights.h5", "m.h5"])
def test_next_save_removes_stale_temporaries_of_its_own_target_only(tmp_path, target):
    dead, alive = _dead_pid(), os.getppid()
    stale = _plant(tmp_path, target, dead)
    keep = [_plant(tmp_path, target, alive),  # a save in progress in another process
            _plant(tmp_path, "other.keras", dead),  # another target's
            _plant(tmp_path, target, dead, host="elsewhere")]  # another host's, recent
    (tmp_path / f".{target}.mine.tmp").write_bytes(b"not ours")
    keep.append(f".{target}.mine.tmp")
    m = _tiny()
    if target == "m.weights.h5":
        m.save_weights(tmp_path / target)
    else:
        m.save(tmp_path / target)
    names = set(os.listdir(tmp_path))
    assert stale not in names
    assert names == {target, *keep}


def test_model_checkpoint_removes_stale_temporaries(tmp_path):
    stale = _plant(tmp_path, "ckpt.keras", _dead_pid())
    m = _tiny()
    m.fit(X, X[:, :2], epochs=1, batch_size=4, verbose=0,
          callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.keras"))])
    assert sorted(os.listdir(tmp_path)) == ["ckpt.keras"], stale


# --------------------------------------------------------------------------------------
# 5. zipped=False: Keras's path rule, crash-safe replacement
# --------------------------------------------------------------------------------------


def _out(model):
    return np.asarray(model(X))


def test_unzipped_replacement_always_leaves_a_loadable_model(tmp_path, monkeypatch):
    path = tmp_path / "model"
    old, new = _tiny(), _tiny()
    old.save(path, zipped=False)
    expected = _out(old)

    def fail_writing(f, name, data):
        f.write(data[:3])
        raise KeyboardInterrupt

    monkeypatch.setattr(saving_lib, "_write_file_member", fail_writing)
    with pytest.raises(KeyboardInterrupt):
        new.save(path, zipped=False)
    monkeypatch.undo()
    np.testing.assert_array_equal(_out(saving_api.load_model(path)), expected)
    assert sorted(os.listdir(tmp_path)) == ["model"]

    # Without an atomic exchange, a crash between the two renames leaves the previous model aside,
    # where load_model finds it; the next save puts it back and cleans up.
    monkeypatch.setattr(file_utils, "_exchange", lambda a, b: False)
    real_replace, calls = os.replace, []

    def crash_on_second_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(file_utils.os, "replace", crash_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        new.save(path, zipped=False)
    monkeypatch.setattr(file_utils.os, "replace", real_replace)
    assert not path.exists()
    np.testing.assert_array_equal(_out(saving_api.load_model(path)), expected)
    new.save(path, zipped=False)
    np.testing.assert_array_equal(_out(saving_api.load_model(path)), _out(new))
    assert sorted(os.listdir(tmp_path)) == ["model"]


def test_unzipped_save_with_exchange(tmp_path):
    path = tmp_path / "model"
    a, b = _tiny(), _tiny()
    a.save(path, zipped=False)
    b.save(path, zipped=False)
    np.testing.assert_array_equal(_out(saving_api.load_model(path)), _out(b))
    assert sorted(os.listdir(tmp_path)) == ["model"]
    with pytest.raises(ValueError, match="should not end in `.keras`"):
        a.save(tmp_path / "m.keras", zipped=False)
    (tmp_path / "afile").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        a.save(tmp_path / "afile", zipped=False)


def test_unzipped_config_bounds(tmp_path):
    path = tmp_path / "model"
    _tiny().save(path, zipped=False)
    (path / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="must be a JSON object"):
        saving_api.load_model(path)


def test_bomb_check_runs_on_weights_read_from_memory():
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("x", shape=(2**16, 2**12), dtype="float32", compression="gzip", chunks=(1024, 1024))
    buf.seek(0)
    with h5py.File(buf, "r") as f:
        with pytest.raises(ValueError, match="shape bomb"):
            saving_lib.checked_dataset(f, "x")


def test_save_when_get_compile_config_returns_objects(tmp_path):
    """Issue 18 item 6: objects from an overridden get_compile_config() are serialized as Keras does."""

    class Custom(keras.Sequential):
        def get_compile_config(self):
            return {"loss": keras.losses.MeanAbsoluteError(), "metrics": [keras.metrics.mean_squared_error],
                    "loss_weights": None}

    m = Custom([keras.Input((3,)), keras.layers.Dense(2)])
    m.compile(optimizer="sgd", loss="mse")
    m.save(tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as zf:
        cc = json.loads(zf.read("config.json"))["compile_config"]
    assert cc["loss"]["class_name"] == "MeanAbsoluteError" and cc["metrics"] == ["mean_squared_error"]
    loaded = saving_api.load_model(tmp_path / "c.keras", custom_objects={"Custom": Custom})
    assert isinstance(loaded.loss, keras.losses.MeanAbsoluteError)
