"""Random image augmentation layers: active only with ``training=True``, jittable.

Each call draws from ``self.make_rng()`` — a fresh key per training step (folded from the
step key by layer position) and per call — and every image in the batch gets its own draw.
``seed`` (when given) is folded into that key, as ``Dropout`` does. Called directly (outside a
model) the layers augment, as in Keras 3 (``training`` defaults to ``True``); inside
``predict``/``evaluate`` and ``layer.apply(..., training=False)`` they return the input unchanged.

Geometric layers build one affine map per image and sample it with
``jax.scipy.ndimage.map_coordinates`` (the same sampler Keras 3's JAX backend uses), with fill
modes ``reflect`` (d c b a | a b c d | d c b a), ``wrap`` (a b c d | a b c d | a b c d),
``constant`` (k k k k | a b c d | k k k k) and ``nearest`` (a a a a | a b c d | d d d d).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.layers.preprocessing._base import check_choice
from fkeras.layers.preprocessing.image import (
    AFFINE_INTERPOLATIONS,
    FILL_MODES,
    _hw_axes,
    _ImageLayer,
    affine_transform,
    image_output_shape,
    resize,
)


def _factor_pair(factor, name, layer, low=-1.0, high=1.0, low_open=False, symmetric=True):
    """``(lower, upper)`` from a number (``(-|f|, |f|)``) or a pair (sorted), range-checked."""
    def bad():
        lo = "(" if low_open else "["
        return ValueError(
            f"{layer}: the `{name}` argument should be a number (or a list of two numbers) in the "
            f"range {lo}{low}, {high}]. Received: {name}={factor!r}"
        )

    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v > high or v < low or (low_open and v == low):
            raise bad()

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise bad()
        check(factor[0])
        check(factor[1])
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        f = abs(float(factor))
        lower, upper = (max(-f, low), f) if symmetric else (f, f)
    else:
        raise bad()
    return lower, upper


class _RandomImageLayer(_ImageLayer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = backend_config.standardize_data_format(data_format)
        self.built = True

    def _key(self):
        key = self.make_rng()
        if self.seed is not None:
            key = jax.random.fold_in(key, int(self.seed))
        return key

    def call(self, inputs, training=True):
        x = jnp.asarray(inputs)
        self._check_rank(x)
        x = x.astype(self.compute_dtype)
        if not training:
            return x
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        out = self._augment_jit()(x, self._key())
        return out[0] if unbatched else out

    def _augment(self, images, key):
        return self.transform_images(images, self.get_random_transformation(images, key))

    def _augment_jit(self):
        # One compiled program per layer and shape: fast eager calls; inlined inside an outer jit.
        fn = self.__dict__.get("_augment_compiled")
        if fn is None:
            fn = jax.jit(self._augment)
            object.__setattr__(self, "_augment_compiled", fn)
        return fn

    def _hw(self, images):
        ha, wa = _hw_axes(images.ndim, self.data_format)
        return images.shape[ha], images.shape[wa]

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class RandomFlip(_RandomImageLayer):
    """Flips each image horizontally and/or vertically with probability 1/2.

    ``mode``: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (the two flips drawn
    independently per image).

    Args:
        mode: which flips to apply: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
            ``"horizontal_and_vertical"`` (the default; both, drawn independently).
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for an unknown ``mode``.

    Example:
        images = np.random.rand(2, 8, 8, 3).astype("float32")
        aug = keras.layers.RandomFlip("horizontal")
        out = aug(images, training=True)   # each image mirrored left-right with probability 1/2
    """

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_choice(mode, self._MODES, "mode", "RandomFlip")
        self.mode = mode

    def get_random_transformation(self, images, key):
        kh, kv = jax.random.split(key)
        b = images.shape[0]
        return {"horizontal": jax.random.bernoulli(kh, 0.5, (b,)),
                "vertical": jax.random.bernoulli(kv, 0.5, (b,))}

    def transform_images(self, images, t):
        ha, wa = _hw_axes(images.ndim, self.data_format)
        sel = lambda flags: flags.reshape((-1,) + (1,) * (images.ndim - 1))  # noqa: E731
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = jnp.where(sel(t["horizontal"]), jnp.flip(images, axis=wa), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = jnp.where(sel(t["vertical"]), jnp.flip(images, axis=ha), images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config


class _AffineLayer(_RandomImageLayer):
    def _check_fill(self, fill_mode, interpolation):
        name = type(self).__name__
        check_choice(fill_mode, FILL_MODES, "fill_mode", name)
        check_choice(interpolation, tuple(AFFINE_INTERPOLATIONS), "interpolation", name)
        self.fill_mode = fill_mode
        self.interpolation = interpolation

    def transform_images(self, images, t):
        return affine_transform(images, t["transform"], interpolation=self.interpolation,
                                fill_mode=self.fill_mode, fill_value=self.fill_value,
                                data_format=self.data_format)


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle ``factor * 2π`` about its centre.

    ``factor``: a number ``f`` (angles in ``[-f, f]`` of a full turn) or a pair ``(lower, upper)``.
    Positive angles turn counter-clockwise.

    Args:
        factor: a number ``f`` in ``[-1, 1]`` (angle drawn uniformly in ``[-|f|, |f|] * 2π``) or a pair
            ``(lower, upper)`` of fractions of a full turn; e.g. ``0.1`` allows up to 36 degrees either
            way.
        fill_mode: how points outside the image are filled: ``"reflect"`` (the default; mirrored
            about the edge), ``"wrap"`` (tiled), ``"constant"`` (``fill_value``) or ``"nearest"``
            (the edge pixel repeated).
        interpolation: ``"bilinear"`` (the default) or ``"nearest"``.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        fill_value: the value of points outside the image with ``fill_mode="constant"``; defaults
            to 0.0.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for a ``factor`` outside ``[-1, 1]`` or an unknown ``fill_mode``/``interpolation``.

    Example:
        aug = keras.layers.RandomRotation(0.1, fill_mode="constant")   # up to ±36°
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomRotation")
        self._check_fill(fill_mode, interpolation)
        self.fill_value = fill_value

    def get_random_transformation(self, images, key):
        b = images.shape[0]
        h, w = self._hw(images)
        angle = jax.random.uniform(key, (b,), minval=self.factor[0] * 360.0, maxval=self.factor[1] * 360.0)
        theta = angle * (math.pi / 180.0)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        c, s = jnp.cos(theta), jnp.sin(theta)
        z = jnp.zeros_like(c)
        transform = jnp.stack([c, -s, cx - cx * c + cy * s, s, c, cy - cx * s - cy * c, z, z], axis=1)
        return {"angle": angle, "transform": transform}

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width.

    ``height_factor``/``width_factor``: a number ``f`` (shift in ``[-f, f]`` of the size) or a pair
    ``(lower, upper)`` in ``[-1, 1]``; positive values move the content down/right.

    Args:
        height_factor: a number ``f`` in ``[-1, 1]`` (vertical shift drawn in ``[-|f|, |f|]`` times
            the height) or a pair ``(lower, upper)``; e.g. ``(-0.2, 0.3)`` shifts between 20% up and
            30% down.
        width_factor: the same for the horizontal shift, as a fraction of the width.
        fill_mode: how points outside the image are filled: ``"reflect"`` (the default; mirrored
            about the edge), ``"wrap"`` (tiled), ``"constant"`` (``fill_value``) or ``"nearest"``
            (the edge pixel repeated).
        interpolation: ``"bilinear"`` (the default) or ``"nearest"``.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        fill_value: the value of points outside the image with ``fill_mode="constant"``; defaults
            to 0.0.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for factors outside ``[-1, 1]`` or an unknown ``fill_mode``/``interpolation``.

    Example:
        aug = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest")
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_pair(height_factor, "height_factor", "RandomTranslation")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _factor_pair(width_factor, "width_factor", "RandomTranslation")
        self._check_fill(fill_mode, interpolation)
        self.fill_value = fill_value

    def get_random_transformation(self, images, key):
        b = images.shape[0]
        h, w = self._hw(images)
        kh, kw = jax.random.split(key)
        dy = jax.random.uniform(kh, (b,), minval=self.height_lower, maxval=self.height_upper) * h
        dx = jax.random.uniform(kw, (b,), minval=self.width_lower, maxval=self.width_upper) * w
        one, zero = jnp.ones_like(dx), jnp.zeros_like(dx)
        transform = jnp.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)
        return {"translations": jnp.stack([dx, dy], axis=1), "transform": transform}

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value})
        return config


class RandomZoom(_AffineLayer):
    """Zooms each image in or out about its centre by a random factor.

    ``height_factor``: a number ``f`` or pair in ``(-1, 1]``; the vertical scale of the sampled
    region is ``1 + u`` with ``u`` in the range — positive values zoom *out*, negative zoom *in*.
    ``width_factor=None`` keeps the aspect ratio (the same draw for both axes).

    Args:
        height_factor: a number ``f`` (``u`` drawn in ``[-|f|, |f|]``) or a pair ``(lower, upper)``,
            with values in ``(-1, 1]``; e.g. ``(-0.3, -0.2)`` zooms in by 20 to 30%.
        width_factor: the same for the horizontal scale; ``None`` (the default) reuses the vertical
            draw, keeping the aspect ratio.
        fill_mode: how points outside the image are filled: ``"reflect"`` (the default; mirrored
            about the edge), ``"wrap"`` (tiled), ``"constant"`` (``fill_value``) or ``"nearest"``
            (the edge pixel repeated).
        interpolation: ``"bilinear"`` (the default) or ``"nearest"``.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        fill_value: the value of points outside the image with ``fill_mode="constant"``; defaults
            to 0.0.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for factors outside ``(-1, 1]`` or an unknown ``fill_mode``/``interpolation``.

    Example:
        aug = keras.layers.RandomZoom((-0.2, 0.2))
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_pair(height_factor, "height_factor", "RandomZoom",
                                                            low_open=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_pair(width_factor, "width_factor", "RandomZoom",
                                                              low_open=True)
        self._check_fill(fill_mode, interpolation)
        self.fill_value = fill_value

    def get_random_transformation(self, images, key):
        b = images.shape[0]
        h, w = self._hw(images)
        kh, kw = jax.random.split(key)
        zy = jax.random.uniform(kh, (b,), minval=1.0 + self.height_lower, maxval=1.0 + self.height_upper)
        if self.width_factor is not None:
            zx = jax.random.uniform(kw, (b,), minval=1.0 + self.width_lower, maxval=1.0 + self.width_upper)
        else:
            zx = zy
        zero = jnp.zeros_like(zx)
        transform = jnp.stack([zx, zero, (w - 1) / 2.0 * (1.0 - zx), zero, zy, (h - 1) / 2.0 * (1.0 - zy),
                               zero, zero], axis=1)
        return {"height_zoom": zy, "width_zoom": zx, "transform": transform}

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value})
        return config


class RandomCrop(_RandomImageLayer):
    """Crops a random ``(height, width)`` window from each image during training.

    Each image gets its own offset. At inference (or when an image is not larger than the target
    on both sides) the largest centred window with the target aspect ratio is resized to the
    target, as in Keras.

    Args:
        height: integer, the height of the crop.
        width: integer, the width of the crop.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        name: optional name of the layer.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        ``(batch_size, height, width, channels)`` with the target ``height`` and ``width`` (channels
        first: ``(batch_size, channels, height, width)``).

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False`` returns a centred
            crop resized to the target. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Example:
        aug = keras.layers.RandomCrop(24, 24)
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = int(height)
        self.width = int(width)

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def _center(self, x):
        return resize(x, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)

    def call(self, inputs, training=True):
        x = jnp.asarray(inputs)
        self._check_rank(x)
        x = x.astype(self.compute_dtype)
        h, w = self._hw(x)
        if not training or not (h > self.height and w > self.width):
            return self._center(x)
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        out = self._augment_jit()(x, self._key())
        return out[0] if unbatched else out

    def get_random_transformation(self, images, key):
        b = images.shape[0]
        h, w = self._hw(images)
        kh, kw = jax.random.split(key)
        return {"h_start": jax.random.randint(kh, (b,), 0, h - self.height + 1),
                "w_start": jax.random.randint(kw, (b,), 0, w - self.width + 1)}

    def transform_images(self, images, t):
        ha, wa = _hw_axes(3, self.data_format)  # per-image axes

        def crop(img, hs, ws):
            starts = [0, 0, 0]
            sizes = list(img.shape)
            starts[ha], starts[wa] = hs, ws
            sizes[ha], sizes[wa] = self.height, self.width
            return jax.lax.dynamic_slice(img, starts, sizes)

        return jax.vmap(crop)(images, t["h_start"], t["w_start"])

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config


class _ColorLayer(_RandomImageLayer):
    def _set_value_range(self, value_range):
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                f"{type(self).__name__}: the `value_range` argument should be a list of two numbers. "
                f"Received: value_range={value_range!r}"
            )
        return value_range


class RandomContrast(_ColorLayer):
    """Scales each image's contrast by a random factor, per channel, about the channel mean.

    ``factor``: a number ``f`` in ``[0, 1]`` (factor drawn in ``[1 - f, 1 + f]``) or a pair
    ``(lower, upper)`` (drawn in ``[1 - lower, 1 + upper]``). Outputs are clipped to ``value_range``.
    Each pixel becomes ``(x - mean) * factor + mean``, with the mean taken per image and channel.

    Args:
        factor: a number ``f`` in ``[0, 1]`` or a pair ``(lower, upper)`` of numbers in ``[0, 1]``, as
            above.
        value_range: ``(low, high)``, the range of the pixel values; outputs are clipped to it.
            Defaults to ``(0, 255)``.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        **kwargs: base layer arguments (``data_format``, ``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for a ``factor`` outside ``[0, 1]`` or a ``value_range`` that is not two numbers.

    Example:
        aug = keras.layers.RandomContrast(0.2)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(factor, (tuple, list)):
            self.factor = _factor_pair(factor, "factor", "RandomContrast", low=0.0)
        else:
            self.factor = _factor_pair(factor, "factor", "RandomContrast", low=0.0, symmetric=False)
        self.value_range = self._set_value_range(value_range)

    def get_random_transformation(self, images, key):
        f = jax.random.uniform(key, (images.shape[0],), minval=1.0 - self.factor[0], maxval=1.0 + self.factor[1])
        return {"contrast_factor": f}

    def transform_images(self, images, t):
        ha, wa = _hw_axes(images.ndim, self.data_format)
        mean = jnp.mean(images, axis=(ha, wa), keepdims=True)
        f = t["contrast_factor"].reshape((-1, 1, 1, 1)).astype(images.dtype)
        out = (images - mean) * f + mean
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomBrightness(_ColorLayer):
    """Adds a random brightness offset ``u * (max - min)`` of ``value_range`` to each image.

    ``factor``: a number ``f`` in ``[-1, 1]`` (``u`` in ``[-|f|, |f|]``) or a pair ``(lower, upper)``.
    Outputs are clipped to ``value_range``. The same offset is added to every pixel and channel of
    an image.

    Args:
        factor: a number ``f`` in ``[-1, 1]`` or a pair ``(lower, upper)`` in ``[-1, 1]``; e.g.
            ``(-0.2, 0.0)`` only darkens, by up to 20% of the value range.
        value_range: ``(low, high)``, the range of the pixel values; it scales the offset and clips
            the output. Defaults to ``(0, 255)``.
        seed: optional integer folded into the layer's random key; the key itself is fresh for every
            training step and call, so draws differ either way and are reproducible after
            ``keras.utils.set_random_seed``.
        **kwargs: base layer arguments (``data_format``, ``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The input shape.

    Call arguments:
        inputs: the images; they are cast to the layer's compute dtype.
        training: ``True`` (the default when the layer is called directly) augments; ``False``
            returns the images unchanged. ``fit`` passes ``True``; ``predict`` and ``evaluate`` pass ``False``.

    Raises:
        ValueError: for a ``factor`` outside ``[-1, 1]`` or a ``value_range`` that is not two numbers.

    Example:
        aug = keras.layers.RandomBrightness(0.2, value_range=(0, 1))
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomBrightness")
        self.value_range = sorted(self._set_value_range(value_range))

    def get_random_transformation(self, images, key):
        u = jax.random.uniform(key, (images.shape[0],), minval=self.factor[0], maxval=self.factor[1])
        return {"rgb_delta": u * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, t):
        out = images + t["rgb_delta"].reshape((-1, 1, 1, 1)).astype(images.dtype)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
