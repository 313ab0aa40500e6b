"""LossScaleOptimizer and MultiOptimizer / OptimizerMap (numpy references, Keras 3 parity, configs), and
Keras's JAX custom-loop idiom: values from ``stateless_apply`` assigned back into ``optimizer.variables``
are what ``optimizer.iterations`` and a learning-rate schedule read."""
import inspect
import math

import jax
import numpy as np
import pytest

import fkeras
import fkeras as keras
from fkeras import optimizers

RNG = np.random.default_rng(3)
W0 = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")]


def _vars(mod=fkeras):
    return [mod.Variable(W0[0], name="kernel"), mod.Variable(W0[1], name="bias")]


# ---- the custom-loop idiom (Keras 3's JAX guide) ---------------------------------------------------


def _guide_loop(opt, grads, mod=fkeras):
    """Keras's guide: build, run stateless_apply inside jit, write the values back with assign."""
    variables = _vars(mod)
    opt.build(variables)
    optimizer_variables = [v.value for v in opt.variables]
    trainable = [v.value for v in variables]
    step = jax.jit(opt.stateless_apply)
    for g in grads:
        trainable, optimizer_variables = step(optimizer_variables, g, trainable)
    for v, val in zip(opt.variables, optimizer_variables):
        v.assign(val)
    for v, val in zip(variables, trainable):
        v.assign(val)
    return variables


def test_assigned_back_values_are_what_iterations_and_the_schedule_read():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule)
    grads = [[np.ones((3, 2), np.float32), np.ones((2,), np.float32)]] * 3
    variables = _guide_loop(opt, grads)
    assert int(opt.iterations) == 3
    assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** 3)  # the schedule at the new step
    # step k used the schedule at k: w = w0 - (0.1 + 0.05 + 0.025)
    np.testing.assert_allclose(variables[1].numpy(), W0[1] - 0.175, rtol=1e-6)
    # assigning iterations moves every counter (the next step's learning rate and bias correction)
    opt.iterations.assign(10)
    assert int(opt.iterations) == 10 and opt.learning_rate == pytest.approx(0.1 * 0.5 ** 10)
    counters = [int(v.numpy()) for v in opt.variables if v.dtype == np.int32]
    assert counters and all(c == 10 for c in counters)
    # the eager API counts through the same variables
    opt.apply([np.zeros((3, 2), np.float32), np.zeros((2,), np.float32)], variables)
    assert int(opt.iterations) == 11


def test_iterations_with_gradient_accumulation_and_keras_parity():
    keras = pytest.importorskip("keras")
    grads = [[RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")] for _ in range(4)]
    ours = optimizers.Adam(0.1, gradient_accumulation_steps=2)
    theirs = keras.optimizers.Adam(0.1, gradient_accumulation_steps=2)
    a = _guide_loop(ours, grads)
    b = _guide_loop(theirs, grads, mod=keras)
    assert int(ours.iterations) == int(np.asarray(theirs.iterations)) == 2
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6)


# ---- LossScaleOptimizer ------------------------------------------------------------------------------


def test_loss_scale_optimizer_is_keras_public_name_with_keras_signature():
    assert optimizers.LossScaleOptimizer is fkeras.mixed_precision.LossScaleOptimizer
    params = inspect.signature(optimizers.LossScaleOptimizer).parameters
    assert list(params)[:3] == ["inner_optimizer", "initial_scale", "dynamic_growth_steps"]
    assert params["initial_scale"].default == 32768.0 and params["dynamic_growth_steps"].default == 2000
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, loss_scale_factor=4.0))
    assert opt.inner_optimizer.loss_scale_factor is None  # the wrapper does the scaling
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=None, use_ema=False)  # defaults are accepted
    with pytest.raises(ValueError, match="foo"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), foo=1)
    with pytest.raises(ValueError, match="initial_scale"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=0.0)
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)
    with pytest.raises(ValueError, match="another LossScaleOptimizer"):
        optimizers.LossScaleOptimizer(opt)


def _lso_grads():
    grads = [[(RNG.normal(size=(3, 2)) * 8).astype("float32"), (RNG.normal(size=(2,)) * 8).astype("float32")]
             for _ in range(5)]
    grads[1][0][0, 0] = np.inf
    grads[3][1][1] = np.nan
    return grads


def test_non_finite_gradients_skip_the_step_and_halve_the_scale():
    grads = _lso_grads()
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    variables = _vars()
    opt.build(variables)
    ov, tv = [v.value for v in opt.variables], [v.value for v in variables]
    step = jax.jit(opt.stateless_apply)
    # numpy: finite steps apply g / scale with SGD; non-finite ones change nothing but halve the scale;
    # two finite steps in a row double it.
    w = [x.astype(np.float64) for x in W0]
    scale, good, applied = 8.0, 0, 0
    for g in grads:
        tv, ov = step(ov, g, tv)
        if all(np.isfinite(x).all() for x in g):
            w = [wi - 0.1 * gi / scale for wi, gi in zip(w, g)]
            good, applied = good + 1, applied + 1
            if good == 2:
                scale, good = scale * 2, 0
        else:
            scale, good = scale / 2, 0
        for a, b in zip(tv, w):
            np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-6)
        assert float(opt.current_scale(ov)) == scale
    for v, val in zip(opt.variables, ov):
        v.assign(val)
    assert opt.dynamic_scale == scale == 2.0
    assert int(opt.iterations) == applied == 3 == int(opt.inner_optimizer.iterations)
    assert float(opt.scale_loss(3.0)) == 6.0
    # the inner optimizer shares the wrapper's variables (as Keras lists them after its own)
    assert opt.inner_optimizer.variables[0] is opt.variables[2]


def test_loss_scale_optimizer_matches_keras_and_config():
    keras = pytest.importorskip("keras")
    grads = _lso_grads()
    ours = optimizers.LossScaleOptimizer(optimizers.Adam(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.1), initial_scale=8.0,
                                                  dynamic_growth_steps=2)
    a = _guide_loop(ours, grads)
    b = _guide_loop(theirs, grads, mod=keras)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6)
    assert ours.dynamic_scale == float(theirs.dynamic_scale.numpy())
    assert int(ours.iterations) == int(np.asarray(theirs.iterations))
    config = ours.get_config()
    assert config.keys() == theirs.get_config().keys()
    assert config["inner_optimizer"]["class_name"] == "Adam"
    rebuilt = optimizers.deserialize(optimizers.serialize(ours))
    assert isinstance(rebuilt, optimizers.LossScaleOptimizer) and rebuilt.get_config() == config
    from_keras = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert from_keras.initial_scale == 8.0 and isinstance(from_keras.inner_optimizer, optimizers.Adam)


# ---- OptimizerMap and MultiOptimizer ----------------------------------------------------------------


def test_optimizer_map_lookup_rules():
    adam, sgd, rms = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    opt_map = optimizers.OptimizerMap(default_optimizer=rms)
    opt_map["encoder/layer_0/dense"] = adam
    opt_map["encoder/.*"] = sgd
    opt_map["decoder"] = adam
    assert opt_map["decoder"] is adam and opt_map["encoder/layer_0/dense"] is adam  # exact key first
    assert opt_map["encoder/layer_0/attention/query"] is sgd  # the fully-matching pattern
    assert opt_map["decoder/layer_0/dense"] is rms  # "decoder" does not fully match: the default
    assert len(opt_map) == 3 and set(opt_map) == {"encoder/layer_0/dense", "encoder/.*", "decoder"}
    opt_map["enc.*"] = adam
    with pytest.raises(ValueError, match="Multiple optimizers"):
        opt_map["encoder/x"]
    with pytest.raises(ValueError, match="already exists"):
        opt_map["decoder"] = sgd
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        opt_map["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(ValueError, match="Optimizer instance"):
        opt_map["x"] = "adam"
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("sgd")


def test_multi_optimizer_stateless_equals_each_optimizer_on_its_variables():
    sgd, adam = optimizers.SGD(0.1, momentum=0.9), optimizers.Adam(0.05)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {"bias": adam}))
    grads = [[RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")] for _ in range(3)]
    got = _guide_loop(multi, grads)
    assert int(multi.iterations) == 3 and int(sgd.iterations) == 3 and int(adam.iterations) == 3
    # numpy: SGD momentum on the kernel, Adam on the bias
    w, m = W0[0].astype(np.float64), 0.0
    b, mb, vb = W0[1].astype(np.float64), 0.0, 0.0
    for t, (gk, gb) in enumerate(grads, 1):
        m = 0.9 * m - 0.1 * gk
        w = w + m
        mb = mb + (gb - mb) * 0.1
        vb = vb + (gb * gb - vb) * 0.001
        b = b - mb * 0.05 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) / (np.sqrt(vb) + 1e-7)
    np.testing.assert_allclose(got[0].numpy(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1].numpy(), b, rtol=1e-5, atol=1e-6)
    # variables: the MultiOptimizer's counter, then each inner optimizer's own (shared) variables
    shared = multi.variables[1:]
    inner = sgd.variables + adam.variables if shared[0] is sgd.variables[0] else adam.variables + sgd.variables
    assert len(shared) == len(inner) and all(a is b for a, b in zip(shared, inner))
    with pytest.raises(AttributeError, match="sub-optimizers"):
        _ = multi.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate = 0.1
    with pytest.raises(ValueError, match="MultiOptimizer cannot be used inside"):
        optimizers.MultiOptimizer(lambda v: multi).build(_vars())
    with pytest.raises(TypeError, match="optimizer_map"):
        optimizers.MultiOptimizer("adam")


def test_multi_optimizer_fit_matches_keras_and_config_round_trips():
    keras = pytest.importorskip("keras")
    x = RNG.normal(size=(8, 3)).astype("float32")
    y = RNG.normal(size=(8, 2)).astype("float32")
    weights = None

    def run(mod, callable_map):
        nonlocal weights
        model = mod.Sequential([mod.Input((3,)), mod.layers.Dense(4, name="enc"), mod.layers.Dense(2, name="head")],
                               name="net")
        if weights is None:
            weights = [RNG.normal(size=np.shape(w)).astype("float32") for w in model.get_weights()]
        model.set_weights(weights)
        adam, sgd = mod.optimizers.Adam(0.05), mod.optimizers.SGD(0.1, momentum=0.9)
        if callable_map:
            opt = mod.optimizers.MultiOptimizer(lambda v: adam if v.path.startswith("net/enc/") else sgd)
        else:
            opt = mod.optimizers.MultiOptimizer(mod.optimizers.OptimizerMap(sgd, {"net/enc/.*": adam}))
        model.compile(opt, "mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return model, opt

    theirs, kopt = run(keras, False)
    opts = []
    for callable_map in (False, True):
        ours, opt = run(fkeras, callable_map)
        opts.append(opt)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        assert int(opt.iterations) == int(np.asarray(kopt.iterations)) == 4
    config = optimizers.serialize(opts[0])
    assert config["config"].keys() == keras.optimizers.serialize(kopt)["config"].keys()
    rebuilt = optimizers.deserialize(config)
    assert isinstance(rebuilt, optimizers.MultiOptimizer)
    assert optimizers.serialize(rebuilt) == config
    from_keras = optimizers.deserialize(keras.optimizers.serialize(kopt))
    assert [type(o).__name__ for o in from_keras.optimizers] == ["Adam", "SGD"]
    assert from_keras._optimizer_map["net/enc/kernel"] is from_keras.optimizers[0]


def test_loss_scale_factor_scales_the_loss_and_unscales_the_gradients_in_fit():
    """``loss_scale_factor`` multiplies the loss before the gradients and divides them back: the
    trained weights equal an unscaled run's (fkeras's fused step and Keras 3's train_step form)."""
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")

    class KerasForm(keras.Sequential):
        def train_step(self, state, data):
            return super().train_step(state, data)

    for cls in (keras.Sequential, KerasForm):
        weights = []
        for factor in (None, 64.0):
            keras.utils.set_random_seed(0)
            model = cls([keras.Input((3,)), keras.layers.Dense(1)])
            model.compile(keras.optimizers.SGD(0.1, loss_scale_factor=factor), "mse")
            hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
            weights.append((model.get_weights(), hist.history["loss"]))
        (w0, l0), (w1, l1) = weights
        for a, b in zip(w0, w1):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=cls.__name__)
        np.testing.assert_allclose(l0, l1, rtol=1e-5, err_msg=cls.__name__)  # logs report the unscaled loss
