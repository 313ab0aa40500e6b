"""``keras.applications.inception_v3``: InceptionV3 (Szegedy et al., 2016), with Keras's layers and weight files.

Most convolutions are left unnamed, as in Keras (``conv2d``, ``batch_normalization``, ``activation``
with session counters); the module outputs are named ``mixed0`` ... ``mixed10``. The published
ImageNet ``.h5`` files load because the layers come in Keras's order.
"""
from __future__ import annotations

from fkeras.applications import _common, imagenet_utils

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
                       "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "9a0d58056eeedaa3f26cb7ebd46da564"
WEIGHTS_HASH_NO_TOP = "bcbd6486424b2319ff4ef7d526e38f63"


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv (no bias) -> BatchNormalization (no scale) -> ReLU.

    Args:
        x: input tensor.
        filters: output channels.
        num_row, num_col: kernel size.
        padding: ``"same"`` or ``"valid"``.
        strides: convolution strides.
        name: ``None`` (auto-named layers) or a prefix: ``{name}_conv``, ``{name}_bn`` and ``{name}``.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    from fkeras import layers

    b = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(b, filters, 1, 1)


def _module_a(x, pool_filters, name):
    """35x35 module: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avg-pool -> 1x1."""
    from fkeras import layers

    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(x, 48, 1, 1)
    b5 = conv2d_bn(b5, 64, 5, 5)
    b3 = conv2d_bn(x, 64, 1, 1)
    b3 = conv2d_bn(b3, 96, 3, 3)
    b3 = conv2d_bn(b3, 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return layers.concatenate([b1, b5, b3, bp], axis=_common.channel_axis(), name=name)


def _module_c(x, mid, name):
    """17x17 module with factorized 7x7 convolutions (1x7 and 7x1) of ``mid`` channels."""
    from fkeras import layers

    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(x, mid, 1, 1)
    b7 = conv2d_bn(b7, mid, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7d = conv2d_bn(x, mid, 1, 1)
    b7d = conv2d_bn(b7d, mid, 7, 1)
    b7d = conv2d_bn(b7d, mid, 1, 7)
    b7d = conv2d_bn(b7d, mid, 7, 1)
    b7d = conv2d_bn(b7d, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b7, b7d, bp], axis=_common.channel_axis(), name=name)


def _module_e(x, i):
    """8x8 module with the 3x3 branches split into parallel 1x3 and 3x1 convolutions."""
    from fkeras import layers

    axis = _common.channel_axis()
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], axis=axis, name=f"mixed9_{i}")
    b3d = conv2d_bn(x, 448, 1, 1)
    b3d = conv2d_bn(b3d, 384, 3, 3)
    b3d = layers.concatenate([conv2d_bn(b3d, 384, 1, 3), conv2d_bn(b3d, 384, 3, 1)], axis=axis)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b3, b3d, bp], axis=axis, name=f"mixed{9 + i}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="inception_v3"):
    """Instantiate the InceptionV3 architecture (23,851,784 parameters at 299x299 with the top).

    Args:
        include_top: keep the classifier (``avg_pool`` + ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 75x75; default 299x299).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Returns:
        A Functional model.

    Inputs: call ``keras.applications.inception_v3.preprocess_input`` (tf mode: pixels to ``[-1, 1]``).

    Example:
        features = keras.applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
    """
    from fkeras import layers

    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = _common.input_shape_for(input_shape, input_tensor, 299, 75, include_top, weights)
    weights_path = imagenet_utils.resolve_weights(
        weights, include_top, "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP,
        WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _module_a(x, 32, "mixed0")
    x = _module_a(x, 64, "mixed1")
    x = _module_a(x, 64, "mixed2")

    # reduction to 17x17
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    b3d = conv2d_bn(x, 64, 1, 1)
    b3d = conv2d_bn(b3d, 96, 3, 3)
    b3d = conv2d_bn(b3d, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b3d, bp], axis=axis, name="mixed3")

    x = _module_c(x, 128, "mixed4")
    x = _module_c(x, 160, "mixed5")
    x = _module_c(x, 160, "mixed6")
    x = _module_c(x, 192, "mixed7")

    # reduction to 8x8
    b3 = conv2d_bn(x, 192, 1, 1)
    b3 = conv2d_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b7, bp], axis=axis, name="mixed8")

    x = _module_e(x, 0)
    x = _module_e(x, 1)

    x = _common.pooling_head(x, include_top, pooling, classes, classifier_activation)
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


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
