"""``keras.config``'s data-feeding settings: how much in-memory data ``fit`` / ``evaluate`` / ``predict``
keep on the device, and how far streamed data is prepared ahead of the step (``feeding.py`` applies them)."""
from __future__ import annotations

from fkeras.trainers import feeding


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
    feeding.set_resident_data_budget(budget)


def resident_data_budget():
    """The value last given to ``set_resident_data_budget`` (None: the default)."""
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
    feeding.set_prefetch_depth(depth)

