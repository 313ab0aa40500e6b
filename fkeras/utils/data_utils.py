"""``keras.utils.pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``: the tuple formats
``model.fit`` reads (``x``, ``(x,)``, ``(x, y)``, ``(x, y, sample_weight)``)."""
from __future__ import annotations

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Pack data into the tuple format ``Model.fit()`` uses.

    A single ``x`` is returned as it is (a list or tuple ``x`` -- several model inputs -- is
    wrapped as ``(x,)`` so it is not mistaken for ``(x, y)``); with ``y``: ``(x, y)``; with a
    ``sample_weight``: ``(x, y, sample_weight)``.

    Args:
        x: The inputs (an array, or a list/tuple/dict of arrays for several inputs).
        y: The targets, or ``None``.
        sample_weight: The per-sample weights, or ``None``.

    Example:

    >>> x, y = np.ones((10, 1)), np.ones((10, 1))
    >>> keras.utils.pack_x_y_sample_weight(x) is x
    True
    >>> len(keras.utils.pack_x_y_sample_weight(x, y))
    2
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """Split one batch into ``(x, y, sample_weight)``, with ``None`` for what is missing.

    The inverse of ``pack_x_y_sample_weight``, handy in a custom ``train_step``.

    Args:
        data: A batch: ``x`` alone, or a tuple (or list) ``(x,)``, ``(x, y)`` or
            ``(x, y, sample_weight)``.

    Returns:
        The tuple ``(x, y, sample_weight)``.

    Raises:
        ValueError: If ``data`` is a tuple of more than three elements.

    Example:

    >>> x, y, sw = keras.utils.unpack_x_y_sample_weight((np.ones((2, 1)), np.zeros((2, 1))))
    >>> sw is None
    True
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found a tuple of {len(data)} elements: {data}")
