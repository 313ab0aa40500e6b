"""``keras.mixed_precision``: dtype policies and dynamic loss scaling."""
from fkeras.dtype_policies.dtype_policy import (
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)
from fkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer, dynamic_loss_scale
