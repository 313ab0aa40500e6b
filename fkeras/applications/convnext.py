"""``keras.applications.convnext``: ConvNeXt Tiny/Small/Base/Large/XLarge (Liu et al., 2022).

A 4x4 patchify stem, four stages of ConvNeXt blocks (7x7 depthwise conv, LayerNorm, an MLP of two
``Dense`` layers, a learned per-channel ``LayerScale``, a residual add) and 2x2 downsampling between
stages. The stem and the downsampling blocks are nested ``Sequential`` models, as in Keras, so the
published ImageNet ``.h5`` files load. Input normalization is part of the model (a
``Normalization`` layer with the ImageNet statistics, for ``[0, 255]`` pixels), so
``preprocess_input`` is a pass-through.

``LayerScale`` and ``StochasticDepth`` are defined here, as in Keras. Like Keras, a block adds its
residual with the ``+`` operator: a graph node (Keras's ``Add`` operation) that saves as Keras saves
it. Unlike Keras, fkeras lists those nodes in ``model.layers``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.applications import _common, imagenet_utils
from fkeras.engine.layer import Layer

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}

MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


def _uid(prefix):
    """1, 2, 3, ... per ``prefix`` in this session (Keras's ``backend.get_uid``), for unnamed blocks."""
    from fkeras.utils import naming

    name = naming.uniquify(f"applications_convnext_{prefix}")
    return 1 if not name[-1].isdigit() else int(name.rsplit("_", 1)[1]) + 1


class StochasticDepth(Layer):
    """Drop the whole residual branch of a sample with probability ``drop_path_rate`` during training.

    Kept samples are scaled by ``1 / (1 - drop_path_rate)``; at inference the layer is the identity.
    The per-sample draw uses the layer's step key (``make_rng``), like ``Dropout``.

    Args:
        drop_path_rate: probability of dropping a sample's branch, in ``[0, 1)``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Example:
        y = StochasticDepth(0.1)(branch, training=True)   # each sample: 0 or branch / 0.9
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        if isinstance(drop_path_rate, bool) or not isinstance(drop_path_rate, (int, float)) \
                or not 0 <= drop_path_rate < 1:
            raise ValueError("StochasticDepth: `drop_path_rate` must be a number in [0, 1); received "
                             f"drop_path_rate={drop_path_rate!r}.")
        self.drop_path_rate = drop_path_rate
        self.built = True

    def call(self, x, training=False):
        if not training or self.drop_path_rate == 0:
            return x
        keep_prob = 1.0 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        keep = jnp.floor(keep_prob + jax.random.uniform(self.make_rng(), shape, dtype=x.dtype))
        return x / keep_prob * keep

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiply the last axis by a learned vector ``gamma`` (``projection_dim`` values, all ``init_values``
    at first).

    Args:
        init_values: initial value of every entry of ``gamma``.
        projection_dim: size of the last axis of the inputs.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Example:
        y = LayerScale(1e-6, 96)(x)   # x of shape (..., 96)
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        if isinstance(projection_dim, bool) or not isinstance(projection_dim, (int, np.integer)) \
                or projection_dim < 1:
            raise ValueError("LayerScale: `projection_dim` must be a positive integer; received "
                             f"projection_dim={projection_dim!r}.")
        self.init_values = init_values
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        from fkeras import initializers

        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(f"LayerScale {self.name!r}: the last axis of the inputs must have projection_dim="
                             f"{self.projection_dim} entries; received input shape {tuple(input_shape)}.")
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)
        self.built = True

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """A ConvNeXt block as a function ``x -> x + branch(x)``.

    Args:
        projection_dim: channels of the block's input and output.
        drop_path_rate: stochastic-depth rate of the branch (0: an identity ``Activation`` instead).
        layer_scale_init_value: initial ``LayerScale`` value, or ``None`` for no ``LayerScale``.
        name: prefix of the layer names.

    Returns:
        A function applying the block to a tensor.
    """
    from fkeras import layers

    if name is None:
        name = f"prestem{_uid('prestem')}"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            branch = layers.Activation("linear", name=f"{name}_identity")
        return inputs + branch(x)

    return apply


def PreStem(name=None):
    """The input normalization (ImageNet mean/variance of ``[0, 255]`` pixels) as a function of a tensor.

    Args:
        name: prefix: the layer is ``{name}_prestem_normalization``.

    Returns:
        A function applying the normalization to a tensor.
    """
    from fkeras import layers

    if name is None:
        name = f"prestem{_uid('prestem')}"

    def apply(x):
        return layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                    variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                                    name=f"{name}_prestem_normalization")(x)

    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """The classifier (global average pooling, LayerNorm, ``Dense``) as a function of a tensor.

    Args:
        num_classes: classifier size.
        classifier_activation: activation of the ``Dense`` layer.
        name: prefix: ``{name}_head_gap``, ``{name}_head_layernorm``, ``{name}_head_dense``.

    Returns:
        A function applying the head to a tensor.
    """
    from fkeras import layers

    if name is None:
        name = str(_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """The ConvNeXt builder.

    Args:
        depths: blocks per stage (4 values).
        projection_dims: channels per stage (4 values).
        drop_path_rate: stochastic-depth rate of the last block (rates grow linearly from 0 over blocks).
        layer_scale_init_value: initial ``LayerScale`` value (``None``: no ``LayerScale``).
        default_size: the ImageNet input resolution.
        weights_name: ``"convnext_tiny"`` ... ``"convnext_xlarge"`` for ``weights="imagenet"``; the
            architecture must then be that variant's.
        Other arguments as in ``ConvNeXtTiny``.

    Returns:
        A Functional model.
    """
    from fkeras import layers
    from fkeras.models import Sequential

    _common.require_channels_last("ConvNeXt")
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    depths, projection_dims = [int(d) for d in depths], [int(d) for d in projection_dims]
    if len(depths) != 4 or len(projection_dims) != 4 or min(depths) < 1 or min(projection_dims) < 1:
        raise ValueError("`depths` and `projection_dims` must each hold 4 positive integers; received "
                         f"depths={depths}, projection_dims={projection_dims}.")
    if not 0 <= float(drop_path_rate) < 1:
        raise ValueError(f"`drop_path_rate` must be in [0, 1); received drop_path_rate={drop_path_rate!r}.")
    if weights == "imagenet":
        if weights_name not in WEIGHTS_HASHES:
            raise ValueError(f"No ImageNet weights are published for weights_name={weights_name!r}; known: "
                             f"{sorted(WEIGHTS_HASHES)}.")
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
            raise ValueError(f"Architecture configuration does not match the {weights_name} variant: pretrained "
                             f"weights need depths={expected['depths']} and projection_dims="
                             f"{expected['projection_dims']}; received depths={depths}, "
                             f"projection_dims={projection_dims}.")
    input_shape = _common.input_shape_for(input_shape, input_tensor, default_size, 32, include_top, weights)
    # Keras derives the file name from the model name (so a custom name breaks its download); the
    # variant names the file here.
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    top, notop = f"{weights_name}.h5", f"{weights_name}_notop.h5"
    weights_path = imagenet_utils.resolve_weights(weights, include_top, top, notop, BASE_WEIGHTS_PATH + top,
                                                  BASE_WEIGHTS_PATH + notop, hash_top, hash_notop)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)

    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    downsample_layers = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")]
    for i in range(3):
        downsample_layers.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]

    if include_top:
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    return _common.build_model(input_tensor, img_input, x, name, weights_path)


_DOC = """Instantiate the {title} architecture ({params} parameters at 224x224 with the top).

    Args:
        include_top: keep the classifier (``{name}_head_gap``, ``_head_layernorm``, ``_head_dense``).
        include_preprocessing: start with a ``Normalization`` layer holding the ImageNet statistics
            (feed ``[0, 255]`` pixels); without it, feed normalized inputs.
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"`` (a final
            LayerNormalization follows in every case, as in Keras).
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of the classifier (``None`` for logits).
        name: model name (also the prefix of every layer name).

    Returns:
        A Functional model (``channels_last`` only, as in Keras).

    Example:
        model = keras.applications.{title}(weights=None, include_top=False, input_shape=(32, 32, 3))
    """


def _variant(size, title, params):
    def builder(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=f"convnext_{size}"):
        config = MODEL_CONFIGS[size]
        return ConvNeXt(weights_name=f"convnext_{size}", depths=config["depths"],
                        projection_dims=config["projection_dims"], drop_path_rate=0.0, layer_scale_init_value=1e-6,
                        default_size=config["default_size"], name=name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)

    builder.__name__ = builder.__qualname__ = title
    builder.__doc__ = _DOC.format(title=title, params=params, name=f"convnext_{size}")
    return builder


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny", "28,589,128")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall", "50,223,688")
ConvNeXtBase = _variant("base", "ConvNeXtBase", "88,591,464")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge", "197,767,336")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge", "350,196,968")


def preprocess_input(x, data_format=None):
    """A pass-through: ConvNeXt models normalize their inputs themselves (``include_preprocessing=True``).

    Args:
        x: images with values in ``[0, 255]``.
        data_format: unused, kept for API compatibility.

    Returns:
        ``x`` unchanged.
    """
    return x


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
