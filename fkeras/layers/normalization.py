"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization, RMSNormalization (Keras 3's arguments, weights and configs).

Statistics are computed in at least float32 (as Keras does), so under a ``mixed_float16`` or
``mixed_bfloat16`` policy the moments do not overflow; outputs come back in the compute dtype.

``BatchNormalization`` in training mode excludes rows the trainer padded onto the last batch
(the binding scope's ``sample_mask``) and positions masked by a Keras ``mask`` from its batch
moments, so the moving statistics only ever see real data.
"""
from __future__ import annotations

import functools
import math
import warnings

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.variables import Variable, current_scope, replica_axis
from fkeras.initializers import serialization as initializers
from fkeras.regularizers import regularizers

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
           "RMSNormalization"]


# --- helpers -----------------------------------------------------------------------------

def _value(v):
    """The (bound) array behind a weight attribute, whether it is a handle or already an array."""
    return v.value if isinstance(v, Variable) else v


def _stat_dtype(dtype):
    """Moments are computed in at least float32 (float16/bfloat16 inputs are upcast)."""
    return jnp.result_type(dtype, jnp.float32)


def _check_axes(layer, axes, input_shape):
    """Raise a ValueError naming ``layer`` if any of ``axes`` is out of range for ``input_shape``."""
    ndim = len(input_shape)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or a >= ndim or a < -ndim:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}): axis {a!r} is out of bounds for an "
                f"input of rank {ndim} (input shape {tuple(input_shape)}); expected integers in "
                f"[{-ndim}, {ndim - 1}]. Received: axis={layer.axis!r}"
            )


def _int_or_int_list(layer_cls, axis):
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{layer_cls}: expected an int or a list/tuple of ints for argument `axis`, "
                            f"but received: axis={axis!r}")
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{layer_cls}: expected an int or a list/tuple of ints for argument `axis`, "
                    f"but received: axis={axis!r}")


def _defined_dims(layer, input_shape, axes):
    for a in axes:
        if input_shape[a] is None:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}): axis {a} of the input must have a "
                f"defined size to create weights, but the layer received input_shape={tuple(input_shape)}."
            )


# --- BatchNormalization ----------------------------------------------------------------------

class BatchNormalization(Layer):
    """Normalizes inputs with batch statistics (training) or moving statistics (inference).

    In training mode (``training=True`` and the layer is trainable) the output is
    ``gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`` over the batch, and the moving
    statistics are updated as ``moving = moving * momentum + batch_stat * (1 - momentum)``
    (the biased batch variance, as Keras 3 does). Otherwise the moving statistics are used.
    A frozen layer (``trainable = False``) always runs in inference mode, as in Keras.

    Rows of a padded batch (the trainer's sample mask) and positions masked by ``mask``
    (shape ``inputs.shape[:-1]``) are left out of the batch moments. Under data parallelism the
    moments are those of the global batch. Statistics are computed in at least float32.

    Args:
        axis: integer, the features axis that keeps its own statistics and weights (usually the
            channel axis); defaults to -1. Use ``axis=1`` for ``"channels_first"`` images.
        momentum: float, the weight of the old value in the moving averages; defaults to 0.99.
        epsilon: small float added to the variance before the square root; defaults to 1e-3.
        center: if ``True`` (the default), learn an offset ``beta``; if ``False``, no offset.
        scale: if ``True`` (the default), learn a factor ``gamma``; ``False`` is fine when the next
            layer is linear (or ``relu``) and rescales anyway.
        beta_initializer: initializer of ``beta``; defaults to ``"zeros"``.
        gamma_initializer: initializer of ``gamma``; defaults to ``"ones"``.
        moving_mean_initializer: initializer of ``moving_mean``; defaults to ``"zeros"``.
        moving_variance_initializer: initializer of ``moving_variance``; defaults to ``"ones"``.
        beta_regularizer: optional regularizer penalizing ``beta``.
        gamma_regularizer: optional regularizer penalizing ``gamma``.
        beta_constraint: optional constraint applied to ``beta`` after each optimizer update.
        gamma_constraint: optional constraint applied to ``gamma`` after each optimizer update.
        renorm: if ``True``, use batch renormalization (Ioffe, 2017): in training the normalized
            values are corrected by ``r = batch_std / renorm_std`` and ``d = (batch_mean - renorm_mean)
            / renorm_std`` (treated as constants in the gradient), which keeps training and inference
            closer for small or non-i.i.d. batches. Adds ``moving_stddev``, ``renorm_mean`` and
            ``renorm_stddev`` variables. Defaults to ``False``.
        renorm_clipping: optional dict with keys among ``"rmax"``, ``"rmin"`` and ``"dmax"`` bounding
            ``r`` to ``[rmin, rmax]`` and ``d`` to ``[-dmax, dmax]``; missing keys leave that side
            unbounded. Only used with ``renorm=True``.
        renorm_momentum: float, the momentum of the renormalization averages; defaults to 0.99.
        synchronized: kept for Keras config compatibility. Under ``jit`` with a sharded batch the
            moments are already global, so no extra synchronization is needed. Defaults to ``False``.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        Any shape with a defined size on ``axis``.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor.
        training: ``True`` normalizes with the batch moments and updates the moving statistics
            (only while the layer is trainable); ``False``/``None`` uses the moving statistics.
            ``fit`` passes ``True``, ``predict`` and ``evaluate`` pass ``False``.
        mask: optional boolean tensor of shape ``inputs.shape[:-1]``; ``False`` positions are left out
            of the batch moments (the output is still computed everywhere).

    Raises:
        TypeError: if ``axis`` is not an integer.
        ValueError: for bad ``renorm_clipping`` keys or bounds; at build time for an out-of-range
            ``axis`` or an undefined size on it; at call time for a mask of the wrong rank.

    Example:
        bn = keras.layers.BatchNormalization()
        y = bn(np.random.rand(8, 4).astype("float32"), training=True)
        [w.name for w in bn.weights]  # gamma, beta, moving_mean, moving_variance
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]  # tf.keras configs store axis as a one-element list
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"BatchNormalization: argument `axis` must be an integer. Received: axis={axis!r}"
            )
        self.axis = int(axis)
        # Under jit with a sharded batch, jnp reductions are already global across devices, so
        # `synchronized=True` needs no extra collective here; it is kept for config parity.
        self.synchronized = bool(synchronized)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            allowed = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(allowed):
                raise ValueError(
                    f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                    f"Supported values: {allowed}."
                )
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "rmax should be greater than rmin in the `renorm_clipping` argument. "
                    f"Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    f"dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        _check_axes(self, [self.axis], input_shape)
        _defined_dims(self, input_shape, [self.axis])
        shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True, autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False,
                                           autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False,
                                               autocast=False)
        if self.renorm:
            var_init = self.moving_variance_initializer

            def moving_stddev_initializer(shape, dtype=None):
                return jnp.sqrt(var_init(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev",
                                                 initializer=moving_stddev_initializer, trainable=False,
                                                 autocast=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean",
                                               initializer=self.moving_mean_initializer, trainable=False,
                                               autocast=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev",
                                                 initializer=moving_stddev_initializer, trainable=False,
                                                 autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: input_shape[self.axis]})
        axes = list(range(len(input_shape)))
        del axes[self.axis]
        self._reduction_axes = axes

    def compute_output_shape(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        return tuple(input_shape)

    # --- moments --------------------------------------------------------------------------
    def _row_weights(self, inputs, mask):
        """A 0/1 weight broadcastable to ``inputs`` (or None): Keras mask x trainer sample mask."""
        w = None
        if mask is not None:
            w = jnp.broadcast_to(jnp.expand_dims(jnp.asarray(mask).astype(bool), -1), inputs.shape)
            w = w.astype(inputs.dtype)
        scope = current_scope()
        sample_mask = getattr(scope, "sample_mask", None) if scope is not None else None
        if sample_mask is not None and inputs.ndim >= 1:
            sm = jnp.asarray(sample_mask)
            if sm.ndim == 1 and sm.shape[0] == inputs.shape[0]:
                sm = jnp.reshape(sm.astype(inputs.dtype), (-1,) + (1,) * (inputs.ndim - 1))
                w = sm if w is None else w * sm
        return w

    def _moments(self, inputs, w, user_mask):
        """Mean and (biased) variance over the reduction axes, weighted by ``w`` when given.

        Under a per-replica step (``replica_axis()``) the partial sums are added across devices,
        so the statistics are those of the whole global batch."""
        axes = tuple(self._reduction_axes)
        axis_name = replica_axis()
        if axis_name is None:
            if w is None:
                return jnp.mean(inputs, axis=axes), jnp.var(inputs, axis=axes)
            total = lambda t: t  # noqa: E731
        else:
            total = functools.partial(jax.lax.psum, axis_name=axis_name)
        if w is None:
            count = total(jnp.asarray(math.prod(inputs.shape[a] for a in axes), inputs.dtype))
            mean = total(jnp.sum(inputs, axis=axes, keepdims=True)) / count
            var = total(jnp.sum(jnp.square(inputs - mean), axis=axes, keepdims=True)) / count
            return jnp.squeeze(mean, axes), jnp.squeeze(var, axes)
        w = jnp.broadcast_to(w, inputs.shape)
        count = total(jnp.sum(w, axis=axes, keepdims=True))
        # Keras's masked moments divide by (count + backend epsilon); padded-row exclusion
        # alone divides by the real count (never 0 while any row is real).
        denom = count + backend_config.epsilon() if user_mask else jnp.maximum(count, 1.0)
        mean = total(jnp.sum(w * inputs, axis=axes, keepdims=True)) / denom
        var = total(jnp.sum(w * jnp.square(inputs - mean), axis=axes, keepdims=True)) / denom
        return jnp.squeeze(mean, axes), jnp.squeeze(var, axes)

    def call(self, inputs, training=None, mask=None):
        if mask is not None and jnp.ndim(mask) != inputs.ndim - 1:
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization): the mask should have one dimension less "
                f"than the inputs. Received: mask.shape={tuple(jnp.shape(mask))}, "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        dtype = _stat_dtype(inputs.dtype)
        x = inputs.astype(dtype)
        moving_mean = _value(self.moving_mean).astype(dtype)
        moving_variance = _value(self.moving_variance).astype(dtype)
        gamma = _value(self.gamma).astype(dtype) if self.scale else None
        beta = _value(self.beta).astype(dtype) if self.center else None

        if training and self.trainable:
            w = self._row_weights(x, mask)
            mean, variance = self._moments(x, w, mask is not None)
            # A step whose rows are all padding (possible at the end of a scanned chunk) leaves
            # the statistics untouched.
            real = None
            if w is not None:
                real = jnp.sum(w)
                if replica_axis() is not None:
                    real = jax.lax.psum(real, replica_axis())
                real = real > 0
            if self.renorm:
                r, d = self._renorm_correction(mean, variance)
                gamma, beta = self._compose_transforms(r, d, gamma, beta, dtype)
                self._update_renorm_statistics(mean, variance, real)
            else:
                self._assign(self.moving_mean, moving_mean * self.momentum + mean * (1.0 - self.momentum), real)
                self._assign(self.moving_variance,
                             moving_variance * self.momentum + variance * (1.0 - self.momentum), real)
        else:
            mean, variance = moving_mean, moving_variance

        outputs = _batch_norm(x, mean, variance, self.axis, beta, gamma, self.epsilon)
        return outputs.astype(self.compute_dtype)

    @staticmethod
    def _assign(var, new, real):
        if real is not None:
            new = jnp.where(real, new, _value(var).astype(new.dtype))
        var.assign(new)

    def _renorm_correction(self, mean, variance):
        stddev = jnp.sqrt(variance + self.epsilon)
        renorm_mean = _value(self.renorm_mean).astype(mean.dtype)
        renorm_stddev = jnp.maximum(_value(self.renorm_stddev).astype(mean.dtype),
                                    jnp.sqrt(jnp.asarray(self.epsilon, mean.dtype)))
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        rmin, rmax, dmax = (self.renorm_clipping.get(k) for k in ("rmin", "rmax", "dmax"))
        if rmin is not None:
            r = jnp.maximum(r, rmin)
        if rmax is not None:
            r = jnp.minimum(r, rmax)
        if dmax is not None:
            d = jnp.clip(d, -dmax, dmax)
        return r, d

    @staticmethod
    def _compose_transforms(r, d, gamma, beta, dtype):
        r = jax.lax.stop_gradient(r)
        d = jax.lax.stop_gradient(d)
        if gamma is not None:
            eff_gamma, eff_beta = r * gamma, d * gamma
        else:
            eff_gamma, eff_beta = r.astype(dtype), d.astype(dtype)
        if beta is not None:
            eff_beta = eff_beta + beta
        return eff_gamma, eff_beta

    def _update_renorm_statistics(self, mean, variance, real):
        stddev = jnp.sqrt(variance + self.epsilon)
        rm = self.renorm_momentum
        renorm_mean = _value(self.renorm_mean).astype(mean.dtype)
        renorm_stddev = _value(self.renorm_stddev).astype(mean.dtype)
        self._assign(self.renorm_mean, renorm_mean * rm + mean * (1.0 - rm), real)
        self._assign(self.renorm_stddev, renorm_stddev * rm + stddev * (1.0 - rm), real)
        moving_mean = _value(self.moving_mean).astype(mean.dtype)
        moving_stddev = _value(self.moving_stddev).astype(mean.dtype)
        self._assign(self.moving_mean, moving_mean * self.momentum + mean * (1.0 - self.momentum), real)
        new_stddev = moving_stddev * self.momentum + stddev * (1.0 - self.momentum)
        self._assign(self.moving_stddev, new_stddev, real)
        self._assign(self.moving_variance, jax.nn.relu(new_stddev * new_stddev - self.epsilon), real)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config


def _batch_norm(x, mean, variance, axis, offset, scale, epsilon):
    """``(x - mean) * rsqrt(variance + eps) * scale + offset`` with per-channel vectors on ``axis``."""
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    res = -jnp.reshape(mean, shape) * inv
    if offset is not None:
        res = res + jnp.reshape(offset, shape)
    return x * inv + res


# --- LayerNormalization ------------------------------------------------------------------------

def _broadcast_param(v, ndim, axes, input_shape):
    """Reshape a weight over ``axes`` so it broadcasts against the input (Keras's rule)."""
    if v is None:
        return None
    if v.ndim != ndim and list(axes) != [ndim - 1]:
        shape = [1] * ndim
        for a in axes:
            shape[a] = input_shape[a]
        return jnp.reshape(v, shape)
    return v


class LayerNormalization(Layer):
    """Normalizes each example over ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    The mean and variance are taken per example (and per position on the other axes) over the axes
    in ``axis``, so unlike ``BatchNormalization`` the result does not depend on the batch and the
    layer behaves the same in training and inference. ``gamma`` and ``beta`` have the shape of the
    normalized axes. Statistics are computed in at least float32.

    ``rms_scaling=True`` (a keyword argument) is Keras 3's deprecated option (scales by the
    variance, no centering); use ``RMSNormalization`` instead.

    Args:
        axis: integer or list of integers, the axes to normalize over; defaults to -1 (the last).
        epsilon: small float added to the variance before the square root; defaults to 1e-3.
        center: if ``True`` (the default), learn an offset ``beta``.
        scale: if ``True`` (the default), learn a factor ``gamma``.
        beta_initializer: initializer of ``beta``; defaults to ``"zeros"``.
        gamma_initializer: initializer of ``gamma``; defaults to ``"ones"``.
        beta_regularizer: optional regularizer penalizing ``beta``.
        gamma_regularizer: optional regularizer penalizing ``gamma``.
        beta_constraint: optional constraint applied to ``beta`` after each optimizer update.
        gamma_constraint: optional constraint applied to ``gamma`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        Any shape with defined sizes on the ``axis`` axes.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor.

    Raises:
        TypeError: if ``axis`` is not an int or a list/tuple of ints.
        ValueError: at build time for an out-of-range ``axis`` or an undefined size on it.

    Example:
        ln = keras.layers.LayerNormalization()
        y = ln(np.random.rand(2, 5, 8).astype("float32"))   # per-position over the last axis
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales "
                "the input by the variance, not the root mean square. To correctly use RMS "
                "Normalization, please use `keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = _int_or_int_list("LayerNormalization", axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False  # inputs keep their dtype; statistics are computed in float32

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, input_shape)
        _defined_dims(self, input_shape, axes)
        self.axis = sorted(axes)
        shape = tuple(input_shape[a] for a in self.axis)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True, autocast=False)
        else:
            self.gamma = None
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)
        else:
            self.beta = None

    def compute_output_shape(self, input_shape):
        _check_axes(self, self.axis if isinstance(self.axis, list) else [self.axis], input_shape)
        return tuple(input_shape)

    def call(self, inputs):
        dtype = _stat_dtype(inputs.dtype)
        x = inputs.astype(dtype)
        ndim = x.ndim
        axes = sorted(a % ndim for a in (self.axis if isinstance(self.axis, list) else [self.axis]))
        gamma = None if self.gamma is None else _value(self.gamma).astype(dtype)
        beta = None if self.beta is None else _value(self.beta).astype(dtype)
        gamma = _broadcast_param(gamma, ndim, axes, x.shape)
        beta = _broadcast_param(beta, ndim, axes, x.shape)
        if self.rms_scaling:
            outputs = x * jax.lax.rsqrt(jnp.var(x, axis=axes, keepdims=True) + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma
        else:
            mean = jnp.mean(x, axis=axes, keepdims=True)
            var = jnp.var(x, axis=axes, keepdims=True)
            inv = jax.lax.rsqrt(var + self.epsilon)
            if gamma is not None:
                inv = inv * gamma
            res = -mean * inv
            if beta is not None:
                res = res + beta
            outputs = x * inv + res
        return outputs.astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


# --- GroupNormalization ----------------------------------------------------------------------------

class GroupNormalization(Layer):
    """Splits the channels (``axis``) into ``groups`` and normalizes each group per example.

    Each example's channels are divided into ``groups`` blocks of ``channels // groups``; the mean and
    variance of a block are taken over its channels and all other non-batch axes, then
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with per-channel ``gamma``/``beta``
    (Wu & He, 2018). Like ``LayerNormalization`` it does not depend on the batch.
    ``groups=-1`` gives instance normalization (one group per channel); ``groups=1`` is layer
    normalization over all non-batch axes.

    Args:
        groups: positive integer dividing the number of channels, or -1 for one group per channel;
            defaults to 32.
        axis: integer, the channel axis; defaults to -1. It may not be the batch axis.
        epsilon: small float added to the variance before the square root; defaults to 1e-3.
        center: if ``True`` (the default), learn a per-channel offset ``beta``.
        scale: if ``True`` (the default), learn a per-channel factor ``gamma``.
        beta_initializer: initializer of ``beta``; defaults to ``"zeros"``.
        gamma_initializer: initializer of ``gamma``; defaults to ``"ones"``.
        beta_regularizer: optional regularizer penalizing ``beta``.
        gamma_regularizer: optional regularizer penalizing ``gamma``.
        beta_constraint: optional constraint applied to ``beta`` after each optimizer update.
        gamma_constraint: optional constraint applied to ``gamma`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        Any shape of rank 2 or more with a defined channel size on ``axis``.

    Output shape:
        The input shape.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: if ``groups`` is neither positive nor -1; at build time if ``axis`` is the batch
            axis or undefined, or if the channels are fewer than, or not divisible by, ``groups``.
        TypeError: if ``axis`` is not an integer.

    Example:
        gn = keras.layers.GroupNormalization(groups=2)
        y = gn(np.random.rand(2, 4, 4, 8).astype("float32"))
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` "
                f"for instance normalization). Received: groups={groups!r}"
            )
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: argument `axis` must be an integer. Received: axis={axis!r}")
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        _check_axes(self, [self.axis], input_shape)
        if self.axis % len(input_shape) == 0:
            raise ValueError(
                f"Layer {self.name!r} (GroupNormalization): `axis` must be a channel axis, not the batch "
                f"axis. Received: axis={self.axis} for input shape {input_shape}"
            )
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} (GroupNormalization): axis {self.axis} of the input should have a "
                f"defined dimension, but the layer received an input with shape {input_shape}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"Layer {self.name!r} (GroupNormalization): the number of groups ({self.groups}) cannot be "
                f"more than the number of channels ({dim}) on axis {self.axis}."
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"Layer {self.name!r} (GroupNormalization): the number of channels ({dim}) on axis "
                f"{self.axis} must be divisible by the number of groups ({self.groups})."
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         autocast=False)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        autocast=False)
        else:
            self.beta = None

    def compute_output_shape(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        return tuple(input_shape)

    def call(self, inputs):
        in_dtype = inputs.dtype
        dtype = _stat_dtype(in_dtype)
        ndim = inputs.ndim
        a = self.axis % ndim
        shape = inputs.shape
        c = shape[a]
        g = self.groups
        # (..., C, ...) -> (..., G, C // G, ...): the group axis sits at `a`.
        grouped = jnp.reshape(inputs, tuple(shape[:a]) + (g, c // g) + tuple(shape[a + 1:])).astype(dtype)
        red = tuple(i for i in range(1, ndim + 1) if i != a)
        mean = jnp.mean(grouped, axis=red, keepdims=True)
        var = jnp.var(grouped, axis=red, keepdims=True)
        bshape = [1] * (ndim + 1)
        bshape[a], bshape[a + 1] = g, c // g
        inv = jax.lax.rsqrt(var + self.epsilon)
        if self.scale:
            inv = inv * jnp.reshape(_value(self.gamma).astype(dtype), bshape)
        res = -mean * inv
        if self.center:
            res = res + jnp.reshape(_value(self.beta).astype(dtype), bshape)
        out = (grouped * inv + res).astype(in_dtype)
        return jnp.reshape(out, shape).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


# --- UnitNormalization ----------------------------------------------------------------------------

class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Args:
        axis: The axis (or list of axes) the L2 norm is taken over. Defaults to -1.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        y = keras.layers.UnitNormalization()(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                                f"Received: axis={axis!r}")
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                            f"Received: axis={axis!r}")
        self.supports_masking = True

    def _axes(self):
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def build(self, input_shape):
        _check_axes(self, self._axes(), tuple(input_shape))

    def compute_output_shape(self, input_shape):
        _check_axes(self, self._axes(), tuple(input_shape))
        return tuple(input_shape)

    def call(self, inputs):
        _check_axes(self, self._axes(), inputs.shape)
        x = inputs.astype(_stat_dtype(inputs.dtype))
        sq = jnp.sum(jnp.square(x), axis=tuple(self._axes()), keepdims=True)
        inv = jnp.minimum(jax.lax.rsqrt(sq), 1.0 / 1e-12)
        return (x * inv).astype(inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


# --- RMSNormalization ----------------------------------------------------------------------------

class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x * rsqrt(mean(x**2, axis) + epsilon) * scale``.

    One weight, ``scale`` (initialized to ones), over ``axis``.

    Args:
        axis: The axis (or list of axes) the root mean square is taken over. Defaults to -1.
        epsilon: A small float added to the mean square, for numerical stability. Defaults to 1e-6.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        rms = keras.layers.RMSNormalization()
        y = rms(np.random.rand(2, 8).astype("float32"))
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _int_or_int_list("RMSNormalization", axis)
        self.epsilon = epsilon
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, input_shape)
        _defined_dims(self, input_shape, axes)
        self.axis = sorted(axes)
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in self.axis),
                                     initializer="ones")

    def compute_output_shape(self, input_shape):
        _check_axes(self, self.axis if isinstance(self.axis, list) else [self.axis], input_shape)
        return tuple(input_shape)

    def call(self, x):
        in_dtype = x.dtype
        dtype = _stat_dtype(in_dtype)
        x = x.astype(dtype)
        ndim = x.ndim
        axes = sorted(a % ndim for a in (self.axis if isinstance(self.axis, list) else [self.axis]))
        rrms = jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + self.epsilon)
        scale = _broadcast_param(_value(self.scale).astype(dtype), ndim, axes, x.shape)
        return (x * rrms * scale).astype(in_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
