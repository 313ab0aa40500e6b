"""``keras.utils.PyDataset`` (and tf.keras's ``Sequence`` alias)."""
from __future__ import annotations

import warnings


class PyDataset:
    """A dataset indexed by batch: implement ``__len__`` (batches per epoch) and ``__getitem__(i)``.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted as in Keras.
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
        pass

    def on_epoch_end(self):
        pass


Sequence = PyDataset
