"""The ``Loss`` base class and Keras 3's reduction rules, on ``jax.numpy``.

A loss is a pure function of its inputs: ``loss(y_true, y_pred, sample_weight=None,
mask=None) -> scalar`` (or unreduced values for ``reduction=None``). All shape logic is
static, so it runs once at trace time and costs nothing inside a jitted step.

Reductions follow Keras 3 exactly:

- ``None`` / ``"none"``: the weighted per-sample values.
- ``"sum"``: their sum.
- ``"sum_over_batch_size"`` (default) and ``"mean"``: the sum divided by the number of
  loss values.
- ``"mean_with_sample_weight"``: the sum divided by the sum of the sample weights.

``mask`` (0/1, e.g. of shape ``(batch,)``) marks valid rows. It is merged into the sample
weights the way Keras merges a Keras mask: for ``"sum_over_batch_size"`` / ``"mean"`` the
valid entries are up-weighted by ``total / valid`` so the mean is over valid entries only.
The trainer uses it for the padded last batch: the padded rows contribute nothing, and
every reduction gives the value of the unpadded batch.
"""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as _config
from fkeras.utils.naming import auto_name, to_snake_case

_ALLOWED_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Validate a reduction name (Keras 3 set)."""
    if reduction not in _ALLOWED_REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. "
            f"Expected one of {set(_ALLOWED_REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def _resolve_dtype(dtype):
    """``None`` -> floatx(); a dtype policy (or its name) -> its compute dtype."""
    if dtype is None:
        return _config.floatx()
    compute = getattr(dtype, "compute_dtype", None)
    if compute is not None:
        return str(compute)
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtype[len("mixed_"):]
    return str(jnp.dtype(dtype))


def _to_array(x, dtype=None):
    if getattr(x, "_is_fkeras_variable", False):
        x = x.value
    return jnp.asarray(x, dtype=dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Bring two arrays to the same rank when their ranks differ by exactly one (Keras's rule).

    A trailing axis of size 1 is dropped from the higher-rank array, except that a rank-1 array
    facing a rank-2 ``(n, 1)`` array is expanded to ``(n, 1)`` instead (when ``expand_rank_1``).
    Arrays whose ranks are equal, or differ by more than one, are returned unchanged.

    Args:
        x1: First array (typically ``y_true``).
        x2: Second array (typically ``y_pred`` or a weight array).
        expand_rank_1: Whether a rank-1 array facing an ``(n, 1)`` array is expanded to ``(n, 1)``
            (``True``, default) rather than the other one being squeezed to ``(n,)``.

    Returns:
        The pair ``(x1, x2)``, possibly with one of them squeezed or expanded.

    Example:

    >>> a, b = keras.losses.squeeze_or_expand_to_same_rank(np.zeros((4, 3, 1)), np.zeros((4, 3)))
    >>> a.shape, b.shape   # ((4, 3), (4, 3))
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def _expand_trailing(x, ndim):
    """Append size-1 axes to ``x`` until it has ``ndim`` axes (a per-row weight for
    per-row-and-step values)."""
    while len(x.shape) < ndim:
        x = jnp.expand_dims(x, -1)
    return x


def _align_weights(values, weights, what="sample_weight"):
    """Bring ``weights`` to a shape that broadcasts onto ``values`` (Keras rules first,
    then trailing size-1 axes), or raise a clear error."""
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    weights = _expand_trailing(weights, len(values.shape))
    while len(weights.shape) > len(values.shape) and weights.shape[-1] == 1:
        weights = jnp.squeeze(weights, -1)
    try:
        out = np.broadcast_shapes(tuple(values.shape), tuple(weights.shape))
    except ValueError:
        out = None
    if out != tuple(values.shape):
        raise ValueError(
            f"`{what}` of shape {tuple(weights.shape)} cannot be broadcast to the loss values of "
            f"shape {tuple(values.shape)}. Expected a shape such as "
            + " or ".join(dict.fromkeys(str(tuple(values.shape[:k])) for k in (1, len(values.shape)))) + "."
        )
    return values, weights


def _num_elements(x):
    return int(math.prod(x.shape))


def _divide_no_nan(a, b):
    safe = jnp.where(b == 0, jnp.ones_like(b), b)
    return jnp.where(b == 0, jnp.zeros_like(a), a / safe)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce already-weighted loss values (Keras 3 ``reduce_values``)."""
    if reduction is None or reduction == "none" or tuple(values.shape) in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            loss = _divide_no_nan(loss, jnp.sum(sample_weight).astype(loss.dtype))
        else:
            n = _num_elements(values)
            loss = loss / n if n > 0 else jnp.zeros_like(loss)
    return loss


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a 0/1 mask into the sample weights (Keras 3 ``apply_mask``)."""
    if mask is None:
        return sample_weight
    mask = mask.astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        # Valid entries get weight total/valid, invalid ones 0, so that the mean over all
        # entries equals the mean over the valid ones.
        total = jnp.asarray(_num_elements(mask), dtype)
        mask = mask * _divide_no_nan(total, jnp.sum(mask))
    if sample_weight is None:
        return mask
    sample_weight = sample_weight.astype(dtype)
    if len(mask.shape) < len(sample_weight.shape):
        mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
        mask = _expand_trailing(mask, len(sample_weight.shape))
    elif len(sample_weight.shape) < len(mask.shape):
        mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
        sample_weight = _expand_trailing(sample_weight, len(mask.shape))
    return sample_weight * mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           dtype=None):
    """Weight loss values by ``sample_weight`` and ``mask``, then reduce them (Keras 3 rules).

    The mask is merged into the sample weights first; for ``"sum_over_batch_size"`` / ``"mean"``
    the valid entries are up-weighted by ``total / valid`` so that the mean is over valid entries
    only. Weights are brought to a shape that broadcasts onto ``values`` (a ``(batch,)`` weight
    applies to every value of its row).

    Args:
        values: Unreduced loss values, e.g. shape ``(batch,)`` or ``(batch, d)``.
        sample_weight: Optional weights broadcastable to ``values`` (after Keras's rank rules).
        mask: Optional 0/1 (or boolean) array marking the valid entries of ``values``.
        reduction: ``"sum_over_batch_size"`` (default) or ``"mean"``: the weighted sum divided by
            the number of values; ``"sum"``: the weighted sum; ``"mean_with_sample_weight"``: the
            weighted sum divided by the sum of the weights; ``None`` / ``"none"``: no reduction.
        dtype: Dtype the values are cast to before weighting; ``None`` keeps their own dtype.

    Returns:
        A scalar, or the weighted values for ``reduction=None``.

    Raises:
        ValueError: If ``reduction`` is not a known name, or the weights or mask cannot be
            broadcast to ``values``.

    Example:

    >>> keras.losses.reduce_weighted_values(np.array([1., 2., 3.]), sample_weight=np.array([1., 0., 1.]))
    ... # 1.333
    """
    reduction = standardize_reduction(reduction)
    values = _to_array(values, dtype)
    if sample_weight is not None:
        sample_weight = _to_array(sample_weight, values.dtype)
    if mask is not None:
        mask = _to_array(mask)
        if len(values.shape) == 0:
            # One number for the whole batch: only per-row sample weights can be masked.
            if sample_weight is None:
                mask = None
        else:
            values, mask = _align_weights(values, mask, "mask")
            if sample_weight is None:
                # The mask alone is the weight: one entry per loss value, so that
                # "mean_with_sample_weight" divides by the number of valid values.
                mask = jnp.broadcast_to(mask, values.shape)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = sample_weight.astype(values.dtype)
        if len(values.shape) == 0:
            values = values * sample_weight
        else:
            values, sample_weight = _align_weights(values, sample_weight)
            values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def _is_python_nested_numbers(x):
    if isinstance(x, (list, tuple)):
        return all(_is_python_nested_numbers(v) for v in x)
    return isinstance(x, (int, float, bool, np.number, np.bool_))


def _tree_arrays(tree, dtype):
    """Arrays in ``dtype``; a (nested) Python list of numbers is one array, other nests
    (multi-output dicts / lists of arrays) are converted leafwise."""
    if _is_python_nested_numbers(tree):
        return _to_array(tree, dtype)
    return jax.tree.map(lambda x: _to_array(x, dtype), tree)


class Loss:
    """Loss base class.

    Subclasses implement ``call(y_true, y_pred)`` returning unreduced (per-sample) losses
    written with ``jax.numpy``; ``__call__`` casts the inputs to the loss dtype (float32 by
    default, also under mixed precision), applies ``sample_weight`` and ``mask`` and reduces.

    Args:
        name: Optional name (defaults to the snake_case class name).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"`` or ``None`` / ``"none"``.
        dtype: Computation dtype; ``None`` means ``keras.backend.floatx()``.

    Example:

    ```python
    class MeanSquaredError(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return jnp.mean(jnp.square(y_pred - y_true), axis=-1)
    ```
    """

    # Losses that reduce over the batch axis themselves (Dice, Tversky with axis=None)
    # take the mask by zeroing the padded rows of their inputs.
    _mask_inputs = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(to_snake_case(self.__class__.__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype
        self._dtype = _resolve_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        dtype = self.dtype
        y_pred = _tree_arrays(y_pred, dtype)
        y_true = _tree_arrays(y_true, dtype)
        if mask is not None:
            mask = _to_array(mask)
            y_true, y_pred = self._prepare_masked_inputs(y_true, y_pred, mask)
        values, out_mask = self._call_with_mask(y_true, y_pred)
        values = _to_array(values, dtype)
        if mask is not None and len(values.shape) == 0 and not self._mask_inputs:
            warnings.warn(
                f"Loss {self.name!r} returned a scalar, so the padding mask cannot remove the "
                "padded rows. Return per-sample losses (reduce over the last axis only) so that "
                "partial batches are weighted exactly.",
                stacklevel=2,
            )
        if mask is not None and out_mask is not None:
            mask = _combine_masks(mask, out_mask)
        elif out_mask is not None:
            mask = out_mask
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=dtype)

    def _prepare_masked_inputs(self, y_true, y_pred, mask):
        if not (isinstance(y_true, jax.Array) and isinstance(y_pred, jax.Array)):
            return y_true, y_pred
        if self._mask_inputs:
            m_t = _expand_trailing(mask.astype(y_true.dtype), y_true.ndim)
            m_p = _expand_trailing(mask.astype(y_pred.dtype), y_pred.ndim)
            return y_true * m_t, y_pred * m_p
        # A batch of scalars, (batch,) vs (batch,): Keras would average the whole batch into
        # one number; give each row its own loss so the padded rows can be removed.
        if (mask.ndim == 1 and y_pred.ndim == 1 and y_true.shape == y_pred.shape
                and y_pred.shape[0] == mask.shape[0]):
            return y_true[:, None], y_pred[:, None]
        return y_true, y_pred

    def _call_with_mask(self, y_true, y_pred):
        """Return ``(values, mask_or_None)``; a loss that ignores entries returns a mask."""
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        """The loss of each sample: override it in a subclass (``__call__`` then applies
        ``sample_weight``, the mask and the reduction).

        Args:
            y_true: The targets of a batch.
            y_pred: The model's predictions for it.

        Returns:
            The per-sample losses, shape ``(batch,)`` (or ``(batch, ...)``: extra axes are
            averaged by the reduction).
        """
        raise NotImplementedError(
            f"Loss subclass {type(self).__name__} must implement `call(y_true, y_pred)`."
        )

    def get_config(self):
        """The constructor arguments as a JSON-able dict (``name``, ``reduction``; subclasses add
        their own), which ``from_config`` turns back into an equal loss."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """A new loss from the dict ``get_config`` returned.

        Args:
            config: The dict of constructor arguments.
        """
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _combine_masks(in_mask, out_mask):
    in_mask = in_mask.astype(bool) if in_mask.dtype != bool else in_mask
    out_mask = out_mask.astype(bool) if out_mask.dtype != bool else out_mask
    if in_mask.ndim < out_mask.ndim:
        in_mask = _expand_trailing(in_mask, out_mask.ndim)
    elif out_mask.ndim < in_mask.ndim:
        out_mask = _expand_trailing(out_mask, in_mask.ndim)
    return jnp.logical_and(in_mask, out_mask)
