"""Keras 3's dtype helpers: ``standardize_dtype``, ``is_float_dtype``, ``is_int_dtype``, ``result_type``.

``result_type`` follows Keras's own promotion lattice (adapted by Keras from JAX's), so code
that asks Keras which dtype an op returns gets the same answer here. Python ``int`` and
``float`` are *weak* types: they adopt the other operand's dtype (``bfloat16`` with ``float``
stays ``bfloat16``) and a weak result takes ``floatx()``'s precision. As on Keras's JAX backend,
64-bit results are reported at 32 bits (``float64`` -> ``float32``, ``int64`` -> ``int32``).
"""
from __future__ import annotations

import functools

from fkeras.backend.config import floatx

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
WEAK_TYPES = ("int", "float")
COMPLEX_TYPES = ("complex64", "complex128")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
                  "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")

# Python types (matched by identity, so numpy dtypes that compare equal to them are not caught).
_PYTHON_TYPES = ((bool, "bool"), (int, "int32"), (float, "float32"), (complex, "complex64"), (str, "string"))


def standardize_dtype(dtype):
    """The canonical Keras name of a dtype, as a string.

    Accepts dtype names (``"float32"``, ``"int"`` meaning ``"int32"``), Python types (``int`` ->
    ``"int32"``, ``float`` -> ``"float32"``, ``bool``, ``complex`` -> ``"complex64"``, ``str`` ->
    ``"string"``), numpy dtypes and scalar types, and jax dtypes (``jnp.bfloat16``). ``None``
    gives ``floatx()``. Anything else raises, as in Keras (``"float"`` alone is not a dtype).

    Args:
        dtype: The dtype to standardize.

    Returns:
        One of Keras's allowed dtype names.

    Raises:
        ValueError: If ``dtype`` is not a dtype Keras supports.

    Example:
        >>> keras.backend.standardize_dtype(np.float32)
        'float32'
        >>> keras.backend.standardize_dtype(int)
        'int32'
    """
    if dtype is None:
        return floatx()
    for py_type, name in _PYTHON_TYPES:
        if dtype is py_type:
            return name
    if isinstance(dtype, str):
        name = "int32" if dtype == "int" else dtype
    elif hasattr(dtype, "name"):  # numpy / jax dtype objects
        name = dtype.name
    elif hasattr(dtype, "__name__"):  # numpy / jax scalar types (np.float32, jnp.bfloat16)
        name = dtype.__name__
    elif "jax.numpy" in str(dtype) or "torch" in str(dtype):  # e.g. torch.float32
        name = str(dtype).rsplit(".", 1)[-1]
    else:
        name = None
    if not isinstance(name, str) or name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {ALLOWED_DTYPES}, a Python type (bool, int, "
                         "float, complex, str) or a numpy/jax dtype.")
    return name


def is_float_dtype(dtype):
    """Whether ``dtype`` is a floating-point type (``float*`` or ``bfloat16``).

    Args:
        dtype: Any dtype ``standardize_dtype`` accepts.

    Returns:
        A bool.
    """
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether ``dtype`` is a signed or unsigned integer type (``bool`` is not).

    Args:
        dtype: Any dtype ``standardize_dtype`` accepts.

    Returns:
        A bool.
    """
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


# --- Keras's promotion lattice ------------------------------------------------------------------
# Each node lists the nodes directly above it; "int"/"float" are the weak (Python scalar) types.
_LATTICE = {
    "bool": ("int",),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int": ("uint8", "int8", "complex64"),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_bounds():
    """Every node's set of nodes at or above it (the transitive closure of ``_LATTICE``)."""
    bounds = {}
    for node in _LATTICE:
        seen, stack = {node}, [node]
        while stack:
            for above in _LATTICE[stack.pop()]:
                if above not in seen:
                    seen.add(above)
                    stack.append(above)
        bounds[node] = frozenset(seen)
    return bounds


_UPPER = _upper_bounds()


@functools.lru_cache(maxsize=512)
def _join(nodes):
    """The least upper bound of a frozenset of lattice nodes."""
    unknown = [n for n in nodes if n not in _UPPER]
    if unknown:
        raise ValueError(f"dtype={unknown[0]!r} is not a valid dtype for Keras type promotion.")
    common = frozenset.intersection(*(_UPPER[n] for n in nodes))
    least = [c for c in common if common <= _UPPER[c]]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(sorted(nodes))} have no available implicit dtype promotion path. "
                         "Try explicitly casting inputs to the desired output type.")
    return least[0]


def _weak_kind(name):
    """The weak node standing for a Python scalar of dtype ``name``."""
    if name == "bool":
        return name
    for kind in ("float", "int", "complex"):
        if kind in name:
            return "float" if kind == "float" else kind
    raise ValueError(f"Invalid value for argument `dtype`. Expected one of {ALLOWED_DTYPES}. Received: dtype={name}")


_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _resolve_weak(name, precision):
    """A concrete dtype for a weak result, at ``floatx()``'s precision."""
    head = "f" if name == "bfloat16" else name[:1]
    if head == "b":
        return "bool"
    if head == "i":
        return f"int{precision}"
    if head == "u":
        return f"uint{precision}"
    return f"float{precision}"


def result_type(*dtypes):
    """The dtype Keras's type promotion gives for operands of ``dtypes``.

    Each argument is standardized (``None`` means ``floatx()``); the result is the least upper
    bound of the operands on Keras's promotion lattice. Python ``int`` / ``float`` arguments are
    weak: ``result_type("bfloat16", float)`` is ``"bfloat16"``, ``result_type("int8", int)`` is
    ``"int8"``. 64-bit results are reported as their 32-bit counterparts (the JAX default).

    Args:
        *dtypes: Dtypes (names, Python types, numpy/jax dtypes) or None. No argument gives
            ``floatx()``.

    Returns:
        The result dtype name.

    Raises:
        ValueError: For float8 inputs (they never promote implicitly) or dtypes with no common
            promotion.

    Example:
        >>> keras.backend.result_type("int32", "float16")
        'float16'
        >>> keras.backend.result_type("bfloat16", float)
        'bfloat16'
    """
    if not dtypes:
        return floatx()
    for d in dtypes:
        if isinstance(d, str) and d in FLOAT8_TYPES:
            raise ValueError("There is no implicit conversions from float8 dtypes to others. You must cast it "
                             f"internally. Received: {dtypes}")
    dtypes = [floatx() if d is None else d for d in dtypes]
    names = [standardize_dtype(d) for d in dtypes]
    weak = [d is int or d is float for d in dtypes]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _join(frozenset(names)), True
    else:
        out = _join(frozenset(_weak_kind(n) if w else n for n, w in zip(names, weak, strict=True)))
        out_weak = out in WEAK_TYPES
    if out_weak and out != "bool":
        out = _resolve_weak(out, floatx()[-2:])
    return _TO_32_BITS.get(out, out)
