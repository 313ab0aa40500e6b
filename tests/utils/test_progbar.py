"""Keras-style progress bar: terminal redraws, log-file output, verbose=2 lines."""
import re

from fkeras.utils.progbar import Progbar, format_per_unit, format_time, format_value


def test_formatting_helpers():
    assert format_time(5.2) == "5s" and format_time(75) == "1:15" and format_time(3725) == "1:02:05"
    assert format_per_unit(0.0042, "step") == "4ms/step"
    assert format_per_unit(0.0000042, "step") == "4us/step"
    assert format_per_unit(2.2, "step") == "2s/step"
    assert format_value(0.123456) == "0.1235" and format_value(0.0001234) == "1.2340e-04"


def test_dynamic_bar_redraws_one_line_with_eta(capsys):
    bar = Progbar(target=10, verbose=1, interval=0.0)
    bar._dynamic = True
    for i in range(1, 11):
        bar.update(i, [("loss", 1.0 / i), ("accuracy", i / 10)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n")
    frames = [f for f in out.split("\r") if f]
    assert len(frames) == 10
    assert re.match(r" 1/10 \S*━.* \d+s \d+(us|ms|s)/step - loss: 1\.0000 - accuracy: 0\.1000", frames[0])
    assert re.match(r"10/10 .*━.* \d+s \d+(us|ms|s)/step - loss: 0\.1000 - accuracy: 1\.0000", frames[-1])


def test_non_terminal_writes_only_the_final_line(capsys):
    bar = Progbar(target=5, verbose=1, interval=0.0)
    bar._dynamic = False
    for i in range(1, 6):
        bar.update(i, [("loss", 0.5)])
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("\n") == 1
    assert out.startswith("5/5 ━━━━━━━━━━━━━━━━━━━━ ")


def test_verbose_2_one_line():
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        bar = Progbar(target=3, verbose=2)
        for i in range(1, 4):
            bar.update(i, [("loss", 0.25)])
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: 0\.2500\n", buf.getvalue())


class _Clock:
    def __init__(self, t):
        self.t = t

    def time(self):
        return self.t


def test_elapsed_counts_from_the_epoch_start_and_per_step_time_from_completed_steps(monkeypatch, capsys):
    """The first call traces and compiles: it counts in the epoch's time, not in the time a step
    takes (as in Keras). Before, a 5 s compile and 9 steps of 1 ms read "0s 19us/step"."""
    import jax.numpy as jnp

    from fkeras.utils import progbar

    clock = _Clock(100.0)
    monkeypatch.setattr(progbar, "time", clock)
    bar = Progbar(target=10, verbose=2)  # made at the epoch's start
    clock.t += 5.0  # the first step: trace, compile, run
    bar.first_step_done(1)
    clock.t += 9 * 0.002  # nine more steps of 2 ms
    bar.update(10, [("loss", jnp.float32(0.25))])  # a device value, as fit's logs are
    assert capsys.readouterr().out == "10/10 - 5s - 2ms/step - loss: 0.2500\n"

    # fused calls: the first call ran 8 steps; per-step time counts the 8 after it
    clock = _Clock(0.0)
    monkeypatch.setattr(progbar, "time", clock)
    bar = Progbar(target=16, verbose=2)
    clock.t += 3.0
    bar.first_step_done(8)
    clock.t += 8 * 0.004
    bar.update(16, [("loss", 0.5)])
    assert capsys.readouterr().out == "16/16 - 3s - 4ms/step - loss: 0.5000\n"


def test_fit_progress_bar_time_includes_the_first_step(monkeypatch, capsys):
    """ProgbarLogger starts the bar's clock at the epoch's start (before the first step)."""
    import numpy as np

    import fkeras as keras
    from fkeras.utils import progbar

    clock = _Clock(0.0)
    monkeypatch.setattr(progbar, "time", clock)

    class SlowFirstStep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                clock.t += 7.0  # stands for the first step's compile

    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=1, verbose=2,
          callbacks=[SlowFirstStep()])
    line = [l for l in capsys.readouterr().out.splitlines() if l.startswith("2/2")][0]
    assert line.startswith("2/2 - 7s - "), line
