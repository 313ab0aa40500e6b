"""Adaptive pooling layers: average / max pooling to a fixed output size (1D, 2D, 3D).

The window of output position ``i`` along an axis of length ``n`` pooled to ``out`` covers
the inputs ``floor(i * n / out)`` up to (excluding) ``ceil((i + 1) * n / out)`` (PyTorch's
rule, as in Keras 3), so any input size maps to ``output_size``. The arithmetic lives in
:func:`fkeras.ops.adaptive_average_pool` / :func:`fkeras.ops.adaptive_max_pool`.
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.ops.spatial import adaptive_average_pool, adaptive_max_pool

_AXIS_NAMES = {1: "(length,)", 2: "(height, width)", 3: "(depth, height, width)"}


def _standardize_output_size(output_size, rank, where):
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        output_size = (output_size,) * rank
    elif isinstance(output_size, (tuple, list)):
        if len(output_size) != rank:
            raise ValueError(f"{where}: `output_size` must be an int or a tuple of {rank} ints "
                             f"{_AXIS_NAMES[rank]}. Received: output_size={output_size!r}")
        output_size = tuple(output_size)
    else:
        raise TypeError(f"{where}: `output_size` must be an int or a tuple of {rank} ints "
                        f"{_AXIS_NAMES[rank]}. Received: {output_size!r} of type {type(output_size).__name__}")
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in output_size):
        raise ValueError(f"{where}: every entry of `output_size` must be a positive int. "
                         f"Received: output_size={output_size!r}")
    return output_size


class BaseAdaptivePooling(Layer):
    """Shared adaptive pooling over ``rank`` spatial axes (subclasses fix the rank and mode)."""

    _rank = None
    _mode = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.output_size = _standardize_output_size(output_size, self._rank, where)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.built = True

    def call(self, inputs):
        if self._mode == "max":
            return adaptive_max_pool(inputs, self.output_size, data_format=self.data_format)
        if not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.compute_dtype)
        return adaptive_average_pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self._rank + 2:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank "
                             f"{self._rank + 2}. Received: input_shape={input_shape}")
        if self.data_format == "channels_last":
            return (input_shape[0],) + self.output_size + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + self.output_size

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = inputs.dtype
        if jnp.issubdtype(jnp.dtype(dtype), jnp.floating) or self._mode == "average":
            dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Average pooling of a sequence to exactly ``output_size`` steps.

    Args:
        output_size: Int, or tuple of one int: the number of output steps.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); the global image data format
            when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveAveragePooling1D(4)(np.ones((2, 10, 3))).shape
        (2, 4, 3)
    """

    _rank, _mode = 1, "average"


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Average pooling of images to exactly ``output_size`` ``(height, width)``.

    Args:
        output_size: Int (same for both axes) or ``(height, width)``.
        data_format: ``"channels_last"`` (inputs ``(batch, h, w, c)``) or ``"channels_first"``
            (``(batch, c, h, w)``); the global image data format when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveAveragePooling2D((2, 3))(np.ones((1, 7, 9, 4))).shape
        (1, 2, 3, 4)
    """

    _rank, _mode = 2, "average"


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Average pooling of volumes to exactly ``output_size`` ``(depth, height, width)``.

    Args:
        output_size: Int (same for all axes) or ``(depth, height, width)``.
        data_format: ``"channels_last"`` (inputs ``(batch, d, h, w, c)``) or
            ``"channels_first"`` (``(batch, c, d, h, w)``); the global image data format when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveAveragePooling3D(2)(np.ones((1, 5, 5, 5, 2))).shape
        (1, 2, 2, 2, 2)
    """

    _rank, _mode = 3, "average"


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of a sequence to exactly ``output_size`` steps.

    Args:
        output_size: Int, or tuple of one int: the number of output steps.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); the global image data format
            when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveMaxPooling1D(4)(np.ones((2, 10, 3))).shape
        (2, 4, 3)
    """

    _rank, _mode = 1, "max"


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of images to exactly ``output_size`` ``(height, width)``.

    Args:
        output_size: Int (same for both axes) or ``(height, width)``.
        data_format: ``"channels_last"`` (inputs ``(batch, h, w, c)``) or ``"channels_first"``
            (``(batch, c, h, w)``); the global image data format when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveMaxPooling2D(3)(np.ones((1, 8, 8, 4))).shape
        (1, 3, 3, 4)
    """

    _rank, _mode = 2, "max"


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of volumes to exactly ``output_size`` ``(depth, height, width)``.

    Args:
        output_size: Int (same for all axes) or ``(depth, height, width)``.
        data_format: ``"channels_last"`` (inputs ``(batch, d, h, w, c)``) or
            ``"channels_first"`` (``(batch, c, d, h, w)``); the global image data format when ``None``.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> AdaptiveMaxPooling3D((1, 2, 2))(np.ones((1, 4, 4, 4, 2))).shape
        (1, 1, 2, 2, 2)
    """

    _rank, _mode = 3, "max"


__all__ = [
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
]
