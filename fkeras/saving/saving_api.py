"""``keras.saving.save_model`` / ``load_model`` / ``save_weights`` / ``load_weights``, and
``keras.models.model_from_json``.

The file extension picks the format:

- ``.keras``: Keras 3's zip (config, weights, optimizer state) - the recommended format;
- ``.weights.h5``: Keras 3's weights file (layers and optimizer variables);
- ``.h5`` / ``.hdf5``: the legacy tf.keras HDF5 format (whole model, or weights only).

Example:
    model.save("model.keras")
    model = keras.models.load_model("model.keras")
    model.save_weights("model.weights.h5")
    model.load_weights("model.weights.h5")
"""
from __future__ import annotations

import json
import os

from fkeras.saving import file_utils, legacy_h5, registry, saving_lib
from fkeras.utils import traceback_utils

_FORMATS = "`.keras` (whole model), `.weights.h5` (weights) or `.h5` (legacy tf.keras HDF5)"


def _kind(filepath):
    p = str(filepath).lower()
    if p.endswith(".weights.h5"):
        return "weights.h5"
    if p.endswith(".keras"):
        return "keras"
    if p.endswith(".h5") or p.endswith(".hdf5"):
        return "h5"
    return None


def _unknown_format(filepath, what):
    return ValueError(
        f"Invalid filepath extension for {what}: {str(filepath)!r}. Use one of {_FORMATS}; e.g. "
        "`model.save('model.keras')` or `model.save_weights('model.weights.h5')`."
    )


@traceback_utils.filter_traceback
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save a whole model (architecture, weights, compile config, optimizer state).

    Args:
        model: the model.
        filepath: a path ending in ``.keras`` (or ``.h5`` for the legacy tf.keras format); with
            ``zipped=False``, a directory path that does not end in ``.keras`` (Keras 3's rule).
        overwrite: replace an existing file (the write is atomic either way).
        zipped: ``False`` writes the ``.keras`` content as a directory instead of a zip.
        **kwargs: ``include_optimizer`` (``.h5`` only: also save the optimizer state; default
            True) and tf.keras's ``save_format`` (``"keras"`` or ``"h5"``).
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword arguments: {sorted(kwargs)}")
    filepath = os.fspath(filepath)
    if zipped is False:
        # Keras 3's rule: an unzipped model is a directory whose name does not end in `.keras`.
        if str(filepath).endswith(".keras"):
            raise ValueError("When using `zipped=False`, the `filepath` argument should not end in `.keras` "
                             f"(it names a directory). Received: filepath={filepath}")
        if not file_utils.check_overwrite(filepath, overwrite):
            return
        saving_lib.save_model_dir(model, filepath)
        return
    kind = _kind(filepath)
    if save_format is not None:
        if save_format in ("h5", "hdf5"):
            kind = "h5" if kind is None else kind
        elif save_format == "keras":
            kind = "keras" if kind is None else kind
        else:
            raise ValueError(f"Unsupported `save_format` {save_format!r} (the TensorFlow SavedModel "
                             f"format does not exist in Keras 3 / fkeras). Use one of {_FORMATS}.")
    if kind == "weights.h5":
        raise ValueError(f"{filepath!r} names a weights file; use `model.save_weights({filepath!r})` for "
                         "weights, or a `.keras` path to save the whole model.")
    if kind is None:
        raise _unknown_format(filepath, "save_model()")
    if not file_utils.check_overwrite(filepath, overwrite):
        return
    if kind == "h5":
        legacy_h5.save_model(model, filepath, include_optimizer=include_optimizer)
    else:
        saving_lib.save_model(model, filepath)


@traceback_utils.filter_traceback
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (``.keras``, or legacy ``.h5``) by fkeras or Keras.

    Args:
        filepath: path of the file.
        custom_objects: ``{"Name": class_or_function}`` for custom layers, losses, metrics...
            (or decorate them with ``@keras.saving.register_keras_serializable()``).
        compile: compile the model with its saved ``compile()`` arguments and restore the
            optimizer state, so ``fit`` continues where it stopped.
        safe_mode: refuse to load Python code (a ``Lambda`` layer's lambda). Pass ``False`` only
            for files you trust.
    """
    filepath = os.fspath(filepath)
    if not os.path.lexists(filepath) and file_utils.recoverable_dir(filepath, (saving_lib.CONFIG_FILENAME,)):
        return saving_lib.load_model_dir(filepath, custom_objects, compile, safe_mode)
    if os.path.isdir(filepath):
        if os.path.exists(os.path.join(filepath, saving_lib.CONFIG_FILENAME)):
            return saving_lib.load_model_dir(filepath, custom_objects, compile, safe_mode)
        raise ValueError(f"{filepath!r} is a directory but not an unzipped `.keras` model (no config.json). "
                         "TensorFlow SavedModel directories cannot be loaded; use one of " + _FORMATS + ".")
    kind = _kind(filepath)
    if kind is None:
        raise _unknown_format(filepath, "load_model()")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an accessible "
                         f"{'`.keras` zip file' if kind == 'keras' else 'HDF5 file'}.")
    if kind == "keras":
        return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                     safe_mode=safe_mode)
    if kind == "weights.h5":
        raise ValueError(f"{filepath!r} is a weights-only file. Build the model in code and call "
                         "`model.load_weights(...)`, or load a `.keras` file.")
    return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Save a model's weights (and optimizer variables) to ``.weights.h5`` (or legacy ``.h5``).

    Args:
        model: The (built) model.
        filepath: A path ending in ``.weights.h5`` or ``.h5``.
        overwrite: Whether to replace an existing file (the write is atomic either way).
        **kwargs: ``save_format`` is accepted and ignored (the suffix decides).
    """
    kwargs.pop("save_format", None)
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword arguments: {sorted(kwargs)}")
    filepath = os.fspath(filepath)
    kind = _kind(filepath)
    if kind == "keras":
        raise ValueError(f"{filepath!r} names a whole-model file; use `model.save({filepath!r})`, or a "
                         "`.weights.h5` path for weights only.")
    if kind is None:
        raise _unknown_format(filepath, "save_weights()")
    if not file_utils.check_overwrite(filepath, overwrite):
        return
    if kind == "weights.h5":
        saving_lib.save_weights_only(model, filepath)
    else:
        saving_lib._check_built(model, "saving the weights of")
        legacy_h5.save_weights(model, filepath)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights into a built model from ``.weights.h5``, a ``.keras`` archive, or a legacy ``.h5`` file.

    Args:
        model: The (built) model.
        filepath: The file to read.
        skip_mismatch: skip (with a warning) layers whose variable count or shapes differ,
            instead of raising a ``ValueError`` that names the layer and both shapes.
        **kwargs: No other argument is supported (``by_name=True`` raises, as in Keras 3).
    """
    if kwargs.pop("by_name", False):
        raise ValueError("`load_weights(by_name=True)` is not supported (as in Keras 3); weights are matched "
                         "by the model's structure.")
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword arguments: {sorted(kwargs)}")
    filepath = os.fspath(filepath)
    if _kind(filepath) is None:
        raise _unknown_format(filepath, "load_weights()")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}.")
    saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (with fresh, untrained weights) from ``model.to_json()``.

    Args:
        json_string: The JSON string ``model.to_json()`` returned.
        custom_objects: ``{"Name": class_or_function}`` for custom layers and functions it names.

    Returns:
        A model.
    """
    config = json.loads(json_string)
    version = config.get("keras_version") if isinstance(config, dict) else None
    with registry.written_by(version):  # named when a field this fkeras does not take is refused
        return registry.deserialize_keras_object(config, custom_objects=custom_objects)
