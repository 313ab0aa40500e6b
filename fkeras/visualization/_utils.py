"""Small shared helpers of ``keras.visualization``: array conversion, argument checks, the optional
matplotlib import."""
from __future__ import annotations

import numpy as np

from fkeras.backend.config import standardize_data_format


def to_numpy(x):
    """A numpy view/copy of an array-like (numpy, jax, list)."""
    return np.asarray(x)


def check_batched_images(images, fn_name):
    """``images`` as numpy, or a ValueError unless it is a 4-D batch."""
    images = to_numpy(images)
    if images.ndim != 4:
        raise ValueError(
            f"{fn_name}: `images` must be a batched 4-D array (batch, height, width, channels), or "
            f"(batch, channels, height, width) with data_format='channels_first'. Received: "
            f"images.shape={images.shape}"
        )
    return images


def data_format_of(data_format):
    """``data_format`` or the configured default, validated."""
    return standardize_data_format(data_format)


def to_channels_last(images, data_format):
    """``images`` (4-D) in channels-last order."""
    return np.transpose(images, (0, 2, 3, 1)) if data_format == "channels_first" else images


def to_channels_first(images, data_format):
    """Undo ``to_channels_last``."""
    return np.transpose(images, (0, 3, 1, 2)) if data_format == "channels_first" else images


def check_color(color, name, fn_name):
    """``color`` as a tuple of 1, 3 or 4 numbers in ``[0, 255]``, or a ValueError."""
    try:
        values = tuple(float(c) for c in np.asarray(color, dtype="float64").reshape(-1))
    except (TypeError, ValueError):
        values = None
    if not values or len(values) not in (1, 3, 4) or not all(0 <= v <= 255 for v in values):
        raise ValueError(
            f"{fn_name}: `{name}` must be an RGB tuple of 3 values in [0, 255] (1 or 4 values are accepted "
            f"too). Received: {name}={color!r}"
        )
    return values


def color_for_channels(color, channels, fn_name):
    """A color with one value per image channel: grayscale images take the first value, RGBA images
    get an opaque alpha when only RGB is given."""
    if channels == 1:
        return color[:1]
    if channels == 3 and len(color) >= 3:
        return color[:3]
    if channels == 4 and len(color) == 3:
        return color + (255.0,)
    if channels == len(color):
        return color
    raise ValueError(
        f"{fn_name}: cannot draw the color {color} on images with {channels} channels; images must have "
        "1 (grayscale), 3 (RGB) or 4 (RGBA) channels"
    )


def import_pyplot(fn_name):
    """``matplotlib.pyplot``, or an ImportError saying how to install matplotlib."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            f"`keras.visualization.{fn_name}` needs matplotlib, which is not installed. Install it with "
            "`pip install matplotlib`."
        ) from err
    return plt


def to_uint8_range(images, value_range, fn_name):
    """Map ``images`` from ``value_range`` onto ``[0, 255]`` as float32 (no clipping)."""
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        low = high = None
    if low is None or not high > low:
        raise ValueError(
            f"{fn_name}: `value_range` must be a pair (low, high) with high > low. Received: "
            f"value_range={value_range!r}"
        )
    images = np.asarray(images, dtype="float32")
    if (low, high) == (0.0, 255.0):
        return images
    return (images - np.float32(low)) / np.float32(high - low) * np.float32(255.0)
