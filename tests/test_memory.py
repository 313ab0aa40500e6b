"""A loop that builds and trains models stays flat when it calls `keras.utils.clear_session()`
(without it each model's compiled programs stay cached: ~2-6 MB a model measured here).

RSS on a loaded 2-core CI machine jumps now and then by 10-35 MB when glibc opens a new malloc
arena for a worker thread; those jumps are not per-model growth. The test therefore caps the arenas
and judges the *median* per-model increment after warm-up: a real leak moves every increment, an
allocator jump moves one."""
import json
import os
import statistics
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(r'''
    import json, os
    import numpy as np
    import fkeras as keras

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    x = np.random.default_rng(0).random((128, 20)).astype("float32")
    y = (x.sum(1) > 10).astype("int32")
    rss = []
    for _ in range(15):  # 6 warm-up models, then 8 increments for the median
        m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        m.fit(x, y, epochs=1, batch_size=32, verbose=0)
        del m
        keras.utils.clear_session()
        rss.append(rss_mb())
    print("RESULT" + json.dumps(rss))
''')


def test_models_built_in_a_loop_with_clear_session_keep_memory_flat():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "JAX_PLATFORMS": "cpu", "MALLOC_ARENA_MAX": "2"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    rss = json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1][len("RESULT"):])
    increments = [b - a for a, b in zip(rss[6:], rss[7:])]  # after the first models (imports, warm-up)
    per_model = statistics.median(increments)
    assert per_model < 0.5, f"RSS grew a median {per_model:.2f} MB a model: {[round(v) for v in rss]}"
