"""TerminateOnNaN: stops at the first batch whose loss is NaN/Inf."""
import numpy as np
import pytest
from cb_helpers import make_data, make_model

from fkeras.callbacks.callback import Callback
from fkeras.callbacks.terminate_on_nan import TerminateOnNaN


class BatchLog(Callback):
    def __init__(self):
        super().__init__()
        self.seen = []
        self.ended = False

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(batch)

    def on_train_end(self, logs=None):
        self.ended = True


def nan_data():
    x, y = make_data(n=40)
    x[9, 0] = np.nan  # batch 2 of size 4 (no shuffling)
    return x, y


def test_stops_at_the_first_nan_batch(capsys):
    x, y = nan_data()
    model = make_model()
    log = BatchLog()
    h = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0, callbacks=[TerminateOnNaN(), log])
    assert log.seen == [0, 1, 2] and log.ended
    assert len(h.epoch) == 1 and np.isnan(h.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_raise_error_raises_at_once():
    x, y = nan_data()
    model = make_model()
    log = BatchLog()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[TerminateOnNaN(raise_error=True), log])
    assert not log.ended


def test_finite_loss_trains_all_epochs():
    x, y = make_data(n=40)
    model = make_model()
    h = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(h.epoch) == 2


def test_inf_loss_also_stops():
    cb = TerminateOnNaN()
    model = make_model()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cb.on_train_batch_end(1, {"loss": float("inf")})
    assert model.stop_training
