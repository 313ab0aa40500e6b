"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization."""
import json

import jax
import numpy as np
import pytest

from fkeras.layers import regularization as reg
from fkeras.layers.input_layer import Input
from fkeras.layers.regularization import Dropout

RNG = np.random.default_rng(0)
KEY = jax.random.PRNGKey(3)


_JITTED = {}


def _run(layer, x, jit, training=True, key=KEY):
    """``layer.apply`` with an explicit step key, eagerly or under one cached ``jax.jit`` per layer."""
    fn = lambda v, a, k: layer.apply(v, a, training=training, rng=k)[0]  # noqa: E731
    if jit:
        fn = _JITTED.setdefault((id(layer), training), jax.jit(fn))
    return np.asarray(fn(layer.get_variables(), x, key))


# --- spatial dropout -----------------------------------------------------------------------------

SPATIAL = [
    (reg.SpatialDropout1D, {}, (16, 5, 32), (1,)),
    (reg.SpatialDropout2D, {}, (16, 3, 4, 32), (1, 2)),
    (reg.SpatialDropout2D, {"data_format": "channels_first"}, (16, 32, 3, 4), (2, 3)),
    (reg.SpatialDropout3D, {}, (8, 2, 3, 2, 32), (1, 2, 3)),
    (reg.SpatialDropout3D, {"data_format": "channels_first"}, (8, 32, 2, 3, 2), (2, 3, 4)),
]


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("cls,kw,shape,spatial", SPATIAL)
def test_spatial_dropout_drops_whole_channels(cls, kw, shape, spatial, jit):
    rate = 0.4
    x = RNG.uniform(1.0, 2.0, size=shape).astype(np.float32)  # no zeros in the input
    layer = cls(rate, **kw)
    y = _run(layer, x, jit)
    kept = y != 0
    # each (example, channel) is dropped or kept as a whole ...
    assert np.all(kept.all(axis=spatial) | (~kept).all(axis=spatial))
    # ... and kept values are scaled by 1 / (1 - rate)
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    frac = 1 - kept.all(axis=spatial).mean()
    n = kept.all(axis=spatial).size
    assert abs(frac - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    # identity at inference; a different step key gives a different mask
    np.testing.assert_array_equal(_run(layer, x, jit, training=False), x)
    assert not np.array_equal(_run(layer, x, jit, key=jax.random.PRNGKey(4)) != 0, kept)
    sym = layer(Input(batch_shape=(None,) + shape[1:]))
    assert sym.shape == (None,) + shape[1:]


def test_spatial_dropout_eager_call_and_errors():
    layer = reg.SpatialDropout1D(0.5)
    assert isinstance(layer, Dropout)
    x = np.ones((4, 3, 8), np.float32)
    y = np.asarray(layer(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    np.testing.assert_array_equal(layer(x), x)
    with pytest.raises(ValueError, match="ndim=3"):
        layer(np.ones((4, 8), np.float32))
    with pytest.raises(ValueError, match="rate"):
        reg.SpatialDropout2D(1.5)
    with pytest.raises(ValueError, match="data_format"):
        reg.SpatialDropout2D(0.5, data_format="channels_middle")
    np.testing.assert_array_equal(reg.SpatialDropout1D(1.0)(x, training=True), np.zeros_like(x))


# --- noise layers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", [False, True])
def test_gaussian_noise_statistics(jit):
    x = RNG.normal(size=(200, 100)).astype(np.float32)
    layer = reg.GaussianNoise(0.3)
    noise = _run(layer, x, jit) - x
    assert abs(noise.mean()) < 0.01
    assert abs(noise.std() - 0.3) < 0.01
    assert abs(np.corrcoef(noise.ravel(), x.ravel())[0, 1]) < 0.02
    np.testing.assert_array_equal(_run(layer, x, jit, training=False), x)
    np.testing.assert_array_equal(_run(layer, x, jit), _run(layer, x, jit))  # same key, same noise
    assert not np.allclose(_run(layer, x, jit, key=jax.random.PRNGKey(9)), _run(layer, x, jit))


@pytest.mark.parametrize("jit", [False, True])
def test_gaussian_dropout_statistics(jit):
    rate = 0.2
    x = RNG.uniform(1.0, 2.0, size=(200, 100)).astype(np.float32)
    factor = _run(reg.GaussianDropout(rate), x, jit) / x
    assert abs(factor.mean() - 1.0) < 0.01
    assert abs(factor.std() - np.sqrt(rate / (1 - rate))) < 0.01
    np.testing.assert_array_equal(_run(reg.GaussianDropout(rate), x, jit, training=False), x)


@pytest.mark.parametrize("jit", [False, True])
def test_alpha_dropout_keeps_selu_statistics(jit):
    rate = 0.3
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    x = RNG.normal(size=(200, 100)).astype(np.float32)
    y = _run(reg.AlphaDropout(rate), x, jit)
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1.0) < 0.03
    np.testing.assert_array_equal(_run(reg.AlphaDropout(rate), x, jit, training=False), x)


def test_alpha_dropout_noise_shape_shares_the_mask():
    rate = 0.5
    x = RNG.normal(size=(6, 5, 4)).astype(np.float32)
    y = _run(reg.AlphaDropout(rate, noise_shape=(None, 1, 4)), x, True)
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    dropped = np.isclose(y, a * alpha_p - a * alpha_p * rate, atol=1e-6) & ~np.isclose(x, alpha_p)
    assert np.all(dropped == dropped[:, :1, :])  # same decision along the broadcast axis
    with pytest.raises(ValueError, match="noise_shape"):
        _run(reg.AlphaDropout(rate, noise_shape=(None, 1)), x, False)


def test_random_layers_differ_per_step_eagerly_and_bad_rates():
    x = np.ones((4, 8), np.float32)
    layer = reg.GaussianNoise(0.5)
    assert not np.array_equal(layer(x, training=True), layer(x, training=True))
    np.testing.assert_array_equal(layer(x), x)
    with pytest.raises(ValueError, match="stddev"):
        reg.GaussianNoise(-0.1)
    with pytest.raises(ValueError, match="rate"):
        reg.GaussianDropout(1.2)
    with pytest.raises(ValueError, match="rate"):
        reg.AlphaDropout(-0.5)


# --- activity regularization -------------------------------------------------------------------------

@pytest.mark.parametrize("jit", [False, True])
def test_activity_regularization_penalty(jit):
    x = RNG.normal(size=(4, 3)).astype(np.float32)
    layer = reg.ActivityRegularization(l1=0.1, l2=0.5)

    def fn(a):
        return layer.stateless_call([], [], a, return_losses=True)

    y, _, losses = (jax.jit(fn) if jit else fn)(x)
    np.testing.assert_array_equal(y, x)
    expected = (0.1 * np.abs(x).sum() + 0.5 * (x.astype(np.float64) ** 2).sum()) / 4
    assert len(losses) == 1
    np.testing.assert_allclose(losses[0], expected, rtol=1e-5)
    layer(x)  # eager call records its loss on the layer
    np.testing.assert_allclose(sum(np.asarray(l) for l in layer.losses), expected, rtol=1e-5)


def test_activity_regularization_reaches_the_training_loss():
    import fkeras as keras
    from fkeras.layers.core import Dense

    x = RNG.normal(size=(8, 3)).astype(np.float32)
    y = RNG.normal(size=(8, 2)).astype(np.float32)
    l2 = 3.0

    def model_with(extra):
        m = keras.Sequential([keras.Input((3,)), Dense(2, kernel_initializer="ones", bias_initializer="zeros")]
                             + extra)
        m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
        return m

    plain, regd = model_with([]), model_with([reg.ActivityRegularization(l2=l2)])
    out = x.astype(np.float64) @ np.ones((3, 2))
    mse = np.mean((out - y) ** 2)
    penalty = l2 * (out ** 2).sum() / len(x)
    h_plain = plain.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    h_reg = regd.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    np.testing.assert_allclose(h_plain, mse, rtol=1e-5)
    np.testing.assert_allclose(h_reg, mse + penalty, rtol=1e-5)
    np.testing.assert_allclose(regd.evaluate(x, y, batch_size=8, verbose=0), mse + penalty, rtol=1e-5)


# --- configs -----------------------------------------------------------------------------------------

CONFIG_CASES = [
    (lambda: reg.SpatialDropout1D(0.3, seed=2), {"rate", "seed", "name", "dtype"}),
    (lambda: reg.SpatialDropout2D(0.3, data_format="channels_first"), {"rate", "seed", "name", "dtype",
                                                                      "data_format"}),
    (lambda: reg.SpatialDropout3D(0.1), {"rate", "seed", "name", "dtype", "data_format"}),
    (lambda: reg.GaussianNoise(0.2, seed=1), {"name", "trainable", "dtype", "stddev", "seed"}),
    (lambda: reg.GaussianDropout(0.2), {"name", "trainable", "dtype", "rate", "seed"}),
    (lambda: reg.AlphaDropout(0.2, noise_shape=[None, 1]), {"name", "trainable", "dtype", "rate", "seed",
                                                           "noise_shape"}),
    (lambda: reg.ActivityRegularization(l1=0.01, l2=0.2), {"name", "trainable", "dtype", "l1", "l2"}),
]


@pytest.mark.parametrize("make,keys", CONFIG_CASES)
def test_get_config_round_trip(make, keys):
    layer = make()
    config = layer.get_config()
    assert set(config) == keys
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert layer.weights == []


def test_default_names():
    assert reg.SpatialDropout2D(0.1).name.startswith("spatial_dropout2d")
    assert reg.GaussianNoise(0.1).name.startswith("gaussian_noise")
    assert reg.AlphaDropout(0.1).name.startswith("alpha_dropout")
    assert reg.ActivityRegularization().name.startswith("activity_regularization")
