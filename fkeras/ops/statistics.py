"""More ``keras.ops.numpy`` reductions: NaN-ignoring reductions, percentiles, ``ptp``,
``histogram``, ``corrcoef`` and ``trapezoid``.

Re-exported from :mod:`fkeras.ops.numpy` and the flat ``keras.ops`` namespace.

Example:
    >>> nanmean([1.0, float("nan"), 3.0])
    Array(2., dtype=float32)
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, standardize_dtype, to_float


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _opt_dtype(dtype):
    return None if dtype is None else standardize_dtype(dtype)


def _check_method(method):
    methods = ("linear", "lower", "higher", "midpoint", "nearest")
    if method not in methods:
        raise ValueError(f"`method` must be one of {methods}. Received: method={method!r}")


# --- NaN-ignoring reductions ------------------------------------------------------------------

@keras_op
def nansum(x, axis=None, keepdims=False):
    """Sum over ``axis``, treating NaNs as zero.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The sums.

    Example:
        >>> nansum([1.0, float("nan"), 2.0])
        Array(3., dtype=float32)
    """
    return jnp.nansum(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    """Product over ``axis``, treating NaNs as one.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The products.
    """
    return jnp.nanprod(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    """Mean over ``axis`` of the non-NaN elements (NaN where every element is NaN).

    Args:
        x: Input tensor (integers promote to floatx).
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The means.
    """
    return jnp.nanmean(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanvar(x, axis=None, keepdims=False):
    """Population variance (``ddof=0``) of the non-NaN elements.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The variances.
    """
    return jnp.nanvar(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanstd(x, axis=None, keepdims=False):
    """Population standard deviation (``ddof=0``) of the non-NaN elements.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The standard deviations.
    """
    return jnp.nanstd(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    """Maximum over ``axis`` ignoring NaNs (NaN where every element is NaN).

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The maxima.
    """
    return jnp.nanmax(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanmin(x, axis=None, keepdims=False):
    """Minimum over ``axis`` ignoring NaNs (NaN where every element is NaN).

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The minima.
    """
    return jnp.nanmin(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` ignoring NaNs (-1 where every element is NaN).

    Args:
        x: Input tensor.
        axis: The axis to search; the flattened tensor when ``None``.
        keepdims: Keep the reduced axis with length 1.

    Returns:
        An int32 tensor of indices.
    """
    return jnp.nanargmax(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` ignoring NaNs (-1 where every element is NaN).

    Args:
        x: Input tensor.
        axis: The axis to search; the flattened tensor when ``None``.
        keepdims: Keep the reduced axis with length 1.

    Returns:
        An int32 tensor of indices.
    """
    return jnp.nanargmin(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` with NaNs counted as zero.

    Args:
        x: Input tensor.
        axis: The axis to accumulate along; the flattened tensor when ``None``.
        dtype: Optional dtype of the result.

    Returns:
        The running sums.

    Example:
        >>> nancumsum([1.0, float("nan"), 2.0])
        Array([1., 1., 3.], dtype=float32)
    """
    return jnp.nancumsum(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def nancumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` with NaNs counted as one.

    Args:
        x: Input tensor.
        axis: The axis to accumulate along; the flattened tensor when ``None``.
        dtype: Optional dtype of the result.

    Returns:
        The running products.
    """
    return jnp.nancumprod(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    """Median over ``axis`` of the non-NaN elements.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The medians.
    """
    return jnp.nanmedian(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) of ``x`` along ``axis``.

    Args:
        x: Input tensor.
        q: Percentile(s) in ``[0, 100]``, a scalar or a 1-D tensor (its axis leads the result).
        axis: Axis or axes to reduce; all axes when ``None``.
        method: Interpolation between order statistics: ``"linear"``, ``"lower"``,
            ``"higher"``, ``"midpoint"`` or ``"nearest"``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The percentiles.

    Example:
        >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
        Array(2.5, dtype=float32)
    """
    _check_method(method)
    return jnp.percentile(to_float(arr(x)), arr(q), axis=_axis(axis), method=method,
                          keepdims=keepdims)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """Like :func:`percentile`, ignoring NaNs.

    Args:
        x: Input tensor.
        q: Percentile(s) in ``[0, 100]``.
        axis: Axis or axes to reduce; all axes when ``None``.
        method: Interpolation method (see :func:`percentile`).
        keepdims: Keep reduced axes with length 1.

    Returns:
        The percentiles.
    """
    _check_method(method)
    return jnp.nanpercentile(to_float(arr(x)), arr(q), axis=_axis(axis), method=method,
                             keepdims=keepdims)


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """Like ``quantile`` (``q`` in ``[0, 1]``), ignoring NaNs.

    Args:
        x: Input tensor.
        q: Quantile(s) in ``[0, 1]``.
        axis: Axis or axes to reduce; all axes when ``None``.
        method: Interpolation method (see :func:`percentile`).
        keepdims: Keep reduced axes with length 1.

    Returns:
        The quantiles.
    """
    _check_method(method)
    return jnp.nanquantile(to_float(arr(x)), arr(q), axis=_axis(axis), method=method,
                           keepdims=keepdims)


# --- other statistics -------------------------------------------------------------------------

@keras_op
def ptp(x, axis=None, keepdims=False):
    """Peak to peak: ``max(x) - min(x)`` along ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or axes to reduce; all axes when ``None``.
        keepdims: Keep reduced axes with length 1.

    Returns:
        The ranges.

    Example:
        >>> ptp([[1, 5], [2, 9]], axis=1)
        Array([4, 7], dtype=int32)
    """
    return jnp.ptp(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def corrcoef(x):
    """Pearson correlation coefficients between the rows (variables) of ``x``.

    Args:
        x: A 1-D or 2-D tensor whose rows are variables and columns observations.

    Returns:
        The correlation matrix (a scalar for 1-D input).
    """
    x = arr(x)
    if x.ndim > 2:
        raise ValueError(f"`corrcoef` expects a 1-D or 2-D tensor. Received: x.shape={x.shape}")
    return jnp.corrcoef(to_float(x))


@keras_op
def histogram(x, bins=10, range=None):
    """Counts of the values of a 1-D tensor in ``bins`` equal-width bins.

    As in NumPy, every bin is half-open ``[lo, hi)`` except the last, which includes its
    right edge. Works under ``jax.jit`` (``bins`` and ``range`` must be static).

    Args:
        x: 1-D input tensor.
        bins: Number of bins, a non-negative int.
        range: Optional ``(lower, upper)`` tuple; defaults to ``(min(x), max(x))``. Values
            outside it are not counted.

    Returns:
        A tuple ``(counts, bin_edges)`` with ``bins`` and ``bins + 1`` entries.

    Example:
        >>> counts, edges = histogram([1.0, 2.0, 2.5, 4.0], bins=3)
        >>> counts
        Array([1., 2., 1.], dtype=float32)
    """
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins!r}")
    if bins < 0:
        raise ValueError(f"Argument `bins` must be a non-negative integer. Received: bins={bins}")
    if range is not None:
        if not isinstance(range, tuple) or len(range) != 2:
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: range={range!r}")
        if range[1] < range[0]:
            raise ValueError("The second element of `range` must not be smaller than the first. "
                             f"Received: range={range!r}")
    x = arr(x)
    if x.ndim > 1:
        raise ValueError(f"`histogram` expects a 1-dimensional tensor. Received: x.shape={x.shape}")
    return _histogram(x, bins, None if range is None else (float(range[0]), float(range[1])))


@functools.partial(jax.jit, static_argnums=(1, 2))
def _histogram(x, bins, value_range):
    return jnp.histogram(x, bins=bins, range=value_range)


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrate ``y`` along ``axis`` with the composite trapezoidal rule.

    Args:
        y: Values to integrate.
        x: Optional sample points (same length as ``y`` along ``axis``); when ``None`` the
            samples are ``dx`` apart.
        dx: Spacing between samples when ``x`` is ``None``.
        axis: The axis to integrate along.

    Returns:
        The integral, with ``axis`` removed.

    Example:
        >>> trapezoid([1.0, 2.0, 3.0])
        Array(4., dtype=float32)
    """
    y = to_float(arr(y))
    if x is not None:
        x = to_float(arr(x))
    return jnp.trapezoid(y, x, dx=dx, axis=axis)


__all__ = [
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin",
    "nancumsum", "nancumprod", "nanmedian", "percentile", "nanpercentile", "nanquantile", "ptp", "corrcoef",
    "histogram", "trapezoid",
]
