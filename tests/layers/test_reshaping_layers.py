"""Permute, RepeatVector, Cropping*, ZeroPadding*, UpSampling* vs numpy, eager and jitted."""
import os

import jax
import numpy as np
import pytest

from fkeras import layers as R
from fkeras.layers.input_layer import Input

JIT = [False, True]


def _run(layer, x, jit):
    if not jit:
        return np.asarray(layer(x))
    return np.asarray(jax.jit(lambda a: layer.apply({}, a)[0])(x))


def _check_shapes(layer, x, y):
    assert tuple(layer.compute_output_shape(x.shape)) == y.shape
    sym = layer(Input(batch_shape=(None,) + x.shape[1:])).shape
    assert sym == (None,) + y.shape[1:]


def _arange(*shape):
    return np.arange(np.prod(shape), dtype="float32").reshape(shape)


# --- Permute / RepeatVector ------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("dims", [(2, 1), (3, 1, 2), (1, 2, 3)])
def test_permute(dims, jit):
    x = _arange(2, 3, 4) if len(dims) == 2 else _arange(2, 3, 4, 5)
    layer = R.Permute(dims)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, np.transpose(x, (0,) + dims))
    _check_shapes(layer, x, y)
    assert layer.weights == []


def test_permute_bad_dims():
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        R.Permute((0, 1))
    with pytest.raises(ValueError, match="consecutive"):
        R.Permute((1, 3))
    with pytest.raises(ValueError, match="expected ndim=3"):
        R.Permute((2, 1))(np.ones((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize("jit", JIT)
def test_repeat_vector(jit):
    x = _arange(2, 3)
    layer = R.RepeatVector(4)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, np.repeat(x[:, None, :], 4, axis=1))
    _check_shapes(layer, x, y)


def test_repeat_vector_bad_args():
    with pytest.raises(ValueError, match="positive integer"):
        R.RepeatVector(0)
    with pytest.raises(TypeError, match="integer value for `n`"):
        R.RepeatVector(2.0)
    with pytest.raises(ValueError, match="expected ndim=2"):
        R.RepeatVector(2)(np.ones((2, 3, 4), "float32"))


# --- Cropping --------------------------------------------------------------------------------

def crop_ref(x, pairs, axes):
    idx = [slice(None)] * x.ndim
    for (lo, hi), ax in zip(pairs, axes):
        idx[ax] = slice(lo, x.shape[ax] - hi)
    return x[tuple(idx)]


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("cropping,pairs", [((1, 1), [(1, 1)]), (2, [(2, 2)]), ((0, 3), [(0, 3)])])
def test_cropping1d(cropping, pairs, jit):
    x = _arange(2, 6, 3)
    layer = R.Cropping1D(cropping)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, crop_ref(x, pairs, [1]))
    _check_shapes(layer, x, y)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("cropping,pairs", [(1, [(1, 1), (1, 1)]), ((1, 2), [(1, 1), (2, 2)]),
                                            (((0, 2), (1, 0)), [(0, 2), (1, 0)]), (((0, 0), (0, 0)), [(0, 0), (0, 0)])])
def test_cropping2d(cropping, pairs, data_format, jit):
    x = _arange(2, 5, 6, 3) if data_format == "channels_last" else _arange(2, 3, 5, 6)
    axes = [1, 2] if data_format == "channels_last" else [2, 3]
    layer = R.Cropping2D(cropping, data_format=data_format)
    assert layer.cropping == tuple(pairs)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, crop_ref(x, pairs, axes))
    _check_shapes(layer, x, y)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping3d(data_format, jit):
    x = _arange(1, 4, 5, 6, 2) if data_format == "channels_last" else _arange(1, 2, 4, 5, 6)
    axes = [1, 2, 3] if data_format == "channels_last" else [2, 3, 4]
    pairs = [(1, 1), (0, 2), (3, 0)]
    layer = R.Cropping3D(tuple(pairs), data_format=data_format)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, crop_ref(x, pairs, axes))
    _check_shapes(layer, x, y)
    y = _run(R.Cropping3D(1, data_format=data_format), x, jit)
    np.testing.assert_array_equal(y, crop_ref(x, [(1, 1)] * 3, axes))


def test_cropping_larger_than_input_is_a_clear_error():
    with pytest.raises(ValueError, match="cropping"):
        R.Cropping1D((2, 2))(np.ones((1, 4, 2), "float32"))
    with pytest.raises(ValueError, match="smaller than the corresponding spatial dimension"):
        R.Cropping2D(((1, 1), (3, 3)))(np.ones((1, 4, 6, 2), "float32"))
    with pytest.raises(ValueError, match="smaller than the corresponding spatial dimension"):
        R.Cropping3D(2)(Input((3, 8, 8, 1)))
    with pytest.raises(ValueError, match="negative"):
        R.Cropping2D(-1)
    with pytest.raises(ValueError, match="should have 2 elements"):
        R.Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match=">= 0"):
        R.Cropping1D((1, -1))


def test_cropping_keeps_unknown_spatial_dims_unknown():
    assert R.Cropping2D(1)(Input((None, 8, 3))).shape == (None, None, 6, 3)
    assert R.Cropping1D((1, 2))(Input((None, 3))).shape == (None, None, 3)


# --- ZeroPadding -----------------------------------------------------------------------------

def pad_ref(x, pairs, axes):
    widths = [(0, 0)] * x.ndim
    for p, ax in zip(pairs, axes):
        widths[ax] = p
    return np.pad(x, widths)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding,pairs", [(1, [(1, 1)]), ((2, 0), [(2, 0)])])
def test_zero_padding1d(padding, pairs, data_format, jit):
    x = _arange(2, 4, 3)
    layer = R.ZeroPadding1D(padding, data_format=data_format)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, pad_ref(x, pairs, [1 if data_format == "channels_last" else 2]))
    _check_shapes(layer, x, y)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding,pairs", [(1, [(1, 1), (1, 1)]), ((2, 1), [(2, 2), (1, 1)]),
                                           (((0, 1), (2, 0)), [(0, 1), (2, 0)])])
def test_zero_padding2d(padding, pairs, data_format, jit):
    x = _arange(2, 3, 4, 2)
    layer = R.ZeroPadding2D(padding, data_format=data_format)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, pad_ref(x, pairs, [1, 2] if data_format == "channels_last" else [2, 3]))
    _check_shapes(layer, x, y)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding3d(data_format, jit):
    x = _arange(1, 2, 3, 2, 2)
    pairs = [(1, 0), (0, 2), (1, 1)]
    layer = R.ZeroPadding3D(tuple(pairs), data_format=data_format)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, pad_ref(x, pairs, [1, 2, 3] if data_format == "channels_last" else [2, 3, 4]))
    _check_shapes(layer, x, y)
    assert R.ZeroPadding3D().padding == ((1, 1), (1, 1), (1, 1))


def test_zero_padding_bad_args():
    with pytest.raises(ValueError, match="should have 2 elements"):
        R.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        R.ZeroPadding1D(-1)
    with pytest.raises(ValueError, match="should have 3 elements"):
        R.ZeroPadding3D((1, 1))
    with pytest.raises(ValueError, match="data_format"):
        R.ZeroPadding2D(1, data_format="channels_middle")


# --- UpSampling ------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_upsampling1d(jit):
    x = _arange(2, 3, 2)
    layer = R.UpSampling1D(3)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, np.repeat(x, 3, axis=1))
    _check_shapes(layer, x, y)
    with pytest.raises(ValueError, match="positive integer"):
        R.UpSampling1D(0)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_nearest(data_format, jit):
    x = _arange(2, 3, 2, 2)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    layer = R.UpSampling2D((2, 3), data_format=data_format)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, np.repeat(np.repeat(x, 2, axis=axes[0]), 3, axis=axes[1]))
    _check_shapes(layer, x, y)


def bilinear_half_pixel_ref(img, fh, fw):
    """Bilinear resize of (H, W) with half-pixel centers and edge clamping (TF2 / jax convention)."""
    h, w = img.shape
    out = np.zeros((h * fh, w * fw))

    def coords(n_out, n_in, f):
        src = (np.arange(n_out) + 0.5) / f - 0.5
        src = np.clip(src, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    r0, r1, rw = coords(h * fh, h, fh)
    c0, c1, cw = coords(w * fw, w, fw)
    for i in range(h * fh):
        for j in range(w * fw):
            top = img[r0[i], c0[j]] * (1 - cw[j]) + img[r0[i], c1[j]] * cw[j]
            bot = img[r1[i], c0[j]] * (1 - cw[j]) + img[r1[i], c1[j]] * cw[j]
            out[i, j] = top * (1 - rw[i]) + bot * rw[i]
    return out


def test_upsampling2d_bilinear_hand_computed():
    x = np.array([0.0, 1.0, 2.0, 3.0], "float32").reshape(1, 2, 2, 1)
    y = np.asarray(R.UpSampling2D(interpolation="bilinear")(x))[0, :, :, 0]
    expected = [[0.0, 0.25, 0.75, 1.0], [0.5, 0.75, 1.25, 1.5], [1.5, 1.75, 2.25, 2.5], [2.0, 2.25, 2.75, 3.0]]
    np.testing.assert_allclose(y, expected, atol=1e-6)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_bilinear_matches_reference(data_format, jit, rng):
    x_cl = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    x = x_cl if data_format == "channels_last" else np.moveaxis(x_cl, -1, 1)
    layer = R.UpSampling2D((2, 3), data_format=data_format, interpolation="BILINEAR")
    assert layer.interpolation == "bilinear"
    y = _run(layer, x, jit)
    ref = np.stack([np.stack([bilinear_half_pixel_ref(x_cl[b, :, :, c], 2, 3) for c in range(2)], -1)
                    for b in range(2)])
    if data_format == "channels_first":
        ref = np.moveaxis(ref, -1, 1)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    _check_shapes(layer, x, y)


def test_upsampling2d_unknown_interpolation_suggests():
    with pytest.raises(ValueError, match="Did you mean 'bilinear'"):
        R.UpSampling2D(interpolation="bilinaer")


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling3d(data_format, jit):
    x = _arange(1, 2, 3, 2, 2)
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    layer = R.UpSampling3D((2, 1, 3), data_format=data_format)
    y = _run(layer, x, jit)
    ref = np.repeat(np.repeat(np.repeat(x, 2, axis=axes[0]), 1, axis=axes[1]), 3, axis=axes[2])
    np.testing.assert_array_equal(y, ref)
    _check_shapes(layer, x, y)


# --- configs -----------------------------------------------------------------------------------

CONFIG_CASES = [
    (R.Permute, {"dims": (2, 1)}, ["dims"]),
    (R.RepeatVector, {"n": 3}, ["n"]),
    (R.Cropping1D, {"cropping": (1, 2)}, ["cropping"]),
    (R.Cropping2D, {"cropping": ((1, 0), (0, 2)), "data_format": "channels_first"}, ["cropping", "data_format"]),
    (R.Cropping3D, {"cropping": 1}, ["cropping", "data_format"]),
    (R.ZeroPadding1D, {"padding": (1, 2)}, ["padding", "data_format"]),
    (R.ZeroPadding2D, {"padding": 2}, ["padding", "data_format"]),
    (R.ZeroPadding3D, {"padding": (1, 2, 3)}, ["padding", "data_format"]),
    (R.UpSampling1D, {"size": 3}, ["size"]),
    (R.UpSampling2D, {"size": (1, 2), "interpolation": "bilinear"}, ["size", "data_format", "interpolation"]),
    (R.UpSampling3D, {"size": 2}, ["size", "data_format"]),
]


@pytest.mark.parametrize("cls,kw,keys", CONFIG_CASES, ids=lambda c: getattr(c, "__name__", None))
def test_get_config_round_trip(cls, kw, keys):
    layer = cls(**kw)
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", *keys}
    clone = cls.from_config(config)
    assert clone.get_config() == config


def test_defaults_match_keras():
    assert R.Cropping1D().cropping == (1, 1)
    assert R.Cropping2D().cropping == ((0, 0), (0, 0))
    assert R.Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))
    assert R.ZeroPadding1D().padding == (1, 1)
    assert R.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert R.UpSampling1D().size == 2 and R.UpSampling2D().size == (2, 2) and R.UpSampling3D().size == (2, 2, 2)
    assert R.UpSampling2D().interpolation == "nearest" and R.UpSampling2D().data_format == "channels_last"


# --- optional parity with Keras 3 --------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return keras


@pytest.mark.parametrize("cls,kw,keys", CONFIG_CASES, ids=lambda c: getattr(c, "__name__", None))
def test_parity_with_keras(cls, kw, keys, rng):
    keras = _keras()
    theirs = getattr(keras.layers, cls.__name__)(**kw)
    ours = cls(**kw)
    ndim = {"Permute": 3, "RepeatVector": 2}.get(cls.__name__)
    if ndim is None:
        ndim = int(cls.__name__[-2]) + 2
    x = rng.normal(size=(2, 5, 6, 7, 3)[:ndim]).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    ck, ok = theirs.get_config(), ours.get_config()
    assert set(ck) == set(ok)
    for k in keys:
        assert ck[k] == ok[k], k


def test_reshaping_layers_inside_a_trained_sequential_model(rng):
    import fkeras as keras
    from fkeras.layers.reshaping import Flatten

    model = keras.Sequential([
        Input((3,)), R.RepeatVector(4), R.Permute((2, 1)), R.ZeroPadding1D(1), R.Cropping1D((1, 0)),
        R.UpSampling1D(2), Flatten(), keras.layers.Dense(1),
    ])
    assert model.output_shape == (None, 1)
    assert model.layers[-1].kernel.shape == (32, 1)  # (3 -> pad 5 -> crop 4 -> up 8) * 4 features
    x = rng.normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
