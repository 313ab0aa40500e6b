"""Training-throughput benchmark: fkeras vs. Keras 3 (JAX) vs. a hand-written JAX loop.

Every (workload, impl, repeat) measurement runs in its own fresh subprocess
(``python -m benchmarks.run --child ...``), so imports and in-memory compile caches
do not leak between measurements. The parent alternates impls across repeats,
prints one JSON line per measurement and, at the end, a Markdown table of medians
and ratios.

Example:
    python -m benchmarks.run                                   # default run (~4-5 min on 2 cores)
    python -m benchmarks.run --workloads mlp --impls handwritten,keras3 --repeats 5
    python -m benchmarks.run --workloads lstm --steps lstm=30   # LSTM is opt-in
    python -m benchmarks.run --steps 40 --json-out benchmarks/results/run.jsonl
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT_MARK = "@@BENCH_RESULT@@ "

ALL_WORKLOADS = ("cnn", "mlp", "mlp_spe10", "lstm")
DEFAULT_WORKLOADS = ("cnn", "mlp", "mlp_spe10")
ALL_IMPLS = ("handwritten", "keras3", "fkeras")

# Per-workload settings. `steps` is the length of the timed window (batches, one
# epoch); `warmup` batches are trained (in a separate fit) before it, after the
# first fit of `spe` batches that defines "time to first step".
WORKLOADS = {
    "cnn": dict(batch=128, steps=32, warmup=2, spe=1),
    "mlp": dict(batch=32, steps=3000, warmup=20, spe=1),
    "mlp_spe10": dict(batch=32, steps=3000, warmup=20, spe=10),
    "lstm": dict(batch=32, steps=20, warmup=2, spe=1),
}


class Skip(Exception):
    """The framework lacks something the workload needs (reported as "skipped")."""


class Unavailable(Exception):
    """The framework cannot be imported / is not usable (reported as "unavailable")."""


# --------------------------------------------------------------------------- data


def make_data(workload, n_samples, seed=0):
    """Synthetic numpy data with a fixed seed: (x, y)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if workload == "cnn":
        x = rng.random((n_samples, 28, 28, 1), dtype=np.float32)
        y = rng.integers(0, 10, size=(n_samples,)).astype(np.int32)
    elif workload in ("mlp", "mlp_spe10"):
        x = rng.random((n_samples, 784), dtype=np.float32)
        y = rng.integers(0, 10, size=(n_samples,)).astype(np.int32)
    elif workload == "lstm":
        x = rng.integers(0, 10000, size=(n_samples, 200)).astype(np.int32)
        y = rng.integers(0, 2, size=(n_samples,)).astype(np.float32)
    else:
        raise ValueError(f"Unknown workload {workload!r}; expected one of {ALL_WORKLOADS}.")
    return x, y


# ------------------------------------------------- Keras-API model (Keras 3 and fkeras)


def build_model(keras, workload, steps_per_execution=1):
    """Builds and compiles the workload's model with the Keras API of `keras`.

    Written once, used unchanged for real Keras 3 and for `import fkeras as keras`.
    """
    layers = keras.layers
    if workload == "cnn":
        model = keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Flatten(),
                layers.Dropout(0.5),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    elif workload in ("mlp", "mlp_spe10"):
        model = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    elif workload == "lstm":
        if not hasattr(layers, "LSTM"):
            raise Skip("framework has no layers.LSTM")
        model = keras.Sequential(
            [
                keras.Input(shape=(200,), dtype="int32"),
                layers.Embedding(10000, 128),
                layers.LSTM(64),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        loss, metrics = "binary_crossentropy", ["accuracy"]
    else:
        raise ValueError(f"Unknown workload {workload!r}")
    compile_kwargs = {}
    if steps_per_execution != 1:
        compile_kwargs["steps_per_execution"] = steps_per_execution
    model.compile(optimizer="adam", loss=loss, metrics=metrics, **compile_kwargs)
    return model


def _import_keras_api(impl):
    """Imports Keras 3 (JAX backend) or fkeras; raises Unavailable with the reason."""
    if impl == "keras3":
        os.environ["KERAS_BACKEND"] = "jax"
        try:
            import keras
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            raise Unavailable(f"{type(e).__name__}: {e}") from e
        backend = keras.backend.backend()
        if backend != "jax":
            raise Unavailable(f"Keras backend is {backend!r}, not 'jax'")
        return keras
    if impl == "fkeras":
        try:
            import fkeras as keras
        except Exception as e:  # noqa: BLE001
            raise Unavailable(f"{type(e).__name__}: {e}") from e
        if getattr(keras, "__file__", None) is None:
            raise Unavailable("fkeras imports only as a namespace package (no fkeras/__init__.py yet)")
        missing = [n for n in ("Sequential", "Input", "layers") if not hasattr(keras, n)]
        if missing:
            raise Unavailable(f"fkeras lacks {', '.join(missing)}")
        return keras
    raise ValueError(f"Unknown Keras-API impl {impl!r}")


def _sync_keras(model, history):
    """Waits until the fit's work is really done (fit may return before the device)."""
    import numpy as np

    hist = getattr(history, "history", None) or {}
    for key in ("loss",):
        if key in hist and len(hist[key]):
            float(np.asarray(hist[key][-1]))
    try:
        import jax

        jax.block_until_ready([getattr(v, "value", v) for v in model.trainable_variables])
    except Exception:  # noqa: BLE001 - fall back to fetching to host
        for v in model.trainable_variables:
            np.asarray(v)


def _last_logs(history):
    out = {}
    hist = getattr(history, "history", None) or {}
    for k, v in hist.items():
        try:
            out[k] = float(v[-1])
        except Exception:  # noqa: BLE001
            pass
    return out


def run_keras_api(impl, workload, cfg, x, y, clock):
    """Keras 3 / fkeras measurement. `clock` records named timestamps."""
    keras = _import_keras_api(impl)
    clock("imported")
    version = getattr(keras, "__version__", None)
    if hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(0)
    b, spe = cfg["batch"], cfg["spe"]
    model = build_model(keras, workload, steps_per_execution=spe)
    clock("built")
    n_first = spe * b
    h = model.fit(x[:n_first], y[:n_first], batch_size=b, epochs=1, verbose=0)
    _sync_keras(model, h)
    clock("first_step")
    n_warm = cfg["warmup"] * b
    h = model.fit(x[:n_warm], y[:n_warm], batch_size=b, epochs=1, verbose=0)
    _sync_keras(model, h)
    clock("warm")
    t = time.perf_counter()
    h = model.fit(x, y, batch_size=b, epochs=1, verbose=0)
    _sync_keras(model, h)
    elapsed = time.perf_counter() - t
    clock("timed")
    return dict(elapsed_s=elapsed, version=version, final_logs=_last_logs(h))


# ------------------------------------------------ hand-written flax.linen + optax loop


def run_handwritten(workload, cfg, x, y, clock):
    import jax
    import jax.numpy as jnp
    import flax
    import flax.linen as nn
    import optax

    clock("imported")
    glorot = nn.initializers.xavier_uniform()

    if workload == "cnn":

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                x = nn.relu(nn.Conv(32, (3, 3), padding="VALID", kernel_init=glorot)(x))
                x = nn.max_pool(x, (2, 2), strides=(2, 2))
                x = nn.relu(nn.Conv(64, (3, 3), padding="VALID", kernel_init=glorot)(x))
                x = nn.max_pool(x, (2, 2), strides=(2, 2))
                x = x.reshape((x.shape[0], -1))
                x = nn.Dropout(0.5, deterministic=not train)(x)
                x = nn.relu(nn.Dense(128, kernel_init=glorot)(x))
                return nn.Dense(10, kernel_init=glorot)(x)  # logits

    elif workload in ("mlp", "mlp_spe10"):

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                x = nn.relu(nn.Dense(64, kernel_init=glorot)(x))
                x = nn.relu(nn.Dense(32, kernel_init=glorot)(x))
                return nn.Dense(10, kernel_init=glorot)(x)

    elif workload == "lstm":

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                e = nn.Embed(10000, 128)(x)
                h = nn.RNN(nn.OptimizedLSTMCell(64))(e)[:, -1]
                return nn.Dense(1, kernel_init=glorot)(h)[:, 0]  # logit

    else:
        raise ValueError(f"Unknown workload {workload!r}")

    binary = workload == "lstm"
    net = Net()
    tx = optax.adam(1e-3, b1=0.9, b2=0.999, eps=1e-7)  # Keras Adam defaults
    b = cfg["batch"]

    def loss_and_acc(params, xb, yb, rng):
        logits = net.apply({"params": params}, xb, train=True, rngs={"dropout": rng})
        if binary:
            loss = optax.sigmoid_binary_cross_entropy(logits, yb).mean()
            acc = jnp.mean((logits > 0).astype(jnp.float32) == yb)
        else:
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
            acc = jnp.mean(jnp.argmax(logits, -1) == yb)
        return loss, acc

    @jax.jit
    def init(key, xb):
        params = net.init({"params": key}, xb, train=False)["params"]
        zero = jnp.zeros((), jnp.float32)
        # (params, opt_state, rng, loss_sum, acc_sum, count): running-mean metrics, like fit.
        return (params, tx.init(params), jax.random.PRNGKey(1), zero, zero, zero)

    @functools.partial(jax.jit, donate_argnums=0)
    def train_step(state, xb, yb):
        params, opt_state, rng, loss_sum, acc_sum, count = state
        rng, step_rng = jax.random.split(rng)
        (loss, acc), grads = jax.value_and_grad(loss_and_acc, has_aux=True)(params, xb, yb, step_rng)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return (params, opt_state, rng, loss_sum + loss, acc_sum + acc, count + 1.0)

    state = init(jax.random.PRNGKey(0), x[:b])
    clock("built")

    def loop(state, n_steps):
        for i in range(n_steps):  # numpy slices fed per step; no per-step host sync
            state = train_step(state, x[i * b : (i + 1) * b], y[i * b : (i + 1) * b])
        return jax.block_until_ready(state)

    state = loop(state, cfg["spe"])  # same number of first steps as the Keras impls
    clock("first_step")
    state = loop(state, cfg["warmup"])
    clock("warm")
    state = state[:3] + tuple(jnp.zeros((), jnp.float32) for _ in range(3))  # reset metrics
    n_steps = len(x) // b
    t = time.perf_counter()
    state = loop(state, n_steps)
    elapsed = time.perf_counter() - t
    clock("timed")
    _, _, _, loss_sum, acc_sum, count = state
    logs = {"loss": float(loss_sum / count), "accuracy": float(acc_sum / count)}
    return dict(elapsed_s=elapsed, version=f"jax {jax.__version__}, flax {flax.__version__}, optax {optax.__version__}", final_logs=logs)


# ------------------------------------------------------------------------------ child


def _peak_rss_mb():
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        return kb / 1024.0 if sys.platform != "darwin" else kb / (1024.0 * 1024.0)
    except Exception:  # noqa: BLE001
        try:
            import psutil

            return psutil.Process().memory_info().rss / 2**20
        except Exception:  # noqa: BLE001
            return None


def child_main(args):
    t0 = args.t0 if args.t0 is not None else _process_start_time()
    cfg = dict(WORKLOADS[args.workload])
    cfg.update(batch=args.batch or cfg["batch"], steps=args.steps or cfg["steps"], warmup=args.warmup if args.warmup is not None else cfg["warmup"])
    spe = cfg["spe"]
    # Whole executions only (a partial last execution would re-trace in Keras).
    cfg["steps"] = max(spe, -(-cfg["steps"] // spe) * spe)
    cfg["warmup"] = -(-cfg["warmup"] // spe) * spe
    rec = dict(
        workload=args.workload,
        impl=args.impl,
        repeat=args.repeat,
        batch=cfg["batch"],
        steps=cfg["steps"],
        warmup_steps=cfg["warmup"],
        steps_per_execution=spe if args.impl != "handwritten" else 1,
    )
    marks = {}

    def clock(name):
        marks[name] = time.time()

    td = time.time()
    n = max(cfg["steps"], cfg["warmup"], spe) * cfg["batch"]
    x, y = make_data(args.workload, n)
    data_s = time.time() - td
    rec["data_mb"] = round((x.nbytes + y.nbytes) / 2**20, 1)
    base_rss = _current_rss_mb()  # interpreter + numpy + data, before any framework import
    t_start = time.time()
    try:
        if args.impl == "handwritten":
            out = run_handwritten(args.workload, cfg, x, y, clock)
        else:
            out = run_keras_api(args.impl, args.workload, cfg, x, y, clock)
    except Unavailable as e:
        rec.update(status="unavailable", error=f"unavailable: {e}")
    except Skip as e:
        rec.update(status="skipped", error=f"skipped: {e}")
    except BaseException as e:  # noqa: BLE001 - the parent reports it and goes on
        tb = traceback.format_exc(limit=6)
        rec.update(status="error", error=f"error: {type(e).__name__}: {e}", traceback=tb[-2000:])
    else:
        samples = cfg["steps"] * cfg["batch"]
        rec.update(
            status="ok",
            samples_per_s=samples / out["elapsed_s"],
            ms_per_step=1000.0 * out["elapsed_s"] / cfg["steps"],
            timed_s=out["elapsed_s"],
            # process start -> first step done (imports, build, compile, first step),
            # excluding the synthetic-data generation.
            time_to_first_step_s=marks["first_step"] - t0 - data_s,
            interpreter_start_s=t_start - data_s - t0 if t0 else None,
            import_s=marks["imported"] - t_start,
            build_s=marks["built"] - marks["imported"],
            first_step_s=marks["first_step"] - marks["built"],
            warmup_s=marks["warm"] - marks["first_step"],
            version=out["version"],
            final_logs=out["final_logs"],
        )
    rec["data_s"] = round(data_s, 3)
    rec["peak_rss_mb"] = _peak_rss_mb()
    if base_rss is not None and rec["peak_rss_mb"] is not None:
        rec["rss_over_data_mb"] = rec["peak_rss_mb"] - base_rss
    if "jax" in sys.modules:  # report only; never import jax just for this
        try:
            jax = sys.modules["jax"]
            rec["jax_backend"] = jax.default_backend()
            rec["jax_cache_dir"] = jax.config.jax_compilation_cache_dir
        except Exception:  # noqa: BLE001
            pass
    sys.stdout.flush()
    print(RESULT_MARK + json.dumps(rec), flush=True)
    return 0


def _process_start_time():
    """Wall-clock start of this process (Linux /proc, ~10 ms resolution), else None."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = float(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.time() - (uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except Exception:  # noqa: BLE001
        return None


def _current_rss_mb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except Exception:  # noqa: BLE001
        try:
            import psutil

            return psutil.Process().memory_info().rss / 2**20
        except Exception:  # noqa: BLE001
            return None


# ----------------------------------------------------------------------------- parent


def _parse_steps(spec):
    """'40' -> {all: 40}; 'cnn=10,mlp=1000' -> per workload."""
    if not spec:
        return {}
    if "=" not in spec:
        return {w: int(spec) for w in ALL_WORKLOADS}
    out = {}
    for part in spec.split(","):
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in ALL_WORKLOADS:
            raise SystemExit(f"--steps: unknown workload {k!r}; expected one of {ALL_WORKLOADS}")
        out[k] = int(v)
    return out


def _csv(value, allowed, what):
    items = [s.strip() for s in value.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad:
        raise SystemExit(f"--{what}: unknown {bad}; expected a comma list of {list(allowed)}")
    return items


def run_one(workload, impl, repeat, steps, args):
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", "--workload", workload, "--impl", impl, "--repeat", str(repeat)]
    if steps:
        cmd += ["--steps", str(steps)]
    if args.warmup is not None:
        cmd += ["--warmup", str(args.warmup)]
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "jax"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.time()
    cmd += ["--t0", repr(t0)]
    base = dict(workload=workload, impl=impl, repeat=repeat)
    try:
        p = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return dict(base, status="timeout", error=f"timeout: child ran over {args.timeout} s")
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            rec = json.loads(line[len(RESULT_MARK) :])
            rec["wall_s"] = round(time.time() - t0, 2)
            return rec
    tail = (p.stderr or p.stdout or "").strip().splitlines()[-8:]
    return dict(base, status="error", error=f"error: child exited {p.returncode} without a result", stderr_tail="\n".join(tail))


def _median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(records, workloads, impls):
    summary = {}
    for w in workloads:
        for i in impls:
            runs = [r for r in records if r["workload"] == w and r["impl"] == i]
            ok = [r for r in runs if r.get("status") == "ok"]
            s = dict(workload=w, impl=i, n_ok=len(ok), n=len(runs))
            if ok:
                sps = [r["samples_per_s"] for r in ok]
                s.update(
                    samples_per_s=_median(sps),
                    samples_per_s_min=min(sps),
                    samples_per_s_max=max(sps),
                    ms_per_step=_median([r["ms_per_step"] for r in ok]),
                    time_to_first_step_s=_median([r["time_to_first_step_s"] for r in ok]),
                    peak_rss_mb=_median([r["peak_rss_mb"] for r in ok]),
                    rss_over_data_mb=_median([r.get("rss_over_data_mb") for r in ok]),
                )
            else:
                reasons = sorted({r.get("error", r.get("status", "?")) for r in runs})
                s["status"] = "; ".join(reasons)[:300]
            summary[(w, i)] = s
    return summary


def _fmt(v, kind):
    if v is None:
        return "n/a"
    if kind == "sps":
        return f"{v:,.0f}"
    if kind == "ms":
        return f"{v:.2f}"
    if kind == "s":
        return f"{v:.2f}"
    if kind == "mb":
        return f"{v:.0f}"
    if kind == "x":
        return f"{v:.2f}×"
    return str(v)


def _ratio(summary, w, num, den, key, invert=False):
    a, b = summary.get((w, num), {}).get(key), summary.get((w, den), {}).get(key)
    if not a or not b:
        return None
    return b / a if invert else a / b


def markdown_table(summary, workloads, impls):
    lines = [
        "| workload | impl | samples/s (median) | min–max | ms/step | time to first step (s) | peak RSS (MB) | RSS over data (MB) | ok/runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        for i in impls:
            s = summary[(w, i)]
            if s["n_ok"]:
                lines.append(
                    f"| {w} | {i} | {_fmt(s['samples_per_s'], 'sps')} | "
                    f"{_fmt(s['samples_per_s_min'], 'sps')}–{_fmt(s['samples_per_s_max'], 'sps')} | "
                    f"{_fmt(s['ms_per_step'], 'ms')} | {_fmt(s['time_to_first_step_s'], 's')} | "
                    f"{_fmt(s['peak_rss_mb'], 'mb')} | {_fmt(s['rss_over_data_mb'], 'mb')} | {s['n_ok']}/{s['n']} |"
                )
            else:
                lines.append(f"| {w} | {i} | {s.get('status', 'n/a')} | | | | | | 0/{s['n']} |")
    pairs = [(n, d) for n, d in (("fkeras", "handwritten"), ("fkeras", "keras3"), ("keras3", "handwritten")) if n in impls and d in impls]
    if pairs:
        lines += ["", "Ratios of medians (throughput: >1 means the first is faster; first step and RSS: <1 means the first is smaller):", ""]
        head = "| workload |"
        sep = "|---|"
        for n, d in pairs:
            head += f" {n}/{d} samples/s | {n}/{d} first step | {n}/{d} RSS over data |"
            sep += "---:|---:|---:|"
        lines += [head, sep]
        for w in workloads:
            row = f"| {w} |"
            for n, d in pairs:
                row += (
                    f" {_fmt(_ratio(summary, w, n, d, 'samples_per_s'), 'x')} |"
                    f" {_fmt(_ratio(summary, w, n, d, 'time_to_first_step_s'), 'x')} |"
                    f" {_fmt(_ratio(summary, w, n, d, 'rss_over_data_mb'), 'x')} |"
                )
            lines.append(row)
    if "mlp_spe10" in workloads and "handwritten" in impls:
        lines += ["", "mlp_spe10: handwritten is the plain per-step jitted loop (no steps_per_execution)."]
    return "\n".join(lines)


def parent_main(args):
    workloads = _csv(args.workloads, ALL_WORKLOADS, "workloads")
    impls = _csv(args.impls, ALL_IMPLS, "impls")
    steps = _parse_steps(args.steps)
    out_f = None
    if args.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        out_f = open(args.json_out, "w")

    def emit(rec):
        line = json.dumps(rec)
        print(line, flush=True)
        if out_f:
            out_f.write(line + "\n")
            out_f.flush()

    emit(
        dict(
            type="meta",
            python=platform.python_version(),
            platform=platform.platform(),
            cpu_count=os.cpu_count(),
            workloads=workloads,
            impls=impls,
            repeats=args.repeats,
            steps={w: steps.get(w, WORKLOADS[w]["steps"]) for w in workloads},
            started=time.strftime("%Y-%m-%dT%H:%M:%S"),
        )
    )
    records = []
    t_all = time.time()
    for r in range(args.repeats):
        for w in workloads:
            for i in impls:
                print(f"# repeat {r + 1}/{args.repeats}: {w} / {i} ...", file=sys.stderr, flush=True)
                rec = run_one(w, i, r, steps.get(w), args)
                rec["type"] = "run"
                records.append(rec)
                emit(rec)
    summary = summarize(records, workloads, impls)
    for s in summary.values():
        emit(dict(s, type="summary"))
    print(f"\n# total wall time {time.time() - t_all:.0f} s\n", file=sys.stderr, flush=True)
    print()
    print(markdown_table(summary, workloads, impls))
    if out_f:
        out_f.close()
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS), help=f"comma list of {ALL_WORKLOADS} (default: %(default)s)")
    ap.add_argument("--impls", default=",".join(ALL_IMPLS), help=f"comma list of {ALL_IMPLS} (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="measurements per (workload, impl), alternating impls (default: 3)")
    ap.add_argument("--steps", default=None, help="timed steps: N for all workloads, or 'cnn=16,mlp=1500' (defaults: " + ", ".join(f"{k}={v['steps']}" for k, v in WORKLOADS.items()) + ")")
    ap.add_argument("--warmup", type=int, default=None, help="warm-up steps after the first step (default per workload)")
    ap.add_argument("--json-out", default=None, help="also write the JSON lines to this file")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before a child measurement is killed (default: 600)")
    # child-only
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--impl", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--t0", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.steps = int(args.steps) if args.steps else None
        return child_main(args)
    if args.repeats < 1:
        raise SystemExit("--repeats must be >= 1")
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
