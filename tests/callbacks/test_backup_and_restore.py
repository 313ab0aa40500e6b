"""BackupAndRestore: a training process killed mid-epoch and started again with the same call
resumes from the last backup and ends with the same weights as an uninterrupted run."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent(r'''
    import os, sys
    import numpy as np
    import fkeras as keras
    from fkeras import layers
    backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    keras.utils.set_random_seed(0)
    r = np.random.default_rng(0)
    x = r.normal(size=(200, 6)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("int32")
    model = keras.Sequential([keras.Input((6,)), layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    class Killer(keras.callbacks.Callback):
        seen = 0
        def on_train_batch_end(self, batch, logs=None):
            Killer.seen += 1
            if kill_at and Killer.seen == kill_at:
                os._exit(17)  # a hard kill: no cleanup, no on_train_end

    cbs = [keras.callbacks.BackupAndRestore(backup, save_freq=3)]
    if kill_at:
        cbs.append(Killer())
    model.fit(x, y, batch_size=32, epochs=3, callbacks=cbs, verbose=0)
    np.savez(out, *model.get_weights())
''')


def _run(tmp_path, backup, out, kill_at):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    return subprocess.run([sys.executable, str(script), str(backup), str(out), str(kill_at)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_killed_run_resumes_to_identical_weights(tmp_path):
    ref = _run(tmp_path, tmp_path / "ref_backup", tmp_path / "ref.npz", 0)
    assert ref.returncode == 0, ref.stderr[-2000:]
    backup = tmp_path / "backup"
    killed = _run(tmp_path, backup, tmp_path / "resumed.npz", 11)  # epoch 2 of 3, mid-epoch (7 steps/epoch)
    assert killed.returncode == 17
    assert backup.exists() and any(backup.iterdir())
    resumed = _run(tmp_path, backup, tmp_path / "resumed.npz", 0)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a, b = np.load(tmp_path / "ref.npz"), np.load(tmp_path / "resumed.npz")
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k])
    assert not backup.exists()  # delete_checkpoint=True removes the backup after a finished run


def test_checkpointer_save_restore_and_keep_best(tmp_path):
    import fkeras as keras
    from fkeras import layers

    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = x[:, :1] * 2.0
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    ckpt = keras.saving.Checkpointer(tmp_path / "ck", keep_best=2, monitor="loss", mode="min")
    for i, loss in enumerate([0.5, 0.1, 0.9, 0.2]):
        ckpt.save(model, step=i, logs={"loss": loss})
    ckpt.wait()
    assert sorted(ckpt.all_steps()) == [1, 3] and ckpt.best_step() == 1
    saved = model.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert not np.allclose(saved[0], model.get_weights()[0])
    meta = ckpt.restore(model, step=1, resume=False)
    assert meta["epoch"] == 0
    for a, b in zip(saved, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    other = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    other.compile(optimizer="adam", loss="mse")
    other.fit(x, np.zeros((64, 3), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="does not match"):
        ckpt.restore(other, step=1)


def test_model_checkpoint_directory_writes_orbax_training_state(tmp_path):
    import fkeras as keras
    from fkeras import layers

    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = x[:, :1] * 2.0
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpts"), monitor="loss", save_best_only=True)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[cb])
    final = model.get_weights()
    ckpt = keras.saving.Checkpointer(tmp_path / "ckpts")
    assert len(ckpt.all_steps()) == 1  # save_best_only keeps one
    model.fit(x, y, epochs=1, verbose=0)
    meta = ckpt.restore(model, resume=False)
    assert meta["epoch"] == 3 and meta["step"] == 12
    for a, b in zip(final, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="template"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "dir_{epoch}"))
