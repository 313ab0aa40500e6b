"""Convolution layers: Conv1D/2D/3D, their transposes, separable and depthwise convolutions.

All layers run on ``jax.lax.conv_general_dilated`` (or ``jax.lax.conv_transpose``) with Keras 3's
kernel layouts, so weights are interchangeable with Keras:

- ``Conv*D``:            ``kernel_size + (in_channels // groups, filters)``, bias ``(filters,)``
- ``Conv*DTranspose``:   ``kernel_size + (filters, in_channels)``, bias ``(filters,)``
- ``DepthwiseConv*D``:   ``kernel_size + (in_channels, depth_multiplier)``
- ``SeparableConv*D``:   ``depthwise_kernel`` as above, ``pointwise_kernel``
  ``(1,) * rank + (in_channels * depth_multiplier, filters)``

Inputs with more than ``rank + 2`` dimensions are treated as having several leading batch
dimensions.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.activations import serialization as activations
from fkeras.backend import config as backend_config
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.engine.variables import Variable
from fkeras.initializers import serialization as initializers
from fkeras.ops.nn import _conv_transpose_padding, conv_transpose_output_length
from fkeras.regularizers import regularizers

# --- argument helpers --------------------------------------------------------------------

def standardize_tuple(value, n, name, allow_zero=False, where=None):
    """``value`` (int or iterable of ints) as a tuple of ``n`` ints, each > 0 (>= 0 with allow_zero)."""
    prefix = f"{where}: " if where else ""
    msg = f"{prefix}The `{name}` argument must be an integer or a tuple of {n} integers. Received {name}={value!r}"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(msg)
    if isinstance(value, (int, np.integer)):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n:
            raise ValueError(msg)
        out = []
        for v in values:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                try:
                    if float(v) != int(v):
                        raise ValueError
                    v = int(v)
                except (TypeError, ValueError):
                    raise ValueError(f"{msg}, including element {v!r} of type {type(v).__name__}") from None
            out.append(int(v))
        values = tuple(out)
    bad = [v for v in values if (v < 0 if allow_zero else v <= 0)]
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{msg}, including values {sorted(set(bad))} that do not satisfy `value {req}`")
    return values


def standardize_padding(value, allow_causal=False, where=None):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        prefix = f"{where}: " if where else ""
        raise ValueError(
            f"{prefix}The `padding` argument must be one of {list(allowed)}. Received: padding={value!r}"
        )
    return padding


def _check_positive_int(value, name, where):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"{where}: invalid value for argument `{name}`. Expected a strictly positive integer. "
            f"Received {name}={value!r}."
        )
    return int(value)


# --- shape arithmetic (Keras's compute_conv_output_shape / conv_transpose formulas) ---------------

def _split_shape(input_shape, rank, data_format):
    """(batch_dims, spatial_dims, channels) of an input shape."""
    input_shape = tuple(input_shape)
    if data_format == "channels_last":
        return input_shape[:-rank - 1], input_shape[-rank - 1:-1], input_shape[-1]
    return input_shape[:-rank - 1], input_shape[-rank:], input_shape[-rank - 1]


def _join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return tuple(batch) + tuple(spatial) + (channels,)
    return tuple(batch) + (channels,) + tuple(spatial)


def conv_output_length(length, kernel_size, stride, padding, dilation):
    """Output length of a convolution along one axis (``None`` stays ``None``)."""
    if length is None:
        return None
    if padding == "valid":
        effective = (kernel_size - 1) * dilation + 1
        return (length - effective) // stride + 1
    return (length - 1) // stride + 1  # same / causal


def compute_conv_output_shape(input_shape, filters, kernel_size, strides, padding, data_format,
                              dilation_rate, where="Conv"):
    rank = len(kernel_size)
    batch, spatial, _ = _split_shape(input_shape, rank, data_format)
    out = []
    for n, k, s, d in zip(spatial, kernel_size, strides, dilation_rate):
        o = conv_output_length(n, k, s, padding, d)
        if o is not None and o <= 0:
            raise ValueError(
                f"{where}: computed output size would be zero or negative. Received input shape="
                f"{tuple(input_shape)}, kernel_size={tuple(kernel_size)}, strides={tuple(strides)}, "
                f"dilation_rate={tuple(dilation_rate)}, padding={padding!r}."
            )
        out.append(o)
    return _join_shape(batch, out, filters, data_format)


def _dimension_numbers(rank, data_format):
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return (lhs, spatial + "IO", lhs)


def _flatten_batch(x, rank):
    """Merge leading batch dims so that ``x`` has exactly ``rank + 2`` dims."""
    if x.ndim == rank + 2:
        return x, None
    lead = x.shape[:x.ndim - rank - 1]
    return x.reshape((-1,) + tuple(x.shape[x.ndim - rank - 1:])), lead


def _unflatten_batch(y, lead):
    if lead is None:
        return y
    return y.reshape(tuple(lead) + tuple(y.shape[1:]))


def _as_float_input(layer, x):
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(layer.compute_dtype)
    return x


def _read(v):
    """The array behind a weight attribute (a bound array inside a call, or a Variable)."""
    return v.value if isinstance(v, Variable) else v


def _add_bias(layer, outputs, bias):
    bias = _read(bias).astype(outputs.dtype)
    if layer.data_format == "channels_last":
        return outputs + bias
    return outputs + bias.reshape((-1,) + (1,) * layer.rank)


class _ShapeFormulaMixin:
    """Symbolic output from ``compute_output_shape`` (works with unknown spatial sizes)."""

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype)


def _channels_of(layer, input_shape):
    channels = input_shape[-1] if layer.data_format == "channels_last" else input_shape[1]
    if channels is None:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}): the channel dimension of the inputs must "
            f"be defined (axis {-1 if layer.data_format == 'channels_last' else 1} with "
            f"data_format={layer.data_format!r}). Received input_shape={tuple(input_shape)}."
        )
    return int(channels)


def _check_rank(layer, input_shape):
    if len(input_shape) < layer.rank + 2:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
            f"min_ndim={layer.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
            f"{tuple(input_shape)}"
        )


def _set_window_args(layer, rank, kernel_size, strides, dilation_rate, padding, data_format, where,
                     allow_causal=False):
    """Validate and set the window arguments every convolution shares (Keras's rules)."""
    layer.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", where=where)
    layer.strides = standardize_tuple(strides, rank, "strides", where=where)
    layer.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", where=where)
    layer.padding = standardize_padding(padding, allow_causal=allow_causal, where=where)
    layer.data_format = backend_config.standardize_data_format(data_format)
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"{where}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={layer.strides} and dilation_rate={layer.dilation_rate}"
        )


def _channel_axis(layer):
    return -1 if layer.data_format == "channels_last" else -layer.rank - 1


# --- regular convolution -------------------------------------------------------------------

class BaseConv(_ShapeFormulaMixin, Layer):
    """Abstract N-D convolution (cross-correlation) layer; ``Conv1D/2D/3D`` fix the rank."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        if lora_rank:
            raise NotImplementedError(f"{where}: `lora_rank` is not supported for convolution layers yet.")
        self.rank = rank
        self.filters = _check_positive_int(filters, "filters", where)
        self.groups = _check_positive_int(groups, "groups", where)
        if self.filters % self.groups != 0:
            raise ValueError(
                f"{where}: the number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}."
            )
        _set_window_args(self, rank, kernel_size, strides, dilation_rate, padding, data_format, where,
                         allow_causal=rank == 1)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        _check_rank(self, input_shape)
        channels = _channels_of(self, input_shape)
        if channels % self.groups != 0:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): the number of input channels must be "
                f"evenly divisible by the number of groups. Received groups={self.groups}, but the "
                f"input has {channels} channels (full input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)  # validates the output size
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={_channel_axis(self): channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def convolution_op(self, inputs, kernel):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pad = [(0, 0)] * inputs.ndim
            pad[1 if self.data_format == "channels_last" else 2] = (left, 0)
            inputs = jnp.pad(inputs, pad)
            padding = "valid"
        return jax.lax.conv_general_dilated(
            inputs, _read(kernel).astype(inputs.dtype), window_strides=self.strides, padding=padding.upper(),
            rhs_dilation=self.dilation_rate,
            dimension_numbers=_dimension_numbers(self.rank, self.data_format),
            feature_group_count=self.groups)

    def call(self, inputs):
        x, lead = _flatten_batch(_as_float_input(self, inputs), self.rank)
        outputs = self.convolution_op(x, self.kernel)
        if self.use_bias:
            outputs = _add_bias(self, outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return _unflatten_batch(outputs, lead)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape)
        return compute_conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                         self.padding, self.data_format, self.dilation_rate,
                                         where=f"Layer {self.name!r} ({type(self).__name__})")

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


class Conv1D(BaseConv):
    """1D convolution (cross-correlation) over a sequence: ``activation(conv1d(inputs, kernel) + bias)``.

    The layer slides ``filters`` windows of length ``kernel_size`` along the steps axis. The kernel has
    shape ``(kernel_size, channels // groups, filters)`` and the bias ``(filters,)``, as in Keras.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of one integer, the length of the convolution window.
        strides: integer or tuple of one integer, the step between two windows; defaults to 1.
            ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding, the output is shorter), ``"same"`` (zero padding
            so that the output has ``ceil(steps / strides)`` steps) or ``"causal"`` (zeros on the left
            only, so output ``t`` never sees inputs after ``t``; for autoregressive models).
            Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, steps)``). ``None`` uses ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of one integer, the spacing between kernel taps (an
            "atrous" convolution); defaults to 1.
        groups: positive integer dividing both the input channels and ``filters``. The channels are
            split into ``groups`` blocks, each convolved with its own ``filters // groups`` filters,
            and the results are concatenated. Defaults to 1 (an ordinary convolution).
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, ``(batch_size, channels, steps)``
        with ``"channels_first"``. Extra leading axes are treated as further batch axes.

    Output shape:
        ``(batch_size, new_steps, filters)`` (or ``(batch_size, filters, new_steps)``), where
        ``new_steps = (steps - dilation_rate * (kernel_size - 1) - 1) // strides + 1`` for ``"valid"``
        and ``ceil(steps / strides)`` for ``"same"`` and ``"causal"``.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters``/``groups``, ``filters`` not divisible by ``groups``,
            an unknown ``padding``, ``strides > 1`` together with ``dilation_rate > 1``; at build time
            for an undefined channel axis, channels not divisible by ``groups``, or an empty output.

    Example:
        y = keras.layers.Conv1D(32, 3, activation="relu")(np.ones((4, 10, 8)))   # (4, 8, 32)
        y = keras.layers.Conv1D(4, 2, padding="causal")(np.ones((1, 5, 3)))     # (1, 5, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv2D(BaseConv):
    """2D convolution (cross-correlation) over images: ``activation(conv2d(inputs, kernel) + bias)``.

    The layer slides ``filters`` windows of size ``kernel_size`` over the height and width axes. The
    kernel has shape ``(kernel_height, kernel_width, channels // groups, filters)`` and the bias
    ``(filters,)``, the same layout as Keras, so weights load either way.

    Args:
        filters: positive integer, the number of output channels (filters).
        kernel_size: integer or tuple of two integers ``(height, width)``, the size of the
            convolution window; one integer means a square window.
        strides: integer or tuple of two integers, the step between two windows along height and
            width; defaults to ``(1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding, so the output shrinks) or ``"same"`` (zero
            padding spread evenly on both sides so that the output has ``ceil(size / strides)``
            positions per axis; with ``strides=1`` the spatial size is unchanged). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, height, width)``). ``None`` (the default)
            uses ``keras.config.image_data_format()``, which is ``"channels_last"`` unless changed.
        dilation_rate: integer or tuple of two integers, the spacing between kernel taps for a
            dilated ("atrous") convolution; defaults to ``(1, 1)``.
        groups: positive integer dividing both the input channels and ``filters``. The channels are
            split into ``groups`` blocks, each convolved with its own ``filters // groups`` filters,
            and the results are concatenated along the channel axis. Defaults to 1 (an ordinary
            convolution); ``groups == channels`` gives a depthwise convolution.
        activation: activation applied to the output, given as a name (``"relu"``) or a callable;
            ``None`` (the default) applies none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel`` (name, instance or callable); defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer whose penalty on ``kernel`` is added to the layer's
            ``losses``.
        bias_regularizer: optional regularizer whose penalty on ``bias`` is added to ``losses``.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint (for example ``keras.constraints.MaxNorm``) projected
            onto ``kernel`` after each optimizer update.
        bias_constraint: optional constraint projected onto ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        4D tensor ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``. Extra leading axes are
        treated as further batch axes.

    Output shape:
        ``(batch_size, new_height, new_width, filters)`` with ``"channels_last"``, or
        ``(batch_size, filters, new_height, new_width)`` with ``"channels_first"``. Along each spatial
        axis of size ``n``: ``(n - dilation_rate * (kernel_size - 1) - 1) // strides + 1`` for
        ``"valid"``, ``ceil(n / strides)`` for ``"same"``.

    Call arguments:
        inputs: the input tensor, of the shape above. Integer inputs are cast to the layer's
            compute dtype.

    Raises:
        ValueError: for a non-positive ``filters`` or ``groups``, ``filters`` not divisible by
            ``groups``, a malformed ``kernel_size``/``strides``/``dilation_rate``, an unknown
            ``padding``, or ``strides > 1`` together with ``dilation_rate > 1``; at build time for an
            undefined channel axis, channels not divisible by ``groups``, or an empty output.

    Example:
        x = np.ones((4, 10, 10, 3))
        y = keras.layers.Conv2D(32, 3, activation="relu")(x)       # (4, 8, 8, 32)
        y = keras.layers.Conv2D(16, 3, padding="same")(x)          # (4, 10, 10, 16)
        y = keras.layers.Conv2D(8, (3, 3), strides=2)(x)           # (4, 4, 4, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv3D(BaseConv):
    """3D convolution (cross-correlation) over volumes: ``activation(conv3d(inputs, kernel) + bias)``.

    The layer slides ``filters`` windows over the depth (or time), height and width axes. The kernel has
    shape ``kernel_size + (channels // groups, filters)`` and the bias ``(filters,)``, as in Keras.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of three integers ``(depth, height, width)``, the window size.
        strides: integer or tuple of three integers, the step between two windows; defaults to
            ``(1, 1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding) or ``"same"`` (zero padding so that each spatial
            axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, depth, height, width)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of three integers, the spacing between kernel taps; defaults
            to ``(1, 1, 1)``.
        groups: positive integer dividing both the input channels and ``filters``; each of the
            ``groups`` channel blocks is convolved with its own ``filters // groups`` filters.
            Defaults to 1.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        5D tensor ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_depth, new_height, new_width, filters)`` (channels first:
        ``(batch_size, filters, new_depth, new_height, new_width)``); each new size follows the same
        rule as ``Conv2D``.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for invalid window arguments (as ``Conv2D``), or at build time for an undefined
            channel axis or an empty output.

    Example:
        y = keras.layers.Conv3D(8, 3)(np.ones((2, 6, 6, 6, 1)))   # (2, 4, 4, 4, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


# --- transposed convolution ------------------------------------------------------------------

class BaseConvTranspose(_ShapeFormulaMixin, Layer):
    """Abstract N-D transposed convolution; output sizes follow Keras 3 exactly."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.rank = rank
        self.filters = _check_positive_int(filters, "filters", where)
        _set_window_args(self, rank, kernel_size, strides, dilation_rate, padding, data_format, where)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = standardize_tuple(output_padding, rank, "output_padding", allow_zero=True,
                                                    where=where)
            for op, s in zip(self.output_padding, self.strides):
                if op >= s:
                    raise ValueError(
                        f"{where}: `output_padding` must be < `strides`. Received "
                        f"output_padding={self.output_padding}, strides={self.strides}"
                    )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        _check_rank(self, input_shape)
        channels = _channels_of(self, input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={_channel_axis(self): channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _paddings(self):
        ops = self.output_padding or (None,) * self.rank
        return [_conv_transpose_padding(k, s, d, self.padding, op)
                for k, s, op, d in zip(self.kernel_size, self.strides, ops, self.dilation_rate)]

    def call(self, inputs):
        x, lead = _flatten_batch(_as_float_input(self, inputs), self.rank)
        # Keras's (spatial..., filters, in) kernel read as (spatial..., I, O) with transpose_kernel=True:
        # lax swaps I/O and flips the window, i.e. the gradient of a forward conv.
        outputs = jax.lax.conv_transpose(
            x, _read(self.kernel).astype(x.dtype), strides=self.strides, padding=self._paddings(),
            rhs_dilation=self.dilation_rate,
            dimension_numbers=_dimension_numbers(self.rank, self.data_format), transpose_kernel=True)
        if self.use_bias:
            outputs = _add_bias(self, outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return _unflatten_batch(outputs, lead)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape)
        batch, spatial, _ = _split_shape(input_shape, self.rank, self.data_format)
        ops = self.output_padding or (None,) * self.rank
        out = [conv_transpose_output_length(n, k, self.padding, op, s, d)
               for n, k, s, op, d in zip(spatial, self.kernel_size, self.strides, ops, self.dilation_rate)]
        return _join_shape(batch, out, self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


def _transpose_init(rank):
    def __init__(self, filters, kernel_size, strides=(1,) * rank, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1,) * rank, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        BaseConvTranspose.__init__(
            self, rank, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)

    return __init__


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution, the shape-wise inverse of ``Conv1D`` (often called "deconvolution").

    It maps something shaped like a convolution's output back to the shape of that convolution's input
    (upsampling by ``strides``) with a learned kernel: the result equals the gradient of a ``Conv1D``
    with respect to its input. The kernel has Keras's layout ``kernel_size + (filters, channels)`` and
    the bias ``(filters,)``.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of one integer, the size of the window.
        strides: integer or tuple of one integer, the upsampling factor per spatial axis; defaults to
            1. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default) or ``"same"``, the padding of the matching forward
            convolution. Case-insensitive.
        output_padding: optional integer or tuple of one integer, extra rows added on one side of each
            spatial axis of the output to pick among the output sizes a forward convolution with
            these strides would map to the same input size. Each value must be smaller than the
            matching stride. ``None`` (the default) infers the size (see Output shape).
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, steps)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of one integer, the spacing between kernel taps; defaults to
            1.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, steps)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_steps, filters)`` (or channels first ``(batch_size, filters, new_steps)``).
        With ``k = dilation_rate * (kernel_size - 1) + 1``, an axis of size ``n`` becomes
        ``(n - 1) * strides + max(k, strides)`` for ``"valid"`` and ``n * strides`` for ``"same"``
        when ``output_padding`` is ``None``; otherwise ``(n - 1) * strides + k + output_padding``
        (``"valid"``) or ``(n - 1) * strides + k % 2 + output_padding`` (``"same"``).

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters``, a malformed window argument, an unknown
            ``padding``, ``output_padding >= strides``, or ``strides > 1`` together with
            ``dilation_rate > 1``; at build time for an undefined channel axis.

    Example:
        y = keras.layers.Conv1DTranspose(8, 3, strides=2, padding="same")(np.ones((2, 5, 4)))  # (2, 10, 8)
    """

    __init__ = _transpose_init(1)


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution, the shape-wise inverse of ``Conv2D`` (often called "deconvolution").

    It maps something shaped like a convolution's output back to the shape of that convolution's input
    (upsampling by ``strides``) with a learned kernel: the result equals the gradient of a ``Conv2D``
    with respect to its input. The kernel has Keras's layout ``kernel_size + (filters, channels)`` and
    the bias ``(filters,)``.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of two integers, the size of the window.
        strides: integer or tuple of two integers, the upsampling factor per spatial axis; defaults to
            ``(1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default) or ``"same"``, the padding of the matching forward
            convolution. Case-insensitive.
        output_padding: optional integer or tuple of two integers, extra rows added on one side of each
            spatial axis of the output to pick among the output sizes a forward convolution with
            these strides would map to the same input size. Each value must be smaller than the
            matching stride. ``None`` (the default) infers the size (see Output shape).
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, height, width)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of two integers, the spacing between kernel taps; defaults to
            ``(1, 1)``.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_height, new_width, filters)``
        (or channels first ``(batch_size, filters, new_height, new_width)``).
        With ``k = dilation_rate * (kernel_size - 1) + 1``, an axis of size ``n`` becomes
        ``(n - 1) * strides + max(k, strides)`` for ``"valid"`` and ``n * strides`` for ``"same"``
        when ``output_padding`` is ``None``; otherwise ``(n - 1) * strides + k + output_padding``
        (``"valid"``) or ``(n - 1) * strides + k % 2 + output_padding`` (``"same"``).

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters``, a malformed window argument, an unknown
            ``padding``, ``output_padding >= strides``, or ``strides > 1`` together with
            ``dilation_rate > 1``; at build time for an undefined channel axis.

    Example:
        y = keras.layers.Conv2DTranspose(32, 2, 2)(np.ones((4, 10, 8, 16)))   # (4, 20, 16, 32)
        y = keras.layers.Conv2DTranspose(4, 3)(np.ones((1, 5, 5, 2)))          # (1, 7, 7, 4)
    """

    __init__ = _transpose_init(2)


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution, the shape-wise inverse of ``Conv3D`` (often called "deconvolution").

    It maps something shaped like a convolution's output back to the shape of that convolution's input
    (upsampling by ``strides``) with a learned kernel: the result equals the gradient of a ``Conv3D``
    with respect to its input. The kernel has Keras's layout ``kernel_size + (filters, channels)`` and
    the bias ``(filters,)``.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of three integers, the size of the window.
        strides: integer or tuple of three integers, the upsampling factor per spatial axis; defaults to
            ``(1, 1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default) or ``"same"``, the padding of the matching forward
            convolution. Case-insensitive.
        output_padding: optional integer or tuple of three integers, extra rows added on one side of each
            spatial axis of the output to pick among the output sizes a forward convolution with
            these strides would map to the same input size. Each value must be smaller than the
            matching stride. ``None`` (the default) infers the size (see Output shape).
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, depth, height, width)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of three integers, the spacing between kernel taps; defaults to
            ``(1, 1, 1)``.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_depth, new_height, new_width, filters)``
        (or channels first ``(batch_size, filters, new_depth, new_height, new_width)``).
        With ``k = dilation_rate * (kernel_size - 1) + 1``, an axis of size ``n`` becomes
        ``(n - 1) * strides + max(k, strides)`` for ``"valid"`` and ``n * strides`` for ``"same"``
        when ``output_padding`` is ``None``; otherwise ``(n - 1) * strides + k + output_padding``
        (``"valid"``) or ``(n - 1) * strides + k % 2 + output_padding`` (``"same"``).

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters``, a malformed window argument, an unknown
            ``padding``, ``output_padding >= strides``, or ``strides > 1`` together with
            ``dilation_rate > 1``; at build time for an undefined channel axis.

    Example:
        y = keras.layers.Conv3DTranspose(4, 2, strides=2)(np.ones((1, 3, 3, 3, 2)))   # (1, 6, 6, 6, 4)
    """

    __init__ = _transpose_init(3)


# --- depthwise convolution -------------------------------------------------------------------

def _depthwise_op(layer, x, kernel):
    """Per-channel convolution; output channel ``c * depth_multiplier + m`` uses ``kernel[..., c, m]``."""
    kernel = _read(kernel)
    channels = kernel.shape[-2]
    k = kernel.reshape(tuple(kernel.shape[:-2]) + (1, channels * kernel.shape[-1]))
    return jax.lax.conv_general_dilated(
        x, k.astype(x.dtype), window_strides=layer.strides, padding=layer.padding.upper(),
        rhs_dilation=layer.dilation_rate, dimension_numbers=_dimension_numbers(layer.rank, layer.data_format),
        feature_group_count=channels)


class BaseDepthwiseConv(_ShapeFormulaMixin, Layer):
    """Abstract N-D depthwise convolution: each input channel has its own ``depth_multiplier`` filters."""

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.rank = rank
        self.depth_multiplier = _check_positive_int(depth_multiplier, "depth_multiplier", where)
        _set_window_args(self, rank, kernel_size, strides, dilation_rate, padding, data_format, where)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        _check_rank(self, input_shape)
        channels = _channels_of(self, input_shape)
        self.compute_output_shape(input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={_channel_axis(self): channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        x, lead = _flatten_batch(_as_float_input(self, inputs), self.rank)
        outputs = _depthwise_op(self, x, self.kernel)
        if self.use_bias:
            outputs = _add_bias(self, outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return _unflatten_batch(outputs, lead)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape)
        _, _, channels = _split_shape(input_shape, self.rank, self.data_format)
        out_channels = None if channels is None else channels * self.depth_multiplier
        return compute_conv_output_shape(input_shape, out_channels, self.kernel_size, self.strides,
                                         self.padding, self.data_format, self.dilation_rate,
                                         where=f"Layer {self.name!r} ({type(self).__name__})")

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


def _depthwise_init(rank):
    def __init__(self, kernel_size, strides=(1,) * rank if rank > 1 else 1, padding="valid",
                 depth_multiplier=1, data_format=None, dilation_rate=(1,) * rank if rank > 1 else 1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        BaseDepthwiseConv.__init__(
            self, rank, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)

    return __init__


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: every input channel is convolved with its own filters.

    Unlike ``Conv1D``, channels are never mixed: input channel ``c`` is convolved with
    ``depth_multiplier`` filters of its own, giving ``channels * depth_multiplier`` output channels
    (output channel ``c * depth_multiplier + m`` comes from filter ``m`` of channel ``c``). The kernel
    has Keras's layout ``kernel_size + (channels, depth_multiplier)``; the bias has
    ``channels * depth_multiplier`` entries.

    Args:
        kernel_size: integer or tuple of one integer, the size of the window.
        strides: integer or tuple of one integer, the step between two windows; defaults to
            1. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding) or ``"same"`` (zero padding so that an axis of
            size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        depth_multiplier: positive integer, the number of filters per input channel; defaults to 1.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, steps)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of one integer, the spacing between kernel taps; defaults to
            1.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        depthwise_initializer: initializer of the depthwise ``kernel``; defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        depthwise_regularizer: optional regularizer penalizing the depthwise ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        depthwise_constraint: optional constraint applied to the depthwise ``kernel`` after each
            optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, steps)`` with ``"channels_first"``.

    Output shape:
        The same layout with ``channels * depth_multiplier`` channels; each spatial size follows the
        ``Conv1D`` rule.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``depth_multiplier``, a malformed window argument, an unknown
            ``padding``, or ``strides > 1`` together with ``dilation_rate > 1``; at build time for an
            undefined channel axis or an empty output.

    Example:
        y = keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 10, 4)))   # (2, 8, 8)
    """

    __init__ = _depthwise_init(1)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution: every input channel is convolved with its own filters.

    Unlike ``Conv2D``, channels are never mixed: input channel ``c`` is convolved with
    ``depth_multiplier`` filters of its own, giving ``channels * depth_multiplier`` output channels
    (output channel ``c * depth_multiplier + m`` comes from filter ``m`` of channel ``c``). The kernel
    has Keras's layout ``kernel_size + (channels, depth_multiplier)``; the bias has
    ``channels * depth_multiplier`` entries.

    Args:
        kernel_size: integer or tuple of two integers, the size of the window.
        strides: integer or tuple of two integers, the step between two windows; defaults to
            ``(1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding) or ``"same"`` (zero padding so that an axis of
            size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        depth_multiplier: positive integer, the number of filters per input channel; defaults to 1.
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, height, width)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of two integers, the spacing between kernel taps; defaults to
            ``(1, 1)``.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        depthwise_initializer: initializer of the depthwise ``kernel``; defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        depthwise_regularizer: optional regularizer penalizing the depthwise ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        depthwise_constraint: optional constraint applied to the depthwise ``kernel`` after each
            optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        The same layout with ``channels * depth_multiplier`` channels; each spatial size follows the
        ``Conv2D`` rule.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``depth_multiplier``, a malformed window argument, an unknown
            ``padding``, or ``strides > 1`` together with ``dilation_rate > 1``; at build time for an
            undefined channel axis or an empty output.

    Example:
        y = keras.layers.DepthwiseConv2D(3, padding="same")(np.ones((2, 8, 8, 4)))   # (2, 8, 8, 4)
    """

    __init__ = _depthwise_init(2)


# --- separable convolution -------------------------------------------------------------------

class BaseSeparableConv(_ShapeFormulaMixin, Layer):
    """Abstract N-D separable convolution: a depthwise convolution followed by a 1x1 convolution."""

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.rank = rank
        self.depth_multiplier = _check_positive_int(depth_multiplier, "depth_multiplier", where)
        self.filters = _check_positive_int(filters, "filters", where)
        _set_window_args(self, rank, kernel_size, strides, dilation_rate, padding, data_format, where)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        _check_rank(self, input_shape)
        channels = _channels_of(self, input_shape)
        self.compute_output_shape(input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={_channel_axis(self): channels})
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        x, lead = _flatten_batch(_as_float_input(self, inputs), self.rank)
        depthwise = _depthwise_op(self, x, self.depthwise_kernel)
        outputs = jax.lax.conv_general_dilated(
            depthwise, _read(self.pointwise_kernel).astype(depthwise.dtype), window_strides=(1,) * self.rank,
            padding="VALID", dimension_numbers=_dimension_numbers(self.rank, self.data_format))
        if self.use_bias:
            outputs = _add_bias(self, outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return _unflatten_batch(outputs, lead)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape)
        return compute_conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                         self.padding, self.data_format, self.dilation_rate,
                                         where=f"Layer {self.name!r} ({type(self).__name__})")

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


def _separable_init(rank):
    def __init__(self, filters, kernel_size, strides=(1,) * rank if rank > 1 else 1, padding="valid",
                 data_format=None, dilation_rate=(1,) * rank if rank > 1 else 1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        BaseSeparableConv.__init__(
            self, rank, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)

    return __init__


class SeparableConv1D(BaseSeparableConv):
    """1D depthwise-separable convolution: a depthwise convolution, then a pointwise (1x1) one.

    First each input channel is convolved on its own with ``depth_multiplier`` filters (as
    ``DepthwiseConv1D``), then a pointwise convolution mixes the ``channels * depth_multiplier``
    intermediate channels into ``filters`` outputs. This factorization needs far fewer weights than a
    full ``Conv1D``. Weights: ``depthwise_kernel`` ``kernel_size + (channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of one integer, the size of the depthwise window.
        strides: integer or tuple of one integer, the step between two depthwise windows; defaults
            to 1. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding) or ``"same"`` (zero padding so that an axis of
            size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, steps)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of one integer, the spacing between depthwise kernel taps;
            defaults to 1.
        depth_multiplier: positive integer, the number of depthwise filters per input channel;
            defaults to 1.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        depthwise_initializer: initializer of ``depthwise_kernel``; defaults to ``"glorot_uniform"``.
        pointwise_initializer: initializer of ``pointwise_kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        depthwise_regularizer: optional regularizer penalizing ``depthwise_kernel``.
        pointwise_regularizer: optional regularizer penalizing ``pointwise_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        depthwise_constraint: optional constraint applied to ``depthwise_kernel`` after each
            optimizer update.
        pointwise_constraint: optional constraint applied to ``pointwise_kernel`` after each
            optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, steps)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_steps, filters)`` (or channels first ``(batch_size, filters, new_steps)``);
        each spatial size follows the ``Conv1D`` rule.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters`` or ``depth_multiplier``, a malformed window
            argument, an unknown ``padding``, or ``strides > 1`` together with ``dilation_rate > 1``;
            at build time for an undefined channel axis or an empty output.

    Example:
        y = keras.layers.SeparableConv1D(8, 3)(np.ones((2, 10, 4)))   # (2, 8, 8)
    """

    __init__ = _separable_init(1)


class SeparableConv2D(BaseSeparableConv):
    """2D depthwise-separable convolution: a depthwise convolution, then a pointwise (1x1) one.

    First each input channel is convolved on its own with ``depth_multiplier`` filters (as
    ``DepthwiseConv2D``), then a pointwise convolution mixes the ``channels * depth_multiplier``
    intermediate channels into ``filters`` outputs. This factorization needs far fewer weights than a
    full ``Conv2D``. Weights: ``depthwise_kernel`` ``kernel_size + (channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, 1, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Args:
        filters: positive integer, the number of output channels.
        kernel_size: integer or tuple of two integers, the size of the depthwise window.
        strides: integer or tuple of two integers, the step between two depthwise windows; defaults
            to ``(1, 1)``. ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"`` (the default; no padding) or ``"same"`` (zero padding so that an axis of
            size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or
            ``"channels_first"`` (inputs ``(batch, channels, height, width)``). ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: integer or tuple of two integers, the spacing between depthwise kernel taps;
            defaults to ``(1, 1)``.
        depth_multiplier: positive integer, the number of depthwise filters per input channel;
            defaults to 1.
        activation: activation applied to the output (name or callable); ``None`` means none.
        use_bias: whether to add a learned bias per output channel. Defaults to ``True``.
        depthwise_initializer: initializer of ``depthwise_kernel``; defaults to ``"glorot_uniform"``.
        pointwise_initializer: initializer of ``pointwise_kernel``; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        depthwise_regularizer: optional regularizer penalizing ``depthwise_kernel``.
        pointwise_regularizer: optional regularizer penalizing ``pointwise_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        depthwise_constraint: optional constraint applied to ``depthwise_kernel`` after each
            optimizer update.
        pointwise_constraint: optional constraint applied to ``pointwise_kernel`` after each
            optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, new_height, new_width, filters)``
        (or channels first ``(batch_size, filters, new_height, new_width)``);
        each spatial size follows the ``Conv2D`` rule.

    Call arguments:
        inputs: the input tensor. Integer inputs are cast to the layer's compute dtype.

    Raises:
        ValueError: for a non-positive ``filters`` or ``depth_multiplier``, a malformed window
            argument, an unknown ``padding``, or ``strides > 1`` together with ``dilation_rate > 1``;
            at build time for an undefined channel axis or an empty output.

    Example:
        y = keras.layers.SeparableConv2D(8, 3, padding="same")(np.ones((2, 6, 6, 4)))   # (2, 6, 6, 8)
    """

    __init__ = _separable_init(2)


# Keras aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
    "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
]
