"""Resizing, CenterCrop and the Random* augmentation layers vs numpy/scipy references."""
import jax
import numpy as np
import pytest
import scipy.ndimage

from fkeras.layers.input_layer import Input
from fkeras.layers.preprocessing import augmentation as aug, image

RNG = np.random.default_rng(0)
JIT = [False, True]
IMG = RNG.uniform(0, 255, size=(3, 6, 5, 2)).astype("float32")
SCIPY_MODE = {"reflect": "reflect", "wrap": "grid-wrap", "constant": "grid-constant", "nearest": "nearest"}


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


# --- Resizing / CenterCrop ------------------------------------------------------------------

def _bilinear_1d_matrix(n_in, n_out):
    """Half-pixel-centre linear interpolation with edge clamping (no antialias)."""
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        c = (o + 0.5) * n_in / n_out - 0.5
        c = min(max(c, 0.0), n_in - 1)
        lo = int(np.floor(c))
        hi = min(lo + 1, n_in - 1)
        m[o, lo] += 1 - (c - lo)
        m[o, hi] += c - lo
    return m


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("size", [(4, 4), (2, 3), (9, 5)])
def test_resizing_bilinear_matches_half_pixel_reference(jit, size):
    x = IMG[:, :4, :4]
    ref = np.einsum("oh,bhwc,pw->bopc", _bilinear_1d_matrix(4, size[0]), x, _bilinear_1d_matrix(4, size[1]))
    layer = image.Resizing(*size)
    np.testing.assert_allclose(_run(layer, x, jit), ref, rtol=1e-5, atol=1e-3)


def test_resizing_hand_computed_and_options():
    x = np.array([[0.0, 1.0], [2.0, 3.0]], "float32")[None, :, :, None]
    y = np.asarray(image.Resizing(4, 4)(x))[0, :, :, 0]
    row = np.array([0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(y, row[None, :] + 2 * row[:, None], atol=1e-6)
    # crop_to_aspect_ratio keeps the centred 4x4 window of a 4x8 image
    wide = RNG.uniform(size=(1, 4, 8, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(image.Resizing(4, 4, crop_to_aspect_ratio=True)(wide)), wide[:, :, 2:6],
                               atol=1e-6)
    padded = np.asarray(image.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(wide))
    np.testing.assert_allclose(padded[:, :2], -1.0)
    np.testing.assert_allclose(padded[:, 2:6], wide, atol=1e-6)
    ints = np.array([[0, 255], [255, 0]], "uint8")[None, :, :, None]
    out = np.asarray(image.Resizing(4, 4)(ints))
    assert out.dtype == np.uint8 and out.max() == 255
    cf = np.transpose(IMG, (0, 3, 1, 2))
    np.testing.assert_allclose(np.asarray(image.Resizing(3, 3, data_format="channels_first")(cf)),
                               np.transpose(np.asarray(image.Resizing(3, 3)(IMG)), (0, 3, 1, 2)), atol=1e-4)
    layer = image.Resizing(3, 7)
    assert layer(Input((None, None, 2))).shape == (None, 3, 7, 2) == layer.compute_output_shape((None, 6, 5, 2))
    assert image.Resizing.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        image.Resizing(2, 2, interpolation="bilinea")


@pytest.mark.parametrize("jit", JIT)
def test_center_crop(jit):
    x = np.arange(2 * 6 * 5 * 1, dtype="float32").reshape(2, 6, 5, 1)
    np.testing.assert_array_equal(_run(image.CenterCrop(3, 2), x, jit), x[:, 1:4, 1:3])
    np.testing.assert_array_equal(_run(image.CenterCrop(4, 4), x[0], jit), x[0, 1:5, 0:4])
    small = _run(image.CenterCrop(8, 10), x, jit)  # upscale: crop to aspect, then resize
    assert small.shape == (2, 8, 10, 1)
    layer = image.CenterCrop(3, 2)
    assert layer(Input((6, 5, 1))).shape == (None, 3, 2, 1)
    assert image.CenterCrop.from_config(layer.get_config()).get_config() == layer.get_config()


# --- Random layers: common behaviour ----------------------------------------------------------

RANDOM_LAYERS = [
    lambda: aug.RandomFlip(),
    lambda: aug.RandomRotation(0.2),
    lambda: aug.RandomZoom(0.3, 0.2),
    lambda: aug.RandomTranslation(0.3, 0.3),
    lambda: aug.RandomCrop(4, 3),
    lambda: aug.RandomContrast(0.5),
    lambda: aug.RandomBrightness(0.3),
]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_identity_at_inference_and_keyed_draws(make):
    layer = make()
    x = np.repeat(IMG[:1, :, :, :1], 8, axis=0)
    if not isinstance(layer, aug.RandomCrop):
        np.testing.assert_array_equal(_run(layer, x, True), x)
        np.testing.assert_array_equal(np.asarray(layer(x[:2], training=False)), x[:2])
    else:  # inference: the centred window of the target aspect ratio, resized (as Keras)
        ref = np.asarray(image.Resizing(4, 3, crop_to_aspect_ratio=True)(x))
        np.testing.assert_allclose(_run(layer, x, True), ref, atol=1e-3)
    a = _train(layer, x, jax.random.PRNGKey(0))
    b = _train(layer, x, jax.random.PRNGKey(0))
    c = _train(layer, x, jax.random.PRNGKey(1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == tuple(layer.compute_output_shape(x.shape))
    assert not all(np.array_equal(a[0], a[i]) for i in range(1, 8)), "one draw per example"
    eager = np.asarray(layer(x[0]))  # unbatched, training defaults to True when called directly
    assert eager.shape == a.shape[1:]
    assert layer(Input(x.shape[1:])).shape == (None,) + a.shape[1:]
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_random_flip_flips_exactly():
    x = IMG[:1]
    for mode, expected in [("horizontal", x[:, :, ::-1]), ("vertical", x[:, ::-1])]:
        layer = aug.RandomFlip(mode)
        outs = [_train(layer, x, jax.random.PRNGKey(i)) for i in range(8)]
        assert any(np.array_equal(o, expected) for o in outs)
        assert any(np.array_equal(o, x) for o in outs)
        assert all(np.array_equal(o, expected) or np.array_equal(o, x) for o in outs)
    layer = aug.RandomFlip()
    t = {"horizontal": np.array([True, False, True]), "vertical": np.array([False, True, True])}
    out = np.asarray(layer.transform_images(IMG, t))
    np.testing.assert_array_equal(out[0], IMG[0, :, ::-1])
    np.testing.assert_array_equal(out[1], IMG[1, ::-1])
    np.testing.assert_array_equal(out[2], IMG[2, ::-1, ::-1])
    cf = np.transpose(IMG, (0, 3, 1, 2))
    out_cf = np.asarray(aug.RandomFlip(data_format="channels_first").transform_images(cf, t))
    np.testing.assert_array_equal(np.transpose(out_cf, (0, 2, 3, 1)), out)
    with pytest.raises(ValueError, match="Did you mean 'horizontal'"):
        aug.RandomFlip("horizontl")


def test_random_translation_moves_marked_pixel():
    x = np.zeros((1, 8, 8, 1), "float32")
    x[0, 2, 3, 0] = 1.0
    layer = aug.RandomTranslation((0.25, 0.25), (-0.375, -0.375), fill_mode="constant", interpolation="nearest")
    y = _train(layer, x, jax.random.PRNGKey(3))
    assert np.argwhere(y[0, :, :, 0]).tolist() == [[4, 0]]  # 2 rows down, 3 columns left
    assert y.sum() == 1.0


def _affine_ref(img, tr, order, mode, cval=0.0):
    h, w, _ = img.shape
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    x_in = tr[0] * xx + tr[1] * yy + tr[2]
    y_in = tr[3] * xx + tr[4] * yy + tr[5]
    return np.stack([scipy.ndimage.map_coordinates(img[..., c].astype(np.float64), [y_in, x_in], order=order,
                                                   mode=SCIPY_MODE[mode], cval=cval) for c in range(img.shape[-1])], -1)


@pytest.mark.parametrize("fill_mode,interpolation", [("reflect", "bilinear"), ("wrap", "bilinear"),
                                                     ("constant", "bilinear"), ("nearest", "bilinear"),
                                                     ("reflect", "nearest")])
def test_random_rotation_and_zoom_match_scipy(fill_mode, interpolation):
    key = jax.random.PRNGKey(7)
    for layer in (aug.RandomRotation(0.3, fill_mode=fill_mode, interpolation=interpolation, fill_value=5.0),
                  aug.RandomZoom((-0.5, 0.5), fill_mode=fill_mode, interpolation=interpolation, fill_value=5.0)):
        t = jax.jit(layer.get_random_transformation)(IMG, key)
        out = np.asarray(jax.jit(layer.transform_images)(IMG, t))
        order = 1 if interpolation == "bilinear" else 0
        for i in range(IMG.shape[0]):
            ref = _affine_ref(IMG[i], np.asarray(t["transform"][i], np.float64), order, fill_mode, 5.0)
            np.testing.assert_allclose(out[i], ref, atol=1e-2 if order else 0.6)


def test_random_rotation_quarter_turn_and_draw_range():
    x = RNG.uniform(size=(1, 5, 5, 1)).astype("float32")
    y = _train(aug.RandomRotation((0.25, 0.25)), x, jax.random.PRNGKey(0))
    np.testing.assert_allclose(y[0, :, :, 0], np.rot90(x[0, :, :, 0], k=1), atol=1e-4)
    layer = aug.RandomRotation((-0.1, 0.2))
    angles = np.asarray(layer.get_random_transformation(np.zeros((500, 4, 4, 1)), jax.random.PRNGKey(1))["angle"])
    assert angles.min() >= -36.0 and angles.max() <= 72.0 and angles.std() > 10


def test_random_crop_windows_are_inside_the_image():
    x = np.arange(1 * 6 * 5 * 1, dtype="float32").reshape(1, 6, 5, 1).repeat(16, axis=0)
    layer = aug.RandomCrop(3, 2)
    y = _train(layer, x, jax.random.PRNGKey(0))
    starts = set()
    for i in range(16):
        hs, ws = divmod(int(y[i, 0, 0, 0]), 5)
        np.testing.assert_array_equal(y[i], x[0, hs:hs + 3, ws:ws + 2])
        starts.add((hs, ws))
    assert len(starts) > 3


def test_random_contrast_and_brightness_match_numpy_and_stay_in_range():
    key = jax.random.PRNGKey(2)
    con = aug.RandomContrast(0.5)
    t = con.get_random_transformation(IMG, key)
    f = np.asarray(t["contrast_factor"])
    assert ((f >= 0.5) & (f <= 1.5)).all()
    mean = IMG.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(np.asarray(con.transform_images(IMG, t)),
                               np.clip((IMG - mean) * f[:, None, None, None] + mean, 0, 255), rtol=1e-5, atol=1e-3)
    bri = aug.RandomBrightness((-0.2, 0.4), value_range=(0, 255))
    t = bri.get_random_transformation(IMG, key)
    d = np.asarray(t["rgb_delta"])
    assert ((d >= -0.2 * 255) & (d <= 0.4 * 255)).all()
    np.testing.assert_allclose(np.asarray(bri.transform_images(IMG, t)),
                               np.clip(IMG + d[:, None, None, None], 0, 255), rtol=1e-6)
    out = _train(aug.RandomBrightness(1.0, value_range=(0, 1)), IMG / 255.0, key)
    assert out.min() >= 0.0 and out.max() <= 1.0
    with pytest.raises(ValueError, match="factor"):
        aug.RandomBrightness(1.5)
    with pytest.raises(ValueError, match="height_factor"):
        aug.RandomZoom(-1.0)


def test_augmentation_inside_fit_step():
    import fkeras as keras
    from fkeras.layers import convolutional, core, pooling
    from fkeras.layers.preprocessing import normalization

    x = RNG.uniform(0, 255, size=(16, 8, 8, 1)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None] / 255.0
    model = keras.Sequential([
        Input((8, 8, 1)),
        normalization.Rescaling(1.0 / 255),
        aug.RandomFlip("horizontal"),
        convolutional.Conv2D(2, 3),
        pooling.GlobalAveragePooling2D(),
        core.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    before = [np.array(w) for w in model.get_weights()]
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    v = model.get_variables()
    step = jax.jit(lambda v, a, k: model.apply(v, a, training=True, rng=k)[0])
    outs = [np.asarray(step(v, x, jax.random.PRNGKey(i))) for i in range(3)]
    assert not np.allclose(outs[0], outs[1]) or not np.allclose(outs[1], outs[2])
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(model.apply(v, x, training=False)[0]), rtol=1e-5, atol=1e-6)
