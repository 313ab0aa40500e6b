"""Core layers: Dense, Activation, Identity, Lambda."""
from __future__ import annotations

import base64
import marshal
import types
import warnings

import jax
import jax.numpy as jnp

from fkeras import activations, constraints, initializers, regularizers
from fkeras.engine.layer import InputSpec, Layer


class Dense(Layer):
    """A densely-connected layer: ``activation(inputs @ kernel + bias)``.

    Example:
        layer = keras.layers.Dense(64, activation="relu")
        y = layer(np.ones((2, 16)))   # (2, 64)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 **kwargs):
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
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r} (Dense): the last dimension of the inputs must be defined. "
                f"Received input_shape={input_shape}."
            )
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

    def call(self, inputs):
        x = jnp.matmul(inputs, self.kernel)
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
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
        return config


class Activation(Layer):
    """Applies an activation function: ``Activation('relu')``."""

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

    Saving a model with a Python lambda stores its bytecode; loading it back runs that code,
    so ``load_model`` refuses unless ``safe_mode=False`` (Keras's rule).
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
            from fkeras.engine import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(function=fn, **config)


class _SafeModeFlag:
    value = True


_SAFE_MODE = _SafeModeFlag()
