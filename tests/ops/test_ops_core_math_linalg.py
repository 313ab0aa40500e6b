"""keras.ops core (control flow, slicing, scatter), math and linalg vs numpy/scipy."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
import scipy.special as sp

from fkeras import ops
from fkeras.ops import core, linalg, math as kmath

rng = np.random.default_rng(2)
A = rng.standard_normal((3, 5)).astype("float32")
SPD = (lambda m: (m @ m.T + 4 * np.eye(4)).astype("float32"))(rng.standard_normal((4, 4)))
SQ = rng.standard_normal((4, 4)).astype("float32") + 3 * np.eye(4, dtype="float32")
RHS = rng.standard_normal((4, 2)).astype("float32")


def _both(fn, *args):
    """Run eagerly and jitted; return both results."""
    return fn(*args), jax.jit(fn)(*args)


# --- core -------------------------------------------------------------------------------------

def test_cast_convert_shape_dtype():
    x = ops.cast(np.array([1.7, -2.2]), "int32")
    np.testing.assert_array_equal(x, [1, -2])
    assert x.dtype == jnp.int32
    assert core.convert_to_tensor([1.0, 2.0]).dtype == jnp.float32
    assert core.convert_to_tensor([1, 2]).dtype == jnp.int32
    assert core.convert_to_tensor(np.ones(2), dtype="float16").dtype == jnp.float16
    assert isinstance(core.convert_to_numpy(jnp.ones(2)), np.ndarray)
    assert core.shape(jnp.ones((2, 3))) == (2, 3)
    assert core.dtype(jnp.ones(2, "int32")) == "int32"
    assert core.is_tensor(jnp.ones(2)) and not core.is_tensor(np.ones(2))
    with pytest.raises(ValueError, match="dtype"):
        ops.cast(np.ones(2), "not_a_dtype")
    np.testing.assert_array_equal(core.saturate_cast(np.array([-10.0, 300.0]), "uint8"), [0, 255])


def test_cond_switch_and_stop_gradient():
    f = lambda x: core.cond(x > 0, lambda: x * 2, lambda: -x)  # noqa: E731
    for r in _both(f, jnp.float32(3.0)):
        assert float(r) == 6.0
    for r in _both(f, jnp.float32(-3.0)):
        assert float(r) == 3.0
    g = lambda i, x: core.switch(i, [lambda a: a + 1, lambda a: a * 10], x)  # noqa: E731
    assert float(jax.jit(g)(1, 2.0)) == 20.0
    grad = jax.grad(lambda x: core.stop_gradient(x) * x)(3.0)
    assert float(grad) == 3.0


def test_scan_fori_while():
    xs = np.arange(5, dtype="float32")

    def f(xs):
        return core.scan(lambda c, x: (c + x, c * x), jnp.float32(0.0), xs)

    for carry, ys in _both(f, xs):
        assert float(carry) == 10.0
        np.testing.assert_allclose(ys, np.cumsum(np.r_[0, xs[:-1]]) * xs)
    carry, ys = core.scan(lambda c, x: (c + 1, c), 0, length=3)
    np.testing.assert_array_equal(ys, [0, 1, 2])
    _, rev = core.scan(lambda c, x: (c + x, c + x), jnp.float32(0.0), xs, reverse=True)
    np.testing.assert_allclose(rev, np.cumsum(xs[::-1])[::-1])

    for r in _both(lambda n: core.fori_loop(0, 5, lambda i, acc: acc + i, n), jnp.int32(0)):
        assert int(r) == 10

    out = core.while_loop(lambda i: i < 10, lambda i: i + 1, 0)
    assert int(out) == 10
    a, b = core.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2), (0, 1.0))
    assert int(a) == 4 and float(b) == 16.0
    capped = jax.jit(lambda x: core.while_loop(lambda i: i < 100, lambda i: i + 1, x,
                                               maximum_iterations=7))(jnp.int32(0))
    assert int(capped) == 7
    lst = core.while_loop(lambda i, s: i < 2, lambda i, s: [i + 1, s + 1], [0, 0])
    assert isinstance(lst, list) and int(lst[1]) == 2


def test_map_vectorized_map_associative_scan_unstack():
    x = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_allclose(core.map(lambda r: r.sum(), x), x.sum(1))
    np.testing.assert_allclose(core.vectorized_map(lambda r: r * 2, x), x * 2)
    np.testing.assert_allclose(core.associative_scan(jnp.add, np.arange(5.0)), np.cumsum(np.arange(5.0)))
    parts = core.unstack(x, axis=1)
    assert len(parts) == 2
    np.testing.assert_array_equal(parts[1], x[:, 1])


def test_slice_and_updates():
    x = np.arange(20, dtype="float32").reshape(4, 5)
    for r in _both(lambda a: core.slice(a, (1, 2), (2, 3)), x):
        np.testing.assert_array_equal(r, x[1:3, 2:5])
    upd = np.full((2, 2), -1.0, "float32")
    exp = x.copy()
    exp[2:4, 0:2] = -1.0
    for r in _both(lambda a: core.slice_update(a, (2, 0), upd), x):
        np.testing.assert_array_equal(r, exp)
    np.testing.assert_array_equal(core.dynamic_update_slice(x, upd, (2, 0)), exp)
    start = jnp.array([1, 1])
    np.testing.assert_array_equal(jax.jit(lambda s: core.slice(x, s, (2, 2)))(start), x[1:3, 1:3])


def test_scatter_and_scatter_update():
    idx = np.array([[0, 1], [2, 0], [0, 1]], "int32")
    vals = np.array([1.0, 2.0, 3.0], "float32")
    exp = np.zeros((3, 2), "float32")
    np.add.at(exp, (idx[:, 0], idx[:, 1]), vals)
    for r in _both(lambda i, v: core.scatter(i, v, (3, 2)), idx, vals):
        np.testing.assert_array_equal(r, exp)
    base = np.ones((3, 2), "float32")
    out = core.scatter_update(base, idx[:2], vals[:2])
    exp2 = base.copy()
    exp2[0, 1], exp2[2, 0] = 1.0, 2.0
    np.testing.assert_array_equal(out, exp2)
    rows = core.scatter_update(np.zeros((3, 2)), np.array([[1]]), np.array([[5.0, 6.0]]))
    np.testing.assert_array_equal(rows, [[0, 0], [5, 6], [0, 0]])


def test_custom_gradient():
    @core.custom_gradient
    def clipped_identity(x):
        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return jnp.clip(upstream, -0.5, 0.5)

        return x, grad

    g = jax.grad(lambda x: jnp.sum(clipped_identity(x) * 3.0))(jnp.ones(2))
    np.testing.assert_allclose(g, [0.5, 0.5])


# --- math -------------------------------------------------------------------------------------

def test_logsumexp_top_k_in_top_k():
    for r in _both(lambda a: kmath.logsumexp(a, axis=1), A):
        np.testing.assert_allclose(r, sp.logsumexp(A, axis=1), rtol=1e-5)
    np.testing.assert_allclose(kmath.logsumexp(A), sp.logsumexp(A), rtol=1e-5)
    np.testing.assert_allclose(kmath.logsumexp(A, axis=0, keepdims=True),
                               sp.logsumexp(A, axis=0, keepdims=True), rtol=1e-5)
    vals, idx = kmath.top_k(A, 2)
    ref_idx = np.argsort(-A, axis=1)[:, :2]
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(vals, np.take_along_axis(A, ref_idx, 1))
    targets = np.array([ref_idx[0, 1], ref_idx[1, 0], np.argmin(A[2])], "int32")
    np.testing.assert_array_equal(kmath.in_top_k(targets, A, 2), [True, True, False])


def test_segments_and_special():
    data = np.arange(12, dtype="float32").reshape(6, 2)
    seg = np.array([0, 0, 1, 2, 2, 2], "int32")
    exp = np.stack([data[seg == s].sum(0) for s in range(3)])
    np.testing.assert_allclose(kmath.segment_sum(data, seg), exp)
    np.testing.assert_allclose(jax.jit(lambda d, s: kmath.segment_sum(d, s, num_segments=3))(data, seg), exp)
    np.testing.assert_allclose(kmath.segment_max(data, seg, num_segments=3),
                               np.stack([data[seg == s].max(0) for s in range(3)]))
    x = np.linspace(-0.9, 0.9, 7).astype("float32")
    np.testing.assert_allclose(kmath.erf(x), sp.erf(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kmath.erfinv(x), sp.erfinv(x), rtol=1e-4)
    np.testing.assert_allclose(kmath.rsqrt(np.array([4.0, 0.25])), [0.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(kmath.logdet(SPD), np.log(np.linalg.det(SPD)), rtol=1e-4)


def test_fft_and_sequences():
    re = rng.standard_normal((2, 8)).astype("float32")
    im = rng.standard_normal((2, 8)).astype("float32")
    fr, fi = kmath.fft((re, im))
    ref = np.fft.fft(re + 1j * im)
    np.testing.assert_allclose(fr, ref.real, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fi, ref.imag, rtol=1e-4, atol=1e-4)
    rr, ri = kmath.rfft(re)
    np.testing.assert_allclose(rr + 1j * np.asarray(ri), np.fft.rfft(re), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(kmath.irfft((rr, ri)), re, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="real, imag"):
        kmath.fft(re)
    seqs = kmath.extract_sequences(np.arange(10.0), 4, 3)
    np.testing.assert_array_equal(seqs, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])


# --- linalg -----------------------------------------------------------------------------------

def test_norms():
    for kw in ({}, {"axis": 1}, {"ord": 1, "axis": 0}, {"ord": "fro"}, {"ord": np.inf, "axis": 1},
               {"axis": 1, "keepdims": True}):
        for r in _both(lambda a, kw=kw: linalg.norm(a, **kw), A):
            np.testing.assert_allclose(r, np.linalg.norm(A, **kw), rtol=1e-5)


def test_decompositions_and_solvers():
    for r in _both(linalg.inv, SQ):
        np.testing.assert_allclose(r, np.linalg.inv(SQ), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(linalg.det(SQ), np.linalg.det(SQ), rtol=1e-4)
    sign, logabs = linalg.slogdet(SQ)
    ref_sign, ref_log = np.linalg.slogdet(SQ)
    assert float(sign) == ref_sign
    np.testing.assert_allclose(logabs, ref_log, rtol=1e-4)
    np.testing.assert_allclose(linalg.cholesky(SPD), np.linalg.cholesky(SPD), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(linalg.cholesky(SPD, upper=True), np.linalg.cholesky(SPD).T,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(linalg.solve(SQ, RHS), np.linalg.solve(SQ, RHS), rtol=1e-4, atol=1e-5)
    low = np.tril(SQ)
    np.testing.assert_allclose(linalg.solve_triangular(low, RHS, lower=True),
                               scipy.linalg.solve_triangular(low, RHS, lower=True), rtol=1e-4, atol=1e-5)
    u, s, vh = linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(s, np.linalg.svd(A, compute_uv=False), rtol=1e-5)
    np.testing.assert_allclose((np.asarray(u) * np.asarray(s)) @ np.asarray(vh), A, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(linalg.svd(A, compute_uv=False), np.linalg.svd(A, compute_uv=False), rtol=1e-5)
    q, r = linalg.qr(A.T)
    assert q.shape == (5, 3) and r.shape == (3, 3)
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), A.T, rtol=1e-4, atol=1e-5)
    qc, _ = ops.qr(A.T, mode="complete")
    assert qc.shape == (5, 5)
    w, v = linalg.eigh(SPD)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(SPD), rtol=1e-4)
    np.testing.assert_allclose(SPD @ np.asarray(v), np.asarray(v) * np.asarray(w), rtol=1e-3, atol=1e-4)
    tall = rng.standard_normal((6, 3)).astype("float32")
    y = rng.standard_normal((6,)).astype("float32")
    np.testing.assert_allclose(linalg.lstsq(tall, y), np.linalg.lstsq(tall, y, rcond=None)[0],
                               rtol=1e-4, atol=1e-5)
    lu, piv = linalg.lu_factor(SQ)
    ref_lu, ref_piv = scipy.linalg.lu_factor(SQ)
    np.testing.assert_allclose(lu, ref_lu, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(piv, ref_piv)


def test_flat_namespace_exports():
    for name in ["matmul", "relu", "softmax", "conv", "max_pool", "logsumexp", "top_k", "norm", "inv",
                 "cond", "scan", "while_loop", "one_hot", "binary_crossentropy", "moments", "cast",
                 "convert_to_tensor", "stop_gradient", "slice_update", "segment_sum", "rsqrt", "erf"]:
        assert callable(getattr(ops, name)), name
    assert ops.numpy.matmul is ops.matmul and ops.nn.relu is ops.relu and ops.linalg.norm is ops.norm
    assert ops.tanh is ops.numpy.tanh
