"""The data path of fit/evaluate/predict (fkeras.trainers.feeding): resident and streamed arrays
train alike (on this CPU backend, arrays already on the device take the resident path and numpy
arrays are read in place by the streamed one, as on an accelerator over the budget), every epoch
is a permutation, data over the budget streams with a warning, stopped
fits leave no threads behind, uint8 stays uint8, bad input fails before any step, and data of
any size shares the compiled programs."""
import re
import threading
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers
from fkeras.trainers import data_adapters as da, feeding
from fkeras.trainers.programs import ProgramKey

BATCH = 16
ROW_BYTES = 5 * 4 + 4  # x: 5 float32, y: one int32
SMALL_CHUNK = 2 * BATCH * ROW_BYTES  # feeding.CHUNK_BYTES giving chunks of 2 batches: several per epoch


@pytest.fixture(autouse=True)
def _default_budget(monkeypatch):
    """Every test starts and ends with the default budget and prefetch depth."""
    monkeypatch.delenv("FKERAS_RESIDENT_DATA_BUDGET", raising=False)
    feeding.set_resident_data_budget(None)
    feeding.set_prefetch_depth(None)
    yield
    feeding.set_resident_data_budget(None)
    feeding.set_prefetch_depth(None)


@pytest.fixture
def iterators(monkeypatch):
    """The EpochIterators fit/evaluate/predict make, recorded with which path each took and the
    dtypes of the arrays placed on the device (read at construction: ``close`` drops them)."""
    made = []

    class Recorded(feeding.EpochIterator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.placed_dtypes = [np.dtype(a.dtype) for a in jax.tree_util.tree_leaves(self._resident)]
            made.append(self)

    monkeypatch.setattr(feeding, "EpochIterator", Recorded)
    return made


def data(n=70, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, 5)).astype("float32")
    y = (np.argmax(x[:, :3], axis=1)).astype("int32")
    return x, y


def on_device(*arrays):
    """The arrays as jax arrays on the device (None stays None): the resident path's input here."""
    return tuple(None if a is None else jnp.asarray(a) for a in arrays)


def model(seed=1, dropout=0.0, steps_per_execution=1):
    """A small MLP; ``steps_per_execution="auto"`` leaves fit free to fuse steps (slower to compile)."""
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([
        keras.Input((5,)),
        layers.Dense(8, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(3, activation="softmax"),
    ])
    kwargs = {} if steps_per_execution == "auto" else {"steps_per_execution": steps_per_execution}
    m.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"], **kwargs)
    return m


# Feeding threads only: other parts of fkeras keep long-lived pools (ImageDataGenerator's
# "fkeras-image-load" readers), which earlier tests in the same worker may have started.
_FEEDING = ("fkeras-feeder", "fkeras-gather", "fkeras-place", "fkeras-pydataset")


def fkeras_threads():
    return sorted(t.name for t in threading.enumerate() if t.name.startswith(_FEEDING))


def wait_for_threads(before, timeout=2.0):
    """Poll until every thread started since ``before`` (a set of threads) has ended and no
    feeding thread is left; return the names of those still alive."""
    deadline = time.monotonic() + timeout
    while True:
        new = sorted(t.name for t in threading.enumerate() if t not in before)
        left = sorted(set(new) | set(fkeras_threads()))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


# --------------------------------------------------------------------------- 1. resident == streamed

@pytest.mark.parametrize("shuffle, dropout, spe, chunk_bytes", [
    (True, 0.0, "auto", None),      # one chunk an epoch; 8 auto-fused steps, then the partial batch
    (True, 0.5, 1, SMALL_CHUNK),    # Dropout, sample weights; chunks of 2 batches: ring buffers reused
    (False, 0.0, 4, SMALL_CHUNK),   # steps_per_execution=4: chunks of 4 batches, the last partial
], ids=["shuffle-autofused", "shuffle-dropout-sampleweight-smallchunks", "noshuffle-spe4-smallchunks"])
def test_resident_and_streamed_train_evaluate_predict_alike(monkeypatch, iterators, shuffle, dropout, spe,
                                                             chunk_bytes):
    if chunk_bytes is not None:
        monkeypatch.setattr(feeding, "CHUNK_BYTES", chunk_bytes)
    x, y = data(140)  # 8 full batches of 16 and a partial one of 12
    sw = np.linspace(0.5, 1.5, 140).astype("float32") if dropout else None
    vx, vy = data(21, seed=3)
    results = {}
    for resident in (True, False):
        del iterators[:]
        xs, ys, sws, vxs, vys = on_device(x, y, sw, vx, vy) if resident else (x, y, sw, vx, vy)
        m = model(dropout=dropout, steps_per_execution=spe)
        h = m.fit(xs, ys, sample_weight=sws, batch_size=BATCH, epochs=2, shuffle=shuffle,
                  validation_data=(vxs, vys), verbose=0)
        # the train and the validation data took the path under test
        assert [it.resident for it in iterators] == [resident] * 2
        if chunk_bytes is not None:
            assert iterators[0].chunk_length() < iterators[0].data.steps  # several chunks an epoch
        ev = m.evaluate(xs, ys, batch_size=BATCH, verbose=0)
        pred = m.predict(xs, batch_size=BATCH, verbose=0)
        assert [it.resident for it in iterators[2:]] == [resident] * 2
        assert pred.shape == (140, 3)
        results[resident] = (m.get_weights(), h.history, ev, pred, m)
    (w_r, h_r, ev_r, p_r, m_r), (w_s, h_s, ev_s, p_s, m_s) = results[True], results[False]
    assert len(w_r) == len(w_s) == 4
    for a, b in zip(w_r, w_s):
        np.testing.assert_array_equal(a, b)
    assert h_r == h_s
    np.testing.assert_array_equal(ev_r, ev_s)
    np.testing.assert_array_equal(p_r, p_s)
    # the same model evaluated and predicted both ways (only the data path differs): device
    # arrays stream too when the budget is 0
    feeding.set_resident_data_budget(0)
    xd, yd = on_device(x, y)
    np.testing.assert_array_equal(m_r.evaluate(xd, yd, batch_size=BATCH, verbose=0), ev_r)
    np.testing.assert_array_equal(m_r.predict(xd, batch_size=BATCH, verbose=0), p_r)
    assert iterators[-1].resident is False and iterators[-2].resident is False
    fused = 8 if spe == "auto" else spe  # the fused program ran on both paths (9 steps: 8 or 2x4 fused, then 1)
    assert m_r.trace_counts.get(ProgramKey("train", fused)) == m_s.trace_counts.get(ProgramKey("train", fused)) == 1


# --------------------------------------------------------------------------- 2. epoch order

def epoch_rows(it, epoch, seed):
    """The row ids of one epoch, in the order the steps read them (padding rows left out)."""
    rows = []
    for feed in it.epoch(epoch, seed):
        xs = np.array(feed.arrays[0])[:feed.steps, :, 0]  # a copy: the streamed buffer is reused
        real = np.asarray(feed.real) > 0
        assert real.shape == xs.shape
        if feed.arrays[3] is not None:  # the mask the step sees marks the same rows
            np.testing.assert_array_equal(np.array(feed.arrays[3])[:feed.steps] > 0, real)
        rows.append(xs[real])
        feed.release(None)
    return np.concatenate(rows).astype(np.int64)


def order_iterators(n, steps=None, shuffle=True, chunk_bytes=None, monkeypatch=None):
    if chunk_bytes is not None:
        monkeypatch.setattr(feeding, "CHUNK_BYTES", chunk_bytes)
    x = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    y = np.arange(n, dtype=np.int32)
    its = []
    for resident in (True, False):
        xs, ys = on_device(x, y) if resident else (x, y)
        it = feeding.EpochIterator(da.make_data(xs, ys, batch_size=BATCH, shuffle=shuffle, steps=steps))
        assert it.resident is resident
        its.append(it)
    return its


@pytest.mark.parametrize("chunk_bytes", [None, SMALL_CHUNK], ids=["one-chunk", "small-chunks"])
def test_each_epoch_is_a_permutation_that_depends_on_epoch_and_seed(monkeypatch, chunk_bytes):
    resident, streamed = order_iterators(70, chunk_bytes=chunk_bytes, monkeypatch=monkeypatch)
    orders = {}
    for seed in (0, 1):
        for epoch in range(3):
            r = epoch_rows(resident, epoch, seed)
            np.testing.assert_array_equal(r, epoch_rows(streamed, epoch, seed))  # same rows, same order
            assert len(r) == 70 and sorted(r) == list(range(70))  # every row exactly once
            orders[seed, epoch] = tuple(r)
    assert len(set(orders.values())) == 6  # each epoch and each seed its own order
    assert tuple(epoch_rows(resident, 1, 0)) == orders[0, 1]  # and reproducible


def test_without_shuffle_every_epoch_is_the_data_order():
    resident, streamed = order_iterators(70, shuffle=False)
    for it in (resident, streamed):
        for epoch in range(2):
            np.testing.assert_array_equal(epoch_rows(it, epoch, seed=epoch), np.arange(70))


@pytest.mark.parametrize("chunk_bytes", [None, SMALL_CHUNK], ids=["one-chunk", "small-chunks"])
def test_steps_per_epoch_beyond_the_data_cycles_through_permutations(monkeypatch, chunk_bytes):
    """steps_per_epoch=12 of 16 rows over 70 rows: 192 rows, each full pass over the data a
    permutation, the rest distinct rows; no padding."""
    resident, streamed = order_iterators(70, steps=12, chunk_bytes=chunk_bytes, monkeypatch=monkeypatch)
    for epoch in range(2):
        r = epoch_rows(resident, epoch, seed=5)
        np.testing.assert_array_equal(r, epoch_rows(streamed, epoch, seed=5))
        assert len(r) == 12 * BATCH
        assert sorted(r[:70]) == list(range(70))
        assert sorted(r[70:140]) == list(range(70))
        assert len(set(r[140:])) == 52
        assert tuple(r[:70]) != tuple(r[70:140])  # each pass reshuffled


def test_steps_per_epoch_without_shuffle_cycles_in_order():
    resident, streamed = order_iterators(40, steps=4, shuffle=False)  # 64 rows of 40
    for it in (resident, streamed):
        np.testing.assert_array_equal(epoch_rows(it, 0, 0), np.r_[np.arange(40), np.arange(24)])


# --------------------------------------------------------------------------- 3. over the budget

def test_data_over_the_budget_streams_with_one_warning_and_trains_alike(iterators):
    x, y = on_device(*data(70))
    m_res = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default budget holds this data: no warning
        m_res.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)
    assert iterators[-1].resident

    keras.config.set_resident_data_budget(4096)  # bytes: far less than the data and its chunks
    assert keras.config.resident_data_budget() == 4096
    m = model()
    with pytest.warns(UserWarning, match="set_resident_data_budget") as record:
        m.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)
    budget_warnings = [w for w in record if "set_resident_data_budget" in str(w.message)]
    assert len(budget_warnings) == 1
    message = str(budget_warnings[0].message)
    assert "\n" not in message
    assert "keras.config.set_resident_data_budget" in message and callable(keras.config.set_resident_data_budget)
    assert not iterators[-1].resident
    for a, b in zip(m.get_weights(), m_res.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_numpy_arrays_on_the_cpu_backend_stream_in_place_whatever_the_budget(iterators):
    """The CPU device computes from host memory: numpy arrays are read where they are (no
    resident copy), so no budget applies to them and no notice is given."""
    assert jax.devices()[0].platform == "cpu"
    x, y = data(70)
    for budget in (None, 4096):
        keras.config.set_resident_data_budget(budget)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model().fit(x, y, batch_size=BATCH, epochs=1, validation_data=data(20, seed=1), verbose=0)
        assert [(it.resident, it.notice) for it in iterators[-2:]] == [(False, None)] * 2


def test_a_tiny_fraction_or_the_environment_variable_sets_the_budget(monkeypatch, iterators):
    x, y = on_device(*data(40))
    feeding.set_resident_data_budget(1e-7)  # a fraction of free memory: a few KiB
    with pytest.warns(UserWarning, match="set_resident_data_budget"):
        model().fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    assert not iterators[-1].resident
    feeding.set_resident_data_budget(None)
    monkeypatch.setenv("FKERAS_RESIDENT_DATA_BUDGET", "0")  # 0: always stream, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model().predict(x, verbose=0)
    assert not iterators[-1].resident
    monkeypatch.setenv("FKERAS_RESIDENT_DATA_BUDGET", "lots")
    with pytest.raises(ValueError, match="FKERAS_RESIDENT_DATA_BUDGET"):
        model().predict(x, verbose=0)
    for bad in (-1, float("nan"), True, "1"):
        with pytest.raises(ValueError, match="budget"):
            feeding.set_resident_data_budget(bad)


def _sizes_in_bytes(message):
    units = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
    found = re.findall(r"(?:needs|budget of) ([\d.,]+) (bytes|KiB|MiB|GiB)", message)
    return [float(v.replace(",", "")) * units[u] for v, u in found]


def test_the_warning_names_sizes_that_show_the_data_is_over_the_budget():
    keras.config.set_resident_data_budget(4096)
    x, y = on_device(*data(70))
    with pytest.warns(UserWarning, match="set_resident_data_budget") as record:
        model().fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    need, budget = _sizes_in_bytes(str(record[0].message))
    assert need > budget > 0


def test_fit_with_validation_data_over_the_budget_warns_once_for_each_naming_it():
    keras.config.set_resident_data_budget(4096)
    x, y = on_device(*data(70))
    with pytest.warns(UserWarning, match="set_resident_data_budget") as record:
        model().fit(x, y, batch_size=BATCH, epochs=2, validation_data=on_device(*data(30, seed=1)), verbose=0)
    lines = [str(w.message) for w in record if "set_resident_data_budget" in str(w.message)]
    assert len(lines) == 2  # once per fit for each, not once per validation epoch
    assert lines[0].startswith("fkeras: the data needs") and lines[1].startswith("fkeras: the validation data needs")


def test_the_over_budget_warning_of_evaluate_points_at_the_caller():
    x, y = on_device(*data(70))
    m = model()
    keras.config.set_resident_data_budget(4096)
    with pytest.warns(UserWarning, match="set_resident_data_budget") as record:
        m.evaluate(x, y, batch_size=BATCH, verbose=0)
    assert record[0].filename == __file__


# --------------------------------------------------------------------------- 4. cleanup after a stopped fit

class StopAt(keras.callbacks.Callback):
    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.model.stop_training = True


class RaiseAt(StopAt):
    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            raise RuntimeError("callback failed")


def batches(x, y, fail_at=None):
    """An endless generator of batches of 8 (raising on batch ``fail_at``)."""
    i = 0
    while True:
        if i == fail_at:
            raise ValueError("bad batch")
        j = (i * 8) % (len(x) - 8)
        yield x[j:j + 8], y[j:j + 8]
        i += 1


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.fail_at = x, y, fail_at

    def __len__(self):
        return len(self.x) // 8

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError("bad batch")
        return self.x[i * 8:(i + 1) * 8], self.y[i * 8:(i + 1) * 8]


@pytest.fixture(scope="module")
def shared_model():
    """One compiled model for the cleanup tests (each starts from its first weights)."""
    m = model()
    m.predict(data(8)[0], verbose=0)  # builds and starts JAX's own threads outside the counts
    return m, m.get_weights()


@pytest.mark.parametrize("source", ["streamed", "generator", "pydataset"])
@pytest.mark.parametrize("how", ["stop_training", "callback_raises", "source_raises", "terminate_on_nan"])
def test_a_stopped_fit_leaves_no_threads(monkeypatch, iterators, shared_model, source, how):
    if source == "streamed" and how == "source_raises":
        pytest.skip("in-memory arrays cannot fail mid-epoch")
    monkeypatch.setattr(feeding, "CHUNK_BYTES", 8 * ROW_BYTES)  # chunks of one batch: the feeder works ahead
    feeding.set_resident_data_budget(0)
    x, y = data(96)
    if how == "terminate_on_nan":
        x = np.full_like(x, np.nan)
    fail_at = 2 if how == "source_raises" else None
    if source == "streamed":
        fit_data = dict(x=x, y=y, batch_size=8)
    elif source == "generator":
        fit_data = dict(x=batches(x, y, fail_at), steps_per_epoch=10)
    else:
        fit_data = dict(x=Batches(x, y, fail_at, workers=2, max_queue_size=4))
    callbacks = {"stop_training": [StopAt(1)], "callback_raises": [RaiseAt(1)], "source_raises": [],
                 "terminate_on_nan": [keras.callbacks.TerminateOnNaN()]}[how]
    m, weights = shared_model
    m.set_weights(weights)
    steps_before = int(m.optimizer.iterations)
    before = set(threading.enumerate())
    assert not fkeras_threads()
    if how in ("callback_raises", "source_raises"):
        with pytest.raises(RuntimeError if how == "callback_raises" else ValueError,
                           match="callback failed|bad batch"):
            m.fit(**fit_data, epochs=3, callbacks=callbacks, verbose=0)
    else:
        h = m.fit(**fit_data, epochs=3, callbacks=callbacks, verbose=0)
        assert len(h.history["loss"]) == 1  # stopped in the first epoch
    if source == "streamed":
        assert iterators[-1].resident is False
    if how != "source_raises":  # (a fit that raised keeps the weights its callbacks last saw)
        steps = int(m.optimizer.iterations) - steps_before
        assert steps == {"stop_training": 2, "callback_raises": 2, "terminate_on_nan": 1}[how]
    assert wait_for_threads(before) == []


def test_streamed_buffers_are_reused_correctly_after_a_stopped_fit(monkeypatch):
    """After fits that stopped mid-epoch (some buffers handed back, one not), streamed evaluate
    and predict still read the right rows: they match the resident path bitwise."""
    monkeypatch.setattr(feeding, "CHUNK_BYTES", SMALL_CHUNK)
    x, y = data(70)
    m = model()
    feeding.set_resident_data_budget(0)
    for cb in (StopAt(1), RaiseAt(2), StopAt(3)):
        try:
            m.fit(x, y, batch_size=BATCH, epochs=2, callbacks=[cb], verbose=0)
        except RuntimeError:
            pass
    ev_s, p_s = m.evaluate(x, y, batch_size=BATCH, verbose=0), m.predict(x, batch_size=BATCH, verbose=0)
    feeding.set_resident_data_budget(None)
    xd, yd = on_device(x, y)
    np.testing.assert_array_equal(ev_s, m.evaluate(xd, yd, batch_size=BATCH, verbose=0))
    np.testing.assert_array_equal(p_s, m.predict(xd, batch_size=BATCH, verbose=0))
    assert not fkeras_threads()


# --------------------------------------------------------------------------- 5. uint8

def image_model():
    keras.utils.set_random_seed(3)
    m = keras.Sequential([keras.Input((4, 4, 3)), layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(2)])
    m.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


def test_uint8_images_stay_uint8_on_the_device_and_train_like_float32(iterators):
    r = np.random.default_rng(0)
    x8 = r.integers(0, 256, size=(40, 4, 4, 3), dtype=np.uint8)
    y = r.integers(0, 2, size=40).astype("int32")

    m8 = image_model()
    m8.fit(*on_device(x8, y), batch_size=8, epochs=2, verbose=0)
    it = iterators[-1]
    assert it.resident and it.placed_dtypes[0] == np.uint8  # 1 byte a pixel on the device, not 4
    m32 = image_model()
    m32.fit(*on_device(x8.astype("float32"), y), batch_size=8, epochs=2, verbose=0)
    assert iterators[-1].placed_dtypes[0] == np.float32
    for a, b in zip(m8.get_weights(), m32.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)

    # the chunks the steps read are uint8 on both paths
    for resident in (True, False):
        itr = feeding.EpochIterator(da.make_data(*(on_device(x8, y) if resident else (x8, y)), batch_size=8,
                                                 shuffle=True))
        assert itr.resident is resident
        for feed in itr.epoch(0, 0):
            assert feed.arrays[0].dtype == np.uint8
            feed.release(None)
    np.testing.assert_allclose(m8.predict(x8, verbose=0), m32.predict(x8.astype("float32"), verbose=0),
                               rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- 6. bad input

@pytest.mark.parametrize("validation_split", [0.0, 0.2])
def test_mismatched_sizes_fail_before_any_step_naming_both(validation_split):
    x, _ = data(100)
    y = np.zeros(90, "int32")
    m = model()
    with pytest.raises(ValueError) as e:
        m.fit(x, y, batch_size=BATCH, validation_split=validation_split, verbose=0)
    assert "100" in str(e.value) and "90" in str(e.value)
    assert int(m.optimizer.iterations) == 0


def test_mismatched_validation_data_or_sample_weight_fail_before_any_step():
    x, y = data(100)
    m = model()
    with pytest.raises(ValueError) as e:
        m.fit(x, y, batch_size=BATCH, validation_data=(x[:30], y[:20]), verbose=0)
    assert "30" in str(e.value) and "20" in str(e.value) and "`validation_data`" in str(e.value)
    with pytest.raises(ValueError) as e:
        m.fit(x, y, sample_weight=np.ones(99, "float32"), batch_size=BATCH, verbose=0)
    assert "100" in str(e.value) and "99" in str(e.value)
    with pytest.raises(ValueError) as e:
        m.evaluate(x, y[:77], verbose=0)
    assert "100" in str(e.value) and "77" in str(e.value)
    assert int(m.optimizer.iterations) == 0


def test_string_labels_fail_before_any_step_saying_how_to_encode_them():
    x, _ = data(12)
    y = np.array(["cat", "dog", "bird"] * 4)
    m = model()
    for call in (lambda: m.fit(x, y, batch_size=4, verbose=0), lambda: m.evaluate(x, y, verbose=0)):
        with pytest.raises(ValueError, match=r"`y` holds strings \(dtype <U4, e.g. 'cat', 'dog', 'bird'\)") as e:
            call()
        assert "np.unique" in str(e.value) and "StringLookup" in str(e.value)
    assert int(m.optimizer.iterations) == 0


@pytest.mark.parametrize("kwargs, names", [
    (dict(validation_split=1.5), "validation_split=1.5"),
    (dict(validation_split=-0.1), "validation_split=-0.1"),
    (dict(steps_per_epoch=-1), "steps_per_epoch=-1"),
    (dict(epochs=-1), "epochs=-1"),
    (dict(epochs=2.5), "epochs=2.5"),
    (dict(class_weight={"cat": 1.0}), "['cat']"),
    (dict(class_weight={0: "heavy"}), "heavy"),
    (dict(validation_freq=0), "validation_freq=0"),
    (dict(validation_freq=[1, 2.5]), "validation_freq=[1, 2.5]"),
])
def test_bad_fit_arguments_fail_before_any_step_naming_the_argument(kwargs, names):
    x, y = data(40)
    m = model()
    with pytest.raises(ValueError, match=re.escape(names)):
        m.fit(x, y, batch_size=BATCH, verbose=0, **kwargs)
    assert int(m.optimizer.iterations) == 0 and not m.trace_counts


def test_sparse_labels_outside_the_classes_fail_before_any_step():
    x, y = data(40)
    y = y.copy()
    y[-1] = 7  # the model predicts 3 classes; the bad label is in the last batch, not the first
    m = model()
    with pytest.raises(ValueError, match=r"labels in \[0, 3\).*`y` holds 7"):
        m.fit(x, y, batch_size=BATCH, verbose=0)
    assert int(m.optimizer.iterations) == 0
    # tf.keras's documented `steps_per_epoch=len(x) / batch_size` (a float) is rounded up
    m.fit(x, np.minimum(y, 2), batch_size=BATCH, steps_per_epoch=40 / BATCH, verbose=0)
    assert int(m.optimizer.iterations) == 3


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_fails_before_any_step(batch_size):
    x, y = data(64)
    m = model()
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(x, y, batch_size=batch_size, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(x, y, batch_size=batch_size, validation_split=0.25, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        m.evaluate(x, y, batch_size=batch_size, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        m.predict(x, batch_size=batch_size, verbose=0)
    assert int(m.optimizer.iterations) == 0
    assert not m.trace_counts  # nothing was even compiled


@pytest.mark.parametrize("validation_batch_size", [-1, 2.5])
def test_bad_validation_batch_size_fails_before_any_step(validation_batch_size):
    x, y = data(64)
    m = model()
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(x, y, batch_size=BATCH, validation_data=(x, y), validation_batch_size=validation_batch_size,
              verbose=0)
    assert int(m.optimizer.iterations) == 0


# --------------------------------------------------------------------------- 7. no re-tracing

def test_data_of_any_size_and_either_path_shares_the_programs(iterators):
    m = model()
    x, y = on_device(*data(70))
    m.fit(x, y, batch_size=BATCH, epochs=2, validation_data=on_device(*data(21, seed=1)), verbose=0)
    x2, y2 = on_device(*data(133, seed=2))
    m.fit(x2, y2, batch_size=BATCH, epochs=1, validation_data=on_device(*data(50, seed=3)), verbose=0)
    m.evaluate(*on_device(*data(37, seed=4)), batch_size=BATCH, verbose=0)
    m.predict(on_device(data(301, seed=6)[0])[0], batch_size=BATCH, verbose=0)
    assert all(it.resident for it in iterators)
    # the streamed path reads the same programs (numpy arrays here; device arrays with budget 0)
    m.fit(*data(90, seed=7), batch_size=BATCH, epochs=1, verbose=0)
    m.evaluate(*data(45, seed=8), batch_size=BATCH, verbose=0)
    feeding.set_resident_data_budget(0)
    m.predict(on_device(data(29, seed=9)[0])[0], batch_size=BATCH, verbose=0)
    assert not any(it.resident for it in iterators[-3:])
    assert {ProgramKey("train"), ProgramKey("test"), ProgramKey("predict")} <= set(m.trace_counts)
    assert set(m.trace_counts) <= {ProgramKey("train"), ProgramKey("train", 8), ProgramKey("test"),
                                   ProgramKey("predict")}
    assert all(v == 1 for v in m.trace_counts.values()), m.trace_counts
