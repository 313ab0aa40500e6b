"""keras.initializers: statistics vs theory, exact constants, seeding, configs, get/serialize."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras import initializers as I
from fkeras.backend.random_state import set_random_seed
from fkeras.saving import registry

KEY = jax.random.PRNGKey(0)
TRUNC_STD = 0.87962566103423978


def _fans_ref(shape):
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape
    rf = int(np.prod(shape[:-2]))
    return shape[-2] * rf, shape[-1] * rf


@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (3, 3, 16, 32), (5, 4, 3, 2, 8), (2, 1, 1)])
def test_compute_fans(shape):
    assert I.compute_fans(shape) == _fans_ref(shape)


@pytest.mark.parametrize("cls,scale,mode,dist", [
    (I.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (I.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (I.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (I.HeUniform, 2.0, "fan_in", "uniform"),
    (I.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    (I.LecunUniform, 1.0, "fan_in", "uniform"),
])
def test_variance_scaling_family_statistics(cls, scale, mode, dist):
    shape = (3, 3, 40, 60)  # conv kernel: fan_in 360, fan_out 540
    w = np.asarray(cls(seed=1).init(KEY, shape))
    fan_in, fan_out = _fans_ref(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / n)
    assert w.shape == shape and w.dtype == np.float32
    assert abs(w.mean()) < 0.02 * std * 10
    np.testing.assert_allclose(w.std(), std, rtol=0.03)
    if dist == "uniform":
        limit = math.sqrt(3 * scale / n)
        assert w.max() <= limit and w.min() >= -limit
        assert w.max() > 0.99 * limit
    else:
        bound = 2 * std / TRUNC_STD
        assert np.abs(w).max() <= bound * (1 + 1e-6)
        assert np.abs(w).max() > 0.95 * bound


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("dist", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_modes(mode, dist):
    shape = (200, 300)
    w = np.asarray(I.VarianceScaling(scale=3.0, mode=mode, distribution=dist).init(KEY, shape))
    n = {"fan_in": 200, "fan_out": 300, "fan_avg": 250}[mode]
    np.testing.assert_allclose(w.std(), math.sqrt(3.0 / n), rtol=0.03)


def test_variance_scaling_validation():
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


def test_random_normal_uniform_truncated():
    w = np.asarray(I.RandomNormal(mean=1.0, stddev=2.0).init(KEY, (100, 100)))
    np.testing.assert_allclose([w.mean(), w.std()], [1.0, 2.0], rtol=0.03)
    u = np.asarray(I.RandomUniform(minval=-1.0, maxval=3.0).init(KEY, (100, 100)))
    assert u.min() >= -1.0 and u.max() < 3.0
    np.testing.assert_allclose([u.mean(), u.var()], [1.0, 16 / 12], rtol=0.03)
    ui = np.asarray(I.RandomUniform(minval=0, maxval=5).init(KEY, (1000,), dtype="int32"))
    assert ui.dtype == np.int32 and ui.min() == 0 and ui.max() == 4
    t = np.asarray(I.TruncatedNormal(mean=0.5, stddev=1.0).init(KEY, (100, 100)))
    assert t.min() >= 0.5 - 2.0 and t.max() <= 0.5 + 2.0
    np.testing.assert_allclose(t.std(), TRUNC_STD, rtol=0.03)
    with pytest.raises(ValueError, match="float dtype"):
        I.RandomNormal().init(KEY, (2,), dtype="int32")


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (3, 3, 2, 8)])
def test_orthogonal(shape):
    w = np.asarray(I.Orthogonal(gain=2.0, seed=0)(shape))
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1]) / 2.0
    rows, cols = flat.shape
    if rows < cols:
        np.testing.assert_allclose(flat @ flat.T, np.eye(rows), atol=1e-5)
    else:
        np.testing.assert_allclose(flat.T @ flat, np.eye(cols), atol=1e-5)
    with pytest.raises(ValueError, match="two-dimensional"):
        I.Orthogonal()((5,))


def test_constant_initializers_exact():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((2,), dtype="int32"), np.ones(2, "int32"))
    assert I.Ones()((2,), dtype="int32").dtype == jnp.int32
    assert I.Zeros()((1,)).dtype == jnp.float32
    np.testing.assert_array_equal(I.Constant(3.5)((2, 2)), np.full((2, 2), 3.5))
    np.testing.assert_array_equal(I.Constant([1.0, 2.0])((3, 2)), np.tile([1.0, 2.0], (3, 1)))
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)), 2 * np.eye(2, 3))
    np.testing.assert_array_equal(I.Identity().init(KEY, (3, 3), "float16"), np.eye(3))
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))


def test_stft_initializer_matches_dft():
    frame, bins = 8, 5
    real = np.asarray(I.STFTInitializer("real", window=None)((frame, 1, bins)))
    imag = np.asarray(I.STFTInitializer("imag", window=None)((frame, 1, bins)))
    x = np.random.default_rng(0).standard_normal(frame)
    spec = np.fft.rfft(x)
    np.testing.assert_allclose(x @ real[:, 0, :], spec.real, atol=1e-5)
    np.testing.assert_allclose(x @ imag[:, 0, :], spec.imag, atol=1e-5)
    hann = np.asarray(I.STFTInitializer("real")((frame, 1, bins)))
    import scipy.signal

    win = scipy.signal.get_window("hann", frame, False)
    np.testing.assert_allclose(hann[:, 0, 0], win / np.sqrt((win ** 2).sum()), rtol=1e-5, atol=1e-6)


def test_seeding_semantics():
    a = I.GlorotUniform(seed=7)
    np.testing.assert_array_equal(a((3, 4)), a((3, 4)))  # seeded: same values each call (Keras 3)
    np.testing.assert_array_equal(a((3, 4)), I.GlorotUniform(seed=7)((3, 4)))
    assert not np.array_equal(a((3, 4)), I.GlorotUniform(seed=8)((3, 4)))
    # init(key) is pure in the key.
    np.testing.assert_array_equal(a.init(KEY, (3, 4)), I.GlorotUniform().init(KEY, (3, 4)))
    assert not np.array_equal(a.init(KEY, (3, 4)), a.init(jax.random.PRNGKey(1), (3, 4)))
    # Unseeded: fresh values each call, reproducible after set_random_seed.
    set_random_seed(1)
    b = I.RandomNormal()
    first = [np.asarray(b((4,))) for _ in range(2)]
    assert not np.array_equal(first[0], first[1])
    set_random_seed(1)
    again = [np.asarray(b((4,))) for _ in range(2)]
    np.testing.assert_array_equal(first, again)


def test_init_is_jittable():
    f = jax.jit(lambda k: I.HeNormal().init(k, (4, 5)))
    np.testing.assert_allclose(f(KEY), I.HeNormal().init(KEY, (4, 5)), rtol=1e-6)


ALL = [I.Constant(2.0), I.Zeros(), I.Ones(), I.Identity(gain=0.5), I.RandomNormal(0.1, 0.2, seed=3),
       I.RandomUniform(-1.0, 1.0, seed=4), I.TruncatedNormal(0.0, 0.3, seed=5),
       I.VarianceScaling(2.0, "fan_out", "uniform", seed=6), I.GlorotUniform(seed=1), I.GlorotNormal(),
       I.HeNormal(seed=2), I.HeUniform(), I.LecunNormal(), I.LecunUniform(seed=9),
       I.Orthogonal(gain=1.5, seed=3), I.STFTInitializer("imag", "hamming", "spectrum", True)]


@pytest.mark.parametrize("init", ALL, ids=[type(i).__name__ for i in ALL])
def test_config_round_trip(init):
    cfg = init.get_config()
    clone = type(init).from_config(cfg)
    assert clone.get_config() == cfg
    ser = I.serialize(init)
    assert ser["class_name"] == type(init).__name__ and ser["module"] == "keras.initializers"
    back = I.deserialize(ser)
    assert type(back) is type(init) and back.get_config() == cfg
    shape = (3, 1, 5) if isinstance(init, I.STFTInitializer) else (4, 4)
    np.testing.assert_array_equal(back.init(KEY, shape), init.init(KEY, shape))


def test_expected_configs():
    assert I.RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert I.RandomUniform().get_config() == {"seed": None, "minval": -0.05, "maxval": 0.05}
    assert I.VarianceScaling().get_config() == {"seed": None, "scale": 1.0, "mode": "fan_in",
                                                "distribution": "truncated_normal"}
    assert I.GlorotUniform(seed=3).get_config() == {"seed": 3}
    assert I.Orthogonal().get_config() == {"seed": None, "gain": 1.0}
    assert I.Constant(1.0).get_config() == {"value": 1.0}
    assert I.Identity().get_config() == {"gain": 1.0}
    assert I.Zeros().get_config() == {}


@pytest.mark.parametrize("name,cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform), ("he_normal", I.HeNormal),
    ("zeros", I.Zeros), ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones),
    ("random_normal", I.RandomNormal), ("normal", I.RandomNormal), ("uniform", I.RandomUniform),
    ("orthogonal", I.Orthogonal), ("Orthogonal", I.Orthogonal), ("OrthogonalInitializer", I.Orthogonal),
    ("identity", I.Identity), ("constant", I.Constant), ("truncated_normal", I.TruncatedNormal),
    ("variance_scaling", I.VarianceScaling), ("lecun_uniform", I.LecunUniform),
])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls


def test_get_other_identifiers():
    assert I.get(None) is None
    inst = I.HeUniform(seed=1)
    assert I.get(inst) is inst
    assert isinstance(I.get(I.Ones), I.Ones)
    assert I.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev == 2.0
    fn = lambda shape, dtype=None: jnp.full(shape, 4.0)  # noqa: E731
    assert I.get(fn) is fn
    assert I.initialize(fn, KEY, (2,))[0] == 4.0
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    legacy = I.deserialize({"class_name": "GlorotUniform", "config": {"seed": None, "dtype": "float32"}})
    assert isinstance(legacy, I.GlorotUniform)  # TF 1.x-era configs carry a dtype key
    with pytest.raises(ValueError, match="Did you mean 'glorot_uniform'"):
        I.get("glorot_unifrom")
    with pytest.raises(ValueError, match="Could not interpret"):
        I.get(42)


def test_custom_initializer_subclass():
    @registry.register_keras_serializable(package="TestInit")
    class Twos(I.Initializer):
        def __call__(self, shape, dtype=None):
            return jnp.full(shape, 2.0, dtype=dtype or "float32")

    t = Twos()
    np.testing.assert_array_equal(t.init(KEY, (2,)), [2.0, 2.0])  # falls back to __call__
    back = I.deserialize(I.serialize(t))
    assert isinstance(back, Twos)
    assert isinstance(I.get("TestInit>Twos"), Twos)

    class Bare(I.Initializer):
        pass

    with pytest.raises(NotImplementedError):
        Bare()((2,))
