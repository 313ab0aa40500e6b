"""Quantization of Dense, EinsumDense and Embedding (Keras 3's ``layer.quantize(mode)``).

``quantize("int8")`` replaces the float weight by an int8 weight of the same name plus a
per-channel ``<weight>_scale`` (``q = round(w * scale)``); at call time the inputs are quantized
too (abs-max over the contracted axes) and the int8 x int8 product is accumulated in int32.
``quantize("int4")`` stores int4 values packed two per byte, with per-channel scales or, with a
``block_size``, a scale and zero point per group of rows. ``quantize("float8")`` keeps the float
kernel and adds the delayed-scaling state of float8 training (scales and amax histories).
Variable names, shapes, dtypes and the order of the saved weights are Keras 3's, and the layer's
``dtype`` policy becomes ``"<mode>_from_<source>"``, so ``.keras`` files move between both.

Differences from Keras, both forced by fkeras's pure training step:

- the float8 scale/amax-history variables are non-trainable state. Keras makes them trainable
  and has its optimizer overwrite them with the "gradient" a custom gradient returns; here the
  input and kernel statistics are updated in the forward pass of a training call (the same
  formulas), and the output-gradient scale is used but stays at its value, because a backward
  pass cannot write non-trainable state.
- GPTQ and AWQ (calibration-data algorithms) are not implemented; their configs are accepted,
  validated and serialized, and ``quantize("gptq")`` / ``("awq")`` raise.
"""
from __future__ import annotations

import functools
import math
import warnings

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from fkeras.dtype_policies import dtype_policy as dtype_policies
from fkeras.quantizers import quantizers, serialization as quantizer_serialization
from fkeras.quantizers.quantization_config import (
    Int4QuantizationConfig,
    QuantizationConfig,
    validate_and_resolve_config,
)

_CALIBRATED_MODES = ("gptq", "awq")
_QUANTIZABLE = ("Dense", "EinsumDense", "Embedding")
_E4M3_MAX = float(ml_dtypes.finfo("float8_e4m3fn").max)


def _calibration_error(mode):
    return NotImplementedError(
        f"quantize({mode!r}) is not supported by fkeras: {mode.upper()} is a post-training algorithm that runs "
        "calibration data through the model block by block (Hessian/activation statistics, error-correcting "
        "rounding), and fkeras does not implement that pass. `keras.quantizers."
        f"{'GPTQConfig' if mode == 'gptq' else 'AWQConfig'}` is accepted and serialized, but no layer can be "
        f"quantized with it. Use quantize('int4') (weight-only int4, optionally with "
        "`Int4QuantizationConfig(block_size=...)`) or quantize('int8') instead.")


def _zero_cotangent(x):
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return np.zeros(x.shape, dtype=jax.dtypes.float0)


def straight_through(value_fn, linear_fn, inputs, *consts):
    """``value_fn(inputs, *consts)`` with the gradient of a linear stand-in (straight-through rounding).

    Args:
        value_fn: the quantized computation ``(inputs, *consts) -> outputs``.
        linear_fn: the float computation whose input gradient is used, ``(inputs, *consts) -> outputs``
            (the product with the dequantized kernel).
        inputs: the differentiated input.
        *consts: the quantized weights and scales; their gradients are zero.

    Returns:
        ``value_fn(inputs, *consts)``.
    """

    @jax.custom_vjp
    def f(x, *c):
        return value_fn(x, *c)

    def fwd(x, *c):
        return value_fn(x, *c), (x, c)

    def bwd(res, g):
        x, c = res
        _, vjp = jax.vjp(lambda xx: linear_fn(xx, *c), x)
        return (vjp(g)[0],) + tuple(_zero_cotangent(a) for a in c)

    f.defvjp(fwd, bwd)
    return f(inputs, *consts)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _qdq_forward(x, scale, compute_dtype):
    """Float8 (e4m3) quantize-dequantize of a matmul operand; the gradient passes straight through."""
    return quantizers.quantize_and_dequantize(x, scale, "float8_e4m3fn", compute_dtype)


def _qdq_forward_fwd(x, scale, compute_dtype):
    return _qdq_forward(x, scale, compute_dtype), scale


def _qdq_forward_bwd(compute_dtype, scale, g):
    return g, jnp.zeros_like(scale)


_qdq_forward.defvjp(_qdq_forward_fwd, _qdq_forward_bwd)


@jax.custom_vjp
def _qdq_backward(y, scale):
    """Identity forward; the incoming gradient is quantize-dequantized through float8 (e5m2)."""
    return y


def _qdq_backward_fwd(y, scale):
    return y, scale


def _qdq_backward_bwd(scale, g):
    return quantizers.quantize_and_dequantize(g, scale, "float8_e5m2", g.dtype), jnp.zeros_like(scale)


_qdq_backward.defvjp(_qdq_backward_fwd, _qdq_backward_bwd)


def int4_block_size(layer, config):
    """The int4 group size of ``layer``.

    Args:
        layer: a quantizable layer.
        config: the quantization config in use, if any.

    Returns:
        The ``block_size`` of an ``Int4QuantizationConfig``, else of the layer's ``Int4DTypePolicy``;
        ``None`` for per-channel quantization.
    """
    if isinstance(config, Int4QuantizationConfig):
        block = config.block_size
    else:
        block = getattr(layer._active_policy(), "block_size", None)
    return None if block is None or block == -1 else int(block)


class QuantizeMixin:
    """What Dense, EinsumDense and Embedding share: ``quantize``, the policy switch, variable
    swapping and Keras's order of saved weights. A layer class provides ``_quantize_weights``
    (and the hooks it uses) and ``_serialization_spec``."""

    _quantize_modes = ("int8", "int4", "float8")

    # --- policy --------------------------------------------------------------------------------
    def _policy_path(self):
        own = self._own_trainable + self._own_non_trainable
        return own[0].path.rsplit("/", 1)[0] if own else self.name

    def _active_policy(self):
        policy = self._dtype_policy
        if type(policy).__name__ == "DTypePolicyMap":
            return policy[self._policy_path()]
        return policy

    @property
    def quantization_mode(self):
        """The quantization mode of the layer (``"int8"``, ``"int4"``, ``"float8"``), ``None`` if float."""
        return self._active_policy().quantization_mode

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        mode = policy.quantization_mode
        if mode is not None and self.built and not getattr(self, "_is_quantized", False):
            if mode in _CALIBRATED_MODES:
                raise ValueError(f"Implicitly enabling {mode.upper()} quantization by setting `dtype_policy` to "
                                 f"{policy.name!r} is not supported: it needs calibration data and a config.")
            self.quantize(mode)

    # --- quantize ------------------------------------------------------------------------------
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the layer's weights in place (Keras 3's ``layer.quantize``).

        Args:
            mode: ``"int8"``, ``"int4"`` or ``"float8"`` (Embedding: ``"int8"``, ``"int4"``);
                optional when ``config`` is given.
            type_check: refuse subclasses, whose ``call`` may not match the quantized forward pass.
            config: a ``keras.QuantizationConfig`` (custom weight/activation quantizers,
                the int4 ``block_size``).

        Example:
            >>> layer = keras.layers.Dense(4); layer.build((None, 8))
            >>> layer.quantize("int8")
            >>> [(w.name, w.dtype) for w in layer.weights]
            [('bias', 'float32'), ('kernel', 'int8'), ('kernel_scale', 'float32')]
        """
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        owner = next(c for c in type(self).__mro__ if c.__name__ in _QUANTIZABLE
                     and c.__module__.startswith("fkeras.layers."))
        if type_check and type(self) is not owner:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented "
                                      f"(it subclasses {owner.__name__}; pass `type_check=False` if its `call` "
                                      "is the parent's).")
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer '{self.name}' (of type "
                             f"'{type(self).__name__}') is not built yet.")
        if getattr(self, "_is_quantized", False):
            raise ValueError(f"Layer '{self.name}' is already quantized with dtype_policy="
                             f"'{self._active_policy().name}'. Received: mode={mode}")
        if mode == "int8" and self.compute_dtype == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. Consider "
                             "loading model/layer with another dtype policy such as 'mixed_bfloat16' or "
                             "'mixed_float16' before calling `quantize()`.")
        if mode in _CALIBRATED_MODES:
            raise _calibration_error(mode)
        if mode not in self._quantize_modes:
            raise NotImplementedError(f"Invalid quantization mode for {type(self).__name__}. Expected one of "
                                      f"{self._quantize_modes}. Received: quantization_mode={mode}")
        if mode == "float8" and getattr(self, "lora_enabled", False):
            raise ValueError(f"Layer '{self.name}': float8 quantization does not support LoRA (as in Keras). "
                             "Quantize to 'int8' or 'int4' instead, or quantize before fine-tuning without LoRA.")
        block = int4_block_size(self, config) if mode == "int4" else None
        self._quantize_weights(mode, config)
        self.quantization_config = config
        self._is_quantized = True
        if self._active_policy().quantization_mode is None:
            name = f"int4/{-1 if block is None else block}" if mode == "int4" else mode
            self._dtype_policy = dtype_policies.get(f"{name}_from_{self._active_policy().name}")

    def _built_quantized(self, shape):
        """Called from ``build``: create the quantized variables when the policy says so (a layer
        loaded from a config); True if the float weight must not be created."""
        mode = self.quantization_mode
        if mode is None:
            return False
        if mode in _CALIBRATED_MODES:
            raise _calibration_error(mode)
        if mode not in self._quantize_modes:
            raise ValueError(f"{type(self).__name__} {self.name!r} cannot be built with policy "
                             f"{self._active_policy().name!r}: supported modes are {self._quantize_modes}.")
        self._quantized_build(tuple(shape), mode, self.quantization_config)
        self._is_quantized = True
        return mode in ("int8", "int4")

    # --- variables -----------------------------------------------------------------------------
    def _drop_weight(self, name):
        var = self._var_attrs[name]
        self._own_trainable = [v for v in self._own_trainable if v is not var]
        self._own_non_trainable = [v for v in self._own_non_trainable if v is not var]
        delattr(self, name)
        return var

    def _new_weight(self, name, shape, dtype="float32", initializer="zeros", trainable=False, autocast=True):
        var = self.add_weight(name=name, shape=tuple(shape), initializer=initializer, dtype=dtype,
                              trainable=trainable, autocast=autocast)
        if "/" not in var.path:
            var.path = f"{self._policy_path()}/{name}"
        setattr(self, name, var)
        return var

    def _assign_values(self, values):
        for name, value in values.items():
            self._var_attrs[name].assign(jnp.asarray(value).astype(self._var_attrs[name].dtype))

    def _value(self, name):
        """The bound value of variable ``name`` (float ones autocast to the compute dtype)."""
        return self._read_variable(self._var_attrs[name])

    # --- saving --------------------------------------------------------------------------------
    def _saved_variables(self):
        mode = self.quantization_mode
        if mode is None:
            return super()._saved_variables()
        merged = mode in ("int8", "int4") and getattr(self, "lora_enabled", False)
        out = []
        for name in self._serialization_spec[mode]:
            var = self._var_attrs.get(name)
            if var is None:
                continue  # no bias, or per-channel int4 (no zero point / group index)
            out.append(_RequantizedSlot(self, name) if merged and name in self._requantized_names() else var)
        return out

    def _requantized_names(self):
        base = self._lora_base
        return (base, f"{base}_scale", f"{base}_zero")

    def _merged_requantized(self):
        """The quantized weights of ``dequantized + (alpha / rank) * a @ b`` (Keras's LoRA merge on save)."""
        a, b = (np.asarray(self._var_attrs[n].numpy(), np.float32) for n in self._lora_names)
        merged = np.asarray(self._dequantized_weight(), np.float32) + (self.lora_alpha / self.lora_rank) * (a @ b)
        return {k: np.asarray(v) for k, v in self._quantize_values(self.quantization_mode, merged,
                                                                   self.quantization_config).items()}

    # --- config --------------------------------------------------------------------------------
    def _quantization_config_entry(self):
        if self.quantization_config is None:
            return None
        return quantizer_serialization.serialize(self.quantization_config)

    @staticmethod
    def _read_quantization_config(config):
        qc = config.get("quantization_config")
        if isinstance(qc, dict):
            config = dict(config, quantization_config=quantizer_serialization.deserialize(qc))
        return config


class _RequantizedSlot:
    """A saved-weights slot of a LoRA-enabled quantized layer: writes the merged, re-quantized
    weight; reading it back assigns the weight and resets the LoRA factors to zero (Keras's rule)."""

    def __init__(self, layer, name):
        self._layer, self._var = layer, layer._var_attrs[name]
        self.name, self.shape, self.dtype, self.path = name, self._var.shape, self._var.dtype, self._var.path

    def numpy(self):
        return self._layer._merged_requantized()[self.name].astype(self.dtype)

    def assign(self, value):
        self._var.assign(value)
        for name in self._layer._lora_names:
            var = self._layer._var_attrs[name]
            var.assign(jnp.zeros(var.shape, var.dtype))


class KernelQuantizeMixin(QuantizeMixin):
    """Quantization of a contraction ``contract(inputs, kernel)`` (Dense, EinsumDense).

    Layer hooks: ``_q_contract(x, k)``, ``_q_kernel_axes()`` (the kernel's contracted axes),
    ``_q_input_axes()``, ``_q_scale_out(scale, which)`` (a keep-dims scale of the kernel or of the
    inputs, laid out as it is stored / broadcast against the output) and ``_q_scale_kernel(stored)``
    (a stored kernel scale back in the kernel's keep-dims layout).
    """

    _serialization_spec = {
        None: ["kernel", "bias"],
        "int8": ["kernel", "bias", "kernel_scale"],
        "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
        "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
                   "outputs_grad_scale", "outputs_grad_amax_history"],
    }
    _int4_descale_after = False  # Dense: contract with the int4 values, then divide by the scale

    def _flat_dims(self, shape):
        axes = self._q_kernel_axes()
        rows = math.prod(d for i, d in enumerate(shape) if i in axes)
        return rows, math.prod(shape) // max(rows, 1)

    def _quantized_build(self, kernel_shape, mode, config=None):
        self._float_kernel_shape = tuple(kernel_shape)
        if mode == "int8":
            self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer())
            self._new_weight("kernel", kernel_shape, dtype="int8")
            self._new_weight("kernel_scale", self._q_int8_scale_shape(kernel_shape), initializer="ones")
        elif mode == "int4":
            self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
            rows, cols = self._flat_dims(kernel_shape)
            block = self._int4_block = int4_block_size(self, config)
            self._new_weight("kernel", (rows, (cols + 1) // 2), dtype="int8")
            scale_shape = (cols,) if block is None else (math.ceil(rows / block), cols)
            self._new_weight("kernel_scale", scale_shape, initializer="ones")
            if block is not None:
                self._new_weight("kernel_zero", scale_shape, dtype="int8")
                self._new_weight("g_idx", (rows,)).assign(jnp.arange(rows, dtype=jnp.float32) // block)
        elif mode == "float8":
            length = getattr(self._active_policy(), "amax_history_length", 1024)
            for what in ("inputs", "kernel", "outputs_grad"):
                self._new_weight(f"{what}_scale", (), initializer="ones", autocast=False)
                self._new_weight(f"{what}_amax_history", (length,), autocast=False)

    def _quantize_weights(self, mode, config):
        values = None
        if mode in ("int8", "int4"):
            w = np.asarray(self._var_attrs["kernel"].numpy())
            values = self._quantize_values(mode, w, config)
            kernel = self._drop_weight("kernel")
            self._quantized_build(kernel.shape, mode, config)
            self._assign_values(values)
        else:
            self._quantized_build(self._var_attrs["kernel"].shape, mode, config)

    def _quantize_values(self, mode, w, config):
        axes = self._q_kernel_axes()
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, None)
            if quantizer is None or isinstance(quantizer, quantizers.AbsMaxQuantizer):
                quantizer = quantizer or quantizers.AbsMaxQuantizer()
                q, scale = quantizer(w, axis=axes if quantizer.axis is None else None, to_numpy=True)
            else:
                q, scale = quantizer(w)
            return {"kernel": q, "kernel_scale": self._q_scale_out(scale, "kernel")}
        rows, cols = self._flat_dims(w.shape)
        flat = np.reshape(w, (rows, cols))
        block = int4_block_size(self, config)
        if block is None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7)))
            q, scale = quantizer(flat, axis=0, to_numpy=True)
            out = {"kernel_scale": jnp.squeeze(scale, axis=0)}
        else:
            q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(flat, block, to_numpy=True)
            out = {"kernel_scale": scale, "kernel_zero": zero}
        out["kernel"] = quantizers.pack_int4(q, axis=-1)[0]
        return out

    def _int4_unpacked(self):
        rows, cols = self._flat_dims(self._float_kernel_shape)
        return quantizers.unpack_int4(self._var_attrs["kernel"].value, cols, axis=-1)

    def _dequantized_weight(self):
        """The float kernel the quantized weights stand for (compute dtype, the float kernel's shape)."""
        cdt = self.compute_dtype
        if self.quantization_mode == "int8":
            return self._var_attrs["kernel"].value.astype(cdt) / self._q_scale_kernel(self._value("kernel_scale"))
        unpacked = self._int4_unpacked()
        if getattr(self, "_int4_block", None) is None:
            flat = unpacked.astype(cdt) / self._value("kernel_scale")
        else:
            flat = quantizers.dequantize_with_sz_map(
                unpacked, self._value("kernel_scale"), self._var_attrs["kernel_zero"].value,
                self._var_attrs["g_idx"].value, group_axis=0).astype(cdt)
        return flat.reshape(self._float_kernel_shape)

    def _quantized_call(self, inputs, training=None):
        mode = self.quantization_mode
        if mode == "float8":
            return self._finish(self._float8_contract(inputs, training), float8=True)
        cdt = self.compute_dtype
        contract = self._q_contract
        quantizer = getattr(self, "inputs_quantizer", None)
        in_axes = self._q_input_axes()

        def quantize_inputs(x):
            q, s = quantizer(x, axis=in_axes)
            return q, self._q_scale_out(s, "input")

        if mode == "int8":
            def value(x, k, ks):
                if quantizer:
                    q, s = quantize_inputs(x)
                    return contract(q, k).astype(cdt) / (ks * s)
                return contract(x, k).astype(cdt) / ks

            def dequant(k, ks):
                return k.astype(cdt) / self._q_scale_kernel(ks)

            consts = (self._var_attrs["kernel"].value, self._value("kernel_scale"))
        elif getattr(self, "_int4_block", None) is None:
            def value(x, k, ks):
                if self._int4_descale_after:
                    if quantizer:
                        q, s = quantize_inputs(x)
                        return contract(q, k).astype(cdt) / (ks * s)
                    return contract(x, k).astype(cdt) / ks
                if quantizer:
                    q, s = quantize_inputs(x)
                    return contract(q, dequant(k, ks)).astype(cdt) / s
                return contract(x, dequant(k, ks))

            def dequant(k, ks):
                return (k.astype(cdt) / ks).reshape(self._float_kernel_shape)

            consts = (self._int4_unpacked(), self._value("kernel_scale"))
        else:
            def value(x, k, ks, kz, g):
                return contract(x, dequant(k, ks, kz, g))

            def dequant(k, ks, kz, g):
                w = quantizers.dequantize_with_sz_map(k, ks, kz, g, group_axis=0)
                return w.astype(cdt).reshape(self._float_kernel_shape)

            consts = (self._int4_unpacked(), self._value("kernel_scale"), self._var_attrs["kernel_zero"].value,
                      self._var_attrs["g_idx"].value)

        x = straight_through(value, lambda xx, *c: contract(xx, dequant(*c)), inputs, *consts)
        if getattr(self, "lora_enabled", False):
            a, b = (self._value(n) for n in self._lora_names)
            x = (x + (self.lora_alpha / self.lora_rank) * jnp.matmul(contract(inputs, a), b)).astype(cdt)
        return self._finish(x)

    def _finish(self, x, float8=False):
        if self.bias is not None:
            bias = self._value("bias")
            if float8 and self.compute_dtype == "float32":
                bias = bias.astype(jnp.bfloat16).astype(bias.dtype)  # Keras's bias-add fusion rounding
            x = x + bias
        return self.activation(x) if self.activation is not None else x

    def _float8_contract(self, inputs, training):
        cdt = self.compute_dtype
        kernel = self._value("kernel")
        var = self._var_attrs
        # Delayed scaling: this step uses the scales from before its own statistics come in.
        scales = {n: var[f"{n}_scale"].value for n in ("inputs", "kernel", "outputs_grad")}
        if training:
            for name, x in (("inputs", inputs), ("kernel", kernel)):
                hist = var[f"{name}_amax_history"].value
                new_scale = quantizers.compute_float8_scale(jnp.max(hist, axis=0), scales[name], _E4M3_MAX)
                var[f"{name}_scale"].assign(new_scale)
                var[f"{name}_amax_history"].assign(
                    quantizers.compute_float8_amax_history(jax.lax.stop_gradient(x), hist))
        y = self._q_contract(_qdq_forward(inputs, scales["inputs"], cdt), _qdq_forward(kernel, scales["kernel"], cdt))
        return _qdq_backward(y, scales["outputs_grad"])


class EmbeddingQuantizeMixin(QuantizeMixin):
    """Quantization of an ``Embedding`` table: one scale per row (token), so a lookup also looks
    up its scale; int4 packs each row two values per byte, optionally with a scale and zero
    point per group of ``block_size`` columns."""

    _quantize_modes = ("int8", "int4")
    _serialization_spec = {None: ["embeddings"], "int8": ["embeddings", "embeddings_scale"],
                           "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"]}

    def _quantized_build(self, shape, mode, config=None):
        rows, cols = shape
        self._float_kernel_shape = (rows, cols)
        if mode == "int8":
            self._new_weight("embeddings", shape, dtype="int8")
            self._new_weight("embeddings_scale", (rows,), initializer="ones")
            return
        block = self._int4_block = int4_block_size(self, config)
        self._new_weight("embeddings", (rows, (cols + 1) // 2), dtype="int8")
        scale_shape = (rows,) if block is None else (rows, math.ceil(cols / block))
        self._new_weight("embeddings_scale", scale_shape, initializer="ones")
        if block is not None:
            self._new_weight("embeddings_zero", scale_shape, dtype="int8")
            self._new_weight("g_idx", (cols,)).assign(jnp.arange(cols, dtype=jnp.float32) // block)

    def _quantize_weights(self, mode, config):
        values = self._quantize_values(mode, np.asarray(self._var_attrs["embeddings"].numpy()), config)
        table = self._drop_weight("embeddings")
        self._quantized_build(table.shape, mode, config)
        self._assign_values(values)

    def _quantize_values(self, mode, w, config):
        block = int4_block_size(self, config) if mode == "int4" else None
        if block is not None:
            q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(np.transpose(w), block, to_numpy=True)
            return {"embeddings": quantizers.pack_int4(jnp.transpose(q), axis=-1)[0],
                    "embeddings_scale": jnp.transpose(scale), "embeddings_zero": jnp.transpose(zero)}
        default = quantizers.AbsMaxQuantizer(axis=-1, value_range=(-127, 127) if mode == "int8" else (-8, 7))
        quantizer = QuantizationConfig.weight_quantizer_or_default(config, default)
        q, scale = quantizer(w, axis=-1, to_numpy=True)
        q = q if mode == "int8" else quantizers.pack_int4(q, axis=-1)[0]
        return {"embeddings": q, "embeddings_scale": jnp.squeeze(scale, axis=-1)}

    def _table_int(self):
        q = self._var_attrs["embeddings"].value
        return q if self.quantization_mode == "int8" else quantizers.unpack_int4(q, self.output_dim, axis=-1)

    def _dequantized_weight(self):
        return self._lookup_dequantized(self._table_int(), self._var_attrs["embeddings_scale"].value,
                                        self._var_attrs.get("embeddings_zero"))

    def _lookup_dequantized(self, q, scale, zero):
        cdt = self.compute_dtype
        if zero is None:
            return q.astype(cdt) / scale[..., None].astype(cdt)
        zero = zero.value if hasattr(zero, "value") else zero
        return quantizers.dequantize_with_sz_map(
            q.astype(cdt), scale, zero, self._var_attrs["g_idx"].value, group_axis=-1).astype(cdt)

    def _quantized_call(self, inputs):
        idx = jnp.asarray(inputs)
        if idx.dtype not in (jnp.int32, jnp.int64):
            idx = idx.astype(jnp.int32)
        zero = self._var_attrs.get("embeddings_zero")
        out = self._lookup_dequantized(jnp.take(self._table_int(), idx, axis=0),
                                       jnp.take(self._var_attrs["embeddings_scale"].value, idx, axis=0),
                                       None if zero is None else jnp.take(zero.value, idx, axis=0))
        if self.lora_enabled:
            a, b = (self._value(n) for n in self._lora_names)
            out = out + (self.lora_alpha / self.lora_rank) * jnp.matmul(jnp.take(a, idx, axis=0), b)
        return out.astype(self.compute_dtype)


def quantize_model(model, mode=None, config=None, filters=None, type_check=True):
    """``Model.quantize``: quantize every leaf layer that supports ``mode`` (others are skipped
    with a warning, as in Keras).

    Args:
        model: a built model.
        mode: ``"int8"``, ``"int4"`` or ``"float8"``; optional when ``config`` is given.
        config: a ``QuantizationConfig``.
        filters: only quantize layers whose name matches this regex (or any regex of a list),
            or for which this callable returns True.
        type_check: forwarded to each layer's ``quantize``.
    """
    import re

    if filters is not None and not (isinstance(filters, (str, list, tuple)) or callable(filters)):
        raise ValueError("The `filters` argument must be a regex string, a list of regex strings, or a callable. "
                         f"Received: {type(filters).__name__}")
    config = validate_and_resolve_config(mode, config)
    if config.mode in _CALIBRATED_MODES:
        raise _calibration_error(config.mode)
    if not model.built:
        raise ValueError(f"Cannot quantize model '{model.name}' before it is built: call it on data or "
                         "`build()` it first.")

    def wanted(layer):
        if filters is None:
            return True
        if isinstance(filters, str):
            return bool(re.search(filters, layer.name))
        if isinstance(filters, (list, tuple)):
            return any(re.search(p, layer.name) for p in filters)
        return bool(filters(layer))

    for layer in model._all_sublayers():
        if layer._sublayers() or not wanted(layer):
            continue
        if not callable(getattr(layer, "quantize", None)):
            warnings.warn(f"Layer {type(layer).__name__} does not have a `quantize` method implemented.",
                          stacklevel=3)
            continue
        try:
            layer.quantize(config.mode, type_check=type_check, config=config)
        except NotImplementedError as e:
            warnings.warn(str(e), stacklevel=3)
