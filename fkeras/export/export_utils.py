"""Helpers of ``fkeras.export``: input signatures, symbolic (polymorphic) shapes, atomic folders."""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import string
import tempfile

import jax
import numpy as np

from fkeras.engine.layer import InputSpec
from fkeras.engine.symbolic import KerasTensor


def get_input_signature(model):
    """The default input signature of ``model.export``: one entry per positional argument.

    Functional and Sequential models give their ``Input`` tensors' shapes and dtypes; a
    subclassed model gives the shapes it was first called (built) with. The batch axis is
    always left unknown (``None``), so the export works for any batch size.

    Args:
        model: A built ``keras.Model``.

    Returns:
        A list with one structure of ``keras.InputSpec`` per positional argument of the model.
    """
    from fkeras.saving.kinds import Functional, Model, Sequential  # models sit above export: compare by kind

    if not isinstance(model, Model):
        raise TypeError(f"The model must be a `keras.Model`. Received: model={model!r} of type {type(model)}")
    if not model.built:
        raise ValueError("The model provided has not yet been built. It must be built (called on data, or "
                         "`model.build(input_shape)`) before export, or pass `input_signature`.")
    if isinstance(model, (Functional, Sequential)) or model.__dict__.get("_functional_graph") is not None:
        struct = model.input
        if struct is None:
            raise ValueError(f"Model {model.name!r} has no known input shape; pass `input_signature`.")
        return [jax.tree_util.tree_map(_spec_from_tensor, struct, is_leaf=_is_leaf)]
    shapes = model._build_shapes
    if shapes is None:
        raise ValueError("The model provided has never been called. It must be called at least once before "
                         "export, or pass `input_signature`.")
    return [_specs_from_shapes(shapes, model.input_dtype)]


def _specs_from_shapes(shapes, dtype):
    if isinstance(shapes, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return InputSpec(shape=(None,) + tuple(shapes)[1:], dtype=dtype)
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_specs_from_shapes(s, dtype) for s in shapes)
    raise ValueError(f"Cannot make an input signature from the recorded input shape {shapes!r}; pass "
                     "`input_signature`.")


def _spec_from_tensor(x):
    return InputSpec(shape=(None,) + tuple(x.shape)[1:], dtype=x.dtype)


def _is_tf_tensor_spec(x):
    return type(x).__name__ == "TensorSpec" and hasattr(x, "shape") and hasattr(x, "dtype")


def _is_leaf(x):
    return isinstance(x, (InputSpec, KerasTensor, jax.ShapeDtypeStruct, jax.Array, np.ndarray)) \
        or _is_tf_tensor_spec(x)


def standardize_signature(input_signature):
    """``input_signature`` as a tuple (one entry per positional argument) of structures whose leaves
    are ``(shape, dtype)`` pairs; ``None`` marks an unknown dimension.

    Leaves may be ``keras.InputSpec`` (shape and dtype required), ``KerasTensor``, arrays and
    ``tf.TensorSpec`` (whose batch axis becomes unknown, as in Keras), or
    ``jax.ShapeDtypeStruct`` (kept as given, symbolic dimensions included).
    """
    if input_signature is None:
        raise ValueError("`input_signature` is required: the shapes and dtypes of the endpoint's arguments, e.g. "
                         "input_signature=[keras.InputSpec(shape=(None, 3), dtype='float32')].")
    if _is_leaf(input_signature) or isinstance(input_signature, dict):
        input_signature = [input_signature]
    if not isinstance(input_signature, (list, tuple)):
        raise TypeError("`input_signature` must be a list with one entry per positional argument of the function. "
                        f"Received: {input_signature!r}")

    def leaf(x):
        if isinstance(x, InputSpec):
            if x.shape is None or x.dtype is None:
                raise ValueError(f"An InputSpec in `input_signature` needs both `shape` and `dtype`. Received: "
                                 f"shape={x.shape}, dtype={x.dtype}")
            return _Leaf(tuple(x.shape), np.dtype(x.dtype).name)
        if isinstance(x, jax.ShapeDtypeStruct):
            return _Leaf(tuple(x.shape), np.dtype(x.dtype).name)
        if isinstance(x, (KerasTensor, jax.Array, np.ndarray)):
            return _Leaf((None,) + tuple(x.shape)[1:] if len(x.shape) else (), np.dtype(x.dtype).name)
        if _is_tf_tensor_spec(x):
            dims = x.shape.as_list() if hasattr(x.shape, "as_list") else list(x.shape)
            return _Leaf(tuple(dims), x.dtype.name)
        raise TypeError(f"Unsupported entry {x!r} of type {type(x).__name__} in `input_signature`. Supported: "
                        "keras.InputSpec, KerasTensor, jax.ShapeDtypeStruct, arrays and tf.TensorSpec.")

    return tuple(jax.tree_util.tree_map(leaf, entry, is_leaf=_is_leaf) for entry in input_signature)


class _Leaf:
    """One argument array of an endpoint: a shape (``None`` = unknown) and a dtype name."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype

    def __repr__(self):
        return f"Spec(shape={self.shape}, dtype={self.dtype})"


def _dim_names():
    return itertools.chain(string.ascii_lowercase, ("".join(p) for p in itertools.product(string.ascii_lowercase,
                                                                                           repeat=2)))


def polymorphic_strings(signature):
    """The jax2tf / jax.export shape strings of a standardized signature: unknown batch axes share
    the symbol ``batch``, every other unknown axis gets its own (``a``, ``b``, ...)."""
    names = _dim_names()

    def leaf(s):
        dims = []
        for i, d in enumerate(s.shape):
            if d is None:
                dims.append("batch" if i == 0 else next(names))
            else:
                dims.append(str(d))  # a size, or a symbolic dimension's expression
        return "(" + ", ".join(dims) + ")"

    return jax.tree_util.tree_map(leaf, signature, is_leaf=lambda x: isinstance(x, _Leaf))


def abstract_args(signature):
    """``jax.ShapeDtypeStruct`` arguments for ``jax.export``; the symbolic dimensions of all the
    arguments live in one scope, so that equal names (``batch``) are one dimension."""
    scope = jax.export.SymbolicScope()
    strings = polymorphic_strings(signature)

    def leaf(s, text):
        if all(isinstance(d, (int, np.integer)) for d in s.shape):
            return jax.ShapeDtypeStruct(tuple(int(d) for d in s.shape), s.dtype)
        return jax.ShapeDtypeStruct(tuple(jax.export.symbolic_shape(text, scope=scope)), s.dtype)

    return jax.tree_util.tree_map(leaf, signature, strings, is_leaf=lambda x: isinstance(x, _Leaf))


def has_unknown_dims(signature):
    leaves = jax.tree_util.tree_leaves(signature, is_leaf=lambda x: isinstance(x, _Leaf))
    return any(not isinstance(d, (int, np.integer)) for s in leaves for d in s.shape)


def describe(avals_tree):
    """A JSON-able description of a tree of abstract arrays (symbolic dimensions as strings)."""
    leaves, treedef = jax.tree_util.tree_flatten(avals_tree)
    return {"structure": str(treedef),
            "arrays": [{"shape": [d if isinstance(d, (int, np.integer)) else str(d) for d in a.shape],
                        "dtype": np.dtype(a.dtype).name} for a in leaves]}


@contextlib.contextmanager
def atomic_directory(filepath):
    """Yield a fresh temporary folder next to ``filepath``; on success it replaces ``filepath``
    by renames (an existing folder there is swapped out, then deleted), on failure it is removed,
    so readers only ever see the old artifact or the complete new one."""
    target = os.path.abspath(os.fspath(filepath))
    if os.path.exists(target) and not os.path.isdir(target):
        raise ValueError(f"Cannot export to {os.fspath(filepath)!r}: a file exists there and the artifact is a "
                         "folder.")
    parent, base = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{base}.tmp-", dir=parent)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if os.path.exists(target):
        old = tempfile.mkdtemp(prefix=f".{base}.old-", dir=parent)
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_file(path, data):
    """Write bytes and flush them to disk."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
