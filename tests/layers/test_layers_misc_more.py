"""SpectralNormalization, ReversibleEmbedding, HashedCrossing, JaxLayer and FlaxLayer: numpy references
(jit and eager), Keras 3 parity, configs, a fit step and argument errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras.layers.convolutional import Conv2D
from fkeras.layers.core import Dense
from fkeras.layers.embedding import Embedding
from fkeras.layers.preprocessing.categorical import HashedCrossing
from fkeras.layers.reversible_embedding import ReversibleEmbedding
from fkeras.layers.spectral_normalization import SpectralNormalization
from fkeras.layers.wrappers_jax import FlaxLayer, JaxLayer

# Keras 3.15 calls np.array(variable) in get_weights, which numpy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype("float32")


def close(a, b, tol=2e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=tol, atol=tol)


def _keras():
    keras3 = pytest.importorskip("keras")
    if keras3.backend.backend() != "jax":
        pytest.skip("keras is not running on the jax backend")
    return keras3


# --- SpectralNormalization ------------------------------------------------------------------------

def np_spectral(w, u, iters):
    w2 = w.reshape(-1, w.shape[-1]).astype(np.float64)
    u = u.astype(np.float64)
    for _ in range(iters):
        v = u @ w2.T
        v = v / np.linalg.norm(v)
        u = v @ w2
        u = u / np.linalg.norm(u)
    sigma = (v @ w2 @ u.T).item()
    return u, w / sigma


def test_spectral_normalization_matches_numpy():
    sn = SpectralNormalization(Dense(3), power_iterations=2)
    sn.build(X.shape)
    kernel, u0, bias = [RNG.standard_normal(w.shape).astype("float32") for w in sn.weights]
    sn.set_weights([kernel, u0, bias])
    assert [w.path for w in sn.weights] == ["spectral_normalization/dense/kernel",
                                            "spectral_normalization/vector_u", "spectral_normalization/dense/bias"]
    close(sn(X), X @ kernel + bias)  # inference: the layer as it is
    u1, k1 = np_spectral(kernel, u0, 2)
    # pure and jitted: the new u and the normalized kernel come back in the tree
    out, tree = jax.jit(lambda v, x: sn.apply(v, x, training=True))(sn.get_variables(), X)
    close(out, X @ k1 + bias, 1e-4)
    close(tree["vector_u"], u1, 1e-4)
    close(tree["dense"]["kernel"], k1, 1e-4)
    np.testing.assert_array_equal(sn.weights[0].numpy(), kernel)  # apply is pure
    # eager training call: assigned, and the largest singular value is now ~1
    close(sn(X, training=True), X @ k1 + bias, 1e-4)
    close(sn.weights[1].numpy(), u1, 1e-4)
    for _ in range(10):
        sn(X, training=True)
    assert abs(np.linalg.svd(sn.weights[0].numpy(), compute_uv=False)[0] - 1.0) < 1e-3


def test_spectral_normalization_conv_zero_kernel_and_saving_layout():
    sn = SpectralNormalization(Conv2D(1, (2, 2), kernel_initializer="ones"), power_iterations=8)
    img = np.ones((1, 2, 2, 1), "float32")
    close(sn(img, training=False), [[[[4.0]]]])
    close(sn(img, training=True), [[[[2.0]]]])  # the largest singular value of ones(4, 1) is 2
    zero = SpectralNormalization(Dense(2, kernel_initializer="zeros"))
    np.testing.assert_array_equal(zero(X, training=True), np.zeros((3, 2)))
    assert np.all(np.isfinite(zero.weights[1].numpy()))
    from fkeras.engine.layer import own_variables

    assert [v.name for v in own_variables(sn)] == ["kernel", "vector_u"]
    assert [w.name for w in sn.non_trainable_weights] == ["vector_u"]
    assert [w.name for w in sn.trainable_weights] == ["kernel", "bias"]


def test_spectral_normalization_config_errors_and_fit():
    sn = SpectralNormalization(Dense(2), power_iterations=3, name="sn")
    cfg = sn.get_config()
    assert cfg["power_iterations"] == 3 and cfg["layer"]["class_name"] == "Dense"
    assert SpectralNormalization.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="greater than zero"):
        SpectralNormalization(Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="not a supported layer|isn't a supported"):
        SpectralNormalization("dense")
    with pytest.raises(ValueError, match="nor 'embeddings'"):
        SpectralNormalization(keras.layers.ReLU())(X)
    model = keras.Sequential([keras.Input((4,)), SpectralNormalization(Dense(2)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    u_before = model.layers[0].weights[1].numpy().copy()
    hist = model.fit(X, X[:, :1], batch_size=3, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert not np.allclose(model.layers[0].weights[1].numpy(), u_before)  # u updated in training


def test_spectral_normalization_parity_with_keras():
    keras3 = _keras()
    k = keras3.layers.SpectralNormalization(keras3.layers.Dense(3), power_iterations=2)
    k.build(X.shape)
    ours = SpectralNormalization(Dense(3), power_iterations=2)
    ours.build(X.shape)
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == [
        (w.name, tuple(w.shape), w.trainable) for w in k.weights]
    ours.set_weights([np.asarray(w) for w in k.get_weights()])
    for _ in range(2):
        close(ours(X, training=True), np.asarray(k(X, training=True)), 1e-5)
    for a, b in zip(ours.get_weights(), k.get_weights(), strict=True):
        close(a, np.asarray(b), 1e-5)
    assert set(ours.get_config()) == set(k.get_config())


# --- ReversibleEmbedding --------------------------------------------------------------------------

IDS = np.array([[1, 4, 0], [3, 0, 2]], "int32")


def test_reversible_embedding_matches_numpy():
    tied = ReversibleEmbedding(5, 3, logit_soft_cap=2.0)
    untied = ReversibleEmbedding(5, 3, tie_weights=False)
    for layer in (tied, untied):
        layer.build()
        layer.set_weights([RNG.standard_normal(w.shape).astype("float32") for w in layer.weights])
    table = tied.get_weights()[0]
    h = RNG.standard_normal((2, 3, 3)).astype("float32")
    f = jax.jit(lambda v, x: tied.apply(v, x, reverse=True)[0])
    for out in (tied(h, reverse=True), f(tied.get_variables(), h)):
        close(out, np.tanh(h @ table.T / 2.0) * 2.0)
    close(tied(IDS), table[IDS])
    ut_table, reverse = untied.get_weights()
    assert reverse.shape == (3, 5)
    close(untied(h, reverse=True), h @ reverse)
    close(untied(IDS), ut_table[IDS])
    half = ReversibleEmbedding(5, 3, reverse_dtype="float16")
    half.build()
    assert half(h, reverse=True).dtype == jnp.float16
    assert tied.compute_output_shape((2, 3, 3), reverse=True) == (2, 3, 5)
    assert tied.compute_output_shape((2, 3)) == (2, 3, 3)


def test_reversible_embedding_masks_config_errors_and_fit():
    layer = ReversibleEmbedding(5, 3, mask_zero=True, tie_weights=False, reverse_dtype="float32", name="re")
    np.testing.assert_array_equal(layer.compute_mask(IDS), IDS != 0)
    assert layer.compute_mask(np.ones((2, 3, 3), "float32")) is None
    cfg = layer.get_config()
    assert isinstance(layer, Embedding)
    assert ReversibleEmbedding.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="logit_soft_cap"):
        ReversibleEmbedding(5, 3, logit_soft_cap=-1.0)
    with pytest.raises(ValueError, match="output_dim=3"):
        ReversibleEmbedding(5, 3)(np.ones((2, 4), "float32"), reverse=True)
    # a tied language model head trains in fit
    emb = ReversibleEmbedding(6, 4)
    inp = keras.Input((3,), dtype="int32")
    logits = emb(keras.layers.Dense(4)(emb(inp)), reverse=True)
    model = keras.Model(inp, logits)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = RNG.integers(0, 6, (4, 3)).astype("int32")
    before = emb.get_weights()[0].copy()
    hist = model.fit(ids, ids, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"]).all() and not np.allclose(before, emb.get_weights()[0])


def test_reversible_embedding_parity_with_keras():
    keras3 = _keras()
    for kw in (dict(), dict(tie_weights=False, logit_soft_cap=3.0)):
        k = keras3.layers.ReversibleEmbedding(5, 3, **kw)
        k.build()
        ours = ReversibleEmbedding(5, 3, **kw)
        ours.build()
        assert [w.name for w in ours.weights] == [w.name for w in k.weights]
        ours.set_weights([np.asarray(w) for w in k.get_weights()])
        h = RNG.standard_normal((2, 3)).astype("float32")
        close(ours(h, reverse=True), np.asarray(k(h, reverse=True)), 1e-6)
        close(ours(IDS), np.asarray(k(IDS)), 0)
        assert set(ours.get_config()) == set(k.get_config())


# --- HashedCrossing ---------------------------------------------------------------------------------

def np_cross_bins(columns, num_bins):
    """Independent vectorized reference of tf.sparse.cross_hashed over uint64 numpy arithmetic."""
    from fkeras.layers.preprocessing._hash import fingerprint64

    mul = np.uint64(0xC6A4A7935BD1E995)

    def shift_mix(v):
        return v ^ (v >> np.uint64(47))

    out = np.full(len(columns[0]), 0xDECAFCAFFE, np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            col = np.asarray(col)
            if col.dtype.kind in "US":
                fp = np.array([fingerprint64(v) for v in col.tolist()], np.uint64)
            else:
                fp = col.astype(np.int64).view(np.uint64)
            out = out ^ mul
            out = out ^ (shift_mix(fp * mul) * mul)
            out = out * mul
            out = shift_mix(out) * mul
            out = shift_mix(out)
    return (out % np.uint64(num_bins)).astype(np.int64)


def test_hashed_crossing_matches_keras_and_reference():
    # Outputs of Keras/TensorFlow (keras/src/layers/preprocessing/hashed_crossing_test.py).
    feat1 = np.array(["A", "B", "A", "B", "A"])
    feat2 = np.array([101, 101, 101, 102, 102])
    np.testing.assert_array_equal(HashedCrossing(num_bins=5)((feat1, feat2)), [1, 4, 1, 1, 3])
    assert HashedCrossing(num_bins=10)(("A", 101)) == 1
    ints = RNG.integers(-1000, 1000, size=(3, 7))
    words = np.array([f"w{i}" for i in RNG.integers(0, 50, size=7)])
    for cols in ((ints[0], ints[1]), (words, ints[2], ints[0]), (words, words[::-1])):
        np.testing.assert_array_equal(HashedCrossing(13)(cols), np_cross_bins(cols, 13))


def test_hashed_crossing_modes_shapes_and_dtypes():
    a, b = np.array([["A"], ["B"]]), np.array([[101], [101]])
    out = HashedCrossing(5)((a, b))
    assert out.shape == (2, 1) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:, 0], [1, 4])
    assert HashedCrossing(5, dtype="int32")((a, b)).dtype == np.int32
    oh = HashedCrossing(5, output_mode="one_hot")((a, b))
    np.testing.assert_array_equal(oh, np.eye(5, dtype="float32")[[1, 4]])
    assert oh.dtype == np.float32
    assert HashedCrossing(5, output_mode="one_hot", dtype="float64")((a[:, 0], b[:, 0])).shape == (2, 5)
    layer = HashedCrossing(5, output_mode="one_hot")
    sym = layer([keras.Input((1,), dtype="int32"), keras.Input((1,), dtype="int32")])
    assert sym.shape == (None, 5)
    cfg = layer.get_config()
    assert set(cfg) == {"num_bins", "output_mode", "sparse", "name", "dtype"}  # Keras's keys
    assert HashedCrossing.from_config(cfg).get_config() == cfg


def test_hashed_crossing_errors():
    with pytest.raises(ValueError, match="list or tuple"):
        HashedCrossing(10)(np.array(1))
    with pytest.raises(ValueError, match="at least two"):
        HashedCrossing(10)([np.array(1)])
    with pytest.raises(ValueError, match="integer or string"):
        HashedCrossing(10)((np.array([1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match="should have shape"):
        HashedCrossing(10)((np.ones((2, 2), "int32"), np.ones((2, 2), "int32")))
    with pytest.raises(ValueError, match="equal shape"):
        HashedCrossing(10)((np.ones((2,), "int32"), np.ones((3,), "int32")))
    with pytest.raises(ValueError, match="sparse"):
        HashedCrossing(10, sparse=True)
    with pytest.raises(ValueError, match="output_mode"):
        HashedCrossing(10, output_mode="multi_hot")
    with pytest.raises(ValueError, match="num_bins"):
        HashedCrossing(0)


# --- JaxLayer / FlaxLayer ---------------------------------------------------------------------------

def stateful_call(params, state, rng, inputs, training):
    y = jnp.tanh(inputs @ params["w"] + params["b"])
    if training:
        y = y * jax.random.bernoulli(rng, 0.5, y.shape) * 2.0
    return y, {"count": state["count"] + 1.0, "mean": 0.5 * state["mean"] + 0.5 * y.mean(0)}


def stateful_init(rng, inputs):
    params = {"w": jax.random.normal(rng, (inputs.shape[-1], 3)) * 0.3, "b": jnp.zeros(3)}
    return params, {"count": jnp.zeros(()), "mean": jnp.zeros(3)}


def plain_call(params, inputs):
    return inputs @ params["w"]


def plain_init(rng, inputs):
    return {"w": jax.random.normal(rng, (inputs.shape[-1], 2))}


def test_jax_layer_given_params_matches_numpy():
    w = RNG.standard_normal((4, 3)).astype("float32")
    b = RNG.standard_normal(3).astype("float32")
    layer = JaxLayer(stateful_call, params={"w": w, "b": b}, state={"count": 0.0, "mean": np.zeros(3, "float32")})
    assert [(v.name, tuple(v.shape), v.trainable) for v in layer.weights] == [
        ("variable", (3,), True), ("variable_1", (4, 3), True), ("variable_2", (), False),
        ("variable_3", (3,), False)]
    y = np.tanh(X @ w + b)
    close(layer(X), y)
    assert float(layer.state["count"].numpy()) == 1.0
    close(layer.state["mean"].numpy(), 0.5 * y.mean(0))
    out, tree = jax.jit(lambda v, x: layer.apply(v, x, training=True, rng=jax.random.PRNGKey(0)))(
        layer.get_variables(), X)
    kept = np.asarray(out) != 0
    close(np.asarray(out)[kept], 2 * y[kept])
    assert float(tree["variable_2"]) == 2.0


def test_jax_layer_init_fn_pure_init_and_fit():
    model = keras.Sequential([keras.Input((4,)), JaxLayer(stateful_call, stateful_init, seed=3), Dense(1)])
    layer = model.layers[0]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    v1, v2 = model.init(jax.random.PRNGKey(0)), model.init(jax.random.PRNGKey(0))
    jax.tree_util.tree_map(np.testing.assert_array_equal, v1, v2)
    model.compile(optimizer="sgd", loss="mse")
    w_before = layer.params["w"].numpy().copy()
    model.fit(X, X[:, :1], batch_size=3, epochs=1, verbose=0)
    assert not np.allclose(layer.params["w"].numpy(), w_before)
    assert float(layer.state["count"].numpy()) == 1.0  # the state update is kept by fit


def test_jax_layer_config_and_errors():
    with keras.saving.custom_object_scope({"plain_call": plain_call, "plain_init": plain_init}):
        layer = JaxLayer(plain_call, plain_init, name="jl")
        cfg = layer.get_config()
        assert set(cfg) == {"name", "trainable", "dtype", "call_fn", "init_fn", "native_serialization_platforms"}
        clone = JaxLayer.from_config(cfg)
        assert clone.call_fn is plain_call and clone.init_fn is plain_init
    assert clone(X).shape == (3, 2)
    with pytest.raises(ValueError, match="Unsupported argument in `call_fn`: `x`"):
        JaxLayer(lambda params, inputs, x: x, plain_init)
    with pytest.raises(ValueError, match="Missing required argument in `call_fn`: `inputs`"):
        JaxLayer(lambda params: params, plain_init)
    with pytest.raises(ValueError, match="cannot all be `None`"):
        JaxLayer(plain_call)
    with pytest.raises(ValueError, match="Unsupported argument in `init_fn`"):
        JaxLayer(plain_call, lambda key, inputs: None)


def test_jax_layer_parity_with_keras():
    keras3 = _keras()
    keras3.backend.clear_session()  # Keras numbers auto-named variables per session
    w = RNG.standard_normal((4, 3)).astype("float32")
    kw = dict(params={"w": w, "b": np.zeros(3, "float32")}, state={"count": np.zeros((), "float32"),
                                                                     "mean": np.zeros(3, "float32")})
    k = keras3.layers.JaxLayer(stateful_call, **kw)
    ours = JaxLayer(stateful_call, **kw)
    assert [(v.name, tuple(v.shape), v.trainable) for v in ours.weights] == [
        (v.name, tuple(v.shape), v.trainable) for v in k.weights]
    close(ours(X), np.asarray(k(X)))
    for a, b in zip(ours.get_weights(), k.get_weights(), strict=True):
        close(a, np.asarray(b))


class _FlaxNet:
    @staticmethod
    def make():
        import flax.linen as nn

        class Net(nn.Module):
            def setup(self):
                self.dense = nn.Dense(3)
                self.bn = nn.BatchNorm(momentum=0.5)

            def __call__(self, inputs, training=False):
                return self.bn(self.dense(inputs), use_running_average=not training)

            def features(self, inputs):
                return self.dense(inputs)

        return Net()


def test_flax_layer_matches_flax_and_updates_state():
    module = _FlaxNet.make()
    variables = module.init(jax.random.PRNGKey(1), X)
    layer = FlaxLayer(module, variables=variables)
    names = [(v.name, v.trainable) for v in layer.weights]
    assert names == [("variable", True), ("variable_1", True), ("variable_2", True), ("variable_3", True),
                     ("variable_4", False), ("variable_5", False)]
    close(layer(X), np.asarray(module.apply(variables, X)))
    expected, upd = module.apply(variables, X, training=True, mutable=["batch_stats"])
    out = jax.jit(lambda v, x: layer.apply(v, x, training=True, rng=jax.random.PRNGKey(0))[0])(
        layer.get_variables(), X)
    close(out, np.asarray(expected))
    layer(X, training=True)
    close(layer.state["batch_stats"]["bn"]["mean"].numpy(), np.asarray(upd["batch_stats"]["bn"]["mean"]))
    # init at build, and a method given by name
    built = FlaxLayer(module)
    assert built(X).shape == (3, 3) and len(built.non_trainable_weights) == 2
    dense = variables["params"]["dense"]
    feats = FlaxLayer(module, method="features", variables={"params": {"dense": dense}})
    close(feats(X), X @ np.asarray(dense["kernel"]) + np.asarray(dense["bias"]))
    with pytest.raises(TypeError, match="serialize"):
        built.get_config()  # a flax module without get_config cannot be serialized (as in Keras)


def test_flax_layer_parity_with_keras():
    keras3 = _keras()
    keras3.backend.clear_session()
    module = _FlaxNet.make()
    variables = module.init(jax.random.PRNGKey(1), X)
    k = keras3.layers.FlaxLayer(module, variables=variables)
    ours = FlaxLayer(module, variables=variables)
    assert [(v.name, tuple(v.shape), v.trainable) for v in ours.weights] == [
        (v.name, tuple(v.shape), v.trainable) for v in k.weights]
    close(ours(X, training=True), np.asarray(k(X, training=True)))
    for a, b in zip(ours.get_weights(), k.get_weights(), strict=True):
        close(a, np.asarray(b))
