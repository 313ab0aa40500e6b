"""``keras.mixed_precision``: dtype policies (loss scaling arrives with the mixed-precision work)."""
from fkeras.engine.dtype_policy import DTypePolicy, Policy, global_policy, set_global_policy
