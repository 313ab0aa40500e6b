"""Dtype policies: ``float32``, ``mixed_bfloat16``, ``mixed_float16``, ``bfloat16``, ``float16``.

The base ``DTypePolicy``, the global policy and ``get`` / ``serialize``. The quantized policies
(``"int8_from_float32"``, ``"float8_from_mixed_bfloat16"``, ...) live in ``policies.py`` and
``DTypePolicyMap`` in ``policy_map.py`` of this package; ``get`` and ``serialize`` reach them, so
every layer accepts them through its ``dtype=`` argument. (``fkeras.engine.dtype_policy`` is the
old path of this module and re-exports it.)
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend import config as _config

_VALID = ("float32", "float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", "int32", "int64",
          "uint8", "bool")
# Keras 3's quantization modes, in Keras's order: the prefixes of quantized policy names.
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def _parse_name(name):
    """``(compute_dtype, variable_dtype)`` of a float policy name; ValueError for anything else."""
    if not isinstance(name, str):
        raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name!r} "
                        f"(of type {type(name).__name__})")
    if name not in _VALID:
        from fkeras.utils.naming import did_you_mean

        raise ValueError(
            f"Cannot convert {name!r} to a mixed precision DTypePolicy.{did_you_mean(name, _VALID)} "
            "Valid policies include 'mixed_float16', 'mixed_bfloat16', and the name of any "
            "float dtype such as 'float32'."
        )
    if name.startswith("mixed_"):
        return name[len("mixed_"):], "float32"
    return name, name


class DTypePolicy:
    """A dtype policy: the dtype variables are stored in and the dtype layers compute in.

    Args:
        name: a dtype name (``"float32"``, ``"bfloat16"``, ...), where variables and computation
            share the dtype, or ``"mixed_float16"`` / ``"mixed_bfloat16"``, where variables stay
            float32 and layers compute in the 16-bit type. ``None`` takes the global policy's name.

    Example:
        >>> keras.mixed_precision.set_global_policy("mixed_bfloat16")
        >>> layers.Dense(4).compute_dtype
        'bfloat16'
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        if isinstance(name, DTypePolicy):
            name = name.name
        name = str(jnp.dtype(name)) if not isinstance(name, str) else name
        self._compute_dtype, self._variable_dtype = _parse_name(name)
        self._name = name
        self._quantization_mode = None

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype layers compute in (their inputs are cast to it)."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def is_mixed(self):
        return self._compute_dtype != self._variable_dtype

    @property
    def quantization_mode(self):
        """The quantization mode (``"int8"``, ``"int4"``, ``"float8"``, ...), ``None`` when not quantized."""
        return self._quantization_mode

    def get_config(self):
        """The policy as a JSON-able dict: ``{"name": ...}``."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        """A new policy from the dict ``get_config`` returned.

        Args:
            config: The dict of constructor arguments (``{"name": ...}``).
        """
        return cls(**config)

    def __eq__(self, other):
        if not isinstance(other, DTypePolicy):
            return False
        if self.quantization_mode is None and other.quantization_mode is None:
            # Keras: DTypePolicy and FloatDTypePolicy compare equal; a DTypePolicyMap is no float policy.
            return not _is_map(self) and not _is_map(other) and other.name == self.name
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        cls = type(self).__name__
        return f'<{"DTypePolicy" if cls == "FloatDTypePolicy" else cls} "{self._name}">'


def _is_map(policy):
    return type(policy).__name__ == "DTypePolicyMap"


Policy = DTypePolicy  # tf.keras name
_GLOBAL_POLICY: DTypePolicy | None = None


def set_global_policy(policy) -> None:
    """Set the policy layers take when they get no ``dtype`` (Keras's ``set_dtype_policy``).

    Args:
        policy: a policy name (``"mixed_bfloat16"``, ``"int8_from_float32"``, ...) or a
            ``DTypePolicy``; ``None`` goes back to the default (``floatx()``).
    """
    global _GLOBAL_POLICY
    if policy is not None and not isinstance(policy, (str, DTypePolicy)):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as 'mixed_float16') or a "
            f"`DTypePolicy` instance. Received: policy={policy!r} (of type {type(policy).__name__})")
    _GLOBAL_POLICY = None if policy is None else get(policy)


def global_policy() -> DTypePolicy:
    """The policy layers take when they get no ``dtype`` (Keras's ``keras.config.dtype_policy()``)."""
    if _GLOBAL_POLICY is None:
        return DTypePolicy(_config.floatx())
    return _GLOBAL_POLICY


set_dtype_policy = set_global_policy
dtype_policy = global_policy


def get(identifier) -> DTypePolicy:
    """A dtype policy from an identifier.

    Args:
        identifier: ``None`` (the global policy), a policy name (``"mixed_bfloat16"``; names
            starting with a quantization mode, ``"int8_from_float32"``, give the quantized policies
            of ``keras.dtype_policies``), a config dict, a ``DTypePolicy``, or a dtype.

    Returns:
        A ``DTypePolicy`` instance.
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        cls = identifier.get("class_name")
        if cls is None:
            return DTypePolicy(identifier.get("name"))
        if cls in ("DTypePolicy", "Policy"):
            return DTypePolicy((identifier.get("config") or {}).get("name"))
        from fkeras.dtype_policies import policies

        return policies.deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            from fkeras.dtype_policies import policies

            return policies.quantized_policy_from_name(identifier)
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(str(jnp.dtype(identifier)))
    except TypeError:
        raise ValueError(
            "Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
            f"Received: dtype={identifier!r}") from None


def serialize(policy: DTypePolicy):
    """The Keras 3 config of a policy (what a layer's ``get_config()["dtype"]`` holds).

    Args:
        policy: a ``DTypePolicy`` (or subclass) instance.

    Returns:
        ``{"module", "class_name", "config", "registered_name"}``.
    """
    if type(policy) is DTypePolicy:
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": policy.name},
                "registered_name": None}
    from fkeras.dtype_policies import policies

    return policies.serialize(policy)
