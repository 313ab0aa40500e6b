"""keras.applications: architectures (parameter counts, layer names), forward passes, weight files,
the ImageNet download path, input validation, and preprocess_input / decode_predictions."""
import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras import applications
from fkeras.applications import efficientnet, imagenet_utils, mobilenet_v2, resnet, resnet50, vgg16

# ------------------------------------------------------------------------------------------
# architectures
# ------------------------------------------------------------------------------------------

# Keras's documented parameter counts (include_top=True, 224x224 / the variant's default size).
DOCUMENTED = [
    ("MobileNetV2", applications.MobileNetV2, {}, 3_538_984),
    ("ResNet50", applications.ResNet50, {}, 25_636_712),
    ("EfficientNetB0", applications.EfficientNetB0, {}, 5_330_571),
    ("VGG16", applications.VGG16, {}, 138_357_544),
]


@pytest.mark.parametrize("name,builder,kwargs,expected", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_parameter_counts_at_default_size(zero_init, name, builder, kwargs, expected):
    model = builder(weights=None, **kwargs)  # build only: no forward pass
    assert model.count_params() == expected
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 1000)
    assert model.get_layer("predictions").kernel.shape[-1] == 1000


# With global pooling before the classifier the count does not depend on the input size.
SIZE_FREE = [
    ("ResNet101", applications.ResNet101, {}, 44_707_176),
    ("ResNet152", applications.ResNet152, {}, 60_419_944),
    ("EfficientNetB1", applications.EfficientNetB1, {}, 7_856_239),
    ("MobileNetV2_0.35", applications.MobileNetV2, {"alpha": 0.35}, 1_691_208),
]


@pytest.mark.parametrize("name,builder,kwargs,expected", SIZE_FREE, ids=[d[0] for d in SIZE_FREE])
def test_parameter_counts_other_variants(zero_init, name, builder, kwargs, expected):
    model = builder(weights=None, input_shape=(32, 32, 3), **kwargs)
    assert model.count_params() == expected


def test_no_top_counts_and_names(zero_init):
    m = applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), include_top=False)
    assert m.name == "mobilenetv2_1.00_96"
    assert m.count_params() == 3_538_984 - (1280 * 1000 + 1000)
    assert m.output_shape == (None, 3, 3, 1280)
    names = [l.name for l in m.layers]
    for n in ("Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise", "expanded_conv_project_BN",
              "block_1_pad", "block_2_add", "block_16_project_BN", "Conv_1", "Conv_1_bn", "out_relu"):
        assert n in names
    r = applications.ResNet50(weights=None, input_shape=(32, 32, 3), include_top=False)
    assert r.count_params() == 25_636_712 - (2048 * 1000 + 1000)
    assert {"conv2_block1_0_conv", "conv5_block3_3_bn", "conv5_block3_out"} <= {l.name for l in r.layers}


_KERAS_PROJECTION_BLOCK_ORDER = ["conv2_block1_2_relu", "conv2_block1_0_conv", "conv2_block1_3_conv",
                                 "conv2_block1_0_bn", "conv2_block1_3_bn", "conv2_block1_add"]


def test_reference_keras_layer_order(fast_init):
    """Keras lists a projection block's layers depth-sorted, the shortcut first at equal depth."""
    r = applications.ResNet50(weights=None, input_shape=(32, 32, 3), include_top=False)
    names = [l.name for l in imagenet_utils.keras_layer_order(r.inputs, r.outputs)]
    i = names.index("conv2_block1_2_relu")
    assert names[i:i + 6] == _KERAS_PROJECTION_BLOCK_ORDER
    assert sorted(names) == sorted(l.name for l in r.layers)
    m = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3))
    assert imagenet_utils.keras_layer_order(m.inputs, m.outputs) == m.layers  # a chain: one order


def test_model_layers_in_keras_order(fast_init):
    r = applications.ResNet50(weights=None, input_shape=(32, 32, 3), include_top=False)
    names = [l.name for l in r.layers]
    i = names.index("conv2_block1_2_relu")
    assert names[i:i + 6] == _KERAS_PROJECTION_BLOCK_ORDER


def test_keras_module_names():
    assert applications.resnet50.ResNet50 is applications.ResNet50
    assert applications.resnet.ResNet152 is applications.ResNet152
    assert applications.mobilenet_v2.MobileNetV2 is applications.MobileNetV2
    assert applications.efficientnet.EfficientNetB7 is applications.EfficientNetB7
    assert applications.vgg16.VGG16 is applications.VGG16
    for mod in (mobilenet_v2, resnet, resnet50, efficientnet, vgg16, imagenet_utils):
        assert callable(mod.preprocess_input) and callable(mod.decode_predictions)


FORWARD = [
    ("MobileNetV2", applications.MobileNetV2, {}, (2, 1, 1, 1280)),
    ("ResNet50", applications.ResNet50, {"pooling": "avg"}, (2, 2048)),
    ("EfficientNetB0", applications.EfficientNetB0, {"pooling": "max"}, (2, 1280)),
    ("VGG16", applications.VGG16, {}, (2, 1, 1, 512)),
]


@pytest.mark.parametrize("name,builder,kwargs,shape", FORWARD, ids=[f[0] for f in FORWARD])
def test_forward_pass_small_input(fast_init, name, builder, kwargs, shape):
    model = builder(weights=None, include_top=False, input_shape=(32, 32, 3), **kwargs)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == shape
    assert np.all(np.isfinite(y))
    assert not np.allclose(y[0], y[1])  # the two images give different features


def test_input_tensor_and_its_source_inputs(fast_init):
    import fkeras as keras

    inp = keras.Input((32, 32, 3))
    scaled = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inp)
    base = applications.MobileNetV2(input_tensor=scaled, include_top=False, weights=None, alpha=0.35,
                                    pooling="avg")
    assert base.inputs[0] is inp
    assert base.output_shape == (None, 1280)
    assert "rescaling" in [l.name for l in base.layers]


_KERAS_SCRIPT = """
import json, sys
import h5py, numpy as np, keras
from keras.src.legacy.saving import legacy_h5_format
out = sys.argv[1]
m = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3), classes=7)
rng = np.random.default_rng(0)
for w in m.weights:  # non-default BatchNorm statistics, so the files must carry them
    if "moving" in w.path:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
with h5py.File(out + "/keras_legacy.h5", "w") as f:  # the layout of Keras's ImageNet files
    legacy_h5_format.save_weights_to_hdf5_group(f, m)
m.save_weights(out + "/keras3.weights.h5")
x = np.load(out + "/x.npy")
np.save(out + "/y.npy", m.predict(keras.applications.mobilenet_v2.preprocess_input(x.copy()), verbose=0))
layers = [[l.name, type(l).__name__, [[w.name, list(w.shape)] for w in l.trainable_weights + l.non_trainable_weights]]
          for l in m.layers]
json.dump({"layers": layers, "name": m.name, "params": int(m.count_params())}, open(out + "/layers.json", "w"))
"""


@pytest.mark.slow  # ~25 s: Keras itself needs that long to build the network on CPU
def test_same_network_as_keras_and_keras_weight_files_load(fast_init, tmp_path):
    """Optional (needs Keras 3 with the JAX backend): layer names, classes, weight names, shapes and
    order equal Keras's MobileNetV2, and weight files written by Keras (the legacy ``.h5`` layout of
    the published ImageNet files, and Keras 3's ``.weights.h5``) give identical predictions."""
    x = np.random.default_rng(3).uniform(0, 255, (2, 96, 96, 3)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    try:
        proc = subprocess.run([sys.executable, "-c", _KERAS_SCRIPT, str(tmp_path)], capture_output=True,
                              text=True, env=env, timeout=400, cwd=str(tmp_path))
    except subprocess.TimeoutExpired:
        pytest.skip("Keras took too long to build MobileNetV2")
    if proc.returncode != 0:
        if "No module named" in proc.stderr:
            pytest.skip("keras (JAX backend) is not importable here")
        raise AssertionError(proc.stderr[-3000:])
    expected = json.loads((tmp_path / "layers.json").read_text())
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3), classes=7)
    got = [[l.name, type(l).__name__, [[w.name, list(w.shape)] for w in
                                       list(l.trainable_weights) + list(l.non_trainable_weights)]]
           for l in model.layers]
    # The input and the unnamed pooling layer are auto-named; everything else is compared exactly.
    named = [i for i, l in enumerate(expected["layers"]) if not l[0].startswith(("input_layer", "global_"))]
    assert [got[i] for i in named] == [expected["layers"][i] for i in named]
    assert len(got) == len(expected["layers"])
    assert (model.name, model.count_params()) == (expected["name"], expected["params"])
    y_keras = np.load(tmp_path / "y.npy")
    xp = mobilenet_v2.preprocess_input(x)
    for fname in ("keras_legacy.h5", "keras3.weights.h5"):
        loaded = applications.MobileNetV2(weights=str(tmp_path / fname), alpha=0.35, input_shape=(96, 96, 3),
                                          classes=7)
        np.testing.assert_allclose(loaded.predict(xp, verbose=0), y_keras, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------
# weight files
# ------------------------------------------------------------------------------------------


def _randomize_state(model, seed=0):
    """Non-default values everywhere (BN moving statistics included), so a file must carry them."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        if np.issubdtype(np.dtype(w.dtype), np.floating):
            w.assign(rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) * (0.1 if "kernel" in w.name else 1.0))


def _weights_equal(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(wa, wb))


@pytest.mark.parametrize("ext", [".weights.h5", ".h5"])
def test_weights_file_roundtrip_gives_identical_predictions(fast_init, tmp_path, ext):
    kw = dict(alpha=0.35, input_shape=(32, 32, 3), classes=3, weights=None)
    first = applications.MobileNetV2(**kw)
    _randomize_state(first)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    expected = first.predict(x, verbose=0)
    path = str(tmp_path / f"mnv2{ext}")
    first.save_weights(path)
    second = applications.MobileNetV2(**{**kw, "weights": path})
    assert _weights_equal(first, second)
    np.testing.assert_allclose(second.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_whole_model_keras_file_roundtrip(fast_init, tmp_path):
    import fkeras as keras

    model = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    _randomize_state(model)
    path = str(tmp_path / "resnet.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert _weights_equal(model, loaded)
    assert loaded.get_layer("conv1_conv").kernel_initializer.__class__.__name__ == "GlorotUniform"


def test_legacy_h5_is_matched_by_layer_name(fast_init, tmp_path):
    """Keras's ImageNet files list layers in tf.keras's order; loading must not depend on it."""
    import h5py

    first = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    _randomize_state(first)
    path = str(tmp_path / "resnet.h5")
    first.save_weights(path)
    with h5py.File(path, "r+") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
        f.attrs["layer_names"] = np.array([n.encode() for n in reversed(names)])
    second = applications.ResNet50(weights=path, include_top=False, input_shape=(32, 32, 3))
    assert _weights_equal(first, second)


def test_h5_auto_named_layers_pair_in_order(fast_init, tmp_path):
    """EfficientNet's unnamed Normalization layer is `normalization_1` in a second model."""
    first = applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
    norm = [l for l in first.layers if l.name.startswith("normalization")][0]
    norm.set_weights([np.array([1.0, 2.0, 3.0], "float32"), np.array([4.0, 5.0, 6.0], "float32"),
                      np.array(7, norm.weights[2].dtype)])
    path = str(tmp_path / "effnet.h5")
    first.save_weights(path)
    second = applications.EfficientNetB0(weights=path, include_top=False, input_shape=(32, 32, 3))
    norm2 = [l for l in second.layers if l.name.startswith("normalization")][0]
    assert norm2.name != norm.name
    np.testing.assert_array_equal(norm2.get_weights()[1], [4.0, 5.0, 6.0])
    assert _weights_equal(first, second)


def test_weights_file_of_another_architecture_is_a_clear_error(fast_init, tmp_path):
    small = applications.MobileNetV2(alpha=0.35, weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "small.h5")
    small.save_weights(path)
    with pytest.raises(ValueError, match=r"does not match the architecture.*expects weights of shapes"):
        applications.MobileNetV2(alpha=0.5, weights=path, include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="does not match the architecture"):
        applications.MobileNetV2(alpha=0.35, weights=path, include_top=True, classes=2, input_shape=(32, 32, 3))


# ------------------------------------------------------------------------------------------
# weights="imagenet": the download-and-cache path
# ------------------------------------------------------------------------------------------


def test_imagenet_offline_names_the_file_and_where_to_put_it(offline, fast_init):
    from fkeras.utils.file_utils import DownloadError

    with pytest.raises(DownloadError) as e:
        applications.MobileNetV2(weights="imagenet", input_shape=(96, 96, 3), include_top=False)
    msg = str(e.value)
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    assert mobilenet_v2.BASE_WEIGHT_PATH + fname in msg
    assert str(offline["models"] / fname) in msg
    with pytest.raises(DownloadError) as e:
        applications.ResNet50(weights="imagenet")
    assert "resnet50_weights_tf_dim_ordering_tf_kernels.h5" in str(e.value)
    assert resnet.WEIGHTS_HASHES["resnet50"][0] in str(e.value)
    with pytest.raises(DownloadError, match="efficientnetb0_notop.h5"):
        applications.EfficientNetB0(weights="imagenet", include_top=False)
    with pytest.raises(DownloadError, match="vgg16_weights_tf_dim_ordering_tf_kernels.h5"):
        applications.VGG16(weights="imagenet")


def test_imagenet_uses_the_cached_file_without_network(offline, fast_init):
    source = applications.MobileNetV2(alpha=0.35, weights=None, include_top=False, input_shape=(96, 96, 3))
    _randomize_state(source)
    offline["models"].mkdir(parents=True)
    source.save_weights(str(offline["models"] / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"))
    model = applications.MobileNetV2(alpha=0.35, weights="imagenet", include_top=False, input_shape=(96, 96, 3))
    assert offline["calls"] == []
    assert _weights_equal(source, model)


# ------------------------------------------------------------------------------------------
# bad input: clear errors before anything is built or downloaded
# ------------------------------------------------------------------------------------------

BAD = [
    (applications.MobileNetV2, dict(input_shape=(16, 16, 3), weights=None, include_top=False), "at least 32x32"),
    (applications.ResNet50, dict(input_shape=(64, 64, 1), include_top=False), "must have 3 channels"),
    (applications.VGG16, dict(input_shape=(64, 64, 3)), r"input_shape` should be \(224, 224, 3\)"),
    (applications.EfficientNetB0, dict(classes=10), "`classes` should be 1000"),
    (applications.MobileNetV2, dict(weights="/no/such/file.h5"), "path to the weights file"),
    (applications.ResNet50, dict(weights=None, include_top=False, pooling="mean"), "pooling"),
    (applications.MobileNetV2, dict(alpha=0.6, include_top=False, input_shape=(96, 96, 3)), "alpha must be one of"),
    (applications.VGG16, dict(classifier_activation="relu"), "classifier_activation"),
    (applications.ResNet50, dict(input_shape=(64, 64), weights=None, include_top=False), "three integers"),
    (applications.ResNet50, dict(input_shape=(None, None, 3), weights=None), "static `input_shape`"),
]


@pytest.mark.parametrize("builder,kwargs,match", BAD, ids=[f"{b.__name__}-{m[:14]}" for b, _, m in BAD])
def test_bad_arguments_fail_before_building(offline, monkeypatch, builder, kwargs, match):
    from fkeras.layers import input_layer

    def no_build(*a, **k):
        raise AssertionError("the network was built before the arguments were checked")

    monkeypatch.setattr(input_layer, "Input", no_build)
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)
    assert offline["calls"] == []


# ------------------------------------------------------------------------------------------
# preprocess_input / decode_predictions
# ------------------------------------------------------------------------------------------

_MEAN_BGR = np.array([103.939, 116.779, 123.68])
_TORCH_MEAN = np.array([0.485, 0.456, 0.406])
_TORCH_STD = np.array([0.229, 0.224, 0.225])


def _reference(x, mode, data_format):
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":  # move channels last for the reference, then back
        axes = (1, 2, 0) if x.ndim == 3 else (0, 2, 3, 1)
        inv = np.argsort(axes)
        return _reference(np.transpose(x, axes), mode, "channels_last").transpose(inv)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - _TORCH_MEAN) / _TORCH_STD
    return x[..., ::-1] - _MEAN_BGR


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format,shape", [("channels_last", (2, 4, 5, 3)), ("channels_last", (4, 5, 3)),
                                               ("channels_first", (2, 3, 4, 5)), ("channels_first", (3, 4, 5))])
def test_preprocess_input_matches_reference(mode, data_format, shape):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    ref = _reference(x, mode, data_format)
    keep = x.copy()
    out_np = imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)
    np.testing.assert_array_equal(x, keep)  # the input is not modified in place
    np.testing.assert_allclose(out_np, ref, rtol=1e-5, atol=1e-4)
    out_jax = imagenet_utils.preprocess_input(jnp.asarray(x), data_format=data_format, mode=mode)
    np.testing.assert_allclose(np.asarray(out_jax), ref, rtol=1e-5, atol=1e-4)
    jitted = jax.jit(lambda t: imagenet_utils.preprocess_input(t, data_format=data_format, mode=mode))
    np.testing.assert_allclose(np.asarray(jitted(jnp.asarray(x))), ref, rtol=1e-5, atol=1e-4)


def test_family_preprocessing_and_integer_input():
    x = np.arange(2 * 2 * 2 * 3, dtype="uint8").reshape(2, 2, 2, 3) * 10
    np.testing.assert_allclose(mobilenet_v2.preprocess_input(x), x / 127.5 - 1.0, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(resnet.preprocess_input(x), _reference(x, "caffe", "channels_last"), rtol=1e-5)
    np.testing.assert_allclose(resnet50.preprocess_input(x), _reference(x, "caffe", "channels_last"), rtol=1e-5)
    np.testing.assert_allclose(vgg16.preprocess_input(x), _reference(x, "caffe", "channels_last"), rtol=1e-5)
    assert mobilenet_v2.preprocess_input(x).dtype == np.float32
    y = np.ones((1, 2, 2, 3), "float32")
    assert efficientnet.preprocess_input(y) is y  # pass-through: EfficientNet normalizes inside


def test_preprocess_input_on_symbolic_tensor():
    import fkeras as keras

    inp = keras.Input((4, 4, 3))
    model = keras.Model(inp, resnet.preprocess_input(inp))
    x = np.random.default_rng(2).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), _reference(x, "caffe", "channels_last"),
                               rtol=1e-5, atol=1e-4)


def test_preprocess_input_bad_arguments():
    x = np.zeros((1, 4, 4, 3), "float32")
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(x, mode="keras")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(x, data_format="NHWC")
    with pytest.raises(ValueError, match="3 color channels"):
        imagenet_utils.preprocess_input(np.zeros((1, 4, 4, 4), "float32"), mode="caffe")


def test_decode_predictions(monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    preds = np.full((2, 1000), 1e-4, "float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.1]
    preds[1, 42] = 0.9
    out = mobilenet_v2.decode_predictions(preds, top=3)
    assert [r[:2] for r in out[0]] == [("n00000007", "class_7"), ("n00000003", "class_3"),
                                       ("n00000999", "class_999")]
    np.testing.assert_allclose([r[2] for r in out[0]], [0.5, 0.3, 0.1])
    assert out[1][0][:2] == ("n00000042", "class_42") and len(out[1]) == 3
    assert len(resnet.decode_predictions(preds)[0]) == 5
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_offline_says_where(offline, monkeypatch):
    from fkeras.utils.file_utils import DownloadError

    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    with pytest.raises(DownloadError, match="imagenet_class_index.json"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
