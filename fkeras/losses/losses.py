"""Keras 3's built-in losses: pure ``jax.numpy`` functions and the ``Loss`` classes on top.

Every function returns per-sample losses (reduced over the last axis, as in Keras); the
classes add sample weights, masks and the reduction. Probabilities are clipped with
``keras.backend.epsilon()`` like Keras; ``from_logits=True`` goes through ``log_softmax`` /
``log_sigmoid`` so large logits stay exact. Inputs in float16/bfloat16 are computed in
float32.
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.config import epsilon, floatx
from fkeras.losses.loss import Loss, _to_array, squeeze_or_expand_to_same_rank
from fkeras.ops.nn import binary_crossentropy_values
from fkeras.saving import registry as _registry

_HALF = (jnp.dtype("float16"), jnp.dtype("bfloat16"))


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def _prep(y_true, y_pred):
    """Arrays in a float compute dtype: float32 for half precision, floatx for ints."""
    y_pred = _to_array(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(floatx())
    elif y_pred.dtype in _HALF:
        y_pred = y_pred.astype(jnp.float32)
    y_true = _to_array(y_true).astype(y_pred.dtype)
    return y_true, y_pred


def _shapes(y_true, y_pred):
    return f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}."


def _check_broadcast(name, y_true, y_pred):
    try:
        np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
    except ValueError:
        raise ValueError(
            f"In loss {name}, `y_true` and `y_pred` must have the same shape (or shapes that "
            f"broadcast together). {_shapes(y_true, y_pred)}"
        ) from None


def _check_same_shape(name, y_true, y_pred):
    if tuple(y_true.shape) == tuple(y_pred.shape):
        return
    t, p = tuple(y_true.shape), tuple(y_pred.shape)
    hint = ""
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy") and len(p) >= 1 and (
            t == p[:-1] or t == p[:-1] + (1,)):
        hint = (" It looks like `y_true` holds integer class indices; use "
                "`sparse_categorical_crossentropy` (or `SparseCategoricalCrossentropy`) for integer "
                "labels, or one-hot encode them.")
    elif name in ("binary_crossentropy", "binary_focal_crossentropy") and len(p) >= 1 and p[-1] > 1 and (
            t == p[:-1] or t == p[:-1] + (1,)):
        hint = (" `y_pred` has one column per class; for more than one class use "
                "`sparse_categorical_crossentropy` with integer labels.")
    raise ValueError(
        f"In loss {name}, `y_true` and `y_pred` must have the same shape. "
        f"{_shapes(y_true, y_pred)}{hint}"
    )


def _prep_pair(name, y_true, y_pred, same_shape=False):
    y_true, y_pred = _prep(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if same_shape:
        _check_same_shape(name, y_true, y_pred)
    else:
        _check_broadcast(name, y_true, y_pred)
    return y_true, y_pred


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _l2_normalize(x, axis):
    # x * min(rsqrt(sum x^2), 1/eps), written so a zero vector has a finite gradient.
    eps = epsilon()
    sq = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(sq, eps * eps))


def _convert_binary_labels_to_hinge(y_true):
    is_binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(is_binary, 2.0 * y_true - 1.0, y_true)


# --------------------------------------------------------------------------------------
# regression
# --------------------------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: ``mean(square(y_true - y_pred), axis=-1)``.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).

    Example:

    >>> keras.losses.mean_squared_error([[0., 1.]], [[1., 1.]])   # [0.5]
    """
    y_true, y_pred = _prep_pair("mean_squared_error", y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: ``mean(abs(y_true - y_pred), axis=-1)``.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).

    Example:

    >>> keras.losses.mean_absolute_error([[0., 1.]], [[1., 3.]])   # [1.5]
    """
    y_true, y_pred = _prep_pair("mean_absolute_error", y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error per sample:
    ``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)``.

    The denominator is floored at ``keras.backend.epsilon()`` so a zero target gives a large but
    finite value.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("mean_absolute_percentage_error", y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), epsilon()))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error per sample:
    ``mean(square(log(maximum(y_pred, eps) + 1) - log(maximum(y_true, eps) + 1)), axis=-1)``.

    Both inputs are floored at ``keras.backend.epsilon()`` before the logarithm, so negative values
    count as (almost) zero.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("mean_squared_logarithmic_error", y_true, y_pred)
    eps = epsilon()
    first = jnp.log(jnp.maximum(y_pred, eps) + 1.0)
    second = jnp.log(jnp.maximum(y_true, eps) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=axis)``.

    The result lies in ``[-1, 1]``: ``-1`` means the vectors point the same way, ``0`` that they are
    orthogonal (or one of them is zero), ``1`` that they are opposite. Minimising it therefore
    aligns the predictions with the targets.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).
        axis: Axis along which the vectors are normalised and compared. Defaults to ``-1``.

    Returns:
        The negative cosine similarity, with ``axis`` reduced.

    Example:

    >>> keras.losses.cosine_similarity([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])  # [0, -1]
    """
    y_true, y_pred = _prep_pair("cosine_similarity", y_true, y_pred)
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample, averaged over the last axis.

    With ``x = y_pred - y_true``: ``0.5 * x**2`` where ``|x| <= delta``, else
    ``delta * |x| - 0.5 * delta**2``. It is quadratic near zero and linear for large errors, so it
    is less sensitive to outliers than the squared error.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).
        delta: The error size at which the loss switches from quadratic to linear. Defaults to
            ``1.0``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).

    Example:

    >>> keras.losses.huber([[0., 1.]], [[0.6, 0.4]])   # [0.18]
    """
    y_true, y_pred = _prep_pair("huber", y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    quad = 0.5 * jnp.square(error)
    lin = delta * abs_error - 0.5 * jnp.square(delta)
    return jnp.mean(jnp.where(abs_error <= delta, quad, lin), axis=-1)


def log_cosh(y_true, y_pred):
    """Logarithm of the hyperbolic cosine of the error: ``mean(log(cosh(y_pred - y_true)), axis=-1)``.

    It behaves like ``x**2 / 2`` for small errors and like ``|x| - log(2)`` for large ones, and is
    evaluated in a form that does not overflow for large errors.

    Args:
        y_true: Ground-truth values, shape ``(batch, ..., d)``.
        y_pred: Predicted values, same shape as ``y_true`` (or broadcastable to it).

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


# --------------------------------------------------------------------------------------
# probabilistic
# --------------------------------------------------------------------------------------

def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence per sample: ``sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both inputs are clipped to ``[epsilon, 1]`` first, so zeros do not produce ``inf`` or ``nan``.

    Args:
        y_true: Target probability distributions, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted probability distributions, same shape as ``y_true``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).

    Example:

    >>> keras.losses.kl_divergence([[0.5, 0.5]], [[0.9, 0.1]])   # [0.511]
    """
    y_true, y_pred = _prep_pair("kl_divergence", y_true, y_pred)
    y_true = jnp.clip(y_true, epsilon(), 1.0)
    y_pred = jnp.clip(y_pred, epsilon(), 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Poisson negative log-likelihood per sample: ``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``.

    Use it when the targets are counts and ``y_pred`` is the predicted (positive) rate.

    Args:
        y_true: Observed counts, shape ``(batch, ..., d)``.
        y_pred: Predicted rates, same shape as ``y_true``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("poisson", y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + epsilon()), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over ``axis``:
    ``mean(-(y * log(p) + (1 - y) * log(1 - p)), axis)``.

    ``p`` is ``y_pred`` clipped to ``[epsilon, 1 - epsilon]`` (or ``sigmoid(y_pred)`` for logits).
    With ``label_smoothing = s`` the labels become ``y_true * (1 - s) + 0.5 * s``.

    Args:
        y_true: Binary targets (0 or 1, or soft labels in ``[0, 1]``), shape ``(batch, ..., d)``.
        y_pred: Predicted probabilities (or logits with ``from_logits=True``), same shape as
            ``y_true``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; ``0`` (default) uses the labels as they are, larger
            values pull them towards 0.5.
        axis: Axis the per-element losses are averaged over. Defaults to ``-1``.

    Returns:
        The loss per sample, with ``axis`` reduced.

    Raises:
        ValueError: If ``y_true`` and ``y_pred`` have different shapes.

    Example:

    >>> keras.losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    ... # [0.916, 0.714]
    """
    _check_axis(axis)
    y_true, y_pred = _prep_pair("binary_crossentropy", y_true, y_pred, same_shape=True)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return jnp.mean(binary_crossentropy_values(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal crossentropy (Lin et al., 2018), averaged over ``axis``:
    ``mean((1 - p_t) ** gamma * bce, axis)`` with ``p_t = y * p + (1 - y) * (1 - p)``.

    The focal factor ``(1 - p_t) ** gamma`` shrinks the loss of examples that are already well
    classified, so training concentrates on the hard ones. With ``apply_class_balancing`` each
    term is further multiplied by ``alpha`` (class 1) or ``1 - alpha`` (class 0).

    Args:
        y_true: Binary targets (0 or 1), shape ``(batch, ..., d)``.
        y_pred: Predicted probabilities (or logits with ``from_logits=True``), same shape as
            ``y_true``.
        apply_class_balancing: Whether to weight the two classes by ``alpha`` and ``1 - alpha``.
            Defaults to ``False``.
        alpha: Weight of class 1 when ``apply_class_balancing`` is on (class 0 gets
            ``1 - alpha``). Defaults to ``0.25``.
        gamma: Focusing exponent; ``0`` gives the plain binary crossentropy. Defaults to ``2.0``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the labels become ``y_true * (1 - s) + 0.5 * s``.
            Defaults to ``0.0``.
        axis: Axis the per-element losses are averaged over. Defaults to ``-1``.

    Returns:
        The loss per sample, with ``axis`` reduced.

    Raises:
        ValueError: If ``y_true`` and ``y_pred`` have different shapes.

    Example:

    >>> keras.losses.binary_focal_crossentropy([[0, 1]], [[0.6, 0.4]], gamma=2.0)   # [0.330]
    """
    _check_axis(axis)
    y_true, y_pred = _prep_pair("binary_focal_crossentropy", y_true, y_pred, same_shape=True)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    bce = binary_crossentropy_values(y_true, y_pred, from_logits)
    p = jax.nn.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal_bce = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        weight = y_true * alpha + (1.0 - y_true) * (1.0 - alpha)
        focal_bce = weight * focal_bce
    return jnp.mean(focal_bce, axis=axis)


def _warn_single_class(name, y_pred):
    if len(y_pred.shape) >= 1 and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _log_probs(y_pred, from_logits, axis):
    """``(log p, p)`` along ``axis``: log_softmax for logits, normalize-and-clip otherwise."""
    if from_logits:
        log_p = jax.nn.log_softmax(y_pred, axis=axis)
        return log_p, jnp.exp(log_p)
    eps = epsilon()
    p = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    p = jnp.clip(p, eps, 1.0 - eps)
    return jnp.log(p), p


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy along ``axis``: ``-sum(y_true * log(p), axis)``.

    ``p`` is ``y_pred`` renormalised to sum to 1 and clipped to ``[epsilon, 1 - epsilon]``, or
    ``softmax(y_pred)`` with ``from_logits=True``. With ``label_smoothing = s`` the targets become
    ``y_true * (1 - s) + s / num_classes``. For integer labels use
    ``sparse_categorical_crossentropy``.

    Args:
        y_true: One-hot (or soft) targets, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted class probabilities (or logits with ``from_logits=True``), same shape as
            ``y_true``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; ``0`` (default) uses the targets as they are.
        axis: The class axis. Defaults to ``-1``.

    Returns:
        The loss per sample, with ``axis`` reduced.

    Raises:
        ValueError: If the shapes differ (with a hint when ``y_true`` looks like integer labels).

    Example:

    >>> keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                                       [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    ... # [0.0513, 2.303]
    """
    _check_axis(axis)
    y_true, y_pred = _prep(y_true, y_pred)
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if len(y_pred.shape) < 1:
        raise ValueError(
            "In loss categorical_crossentropy, `y_true` and `y_pred` must be at least rank 1. "
            f"{_shapes(y_true, y_pred)}"
        )
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    log_p, _ = _log_probs(y_pred, from_logits, axis)
    return -jnp.sum(y_true * log_p, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Alpha-balanced categorical focal crossentropy:
    ``sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis)``.

    ``p`` is the predicted probability of each class (``softmax(y_pred)`` for logits), so classes
    predicted with high confidence contribute little and training focuses on the hard examples.

    Args:
        y_true: One-hot targets, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted class probabilities (or logits with ``from_logits=True``), same shape as
            ``y_true``.
        alpha: Balancing weight, a scalar or one weight per class. Defaults to ``0.25``.
        gamma: Focusing exponent; ``0`` (with ``alpha=1``) gives the categorical crossentropy.
            Defaults to ``2.0``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the targets become ``y_true * (1 - s) + s / num_classes``.
            Defaults to ``0.0``.
        axis: The class axis. Defaults to ``-1``.

    Returns:
        The loss per sample, with ``axis`` reduced.

    Raises:
        ValueError: If ``y_true`` and ``y_pred`` have different shapes.
    """
    _check_axis(axis)
    y_true, y_pred = _prep(y_true, y_pred)
    _check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    log_p, p = _log_probs(y_pred, from_logits, axis)
    cce = -y_true * log_p
    weighting = jnp.power(1.0 - p, gamma) * jnp.asarray(alpha, y_pred.dtype)
    return jnp.sum(weighting * cce, axis=axis)


def _sparse_cce_with_mask(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """``(losses, valid_mask or None)`` for integer labels."""
    _check_axis(axis)
    y_pred = _to_array(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(floatx())
    elif y_pred.dtype in _HALF:
        y_pred = y_pred.astype(jnp.float32)
    y_true = _to_array(y_true)
    if len(y_pred.shape) < 1:
        raise ValueError(
            "In loss sparse_categorical_crossentropy, `y_pred` must be at least rank 1. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    ax = axis % len(y_pred.shape)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[ax] == 1:
        y_true = jnp.squeeze(y_true, ax)
    expected = tuple(y_pred.shape[:ax]) + tuple(y_pred.shape[ax + 1:])
    if tuple(y_true.shape) != expected:
        hint = ""
        if tuple(y_true.shape) == tuple(y_pred.shape):
            hint = (" `y_true` looks one-hot encoded; use `categorical_crossentropy` (or "
                    "`CategoricalCrossentropy`) for one-hot labels.")
        raise ValueError(
            "In loss sparse_categorical_crossentropy, `y_true` must hold integer class indices "
            f"of shape {expected} or {expected + (1,)} for y_pred of shape "
            f"{tuple(y_pred.shape)}. {_shapes(y_true, y_pred)}{hint}"
        )
    if jnp.issubdtype(y_true.dtype, jnp.floating):
        y_true = jnp.round(y_true)
    labels = y_true.astype(jnp.int32)
    valid = None
    if ignore_class is not None:
        valid = labels != int(ignore_class)
        labels = jnp.where(valid, labels, 0)
    log_p, _ = _log_probs(y_pred, from_logits, ax)
    one_hot = jax.nn.one_hot(labels, y_pred.shape[ax], axis=ax, dtype=log_p.dtype)
    res = -jnp.sum(one_hot * log_p, axis=ax)
    if valid is not None:
        res = jnp.where(valid, res, jnp.zeros_like(res))
    return res, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy with integer labels: ``-log(p[y_true])`` along the class ``axis``.

    Equivalent to ``categorical_crossentropy`` with the one-hot encoding of ``y_true``. Entries
    whose label equals ``ignore_class`` get loss 0 (the ``Loss`` class also leaves them out of the
    mean).

    Args:
        y_true: Integer class indices, shape ``y_pred.shape`` without the class axis, or with a
            size-1 class axis (e.g. ``(batch,)`` or ``(batch, 1)`` for ``(batch, num_classes)``
            predictions). Float labels are rounded.
        y_pred: Predicted class probabilities (or logits with ``from_logits=True``), shape
            ``(batch, ..., num_classes)``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        ignore_class: Optional integer label (e.g. a "void" class in segmentation) whose entries
            get no loss. ``None`` (default) keeps every entry.
        axis: The class axis of ``y_pred``. Defaults to ``-1``.

    Returns:
        The loss per sample, shape of ``y_pred`` without the class axis.

    Raises:
        ValueError: If ``y_true`` does not have the shape of integer labels for ``y_pred`` (with
            a hint when it looks one-hot encoded).

    Example:

    >>> keras.losses.sparse_categorical_crossentropy([1, 2],
    ...                                              [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    ... # [0.0513, 2.303]
    """
    return _sparse_cce_with_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


# --------------------------------------------------------------------------------------
# hinge
# --------------------------------------------------------------------------------------

def hinge(y_true, y_pred):
    """Hinge loss per sample: ``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``.

    Labels are expected to be -1 or 1; labels given as 0/1 are converted to -1/1 first.

    Args:
        y_true: Binary targets, -1/1 or 0/1, shape ``(batch, ..., d)``.
        y_pred: Predicted scores (unbounded), same shape as ``y_true``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).

    Example:

    >>> keras.losses.hinge([[0., 1.]], [[0.6, 0.4]])   # [1.1]
    """
    y_true, y_pred = _prep_pair("hinge", y_true, y_pred)
    y_true = _convert_binary_labels_to_hinge(y_true)
    return jnp.mean(jnp.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Squared hinge loss per sample: ``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``.

    Labels given as 0/1 are converted to -1/1 first.

    Args:
        y_true: Binary targets, -1/1 or 0/1, shape ``(batch, ..., d)``.
        y_pred: Predicted scores (unbounded), same shape as ``y_true``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("squared_hinge", y_true, y_pred)
    y_true = _convert_binary_labels_to_hinge(y_true)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Categorical hinge loss per sample: ``maximum(neg - pos + 1, 0)``.

    ``pos = sum(y_true * y_pred, axis=-1)`` is the score of the true class and
    ``neg = max((1 - y_true) * y_pred, axis=-1)`` the best score among the other classes.

    Args:
        y_true: One-hot targets, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted class scores, same shape as ``y_true``.

    Returns:
        The loss per sample, an array with the last axis of ``y_true`` reduced (shape
        ``(batch, ...)``).
    """
    y_true, y_pred = _prep_pair("categorical_hinge", y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


# --------------------------------------------------------------------------------------
# segmentation, sequence, noisy labels
# --------------------------------------------------------------------------------------

def dice(y_true, y_pred, axis=None):
    """Dice loss: ``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)`` over ``axis``.

    It measures the overlap of a predicted and a true (soft) mask and is common for image
    segmentation with unbalanced classes.

    Args:
        y_true: Target masks (0/1 or soft values), e.g. shape ``(batch, height, width, channels)``.
        y_pred: Predicted masks in ``[0, 1]``, same shape as ``y_true`` (or broadcastable to it).
        axis: Axis or tuple of axes the sums run over. ``None`` (default) sums over every axis,
            giving a single number for the whole batch; ``(1, 2, 3)`` gives one loss per image.

    Returns:
        The Dice loss with ``axis`` reduced (a scalar for ``axis=None``).

    Example:

    >>> keras.losses.dice([[1., 0.], [1., 1.]], [[1., 0.], [0., 1.]])   # 0.2
    """
    y_true, y_pred = _prep(y_true, y_pred)
    _check_broadcast("dice", y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    denom = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + epsilon()
    return 1.0 - 2.0 * intersection / denom


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: ``1 - I / (I + alpha * sum((1 - y_pred) * y_true) + beta * sum(y_pred * (1 - y_true)) + eps)``.

    ``I = sum(y_true * y_pred)`` is the overlap; as in Keras, ``alpha`` weights the target mass
    the prediction misses and ``beta`` the predicted mass outside the target.
    ``alpha = beta = 0.5`` gives the Dice loss (Salehi et al., 2017).

    Args:
        y_true: Target masks (0/1 or soft values).
        y_pred: Predicted masks in ``[0, 1]``, same shape as ``y_true`` (or broadcastable to it).
        alpha: Weight of ``sum((1 - y_pred) * y_true)``. Defaults to ``0.5``.
        beta: Weight of ``sum(y_pred * (1 - y_true))``. Defaults to ``0.5``.
        axis: Axis or tuple of axes the sums run over. ``None`` (default) sums over every axis,
            giving a single number for the whole batch.

    Returns:
        The Tversky loss with ``axis`` reduced (a scalar for ``axis=None``).
    """
    y_true, y_pred = _prep(y_true, y_pred)
    _check_broadcast("tversky", y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + fp * alpha + fn * beta + epsilon())


def ctc(y_true, y_pred):
    """Connectionist Temporal Classification loss, one value per sequence: ``-log p(labels | logits)``.

    The probability sums over every alignment of the label sequence to the ``time`` steps of
    ``y_pred`` (with blanks and repeats), computed by ``optax.ctc_loss``.

    Args:
        y_true: ``(batch, max_label_length)`` integer labels; ``0`` is the blank and pads
            the end of shorter label sequences.
        y_pred: ``(batch, time, num_classes)`` logits (not softmax-normalized).

    Returns:
        The negative log-likelihood of each label sequence, shape ``(batch,)``.

    Raises:
        ValueError: If ``y_true`` is not rank 2, ``y_pred`` not rank 3, or the batch sizes differ.
    """
    y_true = _to_array(y_true)
    y_pred = _to_array(y_pred)
    if len(y_true.shape) != 2:
        raise ValueError(
            "In loss ctc, targets `y_true` are expected to be a tensor of shape "
            f"`(batch_size, max_length)` in integer format. Received: y_true.shape={tuple(y_true.shape)}"
        )
    if len(y_pred.shape) != 3:
        raise ValueError(
            "In loss ctc, logits `y_pred` are expected to be a tensor of shape "
            f"`(batch_size, max_length, num_classes)`. Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"In loss ctc, the batch sizes differ. {_shapes(y_true, y_pred)}")
    if not jnp.issubdtype(y_pred.dtype, jnp.floating) or y_pred.dtype in _HALF:
        y_pred = y_pred.astype(jnp.float32)
    if jnp.issubdtype(y_true.dtype, jnp.floating):
        y_true = jnp.round(y_true)
    return _ctc_core(y_true.astype(jnp.int32), y_pred)


@jax.jit
def _ctc_core(labels, logits):
    # Jitted so that an eager call compiles one program instead of every op of the scan.
    import optax

    batch, time, _ = logits.shape
    max_len = labels.shape[1]
    label_length = jnp.sum(labels != 0, axis=-1)
    label_paddings = (jnp.arange(max_len)[None, :] >= label_length[:, None]).astype(logits.dtype)
    logit_paddings = jnp.zeros((batch, time), logits.dtype)
    return optax.losses.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=0)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross entropy (Zhang & Sabuncu, 2018): ``(1 - p ** q) / q``.

    ``p`` is the predicted probability of the true class. As ``q`` tends to 0 the loss tends to
    the categorical crossentropy; at ``q = 1`` it equals the mean absolute error, which is more
    robust to noisy labels.

    Args:
        y_true: Integer class indices, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: Predicted class probabilities, shape ``(batch, num_classes)``.
        q: The noise-robustness exponent, in ``(0, 1]``.

    Returns:
        The loss per sample, shape ``(batch,)``.

    Raises:
        ValueError: If ``y_true`` does not have the shape of integer labels for ``y_pred``.
    """
    y_true, y_pred = _prep(y_true, y_pred)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "In loss categorical_generalized_cross_entropy, `y_true` must hold integer class "
            f"indices of shape {tuple(y_pred.shape[:-1])}. {_shapes(y_true, y_pred)}"
        )
    one_hot = jax.nn.one_hot(jnp.round(y_true).astype(jnp.int32), y_pred.shape[-1], dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1.0 - jnp.power(p, q)) / q


# Legacy / short aliases (Keras 2 names, still accepted by Keras 3's `get`).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


# --------------------------------------------------------------------------------------
# classes
# --------------------------------------------------------------------------------------

def _map_pairs(fn, y_true, y_pred):
    """Apply ``fn(a, b) -> (a, b)`` leafwise when both nests have the same structure."""
    if isinstance(y_true, jax.Array) and isinstance(y_pred, jax.Array):
        return fn(y_true, y_pred)
    t_leaves, t_def = jax.tree.flatten(y_true)
    p_leaves, p_def = jax.tree.flatten(y_pred)
    if t_def != p_def:
        return y_true, y_pred
    pairs = [fn(a, b) for a, b in zip(t_leaves, p_leaves)]
    return (jax.tree.unflatten(t_def, [a for a, _ in pairs]),
            jax.tree.unflatten(p_def, [b for _, b in pairs]))


class LossFunctionWrapper(Loss):
    """Wrap a function ``fn(y_true, y_pred, **kwargs) -> per-sample losses`` as a ``Loss``.

    The wrapper adds what the ``Loss`` class provides on top of a plain function: sample weights,
    masks, the reduction and serialization (``fn`` must be a registered or built-in function for
    ``from_config`` to find it again).

    Args:
        fn: The loss function. It receives ``y_true`` and ``y_pred`` (brought to the same rank)
            plus the extra keyword arguments, and returns unreduced losses.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance. ``None`` (default) derives one from the class name.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
        **kwargs: Extra keyword arguments passed to ``fn`` on every call (and stored in the
            config).

    Raises:
        TypeError: If ``fn`` is not callable.

    Example:

    ```python
    def my_loss(y_true, y_pred, power=2):
        return jnp.mean(jnp.abs(y_true - y_pred) ** power, axis=-1)

    loss = keras.losses.LossFunctionWrapper(my_loss, name="my_loss", power=3)
    ```
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper expects a callable `fn`. Received: fn={fn!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = _map_pairs(squeeze_or_expand_to_same_rank, y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = Loss.get_config(self)
        config["fn"] = _registry.serialize_keras_object(self.fn)
        config.update(_registry.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _deserialize_fn(fn):
    if callable(fn):
        return fn
    if isinstance(fn, str):
        obj = _registry.get_registered_object(fn, None, _FUNCTIONS)
        if obj is None:
            raise ValueError(
                f"Could not locate loss function {fn!r}. Register it with "
                "@keras.saving.register_keras_serializable() or pass it in custom_objects."
            )
        return obj
    return _registry.deserialize_keras_object(fn, module_objects=_FUNCTIONS)


class _BuiltinWrapper(LossFunctionWrapper):
    """A built-in loss: config holds its arguments, not the function."""

    _config_keys: tuple = ()

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._config_keys)
        return f"<{type(self).__name__}({args}) name={self.name!r} reduction={self.reduction!r}>"

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("fn", None)
        return cls(**config)


class MeanSquaredError(_BuiltinWrapper):
    """Mean of squared errors: ``loss = mean(square(y_true - y_pred), axis=-1)``, then reduced.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"mean_squared_error"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.MeanSquaredError()([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]])  # 0.5
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_BuiltinWrapper):
    """Mean of absolute errors: ``loss = mean(abs(y_true - y_pred), axis=-1)``, then reduced.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"mean_absolute_error"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.MeanAbsoluteError()([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]])  # 0.5
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(_BuiltinWrapper):
    """Mean absolute percentage error: ``loss = 100 * mean(abs((y_true - y_pred) / y_true), axis=-1)``.

    The denominator is floored at ``keras.backend.epsilon()`` so a zero target stays finite.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"mean_absolute_percentage_error"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)


class MeanSquaredLogarithmicError(_BuiltinWrapper):
    """Mean squared logarithmic error: ``loss = mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)``.

    Both inputs are floored at ``keras.backend.epsilon()`` before the logarithm. The loss cares
    about relative rather than absolute errors.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"mean_squared_logarithmic_error"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(_BuiltinWrapper):
    """Negative cosine similarity: ``loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=axis)``.

    Values lie in ``[-1, 1]``; ``-1`` means the prediction points exactly like the target, so
    minimising the loss aligns them.

    Args:
        axis: Axis along which the vectors are compared. Defaults to ``-1``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"cosine_similarity"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])  # -0.5
    ```
    """

    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Huber(_BuiltinWrapper):
    """Huber loss: ``0.5 * x**2`` if ``|x| <= delta`` else ``delta * |x| - 0.5 * delta**2``, ``x = y_pred - y_true``.

    Quadratic for small errors and linear for large ones, so outliers weigh less than in the squared
    error. The per-element values are averaged over the last axis, then reduced.

    Args:
        delta: Error size at which the loss turns from quadratic to linear. Defaults to ``1.0``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"huber_loss"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.Huber(delta=1.0)([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])  # 0.155
    ```
    """

    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


class LogCosh(_BuiltinWrapper):
    """Log-cosh loss: ``loss = mean(log(cosh(y_pred - y_true)), axis=-1)``.

    About ``x**2 / 2`` for small errors and ``|x| - log(2)`` for large ones: like the squared error
    near zero, but not thrown off by occasional large errors.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"log_cosh"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(_BuiltinWrapper):
    """Hinge loss: ``loss = mean(maximum(1 - y_true * y_pred, 0), axis=-1)``.

    Labels should be -1 or 1; 0/1 labels are converted to -1/1.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"hinge"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.Hinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])  # 1.3
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(_BuiltinWrapper):
    """Squared hinge loss: ``loss = mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``.

    Labels should be -1 or 1; 0/1 labels are converted to -1/1.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"squared_hinge"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(_BuiltinWrapper):
    """Categorical hinge loss: ``loss = maximum(neg - pos + 1, 0)``.

    ``pos = sum(y_true * y_pred, axis=-1)`` is the score of the true class and ``neg = max((1 -
    y_true) * y_pred, axis=-1)`` the best score of another class; ``y_true`` is one-hot.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"categorical_hinge"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(_BuiltinWrapper):
    """Kullback-Leibler divergence: ``loss = sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both inputs are clipped to ``[epsilon, 1]``; they are expected to be probability distributions
    over the last axis.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"kl_divergence"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    keras.losses.KLDivergence()([[0.5, 0.5]], [[0.9, 0.1]])  # 0.511
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(_BuiltinWrapper):
    """Poisson loss: ``loss = mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``.

    The negative Poisson log-likelihood (up to a constant) of counts ``y_true`` given predicted
    rates ``y_pred``.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"poisson"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(_BuiltinWrapper):
    """Binary crossentropy: ``loss = mean(-(y * log(p) + (1 - y) * log(1 - p)), axis=axis)``.

    For binary (0/1) classification, one probability or logit per label: ``y_pred`` has the shape of
    ``y_true``, e.g. ``(batch, 1)`` or ``(batch, num_labels)`` for multi-label problems. ``p`` is
    ``y_pred`` clipped to ``[epsilon, 1 - epsilon]``, or ``sigmoid(y_pred)`` with
    ``from_logits=True``.

    Args:
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the labels become ``y_true * (1 - s) + 0.5 * s``.
            ``0`` (default) leaves them unchanged.
        axis: Axis the per-element losses are averaged over. Defaults to ``-1``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"binary_crossentropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])  # 0.865
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryFocalCrossentropy(_BuiltinWrapper):
    """Binary focal crossentropy: ``loss = mean((1 - p_t) ** gamma * bce, axis)``, ``p_t = y * p + (1 - y) * (1 - p)``.

    The focal factor down-weights examples that are already classified well (Lin et al., 2018). With
    ``apply_class_balancing=True`` each term is also weighted by ``alpha`` (class 1) or ``1 -
    alpha`` (class 0).

    Args:
        apply_class_balancing: Whether to weight the classes by ``alpha`` / ``1 - alpha``. Defaults
            to ``False``.
        alpha: Weight of class 1 under class balancing. Defaults to ``0.25``.
        gamma: Focusing exponent; ``0`` gives the binary crossentropy. Defaults to ``2.0``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the labels become ``y_true * (1 - s) + 0.5 * s``.
            Defaults to ``0.0``.
        axis: Axis the per-element losses are averaged over. Defaults to ``-1``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"binary_focal_crossentropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    loss = keras.losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
    loss([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])  # 0.691
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalCrossentropy(_BuiltinWrapper):
    """Categorical crossentropy: ``loss = -sum(y_true * log(p), axis=axis)``.

    For one-hot labels with ``y_pred`` of the same shape ``(batch, ..., num_classes)``. ``p`` is
    ``y_pred`` renormalised and clipped, or ``softmax(y_pred)`` with ``from_logits=True``. For
    integer labels use ``SparseCategoricalCrossentropy``.

    Args:
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the targets become ``y_true * (1 - s) + s /
            num_classes``. ``0`` (default) leaves them unchanged.
        axis: The class axis. Defaults to ``-1``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"categorical_crossentropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    cce = keras.losses.CategoricalCrossentropy()
    cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # 1.177
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(_BuiltinWrapper):
    """Categorical focal crossentropy: ``loss = sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis=axis)``.

    A crossentropy for one-hot labels that down-weights confidently classified examples, useful with
    strong class imbalance (Lin et al., 2018).

    Args:
        alpha: Balancing weight, a scalar or a list with one weight per class. Defaults to ``0.25``.
        gamma: Focusing exponent; larger values ignore easy examples more. Defaults to ``2.0``.
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        label_smoothing: Float in ``[0, 1]``; the targets become ``y_true * (1 - s) + s /
            num_classes``. Defaults to ``0.0``.
        axis: The class axis. Defaults to ``-1``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"categorical_focal_crossentropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


class SparseCategoricalCrossentropy(_BuiltinWrapper):
    """Crossentropy with integer labels: ``loss = -log(p[y_true])`` along the last axis.

    ``y_true`` holds class indices of shape ``(batch,)`` or ``(batch, 1)`` (more generally
    ``y_pred.shape`` without the class axis) and ``y_pred`` probabilities or logits of shape
    ``(batch, ..., num_classes)``. ``ignore_class`` (e.g. a "void" label in segmentation) gives
    those entries loss 0 and leaves them out of the mean.

    Args:
        from_logits: Whether ``y_pred`` holds logits (``True``) or probabilities (``False``, the
            default). Logits are handled with a log-sigmoid/log-softmax, which is more stable.
        ignore_class: Optional integer label to ignore. ``None`` (default) keeps every entry.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"sparse_categorical_crossentropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    scce = keras.losses.SparseCategoricalCrossentropy()
    scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # 1.177
    ```
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_cce_with_mask(y_true, y_pred, from_logits=self.from_logits,
                                     ignore_class=self.ignore_class)


class CTC(_BuiltinWrapper):
    """Connectionist Temporal Classification loss: ``loss = -log p(y_true | y_pred)`` per sequence.

    ``y_true`` are ``(batch, max_length)`` integer labels padded with the blank ``0``; ``y_pred``
    are ``(batch, time, num_classes)`` logits. The probability sums over all alignments of the
    labels to the time steps.

    Args:
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"ctc"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return ctc(y_true, y_pred)


class Dice(_BuiltinWrapper):
    """Dice loss: ``loss = 1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`` over ``axis``.

    With ``axis=None`` the sums run over the whole batch (one number per batch); pass e.g.
    ``axis=(1, 2, 3)`` for one value per image.

    Args:
        axis: Axis or tuple of axes the sums run over; ``None`` (default) means all axes.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"dice"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Example:

    ```python
    y_true = np.ones((2, 4, 4, 1)); y_pred = np.full((2, 4, 4, 1), 0.5)
    keras.losses.Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred)  # shape (2,)
    ```
    """

    _config_keys = ("axis",)
    _mask_inputs = True

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(_BuiltinWrapper):
    """Tversky loss: ``loss = 1 - I / (I + alpha * FN + beta * FP)``, ``I = sum(y_true * y_pred)``.

    ``FN = sum((1 - y_pred) * y_true)`` and ``FP = sum(y_pred * (1 - y_true))`` (Salehi et al.,
    2017); the sums run over ``axis``. ``alpha = beta = 0.5`` is the Dice loss; raising one of them
    penalises that kind of error more.

    Args:
        alpha: Weight of the missed target mass ``FN``. Defaults to ``0.5``.
        beta: Weight of the predicted mass outside the target ``FP``. Defaults to ``0.5``.
        axis: Axis or tuple of axes the sums run over; ``None`` (default) means all axes.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to ``"tversky"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.
    """

    _config_keys = ("alpha", "beta", "axis")
    _mask_inputs = True

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta,
                         axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


class CategoricalGeneralizedCrossEntropy(_BuiltinWrapper):
    """Generalized cross entropy: ``loss = (1 - p ** q) / q``, ``p`` the probability of the true class.

    A noise-robust loss for integer labels (Zhang & Sabuncu, 2018): ``q`` near 0 behaves like the
    crossentropy, ``q`` near 1 like the mean absolute error.

    Args:
        q: Noise parameter in the open interval ``(0, 1)``. Defaults to ``0.5``.
        reduction: How the weighted per-sample losses are combined into the returned value:
            ``"sum_over_batch_size"`` (default) and ``"mean"`` divide their sum by the number of
            values, ``"sum"`` adds them up, ``"mean_with_sample_weight"`` divides the sum by the sum
            of the sample weights, and ``None`` / ``"none"`` returns them unreduced.
        name: Name of the loss instance (used in logs and configs). Defaults to
            ``"categorical_generalized_cross_entropy"``.
        dtype: Dtype the inputs are cast to and the loss is computed in. ``None`` (default) uses
            ``keras.backend.floatx()``; a ``keras.DTypePolicy`` contributes its compute dtype.

    Raises:
        ValueError: If ``q`` is not in ``(0, 1)``.
    """

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval "
                             f"(0, 1). Received: q={q}")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q


_FUNCTIONS = {
    f.__name__: f
    for f in (
        mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
        mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
        binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
        categorical_focal_crossentropy, sparse_categorical_crossentropy, hinge, squared_hinge,
        categorical_hinge, dice, tversky, ctc, categorical_generalized_cross_entropy,
    )
}
