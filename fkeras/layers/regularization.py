"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization (Keras 3's arguments and configs).

Random layers draw a fresh key per call and per step with ``self.make_rng()`` (folded with
``seed`` when one is given) and are the identity when ``training`` is false.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.regularizers import regularizers

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
           "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` during training, scaling the rest by ``1/(1-rate)``.

    The mask is drawn from the step's key, folded by layer name and call count, so it differs
    every step (and every replica) and is reproducible after ``keras.utils.set_random_seed``.
    Outside training the layer is the identity, so no rescaling is needed at inference.

    Args:
        rate: float in ``[0, 1]``, the fraction of inputs to drop.
        noise_shape: optional tuple, the shape of the keep/drop mask, broadcast against the input;
            ``None`` entries take the input's size. For example ``(batch, 1, features)`` on
            ``(batch, timesteps, features)`` inputs drops the same features at every timestep.
            ``None`` (the default) draws one value per input element.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Raises:
        ValueError: if ``rate`` is not a number in ``[0, 1]``.

    Example:
        drop = keras.layers.Dropout(0.5)
        y = drop(np.ones((2, 4)), training=True)   # entries are 0.0 or 2.0
        y = drop(np.ones((2, 4)))                  # unchanged
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate!r}"
            )
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return jnp.zeros_like(inputs)
        key = self.make_rng()
        if self.seed is not None:
            key = jax.random.fold_in(key, self.seed)
        keep = jax.random.bernoulli(key, 1.0 - self.rate, self._noise_shape(inputs))
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros((), inputs.dtype)).astype(inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


def _check_rate(rate, name="rate"):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float value between 0 and 1. "
            f"Received: {name}={rate!r}"
        )


def _key(layer):
    key = layer.make_rng()
    if layer.seed is not None:
        key = jax.random.fold_in(key, int(layer.seed))
    return key


# --- spatial dropout ----------------------------------------------------------------------------

class _BaseSpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (example, channel)."""

    _rank = None

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def _noise_shape(self, inputs):
        raise NotImplementedError

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return jnp.zeros_like(inputs)
        keep = jax.random.bernoulli(_key(self), 1.0 - self.rate, self._noise_shape(inputs))
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros((), inputs.dtype)).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras 3's spatial dropouts serialize exactly these keys (their __init__ takes no more).
        from fkeras.dtype_policies import dtype_policy

        return {"rate": self.rate, "seed": self.seed, "name": self.name,
                "dtype": dtype_policy.serialize(self.dtype_policy)}


class SpatialDropout1D(_BaseSpatialDropout):
    """Drops entire 1D feature maps (channels) of ``(batch, steps, channels)`` inputs.

    One keep/drop draw is made per (example, channel) and applied at every step; kept channels are
    scaled by ``1 / (1 - rate)``. When neighbouring steps are strongly correlated (as after
    convolutions), this regularizes better than element-wise ``Dropout``.

    Args:
        rate: float in ``[0, 1]``, the fraction of channels to drop.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        name: optional name of the layer.
        dtype: optional dtype policy of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        ``(batch_size, steps, channels)``.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Example:
        x = np.ones((2, 5, 3))
        y = keras.layers.SpatialDropout1D(0.5)(x, training=True)   # each channel all 0.0 or all 2.0
    """

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _noise_shape(self, inputs):
        s = inputs.shape
        return (s[0], 1, s[2])


class SpatialDropout2D(_BaseSpatialDropout):
    """Drops entire 2D feature maps (channels) of 4D inputs (``data_format`` decides the channel axis).

    One keep/drop draw is made per (example, channel) and applied at every pixel; kept channels are
    scaled by ``1 / (1 - rate)``.

    Args:
        rate: float in ``[0, 1]``, the fraction of channels to drop.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (axis 1);
            ``None`` uses ``keras.config.image_data_format()``.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        name: optional name of the layer.
        dtype: optional dtype policy of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        ``(batch_size, rows, cols, channels)`` or, channels first, ``(batch_size, channels, rows, cols)``.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Example:
        x = np.ones((2, 4, 4, 3))
        y = keras.layers.SpatialDropout2D(0.2)(x, training=True)
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def _noise_shape(self, inputs):
        s = inputs.shape
        if self.data_format == "channels_first":
            return (s[0], s[1], 1, 1)
        return (s[0], 1, 1, s[3])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout3D(_BaseSpatialDropout):
    """Drops entire 3D feature maps (channels) of 5D inputs (``data_format`` decides the channel axis).

    One keep/drop draw is made per (example, channel) and applied at every voxel; kept channels are
    scaled by ``1 / (1 - rate)``.

    Args:
        rate: float in ``[0, 1]``, the fraction of channels to drop.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (axis 1);
            ``None`` uses ``keras.config.image_data_format()``.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        name: optional name of the layer.
        dtype: optional dtype policy of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` or, channels first,
        ``(batch_size, channels, dim1, dim2, dim3)``.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Example:
        x = np.ones((2, 3, 3, 3, 4))
        y = keras.layers.SpatialDropout3D(0.2)(x, training=True)
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def _noise_shape(self, inputs):
        s = inputs.shape
        if self.data_format == "channels_first":
            return (s[0], s[1], 1, 1, 1)
        return (s[0], 1, 1, 1, s[4])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


# --- noise layers ------------------------------------------------------------------------------

class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise with standard deviation ``stddev`` (training only).

    A simple regularizer (a form of data augmentation) for real-valued inputs.

    Args:
        stddev: float in ``[0, 1]``, the standard deviation of the noise.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Raises:
        ValueError: if ``stddev`` is not a number in ``[0, 1]``.

    Example:
        x = np.zeros((2, 3))
        y = keras.layers.GaussianNoise(0.1)(x, training=True)   # small random values
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(stddev, "stddev")
        self.stddev = stddev
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = jax.random.normal(_key(self), inputs.shape, dtype=self.compute_dtype) * self.stddev
            return (inputs + noise).astype(inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiplies inputs by ``1 + N(0, rate / (1 - rate))`` noise (training only).

    The noise has mean 1 and the variance of ``Dropout(rate)``'s multiplicative mask, so the
    expected value of each output equals its input.

    Args:
        rate: float in ``[0, 1)``, the drop probability the noise imitates (``rate=1`` is accepted at
            construction but fails in training: its noise variance is infinite).
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Raises:
        ValueError: if ``rate`` is not a number in ``[0, 1]``; in training with ``rate=1``.

    Example:
        x = np.ones((2, 3))
        y = keras.layers.GaussianDropout(0.2)(x, training=True)   # values around 1.0
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self.rate == 1:
                raise ValueError(
                    f"Layer {self.name!r} (GaussianDropout): rate=1 gives noise of infinite variance; "
                    "use a rate below 1 in training."
                )
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = 1.0 + stddev * jax.random.normal(_key(self), inputs.shape, dtype=self.compute_dtype)
            return (inputs * noise).astype(inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations (self-normalizing networks).

    Dropped units are set to SELU's negative saturation value ``-alpha * scale``, then an affine
    correction ``a * x + b`` restores zero mean and unit variance (training only). Use it with
    ``activation="selu"`` and ``kernel_initializer="lecun_normal"``.

    Args:
        rate: float in ``[0, 1]``, the fraction of inputs to drop.
        noise_shape: optional tuple, the shape of the drop mask, broadcast against the input (one entry
            per input axis, ``None`` entries take the input's size); ``None`` (the default) draws one
            value per element.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Raises:
        ValueError: if ``rate`` is not a number in ``[0, 1]``; at call time if ``noise_shape`` has the
            wrong length.

    Example:
        x = np.random.randn(4, 8).astype("float32")
        y = keras.layers.AlphaDropout(0.1)(x, training=True)
    """

    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.supports_masking = True
        self.built = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        if len(self.noise_shape) != inputs.ndim:
            raise ValueError(
                f"Layer {self.name!r} (AlphaDropout): `noise_shape` must have one entry per input "
                f"dimension ({inputs.ndim}). Received: noise_shape={self.noise_shape}, input shape "
                f"{tuple(inputs.shape)}"
            )
        return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            alpha_p = -self._ALPHA * self._SCALE
            kept = jax.random.uniform(_key(self), self._get_noise_shape(inputs)) >= self.rate
            kept = kept.astype(inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            x = inputs * kept + alpha_p * (1 - kept)
            return (a * x + b).astype(inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


# --- activity regularization -----------------------------------------------------------------------

class ActivityRegularization(Layer):
    """Identity layer that adds ``l1 * sum(|x|) + l2 * sum(x**2)`` (divided by the batch size) to
    the training loss, through the layer's ``activity_regularizer``.

    Args:
        l1: The L1 factor (a float >= 0). Defaults to 0.
        l2: The L2 factor (a float >= 0). Defaults to 0.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                                  keras.layers.ActivityRegularization(l2=1e-3)])
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
