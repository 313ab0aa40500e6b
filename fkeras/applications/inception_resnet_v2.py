"""``keras.applications.inception_resnet_v2``: InceptionResNetV2 (Szegedy et al., 2017).

Inception branches whose concatenation is projected back to the input width and added to the
input with a fixed scale (``CustomScaleLayer``, as in Keras). Stem and reduction convolutions are
left unnamed as in Keras; the residual blocks are ``block35_N``, ``block17_N``, ``block8_N``.
"""
from __future__ import annotations

from fkeras.applications import _common, imagenet_utils
from fkeras.engine.layer import Layer

BASE_WEIGHT_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
WEIGHTS_HASH = "e693bd0210a403b3192acc6073ad2e96"
WEIGHTS_HASH_NO_TOP = "d19885ff4a710c122648d3b5c3b684e4"


class CustomScaleLayer(Layer):
    """``inputs[0] + scale * inputs[1]``: the scaled residual sum of an Inception-ResNet block.

    Args:
        scale: the factor applied to the residual branch.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Example:
        y = CustomScaleLayer(0.17)([x, branch])   # x + 0.17 * branch
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise TypeError(f"CustomScaleLayer: `scale` must be a number; received scale={scale!r}.")
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None):
    """Conv -> BatchNormalization (no scale; only without a bias) -> activation.

    Args:
        x: input tensor.
        filters: output channels.
        kernel_size: kernel size (int or pair).
        strides: convolution strides.
        padding: ``"same"`` or ``"valid"``.
        activation: activation name, or ``None`` for none.
        use_bias: conv bias; a conv with a bias gets no BatchNormalization.
        name: ``None`` (auto-named layers) or a prefix: ``{name}``, ``{name}_bn``, ``{name}_ac``.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """One Inception-ResNet block: parallel branches, concatenated, projected (1x1 conv with bias) back to
    the input's channels, added to the input scaled by ``scale``, then ``activation``.

    Args:
        x: input tensor.
        scale: residual scale.
        block_type: ``"block35"`` (35x35 grid), ``"block17"`` (17x17) or ``"block8"`` (8x8).
        block_idx: index used in the layer names (``block35_3_mixed``, ...).
        activation: final activation, or ``None``.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    if block_type == "block35":
        b0 = conv2d_bn(x, 32, 1)
        b1 = conv2d_bn(conv2d_bn(x, 32, 1), 32, 3)
        b2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3)
        branches = [b0, b1, b2]
    elif block_type == "block17":
        b0 = conv2d_bn(x, 192, 1)
        b1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])
        branches = [b0, b1]
    elif block_type == "block8":
        b0 = conv2d_bn(x, 192, 1)
        b1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])
        branches = [b0, b1]
    else:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
                         f"but got: {block_type!r}")
    block_name = f"{block_type}_{block_idx}"
    axis = _common.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True, name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", name="inception_resnet_v2"):
    """Instantiate the InceptionResNetV2 architecture (55,873,736 parameters at 299x299 with the top).

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

    Inputs: call ``keras.applications.inception_resnet_v2.preprocess_input`` (tf mode: pixels to
    ``[-1, 1]``).

    Example:
        features = keras.applications.InceptionResNetV2(weights=None, include_top=False,
                                                        input_shape=(75, 75, 3), pooling="avg")
    """
    from fkeras import layers

    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = _common.input_shape_for(input_shape, input_tensor, 299, 75, include_top, weights)
    top = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
    notop = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHT_URL + top,
                                                  BASE_WEIGHT_URL + notop, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    # stem
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    # mixed 5b (Inception-A)
    b0 = conv2d_bn(x, 96, 1)
    b1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    b2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    bp = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")([b0, b1, b2, bp])

    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)

    # mixed 6a (Reduction-A)
    b0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    b1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")([b0, b1, bp])

    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)

    # mixed 7a (Reduction-B)
    b0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    b1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    b2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")([b0, b1, b2, bp])

    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)

    x = conv2d_bn(x, 1536, 1, name="conv_7b")
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
