"""Image file helpers (``keras.utils.load_img``, ``img_to_array``, ``array_to_img``, ``save_img``,
``keras.preprocessing.image.smart_resize``). Pillow is imported only when an image is read or written.
"""
from __future__ import annotations

import io
import os
import pathlib
import threading
import warnings

import numpy as np

from fkeras.backend import config

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize", "resize_array"]

_PIL_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_POOL = None
_POOL_LOCK = threading.Lock()


def load_pool():
    """A shared thread pool for decoding image files (Pillow releases the GIL while decoding)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import concurrent.futures

            _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2),
                                                          thread_name_prefix="fkeras-image-load")
        return _POOL


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow is a dependency of this module
        raise ImportError("Could not import PIL.Image. Reading and writing image files requires Pillow: "
                          "`pip install pillow`.") from e
    return Image


def _pil_resample(interpolation):
    Image = _pil()
    resampling = getattr(Image, "Resampling", Image)
    if interpolation not in _PIL_METHODS:
        raise ValueError(f"Invalid interpolation method {interpolation!r} for loading images; expected one of "
                         f"{_PIL_METHODS}.")
    return getattr(resampling, interpolation.upper())


def open_image(path):
    """Open ``path`` (path-like or file object) as a PIL image; a clear error for missing/unreadable files."""
    Image = _pil()
    if isinstance(path, (io.IOBase, io.BytesIO)) or hasattr(path, "read"):
        source, name = path, "<file object>"
    elif isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        if not os.path.exists(name):
            raise FileNotFoundError(f"Image file not found: {name!r}.")
        with open(name, "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(f"`path` should be a path-like object or a file object, not {type(path).__name__}.")
    try:
        img = Image.open(source)
        img.load()
    except Exception as e:  # PIL.UnidentifiedImageError, truncated files, ...
        raise ValueError(f"Could not read image file {name!r}: {e}. Is it a valid image "
                         "(png, jpg, jpeg, bmp, ppm, gif, tif)?") from e
    return img


def _convert_mode(img, color_mode):
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(f'`color_mode` must be "grayscale", "rgb", or "rgba"; received color_mode={color_mode!r}.')
    return img


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file into a PIL image.

    Args:
        path: path to the file (str / ``pathlib.Path``) or a file object (``io.BytesIO``).
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``None`` or ``(height, width)`` to resize to.
        interpolation: PIL resampling: ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"hamming"``,
            ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: center-crop to the target aspect ratio before resizing.

    Example:

    ```python
    img = keras.utils.load_img("cat.jpg", target_size=(224, 224))
    x = keras.utils.img_to_array(img)   # (224, 224, 3) float32
    ```
    """
    img = _convert_mode(open_image(path), color_mode)
    if target_size is not None:
        wh = (int(target_size[1]), int(target_size[0]))
        if img.size != wh:
            resample = _pil_resample(interpolation)
            if keep_aspect_ratio:
                width, height = img.size
                tw, th = wh
                crop_h = min(height, (width * th) // tw)
                crop_w = min(width, (height * tw) // th)
                h0, w0 = (height - crop_h) // 2, (width - crop_w) // 2
                img = img.resize(wh, resample, box=(w0, h0, w0 + crop_w, h0 + crop_h))
            else:
                img = img.resize(wh, resample)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """Convert a PIL image to a 3-D numpy array.

    A grayscale image gets a channel axis of size 1.

    Args:
        img: A PIL image (e.g. from ``keras.utils.load_img``), or anything ``np.asarray`` turns into
            a 2-D or 3-D array.
        data_format: ``"channels_last"`` (``(height, width, channels)``) or ``"channels_first"``
            (``(channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.
        dtype: Dtype of the array; ``None`` (default) uses ``keras.backend.floatx()``.

    Returns:
        A numpy array of shape ``(height, width, channels)`` or ``(channels, height, width)``; pixel
        values are not rescaled (0 to 255 for 8-bit images).

    Raises:
        ValueError: If the image does not give a 2-D or 3-D array, or ``data_format`` is invalid.

    Example:

    ```python
    img = keras.utils.load_img("cat.jpg", target_size=(224, 224))
    x = keras.utils.img_to_array(img)   # (224, 224, 3) float32
    ```
    """
    data_format = config.standardize_data_format(data_format)
    dtype = dtype or config.floatx()
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape) if data_format == "channels_first" else x.reshape(x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Convert a 3-D array to a PIL image.

    1 channel gives an ``"L"`` image (``"I"`` if values exceed 255 and ``scale=False``), 3 channels
    an ``"RGB"`` and 4 an ``"RGBA"`` image.

    Args:
        x: Array of shape ``(height, width, channels)`` (or channels first).
        data_format: ``"channels_last"`` (``(height, width, channels)``) or ``"channels_first"``
            (``(channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.
        scale: Whether to min-max rescale the values to ``[0, 255]`` first. Defaults to ``True``;
            with ``False`` the values must already be in that range.
        dtype: Dtype the array is read as before conversion; ``None`` (default) uses
            ``keras.backend.floatx()``.

    Returns:
        A PIL image.

    Raises:
        ValueError: If ``x`` is not 3-D or has a channel count other than 1, 3 or 4.

    Example:

    >>> img = keras.utils.array_to_img(np.random.rand(8, 8, 3))
    >>> img.size   # (8, 8)
    """
    Image = _pil()
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    c = x.shape[2]
    if c == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if c == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if c == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {c}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3-D array as an image file.

    The array goes through ``array_to_img``; an RGBA image saved as JPEG is converted to RGB with a
    warning.

    Args:
        path: File path (str or ``pathlib.Path``) or a writable file object.
        x: Array of shape ``(height, width, channels)`` (or channels first).
        data_format: ``"channels_last"`` (``(height, width, channels)``) or ``"channels_first"``
            (``(channels, height, width)``); ``None`` (default) uses
            ``keras.config.image_data_format()``.
        file_format: Image format such as ``"png"`` or ``"jpeg"``; ``None`` (default) takes it from
            the file extension.
        scale: Whether to min-max rescale the values to ``[0, 255]``. Defaults to ``True``.
        **kwargs: Extra keyword arguments for ``PIL.Image.save`` (e.g. ``quality=90``).

    Example:

    ```python
    keras.utils.save_img("out.png", np.random.rand(32, 32, 3))
    ```
    """
    data_format = config.standardize_data_format(data_format)
    img = array_to_img(x, data_format=data_format, scale=scale)
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format == "jpg":
        file_format = "jpeg"
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


# -- array resizing (tf.image.resize semantics: half-pixel centers, no antialiasing) -------------------

def _linear_weights(out_size, in_size):
    scale = in_size / out_size
    src = (np.arange(out_size) + 0.5) * scale - 0.5
    lo = np.floor(src)
    frac = (src - lo).astype(np.float32)
    i0 = np.clip(lo, 0, in_size - 1).astype(np.intp)
    i1 = np.clip(lo + 1, 0, in_size - 1).astype(np.intp)
    return i0, i1, frac


def resize_array(x, size, interpolation="bilinear", h_axis=-3):
    """Resize the two spatial axes ``(h_axis, h_axis + 1)`` of a numpy array to ``size`` (float output).

    ``"bilinear"`` and ``"nearest"`` follow ``tf.image.resize`` exactly (half-pixel centers, no
    antialiasing); other methods (``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``, ``"area"``,
    ``"gaussian"``, ``"mitchellcubic"``) go through ``jax.image.resize``.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    h_axis = h_axis % x.ndim
    w_axis = h_axis + 1
    in_h, in_w = x.shape[h_axis], x.shape[w_axis]
    out_h, out_w = int(size[0]), int(size[1])
    if (in_h, in_w) == (out_h, out_w):
        return x
    if interpolation == "nearest":
        rows = np.minimum(np.floor((np.arange(out_h) + 0.5) * in_h / out_h), in_h - 1).astype(np.intp)
        cols = np.minimum(np.floor((np.arange(out_w) + 0.5) * in_w / out_w), in_w - 1).astype(np.intp)
        return np.take(np.take(x, rows, axis=h_axis), cols, axis=w_axis)
    if interpolation == "bilinear":
        r0, r1, fr = _linear_weights(out_h, in_h)
        c0, c1, fc = _linear_weights(out_w, in_w)
        shape_r = [1] * x.ndim
        shape_r[h_axis] = out_h
        shape_c = [1] * x.ndim
        shape_c[w_axis] = out_w
        fr = fr.reshape(shape_r).astype(x.dtype)
        fc = fc.reshape(shape_c).astype(x.dtype)
        top, bottom = np.take(x, r0, axis=h_axis), np.take(x, r1, axis=h_axis)
        rows = top + (bottom - top) * fr
        left, right = np.take(rows, c0, axis=w_axis), np.take(rows, c1, axis=w_axis)
        return left + (right - left) * fc
    methods = {"bicubic": ("cubic", False), "lanczos3": ("lanczos3", False), "lanczos5": ("lanczos5", False),
               "area": ("linear", True), "gaussian": ("cubic", True), "mitchellcubic": ("cubic", False)}
    if interpolation not in methods:
        raise ValueError(f"Unknown interpolation {interpolation!r}; expected one of "
                         f"{('bilinear', 'nearest') + tuple(methods)}.")
    import jax

    method, antialias = methods[interpolation]
    shape = list(x.shape)
    shape[h_axis], shape[w_axis] = out_h, out_w
    return np.asarray(jax.image.resize(x, shape, method=method, antialias=antialias))


def _crop_box(height, width, target_h, target_w):
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", backend_module=None):
    """Resize images to ``size = (height, width)`` without distortion: center-crop to the target aspect
    ratio, then resize. ``x`` is one image (3-D) or a batch (4-D).

    Args:
        x: One image (a 3-D array) or a batch of images (4-D).
        size: ``(height, width)`` of the output.
        interpolation: The resizing method: ``"bilinear"`` (the default), ``"nearest"``, ``"bicubic"``, ``"area"``,
            ``"lanczos3"``, ``"lanczos5"``, ``"gaussian"`` or ``"mitchellcubic"``.
        data_format: ``"channels_last"`` (the default) or ``"channels_first"``.
        backend_module: Accepted for compatibility with Keras; the resizing always uses NumPy/JAX.
    """
    x = np.asarray(x)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if x.ndim not in (3, 4):
        raise ValueError(f"Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape {x.shape}.")
    data_format = config.standardize_data_format(data_format)
    h_axis = x.ndim - 3 if data_format == "channels_last" else x.ndim - 2
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    h0, w0, ch, cw = _crop_box(height, width, size[0], size[1])
    sl = [slice(None)] * x.ndim
    sl[h_axis] = slice(h0, h0 + ch)
    sl[h_axis + 1] = slice(w0, w0 + cw)
    return resize_array(x[tuple(sl)], size, interpolation=interpolation, h_axis=h_axis)
