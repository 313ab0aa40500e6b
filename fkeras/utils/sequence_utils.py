"""``pad_sequences`` (``keras.utils.pad_sequences`` = ``keras.preprocessing.sequence.pad_sequences``)."""
from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or truncate) a list of sequences to one common length, giving one numpy array.

    Sequences shorter than ``maxlen`` are filled with ``value``; longer ones are cut. Elements may
    themselves be arrays of one common shape, which becomes the trailing shape of the result.

    Args:
        sequences: List of sequences (lists or arrays), possibly of different lengths.
        maxlen: Positive length of the output sequences; ``None`` (default) uses the longest
            sequence.
        dtype: Dtype of the result. Defaults to ``"int32"``; use ``object`` (or a string dtype) for
            sequences of strings.
        padding: ``"pre"`` (default) pads at the start of each sequence, ``"post"`` at the end.
        truncating: ``"pre"`` (default) drops values from the start of sequences longer than
            ``maxlen``, ``"post"`` from the end.
        value: Padding value. Defaults to ``0.0``.

    Returns:
        A numpy array of shape ``(len(sequences), maxlen) + element_shape``.

    Raises:
        ValueError: If ``padding`` or ``truncating`` is not ``"pre"``/``"post"``, ``maxlen`` is not
            a positive integer, an element is not a sequence, or element shapes differ.

    Example:

    >>> keras.utils.pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'`padding` must be "pre" or "post"; received padding={padding!r}.')
    if truncating not in ("pre", "post"):
        raise ValueError(f'`truncating` must be "pre" or "post"; received truncating={truncating!r}.')
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen <= 0):
        raise ValueError(f"`maxlen` must be a positive integer or None; received maxlen={maxlen!r}.")
    lengths, sample_shape, flag = [], (), True
    for s in sequences:
        try:
            lengths.append(len(s))
            if flag and len(s):
                sample_shape = np.asarray(s).shape[1:]
                flag = False
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {s!r}") from e
    n = len(sequences)
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.object_)
    if isinstance(value, str) and not is_str:  # (an object dtype counts as is_str)
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type {type(value)}; use dtype=object.")
    x = np.full((n, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} differs from "
                             f"expected shape {sample_shape}.")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x
