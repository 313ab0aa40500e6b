"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (Keras 3 names, arguments and configs)."""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.activations import activations
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.initializers import serialization as initializers
from fkeras.regularizers import regularizers


def _check_non_negative(layer_name, arg, value, allow_none=False):
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or value < 0:
        raise ValueError(
            f"Argument `{arg}` of a {layer_name} layer must be a number >= 0"
            f"{' or None' if allow_none else ''}. Received: {arg}={value!r}"
        )


class ReLU(Layer):
    """Rectified linear unit with optional ceiling, leak and threshold.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold < x < max_value`` and
    ``negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: The ceiling of the output (a float >= 0), or ``None`` (the default) for none.
        negative_slope: The slope below ``threshold``, a float >= 0. Defaults to 0.
        threshold: The input value below which the output is ``negative_slope * (x - threshold)``. Defaults to 0.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        layer = keras.layers.ReLU(max_value=10, negative_slope=0.5)
        layer(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]))   # [-5., -2.5, 0., 5., 10.]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _check_non_negative("ReLU", "max_value", max_value, allow_none=True)
        _check_non_negative("ReLU", "negative_slope", negative_slope)
        _check_non_negative("ReLU", "threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(Layer):
    """Leaky ReLU: ``x`` for ``x >= 0``, ``negative_slope * x`` otherwise.

    tf.keras's ``alpha=`` is still accepted (with a ``DeprecationWarning``), as in Keras 3.

    Args:
        negative_slope: The slope for ``x < 0``, a float >= 0. Defaults to 0.3.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        layer = keras.layers.LeakyReLU(negative_slope=0.5)
        layer(np.array([-10.0, -5.0, 0.0, 5.0]))   # [-5., -2.5, 0., 5.]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or isinstance(negative_slope, bool) or \
                not isinstance(negative_slope, (int, float, np.number)) or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
                f"Expected a float. Received: negative_slope={negative_slope!r}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` otherwise, with a learned ``alpha``.

    ``alpha`` has the input's shape without the batch axis; ``shared_axes`` (1-based, the batch
    axis is 0) share one value along those axes.

    Args:
        alpha_initializer: initializer of ``alpha``; defaults to ``"Zeros"`` (the layer starts as a
            plain ReLU).
        alpha_regularizer: optional regularizer penalizing ``alpha``.
        alpha_constraint: optional constraint applied to ``alpha`` after each optimizer update.
        shared_axes: optional axis index or list of axis indices (>= 1) along which ``alpha`` is
            shared (size 1). ``None`` (the default) learns one ``alpha`` per input element.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        Any shape; the sizes of non-shared axes must be known at build time.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a ``shared_axes`` entry below 1 or out of range, or unknown non-shared sizes.

    Example:
        layer = keras.layers.PReLU(shared_axes=[1, 2])   # one alpha per channel of (B, H, W, C)
        layer(np.ones((2, 4, 4, 3))).shape               # (2, 4, 4, 3); layer.alpha.shape == (1, 1, 3)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)
        for a in self.shared_axes or []:
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1:
                raise ValueError(
                    f"PReLU {self.name!r}: every entry of `shared_axes` must be an axis index >= 1 "
                    f"(axis 0 is the batch axis). Received: shared_axes={shared_axes!r}"
                )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        param_shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if a >= len(input_shape):
                raise ValueError(
                    f"PReLU {self.name!r}: `shared_axes` entry {a} is out of range for inputs of "
                    f"rank {len(input_shape)}. Received input_shape={input_shape}"
                )
            param_shape[a - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU {self.name!r}: all non-batch input dimensions that are not in `shared_axes` "
                f"must be known to create `alpha`. Received input_shape={input_shape}, "
                f"shared_axes={self.shared_axes}"
            )
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = jnp.maximum(inputs, 0)
        neg = -self.alpha * jnp.maximum(-inputs, 0)
        return (pos + neg).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x >= 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: The scale of the negative part (its limit is ``-alpha``). Defaults to 1.0.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        keras.layers.ELU(alpha=0.5)(np.array([-1.0, 2.0]))   # [-0.316, 2.]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def large_negative_number(dtype):
    """The value masked logits get before a softmax (Keras: -3e4 for float16, else -1e9)."""
    return -3e4 if jnp.dtype(dtype) == jnp.float16 else -1e9


def _static_dims(shape):
    return tuple(d if isinstance(d, (int, np.integer)) else None for d in shape)


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of ints), with an optional boolean ``mask``.

    Masked positions (mask ``False`` / ``<= 0.5``) get a large negative logit before the softmax
    and exactly 0 after it (so a fully masked row is all zeros, as Keras 3).

    Args:
        axis: The axis (or list of axes) the softmax normalizes over. Defaults to -1.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        layer = keras.layers.Softmax()
        layer(np.array([1.0, 2.0, 1.0]))                            # [0.212, 0.576, 0.212]
        layer(np.array([[1.0, 2.0, 1.0]]), mask=np.array([[True, False, True]]))  # [[.5, 0, .5]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.compute_dtype)
        if mask is not None:
            mask = jnp.asarray(mask)
            m_shape, i_shape = _static_dims(mask.shape), _static_dims(inputs.shape)
            bad = len(m_shape) > len(i_shape) or any(
                m is not None and i is not None and m != 1 and m != i
                for m, i in zip(m_shape[::-1], i_shape[::-1]))
            if bad:
                raise ValueError(
                    f"Softmax {self.name!r}: the `mask` must be broadcastable to `inputs` (each mask "
                    "dimension 1 or equal to the input's, and no more dimensions). Received: "
                    f"inputs.shape={i_shape}, mask.shape={m_shape}"
                )
            if mask.dtype != jnp.bool_:
                mask = mask > 0.5
            inputs = jnp.where(mask, inputs, jnp.asarray(large_negative_number(inputs.dtype), inputs.dtype))
        axis = self.axis
        if isinstance(axis, (list, tuple)):
            axis = tuple(axis)
            if len(axis) == 1:
                axis = axis[0]
        if isinstance(axis, tuple):
            outputs = jnp.exp(inputs - jax.scipy.special.logsumexp(inputs, axis=axis, keepdims=True))
        else:
            outputs = jax.nn.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = jnp.where(mask, outputs, jnp.zeros((), outputs.dtype))
        return outputs.astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
