"""Core layers: Dense, Activation, Identity, Lambda."""
from __future__ import annotations

import base64
import marshal
import types

import jax.numpy as jnp
import numpy as np

from fkeras.activations import serialization as activations
from fkeras.constraints import constraints
from fkeras.engine.layer import InputSpec, Layer
from fkeras.initializers import serialization as initializers
from fkeras.layers.quantized import KernelQuantizeMixin
from fkeras.regularizers import regularizers


class _MergedLoraWeight:
    """The slot a LoRA layer's frozen base weight fills in a weights file (Keras 3's rule).

    Keras 3 saves ``base + (alpha / rank) * a @ b`` in the base weight's place and writes no
    LoRA variables; loading assigns the base weight and resets ``a`` and ``b`` to zeros. This
    view gives the saving code that behaviour through the ``numpy``/``assign`` it already uses.
    """

    def __init__(self, layer):
        self._layer = layer
        self._base = layer._var_attrs[layer._lora_base]
        self.name, self.shape, self.dtype = self._base.name, self._base.shape, self._base.dtype
        self.path = self._base.path

    def numpy(self):
        return np.asarray(self._layer._lora_merged(self._base.value).astype(self.dtype))

    def assign(self, value):
        self._base.assign(value)
        for name in self._layer._lora_names:
            var = self._layer._var_attrs[name]
            var.assign(jnp.zeros(var.shape, var.dtype))


class _LoraMixin:
    """Keras 3's LoRA: ``enable_lora(rank)`` freezes the base weight and learns ``a @ b``.

    The effective weight ``base + (lora_alpha / lora_rank) * a @ b`` is computed inside ``call``
    from the bound values (``_lora_weight``), so ``apply``/``jit``/``fit`` see a pure function of
    the variable tree. Subclasses set ``_lora_base`` (the base weight's name) and
    ``_lora_names`` (the names of ``a`` and ``b``).
    """

    _lora_base = "kernel"
    _lora_names = ("lora_kernel_a", "lora_kernel_b")

    def _lora_check(self, constraint, what, argument):
        if constraint:
            raise ValueError(
                f"Lora is incompatible with {what} constraints. In order to enable lora on this layer, "
                f"remove the `{argument}` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        mode = getattr(self, "quantization_mode", None)
        if mode not in (None, "int8", "int4"):
            raise ValueError(f"Layer {self.name!r}: LoRA is not supported on a {mode}-quantized layer (as in Keras); "
                             "it works on float, int8 and int4 layers.")

    def _lora_add(self, rank, lora_alpha, a_shape, b_shape, a_initializer, b_initializer, regularizer):
        if not isinstance(rank, (int, np.integer)) or isinstance(rank, bool) or rank <= 0:
            raise ValueError(f"`rank` must be a positive integer. Received: rank={rank!r}")
        rank = int(rank)
        # float32, as in Keras: the low-rank factors must not underflow during fine-tuning.
        for name, shape, init in ((self._lora_names[0], (*a_shape, rank), a_initializer),
                                  (self._lora_names[1], (rank, *b_shape), b_initializer)):
            setattr(self, name, self.add_weight(name=name, shape=shape, initializer=initializers.get(init),
                                                dtype="float32", regularizer=regularizer))
        base = self._var_attrs[self._lora_base]
        if base.trainable:  # a quantized base weight is non-trainable already
            base.trainable = False
            self._own_trainable = [v for v in self._own_trainable if v is not base]
            self._own_non_trainable.insert(0, base)
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def _lora_merged(self, base):
        """``base + (alpha / rank) * a @ b`` from the (bound) values; ``base`` unchanged without LoRA."""
        if not self.lora_enabled:
            return base
        a, b = (self._read_variable(self._var_attrs[n]) for n in self._lora_names)
        delta = (self.lora_alpha / self.lora_rank) * jnp.matmul(a, b)
        return (base + delta).astype(self.compute_dtype if self.autocast else base.dtype)

    def _lora_weight(self):
        """The effective base weight inside ``call``."""
        return self._lora_merged(self._read_variable(self._var_attrs[self._lora_base]))

    # Keras's weight order with LoRA is creation order ([kernel, bias, lora_kernel_a, lora_kernel_b])
    # even though the base weight became non-trainable.
    @property
    def weights(self):
        ws = Layer.weights.fget(self)
        if not self.lora_enabled or getattr(self, "quantization_mode", None) is not None:
            return ws
        base = self._var_attrs[self._lora_base]
        return [base] + [w for w in ws if w is not base]

    variables = weights

    def _saved_variables(self):
        """What ``save_weights`` / ``.keras`` write in this layer's slots: its own variables, with
        LoRA merged into the base weight and the LoRA factors left out (Keras 3's rule)."""
        own = list({id(v): v for v in self._own_trainable + self._own_non_trainable}.values())
        if not self.lora_enabled:
            return own
        base = self._var_attrs[self._lora_base]
        lora = [self._var_attrs[n] for n in self._lora_names]
        return [_MergedLoraWeight(self)] + [w for w in own if w is not base and not any(w is v for v in lora)]


class Dense(KernelQuantizeMixin, _LoraMixin, Layer):
    """A densely-connected layer: ``outputs = activation(inputs @ kernel + bias)``.

    The layer contracts the last axis of its input with ``kernel`` (shape ``(input_dim, units)``),
    adds ``bias`` (shape ``(units,)``) when ``use_bias`` is true, and applies ``activation``. Inputs of
    rank above 2 are handled the same way on their last axis: every other axis is kept, so
    ``(batch, d0, d1)`` becomes ``(batch, d0, units)``. A mask passes through unchanged.

    ``layer.quantize("int8" | "int4" | "float8")`` switches a built layer to quantized weights (see
    ``fkeras.layers.quantized``), and ``layer.enable_lora(rank)`` adds LoRA factors later.

    Args:
        units: positive integer, the size of the last axis of the output.
        activation: activation applied to the result, given as a name (``"relu"``), a callable, or
            ``None`` (the default) for the identity ``a(x) = x``.
        use_bias: whether to create and add the ``bias`` vector. Defaults to ``True``; ``False`` is
            usual right before a ``BatchNormalization``, which brings its own offset.
        kernel_initializer: initializer of ``kernel`` (name, instance or callable); defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer whose penalty on ``kernel`` is added to the layer's
            ``losses``.
        bias_regularizer: optional regularizer whose penalty on ``bias`` is added to ``losses``.
        activity_regularizer: optional regularizer applied to the layer's output (its activity).
        kernel_constraint: optional constraint projected onto ``kernel`` after each optimizer update.
        bias_constraint: optional constraint projected onto ``bias`` after each optimizer update.
        lora_rank: optional positive integer. When set, the layer enables LoRA (low-rank adaptation)
            as soon as it is built: ``kernel`` is frozen and two trainable factors ``lora_kernel_a``
            ``(input_dim, lora_rank)`` and ``lora_kernel_b`` ``(lora_rank, units)`` learn a correction,
            so the effective kernel is ``kernel + (lora_alpha / lora_rank) * a @ b``. ``None`` (the
            default) leaves LoRA off.
        lora_alpha: optional number scaling the LoRA correction by ``lora_alpha / lora_rank``;
            ``None`` means ``lora_rank`` (a scale of 1).
        quantization_config: optional ``keras.quantizers.QuantizationConfig`` (or its serialized
            dict) describing how the weights are quantized; used when a quantized layer is rebuilt
            from its config. ``None`` for a float layer.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        ``(batch_size, ..., input_dim)``, at least rank 2. The most common case is
        ``(batch_size, input_dim)``.

    Output shape:
        ``(batch_size, ..., units)``: the input shape with its last axis replaced by ``units``.

    Call arguments:
        inputs: the input tensor, of the shape above.
        training: unused by the float layer (accepted so it can sit in any model); passed on to the
            quantized kernels.

    Raises:
        ValueError: if ``units`` is not a positive integer, or, at build time, if the last axis of
            the input is undefined.

    Example:
        layer = keras.layers.Dense(64, activation="relu")
        y = layer(np.ones((2, 16)))   # shape (2, 64); layer.kernel.shape == (16, 64)
        seq = keras.layers.Dense(8)(np.ones((2, 5, 16)))   # shape (2, 5, 8)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units!r}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
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
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r} (Dense): the last dimension of the inputs must be defined. "
                f"Received input_shape={input_shape}."
            )
        if not self._built_quantized((input_dim, self.units)):
            self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                          initializer=self.kernel_initializer,
                                          regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``kernel`` and learn ``lora_kernel_a @ lora_kernel_b`` scaled by ``lora_alpha / rank``.

        Example:
            layer.enable_lora(4)   # trainable: bias, lora_kernel_a (in, 4), lora_kernel_b (4, units)
        """
        self._lora_check(self.kernel_constraint, "kernel", "kernel_constraint")
        shape = getattr(self, "_float_kernel_shape", None) or self._var_attrs["kernel"].shape
        self._lora_add(rank, lora_alpha, shape[:-1], shape[-1:], a_initializer, b_initializer,
                       self.kernel_regularizer)

    # --- quantization hooks (fkeras.layers.quantized.KernelQuantizeMixin) -----------------------
    _int4_descale_after = True

    @staticmethod
    def _q_contract(x, kernel):
        int8 = x.dtype == jnp.int8 and kernel.dtype == jnp.int8
        return jnp.matmul(x, kernel, preferred_element_type=jnp.int32 if int8 else None)

    def _q_kernel_axes(self):
        return (0,)

    def _q_input_axes(self):
        return (-1,)

    def _q_int8_scale_shape(self, kernel_shape):
        return (kernel_shape[-1],)

    def _q_scale_out(self, scale, which):
        return jnp.squeeze(scale, axis=0) if which == "kernel" else scale

    def _q_scale_kernel(self, stored):
        return jnp.reshape(stored, (1, -1))

    def call(self, inputs, training=None):
        if self.quantization_mode is not None:
            return self._quantized_call(inputs, training)
        x = jnp.matmul(inputs, self._lora_weight() if self.lora_enabled else self.kernel)
        if self.use_bias:
            x = x + self.bias
        return self.activation(x) if self.activation is not None else x

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
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


class Activation(Layer):
    """Applies an activation function: ``Activation('relu')``.

    Args:
        activation: The activation: a name (``"relu"``, ``"softmax"``...) or a callable ``fn(x)`` (e.g.
            ``keras.activations.gelu``).
        **kwargs: Base layer arguments (``name``, ``dtype``...).
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Identity(Layer):
    """Returns its input unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs


def _serialize_function(fn):
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" or getattr(fn, "__closure__", None):
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        defaults = fn.__defaults__
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": None}}
    from fkeras.saving import registry

    return registry.serialize_keras_object(fn)


class Lambda(Layer):
    """Wraps an arbitrary expression as a layer: ``Lambda(lambda x: x ** 2)``.

    Handy for small stateless steps in a ``Sequential`` or functional model; anything with weights
    belongs in a ``Layer`` subclass. The output shape is inferred by tracing ``function``.

    Saving a model with a Python lambda stores its bytecode; loading it back runs that code,
    so ``load_model`` refuses unless ``safe_mode=False`` (Keras's rule). A named, registered
    function is saved by reference instead.

    Args:
        function: callable taking the input tensor (or list of tensors) as its first argument and
            returning the output. If its signature has ``mask`` or ``training`` parameters, the
            layer fills them in at call time.
        output_shape: optional expected output shape (a tuple without the batch axis, or a callable
            of the input shape). fkeras infers shapes itself; a tuple given here is kept in the
            config for Keras compatibility.
        mask: what ``compute_mask`` returns: ``None`` (the default; no mask), a fixed mask, or a
            callable ``mask(inputs, previous_mask)``. A non-``None`` value also marks the layer as
            supporting masking.
        arguments: optional dict of extra keyword arguments passed to ``function`` on every call.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the tensor(s) handed to ``function``.
        mask: the incoming mask, forwarded when ``function`` accepts a ``mask`` argument.
        training: the training flag, forwarded when ``function`` accepts a ``training`` argument.

    Raises:
        ValueError: if ``function`` is not callable.

    Example:
        square = keras.layers.Lambda(lambda x: x ** 2)
        y = square(np.array([[1.0, 2.0]]))   # [[1., 4.]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Argument `function` of Lambda must be callable. Received: {function!r}")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        import inspect

        params = inspect.signature(self.function).parameters
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        config["arguments"] = self.arguments
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from fkeras.saving import registry

        config = dict(config)
        fn = config.pop("function")
        function_type = config.pop("function_type", None)  # tf.keras: "lambda" or "raw"
        config.pop("module", None)
        config.pop("output_shape_module", None)
        if config.pop("output_shape_type", None) == "lambda":
            config.pop("output_shape", None)  # never loaded: fkeras infers the output shape
        safe = registry.in_safe_mode() if safe_mode is None else registry.effective_safe_mode(safe_mode)
        is_lambda = isinstance(fn, dict) and fn.get("class_name") == "__lambda__"
        if function_type == "lambda" and isinstance(fn, (list, tuple, str)):
            is_lambda, fn = True, {"class_name": "__lambda__",
                                   "config": list(fn) if not isinstance(fn, str) else [fn]}
        if is_lambda:
            what = f"the Python lambda of `Lambda` layer {config.get('name')!r}"
            if safe:
                raise registry.lambda_refused_error(what)
            with registry.safe_mode_scope(False):
                fn = registry.load_lambda(fn["config"], globs=globals(), what=what)
        else:
            fn = registry.deserialize_keras_object(fn, custom_objects)
        if "dtype" in config and isinstance(config["dtype"], dict):
            from fkeras.dtype_policies import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(function=fn, **config)


class _SafeModeFlag:
    value = True


_SAFE_MODE = _SafeModeFlag()
