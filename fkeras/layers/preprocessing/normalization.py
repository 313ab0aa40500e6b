"""Numerical preprocessing: ``Normalization`` (with ``adapt``) and ``Rescaling``."""
from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as backend_config
from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.preprocessing._base import to_host


def _first_of(batch):
    """``(x, y[, sample_weight])`` batches adapt on ``x``."""
    return batch[0] if isinstance(batch, tuple) else batch


def _iter_batches(data, steps=None):
    """Batches from an iterable of arrays, a ``PyDataset``-like object (``__getitem__`` +
    ``__len__``) or a generator; stops after ``steps`` batches when given."""
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (list, tuple)):
        it = (data[i] for i in range(len(data)))
    else:
        it = iter(data)
    if steps is not None:
        it = itertools.islice(it, int(steps))
    return it


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance: ``(x - mean) / sqrt(var)``.

    ``mean`` and ``variance`` are given, or learned with ``adapt(data)`` (a numpy array, or an
    iterable of batches combined with a numerically stable streaming update). ``axis`` lists the
    axes that keep separate statistics (``None``: one scalar mean/variance). ``invert=True`` maps
    normalized values back: ``mean + x * sqrt(var)``.

    Args:
        axis: The axis or axes that keep separate statistics (e.g. -1: one mean and variance per feature); ``None``
            for a single scalar mean and variance. Defaults to -1.
        mean: The mean to use (a scalar or an array broadcastable to the kept axes), instead of learning it with
            ``adapt``; pass ``variance`` with it. Defaults to ``None``.
        variance: The variance to use, with ``mean``. Defaults to ``None``.
        invert: If ``True``, undo the normalization instead: ``mean + x * sqrt(variance)``. Defaults to ``False``.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        layer = keras.layers.Normalization(axis=-1)
        layer.adapt(np.array([[0., 7.], [2., 9.]]))
        layer(np.array([[0., 7.]]))   # [[-1., -1.]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must be "
                f"set. Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. Received: mean "
                    f"shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` must be <= the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}"
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization: all `axis` values must be in the range [-ndim, ndim). Received inputs "
                f"with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "Normalization: all `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={input_shape}, with unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)
        else:
            self._const_mean = self._broadcast_given(self.input_mean, ndim)
            self._const_variance = self._broadcast_given(self.input_variance, ndim)
        self.built = True

    def _broadcast_given(self, value, ndim):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim > 0:
            # Align the given dims with the kept axes, right to left (as Keras).
            expanded = [1] * ndim
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(expanded)
        try:
            return np.broadcast_to(value, self._broadcast_shape).astype(np.float32)
        except ValueError as e:
            raise ValueError(
                f"Normalization: `mean`/`variance` of shape {np.shape(self.input_mean)} cannot be "
                f"broadcast to the kept axes shape {self._mean_and_var_shape}."
            ) from e

    # --- adapt ----------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` over the reduced axes.

        ``data``: a numpy/jax array (one pass, float64), or an iterable of batches (lists of
        arrays, generators, ``PyDataset``, ``(x, y)`` batches use ``x``), combined with Chan's
        parallel update so the result equals the one-shot statistics. ``steps`` limits the
        number of batches; ``batch_size`` is accepted for Keras compatibility (arrays are
        reduced in one pass).
        """
        if isinstance(data, (np.ndarray, np.generic)) or hasattr(data, "__jax_array__") or \
                type(data).__module__.startswith("jax"):
            batches = [to_host(data)]
        elif isinstance(data, (list, tuple)) and data and isinstance(data[0], (int, float)):
            batches = [np.asarray(data)]
        elif hasattr(data, "__iter__") or hasattr(data, "__getitem__"):
            batches = _iter_batches(data, steps)
        else:
            raise TypeError(
                f"Normalization.adapt: unsupported data type {type(data).__name__}. Expected a "
                "numpy array or an iterable of batches (list, generator, PyDataset)."
            )
        n_total = 0
        mean = m2 = None
        for batch in batches:
            x = to_host(_first_of(batch)).astype(np.float64)
            if not self.built:
                self.build(x.shape)
                self._maybe_mark_built(x.shape)
            self._check_adapt_shape(x.shape)
            n = math.prod(x.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            if n == 0:
                continue
            b_mean = x.mean(axis=self._reduce_axis) if self._reduce_axis else x
            b_m2 = ((x - b_mean.reshape(self._broadcast_shape)) ** 2).sum(axis=self._reduce_axis) \
                if self._reduce_axis else np.zeros_like(x)
            if mean is None:
                mean, m2, n_total = b_mean, b_m2, n
            else:
                total = n_total + n
                delta = b_mean - mean
                mean = mean + delta * (n / total)
                m2 = m2 + b_m2 + delta ** 2 * (n_total * n / total)
                n_total = total
        if mean is None:
            raise ValueError("Normalization.adapt received no data (an empty iterable of batches).")
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt: cannot adapt a layer created with `mean` and `variance`.")
        var = m2 / n_total
        self.adapt_mean.assign(np.reshape(mean, self._mean_and_var_shape).astype(np.float32))
        self.adapt_variance.assign(np.reshape(var, self._mean_and_var_shape).astype(np.float32))
        self.count.assign(np.int32(min(n_total, np.iinfo(np.int32).max)))

    def _maybe_mark_built(self, shape):
        if self._build_shapes is None:
            self._build_shapes = tuple(shape)

    def _check_adapt_shape(self, shape):
        bs = self._build_input_shape
        if bs is None or len(shape) != len(bs) or any(
                shape[d] != bs[d] for d in self._keep_axis):
            raise ValueError(
                f"Normalization: the layer was built with input_shape={bs}, but adapt() received "
                f"data with an incompatible shape {tuple(shape)}."
            )

    @property
    def mean(self):
        """The mean subtracted from the inputs, shaped to broadcast against them (e.g. ``(1, features)``):
        the adapted statistics, or the ``mean`` given to the constructor. Exists once the layer is built."""
        return self._stat_of("mean")

    @property
    def variance(self):
        """The variance the inputs are divided by (its square root), shaped like ``mean``."""
        return self._stat_of("variance")

    def _stat_of(self, which):
        if not self.built:
            raise AttributeError(f"Normalization layer {self.name!r} has no `{which}` yet: call `adapt(data)`, "
                                 f"or build it (call it on data) after passing `mean` and `variance`.")
        return self._stats()[0 if which == "mean" else 1]

    # --- call -----------------------------------------------------------------------------
    def _stats(self):
        if self.input_mean is not None:
            return jnp.asarray(self._const_mean), jnp.asarray(self._const_variance)
        mean = jnp.reshape(self.adapt_mean.value, self._broadcast_shape)
        var = jnp.reshape(self.adapt_variance.value, self._broadcast_shape)
        return mean, var

    def call(self, inputs):
        inputs = jnp.asarray(inputs).astype(self.compute_dtype)
        mean, var = self._stats()
        mean = mean.astype(self.compute_dtype)
        std = jnp.maximum(jnp.sqrt(var.astype(self.compute_dtype)), backend_config.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(inputs.shape, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config):
        if config and not self.built:
            self.build(tuple(config["input_shape"]))
            self._build_shapes = tuple(config["input_shape"])


class Rescaling(Layer):
    """Multiplies inputs by ``scale`` and adds ``offset`` (e.g. ``scale=1/255`` maps pixels to [0, 1]).

    Integer inputs give float outputs. ``scale`` may be an array (per channel).

    Args:
        scale: The factor inputs are multiplied by: a float, or an array broadcastable to the inputs (e.g. one value
            per channel).
        offset: The value added after scaling (a float or an array). Defaults to 0.0.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        layer = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0)   # [0, 255] -> [-1, 1]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = jnp.asarray(self.scale, dtype)
        offset = jnp.asarray(self.offset, dtype)
        if scale.ndim > 0 and backend_config.image_data_format() == "channels_first":
            scale = jnp.reshape(scale, scale.shape + (1,) * (3 - scale.ndim))
        return jnp.asarray(inputs).astype(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(inputs.shape, self.compute_dtype)

    def get_config(self):
        from fkeras.saving import registry

        config = super().get_config()
        config.update({
            "scale": registry.serialize_keras_object(self.scale),
            "offset": registry.serialize_keras_object(self.offset),
        })
        return config

    @classmethod
    def from_config(cls, config):
        from fkeras.saving import registry

        config = dict(config)
        for k in ("scale", "offset"):
            if isinstance(config.get(k), dict):
                config[k] = registry.deserialize_keras_object(config[k])
        return super().from_config(config)
