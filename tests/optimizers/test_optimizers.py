"""fkeras optimizers vs a float64 numpy re-implementation of Keras 3's update equations."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fkeras import optimizers
from fkeras.optimizers import base, schedules

# ---------------------------------------------------------------------------------------------
# A small quadratic problem: loss = sum(a * (w - c)**2) / 2 over a nested params dict.
# ---------------------------------------------------------------------------------------------

_rng = np.random.default_rng(1234)
P0 = {
    "dense": {"bias": _rng.normal(size=(3,)), "kernel": _rng.normal(size=(2, 3))},
    "dense_1": {"kernel": _rng.normal(size=(3, 2))},
}
A = jax.tree_util.tree_map(lambda p: np.abs(_rng.normal(size=p.shape)) + 0.5, P0)
C = jax.tree_util.tree_map(lambda p: _rng.normal(size=p.shape), P0)


def grad_fn(params):
    return jax.tree_util.tree_map(lambda p, a, c: a * (p - c), params, A, C)


def as_f32(tree):
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), tree)


def flat_with_paths(tree):
    leaves, treedef = jax.tree_util.tree_flatten_with_path(tree)
    return [base._path_to_str(p) for p, _ in leaves], [np.asarray(x, np.float64) for _, x in leaves], treedef


# ---------------------------------------------------------------------------------------------
# numpy references of Keras's update_step for one variable: init(p) -> slots; step(...) -> (p, slots)
# `p` given to `step` is the weight after decoupled weight decay; `t` is iterations + 1.
# ---------------------------------------------------------------------------------------------


def ref_sgd(momentum=0.0, nesterov=False, **_):
    def init(p):
        return {"m": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        if momentum == 0:
            return p - lr * g, s
        m = momentum * s["m"] - lr * g
        if nesterov:
            return p + momentum * m - lr * g, {"m": m}
        return p + m, {"m": m}

    return init, step


def ref_adam(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **_):
    def init(p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "vh": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        m = s["m"] + (g - s["m"]) * (1 - beta_1)
        v = s["v"] + (g * g - s["v"]) * (1 - beta_2)
        vh = np.maximum(s["vh"], v) if amsgrad else s["vh"]
        alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        denom = np.sqrt(vh if amsgrad else v) + epsilon
        return p - m * alpha / denom, {"m": m, "v": v, "vh": vh}

    return init, step


def ref_rmsprop(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **_):
    def init(p):
        return {"vel": np.zeros_like(p), "mom": np.zeros_like(p), "avg": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        vel = rho * s["vel"] + (1 - rho) * g * g
        avg = s["avg"]
        if centered:
            avg = rho * avg + (1 - rho) * g
            denom = vel - avg * avg + epsilon
        else:
            denom = vel + epsilon
        inc = lr * g / np.sqrt(denom)
        mom = s["mom"]
        if momentum > 0:
            mom = momentum * mom + inc
            new_p = p - mom
        else:
            new_p = p - inc
        return new_p, {"vel": vel, "mom": mom, "avg": avg}

    return init, step


def ref_adagrad(initial_accumulator_value=0.1, epsilon=1e-7, **_):
    def init(p):
        return {"acc": np.full_like(p, initial_accumulator_value)}

    def step(g, p, s, lr, t, glob):
        acc = s["acc"] + g * g
        return p - lr * g / np.sqrt(acc + epsilon), {"acc": acc}

    return init, step


def ref_adadelta(rho=0.95, epsilon=1e-7, **_):
    def init(p):
        return {"ag": np.zeros_like(p), "ad": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        ag = rho * s["ag"] + (1 - rho) * g * g
        delta = -np.sqrt(s["ad"] + epsilon) * g / np.sqrt(ag + epsilon)
        ad = rho * s["ad"] + (1 - rho) * delta * delta
        return p + lr * delta, {"ag": ag, "ad": ad}

    return init, step


def ref_adamax(beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    def init(p):
        return {"m": np.zeros_like(p), "u": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        m = s["m"] + (g - s["m"]) * (1 - beta_1)
        u = np.maximum(beta_2 * s["u"], np.abs(g))
        return p - lr * m / ((1 - beta_1**t) * (u + epsilon)), {"m": m, "u": u}

    return init, step


def ref_nadam(beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    # `glob["u_product"]` is updated once per step by the driver (before the per-variable step).
    def init(p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        u_t = beta_1 * (1 - 0.5 * 0.96**t)
        u_t1 = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        up = glob["u_product"]
        m = s["m"] + (g - s["m"]) * (1 - beta_1)
        v = s["v"] + (g * g - s["v"]) * (1 - beta_2)
        m_hat = u_t1 * m / (1 - up * u_t1) + (1 - u_t) * g / (1 - up)
        v_hat = v / (1 - beta_2**t)
        return p - m_hat * lr / (np.sqrt(v_hat) + epsilon), {"m": m, "v": v}

    return init, step


def ref_lion(beta_1=0.9, beta_2=0.99, **_):
    def init(p):
        return {"m": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        new_p = p - lr * np.sign(s["m"] * beta_1 + g * (1 - beta_1))
        return new_p, {"m": s["m"] * beta_2 + g * (1 - beta_2)}

    return init, step


def ref_ftrl(learning_rate_power=-0.5, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
             l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0, **_):
    def init(p):
        return {"acc": np.full_like(p, initial_accumulator_value), "lin": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        l2 = l2_regularization_strength + beta / (2 * lr)
        gu = g + 2 * l2_shrinkage_regularization_strength * p
        new_acc = s["acc"] + g * g
        pw = -learning_rate_power
        lin = s["lin"] + gu - (new_acc**pw - s["acc"] ** pw) / lr * p
        quad = new_acc**pw / lr + 2 * l2
        l1 = l1_regularization_strength
        return (np.clip(lin, -l1, l1) - lin) / quad, {"acc": new_acc, "lin": lin}

    return init, step


def ref_adafactor(beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0, **_):
    def rms(x):
        return np.sqrt(np.mean(x * x))

    def init(p):
        if p.ndim < 2:
            return {"r": 0.0, "c": 0.0, "v": np.zeros_like(p)}
        return {"r": np.zeros(p.shape[:-1]), "c": np.zeros(p.shape[:-2] + p.shape[-1:]), "v": np.zeros_like(p)}

    def step(g, p, s, lr, t, glob):
        rho_t = min(lr, 1 / math.sqrt(t))
        alpha_t = max(epsilon_2, rms(p)) * rho_t
        r2 = g * g + epsilon_1
        b = 1 - t**beta_2_decay
        r, c, v = s["r"], s["c"], s["v"]
        if p.ndim >= 2:
            r = b * r + (1 - b) * r2.mean(-1)
            c = b * c + (1 - b) * r2.mean(-2)
            v = (r / r.mean(-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = b * v + (1 - b) * r2
        u = g / np.sqrt(v)
        u = u / max(1.0, rms(u) / clip_threshold)
        return p - alpha_t * u, {"r": r, "c": c, "v": v}

    return init, step


REFS = {
    "SGD": ref_sgd, "Adam": ref_adam, "AdamW": ref_adam, "RMSprop": ref_rmsprop,
    "Adagrad": ref_adagrad, "Adadelta": ref_adadelta, "Adamax": ref_adamax, "Nadam": ref_nadam,
    "Lion": ref_lion, "Ftrl": ref_ftrl, "Adafactor": ref_adafactor,
}


def reference_run(cls_name, kw, steps, lr_at=None, exclude=()):
    """Keras's optimizer.apply() loop in float64 numpy over the quadratic problem."""
    kw = dict(kw)
    if cls_name == "AdamW":
        kw.setdefault("weight_decay", 0.004)
    init, step = REFS[cls_name](**kw)
    paths, params, treedef = flat_with_paths(P0)
    slots = [init(p) for p in params]
    lr0 = kw.get("learning_rate", 0.001)
    wd = kw.get("weight_decay")
    acc_steps = kw.get("gradient_accumulation_steps")
    accum = [np.zeros_like(p) for p in params]
    ema = [np.zeros_like(p) for p in params]
    glob = {"u_product": 1.0}
    n_updates = 0
    for it in range(steps):
        lr = lr_at(it) if lr_at is not None else lr0
        grads = [np.asarray(g) for g in jax.tree_util.tree_leaves(grad_fn(treedef.unflatten(params)))]
        if kw.get("loss_scale_factor"):
            grads = [g / kw["loss_scale_factor"] for g in grads]
        do_update = True
        if acc_steps:
            do_update = (it + 1) % acc_steps == 0
            if not do_update:
                accum = [a + g for a, g in zip(accum, grads)]
            else:
                grads = [(g + a) / acc_steps for g, a in zip(grads, accum)]
                accum = [np.zeros_like(a) for a in accum]
        if do_update:
            if kw.get("clipnorm"):
                cn = kw["clipnorm"]
                grads = [g * cn / max(np.linalg.norm(g), cn) for g in grads]
            elif kw.get("global_clipnorm"):
                cn = kw["global_clipnorm"]
                norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
                grads = [g * cn * min(1 / norm, 1 / cn) for g in grads]
            elif kw.get("clipvalue"):
                grads = [np.clip(g, -kw["clipvalue"], kw["clipvalue"]) for g in grads]
            if wd:
                params = [p if any(e in path for e in exclude) else p - p * wd * lr
                          for p, path in zip(params, paths)]
            t = n_updates + 1
            if cls_name == "Nadam":
                glob["u_product"] *= kw.get("beta_1", 0.9) * (1 - 0.5 * 0.96**t)
            out = [step(g, p, s, lr, t, glob) for g, p, s in zip(grads, params, slots)]
            params = [o[0] for o in out]
            slots = [o[1] for o in out]
            n_updates += 1
        if kw.get("use_ema"):
            iterations = it // acc_steps if acc_steps else it
            mom = 0.0 if iterations == 0 else kw.get("ema_momentum", 0.99)
            ema = [mom * a + (1 - mom) * p for a, p in zip(ema, params)]
            freq = kw.get("ema_overwrite_frequency")
            if freq and (iterations + 1) % freq == 0:
                params = [a.copy() for a in ema]
    return treedef.unflatten(params), treedef.unflatten(ema)


def fkeras_run(opt, steps, jit=True, write_lr=None):
    params = as_f32(P0)
    state = opt.tx.init(params)
    update = jax.jit(opt.tx.update) if jit else opt.tx.update
    for it in range(steps):
        if write_lr is not None:
            opt.learning_rate = write_lr(it)
            state = opt._write_hyperparams(state)
        updates, state = update(grad_fn(params), state, params)
        params = optax.apply_updates(params, updates)
    return params, state


def assert_tree_close(actual, expected, rtol=2e-5, atol=2e-6):
    for a, e in zip(jax.tree_util.tree_leaves(actual), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(a, np.float64), e, rtol=rtol, atol=atol)


CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.7}),
    ("Adam", {"learning_rate": 0.05}),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-3, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.05, "weight_decay": 0.1}),
    ("Adam", {"learning_rate": 0.05, "loss_scale_factor": 8.0}),
    ("AdamW", {"learning_rate": 0.05}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.2, "global_clipnorm": 1.0}),
    ("RMSprop", {"learning_rate": 0.05}),
    ("RMSprop", {"learning_rate": 0.05, "momentum": 0.5, "centered": True, "epsilon": 1e-2}),
    ("RMSprop", {"learning_rate": 0.05, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-4}),
    ("Adamax", {"learning_rate": 0.05}),
    ("Nadam", {"learning_rate": 0.05}),
    ("Nadam", {"learning_rate": 0.05, "epsilon": 1e-3, "weight_decay": 0.05}),
    ("Lion", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.3}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1, "learning_rate_power": -0.3}),
    ("Adafactor", {"learning_rate": 0.05}),
    ("Adafactor", {"learning_rate": 0.5, "weight_decay": 0.1, "clip_threshold": 0.5}),
    ("Adam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
    ("Nadam", {"learning_rate": 0.05, "gradient_accumulation_steps": 3}),
    ("Adam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2}),
]


# Eager (un-jitted) runs are slow op-by-op on CPU: do them for the first case of each class.
_EAGER = {i for i, (c, _) in enumerate(CASES) if all(c != c2 for c2, _ in CASES[:i])}


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_matches_keras_equations(case):
    cls_name, kw = CASES[case]
    runs = ((True, 6), (False, 3)) if case in _EAGER else ((True, 6),)
    for jit, steps in runs:
        expected, _ = reference_run(cls_name, kw, steps)
        got, _ = fkeras_run(getattr(optimizers, cls_name)(**kw), steps, jit=jit)
        assert_tree_close(got, expected)


def test_defaults_match_keras():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.Adadelta().rho == 0.95
    assert (optimizers.Lion().beta_1, optimizers.Lion().beta_2) == (0.9, 0.99)
    assert optimizers.Adam().name == "adam" and optimizers.SGD().name == "SGD"
    for name in ("adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "adamw", "lion"):
        assert optimizers.get(name).learning_rate == pytest.approx(0.01 if name == "sgd" else 0.001)


def test_weight_decay_exclusion_by_name_and_variable():
    kw = {"learning_rate": 0.05, "weight_decay": 0.3}
    opt = optimizers.Adam(**kw)
    opt.exclude_from_weight_decay(var_names=["bias", "dense_1"])
    got, _ = fkeras_run(opt, 4)
    expected, _ = reference_run("Adam", kw, 4, exclude=("bias", "dense_1"))
    assert_tree_close(got, expected)

    class Var:  # an engine-like variable exposing its path
        path = "dense/bias"

    opt = optimizers.Adam(**kw)
    opt.exclude_from_weight_decay(var_list=[Var()])
    got, _ = fkeras_run(opt, 4)
    expected, _ = reference_run("Adam", kw, 4, exclude=("dense/bias",))
    assert_tree_close(got, expected)
    # Excluding nothing differs from excluding the bias.
    plain, _ = fkeras_run(optimizers.Adam(**kw), 4)
    assert not np.allclose(plain["dense"]["bias"], got["dense"]["bias"])


def test_learning_rate_change_inside_jit_does_not_retrace():
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    traces = []

    @jax.jit
    def step(params, state):
        traces.append(1)
        updates, state = opt.tx.update(grad_fn(params), state, params)
        return optax.apply_updates(params, updates), state

    params = as_f32(P0)
    state = opt.tx.init(params)
    lrs = [0.1, 0.05, 0.05, 0.2, 0.01]
    version0 = opt._lr_version
    for lr in lrs:
        opt.learning_rate = lr
        state = opt._write_hyperparams(state)
        params, state = step(params, state)
        assert float(opt._read_learning_rate(state)) == pytest.approx(lr)
    assert len(traces) == 1
    assert opt._lr_version == version0 + len(lrs)
    expected, _ = reference_run("SGD", {"learning_rate": 0.1, "momentum": 0.9}, len(lrs), lr_at=lambda i: lrs[i])
    assert_tree_close(params, expected)
    assert opt.lr == pytest.approx(0.01)
    assert isinstance(opt.learning_rate, float)


def test_schedule_is_evaluated_inside_the_transformation():
    sched = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched, momentum=0.9)
    got, state = fkeras_run(opt, 5)
    expected, _ = reference_run("SGD", {"momentum": 0.9}, 5, lr_at=lambda i: 0.1 * 0.5 ** (i / 2))
    assert_tree_close(got, expected)
    assert float(opt._read_learning_rate(state)) == pytest.approx(0.1 * 0.5 ** (4 / 2), rel=1e-6)
    # getter: the schedule at `_iterations` (a trainer assigns it).
    assert opt.learning_rate == pytest.approx(0.1)
    opt._iterations = 4
    assert opt.learning_rate == pytest.approx(0.025, rel=1e-6)
    assert opt._write_hyperparams(state) is state
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.3
    # Plain callables of the step work too (and a weight decay sees the scheduled rate).
    kw = {"weight_decay": 0.5}
    got, _ = fkeras_run(optimizers.Adam(learning_rate=lambda step: 0.05 / (1.0 + step), **kw), 4)
    expected, _ = reference_run("Adam", kw, 4, lr_at=lambda i: 0.05 / (1.0 + i))
    assert_tree_close(got, expected)


class _Var:
    """A minimal assignable variable (stands in for the engine's Variable)."""

    def __init__(self, value, path):
        self.value = jnp.asarray(value, jnp.float32)
        self.path = path

    def assign(self, value):
        self.value = jnp.asarray(value, self.value.dtype)


def _list_problem():
    paths, values, _ = flat_with_paths(P0)
    a = [np.asarray(x) for x in jax.tree_util.tree_leaves(A)]
    c = [np.asarray(x) for x in jax.tree_util.tree_leaves(C)]

    def grads(vals):
        return [ai * (np.asarray(v) - ci) for v, ai, ci in zip(vals, a, c)]

    return paths, values, grads


def test_stateless_apply_under_jit_matches_eager_apply_and_tx():
    kw = {"learning_rate": 0.05, "weight_decay": 0.1}
    paths, values, grads = _list_problem()
    expected, _ = reference_run("Nadam", kw, 4)
    expected = [np.asarray(x) for x in jax.tree_util.tree_leaves(expected)]

    opt = optimizers.Nadam(**kw)
    trainable = [jnp.asarray(v, jnp.float32) for v in values]
    opt.build(trainable)
    assert opt.built and len(opt.variables) == len(jax.tree_util.tree_leaves(opt.tx.init(trainable)))
    handle = opt.variables[0]
    assert isinstance(handle, base._StateVariable)
    assert handle.shape == tuple(np.shape(handle.numpy())) and handle.dtype == handle.value.dtype
    opt_vars = [v.value for v in opt.variables]
    traces = []

    def pure(o, g, t):
        traces.append(1)
        return opt.stateless_apply(o, g, t)

    step = jax.jit(pure)
    for _ in range(4):
        trainable, opt_vars = step(opt_vars, [jnp.asarray(g, jnp.float32) for g in grads(trainable)], trainable)
    assert len(traces) == 1
    for got, exp in zip(trainable, expected):
        np.testing.assert_allclose(np.asarray(got, np.float64), exp, rtol=2e-5, atol=2e-6)

    # Eager apply / apply_gradients update variables in place and count iterations.
    opt2 = optimizers.Nadam(**kw)
    variables = [_Var(v, p) for v, p in zip(values, paths)]
    for i in range(4):
        g = grads([v.value for v in variables])
        if i % 2:
            assert opt2.apply_gradients(list(zip(g, variables))) == i + 1
        else:
            opt2.apply(g, variables)
    assert opt2.iterations == 4
    for v, exp in zip(variables, expected):
        np.testing.assert_allclose(np.asarray(v.value, np.float64), exp, rtol=2e-5, atol=2e-6)
    # A later apply without variables uses the built list.
    before = np.asarray(variables[0].value)
    opt2.apply(grads([v.value for v in variables]))
    assert not np.allclose(before, variables[0].value)


def test_eager_apply_respects_learning_rate_setter_and_exclusions():
    paths, values, grads = _list_problem()
    variables = [_Var(v, p) for v, p in zip(values, paths)]
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    lrs = [0.1, 0.3, 0.2]
    for lr in lrs:
        opt.learning_rate = lr
        opt.apply(grads([v.value for v in variables]), variables)
    expected, _ = reference_run("SGD", {"learning_rate": 0.1, "weight_decay": 0.5}, 3,
                                lr_at=lambda i: lrs[i], exclude=("bias",))
    for v, exp in zip(variables, jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(v.value, np.float64), exp, rtol=2e-5, atol=2e-6)
    lr_leaf = float(opt._read_learning_rate(jax.tree_util.tree_unflatten(
        opt._state_treedef, [h.value for h in opt.variables])))
    assert lr_leaf == pytest.approx(0.2)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_stateless_apply_errors():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="must be built"):
        opt.stateless_apply([], [jnp.zeros(2)], [jnp.zeros(2)])
    opt.build([jnp.zeros(2)])
    with pytest.raises(ValueError, match="optimizer_variables"):
        opt.stateless_apply([], [jnp.zeros(2)], [jnp.zeros(2)])
    opt_vars = [v.value for v in opt.variables]
    with pytest.raises(ValueError, match="None gradients"):
        opt.stateless_apply(opt_vars, [None], [jnp.zeros(2)])
    with pytest.raises(TypeError, match="assign"):
        optimizers.SGD().apply([jnp.ones(2)], [jnp.zeros(2)])


def test_ema_and_finalize_variable_values():
    kw = {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.8}
    expected, expected_ema = reference_run("Adam", kw, 5)
    paths, values, grads = _list_problem()
    variables = [_Var(v, p) for v, p in zip(values, paths)]
    opt = optimizers.Adam(**kw)
    for _ in range(5):
        opt.apply(grads([v.value for v in variables]), variables)
    for v, exp in zip(variables, jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(v.value, np.float64), exp, rtol=2e-5, atol=2e-6)
    # The trainer-facing accessor on a functional state agrees with the reference.
    _, state = fkeras_run(optimizers.Adam(**kw), 5)
    assert_tree_close(optimizers.Adam(**kw)._ema_average(state), expected_ema)
    with pytest.raises(ValueError, match="use_ema=False"):
        optimizers.Adam()._ema_average(optimizers.Adam().tx.init(as_f32(P0)))
    opt.finalize_variable_values(variables)
    for v, exp in zip(variables, jax.tree_util.tree_leaves(expected_ema)):
        np.testing.assert_allclose(np.asarray(v.value, np.float64), exp, rtol=2e-5, atol=2e-6)


def test_scale_loss():
    assert optimizers.SGD(loss_scale_factor=4.0).scale_loss(2.0) == 8.0
    assert optimizers.SGD().scale_loss(2.0) == 2.0


def test_get_identifiers():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("AdamW"), optimizers.AdamW)
    assert optimizers.get(None) is None
    opt = optimizers.Lion()
    assert optimizers.get(opt) is opt
    from_dict = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.5}})
    assert isinstance(from_dict, optimizers.SGD) and from_dict.learning_rate == 0.5 and from_dict.momentum == 0.5
    wrapped = optimizers.get(optax.sgd(0.1))
    assert isinstance(wrapped, optimizers.OptaxOptimizer)
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        optimizers.get("adma")
    with pytest.raises(ValueError, match="Did you mean 'rmsprop'"):
        optimizers.get("rmsporp")
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get(3)


@pytest.mark.parametrize("cls_name", sorted(REFS))
def test_config_round_trip(cls_name):
    cls = getattr(optimizers, cls_name)
    opt = cls(learning_rate=0.02, clipnorm=1.5, name="my_opt")
    config = opt.get_config()
    for key in ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
                "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                "gradient_accumulation_steps"):
        assert key in config
    assert config["learning_rate"] == pytest.approx(0.02) and isinstance(config["learning_rate"], float)
    clone = cls.from_config(config)
    assert clone.get_config() == config
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == config


def test_config_with_schedule_round_trip():
    sched = schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5)
    opt = optimizers.Adam(learning_rate=sched)
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    clone = optimizers.Adam.from_config(config)
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert clone._learning_rate.get_config() == sched.get_config()
    serialized = optimizers.serialize(opt)
    assert serialized["class_name"] == "Adam" and serialized["module"] == "keras.optimizers"
    assert isinstance(optimizers.deserialize(serialized)._learning_rate, schedules.CosineDecay)


def test_keras_written_config_deserializes():
    config = {
        "module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
        "config": {"name": "adam", "learning_rate": 0.0005, "weight_decay": None, "clipnorm": None,
                   "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                   "ema_overwrite_frequency": None, "loss_scale_factor": None,
                   "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
                   "epsilon": 1e-07, "amsgrad": False},
    }
    opt = optimizers.deserialize(config)
    assert isinstance(opt, optimizers.Adam) and opt.learning_rate == 0.0005


def test_optax_optimizer_wrapper():
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
    opt = optimizers.get(tx)
    assert opt.learning_rate == pytest.approx(0.1)
    traces = []

    @jax.jit
    def step(params, state):
        traces.append(1)
        updates, state = opt.tx.update(grad_fn(params), state, params)
        return optax.apply_updates(params, updates), state

    params = as_f32(P0)
    state = opt.tx.init(params)
    lrs = [0.1, 0.3]
    for lr in lrs:
        opt.learning_rate = lr
        state = opt._write_hyperparams(state)
        params, state = step(params, state)
    assert len(traces) == 1
    expected, _ = reference_run("SGD", {}, 2, lr_at=lambda i: lrs[i])
    assert_tree_close(params, expected)
    # Nested inside a chain: still found.
    chained = optimizers.OptaxOptimizer(optax.chain(optax.clip(1.0), tx))
    assert chained.learning_rate == pytest.approx(0.1)
    raw = optimizers.get(optax.adam(1e-3))
    with pytest.raises(ValueError, match="inject_hyperparams"):
        _ = raw.learning_rate
    with pytest.raises(ValueError, match="inject_hyperparams"):
        raw.learning_rate = 0.1
    with pytest.raises(NotImplementedError):
        raw.get_config()
    with pytest.raises(TypeError, match="GradientTransformation"):
        optimizers.OptaxOptimizer("adam")


def test_argument_validation():
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(beta1=0.9)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)


def test_update_without_params_when_not_needed():
    opt = optimizers.SGD(learning_rate=0.1)
    params = as_f32(P0)
    state = opt.tx.init(params)
    updates, _ = opt.tx.update(grad_fn(params), state)
    assert_tree_close(updates, jax.tree_util.tree_map(lambda g: -0.1 * np.asarray(g), grad_fn(params)))
    wd = optimizers.SGD(weight_decay=0.1)
    with pytest.raises(ValueError, match="needs `params`"):
        wd.tx.update(grad_fn(params), wd.tx.init(params))


def test_optimizer_state_is_checkpointable_pytree():
    opt = optimizers.Adam(learning_rate=0.01)
    params = as_f32(P0)
    state = opt.tx.init(params)
    leaves = jax.tree_util.tree_leaves(state)
    assert all(hasattr(x, "dtype") for x in leaves)
    lr = opt._read_learning_rate(state)
    assert lr.dtype == jnp.float32 and float(lr) == pytest.approx(0.01)
