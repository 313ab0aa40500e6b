"""CSVLogger: the exact bytes Keras writes (header 'epoch,<sorted keys>', excel dialect rows)."""
import numpy as np
import pytest
from cb_helpers import make_data, make_model

from fkeras.callbacks.csv_logger import CSVLogger


def expected_rows(history, sep=","):
    keys = sorted(history.history)
    rows = [sep.join(["epoch"] + keys)]
    for i, epoch in enumerate(history.epoch):
        rows.append(sep.join([str(epoch)] + [repr(float(history.history[k][i])) for k in keys]))
    return rows


def test_rows_match_history_exactly(tmp_path):
    x, y = make_data()
    model = make_model()
    path = tmp_path / "log.csv"
    h = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[CSVLogger(str(path))])
    text = path.read_bytes().decode()
    assert text.split("\r\n")[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert text == "\r\n".join(expected_rows(h)) + "\r\n"


def test_append_and_separator(tmp_path):
    x, y = make_data()
    model = make_model()
    path = tmp_path / "sub" / "log.csv"
    h1 = model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[CSVLogger(str(path), separator=";")])
    h2 = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                   callbacks=[CSVLogger(str(path), separator=";", append=True)])
    lines = path.read_bytes().decode().split("\r\n")
    assert lines[:-1] == expected_rows(h1, ";") + expected_rows(h2, ";")[1:]  # header written once
    # append=False overwrites
    h3 = model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[CSVLogger(str(path), separator=";")])
    assert path.read_bytes().decode() == "\r\n".join(expected_rows(h3, ";")) + "\r\n"


def test_array_and_missing_values_are_written_as_keras_does(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(str(path))
    cb.set_model(make_model())
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 0.5, "f1": np.array([0.25, 0.75])})
    cb.on_epoch_end(1, {"f1": np.array([1, 2])})
    cb.on_train_end()
    assert path.read_bytes().decode() == 'epoch,f1,loss\r\n0,"""[0.25, 0.75]""",0.5\r\n1,"""[1, 2]""",NA\r\n'


def test_unwritable_filename_fails_at_train_begin(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("")
    x, y = make_data()
    model = make_model()
    with pytest.raises(OSError, match="CSVLogger: cannot write"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(str(blocker / "log.csv"))])
    assert model.optimizer.iterations == 0
