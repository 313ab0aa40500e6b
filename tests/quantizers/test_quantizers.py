"""``keras.quantizers`` and ``keras.dtype_policies``: numpy references, jit and eager, Keras parity."""
import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import fkeras as keras
from fkeras import dtype_policies, quantizers

RS = np.random.RandomState(0)
X = RS.randn(5, 6).astype("float32")


def _keras3():
    return pytest.importorskip("keras")


def _both(fn, *args, exact=True):
    """``fn(*args)`` eagerly and under ``jax.jit``; both must agree (to the last bit if ``exact``)."""
    eager = jax.tree_util.tree_map(np.asarray, fn(*args))
    jitted = jax.tree_util.tree_map(np.asarray, jax.jit(fn)(*args))
    check = np.testing.assert_array_equal if exact else (lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6))
    jax.tree_util.tree_map(check, eager, jitted)
    return eager


# --- abs-max int8 ------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_abs_max_quantize_matches_numpy(axis):
    q, scale = _both(lambda x: quantizers.abs_max_quantize(x, axis), X)
    ref_scale = np.float32(127) / (np.max(np.abs(X), axis=axis, keepdims=True) + np.float32(1e-7))
    ref_q = np.clip(np.round(X * ref_scale), -127, 127).astype("int8")
    np.testing.assert_array_equal(q, ref_q)
    np.testing.assert_allclose(scale, ref_scale, rtol=1e-6)
    assert q.dtype == np.int8 and scale.dtype == np.float32
    q2, s2 = quantizers.abs_max_quantize(X, axis, to_numpy=True)
    np.testing.assert_array_equal(np.asarray(q2), ref_q)
    # dequantized values are within half a quantization step
    assert np.all(np.abs(q / scale - X) <= 0.5 / scale + 1e-6)


def test_abs_max_quantizer_and_config():
    qz = quantizers.AbsMaxQuantizer(value_range=(-8, 7))
    q, s = qz(X, axis=0)
    assert int(np.max(q)) <= 7 and int(np.min(q)) >= -8 and s.shape == (1, 6)
    cfg = qz.get_config()
    assert cfg == {"value_range": (-8, 7), "epsilon": 1e-07, "output_dtype": "int8"}
    again = quantizers.deserialize(quantizers.serialize(qz))
    assert isinstance(again, quantizers.AbsMaxQuantizer) and again.value_range == (-8, 7)
    assert quantizers.get("abs_max_quantizer", axis=1).axis == (1,)
    with pytest.raises(ValueError, match="value_range"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    with pytest.raises(ValueError, match="quantizer identifier"):
        quantizers.get("abs_max_quantiser")


def _grouped_reference(w, block, lo=-8, hi=7, eps=1e-7):
    rows, cols = w.shape
    groups = -(-rows // block)
    padded = np.concatenate([w, np.zeros((groups * block - rows, cols), w.dtype)]).reshape(groups, block, cols)
    mn, mx = padded.min(1), padded.max(1)
    scale = (mx - mn + np.float32(eps)) / np.float32(hi - lo)
    zero = np.clip(np.round(-mn / scale) + lo, lo, hi)
    q = np.clip(np.round(padded / scale[:, None]) + zero[:, None], lo, hi).reshape(-1, cols)[:rows]
    return q.astype("int8"), scale, zero.astype("int8")


def test_grouped_zero_point_quantize_matches_numpy():
    w = RS.randn(7, 3).astype("float32")
    q, s, z = quantizers.abs_max_quantize_grouped_with_zero_point(w, 3, to_numpy=True)
    rq, rs_, rz = _grouped_reference(w, 3)
    np.testing.assert_array_equal(np.asarray(q), rq)
    np.testing.assert_allclose(np.asarray(s), rs_, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(z), rz)
    assert s.shape == (3, 3) and z.dtype == jnp.int8
    # the on-device path agrees with numpy when every group is full, under jit too
    w6 = w[:6]
    q6, s6, z6 = _both(lambda a: quantizers.abs_max_quantize_grouped_with_zero_point(a, 3), w6)
    rq6, rs6, _ = _grouped_reference(w6, 3)
    np.testing.assert_array_equal(q6, rq6)
    np.testing.assert_allclose(s6, rs6, rtol=1e-6)
    # a group whose range spans zero dequantizes to within one step
    w0 = np.array([[-1.0], [0.3], [2.0]], "float32")
    q0, s0, z0 = (np.asarray(a) for a in quantizers.abs_max_quantize_grouped_with_zero_point(w0, 3))
    assert np.max(np.abs((q0 - z0) * s0 - w0)) <= s0.max() + 1e-6
    with pytest.raises(ValueError, match="block_size"):
        quantizers.abs_max_quantize_grouped_with_zero_point(w, 0)


# --- int4 packing --------------------------------------------------------------------------------
def test_pack_int4_documented_values():
    arr = np.array([[-3, 7], [2, -8], [1, 0]], "int8")
    packed, shape, n = quantizers.pack_int4(arr, axis=0)
    np.testing.assert_array_equal(np.asarray(packed), [[45, -121], [1, 0]])
    assert shape == (2, 2) and n == 3
    packed1, _, n1 = quantizers.pack_int4(arr.T.copy(), axis=1)
    np.testing.assert_array_equal(np.asarray(packed1), [[45, 1], [-121, 0]])


@pytest.mark.parametrize("shape,axis", [((5, 4), 0), ((3, 7), -1), ((2, 5, 3), 1)])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_pack_unpack_round_trip(shape, axis, dtype):
    lo, hi = (-8, 8) if dtype == "int8" else (0, 16)
    arr = RS.randint(lo, hi, size=shape).astype(dtype)
    packed, pshape, n = quantizers.pack_int4(arr, axis=axis, dtype=dtype)
    assert pshape[axis] == (shape[axis] + 1) // 2 and n == shape[axis] and packed.dtype == jnp.dtype(dtype)
    # numpy reference of the layout: first of each pair in the low nibble
    moved = np.moveaxis(arr, axis, 0).astype(np.int64) & 0xF
    if moved.shape[0] % 2:
        moved = np.concatenate([moved, np.zeros((1,) + moved.shape[1:], np.int64)])
    ref = np.moveaxis((moved[0::2] | (moved[1::2] << 4)).astype(np.uint8).view(dtype), 0, axis)
    np.testing.assert_array_equal(np.asarray(packed), ref)
    out = _both(lambda p: quantizers.unpack_int4(p, n, axis=axis, dtype=dtype), packed)
    np.testing.assert_array_equal(out, arr)


def test_pack_int4_errors():
    with pytest.raises(TypeError, match="int8"):
        quantizers.pack_int4(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="dtype"):
        quantizers.unpack_int4(np.zeros((2, 2), "int8"), 2, dtype="int4")


# --- float8 ----------------------------------------------------------------------------------
def test_float8_scale_and_history_match_numpy():
    dmax = float(ml_dtypes.finfo("float8_e4m3fn").max)
    amax = np.array([2.0, 0.0, np.inf], "float32")
    scale = np.array([0.5, 0.25, 4.0], "float32")
    got = _both(lambda a, s: quantizers.compute_float8_scale(a, s, dmax), amax, scale)
    np.testing.assert_allclose(got, [2.0 / dmax, 0.25, 4.0], rtol=1e-6)
    got = quantizers.compute_float8_scale(np.float32(3.0), np.float32(1.0), dmax, margin=1)
    np.testing.assert_allclose(got, 1.0 / (dmax / 3.0 / 2.0), rtol=1e-6)
    hist = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    x = np.array([[-7.5, 2.0]], "float32")
    new = _both(quantizers.compute_float8_amax_history, x, hist)
    np.testing.assert_array_equal(new, [7.5, 3.0, 4.0, 1.0])


@pytest.mark.parametrize("fmt", ["float8_e4m3fn", "float8_e5m2"])
def test_quantize_and_dequantize_matches_ml_dtypes(fmt):
    x = (RS.randn(4, 5) * 300).astype("float32")
    scale = np.float32(0.5)
    got = _both(lambda a: quantizers.quantize_and_dequantize(a, scale, fmt, "float32"), x)
    dmax = np.float32(ml_dtypes.finfo(fmt).max)
    ref = np.clip(x / scale, -dmax, dmax).astype(getattr(ml_dtypes, fmt)).astype("float32") * scale
    np.testing.assert_array_equal(got, ref)


# --- fake quantization -------------------------------------------------------------------------
def _fake_quant_reference(x, mn, mx, bits, narrow):
    qmin, qmax = (1 if narrow else 0), 2 ** bits - 1
    scale = (mx - mn) / (qmax - qmin)
    zero = np.round(np.clip(qmin - mn / scale, qmin, qmax))
    lo, hi = (qmin - zero) * scale, (qmax - zero) * scale
    return np.floor((np.clip(x, lo, hi) - lo) / scale + 0.5) * scale + lo, lo, hi


@pytest.mark.parametrize("narrow", [False, True])
def test_fake_quant_per_tensor_and_gradients(narrow):
    x = (RS.randn(3, 4) * 2).astype("float32")
    def fn(a, low, high):
        return quantizers.fake_quant_with_min_max_vars(a, low, high, num_bits=4, narrow_range=narrow)

    got = _both(fn, x, np.float32(-1.5), np.float32(2.0), exact=False)
    ref, lo, hi = _fake_quant_reference(x, -1.5, 2.0, 4, narrow)
    np.testing.assert_allclose(got, ref, atol=1e-6)
    g = RS.randn(3, 4).astype("float32")
    dx, dmin, dmax = jax.grad(lambda a, low, high: jnp.sum(fn(a, low, high) * g), argnums=(0, 1, 2))(
        x, np.float32(-1.5), np.float32(2.0))
    inside = (x >= lo) & (x <= hi)
    np.testing.assert_allclose(dx, np.where(inside, g, 0), atol=1e-6)
    np.testing.assert_allclose(dmin, np.sum(np.where(x <= lo, g, 0)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dmax, np.sum(np.where(x >= hi, g, 0)), rtol=1e-5, atol=1e-6)


def test_fake_quant_per_channel():
    x = (RS.randn(4, 3) * 2).astype("float32")
    mins, maxs = np.array([-1.0, -2.0, -0.5], "float32"), np.array([1.0, 3.0, 0.5], "float32")
    got = np.asarray(quantizers.fake_quant_with_min_max_vars(x, mins, maxs, num_bits=8, axis=-1))
    ref = np.stack([_fake_quant_reference(x[:, c], mins[c], maxs[c], 8, False)[0] for c in range(3)], axis=1)
    np.testing.assert_allclose(got, ref, atol=1e-6)
    sym = quantizers.fake_quant_with_min_max_vars(keras.Input((3,)), -1.0, 1.0)
    assert sym.shape == (None, 3)


def test_quantizer_functions_match_keras():
    k = _keras3()
    w = RS.randn(8, 5).astype("float32")
    for fn in ("abs_max_quantize",):
        a, b = getattr(quantizers, fn)(w, 0), getattr(k.quantizers, fn)(w, 0)
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    for to_numpy in (True, False):
        a = quantizers.abs_max_quantize_grouped_with_zero_point(w, 3, to_numpy=to_numpy)
        b = k.quantizers.abs_max_quantize_grouped_with_zero_point(w, 3, to_numpy=to_numpy)
        for u, v in zip(a, b, strict=True):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-6)
    x = (RS.randn(3, 4) * 2).astype("float32")
    np.testing.assert_allclose(np.asarray(quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.5, 6)),
                               np.asarray(k.quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.5, 6)), atol=1e-6)


# --- configs -----------------------------------------------------------------------------------
CONFIGS = [
    lambda m: m.quantizers.Int8QuantizationConfig(),
    lambda m: m.quantizers.Int8QuantizationConfig(activation_quantizer=None),
    lambda m: m.quantizers.Int4QuantizationConfig(block_size=64),
    lambda m: m.quantizers.Int4QuantizationConfig(
        weight_quantizer=m.quantizers.AbsMaxQuantizer(value_range=(-8, 7)), block_size=None),
    lambda m: m.quantizers.Float8QuantizationConfig(),
    lambda m: m.quantizers.GPTQConfig(None, None, weight_bits=8, group_size=-1, symmetric=True),
    lambda m: m.quantizers.AWQConfig(None, None, group_size=32, num_grid_points=5),
]


@pytest.mark.parametrize("make", CONFIGS)
def test_config_round_trip_and_keras_format(make):
    cfg = make(keras)
    ser = quantizers.serialize(cfg)
    again = quantizers.deserialize(ser)
    assert type(again) is type(cfg) and again.get_config() == cfg.get_config() and again.mode == cfg.mode
    k = _keras3()
    kser = k.quantizers.serialize(make(k))
    import json

    assert json.loads(json.dumps(ser)) == json.loads(json.dumps(kser))
    # Keras's own deserialize rejects a JSON'd int4 weight quantizer and does not list GPTQConfig.
    if not ser["config"].get("weight_quantizer") and type(cfg).__name__ != "GPTQConfig":
        k_again = k.quantizers.deserialize(json.loads(json.dumps(ser)))
        assert type(k_again).__name__ == type(cfg).__name__


def test_config_validation():
    with pytest.raises(ValueError, match="block_size"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="custom quantizers"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(value_range=(-8, 7)))
    with pytest.raises(ValueError, match="output_dtype='int8'"):
        quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16"))
    with pytest.raises(ValueError, match="weight_bits"):
        quantizers.GPTQConfig(None, None, weight_bits=5)
    with pytest.raises(ValueError, match="4-bit"):
        quantizers.AWQConfig(None, None, weight_bits=8)
    assert quantizers.GPTQConfig(None, None).dtype_policy_string() == "gptq/4/128"
    with pytest.raises(NotImplementedError, match="abstract"):
        _ = quantizers.QuantizationConfig().mode


# --- dtype policies ------------------------------------------------------------------------------
@pytest.mark.parametrize("name,cls,mode,compute,variable", [
    ("int8_from_float32", "QuantizedDTypePolicy", "int8", "float32", "float32"),
    ("int8_from_mixed_bfloat16", "QuantizedDTypePolicy", "int8", "bfloat16", "float32"),
    ("int4/128_from_float32", "Int4DTypePolicy", "int4", "float32", "float32"),
    ("int4_from_float32", "QuantizedDTypePolicy", "int4", "float32", "float32"),
    ("float8_from_mixed_bfloat16", "QuantizedFloat8DTypePolicy", "float8", "bfloat16", "float32"),
    ("gptq/4/128_from_float32", "GPTQDTypePolicy", "gptq", "float32", "float32"),
    ("awq/4/-1_from_bfloat16", "AWQDTypePolicy", "awq", "bfloat16", "bfloat16"),
])
def test_quantized_policies(name, cls, mode, compute, variable):
    p = dtype_policies.get(name)
    assert type(p).__name__ == cls and p.name == name and p.quantization_mode == mode
    assert (p.compute_dtype, p.variable_dtype) == (compute, variable)
    ser = dtype_policies.serialize(p)
    assert ser["module"] == "keras.dtype_policies" and ser["class_name"] == cls
    assert dtype_policies.deserialize(ser) == p and keras.DTypePolicy("float32") != p
    assert repr(p) == f'<{cls} "{name}">'
    k = _keras3()
    assert ser == k.dtype_policies.serialize(k.dtype_policies.get(name))


def test_policy_errors_and_float_policies():
    with pytest.raises(ValueError, match="float16"):
        dtype_policies.QuantizedDTypePolicy("int8", "mixed_float16")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        dtype_policies.QuantizedDTypePolicy("int2", "float32")
    with pytest.raises(ValueError, match="block_size"):
        dtype_policies.get("int4/0_from_float32")
    with pytest.raises(ValueError, match="weight_bits"):
        dtype_policies.get("gptq/5/128_from_float32")
    with pytest.raises(TypeError, match="amax_history_length"):
        dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", amax_history_length=2.0)
    f = dtype_policies.FloatDTypePolicy("mixed_bfloat16")
    assert f == dtype_policies.DTypePolicy("mixed_bfloat16") and repr(f) == '<DTypePolicy "mixed_bfloat16">'
    assert f.quantization_mode is None
    assert dtype_policies.serialize(f)["module"] == "keras"
    assert dtype_policies.get({"class_name": "FloatDTypePolicy", "config": {"name": "float16"}}).name == "float16"


def test_mixed_precision_aliases():
    mp = keras.mixed_precision
    try:
        mp.set_dtype_policy("mixed_bfloat16")
        assert mp.dtype_policy().name == "mixed_bfloat16" and mp.global_policy().name == "mixed_bfloat16"
        mp.set_dtype_policy("int8_from_mixed_bfloat16")
        assert keras.layers.Dense(2).dtype_policy.quantization_mode == "int8"
        with pytest.raises(ValueError, match="Invalid `policy`"):
            mp.set_dtype_policy(3)
    finally:
        mp.set_dtype_policy("float32")


def test_dtype_policy_map():
    m = dtype_policies.DTypePolicyMap(default_policy="float32")
    m["encoder/layer_0/dense"] = "bfloat16"
    m["encoder/.*"] = "int8_from_float32"
    m["decoder"] = "bfloat16"
    assert m["encoder/layer_0/dense"].name == "bfloat16"
    assert m["encoder/attention/query"].name == "int8_from_float32"
    assert m["decoder/attention"].name == "float32" and m.name == "map_float32"
    assert m.compute_dtype == "float32" and m.quantization_mode is None and len(m) == 3
    with pytest.raises(ValueError, match="already exist"):
        m["decoder"] = "float16"
    m["encoder/attention/.*"] = "bfloat16"
    with pytest.raises(ValueError, match="matches multiple"):
        m["encoder/attention/query"]
    del m["encoder/attention/.*"]
    again = dtype_policies.deserialize(dtype_policies.serialize(m))
    assert again == m and again["encoder/x"].name == "int8_from_float32"
    with pytest.raises(ValueError, match="DTypePolicyMap"):
        dtype_policies.DTypePolicyMap(default_policy=m)
    # without a default, saved entries defer their source dtype to the global policy (Keras's rule)
    free = dtype_policies.DTypePolicyMap()
    free["a"] = "int8_from_float32"
    cfg = dtype_policies.serialize(free)["config"]
    assert cfg["policy_map"]["a"]["config"] == {"mode": "int8", "source_name": None}
    k = _keras3()
    kfree = k.dtype_policies.DTypePolicyMap()
    kfree["a"] = "int8_from_float32"
    assert dtype_policies.serialize(free) == k.dtype_policies.serialize(kfree)
