"""AugMix and RandAugment (policies.py): injected choices vs numpy references and the component layers."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras.layers.input_layer import Input
from fkeras.layers.preprocessing import policies as P

RNG = np.random.default_rng(0)
IMG = np.round(RNG.uniform(0, 255, size=(3, 6, 5, 3))).astype("float32")
KEYS = jax.random.split(jax.random.PRNGKey(4), 4)


def _close(a, b, atol=1e-3):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-5, atol=atol)


def _stretch(x):
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    return np.clip((x - lo) * 255.0 / (hi - lo), 0, 255)


def _equalize(x):
    """Per image and channel 256-bin histogram equalization of values in [0, 255]."""
    out = np.empty_like(x, dtype=np.float64)
    for i in range(x.shape[0]):
        for c in range(x.shape[-1]):
            ch = x[i, ..., c]
            idx = np.clip(ch.astype(np.int32), 0, 255)
            hist = np.bincount(idx.ravel(), minlength=256)
            cdf = np.cumsum(hist)
            cmin = cdf[cdf > 0][0]
            lut = np.clip(np.round((cdf - cmin) * 255.0 / max(cdf[-1] - cmin, 1)), 0, 255)
            out[i, ..., c] = lut[idx] if np.count_nonzero(hist) > 1 else ch
    return out


def _component(layer, name, x, key):
    sub = getattr(layer, name)
    return np.asarray(sub.transform_images(jnp.asarray(x), sub.get_random_transformation(jnp.asarray(x), key)))


def test_rand_augment_applies_the_chosen_operations_in_order():
    layer = P.RandAugment(num_ops=2, factor=0.4)
    names = layer._component_names
    assert names == ["random_shear", "random_translation", "random_rotation", "random_brightness",
                     "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                     "solarization", "auto_contrast", "equalization"]
    run = jax.jit(layer.transform_images)
    t = {"layer_idxes": jnp.array([names.index("auto_contrast"), names.index("equalization")]), "keys": KEYS[:2]}
    _close(run(IMG, t), _equalize(_stretch(IMG)))
    t = {"layer_idxes": jnp.array([names.index("random_shear"), names.index("solarization")]), "keys": KEYS[:2]}
    ref = _component(layer, "solarization", _component(layer, "random_shear", IMG, KEYS[0]), KEYS[1])
    _close(run(IMG, t), ref)  # each slot draws its operation's parameters from that slot's key
    assert layer.random_posterization.factor == (1, 3)  # max(1, int(8 * 0.4)), as Keras builds it
    assert layer.solarization.addition_factor == (0.0, 0.4)
    t = layer.get_random_transformation(IMG, KEYS[0])
    assert t["layer_idxes"].shape == (2,) and 0 <= int(t["layer_idxes"].min()) <= int(t["layer_idxes"].max()) < 11


def test_aug_mix_mixes_chains_with_the_drawn_weights():
    layer = P.AugMix(num_chains=2, chain_depth=2, all_ops=False, value_range=(0, 255))
    names = layer._component_names
    assert names == ["random_shear", "random_translation", "random_rotation", "random_posterization",
                     "solarization", "auto_contrast", "equalization"]
    none = len(names)
    run = jax.jit(layer.transform_images)
    keys = jax.random.split(KEYS[0], (2, 2))
    t = {"chain_mixing_weights": jnp.array([0.3, 0.7]), "weight_sample": jnp.array(0.25, jnp.float32),
         "chain_ops": jnp.array([[names.index("auto_contrast"), none],
                                 [names.index("equalization"), names.index("auto_contrast")]]), "keys": keys}
    mixed = 0.3 * _stretch(IMG) + 0.7 * _stretch(_equalize(IMG))
    _close(run(IMG, t), np.clip(0.25 * IMG + 0.75 * mixed, 0, 255))
    t["chain_ops"] = jnp.array([[none, none], [none, none]])  # every slot "no operation": the input comes back
    _close(run(IMG, t), IMG)
    t["chain_ops"] = jnp.array([[names.index("random_rotation"), none], [none, none]])
    rotated = _component(layer, "random_rotation", IMG, keys[0, 0])
    _close(run(IMG, t), np.clip(0.25 * IMG + 0.75 * (0.3 * rotated + 0.7 * IMG), 0, 255))
    t = layer.get_random_transformation(IMG, KEYS[1])
    assert t["chain_ops"].shape == (2, 2) and t["keys"].shape[:2] == (2, 2)
    assert 0 <= int(t["chain_ops"].min()) and int(t["chain_ops"].max()) <= none  # "none" = no operation


@pytest.mark.parametrize("alpha", [1.0, 0.5])  # the exponential fast path and the log-gamma path
def test_aug_mix_weights_are_dirichlet_and_beta(alpha):
    w, m = jax.jit(jax.vmap(lambda k: P.mixing_weights(k, alpha, 3)))(jax.random.split(KEYS[2], 2000))
    w, m = np.asarray(w, np.float64), np.asarray(m, np.float64)
    _close(w.sum(-1), 1.0, 1e-5)
    _close(w.mean(0), [1 / 3] * 3, 0.025)
    _close(w.var(0), [(2 / 9) / (3 * alpha + 1)] * 3, 0.02)  # Dirichlet(alpha, alpha, alpha) variance
    _close([m.mean(), m.var()], [0.5, 0.25 / (2 * alpha + 1)], 0.025)  # Beta(alpha, alpha)


@pytest.mark.parametrize("make", [lambda **kw: P.RandAugment(num_ops=1, **kw),
                                  lambda **kw: P.AugMix(num_chains=2, chain_depth=1, all_ops=False, **kw)])
def test_policies_common(make):
    layer = make()
    x = IMG
    f = jax.jit(lambda a, k: layer.apply({}, a, training=True, rng=k)[0])
    outs = [np.asarray(f(x, jax.random.PRNGKey(i))) for i in range(4)]
    np.testing.assert_array_equal(outs[0], np.asarray(f(x, jax.random.PRNGKey(0))))
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])
    assert all(o.shape == x.shape and o.dtype == np.float32 for o in outs)
    assert all(o.min() >= 0 and o.max() <= 255 for o in outs)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda a: layer.apply({}, a)[0])(x)), x)
    out = layer({"images": x, "labels": np.arange(3)}, training=False)  # the training path: test_preprocessing_color
    np.testing.assert_array_equal(np.asarray(out["images"]), x)
    np.testing.assert_array_equal(np.asarray(out["labels"]), np.arange(3))
    with pytest.raises(ValueError, match="segmentation_masks"):
        layer({"images": x, "segmentation_masks": x[..., :1]})
    assert layer(Input((6, 5, 3))).shape == (None, 6, 5, 3)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    # channels_first reaches every component (each one's channels_first maths is tested on its own)
    cf = make(data_format="channels_first")
    assert all(getattr(cf, n).data_format == "channels_first" for n in cf._component_names)


def test_bad_arguments_and_keras_config_keys():
    bad = [
        (lambda: P.RandAugment(num_ops=-1), "num_ops"),
        (lambda: P.RandAugment(factor=1.5), "factor"),
        (lambda: P.RandAugment(interpolation="cubic"), "interpolation"),
        (lambda: P.RandAugment(value_range=255), "value_range"),
        (lambda: P.AugMix(num_chains=0), "num_chains"),
        (lambda: P.AugMix(chain_depth=1.5), "chain_depth"),
        (lambda: P.AugMix(alpha=0), "alpha"),
        (lambda: P.AugMix(all_ops="yes"), "all_ops"),
    ]
    for make, arg in bad:
        with pytest.raises(ValueError, match=arg):
            make()
    keras = pytest.importorskip("keras")
    for name in ("RandAugment", "AugMix"):
        assert set(getattr(P, name)().get_config()) == set(getattr(keras.layers, name)().get_config())
        assert getattr(P, name)().get_config()["factor"] == getattr(keras.layers, name)().get_config()["factor"]


def test_rand_augment_inside_fit_step():
    import fkeras as keras
    from fkeras.layers import core, pooling
    from fkeras.layers.preprocessing import normalization

    x = RNG.uniform(0, 255, size=(8, 6, 6, 3)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None] / 255.0
    model = keras.Sequential([Input((6, 6, 3)), keras.layers.RandAugment(num_ops=1, factor=0.2),
                              normalization.Rescaling(1.0 / 255), pooling.GlobalAveragePooling2D(), core.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = [np.array(w) for w in model.get_weights()]
    hist = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(model.apply(model.get_variables(), x, training=False)[0]), rtol=1e-5)
