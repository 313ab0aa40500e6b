"""Old path of ``fkeras.dtype_policies.dtype_policy`` (the base ``DTypePolicy``, the global policy,
``get`` and ``serialize``), kept so that existing imports keep working."""
from fkeras.dtype_policies.dtype_policy import (  # noqa: F401
    QUANTIZATION_MODES,
    DTypePolicy,
    Policy,
    dtype_policy,
    get,
    global_policy,
    serialize,
    set_dtype_policy,
    set_global_policy,
)
