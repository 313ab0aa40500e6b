"""IoU metrics (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU) and correlation metrics
(PearsonCorrelation, ConcordanceCorrelation) against independent references -- scikit-learn's
``confusion_matrix`` / ``jaccard_score``, ``numpy.corrcoef`` and a hand-written CCC -- over several
``update_state`` calls, with sample weights, eagerly and under ``jax.jit``; inside ``fit``; and
against the installed Keras 3."""
import os
import re
import warnings

import jax
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, jaccard_score

import fkeras as keras
from fkeras import metrics

pytestmark = pytest.mark.filterwarnings("ignore:Explicitly requested dtype int64")  # Keras's own, on JAX

C = 4
N = 14
SPLITS = [(0, 5), (5, 10), (10, 14)]  # several batches, the last one shorter
rng = np.random.default_rng(7)
YT = rng.integers(0, C, N)
YT[:C] = np.arange(C)
YP = np.where(rng.uniform(size=N) < 0.6, YT, rng.integers(0, C, N))
YP[:C] = np.arange(C)
SW = rng.uniform(0.2, 2.0, N).astype("float32")
PROBS = rng.uniform(size=(N, C)).astype("float32")
PROBS[np.arange(N), YP] += 1.0  # argmax(PROBS) == YP
ONEHOT = np.eye(C, dtype="float32")[YT]


def ref_ious(y_true, y_pred, num_classes, sample_weight=None, ignore_class=None):
    """Per-class IoU and the "class occurs at all" mask, from scikit-learn."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    sw = None if sample_weight is None else np.broadcast_to(np.ravel(sample_weight), y_true.shape).astype("float64")
    keep = (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if ignore_class is not None:
        keep &= y_true != ignore_class
    y_true, y_pred = y_true[keep], y_pred[keep]
    sw = None if sw is None else sw[keep]
    labels = list(range(num_classes))
    cm = confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sw)
    present = (cm.sum(0) + cm.sum(1)) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iou = jaccard_score(y_true, y_pred, labels=labels, average=None, sample_weight=sw, zero_division=0)
    return iou, present, cm


def ref_mean_iou(y_true, y_pred, num_classes, ids=None, **kw):
    iou, present, _ = ref_ious(y_true, y_pred, num_classes, **kw)
    ids = list(range(num_classes)) if ids is None else list(ids)
    return iou[ids][present[ids]].mean()


def run_batches(metric, y_true, y_pred, sample_weight=None):
    metric.reset_state()
    for a, b in SPLITS:
        sw = None if sample_weight is None else sample_weight[a:b]
        metric.update_state(y_true[a:b], y_pred[a:b], sample_weight=sw)
    return float(metric.result())


def run_jit(metric, y_true, y_pred, sample_weight=None, pad=5):
    """Pure path under jax.jit, every batch padded to `pad` rows that carry weight 0 (and NaNs)."""
    update = jax.jit(lambda s, t, p, w: metric.stateless_update_state(s, t, p, sample_weight=w))
    state = metric.stateless_reset_state()
    for a, b in SPLITS:
        n = b - a
        t = np.concatenate([y_true[a:b], np.zeros((pad - n,) + y_true.shape[1:], y_true.dtype)])
        fill = np.nan if np.issubdtype(y_pred.dtype, np.floating) else 0
        p = np.concatenate([y_pred[a:b], np.full((pad - n,) + y_pred.shape[1:], fill, y_pred.dtype)])
        w = np.ones(n, "float32") if sample_weight is None else sample_weight[a:b]
        w = np.concatenate([w, np.zeros(pad - n, "float32")])
        state = update(state, t, p, w)
    return float(jax.jit(metric.stateless_result)(state))


# --------------------------------------------------------------------------------------------
# IoU family vs scikit-learn
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_mean_iou_and_iou(weighted):
    sw = SW if weighted else None
    kw = {"sample_weight": sw}
    m = metrics.MeanIoU(num_classes=C)
    expected = ref_mean_iou(YT, YP, C, **kw)
    np.testing.assert_allclose(run_batches(m, YT, YP, sw), expected, rtol=1e-5)
    np.testing.assert_allclose(run_jit(m, YT, YP, sw), expected, rtol=1e-5)
    iou, _, cm = ref_ious(YT, YP, C, **kw)
    np.testing.assert_allclose(np.asarray(m.total_cm.value), cm, rtol=1e-5)
    for ids in ([0, 2], [3, 1, 0]):
        m = metrics.IoU(num_classes=C, target_class_ids=ids)
        expected = ref_mean_iou(YT, YP, C, ids=ids, **kw)
        np.testing.assert_allclose(run_batches(m, YT, YP, sw), expected, rtol=1e-5)
        if len(ids) == 2:
            np.testing.assert_allclose(run_jit(m, YT, YP, sw), expected, rtol=1e-5)
    # a single target class is that class's IoU
    m = metrics.IoU(num_classes=C, target_class_ids=[2])
    np.testing.assert_allclose(run_batches(m, YT, YP, sw), iou[2], rtol=1e-5)


def test_absent_class_ignore_class_and_out_of_range_labels():
    y_true = np.array([0, 0, 1, 1, 5, -1, 2, 2])  # class 3 never occurs; 5 and -1 are out of range
    y_pred = np.array([0, 1, 1, 1, 0, 1, 2, 7])
    m = metrics.MeanIoU(num_classes=4)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), ref_mean_iou(y_true, y_pred, 4), rtol=1e-5)
    m = metrics.MeanIoU(num_classes=4, ignore_class=1)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), ref_mean_iou(y_true, y_pred, 4, ignore_class=1), rtol=1e-5)
    m = metrics.IoU(num_classes=4, target_class_ids=[3])  # nothing to average: 0
    m.update_state(y_true, y_pred)
    assert float(m.result()) == 0.0
    assert float(metrics.MeanIoU(num_classes=3).result()) == 0.0


def test_segmentation_maps_with_per_sample_weights():
    yt = rng.integers(0, 3, (6, 5, 5, 1))
    logits = rng.normal(size=(6, 5, 5, 3)).astype("float32")
    yp = logits.argmax(-1)
    sw = np.array([1.0, 0.5, 2.0, 0.0, 1.0, 3.0], "float32")
    pixel_w = np.broadcast_to(sw[:, None, None], yp.shape)
    expected = ref_mean_iou(yt[..., 0], yp, 3, sample_weight=pixel_w)
    m = metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    m.update_state(yt[:3], logits[:3], sample_weight=sw[:3])
    m.update_state(yt[3:], logits[3:], sample_weight=sw[3:])
    np.testing.assert_allclose(float(m.result()), expected, rtol=1e-5)
    # weights with the labels' own shape give the same
    m2 = metrics.MeanIoU(num_classes=3)
    m2.update_state(yt, yp[..., None], sample_weight=pixel_w[..., None])
    np.testing.assert_allclose(float(m2.result()), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        metrics.MeanIoU(num_classes=3).update_state(yt, yp, sample_weight=np.ones(4))


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_iou(weighted):
    sw = SW if weighted else None
    yt = (YT % 2).astype("float32")
    scores = rng.uniform(size=N).astype("float32")
    for threshold, ids in ((0.5, (0, 1)), (0.3, [1]), (0.7, [0])):
        m = metrics.BinaryIoU(target_class_ids=ids, threshold=threshold)
        expected = ref_mean_iou(yt.astype(int), (scores >= threshold).astype(int), 2, ids=ids, sample_weight=sw)
        np.testing.assert_allclose(run_batches(m, yt, scores, sw), expected, rtol=1e-5)
        np.testing.assert_allclose(run_jit(m, yt, scores, sw), expected, rtol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_one_hot_iou(weighted):
    sw = SW if weighted else None
    m = metrics.OneHotMeanIoU(num_classes=C)
    expected = ref_mean_iou(YT, YP, C, sample_weight=sw)
    np.testing.assert_allclose(run_batches(m, ONEHOT, PROBS, sw), expected, rtol=1e-5)
    np.testing.assert_allclose(run_jit(m, ONEHOT, PROBS, sw), expected, rtol=1e-5)
    m = metrics.OneHotIoU(num_classes=C, target_class_ids=[0, 3])
    expected = ref_mean_iou(YT, YP, C, ids=[0, 3], sample_weight=sw)
    np.testing.assert_allclose(run_batches(m, ONEHOT, PROBS, sw), expected, rtol=1e-5)
    np.testing.assert_allclose(run_jit(m, ONEHOT, PROBS, sw), expected, rtol=1e-5)
    m = metrics.OneHotIoU(num_classes=C, target_class_ids=[1], sparse_y_pred=True)
    expected = ref_mean_iou(YT, YP, C, ids=[1], sample_weight=sw)
    np.testing.assert_allclose(run_batches(m, ONEHOT, YP, sw), expected, rtol=1e-5)


def test_iou_documented_examples():
    m = metrics.IoU(num_classes=2, target_class_ids=[0])
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    np.testing.assert_allclose(float(m.result()), 1 / 3, rtol=1e-5)
    m = metrics.MeanIoU(num_classes=2)
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    np.testing.assert_allclose(float(m.result()), (0.3 / 0.9 + 0.1 / 0.7) / 2, rtol=1e-5)  # 0.2381
    m = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])
    np.testing.assert_allclose(float(m.result()), 0.17361112, rtol=1e-5)
    y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    m = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    m.update_state(y_true, y_pred, sample_weight=[0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(float(m.result()), (0 + 0.1 / 0.7) / 2, rtol=1e-5)
    m = metrics.OneHotMeanIoU(num_classes=3)
    m.update_state(y_true, y_pred, sample_weight=[0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(float(m.result()), (0.1 / 0.7) / 3, rtol=1e-5)


def test_iou_state_config_and_lookup():
    m = metrics.MeanIoU(num_classes=3)
    assert m.name == "mean_io_u"
    assert [(v.name, v.shape) for v in m.variables] == [("total_confusion_matrix", (3, 3))]
    m.update_state([0, 1, 2], [0, 2, 2])
    assert float(np.asarray(m.total_cm.value).sum()) == 3.0
    m.reset_state()
    assert not np.asarray(m.total_cm.value).any()
    assert metrics.IoU(3, [0]).name == "io_u"
    assert metrics.BinaryIoU().name == "binary_io_u"
    assert metrics.OneHotIoU(3, [0]).name == "one_hot_io_u"
    assert metrics.OneHotMeanIoU(3).name == "one_hot_mean_io_u"

    cases = [
        (metrics.IoU(num_classes=3, target_class_ids=[0, 2], ignore_class=1, sparse_y_pred=False),
         {"name", "dtype", "num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
          "sparse_y_pred", "axis"}),
        (metrics.MeanIoU(num_classes=3, axis=1),
         {"num_classes", "name", "dtype", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"}),
        (metrics.BinaryIoU(target_class_ids=[1], threshold=0.3), {"target_class_ids", "threshold", "name", "dtype"}),
        (metrics.OneHotIoU(num_classes=3, target_class_ids=[1]),
         {"num_classes", "target_class_ids", "name", "dtype", "ignore_class", "sparse_y_pred", "axis"}),
        (metrics.OneHotMeanIoU(num_classes=3), {"num_classes", "name", "dtype", "ignore_class", "sparse_y_pred",
                                                "axis"}),
    ]
    yt, yp = np.array([0, 1, 2, 1]), np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.2, 0.3]])
    for m, keys in cases:
        cfg = m.get_config()
        assert set(cfg) == keys, type(m).__name__
        clone = type(m).from_config(cfg)
        assert clone.get_config() == cfg
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == cfg
        if isinstance(m, metrics.BinaryIoU):
            a, b = (yt == 1).astype("float32"), yp[:, 1]
        elif isinstance(m, (metrics.OneHotIoU, metrics.OneHotMeanIoU)):
            a, b = np.eye(3)[yt], yp
        elif m.sparse_y_pred:
            a, b = yt, yp.argmax(-1)
        else:
            a, b = yt, yp
        m.update_state(a, b)
        clone.update_state(a, b)
        assert float(m.result()) == float(clone.result())
    assert metrics.BinaryIoU().get_config()["target_class_ids"] == [0, 1]

    with pytest.raises(ValueError, match="out of range"):
        metrics.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ValueError, match="num_classes"):
        metrics.MeanIoU(num_classes=0)
    with pytest.raises(TypeError, match="num_classes"):  # as in Keras: a name gives default arguments
        metrics.get("mean_io_u")


def test_integer_dtype_truncates_float_weights_as_keras():
    m = metrics.MeanIoU(num_classes=2, dtype="int32")
    assert m.total_cm.dtype == "int32" and m.get_config()["dtype"] == "int32"
    with pytest.warns(UserWarning, match="truncated"):
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=np.array([1.5, 2.7, 0.3, 1.0]))
    np.testing.assert_array_equal(np.asarray(m.total_cm.value), [[1, 2], [0, 1]])
    m2 = metrics.MeanIoU(num_classes=2, dtype="int32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m2.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=np.array([1, 2, 0, 1]))
    np.testing.assert_allclose(float(m2.result()), ref_mean_iou([0, 0, 1], [0, 1, 1], 2, sample_weight=[1, 2, 1]),
                               rtol=1e-5)


# --------------------------------------------------------------------------------------------
# Correlation metrics vs numpy
# --------------------------------------------------------------------------------------------

RT = rng.normal(size=(N, 6)).astype("float32")
RP = (0.7 * RT + 0.5 * rng.normal(size=(N, 6)) + 0.3).astype("float32")


def ref_pearson_rows(t, p):
    return np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(t.astype("float64"), p.astype("float64"))])


def ref_ccc_rows(t, p):
    out = []
    for a, b in zip(t.astype("float64"), p.astype("float64")):
        cov = np.mean((a - a.mean()) * (b - b.mean()))
        out.append(2 * cov / (a.var() + b.var() + (a.mean() - b.mean()) ** 2))
    return np.array(out)


@pytest.mark.parametrize("cls,ref", [(metrics.PearsonCorrelation, ref_pearson_rows),
                                     (metrics.ConcordanceCorrelation, ref_ccc_rows)])
@pytest.mark.parametrize("weighted", [False, True])
def test_correlation_metrics(cls, ref, weighted):
    sw = SW if weighted else None
    rows = ref(RT, RP)
    expected = np.average(rows, weights=sw)
    m = cls()
    np.testing.assert_allclose(run_batches(m, RT, RP, sw), expected, rtol=1e-5)
    np.testing.assert_allclose(run_jit(m, RT, RP, sw), expected, rtol=1e-5)
    # axis=0: one coefficient per column (the columns are the series)
    m = cls(axis=0)
    m.update_state(RT, RP)
    np.testing.assert_allclose(float(m.result()), ref(RT.T, RP.T).mean(), rtol=1e-5)
    # rank-1 inputs: one coefficient for the whole batch
    m = cls()
    m.update_state(RT[:, 0], RP[:, 0])
    np.testing.assert_allclose(float(m.result()), ref(RT[None, :, 0], RP[None, :, 0])[0], rtol=1e-5)


def test_correlation_functions_config_and_lookup():
    yt = [[0, 1, 0.5], [1, 1, 0.2]]
    yp = [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]
    np.testing.assert_allclose(np.asarray(metrics.pearson_correlation(yt, yp)),
                               ref_pearson_rows(np.array(yt), np.array(yp)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(metrics.concordance_correlation(yt, yp)),
                               ref_ccc_rows(np.array(yt), np.array(yp)), rtol=1e-5)
    pcc, ccc = metrics.PearsonCorrelation(axis=-1), metrics.ConcordanceCorrelation(axis=-1)
    pcc.update_state(yt, yp)
    ccc.update_state(yt, yp)
    np.testing.assert_allclose(float(pcc.result()), 0.9966996338993913, rtol=1e-5)
    np.testing.assert_allclose(float(ccc.result()), 0.9816320385426076, rtol=1e-5)
    for cls, name in ((metrics.PearsonCorrelation, "pearson_correlation"),
                      (metrics.ConcordanceCorrelation, "concordance_correlation")):
        m = cls()
        assert m.name == name
        assert m.get_config() == {"name": name, "dtype": "float32", "axis": -1}
        assert [v.name for v in m.variables] == ["total", "count"]
        assert cls.from_config(cls(axis=0, name="c").get_config()).get_config() == {
            "name": "c", "dtype": "float32", "axis": 0}
        assert isinstance(metrics.get(name), cls) and isinstance(metrics.get(cls.__name__), cls)
        again = metrics.deserialize(metrics.serialize(cls(axis=1)))
        assert type(again) is cls and again.axis == 1
        assert m._direction == "up"


# --------------------------------------------------------------------------------------------
# Inside compile / fit / evaluate
# --------------------------------------------------------------------------------------------

def test_metrics_in_fit_and_evaluate():
    keras.utils.set_random_seed(0)
    x = rng.normal(size=(29, 5)).astype("float32")  # 29 = 3 batches of 8 + a padded one
    y_cls = rng.integers(0, 3, 29)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    probs = keras.layers.Dense(3, activation="softmax", name="cls")(hidden)
    reg = keras.layers.Dense(4, name="reg")(hidden)
    model = keras.Model(inputs, {"cls": probs, "reg": reg})
    y_reg = (x[:, :4] * 2 + 0.1 * rng.normal(size=(29, 4))).astype("float32")
    model.compile(optimizer="adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  metrics={"cls": [metrics.MeanIoU(3, sparse_y_pred=False),
                                   metrics.IoU(3, [1], sparse_y_pred=False, name="iou_1")],
                           "reg": [metrics.PearsonCorrelation(), "concordance_correlation"]},
                  weighted_metrics={"cls": [metrics.MeanIoU(3, sparse_y_pred=False, name="w_miou")],
                                    "reg": [metrics.PearsonCorrelation(name="w_pcc"),
                                            metrics.ConcordanceCorrelation(name="w_ccc")]})
    y = {"cls": y_cls, "reg": y_reg}
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    # sample weights reach the weighted metrics (the plain ones stay unweighted, as in Keras);
    # the padded rows of the last batch reach neither
    sw = rng.uniform(0.1, 3.0, 29).astype("float32")
    result = model.evaluate(x, y, sample_weight={"cls": sw, "reg": sw}, batch_size=8, verbose=0,
                            return_dict=True)
    pred = model.predict(x, batch_size=8, verbose=0)
    labels = pred["cls"].argmax(-1)
    pcc_rows, ccc_rows = ref_pearson_rows(y_reg, pred["reg"]), ref_ccc_rows(y_reg, pred["reg"])
    np.testing.assert_allclose(result["cls_mean_io_u"], ref_mean_iou(y_cls, labels, 3), rtol=1e-4)
    np.testing.assert_allclose(result["cls_iou_1"], ref_mean_iou(y_cls, labels, 3, ids=[1]), rtol=1e-4)
    np.testing.assert_allclose(result["reg_pearson_correlation"], pcc_rows.mean(), rtol=1e-4)
    np.testing.assert_allclose(result["reg_concordance_correlation"], ccc_rows.mean(), rtol=1e-4)
    np.testing.assert_allclose(result["cls_w_miou"], ref_mean_iou(y_cls, labels, 3, sample_weight=sw), rtol=1e-4)
    np.testing.assert_allclose(result["reg_w_pcc"], np.average(pcc_rows, weights=sw), rtol=1e-4)
    np.testing.assert_allclose(result["reg_w_ccc"], np.average(ccc_rows, weights=sw), rtol=1e-4)
    assert not np.isclose(result["cls_w_miou"], result["cls_mean_io_u"])  # the weights did matter


def test_binary_iou_segmentation_in_fit():
    x = rng.normal(size=(10, 4, 4, 2)).astype("float32")
    y = rng.integers(0, 2, (10, 4, 4, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Conv2D(1, 1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[metrics.BinaryIoU(), metrics.BinaryIoU([1], 0.4)])
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    result = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(result["binary_io_u"], ref_mean_iou(y.astype(int), (p >= 0.5).astype(int), 2),
                               rtol=1e-4)
    np.testing.assert_allclose(result["binary_io_u_1"],
                               ref_mean_iou(y.astype(int), (p >= 0.4).astype(int), 2, ids=[1]), rtol=1e-4)


# --------------------------------------------------------------------------------------------
# Keras 3 parity
# --------------------------------------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    k = pytest.importorskip("keras")
    if k.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return k


PARITY = [
    ("IoU", dict(num_classes=C, target_class_ids=[0, 2]), "sparse"),
    ("IoU", dict(num_classes=C, target_class_ids=[1], ignore_class=3), "sparse"),
    ("MeanIoU", dict(num_classes=C), "sparse"),
    ("MeanIoU", dict(num_classes=C, sparse_y_pred=False), "probs"),
    ("BinaryIoU", dict(target_class_ids=[0, 1], threshold=0.4), "binary"),
    ("BinaryIoU", dict(target_class_ids=[1]), "binary"),
    ("OneHotIoU", dict(num_classes=C, target_class_ids=[0, 3]), "onehot"),
    ("OneHotMeanIoU", dict(num_classes=C), "onehot"),
    ("PearsonCorrelation", dict(), "regression"),
    ("PearsonCorrelation", dict(axis=0), "regression"),
    ("ConcordanceCorrelation", dict(), "regression"),
]


def _parity_data(kind):
    if kind == "sparse":
        return YT, YP
    if kind == "probs":
        return YT, PROBS
    if kind == "binary":
        return (YT % 2).astype("float32"), np.linspace(0.05, 0.95, N).astype("float32")
    if kind == "onehot":
        return ONEHOT, PROBS
    return RT, RP


@pytest.mark.parametrize("name,kw,kind", PARITY)
def test_parity_with_keras(name, kw, kind):
    k = _keras()
    yt, yp = _parity_data(kind)
    is_iou = "IoU" in name
    for weighted in ((False,) if kw.get("axis") == 0 else (False, True)):  # axis=0: no per-row weights
        sw = SW if weighted else None
        # Keras 3 keeps IoU confusion matrices in int32 by default and truncates float weights;
        # compare the weighted case with a float matrix (fkeras's default).
        extra = {"dtype": "float32"} if is_iou and weighted else {}
        ours, theirs = getattr(metrics, name)(**kw), getattr(k.metrics, name)(**kw, **extra)
        for a, b in SPLITS:
            w = None if sw is None else sw[a:b]
            ours.update_state(yt[a:b], yp[a:b], sample_weight=w)
            theirs.update_state(yt[a:b], yp[a:b], sample_weight=w)
        np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-5, atol=1e-6)
        assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
        assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
        if is_iou:
            np.testing.assert_allclose(np.asarray(ours.total_cm.value), np.asarray(theirs.total_cm.value),
                                       rtol=1e-5)
    assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)
    ck, oc = theirs.get_config(), ours.get_config()
    assert set(ck) == set(oc)
    for key in ck:
        if key not in ("name", "dtype"):
            assert ck[key] == oc[key], key
    # configs travel both ways
    assert getattr(metrics, name).from_config(ck).get_config() == {**ck, "name": ck["name"]}
    getattr(k.metrics, name).from_config(oc)


def test_parity_with_keras_default_int_iou_unweighted():
    k = _keras()
    ours, theirs = metrics.MeanIoU(num_classes=C), k.metrics.MeanIoU(num_classes=C)
    assert theirs.dtype == "int32" and ours.dtype == "float32"  # the documented deviation
    for a, b in SPLITS:
        ours.update_state(YT[a:b], YP[a:b])
        theirs.update_state(YT[a:b], YP[a:b])
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-6)
    # a Keras config (dtype int32) gives Keras's integer matrix here too
    clone = metrics.MeanIoU.from_config(theirs.get_config())
    assert clone.total_cm.dtype == "int32"
