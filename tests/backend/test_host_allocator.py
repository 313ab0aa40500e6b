"""The CPU allocator tuning (fkeras/backend/host_allocator.py) removes the per-step page faults of
a train step whose XLA scratch buffer is too large for glibc to reuse (counted with getrusage,
not timed): above glibc's 32 MiB mmap ceiling (the mallopt settings), and above the 64 MiB heaps
of a worker thread's arena (steps run on the launching thread of a synchronous CPU client)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import json, resource, sys
    import numpy as np
    import fkeras as keras
    import jax
    from fkeras.backend import host_allocator
    # hidden activations of 2048 x width float32 and their gradient: 2 * 2048 * width * 4 bytes
    # of scratch (width 3072: 48 MiB, width 4352: 68 MiB)
    width = int(sys.argv[1])
    x = np.random.default_rng(0).normal(size=(2048 * 3, 16)).astype("float32")
    y = x[:, :1].copy()
    m = keras.Sequential([keras.Input((16,)), keras.layers.Dense(width, activation="relu"), keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    m.fit(x, y, batch_size=2048, epochs=1, verbose=0)  # compile
    # the heaps of XLA's threads grow to their high-water marks
    m.fit(x, y, batch_size=2048, epochs=4, verbose=0)
    per_step = []
    for _ in range(4):  # the least of four fits: steady state, not the heaps' growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        m.fit(x, y, batch_size=2048, epochs=1, verbose=0)
        per_step.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3)
    eval_steps = []  # evaluate's forward pass at batch 4096: 4096 x width activations (68 MiB at 4352)
    m.evaluate(x, y, batch_size=4096, verbose=0)  # compile
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        m.evaluate(x, y, batch_size=4096, verbose=0)
        eval_steps.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 2)
    scratch = [p.get("scratch") for k, p in m._program_profiles.items() if k[0].kind == "train"]
    print("RESULT" + json.dumps({"faults_per_step": min(per_step), "eval_faults_per_step": min(eval_steps),
                                 "tuned": host_allocator._state["applied"],
                                 "inline": host_allocator.cpu_runs_inline(), "scratch": scratch,
                                 "settles": m._runs_inline() and bool(scratch)
                                 and scratch[0] >= host_allocator.MIN_INLINE_SCRATCH}))
''')


def _run(width, **env):
    env = dict(os.environ, JAX_PLATFORMS="cpu", **env)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(width)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1][len("RESULT"):])


def test_mallopt_tuning_removes_per_step_page_faults():
    # 48 MiB: above glibc's 32 MiB mmap ceiling. Both runs execute the step on the calling thread
    # (a synchronous CPU client), so only the mallopt settings differ: without them glibc maps
    # the block afresh every step, with them the main heap's pages are reused.
    plain = _run(3072, FKERAS_TUNE_MALLOC="0", JAX_CPU_ENABLE_ASYNC_DISPATCH="0")
    assert plain["tuned"] is False and plain["inline"] is True and plain["settles"] is True
    if plain["faults_per_step"] < 2000:
        pytest.skip(f"this allocator does not page-fault per step ({plain['faults_per_step']:.0f}/step)")
    tuned = _run(3072)  # fkeras's defaults
    assert tuned["tuned"] is True and tuned["inline"] is True
    # 48 MiB of fresh pages is ~12,000 faults; with the tuning the scratch pages are reused.
    assert tuned["faults_per_step"] < plain["faults_per_step"] / 4, (plain, tuned)


def test_inline_steps_reuse_scratch_too_big_for_a_worker_arena():
    # 68 MiB: a worker thread's arena cannot hold it, whatever mallopt says
    worker = _run(4352, JAX_CPU_ENABLE_ASYNC_DISPATCH="1")
    assert worker["tuned"] is True and worker["inline"] is False and worker["settles"] is False
    if worker["faults_per_step"] < 4000:
        pytest.skip(f"this allocator does not page-fault per step ({worker['faults_per_step']:.0f}/step)")
    inline = _run(4352)  # fkeras's defaults: a synchronous CPU client, and fit waits for each step
    assert inline["tuned"] is True and inline["inline"] is True and inline["settles"] is True, inline
    assert inline["scratch"][0] > 64 * 2**20
    assert inline["faults_per_step"] < worker["faults_per_step"] / 4, (worker, inline)
    # evaluate waits for its big steps too
    assert inline["eval_faults_per_step"] < worker["eval_faults_per_step"] / 4, (worker, inline)


CONFIG_SCRIPT = textwrap.dedent(r'''
    import sys
    if sys.argv[1] == "jax-first":
        import jax
        jax.devices()  # JAX's CPU client exists before fkeras is imported
    import fkeras, jax
    print("ASYNC", jax.config.values["jax_cpu_enable_async_dispatch"])
''')


@pytest.mark.parametrize("case, env, expected", [
    ("fkeras-first", {}, False),  # fkeras asks for a synchronous client
    ("fkeras-first", {"FKERAS_TUNE_MALLOC": "0"}, True),  # opted out
    ("fkeras-first", {"JAX_CPU_ENABLE_ASYNC_DISPATCH": "1"}, True),  # the environment chose
    ("fkeras-first", {"JAX_CPU_ENABLE_ASYNC_DISPATCH": "false", "FKERAS_TUNE_MALLOC": "0"}, False),
    ("jax-first", {}, True),  # too late: the client exists, so fkeras leaves the flag alone
])
def test_dispatch_mode_is_chosen_only_before_jax_starts(case, env, expected):
    base = {k: v for k, v in os.environ.items() if k not in ("FKERAS_TUNE_MALLOC", "JAX_CPU_ENABLE_ASYNC_DISPATCH")}
    proc = subprocess.run([sys.executable, "-c", CONFIG_SCRIPT, case], capture_output=True, text=True,
                          env=dict(base, JAX_PLATFORMS="cpu", **env), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"ASYNC {expected}" in proc.stdout, proc.stdout


def test_opt_out_and_once_per_process(monkeypatch):
    from fkeras.backend import host_allocator

    monkeypatch.setattr(host_allocator, "_state", {"done": False, "applied": False})
    monkeypatch.setenv("FKERAS_TUNE_MALLOC", "0")
    assert host_allocator.tune_for_cpu_training() is False
    monkeypatch.setenv("FKERAS_TUNE_MALLOC", "1")
    assert host_allocator.tune_for_cpu_training() is False  # decided once per process
