"""``keras.utils.timeseries_dataset_from_array``.

Keras returns a ``tf.data.Dataset``; fkeras has no TensorFlow, so this returns a
:class:`TimeseriesDataset`: a ``keras.utils.PyDataset`` of numpy batches that ``model.fit`` reads
directly (the convention of ``image_dataset_from_directory``). Windows are gathered lazily, one
batch at a time, so a long series is never copied once per window.
"""
from __future__ import annotations

import math

import numpy as np

from fkeras.backend.random_state import draw_seed
from fkeras.utils.dataset_utils import _DatasetMethods
from fkeras.utils.py_dataset import PyDataset

__all__ = ["timeseries_dataset_from_array", "TimeseriesDataset"]


class TimeseriesDataset(_DatasetMethods, PyDataset):
    """Sliding windows over an array (returned by ``timeseries_dataset_from_array``).

    Element ``i`` is a batch of windows ``data[start + p + arange(sequence_length) * sampling_rate]``
    for consecutive start positions ``p`` (and the targets ``targets[start + p]``); with
    ``batch_size=None`` it is one window. ``start_positions`` lists the window starts in their
    current order (relative to ``start_index``).
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate, start_index, batch_size,
                 shuffle, seed):
        super().__init__()
        self._data = data
        self._targets = targets
        self._positions = start_positions
        self._offsets = np.arange(sequence_length) * sampling_rate
        self._start = start_index
        self.batch_size = batch_size
        self.sequence_length = sequence_length
        self.sampling_rate = sampling_rate
        self._shuffle = shuffle
        self._seed = seed
        self._epoch = 0
        self._order = start_positions

    @property
    def start_positions(self):
        return self._order

    def __len__(self):
        n = len(self._order)
        return n if self.batch_size is None else math.ceil(n / self.batch_size)

    def on_epoch_end(self):
        self._epoch += 1
        if self._shuffle:
            perm = np.random.default_rng([self._seed, self._epoch]).permutation(len(self._positions))
            self._order = self._positions[perm]

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"Index {i} out of range for a dataset of {n} elements.")
        if self.batch_size is None:
            pos = self._order[i]
            x = self._data[self._start + pos + self._offsets]
        else:
            pos = self._order[i * self.batch_size:(i + 1) * self.batch_size]
            x = self._data[self._start + pos[:, None] + self._offsets[None, :]]
        if self._targets is None:
            return x
        return x, self._targets[self._start + pos]


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"`{name}` must be an integer. Received: {name}={value!r}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None, format="tf"):
    """Batches of sliding windows over a timeseries (Keras 3 ``keras.utils.timeseries_dataset_from_array``).

    Args:
        data: array-like of timesteps (axis 0 is time).
        targets: the target of each window, indexed by the window's first timestep
            (``targets[i]`` goes with the window starting at ``data[i]``), or ``None``.
        sequence_length: number of timesteps in each window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between consecutive timesteps within a window.
        batch_size: windows per batch (``None``: one window per element).
        shuffle: shuffle the windows (and reshuffle at every epoch).
        seed: the shuffling seed.
        start_index: first row of ``data`` used (default 0).
        end_index: row after the last one used: only ``data[start_index:end_index]`` is read.
        format: ``"tf"`` or ``"grain"`` (accepted for compatibility; both give the same dataset).

    Returns:
        A :class:`TimeseriesDataset` (a ``keras.utils.PyDataset``) yielding ``(windows, targets)``
        batches, or ``windows`` alone when ``targets`` is ``None``. Windows have shape
        ``(batch_size, sequence_length) + data.shape[1:]``.

    Example (predict ``data[t + 10]`` from the 10 steps before it):

    ```python
    data = np.arange(100)
    dataset = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = dataset[0]
    assert np.array_equal(inputs[0], data[:10]) and targets[0] == data[10]
    ```
    """
    if not hasattr(data, "__len__"):
        raise ValueError(f"`data` must be an array-like of timesteps. Received: {type(data)}")
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        _check_positive_int(name, value)
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: sequence_length={sequence_length}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {n}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if batch_size is not None:
        _check_positive_int("batch_size", batch_size)
        if batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size}")

    data = data if isinstance(data, np.ndarray) else np.asarray(data)
    if targets is not None:
        targets = targets if isinstance(targets, np.ndarray) else np.asarray(targets)
    start = int(start_index or 0)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets) - start)
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = draw_seed() % 1_000_000
        np.random.RandomState(seed).shuffle(positions)
    seed = int(seed) if seed is not None else 0
    return TimeseriesDataset(data, targets, positions, int(sequence_length), int(sampling_rate), start,
                             None if batch_size is None else int(batch_size), bool(shuffle), seed)
