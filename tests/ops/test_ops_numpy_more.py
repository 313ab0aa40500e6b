"""The newer keras.ops.numpy ops (element-wise extras, NaN reductions, percentiles, splits,
windows, unique, ...) vs numpy references, eagerly and under jax.jit, plus Keras 3 parity."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras import ops
from fkeras.ops import numpy as knp

rng = np.random.default_rng(3)
A = rng.standard_normal((3, 4)).astype("float32")
B = rng.standard_normal((3, 4)).astype("float32")
AN = A.copy()
AN[0, 1] = AN[2, 3] = np.nan
AN[1, :] = [np.nan, 1.5, np.nan, -2.0]
BN = B.copy()
BN[0, 1] = BN[0, 0] = np.nan
INF = np.array([-np.inf, -1.0, 0.0, np.inf, np.nan], "float32")
IA = rng.integers(-20, 20, (3, 4)).astype("int32")
IP = rng.integers(1, 30, (3, 4)).astype("int32")
SH = rng.integers(0, 5, (3, 4)).astype("int32")
CPX = (A + 1j * B).astype("complex64")
V = rng.standard_normal((5,)).astype("float32")
M3 = rng.standard_normal((2, 4, 6)).astype("float32")
Q = np.array([10.0, 50.0, 90.0], "float32")


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def assert_tree_close(got, want, rtol=1e-5, atol=1e-6, check_dtype=False):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        if check_dtype:
            assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if g.dtype == bool or w.dtype == bool:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g.astype(np.complex128), w.astype(np.complex128), rtol=rtol, atol=atol,
                                       equal_nan=True)


# (id, fkeras name, numpy reference, traced array args, static kwargs)
CASES = [
    ("allclose", "allclose", np.allclose, (A, A + 1e-7), {}),
    ("allclose_false", "allclose", np.allclose, (A, B), {}),
    ("allclose_nan", "allclose", np.allclose, (AN, AN), {"equal_nan": True}),
    ("angle", "angle", np.angle, (CPX,), {}),
    ("array_split", "array_split", lambda x, indices_or_sections, axis: np.array_split(x, indices_or_sections, axis),
     (M3,), {"indices_or_sections": 4, "axis": 2}),
    ("bitwise_left_shift", "bitwise_left_shift", np.left_shift, (IA, SH), {}),
    ("bitwise_right_shift", "bitwise_right_shift", np.right_shift, (IA, SH), {}),
    ("bitwise_not", "bitwise_not", np.invert, (IA,), {}),
    ("cbrt", "cbrt", np.cbrt, (A,), {}),
    ("corrcoef", "corrcoef", np.corrcoef, (A,), {}),
    ("deg2rad", "deg2rad", np.deg2rad, (A * 90,), {}),
    ("rad2deg", "rad2deg", np.rad2deg, (A,), {}),
    ("diagflat", "diagflat", lambda x, k: np.diagflat(x, k), (V,), {"k": -1}),
    ("dsplit", "dsplit", lambda x, indices_or_sections: np.dsplit(x, indices_or_sections),
     (M3,), {"indices_or_sections": [1, 4]}),
    ("hsplit", "hsplit", lambda x, indices_or_sections: np.hsplit(x, indices_or_sections),
     (M3,), {"indices_or_sections": 2}),
    ("vsplit", "vsplit", lambda x, indices_or_sections: np.vsplit(x, indices_or_sections),
     (M3,), {"indices_or_sections": 2}),
    ("fabs", "fabs", np.fabs, (A,), {}),
    ("fliplr", "fliplr", np.fliplr, (M3,), {}),
    ("flipud", "flipud", np.flipud, (M3,), {}),
    ("fmax", "fmax", np.fmax, (AN, BN), {}),
    ("fmin", "fmin", np.fmin, (AN, B), {}),
    ("fmod", "fmod", np.fmod, (IA, IP), {}),
    ("fmod_float", "fmod", np.fmod, (A * 5, np.abs(B) + 0.5), {}),
    ("gcd", "gcd", np.gcd, (IA, IP), {}),
    ("lcm", "lcm", np.lcm, (IA, IP), {}),
    ("heaviside", "heaviside", np.heaviside, (np.array([-1.5, 0.0, 2.0, 0.0], "float32"),
                                              np.array([0.5, 0.25, 0.5, 1.0], "float32")), {}),
    ("i0", "i0", np.i0, (A,), {}),
    ("isin", "isin", np.isin, (IA, np.array([0, 3, -7, 11], "int32")), {}),
    ("isin_invert", "isin", lambda a, b, invert: np.isin(a, b, invert=invert),
     (IA, np.array([0, 3, -7, 11], "int32")), {"invert": True}),
    ("isneginf", "isneginf", np.isneginf, (INF,), {}),
    ("isposinf", "isposinf", np.isposinf, (INF,), {}),
    ("isreal", "isreal", np.isreal, (np.array([1 + 0j, 2 + 1j], "complex64"),), {}),
    ("kron", "kron", np.kron, (A[:2, :2], B[:3, :2]), {}),
    ("ldexp", "ldexp", np.ldexp, (A, SH), {}),
    ("logaddexp2", "logaddexp2", np.logaddexp2, (A, B), {}),
    ("nextafter", "nextafter", np.nextafter, (A, B), {}),
    ("signbit", "signbit", np.signbit, (np.array([-1.0, -0.0, 0.0, 2.0], "float32"),), {}),
    ("sinc", "sinc", np.sinc, (np.concatenate([A.ravel(), [0.0]]).astype("float32"),), {}),
    ("nansum", "nansum", lambda x, axis: np.nansum(x, axis), (AN,), {"axis": 0}),
    ("nanprod", "nanprod", lambda x, keepdims: np.nanprod(x, keepdims=keepdims), (AN,), {"keepdims": True}),
    ("nanmean", "nanmean", lambda x, axis: np.nanmean(x, axis), (AN,), {"axis": 1}),
    ("nanvar", "nanvar", lambda x, axis: np.nanvar(x, axis), (AN,), {"axis": 1}),
    ("nanstd", "nanstd", np.nanstd, (AN,), {}),
    ("nanmax", "nanmax", lambda x, axis: np.nanmax(x, axis), (AN,), {"axis": 1}),
    ("nanmin", "nanmin", lambda x, axis: np.nanmin(x, axis), (AN,), {"axis": 0}),
    ("nanargmax", "nanargmax", lambda x, axis: np.nanargmax(x, axis), (AN,), {"axis": 1}),
    ("nanargmin", "nanargmin", np.nanargmin, (AN,), {}),
    ("nancumsum", "nancumsum", lambda x, axis: np.nancumsum(x, axis), (AN,), {"axis": 1}),
    ("nancumprod", "nancumprod", np.nancumprod, (AN,), {}),
    ("nanmedian", "nanmedian", lambda x, axis: np.nanmedian(x, axis), (AN,), {"axis": 1}),
    ("percentile", "percentile", lambda x, q, axis: np.percentile(x, q, axis), (A, Q), {"axis": 1}),
    ("percentile_nearest", "percentile", lambda x, q, method: np.percentile(x, q, method=method),
     (A, Q[::2]), {"method": "nearest"}),
    ("nanpercentile", "nanpercentile", lambda x, q, axis: np.nanpercentile(x, q, axis), (AN, Q), {"axis": 0}),
    ("nanquantile", "nanquantile", lambda x, q, keepdims: np.nanquantile(x, q, keepdims=keepdims),
     (AN, Q / 100), {"keepdims": True}),
    ("ptp", "ptp", lambda x, axis: np.ptp(x, axis), (A,), {"axis": 1}),
    ("histogram", "histogram", lambda x, bins: np.histogram(x, bins), (A.ravel(),), {"bins": 5}),
    ("histogram_range", "histogram", lambda x, bins, range: np.histogram(x, bins, range),
     (A.ravel(),), {"bins": 4, "range": (-1.0, 1.0)}),
    ("trapezoid", "trapezoid", np.trapezoid, (A,), {}),
    ("trapezoid_x", "trapezoid", lambda y, x, axis: np.trapezoid(y, x, axis=axis),
     (A, np.array([0.0, 0.5, 2.0], "float32")), {"axis": 0}),
    ("unique_sized", "unique", lambda x, size, return_counts: np.unique(x, return_counts=True),
     (np.array([3, 1, 3, 2, 1, 1], "int32"),), {"size": 3, "return_counts": True}),
    ("unique_inverse", "unique", lambda x, return_inverse, size: np.unique(x, return_inverse=True),
     (np.array([[4, 1], [4, 0]], "int32"),), {"return_inverse": True, "size": 3}),
    ("unravel_index", "unravel_index", lambda i, shape: np.unravel_index(i, shape),
     (np.array([0, 5, 11, 7], "int32"),), {"shape": (3, 4)}),
    ("vander", "vander", lambda x, N, increasing: np.vander(x, N, increasing), (V,), {"N": 3, "increasing": True}),
    ("view", "view", lambda x, dtype: x.view(dtype), (A,), {"dtype": "int32"}),
    ("slogdet", "slogdet", np.linalg.slogdet, (A[:3, :3],), {}),
]

# Ops whose arguments are all static (a window length, scalar endpoints).
STATIC_CASES = [
    ("bartlett", "bartlett", np.bartlett, {"x": 7}),
    ("blackman", "blackman", np.blackman, {"x": 6}),
    ("hamming", "hamming", np.hamming, {"x": 5}),
    ("hanning", "hanning", np.hanning, {"x": 8}),
    ("kaiser", "kaiser", np.kaiser, {"x": 6, "beta": 3.5}),
    ("geomspace", "geomspace", np.geomspace, {"start": 2.0, "stop": 250.0, "num": 4}),
    ("geomspace_open", "geomspace", np.geomspace, {"start": 1.0, "stop": 100.0, "num": 4, "endpoint": False}),
]


@pytest.mark.parametrize("name,fn_name,ref,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_numpy_eager_and_jit(name, fn_name, ref, args, kwargs):
    fn = getattr(knp, fn_name)
    want = ref(*args, **kwargs)
    rtol = 1e-4 if fn_name in ("i0", "corrcoef", "nanvar", "nanstd", "slogdet") else 1e-5
    assert_tree_close(fn(*args, **kwargs), want, rtol=rtol)
    assert_tree_close(jax.jit(lambda *a: fn(*a, **kwargs))(*args), want, rtol=rtol)


@pytest.mark.parametrize("name,fn_name,ref,kwargs", STATIC_CASES, ids=[c[0] for c in STATIC_CASES])
def test_static_ops_match_numpy(name, fn_name, ref, kwargs):
    fn = getattr(knp, fn_name)
    out = fn(**kwargs)
    assert out.dtype == jnp.float32
    assert_tree_close(out, ref(*kwargs.values()), rtol=1e-5)
    assert_tree_close(jax.jit(lambda: fn(**kwargs))(), ref(*kwargs.values()), rtol=1e-5)


def test_unique_eager_all_outputs_and_fill():
    x = np.array([5, 2, 5, 7, 2, 2], "int32")
    vals, index, inverse, counts = knp.unique(x, return_index=True, return_inverse=True, return_counts=True)
    w_vals, w_index, w_inverse, w_counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for got, want in ((vals, w_vals), (index, w_index), (inverse, w_inverse), (counts, w_counts)):
        np.testing.assert_array_equal(got, want)
    padded = jax.jit(lambda a: knp.unique(a, size=5, fill_value=-1))(x)
    np.testing.assert_array_equal(padded, [2, 5, 7, -1, -1])
    rows = knp.unique(np.array([[1, 2], [0, 3], [1, 2]]), axis=0)
    np.testing.assert_array_equal(rows, [[0, 3], [1, 2]])


def test_empty_like_and_vectorize():
    e = knp.empty_like(A, dtype="int32")
    assert e.shape == A.shape and e.dtype == jnp.int32
    f = knp.vectorize(lambda u, v: jnp.dot(u, v), signature="(n),(n)->()")
    np.testing.assert_allclose(jax.jit(f)(A, B), np.sum(A * B, axis=1), rtol=1e-5)
    g = knp.vectorize(lambda x, p: x ** p, excluded={1})
    np.testing.assert_allclose(g(V, 2), V ** 2, rtol=1e-6)


def test_shift_by_python_int_and_ldexp_dtype():
    np.testing.assert_array_equal(knp.bitwise_left_shift(IP, 2), IP << 2)
    np.testing.assert_array_equal(knp.right_shift(IP, 1), IP >> 1)
    assert knp.cbrt(np.array([8, -27], "int32")).dtype == jnp.float32
    assert knp.ldexp(np.array([1, 3], "int32"), np.array([2, 1], "int32")).dtype == jnp.float32


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: knp.histogram(A.ravel(), bins=2.5), TypeError, r"`bins`.*bins=2.5"),
    (lambda: knp.histogram(A.ravel(), bins=-1), ValueError, "non-negative"),
    (lambda: knp.histogram(A.ravel(), range=[0, 1]), ValueError, r"`range`.*tuple"),
    (lambda: knp.histogram(A.ravel(), range=(1.0, 0.0)), ValueError, "second element"),
    (lambda: knp.histogram(A), ValueError, "1-dimensional"),
    (lambda: knp.array_split(A, [1, 2]), TypeError, "indices_or_sections"),
    (lambda: knp.array_split(A, 0), ValueError, "positive"),
    (lambda: knp.vander(A), ValueError, "1-dimensional"),
    (lambda: knp.vander(V, N=-1), ValueError, "non-negative"),
    (lambda: knp.vander(V, increasing=1), TypeError, "increasing"),
    (lambda: knp.ldexp(A, B), TypeError, "integer dtype"),
    (lambda: knp.vectorize(3), ValueError, "callable"),
    (lambda: knp.percentile(A, 50, method="cubic"), ValueError, r"`method`.*cubic"),
    (lambda: knp.dsplit(A, 2), ValueError, "rank >= 3"),
    (lambda: knp.fliplr(V), ValueError, "rank >= 2"),
    (lambda: knp.unique(V, size=0), ValueError, "`size`"),
    (lambda: knp.bartlett(2.5), TypeError, "integer window length"),
])
def test_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# --- parity with Keras 3 ----------------------------------------------------------------------

NUMPY_FAMILY = [
    "allclose", "angle", "array_split", "bartlett", "bitwise_left_shift", "bitwise_not", "bitwise_right_shift",
    "blackman", "cbrt", "corrcoef", "deg2rad", "diagflat", "dsplit", "empty_like", "fabs", "fliplr", "flipud",
    "fmax", "fmin", "fmod", "gcd", "geomspace", "hamming", "hanning", "heaviside", "histogram", "hsplit", "i0",
    "isin", "isneginf", "isposinf", "isreal", "kaiser", "kron", "lcm", "ldexp", "left_shift", "logaddexp2",
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin",
    "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar", "nextafter", "percentile", "ptp",
    "rad2deg", "right_shift", "signbit", "sinc", "trapezoid", "unique", "unravel_index", "vander", "vectorize",
    "view", "vsplit",
]

_PARITY_ARGS = {
    "allclose": ((A, A + 1e-7), {}), "angle": ((A,), {}), "array_split": ((M3, 3), {"axis": 1}),
    "bartlett": ((6,), {}), "blackman": ((6,), {}), "hamming": ((7,), {}), "hanning": ((7,), {}),
    "kaiser": ((6, 2.0), {}), "bitwise_left_shift": ((IA, SH), {}), "bitwise_right_shift": ((IA, SH), {}),
    "left_shift": ((IP, 3), {}), "right_shift": ((IP, SH), {}), "bitwise_not": ((IA,), {}),
    "cbrt": ((A,), {}), "corrcoef": ((A,), {}), "deg2rad": ((A,), {}), "rad2deg": ((A,), {}),
    "diagflat": ((V,), {"k": 1}), "dsplit": ((M3, 2), {}), "hsplit": ((M3, [1, 3]), {}), "vsplit": ((M3, 2), {}),
    "empty_like": ((A,), {"dtype": "int32"}), "fabs": ((A,), {}), "fliplr": ((M3,), {}), "flipud": ((M3,), {}),
    "fmax": ((AN, B), {}), "fmin": ((AN, B), {}), "fmod": ((IA, IP), {}), "gcd": ((IA, IP), {}), "lcm": ((IA, IP), {}),
    "geomspace": ((1.0, 1000.0), {"num": 5}), "heaviside": ((A, B), {}), "histogram": ((A.ravel(),), {"bins": 4}),
    "i0": ((A,), {}), "isin": ((IA, np.array([0, 3, -7], "int32")), {}), "isneginf": ((INF,), {}),
    "isposinf": ((INF,), {}), "isreal": ((A,), {}), "kron": ((A[:2, :2], B), {}), "ldexp": ((A, SH), {}),
    "logaddexp2": ((A, B), {}), "nanargmax": ((AN,), {"axis": 1}), "nanargmin": ((AN,), {"axis": 0}),
    "nancumprod": ((AN,), {"axis": 1}), "nancumsum": ((AN,), {}), "nanmax": ((AN,), {"axis": 0}),
    "nanmean": ((AN,), {"axis": 1, "keepdims": True}), "nanmedian": ((AN,), {"axis": 1}),
    "nanmin": ((AN,), {}), "nanpercentile": ((AN, Q), {"axis": 1}), "nanprod": ((AN,), {"axis": 0}),
    "nanquantile": ((AN, Q / 100), {"method": "midpoint"}), "nanstd": ((AN,), {"axis": 1}),
    "nansum": ((AN,), {"axis": 1}), "nanvar": ((AN,), {}), "nextafter": ((A, B), {}),
    "percentile": ((A, Q), {"axis": 0, "method": "lower"}), "ptp": ((A,), {"axis": 0}),
    "signbit": ((A,), {}), "sinc": ((A,), {}), "trapezoid": ((A,), {"dx": 0.5, "axis": 0}),
    "unique": ((np.array([[4, 1], [4, 0]], "int32"),), {"return_index": True, "return_inverse": True,
                                                        "return_counts": True}),
    "unravel_index": ((np.array([1, 5, 10], "int32"), (3, 4)), {}), "vander": ((V,), {"N": 4}),
    "view": ((A,), {"dtype": "uint32"}),
}


def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    real = pytest.importorskip("keras")
    if real.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return real


@pytest.mark.parametrize("name", NUMPY_FAMILY)
def test_keras_parity(name):
    keras = _keras()
    ours, theirs = getattr(ops, name), getattr(keras.ops, name)
    assert getattr(knp, name) is ours  # exported from keras.ops.numpy as well
    if name == "vectorize":
        fn = lambda u, v: u * v + 1.0  # noqa: E731
        assert_tree_close(ours(fn)(A, V[:4]), theirs(fn)(A, V[:4]))
        return
    args, kwargs = _PARITY_ARGS[name]
    got, want = ours(*args, **kwargs), theirs(*args, **kwargs)
    if name == "empty_like":  # contents are unspecified
        assert got.shape == want.shape and got.dtype == want.dtype
        return
    assert_tree_close(got, want, rtol=2e-5)


def test_every_keras_numpy_name_is_exported():
    keras = _keras()
    import keras.ops.numpy as keras_numpy

    public = [n for n in dir(keras_numpy) if not n.startswith("_")]
    assert [n for n in public if not hasattr(knp, n)] == []
    assert [n for n in dir(keras.ops) if not n.startswith("_") and not hasattr(ops, n)] == []
