"""Convolutional LSTM layers: ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D`` (Shi et al., 2015).

An LSTM whose input and recurrent transforms are convolutions, so the hidden state ``h`` and the
carry ``c`` are feature maps. Each step computes, with ``*`` a convolution and gates in Keras's
order i, f, c, o::

    i = sigmoid(x * Wi + h * Ui + bi)        f = sigmoid(x * Wf + h * Uf + bf)
    c = f c_prev + i tanh(x * Wc + h * Uc + bc)
    o = sigmoid(x * Wo + h * Uo + bo)        h = o tanh(c)

The input convolution uses the layer's ``strides``/``padding``/``dilation_rate``; the recurrent
one always runs with stride 1 and ``"same"`` padding so the state keeps its size.

Weights and configs follow Keras 3: the cell (``conv_lstm_cell``) holds ``kernel``
``kernel_size + (channels, 4 * filters)``, ``recurrent_kernel`` ``kernel_size + (filters, 4 * filters)``
and ``bias`` ``(4 * filters,)``. The time loop is the ``RNN`` layer's ``jax.lax.scan``, so masks,
``return_sequences``/``return_state``, ``go_backwards``, ``stateful`` and recurrent dropout behave
as for ``LSTM``.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fkeras.activations import serialization as activations
from fkeras.backend import config as backend_config
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.initializers import serialization as initializers
from fkeras.layers.convolutional import compute_conv_output_shape, standardize_padding, standardize_tuple
from fkeras.layers.recurrent import RNN, DropoutRNNCell, _clip_rate, _UnitForgetBias
from fkeras.ops import nn as nn_ops
from fkeras.regularizers import regularizers

__all__ = ["ConvLSTMCell", "ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _check_filters(filters, who):
    if isinstance(filters, (bool, np.bool_)) or not isinstance(filters, (int, np.integer)) or filters <= 0:
        raise ValueError(
            f"{who}: invalid value for argument `filters`. Expected a strictly positive integer. "
            f"Received filters={filters!r}.")
    return int(filters)


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One step of a convolutional LSTM over a ``rank``-D feature map (the cell of ``ConvLSTM*D``).

    Args:
        rank: 1, 2 or 3: the number of spatial dimensions.
        filters: Number of output channels of the state.
        kernel_size: Int or tuple of ``rank`` ints, the convolution window.
        strides: Int or tuple, strides of the input convolution (incompatible with
            ``dilation_rate > 1``).
        padding: ``"valid"`` or ``"same"`` for the input convolution.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the configured
            ``image_data_format``.
        dilation_rate: Int or tuple, dilation of the input convolution.
        activation: Activation of the candidate carry and of the output (default ``tanh``).
        recurrent_activation: Activation of the gates (default ``sigmoid``).
        use_bias: Whether to add ``bias``.
        kernel_initializer, recurrent_initializer, bias_initializer: Initializers of the weights.
        unit_forget_bias: Initialize the forget-gate bias to ones.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Optional regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: Optional constraints.
        dropout: Fraction of input units dropped (one mask per gate, fixed over the sequence).
        recurrent_dropout: Fraction of state units dropped before the recurrent convolution.
        seed: Optional int folded into the dropout keys.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Returns:
        Called as ``cell(x_t, [h, c])``: ``(h_new, [h_new, c_new])``.

    Example:
        cell = ConvLSTMCell(2, filters=4, kernel_size=3, padding="same")
        y = keras.layers.RNN(cell)(np.ones((2, 5, 8, 8, 3)))   # (2, 8, 8, 4)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        who = type(self).__name__
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 1 <= rank <= 3:
            raise ValueError(f"{who}: `rank` must be 1, 2 or 3 (the number of spatial dimensions). "
                             f"Received: rank={rank!r}")
        super().__init__(**kwargs)
        self.seed = seed
        self.rank = int(rank)
        self.filters = _check_filters(filters, who)
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size", where=who)
        self.strides = standardize_tuple(strides, self.rank, "strides", allow_zero=True, where=who)
        self.padding = standardize_padding(padding, where=who)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate", where=who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{who}: specifying `strides > 1` is not compatible with `dilation_rate > 1`. Provide "
                f"`strides=1` or `dilation_rate=1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _clip_rate(dropout, "dropout", who)
        self.recurrent_dropout = _clip_rate(recurrent_dropout, "recurrent_dropout", who)
        self.dropout_mask_count = 4
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.state_size = -1  # the states are feature maps; their shape comes from get_initial_state
        self.spatial_dims = None
        self.input_dim = None

    # --- build ---------------------------------------------------------------------------------
    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        if len(inputs_shape) != self.rank + 2:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects step inputs of rank {self.rank + 2} "
                f"(batch, {self.rank} spatial dims, channels). Received input_shape={inputs_shape}")
        if self.data_format == "channels_first":
            channel_axis, spatial = 1, inputs_shape[2:]
        else:
            channel_axis, spatial = -1, inputs_shape[1:-1]
        if None in spatial:
            raise ValueError(
                f"Layer {self.name!r}: ConvLSTM layers only support static input shapes for the spatial "
                f"dimensions. Received invalid input shape: input_shape={inputs_shape}")
        if inputs_shape[channel_axis] is None:
            raise ValueError(
                f"Layer {self.name!r}: the channel dimension of the inputs should be defined. Found None. "
                f"Full input shape received: input_shape={inputs_shape}")
        self.spatial_dims = tuple(int(d) for d in spatial)
        self.input_dim = int(inputs_shape[channel_axis])
        self.input_spec = InputSpec(ndim=self.rank + 2, shape=(None,) + inputs_shape[1:])
        self.kernel_shape = self.kernel_size + (self.input_dim, self.filters * 4)
        self.kernel = self.add_weight(
            shape=self.kernel_shape, initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4), initializer=self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            init = (_UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight(shape=(self.filters * 4,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    # --- one step ------------------------------------------------------------------------------
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _bias_shape(self, n):
        if self.data_format == "channels_last":
            return (1,) * (self.rank + 1) + (n,)
        return (1, n) + (1,) * self.rank

    def input_conv(self, x, w, b=None, padding="valid"):
        """The input-to-state convolution (layer strides and dilation), plus ``b`` if given."""
        out = nn_ops.conv(x, w, strides=self.strides, padding=padding, data_format=self.data_format,
                          dilation_rate=self.dilation_rate)
        if b is not None:
            out = out + jnp.reshape(b, self._bias_shape(b.shape[0]))
        return out

    def recurrent_conv(self, x, w):
        """The state-to-state convolution: stride 1, ``"same"`` padding."""
        return nn_ops.conv(x, w, strides=1, padding="same", data_format=self.data_format)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        dp = self.get_dropout_mask(inputs) if training and 0.0 < self.dropout < 1.0 else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training and 0.0 < self.recurrent_dropout < 1.0 else None
        kernel, rkernel = self.kernel, self.recurrent_kernel
        bias = self.bias if self.use_bias else None
        axis = self._channel_axis()
        if dp is None and rdp is None:
            # No per-gate masks: one convolution per kernel computes all four gates.
            z = self.input_conv(inputs, kernel, bias, padding=self.padding) + self.recurrent_conv(h_tm1, rkernel)
            z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=axis)
        else:
            ks = jnp.split(kernel, 4, axis=-1)
            rks = jnp.split(rkernel, 4, axis=-1)
            bs = jnp.split(bias, 4) if bias is not None else [None] * 4
            zs = []
            for g in range(4):
                x_g = inputs * dp[g] if dp is not None else inputs
                h_g = h_tm1 * rdp[g] if rdp is not None else h_tm1
                zs.append(self.input_conv(x_g, ks[g], bs[g], padding=self.padding)
                          + self.recurrent_conv(h_g, rks[g]))
            z_i, z_f, z_c, z_o = zs
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    # --- shapes and states -----------------------------------------------------------------------
    def compute_output_shape(self, inputs_shape, states_shape=None):
        out = compute_conv_output_shape(tuple(inputs_shape), self.filters, self.kernel_size, self.strides,
                                        self.padding, self.data_format, self.dilation_rate,
                                        where=f"Layer {self.name!r}")
        return out, [out, out]

    def get_initial_state(self, batch_size=None):
        if self.spatial_dims is None:
            raise ValueError(f"Layer {self.name!r} must be built before `get_initial_state` is called.")
        if self.data_format == "channels_last":
            shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            shape = (batch_size, self.input_dim) + self.spatial_dims
        state_shape = self.compute_output_shape(shape)[0]
        return [jnp.zeros(state_shape, dtype=self.compute_dtype), jnp.zeros(state_shape, dtype=self.compute_dtype)]

    def get_config(self):
        config = super().get_config()
        config.update(_conv_lstm_config(self))
        config["seed"] = self.seed
        return config


def _conv_lstm_config(cell):
    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
    }


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class ConvLSTM(RNN):
    """Base of ``ConvLSTM1D/2D/3D``: an ``RNN`` over a ``ConvLSTMCell`` of the given ``rank``.

    Inputs are ``(batch, time, *spatial, channels)`` (or ``(batch, time, channels, *spatial)`` with
    ``channels_first``); the output is the last state ``h`` ``(batch, *out_spatial, filters)``, or
    every step's with ``return_sequences=True``; ``return_state=True`` appends the final ``h`` and
    ``c``. The call takes ``mask=`` (batch, time) and ``initial_state=[h0, c0]``.

    Args:
        rank: Number of spatial dimensions (1, 2 or 3).
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
            recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
            unit_forget_bias, kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
            seed: As for ``ConvLSTMCell``.
        return_sequences: Return the output of every timestep, not only the last.
        return_state: Also return the final states ``h`` and ``c``.
        go_backwards: Process the sequence in reverse (outputs are in processing order).
        stateful: Keep the final states of a batch as the initial states of the next call.
        **kwargs: ``RNN``/base layer arguments (``activity_regularizer``, ``unroll``, ``name``,
            ``dtype``...).

    Returns:
        The last (or every) state ``h``, plus ``[h, c]`` with ``return_state=True``.

    Example:
        layer = ConvLSTM(2, filters=4, kernel_size=3, padding="same")   # same as ConvLSTM2D(4, 3, ...)
        y = layer(np.ones((2, 5, 8, 8, 3), "float32"))   # (2, 8, 8, 4)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    filters = _cell_property("filters")
    kernel_size = _cell_property("kernel_size")
    strides = _cell_property("strides")
    padding = _cell_property("padding")
    data_format = _cell_property("data_format")
    dilation_rate = _cell_property("dilation_rate")
    activation = _cell_property("activation")
    recurrent_activation = _cell_property("recurrent_activation")
    use_bias = _cell_property("use_bias")
    kernel_initializer = _cell_property("kernel_initializer")
    recurrent_initializer = _cell_property("recurrent_initializer")
    bias_initializer = _cell_property("bias_initializer")
    unit_forget_bias = _cell_property("unit_forget_bias")
    kernel_regularizer = _cell_property("kernel_regularizer")
    recurrent_regularizer = _cell_property("recurrent_regularizer")
    bias_regularizer = _cell_property("bias_regularizer")
    kernel_constraint = _cell_property("kernel_constraint")
    recurrent_constraint = _cell_property("recurrent_constraint")
    bias_constraint = _cell_property("bias_constraint")
    dropout = _cell_property("dropout")
    recurrent_dropout = _cell_property("recurrent_dropout")

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        rank = self.cell.rank
        if len(sequences_shape) != rank + 3:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank {rank + 3} (batch, time, "
                f"{rank} spatial dims, channels). Received input_shape={sequences_shape}")
        super().build(sequences_shape, initial_state_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state_shape = tuple(self.cell.compute_output_shape((batch,) + sequences_shape[2:])[0][1:])
        output_shape = (batch, steps) + state_shape if self.return_sequences else (batch,) + state_shape
        if self.return_state:
            return output_shape, (batch,) + state_shape, (batch,) + state_shape
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is not None:
            leaves = [m for m in (mask if isinstance(mask, (list, tuple)) else [mask]) if m is not None]
            mask = leaves[0] if leaves else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask

    def get_config(self):
        config = RNN.get_config(self)
        del config["cell"]
        config.update(_conv_lstm_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            from fkeras.dtype_policies import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(**config)


_SUBCLASS_DOC = """{rank}D convolutional LSTM over inputs ``(batch, time, {dims}, channels)``.

    Like ``LSTM`` with convolutions instead of matrix products, for sequences of {what}.

    Args:
        filters: Number of output channels.
        kernel_size: Int or tuple of {rank} ints, the convolution window.
        strides: Int or tuple of {rank} ints, strides of the input convolution (``!= 1`` is
            incompatible with ``dilation_rate != 1``).
        padding: ``"valid"`` (default) or ``"same"``, for the input convolution.
        data_format: ``"channels_last"`` (default from the config) or ``"channels_first"``
            (inputs ``(batch, time, channels, {dims})``).
        dilation_rate: Int or tuple of {rank} ints, dilation of the input convolution.
        activation: Activation of the candidate carry and the output (default ``"tanh"``).
        recurrent_activation: Activation of the gates (default ``"sigmoid"``).
        use_bias: Whether to add a bias (default True).
        kernel_initializer: Initializer of ``kernel`` (default ``"glorot_uniform"``).
        recurrent_initializer: Initializer of ``recurrent_kernel`` (default ``"orthogonal"``).
        bias_initializer: Initializer of ``bias`` (default ``"zeros"``).
        unit_forget_bias: Initialize the forget-gate bias to ones (default True).
        kernel_regularizer: Optional regularizer of ``kernel`` (default None).
        recurrent_regularizer: Optional regularizer of ``recurrent_kernel`` (default None).
        bias_regularizer: Optional regularizer of ``bias`` (default None).
        activity_regularizer: Optional regularizer of the layer's output (default None).
        kernel_constraint: Optional constraint on ``kernel`` (default None).
        recurrent_constraint: Optional constraint on ``recurrent_kernel`` (default None).
        bias_constraint: Optional constraint on ``bias`` (default None).
        dropout: Fraction of input units to drop in training (default 0).
        recurrent_dropout: Fraction of state units to drop in training (default 0).
        seed: Optional int for the dropout masks.
        return_sequences: Return every timestep's output (default False: the last one).
        return_state: Also return the final ``h`` and ``c`` (default False).
        go_backwards: Process the sequence backwards (default False).
        stateful: Carry the final states of a batch into the next call (default False).
        **kwargs: Base layer arguments (``name``, ``dtype``, ``unroll``...).

    Returns:
        ``(batch, {out}, filters)``, with a time axis after the batch axis if
        ``return_sequences``; plus ``[h, c]`` if ``return_state``.

    Example:
        layer = keras.layers.ConvLSTM{rank}D(4, {example_k}, padding="same", return_sequences=True)
        y = layer(np.ones({example_x}, "float32"))   # {example_y}
    """


class ConvLSTM1D(ConvLSTM):
    __doc__ = _SUBCLASS_DOC.format(rank=1, dims="steps", what="1D signals", out="new_steps", example_k=3,
                                   example_x="(2, 5, 16, 3)", example_y="(2, 5, 16, 4)")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, **kwargs)


class ConvLSTM2D(ConvLSTM):
    __doc__ = _SUBCLASS_DOC.format(rank=2, dims="rows, cols", what="images", out="new_rows, new_cols",
                                   example_k=3, example_x="(2, 5, 8, 8, 3)", example_y="(2, 5, 8, 8, 4)")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, **kwargs)


class ConvLSTM3D(ConvLSTM):
    __doc__ = _SUBCLASS_DOC.format(rank=3, dims="dim1, dim2, dim3", what="volumes",
                                   out="new_dim1, new_dim2, new_dim3", example_k=3,
                                   example_x="(2, 3, 4, 4, 4, 2)", example_y="(2, 3, 4, 4, 4, 4)")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, **kwargs)
