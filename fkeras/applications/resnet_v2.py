"""``keras.applications.resnet_v2``: ResNet50V2, ResNet101V2, ResNet152V2 (He et al., 2016, pre-activation).

The stem, head and builder are ``resnet.ResNet`` with ``preact=True`` (no BN/ReLU after the stem
conv; ``post_bn`` / ``post_relu`` before the head); the pre-activation bottleneck blocks are here.
Layer names and weight files are Keras's.
"""
from __future__ import annotations

from fkeras.applications import _common, imagenet_utils, resnet

# (hash with the top, hash without it) of Keras's published files
WEIGHTS_HASHES = {
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation bottleneck: BN -> ReLU, then 1x1 -> kxk (strided) -> 1x1 (x4 filters), plus a shortcut.

    Args:
        x: input tensor.
        filters: bottleneck width (the block outputs ``4 * filters`` channels).
        kernel_size: size of the middle convolution.
        stride: stride of the middle convolution (and of the shortcut).
        conv_shortcut: project the shortcut with a 1x1 conv (else identity, or a strided 1x1 max-pool).
        name: prefix of the layer names.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    axis = _common.channel_axis()
    preact = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """``blocks`` pre-activation blocks: the first projects the shortcut, the last strides by ``stride1``.

    Args:
        x: input tensor.
        filters: bottleneck width.
        blocks: number of blocks.
        stride1: stride of the last block.
        name: stage prefix (``conv2`` -> ``conv2_block1_...``).

    Returns:
        The output tensor.
    """
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")

    return stack_fn


def _build(depths, weights_name, include_top, weights, input_tensor, input_shape, pooling, classes,
           classifier_activation, name):
    """Check the arguments and fetch the ImageNet file here (``resnet.ResNet`` knows only the v1 files), then
    build with ``resnet.ResNet(preact=True)`` and load."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = _common.input_shape_for(input_shape, input_tensor, 224, 32, include_top, weights)
    top = f"{weights_name}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    hash_top, hash_notop = WEIGHTS_HASHES[weights_name]
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, resnet.BASE_WEIGHTS_PATH + top,
                                                  resnet.BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    model = resnet.ResNet(_stages(depths), preact=True, use_bias=True, include_top=include_top, weights=None,
                          input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                          classifier_activation=classifier_activation, name=name)
    if weights_path is not None:
        _common.load_weights(model, weights_path)
    return model


_DOC = """Instantiate the {title} architecture ({params} parameters at 224x224 with the top).

    Args:
        include_top: keep the ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Returns:
        A Functional model.

    Inputs: call ``keras.applications.resnet_v2.preprocess_input`` (tf mode: pixels to ``[-1, 1]``).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(64, 64, 3))
    """


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    return _build((3, 4, 6, 3), "resnet50v2", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    return _build((3, 4, 23, 3), "resnet101v2", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    return _build((3, 8, 36, 3), "resnet152v2", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


ResNet50V2.__doc__ = _DOC.format(title="ResNet50V2", params="25,613,800")
ResNet101V2.__doc__ = _DOC.format(title="ResNet101V2", params="44,675,560")
ResNet152V2.__doc__ = _DOC.format(title="ResNet152V2", params="60,380,648")


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
