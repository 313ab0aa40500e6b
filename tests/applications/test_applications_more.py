"""DenseNet, MobileNet, MobileNetV3, InceptionV3, InceptionResNetV2, ResNetV2, ConvNeXt, EfficientNetV2 and
NASNet against Keras 3: the same layers (names, classes, order), output shapes, weight names/shapes, parameter
counts and model names as Keras's model built from the same arguments; and the same outputs from the same
weights, moved through a legacy ``.h5`` file that Keras writes (the format of the published ImageNet files).

The smallest variant of each family is compared by default; the larger variants (same code, more blocks or
wider layers) and the costlier comparisons are marked ``slow``.
"""
import sys

import numpy as np
import pytest
from _app_parity import assert_same_as_keras, keras_model

import fkeras
from fkeras import applications
from fkeras.applications import _common

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")

# (builder, smallest input it accepts) for the smallest variant of each family
SMALLEST = {
    "DenseNet121": (32, 32, 3),
    "MobileNet": (32, 32, 3),
    "MobileNetV3Small": (32, 32, 3),
    "InceptionV3": (75, 75, 3),
    "InceptionResNetV2": (75, 75, 3),
    "ResNet50V2": (32, 32, 3),
    "ConvNeXtTiny": (32, 32, 3),
    "EfficientNetV2B0": (32, 32, 3),
    "NASNetMobile": (32, 32, 3),
}

# fkeras models built by the parity tests, reused by the numeric tests (building dominates their cost)
_BUILT = {}


def _key(name, kwargs):
    return name, tuple(sorted(kwargs.items()))


def _parity(name, kwargs):
    model = assert_same_as_keras(name, kwargs)
    _BUILT[_key(name, kwargs)] = model
    return model


@pytest.mark.parametrize("name", list(SMALLEST))
def test_with_top_same_network_as_keras(zero_init, name):
    """The whole network with a 10-class top at the smallest input size the family accepts."""
    _parity(name, {"input_shape": SMALLEST[name], "classes": 10, "classifier_activation": None})


NO_TOP = [
    ("MobileNet", {"input_shape": (32, 32, 3), "include_top": False, "alpha": 0.5, "depth_multiplier": 2}),
    ("MobileNetV3Small", {"include_top": False, "pooling": "max", "minimalistic": True}),
    ("ResNet50V2", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}),
    ("ConvNeXtTiny", {"input_shape": (32, 32, 3), "include_top": False, "include_preprocessing": False}),
    ("EfficientNetV2B0", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "max",
                          "include_preprocessing": False}),
    ("InceptionV3", {"input_shape": (75, 75, 3), "include_top": False, "pooling": "max"}),
]
NO_TOP_SLOW = [
    ("DenseNet121", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "max"}),
    ("InceptionResNetV2", {"input_shape": (75, 75, 3), "include_top": False, "pooling": "avg"}),
    ("NASNetMobile", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}),
    ("NASNetMobile", {"include_top": False}),  # Keras defaults the no-top input to 224x224
    ("MobileNetV3Large", {"include_top": False, "alpha": 0.75}),
]


@pytest.mark.parametrize("name,kwargs", NO_TOP + [pytest.param(n, k, marks=pytest.mark.slow) for n, k in NO_TOP_SLOW],
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(NO_TOP + NO_TOP_SLOW)])
def test_without_top_same_network_as_keras(zero_init, name, kwargs):
    _parity(name, kwargs)


def test_default_arguments_same_network_as_keras(zero_init):
    """Default input size, 1000 classes and default model name (``mobilenet_1.00_224``)."""
    model = _parity("MobileNet", {})
    assert model.count_params() == 4_253_864
    assert model.input_shape == (None, 224, 224, 3) and model.output_shape == (None, 1000)


LARGER = [
    ("DenseNet169", (32, 32, 3)), ("DenseNet201", (32, 32, 3)), ("MobileNetV3Large", (32, 32, 3)),
    ("ResNet101V2", (32, 32, 3)), ("ResNet152V2", (32, 32, 3)),
    ("ConvNeXtSmall", (32, 32, 3)), ("ConvNeXtBase", (32, 32, 3)), ("ConvNeXtLarge", (32, 32, 3)),
    ("ConvNeXtXLarge", (32, 32, 3)),
    ("EfficientNetV2B1", (32, 32, 3)), ("EfficientNetV2B2", (32, 32, 3)), ("EfficientNetV2B3", (32, 32, 3)),
    ("EfficientNetV2S", (32, 32, 3)), ("EfficientNetV2M", (32, 32, 3)), ("EfficientNetV2L", (32, 32, 3)),
    ("NASNetLarge", (32, 32, 3)),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,shape", LARGER, ids=[n for n, _ in LARGER])
def test_larger_variants_same_network_as_keras(zero_init, name, shape):
    _parity(name, {"input_shape": shape, "classes": 10})


DEFAULT_SIZE = ["DenseNet121", "MobileNetV3Small", "InceptionV3", "InceptionResNetV2", "ResNet50V2", "ConvNeXtTiny",
                "EfficientNetV2B0", "NASNetMobile"]


@pytest.mark.slow
@pytest.mark.parametrize("name", DEFAULT_SIZE)
def test_default_size_same_network_as_keras(zero_init, name):
    """Default input size and 1000 classes: the documented parameter counts."""
    _parity(name, {})


# ------------------------------------------------------------------------------------------
# same weights in -> same outputs (through Keras's legacy .h5 format)
# ------------------------------------------------------------------------------------------


def _random_keras_weights(ref, seed=0):
    """Random values for every Keras variable, scaled so that the signal neither dies nor explodes over
    hundreds of layers (He-scaled kernels, scales near 1, positive variances)."""
    rng = np.random.default_rng(seed)
    for v in ref.weights:
        shape, leaf = tuple(v.shape), v.path.rsplit("/", 1)[-1]
        if len(shape) >= 2:
            depthwise = "depthwise" in leaf or (len(shape) == 4 and shape[-1] == 1)  # (k, k, channels, 1)
            fan_in = int(np.prod(shape[:-2])) if depthwise else int(np.prod(shape[:-1]))
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        elif leaf in ("gamma", "moving_variance") or leaf.startswith("variable"):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.1, shape)
        v.assign(value.astype("float32"))


def _check_same_outputs(name, kwargs, tmp_path, size):
    ref = keras_model(name, kwargs)
    _random_keras_weights(ref)
    path = str(tmp_path / f"{name}.h5")
    ref.save(path)  # legacy h5: the layout of Keras's published ImageNet weight files
    model = _BUILT.get(_key(name, kwargs))
    if model is None:
        model = getattr(applications, name)(weights=None, **kwargs)
    # Loading pairs the file's layers with the model's by order (as Keras does), so unnamed layers whose
    # session counters differ from the file's names (conv2d_94 vs conv2d) still get the right weights.
    for _ in range(3):
        fkeras.layers.Conv2D(1, 1)
        fkeras.layers.BatchNormalization()
    _common.load_weights(model, path)
    rows, cols = np.meshgrid(np.linspace(0.0, 255.0, size), np.linspace(0.0, 255.0, size), indexing="ij")
    noise = np.random.default_rng(1).uniform(0, 255, (size, size, 3))
    ramp = np.stack([rows, cols, 255.0 - rows], axis=-1)  # a smooth colour ramp, unlike the noise image
    x = np.stack([noise, ramp]).astype("float32")
    # each family's own preprocessing (ReLU6 networks saturate on raw [0, 255] pixels)
    x = np.asarray(sys.modules[getattr(applications, name).__module__].preprocess_input(x))
    want = np.asarray(ref.predict(x, verbose=0))
    got = np.asarray(model.predict(x, verbose=0))
    assert got.shape == want.shape
    assert np.all(np.isfinite(got))
    assert not np.allclose(got[0], got[1])  # the two images give different outputs
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4 * float(np.abs(want).max()))
    return model


# MobileNetV3 (operator nodes around ReLU, squeeze-excite, Rescaling) and ConvNeXt (nested Sequential stem and
# downsampling blocks, grouped 7x7 convs, LayerScale, Normalization) by default; the rest is slow.
SAME_OUTPUTS = ["MobileNetV3Small", "ConvNeXtTiny"]


@pytest.mark.parametrize("name", SAME_OUTPUTS + [pytest.param(n, marks=pytest.mark.slow) for n in SMALLEST
                                                 if n not in SAME_OUTPUTS])
def test_same_outputs_as_keras_from_its_h5_file(zero_init, tmp_path, name):
    kwargs = {"input_shape": SMALLEST[name], "classes": 10, "classifier_activation": None}
    _check_same_outputs(name, kwargs, tmp_path, SMALLEST[name][0])


def test_imagenet_style_load_through_weights_argument(zero_init, tmp_path):
    """``weights=<legacy .h5 path>`` loads through the same order-based reader as the ImageNet files."""
    kwargs = {"input_shape": (32, 32, 3), "classes": 10, "classifier_activation": None}
    ref = keras_model("MobileNet", kwargs)
    _random_keras_weights(ref, seed=3)
    path = str(tmp_path / "mobilenet.h5")
    ref.save(path)
    model = applications.MobileNet(weights=path, **kwargs)
    for w, v in zip(model.weights, ref.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(w), np.asarray(v))
    with pytest.raises(ValueError, match="layers with weights"):
        applications.MobileNet(weights=path, input_shape=(32, 32, 3), include_top=False)
