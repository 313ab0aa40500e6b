"""Data feeding: PyDataset workers run __getitem__ in parallel; a slow Python source overlaps with
the device step (prefetch thread)."""
import time

import numpy as np

import fkeras as keras
from fkeras import layers
from fkeras.trainers.programs import ProgramKey


class SlowDS(keras.utils.PyDataset):
    def __init__(self, delay, **kwargs):
        super().__init__(**kwargs)
        self.delay = delay
        r = np.random.default_rng(0)
        self.x = r.normal(size=(8 * 16, 4)).astype("float32")
        self.y = (self.x[:, 0] > 0).astype("int32")

    def __len__(self):
        return 8

    def __getitem__(self, i):
        time.sleep(self.delay)
        return self.x[i * 16:(i + 1) * 16], self.y[i * 16:(i + 1) * 16]


def _model():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


def test_pydataset_workers_read_in_parallel_and_in_order():
    m = _model()
    m.fit(SlowDS(0.0), epochs=1, verbose=0)  # compile outside the measurement
    serial, parallel = SlowDS(0.1, workers=1), SlowDS(0.1, workers=4)
    t0 = time.perf_counter()
    m.fit(serial, epochs=1, verbose=0)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.fit(parallel, epochs=1, verbose=0)
    t_parallel = time.perf_counter() - t0
    assert t_parallel < 0.6 * t_serial  # 8 x 0.1 s read by 4 threads
    # same batches, same order: identical predictions of the same-seeded model
    a, b = m.predict(serial, verbose=0), m.predict(parallel, verbose=0)
    np.testing.assert_array_equal(a, b)


def test_fit_on_a_real_grain_loader():
    """Any iterable of numpy batches works; grain (optional, CPU-only wheel) is a real one."""
    import pytest

    grain = pytest.importorskip("grain.python")
    r = np.random.default_rng(0)
    x = r.normal(size=(96, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    ds = (grain.MapDataset.source([(x[i], y[i]) for i in range(96)])
          .shuffle(seed=0).batch(batch_size=32, drop_remainder=False))
    m = _model()
    h = m.fit(ds, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and np.isfinite(h.history["loss"]).all()
    assert m.trace_counts.get(ProgramKey("train")) == 1
    assert m.predict(ds, verbose=0).shape == (96, 2)
