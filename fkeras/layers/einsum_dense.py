"""``EinsumDense``: a dense layer whose contraction is any einsum equation (Keras 3's layer)."""
from __future__ import annotations

import math
import re

import jax.numpy as jnp

from fkeras.activations import serialization as activations
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.initializers import serialization as initializers
from fkeras.initializers.initializer import Initializer
from fkeras.layers.core import _LoraMixin
from fkeras.layers.quantized import KernelQuantizeMixin
from fkeras.regularizers import regularizers


class _AxesAwareVarianceScaling(Initializer):
    """Draws a VarianceScaling kernel with fans taken from the einsum's input/output axes.

    Keras 3 gives its VarianceScaling initializers ``input_axes``/``output_axes`` for EinsumDense
    kernels, so a ``(dim, heads, key_dim)`` kernel has ``fan_in = dim`` and
    ``fan_out = heads * key_dim`` (not the convolution rule). The values are i.i.d., so drawing a
    ``(fan_in, fan_out)`` matrix and reshaping it gives exactly that distribution.
    """

    def __init__(self, base, input_axes, output_axes):
        self.base = base
        self.input_axes = tuple(input_axes)
        self.output_axes = tuple(output_axes)

    def init(self, key, shape, dtype=None):
        fan_in = math.prod(shape[a] for a in self.input_axes)
        fan_out = math.prod(shape[a] for a in self.output_axes)
        if fan_in * fan_out != math.prod(shape):
            return self.base.init(key, shape, dtype=dtype)
        return jnp.reshape(self.base.init(key, (fan_in, fan_out), dtype=dtype), shape)

    def get_config(self):
        return self.base.get_config()


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape, where="EinsumDense"):
    """Kernel shape, bias shape, full output shape, kernel input axes and output axes.

    ``equation`` is ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."``;
    ``output_shape`` is the output shape without the batch axis (and without the axes the
    ellipsis stands for); ``None`` entries are taken from the input where an axis is shared.
    """
    input_shape = tuple(input_shape)
    eq = re.sub(r"\.\.\.", "0", str(equation).replace(" ", ""))
    left_elided = False
    m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
    if not m:
        m = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", eq)
        left_elided = m is not None
    if not m:
        m = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", eq)
    if not m:
        raise ValueError(
            f"{where}: invalid einsum equation {equation!r}. Equations must be in the form "
            "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        )
    in_spec, w_spec, out_spec = m.groups()
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and "0" not in eq):
        raise ValueError(
            f"{where}: the equation {equation!r} expects inputs of rank {len(in_spec)}, but received "
            f"input_shape={input_shape}."
        )
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            out.insert(i, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        in_index = {c: i + elided for i, c in enumerate(in_spec)}
        out_index = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        in_index = {c: i for i, c in enumerate(in_spec)}
        out_index = {c: i for i, c in enumerate(out_spec)}
    expected_out_rank = len(out_spec) + (elided if elided > 0 else 0)
    if len(out) != expected_out_rank:
        raise ValueError(
            f"{where}: `output_shape` {tuple(output_shape) if not isinstance(output_shape, int) else output_shape}"
            f" does not match the output spec {out_spec!r} of equation {equation!r}: expected "
            f"{len(out_spec) - 1} entries (the output dims after the batch dim)."
        )
    for c in in_spec:
        if c in out_index:
            got_in, got_out = input_shape[in_index[c]], out[out_index[c]]
            if got_out is None:
                out[out_index[c]] = got_in
            elif got_in is not None and got_in != got_out:
                raise ValueError(
                    f"{where}: input shape and output shape do not match at shared dimension {c!r}. "
                    f"Input shape is {got_in}, and output shape is {got_out}."
                )
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(
                f"{where}: dimension {c!r} was specified in the output {out_spec!r} but has no "
                f"corresponding dim in the input spec {in_spec!r} or weight spec {w_spec!r}."
            )
    kernel_shape, in_axes, out_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_index:
            kernel_shape.append(out[out_index[c]])
            out_axes.append(i)
        elif c in in_index:
            kernel_shape.append(input_shape[in_index[c]])
            in_axes.append(i)
        else:
            raise ValueError(
                f"{where}: weight dimension {c!r} did not have a match in either the input spec "
                f"{in_spec!r} or the output spec {out_spec!r}. For this layer, the weight must be "
                "fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(
                    f"{where}: bias dimension {c!r} was requested, but is not part of the output "
                    f"spec {out_spec!r}."
                )
        first = min(out_spec.find(c) for c in bias_axes)
        offset = elided if left_elided else 0
        bias_shape = [out[i + offset] if c in bias_axes else 1
                      for i, c in enumerate(out_spec) if i >= first]
        if not left_elided and elided > 0:
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, out, in_axes, out_axes


def full_einsum_specs(equation, ndim):
    """The three index strings of an EinsumDense equation, with the ellipsis spelled out.

    Args:
        equation: ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."``.
        ndim: the rank of the layer's input.

    Returns:
        ``(input_spec, kernel_spec, output_spec)``; the ellipsis becomes letters the equation does not use.
    """
    eq = re.sub(r"\.\.\.", "0", str(equation).replace(" ", ""))
    forms = ((r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None), (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
             (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right"))
    m, side = next(((re.fullmatch(p, eq), side) for p, side in forms if re.fullmatch(p, eq)), (None, None))
    if m is None:
        raise ValueError(f"Invalid einsum equation {equation!r}.")
    inp, w, out = m.groups()
    if side is not None:
        free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in inp + w + out]
        extra = "".join(free[:ndim - len(inp)])
        inp, out = (extra + inp, extra + out) if side == "left" else (inp + extra, out + extra)
    return inp, w, out


def _to_output_layout(scale, spec, out):
    """A keep-dims scale over the axes of ``spec`` (kernel or input) as it broadcasts against the
    output: the contracted axes dropped, the others in output order, size 1 for output axes
    ``spec`` lacks (Keras 3's stored layout)."""
    kept = [c for c in spec if c in out]
    scale = jnp.squeeze(jnp.asarray(scale), axis=tuple(i for i, c in enumerate(spec) if c not in out))
    scale = jnp.transpose(scale, sorted(range(len(kept)), key=lambda j: out.index(kept[j])))
    dims = iter(scale.shape)
    return jnp.reshape(scale, [next(dims) if c in kept else 1 for c in out])


class EinsumDense(KernelQuantizeMixin, _LoraMixin, Layer):
    """A dense layer computing ``activation(einsum(equation, inputs, kernel) + bias)``.

    The equation names the axes of the input, the kernel and the output; the kernel's shape is read
    from it (input sizes for letters shared with the input, ``output_shape`` sizes for the others).
    This expresses projections that ``Dense`` cannot, such as the per-head projections of
    ``MultiHeadAttention``.

    Args:
        equation: einsum equation of the form ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or
            ``"ab...,bc->ac..."``: input axes, kernel axes, output axes.
        output_shape: the output shape without the batch axis (and the ellipsis axes): an integer
            or a tuple; ``None`` entries are taken from the input.
        activation: activation applied to the result (name or callable); ``None`` (the default)
            means none.
        bias_axes: output letters that get a bias (e.g. ``"c"``), or ``None`` (the default) for no
            bias.
        kernel_initializer: initializer of ``kernel``; defaults to ``"glorot_uniform"``, with fan-in
            and fan-out taken from the contracted and output axes of the equation.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing ``kernel``.
        bias_regularizer: optional regularizer penalizing ``bias``.
        kernel_constraint: optional constraint applied to ``kernel`` after each optimizer update.
        bias_constraint: optional constraint applied to ``bias`` after each optimizer update.
        lora_rank: optional positive integer enabling LoRA at build time: ``kernel`` is frozen and a
            trainable low-rank correction ``lora_kernel_a @ lora_kernel_b`` is learned (see
            ``Dense``). ``None`` (the default) leaves LoRA off.
        lora_alpha: optional number scaling the LoRA correction by ``lora_alpha / lora_rank``;
            ``None`` means ``lora_rank``.
        gptq_unpacked_column_size: accepted so that Keras configs of GPTQ-quantized layers load;
            fkeras has no GPTQ mode, so it is not used.
        quantization_config: optional ``keras.quantizers.QuantizationConfig`` (or its serialized dict)
            used when a quantized layer is rebuilt from its config.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        A tensor whose rank matches the input part of ``equation``.

    Output shape:
        ``(batch_size,) + output_shape`` (with the ellipsis axes kept).

    Call arguments:
        inputs: the input tensor.
        training: unused by the float layer; passed on to the quantized kernels.

    Raises:
        ValueError: if ``equation`` is not a string of a supported form or ``output_shape`` is
            malformed; at build time if the kernel or bias shape cannot be determined.

    Example:
        layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        layer(np.ones((2, 32, 128))).shape   # (2, 32, 64)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"EinsumDense: `equation` must be a string. Received: equation={equation!r}")
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            try:
                self.partial_output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"EinsumDense {self.name!r}: `output_shape` must be an int or a tuple of ints/None. "
                    f"Received: output_shape={output_shape!r}"
                ) from None
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        # Validate the equation now, so a typo fails at construction time.
        self._check_equation_form()

    def _where(self):
        return f"EinsumDense {self.name!r}"

    def _check_equation_form(self):
        eq = re.sub(r"\.\.\.", "0", self.equation.replace(" ", ""))
        if not (re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
                or re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", eq)
                or re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", eq)):
            raise ValueError(
                f"{self._where()}: invalid einsum equation {self.equation!r}. Equations must be in the "
                "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
            )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        kernel_shape, bias_shape, _, in_axes, out_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape, where=self._where())
        for name, shape in (("kernel", kernel_shape), ("bias", bias_shape)):
            if shape is not None and any(d is None for d in shape):
                raise ValueError(
                    f"{self._where()}: the {name} shape {tuple(shape)} has undefined dimensions; give "
                    f"them in `output_shape` or in the input shape. Received input_shape={input_shape}, "
                    f"output_shape={self.partial_output_shape}"
                )
        self.input_spec = InputSpec(ndim=len(input_shape))
        kernel_init = self.kernel_initializer
        from fkeras.initializers.random_initializers import VarianceScaling

        if isinstance(kernel_init, VarianceScaling):
            kernel_init = _AxesAwareVarianceScaling(kernel_init, in_axes, out_axes)
        if not self._built_quantized(kernel_shape):
            self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=kernel_init,
                                          regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``kernel`` and learn ``lora_kernel_a @ lora_kernel_b`` scaled by ``lora_alpha / rank``.

        ``lora_kernel_a`` has the kernel's shape with the last axis replaced by ``rank``;
        ``lora_kernel_b`` is ``(rank, kernel.shape[-1])`` (Keras 3's shapes).
        """
        self._lora_check(self.kernel_constraint, "kernel", "kernel_constraint")
        shape = getattr(self, "_float_kernel_shape", None) or self._var_attrs["kernel"].shape
        self._lora_add(rank, lora_alpha, shape[:-1], shape[-1:], a_initializer, b_initializer,
                       self.kernel_regularizer)

    # --- quantization hooks (fkeras.layers.quantized.KernelQuantizeMixin) -----------------------
    def _q_specs(self):
        return full_einsum_specs(self.equation, self.input_spec.ndim)

    def _q_contract(self, x, kernel):
        int8 = x.dtype == jnp.int8 and kernel.dtype == jnp.int8
        return jnp.einsum(self.equation, x, kernel, preferred_element_type=jnp.int32 if int8 else None)

    def _q_kernel_axes(self):
        _, w, out = self._q_specs()
        return tuple(i for i, c in enumerate(w) if c not in out)

    def _q_input_axes(self):
        inp, _, out = self._q_specs()
        return tuple(i for i, c in enumerate(inp) if c not in out)

    def _q_int8_scale_shape(self, kernel_shape):
        _, w, out = self._q_specs()
        return tuple(kernel_shape[w.index(c)] if c in w else 1 for c in out)

    def _q_scale_out(self, scale, which):
        inp, w, out = self._q_specs()
        return _to_output_layout(scale, w if which == "kernel" else inp, out)

    def _q_scale_kernel(self, stored):
        _, w, out = self._q_specs()
        shared = [c for c in out if c in w]
        scale = jnp.reshape(stored, [stored.shape[out.index(c)] for c in shared])
        scale = jnp.transpose(scale, [shared.index(c) for c in w if c in out])
        dims = iter(scale.shape)
        return jnp.reshape(scale, [next(dims) if c in out else 1 for c in w])

    def compute_output_shape(self, input_shape):
        _, _, out, _, _ = analyze_einsum_string(self.equation, self.bias_axes, tuple(input_shape),
                                                self.partial_output_shape, where=self._where())
        return tuple(out)

    def call(self, inputs, training=None):
        if self.quantization_mode is not None:
            return self._quantized_call(inputs, training)
        x = jnp.einsum(self.equation, inputs, self._lora_weight() if self.lora_enabled else self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": self._quantization_config_entry(),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(cls._read_quantization_config(config))
