"""Symbolic tensors (``keras.Input``), graph nodes, and shape inference with ``jax.eval_shape``."""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

_ids = itertools.count()


def tensor_dtype_name(dtype):
    """The dtype name a symbolic tensor records: ``"string"`` for text, else the jax dtype's name.

    ``"string"``, ``"str"``, Python's ``str`` and numpy text dtypes (``<U5``, ``S3``) all give
    ``"string"``, as Keras 3 names them; tensors of that dtype hold host data (numpy string
    arrays) that only host-side layers such as ``TextVectorization`` or ``StringLookup`` read.

    Args:
        dtype: Anything ``jnp.dtype`` accepts, or one of the string spellings above.

    Returns:
        The dtype's name, e.g. ``"float32"``, ``"int32"`` or ``"string"``.

    Raises:
        TypeError: If ``dtype`` is not a dtype.
    """
    if dtype is str or (isinstance(dtype, str) and dtype in ("string", "str")):
        return "string"
    if isinstance(dtype, np.dtype) and dtype.kind in "US" or dtype in (np.str_, np.bytes_):
        return "string"
    return str(jnp.dtype(dtype))


def is_string_array(value) -> bool:
    """Whether ``value`` is a numpy array of text (what a ``"string"`` tensor holds): a ``U``/``S``
    dtype, or an object array of Python ``str``/``bytes`` only (as ``text_dataset_from_directory``
    yields)."""
    if not isinstance(value, np.ndarray):
        return False
    if value.dtype.kind in "US":
        return True
    return value.dtype == object and value.size > 0 and all(isinstance(v, (str, bytes)) for v in value.flat)


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown dims), a dtype, and the node that made it.

    ``keras.Input`` makes one, and calling layers on them makes more, recording the graph a
    Functional model is built from. Users rarely construct one directly.

    Args:
        shape: The shape, a tuple of ints or ``None`` (unknown, e.g. the batch axis).
        dtype: The dtype name. Defaults to ``"float32"``.
        sparse: Whether the tensor is sparse. Defaults to ``False``.
        name: An optional name.
        node: The graph node that produced the tensor (set by layer calls). Defaults to ``None``.
        index: The position of the tensor among its node's outputs. Defaults to 0.
    """

    def __init__(self, shape, dtype="float32", sparse=False, name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = tensor_dtype_name(dtype) if dtype is not None else "float32"
        self.sparse = sparse
        self.name = name
        self._node = node
        self._index = index
        self._id = next(_ids)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_history(self):
        node = self._node
        return (node.layer if node else None, 0, self._index)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self):
        return self._id

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool.")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("A symbolic KerasTensor with an unknown first dimension has no len().")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor is not iterable; use keras.ops or a layer.")

    def __array__(self, *a, **k):
        raise TypeError(
            "A symbolic KerasTensor (from keras.Input) was passed to a NumPy/JAX function. "
            "Use keras.ops functions or layers on symbolic tensors, or wrap the JAX code in "
            "keras.layers.Lambda."
        )

    # Operators record the keras.ops function Keras records for them (`x + 3.0` is an `add` node,
    # `x[:, 1:]` a `get_item` node), so models built with them save as Keras saves them.
    def __getitem__(self, key):
        return _record_op("numpy", "get_item", self, key)

    def astype(self, dtype):
        """This tensor cast to ``dtype`` (records ``keras.ops.cast``).

        Args:
            dtype: The target dtype (a name such as ``"float32"``).
        """
        return _record_op("core", "cast", self, dtype)

    def reshape(self, newshape):
        """This tensor with shape ``newshape`` (records ``keras.ops.reshape``).

        Args:
            newshape: The new shape, a tuple of ints (including the batch axis; one entry may
                be -1).
        """
        return _record_op("numpy", "reshape", self, newshape)

    def squeeze(self, axis=None):
        """This tensor without its length-1 axes (records ``keras.ops.squeeze``).

        Args:
            axis: The axis (or tuple of axes) to remove, each of length 1; ``None`` (the default)
                removes every length-1 axis.
        """
        return _record_op("numpy", "squeeze", self, axis)

    @property
    def T(self):
        return _record_op("numpy", "transpose", self)

    def __round__(self, ndigits=None):
        return _record_op("numpy", "round", self, ndigits or 0)


def _record_op(family, name, *args):
    """Record ``keras.ops.<family>.<name>(*args)`` as a graph node."""
    import importlib

    wrapper = getattr(importlib.import_module(f"fkeras.ops.{family}"), name)
    return symbolic_op_call(wrapper._fkeras_op, args, {})


def _make_binop(name, reflected):
    if reflected:
        def op(self, other):
            return _record_op("numpy", name, other, self)
    else:
        def op(self, other):
            return _record_op("numpy", name, self, other)
    return op


# The keras.ops function each operator records (as Keras 3's KerasTensor does); the reflected
# forms (`3.0 - x`) swap the arguments.
_BINOPS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
    "and": "logical_and", "or": "logical_or", "xor": "logical_xor",
}
for _n, _f in _BINOPS.items():
    setattr(KerasTensor, f"__{_n}__", _make_binop(_f, False))
    setattr(KerasTensor, f"__r{_n}__", _make_binop(_f, True))
for _n, _f in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
               "ne": "not_equal"}.items():
    setattr(KerasTensor, f"__{_n}__", _make_binop(_f, False))
KerasTensor.__neg__ = lambda self: _record_op("numpy", "negative", self)
KerasTensor.__abs__ = lambda self: _record_op("numpy", "absolute", self)
KerasTensor.__invert__ = lambda self: _record_op("numpy", "logical_not", self)


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


def _is_kt(x):
    return isinstance(x, KerasTensor)


def flatten(tree):
    return jax.tree_util.tree_leaves(tree, is_leaf=_is_kt)


def any_symbolic(args, kwargs=None) -> bool:
    for leaf in jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_kt):
        if isinstance(leaf, KerasTensor):
            return True
    return False


class Node:
    """One call of a layer on symbolic inputs: the edge set of the Functional graph."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        for i, t in enumerate(self.output_tensors):
            t._node = self
            t._index = i
        layer._inbound_nodes.append(self)

    @property
    def parent_nodes(self):
        return [t._node for t in self.input_tensors if t._node is not None]

    @property
    def is_input(self):
        return not self.input_tensors


# --- shape inference ---------------------------------------------------------------------

def _to_struct(tree, symbols):
    """KerasTensors -> ShapeDtypeStructs; each None dim becomes its own symbolic dimension."""

    def conv(x):
        if isinstance(x, KerasTensor):
            dims = []
            for d in x.shape:
                if d is None:
                    dims.append(next(symbols))
                else:
                    dims.append(d)
            return jax.ShapeDtypeStruct(tuple(dims), x.dtype)
        return x

    return jax.tree_util.tree_map(conv, tree, is_leaf=_is_kt)


def _symbol_stream():
    from jax import export

    names = ", ".join(f"_d{i}" for i in range(32))
    return iter(export.symbolic_shape(names))


def _concrete_stream(value):
    return itertools.repeat(value)


def _struct_to_kt(tree):
    def conv(x):
        if isinstance(x, jax.ShapeDtypeStruct):
            shape = tuple(d if isinstance(d, (int, np.integer)) else None for d in x.shape)
            return KerasTensor(shape, x.dtype)
        return x

    return jax.tree_util.tree_map(conv, tree)


def eval_output_spec(fn, args, kwargs):
    """Output KerasTensors (no node) of ``fn(*args, **kwargs)`` where args hold KerasTensors.

    Unknown dims are traced as symbolic dimensions; if the function cannot handle symbolic
    sizes, it is traced twice with different concrete sizes and the dims that change are
    reported as ``None``.
    """
    static_leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_kt)
    kt_pos = [i for i, leaf in enumerate(static_leaves) if isinstance(leaf, KerasTensor)]

    def run(stream):
        leaves = list(static_leaves)
        structs = [_to_struct(leaves[i], stream) for i in kt_pos]

        def f(*arrays):
            for i, a in zip(kt_pos, arrays):
                leaves[i] = a
            a, k = jax.tree_util.tree_unflatten(treedef, leaves)
            return fn(*a, **k)

        return jax.eval_shape(f, *structs)

    def run_eager(size):
        leaves = list(static_leaves)
        for i in kt_pos:
            kt = static_leaves[i]
            leaves[i] = jnp.zeros(tuple(size if d is None else d for d in kt.shape), kt.dtype)
        a, k = jax.tree_util.tree_unflatten(treedef, leaves)
        out = fn(*a, **k)
        return jax.tree_util.tree_map(lambda o: jax.ShapeDtypeStruct(o.shape, o.dtype), out)

    has_unknown = any(d is None for i in kt_pos for d in static_leaves[i].shape)
    if not has_unknown:
        return _struct_to_kt(run(iter(())))
    try:
        return _struct_to_kt(run(_symbol_stream()))
    except Exception as symbolic_error:  # noqa: BLE001 - fall back to concrete probing
        try:
            out_a = run(_concrete_stream(2))
            out_b = run(_concrete_stream(3))
        except Exception:  # noqa: BLE001
            # Last resort: a call with Python side effects on values (print, float(x)...) runs
            # eagerly on zeros; if that fails too, the original error is the informative one.
            try:
                out_a = run_eager(2)
                out_b = run_eager(3)
            except Exception:  # noqa: BLE001
                raise symbolic_error from None

        def merge(a, b):
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            return KerasTensor(shape, a.dtype)

        return jax.tree_util.tree_map(merge, out_a, out_b)


# The graph nodes that ops on symbolic tensors record are layers (``OpLayer``); they are made by
# ``fkeras.engine.op_nodes``, a floor above this module, which installs its recorder here when it is
# imported (``fkeras.engine.layer`` imports it), so that this module imports nothing of fkeras.
_op_recorder = None


def set_op_recorder(record):
    """Install the function that records an op applied to symbolic tensors as a graph node.

    Args:
        record: ``record(fn, args, kwargs) -> outputs`` (``fkeras.engine.op_nodes.record``).
    """
    global _op_recorder
    _op_recorder = record


def symbolic_op_call(fn, args, kwargs):
    """Record ``fn`` applied to symbolic tensors as a graph node (used by keras.ops and operators).

    A Keras op becomes a node Keras can read (see ``fkeras.engine.op_nodes``); any other function a
    node that runs but cannot be saved.
    """
    if _op_recorder is None:  # pragma: no cover - op_nodes is imported with the engine's Layer
        raise RuntimeError("An op was applied to a symbolic tensor before fkeras.engine.op_nodes was imported; "
                           "import fkeras first.")
    return _op_recorder(fn, args, kwargs)
