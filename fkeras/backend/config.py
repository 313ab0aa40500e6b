"""Global configuration (``keras.config`` re-exports it): floatx, epsilon, image data format (Keras's
keras.json), the JIT cache, the process-wide safe-mode opt-out, the epoch/step caps, flash attention."""
from __future__ import annotations

import json
import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def fkeras_home() -> str:
    return os.path.expanduser(os.environ.get("FKERAS_HOME", os.path.join("~", ".fkeras")))


def floatx() -> str:
    """The default float type, as a string (e.g. ``'float32'``)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type (what ``floatx()`` returns, and new weights' dtype).

    Args:
        value: One of ``'bfloat16'``, ``'float16'``, ``'float32'``, ``'float64'``.
    """
    global _FLOATX
    accepted = {"bfloat16", "float16", "float32", "float64"}
    value = str(value)
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {sorted(accepted)}.")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default ``1e-7``)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor ``epsilon()`` returns.

    Args:
        value: A small positive float.
    """
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """``'channels_last'`` (default) or ``'channels_first'``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout of convolution, pooling and image layers.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``.
    """
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """``data_format`` lower-cased and checked, or ``image_data_format()`` when it is None.

    Args:
        data_format: ``'channels_last'``, ``'channels_first'`` (any case) or None.

    Returns:
        ``'channels_last'`` or ``'channels_first'``.
    """
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return value


def backend() -> str:
    """fkeras always runs on JAX."""
    return "jax"


# --- JAX's persistent compilation cache --------------------------------------------------------

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



# --- safe mode: the process-wide opt-out (``registry.effective_safe_mode`` reads it) --------------

_UNSAFE_DESERIALIZATION = False


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



# --- debugging caps on fit/evaluate/predict (Keras 3's ``max_epochs`` / ``max_steps_per_epoch``) --

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



# --- attention kernels, NNX, backend --------------------------------------------------------------

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

    Args:
        backend: The backend name; only ``"jax"`` is accepted.

    Raises:
        ValueError: for a backend other than ``"jax"``.
    """
    if backend != "jax":
        raise ValueError(f"fkeras runs on JAX only; `set_backend` accepts 'jax'. Received: backend={backend!r}. "
                         "For the TensorFlow or PyTorch backends use Keras 3 itself.")



def _load_user_config() -> None:
    path = os.path.join(fkeras_home(), "fkeras.json")
    if not os.path.exists(path):
        return
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return
    if "floatx" in cfg:
        set_floatx(cfg["floatx"])
    if "epsilon" in cfg:
        set_epsilon(cfg["epsilon"])
    if "image_data_format" in cfg:
        set_image_data_format(cfg["image_data_format"])


_load_user_config()
