"""The pure step functions and the jitted programs built from them (DESIGN §3.3).

A program reads its batches from a chunk of a feed (see ``feeding``): ``train`` runs ``steps``
training steps per call, ``test`` one evaluation step, ``predict`` one forward pass. Programs
are cached per ``ProgramKey`` and traced once per input signature (``model.trace_counts``
counts traces): the same programs serve resident and streamed data of any size.
"""
from __future__ import annotations

import math
import re
import threading
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.sharding import PartitionSpec

from fkeras.backend import host_allocator
from fkeras.engine.variables import BindingScope

# Steps that take fewer XLA flops and touch fewer bytes than this are dominated by per-call
# overhead, and fit fuses AUTO_STEPS of them into one call when no callback needs to see every
# single batch. (A step that only reads a big batch, such as pooling over images, is cheap in
# flops but not in memory traffic: fusing it would only make its chunks AUTO_STEPS times larger.)
AUTO_FUSE_MAX_FLOPS = 5e7
AUTO_FUSE_MAX_BYTES = 16 << 20
AUTO_STEPS = 8


class ProgramKey(NamedTuple):
    """Which jitted program: ``kind`` ("train", "test" or "predict"), for training the ``steps``
    it runs per call, and ``rows``: 0 for whole batches, else the real rows of a partial last
    batch (only a model's own Keras-form step sees batches unpadded). Every program reads its
    batches from a chunk (see ``take_batch``)."""

    kind: str
    steps: int = 1
    rows: int = 0


def take_batch(chunk, cursor, rows=0):
    """Batch ``cursor % length`` of a chunk ``(x, y, sample_weight, mask)`` whose arrays are
    stacked ``(length, batch, ...)``, as ``(x, y, sample_weight, mask)``; only its first ``rows``
    rows when ``rows`` > 0."""
    length = jax.tree_util.tree_leaves(chunk)[0].shape[0]
    index = cursor % length

    def take(a):
        a = jax.lax.dynamic_index_in_dim(a, index, 0, keepdims=False)
        return a[:rows] if rows else a

    return jax.tree_util.tree_map(take, tuple(chunk))


class StepPrograms:
    """Mixin of ``Trainer``: the pure steps over a ``TrainState`` and their jitted programs."""

    # --- the pure step ----------------------------------------------------------------------
    def _forward(self, trainable, non_trainable, x, rng, training, mask, axis=None):
        b = self._binding
        values = b.bind(trainable, non_trainable)
        if axis is not None and rng is not None:
            rng = _replica_key(rng, axis)
        scope = BindingScope(values=values, rng=rng, training=training, sample_mask=mask)
        scope.variables = b.var_by_id
        scope.rng_tags = b.rng_tags
        scope.replica_axis = axis
        with scope:
            y_pred = self(x, training=training)
        return y_pred, b.nt_tree(scope.values), scope

    def _added_losses(self, scope, x, mask, axis):
        """``add_loss`` terms (activity regularizers included) of one forward pass, as a scalar.

        Per replica they are means over the replica's rows; weighting each by its number of real
        rows gives the value the whole global batch would have."""
        extra = jnp.zeros((), jnp.float32)
        for term in scope.losses:
            extra = extra + jnp.sum(jnp.asarray(term, jnp.float32))
        if axis is not None:
            rows = _batch_weight(x, mask, None).astype(jnp.float32)  # this replica's real rows
            extra = jax.lax.psum(extra * rows, axis) / jnp.maximum(jax.lax.psum(rows, axis), 1.0)
        return extra

    def _train_core(self, state, x, y, sw, mask, axis=None):
        b = self._binding
        closs = self._compile_loss
        g_y, g_sw, g_mask = _gather_batch((y, sw, mask), axis)

        def loss_fn(trainable):
            keys = []  # (next state key, this step's key), split only if a layer draws randomness

            def step_key():
                if not keys:
                    keys.extend(jax.random.split(state.rng))
                return keys[1]

            y_pred, new_nt, scope = self._forward(trainable, state.non_trainable, x, step_key, True, mask, axis)
            y_pred = _gather_batch(y_pred, axis)
            if closs is None:  # compiled without a loss: add_loss terms and weight penalties only
                if not scope.losses and not b.regularized:
                    raise ValueError(
                        f"Model {self.name!r} has nothing to train on: `compile()` got no `loss` and the "
                        "model adds none with `add_loss()` or weight regularizers. Pass `loss=` to "
                        "`compile()`, or override `train_step`.")
                loss, per_out = jnp.zeros((), jnp.float32), [None] * len(self._compile_metrics.output_names)
            else:
                loss, per_out = closs(g_y, y_pred, g_sw, g_mask)
            total = loss + b.regularization(scope.values) + self._added_losses(scope, x, mask, axis)
            return self._scale_loss(total, state), (total, y_pred, new_nt, per_out, keys[0] if keys else None)

        grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
        (_, (loss, y_pred, new_nt, per_out, rng)), grads = grad_fn(state.trainable)
        if rng is None:
            rng = state.rng
        updates, opt_state = self.optimizer.tx.update(grads, state.opt_state, state.trainable)
        trainable = optax.apply_updates(state.trainable, updates)
        trainable = b.apply_constraints(trainable)
        batch_weight = _batch_weight(x, g_mask, axis)
        metrics = self._compile_metrics.update(state.metrics, loss, per_out, g_y, y_pred, g_sw, g_mask,
                                               batch_weight)
        return state.replace(trainable=trainable, non_trainable=new_nt, opt_state=opt_state, metrics=metrics,
                             rng=rng, step=state.step + _applied(state.opt_state, opt_state),
                             cursor=state.cursor + 1)

    def _scale_loss(self, loss, state):
        from fkeras.mixed_precision.loss_scale_optimizer import LossScaleState

        factor = getattr(self.optimizer, "loss_scale_factor", None)
        if factor is not None:  # a static factor: the optimizer's transform divides the gradients back
            loss = loss * factor
        if isinstance(state.opt_state, LossScaleState):
            return loss * state.opt_state.scale  # the optimizer divides the gradients back
        return loss

    def _test_core(self, state, x, y, sw, mask, axis=None):
        y_pred, new_nt, scope = self._forward(state.trainable, state.non_trainable, x, None, False, mask, axis)
        y_pred = _gather_batch(y_pred, axis)
        y, sw, g_mask = _gather_batch((y, sw, mask), axis)
        if self._compile_loss is not None and y is not None:
            loss, per_out = self._compile_loss(y, y_pred, sw, g_mask)
            loss = loss + self._binding.regularization(scope.values) + self._added_losses(scope, x, mask, axis)
        elif self._compile_loss is None:  # the losses all come from add_loss (and weight penalties)
            per_out = [None] * len(self._compile_metrics.output_names)
            loss = self._binding.regularization(scope.values) + self._added_losses(scope, x, mask, axis)
        else:  # targets missing: outputs only (metrics that need no targets)
            loss, per_out = jnp.zeros((), jnp.float32), [None] * len(self._compile_metrics.output_names)
        batch_weight = _batch_weight(x, g_mask, axis)
        metrics = self._compile_metrics.update(state.metrics, loss, per_out, y, y_pred, sw, g_mask, batch_weight)
        return state.replace(metrics=metrics, cursor=state.cursor + 1)

    def _logs(self, state):
        return self._compile_metrics.results(state.metrics)

    def _results(self, state):
        """Logs of ``state`` as device arrays, dispatched asynchronously (no host sync here); called
        before the next step donates ``state``."""
        fn = self._fns.get("results")
        if fn is None:  # the same on any distribution; read after every logged step
            fn = self._fns["results"] = self._jit(lambda metrics: self._compile_metrics.results(metrics), donate=())
        return fn(state.metrics)

    # --- jitted programs (cached: one trace per input signature) ---------------------------------
    def _count_trace(self, key):
        self.trace_counts[key] = self.trace_counts.get(key, 0) + 1

    def _jit(self, fn, donate=(0,), specs=None, dist=None):
        """``jax.jit`` (unless run eagerly); under a per-replica distribution ``fn`` is first
        mapped over the devices with ``jax.shard_map`` (``specs`` = (in_specs, out_specs))."""
        if dist is not None and specs is not None:
            fn = jax.shard_map(fn, mesh=dist.device_mesh.jax_mesh, in_specs=specs[0], out_specs=specs[1])
        if self._run_eagerly or not self._jit_compile:
            return fn
        return _FirstCallInterruptible(jax.jit(fn, donate_argnums=donate))

    def _per_replica_distribution(self):
        """The active distribution when it runs the step once per device (``implementation="pmap"``)."""
        dist = self._active_distribution()
        return dist if getattr(dist, "implementation", "sharded") == "pmap" else None

    def _program(self, key: ProgramKey):
        """The jitted program for ``key`` (built once per key and distribution)."""
        dist = self._per_replica_distribution()
        cache_key = key if dist is None else (key, dist.batch_dim_name, dist.device_mesh.jax_mesh)
        fn = self._fns.get(cache_key)
        if fn is not None:
            return fn
        host_allocator.maybe_tune_for_backend()  # once per process (see its module docstring)
        axis = None if dist is None else dist.batch_dim_name
        rep = PartitionSpec()
        chunk_spec = PartitionSpec(None, axis)  # a chunk: (steps, rows, ...), rows split over the devices

        keras_form = self._keras_form(key.kind)
        if key.kind == "train" and keras_form:
            def program(state, chunk):
                self._count_trace(key)
                for _ in range(key.steps):
                    x, y, sw, _ = take_batch(chunk, state.cursor, key.rows)
                    state, logs = self._keras_step("train", state, x, y, sw)
                return state, logs  # the step's own logs (its metrics need not be compiled ones)
            fn = self._jit(program, specs=((rep, chunk_spec), rep), dist=dist)
        elif key.kind == "test" and keras_form:
            def program(state, chunk):
                self._count_trace(key)
                x, y, sw, _ = take_batch(chunk, state.cursor, key.rows)
                return self._keras_step("test", state, x, y, sw)
            fn = self._jit(program, donate=(), specs=((rep, chunk_spec), rep), dist=dist)
        elif key.kind == "predict" and keras_form:
            def program(trainable, non_trainable, chunk, cursor):
                self._count_trace(key)
                x = take_batch(chunk, cursor, key.rows)[0]
                return self.predict_step((trainable, non_trainable), (x,)), cursor + 1
            fn = self._jit(program, donate=(), specs=((rep, rep, chunk_spec, rep), (PartitionSpec(axis), rep)),
                           dist=dist)
        elif key.kind == "train":
            def program(state, chunk):
                self._count_trace(key)

                def body(s, _):
                    return self._train_core(s, *take_batch(chunk, s.cursor, key.rows), axis), None

                if key.steps == 1:
                    state, _ = body(state, None)
                else:
                    state, _ = jax.lax.scan(body, state, None, length=key.steps, unroll=True)
                return state  # logs are computed from state.metrics only when someone reads them
            fn = self._jit(program, specs=((rep, chunk_spec), rep), dist=dist)
        elif key.kind == "test":
            def program(state, chunk):
                self._count_trace(key)
                state = self._test_core(state, *take_batch(chunk, state.cursor, key.rows), axis)
                return state, self._logs(state)
            fn = self._jit(program, donate=(), specs=((rep, chunk_spec), rep), dist=dist)
        elif key.kind == "predict":
            def program(trainable, non_trainable, chunk, cursor):
                self._count_trace(key)
                x = take_batch(chunk, cursor)[0]
                y_pred, _, _ = self._forward(trainable, non_trainable, x, None, False, None, axis)
                return y_pred, cursor + 1
            fn = self._jit(program, donate=(), specs=((rep, rep, chunk_spec, rep), (PartitionSpec(axis), rep)),
                           dist=dist)
        else:
            raise KeyError(key)
        self._fns[cache_key] = fn
        return fn

    # --- how programs are called ---------------------------------------------------------------
    def _runs_inline(self):
        """Whether JAX's CPU client runs this model's steps on the launching thread (see
        ``host_allocator``): the jitted, single-device steps on a synchronous CPU backend."""
        return (self._jit_compile and not self._run_eagerly and self._active_distribution() is None
                and host_allocator.cpu_runs_inline())

    def _program_profile(self, key, fn, *args, scratch=False):
        """XLA's view of one jitted program, worked out once per program key and model binding:
        ``flops`` and ``bytes`` (XLA's estimates of the lowered program's arithmetic and memory
        traffic; a loop body counts once), ``loop``
        (whether the jaxpr has a scan or while loop) and, when asked, ``scratch`` (bytes of its
        temp buffer; this compiles the program, which the call then reuses). Unknown values are
        pessimistic: inf flops, a loop, no scratch."""
        cache = self.__dict__.setdefault("_program_profiles", {})
        prof = cache.setdefault((key, self._per_replica_distribution() is not None), {})
        if "flops" in prof and (not scratch or "scratch" in prof):
            return prof
        try:
            traced = fn.trace(*args)
            lowered = traced.lower()
            if "flops" not in prof:
                cost = lowered.cost_analysis() or {}
                prof["flops"] = float(cost.get("flops", math.inf))
                prof["bytes"] = float(cost.get("bytes accessed", math.inf))
                prof["loop"] = bool(re.search(r"\b(scan|while)\[", str(traced.jaxpr)))
            if scratch:
                compiled = interruptible(lowered.compile)
                prof["scratch"] = int(compiled.memory_analysis().temp_size_in_bytes)
        except Exception:  # noqa: BLE001 - no analysis: fall back to the defaults below
            prof.setdefault("flops", math.inf)
            prof.setdefault("bytes", math.inf)
            prof.setdefault("loop", True)
            if scratch:
                prof.setdefault("scratch", 0)
        return prof

    def _auto_steps(self, key, fn, state, chunk):
        """Steps per XLA call for a fit that nothing observes batch by batch: AUTO_STEPS when one
        step is cheap (XLA's flop and bytes-accessed estimates of the lowered step; the trace is
        shared with the call), so that per-call overhead does not dominate; else 1. The arithmetic is the same
        either way. XLA's estimate counts a loop body once, not once per trip (an RNN's scan
        would look cheap), so a step with a scan or while loop is never fused."""
        prof = self._program_profile(key, fn, state, chunk)
        cheap = prof["flops"] < AUTO_FUSE_MAX_FLOPS and prof["bytes"] < AUTO_FUSE_MAX_BYTES
        return AUTO_STEPS if cheap and not prof["loop"] else 1

    def _settled(self, settles, key, fn, *args):
        """Whether this call of ``fn`` (program ``key``, arguments ``args``) is waited for before
        the next is launched. ``settles`` caches the answer per program for one loop; it is None
        unless the CPU client runs computations inline (``_runs_inline``). A program with at least
        ``host_allocator.MIN_INLINE_SCRATCH`` bytes of scratch is: each call then runs on this
        thread and reuses this thread's heap. Such a call runs inline only if its inputs are
        ready when it is launched, so they are waited for too (the chunk the feeder put, the
        state fit just placed; a no-op once they are). Smaller programs keep running ahead:
        waiting would only cost them the overlap of Python with the step."""
        if settles is None:
            return False
        settle = settles.get(key)
        if settle is None:
            scratch = self._program_profile(key, fn, *args, scratch=True)["scratch"]
            settle = settles[key] = scratch >= host_allocator.MIN_INLINE_SCRATCH
        if settle:
            jax.block_until_ready(args)
        return settle


def interruptible(work):
    """``work()``, run on a helper thread while the main thread waits in short slices, so that Ctrl-C
    (KeyboardInterrupt) stops a fit within a fraction of a second even while XLA compiles, which
    cannot be interrupted and can take many seconds. The abandoned compile finishes in the
    background and its thread then exits. Off the main thread, ``work()`` runs in place."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    box = {}

    def run():
        try:
            box["out"] = work()
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread as is
            box["err"] = e

    worker = threading.Thread(target=run, name="fkeras-compile", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.05)
    if "err" in box:
        raise box.pop("err")
    return box["out"]


class _FirstCallInterruptible:
    """A jitted program whose first call (the one that compiles) runs through ``interruptible``;
    later calls, and every attribute (``trace``, ``lower``, ...), go straight to the program."""

    def __init__(self, fn):
        self._fn = fn
        self._warm = False

    def __call__(self, *args):
        if self._warm:
            return self._fn(*args)
        out = interruptible(lambda: self._fn(*args))
        self._warm = True
        return out

    def __getattr__(self, name):
        return getattr(self._fn, name)


def _gather_batch(tree, axis):
    """Under a per-replica step, the global batch from every replica's rows (in device order).

    Written as a ``psum`` of each replica's rows placed in a zero array, so the result is
    replicated (device-invariant) and its gradient is the replica's own slice of the cotangent."""
    if axis is None:
        return tree
    n = jax.lax.axis_size(axis)
    i = jax.lax.axis_index(axis)

    def gather(a):
        a = jnp.asarray(a)
        if a.ndim == 0:
            return a
        dtype = a.dtype
        if dtype == jnp.bool_:
            a = a.astype(jnp.int32)
        out = jnp.zeros((a.shape[0] * n,) + a.shape[1:], a.dtype)
        out = jax.lax.dynamic_update_slice_in_dim(out, a, i * a.shape[0], 0)
        return jax.lax.psum(out, axis).astype(dtype)

    return jax.tree_util.tree_map(gather, tree)


def _replica_key(rng, axis):
    """The step key (or a zero-argument function drawing it lazily) folded with the device index,
    so that each replica draws its own dropout masks."""
    def key():
        return jax.random.fold_in(rng() if callable(rng) else rng, jax.lax.axis_index(axis))
    return key


def _batch_weight(x, mask, axis):
    """Real rows in the (global) batch: the mask's sum, else the batch size."""
    if mask is not None:
        return jnp.sum(mask)
    rows = jax.tree_util.tree_leaves(x)[0].shape[0] * (jax.lax.axis_size(axis) if axis is not None else 1)
    return jnp.asarray(rows, jnp.float32)


def _applied(old_opt_state, new_opt_state):
    """Optimizer iterations a step adds: 1, or 0 for a step a LossScaleOptimizer skipped (as Keras)."""
    from fkeras.mixed_precision.loss_scale_optimizer import (
        LossScaleState,
        step_was_applied,
    )

    if isinstance(old_opt_state, LossScaleState):
        return step_was_applied(old_opt_state, new_opt_state)
    return 1
