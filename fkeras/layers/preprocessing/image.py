"""Image preprocessing: ``Resizing``, ``CenterCrop`` and the shared image ops (resize, affine warp).

Resizing runs ``jax.image.resize`` exactly as Keras 3's JAX backend does (half-pixel centres,
``antialias`` off unless asked), so outputs agree with Keras-on-JAX; Keras-on-TensorFlow uses
``tf.image.resize`` whose ``"nearest"`` rounding and antialiasing kernels differ slightly.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.preprocessing._base import check_choice

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
AFFINE_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


# --- ops (channels_last, rank 3 or 4) -------------------------------------------------------

def _hw_axes(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 3, ndim - 2
    return ndim - 2, ndim - 1


def _crop_box(height, width, target_h, target_w):
    """Largest centred window of the target aspect ratio (Keras ``crop_to_aspect_ratio``)."""
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_value=0.0, data_format=None):
    """Resize a rank-3/4 image batch to ``size=(height, width)`` (Keras's ``ops.image.resize``)."""
    data_format = backend_config.standardize_data_format(data_format)
    if images.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={images.shape}"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    th, tw = int(size[0]), int(size[1])
    ha, wa = _hw_axes(images.ndim, data_format)
    h, w = images.shape[ha], images.shape[wa]
    if crop_to_aspect_ratio:
        hs, ws, ch, cw = _crop_box(h, w, th, tw)
        images = jax.lax.slice_in_dim(images, hs, hs + ch, axis=ha)
        images = jax.lax.slice_in_dim(images, ws, ws + cw, axis=wa)
    elif pad_to_aspect_ratio:
        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        hs, ws = int(float(ph - h) / 2), int(float(pw - w) / 2)
        pads = [(0, 0)] * images.ndim
        if hs > 0:
            pads[ha] = (hs, hs)
        elif ws > 0:
            pads[wa] = (ws, ws)
        images = jnp.pad(images, pads, constant_values=jnp.asarray(fill_value, images.dtype))
    out_shape = list(images.shape)
    out_shape[ha], out_shape[wa] = th, tw
    return jax.image.resize(images, tuple(out_shape), method=interpolation, antialias=antialias)


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format=None):
    """Warp images by per-image affine maps (Keras's ``ops.image.affine_transform``).

    ``transforms``: ``(batch, 8)`` rows ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping each *output*
    pixel ``(x, y)`` to the input point ``x_in = a0*x + a1*y + a2``, ``y_in = b0*x + b1*y + b2``
    (projective terms ``c0, c1`` must be 0). Sampled with ``jax.scipy.ndimage.map_coordinates``
    (order 0/1), one vectorized gather per channel — no Python loop over pixels.
    """
    data_format = backend_config.standardize_data_format(data_format)
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
        transforms = jnp.reshape(transforms, (1, 8))
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))
    _, h, w, _ = images.shape
    order = AFFINE_INTERPOLATIONS[interpolation]
    yy, xx = jnp.meshgrid(jnp.arange(h, dtype=jnp.float32), jnp.arange(w, dtype=jnp.float32), indexing="ij")
    t = transforms.astype(jnp.float32)

    def warp_one(img, tr):
        x_in = tr[0] * xx + tr[1] * yy + tr[2]
        y_in = tr[3] * xx + tr[4] * yy + tr[5]
        sample = lambda ch: jax.scipy.ndimage.map_coordinates(  # noqa: E731
            ch, [y_in, x_in], order=order, mode=fill_mode, cval=fill_value)
        return jax.vmap(sample, in_axes=-1, out_axes=-1)(img)

    out = jax.vmap(warp_one)(images, t).astype(images.dtype)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out[0] if unbatched else out


def image_output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    if len(shape) not in (3, 4):
        raise ValueError(
            "Expected an image input of rank 3 (unbatched) or 4 (batched). "
            f"Received: input_shape={tuple(input_shape)}"
        )
    ha, wa = _hw_axes(len(shape), data_format)
    shape[ha], shape[wa] = height, width
    return tuple(shape)


def saturate_cast(x, dtype):
    """Round and clip float ``x`` into integer ``dtype``'s range, then cast."""
    info = jnp.iinfo(dtype)
    return jnp.clip(jnp.round(x), info.min, info.max).astype(dtype)


class _ImageLayer(Layer):
    """Rank-3/4 image input; output shape from ``compute_output_shape`` (no tracing)."""

    def _check_rank(self, inputs):
        if inputs.ndim not in (3, 4):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects images of rank 3 (unbatched) or "
                f"4 (batched). Received inputs.shape={tuple(inputs.shape)}"
            )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _output_dtype(self, input_dtype):
        return self.compute_dtype

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self._output_dtype(inputs.dtype))


class Resizing(_ImageLayer):
    """Resizes images to ``(height, width)``.

    ``crop_to_aspect_ratio`` crops the largest centred window with the target aspect ratio first;
    ``pad_to_aspect_ratio`` pads the short side evenly with ``fill_value`` instead. Integer images
    are rounded and clipped back to their dtype (as Keras).

    Args:
        height: integer, the output height.
        width: integer, the output width.
        interpolation: ``"bilinear"`` (the default), ``"nearest"``, ``"bicubic"``, ``"lanczos3"`` or
            ``"lanczos5"``.
        crop_to_aspect_ratio: if ``True``, crop the largest centred window with the target aspect ratio
            before resizing, so the image is not distorted. Defaults to ``False``.
        pad_to_aspect_ratio: if ``True``, pad the image evenly on its short side to the target aspect
            ratio before resizing, so nothing is cropped or distorted. Defaults to ``False``; cannot
            be combined with ``crop_to_aspect_ratio``.
        fill_mode: how the padding of ``pad_to_aspect_ratio`` is filled; only ``"constant"`` (the
            default) is supported.
        fill_value: the padding value with ``pad_to_aspect_ratio``; defaults to 0.0.
        antialias: if ``True``, apply an anti-aliasing filter when downsampling. Defaults to ``False``.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The same layout with the target ``height`` and ``width``.

    Call arguments:
        inputs: the images.

    Raises:
        ValueError: for an unknown ``interpolation``, a ``fill_mode`` other than ``"constant"``, or both
            aspect-ratio options.

    Example:
        keras.layers.Resizing(64, 64)(np.zeros((2, 32, 48, 3)))   # (2, 64, 64, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)
        check_choice(interpolation, RESIZE_INTERPOLATIONS, "interpolation", "Resizing")
        if fill_mode != "constant":
            raise ValueError(
                f"Resizing: only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.built = True

    def _output_dtype(self, input_dtype):
        return str(input_dtype) if jnp.issubdtype(input_dtype, jnp.integer) else self.compute_dtype

    def call(self, inputs):
        inputs = jnp.asarray(inputs)
        self._check_rank(inputs)
        x = inputs.astype(self.compute_dtype)
        out = resize(x, (self.height, self.width), interpolation=self.interpolation,
                     antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                     pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_value=self.fill_value,
                     data_format=self.data_format)
        if jnp.issubdtype(inputs.dtype, jnp.integer):
            return saturate_cast(out, inputs.dtype)
        return out

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias, "data_format": self.data_format,
        })
        return config


class CenterCrop(_ImageLayer):
    """Crops the central ``(height, width)`` window.

    When the input is smaller than the target on either side, the largest centred window with
    the target aspect ratio is resized (bilinear) to the target instead (Keras's ``smart_resize``).
    If the height/width difference is odd, the extra row/column is dropped at the end.

    Args:
        height: integer, the height of the crop.
        width: integer, the width of the crop.
        data_format: ``"channels_last"`` (images ``(..., height, width, channels)``) or
            ``"channels_first"`` (``(..., channels, height, width)``); ``None`` uses
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` or an unbatched ``(height, width, channels)`` image
        (channels first: ``(..., channels, height, width)``).

    Output shape:
        The same layout with the target ``height`` and ``width``.

    Call arguments:
        inputs: the images.

    Example:
        keras.layers.CenterCrop(2, 2)(np.arange(16.).reshape(4, 4, 1))[..., 0]   # [[5, 6], [9, 10]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.built = True

    def call(self, inputs):
        x = jnp.asarray(inputs).astype(self.compute_dtype)
        self._check_rank(x)
        ha, wa = _hw_axes(x.ndim, self.data_format)
        h, w = x.shape[ha], x.shape[wa]
        dh, dw = h - self.height, w - self.width
        if dh >= 0 and dw >= 0:
            x = jax.lax.slice_in_dim(x, dh // 2, dh // 2 + self.height, axis=ha)
            return jax.lax.slice_in_dim(x, dw // 2, dw // 2 + self.width, axis=wa)
        return resize(x, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config
