"""``keras.applications.resnet``: ResNet50, ResNet101, ResNet152 (He et al., 2015) from one builder.

Layer names (``conv1_conv``, ``conv2_block1_0_conv``, ..., ``predictions``) and weight files are
Keras's, so the published ImageNet ``.h5`` files load.
"""
from __future__ import annotations

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}


def _bn_axis():
    return 3 if backend_config.image_data_format() == "channels_last" else 1


def ResNet(stack_fn, preact, use_bias, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
           pooling=None, classes=1000, classifier_activation="softmax", name="resnet", weights_name=None):
    """The ResNet builder: stem, ``stack_fn(x)`` (the residual stages), and the head.

    Args:
        stack_fn: ``x -> x``, builds the stacked residual blocks.
        preact: pre-activation (ResNetV2 style: no BN/ReLU after the stem conv, ``post_bn`` at the end).
        use_bias: whether the stem convolution has a bias.
        weights_name: key into ``WEIGHTS_HASHES`` for ``weights="imagenet"``.
        Other arguments as in ``ResNet50``.
    """
    from fkeras import layers
    from fkeras.models import Functional

    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for weights_name={weights_name!r}; "
                         f"known: {sorted(WEIGHTS_HASHES)}. Pass `weights=None` or a file path.")
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=backend_config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    top = f"{weights_name}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHTS_PATH + top,
                                                  BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    bn_axis = _bn_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    return imagenet_utils.finish(model, weights_path)


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Bottleneck block: 1x1 -> kxk -> 1x1 (x4 filters), plus a projection or identity shortcut."""
    from fkeras import layers

    bn_axis = _bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """``blocks`` bottleneck blocks; the first projects the shortcut and strides by ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")

    return stack_fn


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

    Inputs: call ``keras.applications.resnet.preprocess_input`` (caffe mode: BGR, mean-centred).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(64, 64, 3))
    """


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="resnet50"):
    return ResNet(_stages((3, 4, 6, 3)), preact=False, use_bias=True, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, name=name, weights_name="resnet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet101"):
    return ResNet(_stages((3, 4, 23, 3)), preact=False, use_bias=True, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, name=name, weights_name="resnet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet152"):
    return ResNet(_stages((3, 8, 36, 3)), preact=False, use_bias=True, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, name=name, weights_name="resnet152")


ResNet50.__doc__ = _DOC.format(title="ResNet50", params="25,636,712")
ResNet101.__doc__ = _DOC.format(title="ResNet101", params="44,707,176")
ResNet152.__doc__ = _DOC.format(title="ResNet152", params="60,419,944")


def preprocess_input(x, data_format=None):
    """Caffe-style preprocessing: RGB -> BGR and subtract the ImageNet mean pixel (no scaling).

    Args:
        x: Images with values in ``[0, 255]``: a NumPy or JAX array, or a symbolic tensor
            (``keras.Input``), 3D (one image) or 4D (a batch), with 3 color channels.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` (the default) uses
            ``keras.config.image_data_format()``.

    Returns:
        The preprocessed images, as floats (a NumPy input is not modified in place).
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
