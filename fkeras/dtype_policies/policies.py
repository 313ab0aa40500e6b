"""Quantized dtype policies (Keras 3's ``keras.dtype_policies``) and their (de)serialization.

A quantized policy is named ``"<mode>_from_<source>"``: ``mode`` says how a layer stores and uses
its weights (``"int8"``, ``"int4/<block_size>"``, ``"float8"``, ``"gptq/<bits>/<group>"``,
``"awq/<bits>/<group>"``) and ``source`` is the float policy it computes in (``"float32"``,
``"mixed_bfloat16"``, ...), so ``compute_dtype`` and ``variable_dtype`` are the source's.
"""
from __future__ import annotations

from fkeras.dtype_policies import dtype_policy as _base
from fkeras.dtype_policies.dtype_policy import QUANTIZATION_MODES, DTypePolicy


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias of ``DTypePolicy`` for float policies; it compares equal to ``DTypePolicy``
    and takes the same arguments (``name``: the policy name).

    Args:
        name: The policy name: a float dtype (``"float32"``, ``"bfloat16"``...) or a mixed policy
            (``"mixed_float16"``, ``"mixed_bfloat16"``); ``None`` uses ``keras.config.floatx()``.
    """


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a quantized layer: ``"<mode>_from_<source_name>"``.

    Args:
        mode: the quantization mode, one of ``"int8"``, ``"float8"``, ``"int4"``, ``"gptq"``, ``"awq"``.
        source_name: the float policy the layer computes in (``"float32"``, ``"mixed_bfloat16"``);
            ``None`` takes the global policy's name.

    Example:
        >>> p = keras.dtype_policies.QuantizedDTypePolicy("int8", "mixed_bfloat16")
        >>> p.name, p.compute_dtype, p.variable_dtype, p.quantization_mode
        ('int8_from_mixed_bfloat16', 'bfloat16', 'float32', 'int8')
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = _base.global_policy().name
        self._compute_dtype, self._variable_dtype = _base._parse_name(source_name)
        _check_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    @property
    def source_name(self):
        """The float policy this quantized policy computes in."""
        return self._source_name

    def __eq__(self, other):
        return (super().__eq__(other) and self._quantization_mode == other._quantization_mode
                and self._source_name == other._source_name)

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}


def _check_mode(mode, compute_dtype):
    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode!r}")
    if compute_dtype == "float16" and mode == "int8":
        raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'.")


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The policy of a layer trained with float8 matmuls (delayed scaling from an amax history).

    Args:
        mode: ``"float8"``.
        source_name: the float policy the layer computes in; ``None`` takes the global one.
        amax_history_length: how many past absolute maxima the scales are computed from.
    """

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int) or isinstance(amax_history_length, bool):
            raise TypeError(f"`amax_history_length` must be an integer. Received: "
                            f"amax_history_length={amax_history_length!r}")
        if amax_history_length <= 0:
            raise ValueError(f"`amax_history_length` must be positive. Received: "
                             f"amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        """The length of the amax history the float8 scales are computed from."""
        return self._amax_history_length

    def __eq__(self, other):
        return super().__eq__(other) and self._amax_history_length == other._amax_history_length

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {**super().get_config(), "amax_history_length": self._amax_history_length}


def _split_mode(mode, cls, fields, fmt):
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) != len(fields) + 1 or parts[0] != fmt.split("/")[0]:
        raise ValueError(f"Invalid mode for {cls}. Expected format '{fmt}', but got {mode!r}.")
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"Invalid mode for {cls}. {' and '.join(f'<{f}>' for f in fields)} must be "
                         f"integer(s). Expected format '{fmt}', but got {mode!r}.") from None


def _check_group(value, what, mode):
    if value < -1 or value == 0:
        raise ValueError(f"Invalid {what} in mode. Supported values are -1 or a positive integer, but got "
                         f"{value} from {mode!r}.")


class Int4DTypePolicy(QuantizedDTypePolicy):
    """The policy of an int4 layer, with its block size: ``"int4/<block_size>_from_<source>"``.

    Args:
        mode: ``"int4/<block_size>"``; ``block_size`` -1 means one scale per output channel, a
            positive value one scale (and zero point) per group of that many input rows.
        source_name: the float policy the layer computes in; ``None`` takes the global one.
    """

    def __init__(self, mode, source_name=None):
        (block_size,) = _split_mode(mode, "Int4DTypePolicy", ["block_size"], "int4/<block_size>")
        _check_group(block_size, "block_size", mode)
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        return super().__eq__(other) and self.block_size == other.block_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {**super().get_config(), "mode": f"int4/{self.block_size}"}


class GPTQDTypePolicy(QuantizedDTypePolicy):
    """The policy of a GPTQ-quantized layer: ``"gptq/<weight_bits>/<group_size>_from_<source>"``.

    Args:
        mode: ``"gptq/<weight_bits>/<group_size>"``, bits in (2, 3, 4, 8), group size -1 or positive.
        source_name: the float policy the layer computes in; ``None`` takes the global one.
    """

    def __init__(self, mode, source_name=None):
        bits, group = _split_mode(mode, "GPTQDTypePolicy", ["weight_bits", "group_size"],
                                  "gptq/<weight_bits>/<group_size>")
        if bits not in (2, 3, 4, 8):
            raise ValueError(f"Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, but got {bits} "
                             f"from {mode!r}.")
        _check_group(group, "group_size", mode)
        super().__init__(mode="gptq", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "gptq"
        self.weight_bits = bits
        self.group_size = group

    def __eq__(self, other):
        return super().__eq__(other) and (self.weight_bits, self.group_size) == (other.weight_bits, other.group_size)

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {**super().get_config(), "mode": f"gptq/{self.weight_bits}/{self.group_size}"}


class AWQDTypePolicy(QuantizedDTypePolicy):
    """The policy of an AWQ-quantized layer: ``"awq/4/<group_size>_from_<source>"``.

    Args:
        mode: ``"awq/<weight_bits>/<group_size>"``; AWQ supports 4 bits only.
        source_name: the float policy the layer computes in; ``None`` takes the global one.
    """

    def __init__(self, mode, source_name=None):
        bits, group = _split_mode(mode, "AWQDTypePolicy", ["weight_bits", "group_size"],
                                  "awq/<weight_bits>/<group_size>")
        if bits != 4:
            raise ValueError(f"Invalid weight_bits in mode. AWQ only supports 4-bit quantization, but got {bits} "
                             f"from {mode!r}.")
        _check_group(group, "group_size", mode)
        super().__init__(mode="awq", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "awq"
        self.weight_bits = bits
        self.group_size = group

    def __eq__(self, other):
        return super().__eq__(other) and (self.weight_bits, self.group_size) == (other.weight_bits, other.group_size)

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {**super().get_config(), "mode": f"awq/{self.weight_bits}/{self.group_size}"}


def quantized_policy_from_name(name):
    """The quantized policy a ``"<mode>_from_<source>"`` name describes.

    Args:
        name: e.g. ``"int8_from_float32"``, ``"int4/128_from_mixed_bfloat16"``, ``"float8_from_float32"``.

    Returns:
        A ``QuantizedDTypePolicy`` (or the subclass the mode calls for).
    """
    if not isinstance(name, str):
        raise TypeError(f"`policy` must be a string. Received: policy={name!r}")
    if not name.startswith(QUANTIZATION_MODES):
        raise ValueError(f"{name!r} does not name a quantized policy: it must start with one of "
                         f"{QUANTIZATION_MODES}.")
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
                         f"`QuantizedDTypePolicy`. Received: policy={name!r}")
    mode, source = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source)
    return QuantizedDTypePolicy(mode, source)


def _all_objects():
    from fkeras.dtype_policies.policy_map import DTypePolicyMap

    classes = (DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy, Int4DTypePolicy,
               GPTQDTypePolicy, AWQDTypePolicy, DTypePolicyMap)
    return {c.__name__: c for c in classes}


def serialize(dtype_policy):
    """The Keras 3 config dict of a dtype policy.

    Args:
        dtype_policy: a ``DTypePolicy`` (or subclass) instance.

    Returns:
        ``{"module", "class_name", "config", "registered_name"}``, as Keras writes it.
    """
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(f"`dtype_policy` must be a DTypePolicy instance. Received: {dtype_policy!r}")
    cls = type(dtype_policy)
    if _all_objects().get(cls.__name__) is not cls:
        from fkeras.saving import registry

        return registry.serialize_keras_object(dtype_policy)
    module = "keras" if cls in (DTypePolicy, FloatDTypePolicy) else "keras.dtype_policies"
    return {"module": module, "class_name": cls.__name__, "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """Rebuild a dtype policy from its config (what ``serialize`` returns).

    Args:
        config: a ``{"class_name", "config", ...}`` dict.
        custom_objects: optional ``{name: class}`` for registered custom policies.

    Returns:
        The policy instance.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret dtype policy config: {config!r}")
    name = config.get("registered_name") or config["class_name"]
    cls = _all_objects().get(config["class_name"])
    if cls is None:
        from fkeras.saving import registry

        cls = registry.get_registered_object(name, custom_objects)
        if not (isinstance(cls, type) and issubclass(cls, DTypePolicy)):
            raise ValueError(f"Unknown dtype policy class {config['class_name']!r}. Known: "
                             f"{sorted(_all_objects())}; register a custom policy with "
                             "`keras.saving.register_keras_serializable()`.")
    inner = config.get("config") or {}
    if cls.__name__ == "DTypePolicyMap" and cls is _all_objects()["DTypePolicyMap"]:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """A dtype policy from a name, a config dict, a policy, or ``None`` (the global policy).

    Args:
        identifier: ``None``, a policy name (``"float32"``, ``"mixed_bfloat16"``,
            ``"int8_from_float32"``, ...), a config dict, or a ``DTypePolicy``.

    Returns:
        A ``DTypePolicy`` instance.
    """
    if isinstance(identifier, dict) and identifier.get("class_name") not in (None, "DTypePolicy", "Policy"):
        return deserialize(identifier)
    return _base.get(identifier)
