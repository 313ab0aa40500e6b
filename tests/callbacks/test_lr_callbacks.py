"""ReduceLROnPlateau and LearningRateScheduler: the LR sequence, that the step uses it, no re-trace."""
import math
import types
import warnings

import numpy as np
import pytest
from cb_helpers import ScriptedMetric, WeightRecorder, make_data, make_model

import fkeras as keras
from fkeras import layers
from fkeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from fkeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau


def fake_model(lr):
    return types.SimpleNamespace(optimizer=types.SimpleNamespace(learning_rate=lr), stop_training=False)


def run_scripted(cb, model, values, key="val_loss"):
    cb.set_model(model)
    cb.on_train_begin()
    logged, after = [], []
    for epoch, v in enumerate(values):
        logs = {key: v}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(model.optimizer.learning_rate)
    return logged, after


def test_reduce_lr_scripted_sequence_with_patience_cooldown_and_floor():
    # Traced by hand from Keras's rule (improvement: v + min_delta < best; the cooldown epoch itself
    # counts towards patience once the counter reaches 0; no reduction once lr <= float32(min_lr)).
    m = fake_model(1.0)
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_delta=0.01, min_lr=0.2)
    losses = [1.0, 0.9, 0.895, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    logged, after = run_scripted(cb, m, losses)
    assert after == [1, 1, 1, .5, .5, .5, .25, .25, .2, .2, .2, .2]
    assert logged == [1, 1, 1, 1, .5, .5, .5, .25, .25, .2, .2, .2]  # logged before that epoch's change
    assert cb.best == 0.8


def test_reduce_lr_max_mode_inferred_from_accuracy():
    m = fake_model(0.1)
    cb = ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, min_delta=0.0)
    _, after = run_scripted(cb, m, [0.5, 0.6, 0.6, 0.7, 0.65], key="val_accuracy")
    np.testing.assert_allclose(after, [0.1, 0.1, 0.01, 0.01, 0.001])


def test_reduce_lr_missing_monitor_warns_once_and_changes_nothing():
    m = fake_model(0.1)
    cb = ReduceLROnPlateau(monitor="val_loss", patience=0)
    cb.set_model(m)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for epoch in range(4):
            logs = {"loss": 1.0}
            cb.on_epoch_end(epoch, logs)
            assert logs["learning_rate"] == 0.1
    msgs = [str(i.message) for i in w]
    assert len(msgs) == 1 and "`val_loss` which is not available" in msgs[0] and "loss,learning_rate" in msgs[0]
    assert m.optimizer.learning_rate == 0.1


def test_reduce_lr_rejects_factor_at_least_one():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_in_fit_changes_the_rate_the_step_uses_without_retrace():
    x, y = make_data()
    model = make_model(lr=0.1)
    # score plateaus after epoch 0: patience=2 -> reduced at the ends of epochs 2 and 4.
    score = [1.0, 1.0, 1.0, 1.0, 1.0]
    cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, min_delta=0.0)
    h = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[ScriptedMetric("score", score), cb])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05])
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    assert model.trace_counts and all(v == 1 for v in model.trace_counts.values())


def test_reduced_rate_reaches_the_jitted_step():
    # factor=0 drops the rate to 0 after epoch 1: from then on the weights must not move.
    x, y = make_data()
    model = make_model(lr=0.1)
    recorder = WeightRecorder()
    cb = ReduceLROnPlateau(monitor="score", factor=0.0, patience=1, min_delta=0.0)
    model.fit(x, y, epochs=4, batch_size=16, verbose=0,
              callbacks=[ScriptedMetric("score", [1.0] * 4), cb, recorder])
    assert model.optimizer.learning_rate == 0.0
    assert not all(np.array_equal(a, b) for a, b in zip(recorder.epochs[0], recorder.epochs[1]))
    for e in (2, 3):
        for a, b in zip(recorder.epochs[1], recorder.epochs[e]):
            np.testing.assert_array_equal(a, b)
    assert all(v == 1 for v in model.trace_counts.values())


def test_scheduler_matches_keras_docstring_example():
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * math.exp(-0.1)

    model = keras.Sequential([keras.Input((20,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    assert round(model.optimizer.learning_rate, 5) == 0.01
    h = model.fit(np.arange(100).reshape(5, 20).astype("float32"), np.zeros(5, "float32"), epochs=15,
                  callbacks=[LearningRateScheduler(scheduler)], verbose=0)
    assert round(model.optimizer.learning_rate, 5) == 0.00607
    expected = [0.01 * math.exp(-0.1 * max(0, e - 9)) for e in range(15)]
    np.testing.assert_allclose(h.history["learning_rate"], expected, rtol=1e-12)
    assert all(v == 1 for v in model.trace_counts.values())


def test_scheduler_one_argument_form_and_the_step_uses_it():
    x, y = make_data()
    model = make_model(lr=0.1)
    recorder = WeightRecorder()
    sched = LearningRateScheduler(lambda epoch: 0.2 if epoch < 2 else 0.0)
    h = model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[sched, recorder])
    assert h.history["learning_rate"] == [0.2, 0.2, 0.0, 0.0]
    for a, b in zip(recorder.epochs[1], recorder.epochs[3]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(recorder.epochs[0], recorder.epochs[1]))
    assert all(v == 1 for v in model.trace_counts.values())


def test_scheduler_typeerror_inside_schedule_is_not_swallowed():
    def bad(epoch, lr):
        return lr + "x"

    cb = LearningRateScheduler(bad)
    cb.set_model(fake_model(0.1))
    with pytest.raises(TypeError):
        cb.on_epoch_begin(0)


@pytest.mark.parametrize("value", ["0.1", None, np.array([0.1, 0.2])])
def test_scheduler_rejects_non_float_output(value):
    cb = LearningRateScheduler(lambda epoch, lr: value)
    cb.set_model(fake_model(0.1))
    with pytest.raises(ValueError, match="should be a float"):
        cb.on_epoch_begin(0)


def test_scheduler_accepts_numpy_and_int_outputs():
    m = fake_model(0.1)
    cb = LearningRateScheduler(lambda epoch, lr: np.float32(0.5) if epoch == 0 else 1)
    cb.set_model(m)
    cb.on_epoch_begin(0)
    assert m.optimizer.learning_rate == 0.5 and isinstance(m.optimizer.learning_rate, float)
    cb.on_epoch_begin(1)
    assert m.optimizer.learning_rate == 1.0
