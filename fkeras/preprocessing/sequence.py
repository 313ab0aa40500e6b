"""``keras.preprocessing.sequence``: ``pad_sequences`` and tf.keras 2's ``TimeseriesGenerator``."""
from __future__ import annotations

import numpy as np

from fkeras.utils.py_dataset import PyDataset
from fkeras.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences", "TimeseriesGenerator", "make_sampling_table"]


def make_sampling_table(size, sampling_factor=1e-5):
    """Word-rank sampling probabilities (Zipf approximation, word2vec's subsampling formula).

    Entry ``i`` is the probability of keeping the ``i``-th most frequent word, e.g. as the
    ``sampling_table`` of ``skipgrams``.

    Args:
        size: The vocabulary size (the table has one entry per word rank).
        sampling_factor: word2vec's sampling factor: lower values keep fewer of the frequent words. Defaults to
            1e-5.
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


class TimeseriesGenerator(PyDataset):
    """Batches of sliding windows over a time series (tf.keras 2's ``TimeseriesGenerator``).

    Sample ``k`` of batch ``i`` is ``data[row - length : row : sampling_rate]`` with target
    ``targets[row]``, where rows step by ``stride`` from ``start_index + length`` to ``end_index``.

    Args:
        data: The time series, an array (or list) indexed by time step along its first axis.
        targets: The targets, one per time step of ``data`` (the same length).
        length: The number of time steps each window covers (before ``sampling_rate``).
        sampling_rate: The period between the time steps kept in a window. Defaults to 1.
        stride: The period between the starts of two successive windows. Defaults to 1.
        start_index: The first time step that can start a window. Defaults to 0.
        end_index: The last time step that can be a target; ``None`` (the default) uses the last one.
        shuffle: If True, each batch draws random rows (with replacement) instead of going in order. Defaults to
            False.
        reverse: If True, each window's time steps are in reverse order. Defaults to False.
        batch_size: The number of windows per batch. Defaults to 128.
        **kwargs: ``keras.utils.PyDataset`` arguments (``workers``, ``max_queue_size``...).

    Example:

    ```python
    data = np.arange(50).reshape(50, 1)
    gen = TimeseriesGenerator(data, data, length=10, batch_size=2)
    x, y = gen[0]   # x: [[0..9], [1..10]] (shape (2, 10, 1)), y: [[10], [11]]
    ```
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128, **kwargs):
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is {len(data)} while "
                             f"target length is {len(targets)}")
        for name, v in (("length", length), ("sampling_rate", sampling_rate), ("stride", stride),
                        ("batch_size", batch_size)):
            if not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"`{name}` must be a positive integer; received {name}={v!r}.")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = int(length), int(sampling_rate), int(stride)
        self.start_index = start_index + self.length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, int(batch_size)
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                             "disallowed, as no part of the sequence would be left to be used as current step.")
        self._rng = np.random.default_rng()

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = self._rng.integers(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1), self.stride)
        offsets = np.arange(-self.length, 0, self.sampling_rate)
        data = np.asarray(self.data)
        samples = data[rows[:, None] + offsets[None, :]]
        targets = np.asarray(self.targets)[rows]
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        return {"length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index - self.length, "end_index": self.end_index,
                "shuffle": self.shuffle, "reverse": self.reverse, "batch_size": self.batch_size}
