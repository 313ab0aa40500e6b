"""``keras.config``: global settings (only re-exports; most live in ``fkeras/backend/config.py``)."""
from fkeras.backend.config import (
    _FLASH_ATTENTION,
    backend,
    disable_flash_attention,
    disable_jit_cache,
    enable_flash_attention,
    enable_jit_cache,
    enable_unsafe_deserialization,
    epsilon,
    floatx,
    image_data_format,
    is_flash_attention_enabled,
    is_nnx_enabled,
    is_unsafe_deserialization_enabled,
    max_epochs,
    max_steps_per_epoch,
    set_backend,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_max_epochs,
    set_max_steps_per_epoch,
)
from fkeras.dtype_policies.dtype_policy import global_policy as dtype_policy, set_global_policy as set_dtype_policy
from fkeras.trainers.feeding_settings import resident_data_budget, set_prefetch_depth, set_resident_data_budget
from fkeras.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from fkeras.utils.traceback_utils import (
    disable_traceback_filtering,
    enable_traceback_filtering,
    is_traceback_filtering_enabled,
)

__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_jit_cache",
           "disable_traceback_filtering", "dtype_policy", "enable_flash_attention", "enable_interactive_logging",
           "enable_jit_cache", "enable_traceback_filtering", "enable_unsafe_deserialization", "epsilon", "floatx",
           "image_data_format", "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
           "is_traceback_filtering_enabled", "is_unsafe_deserialization_enabled", "max_epochs", "max_steps_per_epoch",
           "resident_data_budget", "set_backend", "set_dtype_policy", "set_epsilon", "set_floatx",
           "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch", "set_prefetch_depth",
           "set_resident_data_budget"]
