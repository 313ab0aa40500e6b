"""Deterministic contrast layers: Keras 3's ``AutoContrast``, ``Equalization`` and
``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE).

They need no random key. ``AutoContrast`` and CLAHE act in training and at inference, as in Keras;
``Equalization`` acts only with ``training=True`` (Keras's behaviour, although its docstring says
otherwise). Each works on every image and channel on its own, in the ``[0, 255]`` scale, with
``value_range`` mapped to it and back. Histograms are built with ``jnp.bincount`` (a scatter-add),
so everything runs under ``jax.jit``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.layers.preprocessing.color import PixelLayer, _is_number, check_value_range, rescale

__all__ = ["AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "Equalization"]


def _to_nhwc(images, data_format):
    return images if data_format == "channels_last" else jnp.transpose(images, (0, 2, 3, 1))


def _from_nhwc(images, data_format):
    return images if data_format == "channels_last" else jnp.transpose(images, (0, 3, 1, 2))


class _ContrastLayer(PixelLayer):
    """A non-random image layer: ``transform_images(images, None)`` on a batch, jitted once."""

    _ACTIVE_AT_INFERENCE = False

    def _call_images(self, images, training):
        x = jnp.asarray(images)
        self._check_rank(x)
        x = x.astype(self.compute_dtype)
        if not training and not self._ACTIVE_AT_INFERENCE:
            return x
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        fn = self.__dict__.get("_transform_compiled")
        if fn is None:
            fn = jax.jit(lambda images: self.transform_images(images, None))
            object.__setattr__(self, "_transform_compiled", fn)
        out = fn(x)
        return out[0] if unbatched else out

    def get_random_transformation(self, images, key):
        return None


class AutoContrast(_ContrastLayer):
    """Stretches each channel of each image to span the whole ``value_range``.

    Per image and channel, the minimum becomes ``value_range[0]`` and the maximum
    ``value_range[1]``; a constant channel is left unchanged. Active in training and at inference.

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        **kwargs: base layer arguments, including ``data_format``.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        keras.layers.AutoContrast(value_range=(0, 1))(images)
    """

    _ACTIVE_AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range(value_range, "AutoContrast")

    def transform_images(self, images, t=None):
        x = rescale(images, self.value_range, (0, 255))
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        low = jnp.min(x, axis=axes, keepdims=True)
        high = jnp.max(x, axis=axes, keepdims=True)
        scale = 255.0 / (high - low)
        out = jnp.clip(x * scale - low * scale, 0.0, 255.0)
        out = rescale(out, (0, 255), self.value_range)
        return jnp.where(jnp.isnan(out), images, out)  # constant channels: 0 * inf

    def get_config(self):
        return self._config(value_range=self.value_range)


class Equalization(_ContrastLayer):
    """Histogram equalization of each channel of each image.

    Values (in the ``[0, 255]`` scale) fall into ``bins`` equal bins; each is replaced by the
    rounded, rescaled cumulative count of its bin, so the output levels spread over ``[0, 255]``.
    A channel with a single occupied bin is left unchanged. Active only with ``training=True``.
    (Keras pools the histogram of a channel over the whole batch; here each image has its own, so a
    result never depends on the other images in the batch or on padding.)

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        bins: number of histogram bins; defaults to 256.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        keras.layers.Equalization(value_range=(0, 1), bins=128)(images, training=True)
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(f"Equalization: `bins` should be a positive integer. Received: bins={bins!r}")
        self.bins = bins
        self.value_range = check_value_range(value_range, "Equalization")

    def _affine(self, x, source, target):
        scale = (target[1] - target[0]) / (source[1] - source[0])
        return x * scale + (target[0] - source[0] * scale)

    def transform_images(self, images, t=None):
        bins = self.bins
        x = _to_nhwc(images, self.data_format).astype(jnp.float32)  # float32 bins, whatever the policy
        x = self._affine(x, self.value_range, (0, 255))
        b, h, w, c = x.shape
        flat = jnp.transpose(x, (0, 3, 1, 2)).reshape(b, c, h * w)
        levels = jnp.clip((flat * (bins - 1) / 255.0).astype(jnp.int32), 0, bins - 1)
        hist = jax.vmap(jax.vmap(lambda v: jnp.bincount(v, length=bins)))(levels)
        cdf = jnp.cumsum(hist, axis=-1)
        cdf_min = jnp.take_along_axis(cdf, jnp.argmax(cdf > 0, axis=-1)[..., None], axis=-1)
        denom = cdf[..., -1:] - cdf_min
        denom = jnp.where(denom == 0, 1, denom)
        lut = jnp.clip(jnp.round((cdf - cdf_min) * 255 / denom.astype(jnp.float32)), 0, 255)
        lookup = jnp.clip(flat / 255.0 * (bins - 1), 0, bins - 1).astype(jnp.int32)
        out = jnp.take_along_axis(lut, lookup, axis=-1).astype(x.dtype)
        out = jnp.where(jnp.count_nonzero(hist, axis=-1)[..., None] <= 1, flat, out)
        out = jnp.transpose(out.reshape(b, c, h, w), (0, 2, 3, 1))
        out = self._affine(out, (0, 255), self.value_range)
        return _from_nhwc(out, self.data_format).astype(images.dtype)

    def get_config(self):
        return self._config(bins=self.bins, value_range=self.value_range)


def _clahe_nhwc(x, grid, clip_limit):
    """CLAHE of ``(batch, height, width, channels)`` images in ``[0, 255]``."""
    b, h, w, c = x.shape
    gh, gw = grid
    th, tw = -(-h // gh), -(-w // gw)  # tile size (ceil)
    ph, pw = th * gh - h, tw * gw - w
    if ph or pw:
        x = jnp.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="symmetric")
    hp, wp = th * gh, tw * gw
    levels = jnp.clip(x, 0, 255).astype(jnp.int32)
    # One 256-bin histogram per (image, tile row, tile column, channel).
    tiles = levels.reshape(b, gh, th, gw, tw, c).transpose(0, 1, 3, 5, 2, 4).reshape(-1, th * tw)
    offsets = (jnp.arange(tiles.shape[0]) * 256)[:, None]
    hist = jnp.bincount((tiles + offsets).reshape(-1), length=tiles.shape[0] * 256)
    hist = hist.reshape(b, gh, gw, c, 256).astype(x.dtype)
    if clip_limit > 0:
        clipped = jnp.minimum(hist, clip_limit * th * tw / 256.0)
        hist = clipped + jnp.sum(hist - clipped, axis=-1, keepdims=True) / 256.0
    cdf = jnp.cumsum(hist, axis=-1)
    cdf_min = cdf[..., :1]
    denom = th * tw - cdf_min
    lut = jnp.clip((cdf - cdf_min) * 255.0 / jnp.where(denom == 0, 1.0, denom), 0, 255)
    # Replicate the border tiles so every pixel has four neighbouring tile centres.
    lut = jnp.pad(lut, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")

    def coords(n, tile, grid_n):
        pos = (jnp.arange(n, dtype=jnp.float32) - tile / 2.0) / tile + 1.0
        lo = jnp.floor(pos)
        frac = pos - lo
        return (jnp.clip(lo, 0, grid_n + 1).astype(jnp.int32), jnp.clip(lo + 1, 0, grid_n + 1).astype(jnp.int32),
                frac.astype(x.dtype))

    y0, y1, wy = coords(hp, th, gh)
    x0, x1, wx = coords(wp, tw, gw)
    bi = jnp.arange(b)[:, None, None, None]
    ci = jnp.arange(c)[None, None, None, :]
    ya, yb, wy = y0[None, :, None, None], y1[None, :, None, None], wy[None, :, None, None]
    xa, xb, wx = x0[None, None, :, None], x1[None, None, :, None], wx[None, None, :, None]
    at = lambda yy, xx: lut[bi, yy, xx, ci, levels]  # noqa: E731
    top = at(ya, xa) * (1 - wx) + at(ya, xb) * wx
    bottom = at(yb, xa) * (1 - wx) + at(yb, xb) * wx
    return (top * (1 - wy) + bottom * wy)[:, :h, :w, :]


class ContrastLimitedAdaptiveHistogramEqualization(_ContrastLayer):
    """Contrast Limited Adaptive Histogram Equalization (CLAHE) of each channel of each image.

    The image (in the ``[0, 255]`` scale) is cut into a ``tile_grid_size`` grid of tiles (the bottom
    and right edges mirrored to fill the last tiles). Each tile's 256-bin histogram is clipped at
    ``clip_limit * tile_pixels / 256`` with the excess spread evenly over all bins, and turned into
    an equalizing lookup table; every pixel's output is the bilinear blend of the tables of its four
    nearest tile centres. Active in training and at inference, as in Keras.

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        clip_limit: contrast limit; ``0`` or less disables clipping (plain adaptive equalization).
            Defaults to 4.0.
        tile_grid_size: ``(rows, columns)`` of tiles; defaults to ``(8, 8)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype.

    Example:
        clahe = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(4, 4))
        clahe(images)
    """

    _ACTIVE_AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        self.value_range = check_value_range(value_range, name, sort=False)
        if not _is_number(clip_limit):
            raise ValueError(f"{name}: `clip_limit` should be a number. Received: clip_limit={clip_limit!r}")
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in tile_grid_size)):
            raise ValueError(
                f"{name}: `tile_grid_size` should be a tuple of two positive integers (rows, columns). "
                f"Received: tile_grid_size={tile_grid_size!r}")
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, t=None):
        x = _to_nhwc(images, self.data_format).astype(jnp.float32)
        x = rescale(x, self.value_range, (0, 255))
        out = _clahe_nhwc(x, tuple(self.tile_grid_size), self.clip_limit)
        out = rescale(out, (0, 255), self.value_range)
        return _from_nhwc(out, self.data_format).astype(images.dtype)

    def get_config(self):
        return self._config(value_range=self.value_range, clip_limit=self.clip_limit,
                            tile_grid_size=self.tile_grid_size)
