"""Helpers shared by the dataset loaders: a pickle-safe ``.npz`` reader and sequence filtering."""
from __future__ import annotations

import io
import pickle
import warnings
import zipfile

import numpy as np

# The IMDB/Reuters ``.npz`` files hold ragged sequences as ``dtype=object`` arrays (a pickle stream
# inside the ``.npy`` member), and CIFAR's python tarball holds pickled dicts of numpy arrays. Both
# come from a hash-verified download (Keras reads the same files with pickle). We still never run a
# general unpickler on them: only the globals numpy needs to rebuild arrays are allowed, so a
# tampered file cannot execute code through a ``__reduce__`` gadget.
_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 rebuild `bytes` (a pure function)
})


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles plain Python containers and numpy arrays, nothing else."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # numpy.core -> numpy._core shim
                return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a dataset file: only numpy arrays are allowed. "
            "The file may be corrupted or malicious; delete it and download it again.")


def restricted_load(fileobj, encoding="ASCII"):
    return RestrictedUnpickler(fileobj, encoding=encoding).load()


def _read_npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array: skip the header, then unpickle the payload restrictedly
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        if major == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported .npy format version {major}.") from None
        return restricted_load(fp, encoding="latin1")


def load_npz(path):
    """Read an ``.npz`` archive into a dict of arrays without allowing arbitrary unpickling."""
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as raw:
                    out[info.filename[:-4]] = _read_npy(io.BytesIO(raw.read()))
    except zipfile.BadZipFile as e:
        raise ValueError(f"{path} is not a valid .npz file ({e}); delete it and download it again.") from e
    return out


def require_keys(arrays, keys, path):
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(f"{path} lacks the arrays {missing} (found {sorted(arrays)}); "
                         "delete it and download it again.")


def remove_long_seq(maxlen, seq, label):
    """Keep the sequences shorter than ``maxlen`` (and their labels)."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def encode_sequences(xs, start_char, index_from):
    """Keras's IMDB/Reuters re-indexing: start marker, ``index_from`` offset, rare words -> ``oov_char``."""
    if start_char is not None:
        xs = [[start_char] + [int(w) + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[int(w) + index_from for w in x] for x in xs]
    else:
        xs = [[int(w) for w in x] for x in xs]
    return xs


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max((max(x) for x in xs if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(list_of_lists):
    """A 1-D ``dtype=object`` array whose items are the given lists (even when all lengths match)."""
    out = np.empty(len(list_of_lists), dtype=object)
    for i, x in enumerate(list_of_lists):
        out[i] = x
    return out
