"""``keras.ops.image`` against independent numpy / scipy / colorsys references, eagerly and under
``jax.jit``, in both data formats; plus parity with the installed Keras 3 (JAX backend)."""
import colorsys
import functools
import itertools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.ndimage as ndi

import fkeras as keras
from fkeras.ops import image as I

ALL_NAMES = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
             "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
             "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
             "scale_and_translate", "sobel_edges", "ssim"]
SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap", "nearest": "nearest",
              "mirror": "mirror", "reflect": "reflect"}


def run_both(fn, *arrays, jit=True, **static):
    """``fn(*arrays, **static)`` eagerly and (if ``jit``) jitted, static kwargs closed over."""
    outs = [fn(*arrays, **static)]
    if jit:
        outs.append(jax.jit(functools.partial(fn, **static))(*arrays))
    return [np.asarray(o) for o in outs]


def check(fn, ref, *arrays, rtol=1e-5, atol=1e-5, jit=True, **static):
    for out in run_both(fn, *arrays, jit=jit, **static):
        assert out.shape == np.shape(ref), (out.shape, np.shape(ref))
        np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)


def to_cf(x):
    """channels_last -> channels_first for rank 3 or 4 numpy arrays."""
    return np.moveaxis(x, -1, -3)


def forms(x_cl, ref_cl):
    """(input, reference, data_format, jit) for channels_last and channels_first, batched and
    not; the jitted run is checked on the first only, to keep compiles few."""
    for batched in (True, False):
        xs, rs = (x_cl, ref_cl) if batched else (x_cl[0], ref_cl[0])
        yield xs, rs, "channels_last", batched
        yield to_cf(xs), to_cf(rs), "channels_first", False


def test_exports_every_keras_name():
    for name in ALL_NAMES:
        assert callable(getattr(keras.ops.image, name)), name
    assert keras.ops.image is I


# --- colour --------------------------------------------------------------------------------------

def test_rgb_to_grayscale(rng):
    x = rng.uniform(size=(2, 3, 4, 3)).astype("float32")
    ref = (x @ np.array([0.2989, 0.5870, 0.1140], "float32"))[..., None]
    for xs, rs, df, jit in forms(x, ref):
        check(I.rgb_to_grayscale, rs, xs, data_format=df, jit=jit)
    one = x[..., :1]
    np.testing.assert_array_equal(np.asarray(I.rgb_to_grayscale(one)), one)
    xi = (x * 255).astype("uint8")
    out = I.rgb_to_grayscale(xi)
    assert out.dtype == jnp.uint8
    ref_i = (xi.astype("float32") @ np.array([0.2989, 0.5870, 0.1140], "float32")).astype("uint8")
    np.testing.assert_array_equal(np.asarray(out)[..., 0], ref_i)


def _colorsys_map(x, f):
    flat = x.reshape(-1, 3)
    return np.array([f(*p) for p in flat], dtype=x.dtype).reshape(x.shape)


def test_rgb_to_hsv_and_back(rng):
    x = rng.uniform(size=(2, 3, 4, 3)).astype("float32")
    x[0, 0, 0] = [0.5, 0.5, 0.5]  # grey: hue and saturation 0
    x[0, 0, 1] = [0.0, 0.0, 0.0]
    x[0, 0, 2] = [1.0, 0.0, 0.0]
    x[0, 0, 3] = [0.2, 0.9, 0.9]  # green and blue tie
    hsv = _colorsys_map(x, colorsys.rgb_to_hsv)
    for xs, rs, df, jit in forms(x, hsv):
        check(I.rgb_to_hsv, rs, xs, data_format=df, jit=jit, atol=1e-5)
    back = _colorsys_map(hsv, colorsys.hsv_to_rgb)
    for hs, rs, df, jit in forms(hsv, back):
        check(I.hsv_to_rgb, rs, hs, data_format=df, jit=jit, atol=1e-5)
    np.testing.assert_allclose(np.asarray(I.hsv_to_rgb(I.rgb_to_hsv(x))), x, atol=1e-5)


def test_hsv_rejects_integer_images_and_wrong_channels():
    with pytest.raises(ValueError, match="float dtype.*int32"):
        I.rgb_to_hsv(np.ones((4, 4, 3), "int32"))
    with pytest.raises(ValueError, match="3 channels.*images.shape=\\(4, 4, 2\\)"):
        I.hsv_to_rgb(np.ones((4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="expected 3 \\(RGB\\) or 1"):
        I.rgb_to_grayscale(np.ones((4, 4, 2), "float32"))


# --- resize --------------------------------------------------------------------------------------

def np_bilinear(x, oh, ow):
    """Half-pixel-centre bilinear resize of (h, w, c) with clamped edges (no antialiasing)."""
    h, w = x.shape[:2]

    def taps(n_in, n_out):
        c = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(c).astype(int)
        return lo, np.minimum(lo + 1, n_in - 1), c - lo

    r0, r1, fr = taps(h, oh)
    c0, c1, fc = taps(w, ow)
    fc = fc[None, :, None]
    top = x[r0][:, c0] * (1 - fc) + x[r0][:, c1] * fc
    bottom = x[r1][:, c0] * (1 - fc) + x[r1][:, c1] * fc
    return top * (1 - fr)[:, None, None] + bottom * fr[:, None, None]


def np_nearest(x, oh, ow):
    h, w = x.shape[:2]
    rows = np.floor((np.arange(oh) + 0.5) * h / oh).astype(int)
    cols = np.floor((np.arange(ow) + 0.5) * w / ow).astype(int)
    return x[rows][:, cols]


@pytest.mark.parametrize("size", [(3, 4), (8, 9)])
def test_resize_bilinear_and_nearest(rng, size):
    x = rng.normal(size=(2, 5, 6, 2)).astype("float32")
    for interp, f in (("bilinear", np_bilinear), ("nearest", np_nearest))[: 2 if size == (3, 4) else 1]:
        ref = np.stack([f(im, *size) for im in x])
        for xs, rs, df, jit in forms(x, ref):
            check(I.resize, rs, xs, size=size, interpolation=interp, data_format=df, jit=jit)


def test_resize_crop_and_pad_to_aspect_ratio(rng):
    x = rng.normal(size=(1, 4, 8, 1)).astype("float32")
    # crop: target 2x2 (square) -> centred 4x4 window, columns 2..5
    ref = np_bilinear(x[0, :, 2:6], 2, 2)[None]
    for xs, rs, df, jit in forms(x, ref):
        check(I.resize, rs, xs, size=(2, 2), crop_to_aspect_ratio=True, data_format=df, jit=jit)
    # pad: target square -> pad 2 rows of fill_value above and below, then resize 8x8 -> 4x4
    padded = np.pad(x[0], [(2, 2), (0, 0), (0, 0)], constant_values=7.0)
    ref = np_bilinear(padded, 4, 4)[None]
    for xs, rs, df, jit in forms(x, ref):
        check(I.resize, rs, xs, size=(4, 4), pad_to_aspect_ratio=True, fill_value=7.0, data_format=df, jit=jit)


def test_resize_integer_images_round_and_saturate():
    x = np.array([[0, 255], [255, 0]], "uint8")[..., None]
    out = I.resize(x, (4, 4))
    assert out.dtype == jnp.uint8
    ref = np.clip(np.round(np_bilinear(x.astype("float32"), 4, 4)), 0, 255).astype("uint8")
    np.testing.assert_array_equal(np.asarray(out), ref)


def test_scale_and_translate():
    x = np.arange(9, dtype="float32").reshape(3, 3)
    scale = np.array([2.0, 2.0], "float32")
    out = I.scale_and_translate(x, (5, 5), scale, -(scale / 2 - 0.5), (0, 1), "linear")
    ref = np.array([[0.0, 0.5, 1.0, 1.5, 2.0], [1.5, 2.0, 2.5, 3.0, 3.5], [3.0, 3.5, 4.0, 4.5, 5.0],
                    [4.5, 5.0, 5.5, 6.0, 6.5], [6.0, 6.5, 7.0, 7.5, 8.0]], "float32")
    np.testing.assert_allclose(np.asarray(out), ref, atol=1e-6)
    # upsampling with zero translation = half-pixel bilinear resize
    y = np.random.default_rng(1).normal(size=(2, 4, 5, 3)).astype("float32")
    fn = functools.partial(I.scale_and_translate, output_shape=(2, 8, 10, 3), spatial_dims=(1, 2),
                           method="bilinear", antialias=False)
    ref = np.stack([np_bilinear(im, 8, 10) for im in y])
    s, t = np.array([2.0, 2.0], "float32"), np.zeros(2, "float32")
    np.testing.assert_allclose(np.asarray(jax.jit(fn)(y, scale=s, translation=t)), ref, atol=1e-5)


# --- warps ---------------------------------------------------------------------------------------

def scipy_warp(x, t, order, mode, cval):
    """Reference projective warp of a batch (b, h, w, c) with scipy.ndimage.map_coordinates."""
    b, h, w, c = x.shape
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = np.empty_like(x)
    for i in range(b):
        a0, a1, a2, b0, b1, b2, c0, c1 = t[i] if t.ndim == 2 else t
        k = c0 * xx + c1 * yy + 1
        coords = [(b0 * xx + b1 * yy + b2) / k, (a0 * xx + a1 * yy + a2) / k]
        for ch in range(c):
            out[i, ..., ch] = ndi.map_coordinates(x[i, ..., ch], coords, order=order,
                                                  mode=SCIPY_MODE[mode], cval=cval)
    return out


@pytest.mark.parametrize("interp,order", [("bilinear", 1), ("nearest", 0)])
@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_affine_transform_matches_scipy(rng, interp, order, mode):
    x = rng.normal(size=(2, 5, 6, 2)).astype("float32")
    t = np.array([[1.1, 0.23, -1.3, -0.17, 0.93, 0.71, 0, 0],
                  [0.8, -0.31, 2.2, 0.27, 1.24, -1.6, 0, 0]], "float32")
    # The 2-D affine part via scipy.ndimage.affine_transform, per image and channel
    ref = np.empty_like(x)
    for i in range(2):
        a0, a1, a2, b0, b1, b2 = t[i, :6]
        for ch in range(2):
            ref[i, ..., ch] = ndi.affine_transform(x[i, ..., ch], [[b1, b0], [a1, a0]], [b2, a2],
                                                   order=order, mode=SCIPY_MODE[mode], cval=0.5)
    all_forms = list(forms(x, ref))
    if (interp, mode) != ("bilinear", "reflect"):  # the other combinations: one form, eagerly
        all_forms = [(x, ref, "channels_last", False)]
    for xs, rs, df, jit in all_forms:
        ts = t if xs.ndim == 4 else t[0]
        check(I.affine_transform, rs, xs, ts, interpolation=interp, fill_mode=mode, fill_value=0.5,
              data_format=df, jit=jit, atol=1e-4)


def test_affine_transform_projective_terms_and_shared_transform(rng):
    x = rng.normal(size=(3, 6, 5, 1)).astype("float32")
    t = np.array([0.9, 0.1, 0.4, -0.05, 1.1, 0.2, 0.03, -0.02], "float32")
    ref = scipy_warp(x, t, 1, "constant", 0.0)
    check(I.affine_transform, ref, x, t, atol=1e-4)
    ident = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    np.testing.assert_allclose(np.asarray(I.affine_transform(x, ident)), x, atol=1e-6)


def np_homography(start, end):
    """Solve for H with H(end) = start (8 unknowns, 4 point pairs) by numpy least squares."""
    rows, rhs = [], []
    for (sx, sy), (ex, ey) in zip(start, end):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rhs.append(sx)
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        rhs.append(sy)
    return np.linalg.lstsq(np.array(rows, "float64"), np.array(rhs, "float64"), rcond=None)[0]


def test_perspective_transform(rng):
    x = rng.normal(size=(2, 8, 9, 2)).astype("float32")
    start = np.array([[[0, 0], [0, 7], [8, 0], [8, 7]], [[0, 0], [0, 7], [8, 0], [8, 7]]], "float32")
    end = np.array([[[1, 0.5], [0.3, 7.2], [7.7, 0.4], [8.6, 6.1]],
                    [[0.4, 1], [0.6, 6.2], [8.1, -0.4], [7.3, 7.5]]], "float32")
    t = np.stack([np_homography(s, e) for s, e in zip(start, end)])
    for s, e, row in zip(start, end, t):  # the map really sends each end point to its start point
        for (sx, sy), (ex, ey) in zip(s, e):
            k = row[6] * ex + row[7] * ey + 1
            np.testing.assert_allclose([(row[0] * ex + row[1] * ey + row[2]) / k,
                                        (row[3] * ex + row[4] * ey + row[5]) / k], [sx, sy], atol=1e-6)
    for interp, order in (("bilinear", 1), ("nearest", 0)):
        ref = scipy_warp(x.astype("float64"), t, order, "constant", 0.25)
        for xs, rs, df, jit in forms(x, ref) if order == 1 else [(x, ref, "channels_last", False)]:
            s, e = (start, end) if xs.ndim == 4 else (start[0], end[0])
            check(I.perspective_transform, rs, xs, s, e, interpolation=interp, fill_value=0.25,
                  data_format=df, jit=jit, atol=2e-4)
    same = I.perspective_transform(x, start, start)
    np.testing.assert_allclose(np.asarray(same), x, atol=1e-5)


@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_matches_scipy(rng, mode):
    x = rng.normal(size=(4, 5)).astype("float32")
    coords = rng.uniform(-3, 8, size=(2, 3, 7)).astype("float32")
    for order in (0, 1):
        ref = ndi.map_coordinates(x, coords, order=order, mode=SCIPY_MODE[mode], cval=0.75)
        check(I.map_coordinates, ref, x, coords, order=order, fill_mode=mode, fill_value=0.75)
    as_list = I.map_coordinates(x, [coords[0], coords[1]], 1, mode)
    np.testing.assert_allclose(np.asarray(as_list),
                               ndi.map_coordinates(x, coords, order=1, mode=SCIPY_MODE[mode]),
                               atol=1e-5)


# --- filters -------------------------------------------------------------------------------------

def np_gauss(size, sigma):
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    return g / g.sum()


def np_correlate_same(img, kernel):
    """Zero-padded 'same' cross-correlation of (h, w) with (kh, kw) (XLA's SAME split)."""
    kh, kw = kernel.shape
    p = np.pad(img, [((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)])
    out = np.zeros_like(img, dtype="float64")
    for i, j in itertools.product(range(kh), range(kw)):
        out += kernel[i, j] * p[i:i + img.shape[0], j:j + img.shape[1]]
    return out


def test_gaussian_blur_height_width_order(rng):
    x = rng.normal(size=(2, 6, 7, 2)).astype("float32")
    kernel = np.outer(np_gauss(3, 0.8), np_gauss(5, 1.7))  # (height, width)
    ref = np.empty_like(x)
    for i, ch in itertools.product(range(2), range(2)):
        ref[i, ..., ch] = np_correlate_same(x[i, ..., ch], kernel)
    for xs, rs, df, jit in forms(x, ref):
        check(I.gaussian_blur, rs, xs, kernel_size=(3, 5), sigma=(0.8, 1.7), data_format=df, jit=jit)


def test_sobel_edges_matches_scipy(rng):
    x = rng.normal(size=(2, 5, 6, 2)).astype("float32")
    ref = np.zeros(x.shape + (2,), "float32")
    for i, ch in itertools.product(range(2), range(2)):  # scipy smooths every other axis: go per plane
        for k in range(2):
            ref[i, ..., ch, k] = ndi.sobel(x[i, ..., ch], axis=k, mode="constant")
    check(I.sobel_edges, ref, x, data_format="channels_last", atol=1e-4)
    check(I.sobel_edges, np.moveaxis(ref, 3, 1), np.moveaxis(x, 3, 1), data_format="channels_first",
          atol=1e-4)


def test_elastic_transform_reference(rng):
    x = rng.normal(size=(2, 7, 8, 2)).astype("float32")
    key = jax.random.PRNGKey(3)
    sigma, alpha = 1.0, 2.5
    kx, ky = jax.random.split(key)
    k = int(6 * sigma) | 1
    kernel = np.outer(np_gauss(k, sigma), np_gauss(k, sigma))
    noise_x = np.asarray(jax.random.normal(kx, (2, 7, 8))) * sigma
    noise_y = np.asarray(jax.random.normal(ky, (2, 7, 8))) * sigma
    yy, xx = np.meshgrid(np.arange(7), np.arange(8), indexing="ij")
    ref = np.empty_like(x)
    for i in range(2):
        dx = alpha * np_correlate_same(noise_x[i], kernel)
        dy = alpha * np_correlate_same(noise_y[i], kernel)
        for ch in range(2):
            ref[i, ..., ch] = ndi.map_coordinates(x[i, ..., ch], [yy + dy, xx + dx], order=1,
                                                  mode="reflect")
    def warp(images, seed, data_format):
        return I.elastic_transform(images, alpha=alpha, sigma=sigma, seed=seed, data_format=data_format)

    check(warp, ref, x, key, data_format="channels_last", atol=1e-4)
    check(warp, np.moveaxis(ref, 3, 1), np.moveaxis(x, 3, 1), key, data_format="channels_first",
          atol=1e-4, jit=False)
    # alpha=0 is the identity; an int seed is reproducible; different seeds differ
    np.testing.assert_allclose(np.asarray(I.elastic_transform(x, alpha=0.0, sigma=1.0, seed=1)), x,
                               atol=1e-6)
    a = I.elastic_transform(x, sigma=1.0, seed=5)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(I.elastic_transform(x, sigma=1.0, seed=5)))
    assert not np.allclose(np.asarray(a), np.asarray(I.elastic_transform(x, sigma=1.0, seed=6)))


def np_ssim(a, b, max_val=1.0, size=5, sigma=1.5, k1=0.01, k2=0.03):
    g = np.outer(np_gauss(size, sigma), np_gauss(size, sigma))
    h, w = a.shape[0] - size + 1, a.shape[1] - size + 1

    def mean(z):
        return np.array([[np.sum(g * z[i:i + size, j:j + size]) for j in range(w)] for i in range(h)])

    vals = []
    for ch in range(a.shape[-1]):
        p, q = a[..., ch].astype("float64"), b[..., ch].astype("float64")
        mp, mq = mean(p), mean(q)
        vp, vq, cov = mean(p * p) - mp ** 2, mean(q * q) - mq ** 2, mean(p * q) - mp * mq
        c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
        vals.append(np.mean((2 * mp * mq + c1) * (2 * cov + c2) / ((mp ** 2 + mq ** 2 + c1) * (vp + vq + c2))))
    return np.mean(vals)


def test_ssim(rng):
    a = rng.uniform(size=(2, 7, 8, 2)).astype("float32")
    b = np.clip(a + rng.normal(scale=0.2, size=a.shape), 0, 1).astype("float32")
    ref = np.array([np_ssim(a[i], b[i]) for i in range(2)])
    for (xa, ra, df, jit), (xb, _, _, _) in zip(forms(a, ref[:, None, None, None]), forms(b, b)):
        r = ra.reshape(-1)[0] if xa.ndim == 3 else ra.reshape(-1)
        check(I.ssim, r, xa, xb, filter_size=5, data_format=df, jit=jit, atol=1e-5)
    np.testing.assert_allclose(np.asarray(I.ssim(a, a, filter_size=5)), [1.0, 1.0], atol=1e-6)


# --- patches -------------------------------------------------------------------------------------

def np_patches(x, size, strides, dilation, padding):
    """Channels-last batched patches by explicit loops; features in (offset..., channel) order."""
    nd = len(size)
    spatial = x.shape[1:-1]
    pads, outs = [], []
    for n, k, s, d in zip(spatial, size, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            out, lo, hi = (n - span) // s + 1, 0, 0
        else:
            out = -(-n // s)
            total = max((out - 1) * s + span - n, 0)
            lo, hi = total // 2, total - total // 2
        pads.append((lo, hi))
        outs.append(out)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    res = np.zeros((x.shape[0], *outs, int(np.prod(size)) * x.shape[-1]), x.dtype)
    for pos in itertools.product(*[range(o) for o in outs]):
        feats = []
        for off in itertools.product(*[range(k) for k in size]):
            idx = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, off, dilation))
            feats.append(xp[(slice(None),) + idx])
        res[(slice(None),) + pos] = np.concatenate(feats, axis=-1)
    assert nd in (2, 3)
    return res


@pytest.mark.parametrize("size,strides,dilation,padding", [
    ((2, 2), None, 1, "valid"), ((3, 2), (1, 2), 1, "valid"), ((2, 3), (2, 1), 1, "same"),
    ((2, 2), 1, 2, "valid"), ((3, 3), 2, 1, "same"), (2, None, 1, "SAME"),
])
def test_extract_patches_2d(rng, size, strides, dilation, padding):
    x = rng.normal(size=(2, 6, 7, 3)).astype("float32")
    sz = (size, size) if isinstance(size, int) else size
    st = sz if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    ref = np_patches(x, sz, st, (dilation,) * 2, padding.lower())
    all_forms = list(forms(x, ref))
    if size not in ((2, 2), (2, 3)):  # the other cases: one form, eagerly
        all_forms = [(x, ref, "channels_last", False)]
    for xs, rs, df, jit in all_forms:
        check(I.extract_patches, rs, xs, size=size, strides=strides, dilation_rate=dilation,
              padding=padding, data_format=df, jit=jit)
    if dilation == 2:
        xi = (x * 10).astype("int32")  # exact for integers (no identity-kernel convolution)
        np.testing.assert_array_equal(np.asarray(I.extract_patches(xi, size, strides, dilation, padding)),
                                      np_patches(xi, sz, st, (dilation,) * 2, padding.lower()))


@pytest.mark.parametrize("size,strides,padding", [((2, 2, 2), None, "valid"),
                                                  ((2, 3, 2), (1, 2, 1), "same")])
def test_extract_patches_3d(rng, size, strides, padding):
    x = rng.normal(size=(2, 4, 5, 4, 2)).astype("float32")
    st = size if strides is None else strides
    ref = np_patches(x, size, st, (1, 1, 1), padding)
    for fn in (I.extract_patches, I.extract_patches_3d):
        check(fn, ref, x, size=size, strides=strides, padding=padding, data_format="channels_last",
              jit=fn is I.extract_patches)
        check(fn, ref[0], x[0], size=size, strides=strides, padding=padding,
              data_format="channels_last", jit=False)
        check(fn, np.moveaxis(ref, -1, 1), np.moveaxis(x, -1, 1), size=size, strides=strides,
              padding=padding, data_format="channels_first", jit=False)
    out = I.extract_patches_3d(x, 2)
    assert out.shape == (2, 2, 2, 2, 16)


# --- pad / crop ----------------------------------------------------------------------------------

def test_pad_images(rng):
    x = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    ref = np.pad(x, [(0, 0), (1, 2), (3, 0), (0, 0)])
    for xs, rs, df, jit in forms(x, ref):
        check(I.pad_images, rs, xs, top_padding=1, left_padding=3, bottom_padding=2, right_padding=0,
              data_format=df, jit=jit)
        check(I.pad_images, rs, xs, top_padding=1, left_padding=3, target_height=6, target_width=7,
              data_format=df, jit=jit)
        check(I.pad_images, rs, xs, bottom_padding=2, right_padding=0, target_height=6, target_width=7,
              data_format=df, jit=jit)


def test_crop_images(rng):
    x = rng.normal(size=(2, 6, 7, 2)).astype("float32")
    ref = x[:, 1:4, 2:6]
    for xs, rs, df, jit in forms(x, ref):
        check(I.crop_images, rs, xs, top_cropping=1, left_cropping=2, bottom_cropping=2,
              right_cropping=1, data_format=df, jit=jit)
        check(I.crop_images, rs, xs, top_cropping=1, left_cropping=2, target_height=3, target_width=4,
              data_format=df, jit=jit)
        check(I.crop_images, rs, xs, bottom_cropping=2, right_cropping=1, target_height=3,
              target_width=4, data_format=df, jit=jit)


# --- defaults, symbolic use, errors ------------------------------------------------------------

def test_default_data_format_follows_config(rng):
    x = rng.uniform(size=(2, 3, 4, 5)).astype("float32")  # channels first: 3 channels
    keras.config.set_image_data_format("channels_first")
    try:
        out = I.rgb_to_grayscale(x)
        assert out.shape == (2, 1, 4, 5)
        assert I.resize(x, (2, 2)).shape == (2, 3, 2, 2)
    finally:
        keras.config.set_image_data_format("channels_last")
    assert I.resize(x, (2, 2)).shape == (2, 2, 2, 5)


def test_symbolic_inputs_build_a_model(rng):
    inp = keras.Input((8, 8, 3))
    out = keras.ops.image.resize(keras.ops.image.rgb_to_grayscale(inp), (4, 4))
    assert tuple(out.shape) == (None, 4, 4, 1)
    model = keras.Model(inp, out)
    x = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               np.asarray(I.resize(I.rgb_to_grayscale(x), (4, 4))), atol=1e-6)


@pytest.mark.parametrize("call,pattern", [
    (lambda: I.resize(np.ones((4, 4)), (2, 2)), r"`images` rank.*rank 3.*rank 4.*\(4, 4\)"),
    (lambda: I.resize(np.ones((1, 4, 4, 1)), (2, 2), interpolation="bilinera"),
     r"`interpolation`.*'bilinear'.*Received: interpolation='bilinera'.*Did you mean 'bilinear'"),
    (lambda: I.resize(np.ones((4, 4, 1)), (2,)), r"`size`.*2 integers.*Received: size"),
    (lambda: I.resize(np.ones((4, 4, 1)), (2, 2), data_format="channels_middle"),
     r"data_format.*channels_first.*channels_last.*channels_middle"),
    (lambda: I.resize(np.ones((4, 4, 1)), (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "only one of"),
    (lambda: I.affine_transform(np.ones((4, 4, 1)), np.ones(8), interpolation="bicubic"),
     r"`interpolation`.*'nearest', 'bilinear'.*bicubic"),
    (lambda: I.affine_transform(np.ones((4, 4, 1)), np.ones(8), fill_mode="reflct"),
     r"`fill_mode`.*Did you mean 'reflect'"),
    (lambda: I.affine_transform(np.ones((4, 4, 1)), np.ones(6)), r"`transform` shape.*\(6,\)"),
    (lambda: I.affine_transform(np.ones((3, 4, 4, 1)), np.ones((2, 8))), "2 transforms.*3 images"),
    (lambda: I.perspective_transform(np.ones((4, 4, 1)), np.ones((3, 2)), np.ones((3, 2))),
     r"`start_points` shape.*\(4, 2\).*\(3, 2\)"),
    (lambda: I.map_coordinates(np.ones((4, 4)), np.ones((3, 5)), 1), r"rank of `inputs` \(2\)"),
    (lambda: I.map_coordinates(np.ones((4, 4)), np.ones((2, 5)), 3), r"`order`.*Received: order=3"),
    (lambda: I.gaussian_blur(np.ones((2, 1, 4, 4, 1))), r"`images` rank.*rank 5"),
    (lambda: I.sobel_edges(np.ones((4, 4, 1))), r"`images` rank: expected rank 4"),
    (lambda: I.extract_patches(np.ones((4, 4, 1)), 2, padding="full"), r"`padding`.*'valid', 'same'"),
    (lambda: I.extract_patches(np.ones((4, 4, 1)), (2, 2, 2, 2)), "length 2 or 3"),
    (lambda: I.extract_patches_3d(np.ones((4, 4, 1)), 2), r"`volumes` rank.*rank 4.*rank 5"),
    (lambda: I.pad_images(np.ones((4, 4, 1)), 1, 1), "exactly two of top_padding"),
    (lambda: I.pad_images(np.ones((4, 4, 1)), 1, 1, target_height=3, target_width=6),
     "bottom_padding must be >= 0"),
    (lambda: I.crop_images(np.ones((4, 4, 1)), 1, 1, target_height=4, target_width=2),
     "bottom_cropping must be >= 0"),
    (lambda: I.scale_and_translate(np.ones((4, 4)), (2, 2), [1.0, 1.0], [0.0, 0.0], (0, 1), "cubc"),
     r"`method`.*Did you mean 'cubic'"),
    (lambda: I.ssim(np.ones((8, 8, 1)), np.ones((8, 9, 1))), "same shape"),
])
def test_bad_input_errors(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# --- parity with Keras 3 -------------------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    real = pytest.importorskip("keras")
    if real.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return real


def _parity_cases():
    r = np.random.default_rng(7)
    img = r.uniform(size=(2, 6, 7, 3)).astype("float32")
    img_cf = np.ascontiguousarray(np.moveaxis(img, -1, 1))
    t = np.array([[1.1, 0.2, -0.5, -0.1, 0.9, 0.7, 0, 0], [0.8, -0.3, 1.2, 0.2, 1.2, -0.6, 0, 0]],
                 "float32")
    start = np.array([[0, 0], [0, 5], [6, 0], [6, 5]], "float32")
    end = np.array([[0.5, 0.3], [0.2, 5.3], [5.7, -0.2], [6.4, 4.6]], "float32")
    vol = r.uniform(size=(1, 4, 4, 4, 2)).astype("float32")
    coords = r.uniform(-1, 6, size=(2, 5, 4)).astype("float32")
    return [
        ("rgb_to_grayscale", (img,), {}),
        ("rgb_to_hsv", (img,), {}),
        ("hsv_to_rgb", (img,), {}),
        ("resize", (img, (4, 9)), {}),
        ("resize", (img_cf, (3, 3)), {"interpolation": "bicubic", "antialias": True,
                                      "data_format": "channels_first"}),
        ("resize", (img, (2, 6)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
        ("affine_transform", (img, t), {"fill_mode": "reflect"}),
        ("affine_transform", (img_cf, t), {"interpolation": "nearest", "fill_mode": "constant",
                                           "fill_value": 0.3, "data_format": "channels_first"}),
        ("perspective_transform", (img[0], start, end), {"fill_value": 0.1}),
        ("map_coordinates", (img[0, ..., 0], coords, 1), {"fill_mode": "mirror"}),
        ("gaussian_blur", (img_cf,), {"kernel_size": (5, 5), "sigma": (1.3, 1.3),
                                      "data_format": "channels_first"}),
        ("elastic_transform", (img[:1, :4],), {"alpha": 0.0, "sigma": 0.5, "seed": 2}),
        ("extract_patches", (img_cf, (2, 3)), {"strides": (1, 2), "padding": "same",
                                               "data_format": "channels_first"}),
        ("extract_patches_3d", (vol, (2, 2, 2)), {"strides": 1}),
        ("pad_images", (img, 1, 2), {"target_height": 8, "target_width": 10}),
        ("crop_images", (img_cf,), {"top_cropping": 1, "left_cropping": 2, "target_height": 3,
                                    "target_width": 4, "data_format": "channels_first"}),
        ("scale_and_translate", (img, (2, 9, 5, 3), np.array([1.5, 0.7], "float32"),
                                 np.array([0.2, -0.35], "float32"), (1, 2), "cubic"), {}),
        ("sobel_edges", (img,), {}),
        ("ssim", (img, img[::-1]), {"filter_size": 5}),
    ]


@pytest.mark.parametrize("name,args,kwargs", _parity_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_parity_with_keras(name, args, kwargs):
    real = _keras()
    arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

    def jitted(fn):  # one compile per case instead of one per primitive (Keras runs op by op)
        def call(*xs):
            full = list(args)
            for i, x in zip(arrays, xs):
                full[i] = x
            return fn(*full, **kwargs)

        return jax.jit(call)(*[args[i] for i in arrays])

    if name == "elastic_transform":  # Keras's version needs a concrete sigma: run it eagerly
        theirs = real.ops.image.elastic_transform(*args, **kwargs)
    else:
        theirs = jitted(getattr(real.ops.image, name))
    ours = getattr(keras.ops.image, name)(*args, **kwargs)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=2e-5)
