"""The legacy tf.keras HDF5 format (``model.save("m.h5")``, ``save_weights("w.h5")``).

Layout (as tf.keras 2 and Keras 3's ``legacy_h5_format`` write it):

- root attributes ``model_config`` (JSON ``{"class_name", "config"}``), ``training_config``
  (compile arguments plus ``optimizer_config``), ``keras_version``, ``backend``;
- group ``model_weights`` with attributes ``layer_names``, ``backend``, ``keras_version``; one
  group per layer holding the attribute ``weight_names`` (``"dense/kernel:0"``, ...) and the
  datasets at those names (``model_weights/dense/dense/kernel:0``);
- group ``optimizer_weights`` with ``weight_names`` and the optimizer's variables.

A weights-only ``.h5`` file has the ``model_weights`` content at its root. Weights are matched
to layers by order (layers that own weights, in ``model.layers`` order) and, within a layer,
by order (``trainable_weights + non_trainable_weights``), as tf.keras does.
"""
from __future__ import annotations

import json
import warnings

import numpy as np

from fkeras.saving import file_utils, keras_layout, registry, saving_lib

HDF5_OBJECT_HEADER_LIMIT = 64512


# ------------------------------------------------------------------------------------------
# attributes
# ------------------------------------------------------------------------------------------


def _save_attributes(group, name, data):
    """Store a list of strings as an attribute, chunked past HDF5's 64 KB header limit."""
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError(f"The following attributes cannot be saved to HDF5 file because they are "
                           f"larger than {HDF5_OBJECT_HEADER_LIMIT} bytes: {bad}")
    data_npy = np.asarray(data)
    num_chunks = 1
    chunks = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunks):
        num_chunks += 1
        chunks = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunks):
            group.attrs[f"{name}{i}"] = chunk
    else:
        group.attrs[name] = data_npy


def _decode(x):
    return x.decode("utf8") if hasattr(x, "decode") else str(x)


def _load_attributes(group, name):
    if name in group.attrs:
        return [_decode(n) for n in np.atleast_1d(group.attrs[name]).tolist()]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(_decode(n) for n in np.atleast_1d(group.attrs[f"{name}{i}"]).tolist())
        i += 1
    return out


# ------------------------------------------------------------------------------------------
# weights
# ------------------------------------------------------------------------------------------


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _weight_names(layer, weights):
    """tf.keras names: ``<layer>/<weight>:0`` (``lstm/lstm_cell/kernel:0`` for nested weights)."""
    names, used = [], set()
    for w in weights:
        parts = str(getattr(w, "path", None) or w.name).split("/")
        rel = "/".join(parts[parts.index(layer.name):]) if layer.name in parts else f"{layer.name}/{w.name}"
        name = f"{rel}:0"
        k = 1
        while name in used:
            name = f"{rel}_{k}:0"
            k += 1
        used.add(name)
        names.append(name)
    return names


def _save_subset(group, names, values):
    _save_attributes(group, "weight_names", [n.encode("utf8") for n in names])
    for name, value in zip(names, values):
        arr = np.asarray(value)
        if arr.dtype.name == "bfloat16":
            arr = arr.astype(np.float32)
        ds = group.create_dataset(name, arr.shape, dtype=arr.dtype)
        if arr.shape:
            ds[:] = arr
        else:
            ds[()] = arr


def _top_level_weights(model):
    return keras_layout.own_variables(model)


def save_weights_to_group(group, model):
    """Write ``model``'s weights in tf.keras's layout into an HDF5 group."""
    layers = list(model.layers)
    _save_attributes(group, "layer_names", [l.name.encode("utf8") for l in layers])
    group.attrs["backend"] = "jax"
    group.attrs["keras_version"] = saving_lib.KERAS_FORMAT_VERSION
    for layer in sorted(layers, key=lambda l: l.name):
        weights = _legacy_weights(layer)
        _save_subset(group.create_group(layer.name), _weight_names(layer, weights),
                     [w.numpy() for w in weights])
    top = _top_level_weights(model)
    _save_subset(group.create_group("top_level_model_weights"), _weight_names(model, top),
                 [w.numpy() for w in top])


def _load_subset(group):
    """The (checked, not yet read) datasets of one layer: shapes are compared before any data is read."""
    return [saving_lib.checked_dataset(group, name, "HDF5 model file")
            for name in _load_attributes(group, "weight_names")]


def _shapes_match(owner_desc, weights, values, skip_mismatch):
    """Whether every saved dataset has its weight's shape (compared without reading any data)."""
    for w, value in zip(weights, values):
        if tuple(w.shape) != tuple(np.shape(value)):
            msg = (f"Shape mismatch in {owner_desc} for weight '{w.name}': the model expects shape "
                   f"{tuple(w.shape)}, the saved weight has shape {tuple(np.shape(value))}.")
            if skip_mismatch:
                warnings.warn("Skipping loading weights: " + msg, stacklevel=4)
                return False
            raise ValueError(msg + " Pass `skip_mismatch=True` to skip mismatching layers.")
    return True


def load_weights_from_group(group, model, skip_mismatch=False):
    """Topological (order-based) loading, as tf.keras's ``load_weights`` for ``.h5`` files. Every
    count and shape is checked before any weight is read or assigned, so a mismatch leaves the
    model as it was."""
    layers = [l for l in model.layers if _legacy_weights(l)]
    saved = [n for n in _load_attributes(group, "layer_names")
             if n in group and _load_attributes(group[n], "weight_names")]
    if len(saved) != len(layers):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model expected {len(layers)} layers "
            f"with weights ({[l.name for l in layers]}), found {len(saved)} saved layers ({saved})."
        )
    plan = []
    for k, (name, layer) in enumerate(zip(saved, layers)):
        weights = _legacy_weights(layer)
        values = _load_subset(group[name])
        desc = f"layer #{k} (named '{layer.name}' in the current model, '{name}' in the save file)"
        if len(values) != len(weights):
            msg = (f"Weight count mismatch for {desc}: the layer expects {len(weights)} weight(s) "
                   f"{[tuple(w.shape) for w in weights]}, the file holds {len(values)} "
                   f"{[tuple(np.shape(v)) for v in values]}.")
            if skip_mismatch:
                warnings.warn("Skipping loading weights: " + msg, stacklevel=3)
                continue
            raise ValueError(msg)
        if _shapes_match(desc, weights, values, skip_mismatch):
            plan.append((weights, values, desc))
    if "top_level_model_weights" in group:
        top = _top_level_weights(model)
        values = _load_subset(group["top_level_model_weights"])
        if len(values) != len(top):
            msg = (f"Weight count mismatch for the top-level weights of model '{model.name}': expected "
                   f"{len(top)}, the file holds {len(values)}.")
            if not skip_mismatch:
                raise ValueError(msg)
            warnings.warn(msg, stacklevel=3)
        elif _shapes_match(f"model '{model.name}' (top-level weights)", top, values, skip_mismatch):
            plan.append((top, values, f"model '{model.name}' (top-level weights)"))
    # every value is read and converted before any is assigned: a bad dataset leaves the model as it was
    assignments = [(w, saving_lib.weight_value(value[()], w, desc))
                   for weights, values, desc in plan for w, value in zip(weights, values)]
    for w, value in assignments:
        w.assign(value)


def save_weights(model, filepath):
    """``model.save_weights("w.h5")``: tf.keras's weights-only HDF5 file."""
    h5py = saving_lib._h5py()
    with file_utils.atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            save_weights_to_group(f, model)


# ------------------------------------------------------------------------------------------
# whole models
# ------------------------------------------------------------------------------------------


def _training_config(model):
    cc = saving_lib.compile_config(model)
    if cc is None:
        return None
    out = {k: v for k, v in cc.items() if k != "optimizer"}
    opt = cc.get("optimizer")
    if isinstance(opt, dict):
        out["optimizer_config"] = {"class_name": opt.get("registered_name") or opt["class_name"],
                                   "config": opt["config"]}
    elif opt is not None:
        out["optimizer_config"] = opt
    return out


def save_model(model, filepath, include_optimizer=True):
    """``model.save("m.h5")``: config, weights and (optionally) optimizer state in one HDF5 file."""
    h5py = saving_lib._h5py()
    full = registry.serialize_keras_object(model)
    model_config = {"class_name": full.get("registered_name") or full["class_name"], "config": full["config"]}
    training = _training_config(model) if include_optimizer else None
    opt_arrays = keras_layout.optimizer_arrays(model) if include_optimizer else None
    with file_utils.atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["backend"] = "jax"
            f.attrs["keras_version"] = saving_lib.KERAS_FORMAT_VERSION
            f.attrs["model_config"] = json.dumps(model_config)
            if training is not None:
                f.attrs["training_config"] = json.dumps(training)
            save_weights_to_group(f.create_group("model_weights"), model)
            if opt_arrays:
                prefix = model.optimizer.name
                _save_subset(f.create_group("optimizer_weights"),
                             [f"{prefix}/{name}" for name, _ in opt_arrays], [v for _, v in opt_arrays])


_NAMESPACES = ("layers", "models", "initializers", "regularizers", "constraints", "optimizers", "losses",
               "metrics", "activations")
_RENAMED = {"Policy": ("keras", "DTypePolicy"), "Functional": ("keras.models", "Functional"),
            "Model": ("keras.models", "Functional")}


def _guess_module(class_name):
    import importlib

    if class_name in _RENAMED:
        return _RENAMED[class_name]
    for ns in _NAMESPACES:
        try:
            mod = importlib.import_module(f"fkeras.{ns}")
        except ImportError:
            continue
        if hasattr(mod, class_name):
            return f"keras.{ns}", class_name
    return None


def _legacy_node(node):
    """``[[name, node_index, tensor_index, kwargs], ...]`` -> ``{"args": [...], "kwargs": {...}}``."""
    refs = [list(e[:3]) for e in node]
    kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
    return {"args": [refs[0]] if len(refs) == 1 else [refs], "kwargs": kwargs}


def upgrade_legacy_config(obj, custom_objects=None):
    """Give tf.keras-style configs (no ``module`` keys, list-style inbound nodes) Keras 3's layout."""
    if isinstance(obj, list):
        return [upgrade_legacy_config(e, custom_objects) for e in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: upgrade_legacy_config(v, custom_objects) for k, v in obj.items()}
    cls = out.get("class_name")
    if isinstance(cls, str) and "config" in out and "module" not in out and not cls.startswith("__"):
        known = (custom_objects and cls in custom_objects) or registry.get_registered_object(cls) is not None
        guess = None if known else _guess_module(cls)
        if guess is not None:
            out["module"], out["class_name"] = guess
    for key in ("input_layers", "output_layers"):
        v = out.get(key)
        if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list) and len(v[0]) == 3 \
                and isinstance(v[0][0], str):
            out[key] = v[0]  # tf.keras writes [[name, 0, 0]] for a single tensor
    if "inbound_nodes" in out and isinstance(out["inbound_nodes"], list):
        out["inbound_nodes"] = [_legacy_node(n) if isinstance(n, list) else n for n in out["inbound_nodes"]]
    return out


def _read_json_attr(f, name, filepath=None):
    """The JSON held in attribute ``name`` (``None`` when absent); anything else than a JSON object
    is refused with an error naming the attribute and the file."""
    value = f.attrs.get(name)
    if value is None:
        return None
    where = f"the file at {filepath}" if filepath is not None else "the HDF5 file"
    try:
        if hasattr(value, "decode"):
            value = value.decode("utf-8")
        value = json.loads(value)
    except RecursionError as e:
        raise ValueError(f"Could not load {where}: its '{name}' attribute is nested too deeply.") from e
    except (TypeError, ValueError) as e:
        raise ValueError(f"Could not load {where}: its '{name}' attribute is not valid JSON ({e}).") from e
    if not isinstance(value, dict):
        raise ValueError(f"Could not load {where}: its '{name}' attribute must be a JSON object, as tf.keras and "
                         f"Keras write it; received {type(value).__name__}.")
    return value


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a tf.keras / Keras legacy ``.h5`` model file."""
    with saving_lib._open_h5(filepath, filepath) as f:
        model_config = _read_json_attr(f, "model_config", filepath)
        if model_config is None:
            raise ValueError(
                f"No model config found in the file at {filepath}: it looks like a weights-only file. "
                "Build the model in code and call `model.load_weights(...)` instead."
            )
        model_config = upgrade_legacy_config(model_config, custom_objects)
        model = saving_lib.model_from_config(model_config, custom_objects=custom_objects, compile=False,
                                             safe_mode=safe_mode)
        if "model_weights" not in f:
            raise ValueError(f"The file at {filepath} has a model config but no 'model_weights' group.")
        load_weights_from_group(f["model_weights"], model)
        training = _read_json_attr(f, "training_config", filepath) if compile else None
        if training is None:
            return model
        training = upgrade_legacy_config(training, custom_objects)
        cc = {k: v for k, v in training.items() if k != "optimizer_config"}
        if "optimizer_config" in training:
            cc["optimizer"] = training["optimizer_config"]
        saving_lib.compile_from_config(model, cc, custom_objects, safe_mode)
        if "optimizer_weights" in f:
            values = [np.asarray(ds[()]) for ds in _load_subset(f["optimizer_weights"])]
            keras_layout.restore_optimizer(model, values)
    return model
