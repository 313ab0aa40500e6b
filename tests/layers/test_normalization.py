"""Normalization layers vs numpy references, eagerly and under jax.jit."""
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras.engine.variables import BindingScope
from fkeras.layers import normalization as norm
from fkeras.layers.input_layer import Input

RNG = np.random.default_rng(0)


# --- numpy references (float64) ----------------------------------------------------------------

def _bshape(ndim, axis, n):
    s = [1] * ndim
    s[axis] = n
    return s


def bn_ref(x, gamma, beta, mm, mv, axis=-1, momentum=0.99, eps=1e-3, training=True, w=None):
    """Batch norm; ``w`` (broadcastable to x) weights positions in the batch moments."""
    x = np.asarray(x, np.float64)
    ax = axis % x.ndim
    red = tuple(i for i in range(x.ndim) if i != ax)
    c = x.shape[ax]
    if training:
        if w is None:
            mean, var = x.mean(axis=red), x.var(axis=red)
        else:
            w = np.broadcast_to(np.asarray(w, np.float64), x.shape)
            cnt = w.sum(axis=red)
            mean = (w * x).sum(axis=red) / cnt
            var = (w * (x - mean.reshape(_bshape(x.ndim, ax, c))) ** 2).sum(axis=red) / cnt
        new_mm = mm * momentum + mean * (1 - momentum)
        new_mv = mv * momentum + var * (1 - momentum)
    else:
        mean, var, new_mm, new_mv = mm, mv, mm, mv
    b = _bshape(x.ndim, ax, c)
    y = (x - mean.reshape(b)) / np.sqrt(var.reshape(b) + eps)
    if gamma is not None:
        y = y * np.reshape(gamma, b)
    if beta is not None:
        y = y + np.reshape(beta, b)
    return y, new_mm, new_mv


def ln_ref(x, gamma, beta, axes, eps=1e-3):
    x = np.asarray(x, np.float64)
    axes = tuple(sorted(a % x.ndim for a in axes))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    if gamma is not None:
        y = y * np.reshape(gamma, shape)
    if beta is not None:
        y = y + np.reshape(beta, shape)
    return y


def gn_ref(x, gamma, beta, groups, axis=-1, eps=1e-3):
    """Loop over examples and groups: standardize each group's slice."""
    x = np.asarray(x, np.float64)
    xm = np.moveaxis(x, axis, -1)
    c = xm.shape[-1]
    cg = c // groups
    y = np.empty_like(xm)
    for b in range(xm.shape[0]):
        for g in range(groups):
            sl = xm[b, ..., g * cg:(g + 1) * cg]
            y[b, ..., g * cg:(g + 1) * cg] = (sl - sl.mean()) / np.sqrt(sl.var() + eps)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return np.moveaxis(y, -1, axis)


def unit_ref(x, axes):
    x = np.asarray(x, np.float64)
    n = np.sqrt((x ** 2).sum(axis=tuple(axes), keepdims=True))
    return x / np.maximum(n, 1e-12)


def rms_ref(x, scale, axes, eps=1e-6):
    x = np.asarray(x, np.float64)
    axes = tuple(sorted(a % x.ndim for a in axes))
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    return x / np.sqrt((x ** 2).mean(axis=axes, keepdims=True) + eps) * np.reshape(scale, shape)


# --- helpers ------------------------------------------------------------------------------------

def _f32(a):
    return np.asarray(a, np.float32)


def _apply(layer, x, jit, training=False):
    if jit:
        return jax.jit(lambda v, a: layer.apply(v, a, training=training))(layer.get_variables(), x)
    return layer.apply(layer.get_variables(), x, training=training)


def _bn_with_weights(shape, axis=-1, **kw):
    layer = norm.BatchNormalization(axis=axis, **kw)
    layer.build(shape)
    c = shape[axis]
    vals = {"gamma": RNG.uniform(0.5, 1.5, c), "beta": RNG.normal(size=c),
            "moving_mean": RNG.normal(size=c), "moving_variance": RNG.uniform(0.5, 2.0, c)}
    layer.set_weights([_f32(vals[w.name]) for w in layer.weights])
    return layer, vals


def _symbolic_shape_matches(layer, x):
    sym = layer(Input(batch_shape=(None,) + x.shape[1:]))
    assert sym.shape == (None,) + x.shape[1:]
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == (None,) + x.shape[1:]


# --- BatchNormalization ----------------------------------------------------------------------------

def test_batchnorm_weight_names_order_and_trainability():
    layer = norm.BatchNormalization()
    layer.build((None, 5))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.shape for w in layer.weights] == [(5,)] * 4
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(5))
    plain = norm.BatchNormalization(center=False, scale=False)
    plain.build((None, 3))
    assert [w.name for w in plain.weights] == ["moving_mean", "moving_variance"]
    renorm = norm.BatchNormalization(renorm=True)
    renorm.build((None, 3))
    assert [w.name for w in renorm.weights] == ["gamma", "beta", "moving_mean", "moving_variance",
                                                "moving_stddev", "renorm_mean", "renorm_stddev"]


@pytest.mark.parametrize("jit", [False, True])
def test_batchnorm_training_and_inference(jit):
    x = RNG.normal(2.0, 3.0, size=(6, 4)).astype(np.float32)
    layer, v = _bn_with_weights((None, 4), momentum=0.9, epsilon=1e-3)
    y, new = _apply(layer, x, jit, training=True)
    y_ref, mm_ref, mv_ref = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"],
                                   momentum=0.9)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new["moving_mean"], mm_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new["moving_variance"], mv_ref, rtol=1e-5, atol=1e-6)
    # the trainable weights are returned unchanged
    np.testing.assert_array_equal(new["gamma"], _f32(v["gamma"]))
    y, new = _apply(layer, x, jit, training=False)
    y_ref, _, _ = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"], training=False)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(new["moving_mean"], _f32(v["moving_mean"]))
    _symbolic_shape_matches(layer, x)


def test_batchnorm_eager_call_updates_moving_statistics():
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    layer = norm.BatchNormalization(momentum=0.5)
    y = layer(x, training=True)
    _, mm, mv = bn_ref(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), momentum=0.5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), mv, rtol=1e-5, atol=1e-6)
    assert np.asarray(y).dtype == np.float32
    # inference leaves them alone
    layer(x, training=False)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_frozen_batchnorm_runs_in_inference_mode(jit):
    x = RNG.normal(size=(6, 4)).astype(np.float32)
    layer, v = _bn_with_weights((None, 4))
    layer.trainable = False
    assert layer.trainable_weights == []
    y, new = _apply(layer, x, jit, training=True)
    y_ref, _, _ = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"], training=False)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(new["moving_mean"], _f32(v["moving_mean"]))
    np.testing.assert_array_equal(new["moving_variance"], _f32(v["moving_variance"]))


@pytest.mark.parametrize("jit", [False, True])
def test_batchnorm_channels_first_axis1(jit):
    x = RNG.normal(size=(3, 2, 4, 5)).astype(np.float32)
    layer, v = _bn_with_weights((None, 2, 4, 5), axis=1, momentum=0.8)
    assert layer.gamma.shape == (2,)
    y, new = _apply(layer, x, jit, training=True)
    y_ref, mm, mv = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"], axis=1,
                           momentum=0.8)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new["moving_mean"], mm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new["moving_variance"], mv, rtol=1e-5, atol=1e-6)
    y, _ = _apply(layer, x, jit, training=False)
    y_ref, _, _ = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"], axis=1,
                         training=False)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    _symbolic_shape_matches(layer, x)


def test_batchnorm_without_center_and_scale():
    x = RNG.normal(1.0, 2.0, size=(4, 3, 2)).astype(np.float32)
    layer, v = _bn_with_weights((None, 3, 2), center=False, scale=False)
    y, _ = _apply(layer, x, False, training=True)
    y_ref, _, _ = bn_ref(x, None, None, v["moving_mean"], v["moving_variance"])
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
    y, _ = _apply(layer, x, True, training=False)
    y_ref, _, _ = bn_ref(x, None, None, v["moving_mean"], v["moving_variance"], training=False)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_batchnorm_excludes_padded_rows_from_batch_moments(jit):
    """The trainer's sample mask (padded rows = 0) keeps padding out of the moving statistics."""
    x = RNG.normal(size=(6, 3, 2)).astype(np.float32)
    x[4:] = 100.0  # padding rows with wild values
    m = np.array([1, 1, 1, 1, 0, 0], np.float32)
    layer, v = _bn_with_weights((None, 3, 2), momentum=0.7)
    weights = layer.weights

    def step(arrays, x, m):
        scope = BindingScope(weights, values={id(w): a for w, a in zip(weights, arrays)},
                             training=True, sample_mask=m)
        with scope:
            y = layer(x, training=True)
        return y, [scope.values[id(w)] for w in weights]

    fn = jax.jit(step) if jit else step
    y, (_, _, mm, mv) = fn([w.value for w in weights], x, m)
    y_ref, mm_ref, mv_ref = bn_ref(x[:4], v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"],
                                   momentum=0.7)
    np.testing.assert_allclose(mm, mm_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mv, mv_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(y)[:4], y_ref, rtol=1e-4, atol=1e-4)
    # a step made only of padding leaves the statistics untouched
    _, (_, _, mm0, mv0) = fn([w.value for w in weights], x, np.zeros(6, np.float32))
    np.testing.assert_array_equal(mm0, _f32(v["moving_mean"]))
    np.testing.assert_array_equal(mv0, _f32(v["moving_variance"]))


@pytest.mark.parametrize("jit", [False, True])
def test_batchnorm_mask_argument_gives_masked_moments(jit):
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], bool)
    layer, v = _bn_with_weights((None, 5, 3), momentum=0.6)
    run = lambda vs, a, mk: layer.apply(vs, a, training=True, mask=mk)  # noqa: E731
    if jit:
        run = jax.jit(run)
    y, new = run(layer.get_variables(), x, mask)
    y_ref, mm, mv = bn_ref(x, v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"], momentum=0.6,
                           w=mask[..., None].astype(np.float64))
    np.testing.assert_allclose(new["moving_mean"], mm, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(new["moving_variance"], mv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="one dimension less"):
        layer.apply(layer.get_variables(), x, training=True, mask=np.ones((2,), bool))


def test_batchnorm_mixed_precision_computes_moments_in_float32():
    # float16 squares of 300 overflow (65504 max); the moments must still be finite.
    x = (300.0 + RNG.normal(size=(8, 3)) * 50).astype(np.float16)
    layer = norm.BatchNormalization(dtype="mixed_float16")
    layer.build((None, 3))
    y, new = _apply(layer, x, True, training=True)
    assert y.dtype == jnp.float16
    assert new["moving_variance"].dtype == jnp.float32
    assert layer.gamma.dtype == "float32"
    y_ref, mm, mv = bn_ref(x.astype(np.float64), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    np.testing.assert_allclose(np.asarray(y, np.float32), y_ref, rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(new["moving_variance"], mv, rtol=1e-3)
    np.testing.assert_allclose(new["moving_mean"], mm, rtol=1e-3)


def test_batchnorm_renorm_training_matches_reference():
    x = RNG.normal(1.0, 2.0, size=(6, 3)).astype(np.float32)
    layer = norm.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.5, "rmin": 0.5, "dmax": 0.5},
                                    momentum=0.9, renorm_momentum=0.8)
    layer.build((None, 3))
    y, new = jax.jit(lambda v, a: layer.apply(v, a, training=True))(layer.get_variables(), x)
    xd = x.astype(np.float64)
    mean, var = xd.mean(0), xd.var(0)
    std = np.sqrt(var + 1e-3)
    r = np.clip(std / 1.0, 0.5, 1.5)  # renorm_stddev starts at sqrt(1) = 1, renorm_mean at 0
    d = np.clip(mean / 1.0, -0.5, 0.5)
    y_ref = (xd - mean) / np.sqrt(var + 1e-3) * r + d
    np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(new["renorm_mean"], 0.2 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new["renorm_stddev"], 0.8 + 0.2 * std, rtol=1e-5)
    new_std = 0.9 + 0.1 * std
    np.testing.assert_allclose(new["moving_stddev"], new_std, rtol=1e-5)
    np.testing.assert_allclose(new["moving_variance"], np.maximum(new_std ** 2 - 1e-3, 0), rtol=1e-5)
    np.testing.assert_allclose(new["moving_mean"], 0.1 * mean, rtol=1e-5, atol=1e-6)


def _bn_mlp(keras, momentum=0.5):
    from fkeras.layers.core import Dense

    return keras.Sequential([keras.Input((3,)), Dense(4, kernel_initializer="ones"),
                             norm.BatchNormalization(momentum=momentum), Dense(1)])


def test_fit_with_partial_last_batch_uses_only_real_rows():
    import fkeras as keras

    x = RNG.normal(size=(6, 3)).astype(np.float32)
    y = RNG.normal(size=(6, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), norm.BatchNormalization(momentum=0.5)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y[:, [0, 0, 0]], batch_size=4, epochs=1, shuffle=False, verbose=0)
    bn = model.layers[-1]
    xd = x.astype(np.float64)
    mm = 0.5 * (0.5 * 0.0 + 0.5 * xd[:4].mean(0)) + 0.5 * xd[4:].mean(0)
    mv = 0.5 * (0.5 * 1.0 + 0.5 * xd[:4].var(0)) + 0.5 * xd[4:].var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv, rtol=1e-5, atol=1e-6)


def test_fit_updates_moving_statistics_and_evaluate_uses_them():
    import fkeras as keras

    x = RNG.normal(1.0, 2.0, size=(32, 3)).astype(np.float32)
    y = (x.sum(1, keepdims=True) > 3).astype(np.float32)
    model = _bn_mlp(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    dense1, bn, dense2 = model.layers
    assert not np.allclose(bn.moving_mean.numpy(), 0.0)
    assert not np.allclose(bn.moving_variance.numpy(), 1.0)
    # inference forward pass in numpy with the moving statistics
    k1, b1 = dense1.get_weights()
    g, be, mm, mv = bn.get_weights()
    k2, b2 = dense2.get_weights()
    h = x.astype(np.float64) @ k1 + b1
    h = (h - mm) / np.sqrt(mv + 1e-3) * g + be
    pred = h @ k2 + b2
    np.testing.assert_allclose(model.predict(x, verbose=0), pred, rtol=1e-4, atol=1e-4)
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    np.testing.assert_allclose(loss, np.mean((pred - y) ** 2), rtol=1e-4)


# --- LayerNormalization -------------------------------------------------------------------------

@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization(axis, jit):
    x = RNG.normal(1.0, 3.0, size=(2, 3, 4)).astype(np.float32)
    layer = norm.LayerNormalization(axis=axis)
    layer.build((None, 3, 4))
    shape = (4,) if axis == -1 else (3, 4)
    assert [(w.name, w.shape) for w in layer.weights] == [("gamma", shape), ("beta", shape)]
    g, b = RNG.normal(size=shape), RNG.normal(size=shape)
    layer.set_weights([_f32(g), _f32(b)])
    y, _ = _apply(layer, x, jit)
    np.testing.assert_allclose(y, ln_ref(x, g, b, axis if isinstance(axis, list) else [axis]),
                               rtol=1e-4, atol=1e-5)
    _symbolic_shape_matches(layer, x)


def test_layer_normalization_options():
    x = RNG.normal(size=(3, 5)).astype(np.float32)
    plain = norm.LayerNormalization(center=False, scale=False, epsilon=1e-5)
    y = plain(x)
    assert plain.weights == []
    np.testing.assert_allclose(y, ln_ref(x, None, None, [-1], eps=1e-5), rtol=1e-4, atol=1e-5)
    with pytest.warns(UserWarning, match="deprecated"):
        rms = norm.LayerNormalization(rms_scaling=True)
    y = rms(x)
    assert [w.name for w in rms.weights] == ["gamma"]
    xd = x.astype(np.float64)
    np.testing.assert_allclose(y, xd / np.sqrt(xd.var(-1, keepdims=True) + 1e-3), rtol=1e-4, atol=1e-5)
    # mixed precision: float16 in, float16 out, float32 weights
    mp = norm.LayerNormalization(dtype="mixed_float16")
    y16 = mp(x.astype(np.float16) * 300)
    assert y16.dtype == jnp.float16 and mp.gamma.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y16, np.float32), ln_ref(x, None, None, [-1]), atol=1e-2)


# --- GroupNormalization ------------------------------------------------------------------------

@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("groups,axis,shape", [(2, -1, (2, 3, 4, 6)), (3, 1, (2, 6, 5)), (-1, -1, (2, 5, 4))])
def test_group_normalization(groups, axis, shape, jit):
    x = RNG.normal(1.0, 2.0, size=shape).astype(np.float32)
    layer = norm.GroupNormalization(groups=groups, axis=axis)
    layer.build((None,) + shape[1:])
    c = shape[axis]
    assert [(w.name, w.shape) for w in layer.weights] == [("gamma", (c,)), ("beta", (c,))]
    g, b = RNG.normal(size=c), RNG.normal(size=c)
    layer.set_weights([_f32(g), _f32(b)])
    y, _ = _apply(layer, x, jit)
    np.testing.assert_allclose(y, gn_ref(x, g, b, c if groups == -1 else groups, axis), rtol=1e-4, atol=1e-4)
    _symbolic_shape_matches(layer, x)


def test_group_normalization_unknown_spatial_dims_and_no_affine():
    layer = norm.GroupNormalization(groups=2, center=False, scale=False)
    assert layer(Input((None, 4))).shape == (None, None, 4)
    assert layer.weights == []
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(layer(x), gn_ref(x, None, None, 2), rtol=1e-4, atol=1e-4)


# --- UnitNormalization / RMSNormalization --------------------------------------------------------

@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_unit_normalization(axis, jit):
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    x[0, 0] = 0.0  # a zero vector stays zero (no NaN)
    layer = norm.UnitNormalization(axis=axis)
    y, _ = _apply(layer, x, jit)
    assert layer.weights == []
    np.testing.assert_allclose(y, unit_ref(x, [axis] if isinstance(axis, int) else axis), rtol=1e-5, atol=1e-6)
    _symbolic_shape_matches(layer, x)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_rms_normalization(axis, jit):
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    layer = norm.RMSNormalization(axis=axis)
    layer.build((None, 3, 4))
    shape = (4,) if axis == -1 else (3, 4)
    assert [(w.name, w.shape, w.trainable) for w in layer.weights] == [("scale", shape, True)]
    np.testing.assert_array_equal(layer.scale.numpy(), np.ones(shape))
    s = RNG.uniform(0.5, 1.5, size=shape)
    layer.set_weights([_f32(s)])
    y, _ = _apply(layer, x, jit)
    np.testing.assert_allclose(y, rms_ref(x, s, [axis] if isinstance(axis, int) else axis), rtol=1e-4, atol=1e-5)
    _symbolic_shape_matches(layer, x)


# --- configs --------------------------------------------------------------------------------------

BASE = {"name", "trainable", "dtype"}
_NORM_KEYS = {"epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer",
              "gamma_regularizer", "beta_constraint", "gamma_constraint"}
CONFIG_CASES = [
    (lambda: norm.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-4, center=False,
                                     gamma_regularizer="l2", beta_constraint="non_neg"), (None, 3, 4),
     BASE | _NORM_KEYS | {"axis", "momentum", "moving_mean_initializer", "moving_variance_initializer",
                          "synchronized", "renorm", "renorm_clipping", "renorm_momentum"}),
    (lambda: norm.LayerNormalization(axis=[1, 2], epsilon=1e-5, gamma_initializer="zeros"), (None, 3, 4),
     BASE | _NORM_KEYS | {"axis", "rms_scaling"}),
    (lambda: norm.GroupNormalization(groups=2, axis=1, scale=False), (None, 4, 3),
     BASE | _NORM_KEYS | {"axis", "groups"}),
    (lambda: norm.UnitNormalization(axis=[1]), (None, 3, 4), BASE | {"axis"}),
    (lambda: norm.RMSNormalization(axis=-1, epsilon=1e-5), (None, 3, 4), BASE | {"axis", "epsilon"}),
]


@pytest.mark.parametrize("make,shape,keys", CONFIG_CASES)
def test_get_config_round_trip(make, shape, keys):
    layer = make()
    layer.build(shape)
    config = layer.get_config()
    assert set(config) == keys
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone.build(shape)
    assert [(w.name, w.shape) for w in clone.weights] == [(w.name, w.shape) for w in layer.weights]
    x = RNG.normal(size=(2,) + shape[1:]).astype(np.float32)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), layer(x), rtol=1e-6)


def test_batchnorm_accepts_legacy_list_axis():
    assert norm.BatchNormalization(axis=[3]).axis == 3


# --- bad inputs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: norm.BatchNormalization(axis=3, name="bn_bad"),
    lambda: norm.LayerNormalization(axis=[1, 5], name="ln_bad"),
    lambda: norm.GroupNormalization(groups=1, axis=-4, name="gn_bad"),
    lambda: norm.UnitNormalization(axis=3, name="un_bad"),
    lambda: norm.RMSNormalization(axis=-5, name="rms_bad"),
])
def test_axis_out_of_range_names_the_layer(make):
    layer = make()
    with pytest.raises(ValueError, match=rf"{layer.name}.*out of bounds"):
        layer(np.zeros((2, 3, 4), np.float32))


def test_group_normalization_bad_groups():
    with pytest.raises(ValueError, match="groups"):
        norm.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="gn_x.*divisible.*groups"):
        norm.GroupNormalization(groups=4, name="gn_x")(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError, match="gn_y.*cannot be more than"):
        norm.GroupNormalization(groups=8, name="gn_y")(np.zeros((2, 6), np.float32))


def test_undefined_channel_dim_and_bad_axis_type():
    with pytest.raises(ValueError, match="bn_u.*defined"):
        norm.BatchNormalization(name="bn_u")(Input((None,)))
    with pytest.raises(TypeError, match="axis"):
        norm.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="renorm_clipping"):
        norm.BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 2.0})
    layer = norm.BatchNormalization()
    layer(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="axis -1.*value 4"):
        layer(np.zeros((2, 5), np.float32))


# --- optional parity with Keras 3 (JAX backend, in this process like the other parity tests) ---------


def _keras_reference(keras, d):
    x, x4 = d["x"], d["x4"]
    out = {}
    bn = keras.layers.BatchNormalization(momentum=0.9)
    bn.build(x.shape)
    bn.set_weights([d["g"], d["b"], d["mm"], d["mv"]])
    out["bn_train"] = np.asarray(bn(x, training=True))
    out["bn_mm"], out["bn_mv"] = np.asarray(bn.moving_mean.numpy()), np.asarray(bn.moving_variance.numpy())
    out["bn_infer"] = np.asarray(bn(x, training=False))
    out["ln"] = np.asarray(keras.layers.LayerNormalization(axis=[1, 2])(x))
    out["gn"] = np.asarray(keras.layers.GroupNormalization(groups=2, axis=1)(x4))
    out["un"] = np.asarray(keras.layers.UnitNormalization(axis=[1, 2])(x))
    out["rms"] = np.asarray(keras.layers.RMSNormalization()(x))
    return out


def test_parity_with_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the parity reference needs Keras's JAX backend")
    c = 4
    inputs = {"x": RNG.normal(1.0, 2.0, size=(3, 2, c)).astype(np.float32),
              "x4": RNG.normal(size=(2, 4, 3, 3)).astype(np.float32),
              "g": _f32(RNG.uniform(0.5, 1.5, c)), "b": _f32(RNG.normal(size=c)),
              "mm": _f32(RNG.normal(size=c)), "mv": _f32(RNG.uniform(0.5, 2, c))}
    ref = _keras_reference(keras, inputs)
    x, x4 = inputs["x"], inputs["x4"]
    bn = norm.BatchNormalization(momentum=0.9)
    bn.build(x.shape)
    bn.set_weights([inputs[k] for k in ("g", "b", "mm", "mv")])
    np.testing.assert_allclose(bn(x, training=True), ref["bn_train"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), ref["bn_mm"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), ref["bn_mv"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bn(x, training=False), ref["bn_infer"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(norm.LayerNormalization(axis=[1, 2])(x), ref["ln"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(norm.GroupNormalization(groups=2, axis=1)(x4), ref["gn"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(norm.UnitNormalization(axis=[1, 2])(x), ref["un"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.RMSNormalization()(x), ref["rms"], rtol=1e-5, atol=1e-6)
