"""Shared helpers for the preprocessing layers (host/device input handling, encodings)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.engine.symbolic import KerasTensor
from fkeras.utils import naming


def is_tracer(x):
    return isinstance(x, jax.core.Tracer)


def is_symbolic(x):
    return isinstance(x, KerasTensor)


def to_host(x, dtype=None):
    """A numpy array from numpy/jax arrays, lists, tuples, scalars or objects with ``__array__``."""
    if is_tracer(x):
        raise TypeError(
            "This preprocessing layer works on concrete host data (numpy arrays or lists); it "
            "cannot run on traced values inside `jax.jit`. Apply it in the data pipeline, before "
            "the model."
        )
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray) and not isinstance(x, jax.Array):
        x = x.numpy()  # tf / torch tensors, by duck typing
    arr = np.asarray(x)
    if dtype is not None:
        arr = arr.astype(dtype)
    return arr


def is_string_array(arr):
    return arr.dtype.kind in "USO"


def decode_strings(arr, encoding="utf-8"):
    """Object/bytes/str numpy arrays -> a numpy array of Python ``str`` (dtype object)."""
    flat = arr.reshape(-1)
    out = np.empty(flat.shape, dtype=object)
    for i, v in enumerate(flat):
        out[i] = v.decode(encoding) if isinstance(v, bytes) else str(v)
    return out.reshape(arr.shape)


def check_choice(value, options, arg, layer_name):
    """Raise ``unknown_identifier_error`` (with a "did you mean" hint) for an invalid string arg."""
    if value not in options:
        if isinstance(value, str):
            raise naming.unknown_identifier_error(f"{layer_name} `{arg}`", value, list(options))
        raise ValueError(
            f"{layer_name}: invalid value for argument `{arg}`. Expected one of {tuple(options)}. "
            f"Received: {arg}={value!r}"
        )


def encode_categorical(indices, output_mode, depth, dtype="float32", count_weights=None, xp=jnp):
    """Keras's ``encode_categorical_inputs``: int | one_hot | multi_hot | count.

    ``multi_hot`` and ``count`` reduce axis 1 (rank > 1) or axis 0 (rank 1); ``one_hot`` drops a
    trailing axis of size 1. Out-of-range indices encode to all zeros.
    """
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
        indices = indices.reshape(indices.shape[:-1])
    oh = (indices[..., None] == xp.arange(depth)).astype(
        count_weights.dtype if count_weights is not None else dtype)
    if output_mode == "one_hot":
        return oh
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return oh.max(axis=axis)
    if count_weights is not None:
        oh = oh * count_weights[..., None]
    return oh.sum(axis=axis)


def categorical_output_shape(input_shape, output_mode, depth):
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if len(input_shape) == 0:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)
