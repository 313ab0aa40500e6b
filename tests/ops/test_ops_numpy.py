"""keras.ops numpy-style ops vs numpy, eagerly and under jax.jit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras.ops import numpy as knp

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4)).astype("float32")
B = rng.standard_normal((3, 4)).astype("float32")
P = (np.abs(rng.standard_normal((3, 4))) + 0.5).astype("float32")  # positive
U = rng.uniform(-0.9, 0.9, (3, 4)).astype("float32")  # inside (-1, 1)
G = (rng.uniform(1.1, 3.0, (3, 4))).astype("float32")  # > 1
I = rng.integers(-5, 6, (3, 4)).astype("int32")
IP = rng.integers(1, 6, (3, 4)).astype("int32")
V = rng.standard_normal((4,)).astype("float32")
W = rng.standard_normal((4, 5)).astype("float32")
M = rng.standard_normal((2, 3, 4)).astype("float32")
BOOL = A > 0
IDX = np.array([[0, 2], [1, 3], [3, 0]], dtype="int32")

# (id, fkeras fn, numpy reference, array args, static kwargs)
CASES = [
    ("abs", knp.abs, np.abs, (A,), {}),
    ("absolute", knp.absolute, np.absolute, (I,), {}),
    ("negative", knp.negative, np.negative, (A,), {}),
    ("sign", knp.sign, np.sign, (A,), {}),
    ("square", knp.square, np.square, (A,), {}),
    ("sqrt", knp.sqrt, np.sqrt, (P,), {}),
    ("sqrt_int", knp.sqrt, lambda x: np.sqrt(x).astype("float32"), (IP,), {}),
    ("reciprocal", knp.reciprocal, np.reciprocal, (P,), {}),
    ("exp", knp.exp, np.exp, (A,), {}),
    ("exp2", knp.exp2, np.exp2, (A,), {}),
    ("expm1", knp.expm1, np.expm1, (A,), {}),
    ("log", knp.log, np.log, (P,), {}),
    ("log1p", knp.log1p, np.log1p, (P,), {}),
    ("log2", knp.log2, np.log2, (P,), {}),
    ("log10", knp.log10, np.log10, (P,), {}),
    ("sin", knp.sin, np.sin, (A,), {}),
    ("cos", knp.cos, np.cos, (A,), {}),
    ("tan", knp.tan, np.tan, (U,), {}),
    ("arcsin", knp.arcsin, np.arcsin, (U,), {}),
    ("arccos", knp.arccos, np.arccos, (U,), {}),
    ("arctan", knp.arctan, np.arctan, (A,), {}),
    ("sinh", knp.sinh, np.sinh, (A,), {}),
    ("cosh", knp.cosh, np.cosh, (A,), {}),
    ("tanh", knp.tanh, np.tanh, (A,), {}),
    ("arcsinh", knp.arcsinh, np.arcsinh, (A,), {}),
    ("arccosh", knp.arccosh, np.arccosh, (G,), {}),
    ("arctanh", knp.arctanh, np.arctanh, (U,), {}),
    ("ceil", knp.ceil, np.ceil, (A,), {}),
    ("floor", knp.floor, np.floor, (A,), {}),
    ("trunc", knp.trunc, np.trunc, (A,), {}),
    ("round", knp.round, np.round, (A * 10,), {}),
    ("round_decimals", knp.round, np.round, (A,), {"decimals": 2}),
    ("isfinite", knp.isfinite, np.isfinite, (np.array([1.0, np.inf, np.nan], "float32"),), {}),
    ("isinf", knp.isinf, np.isinf, (np.array([1.0, np.inf, np.nan], "float32"),), {}),
    ("isnan", knp.isnan, np.isnan, (np.array([1.0, np.inf, np.nan], "float32"),), {}),
    ("nan_to_num", knp.nan_to_num, np.nan_to_num, (np.array([1.0, np.nan], "float32"),), {}),
    ("logical_not", knp.logical_not, np.logical_not, (BOOL,), {}),
    ("clip", knp.clip, lambda x, x_min, x_max: np.clip(x, x_min, x_max), (A,),
     {"x_min": -0.5, "x_max": 0.5}),
    ("add", knp.add, np.add, (A, B), {}),
    ("add_broadcast", knp.add, np.add, (A, V), {}),
    ("subtract", knp.subtract, np.subtract, (A, B), {}),
    ("multiply", knp.multiply, np.multiply, (A, B), {}),
    ("divide", knp.divide, np.divide, (A, P), {}),
    ("divide_int", knp.divide, lambda a, b: np.divide(a, b).astype("float32"), (I, IP), {}),
    ("true_divide", knp.true_divide, np.true_divide, (A, P), {}),
    ("floor_divide", knp.floor_divide, np.floor_divide, (I, IP), {}),
    ("mod", knp.mod, np.mod, (I, IP), {}),
    ("power", knp.power, np.power, (P, B), {}),
    ("maximum", knp.maximum, np.maximum, (A, B), {}),
    ("minimum", knp.minimum, np.minimum, (A, B), {}),
    ("arctan2", knp.arctan2, np.arctan2, (A, B), {}),
    ("hypot", knp.hypot, np.hypot, (A, B), {}),
    ("logaddexp", knp.logaddexp, np.logaddexp, (A, B), {}),
    ("equal", knp.equal, np.equal, (I, IP), {}),
    ("not_equal", knp.not_equal, np.not_equal, (I, IP), {}),
    ("greater", knp.greater, np.greater, (A, B), {}),
    ("greater_equal", knp.greater_equal, np.greater_equal, (I, IP), {}),
    ("less", knp.less, np.less, (A, B), {}),
    ("less_equal", knp.less_equal, np.less_equal, (I, IP), {}),
    ("logical_and", knp.logical_and, np.logical_and, (BOOL, B > 0), {}),
    ("logical_or", knp.logical_or, np.logical_or, (BOOL, B > 0), {}),
    ("logical_xor", knp.logical_xor, np.logical_xor, (BOOL, B > 0), {}),
    ("isclose", knp.isclose, np.isclose, (A, A + 1e-9), {}),
    ("bitwise_and", knp.bitwise_and, np.bitwise_and, (I, IP), {}),
    ("bitwise_or", knp.bitwise_or, np.bitwise_or, (I, IP), {}),
    ("bitwise_xor", knp.bitwise_xor, np.bitwise_xor, (I, IP), {}),
    ("bitwise_invert", knp.bitwise_invert, np.invert, (I,), {}),
    ("sum", knp.sum, np.sum, (A,), {}),
    ("sum_axis", knp.sum, np.sum, (M,), {"axis": 1}),
    ("sum_axes_keep", knp.sum, np.sum, (M,), {"axis": (0, 2), "keepdims": True}),
    ("prod", knp.prod, np.prod, (A,), {"axis": 0}),
    ("mean", knp.mean, np.mean, (M,), {"axis": -1}),
    ("mean_int", knp.mean, lambda x: np.mean(x).astype("float32"), (I,), {}),
    ("var", knp.var, np.var, (M,), {"axis": 1}),
    ("std", knp.std, np.std, (M,), {"axis": (0, 1), "keepdims": True}),
    ("median", knp.median, np.median, (A,), {"axis": 1}),
    ("quantile", knp.quantile, np.quantile, (A, np.array([0.25, 0.5], "float32")), {"axis": 1}),
    ("max", knp.max, np.max, (A,), {"axis": 0}),
    ("min", knp.min, np.min, (A,), {"axis": 1, "keepdims": True}),
    ("amax", knp.amax, np.amax, (M,), {}),
    ("amin", knp.amin, np.amin, (M,), {"axis": 2}),
    ("all", knp.all, np.all, (BOOL,), {"axis": 1}),
    ("any", knp.any, np.any, (BOOL,), {"axis": 0}),
    ("argmax", knp.argmax, np.argmax, (A,), {"axis": 1}),
    ("argmax_flat", knp.argmax, np.argmax, (A,), {}),
    ("argmin", knp.argmin, np.argmin, (A,), {"axis": 0}),
    ("count_nonzero", knp.count_nonzero, np.count_nonzero, (I,), {"axis": 1}),
    ("cumsum", knp.cumsum, np.cumsum, (A,), {"axis": 1}),
    ("cumsum_flat", knp.cumsum, np.cumsum, (A,), {}),
    ("cumprod", knp.cumprod, np.cumprod, (P,), {"axis": 0}),
    ("average", knp.average, np.average, (A,), {"axis": 1}),
    ("average_weights", knp.average, np.average, (A,), {"axis": 1, "weights": np.arange(1.0, 5.0)}),
    ("trace", knp.trace, np.trace, (A,), {}),
    ("reshape", knp.reshape, lambda x, newshape: np.reshape(x, newshape), (A,), {"newshape": (2, -1)}),
    ("ravel", knp.ravel, np.ravel, (M,), {}),
    ("transpose", knp.transpose, np.transpose, (M,), {}),
    ("transpose_axes", knp.transpose, np.transpose, (M,), {"axes": (1, 0, 2)}),
    ("swapaxes", knp.swapaxes, np.swapaxes, (M,), {"axis1": 0, "axis2": 2}),
    ("moveaxis", knp.moveaxis, np.moveaxis, (M,), {"source": 0, "destination": -1}),
    ("expand_dims", knp.expand_dims, np.expand_dims, (A,), {"axis": 1}),
    ("squeeze", knp.squeeze, np.squeeze, (A[:1],), {}),
    ("squeeze_axis", knp.squeeze, np.squeeze, (A[:, :1],), {"axis": 1}),
    ("broadcast_to", knp.broadcast_to, np.broadcast_to, (V,), {"shape": (2, 4)}),
    ("concatenate", lambda a, b, axis: knp.concatenate([a, b], axis=axis),
     lambda a, b, axis: np.concatenate([a, b], axis=axis), (A, B), {"axis": 1}),
    ("stack", lambda a, b: knp.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1), (A, B), {}),
    ("hstack", lambda a, b: knp.hstack([a, b]), lambda a, b: np.hstack([a, b]), (A, B), {}),
    ("vstack", lambda a, b: knp.vstack([a, b]), lambda a, b: np.vstack([a, b]), (A, B), {}),
    ("append", knp.append, np.append, (A, B), {"axis": 0}),
    ("split", lambda a: knp.split(a, 2, axis=1), lambda a: np.split(a, 2, axis=1), (A,), {}),
    ("split_idx", lambda a: knp.split(a, [1, 3], axis=1), lambda a: np.split(a, [1, 3], axis=1), (A,), {}),
    ("tile", knp.tile, lambda x, repeats: np.tile(x, repeats), (A,), {"repeats": (2, 1)}),
    ("repeat", knp.repeat, np.repeat, (A,), {"repeats": 2, "axis": 0}),
    ("flip", knp.flip, np.flip, (A,), {"axis": 1}),
    ("roll", knp.roll, np.roll, (A,), {"shift": 1, "axis": 1}),
    ("rot90", knp.rot90, np.rot90, (A,), {}),
    ("pad", knp.pad, np.pad, (A,), {"pad_width": ((1, 0), (0, 2))}),
    ("pad_value", knp.pad, lambda x, pad_width, constant_values: np.pad(
        x, pad_width, constant_values=constant_values), (A,),
     {"pad_width": ((1, 1), (1, 1)), "constant_values": 7.0}),
    ("pad_reflect", knp.pad, np.pad, (A,), {"pad_width": ((1, 1), (2, 2)), "mode": "reflect"}),
    ("diag_vec", knp.diag, np.diag, (V,), {}),
    ("diag_mat", knp.diag, np.diag, (A,), {"k": 1}),
    ("diagonal", knp.diagonal, np.diagonal, (M,), {"axis1": 1, "axis2": 2}),
    ("tril", knp.tril, np.tril, (A,), {}),
    ("triu", knp.triu, np.triu, (A,), {"k": 1}),
    ("diff", knp.diff, np.diff, (A,), {}),
    ("take", knp.take, np.take, (A, np.array([2, 0], "int32")), {"axis": 1}),
    ("take_flat", knp.take, np.take, (A, np.array([5, 0], "int32")), {}),
    ("take_along_axis", knp.take_along_axis, np.take_along_axis, (A, IDX), {"axis": 1}),
    ("where", knp.where, np.where, (BOOL, A, B), {}),
    ("sort", knp.sort, np.sort, (A,), {}),
    ("sort_axis0", knp.sort, np.sort, (A,), {"axis": 0}),
    ("argsort", knp.argsort, np.argsort, (A,), {}),
    ("searchsorted", knp.searchsorted, np.searchsorted,
     (np.array([1.0, 2.0, 3.0], "float32"), np.array([0.5, 2.0, 3.5], "float32")), {}),
    ("digitize", knp.digitize, np.digitize,
     (np.array([0.2, 1.5, 3.7], "float32"), np.array([0.0, 1.0, 2.0], "float32")), {}),
    ("matmul", knp.matmul, np.matmul, (A, W), {}),
    ("matmul_batched", knp.matmul, np.matmul, (M, W), {}),
    ("dot", knp.dot, np.dot, (A, V), {}),
    ("vdot", knp.vdot, np.vdot, (A, B), {}),
    ("inner", knp.inner, np.inner, (A, B), {}),
    ("outer", knp.outer, np.outer, (V, V), {}),
    ("tensordot", knp.tensordot, np.tensordot, (A, W), {"axes": 1}),
    ("einsum", lambda a, b: knp.einsum("ij,jk->ik", a, b),
     lambda a, b: np.einsum("ij,jk->ik", a, b), (A, W), {}),
    ("cross", knp.cross, np.cross, (A[:, :3], B[:, :3]), {}),
    ("correlate", knp.correlate, np.correlate, (V, V[:2]), {}),
    ("zeros_like", knp.zeros_like, np.zeros_like, (A,), {}),
    ("ones_like", knp.ones_like, np.ones_like, (I,), {}),
    ("full_like", knp.full_like, np.full_like, (A,), {"fill_value": 3.0}),
    ("copy", knp.copy, np.copy, (A,), {}),
]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name,fn,ref,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_against_numpy(name, fn, ref, args, kwargs, jit):
    expected = ref(*args, **kwargs)
    call = jax.jit(lambda *a: fn(*a, **kwargs)) if jit else (lambda *a: fn(*a, **kwargs))
    got = call(*args)
    for g, e in zip(_as_list(got), _as_list(expected)):
        e = np.asarray(e)
        g = np.asarray(g)
        assert g.shape == e.shape, (name, g.shape, e.shape)
        if e.dtype == bool:
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-6)


def test_creation_ops_and_dtypes():
    assert knp.zeros((2, 3)).dtype == jnp.float32
    np.testing.assert_array_equal(knp.ones((2,), dtype="int32"), np.ones(2, "int32"))
    np.testing.assert_array_equal(knp.full((2, 2), 3), np.full((2, 2), 3.0))
    assert knp.full((2, 2), 3).dtype == jnp.float32  # floatx unless dtype given
    np.testing.assert_array_equal(knp.arange(5), np.arange(5))
    assert knp.arange(5).dtype == jnp.int32
    assert knp.arange(0, 1, 0.25).dtype == jnp.float32
    np.testing.assert_allclose(knp.arange(0, 1, 0.25), np.arange(0, 1, 0.25))
    np.testing.assert_allclose(knp.linspace(0, 1, 5), np.linspace(0, 1, 5))
    np.testing.assert_allclose(knp.logspace(0, 2, 3), np.logspace(0, 2, 3), rtol=1e-5)
    np.testing.assert_array_equal(knp.eye(3, 4, k=1), np.eye(3, 4, k=1))
    np.testing.assert_array_equal(knp.identity(3), np.identity(3))
    np.testing.assert_array_equal(knp.tri(3, 4), np.tri(3, 4))
    assert knp.array([1, 2], dtype="float32").dtype == jnp.float32
    xs, ys = knp.meshgrid(np.arange(3), np.arange(2))
    ex, ey = np.meshgrid(np.arange(3), np.arange(2))
    np.testing.assert_array_equal(xs, ex)
    np.testing.assert_array_equal(ys, ey)


def test_divide_no_nan():
    x = np.array([1.0, 2.0, 3.0], "float32")
    y = np.array([0.0, 4.0, 0.0], "float32")
    np.testing.assert_array_equal(knp.divide_no_nan(x, y), [0.0, 0.5, 0.0])
    g = jax.grad(lambda a: knp.sum(knp.divide_no_nan(a, y)))(x)
    assert np.all(np.isfinite(g))


def test_lists_scalars_and_weak_types():
    np.testing.assert_allclose(knp.sum([[1.0, 2.0], [3.0, 4.0]], axis=0), [4.0, 6.0])
    bf = jnp.ones((2,), "bfloat16")
    assert knp.multiply(bf, 2.0).dtype == jnp.bfloat16  # python scalars stay weak
    assert knp.add(np.ones(2, "int32"), 1).dtype == jnp.int32


def test_where_single_argument_and_nonzero():
    cond = np.array([[True, False], [False, True]])
    rows, cols = knp.where(cond)
    np.testing.assert_array_equal(rows, [0, 1])
    np.testing.assert_array_equal(cols, [0, 1])
    nz = knp.nonzero(np.array([0, 3, 0, 4]))
    np.testing.assert_array_equal(nz[0], [1, 3])
    with pytest.raises(ValueError, match="x1"):
        knp.where(cond, 1.0)


def test_shape_queries_and_bincount():
    assert knp.ndim(M) == 3
    assert knp.size(M) == 24
    np.testing.assert_array_equal(knp.bincount(np.array([0, 1, 1, 3])), np.bincount([0, 1, 1, 3]))
    np.testing.assert_allclose(
        knp.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]), minlength=4),
        np.bincount([0, 1, 1], weights=[0.5, 1.0, 2.0], minlength=4))


def test_select_and_argpartition():
    x = np.arange(6)
    out = knp.select([x < 2, x > 3], [x, x ** 2], default=-1)
    np.testing.assert_array_equal(out, np.select([x < 2, x > 3], [x, x ** 2], default=-1))
    a = np.array([5.0, 1.0, 4.0, 2.0, 3.0], "float32")
    idx = np.asarray(knp.argpartition(a, 2))
    assert sorted(a[idx[:2]].tolist()) == [1.0, 2.0] and a[idx[2]] == 3.0


def test_pad_rejects_constant_values_for_other_modes():
    with pytest.raises(ValueError, match="constant_values"):
        knp.pad(A, ((1, 1), (1, 1)), mode="reflect", constant_values=1.0)


class _FakeVariable:
    _is_fkeras_variable = True

    def __init__(self, value):
        self.value = jnp.asarray(value)


def test_variable_handles_are_unwrapped():
    v = _FakeVariable(A)
    np.testing.assert_allclose(knp.add(v, 1.0), A + 1.0)
    np.testing.assert_allclose(knp.matmul(v, W), A @ W, rtol=1e-5)
    np.testing.assert_allclose(knp.concatenate([v, v], axis=0), np.concatenate([A, A]))
