"""Adaptive pooling layers vs direct-loop numpy references (eager and jit), configs, Keras parity."""
import itertools
import os

import jax
import numpy as np
import pytest

import fkeras
from fkeras import layers
from fkeras.layers.input_layer import Input

RNG = np.random.default_rng(5)

CLASSES = {
    (1, "average"): layers.AdaptiveAveragePooling1D, (2, "average"): layers.AdaptiveAveragePooling2D,
    (3, "average"): layers.AdaptiveAveragePooling3D, (1, "max"): layers.AdaptiveMaxPooling1D,
    (2, "max"): layers.AdaptiveMaxPooling2D, (3, "max"): layers.AdaptiveMaxPooling3D,
}
SPATIAL = {1: ((9,), 4), 2: ((5, 7), (2, 3)), 3: ((4, 3, 5), (3, 3, 2))}


def adaptive_ref(x, out_size, mode):
    """Channels-last loops: window i of an axis of length n covers [floor(i n / o), ceil((i + 1) n / o))."""
    x = np.asarray(x, np.float64)
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0],) + tuple(out_size) + (x.shape[-1],))
    for idx in itertools.product(*(range(o) for o in out_size)):
        sl = tuple(slice(i * n // o, -(-(i + 1) * n // o)) for i, n, o in zip(idx, spatial, out_size, strict=True))
        window = x[(slice(None),) + sl].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + idx] = window.max(axis=1) if mode == "max" else window.mean(axis=1)
    return out


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank,mode", sorted(CLASSES))
def test_matches_reference(rank, mode, data_format):
    spatial, out_size = SPATIAL[rank]
    x = RNG.standard_normal((2,) + spatial + (3,)).astype("float32")
    sizes = (out_size,) * rank if isinstance(out_size, int) else out_size
    want = adaptive_ref(x, sizes, mode)
    if data_format == "channels_first":
        x, want = np.moveaxis(x, -1, 1), np.moveaxis(want, -1, 1)
    layer = CLASSES[(rank, mode)](out_size, data_format=data_format)
    np.testing.assert_allclose(layer(x), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jax.jit(lambda a: layer.apply({}, a)[0])(x), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == want.shape
    sym = layer(Input(batch_shape=(None,) + x.shape[1:]))
    assert sym.shape == (None,) + want.shape[1:]


def test_unknown_spatial_dims_and_integer_inputs():
    out = layers.AdaptiveMaxPooling2D((2, 3))(Input((None, None, 4)))
    assert out.shape == (None, 2, 3, 4)
    ints = np.arange(2 * 6 * 1).reshape(2, 6, 1).astype("int32")
    avg = layers.AdaptiveAveragePooling1D(3)(ints)
    assert avg.dtype == np.float32
    np.testing.assert_allclose(avg[..., 0], [[0.5, 2.5, 4.5], [6.5, 8.5, 10.5]])
    mx = layers.AdaptiveMaxPooling1D(4)(ints)
    assert mx.dtype == np.int32
    np.testing.assert_array_equal(mx[0, :, 0], [1, 2, 4, 5])


def test_gradient_flows_and_fits():
    model = fkeras.Sequential([Input((6, 5, 2)), layers.AdaptiveAveragePooling2D(2),
                               layers.AdaptiveMaxPooling2D((1, 2)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = RNG.standard_normal((8, 6, 5, 2)).astype("float32"), RNG.standard_normal((8, 1)).astype("float32")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    grad = jax.grad(lambda a: layers.AdaptiveAveragePooling1D(2).apply({}, a)[0].sum())(x[:, :, 0])
    np.testing.assert_allclose(grad.sum(axis=1), np.full((8, 2), 2.0), rtol=1e-5)


@pytest.mark.parametrize("cls", list(CLASSES.values()), ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    rank = int(cls.__name__[-2])
    layer = cls(3, data_format="channels_first", name="pool")
    config = layer.get_config()
    assert config["output_size"] == (3,) * rank and config["data_format"] == "channels_first"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    restored = fkeras.layers.deserialize(fkeras.layers.serialize(layer))
    assert type(restored) is cls and restored.get_config() == config


@pytest.mark.parametrize("make,exc,pattern", [
    (lambda: layers.AdaptiveAveragePooling2D("2"), TypeError, r"`output_size`.*\(height, width\)"),
    (lambda: layers.AdaptiveMaxPooling1D((2, 2)), ValueError, r"tuple of 1 ints"),
    (lambda: layers.AdaptiveMaxPooling3D((2, 0, 2)), ValueError, "positive int"),
    (lambda: layers.AdaptiveAveragePooling2D(2, data_format="nhwc"), ValueError, "data_format"),
])
def test_bad_arguments(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_wrong_input_rank_is_reported():
    with pytest.raises(ValueError, match="ndim|rank"):
        layers.AdaptiveAveragePooling2D(2)(np.ones((2, 4, 3), "float32"))


# --- parity with Keras 3 ----------------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    real = pytest.importorskip("keras")
    if real.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return real


@pytest.mark.parametrize("rank,mode", sorted(CLASSES))
def test_keras_parity(rank, mode):
    keras = _keras()
    cls = CLASSES[(rank, mode)]
    theirs_cls = getattr(keras.layers, cls.__name__)
    spatial, out_size = SPATIAL[rank]
    x = RNG.standard_normal((2, 3) + spatial).astype("float32")
    ours = cls(out_size, data_format="channels_first", name="p")
    theirs = theirs_cls(out_size, data_format="channels_first", name="p")
    # A jitted call: Keras's eager JAX path dispatches (and compiles) op by op, which is slow.
    np.testing.assert_allclose(ours(x), jax.jit(theirs)(x), rtol=1e-5, atol=1e-6)
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert set(ours_config) == set(theirs_config)
    assert ours_config["output_size"] == theirs_config["output_size"]
    assert ours_config["data_format"] == theirs_config["data_format"]
    assert ours.compute_output_shape(x.shape) == theirs.compute_output_shape(x.shape)
    assert cls.from_config(theirs_config).get_config()["output_size"] == ours_config["output_size"]
