"""``keras.applications.densenet``: DenseNet121, DenseNet169, DenseNet201 (Huang et al., 2017).

Every layer of a dense block sees the concatenation of all earlier feature maps of the block;
transition blocks halve the channels and the resolution between blocks. Layer names
(``conv1_conv``, ``conv2_block1_0_bn``, ``pool2_conv``, ``bn``, ``predictions``) and weight files
are Keras's, so the published ImageNet ``.h5`` files load.
"""
from __future__ import annotations

from fkeras.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# blocks per dense block -> (weights-file stem, hash with the top, hash without it)
_WEIGHTS = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def dense_block(x, blocks, name):
    """``blocks`` conv blocks, each appending 32 new channels to ``x``.

    Args:
        x: input tensor.
        blocks: number of conv blocks.
        name: prefix of the layer names (``conv2`` -> ``conv2_block1_...``).

    Returns:
        The output tensor.
    """
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN -> ReLU -> 1x1 conv keeping ``reduction`` of the channels -> 2x2 average pooling.

    Args:
        x: input tensor.
        reduction: fraction of the channels kept.
        name: prefix of the layer names.

    Returns:
        The output tensor.
    """
    from fkeras import layers

    axis = _common.channel_axis()
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """BN -> ReLU -> 1x1 conv (4 x growth) -> BN -> ReLU -> 3x3 conv (growth), concatenated to ``x``.

    Args:
        x: input tensor.
        growth_rate: channels added by the block.
        name: prefix of the layer names.

    Returns:
        ``x`` with ``growth_rate`` more channels.
    """
    from fkeras import layers

    axis = _common.channel_axis()
    y = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=axis, name=f"{name}_concat")([x, y])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="densenet"):
    """The DenseNet builder.

    Args:
        blocks: conv blocks in each of the four dense blocks (``[6, 12, 24, 16]`` is DenseNet121).
            ImageNet weights exist for the three published variants only.
        Other arguments as in ``DenseNet121``.

    Returns:
        A Functional model.
    """
    from fkeras import layers

    _common.require_channels_last("DenseNet")
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    blocks = [int(b) for b in blocks]
    if len(blocks) != 4 or min(blocks) < 1:
        raise ValueError(f"`blocks` must hold 4 positive block counts; received blocks={blocks}.")
    variant = _WEIGHTS.get(tuple(blocks))
    if weights == "imagenet" and variant is None:
        raise ValueError(f"No ImageNet weights are published for DenseNet blocks={blocks}; known: "
                         f"{[list(k) for k in _WEIGHTS]}. Pass `weights=None` or a file path.")
    input_shape = _common.input_shape_for(input_shape, input_tensor, 224, 32, include_top, weights)
    stem, hash_top, hash_notop = variant or ("densenet", None, None)
    top = f"{stem}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{stem}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHTS_PATH + top,
                                                  BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, start=2):
        x = dense_block(x, n, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.pooling_head(x, include_top, pooling, classes, classifier_activation, avg_name="avg_pool",
                             max_name="max_pool")
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


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
        A Functional model (``channels_last`` only, as in Keras).

    Inputs: call ``keras.applications.densenet.preprocess_input`` (torch mode: ``[0, 1]``, then the
    ImageNet mean/std per channel).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(64, 64, 3))
    """


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet121"):
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet169"):
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet201"):
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


DenseNet121.__doc__ = _DOC.format(title="DenseNet121", params="8,062,504")
DenseNet169.__doc__ = _DOC.format(title="DenseNet169", params="14,307,880")
DenseNet201.__doc__ = _DOC.format(title="DenseNet201", params="20,242,984")


def preprocess_input(x, data_format=None):
    """Torch-style preprocessing: scale ``[0, 255]`` pixels to ``[0, 1]``, then normalize each channel with
    the ImageNet mean ``(0.485, 0.456, 0.406)`` and std ``(0.229, 0.224, 0.225)``.

    Args:
        x: images (NumPy, JAX or symbolic), 3D or 4D with 3 channels.
        data_format: ``"channels_last"`` / ``"channels_first"`` (``None``: the configured default).

    Returns:
        The preprocessed float array.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
