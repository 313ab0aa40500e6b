"""keras.metrics vs independent numpy / scikit-learn references: eager (several batches),
pure ``stateless_*`` under ``jax.jit``, sample weights, and padded batches whose padded rows
carry weight 0 (what the trainer does for the last partial batch)."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics as skm

from fkeras import metrics, ops
from fkeras.engine.variables import Variable
from fkeras.metrics.metric import to_result
from fkeras.ops import numpy as knp

EPS = 1e-7
N = 11
SPLITS = [(0, 4), (4, 8), (8, 11)]  # several batches, the last one partial
PAD = 4  # the jitted / padded path pads every batch to 4 rows

rng = np.random.default_rng(0)
SW = rng.uniform(0.2, 2.0, N).astype("float32")

# binary: labels (N, 1), probabilities (N, 1), distinct values
YB = rng.integers(0, 2, (N, 1)).astype("float32")
YB[:2, 0] = [0, 1]
PB = rng.permutation(np.linspace(0.04, 0.96, N)).astype("float32")[:, None]
# multi-class: integer labels, one-hot labels, probabilities (N, 4)
YC = rng.integers(0, 4, N).astype("int32")
YC[:4] = [0, 1, 2, 3]
OC = np.eye(4, dtype="float32")[YC]
_logits = rng.standard_normal((N, 4)).astype("float32")
PC = (np.exp(_logits) / np.exp(_logits).sum(-1, keepdims=True)).astype("float32")
# multi-label: labels (N, 3), probabilities (N, 3)
YM = rng.integers(0, 2, (N, 3)).astype("float32")
YM[:2] = [[0, 0, 0], [1, 1, 1]]
PM = rng.uniform(0.02, 0.98, (N, 3)).astype("float32")
# regression (N, 3), positive values
YR = rng.uniform(0.5, 2.0, (N, 3)).astype("float32")
PR = (YR + rng.normal(0, 0.4, (N, 3))).clip(0.1, None).astype("float32")
VALS = rng.normal(0, 1, (N, 3)).astype("float32")


# ----------------------------------------------------------------------------------
# numpy references (float64)
# ----------------------------------------------------------------------------------

def wmean(v, sw):
    v = np.asarray(v, np.float64)
    return float(np.average(v, weights=sw)) if sw is not None else float(v.mean())


def rowmean(x):
    return np.asarray(x, np.float64).reshape(len(x), -1).mean(-1)


def in_top_k(labels, scores, k):
    target = scores[np.arange(len(labels)), labels]
    return (scores > target[:, None]).sum(-1) < k


def conf_counts(y, p, thresholds, sw, kind):
    y = np.asarray(y, bool).reshape(len(y), -1)
    p = np.asarray(p, np.float64).reshape(len(p), -1)
    w = np.ones(len(y)) if sw is None else np.asarray(sw, np.float64)
    out = []
    for t in thresholds:
        pos = p > t
        cond = {"tp": y & pos, "fp": ~y & pos, "tn": ~y & ~pos, "fn": y & ~pos}[kind]
        out.append(float((cond * w[:, None]).sum()))
    return np.array(out)


def keras_grid(n):
    return np.array([-EPS] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + EPS])


def auc_ref(y, p, sw, n=200, curve="ROC", method="interpolation"):
    """Keras's AUC formula computed directly (comparisons against every threshold)."""
    t = keras_grid(n)
    tp, fp = conf_counts(y, p, t, sw, "tp"), conf_counts(y, p, t, sw, "fp")
    tn, fn = conf_counts(y, p, t, sw, "tn"), conf_counts(y, p, t, sw, "fn")
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))  # noqa: E731
    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        dp = pp[:-1] - pp[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return float(np.sum(div(slope * (dtp + intercept * np.log(ratio)), tp[1:] + fn[1:])))
    rec = div(tp, tp + fn)
    x, yv = (div(fp, fp + tn), rec) if curve == "ROC" else (rec, div(tp, tp + fp))
    h = {"interpolation": (yv[:-1] + yv[1:]) / 2, "minoring": np.minimum(yv[:-1], yv[1:]),
         "majoring": np.maximum(yv[:-1], yv[1:])}[method]
    return float(np.sum((x[:-1] - x[1:]) * h))


def at_ref(y, p, sw, value, which, n=200):
    t = np.array([0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0])
    tp, fp = conf_counts(y, p, t, sw, "tp"), conf_counts(y, p, t, sw, "fp")
    tn, fn = conf_counts(y, p, t, sw, "tn"), conf_counts(y, p, t, sw, "fn")
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))  # noqa: E731
    rec, prec, spec = div(tp, tp + fn), div(tp, tp + fp), div(tn, tn + fp)
    constrained, dependent = {"precision_at_recall": (rec, prec), "recall_at_precision": (prec, rec),
                              "sensitivity_at_specificity": (spec, rec),
                              "specificity_at_sensitivity": (rec, spec)}[which]
    feasible = constrained >= value
    return float(dependent[feasible].max()) if feasible.any() else 0.0


def sk_sw(sw):
    return None if sw is None else np.asarray(sw, np.float64)


def r2_ref(y, p, sw, multioutput="uniform_average"):
    return skm.r2_score(y, p, sample_weight=sk_sw(sw), multioutput=multioutput)


def hinge_labels(y):
    return 2 * y - 1


# ----------------------------------------------------------------------------------
# cases: (id, factory, args, reference(args..., sw), atol)
# ----------------------------------------------------------------------------------

def _topk_mask(p, k):
    idx = np.argsort(-p, axis=-1)[:, :k]
    m = np.zeros_like(p, bool)
    np.put_along_axis(m, idx, True, axis=-1)
    return m


def _prec_topk_ref(y, p, sw, k):
    pos = _topk_mask(p, k)
    w = np.ones(len(y)) if sw is None else sw
    tp = ((y.astype(bool) & pos) * w[:, None]).sum()
    fp = ((~y.astype(bool) & pos) * w[:, None]).sum()
    return tp / (tp + fp)


def _f_ref(y, p, sw, average, beta=1.0, threshold=0.5):
    if threshold is None:
        pred = np.eye(p.shape[-1])[p.argmax(-1)]
    else:
        pred = (p > threshold).astype(int)
    return skm.fbeta_score(y.astype(int), pred.astype(int), beta=beta, average=average,
                           sample_weight=sk_sw(sw), zero_division=0)


CASES = [
    ("mean", lambda: metrics.Mean(), (VALS,), lambda v, sw: wmean(rowmean(v), sw), 1e-5),
    ("sum", lambda: metrics.Sum(), (VALS,),
     lambda v, sw: float((v.sum(-1) * (1 if sw is None else sw)).sum()), 1e-4),
    ("accuracy", lambda: metrics.Accuracy(), (YB, (PB > 0.5).astype("float32")),
     lambda y, p, sw: wmean((y == p)[:, 0], sw), 1e-6),
    ("accuracy_rank1", lambda: metrics.Accuracy(), (YC, np.roll(YC, 1)),
     lambda y, p, sw: wmean(y == p, sw), 1e-6),
    ("binary_accuracy", lambda: metrics.BinaryAccuracy(), (YB, PB),
     lambda y, p, sw: wmean(((p > 0.5) == y)[:, 0], sw), 1e-6),
    ("binary_accuracy_t03", lambda: metrics.BinaryAccuracy(threshold=0.3), (YB[:, 0], PB),
     lambda y, p, sw: wmean((p[:, 0] > 0.3) == y, sw), 1e-6),
    ("categorical_accuracy", lambda: metrics.CategoricalAccuracy(), (OC, PC),
     lambda y, p, sw: wmean(y.argmax(-1) == p.argmax(-1), sw), 1e-6),
    ("sparse_categorical_accuracy", lambda: metrics.SparseCategoricalAccuracy(), (YC, PC),
     lambda y, p, sw: wmean(y == p.argmax(-1), sw), 1e-6),
    ("sparse_categorical_accuracy_b1", lambda: metrics.SparseCategoricalAccuracy(), (YC[:, None], PC),
     lambda y, p, sw: wmean(y[:, 0] == p.argmax(-1), sw), 1e-6),
    ("top_k_categorical_accuracy", lambda: metrics.TopKCategoricalAccuracy(k=2), (OC, PC),
     lambda y, p, sw: wmean(in_top_k(y.argmax(-1), p, 2), sw), 1e-6),
    ("sparse_top_k", lambda: metrics.SparseTopKCategoricalAccuracy(k=2), (YC, PC),
     lambda y, p, sw: wmean(in_top_k(y, p, 2), sw), 1e-6),
    ("sparse_top_k_sorted_ids",
     lambda: metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
     (YC, np.argsort(-PC, axis=-1).astype("int32")),
     lambda y, ids, sw: wmean((ids[:, :2] == y[:, None]).any(-1), sw), 1e-6),
    ("precision", lambda: metrics.Precision(), (YB, PB),
     lambda y, p, sw: skm.precision_score(y[:, 0], p[:, 0] > 0.5, sample_weight=sk_sw(sw)), 1e-5),
    ("precision_thresholds", lambda: metrics.Precision(thresholds=[0.3, 0.5, 0.7]), (YB, PB),
     lambda y, p, sw: [skm.precision_score(y[:, 0], p[:, 0] > t, sample_weight=sk_sw(sw),
                                           zero_division=0) for t in (0.3, 0.5, 0.7)], 1e-5),
    ("precision_top_k", lambda: metrics.Precision(top_k=2), (YM, PM),
     lambda y, p, sw: _prec_topk_ref(y, p, sw, 2), 1e-5),
    ("precision_class_id", lambda: metrics.Precision(class_id=1), (YM, PM),
     lambda y, p, sw: skm.precision_score(y[:, 1], p[:, 1] > 0.5, sample_weight=sk_sw(sw)), 1e-5),
    ("recall", lambda: metrics.Recall(), (YB[:, 0], PB[:, 0]),
     lambda y, p, sw: skm.recall_score(y, p > 0.5, sample_weight=sk_sw(sw)), 1e-5),
    ("recall_class_id_t04", lambda: metrics.Recall(thresholds=0.4, class_id=2), (YM, PM),
     lambda y, p, sw: skm.recall_score(y[:, 2], p[:, 2] > 0.4, sample_weight=sk_sw(sw)), 1e-5),
    ("recall_multilabel_flat", lambda: metrics.Recall(), (YM, PM),
     lambda y, p, sw: conf_counts(y, p, [0.5], sw, "tp")[0]
     / (conf_counts(y, p, [0.5], sw, "tp")[0] + conf_counts(y, p, [0.5], sw, "fn")[0]), 1e-5),
    ("true_positives", lambda: metrics.TruePositives(), (YB, PB),
     lambda y, p, sw: conf_counts(y, p, [0.5], sw, "tp")[0], 1e-4),
    ("false_positives_even", lambda: metrics.FalsePositives(thresholds=[0.0, 0.5, 1.0]), (YB, PB),
     lambda y, p, sw: conf_counts(y, p, [0.0, 0.5, 1.0], sw, "fp"), 1e-4),
    ("true_negatives_multi", lambda: metrics.TrueNegatives(thresholds=[0.2, 0.6]), (YM, PM),
     lambda y, p, sw: conf_counts(y, p, [0.2, 0.6], sw, "tn"), 1e-4),
    ("false_negatives", lambda: metrics.FalseNegatives(thresholds=0.35), (YB, PB),
     lambda y, p, sw: conf_counts(y, p, [0.35], sw, "fn")[0], 1e-4),
    ("auc_roc", lambda: metrics.AUC(), (YB, PB), lambda y, p, sw: auc_ref(y, p, sw), 1e-5),
    ("auc_roc_10", lambda: metrics.AUC(num_thresholds=10), (YB, PB),
     lambda y, p, sw: auc_ref(y, p, sw, n=10), 1e-5),
    ("auc_pr", lambda: metrics.AUC(curve="PR"), (YB, PB),
     lambda y, p, sw: auc_ref(y, p, sw, curve="PR"), 1e-5),
    ("auc_pr_minoring", lambda: metrics.AUC(curve="PR", summation_method="minoring", num_thresholds=7),
     (YB, PB), lambda y, p, sw: auc_ref(y, p, sw, n=7, curve="PR", method="minoring"), 1e-5),
    ("auc_roc_majoring", lambda: metrics.AUC(summation_method="majoring", num_thresholds=9),
     (YB, PB), lambda y, p, sw: auc_ref(y, p, sw, n=9, method="majoring"), 1e-5),
    ("auc_custom_thresholds", lambda: metrics.AUC(thresholds=[0.7, 0.2, 0.5]), (YB, PB),
     lambda y, p, sw: _auc_custom_ref(y, p, sw, [0.2, 0.5, 0.7]), 1e-5),
    ("auc_from_logits", lambda: metrics.AUC(from_logits=True),
     (YB, np.log(PB / (1 - PB)).astype("float32")), lambda y, p, sw: auc_ref(y, PB, sw), 1e-5),
    ("auc_multi_label", lambda: metrics.AUC(multi_label=True, num_labels=3), (YM, PM),
     lambda y, p, sw: np.mean([auc_ref(y[:, j], p[:, j], sw) for j in range(3)]), 1e-5),
    ("auc_multi_label_weights",
     lambda: metrics.AUC(multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 0.5]), (YM, PM),
     lambda y, p, sw: np.average([auc_ref(y[:, j], p[:, j], sw) for j in range(3)],
                                 weights=[1.0, 2.0, 0.5]), 1e-5),
    ("auc_flat_label_weights", lambda: metrics.AUC(label_weights=[1.0, 0.0, 3.0]), (YM, PM),
     lambda y, p, sw: _auc_label_weight_ref(y, p, sw, [1.0, 0.0, 3.0]), 1e-5),
    ("precision_at_recall", lambda: metrics.PrecisionAtRecall(0.6), (YB, PB),
     lambda y, p, sw: at_ref(y, p, sw, 0.6, "precision_at_recall"), 1e-5),
    ("recall_at_precision", lambda: metrics.RecallAtPrecision(0.7), (YB, PB),
     lambda y, p, sw: at_ref(y, p, sw, 0.7, "recall_at_precision"), 1e-5),
    ("sensitivity_at_specificity", lambda: metrics.SensitivityAtSpecificity(0.5), (YB, PB),
     lambda y, p, sw: at_ref(y, p, sw, 0.5, "sensitivity_at_specificity"), 1e-5),
    ("specificity_at_sensitivity", lambda: metrics.SpecificityAtSensitivity(0.5), (YB, PB),
     lambda y, p, sw: at_ref(y, p, sw, 0.5, "specificity_at_sensitivity"), 1e-5),
    ("f1_none", lambda: metrics.F1Score(threshold=0.5), (YM, PM),
     lambda y, p, sw: _f_ref(y, p, sw, None), 1e-5),
    ("f1_micro", lambda: metrics.F1Score(average="micro", threshold=0.5), (YM, PM),
     lambda y, p, sw: _f_ref(y, p, sw, "micro"), 1e-5),
    ("f1_macro", lambda: metrics.F1Score(average="macro", threshold=0.5), (YM, PM),
     lambda y, p, sw: _f_ref(y, p, sw, "macro"), 1e-5),
    ("f1_weighted", lambda: metrics.F1Score(average="weighted", threshold=0.5), (YM, PM),
     lambda y, p, sw: _f_ref(y, p, sw, "weighted"), 1e-5),
    ("f1_argmax", lambda: metrics.F1Score(average="macro"), (OC, PC),
     lambda y, p, sw: _f_ref(y, p, sw, "macro", threshold=None), 1e-5),
    ("fbeta_2", lambda: metrics.FBetaScore(beta=2.0, threshold=0.5), (YM, PM),
     lambda y, p, sw: _f_ref(y, p, sw, None, beta=2.0), 1e-5),
    ("mse", lambda: metrics.MeanSquaredError(), (YR, PR),
     lambda y, p, sw: wmean(((y - p) ** 2).mean(-1), sw), 1e-5),
    ("mse_rank1", lambda: metrics.MeanSquaredError(), (YR[:, 0], PR[:, 0]),
     lambda y, p, sw: wmean((y - p) ** 2, sw), 1e-5),
    ("mae", lambda: metrics.MeanAbsoluteError(), (YR, PR),
     lambda y, p, sw: wmean(np.abs(y - p).mean(-1), sw), 1e-5),
    ("mape", lambda: metrics.MeanAbsolutePercentageError(), (YR, PR),
     lambda y, p, sw: wmean(100 * np.abs((y - p) / y).mean(-1), sw), 1e-3),
    ("msle", lambda: metrics.MeanSquaredLogarithmicError(), (YR, PR),
     lambda y, p, sw: wmean(((np.log1p(y.astype(np.float64)) - np.log1p(p)) ** 2).mean(-1), sw), 1e-5),
    ("rmse", lambda: metrics.RootMeanSquaredError(), (YR, PR),
     lambda y, p, sw: np.sqrt(wmean(((y - p) ** 2).mean(-1), sw)), 1e-5),
    ("cosine_similarity", lambda: metrics.CosineSimilarity(), (YR - 1.2, PR - 1.2),
     lambda y, p, sw: wmean((y * p).sum(-1) / np.linalg.norm(y, axis=-1)
                            / np.linalg.norm(p, axis=-1), sw), 1e-5),
    ("logcosh", lambda: metrics.LogCoshError(), (YR, PR),
     lambda y, p, sw: wmean(np.log(np.cosh(p.astype(np.float64) - y)).mean(-1), sw), 1e-5),
    ("hinge", lambda: metrics.Hinge(), (YM, PM * 2 - 1),
     lambda y, p, sw: wmean(np.maximum(1 - hinge_labels(y) * p, 0).mean(-1), sw), 1e-5),
    ("squared_hinge", lambda: metrics.SquaredHinge(), (YM, PM * 2 - 1),
     lambda y, p, sw: wmean((np.maximum(1 - hinge_labels(y) * p, 0) ** 2).mean(-1), sw), 1e-5),
    ("categorical_hinge", lambda: metrics.CategoricalHinge(), (OC, PC),
     lambda y, p, sw: wmean(np.maximum((p * (1 - y)).max(-1) - (p * y).sum(-1) + 1, 0), sw), 1e-5),
    ("binary_crossentropy", lambda: metrics.BinaryCrossentropy(), (YM, PM),
     lambda y, p, sw: wmean((-(y * np.log(p) + (1 - y) * np.log(1 - p))).mean(-1), sw), 1e-5),
    ("binary_crossentropy_logits", lambda: metrics.BinaryCrossentropy(from_logits=True),
     (YM, np.log(PM / (1 - PM)).astype("float32")),
     lambda y, p, sw: wmean((-(y * np.log(PM) + (1 - y) * np.log(1 - PM))).mean(-1), sw), 1e-4),
    ("categorical_crossentropy", lambda: metrics.CategoricalCrossentropy(), (OC, PC),
     lambda y, p, sw: wmean(-(y * np.log(p)).sum(-1), sw), 1e-5),
    ("sparse_categorical_crossentropy", lambda: metrics.SparseCategoricalCrossentropy(), (YC, PC),
     lambda y, p, sw: wmean(-np.log(p[np.arange(len(y)), y]), sw), 1e-5),
    ("kl_divergence", lambda: metrics.KLDivergence(), (np.roll(PC, 1, axis=0), PC),
     lambda y, p, sw: wmean((y * np.log(y / p)).sum(-1), sw), 1e-5),
    ("poisson", lambda: metrics.Poisson(), (YR, PR),
     lambda y, p, sw: wmean((p - y * np.log(p + EPS)).mean(-1), sw), 1e-5),
    ("r2_uniform", lambda: metrics.R2Score(), (YR, PR), lambda y, p, sw: r2_ref(y, p, sw), 1e-4),
    ("r2_variance_weighted", lambda: metrics.R2Score(class_aggregation="variance_weighted_average"),
     (YR, PR), lambda y, p, sw: r2_ref(y, p, sw, "variance_weighted"), 1e-4),
    ("r2_raw", lambda: metrics.R2Score(class_aggregation=None), (YR, PR),
     lambda y, p, sw: r2_ref(y, p, sw, "raw_values"), 1e-4),
    ("r2_adjusted", lambda: metrics.R2Score(num_regressors=2), (YR[:, :1], PR[:, :1]),
     lambda y, p, sw: 1 - (1 - r2_ref(y, p, sw)) * (N - 1) / (N - 2 - 1), 1e-4),
    ("mean_metric_wrapper", lambda: metrics.MeanMetricWrapper(_power_error, name="pe", power=3),
     (YR, PR), lambda y, p, sw: wmean((np.abs(y - p) ** 3).mean(-1), sw), 1e-5),
]


def _power_error(y_true, y_pred, power=2):
    return knp.mean(knp.abs(y_true - y_pred) ** power, axis=-1)


def _auc_custom_ref(y, p, sw, inner):
    t = np.array([-EPS] + inner + [1 + EPS])
    tp, fp = conf_counts(y, p, t, sw, "tp"), conf_counts(y, p, t, sw, "fp")
    tn, fn = conf_counts(y, p, t, sw, "tn"), conf_counts(y, p, t, sw, "fn")
    rec, fpr = tp / (tp + fn), fp / (fp + tn)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (rec[:-1] + rec[1:]) / 2))


def _auc_label_weight_ref(y, p, sw, lw):
    # flattened data, each entry weighted by its row weight times its label weight
    w = (np.ones(len(y)) if sw is None else sw)[:, None] * np.asarray(lw)[None, :]
    yf, pf, wf = y.reshape(-1, 1), p.reshape(-1, 1), w.reshape(-1)
    return auc_ref(yf, pf, wf)


IDS = [c[0] for c in CASES]


def _result(m):
    return np.asarray(to_result(m.result()), np.float64)


def _eager(m, args, sw):
    for a, b in SPLITS:
        m.update_state(*[x[a:b] for x in args], sample_weight=None if sw is None else sw[a:b])
    return _result(m)


def _pad_batch(args, sw, a, b, fill="reverse"):
    """Rows a:b padded to PAD rows with other data (or NaN predictions); weights * mask."""
    n = b - a
    out = []
    for i, x in enumerate(args):
        real = x[a:b]
        junk = x[::-1][: PAD - n].copy()
        if fill == "nan" and i == len(args) - 1 and np.issubdtype(junk.dtype, np.floating):
            junk[:] = np.nan
        out.append(np.concatenate([real, junk], axis=0))
    mask = np.concatenate([np.ones(n), np.zeros(PAD - n)]).astype("float32")
    w = mask if sw is None else np.concatenate([sw[a:b], np.ones(PAD - n, "float32")]) * mask
    return out, w


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_eager_weighted_and_padded(case):
    """Eagerly over uneven batches with sample weights vs the reference; then the same batches
    padded to PAD rows whose weights are 0 (weights * row mask) give exactly that result."""
    _, factory, args, ref, atol = case
    got = _eager(factory(), args, SW)
    np.testing.assert_allclose(got, np.asarray(ref(*args, SW), np.float64), rtol=1e-4, atol=atol)
    m = factory()
    for a, b in SPLITS:
        xs, w = _pad_batch(args, SW, a, b)
        m.update_state(*xs, sample_weight=w)
    np.testing.assert_allclose(_result(m), got, rtol=2e-6, atol=1e-6)


UNWEIGHTED = ["mean", "sum", "accuracy_rank1", "sparse_categorical_accuracy", "precision_thresholds",
              "false_positives_even", "auc_pr", "auc_multi_label", "f1_weighted", "rmse",
              "r2_variance_weighted"]


@pytest.mark.parametrize("name", UNWEIGHTED)
def test_eager_unweighted_matches_reference(name):
    _, factory, args, ref, atol = CASES[IDS.index(name)]
    got = _eager(factory(), args, None)
    np.testing.assert_allclose(got, np.asarray(ref(*args, None), np.float64), rtol=1e-4, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jit_stateless_padded_matches_reference(case):
    """Pure path under one jit (reset, scan over padded batches, result); padded rows weigh 0."""
    _, factory, args, ref, atol = case
    m = factory()
    batches = [_pad_batch(args, SW, a, b) for a, b in SPLITS]
    m._symbolic_build(*batches[0][0], sample_weight=batches[0][1])  # F1Score / R2Score

    # stacked batches through lax.scan, as the trainer's steps_per_execution does
    stacked = jax.tree.map(lambda *leaves: jnp.stack(leaves), *batches)

    @jax.jit
    def run(stacked):
        def body(state, batch):
            xs, w = batch
            return m.stateless_update_state(state, *xs, sample_weight=w), None

        state, _ = jax.lax.scan(body, m.stateless_reset_state(), stacked)
        return m.stateless_result(state), state

    got, state = run(stacked)
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(ref(*args, SW), np.float64),
                               rtol=1e-4, atol=atol)
    assert len(state) == len(m.variables)
    # the pure API never touches the object
    for v in m.variables:
        np.testing.assert_array_equal(np.asarray(v), np.zeros(v.shape))


@pytest.mark.parametrize("name", ["mean", "accuracy_rank1", "precision_thresholds", "auc_pr",
                                  "f1_weighted", "r2_variance_weighted", "rmse"])
def test_padded_mask_without_sample_weight(name):
    """The trainer passes the 0/1 row mask as sample_weight when the user gave none."""
    _, factory, args, _, _ = CASES[IDS.index(name)]
    want = _eager(factory(), args, None)
    m = factory()
    for a, b in SPLITS:
        xs, w = _pad_batch(args, None, a, b)
        m.update_state(*xs, sample_weight=w)
    np.testing.assert_allclose(_result(m), want, rtol=2e-6, atol=1e-6)


NAN_CASES = ["mean", "binary_accuracy", "mse", "binary_crossentropy", "auc_roc", "auc_pr",
             "precision", "f1_macro", "r2_uniform", "categorical_crossentropy", "cosine_similarity"]


@pytest.mark.parametrize("name", NAN_CASES)
def test_nan_in_padded_rows_is_ignored(name):
    _, factory, args, ref, atol = CASES[IDS.index(name)]
    m = factory()
    for a, b in SPLITS:
        xs, w = _pad_batch(args, SW, a, b, fill="nan")
        m.update_state(*xs, sample_weight=w)
    got = _result(m)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, np.asarray(ref(*args, SW), np.float64), rtol=1e-4, atol=atol)


# ----------------------------------------------------------------------------------
# approximations vs scikit-learn's exact curves
# ----------------------------------------------------------------------------------

def test_auc_close_to_sklearn():
    r = np.random.default_rng(1)
    y = r.integers(0, 2, 300)
    p = np.clip(y * 0.3 + r.uniform(0, 0.7, 300), 0, 1).astype("float32")
    w = r.uniform(0.5, 1.5, 300).astype("float32")
    roc = metrics.AUC(num_thresholds=1000)
    roc.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(float(roc.result()), skm.roc_auc_score(y, p, sample_weight=w),
                               atol=2e-3)
    pr = metrics.AUC(curve="PR", num_thresholds=1000)
    pr.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(float(pr.result()),
                               skm.average_precision_score(y, p, sample_weight=w), atol=1e-2)


def test_auc_keras_docstring_and_thresholds():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    np.testing.assert_allclose(float(m.result()), 0.75, rtol=1e-6)
    np.testing.assert_allclose(m.thresholds, [-EPS, 0.5, 1 + EPS])
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    np.testing.assert_allclose(float(m.result()), 1.0, rtol=1e-6)


def test_auc_multi_label_lazy_build_and_errors():
    m = metrics.AUC(multi_label=True)
    assert m.variables == []
    m.update_state(YM, PM)
    assert [tuple(v.shape) for v in m.variables] == [(200, 3)] * 4
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")


def test_lazily_built_metric_symbolic_build_for_stateless_use():
    m = metrics.F1Score(average="macro", threshold=0.5)
    with pytest.raises(ValueError, match="update_state"):
        m.stateless_update_state([], YM, PM)
    m._symbolic_build(jax.ShapeDtypeStruct((PAD, 3), "float32"),
                      jax.ShapeDtypeStruct((PAD, 3), "float32"))
    assert len(m.variables) == 4
    assert all(float(np.abs(np.asarray(v)).sum()) == 0 for v in m.variables)
    state = jax.jit(m.stateless_update_state)(m.stateless_reset_state(), YM, PM)
    np.testing.assert_allclose(float(m.stateless_result(state)), _f_ref(YM, PM, None, "macro"),
                               rtol=1e-5)


# ----------------------------------------------------------------------------------
# function forms (Keras semantics)
# ----------------------------------------------------------------------------------

def test_metric_functions():
    np.testing.assert_allclose(metrics.binary_accuracy([[1], [0], [1]], [[0.8], [0.6], [0.2]]),
                               [1.0, 0.0, 0.0])
    np.testing.assert_allclose(metrics.binary_accuracy([[1, 0]], [[0.8, 0.6]]), [0.5])
    np.testing.assert_allclose(metrics.categorical_accuracy(OC, PC), OC.argmax(-1) == PC.argmax(-1))
    np.testing.assert_allclose(metrics.sparse_categorical_accuracy(YC, PC), YC == PC.argmax(-1))
    got = metrics.sparse_categorical_accuracy(YC[:, None], PC)
    assert got.shape == (N,)
    np.testing.assert_allclose(got, YC == PC.argmax(-1))
    np.testing.assert_allclose(metrics.top_k_categorical_accuracy(OC, PC, k=2),
                               in_top_k(YC, PC, 2))
    np.testing.assert_allclose(metrics.sparse_top_k_categorical_accuracy(YC, PC, k=3),
                               in_top_k(YC, PC, 3))
    ids = np.argsort(-PC, axis=-1)
    np.testing.assert_allclose(
        metrics.sparse_top_k_categorical_accuracy(YC, ids, k=1, from_sorted_ids=True),
        YC == PC.argmax(-1))
    # ties at the k-th place count as "in", like tf.math.in_top_k
    np.testing.assert_allclose(metrics.sparse_top_k_categorical_accuracy(
        [2], [[0.5, 0.5, 0.5, 0.1]], k=1), [1.0])
    jitted = jax.jit(metrics.sparse_top_k_categorical_accuracy, static_argnames="k")
    np.testing.assert_allclose(jitted(YC, PC, k=2), in_top_k(YC, PC, 2))
    # metric functions re-exported from losses
    np.testing.assert_allclose(metrics.mean_squared_error(YR, PR), ((YR - PR) ** 2).mean(-1),
                               rtol=1e-5)


# ----------------------------------------------------------------------------------
# Metric base class behaviour
# ----------------------------------------------------------------------------------

class BinaryTruePositives(metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros",
                                                name="true_positives")
        self.calls = self.add_weight(shape=(), initializer="zeros", name="calls")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = ops.logical_and(ops.equal(y_true, 1), ops.greater(y_pred, 0.5))
        values = ops.cast(values, self.dtype)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, self.dtype))
        self.true_positives.assign(self.true_positives + ops.sum(values))
        self.calls.assign_add(1.0)

    def result(self):
        return self.true_positives


def _ref_btp(a, b, sw=None):
    w = np.ones(b - a) if sw is None else sw[a:b]
    return float((((YB[a:b, 0] == 1) & (PB[a:b, 0] > 0.5)) * w).sum())


def test_custom_metric_eager_call_and_reset():
    m = BinaryTruePositives()
    assert m.name == "binary_true_positives" and m.dtype == "float32"
    assert [v.name for v in m.variables] == ["true_positives", "calls"]
    assert all(isinstance(v, Variable) and not v.trainable for v in m.variables)
    out = m(YB[:6, 0], PB[:6, 0])  # __call__ = update_state + result, returned as an array
    assert isinstance(out, jax.Array)
    np.testing.assert_allclose(float(out), _ref_btp(0, 6))
    m.update_state(YB[6:, 0], PB[6:, 0], sample_weight=SW[6:])
    np.testing.assert_allclose(float(m.result()), _ref_btp(0, 6) + _ref_btp(6, N, SW), rtol=1e-6)
    assert float(m.calls) == 2.0
    m.reset_state()
    assert float(m.result()) == 0.0 and float(m.calls) == 0.0


def test_custom_metric_stateless_under_jit():
    m = BinaryTruePositives()
    state = m.stateless_reset_state()
    assert len(state) == 2
    step = jax.jit(lambda s, y, p, w: m.stateless_update_state(s, y, p, sample_weight=w))
    state = step(state, YB[:6, 0], PB[:6, 0], SW[:6])
    state = step(state, YB[6:, 0], PB[6:, 0], SW[6:])
    want = _ref_btp(0, 6, SW) + _ref_btp(6, N, SW)
    res = jax.jit(m.stateless_result)(state)
    assert isinstance(res, jax.Array)
    np.testing.assert_allclose(float(res), want, rtol=1e-6)
    np.testing.assert_allclose(float(state[1]), 2.0)
    assert float(m.true_positives) == 0.0  # object untouched
    with pytest.raises(ValueError, match="1:1"):
        m.stateless_update_state(state[:1], YB, PB)


def test_reset_states_is_deprecated_alias():
    m = metrics.Mean()
    m.update_state([1.0, 2.0])
    with pytest.warns(DeprecationWarning, match="reset_state"):
        m.reset_states()
    assert float(m.result()) == 0.0
    assert [float(v) for v in m.variables] == [0.0, 0.0]


def test_reset_state_default_uses_initializer():
    class Offset(metrics.Metric):
        def __init__(self):
            super().__init__(name="offset")
            self.v = self.add_variable(shape=(2,), initializer="ones", name="v")

        def update_state(self, x):
            self.v.assign_add(x)

        def result(self):
            return self.v

    m = Offset()
    m.update_state(jnp.array([1.0, 2.0]))
    np.testing.assert_allclose(np.asarray(m.result()), [2.0, 3.0])
    np.testing.assert_allclose(np.asarray(m.stateless_reset_state()[0]), [1.0, 1.0])
    np.testing.assert_allclose(np.asarray(m.v), [2.0, 3.0])
    m.reset_state()
    np.testing.assert_allclose(np.asarray(m.v), [1.0, 1.0])


class F1FromPrecisionRecall(metrics.Metric):
    """The Keras guide's F1 built from child Precision and Recall metrics."""

    def __init__(self, name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.precision = metrics.Precision(thresholds=0.5)
        self.recall = metrics.Recall(thresholds=0.5)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.precision.update_state(y_true, y_pred, sample_weight)
        self.recall.update_state(y_true, y_pred, sample_weight)
        self.count.assign_add(1.0)

    def result(self):
        p, r = self.precision.result(), self.recall.result()
        return 2 * p * r / (p + r + 1e-7)

    def reset_state(self):
        self.precision.reset_state()
        self.recall.reset_state()
        self.count.assign(0.0)


def test_f1_from_child_metrics_eager_and_jit():
    want = skm.f1_score(YB[:, 0], PB[:, 0] > 0.5, sample_weight=SW)
    m = F1FromPrecisionRecall()
    names = [v.path for v in m.variables]
    assert names[0] == "f1/count"  # own variables first, then the children's
    assert len(names) == 5 and names[1].endswith("true_positives")
    assert names[3].startswith(m.recall.name)
    got = _eager(m, (YB, PB), SW)
    np.testing.assert_allclose(got, want, rtol=1e-5)

    m2 = F1FromPrecisionRecall()
    step = jax.jit(lambda s, w, y, p: m2.stateless_update_state(s, y, p, sample_weight=w))
    state = m2.stateless_reset_state()
    for a, b in SPLITS:
        xs, w = _pad_batch((YB, PB), SW, a, b)
        state = step(state, w, *xs)
    np.testing.assert_allclose(float(jax.jit(m2.stateless_result)(state)), want, rtol=1e-5)
    np.testing.assert_allclose(float(state[0]), 3.0)
    assert float(m2.precision.result()) == 0.0  # children untouched too
    m.reset_state()
    assert all(float(np.abs(np.asarray(v)).sum()) == 0 for v in m.variables)


def test_missing_super_init_is_reported():
    class Broken(metrics.Metric):
        def __init__(self):
            self.x = 1

        def update_state(self, *a):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable(shape=(), initializer="zeros")


def test_auto_names_and_repr():
    a, b = metrics.Metric(), metrics.Metric()
    assert a.name != b.name and a.name.startswith("metric")
    assert repr(metrics.Mean(name="m")) == "<Mean name=m>"
    assert metrics.Mean(dtype="bfloat16").dtype == "bfloat16"


# ----------------------------------------------------------------------------------
# get / config / serialization
# ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ident,cls", [
    ("accuracy", metrics.Accuracy), ("mse", metrics.MeanSquaredError),
    ("MAE", metrics.MeanAbsoluteError), ("mape", metrics.MeanAbsolutePercentageError),
    ("msle", metrics.MeanSquaredLogarithmicError), ("binary_accuracy", metrics.BinaryAccuracy),
    ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("auc", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
    ("AUC", metrics.AUC), ("F1Score", metrics.F1Score), ("f1_score", metrics.F1Score),
    ("r2_score", metrics.R2Score), ("categorical_crossentropy", metrics.CategoricalCrossentropy),
    ("bce", metrics.BinaryCrossentropy), ("RootMeanSquaredError", metrics.RootMeanSquaredError),
])
def test_get_strings(ident, cls):
    m = metrics.get(ident)
    assert type(m) is cls


def test_get_other_identifiers():
    assert metrics.get(None) is None
    inst = metrics.Precision()
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    m = metrics.get({"class_name": "AUC", "config": {"curve": "PR", "num_thresholds": 50}})
    assert isinstance(m, metrics.AUC) and m.curve.value == "PR" and m.num_thresholds == 50

    def my_error(y_true, y_pred):
        return knp.mean(knp.abs(y_true - y_pred), axis=-1)

    w = metrics.get(my_error)
    assert isinstance(w, metrics.MeanMetricWrapper) and w.name == "my_error"
    w.update_state(YR, PR)
    np.testing.assert_allclose(float(w.result()), np.abs(YR - PR).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="Did you mean 'accuracy'"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="metric"):
        metrics.get(3)


CONFIG_CASES = [
    metrics.Mean(name="m1"), metrics.Sum(name="s", dtype="float32"), metrics.Accuracy(),
    metrics.BinaryAccuracy(threshold=0.3), metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
    metrics.Precision(thresholds=[0.2, 0.4], class_id=1), metrics.Recall(top_k=2),
    metrics.TruePositives(thresholds=0.3),
    metrics.AUC(curve="PR", summation_method="minoring", thresholds=[0.1, 0.6], from_logits=True),
    metrics.AUC(multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 3.0]),
    metrics.PrecisionAtRecall(0.4, num_thresholds=50, class_id=0),
    metrics.RecallAtPrecision(0.6), metrics.F1Score(average="macro", threshold=0.4),
    metrics.FBetaScore(average="weighted", beta=0.5), metrics.R2Score(class_aggregation=None,
                                                                       num_regressors=1),
    metrics.CosineSimilarity(axis=0), metrics.CategoricalCrossentropy(label_smoothing=0.1),
    metrics.SparseCategoricalCrossentropy(from_logits=True), metrics.LogCoshError(),
    metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.7),
]


@pytest.mark.parametrize("metric", CONFIG_CASES, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    assert config["name"] == metric.name and config["dtype"] == metric.dtype
    clone = type(metric).from_config(config)
    assert clone.get_config() == config
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == config
    assert [tuple(v.shape) for v in restored.variables] == [tuple(v.shape) for v in metric.variables]


def test_serialize_layout_and_wrapper_behaviour():
    s = metrics.serialize(metrics.BinaryAccuracy(threshold=0.3))
    assert s["class_name"] == "BinaryAccuracy" and s["module"] == "keras.metrics"
    assert s["config"] == {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.3}
    w = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.7)
    cfg = w.get_config()
    assert cfg["fn"] == "binary_accuracy" and cfg["threshold"] == 0.7
    w2 = metrics.MeanMetricWrapper.from_config(cfg)
    w2.update_state(YB, PB)
    np.testing.assert_allclose(float(w2.result()), ((PB > 0.7) == YB).mean(), rtol=1e-6)
    assert metrics.AUC().get_config().keys() >= {"num_thresholds", "curve", "summation_method",
                                                  "multi_label", "num_labels", "label_weights",
                                                  "from_logits"}
    assert "beta" not in metrics.F1Score().get_config()


def test_argument_validation():
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.5)
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="sum")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="2D"):
        metrics.F1Score().update_state(YB[:, 0], PB[:, 0])


def test_eager_update_inside_jit_without_scope_is_an_error():
    m = metrics.Mean()

    @jax.jit
    def f(x):
        m.update_state(x)
        return 0

    with pytest.raises(RuntimeError, match="stateless"):
        f(jnp.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(m.result()) == 0.0
