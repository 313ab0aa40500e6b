"""keras.applications.VGG19 / Xception: same layers, names, output shapes, weights and parameter counts
as Keras 3's, module functions, forward passes, argument checks and the ImageNet download path."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import fkeras as keras
from fkeras import applications
from fkeras.applications import imagenet_utils, vgg19, xception

# Keras's documented parameter counts at the default input size, with the top.
DOCUMENTED = [
    ("VGG19", applications.VGG19, 143_667_240, (None, 224, 224, 3)),
    ("Xception", applications.Xception, 22_910_480, (None, 299, 299, 3)),
]


@pytest.mark.parametrize("name,builder,expected,in_shape", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_parameter_counts_at_default_size(zero_init, name, builder, expected, in_shape):
    model = builder(weights=None)
    assert model.name == name.lower()
    assert model.count_params() == expected
    assert model.input_shape == in_shape
    assert model.output_shape == (None, 1000)


def test_no_top_shapes_and_names(zero_init):
    v = applications.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert v.count_params() == 20_024_384
    assert v.output_shape == (None, 1, 1, 512)
    assert [l.name for l in v.layers][1:] == [
        f"block{b}_{k}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))
        for k in [f"conv{c}" for c in range(1, n + 1)] + ["pool"]]
    x = applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
    assert x.count_params() == 20_861_480
    assert x.output_shape == (None, 3, 3, 2048)
    assert len(x.layers) == 132
    names = {l.name for l in x.layers}
    assert {"block1_conv1", "block2_sepconv2_bn", "block4_pool", "block12_sepconv3_bn",
            "block13_sepconv2", "block14_sepconv2_act"} <= names
    assert sum(isinstance(l, keras.layers.Add) for l in x.layers) == 12
    sep = x.get_layer("block14_sepconv2")
    assert isinstance(sep, keras.layers.SeparableConv2D) and not sep.use_bias


def test_module_functions():
    assert vgg19.VGG19 is applications.VGG19 and xception.Xception is applications.Xception
    assert keras.applications.xception.preprocess_input is xception.preprocess_input
    for mod in (vgg19, xception):
        assert callable(mod.preprocess_input) and callable(mod.decode_predictions)
    x = np.array([[[[0.0, 127.5, 255.0]]]], "float32")
    np.testing.assert_allclose(xception.preprocess_input(x.copy()), [[[[-1.0, 0.0, 1.0]]]], atol=1e-6)
    np.testing.assert_allclose(vgg19.preprocess_input(x.copy()),
                               imagenet_utils.preprocess_input(x.copy(), mode="caffe"))


@pytest.mark.parametrize("builder,kwargs,shape", [
    (applications.VGG19, {"input_shape": (32, 32, 3), "pooling": "max"}, (2, 512)),
    (applications.Xception, {"input_shape": (71, 71, 3), "pooling": "avg"}, (2, 2048)),
], ids=["VGG19", "Xception"])
def test_forward_pass_small_input(fast_init, builder, kwargs, shape):
    model = builder(weights=None, include_top=False, **kwargs)
    size = kwargs["input_shape"][0]
    x = np.random.default_rng(0).uniform(0, 255, (2, size, size, 3)).astype("float32")
    y = model.predict(xception.preprocess_input(x), verbose=0)
    assert y.shape == shape
    assert np.all(np.isfinite(y))
    assert not np.allclose(y[0], y[1])


def test_top_with_custom_classes_and_logits(fast_init):
    m = applications.Xception(weights=None, input_shape=(299, 299, 3), classes=7, classifier_activation=None)
    assert m.output_shape == (None, 7)
    assert [l.name for l in m.layers][-2:] == ["avg_pool", "predictions"]
    assert m.get_layer("predictions").activation is keras.activations.get(None) or \
        getattr(m.get_layer("predictions").activation, "__name__", "") == "linear"


@pytest.mark.parametrize("builder,kwargs,match", [
    (applications.Xception, {"weights": None, "include_top": False, "input_shape": (64, 64, 3)}, "71"),
    (applications.Xception, {"weights": "imagenet", "include_top": True, "input_shape": (128, 128, 3)}, "299"),
    (applications.VGG19, {"weights": "imagenet", "classes": 10}, "1000"),
    (applications.VGG19, {"weights": None, "include_top": False, "pooling": "mean"}, "pooling"),
], ids=["xception-too-small", "xception-top-size", "vgg19-classes", "vgg19-pooling"])
def test_bad_arguments(offline, builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)
    assert offline["calls"] == []


@pytest.mark.parametrize("builder,fname", [
    (applications.VGG19, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    (applications.Xception, "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
], ids=["VGG19", "Xception"])
def test_imagenet_goes_through_the_download_cache(offline, builder, fname):
    from fkeras.utils.file_utils import DownloadError

    with pytest.raises(DownloadError, match=fname):
        builder(weights="imagenet", include_top=False)
    assert len(offline["calls"]) == 1 and offline["calls"][0].endswith(fname)


def test_weights_file_roundtrip(fast_init, tmp_path):
    m = applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3), pooling="avg")
    rng = np.random.default_rng(0)
    for w in m.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) * (0.1 if "kernel" in w.name else 1.0))
    path = str(tmp_path / "x.weights.h5")
    m.save_weights(path)
    m2 = applications.Xception(weights=path, include_top=False, input_shape=(71, 71, 3), pooling="avg")
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), m2.get_weights()))


_KERAS_SCRIPT = """
import json, sys, keras
import numpy as np
from keras.src.backend.jax import core
# Only names and shapes are compared: zero-filled variables skip Keras's per-shape XLA draws (~11 s here).
core.JaxVariable._initialize_with_initializer = lambda self, init: self._initialize(
    np.zeros(tuple(self._shape), dtype=self._dtype))
out = {}
for key, name, kw in [("vgg19", "VGG19", dict(input_shape=(32, 32, 3), classes=10)),
                      ("xception", "Xception", dict(input_shape=(71, 71, 3), classes=10))]:
    m = getattr(keras.applications, name)(weights=None, **kw)
    out[key] = dict(name=m.name, params=int(m.count_params()), output=list(m.output_shape),
                    layers=[[l.name, type(l).__name__, list(l.output.shape),
                             [[w.name, list(w.shape)] for w in l.trainable_weights + l.non_trainable_weights]]
                            for l in m.layers])
json.dump(out, open(sys.argv[1], "w"))
"""

# The whole networks (with the top: weights=None allows any size) at small inputs, so Keras builds fast.
_CASES = {
    "vgg19": (applications.VGG19, dict(input_shape=(32, 32, 3), classes=10)),
    "xception": (applications.Xception, dict(input_shape=(71, 71, 3), classes=10)),
}


def _auto(name):
    """Layers Keras leaves unnamed get a per-session counter suffix (``conv2d_3``): drop it."""
    return re.sub(r"_\d+$", "", name) if name.startswith(
        ("input_layer", "conv2d", "batch_normalization", "add", "global_")) else name


@pytest.fixture(scope="module")
def keras_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("keras_ref") / "ref.json"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    try:
        proc = subprocess.run([sys.executable, "-c", _KERAS_SCRIPT, str(out)], capture_output=True, text=True,
                              env=env, timeout=300, cwd=str(out.parent))
    except subprocess.TimeoutExpired:
        pytest.skip("Keras took too long to build the reference models")
    if proc.returncode != 0:
        if "No module named" in proc.stderr:
            pytest.skip("keras (JAX backend) is not importable here")
        raise AssertionError(proc.stderr[-3000:])
    return json.loads(out.read_text())


@pytest.mark.parametrize("key", list(_CASES))
def test_same_network_as_keras(zero_init, keras_reference, key):
    """Layer names, classes, output shapes, weight names/shapes, order and parameter count equal Keras 3's."""
    builder, kwargs = _CASES[key]
    model = builder(weights=None, **kwargs)
    expected = keras_reference[key]
    got = [[_auto(l.name), type(l).__name__, list(l.output.shape),
            [[w.name, list(w.shape)] for w in list(l.trainable_weights) + list(l.non_trainable_weights)]]
           for l in model.layers]
    want = [[_auto(e[0])] + e[1:] for e in expected["layers"]]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w
    assert model.name == expected["name"]
    assert model.count_params() == expected["params"]
    assert list(model.output_shape) == expected["output"]
