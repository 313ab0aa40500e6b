"""OrbaxCheckpoint: Keras 3's arguments, when it saves (epochs, every N batches, best only), what a
checkpoint holds (the training state, or only the variables), and that one restores the model."""
import inspect
import os
import warnings

import numpy as np
import pytest

import fkeras as keras
from fkeras.callbacks.orbax_checkpoint import _WeightsOnly

X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [0.5]], np.float32)).astype("float32")


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="d")], name="net")
    model.compile(keras.optimizers.Adam(0.05), "mse")
    return model


def _steps(directory):
    return sorted(int(d) for d in os.listdir(directory) if d.isdigit())


def test_signature_matches_keras():
    keras3 = pytest.importorskip("keras")
    ours = inspect.signature(keras.callbacks.OrbaxCheckpoint).parameters
    theirs = inspect.signature(keras3.callbacks.OrbaxCheckpoint).parameters
    assert [(n, p.default) for n, p in ours.items()] == [(n, p.default) for n, p in theirs.items()]


def test_epoch_checkpoints_keep_the_latest_and_restore_the_training_state(tmp_path):
    model = _model()
    cb = keras.callbacks.OrbaxCheckpoint(tmp_path / "ck", max_to_keep=2)
    model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[cb])
    assert _steps(tmp_path / "ck") == [1, 2]  # step = epoch index; the last two are kept
    final = model.get_weights()
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    meta = keras.saving.Checkpointer(tmp_path / "ck").restore(model, resume=False)
    assert meta["epoch"] == 3 and meta["step"] == 6
    for a, b in zip(final, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizer.iterations) == 6  # the optimizer state came back too


def test_every_n_batches_counts_across_fits(tmp_path):
    model = _model()
    cb = keras.callbacks.OrbaxCheckpoint(tmp_path / "ck", save_freq=3, max_to_keep=None, save_on_background=False)
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[cb])  # 8 batches
    assert _steps(tmp_path / "ck") == [3, 6]
    cb2 = keras.callbacks.OrbaxCheckpoint(tmp_path / "ck", save_freq=3, max_to_keep=None)
    # a new callback continues the global batch count from the optimizer (8); every 3 of its batches
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[cb2])  # batches 9..12
    cb2.wait_until_finished()
    assert _steps(tmp_path / "ck") == [3, 6, 11]


def test_save_best_only_and_weights_only(tmp_path):
    model = _model()
    cb = keras.callbacks.OrbaxCheckpoint(tmp_path / "w", monitor="loss", save_best_only=True, save_weights_only=True,
                                         save_on_background=False, max_to_keep=None)
    hist = model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[cb]).history["loss"]
    improved = [e for e, loss in enumerate(hist) if loss < min(hist[:e], default=np.inf)]
    assert _steps(tmp_path / "w") == improved and cb.best == pytest.approx(min(hist))
    # a weights-only checkpoint holds the variables; it restores into a fresh model
    fresh = _model()
    keras.saving.Checkpointer(tmp_path / "w").restore(_WeightsOnly(fresh))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a threshold nothing beats, and a monitor that is never logged: nothing is written
    none = keras.callbacks.OrbaxCheckpoint(tmp_path / "none", monitor="loss", save_best_only=True,
                                           initial_value_threshold=0.0)
    missing = keras.callbacks.OrbaxCheckpoint(tmp_path / "missing", save_best_only=True)  # val_loss
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[none, missing])
    assert _steps(tmp_path / "none") == [] and _steps(tmp_path / "missing") == []
    assert any("val_loss" in str(w.message) for w in caught)


def test_bad_arguments():
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.OrbaxCheckpoint("/tmp/x", save_freq="batch")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.OrbaxCheckpoint("/tmp/x", save_freq=0)
    with pytest.raises(ValueError, match="max_to_keep"):
        keras.callbacks.OrbaxCheckpoint("/tmp/x", max_to_keep=0)
    with pytest.raises(ValueError, match="directory"):
        keras.callbacks.OrbaxCheckpoint("")
    cb = keras.callbacks.OrbaxCheckpoint("/tmp/x", monitor="val_accuracy")
    assert cb.mode == "max" and cb.is_primary_host() and not cb.is_multihost_enabled()
