"""``keras.utils.PyDataset`` (and tf.keras's ``Sequence`` alias)."""
from __future__ import annotations

import warnings


class PyDataset:
    """A dataset indexed by batch: implement ``__len__`` (batches per epoch) and ``__getitem__(i)``.

    ``fit``, ``evaluate`` and ``predict`` read batch ``i`` as ``dataset[i]``: an ``x`` or a tuple
    ``(x, y)`` / ``(x, y, sample_weight)`` of arrays. Subclasses call ``super().__init__(**kwargs)``.

    Args:
        workers: How many threads read batches ahead of the training step (1: read in turn).
            Defaults to 1.
        use_multiprocessing: Accepted for compatibility with Keras; batches are read by
            threads. Defaults to ``False``.
        max_queue_size: How many batches the workers may read ahead. Defaults to 10.

    Example:

    ```python
    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return -(-len(self.x) // self.batch_size)

        def __getitem__(self, i):
            s = slice(i * self.batch_size, (i + 1) * self.batch_size)
            return self.x[s], self.y[s]

    model.fit(Batches(x, y, 32, workers=4), epochs=3)
    ```
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size
        self._pydataset_init_called = True

    def _ensure_init(self):
        if not getattr(self, "_pydataset_init_called", False):
            warnings.warn(
                f"Your `PyDataset` class ({type(self).__name__}) should call `super().__init__(**kwargs)` in "
                "its constructor. `**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`.",
                stacklevel=3,
            )
            self._workers = 1
            self._use_multiprocessing = False
            self._max_queue_size = 10
            self._pydataset_init_called = True

    @property
    def workers(self):
        self._ensure_init()
        return self._workers

    @property
    def use_multiprocessing(self):
        self._ensure_init()
        return self._use_multiprocessing

    @property
    def max_queue_size(self):
        self._ensure_init()
        return self._max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    @property
    def num_batches(self):
        try:
            return len(self)
        except (NotImplementedError, TypeError):
            return None

    def on_epoch_begin(self):
        """Called at the start of each epoch (override it, e.g. to load the epoch's data)."""

    def on_epoch_end(self):
        """Called at the end of each epoch (override it, e.g. to reshuffle the samples)."""


Sequence = PyDataset
