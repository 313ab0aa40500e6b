"""Lamb, Muon and ScheduleFreeAdamW: 3 steps on fixed gradients against float64 numpy references of
their update rules (eager ``apply`` and jitted ``stateless_apply``), against Keras 3's optimizers
(same gradients in -> same variables out), and Keras's config and variable names."""
import jax
import numpy as np
import pytest

import fkeras
from fkeras import optimizers

RNG = np.random.default_rng(7)
# Paths chosen to exercise Muon's rules: 2-D -> Muon unless excluded; "embedding" -> AdamW; 1-D -> AdamW.
SHAPES = {"embedding": (5, 3), "dense/kernel": (3, 4), "dense/bias": (4,), "out/kernel": (4, 2),
          "tall/kernel": (6, 2)}
INIT = {k: RNG.normal(size=s).astype("float32") for k, s in SHAPES.items()}
GRADS = [{k: RNG.normal(size=s).astype("float32") for k, s in SHAPES.items()} for _ in range(3)]


class _Var:
    def __init__(self, value, path):
        self.value = jax.numpy.asarray(value)
        self.path = path

    def assign(self, value):
        self.value = jax.numpy.asarray(value, self.value.dtype)


def _run(opt, jit):
    """Three steps of ``opt`` from INIT on GRADS; returns {path: float64 array}."""
    variables = [_Var(INIT[k], k) for k in SHAPES]
    opt.build(variables)
    if jit:
        step = jax.jit(opt.stateless_apply)
        ov, tv = [v.value for v in opt.variables], [v.value for v in variables]
        for g in GRADS:
            tv, ov = step(ov, [g[k] for k in SHAPES], tv)
        for v, val in zip(opt.variables, ov):
            v.assign(val)
        for v, val in zip(variables, tv):
            v.assign(val)
    else:
        for g in GRADS:
            opt.apply([g[k] for k in SHAPES], variables)
    assert int(opt.iterations) == 3
    return {k: np.asarray(v.value, np.float64) for k, v in zip(SHAPES, variables)}


_RESULTS = {}


def _result(name, kwargs, jit):
    """``_run`` of ``optimizers.<name>(**kwargs)``, computed once per module (compiles are the cost)."""
    key = (name, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])), jit)
    key = repr(key)
    if key not in _RESULTS:
        _RESULTS[key] = _run(getattr(optimizers, name)(**kwargs), jit)
    return _RESULTS[key]


def _check(got, expected, rtol=2e-5, atol=2e-6):
    for k in SHAPES:
        np.testing.assert_allclose(got[k], expected[k], rtol=rtol, atol=atol, err_msg=k)


# ---- numpy references (float64) ------------------------------------------------------------------


def ref_lamb(lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None):
    out = {}
    for k in SHAPES:
        p = INIT[k].astype(np.float64)
        m = np.zeros_like(p)
        v = np.zeros_like(p)
        for t, grads in enumerate(GRADS, 1):
            g = grads[k].astype(np.float64)
            if weight_decay:
                p = p - p * weight_decay * lr
            m = m + (g - m) * (1 - beta_1)
            v = v + (g * g - v) * (1 - beta_2)
            u = (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
            w_norm, u_norm = np.linalg.norm(p), np.linalg.norm(u)
            ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
            p = p - ratio * lr * u
        out[k] = p
    return out


def ref_schedule_free(lr=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0, weight_decay=None):
    out = {}
    for k in SHAPES:
        y = INIT[k].astype(np.float64)
        z = y.copy()
        v = np.zeros_like(y)
        for t, grads in enumerate(GRADS, 1):
            g = grads[k].astype(np.float64)
            if weight_decay:
                y = y - y * weight_decay * lr
            lr_t = lr * min(t / warmup_steps, 1.0) if warmup_steps else lr
            v = beta_2 * v + (1 - beta_2) * g * g
            z_new = z - lr_t * g / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
            x = (y - (1 - beta_1) * z) / beta_1
            x = (1 - 1 / t) * x + z_new / t
            y = (1 - beta_1) * z_new + beta_1 * x
            z = z_new
        out[k] = y
    return out


def ns5_ref(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def ref_muon(adamw_paths, lr=0.01, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004, epsilon=1e-7,
             weight_decay=0.004, adam_lr_ratio=1.0, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2):
    out = {}
    for k in SHAPES:
        p = INIT[k].astype(np.float64)
        m = np.zeros_like(p)
        v = np.zeros_like(p)
        for t, grads in enumerate(GRADS, 1):
            g = grads[k].astype(np.float64)
            wd = adam_weight_decay if k in adamw_paths else weight_decay
            if wd:
                p = p - p * wd * lr
            if k in adamw_paths:
                a_lr = lr * adam_lr_ratio
                m = m + (g - m) * (1 - adam_beta_1)
                v = v + (g * g - v) * (1 - adam_beta_2)
                alpha = a_lr * np.sqrt(1 - adam_beta_2 ** t) / (1 - adam_beta_1 ** t)
                p = p - m * alpha / (np.sqrt(v) + epsilon)
            else:
                m = momentum * m + g
                d = g + momentum * m if nesterov else m
                upd = lr * ns5_ref(d, ns_steps)
                if rms_rate is not None:
                    upd = upd * np.sqrt(max(p.shape)) * rms_rate
                p = p - upd
        out[k] = p
    return out


# ---- numerics ---------------------------------------------------------------------------------------


# (name, kwargs, jit, numpy reference): each optimizer once under jax.jit (stateless_apply) and once
# through the eager `apply`; the same runs are compared with Keras 3 below.
CASES = [
    ("Lamb", dict(learning_rate=0.01, weight_decay=0.1), True, lambda: ref_lamb(weight_decay=0.1)),
    ("Lamb", dict(learning_rate=0.05, beta_1=0.8, epsilon=1e-3), False,
     lambda: ref_lamb(lr=0.05, beta_1=0.8, epsilon=1e-3)),
    ("ScheduleFreeAdamW", dict(learning_rate=0.02, warmup_steps=2, weight_decay=0.05, beta_1=0.7), True,
     lambda: ref_schedule_free(lr=0.02, warmup_steps=2, weight_decay=0.05, beta_1=0.7)),
    ("ScheduleFreeAdamW", dict(learning_rate=0.01), False, lambda: ref_schedule_free(lr=0.01)),
    # Keras's routing: AdamW for non-2-D, for "embedding" paths and for exclude_layers matches.
    ("Muon", dict(learning_rate=0.01, exclude_layers=["out"]), True,
     lambda: ref_muon({"embedding", "dense/bias", "out/kernel"})),
    ("Muon", dict(learning_rate=0.02, exclude_embeddings=False, nesterov=False, rms_rate=None, weight_decay=None,
                  adam_weight_decay=0.1, adam_lr_ratio=0.5, momentum=0.9, ns_steps=3), False,
     lambda: ref_muon({"dense/bias"}, lr=0.02, nesterov=False, rms_rate=None, weight_decay=None,
                      adam_weight_decay=0.1, adam_lr_ratio=0.5, momentum=0.9, ns_steps=3)),
]
IDS = [f"{c[0]}-{'jit' if c[2] else 'eager'}" for c in CASES]


@pytest.mark.parametrize("name,kwargs,jit,reference", CASES, ids=IDS)
def test_matches_numpy_reference(name, kwargs, jit, reference):
    _check(_result(name, kwargs, jit), reference())


def test_newton_schulz_orthogonalises():
    from fkeras.optimizers.muon import newton_schulz5

    g = RNG.normal(size=(6, 3))
    out = np.asarray(newton_schulz5(jax.numpy.asarray(g, jax.numpy.float32), 5), np.float64)
    np.testing.assert_allclose(out, ns5_ref(g, 5), rtol=1e-4, atol=1e-5)
    u, s, vt = np.linalg.svd(g, full_matrices=False)
    core = u.T @ out @ vt.T  # ~diagonal with entries near 1: out ~ U S' V^T
    assert np.all(np.abs(core - np.diag(np.diag(core))) < 1e-3)
    assert np.all((np.diag(core) > 0.5) & (np.diag(core) < 1.3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        newton_schulz5(jax.numpy.ones((3,)), 5)


def test_schedule_free_momentum_starts_at_the_weights_and_fit_trains():
    opt = optimizers.ScheduleFreeAdamW()
    variables = [_Var(INIT["dense/kernel"], "dense/kernel")]
    opt.build(variables)
    slots = [v for v in opt.variables if v.shape == (3, 4)]
    np.testing.assert_array_equal(np.asarray(slots[0].value), INIT["dense/kernel"])  # momentum
    np.testing.assert_array_equal(np.asarray(slots[1].value), 0.0)  # velocity

    # Muon under fit: the trainer's parameter tree is routed by the model's variable paths
    x = RNG.normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = fkeras.Sequential([fkeras.Input((3,)), fkeras.layers.Dense(4, name="hidden"),
                               fkeras.layers.Dense(1, name="head")], name="net")
    opt = optimizers.Muon(0.05, exclude_layers=["head"])
    model.compile(opt, "mse")
    hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0).history["loss"]
    assert hist[-1] < hist[0]
    velocities = {v.name: v.numpy() for v in opt.variables if v.name.endswith("_velocity")}
    assert velocities["net_hidden_kernel_velocity"].shape == ()  # Muon: no second moment
    assert velocities["net_head_kernel_velocity"].shape == (4, 1)  # excluded: AdamW
    assert np.any(velocities["net_head_kernel_velocity"] != 0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="ns_steps"):
        optimizers.Muon(ns_steps=-1)
    with pytest.raises(ValueError, match="exclude_layers"):
        optimizers.Muon(exclude_layers="dense")
    with pytest.raises(ValueError, match="adam_weight_decay"):
        optimizers.Muon(adam_weight_decay="big")
    with pytest.raises(ValueError, match="warmup_steps"):
        optimizers.ScheduleFreeAdamW(warmup_steps=-1)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.ScheduleFreeAdamW(beta_1=0.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.Lamb(weight_decay="x")
    with pytest.raises(ValueError, match="params"):
        opt = optimizers.Muon()
        opt.tx.update([np.ones((2, 2), np.float32)], opt.tx.init([np.ones((2, 2), np.float32)]))


# ---- Keras 3 parity -------------------------------------------------------------------------------


def _keras_cls(keras, name):
    return getattr(keras.optimizers, name)


@pytest.mark.parametrize("name,kwargs,jit,reference", CASES, ids=IDS)
def test_same_variables_as_keras(name, kwargs, jit, reference):
    keras = pytest.importorskip("keras")
    kvars = [keras.Variable(INIT[k], name=k.replace("/", "_")) for k in SHAPES]
    kopt = _keras_cls(keras, name)(**kwargs)
    kopt.build(kvars)
    # Muon routes by the variable's path; Keras's paths use "_" where ours use "/"
    assert [v.path for v in kvars] == [k.replace("/", "_") for k in SHAPES]
    for g in GRADS:
        kopt.apply([g[k] for k in SHAPES], kvars)
    theirs = {k: np.asarray(v.numpy(), np.float64) for k, v in zip(SHAPES, kvars)}
    _check(_result(name, kwargs, jit), theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Lamb", "Muon", "ScheduleFreeAdamW"])
def test_config_matches_keras_and_round_trips(name):
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()  # fresh auto-names on both sides
    ours = getattr(optimizers, name)()
    theirs = _keras_cls(keras, name)()
    config = ours.get_config()
    assert config.keys() == theirs.get_config().keys()
    for k, v in theirs.get_config().items():
        if k == "learning_rate":
            assert config[k] == pytest.approx(v)
        else:
            assert config[k] == v, k
    assert ours.name == theirs.name
    assert type(ours).from_config(config).get_config() == config
    # a config Keras wrote rebuilds ours
    rebuilt = optimizers.deserialize(keras.optimizers.serialize(_keras_cls(keras, name)(learning_rate=0.5)))
    assert type(rebuilt) is type(ours) and rebuilt.learning_rate == pytest.approx(0.5)


@pytest.mark.parametrize("name", ["Lamb", "ScheduleFreeAdamW"])
def test_variable_names_after_fit_match_keras(name):
    keras = pytest.importorskip("keras")
    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 1)).astype("float32")
    model = fkeras.Sequential([fkeras.Input((3,)), fkeras.layers.Dense(2, name="d"),
                               fkeras.layers.Dense(1, name="o")], name="net")
    model.compile(getattr(optimizers, name)(), "mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    kmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d"), keras.layers.Dense(1, name="o")],
                              name="net")
    kopt = _keras_cls(keras, name)()
    kopt.build(kmodel.trainable_variables)
    assert [(v.name, tuple(v.shape)) for v in model.optimizer.variables] == \
        [(v.name, tuple(v.shape)) for v in kopt.variables]
