"""``keras.applications.mobilenet``: MobileNet (v1; Howard et al., 2017), with Keras's layer names and weight files.

A 3x3 stem convolution and 13 depthwise-separable blocks (``conv_dw_N`` + ``conv_pw_N``), ReLU6
everywhere; the classifier is a 1x1 convolution (``conv_preds``) on the pooled features.
"""
from __future__ import annotations

import os
import warnings

from fkeras.applications import _common, imagenet_utils
from fkeras.backend import config as backend_config

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_IMAGENET_ALPHAS = (0.25, 0.50, 0.75, 1.0)
_IMAGENET_ROWS = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}

# (pointwise filters, stride) of depthwise-separable blocks 1..13
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """Instantiate the MobileNet architecture (4,253,864 parameters at ``alpha=1.0`` with the top).

    Args:
        input_shape: ``(rows, cols, 3)``; only needed with ``include_top=False`` or ``weights=None``
            (at least 32x32; ImageNet weights exist for 128, 160, 192 and 224).
        alpha: width multiplier of every layer; ImageNet weights exist for 0.25, 0.5, 0.75 and 1.0.
        depth_multiplier: channel multiplier of the depthwise convolutions (1 with ImageNet weights).
        dropout: dropout rate before the classifier.
        include_top: keep the classifier (pooling, ``dropout``, ``conv_preds``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name (default ``mobilenet_{alpha:.2f}_{rows}``).

    Returns:
        A Functional model.

    Inputs: call ``keras.applications.mobilenet.preprocess_input`` (tf mode: pixels to ``[-1, 1]``).

    Example:
        base = keras.applications.MobileNet(input_shape=(128, 128, 3), alpha=0.5, include_top=False,
                                            weights=None, pooling="avg")
    """
    from fkeras import layers

    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    data_format = backend_config.image_data_format()
    given = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    default_size = 224
    if given is not None and len(tuple(given)) == 3:
        rows, cols = (given[1], given[2]) if data_format == "channels_first" else (given[0], given[1])
        if rows == cols and rows in _IMAGENET_ROWS:
            default_size = rows
    input_shape = _common.input_shape_for(input_shape, input_tensor, default_size, 32, include_top, weights)
    rows = input_shape[1] if data_format == "channels_first" else input_shape[0]
    cols = input_shape[2] if data_format == "channels_first" else input_shape[1]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1. "
                             f"Received depth_multiplier={depth_multiplier}")
        if alpha not in _IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, `0.75` or "
                             f"`1.0` only. Received alpha={alpha}")
        if rows != cols or rows not in _IMAGENET_ROWS:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    if not 0 <= float(dropout) < 1:
        raise ValueError(f"`dropout` must be a rate in [0, 1); received dropout={dropout!r}.")
    if weights == "imagenet":
        stem = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf"
        weights_path = imagenet_utils.resolve_weights(weights, include_top, stem + ".h5", stem + "_no_top.h5",
                                                      BASE_WEIGHT_PATH + stem + ".h5",
                                                      BASE_WEIGHT_PATH + stem + "_no_top.h5")
    else:
        weights_path = None if weights is None else os.fspath(weights)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The stem: ``conv1`` (``filters * alpha`` channels) -> ``conv1_bn`` -> ReLU6 ``conv1_relu``."""
    from fkeras import layers

    axis = _common.channel_axis()
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    """Depthwise 3x3 (padded ``((0, 1), (0, 1))`` when strided) -> BN -> ReLU6 -> pointwise 1x1 -> BN -> ReLU6."""
    from fkeras import layers

    axis = _common.channel_axis()
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """tf-style preprocessing: scale pixels from ``[0, 255]`` to ``[-1, 1]`` (channel order unchanged).

    Args:
        x: images (NumPy, JAX or symbolic).
        data_format: ``"channels_last"`` / ``"channels_first"`` (``None``: the configured default).

    Returns:
        The preprocessed float array.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
