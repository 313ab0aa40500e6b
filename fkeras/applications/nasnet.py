"""``keras.applications.nasnet``: NASNetMobile and NASNetLarge (Zoph et al., 2018), NASNet-A cells.

Normal and reduction cells found by architecture search: separable-convolution and pooling branches
on the current input ``ip`` and the previous cell's output ``p`` (resized by ``_adjust_block`` when
the two differ). Layer names (``stem_conv1``, ``normal_conv_1_0``, ``separable_conv_1_normal_left1_0``,
``reduction_concat_stem_1``, ``predictions``) and weight files are Keras's. ``channels_last`` only.
"""
from __future__ import annotations

from fkeras.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5"
# default size -> (file, url, hash) with the top, then without it
_WEIGHTS = {
    224: (("nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH, "020fb642bf7360b370c678b08e0adf61"),
          ("nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP, "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: (("nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH, "11577c9a518f0070763c2b964a382f17"),
          ("nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP, "d81d89dc07e6e56530c4e77faddd61b5")),
}
_BN = {"momentum": 0.9997, "epsilon": 1e-3}


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
           filter_multiplier=2, include_top=True, weights="imagenet", input_tensor=None, pooling=None, classes=1000,
           default_size=None, classifier_activation="softmax", name="NASNet"):
    """The NASNet-A builder.

    Args:
        input_shape: ``(rows, cols, 3)`` (at least 32x32).
        penultimate_filters: channels before the classifier; a multiple of ``24 * filter_multiplier ** 2``.
        num_blocks: normal cells between reductions.
        stem_block_filters: channels of the stem convolution.
        skip_reduction: feed the cell before a reduction (not the reduction's input) to the next cell.
        filter_multiplier: channel growth at each reduction.
        default_size: the ImageNet input resolution (224: mobile weights, 331: large weights).
        Other arguments as in ``NASNetLarge``.

    Returns:
        A Functional model.
    """
    from fkeras import layers

    _common.require_channels_last("NASNet")
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
                         f"input_shape argument must be static (no None entries). Got: `input_shape={input_shape}`.")
    if default_size is None:
        default_size = 331
    if weights == "imagenet" and default_size not in _WEIGHTS:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile (default_size 331 "
                         f"or 224); received default_size={default_size}.")
    if penultimate_filters % (24 * filter_multiplier**2) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
                         f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}")
    input_shape = _common.input_shape_for(input_shape, input_tensor, default_size, 32, include_top, weights)
    (top, top_url, top_hash), (notop, notop_url, notop_hash) = _WEIGHTS.get(default_size, ((None,) * 3,) * 2)
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, top_url, notop_url, top_hash,
                                                  notop_hash)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)

    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False, name="stem_conv1",
                      kernel_initializer="he_normal")(img_input)
    x = layers.BatchNormalization(axis=-1, name="stem_bn1", **_BN)(x)

    p = None
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier**2, block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters, block_id=f"{i}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier, block_id=f"reduce_{num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier, block_id=f"{num_blocks + i + 1}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier**2, block_id=f"reduce_{2 * num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier**2, block_id=f"{2 * num_blocks + i + 1}")
    x = layers.Activation("relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


_DOC = """Instantiate the {title} architecture ({params} parameters at {size}x{size} with the top).

    Args:
        input_shape: ``(rows, cols, 3)``, at least 32x32 ({size}x{size} by default; with the top and
            ImageNet weights it must be that).
        include_top: keep the classifier (global average pooling + ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Returns:
        A Functional model (``channels_last`` only, as in Keras).

    Inputs: call ``keras.applications.nasnet.preprocess_input`` (tf mode: pixels to ``[-1, 1]``).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(32, 32, 3))
    """


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                 classes=1000, classifier_activation="softmax", name="nasnet_mobile"):
    if not include_top and input_shape is None and input_tensor is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224, classifier_activation=classifier_activation,
                  name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="nasnet_large"):
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331, classifier_activation=classifier_activation,
                  name=name)


NASNetMobile.__doc__ = _DOC.format(title="NASNetMobile", params="5,326,716", size=224)
NASNetLarge.__doc__ = _DOC.format(title="NASNetLarge", params="88,949,818", size=331)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """ReLU -> separable conv (strided, TF-'same' padded when ``strides`` is 2) -> BN -> ReLU -> separable
    conv -> BN."""
    from fkeras import layers

    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
                               padding=conv_pad, use_bias=False)(x)
    x = layers.BatchNormalization(axis=-1, name=f"separable_conv_1_bn_{block_id}", **_BN)(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same",
                               use_bias=False)(x)
    return layers.BatchNormalization(axis=-1, name=f"separable_conv_2_bn_{block_id}", **_BN)(x)


def _adjust_block(p, ip, filters, block_id=None):
    """Make the previous cell's output ``p`` match ``ip``: halve its resolution (two offset strided paths,
    concatenated) or project its channels to ``filters``."""
    from fkeras import layers

    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_1_{block_id}",
                           kernel_initializer="he_normal")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_2_{block_id}",
                           kernel_initializer="he_normal")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        p = layers.BatchNormalization(axis=-1, name=f"adjust_bn_{block_id}", **_BN)(p)
    elif p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"adjust_conv_projection_{block_id}",
                          use_bias=False, kernel_initializer="he_normal")(p)
        p = layers.BatchNormalization(axis=-1, name=f"adjust_bn_{block_id}", **_BN)(p)
    return p


def _cell_input(ip, filters, kind, block_id):
    from fkeras import layers

    h = layers.Activation("relu")(ip)
    h = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"{kind}_conv_1_{block_id}",
                      use_bias=False, kernel_initializer="he_normal")(h)
    return layers.BatchNormalization(axis=-1, name=f"{kind}_bn_1_{block_id}", **_BN)(h)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A normal cell (resolution kept); returns ``(output, ip)``."""
    from fkeras import layers

    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "normal", block_id)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left4_{block_id}")(p)
    x4_2 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_right4_{block_id}")(p)
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A reduction cell (resolution halved); returns ``(output, ip)``."""
    from fkeras import layers

    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left3_{block_id}")(h3)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


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
