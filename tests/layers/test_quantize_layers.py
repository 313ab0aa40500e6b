"""``quantize("int8" | "int4" | "float8")`` on Dense / EinsumDense / Embedding and ``Model.quantize``."""
import os
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras

RS = np.random.RandomState(0)


def _keras3():
    return pytest.importorskip("keras")


def _dense(mod):
    layer = mod.layers.Dense(5)
    layer.build((None, 6))
    return layer, RS.randn(4, 6).astype("float32")


def _einsum(mod):
    layer = mod.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 6), bias_axes="e")
    layer.build((None, 2, 3))
    return layer, RS.randn(4, 2, 3).astype("float32")


def _einsum_reduce2(mod):
    layer = mod.layers.EinsumDense("abc,bcd->ad", output_shape=(4,))
    layer.build((None, 2, 3))
    return layer, RS.randn(4, 2, 3).astype("float32")


def _embedding(mod):
    layer = mod.layers.Embedding(7, 5)
    layer.build()
    return layer, RS.randint(0, 7, size=(3, 4))


MAKERS = {"dense": _dense, "einsum": _einsum, "einsum2": _einsum_reduce2, "embedding": _embedding}


def _int8_reference(x, kernel, bias):
    """Keras's int8 Dense in numpy: per-column kernel scales, per-row input scales, int32 matmul."""
    eps = np.float32(1e-7)
    ks = np.float32(127) / (np.max(np.abs(kernel), axis=0) + eps)
    kq = np.clip(np.round(kernel * ks), -127, 127).astype(np.int8)
    xs = np.float32(127) / (np.max(np.abs(x), axis=-1, keepdims=True) + eps)
    xq = np.clip(np.round(x * xs), -127, 127).astype(np.int8)
    acc = xq.astype(np.int32) @ kq.astype(np.int32)
    return acc.astype(np.float32) / (ks * xs) + bias, kq, ks, acc, ks * xs


def _assert_int8_output(out, ref, acc, descale, bias):
    """The int32 accumulators are recovered exactly from ``out``; the float division may differ
    from numpy's in the last bit (XLA's CPU division is not always correctly rounded)."""
    np.testing.assert_array_equal(np.round((np.asarray(out) - bias) * descale).astype(np.int64), acc)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-6, atol=1e-7)


def test_int8_dense_matches_numpy_reference_jit_and_eager():
    layer, x = _dense(keras)
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    bias = RS.randn(*bias.shape).astype("float32")
    layer.set_weights([kernel, bias])
    y_float = x @ kernel + bias
    layer.quantize("int8")
    ref, kq, ks, acc, descale = _int8_reference(x, kernel, bias)
    np.testing.assert_array_equal(np.asarray(layer.kernel.numpy()), kq)
    np.testing.assert_array_equal(np.asarray(layer.kernel_scale.numpy()), ks)
    eager = np.asarray(layer(x))
    jitted = np.asarray(jax.jit(lambda v, a: layer.apply(v, a)[0])(layer.get_variables(), x))
    _assert_int8_output(eager, ref, acc, descale, bias)
    _assert_int8_output(jitted, ref, acc, descale, bias)
    np.testing.assert_allclose(eager, y_float, atol=0.05)
    # the input gradient goes through the dequantized kernel (straight-through rounding)
    g = RS.randn(4, 5).astype("float32")
    dx = jax.grad(lambda a: jnp.sum(layer(a) * g))(x)
    np.testing.assert_allclose(np.asarray(dx), g @ (kq.astype("float32") / ks).T, rtol=1e-5, atol=1e-6)


def test_einsum_ellipsis_int8_and_int4_match_numpy():
    layer = keras.layers.EinsumDense("...b,bc->...c", output_shape=(3,), bias_axes="c")
    layer.build((None, 2, 4))
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    x = RS.randn(5, 2, 4).astype("float32")
    layer.quantize("int8")
    assert layer.kernel_scale.shape == (1, 1, 3)
    ref, _, _, acc, descale = _int8_reference(x, kernel, bias)
    _assert_int8_output(layer(x), ref, acc, descale, bias)
    per_channel = keras.layers.EinsumDense("...b,bc->...c", output_shape=(3,), bias_axes="c")
    per_channel.build((None, 2, 4))
    per_channel.set_weights([kernel, bias])
    per_channel.quantize("int4", config=keras.quantizers.Int4QuantizationConfig(block_size=None))
    ks = np.float32(7) / (np.max(np.abs(kernel), axis=0) + np.float32(1e-7))
    deq = np.clip(np.round(kernel * ks), -8, 7) / ks
    np.testing.assert_allclose(np.asarray(per_channel(x)), x @ deq + bias, rtol=1e-5, atol=1e-5)
    assert np.max(np.abs(deq - kernel)) <= 0.5 / ks.min() + 1e-6


def test_embedding_int8_matches_numpy_reference():
    layer, idx = _embedding(keras)
    table = np.asarray(layer.get_weights()[0])
    layer.quantize("int8")
    scale = np.float32(127) / (np.max(np.abs(table), axis=-1) + np.float32(1e-7))
    q = np.clip(np.round(table * scale[:, None]), -127, 127).astype(np.int8)
    np.testing.assert_array_equal(np.asarray(layer.embeddings.numpy()), q)
    ref = q[idx].astype(np.float32) / scale[idx][..., None]
    np.testing.assert_allclose(np.asarray(layer(idx)), ref, rtol=1e-6)
    out = jax.jit(lambda v, i: layer.apply(v, i)[0])(layer.get_variables(), idx)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-6)


CASES = [("dense", "int8", None), ("dense", "int4", -1), ("dense", "float8", None), ("einsum", "int8", None),
         ("einsum", "int4", 2), ("einsum2", "int8", "weight_only"), ("einsum2", "int4", -1), ("einsum", "float8", None),
         ("embedding", "int8", None), ("embedding", "int4", 2)]


def _config(mod, c):
    if c is None:
        return None
    if c == "weight_only":
        return mod.quantizers.Int8QuantizationConfig(activation_quantizer=None)
    return mod.quantizers.Int4QuantizationConfig(block_size=c)


@pytest.mark.parametrize("kind,mode,cfg", CASES)
def test_quantize_matches_keras(kind, mode, cfg):
    k3 = _keras3()
    ref, x = MAKERS[kind](k3)
    layer, _ = MAKERS[kind](keras)
    layer.set_weights([np.asarray(w) for w in ref.get_weights()])
    ref.quantize(mode, config=_config(k3, cfg))
    layer.quantize(mode, config=_config(keras, cfg))
    assert [(w.name, tuple(w.shape), str(w.dtype)) for w in layer.weights] == \
        [(w.name, tuple(w.shape), str(w.dtype)) for w in ref.weights]
    for a, b in zip(layer.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert layer.dtype_policy.name == ref.dtype_policy.name
    assert layer.get_config()["dtype"] == ref.get_config()["dtype"]
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(ref(x)), rtol=1e-6, atol=1e-6)
    if mode != "float8":  # Keras's float8 scales are trainable; fkeras keeps them as state
        assert [w.name for w in layer.trainable_weights] == [w.name for w in ref.trainable_weights]


def _model(mod):
    ids = mod.Input((3,), dtype="int32")
    h = mod.layers.Embedding(9, 4)(ids)
    h = mod.layers.EinsumDense("abc,cd->abd", output_shape=(3, 5), bias_axes="d", activation="relu")(h)
    h = mod.layers.Flatten()(h)
    return mod.Model(ids, mod.layers.Dense(2)(h))


def _quantized(model, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Layer InputLayer does not have a `quantize` method" (as in Keras)
        model.quantize(mode)
    return model


def test_keras_file_round_trip_int8(tmp_path):
    k3 = _keras3()
    ids = RS.randint(0, 9, size=(4, 3)).astype("int32")
    model = _quantized(_model(keras), "int8")
    y = np.asarray(model(ids))
    path = os.path.join(tmp_path, "q.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(ids)), y)
    assert [layer.dtype_policy.name for layer in again.layers] == [layer.dtype_policy.name for layer in model.layers]
    assert [(w.name, w.shape, w.dtype) for w in again.weights] == [(w.name, w.shape, w.dtype) for w in model.weights]
    np.testing.assert_allclose(np.asarray(k3.models.load_model(path)(ids)), y, rtol=1e-6, atol=1e-6)


def test_keras_written_int4_file_loads(tmp_path):
    k3 = _keras3()
    x = RS.randn(4, 6).astype("float32")
    kmodel = k3.Sequential([k3.Input((6,)), k3.layers.Dense(3)])
    kmodel.quantize("int4", config=k3.quantizers.Int4QuantizationConfig(block_size=4))
    kpath = os.path.join(tmp_path, "k.keras")
    kmodel.save(kpath)
    mine = keras.models.load_model(kpath)
    assert mine.layers[-1].dtype_policy.name == "int4/4_from_float32"
    assert [(w.name, w.shape) for w in mine.weights] == [(w.name, tuple(w.shape)) for w in kmodel.weights]
    np.testing.assert_allclose(np.asarray(mine(x)), np.asarray(kmodel(x)), rtol=1e-6, atol=1e-6)


def test_float8_fit_updates_amax_history_and_saves(tmp_path):
    x = RS.randn(8, 6).astype("float32")
    y = RS.randn(8, 3).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    model.quantize("float8")
    dense = model.layers[-1]
    assert dense.dtype_policy.name == "float8_from_float32" and dense.inputs_amax_history.shape == (1024,)
    kernel0 = np.asarray(dense.kernel.numpy())
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    hist = np.asarray(dense.inputs_amax_history.numpy())
    assert hist[0] == np.max(np.abs(x)) and not hist[1:].any()
    assert np.asarray(dense.kernel_amax_history.numpy())[0] == np.max(np.abs(kernel0))
    assert float(dense.inputs_scale.numpy()) == 1.0  # the first step has no history yet
    assert not np.array_equal(np.asarray(dense.kernel.numpy()), kernel0)  # the float kernel trains
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(float(dense.inputs_scale.numpy()), np.max(np.abs(x)) / 448.0, rtol=1e-6)
    path = os.path.join(tmp_path, "f8.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again.layers[-1].inputs_amax_history.numpy()),
                                  np.asarray(dense.inputs_amax_history.numpy()))
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(model(x)))


def test_float8_statistics_match_keras_training():
    k3 = _keras3()
    x = RS.randn(8, 6).astype("float32")
    y = RS.randn(8, 3).astype("float32")
    models = []
    for mod in (k3, keras):
        m = mod.Sequential([mod.Input((6,)), mod.layers.Dense(3)])
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    for m, mod in zip(models, (k3, keras), strict=True):
        m.quantize("float8")
        m.compile(optimizer=mod.optimizers.SGD(0.1), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    for name in ("kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history"):
        a = [w for w in models[0].weights if w.name == name][0]
        b = [w for w in models[1].weights if w.name == name][0]
        np.testing.assert_allclose(np.asarray(b.numpy()), np.asarray(a), rtol=1e-6, atol=1e-7)


def test_lora_on_int8_kernel_and_save_merge():
    k3 = _keras3()
    ref, x = _dense(k3)
    layer, _ = _dense(keras)
    layer.set_weights([np.asarray(w) for w in ref.get_weights()])
    for lyr in (ref, layer):
        lyr.quantize("int8")
        lyr.enable_lora(2)
    assert [w.name for w in layer.weights] == [w.name for w in ref.weights]
    a, b = RS.randn(6, 2).astype("float32"), RS.randn(2, 5).astype("float32")
    for lyr in (ref, layer):
        lyr.lora_kernel_a.assign(a)
        lyr.lora_kernel_b.assign(b)
    kq, ks = np.asarray(layer.kernel.numpy()), np.asarray(layer.kernel_scale.numpy())
    bias = np.asarray(layer.bias.numpy())
    base = _int8_reference(x, kq.astype("float32") / ks, bias)[0]
    np.testing.assert_allclose(np.asarray(layer(x)), base + x @ a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(ref(x)), rtol=1e-6, atol=1e-6)
    store = {}
    ref.save_own_variables(store)
    from fkeras.engine.layer import own_variables

    mine = [np.asarray(v.numpy()) for v in own_variables(layer)]
    assert len(mine) == len(store)
    for i, value in enumerate(mine):
        np.testing.assert_allclose(value.astype("float32"), np.asarray(store[str(i)]).astype("float32"), rtol=1e-6)
    # loading the merged weights resets the LoRA factors (Keras's rule)
    layer.load_own_variables({str(i): v for i, v in enumerate(mine)})
    assert not np.asarray(layer.lora_kernel_a.numpy()).any()


def test_float8_refuses_lora():
    layer, _ = _dense(keras)
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="float8 quantization does not support LoRA"):
        layer.quantize("float8")
    other, _ = _dense(keras)
    other.quantize("float8")
    with pytest.raises(ValueError, match="LoRA is not supported on a float8"):
        other.enable_lora(2)


def test_quantize_errors():
    layer, _ = _dense(keras)
    with pytest.raises(ValueError, match="Invalid quantization mode.*Did you mean 'int8'"):
        layer.quantize("int7")
    with pytest.raises(ValueError, match="isn't yet built"):
        keras.layers.Dense(2).quantize("int8")
    with pytest.raises(ValueError, match="GPTQConfig"):
        layer.quantize("gptq")
    with pytest.raises(NotImplementedError, match="calibration data"):
        layer.quantize(config=keras.quantizers.AWQConfig(None, None))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int4")

    class MyDense(keras.layers.Dense):
        pass

    sub = MyDense(2)
    sub.build((None, 3))
    with pytest.raises(NotImplementedError, match="MyDense"):
        sub.quantize("int8")
    sub.quantize("int8", type_check=False)
    assert sub.quantization_mode == "int8"
    try:
        keras.mixed_precision.set_dtype_policy("mixed_float16")
        half, _ = _dense(keras)
        with pytest.raises(ValueError, match="float16"):
            half.quantize("int8")
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_model_quantize_walks_layers_with_filters_and_skips():
    model = _model(keras)
    with pytest.raises(NotImplementedError, match="GPTQ"):
        model.quantize(config=keras.quantizers.GPTQConfig(None, None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.quantize("float8", filters=["embedding", "einsum"])
    messages = [str(w.message) for w in caught]
    assert any("Embedding" in m and "float8" in m for m in messages)  # Embedding has no float8 mode
    modes = {type(lyr).__name__: lyr.quantization_mode for lyr in model.layers if hasattr(lyr, "quantization_mode")}
    assert modes == {"Embedding": None, "EinsumDense": "float8", "Dense": None}
    with pytest.raises(ValueError, match="filters"):
        model.quantize("int8", filters=3)


def test_policy_setter_and_config_round_trip():
    layer, x = _einsum(keras)
    layer.dtype_policy = "int8_from_float32"
    assert layer.quantization_mode == "int8" and layer._var_attrs["kernel"].dtype == "int8"
    config = layer.get_config()
    assert config["dtype"]["class_name"] == "QuantizedDTypePolicy"
    assert config["quantization_config"]["class_name"] == "Int8QuantizationConfig"
    clone = keras.layers.EinsumDense.from_config(config)
    assert clone.get_config() == config
    clone.build((None, 2, 3))
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(layer(x)))
    built = keras.layers.Dense(3, dtype="int4/2_from_float32")
    built.build((None, 5))
    assert [(w.name, w.shape) for w in built.weights] == [
        ("bias", (3,)), ("kernel", (5, 2)), ("kernel_scale", (3, 3)), ("kernel_zero", (3, 3)), ("g_idx", (5,))]
    np.testing.assert_array_equal(np.asarray(built.g_idx.numpy()), [0, 0, 1, 1, 2])
