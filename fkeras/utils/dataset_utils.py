"""``keras.utils.image_dataset_from_directory`` and ``text_dataset_from_directory``.

Keras returns a ``tf.data.Dataset``; fkeras has no TensorFlow, so these return a
:class:`DirectoryDataset`: a ``keras.utils.PyDataset`` of numpy batches that ``model.fit`` consumes
directly, with the attributes (``class_names``, ``file_paths``) and the ``tf.data`` methods tutorials
use on it (``take``, ``map``, ``shuffle``, ``cache``, ``prefetch``, ``as_numpy_iterator``).
"""
from __future__ import annotations

import math
import os
import random

import numpy as np

from fkeras.backend import config
from fkeras.backend.random_state import draw_seed
from fkeras.utils import image_utils, io_utils
from fkeras.utils.py_dataset import PyDataset

__all__ = ["image_dataset_from_directory", "text_dataset_from_directory", "DirectoryDataset", "index_directory",
           "ArrayDataset", "split_dataset"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


# ---------------------------------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------------------------------

def _walk(directory, formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda t: t[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield os.path.join(root, fname)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True, what="files"):
    """List the files of ``directory`` with their labels.

    Returns ``(file_paths, labels, class_names)``: ``labels`` is an int32 array (or ``None``);
    with ``labels="inferred"`` each sub-folder is a class (sorted names, or ``class_names``' order).
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"The directory {directory!r} does not exist (or is not a directory).")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if not subdirs:
            raise ValueError(f"Found no class sub-folders in {directory!r}. With labels='inferred', put the "
                             f"{what} of each class in their own sub-folder, or pass labels=None.")
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={list(class_names)}")
            subdirs = list(class_names)
        paths, label_list = [], []
        for i, sub in enumerate(subdirs):
            found = list(_walk(os.path.join(directory, sub), formats, follow_links))
            if not found:
                raise ValueError(f"The class folder {os.path.join(directory, sub)!r} contains no {what} with an "
                                 f"allowed extension {formats}.")
            paths += found
            label_list += [i] * len(found)
        labels_out = np.asarray(label_list, dtype="int32")
        class_names = list(subdirs)
    else:
        if class_names is not None:
            raise ValueError("You can only pass `class_names` if `labels='inferred'`. Received: "
                             f"labels={labels!r}, and class_names={class_names}")
        paths = list(_walk(directory, formats, follow_links))
        if labels is None:
            labels_out, class_names = None, None
        else:
            if len(labels) != len(paths):
                raise ValueError("Expected the lengths of `labels` to match the number of files in the target "
                                 f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                                 f"directory {directory}.")
            labels_out = np.asarray(labels, dtype="int32")
            class_names = [str(v) for v in sorted(set(np.asarray(labels).tolist()))]
    if not paths:
        raise ValueError(f"No {what} found in directory {directory!r}. Allowed formats: {formats}")
    if verbose:
        if labels_out is None:
            io_utils.print_msg(f"Found {len(paths)} files.")
        else:
            io_utils.print_msg(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        perm = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in perm]
        if labels_out is not None:
            labels_out = labels_out[perm]
    return paths, labels_out, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def get_training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    cut = len(samples) - num_val
    if subset == "training":
        if verbose:
            io_utils.print_msg(f"Using {cut} files for training.")
        return samples[:cut], (labels[:cut] if labels is not None else None)
    if subset == "validation":
        if verbose:
            io_utils.print_msg(f"Using {num_val} files for validation.")
        return samples[cut:], (labels[cut:] if labels is not None else None)
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


# ---------------------------------------------------------------------------------------------------
# The dataset object
# ---------------------------------------------------------------------------------------------------

class _DatasetMethods:
    """``tf.data``-style conveniences shared by the dataset and its views."""

    def take(self, count):
        """The first ``count`` elements (all if ``count`` is -1)."""
        return _TakeView(self, count)

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        """Apply ``map_func`` to each element (tuples are unpacked into arguments, as in tf.data)."""
        return _MapView(self, map_func)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """Shuffle the order of the elements (batches, for a batched dataset) at every epoch."""
        return _ShuffleView(self, seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None):
        """Group consecutive elements into batches of ``batch_size`` (stacked along a new first axis)."""
        return _BatchView(self, batch_size, drop_remainder)

    def prefetch(self, buffer_size=None):
        return self

    def cache(self, filename=""):
        return self

    def as_numpy_iterator(self):
        return iter(self)

    def cardinality(self):
        return len(self)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()


class DirectoryDataset(_DatasetMethods, PyDataset):
    """Batches of samples loaded from files (returned by ``image_dataset_from_directory`` and
    ``text_dataset_from_directory``). A ``PyDataset``: ``len()``, ``ds[i]``, ``model.fit(ds)``;
    iterating it once walks one epoch. With ``shuffle=True`` the order changes at every epoch."""

    def __init__(self, file_paths, labels, load_fn, collate_fn, label_mode, num_classes, batch_size, shuffle,
                 seed, class_names):
        super().__init__()
        self.file_paths = list(file_paths)
        self._labels = labels
        self._load_fn = load_fn
        self._collate = collate_fn
        self._label_mode = label_mode
        self._num_classes = num_classes
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._seed = (int(seed) if seed is not None else draw_seed()) & 0xFFFFFFFFFFFFFFFF
        self.class_names = class_names
        self._epoch = 0
        self._order = np.arange(len(self.file_paths))

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def on_epoch_end(self):
        self._epoch += 1
        if self._shuffle:
            self._order = np.random.default_rng([self._seed, self._epoch]).permutation(len(self.file_paths))

    def _labels_for(self, idx):
        y = self._labels[idx]
        if self._label_mode == "int":
            return y.astype("int32")
        if self._label_mode == "binary":
            return y.astype("float32")[..., None]
        out = np.zeros(np.shape(y) + (self._num_classes,), dtype="float32")
        if np.ndim(y):
            out[np.arange(len(y)), y] = 1.0
        else:
            out[y] = 1.0
        return out

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"Index {i} out of range for a dataset of {n} elements.")
        if self.batch_size is None:
            idx = self._order[i]
            x = self._load_fn(self.file_paths[idx])
        else:
            idx = self._order[i * self.batch_size:(i + 1) * self.batch_size]
            paths = [self.file_paths[j] for j in idx]
            items = list(image_utils.load_pool().map(self._load_fn, paths)) if len(paths) > 2 else \
                [self._load_fn(p) for p in paths]
            x = self._collate(items)
        if self._labels is None:
            return x
        return x, self._labels_for(idx)


class _View(_DatasetMethods, PyDataset):
    def __init__(self, parent):
        super().__init__()
        self._parent = parent
        self.class_names = getattr(parent, "class_names", None)
        self.file_paths = getattr(parent, "file_paths", None)
        self.batch_size = getattr(parent, "batch_size", None)

    def __len__(self):
        return len(self._parent)

    def __getitem__(self, i):
        return self._parent[i]

    def on_epoch_end(self):
        self._parent.on_epoch_end()


class _TakeView(_View):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._count = len(parent) if count is None or count < 0 else min(int(count), len(parent))

    def __len__(self):
        return self._count

    def __getitem__(self, i):
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(f"Index {i} out of range for a dataset of {self._count} elements.")
        return self._parent[i]


class _MapView(_View):
    def __init__(self, parent, fn):
        super().__init__(parent)
        self._fn = fn

    def __getitem__(self, i):
        item = self._parent[i]
        return self._fn(*item) if isinstance(item, tuple) else self._fn(item)


class _ShuffleView(_View):
    def __init__(self, parent, seed, reshuffle):
        super().__init__(parent)
        self._seed = (int(seed) if seed is not None else draw_seed()) & 0xFFFFFFFFFFFFFFFF
        self._reshuffle = reshuffle
        self._epoch = 0
        self._perm = np.random.default_rng([self._seed, 0]).permutation(len(parent))

    def __getitem__(self, i):
        if i < 0:
            i += len(self)
        return self._parent[int(self._perm[i])]

    def on_epoch_end(self):
        super().on_epoch_end()
        if self._reshuffle:
            self._epoch += 1
        self._perm = np.random.default_rng([self._seed, self._epoch]).permutation(len(self._parent))


class _BatchView(_View):
    def __init__(self, parent, batch_size, drop_remainder):
        super().__init__(parent)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
        self.batch_size = int(batch_size)
        self._drop_remainder = bool(drop_remainder)

    def __len__(self):
        n = len(self._parent)
        return n // self.batch_size if self._drop_remainder else math.ceil(n / self.batch_size)

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"Index {i} out of range for a dataset of {n} batches.")
        stop = min((i + 1) * self.batch_size, len(self._parent))
        return collate([self._parent[j] for j in range(i * self.batch_size, stop)])


def _stack(items):
    return np.stack(items)


def _map_structure(fn, *trees):
    """Apply ``fn`` leaf-wise over matching tuples / lists / dicts (lists come back as tuples)."""
    first = trees[0]
    if isinstance(first, dict):
        return {k: _map_structure(fn, *(t[k] for t in trees)) for k in first}
    if isinstance(first, (tuple, list)):
        return tuple(_map_structure(fn, *parts) for parts in zip(*trees))
    return fn(*trees)


def collate(items, concatenate=False):
    """Stack a list of same-structure samples (or concatenate batches) into one batch."""
    join = np.concatenate if concatenate else np.stack
    return _map_structure(lambda *leaves: join([np.asarray(x) for x in leaves]), *items)


# ---------------------------------------------------------------------------------------------------
# In-memory arrays
# ---------------------------------------------------------------------------------------------------

class ArrayDataset(_DatasetMethods, PyDataset):
    """Samples (or batches) sliced from in-memory arrays: an array, a tuple of arrays (e.g.
    ``(x, y)``) or a dict of arrays, all with the same first dimension. ``batch_size=None`` gives
    one sample per element (``.batch(n)`` groups them); ``model.fit`` reads a batched one directly."""

    def __init__(self, arrays, batch_size=None, shuffle=False, seed=None):
        super().__init__()
        self._arrays = arrays
        sizes = {int(np.shape(a)[0]) for a in _leaves(arrays)}
        if len(sizes) != 1:
            raise ValueError(f"All arrays must have the same number of samples. Received sizes: {sorted(sizes)}")
        self._num_samples = sizes.pop()
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._seed = (int(seed) if seed is not None else draw_seed()) & 0xFFFFFFFFFFFFFFFF
        self._epoch = 0
        self._order = np.arange(self._num_samples)

    @property
    def arrays(self):
        """The underlying arrays (in their original order)."""
        return self._arrays

    def __len__(self):
        if self.batch_size is None:
            return self._num_samples
        return math.ceil(self._num_samples / self.batch_size)

    def on_epoch_end(self):
        self._epoch += 1
        if self._shuffle:
            self._order = np.random.default_rng([self._seed, self._epoch]).permutation(self._num_samples)

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"Index {i} out of range for a dataset of {n} elements.")
        if self.batch_size is None:
            idx = int(self._order[i])
        else:
            idx = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        return _map_structure(lambda a: a[idx], self._arrays)


def _leaves(tree):
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [x for v in tree for x in _leaves(v)]
    return [tree]


# ---------------------------------------------------------------------------------------------------
# split_dataset
# ---------------------------------------------------------------------------------------------------

def _as_array(a, where):
    if isinstance(a, np.ndarray):
        return a
    if hasattr(a, "__array__") and hasattr(a, "shape"):
        return np.asarray(a)
    raise ValueError(f"Expected {where} to be a NumPy array (or an array-like with a shape). Received: {type(a)}")


def _dataset_to_arrays(dataset):
    """``(arrays, batch_size)``: the samples of ``dataset`` as a structure of arrays."""
    if isinstance(dataset, (tuple, list)):
        if len(dataset) == 0:
            raise ValueError("Received an empty list/tuple dataset. Please provide a non-empty tuple of arrays.")
        arrays = tuple(_as_array(a, f"element {i} of the `dataset` {type(dataset).__name__}")
                       for i, a in enumerate(dataset))
        lengths = [a.shape[0] if a.ndim else None for a in arrays]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"Received a {type(dataset).__name__} of arrays with different lengths: "
                             f"{[a.shape for a in arrays]}. Please provide arrays of the same length.")
        return arrays, None
    if isinstance(dataset, dict):
        arrays = {k: _as_array(v, f"`dataset[{k!r}]`") for k, v in dataset.items()}
        if len({a.shape[0] for a in arrays.values()}) != 1:
            raise ValueError("Received a dict of arrays with different lengths: "
                             f"{ {k: a.shape for k, a in arrays.items()} }.")
        return arrays, None
    if isinstance(dataset, np.ndarray) or (hasattr(dataset, "__array__") and hasattr(dataset, "shape")):
        arrays = np.asarray(dataset)
        if arrays.ndim == 0:
            raise ValueError("Received a scalar `dataset`; expected an array of samples.")
        return arrays, None
    if isinstance(dataset, PyDataset) or hasattr(dataset, "__iter__"):
        batch_size = getattr(dataset, "batch_size", None)
        items = list(dataset)
        if not items:
            raise ValueError("Received an empty dataset. Argument `dataset` must hold at least one sample.")
        try:
            return collate(items, concatenate=batch_size is not None), batch_size
        except ValueError as e:
            raise ValueError(f"All `dataset` samples must have the same structure and shape ({e}).") from None
    raise TypeError("The `dataset` argument must be a NumPy array, a list/tuple or dict of arrays of the same "
                    f"length, or a dataset of samples (e.g. a keras.utils.PyDataset). Received: dataset={dataset!r} "
                    f"of type {type(dataset)}")


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_float(x):
    return isinstance(x, (float, np.floating))


def _split_sizes(left_size, right_size, total):
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is not None and not (_is_int(v) or _is_float(v)):
            raise TypeError(f"Invalid `{name}` type. Expected: int or float or None. Received: type({name})={type(v)}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be "
                         "non-zero.")
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if (_is_int(v) and not 0 < v < total) or (_is_float(v) and not 0 < v < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float within "
                             f"the range `[0, 1]`. Received: {name}={v}")
    if _is_float(left_size) and _is_float(right_size) and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total) if _is_float(left_size) else left_size
    right = round(right_size * total) if _is_float(right_size) else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total}. Received: "
                         f"left_size + right_size = {left + right} and total_length = {total}")
    for side, n in (("left", left), ("right", right)):
        if n == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. "
                             f"Resulting {side} side dataset split will be empty. Adjust any of the aforementioned "
                             "parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Split a dataset into a left part and a right part (e.g. train / test).

    Args:
        dataset: a NumPy array, a list/tuple (or dict) of arrays with the same first dimension,
            or a dataset (a ``keras.utils.PyDataset`` such as the ``*_dataset_from_*`` utilities
            return, or any iterable of samples).
        left_size: a float in ``(0, 1)`` (fraction of the samples) or an int (number of
            samples) for the left part; ``None``: the complement of ``right_size``.
        right_size: the same for the right part (``None``: the complement of ``left_size``).
        shuffle: whether to shuffle the samples before splitting.
        seed: the shuffling seed (the same permutation as Keras for the same seed).
        preferred_backend: accepted for Keras compatibility; fkeras always returns the same type.

    Returns:
        ``(left, right)``: two ``ArrayDataset`` objects (``keras.utils.PyDataset``s; Keras
        returns ``tf.data.Dataset``s). Each element is one sample (an array, or a tuple/dict of
        arrays); ``.batch(n)`` batches them, and the splits of a batched dataset come back
        batched with its batch size. ``.arrays`` holds the split arrays.

    Example:

    >>> data = np.random.random(size=(1000, 4))
    >>> left_ds, right_ds = keras.utils.split_dataset(data, left_size=0.8)
    >>> len(left_ds), len(right_ds)
    (800, 200)
    """
    arrays, batch_size = _dataset_to_arrays(dataset)
    total = int(np.shape(_leaves(arrays)[0])[0])
    left, right = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = draw_seed() % 1_000_001
        # Keras seeds Python's `random` and shuffles the list of samples: the same permutation.
        random.Random(seed).shuffle(order)
    order = np.asarray(order, dtype=np.int64)
    left_idx, right_idx = order[:left], order[total - right:]
    left_ds = ArrayDataset(_map_structure(lambda a: a[left_idx], arrays), batch_size=batch_size)
    right_ds = ArrayDataset(_map_structure(lambda a: a[right_idx], arrays), batch_size=batch_size)
    return left_ds, right_ds


# ---------------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------------

def _load_image(path, num_channels, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                data_format):
    img = image_utils.open_image(path)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
    if img.mode != mode:
        img = img.convert(mode)
    x = np.asarray(img, dtype="float32")
    img.close()
    if x.ndim == 2:
        x = x[:, :, None]
    if crop_to_aspect_ratio:
        x = image_utils.smart_resize(x, image_size, interpolation=interpolation, data_format="channels_last")
    elif pad_to_aspect_ratio:
        h, w = x.shape[:2]
        th, tw = image_size
        pad_h = max(0, int(round(w * th / tw)) - h)
        pad_w = max(0, int(round(h * tw / th)) - w)
        x = np.pad(x, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
        x = image_utils.resize_array(x, image_size, interpolation=interpolation)
    else:
        x = image_utils.resize_array(x, image_size, interpolation=interpolation)
    x = np.asarray(x, dtype="float32")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def _dataset_args(labels, label_mode, class_names):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             "number of files in the target directory. If you wish to infer the labels from the "
                             "subdirectory names in the target directory, pass `labels=\"inferred\"`. If you wish "
                             f"to get a dataset that only contains the inputs (no labels), pass `labels=None`. "
                             f"Received: labels={labels!r}")
        if class_names:
            raise ValueError(f"You can only pass `class_names` if `labels=\"inferred\"`. Received: labels={labels!r}, "
                             f"and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode!r}")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _build(paths, labels, load_fn, collate_fn, label_mode, class_names, batch_size, shuffle, seed, validation_split,
           subset, directory, what, verbose):
    num_classes = len(class_names) if class_names else 0
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer or None; received batch_size={batch_size!r}.")

    def make(sub, shuffle_it):
        p, lab = get_training_or_validation_split(paths, labels, validation_split, sub, verbose)
        if not p:
            raise ValueError(f"No {sub or ''} {what} found in directory {directory!r} after the validation split "
                             f"(validation_split={validation_split}).".replace("  ", " "))
        return DirectoryDataset(p, lab, load_fn, collate_fn, label_mode, num_classes, batch_size, shuffle_it,
                                seed, class_names)

    if subset == "both":
        return [make("training", shuffle), make("validation", False)]
    return make(subset, shuffle)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 format="tf", verbose=True):
    """Build a dataset of ``(images, labels)`` batches from ``directory/<class>/*.{jpg,png,bmp,gif}``.

    Images are float32 ``(batch, height, width, channels)`` with values 0-255, resized like
    ``tf.image.resize``. Files are read lazily, batch by batch.

    Args:
        directory: Folder of the data: one sub-folder per class with ``labels="inferred"``,
            otherwise searched recursively for image (``.jpg``, ``.jpeg``, ``.png``, ``.bmp``,
            ``.gif``) files.
        labels: ``"inferred"`` (default: from the sub-folder names, in alphanumeric order), ``None``
            (images only, no labels), or a list/tuple of integer labels, one per file in sorted path
            order.
        label_mode: ``"int"`` (default: int32 ``(batch,)``), ``"categorical"`` (float32 one-hot
            ``(batch, num_classes)``), ``"binary"`` (float32 ``(batch, 1)``, exactly two classes) or
            ``None`` (no labels).
        class_names: With ``labels="inferred"``, the sub-folders to use, in label order. ``None``
            (default) uses all of them.
        color_mode: ``"rgb"`` (default, 3 channels), ``"rgba"`` (4) or ``"grayscale"`` (1).
        batch_size: Number of images per batch. Defaults to ``32``; ``None`` yields single samples.
        image_size: ``(height, width)`` (or one int for a square) every image is resized to.
            Defaults to ``(256, 256)``.
        shuffle: Whether to shuffle the files (and reshuffle every epoch). Defaults to ``True``;
            ``False`` keeps alphanumeric order.
        seed: Optional integer seed for shuffling and the validation split.
        validation_split: Optional float in ``(0, 1)``, the fraction of files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns ``[train, validation]``);
            only with ``validation_split``.
        interpolation: Resizing method: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``,
            ``"area"``, ``"lanczos3"``, ``"lanczos5"``, ``"gaussian"`` or ``"mitchellcubic"``.
        follow_links: Whether to follow symbolic links to sub-folders. Defaults to ``False``.
        crop_to_aspect_ratio: Whether to center-crop each image to the aspect ratio of
            ``image_size`` before resizing, so it is not distorted. Defaults to ``False``.
        pad_to_aspect_ratio: Whether to zero-pad each image (centered) to the aspect ratio of
            ``image_size`` before resizing instead. Defaults to ``False``.
        data_format: ``"channels_last"`` or ``"channels_first"`` layout of the images; ``None``
            (default) uses ``keras.config.image_data_format()``.
        format: Only ``"tf"`` (default) is accepted, for Keras compatibility; the result is always a
            ``PyDataset``.
        verbose: Whether to print how many files and classes were found. Defaults to ``True``.

    Returns:
        A ``keras.utils.PyDataset`` (a ``DirectoryDataset``) yielding ``(images, labels)`` batches
        (``images`` alone when there are no labels), with ``class_names`` and ``file_paths``
        attributes; a list of two for ``subset="both"``.

    Raises:
        ValueError: If an argument is invalid (``label_mode``, ``labels`` with ``class_names``,
            ``validation_split`` without ``subset`` or a ``seed`` when shuffling, ``color_mode``,
            ``image_size``, ``interpolation``, ...), or no file is found.

    Example:

    ```python
    train, val = keras.utils.image_dataset_from_directory(
        "flowers/", image_size=(64, 64), validation_split=0.2, subset="both", seed=1)
    model.fit(train, validation_data=val, epochs=3)
    ```
    """
    labels, label_mode = _dataset_args(labels, label_mode, class_names)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode!r}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    interpolation = interpolation.lower()
    supported = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
    if interpolation not in supported:
        raise ValueError(
            f"Argument `interpolation` should be one of {supported}. Received: interpolation={interpolation}")
    if format != "tf":
        raise ValueError(
            f'fkeras returns a PyDataset; `format` must be "tf" (the default). Received: format={format!r}')
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, ALLOWLIST_FORMATS, class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose, what="images")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    data_format = config.standardize_data_format(data_format)
    size = (int(image_size[0]), int(image_size[1]))

    def load(path):
        return _load_image(path, channels[color_mode], size, interpolation, crop_to_aspect_ratio,
                           pad_to_aspect_ratio, data_format)

    return _build(paths, labels, load, _stack, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                  subset, directory, "images", verbose)


# ---------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------

def _collate_text(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Build a dataset of ``(texts, labels)`` batches from ``directory/<class>/*.txt``.

    Texts come as 1-D object arrays of Python ``str`` (UTF-8 decoded). Files are read lazily, batch
    by batch.

    Args:
        directory: Folder of the data: one sub-folder per class with ``labels="inferred"``,
            otherwise searched recursively for ``.txt`` files.
        labels: ``"inferred"`` (default: from the sub-folder names, in alphanumeric order), ``None``
            (texts only, no labels), or a list/tuple of integer labels, one per file in sorted path
            order.
        label_mode: ``"int"`` (default: int32 ``(batch,)``), ``"categorical"`` (float32 one-hot
            ``(batch, num_classes)``), ``"binary"`` (float32 ``(batch, 1)``, exactly two classes) or
            ``None`` (no labels).
        class_names: With ``labels="inferred"``, the sub-folders to use, in label order. ``None``
            (default) uses all of them.
        batch_size: Number of texts per batch. Defaults to ``32``; ``None`` yields single samples.
        max_length: Optional positive integer; each text is truncated to that many characters.
            ``None`` (default) keeps whole texts.
        shuffle: Whether to shuffle the files (and reshuffle every epoch). Defaults to ``True``;
            ``False`` keeps alphanumeric order.
        seed: Optional integer seed for shuffling and the validation split.
        validation_split: Optional float in ``(0, 1)``, the fraction of files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns ``[train, validation]``);
            only with ``validation_split``.
        follow_links: Whether to follow symbolic links to sub-folders. Defaults to ``False``.
        format: Only ``"tf"`` (default) is accepted, for Keras compatibility; the result is always a
            ``PyDataset``.
        verbose: Whether to print how many files and classes were found. Defaults to ``True``.

    Returns:
        A ``keras.utils.PyDataset`` (a ``DirectoryDataset``) yielding ``(texts, labels)`` batches
        (``texts`` alone when there are no labels), with ``class_names`` and ``file_paths``
        attributes; a list of two for ``subset="both"``.

    Raises:
        ValueError: If an argument is invalid (``label_mode``, ``labels`` with ``class_names``,
            ``validation_split`` without ``subset`` or a ``seed`` when shuffling, ...), or no file
            is found.

    Example:

    ```python
    train = keras.utils.text_dataset_from_directory("aclImdb/train", batch_size=32, seed=1)
    for texts, labels in train.take(1):
        print(texts[0], labels[0])
    ```
    """
    labels, label_mode = _dataset_args(labels, label_mode, class_names)
    if max_length is not None and (not isinstance(max_length, (int, np.integer)) or max_length <= 0):
        raise ValueError(f"`max_length` must be a positive integer or None; received max_length={max_length!r}.")
    if format != "tf":
        raise ValueError(
            f'fkeras returns a PyDataset; `format` must be "tf" (the default). Received: format={format!r}')
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, (".txt",), class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose, what="text files")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")

    def load(path):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return text[:max_length] if max_length is not None else text

    return _build(paths, labels, load, _collate_text, label_mode, class_names, batch_size, shuffle, seed,
                  validation_split, subset, directory, "text files", verbose)
