"""Dtype policies: ``float32``, ``mixed_bfloat16``, ``mixed_float16``, ``bfloat16``, ``float16``."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend import config as _config

_VALID = ("float32", "float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", "int32", "int64",
          "uint8", "bool")


class DTypePolicy:
    """A dtype policy: the dtype variables are stored in and the dtype layers compute in.

    Example:
        >>> keras.mixed_precision.set_global_policy("mixed_bfloat16")
        >>> layers.Dense(4).compute_dtype
        'bfloat16'
    """

    def __init__(self, name=None):
        if name is None:
            name = _config.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        name = str(jnp.dtype(name)) if not isinstance(name, str) else name
        if name not in _VALID:
            from fkeras.utils.naming import did_you_mean

            raise ValueError(
                f"Cannot convert {name!r} to a mixed precision DTypePolicy.{did_you_mean(name, _VALID)} "
                "Valid policies include 'mixed_float16', 'mixed_bfloat16', and the name of any "
                "float dtype such as 'float32'."
            )
        self._name = name
        if name.startswith("mixed_"):
            self._compute_dtype = name[len("mixed_"):]
            self._variable_dtype = "float32"
        else:
            self._compute_dtype = name
            self._variable_dtype = name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def is_mixed(self):
        return self._compute_dtype != self._variable_dtype

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # tf.keras name
_GLOBAL_POLICY: DTypePolicy | None = None


def set_global_policy(policy) -> None:
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else get(policy)


def global_policy() -> DTypePolicy:
    if _GLOBAL_POLICY is None:
        return DTypePolicy(_config.floatx())
    return _GLOBAL_POLICY


def get(identifier) -> DTypePolicy:
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        cfg = identifier.get("config", identifier)
        return DTypePolicy(cfg.get("name"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(str(jnp.dtype(identifier)))
    except TypeError:
        raise ValueError(f"Cannot interpret `dtype` argument: {identifier!r}") from None


def serialize(policy: DTypePolicy):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": policy.name},
            "registered_name": None}
