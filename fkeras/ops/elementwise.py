"""More ``keras.ops.numpy`` element-wise ops: bit shifts, float helpers, angles, membership tests.

These are re-exported from :mod:`fkeras.ops.numpy` and the flat ``keras.ops`` namespace; the
split only keeps modules short. Each accepts jax/numpy arrays, Python scalars and Variable
handles and works under ``jax.jit``.
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, arr_or_scalar, to_float

_S = arr_or_scalar


def _float_pair(x1, x2):
    """Both operands promoted together to a floating dtype (ints and bools go to floatx)."""
    x1, x2 = arr(x1), arr(x2)
    dtype = jnp.result_type(x1, x2)
    if not jnp.issubdtype(dtype, jnp.inexact):
        dtype = config.floatx()
    return x1.astype(dtype), x2.astype(dtype)


def _shift_amount(y):
    return y if isinstance(y, int) and not isinstance(y, bool) else arr(y)


# --- bitwise ----------------------------------------------------------------------------------

@keras_op
def bitwise_not(x):
    """Bit-wise NOT of an integer or boolean tensor (same as ``bitwise_invert``).

    Args:
        x: Integer or boolean tensor.

    Returns:
        A tensor of the same dtype with every bit flipped (logical NOT for booleans).

    Example:
        >>> bitwise_not([0, 1, -2])
        Array([-1, -2,  1], dtype=int32)
    """
    return jnp.invert(arr(x))


@keras_op
def bitwise_left_shift(x, y):
    """Shift the bits of ``x`` left by ``y`` places (``x * 2**y`` for small values).

    Args:
        x: Integer tensor.
        y: Integer tensor or Python int, the shift amounts (broadcast against ``x``).

    Returns:
        An integer tensor.

    Example:
        >>> bitwise_left_shift([1, 3], 2)
        Array([ 4, 12], dtype=int32)
    """
    return jnp.left_shift(arr(x), _shift_amount(y))


@keras_op
def bitwise_right_shift(x, y):
    """Shift the bits of ``x`` right by ``y`` places (arithmetic shift for signed ints).

    Args:
        x: Integer tensor.
        y: Integer tensor or Python int, the shift amounts (broadcast against ``x``).

    Returns:
        An integer tensor.

    Example:
        >>> bitwise_right_shift([8, -8], 2)
        Array([ 2, -2], dtype=int32)
    """
    return jnp.right_shift(arr(x), _shift_amount(y))


@keras_op
def left_shift(x, y):
    """Alias of :func:`bitwise_left_shift`.

    Args:
        x: Integer tensor.
        y: Integer tensor or Python int.

    Returns:
        ``x`` shifted left by ``y`` bits.
    """
    return jnp.left_shift(arr(x), _shift_amount(y))


@keras_op
def right_shift(x, y):
    """Alias of :func:`bitwise_right_shift`.

    Args:
        x: Integer tensor.
        y: Integer tensor or Python int.

    Returns:
        ``x`` shifted right by ``y`` bits.
    """
    return jnp.right_shift(arr(x), _shift_amount(y))


# --- float helpers ----------------------------------------------------------------------------

@keras_op
def cbrt(x):
    """Element-wise real cube root (negative inputs give negative roots).

    Args:
        x: Input tensor.

    Returns:
        A floating tensor (integers promote to floatx).

    Example:
        >>> cbrt([-8.0, 27.0])
        Array([-2.,  3.], dtype=float32)
    """
    return jnp.cbrt(to_float(arr(x)))


@keras_op
def fabs(x):
    """Element-wise absolute value as a floating tensor.

    Args:
        x: Input tensor (integers promote to floatx).

    Returns:
        ``|x|`` in a floating dtype.
    """
    return jnp.fabs(to_float(arr(x)))


@keras_op
def deg2rad(x):
    """Convert angles from degrees to radians.

    Args:
        x: Angles in degrees.

    Returns:
        ``x * pi / 180`` as a floating tensor.

    Example:
        >>> deg2rad([180.0])
        Array([3.1415927], dtype=float32)
    """
    return jnp.deg2rad(to_float(arr(x)))


@keras_op
def rad2deg(x):
    """Convert angles from radians to degrees.

    Args:
        x: Angles in radians.

    Returns:
        ``x * 180 / pi`` as a floating tensor.
    """
    return jnp.rad2deg(to_float(arr(x)))


@keras_op
def angle(x):
    """The argument (phase angle, in radians) of each complex element.

    Args:
        x: Real or complex tensor; real inputs give ``0`` or ``pi``.

    Returns:
        A real floating tensor in ``(-pi, pi]``.

    Example:
        >>> angle([1.0, -1.0])
        Array([0.       , 3.1415927], dtype=float32)
    """
    return jnp.angle(to_float(arr(x)))


@keras_op
def sinc(x):
    """Normalized sinc: ``sin(pi * x) / (pi * x)``, with ``sinc(0) == 1``.

    Args:
        x: Input tensor.

    Returns:
        A floating tensor.
    """
    return jnp.sinc(to_float(arr(x)))


@keras_op
def i0(x):
    """Modified Bessel function of the first kind, order 0.

    Args:
        x: Input tensor (integers promote to floatx).

    Returns:
        ``I0(x)`` as a floating tensor.

    Example:
        >>> round(float(i0([1.0])[0]), 4)
        1.2661
    """
    return jnp.i0(to_float(arr(x)))


@keras_op
def signbit(x):
    """Whether the sign bit of each element is set (true for ``-0.0`` and negatives).

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor.
    """
    return jnp.signbit(arr(x))


@keras_op
def fmax(x1, x2):
    """Element-wise maximum that ignores NaNs (a NaN only wins against another NaN).

    Args:
        x1: First tensor.
        x2: Second tensor (broadcast against ``x1``).

    Returns:
        The element-wise maxima.

    Example:
        >>> fmax([1.0, float("nan")], [float("nan"), 2.0])
        Array([1., 2.], dtype=float32)
    """
    return jnp.fmax(arr(x1), arr(x2))


@keras_op
def fmin(x1, x2):
    """Element-wise minimum that ignores NaNs.

    Args:
        x1: First tensor.
        x2: Second tensor (broadcast against ``x1``).

    Returns:
        The element-wise minima.
    """
    return jnp.fmin(arr(x1), arr(x2))


@keras_op
def fmod(x1, x2):
    """Element-wise remainder with the sign of the dividend (C ``fmod``, unlike ``mod``).

    Args:
        x1: Dividend.
        x2: Divisor.

    Returns:
        ``x1 - trunc(x1 / x2) * x2``.

    Example:
        >>> fmod([-7, 7], 3)
        Array([-1,  1], dtype=int32)
    """
    return jnp.fmod(arr(x1), arr(x2))


@keras_op
def gcd(x1, x2):
    """Element-wise greatest common divisor of two integer tensors.

    Args:
        x1: Integer tensor.
        x2: Integer tensor (broadcast against ``x1``).

    Returns:
        Non-negative integer tensor.

    Example:
        >>> gcd([12, 7], [18, 5])
        Array([6, 1], dtype=int32)
    """
    return jnp.gcd(arr(x1), arr(x2))


@keras_op
def lcm(x1, x2):
    """Element-wise least common multiple of two integer tensors.

    Args:
        x1: Integer tensor.
        x2: Integer tensor (broadcast against ``x1``).

    Returns:
        Non-negative integer tensor.
    """
    return jnp.lcm(arr(x1), arr(x2))


@keras_op
def heaviside(x1, x2):
    """Heaviside step: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``.

    Args:
        x1: Input values.
        x2: The value taken where ``x1 == 0``.

    Returns:
        A tensor of the promoted dtype of the inputs.

    Example:
        >>> heaviside([-1.0, 0.0, 2.0], 0.5)
        Array([0. , 0.5, 1. ], dtype=float32)
    """
    return jnp.heaviside(arr(x1), arr(x2))


@keras_op
def ldexp(x1, x2):
    """``x1 * 2**x2`` for an integer exponent tensor ``x2``.

    Args:
        x1: Mantissas.
        x2: Integer exponents.

    Returns:
        A floating tensor.

    Raises:
        TypeError: if ``x2`` is not of an integer dtype.
    """
    x1, x2 = arr(x1), arr(x2)
    if not jnp.issubdtype(x2.dtype, jnp.integer):
        raise TypeError(f"`ldexp`: the exponent `x2` must have an integer dtype. Received: x2.dtype={x2.dtype}")
    return jnp.ldexp(to_float(x1), x2)


@keras_op
def logaddexp2(x1, x2):
    """``log2(2**x1 + 2**x2)`` computed without overflow.

    Args:
        x1: First tensor.
        x2: Second tensor.

    Returns:
        A floating tensor.

    Example:
        >>> logaddexp2([1.0], [1.0])
        Array([2.], dtype=float32)
    """
    return jnp.logaddexp2(*_float_pair(x1, x2))


@keras_op
def nextafter(x1, x2):
    """The next representable floating value after ``x1`` in the direction of ``x2``.

    Args:
        x1: Start values.
        x2: Direction values.

    Returns:
        A floating tensor.
    """
    return jnp.nextafter(*_float_pair(x1, x2))


# --- tests for special values and membership ---------------------------------------------------

@keras_op
def isneginf(x):
    """Whether each element is negative infinity.

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor.
    """
    return jnp.isneginf(arr(x))


@keras_op
def isposinf(x):
    """Whether each element is positive infinity.

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor.
    """
    return jnp.isposinf(arr(x))


@keras_op
def isreal(x):
    """Whether each element has a zero imaginary part (always true for real dtypes).

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor.
    """
    return jnp.isreal(arr(x))


@keras_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether all elements satisfy ``|x1 - x2| <= atol + rtol * |x2|``.

    Args:
        x1: First tensor.
        x2: Second tensor (broadcast against ``x1``).
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        equal_nan: Whether NaNs in the same place count as equal.

    Returns:
        A boolean scalar tensor.

    Example:
        >>> allclose([1.0, 2.0], [1.0, 2.0 + 1e-9])
        Array(True, dtype=bool)
    """
    return jnp.allclose(_S(x1), _S(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs anywhere in ``x2``.

    Args:
        x1: Elements to test.
        x2: Values to test against (any shape; it is flattened).
        assume_unique: Accepted for NumPy compatibility; the result does not depend on it.
        invert: Return the negation (elements *not* in ``x2``).

    Returns:
        A boolean tensor with the shape of ``x1``.

    Example:
        >>> isin([1, 2, 3], [2, 5])
        Array([False,  True, False], dtype=bool)
    """
    return jnp.isin(arr(x1), arr(x2), assume_unique=assume_unique, invert=invert)


__all__ = [
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "left_shift", "right_shift", "cbrt", "fabs",
    "deg2rad", "rad2deg", "angle", "sinc", "i0", "signbit", "fmax", "fmin", "fmod", "gcd", "lcm",
    "heaviside", "ldexp", "logaddexp2", "nextafter", "isneginf", "isposinf", "isreal", "allclose", "isin",
]
