"""The glibc tuning removes the per-step page faults of a train step whose XLA scratch buffer is
larger than glibc's 32 MiB mmap ceiling (counted with getrusage, not timed)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import json, resource
    import numpy as np
    import fkeras as keras
    from fkeras.backend import host_allocator
    # hidden activations of 2048 x 3072 float32 (24 MiB) and their gradient: 48 MiB of scratch,
    # above glibc's 32 MiB mmap ceiling and below its 64 MiB per-thread heap
    x = np.random.default_rng(0).normal(size=(2048 * 3, 16)).astype("float32")
    y = x[:, :1].copy()
    m = keras.Sequential([keras.Input((16,)), keras.layers.Dense(3072, activation="relu"), keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    m.fit(x, y, batch_size=2048, epochs=1, verbose=0)  # compile
    # the heaps of XLA's worker threads grow to their high-water marks
    m.fit(x, y, batch_size=2048, epochs=4, verbose=0)
    per_step = []
    for _ in range(4):  # the least of four fits: steady state, not the heaps' growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        m.fit(x, y, batch_size=2048, epochs=1, verbose=0)
        per_step.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3)
    print("RESULT" + json.dumps({"faults_per_step": min(per_step), "tuned": host_allocator._state["applied"]}))
''')


def _run(tune):
    env = dict(os.environ, JAX_PLATFORMS="cpu", FKERAS_TUNE_MALLOC="1" if tune else "0")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1][len("RESULT"):])


def test_tuning_removes_per_step_page_faults():
    plain = _run(False)
    assert plain["tuned"] is False
    if plain["faults_per_step"] < 2000:
        pytest.skip(f"this allocator does not page-fault per step ({plain['faults_per_step']:.0f}/step)")
    tuned = _run(True)
    assert tuned["tuned"] is True
    # 32 MiB of fresh pages is ~8,000 faults; with the tuning the scratch pages are reused.
    assert tuned["faults_per_step"] < plain["faults_per_step"] / 4, (plain, tuned)


def test_opt_out_and_once_per_process(monkeypatch):
    from fkeras.backend import host_allocator

    monkeypatch.setattr(host_allocator, "_state", {"done": False, "applied": False})
    monkeypatch.setenv("FKERAS_TUNE_MALLOC", "0")
    assert host_allocator.tune_for_cpu_training() is False
    monkeypatch.setenv("FKERAS_TUNE_MALLOC", "1")
    assert host_allocator.tune_for_cpu_training() is False  # decided once per process
