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
    import io
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        bar = Progbar(target=3, verbose=2)
        for i in range(1, 4):
            bar.update(i, [("loss", 0.25)])
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: 0\.2500\n", buf.getvalue())
