"""Keras 3's developer guides and a few keras.io examples, run as user code under ``import fkeras as keras``.

Each ``guide_<name>.py`` beside this file is one guide written out as a script: the guide's own
API calls, models and custom classes, with only its data swapped for small synthetic arrays of the
same shapes and dtypes, its epochs and sizes shrunk, and TensorFlow-only calls replaced by their
JAX-side counterparts (each script's docstring lists its changes). A script checks what its guide
states (shapes, counts, round trips) and prints "guide OK" at the end.

Every script also runs under Keras 3 with its JAX backend: ``FKERAS_GUIDE_USE_KERAS=1 python
tests/guides/guide_<name>.py`` (Keras's string layers need TensorFlow, so the text guides do not).

A guide that fails on a known fkeras bug is an ``xfail(strict=True)`` here, and only for that bug:
the run must fail with the bug's own message (anything else fails the test), and the test fails
once the bug is fixed, so the mark has to go.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class FkerasBug(Exception):
    """The guide failed with the known fkeras bug its xfail mark names."""


# name -> (text the failure prints, one line on the fkeras bug)
KNOWN_BUGS = {
}

# The longest ones (each over ~10 s on 2 CPU cores): outside the default run.
SLOW = {
    "functional_api",
    "training_with_built_in_methods",
    "transfer_learning",
    "working_with_rnns",
    "writing_a_custom_training_loop_in_jax",
    "preprocessing_layers",
}

GUIDES = sorted(p.stem[len("guide_"):] for p in HERE.glob("guide_*.py"))


def _params():
    out = []
    for name in GUIDES:
        marks = []
        if name in SLOW:
            marks.append(pytest.mark.slow)
        if name in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, raises=FkerasBug, reason=KNOWN_BUGS[name][1]))
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _run(name, cwd, timeout=540):
    env = dict(os.environ)
    env.pop("FKERAS_GUIDE_USE_KERAS", None)
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    return subprocess.run(
        [sys.executable, str(HERE / f"guide_{name}.py")],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_every_guide_script_is_listed():
    assert len(GUIDES) >= 18, GUIDES
    unknown = (set(KNOWN_BUGS) | SLOW) - set(GUIDES)
    assert not unknown, f"marks for guides that have no script: {sorted(unknown)}"


@pytest.mark.parametrize("name", _params())
def test_guide_runs_under_fkeras(name, tmp_path):
    if "plot_model(" in (HERE / f"guide_{name}.py").read_text() and shutil.which("dot") is None:
        pytest.skip("the guide calls plot_model, which needs graphviz's `dot`")
    proc = _run(name, tmp_path)
    output = proc.stdout + proc.stderr
    bug = KNOWN_BUGS.get(name)
    if proc.returncode != 0 and bug is not None and bug[0] in output:
        raise FkerasBug(f"{name}: {bug[1]}\n{output[-3000:]}")
    assert proc.returncode == 0, f"guide_{name}.py exited with {proc.returncode}:\n{output[-6000:]}"
    assert "guide OK" in proc.stdout, output[-3000:]
