"""``keras.applications.imagenet_utils``: preprocessing, decoding, and the helpers every application shares.

Public (Keras names): ``preprocess_input(x, data_format=None, mode="caffe")`` and
``decode_predictions(preds, top=5)``. The rest (``obtain_input_shape``, ``correct_pad``,
``validate_activation``) is used by the model builders and mirrors Keras's internal utilities.

Example:
    x = imagenet_utils.preprocess_input(images, mode="tf")      # [0, 255] -> [-1, 1]
    imagenet_utils.decode_predictions(model.predict(x), top=3)  # [[(wnid, name, score), ...], ...]
"""
from __future__ import annotations

import json
import os
import warnings

import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as backend_config

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
_MODES = ("caffe", "tf", "torch")


# ------------------------------------------------------------------------------------------
# preprocess_input
# ------------------------------------------------------------------------------------------


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess(x, xp, data_format, mode):
    """The arithmetic of ``preprocess_input`` with ``xp`` = numpy or jax.numpy."""
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    if x.shape[axis] is not None and x.shape[axis] != 3:
        raise ValueError(
            f"preprocess_input(mode={mode!r}) expects 3 color channels on axis {axis} "
            f"({data_format}); received an array of shape {tuple(x.shape)}.")
    bshape = [1] * ndim
    bshape[axis] = 3
    if mode == "torch":
        mean = xp.asarray(_TORCH_MEAN, dtype=x.dtype).reshape(bshape)
        std = xp.asarray(_TORCH_STD, dtype=x.dtype).reshape(bshape)
        return (x / 255.0 - mean) / std
    # caffe: RGB -> BGR, then subtract the ImageNet mean pixel (BGR order), no scaling.
    x = xp.flip(x, axis=axis)
    mean = xp.asarray(_CAFFE_MEAN_BGR, dtype=x.dtype).reshape(bshape)
    return x - mean


def _check_mode_and_format(mode, data_format):
    if mode not in _MODES:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode!r}")
    if data_format is None:
        return backend_config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format!r}")
    return data_format


def _symbolic_preprocess(x, data_format, mode):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(backend_config.floatx())
    return _preprocess(x, jnp, data_format, mode)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images with values in ``[0, 255]`` for an ImageNet model.

    Args:
        x: a NumPy array, a JAX array, or a symbolic tensor (``keras.Input``), 3D or 4D with
            3 color channels.
        data_format: ``"channels_last"`` / ``"channels_first"``; ``None`` uses
            ``keras.config.image_data_format()``.
        mode: ``"caffe"`` (RGB->BGR, subtract the ImageNet mean pixel, no scaling), ``"tf"``
            (scale to ``[-1, 1]``) or ``"torch"`` (scale to ``[0, 1]``, then normalize each
            channel with the ImageNet mean and std).

    Returns:
        The preprocessed array (float; integer inputs are cast to ``floatx()``). Unlike
        Keras, a NumPy input is never modified in place.

    Example:
        x = preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")   # all ones
    """
    data_format = _check_mode_and_format(mode, data_format)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(backend_config.floatx())
        return _preprocess(x, np, data_format, mode)
    from fkeras.engine import symbolic

    if isinstance(x, symbolic.KerasTensor):
        return symbolic.symbolic_op_call(
            lambda t: _symbolic_preprocess(t, data_format, mode), (x,), {})
    if isinstance(x, (list, tuple, int, float)):
        return preprocess_input(np.asarray(x), data_format=data_format, mode=mode)
    return _symbolic_preprocess(x, data_format, mode)


# ------------------------------------------------------------------------------------------
# decode_predictions
# ------------------------------------------------------------------------------------------


def _class_index():
    global CLASS_INDEX
    if CLASS_INDEX is None:
        from fkeras.utils.file_utils import get_file

        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """Turn a ``(samples, 1000)`` batch of ImageNet scores into readable top-k guesses.

    The class index (``imagenet_class_index.json``) is downloaded once into the cache
    (``~/.fkeras/models``); offline, the error says where to place it.

    Args:
        preds: array of shape ``(samples, 1000)``.
        top: how many guesses per sample.

    Returns:
        One list per sample of ``(class_id, class_name, score)`` tuples, best first.

    Example:
        decode_predictions(model.predict(x), top=3)[0]
        # [('n02123045', 'tabby', 0.62), ('n02123159', 'tiger_cat', 0.21), ...]
    """
    shape = tuple(np.shape(preds))
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {shape}")
    if int(top) < 1:
        raise ValueError(f"`top` must be a positive integer; received top={top!r}.")
    index = _class_index()
    preds = np.asarray(preds)
    results = []
    for pred in preds:
        best = np.argsort(pred, kind="stable")[-int(top):][::-1]
        row = [tuple(index[str(i)]) + (pred[i],) for i in best]
        row.sort(key=lambda r: r[2], reverse=True)
        results.append(row)
    return results


# ------------------------------------------------------------------------------------------
# shared builder helpers (Keras's internal utilities)
# ------------------------------------------------------------------------------------------


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """Validate ``input_shape`` for an application (or return its default), as Keras does.

    Raises a ``ValueError`` (before anything is built) for: ``include_top=True`` with
    ImageNet weights and a non-default shape, a rank other than 3, a channel count other
    than 3 with ImageNet weights, a spatial size under ``min_size``, and ``include_top=True``
    with an unknown (``None``) size.
    """
    if input_shape is not None:
        input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if data_format == "channels_first":
            if input_shape[0] not in (1, 3):
                warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                              f"input_shape with {input_shape[0]} input channels.", stacklevel=3)
            default_shape = (input_shape[0], default_size, default_size)
        else:
            if input_shape[-1] not in (1, 3):
                warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                              f"input_shape with {input_shape[-1]} input channels.", stacklevel=3)
            default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = ((3, default_size, default_size) if data_format == "channels_first"
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be "
                f"{default_shape}.  Received: input_shape={input_shape}. (Pass `include_top=False` to use "
                "another input size.)")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers. "
                             f"Received: input_shape={input_shape}")
        if data_format == "channels_first":
            channels, spatial = input_shape[0], input_shape[1:]
        else:
            channels, spatial = input_shape[-1], input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}` "
                             "(ImageNet weights were trained on RGB images).")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = ((3, None, None) if data_format == "channels_first" else (None, None, 3))
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """``((top, bottom), (left, right))`` zero padding that makes a stride-2 'valid' conv act like TF 'same'."""
    img_dim = 2 if backend_config.image_data_format() == "channels_first" else 1
    input_size = tuple(inputs.shape[img_dim:img_dim + 2])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """With pretrained weights, only ``None`` / ``"softmax"`` (or ``"linear"``) classifier activations are allowed."""
    if weights is None:
        return
    from fkeras import activations

    fn = activations.get(classifier_activation)
    allowed = {activations.get("softmax"), activations.get(None), activations.get("linear")}
    if fn not in allowed:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation!r}")


def check_weights_argument(weights):
    """``weights`` must be ``None``, ``"imagenet"`` or the path of an existing file."""
    if weights is None or (isinstance(weights, str) and weights == "imagenet"):
        return
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(os.fspath(weights)):
        return
    hint = ""
    if isinstance(weights, (str, os.PathLike)):
        hint = f" (no file exists at {os.path.abspath(os.fspath(weights))!r})"
    raise ValueError("The `weights` argument should be either `None` (random initialization), `imagenet` "
                     "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                     f"Received `weights={weights!r}`{hint}.")


def check_classes(weights, include_top, classes):
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
                         f"Received classes={classes}. (Use `include_top=False` and add your own head, or "
                         "`weights=None`.)")


def check_pooling(pooling):
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be one of None, 'avg' or 'max'. Received: pooling={pooling!r}")


def shape_from_tensor(input_shape, input_tensor):
    """With ``input_tensor`` and no ``input_shape``, validate against the tensor's static shape."""
    if input_shape is not None or input_tensor is None:
        return input_shape
    shape = tuple(getattr(input_tensor, "shape", ()))[1:]
    if len(shape) == 3 and all(d is not None for d in shape):
        return shape
    return None


def make_input(input_tensor, input_shape):
    """The model's input: a new ``keras.Input`` or the given symbolic tensor."""
    from fkeras.engine.symbolic import KerasTensor
    from fkeras.layers.input_layer import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("`input_tensor` must be a symbolic Keras tensor (e.g. the output of `keras.Input()` "
                         f"or of a layer called on one). Received: {type(input_tensor).__name__}")
    return input_tensor


def source_inputs(tensor):
    """The ``keras.Input`` tensors that ``tensor`` is computed from (Keras's ``get_source_inputs``)."""
    from fkeras.layers.input_layer import InputLayer

    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        node = t._node
        if node is None or isinstance(node.layer, InputLayer) or not node.input_tensors:
            if t._id not in seen:
                seen.add(t._id)
                out.append(t)
            continue
        stack.extend(reversed(node.input_tensors))
    return out[0] if len(out) == 1 else out


def model_inputs(input_tensor, img_input):
    return source_inputs(input_tensor) if input_tensor is not None else img_input


def get_weights_file(fname, origin, file_hash=None):
    """Download (or find in the cache) a published weights file; offline, say where to place it."""
    from fkeras.utils.file_utils import get_file

    return get_file(fname, origin, cache_subdir="models", file_hash=file_hash)


# ------------------------------------------------------------------------------------------
# weight loading
# ------------------------------------------------------------------------------------------


def _legacy_weight_layers(model):
    return [l for l in model.layers if list(l.trainable_weights) + list(l.non_trainable_weights)]


def _layer_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _is_legacy_h5(path):
    p = str(path).lower()
    return (p.endswith(".h5") or p.endswith(".hdf5")) and not p.endswith(".weights.h5")


def _h5_weight_groups(f):
    from fkeras.saving.legacy_h5 import _load_attributes

    group = f["model_weights"] if "model_weights" in f else f
    names = _load_attributes(group, "layer_names")
    out = []
    for n in names:
        if n in group and _load_attributes(group[n], "weight_names"):
            out.append((n, group[n]))
    return out


def load_application_weights(model, path):
    """Load ``path`` into an application model.

    Legacy tf.keras ``.h5`` files (Keras's published ImageNet weights) are matched by layer
    name, so the result does not depend on the order in which the graph lists its layers;
    layers whose names differ (auto-named ones such as ``normalization_1``) are paired in
    order. Other formats go through ``model.load_weights``.
    """
    path = os.fspath(path)
    if not _is_legacy_h5(path):
        model.load_weights(path)
        return
    from fkeras.saving import saving_lib
    from fkeras.saving.legacy_h5 import _load_attributes

    h5py = saving_lib._h5py()
    with h5py.File(path, "r") as f:
        groups = _h5_weight_groups(f)
        layers = _legacy_weight_layers(model)
        by_name = dict(groups)
        model_names = {l.name for l in layers}
        pairs = [(l, l.name) for l in layers if l.name in by_name]
        rest_layers = [l for l in layers if l.name not in by_name]
        rest_groups = [n for n, _ in groups if n not in model_names]
        if len(rest_layers) != len(rest_groups):
            raise ValueError(
                f"The weights file {path!r} does not match the architecture of model {model.name!r}: the "
                f"model has {len(layers)} layers with weights, the file has {len(groups)}. Layers of the model "
                f"missing from the file: {[l.name for l in rest_layers][:8]}; layers in the file not in the "
                f"model: {rest_groups[:8]}. Check the architecture arguments (alpha, include_top, classes, "
                "input size) used to make the file.")
        pairs += list(zip(rest_layers, rest_groups))
        plan = []
        for layer, gname in pairs:
            group = by_name[gname]
            values = [np.asarray(group[n][()]) for n in _load_attributes(group, "weight_names")]
            weights = _layer_weights(layer)
            if len(values) != len(weights) or any(tuple(w.shape) != tuple(v.shape)
                                                   for w, v in zip(weights, values)):
                raise ValueError(
                    f"The weights file {path!r} does not match the architecture of model {model.name!r}: "
                    f"layer {layer.name!r} expects weights of shapes {[tuple(w.shape) for w in weights]}, the "
                    f"file's layer {gname!r} holds {[tuple(v.shape) for v in values]}. Check the "
                    "architecture arguments (alpha, include_top, classes) used to make the file.")
            plan.append((weights, values))
    for weights, values in plan:
        for w, v in zip(weights, values):
            w.assign(v.astype(w.dtype))


def resolve_weights(weights, include_top, fname_top, fname_notop, origin_top, origin_notop, hash_top=None,
                    hash_notop=None):
    """The weights file to load (``None`` for random weights).

    ``weights="imagenet"`` downloads the published file once into ``~/.fkeras/models`` (or
    ``$FKERAS_HOME/models``) and checks its hash; offline, the error names the URL and the
    exact path to place the file at. This runs before the network is built, so a missing file
    fails fast.
    """
    if weights == "imagenet":
        if include_top:
            return get_weights_file(fname_top, origin_top, hash_top)
        return get_weights_file(fname_notop, origin_notop, hash_notop)
    if weights is not None:
        return os.fspath(weights)
    return None


def keras_layer_order(inputs, outputs):
    """Keras's ``model.layers`` order (now what every fkeras Functional model uses)."""
    from fkeras.models.functional import keras_layer_order as _order

    return _order(inputs, outputs)


def finish(model, weights_path):
    """Load ``weights_path`` (if any) into the freshly built ``model`` and return it."""
    if weights_path is not None:
        load_application_weights(model, weights_path)
    return model
