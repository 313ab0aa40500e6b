"""Metric-learning losses over a batch of embeddings: Keras 3's ``Circle`` / ``circle``.

These losses compare every sample of the batch with every other one (or with a reference
set), so the per-sample value depends on the whole batch, unlike the element-wise losses
of :mod:`fkeras.losses.losses`.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special

from fkeras.losses.loss import _to_array
from fkeras.losses.losses import _BuiltinWrapper


def _labels_column(labels):
    """Integer labels as a ``(n, 1)`` column (accepts ``(n,)`` or ``(n, 1)``)."""
    labels = jnp.asarray(labels).astype("int32")
    if labels.ndim == 1:
        labels = labels[:, None]
    if labels.ndim != 2 or labels.shape[-1] != 1:
        raise ValueError("circle: labels must have shape (batch,) or (batch, 1). "
                         f"Received shape {tuple(labels.shape)}")
    return labels


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss of L2-normalised embeddings with integer class labels (Sun et al., 2020).

    Each query embedding is compared by cosine distance with every reference embedding (by
    default the batch itself). Pairs of the same class are positives, the others negatives.
    Each similarity is re-weighted by how far it is from its optimum (``margin`` for positives,
    ``1 + margin`` for negatives) and the two groups are combined with log-sum-exp, scaled by
    ``gamma``, then passed through a softplus.

    Args:
        y_true: Integer class labels of the queries, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: L2-normalised query embeddings, shape ``(batch, dim)``.
        ref_labels: Integer labels of the reference embeddings; ``None`` uses ``y_true``.
        ref_embeddings: L2-normalised reference embeddings ``(num_refs, dim)``; ``None`` uses
            ``y_pred``.
        remove_diagonal: Whether a query's pair with itself (same index) is dropped from the
            positives (only meaningful when the references are the queries).
        gamma: Scale of the similarity scores (larger is sharper).
        margin: Relaxation margin; it sets both the optima and the decision margins.

    Returns:
        The per-query loss, shape ``(batch,)``. A query with no positive (or no negative)
        pair gets 0; the ``Circle`` class leaves such queries out of the mean, as Keras does.

    Example:

    ```python
    labels = np.array([0, 0, 1, 1])
    emb = keras.ops.normalize(np.random.rand(4, 8), axis=-1)
    keras.losses.circle(labels, emb)   # shape (4,)
    ```
    """
    y_pred = _to_array(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    if y_pred.ndim != 2:
        raise ValueError(f"circle: y_pred must be a (batch, dim) matrix of embeddings. Received shape "
                         f"{tuple(y_pred.shape)}")
    labels = _labels_column(y_true)
    refs = y_pred if ref_embeddings is None else _to_array(ref_embeddings).astype(y_pred.dtype)
    ref_lab = labels if ref_labels is None else _labels_column(ref_labels)

    distance = jnp.maximum(1.0 - y_pred @ refs.T, 0.0)
    positive = labels == ref_lab.T
    negative = jnp.logical_not(positive)
    if remove_diagonal:
        positive = jnp.logical_and(positive, ~jnp.eye(labels.shape[0], ref_lab.shape[0], dtype=bool))
    pos_f = positive.astype(distance.dtype)
    neg_f = negative.astype(distance.dtype)

    # The weights alpha_p = [O_p - s_p]_+ and alpha_n = [s_n - O_n]_+, written with the cosine
    # distance d = 1 - s (so O_p = 1 + m becomes margin + d, and O_n = -m becomes 1 + m - d).
    alpha_pos = jnp.maximum((margin + distance) * pos_f, 0.0)
    alpha_neg = jnp.maximum((1.0 + margin - distance) * neg_f, 0.0)
    logits_pos = -gamma * alpha_pos * (margin - distance)
    logits_neg = gamma * alpha_neg * ((1.0 - margin) - distance)

    def masked_logsumexp(logits, mask):
        # A row with no pair of this kind scores -inf (so softplus gives 0); it is computed on
        # zeros and replaced afterwards, so that its gradient is 0 rather than NaN.
        has_any = jnp.any(mask, axis=1)
        safe = jnp.where(mask, logits, -jnp.inf)
        safe = jnp.where(has_any[:, None], safe, 0.0)
        return jnp.where(has_any, jax.scipy.special.logsumexp(safe, axis=1), -jnp.inf)

    return jax.nn.softplus(masked_logsumexp(logits_pos, positive) + masked_logsumexp(logits_neg, negative))


class Circle(_BuiltinWrapper):
    """Circle loss between integer labels and L2-normalised embeddings (Keras 3's ``Circle``).

    A metric-learning loss: it pulls embeddings of the same class together and pushes the
    others apart, weighting each pair by how far its similarity is from the optimum. Give it
    the output of a model that ends in a linear ``Dense`` followed by ``UnitNormalization``.
    Queries that have no positive pair in the batch score 0 and are left out of the mean
    (as in Keras, where the loss carries a ``loss > 0`` mask).

    Args:
        gamma: Scale of the similarity scores. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.
        remove_diagonal: Whether to drop each sample's pair with itself from the positives.
            Defaults to True.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"`` or ``None``.
        name: Name of the loss instance. Defaults to ``"circle"``.
        dtype: Computation dtype; ``None`` means ``keras.backend.floatx()``.

    Example:

    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        keras.layers.Dense(8),
        keras.layers.UnitNormalization(),
    ])
    model.compile(optimizer="adam", loss=keras.losses.Circle())
    ```
    """

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        for arg, value in (("gamma", gamma), ("margin", margin)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Circle: `{arg}` must be a number. Received: {arg}={value!r}")
        if gamma <= 0:
            raise ValueError(f"Circle: `gamma` must be positive. Received: gamma={gamma}")
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def _call_with_mask(self, y_true, y_pred):
        values = self.call(y_true, y_pred)
        return values, values > 0


__all__ = ["Circle", "circle"]
