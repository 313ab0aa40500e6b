"""Random colour and pixel augmentations: Keras 3's ``RandomHue``, ``RandomSaturation``, ``Solarization``, ...

They follow the conventions of ``augmentation.py``: the layers act only with ``training=True``
(the default when called directly), draw one key per call from ``self.make_rng()`` (with ``seed``
folded in), and every image of a batch gets its own random factor unless a docstring says otherwise.
Inputs are cast to the layer's compute dtype. ``value_range`` is the ``(low, high)`` range the
pixels live in (``(0, 255)`` or ``(0, 1)`` typically); layers that work on a fixed scale map it to
that scale and back.

Each layer exposes ``get_random_transformation(images, key)`` and ``transform_images(images, t)``
on a batch, so the policy layers (``RandomColorJitter``, ``AugMix``, ``RandAugment``) can draw and
apply them inside one jitted program.

Where Keras's code and its docstrings disagree, these layers keep Keras's argument parsing (so
configs move both ways) and state the actual sampling ranges in their own docstrings; the two places
where Keras's arithmetic contradicts its own docstring (``RandomSaturation``'s clip and
``Solarization``'s lower bounds) follow the docstring, and say so.
"""
from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.layers.preprocessing.augmentation import RandomBrightness, RandomContrast, _factor_pair, _RandomImageLayer
from fkeras.ops import image as image_ops, nn as nn_ops

__all__ = [
    "RandomColorDegeneration", "RandomColorJitter", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
    "RandomInvert", "RandomPosterization", "RandomSaturation", "RandomSharpness", "Solarization",
]


# --- shared helpers ------------------------------------------------------------------------------

def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def check_value_range(value_range, layer, sort=True):
    """``value_range`` as a sorted list (Keras sorts it for most layers) or as given, validated."""
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(_is_number(v) for v in value_range)):
        raise ValueError(
            f"{layer}: the `value_range` argument should be a list of two numbers, e.g. (0, 255). "
            f"Received: value_range={value_range!r}"
        )
    return sorted(value_range) if sort else value_range


def rescale(images, source, target):
    """Map pixel values linearly from range ``source`` to range ``target`` (no-op when equal)."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    dtype = images.dtype
    unit = (images - jnp.asarray(source[0], dtype)) / jnp.asarray(source[1] - source[0], dtype)
    return unit * jnp.asarray(target[1] - target[0], dtype) + jnp.asarray(target[0], dtype)


def per_image(values, images):
    """Reshape a ``(batch,)`` vector so it broadcasts against a batch of images."""
    return jnp.reshape(values, (-1,) + (1,) * (images.ndim - 1)).astype(images.dtype)


def channel_axis(ndim, data_format):
    return ndim - 1 if data_format == "channels_last" else ndim - 3


def _uniform(key, images, bounds):
    return jax.random.uniform(key, (images.shape[0],), minval=bounds[0], maxval=bounds[1])


class PixelLayer(_RandomImageLayer):
    """Base for the colour layers: ``call`` casts, batches and applies the jitted augmentation.

    Besides an image batch (or one image) it takes Keras 3's dict form ``{"images": ..., "labels":
    ..., "bounding_boxes": ..., "segmentation_masks": ...}``: only the images change; the other
    entries pass through, since a colour change moves no pixel. ``bounding_box_format`` is accepted
    (and kept in the config) as Keras's image layers accept it.
    """

    def __init__(self, seed=None, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if bounding_box_format is not None:
            from fkeras.layers.preprocessing.bounding_boxes import check_format  # late: sibling module

            bounding_box_format = check_format(bounding_box_format, type(self).__name__)
        self.bounding_box_format = bounding_box_format

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            if "images" not in inputs:
                raise ValueError(f"{type(self).__name__}: a dict input needs an 'images' key. "
                                 f"Received keys: {sorted(inputs)}")
            out = dict(inputs)
            out["images"] = self._call_images(inputs["images"], training)
            return out
        return self._call_images(inputs, training)

    def _call_images(self, images, training):
        return _RandomImageLayer.call(self, images, training=training)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return dict(input_shape)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            out = dict(inputs)
            out["images"] = super().compute_output_spec(inputs["images"])
            return out
        return super().compute_output_spec(inputs, *args, **kwargs)

    def _config(self, **items):
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        config.update(items)
        return config


# --- colour --------------------------------------------------------------------------------------

class RandomColorDegeneration(PixelLayer):
    """Blends each image towards its grayscale version by a random amount.

    The output is ``x + f * (gray(x) - x)``, clipped to ``value_range``: ``f = 0`` keeps the image,
    ``f = 1`` makes it gray, negative ``f`` pushes colours away from gray (more saturated).

    Args:
        factor: a number ``f`` in ``[-1, 1]`` (``f`` drawn uniformly in ``[-|f|, |f|]``, as Keras's code
            does) or a pair ``(lower, upper)``; ``(0.5, 0.5)`` gives a fixed blend.
        value_range: ``(low, high)`` range of the pixel values; outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Returns:
        Images of the input shape (RGB, 3 channels) in the compute dtype.

    Example:
        aug = keras.layers.RandomColorDegeneration((0.2, 0.8))
        aug(images)   # training mode when called directly
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomColorDegeneration")
        self.value_range = check_value_range(value_range, "RandomColorDegeneration")

    def get_random_transformation(self, images, key):
        return {"factor": _uniform(key, images, self.factor)}

    def transform_images(self, images, t):
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        out = images + per_image(t["factor"], images) * (gray - images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomGrayscale(PixelLayer):
    """Turns each image to grayscale with probability ``factor`` (keeping its channel count).

    Args:
        factor: probability in ``[0, 1]`` that an image is converted; defaults to 0.5.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape; converted images hold the luma ``0.2989 R + 0.5870 G + 0.1140 B``
        in every channel.

    Example:
        aug = keras.layers.RandomGrayscale(factor=0.2)
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(
                f"RandomGrayscale: `factor` should be a number between 0 and 1. Received: factor={factor!r}")
        self.factor = factor

    def get_random_transformation(self, images, key):
        return {"apply": jax.random.uniform(key, (images.shape[0],)) < self.factor}

    def transform_images(self, images, t):
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return jnp.where(per_image(t["apply"], images).astype(bool), gray, images)

    def get_config(self):
        # Keras leaves `seed` out of this layer's config; keeping it makes the round trip exact.
        return self._config(factor=self.factor, seed=self.seed)


class RandomHue(PixelLayer):
    """Rotates each image's hue by a random amount.

    The image is mapped to ``[0, 1]``, converted to HSV, its hue shifted by ``±f / 2`` of a full
    turn (the sign drawn with probability 1/2), converted back, clipped and mapped back to
    ``value_range``.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``f`` drawn in ``[0, f]``) or a pair ``(lower, upper)``
            in ``[0, 1]``. ``1.0`` allows shifts of up to half a turn.
        value_range: ``(low, high)`` range of the pixel values.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        RGB images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomHue(0.2, value_range=(0, 1))
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomHue", low=0.0)
        self.value_range = check_value_range(value_range, "RandomHue", sort=False)

    def get_random_transformation(self, images, key):
        ks, kf = jax.random.split(key)
        sign = jnp.where(jax.random.uniform(ks, (images.shape[0],)) > 0.5, -1.0, 1.0)
        return {"factor": sign * _uniform(kf, images, self.factor) * 0.5}

    def transform_images(self, images, t):
        x = rescale(images, self.value_range, (0, 1))
        hsv = image_ops.rgb_to_hsv(x, data_format=self.data_format)
        axis = channel_axis(images.ndim, self.data_format)
        h, s, v = (jnp.take(hsv, i, axis=axis) for i in range(3))
        h = h + jnp.reshape(t["factor"], (-1, 1, 1)).astype(h.dtype)
        h = jnp.where(h > 1.0, h - 1.0, jnp.where(h < 0.0, h + 1.0, h))
        rgb = image_ops.hsv_to_rgb(jnp.stack([h, s, v], axis=axis), data_format=self.data_format)
        return rescale(jnp.clip(rgb, 0.0, 1.0), (0, 1), self.value_range)

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomSaturation(PixelLayer):
    """Scales each image's HSV saturation by a random multiplier.

    A draw ``u`` from the factor range becomes the multiplier ``u / (1 - u)``: ``u = 0.5`` keeps the
    image, ``u <= 0`` makes it gray, ``u -> 1`` saturates it fully. The new saturation is clipped to
    ``[0, 1]``. (Keras clips it to ``value_range`` instead, which for ``(0, 255)`` lets it exceed 1
    and produces negative pixels; for ``value_range=(0, 1)`` the two agree.)

    Args:
        factor: a number ``f`` in ``[-1, 1]`` (``u`` drawn in ``[-|f|, |f|]``, as Keras's code does) or a
            pair ``(lower, upper)``; ``(0.5, 0.5)`` is a no-op, ``(0.0, 0.0)`` grayscale.
        value_range: ``(low, high)`` range of the pixel values (the HSV mapping is scale-free).
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        RGB images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomSaturation((0.3, 0.7))
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomSaturation")
        self.value_range = check_value_range(value_range, "RandomSaturation")

    def get_random_transformation(self, images, key):
        u = _uniform(key, images, self.factor)
        return {"factor": u / (1.0 - u + backend_config.epsilon())}

    def transform_images(self, images, t):
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = channel_axis(images.ndim, self.data_format)
        h, s, v = (jnp.take(hsv, i, axis=axis) for i in range(3))
        s = jnp.clip(s * jnp.reshape(t["factor"], (-1, 1, 1)).astype(s.dtype), 0.0, 1.0)
        return image_ops.hsv_to_rgb(jnp.stack([h, s, v], axis=axis), data_format=self.data_format)

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomColorJitter(PixelLayer):
    """Random brightness, contrast, saturation and hue changes, applied in that order.

    Each stage is the matching layer (``RandomBrightness``, ``RandomContrast``, ``RandomSaturation``,
    ``RandomHue``) with the given factor and ``value_range``; a stage whose factor is ``None`` is
    skipped. Every image gets its own draws.

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        brightness_factor: ``RandomBrightness`` factor, or ``None``.
        contrast_factor: ``RandomContrast`` factor, or ``None``.
        saturation_factor: ``RandomSaturation`` factor, or ``None``.
        hue_factor: ``RandomHue`` factor, or ``None``.
        seed: optional integer folded into the layer's random key.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomColorJitter(value_range=(0, 1), brightness_factor=0.2, hue_factor=0.1)
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range(value_range, "RandomColorJitter", sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        common = {"value_range": self.value_range, "seed": seed, "data_format": self.data_format}
        stages = [("random_brightness", RandomBrightness, brightness_factor),
                  ("random_contrast", RandomContrast, contrast_factor),
                  ("random_saturation", RandomSaturation, saturation_factor),
                  ("random_hue", RandomHue, hue_factor)]
        self._stages = []
        for attr, cls, factor in stages:
            layer = None if factor is None else cls(factor=factor, **common)
            setattr(self, attr, layer)
            if layer is not None:
                self._stages.append(attr)

    def get_random_transformation(self, images, key):
        return {attr: getattr(self, attr).get_random_transformation(images, jax.random.fold_in(key, i))
                for i, attr in enumerate(self._stages)}

    def transform_images(self, images, t):
        for attr in self._stages:
            images = getattr(self, attr).transform_images(images, t[attr]).astype(images.dtype)
        return images

    def get_config(self):
        return self._config(value_range=self.value_range, brightness_factor=self.brightness_factor,
                            contrast_factor=self.contrast_factor, saturation_factor=self.saturation_factor,
                            hue_factor=self.hue_factor, seed=self.seed)


# --- pixel operations ----------------------------------------------------------------------------

class RandomSharpness(PixelLayer):
    """Sharpens or blurs each image by a random amount.

    With ``s`` the image smoothed by the 3x3 kernel ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` (zero
    padding), the output is ``x + (1 - 2f) * (s - x)`` clipped to ``value_range``: ``f = 0`` gives the
    smoothed image, ``f = 0.5`` the original, ``f = 1`` a sharpened one.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``f`` drawn in ``[0, f]``) or a pair ``(lower, upper)``.
        value_range: ``(low, high)`` range of the pixel values; outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomSharpness((0.5, 1.0))
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomSharpness", low=0.0)
        self.value_range = check_value_range(value_range, "RandomSharpness")

    def get_random_transformation(self, images, key):
        return {"factor": _uniform(key, images, self.factor)}

    def transform_images(self, images, t):
        channels = images.shape[channel_axis(images.ndim, self.data_format)]
        kernel = jnp.full((3, 3), 1.0 / 13.0, images.dtype).at[1, 1].set(5.0 / 13.0)
        kernel = jnp.broadcast_to(kernel[:, :, None, None], (3, 3, channels, 1))
        smoothed = nn_ops.depthwise_conv(images, kernel, 1, "same", data_format=self.data_format)
        out = images + (1.0 - 2.0 * per_image(t["factor"], images)) * (smoothed.astype(images.dtype) - images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomInvert(PixelLayer):
    """Inverts each image (``high - x``, with ``high = value_range[1]``) with a random probability.

    For each image a probability ``p`` is drawn from the factor range and the image is inverted when
    a second uniform draw falls below ``p``; the default ``factor=1.0`` inverts half the images.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``p`` drawn in ``[0, f]``) or a pair ``(lower, upper)``;
            ``(1.0, 1.0)`` inverts every image.
        value_range: ``(low, high)`` range of the pixel values.
        seed: optional integer folded into the layer's random key.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomInvert(factor=0.5, value_range=(0, 1))
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomInvert", low=0.0)
        self.value_range = check_value_range(value_range, "RandomInvert", sort=False)

    def get_random_transformation(self, images, key):
        kp, kt = jax.random.split(key)
        p = _uniform(kp, images, self.factor)
        return {"apply_inversion": jax.random.uniform(kt, (images.shape[0],)) < p}

    def transform_images(self, images, t):
        flags = per_image(t["apply_inversion"], images).astype(bool)
        return jnp.where(flags, jnp.asarray(self.value_range[1], images.dtype) - images, images)

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomPosterization(PixelLayer):
    """Keeps only the top ``b`` bits of each 8-bit colour value, ``b`` drawn per image.

    Pixels are mapped to ``[0, 255]``, truncated to ``uint8``, their ``8 - b`` low bits cleared, and
    mapped back to ``value_range``.

    Args:
        factor: an int ``f`` in ``[1, 8]`` or a pair ``(lower, upper)``. As in Keras, a single ``f``
            means the range ``(1, f)`` and ``b`` is drawn from ``lower, ..., upper - 1`` (the upper
            bound excluded) unless ``lower == upper``, which fixes ``b``.
        value_range: ``(low, high)`` range of the pixel values.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomPosterization((4, 4))   # always 4 bits
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        values = factor if isinstance(factor, (tuple, list)) else [factor]
        if not all(_is_number(v) and float(v).is_integer() for v in values):
            raise ValueError(
                "RandomPosterization: the `factor` argument should be an integer (or a list of two "
                f"integers) in the range [1, 8]. Received: factor={factor!r}")
        lower, upper = _factor_pair(factor, "factor", "RandomPosterization", low=1, high=8)
        self.factor = (int(lower), int(upper))
        self.value_range = check_value_range(value_range, "RandomPosterization")

    def get_random_transformation(self, images, key):
        b = images.shape[0]
        lower, upper = self.factor
        if lower != upper:
            bits = jax.random.randint(key, (b,), lower, upper)
        else:
            bits = jnp.full((b,), lower, jnp.int32)
        return {"shift_factor": (8 - bits).astype(jnp.uint8)}

    def transform_images(self, images, t):
        x = rescale(images, self.value_range, (0, 255))
        x = jnp.clip(x, 0, 255).astype(jnp.uint8)
        shift = jnp.reshape(t["shift_factor"], (-1,) + (1,) * (images.ndim - 1)).astype(jnp.uint8)
        x = jnp.left_shift(jnp.right_shift(x, shift), shift).astype(images.dtype)
        return rescale(x, (0, 255), self.value_range)

    def get_config(self):
        return self._config(factor=self.factor, value_range=self.value_range, seed=self.seed)


def _solarization_factor(factor, name):
    def bad():
        return ValueError(
            f"Solarization: the `{name}` argument should be a number (or a list of two numbers) in the "
            f"range [0, 1]. Received: {name}={factor!r}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(v) and 0 <= v <= 1 for v in factor):
            raise bad()
        return tuple(sorted(factor))
    if not _is_number(factor) or not 0 <= factor <= 1:
        raise bad()
    return (0, factor)


class Solarization(PixelLayer):
    """Adds a random offset to each image, then inverts the pixels at or above a random threshold.

    In the ``[0, 255]`` scale: ``y = clip(x + a, 0, 255)``; the output is ``y`` where ``y < t`` and
    ``255 - y`` elsewhere, mapped back to ``value_range``. ``a`` and ``t`` are drawn per image.

    Args:
        addition_factor: a number ``f`` in ``[0, 1]`` (meaning ``(0, f)``) or a pair; ``a`` is drawn in
            ``[lower * 255, upper * 255]``. (Keras's code leaves ``lower`` unscaled, contrary to its
            docstring; with the default or a single number the two agree.)
        threshold_factor: same form; ``t`` drawn in ``[lower * 255, upper * 255]``. The default ``0``
            inverts every pixel.
        value_range: ``(low, high)`` range of the pixel values.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments, including ``data_format``.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.Solarization(threshold_factor=(0.5, 0.5), value_range=(0, 1))
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = check_value_range(value_range, "Solarization")

    def get_random_transformation(self, images, key):
        ka, kt = jax.random.split(key)
        scaled = lambda f: (f[0] * 255.0, f[1] * 255.0)  # noqa: E731
        return {"additions": _uniform(ka, images, scaled(self.addition_factor)),
                "thresholds": _uniform(kt, images, scaled(self.threshold_factor))}

    def transform_images(self, images, t):
        x = rescale(images, self.value_range, (0, 255))
        y = jnp.clip(x + per_image(t["additions"], x), 0, 255)
        y = jnp.where(y < per_image(t["thresholds"], x), y, 255 - y)
        return rescale(y, (0, 255), self.value_range)

    def get_config(self):
        return self._config(value_range=self.value_range, addition_factor=self.addition_factor,
                            threshold_factor=self.threshold_factor, seed=self.seed)


def _kernel_size(value):
    def bad():
        return ValueError(
            "RandomGaussianBlur: `kernel_size` should be an odd positive integer or a list of two. "
            f"Received: kernel_size={value!r}")

    values = list(value) if isinstance(value, (tuple, list)) else [value, value]
    if len(values) != 2 or not all(_is_number(v) and float(v).is_integer() and v > 0 and v % 2 == 1
                                   for v in values):
        raise bad()
    return int(values[0]), int(values[1])


class RandomGaussianBlur(PixelLayer):
    """Blurs each image with a Gaussian kernel with a random probability.

    For each image a probability ``p`` is drawn from the factor range and the image is blurred when
    a second uniform draw falls below ``p``. As in Keras, one ``sigma`` pair (plus ``1e-6``) is drawn
    per call and shared by the batch. Outputs are clipped to ``value_range``.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``p`` drawn in ``[0, f]``) or a pair ``(lower, upper)``.
        kernel_size: an odd int or a pair of odd ints ``(height, width)``; defaults to 3.
        sigma: a number ``s`` in ``[0, 1]`` (sigmas drawn in ``[0, s]``) or a pair ``(lower, upper)``.
        value_range: ``(low, high)`` range of the pixel values.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        seed: optional integer folded into the layer's random key.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        aug = keras.layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=5, sigma=(0.5, 1.0))
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomGaussianBlur", low=0.0)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = _factor_pair(sigma, "sigma", "RandomGaussianBlur", low=0.0)
        self.value_range = check_value_range(value_range, "RandomGaussianBlur", sort=False)

    def get_random_transformation(self, images, key):
        kp, kt, ks = jax.random.split(key, 3)
        p = _uniform(kp, images, self.factor)
        sigma = jax.random.uniform(ks, (2,), minval=self.sigma[0], maxval=self.sigma[1]) + 1e-6
        return {"should_apply_blur": jax.random.uniform(kt, (images.shape[0],)) < p, "blur_factor": sigma}

    def transform_images(self, images, t):
        sigma = t["blur_factor"].astype(images.dtype)
        blurred = image_ops.gaussian_blur(images, kernel_size=self.kernel_size, sigma=(sigma[0], sigma[1]),
                                          data_format=self.data_format)
        out = jnp.where(per_image(t["should_apply_blur"], images).astype(bool), blurred, images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return self._config(factor=self.factor, kernel_size=self.kernel_size, sigma=self.sigma,
                            value_range=self.value_range, seed=self.seed)
