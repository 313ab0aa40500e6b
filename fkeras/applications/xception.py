"""``keras.applications.Xception`` (Chollet, 2017), with Keras's layer names and weight files.

Xception is a stack of depthwise-separable convolutions with residual connections: an entry flow
(blocks 1-4, downsampling to 1/16), a middle flow (blocks 5-12, eight identical residual units at
728 channels) and an exit flow (blocks 13-14). The 1x1 shortcut convolutions and their
BatchNormalizations are left unnamed, as in Keras (auto-named ``conv2d``, ``batch_normalization``...).
"""
from __future__ import annotations

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
                "xception_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
                       "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "0a58e3b7378bc2990ea3b43d5981f1f6"
WEIGHTS_HASH_NO_TOP = "b0042744bf5b25fce3cb969f33bebb97"


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="xception"):
    """Instantiate the Xception architecture (22,910,480 parameters at 299x299 with the top).

    Args:
        include_top: keep the classifier (``avg_pool`` + ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 71x71; default 299x299).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Inputs: call ``keras.applications.xception.preprocess_input`` (tf mode: scales pixels to [-1, 1]).

    Example:
        features = keras.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
    """
    from fkeras import layers
    from fkeras.models import Functional

    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=71,
                                                    data_format=backend_config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.resolve_weights(
        weights, include_top, "xception_weights_tf_dim_ordering_tf_kernels.h5",
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP,
        WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = 1 if backend_config.image_data_format() == "channels_first" else -1

    def bn(t, name=None):
        return layers.BatchNormalization(axis=axis, name=name)(t)

    def sepconv(t, filters, name):
        t = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(t)
        return bn(t, f"{name}_bn")

    def shortcut(t, filters):
        t = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(t)
        return bn(t)

    # entry flow: block 1 (plain convolutions)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = bn(x, "block1_conv1_bn")
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = bn(x, "block1_conv2_bn")
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # entry flow: blocks 2-4 (two separable convs, max-pool, strided 1x1 shortcut)
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = shortcut(x, filters)
        if block != 2:  # block 2 follows block1_conv2_act, already activated
            x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
        x = sepconv(x, filters, f"block{block}_sepconv1")
        x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
        x = sepconv(x, filters, f"block{block}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
        x = layers.add([x, residual])

    # middle flow: blocks 5-12 (three separable convs, identity shortcut)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
            x = sepconv(x, 728, f"block{block}_sepconv{i}")
        x = layers.add([x, residual])

    # exit flow
    residual = shortcut(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = sepconv(x, 728, "block13_sepconv1")
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = sepconv(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])

    x = sepconv(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = sepconv(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    return imagenet_utils.finish(model, weights_path)


def preprocess_input(x, data_format=None):
    """tf-style preprocessing: scale pixels from ``[0, 255]`` to ``[-1, 1]`` (channel order unchanged).

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
