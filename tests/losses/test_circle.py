"""Circle loss (Keras 3's ``keras.losses.Circle`` / ``circle``) against a numpy reference written
from the paper's formulation (similarities, optima and margins), jit and not, plus Keras parity."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import losses


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _logsumexp(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))


def ref_circle(labels, emb, ref_labels=None, ref_emb=None, remove_diagonal=True, gamma=80.0, margin=0.4):
    """Sun et al. (2020), eq. 4-6, one query at a time, with the similarity clipped at 1."""
    ref_labels = labels if ref_labels is None else ref_labels
    ref_emb = emb if ref_emb is None else ref_emb
    out = np.zeros(len(labels))
    for i in range(len(labels)):
        sp, sn = [], []
        for j in range(len(ref_labels)):
            s = min(float(np.dot(emb[i], ref_emb[j])), 1.0)
            if labels[i] == ref_labels[j]:
                if not (remove_diagonal and i == j):
                    sp.append(s)
            else:
                sn.append(s)
        if not sp or not sn:
            out[i] = 0.0  # softplus(-inf)
            continue
        sp, sn = np.array(sp), np.array(sn)
        alpha_p = np.maximum(1.0 + margin - sp, 0.0)
        alpha_n = np.maximum(sn + margin, 0.0)
        delta_p, delta_n = 1.0 - margin, margin
        z = _logsumexp(gamma * alpha_n * (sn - delta_n)) + _logsumexp(-gamma * alpha_p * (sp - delta_p))
        out[i] = np.logaddexp(0.0, z)
    return out


RNG = np.random.default_rng(0)
LABELS = np.array([0, 0, 1, 2, 1, 3, 2, 0])  # classes 3 is a singleton: no positive pair
EMB = _unit(RNG.normal(size=(8, 5))).astype("float32")


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("kwargs", [{}, {"gamma": 16.0, "margin": 0.25}, {"remove_diagonal": False}])
def test_function_matches_reference(jit, kwargs):
    fn = lambda y, e: losses.circle(y, e, **kwargs)  # noqa: E731
    if jit:
        fn = jax.jit(fn)
    got = np.asarray(fn(LABELS, EMB))
    want = ref_circle(LABELS, EMB.astype("float64"), **kwargs)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)
    assert got[5] == 0.0 or kwargs.get("remove_diagonal") is False


def test_reference_set_and_column_labels():
    ref_lab = np.array([0, 1, 2, 3, 0, 1])
    ref_emb = _unit(RNG.normal(size=(6, 5))).astype("float32")
    got = losses.circle(LABELS[:, None], EMB, ref_labels=ref_lab, ref_embeddings=ref_emb, remove_diagonal=False)
    want = ref_circle(LABELS, EMB.astype("float64"), ref_lab, ref_emb.astype("float64"), remove_diagonal=False)
    assert got.shape == (8,)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("jit", [False, True])
def test_class_reductions_leave_out_zero_losses(jit):
    per = ref_circle(LABELS, EMB.astype("float64"))
    valid = per > 0
    sw = np.linspace(0.5, 2.0, 8).astype("float32")
    cases = {
        "sum_over_batch_size": per[valid].mean(),
        "sum": per.sum(),
        None: per,
    }
    for reduction, want in cases.items():
        loss = losses.Circle(reduction=reduction)
        call = jax.jit(loss.__call__) if jit else loss
        np.testing.assert_allclose(np.asarray(call(LABELS, EMB)), want, rtol=2e-4, atol=2e-4)
    # sample weights: the valid entries are re-weighted so the mean runs over them only.
    got = losses.Circle()(LABELS, EMB, sample_weight=sw)
    np.testing.assert_allclose(float(got), (per * sw)[valid].sum() / valid.sum(), rtol=2e-4)


def test_gradient_is_finite_with_singleton_class():
    def total(e):
        return losses.Circle()(LABELS, e)

    g = jax.grad(total)(jnp.asarray(EMB))
    assert np.all(np.isfinite(np.asarray(g)))
    assert np.any(np.asarray(g) != 0.0)


def test_config_round_trip_and_lookup():
    loss = losses.Circle(gamma=32.0, margin=0.3, remove_diagonal=False, reduction="sum", name="c")
    cfg = loss.get_config()
    assert cfg == {"name": "c", "reduction": "sum", "gamma": 32.0, "margin": 0.3, "remove_diagonal": False}
    back = losses.Circle.from_config(cfg)
    assert back.get_config() == cfg
    again = losses.deserialize(losses.serialize(loss))
    assert isinstance(again, losses.Circle) and again.get_config() == cfg
    assert losses.get("circle") is losses.circle
    assert isinstance(losses.get("Circle"), losses.Circle)
    assert keras.losses.Circle is losses.Circle


def test_bad_arguments():
    with pytest.raises(ValueError, match="gamma"):
        losses.Circle(gamma=0.0)
    with pytest.raises(TypeError, match="margin"):
        losses.Circle(margin="big")
    with pytest.raises(ValueError, match="y_pred"):
        losses.circle(LABELS, EMB[:, :, None])


def test_fit_with_circle_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4), keras.layers.UnitNormalization()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.Circle(gamma=8.0))
    x = RNG.normal(size=(16, 6)).astype("float32")
    y = np.tile(np.arange(4), 4)
    before = model.evaluate(x, y, batch_size=16, verbose=0)
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, shuffle=False)
    after = model.evaluate(x, y, batch_size=16, verbose=0)
    assert np.isfinite(after) and after < before


def test_keras_parity():
    keras3 = pytest.importorskip("keras")
    k_fn = np.asarray(keras3.losses.circle(LABELS, EMB, gamma=20.0, margin=0.3))
    np.testing.assert_allclose(np.asarray(losses.circle(LABELS, EMB, gamma=20.0, margin=0.3)), k_fn,
                               rtol=1e-4, atol=1e-4)
    sw = np.linspace(0.5, 2.0, 8).astype("float32")
    for reduction in ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]:
        kl = keras3.losses.Circle(reduction=reduction, remove_diagonal=False)
        fl = losses.Circle(reduction=reduction, remove_diagonal=False)
        assert fl.get_config() == kl.get_config()
        for w in (None, sw):
            np.testing.assert_allclose(np.asarray(fl(LABELS, EMB, sample_weight=w)),
                                       np.asarray(kl(LABELS, EMB, sample_weight=w)), rtol=1e-4, atol=1e-4)
    # A Keras config loads here.
    cfg = keras3.losses.serialize(keras3.losses.Circle(gamma=10.0))
    assert losses.deserialize(cfg).get_config() == keras3.losses.Circle(gamma=10.0).get_config()
