"""``keras.applications.efficientnet_v2``: EfficientNetV2 B0-B3, S, M, L (Tan & Le, 2021).

Fused-MBConv blocks (one full convolution instead of expansion + depthwise) in the early stages,
MBConv blocks with squeeze-and-excitation later. Layer names (``stem_conv``, ``block1a_project_conv``,
``block4b_se_reduce``, ``top_conv``, ``predictions``) and weight files are Keras's. Input scaling is
part of the model (``include_preprocessing=True``): feed ``[0, 255]`` pixels; ``preprocess_input`` is
a pass-through.
"""
from __future__ import annotations

import copy
import math

from fkeras.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _stage(kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides, conv_type):
    return {"kernel_size": kernel_size, "num_repeat": num_repeat, "input_filters": input_filters,
            "output_filters": output_filters, "expand_ratio": expand_ratio, "se_ratio": se_ratio,
            "strides": strides, "conv_type": conv_type}


# conv_type 1: Fused-MBConv, 0: MBConv.
_B_STAGES = [
    _stage(3, 1, 32, 16, 1, 0, 1, 1), _stage(3, 2, 16, 32, 4, 0, 2, 1), _stage(3, 2, 32, 48, 4, 0, 2, 1),
    _stage(3, 3, 48, 96, 4, 0.25, 2, 0), _stage(3, 5, 96, 112, 6, 0.25, 1, 0), _stage(3, 8, 112, 192, 6, 0.25, 2, 0),
]
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": [
        _stage(3, 2, 24, 24, 1, 0.0, 1, 1), _stage(3, 4, 24, 48, 4, 0.0, 2, 1), _stage(3, 4, 48, 64, 4, 0, 2, 1),
        _stage(3, 6, 64, 128, 4, 0.25, 2, 0), _stage(3, 9, 128, 160, 6, 0.25, 1, 0),
        _stage(3, 15, 160, 256, 6, 0.25, 2, 0)],
    "efficientnetv2-m": [
        _stage(3, 3, 24, 24, 1, 0, 1, 1), _stage(3, 5, 24, 48, 4, 0, 2, 1), _stage(3, 5, 48, 80, 4, 0, 2, 1),
        _stage(3, 7, 80, 160, 4, 0.25, 2, 0), _stage(3, 14, 160, 176, 6, 0.25, 1, 0),
        _stage(3, 18, 176, 304, 6, 0.25, 2, 0), _stage(3, 5, 304, 512, 6, 0.25, 1, 0)],
    "efficientnetv2-l": [
        _stage(3, 4, 32, 32, 1, 0, 1, 1), _stage(3, 7, 32, 64, 4, 0, 2, 1), _stage(3, 7, 64, 96, 4, 0, 2, 1),
        _stage(3, 10, 96, 192, 4, 0.25, 2, 0), _stage(3, 19, 192, 224, 6, 0.25, 1, 0),
        _stage(3, 25, 224, 384, 6, 0.25, 2, 0), _stage(3, 7, 384, 640, 6, 0.25, 1, 0)],
    "efficientnetv2-b0": _B_STAGES, "efficientnetv2-b1": _B_STAGES, "efficientnetv2-b2": _B_STAGES,
    "efficientnetv2-b3": _B_STAGES,
}

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
CONV_INIT, DENSE_INIT = CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER


def _init(spec):
    from fkeras import initializers

    return initializers.VarianceScaling(**spec["config"])


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """Scale ``filters`` by ``width_coefficient`` and round to a multiple of ``depth_divisor``."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    """Scale a stage's block count by ``depth_coefficient`` (rounded up)."""
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name, axis):
    from fkeras import layers

    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((filters, 1, 1) if axis == 1 else (1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=_init(CONV_INIT), name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=_init(CONV_INIT), name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    from fkeras import layers

    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            # Keras passes the survival probability as the dropout *rate*; kept for parity of weights and outputs.
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """MBConv: 1x1 expansion, depthwise conv, squeeze-and-excitation, 1x1 projection, residual.

    Args:
        input_filters, output_filters: channels in and out.
        expand_ratio: expansion of the hidden width.
        kernel_size: depthwise kernel size.
        strides: depthwise stride.
        se_ratio: squeeze-and-excitation ratio (of ``input_filters``); 0 for none.
        bn_momentum: BatchNormalization momentum.
        activation: activation name.
        survival_probability: rate of the residual ``Dropout`` (as in Keras).
        name: prefix of the layer names (``block4a_``).

    Returns:
        A function applying the block to a tensor.
    """
    from fkeras import layers

    axis = _common.channel_axis()
    if name is None:
        from fkeras.utils import naming

        name = naming.auto_name("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters=filters, kernel_size=1, strides=1, kernel_initializer=_init(CONV_INIT),
                              padding="same", use_bias=False, name=f"{name}expand_conv")(x)
            x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=_init(CONV_INIT), padding="same",
                                   use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name, axis)
        x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1,
                          kernel_initializer=_init(CONV_INIT), padding="same", use_bias=False,
                          name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}project_bn")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                     bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Fused-MBConv: one kxk expansion conv (or, without expansion, a kxk projection), optional
    squeeze-and-excitation, 1x1 projection, residual.

    Args: as in ``MBConvBlock``.

    Returns:
        A function applying the block to a tensor.
    """
    from fkeras import layers

    axis = _common.channel_axis()
    if name is None:
        from fkeras.utils import naming

        name = naming.auto_name("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                              kernel_initializer=_init(CONV_INIT), padding="same", use_bias=False,
                              name=f"{name}expand_conv")(x)
            x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name, axis)
        x = layers.Conv2D(output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
                          strides=1 if expand_ratio != 1 else strides, kernel_initializer=_init(CONV_INIT),
                          padding="same", use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}project_bn")(x)
        if expand_ratio == 1:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """The EfficientNetV2 builder.

    Args:
        width_coefficient: channel multiplier.
        depth_coefficient: block-repeat multiplier.
        default_size: the ImageNet input resolution.
        dropout_rate: dropout before the classifier.
        drop_connect_rate: the residual dropout rate grows linearly to this over the blocks.
        depth_divisor, min_depth: channel rounding.
        bn_momentum: BatchNormalization momentum.
        activation: activation of every block.
        blocks_args: ``"default"`` (the variant's stages) or a list of stage dicts.
        weights_name: ``"b0"`` ... ``"b3"``, ``"-s"``, ``"-m"``, ``"-l"``: the variant (its stages,
            preprocessing and ImageNet file).
        Other arguments as in ``EfficientNetV2B0``.

    Returns:
        A Functional model.
    """
    from fkeras import initializers, layers

    variant = f"efficientnetv2{weights_name if str(weights_name).startswith('-') else '-' + str(weights_name)}"
    if blocks_args == "default":
        # Keras looks the stages up by the model name; the variant is used here, so any name works.
        if variant not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"Unknown EfficientNetV2 variant weights_name={weights_name!r}; pass `blocks_args` "
                             f"or one of {sorted(WEIGHTS_HASHES)}.")
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for weights_name={weights_name!r}; known: "
                         f"{sorted(WEIGHTS_HASHES)}.")
    for args in blocks_args:
        if args["num_repeat"] <= 0:
            raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. Received: "
                             f"num_repeat={args['num_repeat']}")
    input_shape = _common.input_shape_for(input_shape, input_tensor, default_size, 32, include_top, weights)
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    top, notop = f"{variant}.h5", f"{variant}_notop.h5"
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHTS_PATH + top,
                                                  BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    axis = _common.channel_axis()

    def filters_of(n):
        return round_filters(n, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        num_channels = input_shape[axis - 1]
        if variant.split("-")[-1].startswith("b") and num_channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    x = layers.Conv2D(filters=filters_of(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=_init(CONV_INIT), padding="same", use_bias=False,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1

    x = layers.Conv2D(filters=filters_of(1280), kernel_size=1, strides=1, kernel_initializer=_init(CONV_INIT),
                      padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=_init(DENSE_INIT),
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


_DOC = """Instantiate the {title} architecture (default input {size}x{size}; {params} parameters with the top).

    Args:
        include_top: keep the classifier (``avg_pool``, ``top_dropout``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        include_preprocessing: start with the input scaling ({prep}); without it, feed scaled inputs.
        name: model name.

    Returns:
        A Functional model.

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(64, 64, 3))
    """


def _variant(title, weights_name, width, depth, size, params):
    default_name = f"efficientnetv2{weights_name if weights_name.startswith('-') else '-' + weights_name}"

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", include_preprocessing=True, name=default_name):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
                              include_top=include_top, weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=weights_name)

    prep = ("``Rescaling(1/255)`` + ``Normalization`` with the ImageNet mean/variance"
            if weights_name.startswith("b") else "``Rescaling`` of ``[0, 255]`` to ``[-1, 1]``")
    builder.__name__ = builder.__qualname__ = title
    builder.__doc__ = _DOC.format(title=title, size=size, params=params, prep=prep)
    return builder


EfficientNetV2B0 = _variant("EfficientNetV2B0", "b0", 1.0, 1.0, 224, "7,200,312")
EfficientNetV2B1 = _variant("EfficientNetV2B1", "b1", 1.0, 1.1, 240, "8,212,124")
EfficientNetV2B2 = _variant("EfficientNetV2B2", "b2", 1.1, 1.2, 260, "10,178,374")
EfficientNetV2B3 = _variant("EfficientNetV2B3", "b3", 1.2, 1.4, 300, "14,467,622")
EfficientNetV2S = _variant("EfficientNetV2S", "-s", 1.0, 1.0, 384, "21,612,360")
EfficientNetV2M = _variant("EfficientNetV2M", "-m", 1.0, 1.0, 480, "54,431,388")
EfficientNetV2L = _variant("EfficientNetV2L", "-l", 1.0, 1.0, 480, "119,027,848")


def preprocess_input(x, data_format=None):
    """A pass-through: EfficientNetV2 models scale their inputs themselves (``include_preprocessing=True``).

    Args:
        x: images with values in ``[0, 255]``.
        data_format: unused, kept for API compatibility.

    Returns:
        ``x`` unchanged.
    """
    return x


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
