"""Argument checks and the classifier head shared by the application builders added after ResNet/VGG.

Private: the public helpers live in ``imagenet_utils``; these only bundle the checks every
builder runs (in Keras's order, before anything is built or downloaded) and the usual
``include_top`` / ``pooling`` tail of a network.
"""
from __future__ import annotations

import os

import numpy as np

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config


def check_arguments(weights, include_top, classes, pooling, classifier_activation):
    """Validate ``weights``, ``classes``, ``pooling`` and (with the top) ``classifier_activation``.

    Raises:
        ValueError: naming the argument, what is allowed and what came in.
    """
    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)


def require_channels_last(family):
    """Keras builds ``family`` only in ``channels_last``; say so instead of building a wrong network."""
    if backend_config.image_data_format() == "channels_first":
        raise ValueError(f"{family} does not support the `channels_first` image data format; set "
                         "`keras.config.set_image_data_format('channels_last')` (or edit ~/.fkeras/fkeras.json).")


def channel_axis():
    """The channel axis of a 4D image batch: 3 (``channels_last``) or 1 (``channels_first``)."""
    return 3 if backend_config.image_data_format() == "channels_last" else 1


def input_shape_for(input_shape, input_tensor, default_size, min_size, include_top, weights):
    """``obtain_input_shape`` after taking the shape from ``input_tensor`` when none is given."""
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    return imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                             data_format=backend_config.image_data_format(),
                                             require_flatten=include_top, weights=weights)


def pooling_head(x, include_top, pooling, classes, classifier_activation, top_pool_name="avg_pool",
                 avg_name=None, max_name=None):
    """The common tail: with the top, global average pooling + ``Dense(classes)`` named ``predictions``;
    without it, the optional global pooling. The pooling layers' names follow each Keras family."""
    from fkeras import layers

    if include_top:
        x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def build_model(input_tensor, img_input, outputs, name, weights_path):
    """Wrap the graph into a Functional model (from the source inputs of ``input_tensor`` when one was
    given) and load ``weights_path`` into it."""
    from fkeras.models import Functional

    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), outputs, name=name)
    if weights_path is not None:
        load_weights(model, weights_path)
    return model


def load_weights(model, path):
    """Load ``path`` into an application model.

    A legacy ``.h5`` file (Keras's published ImageNet weights) is read the way Keras reads it: the
    file's layers that hold weights are paired, in order, with ``model.layers`` that hold weights.
    Pairing by order (not by name) matters for networks with unnamed layers (``conv2d_17``): their
    counters depend on what else the session built. Every shape is checked before anything is
    assigned. Other formats go through ``model.load_weights``.

    Args:
        model: the freshly built application model.
        path: the weights file.

    Raises:
        ValueError: the file's layer count or a weight shape does not match the model.
    """
    path = os.fspath(path)
    if not imagenet_utils._is_legacy_h5(path):
        model.load_weights(path)
        return
    from fkeras.saving import saving_lib
    from fkeras.saving.legacy_h5 import _load_attributes

    h5py = saving_lib._h5py()
    layers = imagenet_utils._legacy_weight_layers(model)
    plan = []
    with h5py.File(path, "r") as f:
        groups = imagenet_utils._h5_weight_groups(f)
        if len(groups) != len(layers):
            raise ValueError(
                f"The weights file {path!r} does not match the architecture of model {model.name!r}: the model "
                f"has {len(layers)} layers with weights, the file has {len(groups)}. Check the architecture "
                "arguments (alpha, include_top, classes, ...) used to make the file.")
        for layer, (gname, group) in zip(layers, groups, strict=True):
            values = [np.asarray(group[n][()]) for n in _load_attributes(group, "weight_names")]
            weights = imagenet_utils._layer_weights(layer)
            if len(values) != len(weights) or any(tuple(w.shape) != tuple(v.shape)
                                                   for w, v in zip(weights, values, strict=True)):
                raise ValueError(
                    f"The weights file {path!r} does not match the architecture of model {model.name!r}: layer "
                    f"{layer.name!r} expects weights of shapes {[tuple(w.shape) for w in weights]}, the file's "
                    f"layer {gname!r} holds {[tuple(v.shape) for v in values]}.")
            plan.append((weights, values))
    for weights, values in plan:
        for w, v in zip(weights, values, strict=True):
            w.assign(v.astype(w.dtype))

