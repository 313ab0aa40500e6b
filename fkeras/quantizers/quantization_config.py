"""Quantization configs (Keras 3's ``keras.quantizers.*Config``): what ``quantize`` should do.

``layer.quantize(mode)`` / ``model.quantize(mode, config=...)`` resolve their arguments with
``validate_and_resolve_config``: a mode alone gets the mode's default config, a config alone gives
its mode, and both must agree.
"""
from __future__ import annotations

import numbers

from fkeras.dtype_policies.dtype_policy import QUANTIZATION_MODES


def _ser(obj):
    from fkeras.quantizers import serialization

    return serialization.serialize(obj) if obj is not None else None


def _deser(config):
    from fkeras.quantizers import serialization

    return serialization.deserialize(config) if config is not None else None


class QuantizationConfig:
    """Base class of quantization configs: the quantizers for a layer's weights and activations.

    Subclasses give the ``mode`` they configure.

    Args:
        weight_quantizer: the quantizer of the weights (``None``: the layer's default).
        activation_quantizer: the quantizer of the inputs at call time (``None``: float inputs).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        """The quantization mode the config is for (``"int8"``, ``"int4"``, ...)."""
        raise NotImplementedError("QuantizationConfig is abstract: use Int8QuantizationConfig, "
                                  "Int4QuantizationConfig, Float8QuantizationConfig, GPTQConfig or AWQConfig.")

    def get_config(self):
        return {"weight_quantizer": _ser(self.weight_quantizer),
                "activation_quantizer": _ser(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deser(config.get("weight_quantizer")),
                   activation_quantizer=_deser(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        """``config``'s weight quantizer, or ``default`` when there is no config or it sets none."""
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        """``config``'s activation quantizer (``None`` included), or ``default`` without a config."""
        return config.activation_quantizer if config is not None else default

    def __eq__(self, other):
        return type(other) is type(self) and _ser(self) == _ser(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


class Int8QuantizationConfig(QuantizationConfig):
    """Int8 weights (per output channel) and, by default, int8 activations quantized at call time.

    Args:
        weight_quantizer: a quantizer with ``output_dtype="int8"``; ``None`` for the layer's default.
        activation_quantizer: ``"default"`` (an ``AbsMaxQuantizer`` over the contracted axis),
            a quantizer, or ``None`` for weight-only quantization.

    Example:
        >>> model.quantize(config=keras.quantizers.Int8QuantizationConfig(activation_quantizer=None))
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from fkeras.quantizers.quantizers import AbsMaxQuantizer

        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if weight_quantizer is not None and getattr(weight_quantizer, "output_dtype", None) != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. Received: "
                             f"output_dtype={getattr(weight_quantizer, 'output_dtype', None)!r}")

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """Int4 weights packed two per byte; weight-only by default.

    Args:
        weight_quantizer: a quantizer with ``value_range=(-8, 7)`` and ``output_dtype="int8"``
            (per-channel mode only).
        activation_quantizer: ``"default"`` (``None``: float inputs), or a quantizer.
        block_size: rows per group for sub-channel quantization (a scale and zero point per group
            and output channel); ``None`` or -1 for one scale per output channel.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and (not isinstance(block_size, numbers.Integral) or isinstance(block_size, bool)
                                       or (block_size != -1 and block_size <= 0)):
            raise ValueError(f"block_size must be None, -1, or a positive integer. Received: block_size={block_size!r}")
        self.block_size = None if block_size is None else int(block_size)
        if self.block_size is not None and self.block_size > 0 and (weight_quantizer is not None
                                                                    or activation_quantizer is not None):
            raise ValueError("Int4 sub-channel quantization (block_size > 0) does not support custom quantizers. "
                             "Either set block_size to None or -1 for per-channel quantization, or remove the custom "
                             f"quantizer arguments. Received: block_size={block_size}")
        if weight_quantizer is not None:
            if tuple(getattr(weight_quantizer, "value_range", ())) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, 7). "
                                 f"Received: value_range={getattr(weight_quantizer, 'value_range', None)}")
            if getattr(weight_quantizer, "output_dtype", None) != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                                 f"Received: output_dtype={getattr(weight_quantizer, 'output_dtype', None)!r}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deser(config.get("weight_quantizer")),
                   activation_quantizer=_deser(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """Float8 training: matmul inputs in ``float8_e4m3fn``, gradients in ``float8_e5m2``, each with
    a scale from an amax history. It takes no custom quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def _int_arg(name, value, ok, expect):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not ok(value):
        raise ValueError(f"Invalid `{name}`: expected {expect}. Received: {name}={value!r}")


class GPTQConfig(QuantizationConfig):
    """Settings of GPTQ post-training quantization (Hessian-guided rounding from calibration data).

    fkeras records and serializes these settings, but ``quantize("gptq")`` raises: the
    calibration pass is not implemented.

    Args:
        dataset: calibration data (not saved in the config).
        tokenizer: turns text samples into token ids (not saved in the config).
        weight_bits: bits per weight: 2, 3, 4 or 8.
        num_samples: calibration samples to use.
        per_channel: one scale per output channel (else per tensor).
        sequence_length: tokens per calibration sample.
        hessian_damping: fraction of the Hessian's mean diagonal added for stability, in [0, 1].
        group_size: weights sharing a scale; -1 for per-channel.
        symmetric: symmetric (else asymmetric) quantization.
        activation_order: quantize columns in decreasing activation magnitude.
        quantization_layer_structure: optional ``{"pre_block_layers", "sequential_blocks"}``.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128, per_channel=True, sequence_length=512,
                 hessian_damping=0.01, group_size=128, symmetric=False, activation_order=False,
                 quantization_layer_structure=None):
        super().__init__()
        _int_arg("weight_bits", weight_bits, lambda v: v in (2, 3, 4, 8), "one of 2, 3, 4, 8")
        _int_arg("num_samples", num_samples, lambda v: v > 0, "a positive integer")
        _int_arg("sequence_length", sequence_length, lambda v: v > 0, "a positive integer")
        _int_arg("group_size", group_size, lambda v: v == -1 or v > 0, "-1 or a positive integer")
        if not isinstance(hessian_damping, numbers.Real) or not 0 <= hessian_damping <= 1:
            raise ValueError(f"hessian_damping must be between 0 and 1. Received: hessian_damping={hessian_damping!r}")
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples, self.per_channel = weight_bits, num_samples, per_channel
        self.sequence_length, self.hessian_damping, self.group_size = sequence_length, hessian_damping, group_size
        self.symmetric, self.activation_order = symmetric, activation_order
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        return "gptq"

    def dtype_policy_string(self):
        """The mode part of the policy name of a layer quantized with this config: ``"gptq/<bits>/<group>"``."""
        return f"gptq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits, "num_samples": self.num_samples,
                "per_channel": self.per_channel, "sequence_length": self.sequence_length,
                "hessian_damping": self.hessian_damping, "group_size": self.group_size, "symmetric": self.symmetric,
                "activation_order": self.activation_order,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class AWQConfig(QuantizationConfig):
    """Settings of AWQ post-training quantization (activation-aware per-channel scaling, 4 bits).

    fkeras records and serializes these settings, but ``quantize("awq")`` raises: the
    calibration pass is not implemented.

    Args:
        dataset: calibration data (not saved in the config).
        tokenizer: turns text samples into token ids (not saved in the config).
        weight_bits: bits per weight; AWQ supports 4 only.
        num_samples: calibration samples to use.
        sequence_length: tokens per calibration sample.
        group_size: weights sharing a scale; -1 for per-channel.
        num_grid_points: points of the grid search for the per-channel scales.
        quantization_layer_structure: optional ``{"pre_block_layers", "sequential_blocks"}``.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128, sequence_length=512, group_size=128,
                 num_grid_points=20, quantization_layer_structure=None):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(f"AWQ only supports 4-bit quantization. Received weight_bits={weight_bits!r}.")
        _int_arg("num_samples", num_samples, lambda v: v > 0, "a positive integer")
        _int_arg("sequence_length", sequence_length, lambda v: v > 0, "a positive integer")
        _int_arg("group_size", group_size, lambda v: v == -1 or v > 0, "-1 or a positive integer")
        _int_arg("num_grid_points", num_grid_points, lambda v: v > 0, "a positive integer")
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples, self.sequence_length = weight_bits, num_samples, sequence_length
        self.group_size, self.num_grid_points = group_size, num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        return "awq"

    def dtype_policy_string(self):
        """The mode part of the policy name of a layer quantized with this config: ``"awq/4/<group>"``."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits, "num_samples": self.num_samples,
                "sequence_length": self.sequence_length, "group_size": self.group_size,
                "num_grid_points": self.num_grid_points,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        from fkeras.utils.naming import did_you_mean

        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: "
                         f"mode={mode!r}.{did_you_mean(str(mode), QUANTIZATION_MODES)}")


def validate_and_resolve_config(mode, config):
    """The config ``quantize(mode, config=...)`` runs with.

    Args:
        mode: a quantization mode or ``None``.
        config: a ``QuantizationConfig``, a mode string (older call style), or ``None``.

    Returns:
        A ``QuantizationConfig`` whose ``mode`` is the mode to apply.
    """
    if isinstance(config, str):
        mode, config = config, None
    _check_mode(mode)
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode in defaults:
            return defaults[mode]()
        if mode in ("gptq", "awq"):
            cls = "GPTQConfig" if mode == "gptq" else "AWQConfig"
            raise ValueError(f"For {mode.upper()}, you must pass a `{cls}` object in the `config` argument.")
        raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    if not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. Received: "
                         f"config={config!r} (of type {type(config).__name__})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    _check_mode(config.mode)
    if config.mode == "gptq" and not isinstance(config, GPTQConfig):
        raise ValueError(f"Mode 'gptq' requires a valid `config` argument of type `GPTQConfig`. Received: "
                         f"{type(config).__name__}")
    if config.mode == "awq" and not isinstance(config, AWQConfig):
        raise ValueError(f"Mode 'awq' requires a valid `config` argument of type `AWQConfig`. Received: "
                         f"{type(config).__name__}")
    return config
