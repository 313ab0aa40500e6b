"""Adapters: what users pass to fit/evaluate/predict, as data of a fixed batch size (DESIGN §3.1).

``ArrayData`` holds in-memory arrays (numpy, or anything with ``__array__``; lists and dicts of
them); ``IterableData`` reads generators, ``PyDataset``s and any iterable of numpy batches (a
``tf.data`` iterator, a torch ``DataLoader``, grain), padding each batch to the first one's size.
``feeding.EpochIterator`` turns either into what the jitted step reads.
"""
from __future__ import annotations

import warnings

import jax
import numpy as np

from fkeras.engine.symbolic import is_string_array
from fkeras.utils.py_dataset import PyDataset


def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements."
    )


def _leaves(tree):
    return jax.tree_util.tree_leaves(tree)


def _as_array(a, what):
    if isinstance(a, jax.Array):
        return a
    if hasattr(a, "numpy") and not isinstance(a, np.ndarray) and callable(a.numpy):
        a = a.numpy()  # e.g. a tf/torch tensor
    arr = np.asarray(a)
    if is_string_array(arr):
        return arr  # strings stay on the host (a model's string layers read them)
    if arr.dtype == object:
        raise ValueError(
            f"Could not convert {what} to a numeric array: found dtype=object (ragged or mixed data). "
            "Pad sequences to a common length (keras.utils.pad_sequences) and pass numeric arrays."
        )
    if arr.dtype.kind not in "biufc":
        raise ValueError(f"{what} has non-numeric dtype {arr.dtype}; expected numbers.")
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype == np.int64 and not jax.config.jax_enable_x64:
        arr = arr.astype(np.int32)
    return arr


def standardize_arrays(tree, what):
    if tree is None:
        return None
    check_numeric_non_inputs(tree, what)
    return jax.tree_util.tree_map(lambda a: _as_array(a, what), tree)


def check_numeric_non_inputs(tree, what):
    """``y`` and ``sample_weight`` hold numbers (only ``x`` may hold text, which a model's string
    layers read on the host): text gets a message naming the argument and how to encode it, here
    on the host, before any of it reaches a device (e.g. string labels in ``validation_data``)."""
    if what == "x":
        return
    for a in _leaves(tree):
        if not is_string_array(a if isinstance(a, np.ndarray) else None):
            continue
        if what == "y":
            from fkeras.trainers.data_checks import _check_numeric_targets

            _check_numeric_targets(a)  # raises, saying how to encode labels
        sample = ", ".join(repr(v) for v in a.ravel()[:3].tolist())
        raise ValueError(f"`{what}` holds strings (dtype {a.dtype}, e.g. {sample}); it must hold numbers "
                         "(one weight per sample).")


def is_array_data(x):
    leaves = _leaves(x)
    return bool(leaves) and all(isinstance(l, (np.ndarray, jax.Array)) or hasattr(l, "__array__") and
                                hasattr(l, "shape") and not hasattr(l, "__next__") for l in leaves)


def num_samples(tree):
    sizes = {int(np.shape(l)[0]) for l in _leaves(tree) if np.ndim(l) > 0}
    return sizes


def _named_leaves(tree, name):
    """``[(name, leaf)]`` with paths such as ``x[0]`` or ``y['out']`` for nested inputs."""
    if tree is None:
        return []
    flat = jax.tree_util.tree_flatten_with_path(tree)[0]
    return [(name + jax.tree_util.keystr(path), leaf) for path, leaf in flat]


def check_cardinality(x, y=None, sample_weight=None):
    """Every array has the same number of samples, or a ValueError naming each one's size."""
    named = [(n, l) for tree, name in ((x, "x"), (y, "y"), (sample_weight, "sample_weight"))
             for n, l in _named_leaves(tree, name) if np.ndim(l) > 0]
    sizes = {int(np.shape(l)[0]) for _, l in named}
    if len(sizes) > 1:
        listing = ", ".join(f"'{n}' has {int(np.shape(l)[0])}" for n, l in named)
        raise ValueError("Data cardinality is ambiguous: make sure all arrays contain the same number of samples. "
                         f"{listing} samples.")


def check_batched_leaves(x, y=None, sample_weight=None):
    """Every array of in-memory data has a first (batch) dimension: a Python list of numbers or
    strings (``y=[0, 1, 1]``), read as a structure of scalars, gets a message saying to pass an
    array, rather than an indexing error from the first batch."""
    for tree, name in ((x, "x"), (y, "y"), (sample_weight, "sample_weight")):
        named = _named_leaves(tree, name)
        scalars = [(n, l) for n, l in named if np.ndim(l) == 0]
        if not scalars:
            continue
        if isinstance(tree, (list, tuple)) and len(scalars) == len(named):
            kinds = "strings" if all(isinstance(l, (str, bytes)) for _, l in scalars) else "numbers"
            parts = " (one per input)" if name == "x" else " (one per output)" if name == "y" else ""
            raise ValueError(
                f"`{name}` is a Python {type(tree).__name__} of {kinds} ({len(tree)} entries), which fkeras (like "
                f"Keras) reads as a structure of arrays{parts}, not as one array. Pass an array instead, e.g. "
                f"`{name}=np.asarray({name})`" + (" (and encode string labels as integers)." if kinds == "strings"
                                                   and name == "y" else "."))
        n, leaf = scalars[0]
        raise ValueError(f"`{n}` is a single value ({leaf!r}), not an array with one entry per sample: every "
                         "array passed as data needs a first (batch) dimension.")


def check_batch_size(batch_size, what="batch_size"):
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`{what}` must be a positive integer or None; received {what}={batch_size!r}.")


def check_host_memory(tree):
    """Arrays that standardization must convert (float64 -> float32, lists, tensors) are copied on
    the host: refuse, naming the sizes, when the copies cannot fit in the memory available."""
    from fkeras.trainers.feeding import host_available_bytes

    need = 0
    for leaf in _leaves(tree):
        if isinstance(leaf, np.ndarray) and leaf.dtype not in (np.float64, np.int64):
            continue
        if isinstance(leaf, jax.Array):
            continue
        shape = np.shape(leaf)
        itemsize = 4 if getattr(leaf, "dtype", None) in (np.float64, np.int64) else 8
        need += int(np.prod(shape, dtype=np.int64)) * itemsize
    if need < (256 << 20):
        return
    avail = host_available_bytes()
    if avail is not None and need > avail:
        raise MemoryError(
            f"The input arrays need {need / 2**30:.1f} GiB of host memory to convert to float32/int32, but only "
            f"{avail / 2**30:.1f} GiB is available. Pass float32 (or integer) numpy arrays, a generator or a "
            "keras.utils.PyDataset instead.")


def train_validation_split(arrays, validation_split):
    """Keras's split: the last ``validation_split`` fraction of the samples, before shuffling."""
    n = next(iter(num_samples(arrays)))
    split_at = int(np.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by `validation_split={validation_split}`."
        )

    def take(lo, hi):
        return jax.tree_util.tree_map(lambda a: a[lo:hi] if a is not None else None, arrays)

    return take(0, split_at), take(split_at, n)


def class_weight_to_sample_weight(y, class_weight, sample_weight):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        cls = np.argmax(y, axis=1)
    else:
        cls = y.reshape(y.shape[0]).astype(np.int64)
    max_cls = int(cls.max()) if cls.size else 0
    table = np.ones(max(max_cls + 1, max(class_weight) + 1), dtype=np.float32)
    for k, v in class_weight.items():
        table[int(k)] = v
    sw = table[cls]
    if sample_weight is not None:
        sw = sw * np.asarray(sample_weight, dtype=np.float32).reshape(sw.shape[0], -1).squeeze(-1)
    return sw


class ArrayData:
    """In-memory arrays: batches of ``batch_size``, the last one padded and masked."""

    kind = "arrays"

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None,
                 class_weight=None):
        check_batched_leaves(x, y, sample_weight)
        check_cardinality(x, y, sample_weight)  # before any conversion copies the data
        check_batch_size(batch_size)
        check_host_memory((x, y, sample_weight))
        self.x = standardize_arrays(x, "x")
        self.y = standardize_arrays(y, "y")
        if class_weight is not None:
            if self.y is None:
                raise ValueError("`class_weight` requires targets `y`.")
            if len(_leaves(self.y)) != 1:
                raise ValueError("`class_weight` is only supported for models with a single output.")
            sample_weight = class_weight_to_sample_weight(_leaves(self.y)[0], class_weight, sample_weight)
        self.sample_weight = standardize_arrays(sample_weight, "sample_weight")
        check_cardinality(self.x, self.y, self.sample_weight)
        sizes = num_samples((self.x, self.y, self.sample_weight))
        self.n = sizes.pop() if sizes else 0
        if self.n == 0:
            raise ValueError("Expected input data to be non-empty.")
        self.batch_size = 32 if batch_size is None else int(batch_size)
        self.batch_size = min(self.batch_size, self.n) if steps is None else self.batch_size
        self.shuffle = shuffle
        full_steps = -(-self.n // self.batch_size)
        self._steps_from_data = steps is None
        self.steps = full_steps if steps is None else int(steps)
        self.rows = None  # (lo, hi): this process's part of every batch (several processes only)
        self._encoded = False

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass

    def encode_inputs(self, encode):
        """Replace ``x`` by ``encode(x)``: a model's host part (the layers that read strings) runs
        once over all the samples, so every epoch feeds numeric arrays to the jitted step (and a
        ``TextVectorization`` without ``output_sequence_length`` pads to the longest text of the
        whole data rather than of each batch: one compiled program for every batch)."""
        if self._encoded:
            return
        self.x = standardize_arrays(encode(self.x), "x")
        self._encoded = True
        check_cardinality(self.x, self.y, self.sample_weight)

    def check_inputs(self, check):
        """Run ``check(x)`` (e.g. a model without string inputs refusing strings)."""
        check(self.x)

    def fit_batch_to(self, multiple):
        """Round a batch size that was clipped to the number of samples up to a ``multiple`` (the
        replicas of a data axis); the extra rows are padding, masked out. True when it applied."""
        if self.batch_size % multiple == 0 or not (self._steps_from_data and self.batch_size == self.n):
            return False
        self.batch_size = -(-self.batch_size // multiple) * multiple
        self.steps = -(-self.n // self.batch_size)
        return True

    def limit_steps(self, cap):
        """Shorten every epoch to at most ``cap`` full batches (``keras.config.set_max_steps_per_epoch``);
        True when it applied."""
        if self.steps <= cap:
            return False
        self.steps, self._steps_from_data = cap, False  # cap full batches: no padded tail
        return True

    @property
    def has_padding(self):
        """True when an epoch ends with a partial batch (padded to the fixed batch size)."""
        return self._steps_from_data and self.n % self.batch_size != 0

    def numeric(self):
        return all(getattr(l, "dtype", np.dtype("float32")).kind in "biuf"
                   for l in _leaves((self.x, self.y, self.sample_weight)))

    def _order(self, rng):
        if self.shuffle == "batch":
            nb = -(-self.n // self.batch_size)
            perm = rng.permutation(nb)
            idx = np.concatenate([np.arange(b * self.batch_size, min((b + 1) * self.batch_size, self.n))
                                  for b in perm])
        elif self.shuffle:
            idx = rng.permutation(self.n)
        else:
            idx = np.arange(self.n)
        return idx

    def epoch_indices(self, rng):
        """``(idx, mask)`` for one epoch: ``steps * batch_size`` rows, padding rows masked out."""
        total = self.steps * self.batch_size
        idx = self._order(rng)
        needed = min(total, self.n) if self._steps_from_data else total
        reps = -(-needed // self.n)
        if reps > 1:  # steps_per_epoch asks for more than the data: keep cycling (reshuffled)
            idx = np.concatenate([idx] + [self._order(rng) for _ in range(reps - 1)])
        idx = idx[:needed]
        mask = np.zeros(total, dtype=np.float32)
        mask[:len(idx)] = 1.0
        idx = np.concatenate([idx, np.zeros(total - len(idx), dtype=idx.dtype)])
        return idx.astype(np.int64), mask

    def first_batch(self):
        bs = min(self.batch_size, self.n)
        take = lambda a: None if a is None else a[:bs]  # noqa: E731
        return (jax.tree_util.tree_map(take, self.x), jax.tree_util.tree_map(take, self.y),
                jax.tree_util.tree_map(take, self.sample_weight))


def _pad_batch(batch, batch_size):
    """Pad every array of ``(x, y, sw)`` to ``batch_size`` rows; return the batch and a 0/1 mask."""
    x, y, sw = batch
    n = next(iter(num_samples(x)))
    mask = np.ones(batch_size, dtype=np.float32)
    if n == batch_size:
        return (x, y, sw), mask
    if n > batch_size:
        return (x, y, sw), np.ones(n, dtype=np.float32)
    mask[n:] = 0.0

    def pad(a):
        if a is None:
            return None
        a = np.asarray(a)
        widths = [(0, batch_size - n)] + [(0, 0)] * (a.ndim - 1)
        return np.pad(a, widths)

    return jax.tree_util.tree_map(pad, (x, y, sw)), mask


_warned_processes = False


def _parallel_items(dataset, indices, workers, queue_size):
    """``dataset[i] for i in indices``, in that order, fetched by ``workers`` threads at most
    ``queue_size`` ahead.

    ``use_multiprocessing=True`` is served by threads as well: JAX does not support forking a
    process that has initialized it, and numpy/PIL/IO-bound ``__getitem__``s release the GIL.
    """
    global _warned_processes
    import concurrent.futures as cf

    if getattr(dataset, "use_multiprocessing", False) and not _warned_processes:
        _warned_processes = True
        warnings.warn("PyDataset(use_multiprocessing=True): fkeras reads batches with worker threads "
                      "(forking a process that runs JAX is unsafe).", stacklevel=4)
    ahead = max(workers, queue_size)
    n = len(indices)
    with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fkeras-pydataset") as pool:
        futures = {}
        for i in range(min(ahead, n)):
            futures[i] = pool.submit(dataset.__getitem__, indices[i])
        for i in range(n):
            item = futures.pop(i).result()
            nxt = i + ahead
            if nxt < n:
                futures[nxt] = pool.submit(dataset.__getitem__, indices[nxt])
            yield item


class IterableData:
    """Generators, ``PyDataset``s and any iterable of batches."""

    kind = "iterable"

    def __init__(self, data, steps=None, class_weight=None, shuffle=False):
        self.data = data
        self.class_weight = class_weight
        self.is_pydataset = isinstance(data, PyDataset) or (
            hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (list, tuple, dict)))
        # Keras shuffles the order of a PyDataset's batches every epoch (not the rows inside one).
        self.shuffle = bool(shuffle) and self.is_pydataset
        if isinstance(data, PyDataset):
            data._ensure_init()
        self.steps = steps
        if self.steps is None and self.is_pydataset:
            self.steps = len(data)
        self._iterator = None
        self._first = None
        self.batch_size = None
        self.exhausted = False
        self._encode_x = None  # a model's host part, run on each batch's x (see encode_inputs)
        self._check_x = None
        self._check_y = None  # a check of every batch's targets (see check_targets)

    def encode_inputs(self, encode):
        """Run ``encode`` (a model's host part: the layers that read strings) on every batch's
        ``x``, on the host, before the batch is padded and sent to the device."""
        self._encode_x = encode

    def check_inputs(self, check):
        """Run ``check`` on the first batch's ``x`` (e.g. a model without string inputs refusing
        strings)."""
        self._check_x = check

    def check_targets(self, check):
        """Run ``check`` on every batch's (standardized) ``y`` as it is read, on the host (e.g. sparse
        labels outside the model's classes): batches after the first are only seen then."""
        self._check_y = check

    def _batches_once(self, rng=None):
        if self.is_pydataset:
            n = len(self.data)
            indices = rng.permutation(n).tolist() if self.shuffle and rng is not None else range(n)
            workers = int(getattr(self.data, "workers", 1) or 1) if isinstance(self.data, PyDataset) else 1
            if workers <= 1:
                for i in indices:
                    yield self.data[i]
                return
            yield from _parallel_items(self.data, indices, workers,
                                       int(getattr(self.data, "max_queue_size", 10) or 10))
            return
        if self._iterator is None:
            self._iterator = iter(self.data)
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        # A plain loop, not `yield from`: closing this per-epoch generator must not close the
        # user's generator, which the next epoch keeps reading.
        for item in self._iterator:
            yield item

    def on_epoch_begin(self):
        if self.is_pydataset and hasattr(self.data, "on_epoch_begin"):
            self.data.on_epoch_begin()

    def on_epoch_end(self):
        if self.is_pydataset and hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def peek(self):
        if self.is_pydataset:
            return self.data[0]
        if self._first is None:
            if self._iterator is None:
                self._iterator = iter(self.data)
            try:
                self._first = next(self._iterator)
            except StopIteration:
                raise ValueError("The data iterator / generator yielded no batches.") from None
        return self._first

    def first_batch(self):
        batch = unpack_x_y_sample_weight(self.peek())
        if self._check_x is not None:
            self._check_x(batch[0])
        if self.shuffle and self.batch_size is None:  # batch 0 sets the size, not a partial last one
            self.batch_size = next(iter(num_samples(standardize_arrays(batch[0], "x"))))
        if self._encode_x is not None:
            batch = (self._encode_x(standardize_arrays(batch[0], "x")),) + tuple(batch[1:])
        return batch

    def limit_steps(self, cap):
        """Stop every epoch after at most ``cap`` batches; True when it applied."""
        if self.steps is not None and self.steps <= cap:
            return False
        self.steps = cap
        return True

    def epoch_batches(self, steps=None, rng=None):
        """Yield padded ``((x, y, sw), mask)`` host batches for one epoch; a shuffled PyDataset
        reads its batches in an order drawn from ``rng`` (a fresh one per pass)."""
        steps = steps if steps is not None else self.steps
        if self.shuffle and self.batch_size is None:
            self.first_batch()
        src = self._batches_once(rng)
        count = 0
        while steps is None or count < steps:
            try:
                item = next(src)
            except StopIteration:
                if self.is_pydataset and steps is not None and count < steps:
                    src = self._batches_once(rng)  # a PyDataset can be read again
                    continue
                if steps is not None and count < steps:
                    self.exhausted = True
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that your dataset or "
                        f"generator can generate at least `steps_per_epoch * epochs` batches ({steps} per "
                        f"epoch here, got {count}).", stacklevel=4)
                break
            x, y, sw = unpack_x_y_sample_weight(item)
            x = standardize_arrays(x, "x")
            if self._encode_x is not None:
                x = self._encode_x(x)
            y = standardize_arrays(y, "y")
            if self._check_y is not None and y is not None:
                self._check_y(y)
            if self.class_weight is not None and y is not None:
                sw = class_weight_to_sample_weight(_leaves(y)[0], self.class_weight, sw)
            sw = standardize_arrays(sw, "sample_weight")
            if self.batch_size is None:
                self.batch_size = next(iter(num_samples(x)))
            yield _pad_batch((x, y, sw), self.batch_size)
            count += 1
        if not self.is_pydataset and hasattr(self.data, "__iter__") and not hasattr(self.data, "__next__"):
            self._iterator = None  # a re-iterable (list, DataLoader, tf.data) starts over next epoch


def make_put(distribution=None, batch_axis=0):
    """A function moving an item's arrays to the device(s): sharded along ``batch_axis`` under a
    distribution. Python ints in ``(arrays, n)`` items (a chunk's step count) stay on the host."""

    multi_process = distribution is not None and jax.process_count() > 1

    def put_arrays(tree):
        if distribution is None:
            return jax.device_put(tree)

        def put(a):
            a = np.asarray(a) if not isinstance(a, jax.Array) else a
            sharding = (distribution.replicated() if a.ndim <= batch_axis
                        else distribution.batch_sharding(a.ndim, batch_axis))
            if multi_process:
                # Each process holds only its own rows of the batch (see `process_rows`): the
                # global array is assembled from every process's part.
                return jax.make_array_from_process_local_data(sharding, a)
            return jax.device_put(a, sharding)

        return jax.tree_util.tree_map(put, tree)

    def put_item(item):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], int):
            return put_arrays(item[0]), item[1]
        return put_arrays(item)

    return put_item


def process_rows(distribution, batch_size):
    """``(lo, hi)``: the rows of every global batch that this process feeds, or None when one
    process feeds them all.

    Under several processes (``keras.distribution.initialize``) each process gathers and
    transfers only the rows that land on its own devices."""
    if distribution is None or jax.process_count() == 1:
        return None
    indices = distribution.batch_sharding(1).addressable_devices_indices_map((batch_size,))
    spans = sorted({sl[0].indices(batch_size)[:2] for sl in indices.values()})
    lo, hi = spans[0][0], spans[-1][1]
    if sum(b - a for a, b in spans) != hi - lo:
        raise ValueError(f"Process {jax.process_index()}'s devices hold rows {spans} of each batch, which are "
                         "not one contiguous block; order the mesh's devices by process.")
    return lo, hi


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None, class_weight=None):
    """Pick the adapter for ``x`` (plus targets and weights)."""
    if x is None:
        raise ValueError("Expected `x` to be data (arrays, a generator, a PyDataset or an iterable); got None.")
    if isinstance(x, PyDataset) or _is_iterator_like(x):
        if y is not None:
            raise ValueError(
                "`y` argument is not supported when using a generator, PyDataset or iterable as input: "
                "it should yield (x, y) batches."
            )
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a generator or PyDataset.")
        return IterableData(x, steps=steps, class_weight=class_weight, shuffle=shuffle)
    if batch_size is None:
        batch_size = 32
    return ArrayData(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, steps=steps,
                     class_weight=class_weight)


def _is_iterator_like(x):
    if isinstance(x, (np.ndarray, jax.Array, dict, list, tuple, str, bytes)):
        return False
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")
