"""Global configuration: floatx, epsilon, image data format (Keras's keras.json)."""
from __future__ import annotations

import json
import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def fkeras_home() -> str:
    return os.path.expanduser(os.environ.get("FKERAS_HOME", os.path.join("~", ".fkeras")))


def floatx() -> str:
    """The default float type, as a string (e.g. ``'float32'``)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type (what ``floatx()`` returns, and new weights' dtype).

    Args:
        value: One of ``'bfloat16'``, ``'float16'``, ``'float32'``, ``'float64'``.
    """
    global _FLOATX
    accepted = {"bfloat16", "float16", "float32", "float64"}
    value = str(value)
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {sorted(accepted)}.")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default ``1e-7``)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor ``epsilon()`` returns.

    Args:
        value: A small positive float.
    """
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """``'channels_last'`` (default) or ``'channels_first'``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout of convolution, pooling and image layers.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``.
    """
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """``data_format`` lower-cased and checked, or ``image_data_format()`` when it is None.

    Args:
        data_format: ``'channels_last'``, ``'channels_first'`` (any case) or None.

    Returns:
        ``'channels_last'`` or ``'channels_first'``.
    """
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return value


def backend() -> str:
    """fkeras always runs on JAX."""
    return "jax"


def _load_user_config() -> None:
    path = os.path.join(fkeras_home(), "fkeras.json")
    if not os.path.exists(path):
        return
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return
    if "floatx" in cfg:
        set_floatx(cfg["floatx"])
    if "epsilon" in cfg:
        set_epsilon(cfg["epsilon"])
    if "image_data_format" in cfg:
        set_image_data_format(cfg["image_data_format"])


_load_user_config()
