"""tf.keras's ``K.*`` backend functions (``K.mean``, ``K.epsilon``, ``K.binary_crossentropy`` ...).

Keras 3 dropped them from ``keras.backend``; fkeras keeps them so custom losses, metrics and
layers written for tf.keras run unchanged. Each one is a thin wrapper over ``jax.numpy`` with
tf.keras's signature: it accepts numpy arrays, lists, jax arrays and fkeras ``Variable`` handles,
returns a jax array, and works under ``jax.jit`` / ``jax.grad`` like any ``jax.numpy`` call.
``fkeras.backend`` re-exports every name defined here.
"""
from __future__ import annotations

import numpy as np

from fkeras.backend.config import floatx


def _jnp():
    import jax.numpy as jnp

    return jnp


def _v(x):
    """The array behind ``x``: a Variable's value, a jax array for lists/numpy arrays, else ``x``."""
    if getattr(x, "_is_fkeras_variable", False):
        return x.value
    if isinstance(x, (list, tuple, np.ndarray)):
        return _jnp().asarray(x)
    return x


# --- shapes and values -------------------------------------------------------------------------

def int_shape(x):
    """The static shape of ``x`` as a tuple of ints (``None`` for unknown symbolic dimensions).

    Args:
        x: A tensor, array, Variable or symbolic ``KerasTensor``.

    Returns:
        A tuple.
    """
    return tuple(x.shape)


def shape(x):
    """The shape of ``x`` as a tuple (static in JAX, so the same as ``int_shape``).

    Args:
        x: A tensor, array, Variable or symbolic ``KerasTensor``.

    Returns:
        A tuple.
    """
    return tuple(x.shape)


def ndim(x):
    """The rank (number of axes) of ``x``.

    Args:
        x: A tensor, array, Variable or symbolic ``KerasTensor``.

    Returns:
        An int.
    """
    return len(x.shape)


def dtype(x):
    """The dtype of ``x`` as a string, e.g. ``'float32'``.

    Args:
        x: A tensor, array or Variable.

    Returns:
        A string.
    """
    return str(x.dtype)


def get_value(x):
    """The value of a Variable (or any tensor) as a numpy array.

    Args:
        x: A Variable, jax array, numpy array or list.

    Returns:
        A numpy array.
    """
    return np.asarray(_v(x))


def set_value(x, value):
    """Assign ``value`` to the Variable ``x`` (shape and dtype must fit).

    Args:
        x: A Variable handle (``layer.kernel``, ``optimizer.learning_rate`` ...).
        value: An array-like with ``x``'s shape.
    """
    x.assign(value)


def batch_get_value(xs):
    """The values of several Variables, as numpy arrays.

    Args:
        xs: A list of Variables or tensors.

    Returns:
        A list of numpy arrays.
    """
    return [get_value(x) for x in xs]


def variable(value, dtype=None, name=None, constraint=None):
    """Create a standalone fkeras ``Variable`` (tf.keras's ``K.variable``).

    Args:
        value: Initial value (array-like).
        dtype: Variable dtype; defaults to ``floatx()``.
        name: Optional variable name.
        constraint: Optional projection applied after optimizer updates.

    Returns:
        A ``Variable``.
    """
    from fkeras.engine.variables import Variable

    return Variable(value=np.asarray(value), dtype=dtype or floatx(), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor, optionally broadcast to ``shape``.

    Args:
        value: A scalar or array-like.
        dtype: Result dtype; defaults to ``floatx()``.
        shape: Optional shape to broadcast ``value`` to.
        name: Ignored (kept for tf.keras compatibility).

    Returns:
        A jax array.
    """
    jnp = _jnp()
    v = jnp.asarray(value, dtype=dtype or floatx())
    return jnp.broadcast_to(v, shape) if shape is not None else v


def cast(x, dtype):
    """Cast ``x`` to ``dtype``.

    Args:
        x: A tensor, array or Variable.
        dtype: Target dtype (a string such as ``'float16'`` or a numpy dtype).

    Returns:
        A jax array.
    """
    return _jnp().asarray(_v(x)).astype(dtype)


def cast_to_floatx(x):
    """Cast ``x`` to the default float type (``floatx()``) as a numpy array.

    Args:
        x: An array-like.

    Returns:
        A numpy array of dtype ``floatx()``.
    """
    return np.asarray(x, dtype=floatx())


def count_params(x):
    """The number of scalars in ``x`` (the product of its shape).

    Args:
        x: A tensor, array or Variable.

    Returns:
        An int.
    """
    return int(np.prod(x.shape))


# --- reductions and element-wise functions -----------------------------------------------------

def _reduce(name):
    def fn(x, axis=None, keepdims=False):
        return getattr(_jnp(), name)(_v(x), axis=axis, keepdims=keepdims)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``jax.numpy.{name}`` of ``x`` over ``axis`` (tf.keras's ``K.{name}``).\n\n"
        "Args:\n"
        "    x: A tensor, array or Variable.\n"
        "    axis: An int, a tuple of ints, or None (all axes).\n"
        "    keepdims: Whether to keep the reduced axes with length 1.\n\n"
        "Returns:\n"
        "    A jax array.\n"
    )
    return fn


mean = _reduce("mean")
sum = _reduce("sum")  # noqa: A001
max = _reduce("max")  # noqa: A001
min = _reduce("min")  # noqa: A001
prod = _reduce("prod")
std = _reduce("std")
var = _reduce("var")
any = _reduce("any")  # noqa: A001
all = _reduce("all")  # noqa: A001


def _unary(name):
    def fn(x):
        return getattr(_jnp(), name)(_v(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"Element-wise ``jax.numpy.{name}`` of ``x`` (tf.keras's ``K.{name}``).\n\n"
        "Args:\n"
        "    x: A tensor, array or Variable.\n\n"
        "Returns:\n"
        "    A jax array.\n"
    )
    return fn


abs = _unary("abs")  # noqa: A001
square = _unary("square")
sqrt = _unary("sqrt")
exp = _unary("exp")
log = _unary("log")
round = _unary("round")  # noqa: A001
sign = _unary("sign")
sin = _unary("sin")
cos = _unary("cos")
tanh = _unary("tanh")
floor = _unary("floor")
ceil = _unary("ceil")
transpose = _unary("transpose")
transpose.__doc__ = (
    "Reverse the axes of ``x`` (a matrix transpose for rank 2).\n\n"
    "Args:\n"
    "    x: A tensor, array or Variable.\n\n"
    "Returns:\n"
    "    A jax array.\n"
)


def pow(x, a):  # noqa: A001
    """``x`` to the power ``a``, element-wise.

    Args:
        x: A tensor, array or Variable.
        a: The exponent (a scalar or a broadcastable array).

    Returns:
        A jax array.
    """
    return _jnp().power(_v(x), a)


def clip(x, min_value, max_value):
    """Clip ``x`` element-wise to ``[min_value, max_value]``.

    Args:
        x: A tensor, array or Variable.
        min_value: Lower bound.
        max_value: Upper bound.

    Returns:
        A jax array.
    """
    return _jnp().clip(_v(x), min_value, max_value)


def _binary(name, jnp_name, what):
    def fn(x, y):
        return getattr(_jnp(), jnp_name)(_v(x), _v(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"{what}, element-wise with broadcasting (tf.keras's ``K.{name}``).\n\n"
        "Args:\n"
        "    x: A tensor, array or Variable.\n"
        "    y: A tensor, array or Variable broadcastable against ``x``.\n\n"
        "Returns:\n"
        "    A jax array.\n"
    )
    return fn


maximum = _binary("maximum", "maximum", "The larger of ``x`` and ``y``")
minimum = _binary("minimum", "minimum", "The smaller of ``x`` and ``y``")
equal = _binary("equal", "equal", "Whether ``x == y``")
not_equal = _binary("not_equal", "not_equal", "Whether ``x != y``")
greater = _binary("greater", "greater", "Whether ``x > y``")
less = _binary("less", "less", "Whether ``x < y``")


def argmax(x, axis=-1):
    """Index of the largest value along ``axis``.

    Args:
        x: A tensor, array or Variable.
        axis: The axis to search (default: the last).

    Returns:
        An integer jax array.
    """
    return _jnp().argmax(_v(x), axis=axis)


def argmin(x, axis=-1):
    """Index of the smallest value along ``axis``.

    Args:
        x: A tensor, array or Variable.
        axis: The axis to search (default: the last).

    Returns:
        An integer jax array.
    """
    return _jnp().argmin(_v(x), axis=axis)


# --- linear algebra and shape manipulation -----------------------------------------------------

def dot(x, y):
    """Matrix product of ``x`` and ``y`` (``jax.numpy.matmul``; batched for rank > 2).

    Args:
        x: A tensor, array or Variable.
        y: A tensor, array or Variable.

    Returns:
        A jax array.
    """
    return _jnp().matmul(_v(x), _v(y))


def batch_dot_axes(x, y, axes):
    """Keras's batch_dot with both axes given: contract axis ``axes[0]`` of ``x`` with axis ``axes[1]``
    of ``y`` (non-negative, not 0) for each batch row; the other axes follow in order (x's, then y's).
    A result of rank 1 gets a trailing axis of size 1 (``(batch, 1)``), as in Keras. ``keras.layers.Dot``
    and ``batch_dot`` both compute it here."""
    ax, ay = axes
    x_rest = [i for i in range(1, x.ndim) if i != ax]
    y_rest = [i for i in range(1, y.ndim) if i != ay]
    letters = "abcdefghijklmnopqrstuvwxyz"
    xs = ["Z"] + [None] * (x.ndim - 1)
    ys = ["Z"] + [None] * (y.ndim - 1)
    xs[ax] = "K"
    ys[ay] = "K"
    it = iter(letters)
    out = ["Z"]
    for i in x_rest:
        xs[i] = next(it)
        out.append(xs[i])
    for i in y_rest:
        ys[i] = next(it)
        out.append(ys[i])
    res = _jnp().einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    if res.ndim == 1:
        res = res[:, None]
    return res


def batch_dot(x, y, axes=None):
    """Per-sample dot product: contracts ``axes`` of ``x`` and ``y`` for each batch row.

    Args:
        x: A tensor of rank >= 2 (the first axis is the batch).
        y: A tensor of rank >= 2 with the same batch size.
        axes: An int (the same axis of both) or a pair ``(axis_of_x, axis_of_y)``; defaults to
            the last axis of ``x`` and the second-to-last of ``y`` (a batched matmul).

    Returns:
        A jax array.
    """
    x, y = _v(x), _v(y)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2)
    if isinstance(axes, int):
        axes = (axes, axes)
    return batch_dot_axes(x, y, axes)


def concatenate(tensors, axis=-1):
    """Join a list of tensors along ``axis``.

    Args:
        tensors: A list of tensors, arrays or Variables.
        axis: The axis to join along (default: the last).

    Returns:
        A jax array.
    """
    return _jnp().concatenate([_v(t) for t in tensors], axis=axis)


def stack(x, axis=0):
    """Stack a list of same-shaped tensors along a new ``axis``.

    Args:
        x: A list of tensors, arrays or Variables.
        axis: Position of the new axis.

    Returns:
        A jax array.
    """
    return _jnp().stack([_v(t) for t in x], axis=axis)


def reshape(x, shape):
    """Reshape ``x`` to ``shape`` (one entry may be ``-1``).

    Args:
        x: A tensor, array or Variable.
        shape: The target shape.

    Returns:
        A jax array.
    """
    return _jnp().reshape(_v(x), shape)


def flatten(x):
    """Reshape ``x`` to one dimension.

    Args:
        x: A tensor, array or Variable.

    Returns:
        A rank-1 jax array.
    """
    return _jnp().reshape(_v(x), (-1,))


def batch_flatten(x):
    """Flatten every axis but the first: ``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``.

    Args:
        x: A tensor of rank >= 1.

    Returns:
        A rank-2 jax array.
    """
    x = _v(x)
    return _jnp().reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    """Insert an axis of length 1 at ``axis``.

    Args:
        x: A tensor, array or Variable.
        axis: Where the new axis goes (default: last).

    Returns:
        A jax array.
    """
    return _jnp().expand_dims(_v(x), axis)


def squeeze(x, axis):
    """Remove the length-1 axis ``axis``.

    Args:
        x: A tensor, array or Variable.
        axis: The axis to remove (it must have length 1).

    Returns:
        A jax array.
    """
    return _jnp().squeeze(_v(x), axis)


def ones(shape, dtype=None, name=None):
    """A tensor of ones.

    Args:
        shape: The shape.
        dtype: The dtype; defaults to ``floatx()``.
        name: Ignored (kept for tf.keras compatibility).

    Returns:
        A jax array.
    """
    return _jnp().ones(shape, dtype or floatx())


def zeros(shape, dtype=None, name=None):
    """A tensor of zeros.

    Args:
        shape: The shape.
        dtype: The dtype; defaults to ``floatx()``.
        name: Ignored (kept for tf.keras compatibility).

    Returns:
        A jax array.
    """
    return _jnp().zeros(shape, dtype or floatx())


def ones_like(x, dtype=None, name=None):
    """Ones with the shape (and by default the dtype) of ``x``.

    Args:
        x: A tensor, array or Variable.
        dtype: Optional dtype of the result.
        name: Ignored (kept for tf.keras compatibility).

    Returns:
        A jax array.
    """
    return _jnp().ones_like(_v(x), dtype=dtype)


def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape (and by default the dtype) of ``x``.

    Args:
        x: A tensor, array or Variable.
        dtype: Optional dtype of the result.
        name: Ignored (kept for tf.keras compatibility).

    Returns:
        A jax array.
    """
    return _jnp().zeros_like(_v(x), dtype=dtype)


def one_hot(indices, num_classes):
    """One-hot encode integer ``indices`` into a new last axis of length ``num_classes``.

    Args:
        indices: Integer class ids.
        num_classes: Depth of the encoding.

    Returns:
        A float jax array of shape ``indices.shape + (num_classes,)``.
    """
    import jax

    return jax.nn.one_hot(_v(indices), num_classes)


def gather(reference, indices):
    """Rows of ``reference`` at ``indices`` (along the first axis).

    Args:
        reference: A tensor, array or Variable.
        indices: Integer row ids.

    Returns:
        A jax array.
    """
    return _jnp().take(_v(reference), _v(indices), axis=0)


def switch(condition, then_expression, else_expression):
    """Element-wise choice: ``then_expression`` where ``condition`` holds, else ``else_expression``.

    Args:
        condition: A boolean tensor (broadcastable).
        then_expression: Values taken where ``condition`` is true.
        else_expression: Values taken where ``condition`` is false.

    Returns:
        A jax array.
    """
    return _jnp().where(_v(condition), _v(then_expression), _v(else_expression))


# Activations, losses, randomness and the learning phase live in ``legacy_nn`` (imported last: it
# uses the helpers above).
from fkeras.backend.legacy_nn import (  # noqa: E402
    binary_crossentropy,
    categorical_crossentropy,
    l2_normalize,
    learning_phase,
    random_normal,
    random_uniform,
    relu,
    set_learning_phase,
    sigmoid,
    softmax,
    softplus,
    sparse_categorical_crossentropy,
    stop_gradient,
)

__all__ = [
    "int_shape", "shape", "ndim", "dtype", "get_value", "set_value", "batch_get_value", "variable", "constant",
    "cast", "cast_to_floatx", "count_params", "mean", "sum", "max", "min", "prod", "std", "var", "any", "all",
    "abs", "square", "sqrt", "exp", "log", "round", "sign", "sin", "cos", "tanh", "floor", "ceil", "transpose",
    "pow", "clip", "maximum", "minimum", "equal", "not_equal", "greater", "less", "argmax", "argmin", "dot",
    "batch_dot", "concatenate", "stack", "reshape", "flatten", "batch_flatten", "expand_dims", "squeeze", "ones",
    "zeros", "ones_like", "zeros_like", "one_hot", "gather", "switch", "relu", "sigmoid", "softmax", "softplus",
    "l2_normalize", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "stop_gradient", "random_normal", "random_uniform", "learning_phase", "set_learning_phase",
]
