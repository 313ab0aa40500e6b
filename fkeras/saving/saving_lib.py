"""Keras 3's native files: the ``.keras`` zip and ``.weights.h5``.

A ``.keras`` file is a zip holding ``metadata.json``, ``config.json`` (the model's serialized
config plus ``compile_config``) and ``model.weights.h5``; the weights file holds every layer's
own variables at ``<path>/vars/<i>`` and the optimizer's at ``optimizer/vars/<i>`` (paths as
``keras_layout`` computes them), so files move between fkeras and Keras 3 both ways.

Nothing here unpickles; Python code in a config (a ``Lambda``'s lambda) is refused unless the
caller passes ``safe_mode=False``.
"""
from __future__ import annotations

import datetime
import inspect
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from fkeras._version import __version__
from fkeras.saving import file_utils, keras_layout, registry

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The Keras file-format version these files follow (read by nobody, written for humans).
KERAS_FORMAT_VERSION = "3.15.1"

# Bounds on what loading reads from a file (module attributes, so a user with a genuinely
# larger file can raise them):
# - a JSON member (config.json, metadata.json) is never larger than this;
MAX_JSON_MEMBER_BYTES = 64 * 2**20
# - a compressed zip member may expand to at most MAX_EXPANSION times its stored size (members
#   up to EXPANSION_FLOOR_BYTES always may); an uncompressed one must declare its stored size;
MAX_EXPANSION = 100
EXPANSION_FLOOR_BYTES = 16 * 2**20
# - an HDF5 dataset larger than H5_DATASET_FLOOR_BYTES may declare at most
#   H5_DATASET_MAX_EXPANSION times the bytes it stores (a "shape bomb" stores almost nothing).
H5_DATASET_FLOOR_BYTES = 64 * 2**20
H5_DATASET_MAX_EXPANSION = 1000


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading `.keras` / `.h5` files requires h5py: `pip install h5py`.") from e
    return h5py


# ------------------------------------------------------------------------------------------
# Safe mode and (de)serialization of whole models
# ------------------------------------------------------------------------------------------


def safe_mode_scope(safe_mode):
    """While active, this thread's deserialization refuses Python bytecode (a ``Lambda``'s
    lambda) unless ``safe_mode`` is False or ``keras.config.enable_unsafe_deserialization()``
    was called. A context variable: other threads keep their own mode."""
    return registry.safe_mode_scope(safe_mode)


def compile_config(model):
    """Keras 3's ``compile_config``: compile() arguments, the optimizer as a full config."""
    if not getattr(model, "compiled", False):
        return None
    # A user's get_compile_config() may return objects (a loss function, a metric instance):
    # serialize them, as Keras does; plain values and configs pass through unchanged.
    config = registry.serialize_keras_object(dict(model.get_compile_config() or {}))
    if getattr(model, "optimizer", None) is not None:
        config["optimizer"] = registry.serialize_keras_object(model.optimizer)
    return config


# Classes Keras 3 does not export under the module fkeras's registry names for them.
_KERAS_MODULES = {("keras.models", "Functional"): "keras.src.models.functional"}


def keras_compatible(config):
    """``config`` with module names that Keras 3's deserializer resolves."""
    if isinstance(config, list):
        return [keras_compatible(c) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: keras_compatible(v) for k, v in config.items()}
    key = (out.get("module"), out.get("class_name"))
    if key in _KERAS_MODULES:
        out["module"] = _KERAS_MODULES[key]
    return out


def serialize_model(model):
    """``config.json``'s content: the model's config plus its ``compile_config``."""
    config = keras_compatible(registry.serialize_keras_object(model))
    cc = compile_config(model)
    if cc is not None:
        config["compile_config"] = cc
    return config


def _deserialize_value(value, custom_objects, safe_mode):
    if isinstance(value, dict) and "class_name" in value:
        return registry.deserialize_keras_object(value, custom_objects=custom_objects, safe_mode=safe_mode)
    if isinstance(value, list):
        return [_deserialize_value(v, custom_objects, safe_mode) for v in value]
    if isinstance(value, dict):
        return {k: _deserialize_value(v, custom_objects, safe_mode) for k, v in value.items()}
    return value


def compile_from_config(model, config, custom_objects=None, safe_mode=True):
    """``model.compile(**config)`` from a saved ``compile_config`` (unknown keys dropped)."""
    if not config:
        return
    if not isinstance(config, dict):
        raise ValueError("Could not compile the loaded model: its saved `compile_config` must be a JSON object "
                         f"(dict) of `compile()` arguments; received {type(config).__name__} {_short(config)}. "
                         "Load it with `compile=False` and call `compile()` yourself.")
    with registry.CustomObjectScope(custom_objects or {}):
        kwargs = {k: _deserialize_value(v, custom_objects, safe_mode) for k, v in config.items()}
    params = inspect.signature(model.compile).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        dropped = sorted(k for k in kwargs if k not in params)
        if dropped:
            warnings.warn(f"Ignoring compile arguments not supported by fkeras: {dropped}", stacklevel=3)
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    model.compile(**kwargs)


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def model_from_config(config, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild (and build) a model from ``config.json``'s dict; compile it if asked."""
    check_config_object(config, "the model config")
    config = dict(config)
    cc = config.pop("compile_config", None)
    with safe_mode_scope(safe_mode), registry.CustomObjectScope(custom_objects or {}):
        model = registry.deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    if compile and cc:
        compile_from_config(model, cc, custom_objects, safe_mode)
    return model


# ------------------------------------------------------------------------------------------
# The weights store (Keras 3's H5IOStore layout)
# ------------------------------------------------------------------------------------------


def _vars_group_name(path):
    return f"{path}/vars" if path else "vars"


def _to_numpy(value):
    arr = np.asarray(value)
    return arr


def _write_dataset(group, key, value):
    arr = _to_numpy(value)
    if arr.dtype.name == "bfloat16":
        ds = group.create_dataset(key, data=arr.astype(np.float32))
        ds.attrs["dtype"] = "bfloat16"
    else:
        group[key] = arr


def checked_dataset(group, key, what="weights file"):
    """``group[key]`` as an ``h5py.Dataset``, refusing what would read other files or expand far
    beyond the stored bytes: links (soft or external), external or virtual storage, shape bombs."""
    h5py = _h5py()
    link = group.get(key, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise ValueError(f"Not allowed in a {what}: '{key}' in '{group.name}' is a "
                         f"{type(link).__name__} (it would read data from elsewhere).")
    ds = group[key]
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"Invalid {what}: expected a dataset at '{ds.name}', found {type(ds).__name__}.")
    if ds.external:
        raise ValueError(f"Not allowed in a {what}: dataset '{ds.name}' stores its data in external "
                         f"files {[e[0] for e in ds.external]}.")
    if ds.is_virtual:
        raise ValueError(f"Not allowed in a {what}: dataset '{ds.name}' is a virtual dataset (it maps "
                         "data from other files).")
    declared = int(np.prod(ds.shape, dtype=np.int64)) * ds.dtype.itemsize if ds.shape else ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if declared > H5_DATASET_FLOOR_BYTES and declared > H5_DATASET_MAX_EXPANSION * stored:
        raise ValueError(f"Not allowed in a {what}: dataset '{ds.name}' declares {declared} bytes but stores "
                         f"only {stored}; refusing a potential decompression/shape bomb.")
    return ds


def _read_dataset(group, key):
    ds = checked_dataset(group, key)
    value = np.asarray(ds[()])
    if "dtype" in ds.attrs and ds.attrs["dtype"] in ("bfloat16", b"bfloat16"):
        import ml_dtypes

        value = value.astype(ml_dtypes.bfloat16)
    return value


def write_weights(model, h5file):
    """Write every layer's and the optimizer's variables into an open ``h5py.File``."""
    for path, obj in keras_layout.saveables(model):
        group = h5file.create_group(_vars_group_name(path))
        if isinstance(getattr(obj, "name", None), str):
            group.attrs["name"] = obj.name
        if keras_layout._is_optimizer(obj) or _hook(obj, "save_own_variables"):
            # Keras 3's hook: an optimizer lays out its own state (Keras's order), a layer may too
            store = {}
            obj.save_own_variables(store)
            for key, value in store.items():
                _write_dataset(group, str(key), value)
        else:
            for i, var in enumerate(keras_layout.own_variables(obj)):
                _write_dataset(group, str(i), var.numpy())


def _hook(obj, name):
    """Whether ``obj`` (a layer) overrides Keras's saving hook ``name`` (the base Layer's
    versions are what fkeras does anyway, with its own checks)."""
    from fkeras.engine.layer import Layer

    method = getattr(type(obj), name, None)
    return method is not None and method is not getattr(Layer, name, None)


class _GroupStore:
    """What ``load_own_variables`` reads: the datasets of a layer's group, by key, each read only
    when asked for (and checked like every other weight)."""

    def __init__(self, group):
        self._group = group

    def keys(self):
        return list(self._group.keys()) if self._group is not None else []

    def __contains__(self, key):
        return self._group is not None and str(key) in self._group

    def __len__(self):
        return len(self.keys())

    def __iter__(self):
        return iter(self.keys())

    def __getitem__(self, key):
        if key not in self:
            raise KeyError(key)
        return _read_dataset(self._group, str(key))

    def items(self):
        return [(k, self[k]) for k in self.keys()]


def _group_keys(h5file, path):
    name = _vars_group_name(path)
    if name not in h5file:
        return None, []
    group = h5file[name]
    return group, sorted((k for k in group.keys() if k.isdigit()), key=int)


def _group_values(h5file, path, max_bytes=None):
    group, keys = _group_keys(h5file, path)
    if max_bytes is not None:
        for k in keys:
            ds = checked_dataset(group, k)
            if ds.size * ds.dtype.itemsize > max_bytes:
                raise ValueError(f"Invalid weights file: dataset '{ds.name}' ({tuple(ds.shape)}, {ds.dtype}) "
                                 "is larger than any variable of the model.")
    return [_read_dataset(group, k) for k in keys]


def _group_shapes(h5file, path):
    group, keys = _group_keys(h5file, path)
    return [tuple(checked_dataset(group, k).shape) for k in keys]


def _describe(layer, path):
    where = f" (at '{path}' in the file)" if path else ""
    return f"layer '{layer.name}' ({type(layer).__name__}){where}"


def weight_value(value, var, desc):
    """``value`` (read from a file) as ``var``'s dtype; a non-numeric dataset (strings, compound
    records) is refused with an error naming the layer and the weight, rather than parsed."""
    value = np.asarray(value)
    dt = value.dtype
    numeric = dt.kind in "biufc" or (dt.kind == "V" and dt.names is None and ("float" in dt.name or "int" in dt.name))
    if not numeric:
        raise ValueError(f"Invalid weight for {desc}, weight '{var.name}': the file holds values of dtype {dt}, "
                         f"not numbers (the model's variable is {var.dtype}). The file is corrupted or was crafted.")
    try:
        return value.astype(var.dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Invalid weight for {desc}, weight '{var.name}': its dtype {dt} cannot be converted to "
                         f"{var.dtype} ({e}).") from e


def read_weights(model, h5file, skip_mismatch=False, load_optimizer=True):
    """Assign the variables stored in ``h5file`` to ``model``'s layers (and optimizer).

    A layer whose variable count or shapes differ raises a ``ValueError`` naming the layer
    and both shapes; with ``skip_mismatch=True`` it is skipped with a warning instead. Every
    layer's variables are checked and read before any is assigned, so a file that does not match
    leaves the model as it was (layers with their own ``load_own_variables`` and the optimizer
    read their state afterwards).
    """
    saveables = list(keras_layout.saveables(model))
    # No optimizer slot is larger than the largest variable (stored as float64 at most).
    largest = max((int(np.prod(v.shape, dtype=np.int64)) * 8 for _, obj in saveables
                   if not keras_layout._is_optimizer(obj) for v in keras_layout.own_variables(obj)),
                  default=0) + 4096
    plan = {}
    for k, (path, obj) in enumerate(saveables):
        if keras_layout._is_optimizer(obj) or _hook(obj, "load_own_variables"):
            continue
        variables = keras_layout.own_variables(obj)
        shapes = _group_shapes(h5file, path)  # checked before any data is read
        if not variables and not shapes:
            continue
        problem = None
        if len(shapes) != len(variables):
            problem = (
                f"{_describe(obj, path)} expected {len(variables)} variables, but received "
                f"{len(shapes)} variables during loading. Expected: "
                f"{[(v.name, tuple(v.shape)) for v in variables]}; received shapes: {shapes}"
            )
        else:
            for var, shape in zip(variables, shapes):
                if tuple(var.shape) != shape:
                    problem = (
                        f"Shape mismatch in {_describe(obj, path)} for weight '{var.name}': the model "
                        f"expects shape {tuple(var.shape)}, the saved weight has shape {shape}."
                    )
                    break
        if problem is not None:
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights: {problem}", stacklevel=3)
                continue
            raise ValueError(problem + " Pass `skip_mismatch=True` to skip mismatching layers.")
        plan[k] = [(var, weight_value(value, var, _describe(obj, path)))
                   for var, value in zip(variables, _group_values(h5file, path))]
    for k, (path, obj) in enumerate(saveables):
        if keras_layout._is_optimizer(obj):
            values = _group_values(h5file, path, max_bytes=largest) if load_optimizer else []
            if values:  # the optimizer reads its own state back (a mismatch warns and loads nothing)
                obj.load_own_variables({str(i): value for i, value in enumerate(values)})
        elif _hook(obj, "load_own_variables"):  # the layer reads its own state (Keras 3's hook)
            obj.load_own_variables(_GroupStore(_group_keys(h5file, path)[0]))
        else:
            for var, value in plan.get(k, ()):
                var.assign(value)


def check_links(h5file, what):
    """Refuse an HDF5 file holding any link other than a hard one (a soft, external or
    user-defined link), anywhere in it: reading through such a link reads another object or
    another file, at any level of a path (a layer's group as well as a dataset)."""
    h5py = _h5py()

    def bad(name, link):  # a non-None return stops the visit (raising inside it is not safe in h5py)
        return None if isinstance(link, h5py.HardLink) else (name, type(link).__name__)

    if hasattr(h5file, "visititems_links"):  # h5py >= 3.11: every link once, cycles included
        found = h5file.visititems_links(bad)
    else:
        found, seen, stack = None, set(), [("", h5file)]
        while stack and found is None:
            prefix, group = stack.pop()
            if group.id in seen:
                continue
            seen.add(group.id)
            for key in group:
                found = bad(prefix + key, group.get(key, getlink=True))
                if found is not None:
                    break
                child = group.get(key)
                if isinstance(child, h5py.Group):
                    stack.append((prefix + key + "/", child))
    if found is not None:
        raise ValueError(f"Not allowed in {what}: '/{found[0]}' is a {found[1]} (it would read data from "
                         "elsewhere); a weights file holds its own data.")


def _open_h5(source, what):
    """The HDF5 file, opened for reading; refused if it is not one, or holds links (see ``check_links``)."""
    h5py = _h5py()
    try:
        f = h5py.File(source, "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not read {what}: not a valid HDF5 file (truncated or corrupted?). "
                         f"Underlying error: {e}") from e
    try:
        check_links(f, what)
    except BaseException:
        f.close()
        raise
    return f


# ------------------------------------------------------------------------------------------
# .weights.h5
# ------------------------------------------------------------------------------------------


def _check_built(model, action):
    if not model.built:
        raise ValueError(
            f"You are {action} a model that has not yet been built. Try building the model first by "
            "calling it on some data or by using `build()`."
        )


def save_weights_only(model, filepath):
    """Write ``model``'s weights (and optimizer state) to ``filepath`` (``.weights.h5``)."""
    _check_built(model, "saving the weights of")
    h5py = _h5py()
    with file_utils.atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write_weights(model, f)


def load_weights_only(model, filepath, skip_mismatch=False):
    """Load weights from a ``.weights.h5`` file or from a ``.keras`` archive's weights."""
    _check_built(model, "loading weights into")
    filepath = str(filepath)
    if filepath.endswith(".keras"):
        with _open_zip(filepath) as zf:
            data = _read_member(zf, filepath, WEIGHTS_FILENAME)
        with _open_h5(io.BytesIO(data), f"the weights in {filepath}") as f:
            read_weights(model, f, skip_mismatch=skip_mismatch)
        return
    with _open_h5(filepath, filepath) as f:
        if "model_weights" in f or "layer_names" in f.attrs:
            from fkeras.saving import legacy_h5

            group = f["model_weights"] if "model_weights" in f else f
            legacy_h5.load_weights_from_group(group, model, skip_mismatch=skip_mismatch)
            return
        read_weights(model, f, skip_mismatch=skip_mismatch)


# ------------------------------------------------------------------------------------------
# .keras
# ------------------------------------------------------------------------------------------


def model_file_contents(model):
    """``{member name: bytes}`` of the ``.keras`` file for ``model`` (config, metadata, weights)."""
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not contain any "
                      "weights yet. Consider building the model first by calling it on some data.",
                      stacklevel=4)
    h5py = _h5py()
    config_json = json.dumps(serialize_model(model))
    metadata_json = json.dumps({
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "fkeras_version": _fkeras_version(),
    })
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_weights(model, f)
    return {METADATA_FILENAME: metadata_json.encode("utf-8"), CONFIG_FILENAME: config_json.encode("utf-8"),
            WEIGHTS_FILENAME: buffer.getvalue(), **_asset_members(model)}


ASSETS_DIR = "assets"


def _asset_prefix(path):
    return f"{ASSETS_DIR}/{path}/" if path else f"{ASSETS_DIR}/"


def _asset_members(model):
    """``{member name: bytes}``: the files each layer's ``save_assets`` writes, under
    ``assets/<layer path>/`` as in Keras 3's archives."""
    members = {}
    for path, obj in keras_layout.saveables(model):
        if keras_layout._is_optimizer(obj) or not _hook(obj, "save_assets"):
            continue
        with tempfile.TemporaryDirectory(prefix="fkeras-assets-") as tmp:
            obj.save_assets(tmp)
            for root, _, files in os.walk(tmp):
                for name in files:
                    rel = os.path.relpath(os.path.join(root, name), tmp).replace(os.sep, "/")
                    with open(os.path.join(root, name), "rb") as f:
                        members[_asset_prefix(path) + rel] = f.read()
    return members


def _load_assets(model, read, names, where):
    """Call each overriding layer's ``load_assets`` on a folder holding its files (``names``:
    the members there are; ``read(name)``: one member's bytes). A member whose name would leave
    the folder is refused."""
    for path, obj in keras_layout.saveables(model):
        if keras_layout._is_optimizer(obj) or not _hook(obj, "load_assets"):
            continue
        prefix = _asset_prefix(path)
        with tempfile.TemporaryDirectory(prefix="fkeras-assets-") as tmp:
            for name in names:
                if not name.startswith(prefix) or name.endswith("/"):
                    continue
                rel = name[len(prefix):]
                parts = rel.split("/")
                if any(p in ("", ".", "..") or "\\" in p or ":" in p for p in parts):
                    raise ValueError(f"Refusing to load {where}: asset member {name!r} would be "
                                     "written outside its layer's folder.")
                if path == "" and len(parts) > 1 and parts[0] in _layer_asset_roots(model):
                    continue  # the model's own folder holds its layers' folders, not its files
                target = os.path.join(tmp, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(read(name))
            obj.load_assets(tmp)


def _layer_asset_roots(model):
    return {p.split("/")[0] for p, _ in keras_layout.saveables(model) if p}


def save_model(model, filepath):
    """Write the ``.keras`` zip for ``model`` to ``filepath`` (atomically)."""
    contents = model_file_contents(model)
    with file_utils.atomic_path(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr(METADATA_FILENAME, contents[METADATA_FILENAME])
            zf.writestr(CONFIG_FILENAME, contents[CONFIG_FILENAME])
            _write_member(zf, WEIGHTS_FILENAME, contents[WEIGHTS_FILENAME])
            for name, data in contents.items():
                if name.startswith(ASSETS_DIR + "/"):
                    zf.writestr(name, data)


def save_model_dir(model, dirpath):
    """Write the ``.keras`` content unzipped, as a directory (``model.save(path, zipped=False)``);
    ``dirpath`` is replaced atomically (see ``file_utils.atomic_dir``)."""
    contents = model_file_contents(model)
    with file_utils.atomic_dir(dirpath) as tmp:
        for name in contents:
            path = os.path.join(tmp, *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                _write_file_member(f, name, contents[name])
                f.flush()
                os.fsync(f.fileno())


def _write_file_member(f, name, data):
    """Hook for tests (a slow writer simulates a crash mid-save of an unzipped model)."""
    f.write(data)


def load_model_dir(dirpath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``zipped=False`` (a directory holding the ``.keras`` members)."""
    dirpath = os.fspath(dirpath)
    source = dirpath
    if not os.path.isdir(dirpath):
        aside = file_utils.recoverable_dir(dirpath, (CONFIG_FILENAME, WEIGHTS_FILENAME))
        if aside is None:
            raise ValueError(f"File not found: {dirpath!r} is not a model directory.")
        source = aside  # a save to dirpath was interrupted between its two renames
    paths = {n: os.path.join(source, n) for n in (CONFIG_FILENAME, WEIGHTS_FILENAME)}
    for name, path in paths.items():
        if not os.path.isfile(path):
            raise ValueError(f"Could not load the model directory {dirpath!r}: missing {name!r}.")
    size = os.path.getsize(paths[CONFIG_FILENAME])
    if size > MAX_JSON_MEMBER_BYTES:
        raise ValueError(f"Refusing to load {dirpath!r}: its '{CONFIG_FILENAME}' has {size} bytes, more than "
                         f"the {MAX_JSON_MEMBER_BYTES} allowed (raise "
                         "`fkeras.saving.saving_lib.MAX_JSON_MEMBER_BYTES` if the file is genuine).")
    with open(paths[CONFIG_FILENAME], "rb") as f:
        config = parse_config_json(f.read(MAX_JSON_MEMBER_BYTES + 1), dirpath)
    model = model_from_config(config, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    with _open_h5(paths[WEIGHTS_FILENAME], paths[WEIGHTS_FILENAME]) as h5:
        read_weights(model, h5, load_optimizer=compile)
    names = []
    for root, _, files in os.walk(os.path.join(source, ASSETS_DIR)):
        names += [os.path.relpath(os.path.join(root, f), source).replace(os.sep, "/") for f in files]

    def read(name):
        with open(os.path.join(source, *name.split("/")), "rb") as f:
            return f.read()

    _load_assets(model, read, names, dirpath)
    return model


def _write_member(zf, name, data):
    """Hook for tests (a slow writer simulates a crash mid-save)."""
    zf.writestr(name, data)


def _fkeras_version():
    return __version__


def _open_zip(filepath):
    """The archive, opened for reading; refused when it names a member twice (which copy a
    reader takes differs between tools, so such a file is ambiguous at best, crafted at worst)."""
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as e:
        raise ValueError(f"Could not read {filepath}: not a valid `.keras` zip archive (the file is "
                         f"truncated or corrupted). Underlying error: {e}") from e
    seen, duplicates = set(), set()
    for name in zf.namelist():
        key = name.replace("\\", "/").lstrip("/")
        while key.startswith("./"):
            key = key[2:]
        if key in seen:
            duplicates.add(key)
        seen.add(key)
    if duplicates:
        zf.close()
        raise ValueError(f"Refusing to load {filepath}: the archive holds several members named "
                         f"{sorted(duplicates)}. A `.keras` file names each member once; this one is "
                         "corrupted or was crafted.")
    return zf


def _read_member(zf, filepath, name, max_bytes=None):
    """The bytes of member ``name``, read with a bound: a member whose declared size is above
    ``max_bytes``, or far above what its stored size allows, is refused before reading."""
    if name not in zf.namelist():
        raise ValueError(f"Could not load {filepath}: the archive has no '{name}' entry (found "
                         f"{zf.namelist()}). The file is incomplete or not a Keras model file.")
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise ValueError(f"Could not load {filepath}: entry '{name}' is encrypted; `.keras` files are never "
                         "encrypted (corrupted or crafted archive).")
    declared, stored = info.file_size, info.compress_size
    if max_bytes is not None and declared > max_bytes:
        raise ValueError(f"Refusing to load {filepath}: entry '{name}' declares {declared} bytes, more than "
                         f"the {max_bytes} bytes allowed for it (raise "
                         "`fkeras.saving.saving_lib.MAX_JSON_MEMBER_BYTES` if the file is genuine).")
    if info.compress_type == zipfile.ZIP_STORED:
        if declared != stored:
            raise ValueError(f"Could not load {filepath}: entry '{name}' is stored uncompressed but declares "
                             f"{declared} bytes for {stored} stored bytes (corrupted or crafted archive).")
    elif declared > max(EXPANSION_FLOOR_BYTES, MAX_EXPANSION * stored):
        raise ValueError(f"Refusing to load {filepath}: entry '{name}' declares {declared} bytes but stores "
                         f"only {stored}, an expansion over {MAX_EXPANSION}x; refusing a potential "
                         "decompression bomb.")
    try:
        with zf.open(info) as f:
            chunks, total = [], 0
            while True:
                chunk = f.read(min(1 << 20, declared - total + 1))
                if not chunk:
                    break
                total += len(chunk)
                if total > declared:
                    raise ValueError(f"Could not load {filepath}: entry '{name}' holds more data than "
                                     "it declares (corrupted or crafted archive).")
                chunks.append(chunk)
        return b"".join(chunks)
    except (zipfile.BadZipFile, zlib_error(), EOFError, OSError, NotImplementedError) as e:
        raise ValueError(f"Could not load {filepath}: entry '{name}' is corrupted ({e}).") from e


def parse_config_json(data, where):
    """``config.json``'s bytes as a dict, with clear errors for anything else."""
    try:
        config = json.loads(data)
    except RecursionError as e:
        raise ValueError(f"Could not load {where}: '{CONFIG_FILENAME}' is nested too deeply.") from e
    except ValueError as e:
        raise ValueError(f"Could not load {where}: '{CONFIG_FILENAME}' is not valid JSON ({e}).") from e
    check_config_object(config, where)
    return config


def check_config_object(config, where):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        got = type(config).__name__ if not isinstance(config, dict) else "an object without 'class_name'"
        raise ValueError(f"Could not load {where}: the model config must be a JSON object with 'class_name', "
                         f"'config' (and optionally 'module', 'compile_config'), as `model.save()` writes "
                         f"it; received {got}.")


def zlib_error():
    import zlib

    return zlib.error


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` archive: config -> model (built and compiled) -> weights -> optimizer."""
    filepath = str(filepath)
    with _open_zip(filepath) as zf:
        config = parse_config_json(_read_member(zf, filepath, CONFIG_FILENAME, MAX_JSON_MEMBER_BYTES),
                                   filepath)
        if WEIGHTS_FILENAME not in zf.namelist():
            _read_member(zf, filepath, WEIGHTS_FILENAME)  # the "no such entry" error, before building
        version = None
        if METADATA_FILENAME in zf.namelist():
            try:
                meta = json.loads(_read_member(zf, filepath, METADATA_FILENAME, MAX_JSON_MEMBER_BYTES))
                version = meta.get("keras_version") if isinstance(meta, dict) else None
            except ValueError:
                version = None  # metadata is informational; a damaged one does not block loading
        with registry.written_by(version):
            model = model_from_config(config, custom_objects=custom_objects, compile=compile,
                                      safe_mode=safe_mode)
        weights_bytes = _read_member(zf, filepath, WEIGHTS_FILENAME)
        with _open_h5(io.BytesIO(weights_bytes), f"the weights in {filepath}") as f:
            read_weights(model, f, skip_mismatch=False, load_optimizer=compile)
        _load_assets(model, lambda name: _read_member(zf, filepath, name), zf.namelist(), filepath)
    return model
