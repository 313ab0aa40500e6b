"""``keras.applications.MobileNetV2`` (Sandler et al., 2018), with Keras's layer names and weight files."""
from __future__ import annotations

import warnings

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_IMAGENET_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_IMAGENET_ROWS = (96, 128, 160, 192, 224)


def _make_divisible(v, divisor, min_value=None):
    """Round ``v`` to a multiple of ``divisor`` without going down by more than 10%."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _default_size(input_shape, input_tensor, data_format):
    """The ImageNet resolution whose weights fit the requested input (224 when none does)."""
    if input_shape is None and input_tensor is None:
        return 224
    shape = tuple(input_shape) if input_shape is not None else tuple(input_tensor.shape)[1:]
    if len(shape) != 3:
        return 224
    rows, cols = (shape[1], shape[2]) if data_format == "channels_first" else (shape[0], shape[1])
    return rows if rows == cols and rows in _IMAGENET_ROWS else 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """Instantiate the MobileNetV2 architecture (3,538,984 parameters at ``alpha=1.0``, 224x224).

    Args:
        input_shape: ``(rows, cols, 3)``; only needed with ``include_top=False`` or
            ``weights=None`` (sizes of at least 32x32; ImageNet weights exist for 96, 128,
            160, 192 and 224).
        alpha: width multiplier; ImageNet weights exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4.
        include_top: keep the ImageNet classifier (global average pooling + ``Dense``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached), or the
            path to a weights file.
        input_tensor: a symbolic tensor to use as the model's input.
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of the ``predictions`` layer (``None`` for logits).
        name: model name (default ``mobilenetv2_{alpha:.2f}_{rows}``).

    Inputs are expected in ``[-1, 1]``: call ``keras.applications.mobilenet_v2.preprocess_input``.

    Example:
        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,
                                              weights=None, pooling="avg")
        base.trainable = False
    """
    from fkeras import layers
    from fkeras.models import Functional

    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    data_format = backend_config.image_data_format()
    if input_shape is not None and input_tensor is not None:
        ts = tuple(input_tensor.shape)
        axis = 1 if data_format == "channels_first" else 2
        if len(ts) != 4 or ts[axis] != tuple(input_shape)[1]:
            raise ValueError(f"`input_shape` {tuple(input_shape)} does not match `input_tensor` of shape {ts}.")
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    default_size = _default_size(input_shape, input_tensor, data_format)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=data_format, require_flatten=include_top,
                                                    weights=weights)
    row_axis, col_axis = (1, 2) if data_format == "channels_first" else (0, 1)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if weights == "imagenet":
        if alpha not in _IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                             f"`0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
        if rows != cols or rows not in _IMAGENET_ROWS:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, "
                          "224]. Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)

    fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
    weights_path = imagenet_utils.resolve_weights(
        weights, include_top, fname + ".h5", fname + "_no_top.h5",
        BASE_WEIGHT_PATH + fname + ".h5", BASE_WEIGHT_PATH + fname + "_no_top.h5")

    channel_axis = 1 if data_format == "channels_first" else -1
    img_input = imagenet_utils.make_input(input_tensor, input_shape)

    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)

    # (filters, stride, expansion) for blocks 0..16
    spec = [(16, 1, 1),
            (24, 2, 6), (24, 1, 6),
            (32, 2, 6), (32, 1, 6), (32, 1, 6),
            (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
            (96, 1, 6), (96, 1, 6), (96, 1, 6),
            (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(spec):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)

    # The last conv is not narrowed for alpha < 1 (paper), but widened for alpha > 1.
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)

    return imagenet_utils.finish(model, weights_path)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1) -> depthwise 3x3 -> project (1x1, linear), with a residual when shapes allow."""
    from fkeras import layers

    channel_axis = 1 if backend_config.image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[channel_axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def preprocess_input(x, data_format=None):
    """Scale pixels from ``[0, 255]`` to ``[-1, 1]`` (``imagenet_utils.preprocess_input(mode="tf")``).

    Args:
        x: Images with values in ``[0, 255]``: a NumPy or JAX array, or a symbolic tensor
            (``keras.Input``), 3D (one image) or 4D (a batch).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` (the default) uses
            ``keras.config.image_data_format()``.

    Returns:
        The scaled images, as floats in ``[-1, 1]``.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
