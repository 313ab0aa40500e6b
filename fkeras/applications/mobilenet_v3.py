"""``keras.applications.mobilenet_v3``: MobileNetV3Small and MobileNetV3Large (Howard et al., 2019).

Inverted residual blocks with optional squeeze-and-excitation and hard-swish, as in Keras (layer
names ``conv``, ``expanded_conv_3_depthwise``, ``expanded_conv_3_squeeze_excite_conv``, ...; the
published ImageNet ``.h5`` files load). Input scaling is part of the model (a ``Rescaling`` layer
mapping ``[0, 255]`` to ``[-1, 1]``), so ``preprocess_input`` is a pass-through.

Like Keras, the hard-sigmoid gate computes ``relu6(x + 3) * (1 / 6)`` with tensor operators around a
``ReLU`` layer; the operators are graph nodes (Keras's ``Add`` and ``Multiply`` operations) and save
as Keras saves them. Unlike Keras, fkeras lists those nodes in ``model.layers``.
"""
from __future__ import annotations

import warnings

from fkeras.applications import _common, imagenet_utils
from fkeras.backend import config as backend_config

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}

# (expansion, filters, kernel ("k": 5x5 unless minimalistic), stride, squeeze-excite?, activation ("a": hard-swish
# unless minimalistic; "relu" always ReLU)) per inverted residual block.
_SMALL = ((1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"), (88.0 / 24, 24, 3, 1, False, "relu"),
          (4, 40, "k", 2, True, "a"), (6, 40, "k", 1, True, "a"), (6, 40, "k", 1, True, "a"),
          (3, 48, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"), (6, 96, "k", 2, True, "a"),
          (6, 96, "k", 1, True, "a"), (6, 96, "k", 1, True, "a"))
_LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
          (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"),
          (2.3, 80, 3, 1, False, "a"), (6, 112, 3, 1, True, "a"), (6, 112, 3, 1, True, "a"),
          (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"), (6, 160, "k", 1, True, "a"))


def relu(x):
    """A ``ReLU`` layer applied to ``x``.

    Args:
        x: a symbolic tensor.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    return layers.ReLU()(x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``, built as Keras builds it (operators around a ``ReLU(6.0)`` layer).

    Args:
        x: a symbolic tensor.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    """A ``hard_swish`` ``Activation`` layer applied to ``x``.

    Args:
        x: a symbolic tensor.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    return layers.Activation("hard_swish")(x)


def _depth(v, divisor=8, min_value=None):
    """Round ``v`` to a multiple of ``divisor`` (at least ``min_value``), never more than 10% below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _se_block(inputs, filters, se_ratio, prefix):
    """Squeeze-and-excitation: pooled channels -> 1x1 conv -> ReLU -> 1x1 conv -> hard sigmoid -> rescale."""
    from fkeras import layers

    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    """Expand (1x1, except block 0) -> depthwise -> optional squeeze-excite -> project (1x1), plus a residual
    when the shapes allow."""
    from fkeras import layers

    axis = -1 if backend_config.image_data_format() == "channels_last" else 1
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor, data_format):
    """Keras's MobileNetV3 rules: a given shape must agree with ``input_tensor``; without either the
    spatial size is left open (``(None, None, 3)``), even with the top."""
    if input_tensor is not None:
        from fkeras.engine.symbolic import KerasTensor

        if not isinstance(input_tensor, KerasTensor):
            raise ValueError("`input_tensor` must be a symbolic Keras tensor (e.g. the output of `keras.Input()`). "
                             f"Received: {type(input_tensor).__name__}")
        ts = tuple(input_tensor.shape)
        if input_shape is not None:
            axis, shape_axis = (1, 1) if data_format == "channels_first" else (2, 1)
            if len(ts) != 4 or len(tuple(input_shape)) != 3 or ts[axis] != tuple(input_shape)[shape_axis]:
                raise ValueError(f"`input_shape`={tuple(input_shape)} does not match `input_tensor` of shape {ts}.")
        else:
            input_shape = ts[1:]
    if input_shape is None:
        input_shape = (None, None, 3) if data_format == "channels_last" else (3, None, None)
    input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}")
    rows, cols = input_shape[:2] if data_format == "channels_last" else input_shape[1:]
    if (rows is not None and rows < 32) or (cols is not None and cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    return input_shape, rows, cols


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True, name=None):
    """The MobileNetV3 builder.

    Args:
        blocks: the inverted residual blocks, as ``_SMALL`` / ``_LARGE`` rows.
        last_point_ch: channels of the classifier's hidden 1x1 conv (``conv_2``).
        model_type: ``"small"`` or ``"large"`` (selects the ImageNet weights file).
        Other arguments as in ``MobileNetV3Small``.

    Returns:
        A Functional model.
    """
    from fkeras import layers

    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    data_format = backend_config.image_data_format()
    input_shape, rows, cols = _input_shape(input_shape, input_tensor, data_format)
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{float(alpha)}_float"
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             f"minimalistic or `1.0` for minimalistic only. Received alpha={alpha}")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input shape "
                          "(224, 224) will be loaded as the default.", stacklevel=3)
    if not 0 <= float(dropout_rate) < 1:
        raise ValueError(f"`dropout_rate` must be in [0, 1); received dropout_rate={dropout_rate!r}.")
    top = f"weights_mobilenet_v3_{model_name}.h5"
    notop = f"weights_mobilenet_v3_{model_name}_no_top_v2.h5"
    hash_top, hash_notop = WEIGHTS_HASHES.get(model_name, (None, None))
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHT_PATH + top,
                                                  BASE_WEIGHT_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = -1 if data_format == "channels_last" else 1
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = activation(x)
    for block_id, (expansion, filters, k, stride, use_se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if k == "k" else k, stride,
                                se_ratio if use_se else None, relu if act == "relu" else activation, block_id)

    last_conv_ch = _depth(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


_DOC = """Instantiate the {title} architecture ({params} parameters at ``alpha=1.0`` with the top).

    Args:
        input_shape: ``(rows, cols, 3)`` (at least 32x32); by default the spatial size is left open,
            even with the top. Must agree with ``input_tensor`` when both are given.
        alpha: width multiplier; ImageNet weights exist for 0.75 and 1.0 (1.0 only if minimalistic).
        minimalistic: no squeeze-and-excitation, no hard-swish, no 5x5 kernels.
        include_top: keep the classifier (pooling, ``conv_2``, dropout, ``logits``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        classes: classifier size (1000 with ImageNet weights).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        dropout_rate: dropout before the ``logits`` layer.
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        include_preprocessing: start with a ``Rescaling`` layer taking ``[0, 255]`` pixels to ``[-1, 1]``
            (without it, feed ``[-1, 1]`` inputs).
        name: model name.

    Returns:
        A Functional model.

    Example:
        base = keras.applications.{title}(input_shape=(96, 96, 3), include_top=False, weights=None,
                                          pooling="avg")
    """


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    return MobileNetV3(_SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    return MobileNetV3(_LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


MobileNetV3Small.__doc__ = _DOC.format(title="MobileNetV3Small", params="2,554,968")
MobileNetV3Large.__doc__ = _DOC.format(title="MobileNetV3Large", params="5,507,432")


def preprocess_input(x, data_format=None):
    """A pass-through: MobileNetV3 models rescale their inputs themselves (``include_preprocessing=True``).

    Args:
        x: images with values in ``[0, 255]``.
        data_format: unused, kept for API compatibility.

    Returns:
        ``x`` unchanged.
    """
    return x


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
