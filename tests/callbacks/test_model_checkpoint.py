"""ModelCheckpoint: which epochs/batches are saved, with which weights, under which names; errors."""
import os
import types
import warnings

import numpy as np
import pytest
from cb_helpers import ScriptedMetric, WeightRecorder, make_data, make_model, saving_available

from fkeras.callbacks.callback import CallbackList
from fkeras.callbacks.model_checkpoint import ModelCheckpoint

needs_saving = pytest.mark.skipif(not saving_available(),
                                  reason="fkeras.saving.saving_api (model.save/save_weights) is not written yet")


def record_saves(model):
    """Replace the model's save/save_weights with recorders of (path, weights at that moment)."""
    saved = []

    def fake(kind):
        def save(filepath, overwrite=True, **kwargs):
            saved.append((kind, filepath, [np.array(w) for w in model.get_weights()]))
        return save

    object.__setattr__(model, "save_weights", fake("weights"))
    object.__setattr__(model, "save", fake("model"))
    return saved


def fake_model(metrics_names=("loss",)):
    m = types.SimpleNamespace(metrics_names=list(metrics_names), stop_training=False, saved=[])
    m.save = lambda path, overwrite=True: m.saved.append(("model", path))
    m.save_weights = lambda path, overwrite=True: m.saved.append(("weights", path))
    return m


def drive(cb, model, values, key="val_loss"):
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, v in enumerate(values):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {key: v, "loss": 1.0})


def test_best_only_scripted_saves_exactly_the_improving_epochs(tmp_path):
    m = fake_model()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), monitor="val_loss", save_best_only=True)
    drive(cb, m, [0.9, 0.8, 0.85, 0.8, 0.5, 0.7])
    assert [p for _, p in m.saved] == [str(tmp_path / f"e{e}.keras") for e in (1, 2, 5)]
    assert cb.best == 0.5

    m = fake_model(["loss", "accuracy"])
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), monitor="val_accuracy", save_best_only=True)
    drive(cb, m, [0.5, 0.7, 0.6, 0.9], key="val_accuracy")  # auto mode -> max
    assert [os.path.basename(p) for _, p in m.saved] == ["e1.keras", "e2.keras", "e4.keras"]


def test_initial_value_threshold_must_be_beaten(tmp_path):
    m = fake_model()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), save_best_only=True, initial_value_threshold=0.6)
    drive(cb, m, [0.9, 0.7, 0.6, 0.55, 0.58])
    assert [os.path.basename(p) for _, p in m.saved] == ["e4.keras"]


def test_best_only_in_fit_keeps_the_best_epochs_weights(tmp_path):
    x, y = make_data()
    model = make_model(lr=0.2)
    saved = record_saves(model)
    score = [0.5, 0.4, 0.45, 0.3, 0.35, 0.33]  # best at epoch 3
    recorder = WeightRecorder()
    ckpt = ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="score", mode="min", save_best_only=True,
                           save_weights_only=True)
    model.fit(x, y, epochs=6, batch_size=16, verbose=0,
              callbacks=[ScriptedMetric("score", score), ckpt, recorder])
    assert len(saved) == 3  # epochs 0, 1, 3
    kind, path, weights = saved[-1]
    assert kind == "weights" and path == str(tmp_path / "best.weights.h5")
    for w, ref in zip(weights, recorder.epochs[3]):
        np.testing.assert_array_equal(w, ref)
    assert not all(np.array_equal(a, b) for a, b in zip(recorder.epochs[3], recorder.epochs[5]))
    for w, ref in zip(saved[1][2], recorder.epochs[1]):
        np.testing.assert_array_equal(w, ref)


@needs_saving
def test_best_only_weights_file_round_trips(tmp_path):
    x, y = make_data()
    model = make_model(lr=0.2)
    recorder = WeightRecorder()
    path = str(tmp_path / "ckpt" / "best.weights.h5")
    ckpt = ModelCheckpoint(path, monitor="score", mode="max", save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=4, batch_size=16, verbose=0,
              callbacks=[ScriptedMetric("score", [0.1, 0.9, 0.5, 0.2]), ckpt, recorder])
    fresh = make_model()
    fresh.build((None, 4))
    fresh.load_weights(path)
    for w, ref in zip(fresh.get_weights(), recorder.epochs[1]):
        np.testing.assert_array_equal(np.asarray(w), ref)


@needs_saving
@pytest.mark.parametrize("name", ["model.keras", "model.h5"])
def test_whole_model_files_are_written_and_load(tmp_path, name):
    from fkeras.saving.saving_api import load_model

    x, y = make_data()
    model = make_model()
    path = str(tmp_path / name)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[ModelCheckpoint(path, monitor="loss")])
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_filename_template_uses_epoch_and_logs(tmp_path):
    x, y = make_data()
    model = make_model()
    saved = record_saves(model)
    tmpl = str(tmp_path / "{epoch:02d}-{val_loss:.3f}-{accuracy:.2f}.keras")
    h = model.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.25,
                  callbacks=[ModelCheckpoint(tmpl)])
    expected = [str(tmp_path / f"{e + 1:02d}-{h.history['val_loss'][e]:.3f}-{h.history['accuracy'][e]:.2f}.keras")
                for e in range(3)]
    assert [p for _, p, _ in saved] == expected
    assert all(kind == "model" for kind, _, _ in saved)


def test_save_freq_in_batches_saves_every_n_steps_with_current_weights(tmp_path):
    x, y = make_data(n=20)
    model = make_model(lr=0.2)
    saved = record_saves(model)
    recorder = WeightRecorder(batches=True)
    ckpt = ModelCheckpoint(str(tmp_path / "{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=3)
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, callbacks=[ckpt, recorder])
    # 5 batches per epoch, 10 in all: saves after global batches 3, 6 and 9.
    assert [os.path.basename(p) for _, p, _ in saved] == ["1-3.weights.h5", "2-1.weights.h5", "2-4.weights.h5"]
    for (_, _, weights), global_batch in zip(saved, (3, 6, 9)):
        for w, ref in zip(weights, recorder.batches[global_batch - 1]):
            np.testing.assert_array_equal(w, ref)


def test_batch_hook_installed_only_for_integer_save_freq(tmp_path):
    per_epoch = ModelCheckpoint(str(tmp_path / "a.keras"))
    per_batch = ModelCheckpoint(str(tmp_path / "a.keras"), save_freq=2)
    assert not CallbackList([per_epoch]).needs_batch_hooks("train")
    assert CallbackList([per_batch]).needs_batch_hooks("train")


def test_missing_monitor_warns_once_and_keeps_saving(tmp_path):
    x, y = make_data()
    model = make_model()
    saved = record_saves(model)
    ckpt = ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_loss", save_best_only=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[ckpt])  # no validation data
    msgs = [str(i.message) for i in w if "val_loss" in str(i.message)]
    assert len(msgs) == 1 and "Available metrics are: accuracy,loss" in msgs[0]
    assert len(saved) == 3


def test_unknown_template_key_fails_before_the_first_step(tmp_path):
    x, y = make_data()
    model = make_model()
    record_saves(model)
    ckpt = ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc:.2f}.keras"))
    with pytest.raises(KeyError) as e:
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25, callbacks=[ckpt])
    msg = str(e.value)
    assert "val_acc" in msg and "'val_accuracy'" in msg and "'epoch'" in msg and "'loss'" in msg
    assert model.optimizer.iterations == 0 and not any(k.kind == "train" for k in model.trace_counts)


def test_template_key_missing_at_first_use_lists_the_logs(tmp_path):
    m = fake_model(metrics_names=())  # names unknown at train begin: checked when formatting
    cb = ModelCheckpoint(str(tmp_path / "{epoch}-{nope}.keras"))
    with pytest.raises(KeyError, match=r"no key 'nope'.*'epoch', 'loss', 'val_loss'"):
        drive(cb, m, [0.5])


def test_unwritable_directory_fails_at_train_begin(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    x, y = make_data()
    model = make_model()
    ckpt = ModelCheckpoint(str(blocker / "sub" / "{epoch}.keras"))
    with pytest.raises(OSError, match="ModelCheckpoint: cannot write to the directory"):
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[ckpt])
    assert model.optimizer.iterations == 0


def test_existing_directory_as_filepath_fails_at_train_begin(tmp_path):
    d = tmp_path / "dir.keras"
    d.mkdir()
    cb = ModelCheckpoint(str(d))
    cb.set_model(fake_model())
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        cb.on_train_begin()


@pytest.mark.parametrize("kwargs, match", [
    (dict(filepath="m.weights.h5x"), "must end in `.keras`"),
    (dict(filepath="m.keras", save_weights_only=True), r"must end in `\.weights\.h5`"),
    (dict(filepath="m.keras", save_freq="batch"), "Unrecognized save_freq"),
    (dict(filepath="m.keras", save_freq=0), "Unrecognized save_freq"),
    (dict(filepath="{}.keras"), "positional field"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(**kwargs)
