"""keras.utils: pack/unpack_x_y_sample_weight, timeseries_dataset_from_array, split_dataset,
get_source_inputs, is_keras_tensor, clear_session and CustomObjectScope -- against numpy
references, Keras's documented examples and (where it runs without TensorFlow) Keras 3 itself."""
import os
import random

import numpy as np
import pytest

import fkeras as keras
from fkeras.utils import PyDataset


def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    k = pytest.importorskip("keras")
    if k.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return k


# --------------------------------------------------------------------------------------------
# pack / unpack
# --------------------------------------------------------------------------------------------

def test_pack_and_unpack_x_y_sample_weight():
    x, y, sw = np.ones((10, 1)), np.zeros((10, 1)), np.arange(10.0)
    assert keras.utils.pack_x_y_sample_weight(x) is x
    assert keras.utils.pack_x_y_sample_weight([x, x]) == ([x, x],)  # several inputs stay one x
    packed = keras.utils.pack_x_y_sample_weight(x, y)
    assert isinstance(packed, tuple) and len(packed) == 2 and packed[0] is x and packed[1] is y
    assert len(keras.utils.pack_x_y_sample_weight(x, y, sw)) == 3
    for data, expected in ((x, (x, None, None)), ((x,), (x, None, None)), ((x, y), (x, y, None)),
                           ([x, y, sw], (x, y, sw))):
        out = keras.utils.unpack_x_y_sample_weight(data)
        assert len(out) == 3 and all(a is b for a, b in zip(out, expected))
    for args in ((x,), (x, y), (x, y, sw), ([x, x],), ([x, x], y)):
        packed = keras.utils.pack_x_y_sample_weight(*args)
        out = keras.utils.unpack_x_y_sample_weight(packed)
        assert all(a is b for a, b in zip(out, tuple(args) + (None,) * (3 - len(args))))
    with pytest.raises(ValueError, match="found a tuple of 4"):
        keras.utils.unpack_x_y_sample_weight((x, y, sw, sw))


def test_pack_unpack_parity_with_keras():
    k = _keras()
    x, y, sw = np.ones((4, 1)), np.zeros((4, 1)), np.ones(4)
    for args in ((x,), (x, y), (x, y, sw), ([x, x],), ((x, x), y)):
        ours, theirs = keras.utils.pack_x_y_sample_weight(*args), k.utils.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs)
        assert keras.utils.unpack_x_y_sample_weight(ours)[1] is k.utils.unpack_x_y_sample_weight(theirs)[1]


# --------------------------------------------------------------------------------------------
# timeseries_dataset_from_array
# --------------------------------------------------------------------------------------------

def ref_windows(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, start_index=None,
                end_index=None):
    """All windows and targets, the obvious (slow) way."""
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    xs, ys = [], []
    p = 0
    while True:
        idx = [start + p + j * sampling_rate for j in range(sequence_length)]
        if idx[-1] >= end or (targets is not None and start + p >= len(targets)):
            break
        xs.append(np.stack([data[i] for i in idx]))
        if targets is not None:
            ys.append(targets[start + p])
        p += sequence_stride
    return np.stack(xs), (np.asarray(ys) if targets is not None else None)


def collect(ds):
    batches = list(ds)
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    return np.concatenate(batches), None


def test_timeseries_documented_examples():
    data = np.arange(99)
    ds = keras.utils.timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2, sequence_stride=3)
    x = ds[0]
    np.testing.assert_array_equal(x[0], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    np.testing.assert_array_equal(x[1], [3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    np.testing.assert_array_equal(x[2], [6, 8, 10, 12, 14, 16, 18, 20, 22, 24])
    np.testing.assert_array_equal(x[-1], [78, 80, 82, 84, 86, 88, 90, 92, 94, 96])

    data = np.arange(100, dtype="float32")
    ds = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    for inputs, targets in ds:
        np.testing.assert_array_equal(inputs[0], data[:10])
        np.testing.assert_array_equal(targets[0], data[10])
        break

    X = np.arange(100)
    Y = X * 2
    inp = keras.utils.timeseries_dataset_from_array(X, None, sequence_length=20, sequence_stride=20)
    tgt = keras.utils.timeseries_dataset_from_array(Y, None, sequence_length=20, sequence_stride=20)
    for inputs, targets in zip(inp, tgt):
        np.testing.assert_array_equal(inputs[0], X[:20])
        np.testing.assert_array_equal(targets[1], Y[20:40])
        break


@pytest.mark.parametrize("kw", [
    dict(sequence_length=4),
    dict(sequence_length=3, sequence_stride=2, sampling_rate=3, batch_size=5),
    dict(sequence_length=5, start_index=7, end_index=40, batch_size=4),
    dict(sequence_length=2, sampling_rate=4, start_index=3, batch_size=None),
])
@pytest.mark.parametrize("with_targets", [True, False])
def test_timeseries_windows_match_numpy(kw, with_targets):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 3)).astype("float32")
    targets = rng.normal(size=(50,)).astype("float32") if with_targets else None
    ds = keras.utils.timeseries_dataset_from_array(data, targets, **kw)
    rx, ry = ref_windows(data, targets, **{k: v for k, v in kw.items() if k != "batch_size"})
    batch_size = kw.get("batch_size", 128)
    if batch_size is None:
        items = list(ds)
        assert len(ds) == len(rx)
        x = np.stack([it[0] if with_targets else it for it in items])
        y = np.stack([it[1] for it in items]) if with_targets else None
    else:
        assert len(ds) == -(-len(rx) // batch_size)
        first = ds[0][0] if with_targets else ds[0]
        assert first.shape[1:] == (kw["sequence_length"], 3)
        x, y = collect(ds)
    np.testing.assert_array_equal(x, rx)
    if with_targets:
        np.testing.assert_array_equal(y, ry)


def test_timeseries_shuffle_is_a_seeded_permutation_reshuffled_each_epoch():
    data = np.arange(60, dtype="float32")[:, None]
    targets = np.arange(60) * 10
    kw = dict(sequence_length=5, batch_size=8, shuffle=True, seed=3)
    ds = keras.utils.timeseries_dataset_from_array(data, targets, **kw)
    x1, y1 = collect(ds)  # iterating walks one epoch, then reshuffles
    x2, y2 = collect(ds)
    rx, ry = ref_windows(data, targets, sequence_length=5)
    order = np.argsort(y1)
    np.testing.assert_array_equal(x1[order], rx)
    np.testing.assert_array_equal(y1[order], ry)
    np.testing.assert_array_equal(x1[:, 0, 0] * 10, y1)  # windows and targets stay paired
    assert sorted(y2) == sorted(y1) and not np.array_equal(y1, y2)
    again, _ = collect(keras.utils.timeseries_dataset_from_array(data, targets, **kw))
    np.testing.assert_array_equal(again, x1)
    # the first order is Keras's start-position permutation: RandomState(seed).shuffle
    positions = np.arange(56)
    np.random.RandomState(3).shuffle(positions)
    np.testing.assert_array_equal(y1, targets[positions])


def test_timeseries_bad_arguments():
    data = np.zeros((10, 2))
    make = keras.utils.timeseries_dataset_from_array
    with pytest.raises(ValueError, match="start_index"):
        make(data, None, 3, start_index=-1)
    with pytest.raises(ValueError, match="start_index"):
        make(data, None, 3, start_index=10)
    with pytest.raises(ValueError, match="end_index"):
        make(data, None, 3, start_index=5, end_index=4)
    with pytest.raises(ValueError, match="end_index"):
        make(data, None, 3, end_index=10)
    with pytest.raises(ValueError, match="sampling_rate"):
        make(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride"):
        make(data, None, 3, sequence_stride=10)
    with pytest.raises(ValueError, match="format"):
        make(data, None, 3, format="torch")
    assert len(make(data, None, 20)) == 0  # longer than the series: no windows (as Keras)


def test_timeseries_dataset_feeds_fit():
    rng = np.random.default_rng(1)
    series = rng.normal(size=(120, 2)).astype("float32")
    train = keras.utils.timeseries_dataset_from_array(series[:-6], series[6:, 0], sequence_length=6,
                                                      batch_size=16, shuffle=True, seed=0)
    val = keras.utils.timeseries_dataset_from_array(series[:-6], series[6:, 0], sequence_length=6, batch_size=16)
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["val_loss"]).all()
    assert model.predict(val, verbose=0).shape == (109, 1)  # 114 steps, windows of 6


def test_timeseries_parity_with_keras_grain_format():
    k = _keras()
    pytest.importorskip("grain")
    rng = np.random.default_rng(2)
    data = rng.normal(size=(40, 3)).astype("float32")
    targets = np.arange(40)
    for kw in (dict(sequence_length=4, batch_size=8), dict(sequence_length=3, sampling_rate=2, sequence_stride=3,
                                                               start_index=2, end_index=35, batch_size=4)):
        theirs = list(k.utils.timeseries_dataset_from_array(data, targets, format="grain", **kw))
        ours = list(keras.utils.timeseries_dataset_from_array(data, targets, **kw))
        assert len(theirs) == len(ours)
        for (tx, ty), (ox, oy) in zip(theirs, ours):
            np.testing.assert_array_equal(np.asarray(tx), ox)
            np.testing.assert_array_equal(np.asarray(ty), oy)


# --------------------------------------------------------------------------------------------
# split_dataset
# --------------------------------------------------------------------------------------------

def test_split_dataset_documented_example_and_sizes():
    data = np.random.random(size=(1000, 4))
    left, right = keras.utils.split_dataset(data, left_size=0.8)
    assert (len(left), len(right)) == (800, 200)
    np.testing.assert_array_equal(np.stack(list(left)), data[:800])
    np.testing.assert_array_equal(np.stack(list(right)), data[800:])
    assert keras.utils.split_dataset(data, right_size=0.25)[0].arrays.shape == (750, 4)
    left, right = keras.utils.split_dataset(data, left_size=100, right_size=50)
    np.testing.assert_array_equal(left.arrays, data[:100])
    np.testing.assert_array_equal(right.arrays, data[-50:])
    left, right = keras.utils.split_dataset(data, left_size=0.3, right_size=0.2)
    assert (len(left), len(right)) == (300, 200)


def test_split_dataset_tuples_dicts_and_seeded_shuffle():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.arange(20)
    left, right = keras.utils.split_dataset((x, y), left_size=15, shuffle=True, seed=42)
    # Keras: random.seed(seed); random.shuffle(samples); left = first, right = last
    order = list(range(20))
    random.seed(42)
    random.shuffle(order)
    lx, ly = left.arrays
    np.testing.assert_array_equal(ly, y[order[:15]])
    np.testing.assert_array_equal(lx, x[order[:15]])
    np.testing.assert_array_equal(right.arrays[1], y[order[15:]])
    sample = left[0]
    assert isinstance(sample, tuple) and sample[0].shape == (2,) and sample[1] == y[order[0]]
    batch_x, batch_y = left.batch(4)[3]
    np.testing.assert_array_equal(batch_y, y[order[12:15]])  # the last, shorter batch
    assert len(left.batch(4)) == 4 and len(left.batch(4, drop_remainder=True)) == 3
    left, right = keras.utils.split_dataset([x, y], left_size=0.5)
    np.testing.assert_array_equal(right.arrays[0], x[10:])
    left, right = keras.utils.split_dataset({"a": x, "b": y}, right_size=5)
    assert set(left[0]) == {"a", "b"} and len(right) == 5
    np.testing.assert_array_equal(right.arrays["b"], y[15:])


def test_split_dataset_of_datasets():
    # an unbatched dataset of samples (e.g. from an earlier split) ...
    x = np.arange(30, dtype="float32").reshape(15, 2)
    y = np.arange(15)
    whole, _ = keras.utils.split_dataset((x, y), left_size=14)
    left, right = keras.utils.split_dataset(whole, left_size=0.5)
    assert (len(left), len(right)) == (7, 7) and left.batch_size is None
    np.testing.assert_array_equal(right.arrays[1], y[7:14])
    # ... and a batched one: the splits come back batched with its batch size
    series = np.arange(50, dtype="float32")
    ts = keras.utils.timeseries_dataset_from_array(series, series, sequence_length=5, batch_size=8)
    left, right = keras.utils.split_dataset(ts, left_size=30)
    assert left.batch_size == 8 and len(left) == 4 and len(right) == 2  # 46 windows: 30 + 16
    np.testing.assert_array_equal(left[0][0], np.stack([series[i:i + 5] for i in range(8)]))
    np.testing.assert_array_equal(right[1][1], series[38:46])


def test_split_dataset_feeds_fit():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    train, val = keras.utils.split_dataset((x, y), left_size=0.75, shuffle=True, seed=1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(train.batch(8), validation_data=val.batch(8), epochs=2, verbose=0)
    assert np.isfinite(history.history["val_loss"]).all()


def test_split_dataset_bad_arguments():
    data = np.zeros((10, 2))
    split = keras.utils.split_dataset
    with pytest.raises(ValueError, match="At least one"):
        split(data)
    with pytest.raises(TypeError, match="left_size"):
        split(data, left_size="5")
    with pytest.raises(ValueError, match="left_size"):
        split(data, left_size=10)
    with pytest.raises(ValueError, match="right_size"):
        split(data, right_size=1.5)
    with pytest.raises(ValueError, match="greater than 1"):
        split(data, left_size=0.7, right_size=0.6)
    with pytest.raises(ValueError, match="smaller than"):
        split(data, left_size=6, right_size=5)
    with pytest.raises(ValueError, match="will be empty"):
        split(data, left_size=0.01)
    with pytest.raises(ValueError, match="different lengths"):
        split((np.zeros((10, 2)), np.zeros(9)), left_size=5)
    with pytest.raises(TypeError):
        split(42, left_size=0.5)


# --------------------------------------------------------------------------------------------
# graph utilities
# --------------------------------------------------------------------------------------------

def _graph(lib, depth=25):
    a = lib.Input((4,), name="a")
    b = lib.Input((4,), name="b")
    c = lib.Input((4,), name="c")
    shared = lib.layers.Dense(4)
    h = shared(b)
    h2 = shared(a)  # a shared layer: its second call must lead back to `a`, not `b`
    s = lib.layers.Add()([h, h2])
    for _ in range(depth):  # 2**depth paths back to the same inputs
        s = lib.layers.Add()([s, lib.layers.Dense(4)(s)])
    out = lib.layers.Concatenate()([s, c])
    return (a, b, c), {"h": h, "h2": h2, "s": s, "out": out}


def test_get_source_inputs_and_is_keras_tensor():
    (a, b, c), t = _graph(keras)
    src = keras.utils.get_source_inputs

    def names(ts):
        return [x.name for x in ts]

    assert src(a) == [a]
    assert names(src(t["h"])) == ["b"] and names(src(t["h2"])) == ["a"]
    assert names(src(t["s"])) == ["b", "a"]
    assert names(src(t["out"])) == ["b", "a", "c"]
    model = keras.Model([a, b, c], t["out"])
    x, y, z = keras.Input((4,)), keras.Input((4,)), keras.Input((4,))
    called = model([z, y, x])
    assert len(src(called)) == 3 and all(p is q for p, q in zip(src(called), [z, y, x]))
    arr = np.ones(3)
    assert src(arr) is arr
    assert keras.utils.is_keras_tensor(a) and keras.utils.is_keras_tensor(t["out"])
    assert not keras.utils.is_keras_tensor(arr) and not keras.utils.is_keras_tensor(model.weights[0])


def test_get_source_inputs_parity_with_keras():
    k = _keras()
    ours_in, ours = _graph(keras, depth=4)
    theirs_in, theirs = _graph(k, depth=4)  # Keras walks every path: exponential in depth
    for key in ("h", "h2", "s", "out"):
        o = [ours_in.index(x) for x in keras.utils.get_source_inputs(ours[key])]
        t = [theirs_in.index(x) for x in k.utils.get_source_inputs(theirs[key])]
        assert o == t, key
    assert k.utils.is_keras_tensor(theirs_in[0]) == keras.utils.is_keras_tensor(ours_in[0])


# --------------------------------------------------------------------------------------------
# clear_session, CustomObjectScope
# --------------------------------------------------------------------------------------------

def test_clear_session_resets_global_state():
    _ = [keras.layers.Dense(10) for _ in range(10)]
    assert keras.layers.Dense(10).name == "dense_10"
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.predict(np.ones((2, 3), "float32"), verbose=0)
    keras.utils.set_random_seed(5)
    keras.utils.clear_session()
    assert keras.layers.Dense(10).name == "dense"
    assert keras.Sequential().name == "sequential"
    assert keras.mixed_precision.global_policy().name == "float32"
    assert keras.distribution.distribution() is None
    keras.utils.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == "dense"
    # the old model still works after its caches are gone
    assert model.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 2)


def test_custom_object_scope_exported():
    assert keras.utils.CustomObjectScope is keras.saving.CustomObjectScope

    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    config = keras.layers.serialize(Twice(name="twice"))
    with keras.utils.CustomObjectScope({"Twice": Twice}):
        layer = keras.layers.deserialize(config)
        assert keras.saving.get_registered_object("Twice") is Twice
    assert isinstance(layer, Twice)
    with keras.utils.custom_object_scope({"Twice": Twice}) as scope:
        assert isinstance(scope, keras.utils.CustomObjectScope)
    with pytest.raises((TypeError, ValueError)):
        keras.layers.deserialize(config)


def test_utils_names_exist_in_keras():
    k = _keras()
    for name in ("pack_x_y_sample_weight", "unpack_x_y_sample_weight", "timeseries_dataset_from_array",
                 "split_dataset", "get_source_inputs", "is_keras_tensor", "clear_session", "CustomObjectScope",
                 "custom_object_scope"):
        assert hasattr(k.utils, name) and hasattr(keras.utils, name), name
    assert isinstance(keras.utils.split_dataset(np.zeros((4, 1)), left_size=2)[0], PyDataset)
