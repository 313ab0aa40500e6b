"""The new keras.applications families without building whole networks: module layout, preprocess_input
against numpy (and Keras), decode_predictions, argument errors raised before any download or build, the
ImageNet file each variant asks for, and the custom layers (LayerScale, StochasticDepth, CustomScaleLayer)."""
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras
from fkeras import applications
from fkeras.applications import (
    convnext,
    densenet,
    efficientnet_v2,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v3,
    nasnet,
    resnet_v2,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")

MODULES = {
    "densenet": (densenet, ["DenseNet121", "DenseNet169", "DenseNet201"]),
    "mobilenet": (mobilenet, ["MobileNet"]),
    "mobilenet_v3": (mobilenet_v3, ["MobileNetV3Small", "MobileNetV3Large"]),
    "inception_v3": (inception_v3, ["InceptionV3"]),
    "inception_resnet_v2": (inception_resnet_v2, ["InceptionResNetV2"]),
    "resnet_v2": (resnet_v2, ["ResNet50V2", "ResNet101V2", "ResNet152V2"]),
    "convnext": (convnext, ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge"]),
    "efficientnet_v2": (efficientnet_v2, ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                                          "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
                                          "EfficientNetV2L"]),
    "nasnet": (nasnet, ["NASNetMobile", "NASNetLarge"]),
}


@pytest.mark.parametrize("modname", list(MODULES))
def test_module_layout_matches_keras(modname):
    module, builders = MODULES[modname]
    assert getattr(fkeras.applications, modname) is module
    for b in builders:
        assert getattr(applications, b) is getattr(module, b)
        assert b in applications.__all__
        doc = getattr(module, b).__doc__
        assert doc and "Args:" in doc and "Returns:" in doc
    assert callable(module.preprocess_input) and callable(module.decode_predictions)
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras's JAX backend is needed for the reference")
    public = {n for n in dir(getattr(keras.applications, modname)) if not n.startswith("_")}
    # (Keras's mobilenet_v3 module exposes only the two functions; its builders are top-level only.)
    assert {"preprocess_input", "decode_predictions"} <= public <= set(builders) | {"preprocess_input",
                                                                                     "decode_predictions"}
    for b in builders:
        assert hasattr(keras.applications, b)


# ------------------------------------------------------------------------------------------
# preprocess_input / decode_predictions
# ------------------------------------------------------------------------------------------

MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
TF_MODE = ["mobilenet", "inception_v3", "inception_resnet_v2", "resnet_v2", "nasnet"]
PASS_THROUGH = ["mobilenet_v3", "convnext", "efficientnet_v2"]


def _images():
    return np.random.default_rng(0).uniform(0, 255, (2, 4, 5, 3)).astype("float32")


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("modname", TF_MODE + ["densenet"])
def test_preprocess_input_against_numpy(modname, jit):
    module = MODULES[modname][0]
    x = _images()
    if modname == "densenet":  # torch mode: [0, 1], then ImageNet mean/std per channel
        want = (x / 255.0 - MEAN) / STD
        want_cf = (x.transpose(0, 3, 1, 2) / 255.0 - MEAN[:, None, None]) / STD[:, None, None]
    else:  # tf mode: [-1, 1]
        want = x / 127.5 - 1.0
        want_cf = x.transpose(0, 3, 1, 2) / 127.5 - 1.0
    fn = jax.jit(module.preprocess_input) if jit else module.preprocess_input
    np.testing.assert_allclose(np.asarray(fn(jnp.asarray(x))), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(module.preprocess_input(x.transpose(0, 3, 1, 2),
                                                                  data_format="channels_first")),
                               want_cf, rtol=1e-5, atol=1e-5)
    got = module.preprocess_input(x.astype("uint8"))  # integer images come back as floats
    assert np.issubdtype(np.asarray(got).dtype, np.floating)


@pytest.mark.parametrize("modname", PASS_THROUGH)
def test_preprocess_input_is_a_pass_through(modname):
    x = _images()
    assert MODULES[modname][0].preprocess_input(x) is x
    assert MODULES[modname][0].preprocess_input(x, data_format="channels_first") is x


@pytest.mark.parametrize("modname", TF_MODE + ["densenet"] + PASS_THROUGH)
def test_preprocess_input_same_as_keras(modname):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras's JAX backend is needed for the reference")
    x = _images()
    want = getattr(keras.applications, modname).preprocess_input(x.copy())
    np.testing.assert_allclose(np.asarray(MODULES[modname][0].preprocess_input(x.copy())), np.asarray(want),
                               rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("modname", list(MODULES))
def test_decode_predictions_checks_the_shape_first(offline, modname):
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        MODULES[modname][0].decode_predictions(np.zeros((2, 10)))
    assert offline["calls"] == []  # nothing was downloaded


# ------------------------------------------------------------------------------------------
# arguments: errors before anything is downloaded or built
# ------------------------------------------------------------------------------------------

BAD = [
    ("DenseNet121", {"weights": "imagenet", "classes": 10}, "1000"),
    ("DenseNet121", {"weights": None, "include_top": False, "pooling": "mean"}, "pooling"),
    ("DenseNet121", {"weights": "no/such/file.h5"}, "weights"),
    ("InceptionV3", {"weights": None, "include_top": False, "input_shape": (74, 74, 3)}, "75"),
    ("InceptionResNetV2", {"weights": "imagenet", "input_shape": (150, 150, 3)}, "299"),
    ("ResNet50V2", {"weights": "imagenet", "classifier_activation": "relu"}, "classifier_activation"),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.3}, "alpha"),
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2}, "depth multiplier"),
    ("MobileNet", {"weights": None, "dropout": 1.5}, "dropout"),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.5}, "alpha"),
    ("MobileNetV3Large", {"weights": "imagenet", "alpha": 0.75, "minimalistic": True}, "minimalistic"),
    ("MobileNetV3Small", {"weights": None, "input_shape": (16, 16, 3)}, "32x32"),
    ("ConvNeXtTiny", {"weights": "imagenet", "classes": 5}, "1000"),
    ("EfficientNetV2S", {"weights": None, "include_top": False, "input_shape": (16, 16, 3)}, "32"),
    ("NASNetLarge", {"weights": "imagenet", "include_top": False, "input_shape": (None, None, 3)}, "static"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments(offline, name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(applications, name)(**kwargs)
    assert offline["calls"] == []


def test_builder_level_errors(offline):
    with pytest.raises(ValueError, match="blocks"):
        densenet.DenseNet([6, 12, 24, 8], weights="imagenet")
    with pytest.raises(ValueError, match="4 positive"):
        densenet.DenseNet([6, 12, 24], weights=None)
    with pytest.raises(ValueError, match="does not match the convnext_tiny"):
        convnext.ConvNeXt([3, 3, 9, 3], [96, 192, 384, 1024], weights="imagenet", weights_name="convnext_tiny")
    with pytest.raises(ValueError, match="drop_path_rate"):
        convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 8, 8], drop_path_rate=1.0)
    with pytest.raises(ValueError, match="penultimate_filters"):
        nasnet.NASNet(penultimate_filters=1000, weights=None)
    with pytest.raises(ValueError, match="weights_name"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, weights_name="b9")
    with pytest.raises(ValueError, match="num_repeat"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, weights_name="b0",
                                       blocks_args=[dict(efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"][0],
                                                         num_repeat=0)])
    assert offline["calls"] == []


def test_mobilenet_v3_input_tensor_must_match_input_shape():
    inp = fkeras.Input((40, 40, 3))
    with pytest.raises(ValueError, match="does not match"):
        applications.MobileNetV3Small(input_tensor=inp, input_shape=(32, 32, 3), weights=None)
    with pytest.raises(ValueError, match="symbolic"):
        applications.MobileNetV3Small(input_tensor=np.zeros((1, 32, 32, 3)), weights=None)


@pytest.mark.parametrize("name", ["DenseNet121", "ConvNeXtTiny", "NASNetMobile"])
def test_channels_first_is_refused_like_keras(name):
    old = fkeras.backend.config.image_data_format()
    fkeras.backend.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            getattr(applications, name)(weights=None)
    finally:
        fkeras.backend.config.set_image_data_format(old)


# ------------------------------------------------------------------------------------------
# the ImageNet file each variant asks for (Keras's file names, URLs and hashes)
# ------------------------------------------------------------------------------------------

_TF = "https://storage.googleapis.com/tensorflow/keras-applications/"
FILES = [
    ("DenseNet121", {}, "densenet121_weights_tf_dim_ordering_tf_kernels.h5", _TF + "densenet/"),
    ("DenseNet201", {"include_top": False}, "densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
     _TF + "densenet/"),
    ("MobileNet", {"include_top": False, "alpha": 0.5, "input_shape": (160, 160, 3)}, "mobilenet_5_0_160_tf_no_top.h5",
     _TF + "mobilenet/"),
    ("MobileNet", {}, "mobilenet_1_0_224_tf.h5", _TF + "mobilenet/"),
    ("MobileNetV3Small", {"include_top": False, "input_shape": (224, 224, 3)},
     "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", _TF + "mobilenet_v3/"),
    ("MobileNetV3Large", {"minimalistic": True, "input_shape": (224, 224, 3)},
     "weights_mobilenet_v3_large_minimalistic_224_1.0_float.h5", _TF + "mobilenet_v3/"),
    ("InceptionV3", {"include_top": False}, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     _TF + "inception_v3/"),
    ("InceptionResNetV2", {}, "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
     _TF + "inception_resnet_v2/"),
    ("ResNet101V2", {"include_top": False}, "resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
     _TF + "resnet/"),
    ("ConvNeXtBase", {"include_top": False}, "convnext_base_notop.h5", _TF + "convnext/"),
    ("ConvNeXtTiny", {"name": "my_net"}, "convnext_tiny.h5", _TF + "convnext/"),
    ("EfficientNetV2B0", {}, "efficientnetv2-b0.h5", _TF + "efficientnet_v2/"),
    ("EfficientNetV2S", {"include_top": False}, "efficientnetv2-s_notop.h5", _TF + "efficientnet_v2/"),
    ("NASNetMobile", {"include_top": False}, "nasnet_mobile_no_top.h5", _TF + "nasnet/NASNet-mobile-no-top.h5"),
    ("NASNetLarge", {}, "nasnet_large.h5", _TF + "nasnet/NASNet-large.h5"),
]


@pytest.mark.filterwarnings("ignore:`input_shape` is undefined")
@pytest.mark.parametrize("name,kwargs,fname,url", FILES, ids=[f"{f[0]}-{f[2]}" for f in FILES])
def test_imagenet_goes_through_the_download_cache(offline, name, kwargs, fname, url):
    from fkeras.utils.file_utils import DownloadError

    with pytest.raises(DownloadError, match=fname.replace(".", r"\.")):
        getattr(applications, name)(weights="imagenet", **kwargs)
    assert len(offline["calls"]) == 1
    origin = offline["calls"][0]
    assert origin.startswith(url) and (origin.endswith(fname) or origin == url)


def test_weights_hashes_are_keras_hashes():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras's JAX backend is needed for the reference")
    from keras.src.applications import convnext as kc, efficientnet_v2 as ke, mobilenet_v3 as km, resnet as kr

    assert convnext.WEIGHTS_HASHES == kc.WEIGHTS_HASHES
    assert efficientnet_v2.WEIGHTS_HASHES == ke.WEIGHTS_HASHES
    assert mobilenet_v3.WEIGHTS_HASHES == km.WEIGHTS_HASHES
    assert all(resnet_v2.WEIGHTS_HASHES[k] == kr.WEIGHTS_HASHES[k] for k in resnet_v2.WEIGHTS_HASHES)
    assert efficientnet_v2.DEFAULT_BLOCKS_ARGS == ke.DEFAULT_BLOCKS_ARGS
    assert convnext.MODEL_CONFIGS == kc.MODEL_CONFIGS


# ------------------------------------------------------------------------------------------
# custom layers
# ------------------------------------------------------------------------------------------

KEY = jax.random.PRNGKey(7)


def _apply(layer, x, training, key=KEY, jit=False):
    fn = lambda v, a, k: layer.apply(v, a, training=training, rng=k)[0]  # noqa: E731
    if jit:
        fn = jax.jit(fn)
    return np.asarray(fn(layer.get_variables(), x, key))


@pytest.mark.parametrize("jit", [False, True])
def test_stochastic_depth_drops_whole_samples(jit):
    rate = 0.3
    x = np.random.default_rng(0).uniform(1.0, 2.0, (300, 2, 2, 3)).astype("float32")
    layer = convnext.StochasticDepth(rate)
    y = _apply(layer, x, True, jit=jit)
    kept = np.all(y != 0, axis=(1, 2, 3))
    dropped = np.all(y == 0, axis=(1, 2, 3))
    assert np.all(kept | dropped)  # a sample's branch is kept or dropped as a whole
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    assert abs(dropped.mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / len(x))
    np.testing.assert_array_equal(_apply(layer, x, False, jit=jit), x)  # identity at inference
    other = _apply(layer, x, True, key=jax.random.PRNGKey(8), jit=jit)
    assert not np.array_equal(np.all(other != 0, axis=(1, 2, 3)), kept)  # another key, another draw


@pytest.mark.parametrize("jit", [False, True])
def test_layer_scale_and_custom_scale_against_numpy(jit):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    ls = convnext.LayerScale(0.5, 4)
    ls(fkeras.Input((3, 3, 4)))
    assert [(w.name, tuple(w.shape), w.trainable) for w in ls.weights] == [("variable", (4,), True)]
    np.testing.assert_allclose(_apply(ls, x, False, jit=jit), x * 0.5, rtol=1e-6)
    gamma = rng.normal(size=4).astype("float32")
    ls.gamma.assign(gamma)
    np.testing.assert_allclose(_apply(ls, x, False, jit=jit), x * gamma, rtol=1e-6)
    cs = inception_resnet_v2.CustomScaleLayer(0.17)
    y = rng.normal(size=x.shape).astype("float32")
    def fn(a, b):
        return cs.apply({}, [a, b])[0]

    fn = jax.jit(fn) if jit else fn
    np.testing.assert_allclose(np.asarray(fn(x, y)), x + 0.17 * y, rtol=1e-6, atol=1e-7)


def test_custom_layer_configs_and_errors():
    for layer, keys in [(convnext.LayerScale(1e-6, 8, name="ls"), {"init_values": 1e-6, "projection_dim": 8}),
                        (convnext.StochasticDepth(0.1, name="sd"), {"drop_path_rate": 0.1}),
                        (inception_resnet_v2.CustomScaleLayer(0.2, name="cs"), {"scale": 0.2})]:
        config = layer.get_config()
        assert {k: config[k] for k in keys} == keys and config["name"] == layer.name
        clone = type(layer).from_config(json.loads(json.dumps(config)))
        assert clone.get_config() == config
    with pytest.raises(ValueError, match="projection_dim"):
        convnext.LayerScale(1e-6, 8)(fkeras.Input((2, 2, 4)))
    with pytest.raises(ValueError, match="projection_dim"):
        convnext.LayerScale(1e-6, 0)
    with pytest.raises(ValueError, match="drop_path_rate"):
        convnext.StochasticDepth(1.5)
    with pytest.raises(TypeError, match="scale"):
        inception_resnet_v2.CustomScaleLayer("big")


def test_custom_layers_load_from_keras_and_fkeras_model_files(tmp_path):
    """A file written by Keras names its CustomScaleLayer/LayerScale by module (``keras.src.applications...``),
    one written by fkeras by ``keras.applications``: both load, with the same outputs."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras's JAX backend is needed for the reference")
    from keras.src.applications.convnext import LayerScale as KLayerScale
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer as KCustomScale

    i = keras.Input((4,))
    y = KCustomScale(0.5)([i, keras.layers.Dense(4)(i)])
    kmodel = keras.Model(i, KLayerScale(0.1, 4)(y))
    kmodel.layers[-1].weights[0].assign(np.arange(1.0, 5.0, dtype="float32"))
    path = str(tmp_path / "k.keras")
    kmodel.save(path)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    model = fkeras.models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    path2 = str(tmp_path / "f.keras")
    model.save(path2)
    again = fkeras.models.load_model(path2)
    np.testing.assert_allclose(again.predict(x, verbose=0), kmodel.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------
# small builds: input tensors, stochastic depth inside a network, training
# ------------------------------------------------------------------------------------------


def test_input_tensor_and_its_source_inputs(zero_init):
    inp = fkeras.Input((36, 36, 3))
    x = fkeras.layers.Rescaling(1.0)(inp)
    m = applications.MobileNet(input_tensor=x, include_top=False, weights=None, alpha=0.25, pooling="avg")
    assert m.inputs[0] is inp and m.output_shape == (None, 256)
    v3 = applications.MobileNetV3Small(input_tensor=inp, include_top=False, weights=None, minimalistic=True)
    assert v3.inputs[0] is inp and v3.output_shape == (None, 2, 2, 576)


_TINY = dict(depths=[1, 1, 2, 1], projection_dims=[8, 8, 16, 16], drop_path_rate=0.3, name="tiny",
             input_shape=(32, 32, 3), classes=3, classifier_activation=None, weights=None)


def test_tiny_convnext_with_stochastic_depth_same_as_keras(zero_init):
    """``drop_path_rate > 0`` puts StochasticDepth layers in the blocks (not the identity Activation)."""
    from _app_parity import describe, keras_zero_init

    model = convnext.ConvNeXt(**_TINY)
    with keras_zero_init():
        from keras.src.applications import convnext as kc

        ref = kc.ConvNeXt(**_TINY)
    assert describe(model) == describe(ref)
    names = [layer.name for layer in model.layers]
    assert "tiny_stage_0_block_0_identity" in names  # the first block's rate is 0
    assert "tiny_stage_2_block_1_stochastic_depth" in names


@pytest.mark.slow
def test_tiny_convnext_with_stochastic_depth_trains(fast_init):
    """One epoch of ``fit`` (jitted steps, a fresh key per step) changes the weights; inference is deterministic."""
    model = convnext.ConvNeXt(**_TINY)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 3, 8)
    before = [np.asarray(w).copy() for w in model.trainable_weights]
    model.compile(optimizer="adam", loss=fkeras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, np.asarray(w)) for a, w in zip(before, model.trainable_weights, strict=True))
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
