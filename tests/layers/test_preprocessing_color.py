"""Colour/pixel augmentation layers (color.py, histogram.py) vs numpy/scipy references and Keras 3."""
import colorsys

import jax
import numpy as np
import pytest
import scipy.ndimage

from fkeras.layers.input_layer import Input
from fkeras.layers.preprocessing import color as C, histogram as H

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 255, size=(3, 6, 5, 3)).astype("float32")
GRAY_W = np.array([0.2989, 0.5870, 0.1140])


def _run(layer, x, jit, **kw):
    if jit:
        return np.asarray(jax.jit(lambda v, a: layer.apply(v, a, **kw)[0])(layer.get_variables(), x))
    return np.asarray(layer(x, **kw))


_TRAIN_FNS = {}


def _train(layer, x, key, jit=True):
    """A training-mode forward pass with an explicit key (one compiled function per layer)."""
    if (id(layer), jit) not in _TRAIN_FNS:
        f = lambda a, k: layer.apply({}, a, training=True, rng=k)[0]  # noqa: E731
        _TRAIN_FNS[(id(layer), jit)] = (jax.jit(f) if jit else f, layer)
    return np.asarray(_TRAIN_FNS[(id(layer), jit)][0](x, key))


def _gray(x):
    return (x.astype(np.float64) @ GRAY_W)[..., None]


def _hsv(x):
    return np.stack(np.vectorize(colorsys.rgb_to_hsv)(x[..., 0], x[..., 1], x[..., 2]), -1)


def _rgb(x):
    return np.stack(np.vectorize(colorsys.hsv_to_rgb)(x[..., 0], x[..., 1], x[..., 2]), -1)


def _close(a, b, atol=1e-3):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-5, atol=atol)


# --- numpy references with fixed factors ------------------------------------------------------

def test_color_degeneration_grayscale_invert_posterize():
    key = jax.random.PRNGKey(0)
    out = _train(C.RandomColorDegeneration((0.3, 0.3)), IMG, key)
    _close(out, np.clip(IMG + 0.3 * (_gray(IMG) - IMG), 0, 255))
    out = _train(C.RandomColorDegeneration((-0.8, -0.8), value_range=(0, 200)), IMG, key)
    _close(out, np.clip(IMG - 0.8 * (_gray(IMG) - IMG), 0, 200))
    _close(_train(C.RandomGrayscale(1.0), IMG, key), np.repeat(_gray(IMG), 3, -1))
    np.testing.assert_array_equal(_train(C.RandomGrayscale(0.0), IMG, key), IMG)
    np.testing.assert_array_equal(_train(C.RandomInvert((1.0, 1.0)), IMG, key), 255 - IMG)
    np.testing.assert_array_equal(_train(C.RandomInvert((0.0, 0.0)), IMG, key), IMG)
    x01 = IMG / 255.0
    _close(_train(C.RandomInvert((1.0, 1.0), value_range=(0, 1)), x01, key), 1 - x01, 1e-6)
    q = np.floor(IMG).astype(np.uint8)
    np.testing.assert_array_equal(_train(C.RandomPosterization((3, 3)), IMG, key), (q >> 5) << 5)
    q01 = np.floor(x01.astype(np.float32) * np.float32(255)).astype(np.uint8)
    _close(_train(C.RandomPosterization((5, 5), value_range=(0, 1)), x01, key), ((q01 >> 3) << 3) / 255.0, 1e-6)


def test_hue_and_saturation_match_colorsys():
    x = IMG / 255.0
    layer = C.RandomHue((0.4, 0.4), value_range=(0, 1))
    out = _train(layer, x, jax.random.PRNGKey(1))
    hsv = _hsv(x)
    for i in range(x.shape[0]):  # the sign of the 0.2 turn is drawn per image
        refs = [np.clip(_rgb(np.stack([(hsv[i, ..., 0] + d) % 1.0, hsv[i, ..., 1], hsv[i, ..., 2]], -1)), 0, 1)
                for d in (0.2, -0.2)]
        assert min(np.abs(out[i] - r).max() for r in refs) < 1e-4
    t = {"factor": np.array([0.1, -0.25, 0.5], "float32")}
    out = np.asarray(C.RandomHue(0.5).transform_images(IMG, t))
    ref = np.clip(_rgb(np.stack([(hsv[..., 0] + t["factor"][:, None, None]) % 1.0, hsv[..., 1], hsv[..., 2]], -1)),
                  0, 1)
    _close(out, ref * 255, 2e-3)
    for u, value_range in [(0.25, (0, 255)), (0.8, (0, 1)), (0.0, (0, 255))]:
        xin = x if value_range == (0, 1) else IMG
        out = _train(C.RandomSaturation((u, u), value_range=value_range), xin, jax.random.PRNGKey(2))
        hsv_in = _hsv(xin / value_range[1])
        sat = np.clip(hsv_in[..., 1] * u / (1 - u + 1e-7), 0, 1)
        _close(out, _rgb(np.stack([hsv_in[..., 0], sat, hsv_in[..., 2]], -1)) * value_range[1],
               1e-5 * value_range[1] + 1e-4)
    gray = _train(C.RandomSaturation((0.0, 0.0)), IMG, jax.random.PRNGKey(2))
    _close(gray, np.repeat(IMG.max(-1, keepdims=True), 3, -1))  # zero saturation: every channel = V


def test_sharpness_and_gaussian_blur_match_scipy():
    kernel = np.full((3, 3), 1 / 13.0)
    kernel[1, 1] = 5 / 13.0
    smooth = np.stack([scipy.ndimage.correlate(IMG[i, ..., c].astype(np.float64), kernel, mode="constant")
                       for i in range(3) for c in range(3)]).reshape(3, 3, 6, 5).transpose(0, 2, 3, 1)
    for f in (0.0, 0.5, 0.9):
        out = _train(C.RandomSharpness((f, f)), IMG, jax.random.PRNGKey(0))
        _close(out, np.clip(IMG + (1 - 2 * f) * (smooth - IMG), 0, 255))
    layer = C.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=(3, 5), sigma=(0.6, 0.6), value_range=(0, 200))
    out = _train(layer, IMG, jax.random.PRNGKey(0))
    s = 0.6 + 1e-6
    g = lambda n: np.exp(-0.5 * ((np.arange(n) - (n - 1) / 2) / s) ** 2)  # noqa: E731
    k2 = np.outer(g(3) / g(3).sum(), g(5) / g(5).sum())
    ref = np.stack([scipy.ndimage.correlate(IMG[i, ..., c].astype(np.float64), k2, mode="constant")
                    for i in range(3) for c in range(3)]).reshape(3, 3, 6, 5).transpose(0, 2, 3, 1)
    _close(out, np.clip(ref, 0, 200))
    np.testing.assert_array_equal(_train(C.RandomGaussianBlur(factor=(0.0, 0.0)), IMG, jax.random.PRNGKey(0)),
                                  IMG)


def test_solarization_and_color_jitter():
    key = jax.random.PRNGKey(3)
    np.testing.assert_array_equal(_train(C.Solarization(), IMG, key), 255 - IMG)
    out = _train(C.Solarization(addition_factor=(0.1, 0.1), threshold_factor=(0.5, 0.5)), IMG, key)
    y = np.clip(IMG + 25.5, 0, 255)
    _close(out, np.where(y < 127.5, y, 255 - y))
    x01 = IMG / 255.0
    out = _train(C.Solarization(threshold_factor=(0.4, 0.4), value_range=(0, 1)), x01, key)
    _close(out, np.where(IMG < 102, x01, 1 - x01), 1e-5)
    jitter = C.RandomColorJitter(value_range=(0, 255), brightness_factor=(0.1, 0.1), contrast_factor=(0.0, 0.0),
                                 saturation_factor=(0.3, 0.3), hue_factor=(0.0, 0.0))
    out = _train(jitter, IMG, key)
    b = np.clip(IMG + 25.5, 0, 255)
    hsv = _hsv(b / 255.0)
    ref = _rgb(np.stack([hsv[..., 0], np.clip(hsv[..., 1] * 0.3 / 0.7, 0, 1), hsv[..., 2]], -1)) * 255
    _close(out, ref, 5e-3)


def _np_equalize(ch, bins):
    idx = np.clip((ch * (bins - 1) / 255.0).astype(np.int32), 0, bins - 1)
    hist = np.bincount(idx.ravel(), minlength=bins)
    if np.count_nonzero(hist) <= 1:
        return ch
    cdf = np.cumsum(hist)
    cmin = cdf[cdf > 0][0]
    lut = np.clip(np.round((cdf - cmin) * 255.0 / max(cdf[-1] - cmin, 1)), 0, 255)
    return lut[np.clip(ch / 255.0 * (bins - 1), 0, bins - 1).astype(np.int32)]


def _np_clahe(img, grid, clip_limit):
    """Loop-based CLAHE of one (h, w) channel in [0, 255] (tile-centre bilinear blend)."""
    h, w = img.shape
    gh, gw = grid
    th, tw = -(-h // gh), -(-w // gw)
    padded = np.pad(img, ((0, th * gh - h), (0, tw * gw - w)), mode="symmetric")
    lv = np.clip(padded, 0, 255).astype(np.int64)
    luts = np.zeros((gh, gw, 256))
    for i in range(gh):
        for j in range(gw):
            hist = np.bincount(lv[i * th:(i + 1) * th, j * tw:(j + 1) * tw].ravel(), minlength=256).astype(float)
            if clip_limit > 0:
                limit = clip_limit * th * tw / 256.0
                excess = np.maximum(hist - limit, 0).sum()
                hist = np.minimum(hist, limit) + excess / 256.0
            cdf = np.cumsum(hist)
            denom = th * tw - cdf[0]
            luts[i, j] = np.clip((cdf - cdf[0]) * 255.0 / (denom if denom != 0 else 1.0), 0, 255)
    out = np.zeros((h, w))
    for y in range(h):
        py = (y - th / 2.0) / th
        fy = int(np.floor(py))
        wy = py - fy
        ty0, ty1 = min(max(fy, 0), gh - 1), min(max(fy + 1, 0), gh - 1)
        for x in range(w):
            px = (x - tw / 2.0) / tw
            fx = int(np.floor(px))
            wx = px - fx
            tx0, tx1 = min(max(fx, 0), gw - 1), min(max(fx + 1, 0), gw - 1)
            v = lv[y, x]
            top = luts[ty0, tx0, v] * (1 - wx) + luts[ty0, tx1, v] * wx
            bottom = luts[ty1, tx0, v] * (1 - wx) + luts[ty1, tx1, v] * wx
            out[y, x] = top * (1 - wy) + bottom * wy
    return out


def test_auto_contrast_equalization_clahe():
    x = IMG * 0.5 + 30
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    stretched = (x - lo) * 255.0 / (hi - lo)
    for training in (True, False):  # active at inference too
        _close(_run(H.AutoContrast(), x, True, training=training), stretched)
    _close(_run(H.AutoContrast(value_range=(0, 1)), x / 255.0, True), stretched / 255.0, 1e-5)
    const = np.full((1, 4, 4, 3), 7.0, "float32")
    np.testing.assert_array_equal(_run(H.AutoContrast(), const, True), const)  # constant channel kept
    small = np.array([10, 10, 10, 20], "float32").reshape(1, 2, 2, 1)  # hand-computed equalization
    np.testing.assert_array_equal(_run(H.Equalization(), small, True, training=True).ravel(), [0, 0, 0, 255])
    xi = np.round(IMG)
    for bins, value_range in [(256, (0, 255)), (32, (0, 1))]:
        xin = xi if value_range == (0, 255) else xi / 255.0
        out = _run(H.Equalization(value_range=value_range, bins=bins), xin, True, training=True)
        ref = np.stack([np.stack([_np_equalize(xi[i, ..., c], bins) for c in range(3)], -1) for i in range(3)])
        _close(out, ref / (255.0 if value_range == (0, 1) else 1.0), 1e-5)
    for grid, clip_limit, value_range in [((2, 3), 4.0, (0, 255)), ((4, 2), 0.0, (0, 255)), ((3, 3), 1.5, (0, 1))]:
        scale = 255.0 if value_range == (0, 1) else 1.0
        layer = H.ContrastLimitedAdaptiveHistogramEqualization(value_range=value_range, clip_limit=clip_limit,
                                                              tile_grid_size=grid)
        x = RNG.uniform(0, 255, size=(2, 7, 8, 2)).astype("float32")
        out = _run(layer, x / scale, True, training=False)
        ref = np.stack([np.stack([_np_clahe(x[i, ..., c], grid, clip_limit) for c in range(2)], -1)
                        for i in range(2)])
        _close(out * scale, ref, 2e-3)


# --- common behaviour ------------------------------------------------------------------------

RANDOM_LAYERS = [
    lambda **kw: C.RandomColorDegeneration(0.8, **kw),
    lambda **kw: C.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.5,
                                     hue_factor=0.3, **kw),
    lambda **kw: C.RandomGrayscale(**kw),
    lambda **kw: C.RandomHue(0.5, **kw),
    lambda **kw: C.RandomSaturation(0.8, **kw),
    lambda **kw: C.RandomSharpness(1.0, **kw),
    lambda **kw: C.RandomInvert(**kw),
    lambda **kw: C.RandomPosterization(8, **kw),
    lambda **kw: C.Solarization(0.5, 0.8, **kw),
    lambda **kw: C.RandomGaussianBlur(sigma=(0.8, 0.8), **kw),
]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_identity_at_inference_keyed_and_per_image(make):
    layer = make()
    x = np.repeat(IMG[:1], 6, axis=0)
    np.testing.assert_array_equal(_run(layer, x, True), x)  # apply() defaults to inference
    np.testing.assert_array_equal(np.asarray(layer(x[:2], training=False)), x[:2])
    # Eager here (the layer's own compiled program); the reference tests above run under an outer jit.
    a = _train(layer, x, jax.random.PRNGKey(0), jit=False)
    np.testing.assert_array_equal(a, _train(layer, x, jax.random.PRNGKey(0), jit=False))
    assert not np.array_equal(a, _train(layer, x, jax.random.PRNGKey(1), jit=False))
    assert not all(np.array_equal(a[0], a[i]) for i in range(1, 6)), "one draw per image"
    assert layer(Input(x.shape[1:])).shape == (None,) + x.shape[1:]
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    # channels_first (same name, so the same key and draws) gives the transposed channels_last result
    cf = make(data_format="channels_first", name=layer.name)
    out_cf = _train(cf, np.transpose(x, (0, 3, 1, 2)), jax.random.PRNGKey(0), jit=False)
    _close(np.transpose(out_cf, (0, 2, 3, 1)), a, 2e-3)


@pytest.mark.parametrize("make", [lambda **kw: H.AutoContrast(**kw), lambda **kw: H.Equalization(**kw),
                                  lambda **kw: H.ContrastLimitedAdaptiveHistogramEqualization(
                                      tile_grid_size=(2, 2), **kw)])
def test_contrast_layers_common(make):
    layer = make()
    x = np.round(IMG)
    out = _run(layer, x, True, training=True)  # needs no rng
    _close(np.asarray(layer(x[0])), out[0])
    assert layer(Input((6, 5, 3))).shape == (None, 6, 5, 3)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    cf = make(data_format="channels_first")
    out_cf = _run(cf, np.transpose(x, (0, 3, 1, 2)), True, training=True)
    _close(np.transpose(out_cf, (0, 2, 3, 1)), out)


def test_dict_inputs_grad_and_bad_arguments():
    labels = np.arange(3)
    out = C.RandomInvert((1.0, 1.0))({"images": IMG, "labels": labels})
    np.testing.assert_array_equal(np.asarray(out["images"]), 255 - IMG)
    np.testing.assert_array_equal(np.asarray(C.RandomInvert((1.0, 1.0))(IMG[0])), 255 - IMG[0])  # unbatched:
    # training defaults to True when a layer is called directly, as in Keras
    np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    with pytest.raises(ValueError, match="'images'"):
        C.RandomInvert()({"labels": labels})
    layer = C.RandomColorDegeneration((0.5, 0.5), bounding_box_format="xyxy")
    assert layer.get_config()["bounding_box_format"] == "xyxy"
    g = jax.grad(lambda a: layer.apply({}, a, training=True, rng=jax.random.PRNGKey(0))[0].sum())(IMG / 2)
    _close(g, np.broadcast_to(0.5 + 1.5 * GRAY_W, IMG.shape), 1e-5)
    bad = [
        (lambda: C.RandomColorDegeneration(1.5), "factor"),
        (lambda: C.RandomHue(-0.1), "factor"),
        (lambda: C.RandomHue(0.1, value_range=(0, 1, 2)), "value_range"),
        (lambda: C.RandomSaturation("big"), "factor"),
        (lambda: C.RandomGrayscale(2.0), "factor"),
        (lambda: C.RandomPosterization(9), "factor"),
        (lambda: C.RandomPosterization(2.5), "factor"),
        (lambda: C.Solarization(addition_factor=(0.1, 1.5)), "addition_factor"),
        (lambda: C.Solarization(threshold_factor="x"), "threshold_factor"),
        (lambda: C.RandomGaussianBlur(kernel_size=4), "kernel_size"),
        (lambda: C.RandomGaussianBlur(sigma=2.0), "sigma"),
        (lambda: C.RandomSharpness(1.0, value_range=5), "value_range"),
        (lambda: C.RandomInvert(bounding_box_format="abc"), "bounding_box_format"),
        (lambda: H.Equalization(bins=0), "bins"),
        (lambda: H.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)), "tile_grid_size"),
        (lambda: H.ContrastLimitedAdaptiveHistogramEqualization(clip_limit="4"), "clip_limit"),
        (lambda: H.AutoContrast(value_range=(0,)), "value_range"),
    ]
    for make, arg in bad:
        with pytest.raises(ValueError, match=arg):
            make()


def test_color_layers_inside_fit_step():
    import fkeras as keras
    from fkeras.layers import convolutional, core, pooling
    from fkeras.layers.preprocessing import normalization

    x = RNG.uniform(0, 255, size=(8, 6, 6, 3)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None] / 255.0
    model = keras.Sequential([
        Input((6, 6, 3)),
        C.RandomHue(0.2),
        C.RandomGrayscale(0.5),
        H.Equalization(),
        normalization.Rescaling(1.0 / 255),
        convolutional.Conv2D(2, 3),
        pooling.GlobalAveragePooling2D(),
        core.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    before = [np.array(w) for w in model.get_weights()]
    hist = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    v = model.get_variables()
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(model.apply(v, x, training=False)[0]), rtol=1e-5, atol=1e-6)


# --- parity with Keras 3 ---------------------------------------------------------------------

PARITY = [
    ("RandomColorDegeneration", {"factor": (0.4, 0.4)}, 255),
    ("RandomGrayscale", {"factor": 1.0}, 255),
    ("RandomSaturation", {"factor": (0.7, 0.7), "value_range": (0, 1)}, 1),
    ("RandomSharpness", {"factor": (0.8, 0.8)}, 255),
    ("RandomInvert", {"factor": (1.0, 1.0)}, 255),
    ("RandomPosterization", {"factor": (3, 3), "value_range": (0, 1)}, 1),
    ("Solarization", {"threshold_factor": 0.0}, 255),
    ("AutoContrast", {}, 255),
    ("Equalization", {"bins": 16}, 255),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 3), "clip_limit": 2.0}, 255),
    ("RandomGaussianBlur", {"factor": (1.0, 1.0), "kernel_size": 5, "sigma": (0.7, 0.7)}, 255),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "saturation_factor": (0.3, 0.3)}, 255),
]


@pytest.mark.parametrize("name,kwargs,scale", PARITY, ids=[p[0] for p in PARITY])
def test_parity_with_keras(name, kwargs, scale):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("parity checked against Keras's JAX backend")
    import fkeras

    x = np.round(IMG[:1] * 0.8 + 20) / (255.0 / scale)  # one image: Keras pools Equalization over the batch
    ours, theirs = getattr(fkeras.layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    # Keras's layer under jax.jit: one compiled program instead of many eager dispatches
    expected = np.asarray(jax.jit(lambda a: theirs(a, training=True))(x))
    _close(_train(ours, x, jax.random.PRNGKey(0)), expected, 1e-4 * scale)
    extra = {"seed"} if name == "RandomGrayscale" else set()  # Keras drops `seed` from this config
    assert set(ours.get_config()) == set(theirs.get_config()) | extra


def test_hue_parity_with_keras_for_a_given_transformation():
    keras = pytest.importorskip("keras")
    t = {"factor": np.array([0.15, -0.3], "float32")}
    x = IMG[:2]
    theirs = keras.layers.RandomHue(0.5)
    _close(np.asarray(jax.jit(C.RandomHue(0.5).transform_images)(x, t)),
           np.asarray(jax.jit(lambda a, f: theirs.transform_images(a, {"factor": f}))(x, t["factor"])), 1e-3)
