"""Losses against independent numpy references (written from the math), jit and not."""
import itertools
import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import log_softmax as np_log_softmax, logsumexp

from fkeras import losses
from fkeras.losses import loss as loss_module

EPS = 1e-7
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]
rng = np.random.RandomState(1234)


# ----------------------------------------------------------------------------- references

def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def ref_mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def ref_mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def ref_mape(t, p):
    return 100.0 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), axis=-1)


def ref_msle(t, p):
    return np.mean((np.log1p(np.maximum(p, EPS)) - np.log1p(np.maximum(t, EPS))) ** 2, axis=-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2), axis=-1)


def ref_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def ref_kld(t, p):
    t = np.clip(t, EPS, 1)
    p = np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def _pm1(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_hinge(t, p):
    return np.mean(np.maximum(1 - _pm1(t) * p, 0), axis=-1)


def ref_sq_hinge(t, p):
    return np.mean(np.maximum(1 - _pm1(t) * p, 0) ** 2, axis=-1)


def ref_cat_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


def ref_cosine(t, p, axis=-1):
    tn = t / np.linalg.norm(t, axis=axis, keepdims=True)
    pn = p / np.linalg.norm(p, axis=axis, keepdims=True)
    return -np.sum(tn * pn, axis=axis)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        e = -(t * np_log_sigmoid(p) + (1 - t) * np_log_sigmoid(-p))
    else:
        q = np.clip(p, EPS, 1 - EPS)
        e = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    return np.mean(e, axis=-1)


def ref_bfce(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    prob = np_sigmoid(p) if from_logits else p
    if from_logits:
        e = -(t * np_log_sigmoid(p) + (1 - t) * np_log_sigmoid(-p))
    else:
        q = np.clip(p, EPS, 1 - EPS)
        e = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    p_t = t * prob + (1 - t) * (1 - prob)
    e = (1 - p_t) ** gamma * e
    if apply_class_balancing:
        e = (t * alpha + (1 - t) * (1 - alpha)) * e
    return np.mean(e, axis=-1)


def _np_log_probs(p, from_logits, axis=-1):
    if from_logits:
        return np_log_softmax(p, axis=axis)
    q = np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return np.log(q)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    k = t.shape[axis]
    t = t * (1 - label_smoothing) + label_smoothing / k
    return -np.sum(t * _np_log_probs(p, from_logits, axis), axis=axis)


def ref_cfce(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    k = t.shape[-1]
    t = t * (1 - label_smoothing) + label_smoothing / k
    logp = _np_log_probs(p, from_logits)
    prob = np.exp(logp)
    return np.sum(alpha * (1 - prob) ** gamma * -t * logp, axis=-1)


def ref_scce(t, p, from_logits=False, ignore_class=None):
    t = np.asarray(t).astype(int)
    if t.ndim == p.ndim:
        t = t[..., 0]
    logp = _np_log_probs(p, from_logits)
    out = np.zeros(t.shape)
    for idx in np.ndindex(t.shape):
        if ignore_class is not None and t[idx] == ignore_class:
            continue
        out[idx] = -logp[idx + (t[idx],)]
    return out


def ref_dice(t, p, axis=None):
    return 1 - 2 * np.sum(t * p, axis=axis) / (np.sum(t, axis=axis) + np.sum(p, axis=axis) + EPS)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    i = np.sum(t * p, axis=axis)
    a = np.sum((1 - p) * t, axis=axis)
    b = np.sum(p * (1 - t), axis=axis)
    return 1 - i / (i + alpha * a + beta * b + EPS)


def ref_gce(t, p, q=0.5):
    t = np.asarray(t).astype(int)
    prob = p[np.arange(len(t)), t]
    return (1 - prob**q) / q


def ref_ctc(labels, logits):
    """Brute force: -log sum over all alignments that collapse to the label sequence."""
    out = []
    for lab, lg in zip(labels, logits):
        target = tuple(int(v) for v in lab if v != 0)
        logp = np_log_softmax(lg, axis=-1)
        T, C = logp.shape
        scores = []
        for path in itertools.product(range(C), repeat=T):
            collapsed = [k for i, k in enumerate(path) if (i == 0 or k != path[i - 1])]
            collapsed = tuple(k for k in collapsed if k != 0)
            if collapsed == target:
                scores.append(sum(logp[i, k] for i, k in enumerate(path)))
        out.append(-logsumexp(scores))
    return np.array(out)


def ref_reduce(values, sample_weight=None, reduction="sum_over_batch_size"):
    values = np.asarray(values, np.float64)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, np.float64)
        sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
        values = values * sw
    if reduction in (None, "none"):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return total / np.sum(sample_weight)
    return total / values.size


# ----------------------------------------------------------------------------- fixtures

B, C = 4, 3
probs = rng.dirichlet(np.ones(C), size=B).astype(np.float32)
onehot = np.eye(C, dtype=np.float32)[rng.randint(0, C, size=B)]
int_labels = np.argmax(onehot, -1)
logits = rng.randn(B, C).astype(np.float32) * 2
binary = rng.randint(0, 2, size=(B, C)).astype(np.float32)
reg_t = rng.randn(B, C).astype(np.float32)
reg_p = (reg_t + rng.randn(B, C) * 1.5).astype(np.float32)
pos_t = rng.uniform(0.1, 3, size=(B, C)).astype(np.float32)
pos_p = rng.uniform(0.1, 3, size=(B, C)).astype(np.float32)
pm1 = np.where(binary > 0, 1.0, -1.0).astype(np.float32)
seg_t = rng.randint(0, 2, size=(B, 2, 2, 1)).astype(np.float32)
seg_p = rng.uniform(size=(B, 2, 2, 1)).astype(np.float32)
SW = np.array([0.5, 1.0, 2.0, 0.0], np.float32)

# (class, class kwargs, function, function kwargs, numpy ref, y_true, y_pred)
CASES = [
    (losses.MeanSquaredError, {}, losses.mean_squared_error, {}, ref_mse, reg_t, reg_p),
    (losses.MeanAbsoluteError, {}, losses.mean_absolute_error, {}, ref_mae, reg_t, reg_p),
    (losses.MeanAbsolutePercentageError, {}, losses.mean_absolute_percentage_error, {}, ref_mape,
     reg_t, reg_p),
    (losses.MeanSquaredLogarithmicError, {}, losses.mean_squared_logarithmic_error, {}, ref_msle,
     pos_t, reg_p),
    (losses.Huber, {}, losses.huber, {}, ref_huber, reg_t, reg_p),
    (losses.Huber, {"delta": 0.3}, losses.huber, {"delta": 0.3},
     lambda t, p: ref_huber(t, p, 0.3), reg_t, reg_p),
    (losses.LogCosh, {}, losses.log_cosh, {}, ref_logcosh, reg_t, reg_p),
    (losses.KLDivergence, {}, losses.kl_divergence, {}, ref_kld, probs[::-1].copy(), probs),
    (losses.Poisson, {}, losses.poisson, {}, ref_poisson, pos_t, pos_p),
    (losses.Hinge, {}, losses.hinge, {}, ref_hinge, binary, reg_p),
    (losses.Hinge, {}, losses.hinge, {}, ref_hinge, pm1, reg_p),
    (losses.SquaredHinge, {}, losses.squared_hinge, {}, ref_sq_hinge, binary, reg_p),
    (losses.CategoricalHinge, {}, losses.categorical_hinge, {}, ref_cat_hinge, onehot, reg_p),
    (losses.CosineSimilarity, {}, losses.cosine_similarity, {}, ref_cosine, reg_t, reg_p),
    (losses.CosineSimilarity, {"axis": 0}, losses.cosine_similarity, {"axis": 0},
     lambda t, p: ref_cosine(t, p, 0), reg_t[:, :B].copy(), reg_p[:, :B].copy()),
    (losses.BinaryCrossentropy, {}, losses.binary_crossentropy, {}, ref_bce, binary, probs),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2},
     losses.binary_crossentropy, {"from_logits": True, "label_smoothing": 0.2},
     lambda t, p: ref_bce(t, p, True, 0.2), binary, logits),
    (losses.BinaryFocalCrossentropy, {}, losses.binary_focal_crossentropy, {}, ref_bfce, binary,
     probs),
    (losses.BinaryFocalCrossentropy,
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "from_logits": True,
      "label_smoothing": 0.1},
     losses.binary_focal_crossentropy,
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "from_logits": True,
      "label_smoothing": 0.1},
     lambda t, p: ref_bfce(t, p, True, 0.4, 3.0, True, 0.1), binary, logits),
    (losses.CategoricalCrossentropy, {}, losses.categorical_crossentropy, {}, ref_cce, onehot,
     probs),
    (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     losses.categorical_crossentropy, {"from_logits": True, "label_smoothing": 0.1},
     lambda t, p: ref_cce(t, p, True, 0.1), onehot, logits),
    (losses.CategoricalCrossentropy, {"from_logits": True, "axis": 0},
     losses.categorical_crossentropy, {"from_logits": True, "axis": 0},
     lambda t, p: ref_cce(t, p, True, 0.0, 0), onehot, logits),
    (losses.CategoricalFocalCrossentropy, {}, losses.categorical_focal_crossentropy, {}, ref_cfce,
     onehot, probs),
    (losses.CategoricalFocalCrossentropy,
     {"alpha": [0.2, 0.3, 0.5], "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1},
     losses.categorical_focal_crossentropy,
     {"alpha": [0.2, 0.3, 0.5], "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1},
     lambda t, p: ref_cfce(t, p, np.array([0.2, 0.3, 0.5]), 1.5, True, 0.1), onehot, logits),
    (losses.SparseCategoricalCrossentropy, {}, losses.sparse_categorical_crossentropy, {},
     ref_scce, int_labels, probs),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True},
     losses.sparse_categorical_crossentropy, {"from_logits": True},
     lambda t, p: ref_scce(t, p, True), int_labels[:, None].copy(), logits),
    (losses.Dice, {"axis": (1, 2, 3)}, losses.dice, {"axis": (1, 2, 3)},
     lambda t, p: ref_dice(t, p, (1, 2, 3)), seg_t, seg_p),
    (losses.Tversky, {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)}, losses.tversky,
     {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)},
     lambda t, p: ref_tversky(t, p, 0.3, 0.7, (1, 2, 3)), seg_t, seg_p),
    (losses.CategoricalGeneralizedCrossEntropy, {"q": 0.3},
     losses.categorical_generalized_cross_entropy, {"q": 0.3},
     lambda t, p: ref_gce(t, p, 0.3), int_labels, probs),
]
CASE_IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


def _close(a, b, rtol=2e-5, atol=2e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol,
                               atol=atol)


# ----------------------------------------------------------------------------- values

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_function_matches_reference(case):
    _, _, fn, fn_kwargs, ref, yt, yp = case
    expected = ref(yt.astype(np.float64), yp.astype(np.float64))
    out = fn(yt, yp, **fn_kwargs)
    assert out.dtype == jnp.float32
    _close(out, expected)
    _close(jax.jit(lambda a, b: fn(a, b, **fn_kwargs))(yt, yp), expected)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_class_reductions_and_sample_weight(case):
    cls, kwargs, _, _, ref, yt, yp = case
    per_sample = ref(yt.astype(np.float64), yp.astype(np.float64))
    # A per-row weight applies only when the loss has one value per row.
    weights = [None, SW] if per_sample.shape[:1] == (B,) else [None]
    objs = [cls(reduction=r, **kwargs) for r in REDUCTIONS]

    def all_values(a, b, objs=objs):
        return [[o(a, b, sample_weight=w) for w in weights] for o in objs]

    # Every reduction under jit; the default and None eagerly (same code, keeps the file fast).
    jitted = jax.jit(all_values)(yt, yp)
    eager = all_values(yt, yp, objs=[objs[0], objs[4]])
    for i, reduction in enumerate(REDUCTIONS):
        for j, w in enumerate(weights):
            expected = ref_reduce(per_sample, w, reduction)
            _close(jitted[i][j], expected)
            if i in (0, 4):
                _close(eager[0 if i == 0 else 1][j], expected)


def test_keras_documented_values():
    # Values printed in Keras 3's docstrings (computed by Keras, not by us), in one jitted call.
    y_true = np.array([[0, 1], [0, 0]])
    y_pred = np.array([[-18.6, 0.51], [2.94, -12.8]])
    yt = np.array([[0, 1, 0], [0, 0, 1]])
    yp = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    seg_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    seg_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    cases = [
        (lambda: losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred), 0.8654, 1e-3),
        (lambda: losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred, sample_weight=[0.8, 0.2]),
         0.243, 1e-3),
        (lambda: losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, y_pred), 1.730,
         1e-3),
        (lambda: losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)(y_true, y_pred), 0.647, 1e-3),
        (lambda: losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=5, from_logits=True,
                                                reduction=None)(y_true, y_pred), [0.0004, 0.8670], 1e-4),
        (lambda: losses.CategoricalCrossentropy()(yt, yp), 1.177, 1e-3),
        (lambda: losses.CategoricalCrossentropy()(yt, yp, sample_weight=np.array([0.3, 0.7])), 0.814,
         1e-3),
        (lambda: losses.SparseCategoricalCrossentropy()([1, 2], yp), 1.177, 1e-3),
        (lambda: losses.CategoricalFocalCrossentropy()(yt, yp), 0.23315276, 1e-6),
        (lambda: losses.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]],
                                          [[1., 0.], [1., 1.], [-1., -1.]]), [0, -1, 1], 1e-6),
        (lambda: jnp.mean(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 0.155, 1e-3),
        (lambda: losses.dice(seg_true, seg_pred, axis=(1, 2, 3)), [0.5, 0.75757575], 1e-6),
        (lambda: losses.dice(seg_true, seg_pred), 0.6164384, 1e-6),
    ]
    values = jax.jit(lambda: [fn() for fn, _, _ in cases])()
    for value, (_, expected, atol) in zip(values, cases):
        _close(value, expected, atol=atol)


def test_dice_and_tversky_over_whole_batch():
    for reduction in REDUCTIONS:
        _close(losses.Dice(reduction=reduction)(seg_t, seg_p), ref_dice(seg_t, seg_p))
        _close(losses.Tversky(alpha=0.2, beta=0.8, reduction=reduction)(seg_t, seg_p),
               ref_tversky(seg_t, seg_p, 0.2, 0.8))


def test_ctc_against_brute_force():
    labels = np.array([[1, 2, 0], [2, 2, 0], [1, 0, 0]])
    lg = rng.randn(3, 4, 3).astype(np.float32)
    expected = ref_ctc(labels, lg.astype(np.float64))

    def all_values(t, p):
        return (losses.ctc(t, p), losses.CTC()(t, p),
                losses.CTC(reduction="sum")(t, p, sample_weight=jnp.asarray([1.0, 0.5, 0.0])))

    per, mean, weighted_sum = jax.jit(all_values)(labels, lg)
    _close(per, expected, rtol=1e-4)
    _close(mean, expected.mean(), rtol=1e-4)
    _close(weighted_sum, expected[0] + 0.5 * expected[1], rtol=1e-4)
    _close(losses.ctc(labels, lg), expected, rtol=1e-4)  # eager
    with pytest.raises(ValueError, match="y_true.shape"):
        losses.ctc(labels[:, :, None], lg)


# ----------------------------------------------------------------------------- mask / padding

def _pad(x, n=1):
    x = np.asarray(x)
    return np.concatenate([x, np.full((n,) + x.shape[1:], 7, x.dtype)], axis=0)


PAD_CASES = [
    (losses.MeanSquaredError, {}, reg_t[:3], reg_p[:3]),
    (losses.BinaryCrossentropy, {"from_logits": True}, binary[:3], logits[:3]),
    (losses.CategoricalCrossentropy, {}, onehot[:3], probs[:3]),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True}, int_labels[:3], logits[:3]),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 1},
     np.array([[0, 1], [2, 2], [1, 0]]), rng.randn(3, 2, C).astype(np.float32)),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True},  # per-timestep losses
     np.array([[0, 1], [2, 2], [1, 0]]), rng.randn(3, 2, C).astype(np.float32)),
    (losses.Huber, {}, reg_t[:3, 0], reg_p[:3, 0]),  # (batch,) vs (batch,): a batch of scalars
    (losses.Dice, {}, seg_t[:3], seg_p[:3]),
    (losses.Dice, {"axis": (1, 2, 3)}, seg_t[:3], seg_p[:3]),
    (losses.Tversky, {"alpha": 0.3, "beta": 0.7}, seg_t[:3], seg_p[:3]),
]


@pytest.mark.parametrize("case", PAD_CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(PAD_CASES)])
def test_padded_batch_with_mask_equals_unpadded(case):
    """Every reduction, with and without sample weights: a batch padded from 3 to 4 rows with
    mask [1, 1, 1, 0] gives the loss of the 3 real rows."""
    cls, kwargs, yt, yp = case
    objs = [cls(reduction=r, **kwargs) for r in REDUCTIONS]
    sws = [None, np.array([0.5, 2.0, 1.5], np.float32)]
    sws_pad = [None, np.array([0.5, 2.0, 1.5, 3.0], np.float32)]
    mask = np.array([1, 1, 1, 0], np.float32)
    yt_pad, yp_pad = _pad(yt), _pad(yp)

    def padded_values(a, b, m, objs=objs):
        return [[o(a, b, sample_weight=w, mask=m) for w in sws_pad] for o in objs]

    def unpadded_values(a, b):
        if cls is losses.Huber:
            # Keras averages a (batch,) vs (batch,) input into one number; the per-row losses
            # of the (batch, 1) form give the same mean.
            a, b = a[:, None], b[:, None]
        return [[o(a, b, sample_weight=w) for w in sws] for o in objs]

    # Every reduction under jit; the default and None also eagerly.
    jitted = jax.jit(padded_values)(yt_pad, yp_pad, mask)
    eager = padded_values(yt_pad, yp_pad, mask, objs=[objs[0], objs[4]])
    eager = [eager[0], None, None, None, eager[1], None]
    reference = jax.jit(unpadded_values)(yt, yp)
    for i, loss in enumerate(objs):
        for j in range(len(sws)):
            unpadded = reference[i][j]
            for padded in (eager[i][j] if eager[i] else None, jitted[i][j]):
                if padded is None:
                    continue
                if loss.reduction in (None, "none") and np.ndim(unpadded) >= 1 and \
                        np.shape(padded)[:1] == (4,):
                    _close(padded[:3], unpadded)
                    _close(padded[3], np.zeros_like(np.asarray(padded[3])))
                else:
                    _close(padded, unpadded)


def test_sum_over_batch_size_mask_reference():
    # Explicit numbers: mean of the three valid rows, nothing from the padded one.
    yt = np.array([[1.0], [2.0], [3.0], [100.0]], np.float32)
    yp = np.array([[1.5], [2.0], [5.0], [-100.0]], np.float32)
    mask = np.array([1, 1, 1, 0])
    expected = (0.25 + 0.0 + 4.0) / 3
    _close(losses.MeanSquaredError()(yt, yp, mask=mask), expected)
    _close(losses.MeanSquaredError(reduction="sum")(yt, yp, mask=mask), 0.25 + 4.0)
    _close(losses.MeanSquaredError()(yt, yp, mask=np.zeros(4)), 0.0)


def test_ignore_class_means_over_valid_entries():
    lg = rng.randn(2, 3, C).astype(np.float32)
    labels = np.array([[0, 2, -1], [-1, 1, 1]])
    per = ref_scce(np.where(labels < 0, 0, labels), lg, True)
    valid = labels != -1
    mean_loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    none_loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=None)
    prob_loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)

    def all_values(t, z):
        fn = losses.sparse_categorical_crossentropy(t, z, from_logits=True, ignore_class=-1)
        return mean_loss(t, z), none_loss(t, z), fn

    for mean, none, fn in (all_values(labels, lg), jax.jit(all_values)(labels, lg)):
        _close(mean, per[valid].mean())
        _close(none, np.where(valid, per, 0.0))
        _close(fn, np.where(valid, per, 0.0))
    # Gradients stay finite for the ignored entries, also on the probability path.
    grad = jax.jit(jax.grad(lambda q: prob_loss(labels, q)))(jax.nn.softmax(lg))
    assert np.all(np.isfinite(grad))


def test_scalar_loss_with_mask_warns():
    def total_mean(y_true, y_pred):
        return jnp.mean(jnp.square(y_true - y_pred))

    loss = losses.LossFunctionWrapper(total_mean)
    with pytest.warns(UserWarning, match="scalar"):
        loss(reg_t, reg_p, mask=np.array([1, 1, 1, 0]))


# ----------------------------------------------------------------------------- numerics / dtypes

def test_logit_paths_are_stable():
    big = np.array([[100.0, -100.0]], np.float32)

    def all_values():
        return (
            losses.binary_crossentropy(np.array([[0.0, 1.0]]), big, from_logits=True),
            losses.binary_crossentropy(np.array([[1.0, 0.0]]), big, from_logits=True),
            losses.categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]),
                                            np.array([[1000.0, 0.0, -1000.0]]), from_logits=True),
            jax.grad(lambda z: losses.BinaryCrossentropy(from_logits=True)(np.ones((1, 2)), z))(big),
            # The probability path clips with epsilon like Keras.
            losses.binary_crossentropy([[1.0]], [[0.0]]),
        )

    a, b, c, g, clipped = jax.jit(all_values)()
    _close(a, [100.0])
    _close(b, [0.0])
    _close(c, [1000.0])
    assert np.all(np.isfinite(g))
    _close(clipped, [-math.log(EPS)], rtol=1e-4)


def test_cosine_zero_vector_is_zero_with_finite_gradient():
    z = np.zeros((1, 3), np.float32)
    _close(losses.cosine_similarity(z, np.ones((1, 3))), [0.0])
    g = jax.jit(jax.grad(lambda p: jnp.sum(losses.cosine_similarity(np.ones((1, 3)), p))))(z)
    assert np.all(np.isfinite(g))


def test_half_precision_inputs_compute_in_float32():
    yp16 = jnp.asarray(probs, jnp.bfloat16)
    out = losses.CategoricalCrossentropy()(onehot, yp16)
    assert out.dtype == jnp.float32
    _close(out, ref_cce(onehot, np.asarray(yp16, np.float64)).mean(), rtol=1e-5)
    assert losses.mean_squared_error(reg_t.astype(np.float16), reg_p.astype(np.float16)).dtype == \
        jnp.float32
    assert losses.MeanSquaredError().dtype == "float32"


def test_integer_inputs_are_cast():
    yt = np.array([[1, 2], [3, 4]], np.int32)
    yp = np.array([[1, 1], [5, 4]], np.int64)
    _close(losses.mean_squared_error(yt, yp), [0.5, 2.0])
    _close(losses.MeanSquaredError()(yt, yp), 1.25)
    _close(losses.SparseCategoricalCrossentropy()(int_labels.astype(np.int64), probs),
           ref_scce(int_labels, probs).mean())


def test_rank_alignment_like_keras():
    # (batch,) labels against (batch, 1) predictions are expanded, not broadcast to (batch, batch).
    yt = np.array([0.0, 1.0, 1.0])
    yp = np.array([[0.2], [0.7], [0.9]], np.float32)
    _close(losses.BinaryCrossentropy(reduction=None)(yt, yp), ref_bce(yt[:, None], yp))
    _close(losses.MeanSquaredError()(yt, yp), np.mean((yt - yp[:, 0]) ** 2))
    # Sample weights of shape (batch, 1) and (batch,) agree.
    lo = losses.MeanSquaredError(reduction="sum")
    _close(lo(reg_t, reg_p, sample_weight=SW), lo(reg_t, reg_p, sample_weight=SW[:, None]))


def test_per_timestep_sample_weight():
    lg = rng.randn(2, 3, C).astype(np.float32)
    labels = rng.randint(0, C, size=(2, 3))
    sw = rng.uniform(size=(2, 3)).astype(np.float32)
    per = ref_scce(labels, lg, True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    _close(loss(labels, lg, sample_weight=sw), np.sum(per * sw))
    _close(loss(labels, lg, sample_weight=sw[:, :1].ravel()), np.sum(per * sw[:, :1]))


# ----------------------------------------------------------------------------- errors

def test_shape_errors_name_loss_and_shapes():
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\(4, 3\).*categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(onehot, probs)
    with pytest.raises(ValueError,
                       match=r"categorical_crossentropy.*\(4,\).*\(4, 3\).*sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(int_labels, probs)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(int_labels[:, None], probs)
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4, 3\).*\(4, 2\)"):
        losses.MeanSquaredError()(reg_t, reg_p[:, :2])
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\(4, 3\).*\(4, 2\)"):
        losses.binary_crossentropy(binary, probs[:, :2])
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(reg_t, reg_p, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy(onehot, probs, axis=True)
    with pytest.raises(ValueError, match="q"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)


def test_single_class_categorical_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_did_you_mean():
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Did you mean 'CategoricalCrossentropy'"):
        losses.get("CategoricalCrossentropi")


# ----------------------------------------------------------------------------- get / serialize

@pytest.mark.parametrize("name,fn", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error),
    ("mae", losses.mean_absolute_error), ("mape", losses.mean_absolute_percentage_error),
    ("msle", losses.mean_squared_logarithmic_error), ("huber", losses.huber),
    ("log_cosh", losses.log_cosh), ("logcosh", losses.log_cosh), ("kld", losses.kl_divergence),
    ("kl_divergence", losses.kl_divergence), ("kullback_leibler_divergence", losses.kl_divergence),
    ("poisson", losses.poisson), ("hinge", losses.hinge), ("squared_hinge", losses.squared_hinge),
    ("categorical_hinge", losses.categorical_hinge), ("cosine_similarity", losses.cosine_similarity),
    ("binary_crossentropy", losses.binary_crossentropy), ("bce", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
    ("binary_focal_crossentropy", losses.binary_focal_crossentropy),
    ("categorical_focal_crossentropy", losses.categorical_focal_crossentropy),
])
def test_get_function_names(name, fn):
    assert losses.get(name) is fn
    assert losses.serialize(fn) == fn.__name__
    assert losses.deserialize(losses.serialize(fn)) is fn


def test_module_aliases():
    assert losses.mse is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.logcosh is losses.log_cosh
    assert losses.kld is losses.kl_divergence is losses.kullback_leibler_divergence


def test_get_other_identifiers():
    assert losses.get(None) is None
    inst = losses.get("SparseCategoricalCrossentropy")
    assert isinstance(inst, losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    h = losses.Huber(delta=2.0)
    assert losses.get(h) is h
    fn = lambda a, b: a - b  # noqa: E731
    assert losses.get(fn) is fn
    cce = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(cce, losses.CategoricalCrossentropy) and cce.from_logits
    with pytest.raises(ValueError, match="Could not interpret"):
        losses.get(3)


CLASS_INSTANCES = [
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1, reduction="sum", name="b"),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.0, from_logits=True),
    losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=1),
    losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=3.0, label_smoothing=0.1),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255, reduction=None),
    losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge(),
    losses.MeanSquaredError(reduction="mean"), losses.MeanAbsoluteError(),
    losses.MeanAbsolutePercentageError(), losses.MeanSquaredLogarithmicError(),
    losses.Huber(delta=2.5), losses.LogCosh(), losses.KLDivergence(), losses.Poisson(),
    losses.CosineSimilarity(axis=0, reduction="mean_with_sample_weight"),
    losses.Dice(axis=(1, 2)), losses.Tversky(alpha=0.2, beta=0.8, axis=(1,)), losses.CTC(),
    losses.CategoricalGeneralizedCrossEntropy(q=0.25),
]

EXPECTED_KEYS = {
    "BinaryCrossentropy": {"from_logits", "label_smoothing", "axis"},
    "BinaryFocalCrossentropy": {"from_logits", "label_smoothing", "axis", "apply_class_balancing",
                                "alpha", "gamma"},
    "CategoricalCrossentropy": {"from_logits", "label_smoothing", "axis"},
    "CategoricalFocalCrossentropy": {"from_logits", "label_smoothing", "axis", "alpha", "gamma"},
    "SparseCategoricalCrossentropy": {"from_logits", "ignore_class"},
    "Huber": {"delta"}, "CosineSimilarity": {"axis"}, "Dice": {"axis"},
    "Tversky": {"alpha", "beta", "axis"}, "CategoricalGeneralizedCrossEntropy": {"q"},
}


@pytest.mark.parametrize("obj", CLASS_INSTANCES, ids=lambda o: type(o).__name__)
def test_config_round_trip(obj):
    config = obj.get_config()
    assert set(config) == {"name", "reduction"} | EXPECTED_KEYS.get(type(obj).__name__, set())
    clone = type(obj).from_config(config)
    assert clone.get_config() == config
    ser = losses.serialize(obj)
    assert ser["class_name"] == type(obj).__name__ and ser["module"] == "keras.losses"
    rebuilt = losses.deserialize(json.loads(json.dumps(ser)))
    assert type(rebuilt) is type(obj)
    assert losses.serialize(rebuilt)["config"] == json.loads(json.dumps(ser))["config"]
    assert isinstance(losses.get(ser), type(obj))


def test_defaults_and_names_match_keras():
    assert losses.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None}
    assert losses.Huber().name == "huber_loss"
    assert losses.LogCosh().name == "log_cosh"
    assert losses.KLDivergence().name == "kl_divergence"
    assert losses.BinaryFocalCrossentropy().get_config()["alpha"] == 0.25
    assert losses.Tversky().get_config() == {"name": "tversky", "reduction": "sum_over_batch_size",
                                             "alpha": 0.5, "beta": 0.5, "axis": None}


def test_loads_keras_written_config():
    config = {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
              "config": {"name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
                         "from_logits": True, "label_smoothing": 0.0, "axis": -1},
              "registered_name": None}
    loss = losses.deserialize(config)
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.from_logits


# ----------------------------------------------------------------------------- custom losses

def test_loss_function_wrapper_and_round_trip():
    from fkeras.saving.registry import register_keras_serializable

    @register_keras_serializable(package="test_losses")
    def powered(y_true, y_pred, power=2.0):
        return jnp.mean(jnp.abs(y_true - y_pred) ** power, axis=-1)

    loss = losses.LossFunctionWrapper(powered, name="pow3", power=3.0)
    expected = np.mean(np.mean(np.abs(reg_t - reg_p) ** 3, -1))
    _close(loss(reg_t, reg_p), expected, rtol=1e-5)
    _close(jax.jit(loss)(reg_t, reg_p), expected, rtol=1e-5)
    config = loss.get_config()
    assert config["power"] == 3.0 and config["name"] == "pow3"
    clone = losses.LossFunctionWrapper.from_config(json.loads(json.dumps(config)))
    assert clone.fn is powered and clone._fn_kwargs == {"power": 3.0}
    wrapped_builtin = losses.LossFunctionWrapper(losses.mse)
    assert wrapped_builtin.get_config()["fn"] == "mean_squared_error"
    assert losses.LossFunctionWrapper.from_config(wrapped_builtin.get_config()).fn is losses.mse


def test_loss_subclass():
    class Scaled(losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * jnp.mean(jnp.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    loss = Scaled(scale=3.0, reduction="sum")
    assert loss.name == "scaled" or loss.name.startswith("scaled_")
    _close(loss(reg_t, reg_p), 3 * ref_mse(reg_t, reg_p).sum(), rtol=1e-5)
    _close(loss(reg_t, reg_p, sample_weight=SW), 3 * (ref_mse(reg_t, reg_p) * SW).sum(), rtol=1e-5)
    assert Scaled.from_config(loss.get_config()).scale == 3.0
    with pytest.raises(NotImplementedError, match="call"):
        losses.Loss()(reg_t, reg_p)


def test_multi_output_structures():
    loss = losses.MeanSquaredError(reduction="sum")
    # A dict of outputs is summed leafwise by the wrapped function when it handles nests;
    # the conversion keeps the structure.
    wrapper = losses.LossFunctionWrapper(
        lambda t, p: losses.mean_squared_error(t["a"], p["a"]) + losses.mean_absolute_error(t["b"], p["b"]),
        reduction="sum")
    out = wrapper({"a": reg_t, "b": pos_t}, {"a": reg_p, "b": pos_p})
    _close(out, (ref_mse(reg_t, reg_p) + ref_mae(pos_t, pos_p)).sum(), rtol=1e-5)
    _close(loss([[1.0, 2.0]], [[1.0, 4.0]]), 2.0)


def test_reduce_weighted_values_direct():
    v = jnp.asarray([1.0, 2.0, 3.0, 4.0])
    _close(loss_module.reduce_weighted_values(v, reduction="sum"), 10.0)
    _close(loss_module.reduce_weighted_values(v, sample_weight=[0, 0, 0, 0],
                                              reduction="mean_with_sample_weight"), 0.0)
    _close(loss_module.reduce_weighted_values(v, mask=[1, 0, 1, 0]), 2.0)
    _close(loss_module.reduce_weighted_values(v, mask=[1, 0, 1, 0], reduction="mean_with_sample_weight"),
           2.0)
