"""``keras.config``: global settings."""
from __future__ import annotations

import os

from fkeras.backend.config import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                                   set_image_data_format)
from fkeras.engine.dtype_policy import global_policy as dtype_policy
from fkeras.engine.dtype_policy import set_global_policy as set_dtype_policy

_UNSAFE_DESERIALIZATION = False


def enable_jit_cache(directory=None, min_compile_time_secs=0.0):
    """Turn on JAX's persistent compilation cache, so that a re-run of the same program skips XLA compilation.

    Compiled train/eval/predict steps are written to ``directory`` and reused by later processes
    with the same program, shapes and JAX version, which cuts the time to the first step.

    Args:
        directory: Cache directory (``~`` is expanded; created if missing). ``None`` (default) uses
            ``jit_cache`` under the fkeras home directory (``~/.fkeras`` unless ``FKERAS_HOME`` is
            set).
        min_compile_time_secs: Only programs whose compilation took at least this many seconds are
            cached. Defaults to ``0.0`` (cache everything).

    Returns:
        The cache directory, with ``~`` expanded.

    Example:

    ```python
    keras.config.enable_jit_cache("~/.cache/fkeras-jit")
    ```
    """
    import jax

    if directory is None:
        from fkeras.backend.config import fkeras_home

        directory = os.path.join(fkeras_home(), "jit_cache")
    directory = os.path.expanduser(str(directory))
    os.makedirs(directory, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_compile_time_secs))
    try:
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except AttributeError:
        pass
    return directory


def disable_jit_cache():
    """Turn JAX's persistent compilation cache off again (see ``enable_jit_cache``).

    Programs compiled from now on are neither read from nor written to the cache directory; the
    files already there are kept.

    Example:

    ```python
    keras.config.disable_jit_cache()
    ```
    """
    import jax

    jax.config.update("jax_compilation_cache_dir", None)


def enable_unsafe_deserialization():
    """Turn safe mode off for every load in this process, as Keras 3 does: a ``Lambda`` layer's
    Python bytecode stored in a model file is then loaded (and runs), as if every call passed
    ``safe_mode=False``. Only for processes that load nothing but files they trust; prefer
    ``load_model(path, safe_mode=False)`` for one trusted file. The allow-list of objects a
    config may name (see ``docs/security.md``) applies either way."""
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


def is_unsafe_deserialization_enabled():
    """Whether ``enable_unsafe_deserialization()`` was called in this process."""
    return _UNSAFE_DESERIALIZATION


def set_resident_data_budget(budget=None):
    """How much device memory ``fit``, ``evaluate`` and ``predict`` may use to keep in-memory
    arrays on the device, where each epoch's shuffle and every batch's gather then run with no
    host work per step. Data over the budget streams through host buffers instead.

    Args:
        budget: a fraction in (0, 1] of the device memory free when the data is placed, a number
            of bytes (an int > 1), 0 to always stream, or None for the default:
            ``FKERAS_RESIDENT_DATA_BUDGET`` from the environment if set, else 0.5. On the CPU
            backend, numpy arrays are never copied (the device computes from host memory, and
            host threads gather their batches in place); the budget there applies to arrays
            already on the device (jax arrays), which stream when it is 0.

    Example:
        keras.config.set_resident_data_budget(0.25)      # a quarter of the free memory
        keras.config.set_resident_data_budget(8 * 2**30)  # 8 GiB
    """
    from fkeras.trainers import feeding

    feeding.set_resident_data_budget(budget)


def resident_data_budget():
    """The value last given to ``set_resident_data_budget`` (None: the default)."""
    from fkeras.trainers import feeding

    return feeding.resident_data_budget()


def set_prefetch_depth(depth=None):
    """Set how many streamed data chunks may be prepared ahead of the training step.

    Applies to data that ``fit``, ``evaluate`` and ``predict`` stream from the host (generators,
    datasets, arrays over the resident-data budget). A deeper queue hides slower input pipelines at
    the cost of host and device memory.

    Args:
        depth: A positive integer, or ``None`` (default) for the default depth of 3.

    Raises:
        ValueError: If ``depth`` is not a positive integer or ``None``.

    Example:

    ```python
    keras.config.set_prefetch_depth(8)
    ```
    """
    from fkeras.trainers import feeding

    feeding.set_prefetch_depth(depth)


# --- Keras 3's debugging and logging switches ------------------------------------------------------

from fkeras.utils.io_utils import (disable_interactive_logging, enable_interactive_logging,  # noqa: E402
                                   is_interactive_logging_enabled)
from fkeras.utils.traceback_utils import (disable_traceback_filtering, enable_traceback_filtering,  # noqa: E402
                                          is_traceback_filtering_enabled)


def _env_limit(name):
    value = os.environ.get(name)
    if not value:
        return None
    try:
        limit = int(value)
    except ValueError:
        raise ValueError(f"The environment variable {name} must be a positive integer; received {value!r}") from None
    return limit if limit > 0 else None


def _check_limit(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer or None; received {value!r}")
    return value


_LIMITS = {"max_epochs": _env_limit("KERAS_MAX_EPOCHS"),
           "max_steps_per_epoch": _env_limit("KERAS_MAX_STEPS_PER_EPOCH")}


def set_max_epochs(max_epochs):
    """Cap the number of epochs of every ``fit`` call (a debugging aid: run a script end to end
    quickly without editing it). Also read from the ``KERAS_MAX_EPOCHS`` environment variable.

    Args:
        max_epochs: a positive integer, or ``None`` for no cap.

    Example:
        keras.config.set_max_epochs(1)
        model.fit(x, y, epochs=100)   # warns "Limiting epochs to 1" and trains one epoch
    """
    _LIMITS["max_epochs"] = _check_limit("max_epochs", max_epochs)


def max_epochs():
    """The cap set by ``set_max_epochs`` (or ``KERAS_MAX_EPOCHS``), or ``None``."""
    return _LIMITS["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the number of steps of each epoch of ``fit`` and of every ``evaluate`` / ``predict``
    call (a debugging aid). Also read from the ``KERAS_MAX_STEPS_PER_EPOCH`` environment variable.

    Args:
        max_steps_per_epoch: a positive integer, or ``None`` for no cap.
    """
    _LIMITS["max_steps_per_epoch"] = _check_limit("max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    """The cap set by ``set_max_steps_per_epoch`` (or ``KERAS_MAX_STEPS_PER_EPOCH``), or ``None``."""
    return _LIMITS["max_steps_per_epoch"]


_FLASH_ATTENTION = [None]


def enable_flash_attention():
    """Ask ``keras.ops.dot_product_attention`` (and the attention layers) to use a fused flash
    attention kernel (cuDNN on NVIDIA GPUs); where none is available for the inputs, the call
    raises instead of silently falling back."""
    _FLASH_ATTENTION[0] = True


def disable_flash_attention():
    """Make attention use the plain XLA implementation, never a fused flash kernel."""
    _FLASH_ATTENTION[0] = False


def is_flash_attention_enabled():
    """``True``/``False`` after ``enable_flash_attention``/``disable_flash_attention``; ``None`` (the
    default) lets each call choose: a fused kernel where the platform and inputs allow, else XLA."""
    return _FLASH_ATTENTION[0]


def is_nnx_enabled():
    """Whether Keras variables are Flax NNX variables: always ``False`` in fkeras, whose layers are
    pure functions over explicit parameter pytrees (Flax modules are wrapped with
    ``keras.layers.FlaxLayer`` instead)."""
    return False


def set_backend(backend):
    """Keras 3 reloads itself with another backend; fkeras is JAX-only, so ``"jax"`` is accepted
    (nothing to do) and any other backend is refused.

    Raises:
        ValueError: for a backend other than ``"jax"``.
    """
    if backend != "jax":
        raise ValueError(f"fkeras runs on JAX only; `set_backend` accepts 'jax'. Received: backend={backend!r}. "
                         "For the TensorFlow or PyTorch backends use Keras 3 itself.")
