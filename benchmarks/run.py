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
    python -m benchmarks.run --workloads cnn --policy mixed_bfloat16 --steps cnn=4
    python -m benchmarks.run --workloads cnn --devices 4 --impls handwritten,keras3,fkeras,fkeras_pmap
    python -m benchmarks.run --workloads cnn --batch cnn=256 --steps cnn=300   # see gpu_table.sh
    python -m benchmarks.run --workloads input_bound --impls keras3,fkeras,fkeras_resident --repeats 3
    python -m benchmarks.run --workloads input_bound --dtype uint8 --shuffle off
    python -m benchmarks.run --workloads resnet50 --impls keras3,fkeras,keras3_resident,fkeras_resident   # GPU
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

ALL_WORKLOADS = ("cnn", "mlp", "mlp_spe10", "lstm", "input_bound", "resnet50")
DEFAULT_WORKLOADS = ("cnn", "mlp", "mlp_spe10", "input_bound")
# *_resident: the model of build_model(), trained by a hand-written jitted step
# (stateless_call + optax) over one batch put on the device once: no input pipeline.
ALL_IMPLS = ("handwritten", "keras3", "fkeras", "fkeras_pmap", "fkeras_resident", "keras3_resident")
DEFAULT_IMPLS = ("handwritten", "keras3", "fkeras")
RESIDENT_IMPLS = {"fkeras_resident": "fkeras", "keras3_resident": "keras3"}
# Image dtype of the synthetic data (--dtype); only the 224x224 image workloads take uint8.
DATA_DTYPES = ("float32", "uint8")
IMAGE_WORKLOADS = ("input_bound", "resnet50")
# Keras dtype-policy names. The hand-written loop maps them to flax's `dtype` (compute) with
# float32 params, and for float16 adds dynamic loss scaling written in its step.
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")

# Per-workload settings. `steps` is the number of batches in the data the timed fit
# trains on, for `epochs` epochs (steps × epochs timed steps); `warmup` batches are trained
# (in a separate fit) before it, after the first fit of `spe` batches that defines
# "time to first step".
WORKLOADS = {
    "cnn": dict(batch=128, steps=32, warmup=2, spe=1, epochs=1),
    "mlp": dict(batch=32, steps=3000, warmup=20, spe=1, epochs=1),
    "mlp_spe10": dict(batch=32, steps=3000, warmup=20, spe=10, epochs=1),
    "lstm": dict(batch=32, steps=20, warmup=2, spe=1, epochs=1),
    # 224x224x3 images through a model with almost no compute: the input pipeline is the cost
    "input_bound": dict(batch=128, steps=8, warmup=2, spe=1, epochs=6),
    "resnet50": dict(batch=128, steps=8, warmup=2, spe=1, epochs=6),  # opt-in; meant for a GPU
}


class Skip(Exception):
    """The framework lacks something the workload needs (reported as "skipped")."""


class Unavailable(Exception):
    """The framework cannot be imported / is not usable (reported as "unavailable")."""


# --------------------------------------------------------------------------- data


def make_data(workload, n_samples, seed=0, dtype="float32"):
    """Synthetic numpy data with a fixed seed: (x, y). `dtype` is the image dtype of the
    224x224 image workloads: float32 in [0, 1) or uint8 in [0, 255]."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if dtype != "float32" and workload not in IMAGE_WORKLOADS:
        raise ValueError(f"dtype {dtype!r} is only for the workloads {IMAGE_WORKLOADS}")
    if workload in IMAGE_WORKLOADS:
        shape = (n_samples, 224, 224, 3)
        if dtype == "uint8":
            x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        elif dtype == "float32":
            x = rng.random(shape, dtype=np.float32)
        else:
            raise ValueError(f"Unknown data dtype {dtype!r}; expected one of {DATA_DTYPES}")
        classes = 1000 if workload == "resnet50" else 10
        y = rng.integers(0, classes, size=(n_samples,)).astype(np.int32)
    elif workload == "cnn":
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

    Written once, used unchanged for real Keras 3 and for `import fkeras as keras`. The dtype
    policy and the distribution are global and set by the caller before this runs; the last
    layer always keeps float32 outputs.
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
                # float32 outputs under a mixed policy, as the Keras mixed-precision guide
                # does (a no-op under float32)
                layers.Dense(10, activation="softmax", dtype="float32"),
            ]
        )
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    elif workload in ("mlp", "mlp_spe10"):
        model = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax", dtype="float32"),
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
                layers.Dense(1, activation="sigmoid", dtype="float32"),
            ]
        )
        loss, metrics = "binary_crossentropy", ["accuracy"]
    elif workload == "input_bound":
        # The same model for float32 and uint8 images: Rescaling casts to the compute dtype.
        model = keras.Sequential(
            [
                keras.Input((224, 224, 3)),
                layers.Rescaling(1 / 255.0),
                layers.GlobalAveragePooling2D(),
                layers.Dense(10, activation="softmax", dtype="float32"),
            ]
        )
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    elif workload == "resnet50":
        apps = getattr(keras, "applications", None)
        if apps is None or not hasattr(apps, "ResNet50"):
            raise Skip("framework has no keras.applications.ResNet50")
        model = apps.ResNet50(weights=None, input_shape=(224, 224, 3), classes=1000)
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    else:
        raise ValueError(f"Unknown workload {workload!r}")
    compile_kwargs = {}
    if steps_per_execution != 1:
        compile_kwargs["steps_per_execution"] = steps_per_execution
    optimizer = keras.optimizers.SGD(0.01, momentum=0.9) if workload == "resnet50" else "adam"
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, **compile_kwargs)
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


def _train_programs(model, traces=False):
    """fkeras's `model.trace_counts` keys of train programs, as strings (older fkeras keys are
    strings, "train_indexed:K:...", newer ones `ProgramKey(kind, steps, ...)` tuples); with
    `traces`, the sum of their trace counts (None for a framework without trace_counts)."""
    counts = getattr(model, "trace_counts", None)
    if not isinstance(counts, dict):
        return None if traces else []
    out, n = [], 0
    for k, c in counts.items():
        kind = k if isinstance(k, str) else getattr(k, "kind", None)
        if isinstance(kind, str) and kind.startswith("train"):
            out.append(str(k))
            n += c if isinstance(c, int) else 0
    return n if traces else sorted(out)


def _last_logs(history):
    out = {}
    hist = getattr(history, "history", None) or {}
    for k, v in hist.items():
        try:
            out[k] = float(v[-1])
        except Exception:  # noqa: BLE001
            pass
    return out


def _check_devices(n):
    """The first `n` JAX devices; an error (never a silent fallback) if there are fewer."""
    import jax

    devs = jax.devices()
    if len(devs) < n:
        raise Unavailable(
            f"--devices {n} needs {n} devices, but JAX's default backend {jax.default_backend()!r} has "
            f"{len(devs)} ({', '.join(str(d) for d in devs)}); forced host devices are only used on CPU"
        )
    return devs[:n]


def _set_policy_and_distribution(keras, impl, policy, devices):
    """`keras.mixed_precision.set_global_policy(policy)` and, for devices > 1,
    `keras.distribution.set_distribution(keras.distribution.DataParallel(...))`."""
    mp = getattr(keras, "mixed_precision", None)
    if mp is None or not hasattr(mp, "set_global_policy"):
        if policy != "float32":
            raise Skip("framework has no keras.mixed_precision.set_global_policy")
    else:
        mp.set_global_policy(policy)
    if devices <= 1:
        return None
    devs = _check_devices(devices)
    dist_mod = getattr(keras, "distribution", None)
    if dist_mod is None or not hasattr(dist_mod, "DataParallel"):
        raise Skip("framework has no keras.distribution.DataParallel")
    import jax

    kwargs = {}
    if len(jax.devices()) > devices:  # use the first N devices only
        kwargs["devices"] = [f"{d.platform}:{d.id}" for d in devs]
    if impl == "fkeras_pmap":
        try:
            dist = dist_mod.DataParallel(implementation="pmap", **kwargs)
        except TypeError as e:
            raise Skip(f"DataParallel(implementation='pmap') is not supported: {e}") from e
    else:
        dist = dist_mod.DataParallel(**kwargs)
    dist_mod.set_distribution(dist)
    return dist


def run_keras_api(impl, workload, cfg, x, y, clock, policy="float32", devices=1, shuffle=True):
    """Keras 3 / fkeras measurement. `clock` records named timestamps."""
    keras = _import_keras_api("fkeras" if impl == "fkeras_pmap" else impl)
    clock("imported")
    version = getattr(keras, "__version__", None)
    if hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(0)
    dist = _set_policy_and_distribution(keras, impl, policy, devices)
    b, spe = cfg["batch"], cfg["spe"]
    model = build_model(keras, workload, steps_per_execution=spe)
    # What actually ran: under mixed_float16 both Keras 3 and fkeras wrap the optimizer in a
    # LossScaleOptimizer in compile().
    extra = dict(
        optimizer=type(model.optimizer).__name__,
        compute_dtype=str(getattr(model.layers[0], "compute_dtype", None)),
        variable_dtype=str(getattr(model.layers[0], "variable_dtype", None)),
        output_dtype=str(getattr(model.layers[-1], "compute_dtype", None)),
        distribution=None if dist is None
        else f"{type(dist).__name__}({getattr(dist, 'implementation', 'sharded')}, {devices} devices)",
    )
    clock("built")
    n_first = spe * b
    h = model.fit(x[:n_first], y[:n_first], batch_size=b, epochs=1, verbose=0, shuffle=shuffle)
    _sync_keras(model, h)
    clock("first_step")
    n_warm = cfg["warmup"] * b
    if n_warm:  # --warmup 0: no warm-up fit (fit on no data is an error)
        h = model.fit(x[:n_warm], y[:n_warm], batch_size=b, epochs=1, verbose=0, shuffle=shuffle)
        _sync_keras(model, h)
    clock("warm")
    t = time.perf_counter()
    h = model.fit(x, y, batch_size=b, epochs=cfg["epochs"], verbose=0, shuffle=shuffle)
    _sync_keras(model, h)
    elapsed = time.perf_counter() - t
    # fkeras: the jitted train programs fit used (K steps per call; K > 1 without
    # steps_per_execution means fit fused cheap steps by itself)
    extra["train_programs"] = _train_programs(model)
    # ... and how many times they were traced in all (first, warm-up and timed fits): more
    # traces than programs means a fit re-traced (e.g. for a new data size)
    extra["train_traces"] = _train_programs(model, traces=True)
    clock("timed")
    if policy == "mixed_float16":
        try:  # the current scale (scale_loss multiplies by it in both frameworks) ...
            if list(model.optimizer.variables):  # ... if the optimizer exposes its state
                extra["final_loss_scale"] = float(model.optimizer.scale_loss(1.0))
        except Exception:  # noqa: BLE001 - informational only
            pass
    return dict(elapsed_s=elapsed, version=version, final_logs=_last_logs(h), extra=extra)


# ------------------------------------------------ hand-written flax.linen + optax loop


def run_handwritten(workload, cfg, x, y, clock, policy="float32", devices=1, shuffle=True):
    if workload == "resnet50":
        raise Skip("no hand-written ResNet50 (the *_resident impls train the same model by hand)")
    try:
        import flax
        import flax.linen as nn
        import jax
        import jax.numpy as jnp
        import numpy as np
        import optax
    except Exception as e:  # noqa: BLE001
        raise Unavailable(f"{type(e).__name__}: {e}") from e

    clock("imported")
    glorot = nn.initializers.xavier_uniform()
    # Keras policy -> flax compute dtype; params stay float32 (`param_dtype`), the last Dense
    # computes in float32 (like the Keras model's dtype="float32" output layer).
    cdt = {"float32": jnp.float32, "mixed_bfloat16": jnp.bfloat16, "mixed_float16": jnp.float16}[policy]
    f32 = jnp.float32
    kw = dict(dtype=cdt, param_dtype=f32)

    if workload == "cnn":

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                x = nn.relu(nn.Conv(32, (3, 3), padding="VALID", kernel_init=glorot, **kw)(x))
                x = nn.max_pool(x, (2, 2), strides=(2, 2))
                x = nn.relu(nn.Conv(64, (3, 3), padding="VALID", kernel_init=glorot, **kw)(x))
                x = nn.max_pool(x, (2, 2), strides=(2, 2))
                x = x.reshape((x.shape[0], -1))
                x = nn.Dropout(0.5, deterministic=not train)(x)
                x = nn.relu(nn.Dense(128, kernel_init=glorot, **kw)(x))
                return nn.Dense(10, kernel_init=glorot, dtype=f32, param_dtype=f32)(x)  # logits

    elif workload in ("mlp", "mlp_spe10"):

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                x = nn.relu(nn.Dense(64, kernel_init=glorot, **kw)(x))
                x = nn.relu(nn.Dense(32, kernel_init=glorot, **kw)(x))
                return nn.Dense(10, kernel_init=glorot, dtype=f32, param_dtype=f32)(x)

    elif workload == "lstm":

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                e = nn.Embed(10000, 128, **kw)(x)
                h = nn.RNN(nn.OptimizedLSTMCell(64, **kw))(e)[:, -1]
                return nn.Dense(1, kernel_init=glorot, dtype=f32, param_dtype=f32)(h)[:, 0]  # logit

    elif workload == "input_bound":

        class Net(nn.Module):
            @nn.compact
            def __call__(self, x, train):
                x = x.astype(cdt) * jnp.asarray(1 / 255.0, cdt)  # Rescaling (uint8 or float32 in)
                x = jnp.mean(x, axis=(1, 2))  # GlobalAveragePooling2D
                return nn.Dense(10, kernel_init=glorot, dtype=f32, param_dtype=f32)(x)

    else:
        raise ValueError(f"Unknown workload {workload!r}")

    binary = workload == "lstm"
    net = Net()
    tx = optax.adam(1e-3, b1=0.9, b2=0.999, eps=1e-7)  # Keras Adam defaults
    b = cfg["batch"]
    # float16: dynamic loss scaling written out in the step, with Keras's LossScaleOptimizer
    # defaults (initial scale 2**15, halve and skip the update on a non-finite gradient,
    # double after 2000 finite steps in a row).
    loss_scaling = cdt == jnp.float16
    INITIAL_SCALE, GROWTH_STEPS = 2.0**15, 2000

    def loss_and_acc(params, xb, yb, rng):
        logits = net.apply({"params": params}, xb, train=True, rngs={"dropout": rng})
        logits = logits.astype(f32)  # loss and metrics in float32
        if binary:
            loss = optax.sigmoid_binary_cross_entropy(logits, yb).mean()
            acc = jnp.mean((logits > 0).astype(jnp.float32) == yb)
        else:
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
            acc = jnp.mean(jnp.argmax(logits, -1) == yb)
        return loss, acc

    def init_fn(key, xb):
        params = net.init({"params": key}, xb, train=False)["params"]
        zero = jnp.zeros((), jnp.float32)
        # (params, opt_state, rng, loss_sum, acc_sum, count[, scale, good_steps]):
        # running-mean metrics, like fit.
        state = (params, tx.init(params), jax.random.PRNGKey(1), zero, zero, zero)
        if loss_scaling:
            state += (jnp.asarray(INITIAL_SCALE, f32), jnp.zeros((), jnp.int32))
        return state

    def step_fn(state, xb, yb):
        params, opt_state, rng, loss_sum, acc_sum, count = state[:6]
        rng, step_rng = jax.random.split(rng)
        if not loss_scaling:
            (loss, acc), grads = jax.value_and_grad(loss_and_acc, has_aux=True)(params, xb, yb, step_rng)
            updates, opt_state = tx.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            return (params, opt_state, rng, loss_sum + loss, acc_sum + acc, count + 1.0)
        scale, good = state[6:]

        def scaled_loss(p):
            loss, acc = loss_and_acc(p, xb, yb, step_rng)
            return loss * scale, (loss, acc)

        (_, (loss, acc)), grads = jax.value_and_grad(scaled_loss, has_aux=True)(params)
        grads = jax.tree_util.tree_map(lambda g: g / scale, grads)
        finite = jnp.all(jnp.asarray([jnp.all(jnp.isfinite(g)) for g in jax.tree_util.tree_leaves(grads)]))
        updates, new_opt_state = tx.update(grads, opt_state, params)
        new_params = optax.apply_updates(params, updates)
        keep = lambda new, old: jnp.where(finite, new, old)  # noqa: E731 - skip non-finite steps
        params = jax.tree_util.tree_map(keep, new_params, params)
        opt_state = jax.tree_util.tree_map(keep, new_opt_state, opt_state)
        good = jnp.where(finite, good + 1, 0)
        grow = good >= GROWTH_STEPS
        scale = jnp.where(finite, jnp.where(grow, scale * 2.0, scale), jnp.maximum(scale / 2.0, 1.0))
        good = jnp.where(grow, 0, good)
        return (params, opt_state, rng, loss_sum + loss, acc_sum + acc, count + 1.0, scale, good)

    if devices > 1:
        # Data parallel by hand: one mesh axis 'batch', replicated state, batches sharded on
        # their leading dimension, one jitted step (XLA inserts the gradient all-reduce).
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

        mesh = Mesh(np.asarray(_check_devices(devices)), ("batch",))
        replicated, batch_sharding = NamedSharding(mesh, P()), NamedSharding(mesh, P("batch"))
        init = jax.jit(init_fn, out_shardings=replicated)
        train_step = jax.jit(step_fn, donate_argnums=0, out_shardings=replicated)
        put = lambda a: jax.device_put(a, batch_sharding)  # noqa: E731
    else:
        init = jax.jit(init_fn)
        train_step = functools.partial(jax.jit, donate_argnums=0)(step_fn)
        put = lambda a: a  # noqa: E731 - numpy slices go straight into the jitted step

    state = init(jax.random.PRNGKey(0), x[:b])
    clock("built")

    # Like fit's default shuffle=True: each epoch visits the rows in a fresh random order, the
    # batch gathered on the host with np.take; --shuffle off feeds contiguous slices.
    perm_rng = np.random.default_rng(0)
    order = perm_rng.permutation(len(x)) if shuffle else None

    def loop(state, n_steps, order):
        for i in range(n_steps):  # batches fed per step; no per-step host sync
            if order is None:
                xb, yb = x[i * b : (i + 1) * b], y[i * b : (i + 1) * b]
            else:
                idx = order[i * b : (i + 1) * b]
                xb, yb = np.take(x, idx, axis=0), np.take(y, idx, axis=0)
            state = train_step(state, put(xb), put(yb))
        return state

    state = jax.block_until_ready(loop(state, cfg["spe"], order))  # same number of first steps as the Keras impls
    clock("first_step")
    state = jax.block_until_ready(loop(state, cfg["warmup"], order))
    clock("warm")
    zeros = tuple(jax.device_put(jnp.zeros((), jnp.float32), replicated) if devices > 1 else jnp.zeros((), jnp.float32)
                  for _ in range(3))
    state = state[:3] + zeros + state[6:]  # reset metrics
    n_steps = len(x) // b
    t = time.perf_counter()
    for epoch in range(cfg["epochs"]):  # like fit(epochs=E): a fresh order per pass when shuffling
        state = loop(state, n_steps, order if (epoch == 0 or not shuffle) else perm_rng.permutation(len(x)))
    state = jax.block_until_ready(state)
    elapsed = time.perf_counter() - t
    clock("timed")
    loss_sum, acc_sum, count = state[3:6]
    logs = {"loss": float(loss_sum / count), "accuracy": float(acc_sum / count)}
    extra = dict(compute_dtype=jnp.dtype(cdt).name, variable_dtype="float32", output_dtype="float32",
                 optimizer="optax.adam" + (" + hand-written dynamic loss scaling" if loss_scaling else ""),
                 distribution=f"jax.sharding.Mesh(('batch',), {devices} devices)" if devices > 1 else None)
    if loss_scaling:
        extra["final_loss_scale"] = float(state[6])
    return dict(elapsed_s=elapsed, version=f"jax {jax.__version__}, flax {flax.__version__}, optax {optax.__version__}",
                final_logs=logs, extra=extra)


# ------------------------------ the Keras-API model, trained over a batch resident on device


def run_resident(impl, workload, cfg, x, y, clock, policy="float32", devices=1, shuffle=True):
    """`fkeras_resident` / `keras3_resident`: the model of `build_model` (fkeras or Keras 3),
    trained by a hand-written step: `model.stateless_call(...)`, the loss in jax.numpy,
    `jax.value_and_grad` and optax, in one `jax.jit` that donates the state. Every step
    trains on the same batch, put on the device once before the first step: no input
    pipeline, no per-step host work but the dispatch. `fit`'s samples/s over this impl's is
    the share of the step that `fit` itself costs (data feeding, shuffling, its loop).
    `shuffle` is ignored (one batch)."""
    fw = RESIDENT_IMPLS[impl]
    if devices > 1:
        raise Skip(f"{impl} runs on one device")
    if policy == "mixed_float16":
        raise Skip(f"{impl} has no loss scaling (mixed_float16)")
    keras = _import_keras_api(fw)
    try:
        import jax
        import jax.numpy as jnp
        import optax
    except Exception as e:  # noqa: BLE001
        raise Unavailable(f"{type(e).__name__}: {e}") from e
    clock("imported")
    version = getattr(keras, "__version__", None)
    if hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(0)
    _set_policy_and_distribution(keras, fw, policy, 1)
    model = build_model(keras, workload)  # compiled as for fit; its optimizer goes unused
    binary = workload == "lstm"
    # Keras's SGD(0.01, momentum=0.9) (v = 0.9 v - lr g; w += v) is optax.sgd's trace with a
    # constant rate; Adam with Keras's defaults.
    if workload == "resnet50":
        tx, tx_name = optax.sgd(0.01, momentum=0.9), "optax.sgd(0.01, momentum=0.9)"
    else:
        tx, tx_name = optax.adam(1e-3, b1=0.9, b2=0.999, eps=1e-7), "optax.adam"
    f32 = jnp.float32
    eps = 1e-7  # keras.backend.epsilon()

    def loss_fn(tv, ntv, xb, yb, count):
        kwargs = {}
        if fw == "fkeras":
            # fkeras takes the step's key as an argument (a layer that draws, e.g. Dropout, folds
            # its own key from it); unused (so removed by XLA) when no layer draws. Keras 3 keeps
            # its seed-generator states in the non-trainable variables instead.
            kwargs["rng"] = jax.random.fold_in(jax.random.PRNGKey(1), count)
        y_pred, new_ntv = model.stateless_call(tv, ntv, xb, training=True, **kwargs)
        p = y_pred.astype(f32)
        if binary:  # binary_crossentropy on probabilities, as Keras computes it
            p = jnp.clip(p[:, 0] if p.ndim == 2 else p, eps, 1.0 - eps)
            loss = -jnp.mean(yb * jnp.log(p) + (1.0 - yb) * jnp.log(1.0 - p))
            acc = jnp.mean((p > 0.5).astype(f32) == yb)
        else:  # sparse_categorical_crossentropy on probabilities, as Keras computes it
            p = p / jnp.sum(p, axis=-1, keepdims=True)
            p = jnp.clip(p, eps, 1.0 - eps)
            loss = -jnp.mean(jnp.take_along_axis(jnp.log(p), yb[:, None].astype(jnp.int32), axis=-1))
            acc = jnp.mean((jnp.argmax(p, axis=-1) == yb).astype(f32))
        return loss, (new_ntv, acc)

    def step_fn(state, xb, yb):
        tv, ntv, opt_state, loss_sum, acc_sum, count = state
        (loss, (ntv, acc)), grads = jax.value_and_grad(loss_fn, has_aux=True)(tv, ntv, xb, yb, count)
        updates, opt_state = tx.update(grads, opt_state, tv)
        tv = optax.apply_updates(tv, updates)
        return (tv, ntv, opt_state, loss_sum + loss, acc_sum + acc, count + 1)

    train_step = jax.jit(step_fn, donate_argnums=0)
    # Variable.value is the variable's jax.Array in both frameworks (checked below).
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    bad = sorted({type(a).__name__ for a in tv + ntv if not isinstance(a, jax.Array)})
    if bad:
        raise RuntimeError(f"{fw}: Variable.value gave {bad}, not jax.Array")
    # Copies: the step donates its state, and the model's own arrays stay valid.
    tv, ntv = [jnp.array(a, copy=True) for a in tv], [jnp.array(a, copy=True) for a in ntv]

    def metrics0():  # (loss_sum, acc_sum, count): three buffers (a donated buffer may appear once)
        return (jnp.zeros((), f32), jnp.zeros((), f32), jnp.zeros((), jnp.int32))

    state = (tv, ntv, tx.init(tv)) + metrics0()
    extra = dict(
        optimizer=tx_name,
        compute_dtype=str(getattr(model.layers[0], "compute_dtype", None)),
        variable_dtype=str(getattr(model.layers[0], "variable_dtype", None)),
        output_dtype=str(getattr(model.layers[-1], "compute_dtype", None)),
        distribution=None,
        n_trainable=len(tv),
        n_non_trainable=len(ntv),
    )
    clock("built")
    b = cfg["batch"]
    xb, yb = jax.device_put(x[:b]), jax.device_put(y[:b])  # once; every step trains on it
    jax.block_until_ready((xb, yb))

    def loop(state, n_steps):
        for _ in range(n_steps):  # no per-step host sync
            state = train_step(state, xb, yb)
        return state

    state = jax.block_until_ready(loop(state, cfg["spe"]))  # same number of first steps as fit's first
    clock("first_step")
    state = jax.block_until_ready(loop(state, cfg["warmup"]))
    clock("warm")
    state = state[:3] + metrics0()  # reset metrics
    n_steps = (len(x) // b) * cfg["epochs"]
    t = time.perf_counter()
    state = jax.block_until_ready(loop(state, n_steps))
    elapsed = time.perf_counter() - t
    clock("timed")
    loss_sum, acc_sum, count = state[3:6]
    logs = {"loss": float(loss_sum / count), "accuracy": float(acc_sum / count)}
    extra["step_programs"] = train_step._cache_size() if hasattr(train_step, "_cache_size") else None
    return dict(elapsed_s=elapsed, version=f"{version} (jax {jax.__version__}, optax {optax.__version__})",
                final_logs=logs, extra=extra)


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


def _apply_fkeras_malloc_tuning():
    """fkeras's glibc settings and synchronous CPU client (fkeras/backend/host_allocator.py),
    applied to any impl before it imports anything: loaded by path so that a keras3 / handwritten
    child does not import fkeras."""
    import importlib.util

    path = os.path.join(REPO_ROOT, "fkeras", "backend", "host_allocator.py")
    spec = importlib.util.spec_from_file_location("_fkeras_host_allocator", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.tune_for_cpu_training()
    mod.prefer_inline_cpu_execution()


def child_main(args):
    t0 = args.t0 if args.t0 is not None else _process_start_time()
    cfg = dict(WORKLOADS[args.workload])
    cfg.update(batch=int(args.batch) if args.batch else cfg["batch"], steps=args.steps or cfg["steps"],
               warmup=args.warmup if args.warmup is not None else cfg["warmup"],
               epochs=int(args.epochs) if args.epochs else cfg["epochs"])
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
        epochs=cfg["epochs"],
        timed_steps=cfg["steps"] * cfg["epochs"],
        warmup_steps=cfg["warmup"],
        steps_per_execution=spe if args.impl in ("keras3", "fkeras", "fkeras_pmap") else 1,
        policy=args.policy,
        devices=args.devices,
        malloc=args.malloc,
        shuffle=args.shuffle,
        dtype=args.dtype,
    )
    if args.malloc == "tuned-all":
        _apply_fkeras_malloc_tuning()
    if args.force_host_devices:
        # CPU only (the parent checked the platform): N host devices on the same cores. Set
        # before jax is first imported (nothing above imports it).
        assert "jax" not in sys.modules
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={args.force_host_devices}".strip()
        rec["forced_host_devices"] = args.force_host_devices
    marks = {}

    def clock(name):
        marks[name] = time.time()

    td = time.time()
    n = max(cfg["steps"], cfg["warmup"], spe) * cfg["batch"]
    x, y = make_data(args.workload, n, dtype=args.dtype)
    data_s = time.time() - td
    rec["data_mb"] = round((x.nbytes + y.nbytes) / 2**20, 1)
    base_rss = _current_rss_mb()  # interpreter + numpy + data, before any framework import
    t_start = time.time()
    try:
        if args.impl == "fkeras_pmap" and args.devices <= 1:
            raise Skip("fkeras_pmap (DataParallel(implementation='pmap')) needs --devices > 1")
        if args.devices > 1 and cfg["batch"] % args.devices:
            raise Skip(f"batch {cfg['batch']} is not divisible by --devices {args.devices}")
        if args.impl == "handwritten":
            out = run_handwritten(args.workload, cfg, x, y, clock, policy=args.policy, devices=args.devices,
                                  shuffle=args.shuffle == "on")
        elif args.impl in RESIDENT_IMPLS:
            out = run_resident(args.impl, args.workload, cfg, x, y, clock, policy=args.policy, devices=args.devices,
                               shuffle=args.shuffle == "on")
        else:
            out = run_keras_api(args.impl, args.workload, cfg, x, y, clock, policy=args.policy, devices=args.devices,
                                shuffle=args.shuffle == "on")
    except Unavailable as e:
        rec.update(status="unavailable", error=f"unavailable: {e}")
    except Skip as e:
        rec.update(status="skipped", error=f"skipped: {e}")
    except BaseException as e:  # noqa: BLE001 - the parent reports it and goes on
        tb = traceback.format_exc(limit=-8)  # the innermost frames: where it failed
        rec.update(status="error", error=f"error: {type(e).__name__}: {e}", traceback=tb[-2000:])
    else:
        timed_steps = cfg["steps"] * cfg["epochs"]
        rec.update(
            status="ok",
            samples_per_s=timed_steps * cfg["batch"] / out["elapsed_s"],
            ms_per_step=1000.0 * out["elapsed_s"] / timed_steps,
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
            **out.get("extra", {}),
        )
    rec["data_s"] = round(data_s, 3)
    rec["peak_rss_mb"] = _peak_rss_mb()
    if base_rss is not None and rec["peak_rss_mb"] is not None:
        rec["rss_over_data_mb"] = rec["peak_rss_mb"] - base_rss
    if "jax" in sys.modules:  # report only; never import jax just for this
        try:
            jax = sys.modules["jax"]
            rec["jax_backend"] = jax.default_backend()
            # False: a synchronous CPU client (fkeras asks for one at import; see host_allocator)
            rec["cpu_async_dispatch"] = jax.config.values.get("jax_cpu_enable_async_dispatch")
            rec["jax_device_count"] = jax.device_count()
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


def _parse_steps(spec, what="steps"):
    """'40' -> {all: 40}; 'cnn=10,mlp=1000' -> per workload (also used for --batch)."""
    if not spec:
        return {}
    if "=" not in spec:
        return {w: int(spec) for w in ALL_WORKLOADS}
    out = {}
    for part in spec.split(","):
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in ALL_WORKLOADS:
            raise SystemExit(f"--{what}: unknown workload {k!r}; expected one of {ALL_WORKLOADS}")
        out[k] = int(v)
    return out


def _child_env():
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "jax"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def probe_devices(n):
    """For --devices n > 1: how many host devices each child must force (0: none).

    Asks a throwaway subprocess for JAX's default backend and device count. Host devices are
    forced (XLA_FLAGS=--xla_force_host_platform_device_count=n, set by the child before it
    imports jax) only when the backend is CPU and has fewer than n devices; an accelerator
    backend with fewer than n devices is an error, never silently replaced by CPU devices.
    """
    code = ("import json, jax; "
            "print(json.dumps([jax.default_backend(), jax.device_count(), [str(d) for d in jax.devices()]]))")
    p = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_child_env(), capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        raise SystemExit(f"--devices {n}: could not query JAX's devices:\n{p.stderr.strip()[-2000:]}")
    backend, count, names = json.loads(p.stdout.strip().splitlines()[-1])
    info = dict(backend=backend, device_count=count, devices=names[:16])
    if count >= n:
        return 0, info
    if backend == "cpu":
        return n, info
    raise SystemExit(
        f"--devices {n}: JAX's default backend is {backend!r} with only {count} device(s) ({', '.join(names)}). "
        f"Data-parallel runs need {n} real devices; forced host devices (XLA_FLAGS="
        f"--xla_force_host_platform_device_count) are only used when the platform is CPU. "
        f"Use --devices {count} or fewer, or run on CPU (JAX_PLATFORMS=cpu) to measure the overhead."
    )


def _csv(value, allowed, what):
    items = [s.strip() for s in value.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad:
        raise SystemExit(f"--{what}: unknown {bad}; expected a comma list of {list(allowed)}")
    return items


def run_one(workload, impl, repeat, steps, args, batch=None, force_host_devices=0, epochs=None):
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", "--workload", workload, "--impl", impl,
           "--repeat", str(repeat)]
    cmd += ["--policy", args.policy, "--devices", str(args.devices), "--malloc", args.malloc, "--shuffle", args.shuffle,
            "--dtype", args.dtype]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if force_host_devices:
        cmd += ["--force-host-devices", str(force_host_devices)]
    if steps:
        cmd += ["--steps", str(steps)]
    if batch:
        cmd += ["--batch", str(batch)]
    if args.warmup is not None:
        cmd += ["--warmup", str(args.warmup)]
    env = _child_env()
    if args.malloc == "untuned-all":
        env["FKERAS_TUNE_MALLOC"] = "0"
    t0 = time.time()
    cmd += ["--t0", repr(t0)]
    base = dict(workload=workload, impl=impl, repeat=repeat, policy=args.policy, devices=args.devices,
                malloc=args.malloc, shuffle=args.shuffle, dtype=args.dtype)
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
    return dict(base, status="error", error=f"error: child exited {p.returncode} without a result",
                stderr_tail="\n".join(tail))


def _median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(records, workloads, impls, policy="float32", devices=1, dtype="float32", shuffle="on"):
    summary = {}
    for w in workloads:
        for i in impls:
            runs = [r for r in records if r["workload"] == w and r["impl"] == i]
            ok = [r for r in runs if r.get("status") == "ok"]
            s = dict(workload=w, impl=i, policy=policy, devices=devices, dtype=dtype, shuffle=shuffle,
                     n_ok=len(ok), n=len(runs))
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


def markdown_table(summary, workloads, impls, policy="float32", devices=1, header_note=""):
    lines = [
        f"Policy `{policy}`, devices {devices}{header_note}:",
        "",
        "| workload | impl | samples/s (median) | min–max | ms/step | time to first step (s) | peak RSS (MB) "
        "| RSS over data (MB) | ok/runs |",
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
    pairs = [
        (n, d)
        for n, d in (("fkeras", "handwritten"), ("fkeras", "keras3"), ("keras3", "handwritten"),
                     ("fkeras_pmap", "fkeras"), ("fkeras", "fkeras_resident"), ("keras3", "keras3_resident"))
        if n in impls and d in impls
    ]
    if pairs:
        lines += ["", "Ratios of medians (throughput: >1 means the first is faster; "
                      "first step and RSS: <1 means the first is smaller):", ""]
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
    if any(i in RESIDENT_IMPLS for i in impls):
        lines += ["", "*_resident: the same model trained by a hand-written jitted step on one batch kept on the "
                      "device (no input pipeline); fit/resident samples/s is the share of fit's step time that is the "
                      "step itself."]
    return "\n".join(lines)


def policy_table(summaries):
    """Cross-policy table from `"type": "summary"` records of several runs (one per policy):
    median samples/s per (workload, impl, devices) under each policy, and each mixed policy's
    speed relative to float32. These ratios come from separate runs (separate invocations),
    unlike the impl ratios of `markdown_table`, which are measured in one run."""
    policies = [p for p in POLICIES if any(s.get("policy", "float32") == p for s in summaries)]
    keys = []
    for s in summaries:
        k = (s["workload"], s["impl"], s.get("devices", 1))
        if k not in keys:
            keys.append(k)
    by = {(s["workload"], s["impl"], s.get("devices", 1), s.get("policy", "float32")): s for s in summaries}
    mixed = [p for p in policies if p != "float32"] if "float32" in policies else []
    head = ("| workload | impl | devices |" + "".join(f" {p} samples/s |" for p in policies)
            + "".join(f" {p}/float32 |" for p in mixed))
    lines = [head, "|---|---|---:|" + "---:|" * (len(policies) + len(mixed))]
    for w, i, d in keys:
        row = f"| {w} | {i} | {d} |"
        for p in policies:
            s = by.get((w, i, d, p), {})
            cell = _fmt(s.get('samples_per_s'), 'sps') if s.get('samples_per_s') else s.get('status', 'n/a')[:60]
            row += f" {cell} |"
        for p in mixed:
            a, b = by.get((w, i, d, p), {}).get("samples_per_s"), by.get((w, i, d, "float32"), {}).get("samples_per_s")
            row += f" {_fmt(a / b if a and b else None, 'x')} |"
        lines.append(row)
    return "\n".join(lines)


def table_from(path):
    """Re-prints the tables of the runs recorded in a JSON-lines file (one table per
    (policy, devices) run, then the cross-policy table if it holds several policies)."""
    summaries = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rec = json.loads(line)
                if rec.get("type") == "summary":
                    summaries.append(rec)
    if not summaries:
        raise SystemExit(f"--table-from: no summary records in {path}")
    groups = {}
    for s in summaries:
        key = (s.get("policy", "float32"), s.get("devices", 1), s.get("dtype", "float32"), s.get("shuffle", "on"))
        groups.setdefault(key, []).append(s)
    out = []
    for (policy, devices, dtype, shuffle), group in groups.items():
        workloads = list(dict.fromkeys(s["workload"] for s in group))
        impls = list(dict.fromkeys(s["impl"] for s in group))
        summary = {(s["workload"], s["impl"]): s for s in group}
        out.append(markdown_table(summary, workloads, impls, policy, devices,
                                  _header_note(dtype=dtype, shuffle=shuffle)))
    if len({g[0] for g in groups}) > 1:
        out.append("Across policies (medians from separate runs):\n\n" + policy_table(summaries))
    print("\n\n".join(out))
    return 0


def _header_note(malloc="default", shuffle="on", dtype="float32"):
    note = ""
    if malloc != "default":
        note += f", malloc {malloc}"
    if shuffle != "on":
        note += ", shuffle off"
    if dtype != "float32":
        note += f", {dtype} images"
    return note


def parent_main(args):
    workloads = _csv(args.workloads, ALL_WORKLOADS, "workloads")
    impls = _csv(args.impls, ALL_IMPLS, "impls")
    steps = _parse_steps(args.steps)
    batches = _parse_steps(args.batch, "batch")
    epochs = _parse_steps(args.epochs, "epochs")
    if any(e < 1 for e in epochs.values()):
        raise SystemExit("--epochs must be >= 1")
    if args.dtype != "float32":
        other = [w for w in workloads if w not in IMAGE_WORKLOADS]
        if other:
            raise SystemExit(f"--dtype {args.dtype}: only the image workloads {IMAGE_WORKLOADS} take it, not {other}")
    force_host_devices, device_info, header_note = 0, None, ""
    if args.devices > 1:
        force_host_devices, device_info = probe_devices(args.devices)
        if force_host_devices:
            header_note = f" (CPU: {args.devices} forced host devices sharing {os.cpu_count()} cores)"
        else:
            header_note = f" ({device_info['backend']}: {', '.join(device_info['devices'][: args.devices])})"
    out_f = None
    if args.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        out_f = open(args.json_out, "w")

    def emit(rec):
        line = json.dumps(rec)
        if not args.quiet:
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
            policy=args.policy,
            devices=args.devices,
            forced_host_devices=force_host_devices,
            device_probe=device_info,
            steps={w: steps.get(w, WORKLOADS[w]["steps"]) for w in workloads},
            batch={w: batches.get(w, WORKLOADS[w]["batch"]) for w in workloads},
            epochs={w: epochs.get(w, WORKLOADS[w]["epochs"]) for w in workloads},
            shuffle=args.shuffle,
            dtype=args.dtype,
            started=time.strftime("%Y-%m-%dT%H:%M:%S"),
        )
    )
    records = []
    t_all = time.time()
    for r in range(args.repeats):
        for w in workloads:
            for i in impls:
                print(f"# repeat {r + 1}/{args.repeats}: {w} / {i} ({args.policy}, devices={args.devices}) ...",
                      file=sys.stderr, flush=True)
                rec = run_one(w, i, r, steps.get(w), args, batch=batches.get(w), force_host_devices=force_host_devices,
                              epochs=epochs.get(w))
                rec["type"] = "run"
                records.append(rec)
                emit(rec)
                if rec.get("status") not in ("ok", "skipped"):
                    print(f"#   {rec.get('status')}: {rec.get('error', '')[:300]}", file=sys.stderr, flush=True)
    summary = summarize(records, workloads, impls, args.policy, args.devices, args.dtype, args.shuffle)
    for s in summary.values():
        emit(dict(s, type="summary"))
    print(f"\n# total wall time {time.time() - t_all:.0f} s\n", file=sys.stderr, flush=True)
    print()
    header_note += _header_note(args.malloc, args.shuffle, args.dtype)
    print(markdown_table(summary, workloads, impls, args.policy, args.devices, header_note))
    if out_f:
        out_f.close()
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                    help=f"comma list of {ALL_WORKLOADS} (default: %(default)s)")
    ap.add_argument("--impls", default=",".join(DEFAULT_IMPLS),
                    help=f"comma list of {ALL_IMPLS} (default: %(default)s; fkeras_pmap needs --devices > 1; "
                         "*_resident: one device)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="measurements per (workload, impl), alternating impls (default: 3)")
    ap.add_argument("--steps", default=None,
                    help="timed steps: N for all workloads, or 'cnn=16,mlp=1500' (defaults: "
                         + ", ".join(f"{k}={v['steps']}" for k, v in WORKLOADS.items()) + ")")
    ap.add_argument("--batch", default=None,
                    help="batch size: N for all workloads, or 'cnn=256' (defaults: "
                         + ", ".join(f"{k}={v['batch']}" for k, v in WORKLOADS.items()) + ")")
    ap.add_argument("--epochs", default=None,
                    help="epochs of the timed fit over the `steps` batches (steps × epochs timed steps): N for all "
                         "workloads, or 'input_bound=2' (defaults: "
                         + ", ".join(f"{k}={v['epochs']}" for k, v in WORKLOADS.items()) + ")")
    ap.add_argument("--warmup", type=int, default=None,
                    help="warm-up steps after the first step (default per workload)")
    ap.add_argument("--policy", default="float32", choices=POLICIES,
                    help="Keras dtype policy (mixed precision); the hand-written loop uses the matching flax compute "
                         "dtype (default: %(default)s)")
    ap.add_argument("--devices", type=int, default=1,
                    help="data parallel over N devices (default: 1). On CPU, N host devices are forced if fewer "
                         "exist; on an accelerator, N must exist")
    ap.add_argument("--malloc", default="default", choices=("default", "tuned-all", "untuned-all"),
                    help="host allocator: 'default' = each framework as shipped (fkeras tunes glibc malloc when "
                         "it first trains on CPU and asks JAX for a synchronous CPU client at import, see "
                         "fkeras/backend/host_allocator.py); 'tuned-all' = every impl gets those settings; "
                         "'untuned-all' = none does (FKERAS_TUNE_MALLOC=0)")
    ap.add_argument("--shuffle", default="on", choices=("on", "off"),
                    help="'on' (default): fit(shuffle=True) as users run it, and the hand-written loop gathers "
                         "each batch from a shuffled order; 'off': fit(shuffle=False) and contiguous slices")
    ap.add_argument("--dtype", default="float32", choices=DATA_DTYPES,
                    help="image dtype of the synthetic data of the 224x224 image workloads (input_bound, resnet50): "
                         "float32 in [0, 1) (default) or uint8 in [0, 255]; the model is the same")
    ap.add_argument("--json-out", default=None, help="also write the JSON lines to this file")
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="seconds before a child measurement is killed (default: 600)")
    ap.add_argument("--quiet", action="store_true",
                    help="print only the Markdown tables to stdout (JSON lines still go to --json-out)")
    ap.add_argument("--table-from", default=None, metavar="JSONL",
                    help="only print the tables of the runs recorded in this JSON-lines file (several policies: also "
                         "a cross-policy table)")
    # child-only
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--impl", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--force-host-devices", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--t0", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.steps = int(args.steps) if args.steps else None
        return child_main(args)
    if args.table_from:
        return table_from(args.table_from)
    if args.repeats < 1:
        raise SystemExit("--repeats must be >= 1")
    if args.devices < 1:
        raise SystemExit("--devices must be >= 1")
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
