"""``DTypePolicyMap``: dtype policies by layer path (Keras 3's ``keras.dtype_policies.DTypePolicyMap``)."""
from __future__ import annotations

import re
from collections.abc import MutableMapping

from fkeras.dtype_policies import dtype_policy as _base
from fkeras.dtype_policies.dtype_policy import DTypePolicy


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A dict-like policy: layer paths (or regular expressions over them) mapped to policies.

    Looking up a path first tries an exact key, then every key as a regular expression that must
    match the whole path (``re.fullmatch``); no match gives ``default_policy``, more than one
    match is an error. As a policy, the map computes and stores in its default policy's dtypes.

    Args:
        default_policy: the policy of paths with no entry; ``None`` takes the global policy
            (``keras.config.dtype_policy()``) at construction, and a saved map then defers its
            entries' source dtypes to the global policy of the program that loads it.
        policy_map: an optional initial ``{path_or_regex: policy}`` dict.

    Example:
        >>> m = keras.dtype_policies.DTypePolicyMap(default_policy="float32")
        >>> m["encoder/.*"] = "int8_from_float32"
        >>> m["encoder/dense"].name, m["decoder/dense"].name
        ('int8_from_float32', 'float32')
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"If specified, `policy_map` must be a dict. Received: policy_map={policy_map!r} of "
                            f"type {type(policy_map).__name__}")
        self._default_policy_arg = default_policy
        self._default_policy = _base.get(default_policy)
        self._policy_map = {}
        for key, value in (policy_map or {}).items():
            self[key] = value

    @property
    def name(self):
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self):
        """The policy of paths that match no key."""
        return self._default_policy

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Path {key!r} matches multiple dtype policy specification keys: {matches}. Please "
                             "make sure each path only matches at most one dtype policy specification key in the "
                             "DTypePolicyMap.")
        if matches:
            return self._policy_map[matches[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        try:
            policy = _base.get(policy)
        except Exception:  # noqa: BLE001 - any failure is "cannot interpret"
            raise ValueError("Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                             f"Received: {policy!r} of type {type(policy).__name__}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return (isinstance(other, DTypePolicyMap) and self._default_policy == other._default_policy
                and self._policy_map == other._policy_map)

    def __hash__(self):
        return id(self)

    def get_config(self):
        from fkeras.dtype_policies import policies

        entries = {}
        for key, policy in self._policy_map.items():
            cfg = policies.serialize(policy)
            if self._default_policy_arg is None:
                # Keras's rule: with no default, entries defer to the global policy when loaded.
                cfg = dict(cfg, config=dict(cfg["config"]))
                if "source_name" in cfg["config"]:
                    cfg["config"]["source_name"] = None
                elif "name" in cfg["config"]:
                    cfg["config"]["name"] = None
            entries[key] = cfg
        default = self._default_policy_arg
        if isinstance(default, DTypePolicy):
            default = policies.serialize(default)
        return {"default_policy": default, "policy_map": entries}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from fkeras.dtype_policies import policies

        config = dict(config)
        entries = config.get("policy_map") or {}
        config["policy_map"] = {k: policies.deserialize(v, custom_objects) if isinstance(v, dict) else v
                                for k, v in entries.items()}
        if isinstance(config.get("default_policy"), dict):
            config["default_policy"] = policies.get(config["default_policy"])
        return cls(**config)

    def __repr__(self):
        return (f"<DTypePolicyMap at {hex(id(self))} default_policy={self._default_policy.name}, "
                f"mapping={[(k, v.name) for k, v in self._policy_map.items()]}>")
