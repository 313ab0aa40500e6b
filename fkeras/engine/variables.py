"""Variables and the binding scope (DESIGN §1).

A ``Variable`` is a *declaration* owned by a layer (name, shape, dtype, initializer,
trainability) plus the object's current value outside any computation. Inside a pure
computation (``apply``, the jitted train step) values come from an explicit tree that a
``BindingScope`` binds for the duration of the call; reads resolve to the bound (possibly
traced) arrays and ``assign`` records a new value in the scope instead of mutating the
object, so the computation stays pure and returns its updated state.
"""
from __future__ import annotations

import contextvars
import math
import zlib

import jax
import jax.numpy as jnp
import numpy as np

_SCOPE: contextvars.ContextVar["BindingScope | None"] = contextvars.ContextVar("fkeras_scope", default=None)


class BindingScope:
    """Values of variables for one pure computation.

    ``values`` maps ``id(variable)`` to the bound array. ``assign`` replaces entries, so
    after the call ``values`` holds the updated state. ``rng`` is the step's base key;
    ``training`` the default training flag; ``losses`` collects ``add_loss`` terms;
    ``write_back`` (eager calls) copies updated values back onto the Variables on exit.
    """

    __slots__ = ("values", "variables", "rng", "training", "losses", "write_back", "sample_mask",
                 "_token", "_rng_counters", "symbolic", "parent", "rng_tags", "replica_axis")

    def __init__(self, variables=(), values=None, rng=None, training=None, write_back=False,
                 sample_mask=None, symbolic=False):
        self.variables = {id(v): v for v in variables}
        if values is None:
            values = {id(v): v._value for v in variables}
        self.values = values
        self.rng = rng
        self.training = training
        self.losses = []
        self.write_back = write_back
        self.sample_mask = sample_mask
        self.symbolic = symbolic
        self._rng_counters = {}
        self.rng_tags = {}  # id(layer) -> a tag stable across re-creation (its position in the model)
        self._token = None
        self.parent = None
        # Mesh axis name when the computation runs once per replica (the per-replica ``pmap``
        # implementation of data parallelism): layers that need batch-wide statistics reduce
        # across it (see ``replica_axis``).
        self.replica_axis = None

    def __enter__(self):
        self.parent = _SCOPE.get()
        self._token = _SCOPE.set(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        _SCOPE.reset(self._token)
        if self.write_back and exc_type is None:
            for vid, val in self.values.items():
                var = self.variables.get(vid)
                if var is not None and val is not var._value and not isinstance(val, jax.core.Tracer):
                    var._value = val

    def lookup(self, var):
        return self.values.get(id(var), _MISSING)

    def set(self, var, value):
        vid = id(var)
        if vid not in self.values:
            self.variables[vid] = var
        self.values[vid] = value

    def next_rng(self, tag: str):
        """A fresh key for ``tag`` (a layer path): the step key folded once with a hash of the tag and
        a per-tag counter (the n-th draw of a call hashes ``tag + "\\0" + n``). One fold, not two:
        each fold is a threefry hash, which costs compile time (~60 ms on CPU) and a little per step."""
        if self.rng is None:
            return None
        if callable(self.rng):  # drawn lazily: a step whose layers draw nothing costs no key split
            self.rng = self.rng()
        n = self._rng_counters.get(tag, 0)
        self._rng_counters[tag] = n + 1
        return jax.random.fold_in(self.rng, stable_hash(tag if n == 0 else f"{tag}\0{n}"))


_MISSING = object()

# ``keras.initializers.get``, registered by ``fkeras.initializers`` (a floor above this module): what
# turns a Variable's ``initializer="zeros"`` (or a serialized initializer) into an initializer.
initializer_lookup = None


def _lookup_initializer(identifier):
    if initializer_lookup is None:  # (importing fkeras imports fkeras.initializers, which sets it)
        raise ValueError(f"Cannot resolve the initializer {identifier!r}: fkeras.initializers is not imported.")
    return initializer_lookup(identifier)


def stable_hash(s: str) -> int:
    """A non-negative 31-bit hash of ``s`` that is the same in every process and run (CRC-32;
    Python's ``hash`` is salted per process): what random keys are folded with, so a layer's
    draws depend on its tag or path, not on the run."""
    return zlib.crc32(s.encode()) & 0x7FFFFFFF


def current_scope() -> BindingScope | None:
    return _SCOPE.get()


def replica_axis():
    """The mesh axis over which the current computation is replicated, or None.

    It is set while ``fit``/``evaluate`` run one program per device (``DataParallel(
    implementation="pmap")``). A layer that needs statistics of the whole batch (BatchNormalization)
    sums its partial statistics across this axis with ``jax.lax.psum``; everything else is local.
    """
    scope = _SCOPE.get()
    while scope is not None:
        if scope.replica_axis is not None:
            return scope.replica_axis
        scope = scope.parent
    return None


def _to_value(x):
    return x.value if isinstance(x, Variable) else x


class Variable:
    """A named, shaped, typed handle on a layer's weight (Keras's ``keras.Variable``).

    Outside a computation it holds the current value (``.value``, ``.numpy()``,
    ``.assign()``); inside one it reads and writes the bound tree.

    Args:
        initializer: A callable ``initializer(shape, dtype=...)`` (e.g.
            ``keras.initializers.GlorotUniform()``) that makes the initial value, or the
            initial value itself (an array or a number).
        shape: The shape, a tuple of ints; required with a callable ``initializer``.
        dtype: The dtype; ``None`` gives float32 with a callable initializer, or the initial
            value's dtype.
        trainable: Whether optimizers update the variable. Defaults to ``True``.
        name: The variable's name. Defaults to ``"variable"``.
        regularizer: An optional regularizer of the value; for a layer's variable, its penalty
            joins ``layer.losses`` (and so the training loss).
        constraint: An optional constraint applied after each optimizer update.
        aggregation: How replicas would combine the variable in a custom distributed loop
            (``"none"``, ``"mean"``, ``"sum"`` or ``"only_first_replica"``); recorded, as in Keras.
        synchronization: Keras's synchronization mode, recorded for compatibility. Defaults to
            ``"auto"``.
        value: The initial value, instead of ``initializer``.
        autocast: Whether a layer running in a lower-precision compute dtype reads the value
            cast to that dtype. Defaults to ``True``.
        path: The variable's unique path (``"dense/kernel"``); defaults to ``name``.

    Example:

    ```python
    v = keras.Variable(initializer=keras.initializers.Zeros(), shape=(2, 3), name="w")
    v.assign(np.ones((2, 3)))
    v.assign_add(np.ones((2, 3)))
    v.numpy()   # all 2.0
    ```
    """

    _is_fkeras_variable = True
    __array_priority__ = 100

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True, name=None,
                 regularizer=None, constraint=None, aggregation="none", synchronization="auto",
                 value=None, autocast=True, path=None):
        self.name = name or "variable"
        self.path = path or self.name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.autocast = autocast
        if isinstance(initializer, (str, dict)) and value is None:  # "zeros", or a serialized initializer
            initializer = _lookup_initializer(initializer)
        self._initializer = initializer
        self._layer = None
        if initializer is not None and not callable(initializer) and value is None:
            value = initializer
            self._initializer = None
        if value is None:
            if initializer is None:
                raise ValueError(f"Variable {self.name!r}: pass an `initializer` or an initial value.")
            if shape is None:
                raise ValueError(f"Variable {self.name!r}: `shape` is required with an initializer.")
            shape = tuple(int(d) for d in shape)
            dtype = jnp.dtype(dtype or "float32")
            with jax.ensure_compile_time_eval():
                value = jnp.asarray(initializer(shape, dtype=dtype), dtype=dtype)
        else:
            value = value.value if isinstance(value, Variable) else value
            with jax.ensure_compile_time_eval():
                value = jnp.asarray(value, dtype=dtype)
            if shape is not None and tuple(shape) != tuple(value.shape):
                raise ValueError(
                    f"Variable {self.name!r}: initial value has shape {tuple(value.shape)}, "
                    f"expected {tuple(shape)}."
                )
        self._value = value
        self._shape = tuple(value.shape)
        self._dtype = value.dtype

    # --- value access -------------------------------------------------------------
    @property
    def value(self):
        scope = _SCOPE.get()
        while scope is not None:
            v = scope.values.get(id(self), _MISSING)
            if v is not _MISSING:
                return v
            scope = scope.parent
        return self._value

    def assign(self, value):
        """Set the variable's value (inside ``stateless_call`` or a layer's ``call``, in the
        bound state rather than on the object).

        Args:
            value: The new value: an array or number of the variable's shape (cast to its dtype).

        Returns:
            The new value.
        """
        value = jnp.asarray(_to_value(value), dtype=self._dtype)
        if tuple(value.shape) != self._shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable {self.path!r} "
                f"of shape {self._shape}."
            )
        scope = _SCOPE.get()
        if scope is not None:
            # Inside a computation: record in the scope that binds this variable (the
            # innermost one if none does); never mutate the object from inside a trace.
            s = scope
            while s is not None:
                if id(self) in s.values:
                    s.values[id(self)] = value
                    return value
                s = s.parent
            scope.set(self, value)
            return value
        if isinstance(value, jax.core.Tracer):
            raise RuntimeError(
                f"Variable {self.path!r} was assigned a traced value outside a binding scope. "
                "Inside jax.jit use `model.stateless_call` or `model.apply`, which return the "
                "updated state."
            )
        self._value = value
        return value

    def assign_add(self, delta):
        """Add ``delta`` to the value (``assign(value + delta)``).

        Args:
            delta: An array or number broadcastable to the variable's shape.

        Returns:
            The new value.
        """
        return self.assign(self.value + _to_value(delta))

    def assign_sub(self, delta):
        """Subtract ``delta`` from the value (``assign(value - delta)``).

        Args:
            delta: An array or number broadcastable to the variable's shape.

        Returns:
            The new value.
        """
        return self.assign(self.value - _to_value(delta))

    def numpy(self):
        """The current value as a NumPy array."""
        return np.asarray(self._value if _SCOPE.get() is None else self.value)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.value)
        return arr.astype(dtype) if dtype is not None else arr

    # --- metadata -------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return str(self._dtype)

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def size(self):
        return int(math.prod(self._shape))

    @property
    def initializer(self):
        return self._initializer

    def __len__(self):
        return self._shape[0]

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self._shape}, dtype={self.dtype}>"

    # --- array protocol: arithmetic on handles reads the (bound) value -------------------
    def __getitem__(self, idx):
        return self.value[idx]

    def __iter__(self):
        return iter(self.value)

    def astype(self, dtype):
        """The value cast to ``dtype`` (the variable is unchanged).

        Args:
            dtype: The target dtype.
        """
        return self.value.astype(dtype)

    @property
    def T(self):
        return self.value.T

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self.value == _to_value(other)

    def __ne__(self, other):
        return self.value != _to_value(other)


def _binop(name):
    def op(self, other):
        return getattr(self.value, name)(_to_value(other))

    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
              "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__", "__gt__", "__ge__",
              "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__"):
    setattr(Variable, _name, _binop(_name))
Variable.__neg__ = lambda self: -self.value
Variable.__pos__ = lambda self: self.value
Variable.__abs__ = lambda self: abs(self.value)
Variable.__invert__ = lambda self: ~self.value


def _handle_value(v):
    return (v.value,), None


def _as_array(_, children):
    return children[0]


def behaves_as_array(cls):
    """Make JAX see instances of ``cls`` (a handle with a ``.value``) as their current value, as
    Keras 3's variables are in JAX calls: a pytree node whose one leaf is the value and which
    rebuilds as that array, so ``jax.jit(f)(variable)``, ``jax.device_put(model.trainable_variables,
    sharding)`` and ``jax.tree_util.tree_map`` over variables see arrays; and ``__jax_array__``
    so that ``jnp`` functions take one directly. (JAX no longer converts objects through
    ``__jax_array__`` when they are passed to a jitted function.)"""
    jax.tree_util.register_pytree_node(cls, _handle_value, _as_array)
    cls.__jax_array__ = lambda self: jnp.asarray(self.value)
    return cls


behaves_as_array(Variable)


def unwrap(tree):
    """Replace Variable handles in a tree by their current values."""
    return jax.tree_util.tree_map(_to_value, tree, is_leaf=lambda x: isinstance(x, Variable))
