"""``keras.ops.image``: colour conversion, resizing, warps, blurs, patches, padding and cropping.

Every function follows Keras 3's signature and defaults. Image functions take a single image
(rank 3) or a batch (rank 4); ``data_format`` is ``"channels_last"`` (``(batch, height, width,
channels)``) or ``"channels_first"`` (``(batch, channels, height, width)``) and defaults to
``keras.config.image_data_format()``. Everything is written with ``jax.numpy``, ``jax.image``,
``jax.scipy.ndimage`` and ``lax`` convolutions, so each op runs under ``jax.jit`` and ``jax.vmap``
(shape-like arguments such as ``size`` are static).

Where Keras-on-JAX and its own documentation disagree, these functions follow the documentation:

- ``affine_transform`` honours the projective terms ``c0, c1`` (Keras-on-JAX ignores them; the
  TensorFlow backend applies them). With ``c0 = c1 = 0`` the results are identical.
- ``gaussian_blur`` reads ``kernel_size`` and ``sigma`` as ``(height, width)``; Keras-on-JAX builds
  the kernel the other way round, which only matters for non-square settings.
- ``elastic_transform`` draws independent noise for the x and y displacements (Keras-on-JAX draws
  both from one key, so its displacement is always diagonal).
- ``ssim`` of integer images is a float score (Keras casts the score back to the integer dtype).

As in Keras-on-JAX, ``fill_value`` of the warps (and ``sigma`` of ``elastic_transform``) must be a
concrete number, not a traced array: ``jax.scipy.ndimage.map_coordinates`` takes it as static.

Example:
    >>> from fkeras import ops
    >>> ops.image.resize(ops.ones((2, 8, 8, 3)), (4, 4)).shape
    (2, 4, 4, 3)
"""
from __future__ import annotations

import functools
import itertools
import operator

import jax
import jax.numpy as jnp
import jax.scipy.ndimage as jndi
import numpy as np
from jax import lax

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches", "extract_patches_3d",
    "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images", "perspective_transform",
    "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate", "sobel_edges", "ssim",
]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
WARP_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}  # name -> spline order
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "triangle", "cubic", "bicubic",
                               "tricubic", "lanczos3", "lanczos5")
_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # ITU-R 601 luma, as tf.image.rgb_to_grayscale


# --- validation helpers ------------------------------------------------------------------------

def _choice(fn, arg, value, options):
    """ValueError for a string argument outside ``options``, with a "did you mean" hint."""
    if isinstance(value, str) and value in options:
        return value
    hint = ""
    if isinstance(value, str):
        # late import: fkeras.utils imports saving and the engine
        from fkeras.utils.naming import did_you_mean

        hint = did_you_mean(value, options)
    raise ValueError(
        f"keras.ops.image.{fn}: invalid value for argument `{arg}`. Expected one of "
        f"{tuple(options)}. Received: {arg}={value!r}.{hint}"
    )


def _images(x, fn, name="images", ranks=(3, 4)):
    x = arr(x)
    if x.ndim not in ranks:
        what = {3: "rank 3 (single image)", 4: "rank 4 (batch of images)",
                5: "rank 5 (batch of volumes)"}
        if ranks == (4, 5):
            what = {4: "rank 4 (single volume)", 5: "rank 5 (batch of volumes)"}
        expected = " or ".join(what.get(r, f"rank {r}") for r in ranks)
        raise ValueError(
            f"keras.ops.image.{fn}: invalid `{name}` rank: expected {expected}. "
            f"Received: {name}.shape={tuple(x.shape)} (rank {x.ndim})"
        )
    return x


def _data_format(data_format):
    return config.standardize_data_format(data_format)


def _is_float(dtype):
    return jnp.issubdtype(dtype, jnp.floating)


def _compute_dtype(dtype):
    return dtype if _is_float(dtype) else jnp.dtype(config.floatx())


def _cast_back(x, dtype):
    """Float result back to the input dtype; integers are rounded and clipped to their range."""
    if x.dtype == dtype:
        return x
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        return jnp.clip(jnp.round(x), info.min, info.max).astype(dtype)
    if dtype == jnp.bool_:
        return x != 0
    return x.astype(dtype)


def _to_nhwc(images, data_format):
    """A rank-4 channels_last view of ``images`` and the function that undoes it."""
    unbatched = images.ndim == 3
    x = images[None] if unbatched else images
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 2, 3, 1))

    def restore(y):
        if data_format == "channels_first":
            y = jnp.moveaxis(y, 3, 1)
        return y[0] if unbatched else y

    return x, restore


def _as_int(v):
    """``v`` as a Python int if it is an integer (numpy integers included), else None."""
    if isinstance(v, bool):
        return None
    try:
        return operator.index(v)
    except TypeError:
        return None


def _pair(value, fn, arg, cast=int):
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return cast(value), cast(value)
    try:
        values = tuple(value)
    except TypeError:
        values = ()
    if len(values) != 2:
        raise ValueError(
            f"keras.ops.image.{fn}: `{arg}` must be a number or a tuple of 2 numbers "
            f"(height, width). Received: {arg}={value!r}"
        )
    return values


def _ntuple(value, n, fn, arg):
    if _as_int(value) is not None and _as_int(value) > 0:
        return (_as_int(value),) * n
    values = tuple(_as_int(v) for v in value) if isinstance(value, (tuple, list)) else ()
    if len(values) != n or not all(v is not None and v > 0 for v in values):
        raise ValueError(
            f"keras.ops.image.{fn}: `{arg}` must be a positive int or a tuple of {n} positive "
            f"ints. Received: {arg}={value!r}"
        )
    return values


# --- colour --------------------------------------------------------------------------------------

def _channel_axis(ndim, data_format):
    return ndim - 1 if data_format == "channels_last" else ndim - 3


@keras_op
def rgb_to_grayscale(images, data_format=None):
    """Convert RGB images to one-channel grayscale (luma).

    Uses ``0.2989 R + 0.5870 G + 0.1140 B`` (ITU-R 601, as TensorFlow); images that already have
    one channel are returned unchanged. Integer images are computed in floatx and cast back
    (truncating).

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Images with the shape of ``images`` except for 1 channel, and the dtype of ``images``.

    Raises:
        ValueError: If ``images`` is not of rank 3 or 4 or has neither 3 nor 1 channels.

    Example:
        >>> keras.ops.image.rgb_to_grayscale(keras.ops.ones((4, 4, 3))).shape
        (4, 4, 1)
    """
    images = _images(images, "rgb_to_grayscale")
    data_format = _data_format(data_format)
    axis = _channel_axis(images.ndim, data_format)
    channels = images.shape[axis]
    if channels not in (1, 3):
        raise ValueError(
            "keras.ops.image.rgb_to_grayscale: invalid channel size: expected 3 (RGB) or 1 "
            f"(grayscale) along the {data_format} channel axis. Received: images.shape="
            f"{tuple(images.shape)}"
        )
    if channels == 1:
        return images
    return _grayscale(images, axis)


@functools.partial(jax.jit, static_argnums=1)
def _grayscale(images, axis):
    x = images.astype(_compute_dtype(images.dtype))
    gray = jnp.tensordot(x, jnp.asarray(_GRAY_WEIGHTS, x.dtype), axes=([axis], [0]))
    # Keras truncates (plain cast) when going back to an integer dtype.
    return jnp.expand_dims(gray, axis).astype(images.dtype)


def _check_hsv_input(images, fn, data_format):
    images = _images(images, fn)
    if not _is_float(images.dtype):
        raise ValueError(
            f"keras.ops.image.{fn}: invalid images dtype: expected a float dtype. "
            f"Received: images.dtype={images.dtype}"
        )
    axis = _channel_axis(images.ndim, data_format)
    if images.shape[axis] != 3:
        raise ValueError(
            f"keras.ops.image.{fn}: images must have 3 channels along the {data_format} channel "
            f"axis. Received: images.shape={tuple(images.shape)}"
        )
    return images, axis


@keras_op
def rgb_to_hsv(images, data_format=None):
    """Convert RGB images with values in ``[0, 1]`` to HSV.

    Hue, saturation and value are all in ``[0, 1]``; hue 0 is red, 1/3 green and 2/3 blue.
    Pixels with no colour (grey) get hue 0, and black pixels get saturation 0.

    Args:
        images: A single image (rank 3) or a batch (rank 4) of a float dtype, with 3 channels.
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        HSV images with the shape and dtype of ``images``.

    Raises:
        ValueError: If ``images`` is not float, not of rank 3 or 4, or not 3-channel.

    Example:
        >>> keras.ops.image.rgb_to_hsv([[[1.0, 0.0, 0.0]]])
        Array([[[0., 1., 1.]]], dtype=float32)
    """
    data_format = _data_format(data_format)
    images, axis = _check_hsv_input(images, "rgb_to_hsv", data_format)
    return _rgb_to_hsv(images, axis)


@functools.partial(jax.jit, static_argnums=1)
def _rgb_to_hsv(images, axis):
    r, g, b = (jnp.take(images, i, axis=axis) for i in range(3))
    value = jnp.maximum(jnp.maximum(r, g), b)
    delta = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, delta / jnp.where(value > 0, value, 1), 0)
    d = jnp.where(delta > 0, delta, 1)
    # Sector offsets: red is max -> 0, green -> 2, blue -> 4 (in sixths of the hue circle).
    sector = jnp.where(value == r, (g - b) / d, jnp.where(value == g, 2 + (b - r) / d, 4 + (r - g) / d))
    hue = jnp.where(delta > 0, jnp.mod(sector / 6, 1.0), 0)
    return jnp.stack([hue, saturation, value], axis=axis).astype(images.dtype)


@keras_op
def hsv_to_rgb(images, data_format=None):
    """Convert HSV images with values in ``[0, 1]`` back to RGB (the inverse of ``rgb_to_hsv``).

    Hue wraps around modulo 1.

    Args:
        images: A single image (rank 3) or a batch (rank 4) of a float dtype, with 3 channels
            (hue, saturation, value).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        RGB images with the shape and dtype of ``images``.

    Raises:
        ValueError: If ``images`` is not float, not of rank 3 or 4, or not 3-channel.

    Example:
        >>> keras.ops.image.hsv_to_rgb([[[1.0 / 3.0, 1.0, 1.0]]])
        Array([[[0., 1., 0.]]], dtype=float32)
    """
    data_format = _data_format(data_format)
    images, axis = _check_hsv_input(images, "hsv_to_rgb", data_format)
    return _hsv_to_rgb(images, axis)


@functools.partial(jax.jit, static_argnums=1)
def _hsv_to_rgb(images, axis):
    h, s, v = (jnp.take(images, i, axis=axis) for i in range(3))
    h6 = jnp.mod(h, 1.0) * 6

    def channel(n):
        k = jnp.mod(n + h6, 6)
        return v - v * s * jnp.clip(jnp.minimum(k, 4 - k), 0, 1)

    return jnp.stack([channel(5), channel(3), channel(1)], axis=axis).astype(images.dtype)


# --- resizing ------------------------------------------------------------------------------------

@keras_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)``.

    Uses ``jax.image.resize`` with half-pixel centres. Integer images are rounded and clipped back
    to their dtype.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        size: Target ``(height, width)``, two positive ints.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"lanczos3"`` or
            ``"lanczos5"``.
        antialias: Whether to low-pass filter when downsampling, to avoid aliasing (default
            ``False``).
        crop_to_aspect_ratio: If ``True``, first crop the largest centred window with the target
            aspect ratio, so nothing is distorted.
        pad_to_aspect_ratio: If ``True``, first pad the short side evenly (with ``fill_value``) to
            the target aspect ratio. At most one of the two may be set.
        fill_mode: How the padding of ``pad_to_aspect_ratio`` is filled; only ``"constant"`` is
            supported.
        fill_value: Value of that padding (default 0.0).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Resized images with the rank and dtype of ``images``.

    Raises:
        ValueError: If ``size`` is not two positive ints, ``interpolation`` or ``fill_mode`` is
            unknown, the rank is wrong, or both aspect-ratio options are set.

    Example:
        >>> keras.ops.image.resize(keras.ops.ones((2, 4, 4, 3)), (2, 2)).shape
        (2, 2, 2, 3)
    """
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        size = ()
    if len(size) != 2:
        raise ValueError(
            "keras.ops.image.resize: expected `size` to be a tuple of 2 integers "
            f"(height, width). Received: size={size!r}"
        )
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"keras.ops.image.resize: `size` must be positive. Received: size={size}")
    images = _images(images, "resize")
    data_format = _data_format(data_format)
    interpolation = _choice("resize", "interpolation", interpolation, RESIZE_INTERPOLATIONS)
    _choice("resize", "fill_mode", fill_mode, ("constant",))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "keras.ops.image.resize: only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` "
            "can be True."
        )
    th, tw = size
    ha, wa = (images.ndim - 3, images.ndim - 2) if data_format == "channels_last" else (
        images.ndim - 2, images.ndim - 1)
    h, w = images.shape[ha], images.shape[wa]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(w * th / tw)), 1)
        cw = max(min(w, int(h * tw / th)), 1)
        top, left = (h - ch) // 2, (w - cw) // 2
        images = lax.slice_in_dim(images, top, top + ch, axis=ha)
        images = lax.slice_in_dim(images, left, left + cw, axis=wa)
    elif pad_to_aspect_ratio:
        top = (max(h, int(w * th / tw)) - h) // 2
        left = (max(w, int(h * tw / th)) - w) // 2
        pads = [(0, 0)] * images.ndim
        if top > 0:
            pads[ha] = (top, top)
        elif left > 0:
            pads[wa] = (left, left)
        images = jnp.pad(images, pads, constant_values=jnp.asarray(fill_value).astype(images.dtype))
    out_shape = list(images.shape)
    out_shape[ha], out_shape[wa] = th, tw
    return _resize(images, tuple(out_shape), interpolation, bool(antialias))


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _resize(images, shape, method, antialias):
    return _cast_back(jax.image.resize(images, shape, method=method, antialias=antialias), images.dtype)


@keras_op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample ``images`` with a scale and translation along ``spatial_dims``.

    Output point ``p`` reads input point ``(p - translation) / scale`` (half-pixel centres), with
    the filter chosen by ``method``; points outside the input read as zero. A thin wrapper around
    ``jax.image.scale_and_translate``.

    Args:
        images: Tensor of any rank.
        output_shape: Shape of the result, one entry per dimension of ``images``.
        scale: 1-D tensor of scales, one per entry of ``spatial_dims``.
        translation: 1-D tensor of translations (in output pixels), one per entry of
            ``spatial_dims``.
        spatial_dims: The dimensions of ``images`` that are resampled.
        method: Interpolation filter: ``"linear"`` (also ``"bilinear"``, ``"trilinear"``,
            ``"triangle"``), ``"cubic"`` (also ``"bicubic"``, ``"tricubic"``), ``"lanczos3"`` or
            ``"lanczos5"``.
        antialias: Whether to widen the filter when downsampling, to avoid aliasing (default
            ``True``).

    Returns:
        A tensor of shape ``output_shape``.

    Raises:
        ValueError: If ``method`` is unknown or the shapes of ``output_shape``, ``scale`` or
            ``translation`` do not match.

    Example:
        >>> x = keras.ops.ones((3, 3))
        >>> keras.ops.image.scale_and_translate(x, (5, 5), [2.0, 2.0], [-0.5, -0.5], (0, 1), "linear").shape
        (5, 5)
    """
    images = arr(images)
    method = _choice("scale_and_translate", "method", method, SCALE_AND_TRANSLATE_METHODS)
    output_shape = tuple(int(s) for s in output_shape)
    if len(output_shape) != images.ndim:
        raise ValueError(
            "keras.ops.image.scale_and_translate: `output_shape` must have one entry per "
            f"dimension of `images` ({images.ndim}). Received: output_shape={output_shape}, "
            f"images.shape={tuple(images.shape)}"
        )
    spatial_dims = tuple(int(d) for d in spatial_dims)
    scale, translation = arr(scale), arr(translation)
    for name, value in (("scale", scale), ("translation", translation)):
        if value.shape != (len(spatial_dims),):
            raise ValueError(
                f"keras.ops.image.scale_and_translate: `{name}` must have shape "
                f"({len(spatial_dims)},), one entry per spatial dim {spatial_dims}. "
                f"Received: {name}.shape={tuple(value.shape)}"
            )
    return _scale_and_translate(images, output_shape, spatial_dims, scale, translation, method,
                                bool(antialias))


_scale_and_translate = jax.jit(jax.image.scale_and_translate, static_argnums=(1, 2, 5, 6))


# --- geometric warps -----------------------------------------------------------------------------

@functools.partial(jax.jit, static_argnames=("order", "fill_mode", "fill_value"))
def _warp(images, transform, order, fill_mode, fill_value):
    """Sample rank-4 NHWC ``images`` at the projective map of each output pixel.

    ``transform`` is ``(batch or 1, 8)``: ``[a0, a1, a2, b0, b1, b2, c0, c1]`` sends output
    ``(x, y)`` to input ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``.
    """
    _, h, w, _ = images.shape
    t = transform.astype(jnp.promote_types(transform.dtype, jnp.float32))
    if t.shape[0] == 1 and images.shape[0] != 1:
        t = jnp.broadcast_to(t, (images.shape[0], 8))
    yy, xx = jnp.meshgrid(jnp.arange(h, dtype=t.dtype), jnp.arange(w, dtype=t.dtype), indexing="ij")

    def one(img, tr):
        k = tr[6] * xx + tr[7] * yy + 1
        x_in = (tr[0] * xx + tr[1] * yy + tr[2]) / k
        y_in = (tr[3] * xx + tr[4] * yy + tr[5]) / k

        def channel(c):
            return jndi.map_coordinates(c, [y_in, x_in], order=order, mode=fill_mode, cval=fill_value)

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(img)

    return jax.vmap(one)(images, t)


def _batch_check(fn, n_images, name, n):
    if n not in (1, n_images):
        raise ValueError(
            f"keras.ops.image.{fn}: `{name}` holds {n} transforms but the batch holds {n_images} "
            "images; pass one transform or one per image."
        )


@keras_op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp images by projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]``.

    A transform maps each *output* pixel ``(x, y)`` to the input point
    ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1``, where the
    image is sampled. With ``c0 = c1 = 0`` it is an affine map.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        transform: Tensor of shape ``(8,)`` (one transform for every image) or ``(batch, 8)``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: How points outside the input are read: ``"constant"`` (``fill_value``),
            ``"nearest"`` (edge pixel repeated), ``"wrap"`` (tiled), ``"mirror"`` (reflected about
            the edge pixel centres) or ``"reflect"`` (reflected about the edge). Default ``"constant"``.
        fill_value: Value of outside points with ``fill_mode="constant"`` (default 0; must be a
            concrete number).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Warped images with the shape and dtype of ``images``.

    Raises:
        ValueError: If an option is unknown, ``transform`` has the wrong shape, or the number of
            transforms is neither 1 nor the batch size.

    Example:
        >>> shift = [1, 0, -1, 0, 1, 0, 0, 0]  # output x reads input x - 1
        >>> keras.ops.image.affine_transform(keras.ops.ones((2, 5, 5, 3)), shift).shape
        (2, 5, 5, 3)
    """
    order = WARP_INTERPOLATIONS[_choice("affine_transform", "interpolation", interpolation,
                                        tuple(WARP_INTERPOLATIONS))]
    fill_mode = _choice("affine_transform", "fill_mode", fill_mode, FILL_MODES)
    images = _images(images, "affine_transform")
    data_format = _data_format(data_format)
    transform = arr(transform)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "keras.ops.image.affine_transform: invalid `transform` shape: expected (8,) (single "
            f"transform) or (batch, 8). Received: transform.shape={tuple(transform.shape)}"
        )
    transform = transform.reshape(-1, 8)
    x, restore = _to_nhwc(images, data_format)
    _batch_check("affine_transform", x.shape[0], "transform", transform.shape[0])
    return restore(_warp(x, transform, order, fill_mode, float(fill_value)))


def _homography(start_points, end_points):
    """The 8 projective coefficients sending each end point to its start point (batched)."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    one, zero = jnp.ones_like(ex), jnp.zeros_like(ex)
    # x_in * (c0 ex + c1 ey + 1) = a0 ex + a1 ey + a2, and likewise for y: linear in the 8 unknowns.
    rows_x = jnp.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    rows_y = jnp.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    a = jnp.concatenate([rows_x, rows_y], axis=-2)
    rhs = jnp.concatenate([sx, sy], axis=-1)
    return jnp.linalg.solve(a, rhs[..., None])[..., 0]


@keras_op
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp images so that the four ``start_points`` move to the four ``end_points``.

    The projective map is solved from the four point pairs; output pixels that come from outside
    the input get ``fill_value``.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        start_points: ``(x, y)`` pixel coordinates of four points in the input, shape ``(4, 2)``
            or ``(batch, 4, 2)``.
        end_points: Where those points land in the output, with the shape of ``start_points``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: Value of output pixels that map outside the input (default 0; must be a
            concrete number).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Warped images with the shape and dtype of ``images``.

    Raises:
        ValueError: If ``interpolation`` is unknown, the point tensors have wrong or different
            shapes, or their batch size does not match the images.

    Example:
        >>> start = [[0, 0], [0, 7], [7, 0], [7, 7]]
        >>> end = [[1, 1], [0, 7], [7, 0], [6, 6]]
        >>> keras.ops.image.perspective_transform(keras.ops.ones((8, 8, 3)), start, end).shape
        (8, 8, 3)
    """
    order = WARP_INTERPOLATIONS[_choice("perspective_transform", "interpolation", interpolation,
                                        tuple(WARP_INTERPOLATIONS))]
    images = _images(images, "perspective_transform")
    data_format = _data_format(data_format)
    start_points, end_points = arr(start_points), arr(end_points)
    for name, p in (("start_points", start_points), ("end_points", end_points)):
        if p.ndim not in (2, 3) or p.shape[-2:] != (4, 2):
            raise ValueError(
                f"keras.ops.image.perspective_transform: invalid `{name}` shape: expected (4, 2) "
                f"for a single image or (N, 4, 2) for a batch. Received: {name}.shape="
                f"{tuple(p.shape)}"
            )
    if start_points.shape != end_points.shape:
        raise ValueError(
            "keras.ops.image.perspective_transform: `start_points` and `end_points` must have the "
            f"same shape. Received: start_points.shape={tuple(start_points.shape)}, "
            f"end_points.shape={tuple(end_points.shape)}"
        )
    x, restore = _to_nhwc(images, data_format)
    _batch_check("perspective_transform", x.shape[0], "start_points",
                 1 if start_points.ndim == 2 else start_points.shape[0])
    return restore(_perspective_nhwc(x, start_points, end_points, order=order,
                                     fill_value=float(fill_value)))


@functools.partial(jax.jit, static_argnames=("order", "fill_value"))
def _perspective_nhwc(x, start_points, end_points, order, fill_value):
    dtype = jnp.promote_types(start_points.dtype, jnp.float32)
    transform = _homography(start_points.astype(dtype).reshape(-1, 4, 2),
                            end_points.astype(dtype).reshape(-1, 4, 2))
    return _warp(x, transform, order, "constant", fill_value)


@keras_op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample ``inputs`` at arbitrary (fractional) ``coordinates`` by spline interpolation.

    Args:
        inputs: Tensor of any rank ``N``.
        coordinates: Tensor (or sequence of tensors) of shape ``(N, ...)``: for each output point,
            its coordinate along every axis of ``inputs``.
        order: Spline order: 0 (nearest neighbour) or 1 (linear).
        fill_mode: How points outside ``inputs`` are read: ``"constant"`` (default, ``fill_value``;
            scipy's ``"grid-constant"``), ``"nearest"``, ``"wrap"`` (scipy's ``"grid-wrap"``),
            ``"mirror"`` or ``"reflect"``.
        fill_value: Value of outside points with ``fill_mode="constant"`` (default 0).

    Returns:
        A tensor of shape ``coordinates.shape[1:]`` with the dtype of ``inputs``.

    Raises:
        ValueError: If ``coordinates`` has rank < 2 or a first dimension other than ``N``, or
            ``order`` or ``fill_mode`` is invalid.

    Example:
        >>> keras.ops.image.map_coordinates(keras.ops.arange(4.0), [[0.5, 2.0]], order=1)
        Array([0.5, 2. ], dtype=float32)
    """
    inputs = arr(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = jnp.stack([arr(c) for c in coordinates])
    coordinates = arr(coordinates)
    if coordinates.ndim < 2:
        raise ValueError(
            "keras.ops.image.map_coordinates: invalid `coordinates` rank: expected at least rank 2 "
            f"(inputs.ndim, ...). Received: coordinates.shape={tuple(coordinates.shape)}"
        )
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError(
            "keras.ops.image.map_coordinates: the first dim of `coordinates` must equal the rank "
            f"of `inputs` ({inputs.ndim}). Received: inputs.shape={tuple(inputs.shape)}, "
            f"coordinates.shape={tuple(coordinates.shape)}"
        )
    if isinstance(order, bool) or order not in (0, 1):
        raise ValueError(
            "keras.ops.image.map_coordinates: invalid value for argument `order`. Expected 0 "
            f"(nearest) or 1 (linear). Received: order={order!r}"
        )
    fill_mode = _choice("map_coordinates", "fill_mode", fill_mode, FILL_MODES)
    return jndi.map_coordinates(inputs, list(coordinates), order=int(order), mode=fill_mode,
                                cval=fill_value)


# --- filters -------------------------------------------------------------------------------------

def _gaussian_1d(size, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - (size - 1) / 2
    g = jnp.exp(-0.5 * jnp.square(x / jnp.asarray(sigma, dtype)))
    return g / jnp.sum(g)


def _depthwise(x, kernel_hw, padding):
    """Apply one ``(kh, kw)`` kernel to every channel of NHWC ``x``."""
    c = x.shape[-1]
    kernel = jnp.broadcast_to(kernel_hw[:, :, None, None], kernel_hw.shape + (1, c))
    return lax.conv_general_dilated(x, kernel.astype(x.dtype), (1, 1), padding,
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                    feature_group_count=c)


@functools.partial(jax.jit, static_argnames=("kernel_size",))
def _blur_nhwc(x, kernel_size, sigma):
    kh, kw = kernel_size
    kernel = jnp.outer(_gaussian_1d(kh, sigma[0], x.dtype), _gaussian_1d(kw, sigma[1], x.dtype))
    return _depthwise(x, kernel, "SAME")


@keras_op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel of the images with a normalised Gaussian kernel.

    Zero padding keeps the spatial size. Integer images are computed in floatx and rounded back.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        kernel_size: Kernel ``(height, width)`` in pixels, or one int for both (default
            ``(3, 3)``).
        sigma: Standard deviation ``(height, width)`` of the Gaussian, or one number for both
            (default ``(1.0, 1.0)``).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Blurred images with the shape and dtype of ``images``.

    Raises:
        ValueError: If ``kernel_size`` does not hold positive ints, or the rank is wrong.

    Example:
        >>> keras.ops.image.gaussian_blur(keras.ops.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """
    images = _images(images, "gaussian_blur")
    data_format = _data_format(data_format)
    kernel_size = tuple(_as_int(k) for k in _pair(kernel_size, "gaussian_blur", "kernel_size"))
    if not all(k is not None and k > 0 for k in kernel_size):
        raise ValueError(
            "keras.ops.image.gaussian_blur: `kernel_size` must hold positive ints. "
            f"Received: kernel_size={kernel_size!r}"
        )
    sigma = _pair(sigma, "gaussian_blur", "sigma", cast=float)
    dtype = images.dtype
    x, restore = _to_nhwc(images.astype(_compute_dtype(dtype)), data_format)
    return _cast_back(restore(_blur_nhwc(x, kernel_size, sigma)), dtype)


@keras_op
def sobel_edges(images, data_format=None):
    """Sobel edge maps (vertical and horizontal gradients) of a batch of images.

    Each channel is filtered with the 3x3 Sobel kernels, with zero padding.

    Args:
        images: A batch of images (rank 4).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        A tensor of shape ``images.shape + (2,)``: ``[..., 0]`` is the gradient along the height
        (``dy``), ``[..., 1]`` along the width (``dx``).

    Raises:
        ValueError: If ``images`` is not of rank 4.

    Example:
        >>> keras.ops.image.sobel_edges(keras.ops.ones((1, 8, 8, 1))).shape
        (1, 8, 8, 1, 2)
    """
    images = _images(images, "sobel_edges", ranks=(4,))
    data_format = _data_format(data_format)
    return _sobel(images, data_format)


@functools.partial(jax.jit, static_argnums=1)
def _sobel(images, data_format):
    dtype = images.dtype
    x, restore = _to_nhwc(images.astype(_compute_dtype(dtype)), data_format)
    smooth, diff = jnp.asarray([1.0, 2.0, 1.0], x.dtype), jnp.asarray([-1.0, 0.0, 1.0], x.dtype)
    dy = _depthwise(x, jnp.outer(diff, smooth), "SAME")
    dx = _depthwise(x, jnp.outer(smooth, diff), "SAME")
    return _cast_back(jnp.stack([restore(dy), restore(dx)], axis=-1), dtype)


@keras_op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: every pixel reads the input at a random, smoothed displacement.

    Two noise fields ``N(0, 1) * sigma`` of shape ``(batch, height, width)`` (keys from
    ``jax.random.split(key)``, x first, where ``key`` comes from ``seed``) are blurred with a
    Gaussian of standard deviation ``sigma`` and size ``int(6 * sigma) | 1``, scaled by ``alpha``
    and added to the pixel grid; the image is sampled there. The same displacement moves every
    channel of an image.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        alpha: Scale of the displacement, in pixels (default 20.0).
        sigma: Standard deviation of the smoothing Gaussian; larger values give smoother,
            more global distortions (default 5.0; must be a concrete number > 0).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: How points outside the input are read: ``"constant"`` (``fill_value``),
            ``"nearest"`` (edge pixel repeated), ``"wrap"`` (tiled), ``"mirror"`` (reflected about
            the edge pixel centres) or ``"reflect"`` (reflected about the edge). Default ``"reflect"``.
        fill_value: Value of outside points with ``fill_mode="constant"`` (default 0.0).
        seed: An int, a ``keras.random.SeedGenerator``, a JAX key, or ``None`` (default) to draw
            from the global random stream.
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Deformed images with the shape and dtype of ``images``.

    Raises:
        ValueError: If an option is unknown, ``sigma <= 0``, or the rank is wrong.

    Example:
        >>> keras.ops.image.elastic_transform(keras.ops.ones((2, 8, 8, 3)), seed=0).shape
        (2, 8, 8, 3)
    """
    order = WARP_INTERPOLATIONS[_choice("elastic_transform", "interpolation", interpolation,
                                        tuple(WARP_INTERPOLATIONS))]
    fill_mode = _choice("elastic_transform", "fill_mode", fill_mode, FILL_MODES)
    images = _images(images, "elastic_transform")
    data_format = _data_format(data_format)
    # late import: fkeras.random reads the engine's binding scope
    from fkeras.random.seed_generator import draw_key

    sigma_f = float(sigma)
    if sigma_f <= 0:
        raise ValueError(f"keras.ops.image.elastic_transform: `sigma` must be > 0. Received: sigma={sigma}")
    dtype = images.dtype
    x, restore = _to_nhwc(images.astype(_compute_dtype(dtype)), data_format)
    out = _elastic_nhwc(x, draw_key(seed), alpha, sigma=sigma_f, order=order, fill_mode=fill_mode,
                        fill_value=float(fill_value))
    return _cast_back(restore(out), dtype)


@functools.partial(jax.jit, static_argnames=("sigma", "order", "fill_mode", "fill_value"))
def _elastic_nhwc(x, key, alpha, sigma, order, fill_mode, fill_value):
    b, h, w, _ = x.shape
    key_x, key_y = jax.random.split(key)
    noise = jnp.stack([jax.random.normal(key_x, (b, h, w), x.dtype),
                       jax.random.normal(key_y, (b, h, w), x.dtype)], axis=-1) * sigma
    k = int(6 * sigma) | 1
    disp = _blur_nhwc(noise, (k, k), (sigma, sigma)) * jnp.asarray(alpha, x.dtype)
    yy, xx = jnp.meshgrid(jnp.arange(h, dtype=x.dtype), jnp.arange(w, dtype=x.dtype), indexing="ij")

    def one(img, d):
        coords = [yy + d[..., 1], xx + d[..., 0]]
        return jax.vmap(lambda c: jndi.map_coordinates(c, coords, order=order, mode=fill_mode,
                                                       cval=fill_value),
                        in_axes=-1, out_axes=-1)(img)

    return jax.vmap(one)(x, disp)


@keras_op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity index (Wang et al., 2004) between two images or batches.

    Local means, variances and covariance are taken with a Gaussian window (no padding) and
    combined as ``((2 mu1 mu2 + c1) (2 cov + c2)) / ((mu1^2 + mu2^2 + c1) (var1 + var2 + c2))``
    with ``c1 = (k1 * max_val) ** 2`` and ``c2 = (k2 * max_val) ** 2``; the score is its mean over
    positions and channels.

    Args:
        image1: A single image (rank 3) or a batch (rank 4).
        image2: Images with the shape of ``image1``.
        max_val: Dynamic range of the pixel values (e.g. 1.0 or 255; default 1.0).
        filter_size: Size of the Gaussian window (default 11); the images must be at least that
            large.
        filter_sigma: Standard deviation of the Gaussian window (default 1.5).
        k1: Stabilising constant of the mean term (default 0.01).
        k2: Stabilising constant of the variance term (default 0.03).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        One score per image pair (a scalar for single images), at most 1 (identical images).
        Float images keep their dtype; integer images give a float score.

    Raises:
        ValueError: If the shapes differ, the rank is wrong, or ``filter_size`` is not a positive
            int no larger than the images.

    Example:
        >>> float(keras.ops.image.ssim(keras.ops.ones((16, 16, 3)), keras.ops.ones((16, 16, 3))))
        1.0
    """
    image1 = _images(image1, "ssim", name="image1")
    image2 = _images(image2, "ssim", name="image2")
    data_format = _data_format(data_format)
    if image1.shape != image2.shape:
        raise ValueError(
            "keras.ops.image.ssim: `image1` and `image2` must have the same shape. Received: "
            f"image1.shape={tuple(image1.shape)}, image2.shape={tuple(image2.shape)}"
        )
    if not isinstance(filter_size, int) or filter_size < 1:
        raise ValueError(
            "keras.ops.image.ssim: `filter_size` must be a positive int. "
            f"Received: filter_size={filter_size!r}"
        )
    dtype = image1.dtype
    compute = _compute_dtype(jnp.result_type(image1.dtype, image2.dtype))
    a, _ = _to_nhwc(image1.astype(compute), data_format)
    b, _ = _to_nhwc(image2.astype(compute), data_format)
    if min(a.shape[1:3]) < filter_size:
        raise ValueError(
            f"keras.ops.image.ssim: images must be at least filter_size={filter_size} pixels high "
            f"and wide. Received: image1.shape={tuple(image1.shape)}"
        )
    out = _ssim_nhwc(a, b, max_val, filter_sigma, k1, k2, filter_size=filter_size)
    out = out[0] if image1.ndim == 3 else out
    # A score is a fraction: integer images still get a float score.
    return out.astype(dtype) if _is_float(dtype) else out


@functools.partial(jax.jit, static_argnames=("filter_size",))
def _ssim_nhwc(a, b, max_val, filter_sigma, k1, k2, filter_size):
    g = _gaussian_1d(filter_size, filter_sigma, a.dtype)
    window = jnp.outer(g, g)

    def mean(z):
        return _depthwise(z, window, "VALID")

    mu_a, mu_b = mean(a), mean(b)
    var_a = mean(a * a) - mu_a * mu_a
    var_b = mean(b * b) - mu_b * mu_b
    cov = mean(a * b) - mu_a * mu_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return jnp.mean(s, axis=(1, 2, 3))


# --- patches -------------------------------------------------------------------------------------

@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))
def _patches_nd(x, size, strides, dilation, padding, fn):
    """Patches of channels-last batched ``x``; features ordered (offset..., channel) like Keras."""
    spatial = x.shape[1:-1]
    pads, outs = [], []
    for n, k, s, d in zip(spatial, size, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            out = (n - span) // s + 1 if n >= span else 0
            pads.append((0, 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + span - n, 0)
            pads.append((total // 2, total - total // 2))
        outs.append(out)
    if min(outs) <= 0:
        raise ValueError(
            f"keras.ops.image.{fn}: the patch size {tuple(size)} (dilation_rate {tuple(dilation)}) "
            f"does not fit the spatial shape {tuple(spatial)} with padding='valid'."
        )
    simple = padding == "valid" and tuple(strides) == tuple(size) and set(dilation) == {1}
    if simple:  # non-overlapping tiles: one reshape and transpose
        nd = len(size)
        x = x[(slice(None),) + tuple(slice(0, o * k) for o, k in zip(outs, size))]
        shape = [x.shape[0]]
        for o, k in zip(outs, size):
            shape += [o, k]
        x = x.reshape(shape + [x.shape[-1]])
        perm = [0] + [1 + 2 * i for i in range(nd)] + [2 + 2 * i for i in range(nd)] + [2 * nd + 1]
        x = jnp.transpose(x, perm)
        return x.reshape(x.shape[: nd + 1] + (-1,))
    x = jnp.pad(x, [(0, 0)] + pads + [(0, 0)])
    pieces = []
    for offset in itertools.product(*[range(k) for k in size]):
        start = [0] + [o * d for o, d in zip(offset, dilation)] + [0]
        limit = [x.shape[0]] + [st + (o - 1) * s + 1 for st, o, s in zip(start[1:-1], outs, strides)]
        pieces.append(lax.slice(x, start, limit + [x.shape[-1]], [1, *strides, 1]))
    return jnp.concatenate(pieces, axis=-1)


def _extract(images, size, strides, dilation_rate, padding, data_format, nd, fn):
    size = _ntuple(size, nd, fn, "size")
    strides = size if strides is None else _ntuple(strides, nd, fn, "strides")
    dilation = _ntuple(dilation_rate, nd, fn, "dilation_rate")
    padding = _choice(fn, "padding", padding.lower() if isinstance(padding, str) else padding,
                      ("valid", "same"))
    ranks = (3, 4) if nd == 2 else (4, 5)
    images = _images(images, fn, name="images" if nd == 2 else "volumes", ranks=ranks)
    data_format = _data_format(data_format)
    unbatched = images.ndim == ranks[0]
    x = images[None] if unbatched else images
    if data_format == "channels_first":
        x = jnp.moveaxis(x, 1, -1)
    out = _patches_nd(x, size, strides, dilation, padding, fn)
    if data_format == "channels_first":
        out = jnp.moveaxis(out, -1, 1)
    return out[0] if unbatched else out


@keras_op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Extract patches from images into the channel axis.

    Each patch is flattened in (row, column, channel) order, giving an output of shape
    ``(..., out_h, out_w, ph * pw * C)`` (channels-last). A 3-tuple ``size`` extracts 3-D patches
    of volumes instead, as ``extract_patches_3d``.

    Args:
        images: A single image (rank 3) or a batch (rank 4); rank 4 or 5 volumes with a 3-tuple
            ``size``.
        size: Patch size: an int (square), ``(ph, pw)``, or ``(pd, ph, pw)`` for volumes.
        strides: Step between patch starts, an int or a tuple; ``None`` (default) uses ``size``
            (non-overlapping patches).
        dilation_rate: Spacing between the pixels of a patch, an int or a tuple (default 1).
        padding: ``"valid"`` (default: only patches that fit) or ``"same"`` (zero padding so that
            there are ``ceil(size / stride)`` patches along each axis).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        The patches, a tensor of the rank of ``images``.

    Raises:
        TypeError: If ``size`` is neither an int nor a tuple.
        ValueError: If ``size`` has the wrong length, an option is invalid, or no patch fits.

    Example:
        >>> keras.ops.image.extract_patches(keras.ops.ones((2, 20, 20, 3)), (5, 5)).shape
        (2, 4, 4, 75)
    """
    if isinstance(size, (tuple, list)) and len(size) == 3:
        return _extract(images, size, strides, dilation_rate, padding, data_format, 3,
                        "extract_patches")
    if _as_int(size) is None and not isinstance(size, (tuple, list)):
        raise TypeError(
            "keras.ops.image.extract_patches: invalid `size`: expected an int or a tuple of 2 or "
            f"3 ints. Received: size={size!r} of type {type(size).__name__}"
        )
    if isinstance(size, (tuple, list)) and len(size) != 2:
        raise ValueError(
            "keras.ops.image.extract_patches: invalid `size`: expected a tuple of length 2 or 3. "
            f"Received: size={size!r} with length {len(size)}"
        )
    return _extract(images, size, strides, dilation_rate, padding, data_format, 2,
                    "extract_patches")


@keras_op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Extract 3-D patches from volumes into the channel axis.

    Each patch is flattened in (depth, row, column, channel) order, giving an output of shape
    ``(..., out_d, out_h, out_w, pd * ph * pw * C)`` (channels-last).

    Args:
        volumes: A single volume (rank 4) or a batch of volumes (rank 5).
        size: Patch size: an int (cubic) or ``(pd, ph, pw)``.
        strides: Step between patch starts, an int or a 3-tuple; ``None`` (default) uses ``size``.
        dilation_rate: Spacing between the pixels of a patch, an int or a tuple (default 1).
        padding: ``"valid"`` (default: only patches that fit) or ``"same"`` (zero padding so that
            there are ``ceil(size / stride)`` patches along each axis).
        data_format: ``"channels_last"`` (``(..., depth, height, width, channels)``) or
            ``"channels_first"``; ``None`` (default) uses ``keras.config.image_data_format()``.

    Returns:
        The patches, a tensor of the rank of ``volumes``.

    Raises:
        ValueError: If an option is invalid or no patch fits.

    Example:
        >>> keras.ops.image.extract_patches_3d(keras.ops.ones((10, 10, 10, 3)), (3, 3, 3)).shape
        (3, 3, 3, 81)
    """
    return _extract(volumes, size, strides, dilation_rate, padding, data_format, 3,
                    "extract_patches_3d")


# --- padding and cropping ------------------------------------------------------------------------

def _resolve(fn, kind, before, after, target, extent, before_name, after_name):
    """Fill in the one missing value of (before, after, target) and check all are >= 0."""
    names = (before_name, after_name, f"target_{kind}")
    given = (before, after, target)
    if given.count(None) != 1:
        raise ValueError(
            f"keras.ops.image.{fn}: specify exactly two of {', '.join(names)}. Received: "
            + ", ".join(f"{n}={v}" for n, v in zip(names, given))
        )
    for n, v in zip(names, given):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise ValueError(f"keras.ops.image.{fn}: {n} must be an int >= 0. Received: {n}={v!r}")
    sign = 1 if fn == "pad_images" else -1  # padding grows the image, cropping shrinks it
    if target is None:
        target = extent + sign * (before + after)
    elif before is None:
        before = sign * (target - extent) - after
    else:
        after = sign * (target - extent) - before
    for n, v in zip(names, (before, after, target)):
        if v < 0:
            raise ValueError(
                f"keras.ops.image.{fn}: {n} must be >= 0, but the arguments give {n}={v} for an "
                f"image {kind} of {extent}."
            )
    return before, after, target


def _hw(images, data_format):
    ha = images.ndim - 3 if data_format == "channels_last" else images.ndim - 2
    return ha, ha + 1


@keras_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Pad images with zeros to a target size.

    Along the height give exactly two of ``top_padding``, ``bottom_padding`` and
    ``target_height``; along the width exactly two of ``left_padding``, ``right_padding`` and
    ``target_width``. The third follows.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        top_padding: Rows of zeros added above.
        left_padding: Columns of zeros added on the left.
        bottom_padding: Rows of zeros added below.
        right_padding: Columns of zeros added on the right.
        target_height: Height of the result.
        target_width: Width of the result.
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Padded images with the dtype of ``images``.

    Raises:
        ValueError: If not exactly two values are given per axis, or any value is (or would
            become) negative.

    Example:
        >>> keras.ops.image.pad_images(keras.ops.ones((15, 25, 3)), 2, 3, target_height=20, target_width=30).shape
        (20, 30, 3)
    """
    images = _images(images, "pad_images")
    data_format = _data_format(data_format)
    ha, wa = _hw(images, data_format)
    top, bottom, _ = _resolve("pad_images", "height", top_padding, bottom_padding, target_height,
                              images.shape[ha], "top_padding", "bottom_padding")
    left, right, _ = _resolve("pad_images", "width", left_padding, right_padding, target_width,
                              images.shape[wa], "left_padding", "right_padding")
    pads = [(0, 0)] * images.ndim
    pads[ha], pads[wa] = (top, bottom), (left, right)
    return jnp.pad(images, pads)


@keras_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images to a target size.

    Along the height give exactly two of ``top_cropping``, ``bottom_cropping`` and
    ``target_height``; along the width exactly two of ``left_cropping``, ``right_cropping`` and
    ``target_width``. The third follows.

    Args:
        images: A single image (rank 3) or a batch of images (rank 4).
        top_cropping: Rows removed at the top.
        left_cropping: Columns removed on the left.
        bottom_cropping: Rows removed at the bottom.
        right_cropping: Columns removed on the right.
        target_height: Height of the result.
        target_width: Width of the result.
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.

    Returns:
        Cropped images with the dtype of ``images``.

    Raises:
        ValueError: If not exactly two values are given per axis, or any value is (or would
            become) negative.

    Example:
        >>> keras.ops.image.crop_images(keras.ops.ones((4, 4, 3)), 1, 0, target_height=2, target_width=3).shape
        (2, 3, 3)
    """
    images = _images(images, "crop_images")
    data_format = _data_format(data_format)
    ha, wa = _hw(images, data_format)
    top, _, th = _resolve("crop_images", "height", top_cropping, bottom_cropping, target_height,
                          images.shape[ha], "top_cropping", "bottom_cropping")
    left, _, tw = _resolve("crop_images", "width", left_cropping, right_cropping, target_width,
                           images.shape[wa], "left_cropping", "right_cropping")
    out = lax.slice_in_dim(images, top, top + th, axis=ha)
    return lax.slice_in_dim(out, left, left + tw, axis=wa)

