"""``keras.saving.KerasFileEditor``: inspect, edit and resave the weights of ``.keras`` / ``.weights.h5`` files.

The editor reads a file into a nested dict that mirrors Keras 3's weights layout: one entry per
object path (``layers`` -> ``dense`` -> ...), an object's own variables under the keys ``"0"``,
``"1"``, ... (the file's ``<path>/vars/<i>`` datasets) next to its child objects. Edits change
that dict; ``save`` writes it back in the same layout. Reading goes through the loader's checks
(bounded zip members, no HDF5 links, external or virtual datasets, no shape bombs), and a save
writes a temporary file that replaces the target only once complete.
"""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np

from fkeras.saving import file_utils, saving_lib
from fkeras.utils.io_utils import print_msg

# The largest single dataset the editor loads (as Keras's editor: 4 GiB).
MAX_DATASET_BYTES = 1 << 32
_VARS = "vars"


def _join(path, name):
    return f"{path}/{name}" if path else name


def _check_link(group, key, where):
    import h5py

    link = group.get(key, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise ValueError(f"Not allowed in {where}: '{key}' in '{group.name}' is a {type(link).__name__} "
                         "(it would read data from elsewhere).")


def _read_tree(group, path, metadata, where, seen=None):
    """``group`` as a nested dict (arrays from its ``vars`` subgroup, dicts for child objects). A
    group reached twice (hard links making a loop, or one group linked under two names) is refused."""
    import h5py

    seen = set() if seen is None else seen
    if group.id in seen:
        raise ValueError(f"Invalid {where}: group '{group.name}' is reached twice through hard links (a loop or a "
                         "shared group); a Keras 3 weights file is a tree.")
    seen.add(group.id)
    out = {}
    for key in group.keys():
        _check_link(group, key, where)
        child = group[key]
        if isinstance(child, h5py.Group) and key == _VARS:
            if child.attrs:
                metadata.setdefault(path, {}).update({k: _attr_value(v) for k, v in child.attrs.items()})
            for name in child.keys():
                _check_link(child, name, where)
                ds = saving_lib.checked_dataset(child, name, where)
                nbytes = int(np.prod(ds.shape, dtype=np.int64)) * ds.dtype.itemsize
                if nbytes > MAX_DATASET_BYTES:
                    raise ValueError(f"Refusing to load {where}: dataset '{ds.name}' holds {nbytes} bytes, more "
                                     f"than the {MAX_DATASET_BYTES} allowed "
                                     "(`fkeras.saving.file_editor.MAX_DATASET_BYTES`).")
                out[name] = saving_lib._read_dataset(child, name)
        elif isinstance(child, h5py.Group):
            sub = _read_tree(child, _join(path, key), metadata, where, seen)
            if sub:
                out[key] = sub
        else:
            raise ValueError(f"Invalid {where}: dataset '{child.name}' lies outside a '{_VARS}' group; this is not "
                             "a Keras 3 weights file (legacy `.h5` files cannot be edited).")
    return out


def _attr_value(v):
    return v.decode("utf-8") if isinstance(v, bytes) else (v.item() if isinstance(v, np.generic) else v)


def _write_tree(h5file, tree, metadata, path=""):
    arrays = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if arrays:
        group = h5file.create_group(_join(path, _VARS))
        for key, value in metadata.get(path, {}).items():
            group.attrs[key] = value
        for key, value in arrays.items():
            saving_lib._write_dataset(group, key, value)
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            _write_tree(h5file, value, metadata, _join(path, key))


def _shape(value):
    return tuple(np.shape(value))


class KerasFileEditor:
    """Inspect and edit the weights stored in a ``.keras`` archive or a ``.weights.h5`` file.

    Useful to adapt an old file after changing a model's architecture: rename, delete or add
    objects and weights, check the result against a model with ``compare``, then write it out.
    The weights live in ``editor.weights_dict``, a nested dict of numpy arrays keyed by object
    path (``editor.weights_dict["layers"]["dense"]["0"]`` is the first dense layer's kernel).

    Args:
        filepath: Path of a ``.keras`` or ``.weights.h5`` file.

    Example:
        >>> editor = keras.saving.KerasFileEditor("model.keras")
        >>> editor.summary()                                     # the weights tree
        >>> editor.delete_object("layers/dense_2")               # drop a layer's weights
        >>> editor.add_object("layers/dense_3", {"0": kernel, "1": bias})
        >>> editor.compare(new_model)["status"]                  # 'success' if the layouts match
        >>> editor.save("edited.keras")                          # or "edited.weights.h5"
    """

    def __init__(self, filepath):
        filepath = os.fspath(filepath)
        self.filepath = filepath
        self.config = None
        self.metadata = None
        self._assets = {}
        where = f"the weights file {filepath}"
        if filepath.endswith(".keras"):
            with saving_lib._open_zip(filepath) as zf:
                config_bytes = saving_lib._read_member(zf, filepath, saving_lib.CONFIG_FILENAME,
                                                       saving_lib.MAX_JSON_MEMBER_BYTES)
                self.config = saving_lib.parse_config_json(config_bytes, filepath)
                if saving_lib.METADATA_FILENAME in zf.namelist():
                    data = saving_lib._read_member(zf, filepath, saving_lib.METADATA_FILENAME,
                                                   saving_lib.MAX_JSON_MEMBER_BYTES)
                    try:
                        self.metadata = json.loads(data)
                    except ValueError as e:
                        raise ValueError(f"Could not read {filepath}: its metadata.json is not valid JSON ({e}).") \
                            from e
                weights = saving_lib._read_member(zf, filepath, saving_lib.WEIGHTS_FILENAME)
                for name in zf.namelist():
                    if name.startswith(saving_lib.ASSETS_DIR + "/") and not name.endswith("/"):
                        self._assets[name] = saving_lib._read_member(zf, filepath, name)
            source = io.BytesIO(weights)
        elif filepath.endswith(".weights.h5"):
            if not os.path.isfile(filepath):
                raise ValueError(f"File not found: filepath={filepath}")
            source = filepath
        else:
            raise ValueError("Invalid filename: expected a `.keras` or `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        metadata = {}
        with saving_lib._open_h5(source, where) as f:
            self.weights_dict = _read_tree(f, "", metadata, where)
        self.object_metadata = metadata  # {object path: {"name": ...}}
        print_msg(self._file_info())

    # --- reporting ------------------------------------------------------------------------------
    def _file_info(self):
        text = f"Keras model file '{self.filepath}'"
        if isinstance(self.metadata, dict) and "keras_version" in self.metadata:
            text += (f"\nSaved with Keras {self.metadata.get('keras_version')} - date: "
                     f"{self.metadata.get('date_saved', 'unknown')}")
        return text

    def weights_summary(self):
        """The weights tree as text: one line per object (with its layer name when the file
        records it) and per weight (shape and dtype).

        Returns:
            A string.
        """
        lines = ["Weights structure"]

        def walk(tree, prefix, path):
            items = list(tree.items())
            for i, (key, value) in enumerate(items):
                last = i == len(items) - 1
                connector = "└─ " if last else "├─ "
                child_path = _join(path, key)
                if isinstance(value, dict):
                    label = f"{prefix}{connector}{key}"
                    name = self.object_metadata.get(child_path, {}).get("name")
                    if name is not None:
                        label += f" ('{name}')"
                    lines.append(label)
                    walk(value, prefix + ("    " if last else "│   "), child_path)
                else:
                    lines.append(f"{prefix}{connector}{key}: shape={_shape(value)}, dtype={np.asarray(value).dtype}")

        walk(self.weights_dict, "  ", "")
        return "\n".join(lines)

    def summary(self):
        """Print the file's weights tree (see ``weights_summary``)."""
        print_msg(self.weights_summary())

    def compare(self, reference_model):
        """List every difference between the file's weights and ``reference_model``'s.

        An object or weight present on one side only, or a weight whose shape differs, is an
        error; each is printed with its path.

        Args:
            reference_model: A built model (or layer) to compare with.

        Returns:
            A dict: ``"status"`` (``"success"`` or ``"error"``), ``"error_count"`` and
            ``"match_count"`` (weights present on both sides with equal shapes).
        """
        reference = _model_weights_tree(reference_model)
        messages, errors, matches = [], 0, 0

        def walk(saved, ref, path):
            nonlocal errors, matches
            for key in list(ref) + [k for k in saved if k not in ref]:
                child = _join(path, key)
                if key not in saved or key not in ref:
                    errors += 1
                    value = ref.get(key, saved.get(key))
                    kind = "Object" if isinstance(value, dict) else "Weight"
                    present, missing = ("reference model", "saved file") if key in ref else \
                        ("saved file", "reference model")
                    messages.append(f"...{kind} {child} present in {present}, missing from {missing}")
                    if isinstance(value, dict):
                        messages.append(f"    In {present}, {child} contains the following keys: {list(value)}")
                elif isinstance(ref[key], dict) != isinstance(saved[key], dict):
                    errors += 1
                    messages.append(f"...{child} is an object in one and a weight in the other")
                elif isinstance(ref[key], dict):
                    walk(saved[key], ref[key], child)
                elif _shape(ref[key]) != _shape(saved[key]):
                    errors += 1
                    messages.append(f"...Weight shape mismatch for {child}\n    In reference model: "
                                    f"shape={_shape(ref[key])}\n    In saved file: shape={_shape(saved[key])}")
                else:
                    matches += 1

        walk(self.weights_dict, reference, "")
        messages.insert(0, "Running comparison")
        messages.append("─────────────────────")
        if errors == 0:
            messages.append("Comparison successful: saved file is compatible with the reference model")
            messages.append(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            messages.append(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not compatible "
                            "with the reference model")
        print_msg("\n".join(messages))
        return {"status": "success" if errors == 0 else "error", "error_count": errors, "match_count": matches}

    # --- editing --------------------------------------------------------------------------------
    def _find(self, name):
        """``(parent dict, key, path)`` of object ``name``: a full path, or a name that must occur
        exactly once in the tree."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"Expected an object name or path (a non-empty string). Received: {name!r}")
        if "/" in name:
            parts = name.strip("/").split("/")
            node = self.weights_dict
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
                if not isinstance(node, dict):
                    raise ValueError(f"Path '{name}' not found in the file. Use `editor.summary()` to list objects.")
            if parts[-1] not in node:
                raise ValueError(f"Path '{name}' not found in the file. Use `editor.summary()` to list objects.")
            return node, parts[-1], "/".join(parts)
        hits = []

        def search(tree, path):
            for key, value in tree.items():
                if key == name:
                    hits.append((tree, key, _join(path, key)))
                if isinstance(value, dict):
                    search(value, _join(path, key))

        search(self.weights_dict, "")
        if len(hits) > 1:
            raise ValueError(f"Name '{name}' occurs more than once in the file ({[h[2] for h in hits]}); pass a "
                             "complete path instead.")
        if not hits:
            raise ValueError(f"Source name '{name}' does not appear in the file. Use `editor.summary()` to list "
                             "all objects.")
        return hits[0]

    def _find_object(self, name):
        parent, key, path = self._find(name)
        if not isinstance(parent[key], dict):
            raise ValueError(f"'{path}' is a weight, not an object. Use `delete_weight(object_name, weight_name)` "
                             "for weights.")
        return parent, key, path

    def _move_metadata(self, old, new=None):
        for path in [p for p in self.object_metadata if p == old or p.startswith(old + "/")]:
            value = self.object_metadata.pop(path)
            if new is not None:
                self.object_metadata[new + path[len(old):]] = value

    def rename_object(self, object_name, new_name):
        """Rename an object (e.g. a layer) in place.

        Args:
            object_name: The object's name (``"dense_2"``, if unique in the file) or full path
                (``"layers/dense_2"``).
            new_name: The new leaf name (not a path). An object already called so in the same
                place is replaced, as in Keras.
        """
        if not isinstance(new_name, str) or not new_name or "/" in new_name:
            raise ValueError("Argument `new_name` should be a leaf name, not a full path name. "
                             f"Received: new_name={new_name!r}")
        parent, key, path = self._find_object(object_name)
        new_path = _join(path.rsplit("/", 1)[0] if "/" in path else "", new_name)
        self._move_metadata(new_path)
        self._move_metadata(path, new_path)
        # Keep the key's position so the saved file lists objects in the same order.
        items = [(new_name if k == key else k, v) for k, v in parent.items() if k != new_name or k == key]
        parent.clear()
        parent.update(items)

    def delete_object(self, object_name):
        """Remove an object (e.g. a layer) and everything under it.

        Args:
            object_name: The object's name (if unique in the file) or full path.
        """
        parent, key, path = self._find_object(object_name)
        del parent[key]
        self._move_metadata(path)

    def add_object(self, object_path, weights):
        """Add a new object with its weights.

        Args:
            object_path: Full path of the new object (``"layers/dense_3"``); its parent must
                exist. An existing object at that path is replaced, as in Keras.
            weights: Dict from weight names (``"0"``, ``"1"`` ...) to arrays.
        """
        weights = _check_weights(weights)
        if not isinstance(object_path, str) or not object_path.strip("/"):
            raise ValueError(f"Argument `object_path` should be a non-empty string. Received: {object_path!r}")
        parts = object_path.strip("/").split("/")
        node = self.weights_dict
        for i, part in enumerate(parts[:-1]):
            node = node.get(part)
            if not isinstance(node, dict):
                raise ValueError(f"Path '{'/'.join(parts[:i + 1])}' not found in the file.")
        node[parts[-1]] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove one weight of an object.

        Args:
            object_name: The object's name (if unique in the file) or full path.
            weight_name: The weight's key (e.g. ``"1"``).
        """
        parent, key, path = self._find_object(object_name)
        if weight_name not in parent[key] or isinstance(parent[key][weight_name], dict):
            raise ValueError(f"Weight {weight_name!r} not found in object {object_name!r}. Weights found: "
                             f"{[k for k, v in parent[key].items() if not isinstance(v, dict)]}")
        del parent[key][weight_name]

    def add_weights(self, object_name, weights):
        """Add weights to an existing object (a key already present is replaced).

        Args:
            object_name: The object's name (if unique in the file) or full path.
            weights: Dict from weight names (``"2"`` ...) to arrays.
        """
        weights = _check_weights(weights)
        parent, key, _ = self._find_object(object_name)
        parent[key].update(weights)

    # --- writing --------------------------------------------------------------------------------
    def _weights_bytes(self):
        h5py = saving_lib._h5py()
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as f:
            _write_tree(f, self.weights_dict, self.object_metadata)
        return buffer.getvalue()

    def save(self, filepath):
        """Write the edited weights to ``filepath``.

        A ``.weights.h5`` path gets the weights only (load them with ``model.load_weights``). A
        ``.keras`` path, for a file opened from a ``.keras`` archive, gets a whole archive: the
        original ``config.json``, ``metadata.json`` and assets with the edited weights, loadable
        with ``keras.models.load_model``. The target is replaced only once the new file is
        complete.

        Args:
            filepath: The destination (``.weights.h5`` or ``.keras``).
        """
        filepath = os.fspath(filepath)
        if filepath.endswith(".weights.h5"):
            data = self._weights_bytes()
            with file_utils.atomic_path(filepath) as tmp:
                with open(tmp, "wb") as f:
                    f.write(data)
            return
        if filepath.endswith(".keras"):
            if self.config is None:
                raise ValueError(f"Cannot save {filepath!r}: a `.keras` archive needs the model config, and this "
                                 f"editor opened a weights-only file ({self.filepath!r}). Save to a `.weights.h5` "
                                 "path instead.")
            data = self._weights_bytes()
            with file_utils.atomic_path(filepath) as tmp:
                with zipfile.ZipFile(tmp, "w") as zf:
                    if self.metadata is not None:
                        zf.writestr(saving_lib.METADATA_FILENAME, json.dumps(self.metadata))
                    zf.writestr(saving_lib.CONFIG_FILENAME, json.dumps(self.config))
                    zf.writestr(saving_lib.WEIGHTS_FILENAME, data)
                    for name, content in self._assets.items():
                        zf.writestr(name, content)
            return
        raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` (or `.keras`) extension. "
                         f"Received: filepath={filepath}")

    def resave_weights(self, filepath):
        """Same as ``save(filepath)`` (Keras's name for it).

        Args:
            filepath: The destination (``.weights.h5`` or ``.keras``).
        """
        self.save(filepath)


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict where keys are weight names (usually '0', '1', "
                         f"etc.) and values are NumPy arrays. Received: type(weights)={type(weights)}")
    out = {}
    for key, value in weights.items():
        if not isinstance(key, str) or not key or "/" in key:
            raise ValueError(f"Weight names must be non-empty strings without '/'. Received: {key!r}")
        out[key] = np.asarray(value)
        if out[key].dtype == object:
            raise ValueError(f"Weight {key!r} is not a numeric array (dtype object).")
    return out


def _model_weights_tree(model):
    """``model``'s weights in the editor's nested-dict layout (written as ``save_weights`` would)."""
    if not getattr(model, "built", False):
        raise ValueError("compare() needs a built model: call it on data or `build()` it first.")
    h5py = saving_lib._h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        saving_lib.write_weights(model, f)
    buffer.seek(0)
    with h5py.File(buffer, "r") as f:
        return _read_tree(f, "", {}, "the reference model's weights")
