"""``keras.device(name)``: run the enclosed computations on one device (Keras 3's device scope)."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def device(device_name):
    """Place the arrays and computations created inside the block on ``device_name``.

    Args:
        device_name: ``"cpu"``, ``"gpu"`` or ``"tpu"``, optionally with an index (``"gpu:1"``; the
            index counts the devices of that platform, default 0), or a ``jax.Device``.

    Raises:
        ValueError: for a malformed name, an unknown platform or an index out of range.

    Example:
        with keras.device("cpu:0"):
            y = model.predict(x)
    """
    import jax

    if isinstance(device_name, str):
        platform, _, index = device_name.lower().partition(":")
        try:
            devices = jax.devices(platform)
        except RuntimeError as e:
            raise ValueError(f"keras.device: no {platform!r} devices in this process; received "
                             f"device_name={device_name!r}. Available: {jax.devices()}") from e
        if index and not index.isdigit():
            raise ValueError(f"keras.device: expected a name like 'gpu:0'; received device_name={device_name!r}.")
        i = int(index or 0)
        if i >= len(devices):
            raise ValueError(f"keras.device: {device_name!r} is out of range; this process has {len(devices)} "
                             f"{platform} device(s).")
        target = devices[i]
    else:
        target = device_name
    with jax.default_device(target):
        yield
