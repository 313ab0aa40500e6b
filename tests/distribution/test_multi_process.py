"""Two processes x 2 CPU devices (``jax.distributed`` over gloo) train exactly like one process
x 4 devices, each process feeding only its own rows of every batch."""
import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent(r'''
    import os, sys, json
    pid, nproc, port, impls = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
    # appended: the flags inherited from the test run stay (the last device count given wins)
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={4 // nproc}"
    import jax
    if nproc > 1:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import numpy as np
    import fkeras as keras
    from fkeras import layers
    if nproc > 1:
        keras.distribution.initialize(f"localhost:{port}", num_processes=nproc, process_id=pid)
    fed = []  # the local shapes this process hands to jax
    _orig = jax.make_array_from_process_local_data
    def spy(sharding, data, *a, **k):
        fed.append(list(np.shape(data)))
        return _orig(sharding, data, *a, **k)
    jax.make_array_from_process_local_data = spy

    r = np.random.default_rng(0)
    x = r.normal(size=(60, 6)).astype("float32")  # 60 rows at batch 16: a padded last batch
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    for impl in impls:  # one after the other in the same processes (one start-up for both)
        del fed[:]
        # Process 1 seeds differently: process 0's initial weights and shuffling seed are broadcast.
        keras.utils.set_random_seed(1 + 10 * pid)
        keras.distribution.set_distribution(keras.distribution.DataParallel(implementation=impl))
        m = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                              layers.Dropout(0.2), layers.Dense(1, activation="sigmoid")])
        m.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
        h = m.fit(x, y, batch_size=16, epochs=2, validation_data=(x[:20], y[:20]), verbose=0)
        ev = m.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
        p = m.predict(x, batch_size=8, verbose=0)
        keras.distribution.set_distribution(None)
        out = dict(impl=impl, hist=h.history, ev=ev, pred=p[:, 0].tolist(),
                   weights=[w.tolist() for w in m.get_weights()],
                   batch_rows=sorted({s[1] for s in fed if len(s) >= 2}), processes=jax.process_count(),
                   devices=jax.device_count())
        print("RESULT" + json.dumps(out), flush=True)
''')


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


IMPLS = ["sharded", "pmap"]


def _run(nproc):
    """{impl: [each process's result]} for every implementation in IMPLS."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(i), str(nproc), port, ",".join(IMPLS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(nproc)]
    outputs = []
    try:
        for p in procs:
            outputs.append(p.communicate(timeout=300))
    finally:  # a crashed or hung process leaves its peer waiting in a collective
        for q in procs:
            if q.poll() is None:
                q.kill()
    results = {impl: [] for impl in IMPLS}
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
        for line in out.splitlines():
            if line.startswith("RESULT"):
                got = json.loads(line[len("RESULT"):])
                results[got["impl"]].append(got)
    assert all(len(r) == nproc for r in results.values()), {k: len(v) for k, v in results.items()}
    return results


@pytest.fixture(scope="module")
def runs():
    return {1: _run(1), 2: _run(2)}




def _close(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


@pytest.mark.parametrize("impl", IMPLS)
def test_two_processes_match_one_process(runs, impl):
    # Dropout draws per device under "pmap", so each implementation is compared with itself.
    reference = runs[1][impl][0]
    assert reference["devices"] == 4 and reference["processes"] == 1
    for got in runs[2][impl]:
        assert got["processes"] == 2 and got["devices"] == 4
        # each process fed only its half of every batch: 8 of the 16 training rows, 4 of the 8
        # evaluation rows
        assert got["batch_rows"] == [4, 8], got["batch_rows"]
        for k in reference["hist"]:
            assert _close(reference["hist"][k], got["hist"][k]) < 1e-5, k
        for k in reference["ev"]:
            assert abs(reference["ev"][k] - got["ev"][k]) < 1e-5, k
        assert _close(reference["pred"], got["pred"]) < 1e-5
        for a, b in zip(reference["weights"], got["weights"]):
            assert _close(a, b) < 1e-5
