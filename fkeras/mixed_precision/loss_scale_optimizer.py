"""``keras.mixed_precision.LossScaleOptimizer``: the same class as ``keras.optimizers.LossScaleOptimizer``
(it lives in ``fkeras.optimizers.loss_scale_optimizer``; these names stay importable from here)."""
from fkeras.optimizers.loss_scale_optimizer import (  # noqa: F401
    LossScaleOptimizer,
    LossScaleState,
    dynamic_loss_scale,
    step_was_applied,
)
