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

Each script runs in a process of its own, forked from a helper process that has only imported
fkeras (nothing built, JAX's backend not started), so the ~2 s import is paid once per test worker
instead of once per guide. A script that sets ``XLA_FLAGS`` (read when JAX starts) gets a fresh
interpreter instead.
"""
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
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


def _env():
    env = dict(os.environ)
    env.pop("FKERAS_GUIDE_USE_KERAS", None)
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run(name, cwd, timeout=540):
    return subprocess.run(
        [sys.executable, str(HERE / f"guide_{name}.py")],
        cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout,
    )


# Reads "script<TAB>cwd<TAB>stdout file<TAB>stderr file" lines; for each, forks a child that runs the
# script as `python script` would (``__main__``, argv, sys.path[0], cwd; an uncaught exception prints
# its traceback and exits 1; a normal end runs the usual interpreter shutdown), and answers with the
# child's pid, then its exit code.
_FORK_SERVER = textwrap.dedent(r'''
    import os, runpy, sys
    import fkeras  # noqa: F401  (every guide's first import, paid once here)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        script, cwd, out, err = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            sys.stdin = open(os.devnull)
            for fd, path in ((1, out), (2, err)):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
            os.chdir(cwd)
            sys.argv = [script]
            sys.path[0] = os.path.dirname(script)
            runpy.run_path(script, run_name="__main__")
            sys.exit(0)
        print("PID", pid, flush=True)
        print("EXIT", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
''')


class _ForkServer:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", _FORK_SERVER], env=_env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)
        self._buffer = b""

    def _line(self, deadline):
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.proc.stdout.fileno(), 4096) if ready else None
            if not chunk:
                return None  # timed out, or the server died
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode().split()

    def run(self, name, cwd, timeout=540):
        out, err = cwd / "guide.stdout", cwd / "guide.stderr"
        script = HERE / f"guide_{name}.py"
        self.proc.stdin.write(f"{script}\t{cwd}\t{out}\t{err}\n".encode())
        deadline = time.monotonic() + timeout
        pid = self._line(deadline)
        assert pid and pid[0] == "PID", f"the guide fork server failed: {pid}"
        done = self._line(deadline)
        if done is None:
            os.kill(int(pid[1]), signal.SIGKILL)
            self._line(time.monotonic() + 60)  # its EXIT line, so the next guide reads its own
            raise subprocess.TimeoutExpired(str(script), timeout)
        return subprocess.CompletedProcess([str(script)], int(done[1]), out.read_text(), err.read_text())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="session")
def fork_server():
    server = _ForkServer()
    yield server
    server.close()


def test_every_guide_script_is_listed():
    assert len(GUIDES) >= 18, GUIDES
    unknown = (set(KNOWN_BUGS) | SLOW) - set(GUIDES)
    assert not unknown, f"marks for guides that have no script: {sorted(unknown)}"


@pytest.mark.parametrize("name", _params())
def test_guide_runs_under_fkeras(name, tmp_path, request):
    source = (HERE / f"guide_{name}.py").read_text()
    if "plot_model(" in source and shutil.which("dot") is None:
        pytest.skip("the guide calls plot_model, which needs graphviz's `dot`")
    if "XLA_FLAGS" in source:  # read when JAX starts: a fresh interpreter
        proc = _run(name, tmp_path)
    else:
        proc = request.getfixturevalue("fork_server").run(name, tmp_path)
    output = proc.stdout + proc.stderr
    bug = KNOWN_BUGS.get(name)
    if proc.returncode != 0 and bug is not None and bug[0] in output:
        raise FkerasBug(f"{name}: {bug[1]}\n{output[-3000:]}")
    assert proc.returncode == 0, f"guide_{name}.py exited with {proc.returncode}:\n{output[-6000:]}"
    assert "guide OK" in proc.stdout, output[-3000:]
