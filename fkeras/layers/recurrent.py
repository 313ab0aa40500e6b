"""Recurrent layers: ``RNN`` over any cell, ``SimpleRNN``/``LSTM``/``GRU`` and their cells,
``StackedRNNCells``.

Weight names, layouts and configs are Keras 3's: an LSTM's ``kernel`` is ``(input_dim, 4 * units)``
and ``recurrent_kernel`` ``(units, 4 * units)`` in gate order i, f, c, o; a GRU's gates are z, r, h
and, with ``reset_after=True`` (the default), its ``bias`` is ``(2, 3 * units)`` (input bias,
recurrent bias). The weights live on the cell (``lstm/lstm_cell/kernel``).

The time loop is one ``jax.lax.scan`` (``unroll=True`` unrolls it); the cell's input projection
stays inside the scan body, which measured faster on CPU than hoisting ``x @ kernel`` out of it.
Masked timesteps carry the previous states and repeat the previous output (or output zeros with
``zero_output_for_mask=True``), as Keras's JAX backend does.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.activations import serialization as activations
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer, display_shape
from fkeras.initializers import initializer as initializer_base, serialization as initializers
from fkeras.regularizers import regularizers
from fkeras.saving import registry

__all__ = [
    "RNN", "SimpleRNNCell", "SimpleRNN", "LSTMCell", "LSTM", "GRUCell", "GRU", "StackedRNNCells",
    "DropoutRNNCell",
]


# --- helpers ------------------------------------------------------------------------------------

def _is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _clip_rate(rate, name, who):
    if not isinstance(rate, (int, float)) or isinstance(rate, bool):
        raise ValueError(f"{who}: argument `{name}` must be a float between 0 and 1. Received: {name}={rate!r}")
    return min(1.0, max(0.0, float(rate)))


def _check_units(units, who):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            f"Received an invalid value for argument `units` of {who}, expected a positive integer, "
            f"got {units!r}."
        )
    return int(units)


class _UnitForgetBias(initializer_base.Initializer):
    """LSTM bias initializer: ``bias_initializer`` everywhere except ones on the forget gate."""

    def __init__(self, base, units):
        self.base = base
        self.units = units

    def init(self, key, shape, dtype=None):
        u = self.units
        k1, k2 = jax.random.split(key)
        return jnp.concatenate([
            jnp.asarray(initializer_base.initialize(self.base, k1, (u,), dtype)),
            jnp.ones((u,), dtype=dtype),
            jnp.asarray(initializer_base.initialize(self.base, k2, (2 * u,), dtype)),
        ])

    def __call__(self, shape, dtype=None):
        u = self.units
        return jnp.concatenate([
            jnp.asarray(self.base((u,), dtype=dtype)),
            jnp.ones((u,), dtype=dtype),
            jnp.asarray(self.base((2 * u,), dtype=dtype)),
        ])


def _deserialize(config, custom_objects=None):
    from fkeras.layers.wrappers import _module_objects

    return registry.deserialize_keras_object(config, custom_objects=custom_objects,
                                             module_objects=_module_objects())


# --- dropout ------------------------------------------------------------------------------------

class DropoutRNNCell:
    """Mixin holding per-sequence dropout masks of an RNN cell (Keras's ``DropoutRNNCell``).

    The ``RNN`` layer draws the masks once per call (``dropout_mask_count`` masks per kind when the
    cell uses one mask per gate), the cell reuses them at every timestep, and the layer clears them
    after the loop. A cell called on its own draws fresh masks on each call.
    """

    dropout_mask_count = None

    def _draw_dropout_mask(self, step_input, rate):
        key = self.make_rng()
        if getattr(self, "seed", None) is not None:
            key = jax.random.fold_in(key, int(self.seed))
        shape = tuple(step_input.shape)
        dtype = step_input.dtype

        def one(k):
            keep = jax.random.bernoulli(k, 1.0 - rate, shape)
            return jnp.where(keep, jnp.asarray(1.0 / (1.0 - rate), dtype), jnp.zeros((), dtype))

        count = self.dropout_mask_count
        if count is None:
            return one(key)
        return [one(k) for k in jax.random.split(key, count)]

    def get_dropout_mask(self, step_input):
        mask = self.__dict__.get("_dropout_mask")
        if mask is None and 0.0 < self.dropout < 1.0:
            mask = self._draw_dropout_mask(step_input, self.dropout)
        return mask

    def get_recurrent_dropout_mask(self, step_input):
        mask = self.__dict__.get("_recurrent_dropout_mask")
        if mask is None and 0.0 < self.recurrent_dropout < 1.0:
            mask = self._draw_dropout_mask(step_input, self.recurrent_dropout)
        return mask

    def _prepare_dropout_masks(self, step_input, state):
        self._dropout_mask = (self._draw_dropout_mask(step_input, self.dropout)
                              if 0.0 < self.dropout < 1.0 else None)
        self._recurrent_dropout_mask = (self._draw_dropout_mask(state, self.recurrent_dropout)
                                        if 0.0 < self.recurrent_dropout < 1.0 else None)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


class _RecurrentCellBase(Layer, DropoutRNNCell):
    """Shared constructor pieces of the built-in cells."""

    def _init_common(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                     bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                     kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                     seed):
        who = type(self).__name__
        self.units = _check_units(units, who)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _clip_rate(dropout, "dropout", who)
        self.recurrent_dropout = _clip_rate(recurrent_dropout, "recurrent_dropout", who)
        self.seed = seed
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _input_dim(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): the last dimension of the inputs must be "
                f"defined. Received input_shape={tuple(input_shape)}."
            )
        return int(input_dim)

    def _add_kernels(self, input_dim, gates):
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * gates), name="kernel", initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * gates), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)

    def _check_step_input(self, inputs):
        d = self.kernel.shape[0]
        if inputs.shape[-1] != d:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) was built for inputs with {d} features, "
                f"but received inputs of shape {display_shape(inputs.shape)}."
            )

    def _common_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [jnp.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]


# --- cells --------------------------------------------------------------------------------------

class SimpleRNNCell(_RecurrentCellBase):
    """One step of a fully-connected RNN: ``h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)``.

    A cell processes a single timestep; wrap it in ``keras.layers.RNN`` to run it over a sequence
    (``keras.layers.SimpleRNN`` does exactly that). Weights: ``kernel`` ``(input_dim, units)``,
    ``recurrent_kernel`` ``(units, units)``, ``bias`` ``(units,)``.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the new state; defaults to ``"tanh"``. ``None`` means the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Call arguments:
        inputs: the input of one timestep, shape ``(batch_size, input_dim)``.
        states: the previous state: ``h_prev`` of shape ``(batch_size, units)`` (or a one-element list).
        training: whether dropout is active. Defaults to ``False``.

    Returns:
        ``(h, new_states)`` where ``h`` is ``(batch_size, units)`` and ``new_states`` holds ``h`` in the
        same structure as ``states``.

    Example:
        rnn = keras.layers.RNN(keras.layers.SimpleRNNCell(4))
        y = rnn(np.ones((2, 10, 8)))   # (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        _check_units(units, "SimpleRNNCell")
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                          recurrent_dropout, seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 1)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, sequence, states, training=False):
        self._check_step_input(sequence)
        prev = states[0] if isinstance(states, (list, tuple)) else states
        if training:
            dp = self.get_dropout_mask(sequence)
            rdp = self.get_recurrent_dropout_mask(prev)
            if dp is not None:
                sequence = sequence * dp
            if rdp is not None:
                prev = prev * rdp
        h = jnp.matmul(sequence, self.kernel)
        if self.use_bias:
            h = h + self.bias
        out = h + jnp.matmul(prev, self.recurrent_kernel)
        if self.activation is not None:
            out = self.activation(out)
        return out, ([out] if isinstance(states, (list, tuple)) else out)

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config["seed"] = self.seed
        return config


class LSTMCell(_RecurrentCellBase):
    """One LSTM step (Hochreiter & Schmidhuber, 1997), to be run over a sequence by ``keras.layers.RNN``.

    With ``z = x @ kernel + h_prev @ recurrent_kernel + bias`` split into four blocks in the order
    input, forget, candidate, output::

        i = recurrent_activation(z_i)   f = recurrent_activation(z_f)   o = recurrent_activation(z_o)
        c = f * c_prev + i * activation(z_c)
        h = o * activation(c)

    Weights (Keras's layout): ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel``
    ``(units, 4 * units)``, ``bias`` ``(4 * units,)``. The state is ``[h, c]``.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the candidate and of the cell state on output; defaults to
            ``"tanh"``. ``None`` means the identity.
        recurrent_activation: activation of the gates; defaults to ``"sigmoid"``. ``None`` means
            the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        unit_forget_bias: if ``True`` (the default), the forget-gate block of ``bias`` starts at ones
            instead of ``bias_initializer``, so the cell remembers by default early in training
            (Jozefowicz et al., 2015).
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Call arguments:
        inputs: the input of one timestep, shape ``(batch_size, input_dim)``.
        states: the previous states: ``[h_prev, c_prev]``, each ``(batch_size, units)``.
        training: whether dropout is active. Defaults to ``False``.

    Returns:
        ``(h, [h, c])``, each of shape ``(batch_size, units)``.

    Example:
        rnn = keras.layers.RNN(keras.layers.LSTMCell(4), return_state=True)
        y, h, c = rnn(np.ones((2, 10, 8)))   # y, h, c: (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        _check_units(units, "LSTMCell")
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                          recurrent_dropout, seed)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 4)
        if self.use_bias:
            init = (_UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight(shape=(self.units * 4,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        self._check_step_input(inputs)
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.implementation == 1:
            k = [self.kernel[:, j * u:(j + 1) * u] for j in range(4)]
            rk = [self.recurrent_kernel[:, j * u:(j + 1) * u] for j in range(4)]
            xs = [inputs * dp[j] if dp is not None else inputs for j in range(4)]
            hs = [h_tm1 * rdp[j] if rdp is not None else h_tm1 for j in range(4)]
            z = [jnp.matmul(xs[j], k[j]) + jnp.matmul(hs[j], rk[j]) for j in range(4)]
            if self.use_bias:
                z = [z[j] + self.bias[j * u:(j + 1) * u] for j in range(4)]
        else:
            if dp is not None:
                inputs = inputs * dp
            zz = jnp.matmul(inputs, self.kernel) + jnp.matmul(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                zz = zz + self.bias
            # split (not four slices): its gradient is one concatenate instead of pad-and-add
            z = jnp.split(zz, 4, axis=-1)
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = f * c_tm1 + i * self.activation(z[2])
        o = self.recurrent_activation(z[3])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        common = self._common_config()
        config.update({
            "units": self.units,
            "activation": common["activation"],
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
        })
        for k in ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                  "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                  "bias_constraint", "dropout", "recurrent_dropout"):
            config[k] = common[k]
        config["seed"] = self.seed
        return config


class GRUCell(_RecurrentCellBase):
    """One GRU step (Cho et al., 2014), to be run over a sequence by ``keras.layers.RNN``.

    The blocks of ``kernel``/``recurrent_kernel``/``bias`` are in the order update ``z``, reset ``r``,
    candidate ``h``. With ``reset_after=True`` (the default)::

        z = recurrent_activation(x W_z + b_z + h_prev U_z + b'_z)     (r alike)
        candidate = activation(x W_h + b_h + r * (h_prev U_h + b'_h))
        h = z * h_prev + (1 - z) * candidate

    and with ``reset_after=False`` the candidate is ``activation(x W_h + b_h + (r * h_prev) U_h)``.
    Weights: ``kernel`` ``(input_dim, 3 * units)``, ``recurrent_kernel`` ``(units, 3 * units)``.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the candidate state; defaults to ``"tanh"``. ``None`` means the identity.
        recurrent_activation: activation of the gates; defaults to ``"sigmoid"``. ``None`` means
            the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        reset_after: if ``True`` (the default, the cuDNN-compatible form) the reset gate multiplies
            the state projection after the matrix product, and ``bias`` has shape
            ``(2, 3 * units)`` (input bias, recurrent bias); if ``False`` it multiplies the state
            before the product and ``bias`` is ``(3 * units,)``.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Call arguments:
        inputs: the input of one timestep, shape ``(batch_size, input_dim)``.
        states: the previous state: ``h_prev`` of shape ``(batch_size, units)`` (or a one-element list).
        training: whether dropout is active. Defaults to ``False``.

    Returns:
        ``(h, new_states)`` where ``h`` is ``(batch_size, units)`` and ``new_states`` holds ``h`` in the
        same structure as ``states``.

    Example:
        rnn = keras.layers.RNN(keras.layers.GRUCell(4))
        y = rnn(np.ones((2, 10, 8)))   # (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        _check_units(units, "GRUCell")
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                          recurrent_dropout, seed)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 3)
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(shape=shape, name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        self._check_step_input(inputs)
        nested = isinstance(states, (list, tuple))
        h_tm1 = states[0] if nested else states
        u = self.units
        if self.use_bias:
            if self.reset_after:
                in_b, rec_b = self.bias[0], self.bias[1]
            else:
                in_b, rec_b = self.bias, None
        else:
            in_b = rec_b = None
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.implementation == 1:
            xs = [inputs * dp[j] if dp is not None else inputs for j in range(3)]
            hs = [h_tm1 * rdp[j] if rdp is not None else h_tm1 for j in range(3)]
        else:
            x_in = inputs * dp if dp is not None else inputs
            xs = [x_in] * 3
            hs = [h_tm1] * 3
        if self.implementation == 1:
            x_z, x_r, x_h = (jnp.matmul(xs[j], self.kernel[:, j * u:(j + 1) * u]) for j in range(3))
        else:
            mx = jnp.matmul(xs[0], self.kernel)
            if in_b is not None:
                mx = mx + in_b
                in_b = None
            x_z, x_r, x_h = jnp.split(mx, 3, axis=-1)  # gradient: one concatenate
        if in_b is not None:
            x_z, x_r, x_h = x_z + in_b[:u], x_r + in_b[u:2 * u], x_h + in_b[2 * u:]
        rk = self.recurrent_kernel
        if self.implementation == 1 or not self.reset_after:
            rec_z = jnp.matmul(hs[0], rk[:, :u])
            rec_r = jnp.matmul(hs[1], rk[:, u:2 * u])
        else:
            inner = jnp.matmul(hs[0], rk)
            if rec_b is not None:
                inner = inner + rec_b
                rec_b = None
            rec_z, rec_r, rec_h_full = jnp.split(inner, 3, axis=-1)
        if rec_b is not None:
            rec_z, rec_r = rec_z + rec_b[:u], rec_r + rec_b[u:2 * u]
        z = self.recurrent_activation(x_z + rec_z)
        r = self.recurrent_activation(x_r + rec_r)
        if self.reset_after:
            if self.implementation == 1:
                rec_h = jnp.matmul(hs[2], rk[:, 2 * u:])
            else:
                rec_h = rec_h_full
            if rec_b is not None:
                rec_h = rec_h + rec_b[2 * u:]
            rec_h = r * rec_h
        else:
            rec_h = jnp.matmul(r * hs[2], rk[:, 2 * u:])
        hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if nested else h)

    def get_config(self):
        config = super().get_config()
        common = self._common_config()
        config.update({
            "units": self.units,
            "activation": common["activation"],
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
        })
        for k in ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                  "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                  "bias_constraint", "dropout", "recurrent_dropout"):
            config[k] = common[k]
        config["reset_after"] = self.reset_after
        config["seed"] = self.seed
        return config


def _cell_output_size(cell):
    out = getattr(cell, "output_size", None)
    if out is not None:
        return out
    s = cell.state_size
    return s[0] if isinstance(s, (list, tuple)) else s


def _call_cell(cell, inputs, states, training):
    """Call a cell with ``training`` only if its ``call`` takes it."""
    import inspect

    fn = cell if callable(cell) else cell.call
    try:
        params = inspect.signature(type(cell).call).parameters
        takes_training = "training" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError, AttributeError):
        takes_training = False
    if takes_training:
        return fn(inputs, states, training=training)
    return fn(inputs, states)


class StackedRNNCells(Layer):
    """Wraps a list of cells so that they behave as one cell (each cell feeds the next).

    ``RNN([cell1, cell2])`` builds one of these.

    Args:
        cells: A list of RNN cell instances (each with ``state_size`` and ``call(inputs, states)``), applied in
            order.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        cells = [keras.layers.LSTMCell(8), keras.layers.LSTMCell(4)]
        y = keras.layers.RNN(keras.layers.StackedRNNCells(cells))(np.ones((2, 5, 3)))   # (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(
                    f"All cells must have a `call` method. Received cell without a `call` method: {cell!r}")
            if not hasattr(cell, "state_size"):
                raise ValueError(
                    f"All cells must have a `state_size` attribute. Received cell without a "
                    f"`state_size`: {cell!r}")
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, (list, tuple)):
                out.append([jnp.zeros((batch_size, d), self.compute_dtype) for d in cell.state_size])
            else:
                out.append(jnp.zeros((batch_size, cell.state_size), self.compute_dtype))
        return out

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            shape = (shape[0], _cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, s in zip(self.cells, states):
            is_list = _is_nested(s)
            s = list(s) if is_list else [s]
            inputs, s = _call_cell(cell, inputs, s, training)
            if not _is_nested(s):
                s = [s]
            s = list(s)
            if len(s) == 1 and not is_list:
                s = s[0]
            new_states.append(s)
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [registry.serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [_deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _dropout_cells(cell):
    if isinstance(cell, StackedRNNCells):
        out = []
        for c in cell.cells:
            out.extend(_dropout_cells(c))
        return out
    return [cell] if isinstance(cell, DropoutRNNCell) else []


# --- the RNN layer ------------------------------------------------------------------------------

class RNN(Layer):
    """Runs a cell over the time axis of ``(batch, timesteps, features)`` inputs.

    A cell is any layer with a ``state_size`` (int or list of ints) and
    ``call(inputs_t, states) -> (output_t, new_states)`` (optionally taking ``training``); it may also
    define ``output_size`` and ``get_initial_state(batch_size)``. A list of cells is stacked with
    ``StackedRNNCells``. The loop is one ``jax.lax.scan``, so the layer is a pure function under
    ``jit``/``grad``/``vmap``.

    Args:
        cell: the cell instance, or a list of cells (run as ``StackedRNNCells``, each feeding the next).
        return_sequences: if ``True``, return the output of every timestep; if ``False`` (the default),
            only the last one.
        return_state: if ``True``, also return the final state tensors after the output. Defaults to
            ``False``.
        go_backwards: if ``True``, read the sequence from its end; with ``return_sequences`` the
            outputs are in processing (reversed) order. Defaults to ``False``.
        stateful: if ``True``, the final states of each call are kept (as non-trainable state, not
            saved with the weights) and start the next call; the batch size must be fixed, and
            ``reset_state()`` zeroes them. Defaults to ``False``.
        unroll: ``False`` (the default) loops with ``jax.lax.scan``; ``True`` unrolls the whole loop;
            an integer unrolls that many steps per iteration.
        zero_output_for_mask: if ``True``, masked timesteps output zeros; if ``False`` (the default),
            they repeat the previous output. Either way the states are carried over unchanged.
        **kwargs: base layer arguments (``name``, ``dtype``, ``activity_regularizer``, ...).

    Input shape:
        ``(batch_size, timesteps, ...)``; the cell sees one ``(batch_size, ...)`` step at a time.

    Output shape:
        ``(batch_size, output_size)`` or, with ``return_sequences=True``,
        ``(batch_size, timesteps, output_size)``; with ``return_state=True`` the final states follow
        the output in a tuple.

    Call arguments:
        inputs: the sequence tensor.
        initial_state: optional initial state tensors, one per entry of ``state_size``; ``None`` uses
            the cell's ``get_initial_state`` (zeros).
        mask: optional boolean ``(batch_size, timesteps)`` tensor; ``False`` skips a timestep.
        training: forwarded to cells whose ``call`` accepts it (dropout). Defaults to ``False``.

    Raises:
        ValueError: if ``cell`` has no ``call`` or no valid ``state_size``; at call time for inputs
            below rank 3 or a wrong number of initial states.

    Example:
        class MinimalRNNCell(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units, self.state_size = units, units
            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
                self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                        name="recurrent_kernel")
            def call(self, inputs, states):
                h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
                return h, [h]

        y = keras.layers.RNN(MinimalRNNCell(32))(np.ones((4, 10, 5)))   # (4, 32)
        y = keras.layers.RNN([keras.layers.GRUCell(8), keras.layers.GRUCell(4)])(np.ones((4, 10, 5)))  # (4, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of integers, "
                f"one integer per RNN state). Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self._state_vars = None
        state_size = cell.state_size
        if state_size is None or not isinstance(state_size, (list, tuple, int, np.integer)):
            raise ValueError(
                "state_size must be an integer, or a list/tuple of integers (one for each state tensor). "
                f"Received: state_size={state_size!r}")
        if isinstance(state_size, (int, np.integer)):
            self.state_size = [int(state_size)]
            self.single_state = True
        else:
            self.state_size = list(state_size)
            self.single_state = False

    # --- weights: the stateful state variables are carried by the engine but are not "weights"
    # (as in Keras, they are neither saved nor part of get_weights/set_weights).
    def _state_ids(self):
        return {id(v) for v in (self._state_vars or [])}

    @property
    def weights(self):
        ids = self._state_ids()
        return [v for v in Layer.weights.fget(self) if id(v) not in ids]

    variables = weights

    @property
    def non_trainable_weights(self):
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable_ids]

    non_trainable_variables = non_trainable_weights

    @property
    def states(self):
        """The stateful state variables (``None`` unless ``stateful=True`` and built)."""
        if self._state_vars is None:
            return None
        return list(self._state_vars)

    # --- build -------------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) < 3:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of shape (batch, timesteps, "
                f"features); received input_shape={sequences_shape}.")
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful and self._state_vars is None:
            batch = sequences_shape[0]
            if batch is None:
                raise ValueError(
                    f"Layer {self.name!r}: when using `stateful=True` in a RNN, the batch size must be "
                    f"static. Found dynamic batch size: sequence.shape={sequences_shape}. Pass "
                    "`batch_size=...` to the model's `Input` (or `batch_shape=`).")
            init = jax.tree_util.tree_leaves(self.get_initial_state(int(batch)))
            self._state_vars = [
                self.add_weight(name="rnn_state", shape=tuple(s.shape), initializer="zeros",
                                dtype=self.variable_dtype, trainable=False)
                for s in init
            ]
        feat = sequences_shape[-1]
        axes = {-1: int(feat)} if feat is not None else None
        spec = self.input_spec
        ndim = spec.ndim if isinstance(spec, InputSpec) else None
        self.input_spec = InputSpec(ndim=ndim, min_ndim=None if ndim else 3, axes=axes)
        self.built = True

    # --- states ------------------------------------------------------------------------------
    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            init = fn(batch_size=batch_size)
        else:
            dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
            return [jnp.zeros((batch_size, d), dtype=dtype) for d in self.state_size]
        if not _is_nested(init):
            init = [init]
        return list(init)

    def reset_state(self, states=None):
        """Zero the stateful states (or set them to ``states``: an array or a list of arrays)."""
        if self._state_vars is None:
            return
        if states is None:
            for v in self._state_vars:
                v.assign(jnp.zeros(v.shape, v.dtype))
            return
        values = jax.tree_util.tree_leaves(states if _is_nested(states) else [states])
        if len(values) != len(self._state_vars):
            raise ValueError(
                f"Layer {self.name!r} expects {len(self._state_vars)} state(s), but received "
                f"{len(values)} in `states`.")
        for v, val in zip(self._state_vars, values):
            if tuple(np.shape(val)) != tuple(v.shape):
                raise ValueError(
                    f"Layer {self.name!r}: state has shape {tuple(v.shape)}, but the value provided has "
                    f"shape {tuple(np.shape(val))}.")
            v.assign(val)

    def reset_states(self, states=None):
        """tf.keras name of ``reset_state``."""
        self.reset_state(states)

    # --- masks / shapes --------------------------------------------------------------------------
    def compute_mask(self, inputs, mask=None):
        leaves = [m for m in jax.tree_util.tree_leaves(mask)] if mask is not None else []
        mask = leaves[0] if leaves else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # --- call --------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if sequences.ndim < 3:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of shape (batch, timesteps, "
                f"features); received an input of shape {display_shape(sequences.shape)}.")
        batch = sequences.shape[0]
        # Shape inference traces with a symbolic batch size; a stateful layer's states then
        # stand in as zeros of that size (real calls always have the concrete batch size).
        symbolic_batch = not isinstance(batch, (int, np.integer))
        if self.stateful and self._state_vars and not symbolic_batch:
            state_batch = self._state_vars[0].shape[0]
            if batch != state_batch:
                raise ValueError(
                    f"Layer {self.name!r} is stateful with batch size {state_batch}, but received inputs of "
                    f"shape {display_shape(sequences.shape)}. Feed batches of exactly {state_batch} samples.")
        if initial_state is None:
            if self.stateful and not symbolic_batch:
                structure = jax.tree_util.tree_structure(self.get_initial_state(1))
                initial_state = jax.tree_util.tree_unflatten(
                    structure, [v.value for v in self._state_vars])
            else:
                initial_state = self.get_initial_state(batch)
        if not _is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        n_expected = len(jax.tree_util.tree_leaves(self.get_initial_state(1)))
        n_given = len(jax.tree_util.tree_leaves(initial_state))
        if n_given != n_expected:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects {n_expected} initial state(s), but "
                f"received {n_given} in `initial_state`.")
        cdt = getattr(self.cell, "compute_dtype", self.compute_dtype)
        initial_state = jax.tree_util.tree_map(lambda s: jnp.asarray(s, dtype=cdt), initial_state)

        if mask is not None:
            leaves = jax.tree_util.tree_leaves(mask)
            mask = leaves[0] if leaves else None
        if mask is not None:
            mask = jnp.asarray(mask).astype(bool)
            if mask.ndim > 2:
                mask = mask.reshape(mask.shape[:2] + (-1,))[..., 0]

        cells = _dropout_cells(self.cell)
        if training and cells:
            self._prepare_masks(sequences, initial_state, cells)
        try:
            last_output, outputs, states = _run_rnn(
                self.cell, sequences, initial_state, mask, training=training,
                go_backwards=self.go_backwards, unroll=self.unroll,
                zero_output_for_mask=self.zero_output_for_mask,
                return_sequences=self.return_sequences, layer_name=self.name)
        finally:
            for c in cells:
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()
        out_dtype = self.compute_dtype
        states = jax.tree_util.tree_map(lambda s: s.astype(out_dtype), states)
        if self.stateful and self._state_vars is not None and not symbolic_batch:
            for var, s in zip(self._state_vars, jax.tree_util.tree_leaves(states)):
                var.assign(s)
        output = outputs if self.return_sequences else last_output
        output = output.astype(out_dtype)
        if self.return_state:
            return (output, *states)
        return output

    def _prepare_masks(self, sequences, initial_state, cells):
        """Draw the per-sequence dropout masks of every dropout-capable cell."""
        if isinstance(self.cell, StackedRNNCells):
            step = sequences[:, 0]
            for c, s in zip(self.cell.cells, initial_state):
                h = jax.tree_util.tree_leaves(s)[0]
                if isinstance(c, DropoutRNNCell):
                    c._prepare_dropout_masks(step, h)
                step = jnp.zeros((step.shape[0], _cell_output_size(c)), step.dtype)
        else:
            h = jax.tree_util.tree_leaves(initial_state)[0]
            self.cell._prepare_dropout_masks(sequences[:, 0], h)

    # --- config ------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        config["cell"] = registry.serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = _deserialize(config.pop("cell"), custom_objects)
        if "dtype" in config and isinstance(config["dtype"], dict):
            from fkeras.dtype_policies import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(cell, **config)


def _run_rnn(cell, sequences, initial_state, mask, training, go_backwards, unroll, zero_output_for_mask,
             return_sequences, layer_name):
    """The time loop: ``(last_output, outputs, final_states)`` with batch-major ``outputs``.

    With ``go_backwards`` the sequence is processed from the end and ``outputs`` are in processing
    order (reversed time), as in Keras.
    """
    treedef = jax.tree_util.tree_structure(initial_state)
    init_leaves = jax.tree_util.tree_leaves(initial_state)
    stacked = isinstance(cell, StackedRNNCells)

    def step(x_t, states):
        out, new_states = _call_cell(cell, x_t, states, training)
        if not _is_nested(new_states):
            new_states = [new_states]
        leaves = jax.tree_util.tree_leaves(new_states)
        if len(leaves) != len(init_leaves):
            raise ValueError(
                f"Layer {layer_name!r}: the cell returned {len(leaves)} state tensor(s), but its "
                f"`state_size` declares {len(init_leaves)}.")
        leaves = [l.astype(i.dtype) for l, i in zip(leaves, init_leaves)]
        return out, jax.tree_util.tree_unflatten(treedef, leaves)

    xs = jnp.swapaxes(sequences, 0, 1)  # (T, B, ...)
    m = jnp.swapaxes(mask, 0, 1) if mask is not None else None
    if go_backwards:
        xs = jnp.flip(xs, 0)
        if m is not None:
            m = jnp.flip(m, 0)
    timesteps = xs.shape[0]

    def prev_output(states):
        first = states[0]
        if _is_nested(first) or stacked:
            first = jax.tree_util.tree_leaves(states[-1])[0]
        return first

    def body(carry, inp):
        states, last = carry
        if m is not None:
            x_t, m_t = inp
        else:
            x_t, m_t = inp, None
        out, new_states = step(x_t, states)
        if m_t is not None:
            def keep(new, old):
                k = m_t.reshape(m_t.shape + (1,) * (new.ndim - 1))
                return jnp.where(k, new, old)

            if zero_output_for_mask:
                out = keep(out, jnp.zeros_like(out))
            else:
                out = keep(out, prev_output(states).astype(out.dtype))
            new_states = jax.tree_util.tree_map(keep, new_states, states)
        if return_sequences:
            return (new_states, last), out
        return (new_states, out.astype(last.dtype)), None

    out_spec = jax.eval_shape(lambda x, s: step(x, s)[0], xs[0], initial_state)
    last0 = jnp.zeros(out_spec.shape, out_spec.dtype)
    scan_xs = (xs, m) if m is not None else xs
    if isinstance(unroll, bool):
        n_unroll = max(int(timesteps), 1) if unroll else 1
    else:
        n_unroll = int(unroll)
    (states, last), ys = jax.lax.scan(body, (initial_state, last0), scan_xs, unroll=n_unroll)
    if return_sequences:
        outputs = jnp.swapaxes(ys, 0, 1)
        last = ys[-1]
    else:
        outputs = None
    return last, outputs, states


def _rnn_layer_init(layer, cell, kwargs, return_sequences, return_state, go_backwards, stateful, unroll,
                    activity_regularizer):
    RNN.__init__(layer, cell, return_sequences=return_sequences, return_state=return_state,
                 go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                 activity_regularizer=activity_regularizer, **kwargs)
    layer.input_spec = InputSpec(ndim=3)


def _cell_kwargs(kwargs):
    return {"dtype": kwargs.get("dtype", None), "trainable": kwargs.get("trainable", True)}


class _CellProperties:
    """Read-through properties from an RNN layer to its cell's configuration."""

    units = property(lambda self: self.cell.units)
    activation = property(lambda self: self.cell.activation)
    use_bias = property(lambda self: self.cell.use_bias)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    bias_regularizer = property(lambda self: self.cell.bias_regularizer)
    kernel_constraint = property(lambda self: self.cell.kernel_constraint)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)
    bias_constraint = property(lambda self: self.cell.bias_constraint)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)

    def _layer_config(self, cell_keys):
        config = RNN.get_config(self)
        del config["cell"]
        cell_config = self.cell.get_config()
        for k in cell_keys:
            if k == "activity_regularizer":
                config[k] = regularizers.serialize(self.activity_regularizer)
            else:
                config[k] = cell_config[k]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            from fkeras.dtype_policies import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(**config)


class SimpleRNN(_CellProperties, RNN):
    """Fully-connected RNN whose output is fed back as the next state: a ``SimpleRNNCell`` run by ``RNN``.

    At each timestep ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``. The
    weights live on the cell (``simple_rnn/simple_rnn_cell/kernel``, ...), as in Keras.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the state; defaults to ``"tanh"``. ``None`` means the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        return_sequences: if ``True``, return the output of every timestep; if ``False`` (the
            default), only the last one.
        return_state: if ``True``, also return the final state tensors after the output. Defaults to
            ``False``.
        go_backwards: if ``True``, read the sequence from its end; with ``return_sequences`` the
            outputs are then in processing (reversed) order. Defaults to ``False``.
        stateful: if ``True``, the final states of each batch become the initial states of the next
            batch (sample ``i`` continues sample ``i``); this needs a fixed batch size (``Input(batch_size=...)``
            or ``batch_shape``) and ``reset_state()`` zeroes the states. Defaults to ``False``.
        unroll: ``False`` (the default) runs the time loop as one ``jax.lax.scan``; ``True`` unrolls it
            completely (faster for short sequences, more compile time and memory); an integer unrolls
            that many steps per scan iteration.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, units)``, or ``(batch_size, timesteps, units)`` with ``return_sequences=True``.
        With ``return_state=True`` a tuple ``(output, h)`` where ``h`` is ``(batch_size, units)``.

    Call arguments:
        inputs: a 3D tensor ``(batch_size, timesteps, features)``.
        initial_state: optional tensor ``(batch_size, units)`` (or a one-element list); ``None`` (the
            default) starts from zeros (or, for a stateful layer, from the states left by the previous
            call).
        mask: optional boolean tensor ``(batch_size, timesteps)``; ``False`` marks a timestep to skip:
            the states are carried over unchanged and the previous output is repeated. An upstream
            ``Masking`` or ``Embedding(mask_zero=True)`` layer supplies it automatically.
        training: whether dropout and recurrent dropout are active. Defaults to ``False``; ``fit``
            passes ``True``.

    Raises:
        ValueError: for a non-positive ``units`` or a non-numeric dropout rate; at call time for inputs
            that are not 3D or a wrong number of initial states.

    Example:
        x = np.ones((32, 10, 8))
        y = keras.layers.SimpleRNN(4)(x)   # (32, 4)
        seq, state = keras.layers.SimpleRNN(4, return_sequences=True, return_state=True)(x)
        # seq: (32, 10, 4), state: (32, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="simple_rnn_cell", **_cell_kwargs(kwargs))
        _rnn_layer_init(self, cell, kwargs, return_sequences, return_state, go_backwards, stateful, unroll,
                        activity_regularizer)

    def get_config(self):
        return self._layer_config((
            "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
            "dropout", "recurrent_dropout"))


class LSTM(_CellProperties, RNN):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997): an ``LSTMCell`` run by ``RNN``.

    At each timestep, with ``z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias`` split into the
    input, forget, candidate and output blocks (in that order)::

        i, f, o = recurrent_activation(z_i), recurrent_activation(z_f), recurrent_activation(z_o)
        c_t = f * c_{t-1} + i * activation(z_c)
        h_t = o * activation(c_t)

    ``h_t`` is the output of the step. The time loop is one ``jax.lax.scan``, so the layer works under
    ``jit``, ``grad`` and ``vmap``. Weights (Keras's names and layout, on the cell):
    ``lstm/lstm_cell/kernel`` ``(features, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``,
    ``bias`` ``(4 * units,)``.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the candidate and of the cell state on output; defaults to
            ``"tanh"``. ``None`` means the identity.
        recurrent_activation: activation of the gates; defaults to ``"sigmoid"``. ``None`` means
            the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        unit_forget_bias: if ``True`` (the default), the forget-gate block of ``bias`` starts at ones
            instead of ``bias_initializer``, so the cell remembers by default early in training
            (Jozefowicz et al., 2015).
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        return_sequences: if ``True``, return the output of every timestep; if ``False`` (the
            default), only the last one.
        return_state: if ``True``, also return the final state tensors after the output. Defaults to
            ``False``.
        go_backwards: if ``True``, read the sequence from its end; with ``return_sequences`` the
            outputs are then in processing (reversed) order. Defaults to ``False``.
        stateful: if ``True``, the final states of each batch become the initial states of the next
            batch (sample ``i`` continues sample ``i``); this needs a fixed batch size (``Input(batch_size=...)``
            or ``batch_shape``) and ``reset_state()`` zeroes the states. Defaults to ``False``.
        unroll: ``False`` (the default) runs the time loop as one ``jax.lax.scan``; ``True`` unrolls it
            completely (faster for short sequences, more compile time and memory); an integer unrolls
            that many steps per scan iteration.
        use_cudnn: ``"auto"`` (the default), ``True`` or ``False``; accepted and stored for Keras
            compatibility. fkeras always runs its ``lax.scan`` loop and lets XLA choose the kernels.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, units)``, or ``(batch_size, timesteps, units)`` with ``return_sequences=True``.
        With ``return_state=True`` a tuple ``(output, h, c)``, where the final hidden state ``h`` and
        cell state ``c`` are each ``(batch_size, units)``.

    Call arguments:
        inputs: a 3D tensor ``(batch_size, timesteps, features)``.
        initial_state: optional list ``[h, c]`` of two tensors ``(batch_size, units)``; ``None`` (the
            default) starts from zeros (or, for a stateful layer, from the states left by the previous
            call).
        mask: optional boolean tensor ``(batch_size, timesteps)``; ``False`` marks a timestep to skip:
            the states are carried over unchanged and the previous output is repeated. An upstream
            ``Masking`` or ``Embedding(mask_zero=True)`` layer supplies it automatically.
        training: whether dropout and recurrent dropout are active. Defaults to ``False``; ``fit``
            passes ``True``.

    Raises:
        ValueError: for a non-positive ``units``, a non-numeric dropout rate or a ``use_cudnn`` other than
            ``"auto"``, ``True`` or ``False``; at call time for inputs that are not 3D or a wrong number
            of initial states; for ``stateful=True`` without a fixed batch size.

    Example:
        x = np.ones((32, 10, 8))
        y = keras.layers.LSTM(4)(x)   # (32, 4)
        seq, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(x)
        # seq: (32, 10, 4), h: (32, 4), c: (32, 4)
        y = keras.layers.LSTM(4)(x, initial_state=[h, c])   # continue from given states
    """

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    unit_forget_bias = property(lambda self: self.cell.unit_forget_bias)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid value received for argument `use_cudnn`. Expected one of {'auto', True, False}. "
                f"Received: use_cudnn={use_cudnn!r}")
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, unit_forget_bias=unit_forget_bias,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="lstm_cell",
            implementation=kwargs.pop("implementation", 2), **_cell_kwargs(kwargs))
        _rnn_layer_init(self, cell, kwargs, return_sequences, return_state, go_backwards, stateful, unroll,
                        activity_regularizer)
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = self._layer_config((
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"))
        return config


class GRU(_CellProperties, RNN):
    """Gated Recurrent Unit layer (Cho et al., 2014): a ``GRUCell`` run by ``RNN``.

    Each step mixes the previous state and a candidate with an update gate ``z``:
    ``h_t = z * h_{t-1} + (1 - z) * candidate``, where a reset gate ``r`` scales the state's share of
    the candidate (see ``GRUCell`` for the formulas). ``reset_after=True`` (the default) matches
    Keras 3 and cuDNN weights. Weights live on the cell: ``gru/gru_cell/kernel``
    ``(features, 3 * units)``, ``recurrent_kernel`` ``(units, 3 * units)``, ``bias``.

    Args:
        units: positive integer, the size of the hidden state and of each output step.
        activation: activation of the candidate state; defaults to ``"tanh"``. ``None`` means the identity.
        recurrent_activation: activation of the gates; defaults to ``"sigmoid"``. ``None`` means
            the identity.
        use_bias: whether the layer has a bias vector. Defaults to ``True``.
        kernel_initializer: initializer of ``kernel``, the input projection; defaults to
            ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``, the state projection;
            defaults to ``"orthogonal"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        recurrent_regularizer: optional regularizer penalizing ``recurrent_kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        activity_regularizer: optional regularizer penalizing the layer's output.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        recurrent_constraint: optional constraint applied to ``recurrent_kernel`` after each update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        dropout: float in ``[0, 1]``, the fraction of input features dropped in training (values are
            clipped to that range). One mask is drawn per sequence and reused at every timestep.
            Defaults to 0.
        recurrent_dropout: float in ``[0, 1]``, the fraction of the recurrent state dropped before
            the state projection in training, with one mask per sequence. Defaults to 0.
        seed: optional integer folded into the layer's random key, making the dropout masks
            reproducible.
        return_sequences: if ``True``, return the output of every timestep; if ``False`` (the
            default), only the last one.
        return_state: if ``True``, also return the final state tensors after the output. Defaults to
            ``False``.
        go_backwards: if ``True``, read the sequence from its end; with ``return_sequences`` the
            outputs are then in processing (reversed) order. Defaults to ``False``.
        stateful: if ``True``, the final states of each batch become the initial states of the next
            batch (sample ``i`` continues sample ``i``); this needs a fixed batch size (``Input(batch_size=...)``
            or ``batch_shape``) and ``reset_state()`` zeroes the states. Defaults to ``False``.
        unroll: ``False`` (the default) runs the time loop as one ``jax.lax.scan``; ``True`` unrolls it
            completely (faster for short sequences, more compile time and memory); an integer unrolls
            that many steps per scan iteration.
        reset_after: if ``True`` (the default, the cuDNN-compatible form) the reset gate multiplies
            the state projection after the matrix product, and ``bias`` has shape
            ``(2, 3 * units)`` (input bias, recurrent bias); if ``False`` it multiplies the state
            before the product and ``bias`` is ``(3 * units,)``.
        use_cudnn: ``"auto"`` (the default), ``True`` or ``False``; accepted and stored for Keras
            compatibility. fkeras always runs its ``lax.scan`` loop and lets XLA choose the kernels.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, units)``, or ``(batch_size, timesteps, units)`` with ``return_sequences=True``.
        With ``return_state=True`` a tuple ``(output, h)`` where ``h`` is ``(batch_size, units)``.

    Call arguments:
        inputs: a 3D tensor ``(batch_size, timesteps, features)``.
        initial_state: optional tensor ``(batch_size, units)`` (or a one-element list); ``None`` (the
            default) starts from zeros (or, for a stateful layer, from the states left by the previous
            call).
        mask: optional boolean tensor ``(batch_size, timesteps)``; ``False`` marks a timestep to skip:
            the states are carried over unchanged and the previous output is repeated. An upstream
            ``Masking`` or ``Embedding(mask_zero=True)`` layer supplies it automatically.
        training: whether dropout and recurrent dropout are active. Defaults to ``False``; ``fit``
            passes ``True``.

    Raises:
        ValueError: for a non-positive ``units``, a non-numeric dropout rate or an invalid
            ``use_cudnn``; at call time for inputs that are not 3D or a wrong number of initial states.

    Example:
        x = np.ones((32, 10, 8))
        y = keras.layers.GRU(4)(x)   # (32, 4)
        seq, h = keras.layers.GRU(4, return_sequences=True, return_state=True)(x)   # (32, 10, 4), (32, 4)
    """

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    reset_after = property(lambda self: self.cell.reset_after)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=True, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid value received for argument `use_cudnn`. Expected one of {'auto', True, False}. "
                f"Received: use_cudnn={use_cudnn!r}")
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            reset_after=reset_after, seed=seed, name="gru_cell",
            implementation=kwargs.pop("implementation", 2), **_cell_kwargs(kwargs))
        _rnn_layer_init(self, cell, kwargs, return_sequences, return_state, go_backwards, stateful, unroll,
                        activity_regularizer)
        self.use_cudnn = use_cudnn

    def get_config(self):
        return self._layer_config((
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint",
            "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "seed"))
