"""``keras.applications.efficientnet``: EfficientNetB0 ... B7 (Tan & Le, 2019) from one builder.

Preprocessing is part of the model (``Rescaling`` + ``Normalization``): feed float pixels in
``[0, 255]``; ``preprocess_input`` is a pass-through kept for API compatibility.
"""
from __future__ import annotations

import copy
import math

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _stage(kernel_size, repeats, filters_in, filters_out, expand_ratio, strides):
    return {"kernel_size": kernel_size, "repeats": repeats, "filters_in": filters_in, "filters_out": filters_out,
            "expand_ratio": expand_ratio, "id_skip": True, "strides": strides, "se_ratio": 0.25}


DEFAULT_BLOCKS_ARGS = [
    _stage(3, 1, 32, 16, 1, 1),
    _stage(3, 2, 16, 24, 6, 2),
    _stage(5, 2, 24, 40, 6, 2),
    _stage(3, 3, 40, 80, 6, 2),
    _stage(5, 3, 80, 112, 6, 1),
    _stage(5, 4, 112, 192, 6, 2),
    _stage(3, 1, 192, 320, 6, 1),
]

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def _initializer(spec):
    from fkeras import initializers

    return initializers.VarianceScaling(**spec["config"])


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", weights_name=None):
    """The EfficientNet builder (width/depth scaling of the B0 stages).

    Args:
        width_coefficient: channel multiplier.
        depth_coefficient: block-repeat multiplier.
        default_size: the ImageNet input resolution.
        dropout_rate: dropout before the classifier.
        drop_connect_rate: maximum stochastic-depth rate (grows linearly over the blocks).
        depth_divisor: channel counts are rounded to multiples of this.
        activation: activation of every block.
        blocks_args: ``"default"`` or a list of stage dicts like ``DEFAULT_BLOCKS_ARGS``.
        weights_name: ``"b0"`` ... ``"b7"`` for ``weights="imagenet"``.
        Other arguments as in ``EfficientNetB0``.
    """
    from fkeras import layers
    from fkeras.models import Functional

    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for weights_name={weights_name!r}; "
                         f"known: {sorted(WEIGHTS_HASHES)}.")
    data_format = backend_config.image_data_format()
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=data_format, require_flatten=include_top,
                                                    weights=weights)
    # The published files are efficientnetb0.h5 / efficientnetb0_notop.h5, ... (Keras derives the file
    # name from `name`, so a custom model name breaks its download; we use the variant instead).
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    top, notop = f"efficientnet{weights_name}.h5", f"efficientnet{weights_name}_notop.h5"
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHTS_PATH + top,
                                                  BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    bn_axis = 3 if data_format == "channels_last" else 1
    conv_init = _initializer(CONV_KERNEL_INITIALIZER)

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        # The published weights store the ImageNet std (not the variance) in `normalization`;
        # Keras corrects with this extra rescaling, and so do we.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=conv_init, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNet` must be > 0. Received: "
                             f"repeats={args['repeats']}")
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False, kernel_initializer=conv_init,
                      name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=_initializer(DENSE_KERNEL_INITIALIZER), name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    return imagenet_utils.finish(model, weights_path)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16, kernel_size=3,
          strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """MBConv: optional 1x1 expansion, depthwise conv, squeeze-and-excitation, 1x1 projection, skip."""
    from fkeras import layers

    bn_axis = 3 if backend_config.image_data_format() == "channels_last" else 1
    conv_init = _initializer(CONV_KERNEL_INITIALIZER)
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=conv_init,
                          name=f"{name}expand_conv")(inputs)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                             name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               depthwise_initializer=conv_init, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)

    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = layers.Conv2D(filters_se, 1, padding="same", activation=activation, kernel_initializer=conv_init,
                           name=f"{name}se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=conv_init,
                           name=f"{name}se_expand")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")

    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=conv_init,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


_DOC = """Instantiate the {title} architecture (default input {size}x{size}).

    Args:
        include_top: keep the ImageNet classifier (``avg_pool``, ``top_dropout``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name (also the ImageNet file's name).

    Inputs: float pixels in ``[0, 255]`` (rescaling and normalization are inside the model).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(64, 64, 3))
    """

# (width, depth, resolution, dropout) per variant, as in the paper and Keras.
_VARIANTS = {
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5),
}


def _variant(key, name, include_top, weights, input_tensor, input_shape, pooling, classes,
             classifier_activation):
    w, d, size, dropout = _VARIANTS[key]
    return EfficientNet(w, d, size, dropout, name=name, include_top=include_top, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=key)


def EfficientNetB0(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb0"):
    return _variant("b0", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB1(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb1"):
    return _variant("b1", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb2"):
    return _variant("b2", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb3"):
    return _variant("b3", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB4(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb4"):
    return _variant("b4", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB5(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb5"):
    return _variant("b5", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB6(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb6"):
    return _variant("b6", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def EfficientNetB7(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb7"):
    return _variant("b7", name, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


for _fn, _key in ((EfficientNetB0, "b0"), (EfficientNetB1, "b1"), (EfficientNetB2, "b2"), (EfficientNetB3, "b3"),
                  (EfficientNetB4, "b4"), (EfficientNetB5, "b5"), (EfficientNetB6, "b6"), (EfficientNetB7, "b7")):
    _fn.__doc__ = _DOC.format(title=_fn.__name__, size=_VARIANTS[_key][2])
del _fn, _key


def preprocess_input(x, data_format=None):
    """A pass-through (EfficientNet models rescale and normalize inside): returns ``x`` unchanged.

    Args:
        x: Images with values in ``[0, 255]``, as the models expect them.
        data_format: Unused; accepted for compatibility with the other applications.

    Returns:
        ``x``, unchanged.
    """
    return x


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
