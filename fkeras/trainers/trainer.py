"""compile / fit / evaluate / predict over one pure, jitted train step (DESIGN §3).

The step is ``train_step(state, data) -> (state, logs)`` where ``state`` is a
``TrainState`` pytree (trainable and non-trainable variables, optax state, metric
variables, PRNG key, step counters). It is traced once per input signature and jitted with
the state donated; logs stay on the device until a progress bar or callback reads them.
"""
from __future__ import annotations

import math
import re
import time
import warnings
import weakref
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import PartitionSpec

from fkeras.backend import host_allocator, random_state
from fkeras.engine.variables import BindingScope
from fkeras.trainers import data_adapters as da
from fkeras.trainers.compile_utils import CompileLoss, CompileMetrics, _flatten_struct, _output_names


class _DefaultSteps(int):
    """``steps_per_execution``'s default (1). Left at the default, ``fit`` may run several cheap
    steps per XLA call when no callback needs to see every single batch (the progress bar does
    not; see ``Trainer._auto_steps``); an explicit ``steps_per_execution=1`` turns that off."""

    def __repr__(self):
        return "1"


_DEFAULT_SPE = _DefaultSteps(1)

# Steps that take fewer XLA flops than this are dominated by per-call overhead, and fit fuses
# AUTO_STEPS of them into one call when no callback needs to see every single batch.
AUTO_FUSE_MAX_FLOPS = 5e7
AUTO_STEPS = 8


@flax.struct.dataclass
class TrainState:
    """Everything a training step reads and writes, as one pytree."""

    trainable: Any
    non_trainable: Any
    opt_state: Any
    metrics: Any
    rng: Any
    step: Any
    cursor: Any  # batch index within the current epoch (device-resident data)


def _set_path(tree, path, value):
    node = tree
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value


def _get_path(tree, path):
    node = tree
    for k in path:
        node = node[k]
    return node


class _Binding:
    """How the model's Variables map onto the trainable / non-trainable trees of the state."""

    def __init__(self, model):
        items = model._variable_items()
        trainable_ids = {id(v) for v in model.trainable_weights}
        self.t_items = [(p, v) for p, v in items if id(v) in trainable_ids]
        self.nt_items = [(p, v) for p, v in items if id(v) not in trainable_ids]
        self.var_by_id = {id(v): v for _, v in items}
        self.regularized = [(id(v), v.regularizer) for _, v in items if v.regularizer is not None
                            and id(v) in trainable_ids]
        self.constrained = [(p, v.constraint) for p, v in self.t_items if v.constraint is not None]
        self.rng_tags = model._rng_tags()
        self.signature = tuple((p, id(v)) for p, v in self.t_items) + (None,) + tuple(
            (p, id(v)) for p, v in self.nt_items)

    def trees(self, copy=False):
        t, nt = {}, {}
        for p, v in self.t_items:
            _set_path(t, p, v._value)
        for p, v in self.nt_items:
            _set_path(nt, p, v._value)
        return copy_tree((t, nt)) if copy else (t, nt)

    def bind(self, trainable, non_trainable):
        values = {id(v): _get_path(trainable, p) for p, v in self.t_items}
        values.update({id(v): _get_path(non_trainable, p) for p, v in self.nt_items})
        return values

    def nt_tree(self, values):
        out = {}
        for p, v in self.nt_items:
            _set_path(out, p, values[id(v)])
        return out

    def regularization(self, values):
        total = jnp.zeros((), jnp.float32)
        for vid, reg in self.regularized:
            total = total + jnp.asarray(reg(values[vid]), jnp.float32)
        return total

    def apply_constraints(self, trainable):
        if not self.constrained:
            return trainable
        trainable = jax.tree_util.tree_map(lambda x: x, trainable)
        for p, c in self.constrained:
            _set_path(trainable, p, c(_get_path(trainable, p)))
        return trainable

    def write_back(self, trainable, non_trainable, copy=True):
        if copy:
            trainable, non_trainable = copy_tree((trainable, non_trainable))
        for p, v in self.t_items:
            v._value = _get_path(trainable, p)
        for p, v in self.nt_items:
            v._value = _get_path(non_trainable, p)


@jax.jit
def copy_tree(tree):
    """Fresh buffers for every leaf, in one dispatch (state trees are donated to the step)."""
    return jax.tree_util.tree_map(jnp.copy, tree)


def _spec_of(tree):
    """KerasTensor-like specs with a None batch dim, for building the model from data."""
    from fkeras.engine.symbolic import KerasTensor

    def conv(a):
        if a is None:
            return None
        shape = (None,) + tuple(np.shape(a)[1:])
        return KerasTensor(shape, str(np.asarray(a[:0]).dtype) if not hasattr(a, "dtype") else str(a.dtype))

    return jax.tree_util.tree_map(conv, tree)


def _shapes_only(tree):
    return jax.tree_util.tree_map(lambda s: s.shape, tree, is_leaf=lambda s: hasattr(s, "shape") and not hasattr(s, "__array__"))


class Trainer:
    """Mixin with Keras's training API for ``Model``."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._run_eagerly = False
        self._jit_compile = True
        self._steps_per_execution = 1
        self._auto_fuse = False
        self._compile_loss = None
        self._compile_metrics = None
        self._fns = {}
        self._binding = None
        self._opt_state = None
        self._rng = None
        self.trace_counts = {}
        self._compile_config = None

    # --- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=_DEFAULT_SPE, jit_compile="auto", auto_scale_loss=True,
                **kwargs):
        """Configure the model for training (Keras's ``compile``).

        ``steps_per_execution=K`` runs K training steps per XLA call. Left at its default (1),
        ``fit`` runs up to 8 steps per call by itself when one step is cheap (under ~5e7 flops,
        where per-call overhead dominates) and no callback or progress bar watches single
        batches — the arithmetic and results are the same; pass ``steps_per_execution=1``
        explicitly to keep one step per call.
        """
        from fkeras import optimizers as optimizers_module

        for legacy in ("sample_weight_mode", "target_tensors", "distribute", "experimental_run_tf_function"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(kwargs)}")
        if loss is not None:
            self._validate_loss_spec(loss)
        self.optimizer = optimizers_module.get(optimizer)
        from fkeras.engine import dtype_policy
        from fkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer

        if (dtype_policy.global_policy().compute_dtype == "float16" or self.dtype_policy.compute_dtype == "float16") \
                and auto_scale_loss and not isinstance(self.optimizer, LossScaleOptimizer):
            # As Keras: float16 training gets dynamic loss scaling automatically.
            self.optimizer = LossScaleOptimizer(self.optimizer)
        if self.optimizer is not None:  # `optimizer.variables` reads the state this model trains
            self.optimizer._model_ref = weakref.ref(self)
        self.loss = loss
        self._compile_loss = CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = (jit_compile is True or jit_compile == "auto") and not run_eagerly
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"`steps_per_execution` must be a positive integer; received {steps_per_execution!r}.")
        self._auto_fuse = type(steps_per_execution) is _DefaultSteps
        self._steps_per_execution = int(steps_per_execution)
        self._fns = {}
        self.__dict__.pop("_program_profiles", None)
        self._opt_state = None
        self._binding = None
        self.__dict__.pop("_output_spec_cache", None)
        from fkeras import distribution as distribution_lib

        # As tf.keras's strategy.scope(): a model compiled under a distribution keeps using it.
        self._compiled_distribution = distribution_lib.distribution()
        self.compiled = True
        self._compile_config = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
                                    weighted_metrics=weighted_metrics, run_eagerly=run_eagerly,
                                    steps_per_execution=int(steps_per_execution), jit_compile=jit_compile)

    def _validate_loss_spec(self, loss):
        from fkeras import losses as losses_module

        specs = list(loss.values()) if isinstance(loss, dict) else list(loss) if isinstance(loss, (list, tuple)) else [loss]
        for s in specs:
            if s is not None:
                losses_module.get(s)  # raises with a did-you-mean hint for unknown strings

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self._fns = {}

    @property
    def jit_compile(self):
        return self._jit_compile

    @property
    def steps_per_execution(self):
        return self._steps_per_execution

    @property
    def metrics(self):
        if self._compile_metrics is None or not self._compile_metrics.built:
            return []
        return self._compile_metrics.metric_objects

    @property
    def metrics_names(self):
        if self._compile_metrics is None or not self._compile_metrics.built:
            return []
        return self._compile_metrics.names

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before calling `{what}()`. For example: "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
            )

    # --- building against data ----------------------------------------------------------
    def _build_for_data(self, x, y, need_loss=True):
        """Build the model and resolve losses/metrics from a sample batch's shapes."""
        spec = _spec_of(x)
        if not self.built:
            try:
                self._maybe_build((spec,), {})
            except Exception as e:
                raise type(e)(f"Could not build model {self.name!r} from input data of shape "
                              f"{_shapes_only(spec)}: {e}") if isinstance(e, (ValueError, TypeError)) else e
        y_pred_spec = self._output_spec_for(spec)
        names = _output_names(self, len(jax.tree_util.tree_leaves(y_pred_spec,
                                                                  is_leaf=lambda s: hasattr(s, "shape"))))
        if need_loss and self._compile_loss is not None and not self._compile_loss.built:
            self._compile_loss.build(y, y_pred_spec, names)
        if self._compile_metrics is not None and not self._compile_metrics.built:
            if need_loss and self._compile_loss is None and y is not None:
                pass
            self._compile_metrics.build(y, y_pred_spec, names, self._compile_loss)
        self._check_targets(y, y_pred_spec, names)
        self._output_names_cached = names

    def _output_spec_for(self, spec):
        """The model's output spec for an input spec, traced once per input signature."""
        from fkeras.engine.layer import _silence_nodes

        key = tuple((tuple(t.shape), t.dtype) for t in jax.tree_util.tree_leaves(spec, is_leaf=lambda t: hasattr(
            t, "shape"))) + (jax.tree_util.tree_structure(spec, is_leaf=lambda t: hasattr(t, "shape")),)
        cache = self.__dict__.setdefault("_output_spec_cache", {})
        if key not in cache:
            with _silence_nodes(self):
                cache[key] = self.compute_output_spec(spec)
        return cache[key]

    def _check_targets(self, y, y_pred_spec, names):
        if y is None or self._compile_loss is None or not self._compile_loss.built:
            return
        yt = _flatten_struct(y, names)
        yp = _flatten_struct(y_pred_spec, names)
        if len(yt) != len(yp):
            raise ValueError(
                f"Model {self.name!r} has {len(yp)} output(s) {names} but {len(yt)} target array(s) were given."
            )
        from fkeras import losses as losses_module

        for t, p, fn, name in zip(yt, yp, self._compile_loss.fns, names):
            if fn is None or t is None:
                continue
            ts, ps = tuple(np.shape(t)[1:]), tuple(p.shape[1:])
            kind = type(fn).__name__
            sparse = "Sparse" in kind or "sparse" in getattr(getattr(fn, "fn", None), "__name__", "")
            if sparse:
                ok = len(ts) == len(ps) - 1 and ts == ps[:-1] or len(ts) == len(ps) and ts[:-1] == ps[:-1] and ts[-1:] == (1,)
                if not ok:
                    raise ValueError(
                        f"Loss {fn.name!r} for output {name!r} expects integer class labels of shape "
                        f"(batch,) or (batch, 1) for predictions of shape (batch,){ps}, but the targets have "
                        f"shape (batch,){ts}. For one-hot labels use 'categorical_crossentropy'."
                    )
            elif "Categorical" in kind or "categorical" in getattr(getattr(fn, "fn", None), "__name__", ""):
                if ts != ps:
                    hint = (" For integer labels use 'sparse_categorical_crossentropy'."
                            if len(ts) <= 1 and (not ts or ts[-1] == 1) else "")
                    raise ValueError(
                        f"Loss {fn.name!r} for output {name!r} expects targets with the same shape as the "
                        f"predictions (batch,){ps}, but the targets have shape (batch,){ts}.{hint}"
                    )
            else:
                if ps and ts and len(ts) == len(ps) and ts != ps and not (ts[-1:] == (1,) or ps[-1:] == (1,)):
                    if any(a != b and a != 1 and b != 1 for a, b in zip(ts, ps)):
                        raise ValueError(
                            f"Targets for output {name!r} have shape (batch,){ts}, which is incompatible with "
                            f"the model's output shape (batch,){ps} for loss {fn.name!r}."
                        )

    # --- state ------------------------------------------------------------------------------
    def _ensure_binding(self):
        from fkeras.engine.layer import Layer

        binding = _Binding(self)
        if self._binding is None or self._binding.signature != binding.signature:
            if self._binding is not None:
                self._fns = {}
                self.__dict__.pop("_program_profiles", None)
                self._opt_state = None
                self.__dict__.pop("_output_spec_cache", None)
            self._binding = binding
        return self._binding

    def _make_state(self):
        b = self._ensure_binding()
        trainable, non_trainable = b.trees(copy=True)
        if self._opt_state is None:
            self._opt_state = self.optimizer.tx.init(trainable)
        if self._rng is None:
            self._rng = random_state.next_key()
        # Copies: the state is donated to the step, and these stay valid if a fit is interrupted.
        opt_state, rng = copy_tree((self._opt_state, self._rng))
        opt_state = self.optimizer._write_hyperparams(opt_state)
        metrics = self._fresh_metrics()
        step = jnp.asarray(getattr(self.optimizer, "_iterations", 0) or 0, jnp.int32)
        self._lr_version = getattr(self.optimizer, "_lr_version", 0)
        return self._place(TrainState(trainable=trainable, non_trainable=non_trainable, opt_state=opt_state,
                                      metrics=metrics, rng=rng, step=step, cursor=jnp.zeros((), jnp.int32)))

    def _save_state(self, state, copy=True):
        """Write the state back onto the Variables / optimizer / metrics (copies: the state is donated)."""
        if self.__dict__.get("_last_saved_state") is state:
            return  # already written back (e.g. at the end of the last epoch)
        if copy:
            state = copy_tree(state)
        self._binding.write_back(state.trainable, state.non_trainable, copy=False)
        self._opt_state = state.opt_state
        self._rng = state.rng
        self.optimizer._iterations = int(state.step)
        self.optimizer._trained_state = state.opt_state
        self._compile_metrics.write_back(state.metrics)
        self._last_saved_state = state

    # --- devices ------------------------------------------------------------------------------
    def _active_distribution(self):
        from fkeras import distribution as distribution_lib

        return distribution_lib.distribution() or self.__dict__.get("_compiled_distribution")

    def _prefetch(self, iterator, batch_axis):
        dist = self._active_distribution()
        return da.prefetch_to_device(iterator, size=2, put=da.make_put(dist, batch_axis))

    def _prepare_for_devices(self, data):
        """Check that the batch splits over the data axis, and give each process its rows."""
        dist = self._active_distribution()
        if dist is None or not getattr(data, "batch_size", None):
            return
        if data.kind == "arrays":
            data.fit_batch_to(dist.num_replicas_in_sync)  # a batch clipped to a small dataset
            dist.check_batch_size(data.batch_size)
            data.rows = da.process_rows(dist, data.batch_size)
        else:  # each process's iterable yields that process's part of every batch
            dist.check_batch_size(data.batch_size * jax.process_count())

    def _place(self, state):
        """Lay the state out on the active distribution's mesh (variables by their layouts)."""
        dist = self._active_distribution()
        if dist is None:
            return state
        b = self._binding
        paths = ["/".join(p) for p, _ in b.t_items + b.nt_items]
        dist.validate(paths)
        if jax.process_count() > 1:
            # Every process starts from process 0's values (initializers need not be seeded alike).
            from jax.experimental import multihost_utils

            state = jax.tree_util.tree_map(jnp.asarray, multihost_utils.broadcast_one_to_all(state))

        def place_tree(tree, items):
            out = {}
            for p, _ in items:
                leaf = _get_path(tree, p)
                _set_path(out, p, jax.device_put(leaf, dist.variable_sharding("/".join(p), leaf.ndim)))
            return out

        trainable = place_tree(state.trainable, b.t_items)
        non_trainable = place_tree(state.non_trainable, b.nt_items)
        rep = dist.replicated()
        opt_state = state.opt_state
        if opt_state is not None:
            # Optimizer slots follow their variables' layout (XLA propagates it through init);
            # a state carried over from an earlier fit is re-laid out the same way.
            shardings = jax.jit(self.optimizer.tx.init).lower(trainable).compile().output_shardings
            n_dev = len(rep.device_set)
            opt_state = jax.tree_util.tree_map(
                lambda a, sh: jax.device_put(a, sh if len(sh.device_set) == n_dev else rep), opt_state, shardings)
        put_rep = lambda t: jax.tree_util.tree_map(lambda a: jax.device_put(a, rep), t)  # noqa: E731
        return state.replace(trainable=trainable, non_trainable=non_trainable, opt_state=opt_state,
                             metrics=put_rep(state.metrics), rng=put_rep(state.rng), step=put_rep(state.step),
                             cursor=put_rep(state.cursor))

    def _fresh_metrics(self):
        """Zeroed metric variables (copied from a cached template: the state is donated)."""
        template = self.__dict__.get("_metrics_template")
        if template is None or template[0] is not self._compile_metrics:
            template = (self._compile_metrics, self._compile_metrics.init_state())
            self._metrics_template = template
        return copy_tree(template[1])

    def _maybe_refresh_lr(self, state):
        v = getattr(self.optimizer, "_lr_version", 0)
        if v != self._lr_version:
            self._lr_version = v
            state = state.replace(opt_state=self.optimizer._write_hyperparams(state.opt_state))
        return state

    # --- the pure step --------------------------------------------------------------------------
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
        else:
            loss, per_out = jnp.zeros((), jnp.float32), [None] * len(self._compile_metrics.output_names)
        batch_weight = _batch_weight(x, g_mask, axis)
        metrics = self._compile_metrics.update(state.metrics, loss, per_out, y, y_pred, sw, g_mask, batch_weight)
        return state.replace(metrics=metrics, cursor=state.cursor + 1)

    def _logs(self, state):
        return self._compile_metrics.results(state.metrics)

    def _results(self, state):
        """Logs of ``state`` as device arrays, dispatched asynchronously (no host sync here); called
        before the next step donates ``state``."""
        return self._get_fn("results")(state.metrics)

    # --- jitted entry points (cached: one trace per input signature) ------------------------------
    def _count_trace(self, name):
        self.trace_counts[name] = self.trace_counts.get(name, 0) + 1

    def _jit(self, fn, donate=(0,), specs=None, dist=None):
        """``jax.jit`` (unless run eagerly); under a per-replica distribution ``fn`` is first
        mapped over the devices with ``jax.shard_map`` (``specs`` = (in_specs, out_specs))."""
        if dist is not None and specs is not None:
            fn = jax.shard_map(fn, mesh=dist.device_mesh.jax_mesh, in_specs=specs[0], out_specs=specs[1])
        if self._run_eagerly or not self._jit_compile:
            return fn
        return jax.jit(fn, donate_argnums=donate)

    def _per_replica_distribution(self):
        """The active distribution when it runs the step once per device (``implementation="pmap"``)."""
        dist = self._active_distribution()
        return dist if getattr(dist, "implementation", "sharded") == "pmap" else None

    def _get_fn(self, name):
        if name == "results":  # the same on any distribution; read after every logged step
            fn = self._fns.get(name)
            if fn is None:
                fn = self._fns[name] = self._jit(lambda metrics: self._compile_metrics.results(metrics), donate=())
            return fn
        dist = self._per_replica_distribution()
        key = name if dist is None else (name, dist.batch_dim_name, dist.device_mesh.jax_mesh)
        fn = self._fns.get(key)
        if fn is not None:
            return fn
        host_allocator.maybe_tune_for_backend()  # once per process (see its module docstring)
        axis = None if dist is None else dist.batch_dim_name
        rep = PartitionSpec()
        batch = PartitionSpec(axis)  # a batch: rows split over the devices
        chunk_spec = PartitionSpec(None, axis)  # a chunk: (steps, rows, ...)

        def slice_batch(data, cursor, bs, chunk):
            index = cursor % chunk

            def sl(a):  # chunk arrays are (chunk_steps, batch, ...)
                return None if a is None else jax.lax.dynamic_index_in_dim(a, index, axis=0, keepdims=False)

            x, y, sw, m = data
            return (jax.tree_util.tree_map(sl, x), jax.tree_util.tree_map(sl, y),
                    jax.tree_util.tree_map(sl, sw), sl(m))

        if name == "train_batch":
            def f(state, x, y, sw, mask):
                self._count_trace(name)
                return self._train_core(state, x, y, sw, mask, axis)
            fn = self._jit(f, specs=((rep, batch, batch, batch, batch), rep), dist=dist)
        elif name.startswith("train_indexed"):
            k, bs, chunk = (int(v) for v in name.split(":")[1:])

            def f(state, data):
                self._count_trace(name)

                def body(s, _):
                    return self._train_core(s, *slice_batch(data, s.cursor, bs, chunk), axis), None

                if k == 1:
                    state, _ = body(state, None)
                else:
                    state, _ = jax.lax.scan(body, state, None, length=k, unroll=True)
                return state  # logs are computed from state.metrics only when someone reads them
            fn = self._jit(f, specs=((rep, chunk_spec), rep), dist=dist)
        elif name == "test_batch":
            def f(state, x, y, sw, mask):
                self._count_trace(name)
                state = self._test_core(state, x, y, sw, mask, axis)
                return state, self._logs(state)
            fn = self._jit(f, donate=(), specs=((rep, batch, batch, batch, batch), rep), dist=dist)
        elif name.startswith("test_indexed"):
            bs, chunk = (int(v) for v in name.split(":")[1:])

            def f(state, data):
                self._count_trace(name)
                state = self._test_core(state, *slice_batch(data, state.cursor, bs, chunk), axis)
                return state, self._logs(state)
            fn = self._jit(f, donate=(), specs=((rep, chunk_spec), rep), dist=dist)
        elif name.startswith("predict_indexed"):
            bs, chunk = (int(v) for v in name.split(":")[1:])

            def f(trainable, non_trainable, data, cursor):
                self._count_trace(name)
                x = slice_batch(data, cursor, bs, chunk)[0]
                y_pred, _, _ = self._forward(trainable, non_trainable, x, None, False, None, axis)
                return y_pred, cursor + 1
            fn = self._jit(f, donate=(), specs=((rep, rep, chunk_spec, rep), (batch, rep)), dist=dist)
        elif name == "predict_batch":
            def f(trainable, non_trainable, x):
                self._count_trace(name)
                y_pred, _, _ = self._forward(trainable, non_trainable, x, None, False, None, axis)
                return y_pred
            fn = self._jit(f, donate=(), specs=((rep, rep, batch), batch), dist=dist)
        else:
            raise KeyError(name)
        self._fns[key] = fn
        return fn

    # --- fit ---------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, **kwargs):
        """Train the model (Keras's ``fit``); returns a ``History``."""
        from fkeras.callbacks.callback import CallbackList, LazyLogs

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("fit")
        if self._compile_loss is None:
            raise ValueError(
                "You must pass a `loss` to `compile()` before calling `fit()` (fkeras does not support "
                "models that add all their losses with add_loss yet)."
            )
        verbose = _resolve_verbose(verbose)
        if validation_split and validation_data is None:
            if not da.is_array_data(x):
                raise ValueError("`validation_split` is only supported for NumPy arrays; use `validation_data`.")
            (x, y, sample_weight), (vx, vy, vsw) = da.train_validation_split((x, y, sample_weight), validation_split)
            validation_data = (vx, vy, vsw) if vsw is not None else (vx, vy)
        data = da.make_data(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, steps=steps_per_epoch,
                            class_weight=class_weight)
        self._prepare_for_devices(data)
        bx, by, bsw = data.first_batch()
        bx, by = da.standardize_arrays(bx, "x"), da.standardize_arrays(by, "y")
        if by is None:
            raise ValueError("`fit` needs targets: pass `y`, or data that yields `(x, y)` batches.")
        self._build_for_data(bx, by)
        val = None
        if validation_data is not None:
            if da._is_iterator_like(validation_data) or isinstance(validation_data, da.PyDataset):
                val = da.make_data(validation_data, steps=validation_steps)
            else:
                vx, vy, vsw = da.unpack_x_y_sample_weight(validation_data)
                val = da.make_data(vx, vy, vsw, batch_size=validation_batch_size or batch_size or 32, shuffle=False,
                                   steps=validation_steps)
            self._prepare_for_devices(val)
        state = self._make_state()
        steps = data.steps
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self)
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
        self.stop_training = False
        fit_seed = random_state.draw_seed()  # shuffling of epoch e draws from (fit_seed, e): resumable
        if jax.process_count() > 1 and self._active_distribution() is not None:
            from jax.experimental import multihost_utils  # every process shuffles alike

            fit_seed = int(multihost_utils.broadcast_one_to_all(np.asarray(fit_seed, np.int64)))
        chunked = data.kind == "arrays" and data.numeric() and not self._run_eagerly
        inline = self._runs_inline()  # see _settled
        batch_hooks = cbs.needs_batch_hooks("train")
        # A callback reading weights per batch needs them written back after each step; ones that
        # only read the logs (progress bar, TensorBoard scalars, TerminateOnNaN) declare so.
        live_sync = any(getattr(c, "_needs_live_weights", True) for c in cbs._batch_users["train"])
        self._live = True
        self._live_state, self._live_position, self._live_fit_seed = state, (initial_epoch, 0), fit_seed
        cbs.on_train_begin()
        start_epoch, skip = initial_epoch, 0
        resume = self.__dict__.pop("_resume_request", None)
        if resume is not None:  # a BackupAndRestore (or a user) restored a training checkpoint
            state = self._place(resume["state"])
            fit_seed = resume["fit_seed"]
            start_epoch, skip = max(initial_epoch, resume["epoch"]), resume["batch"]
            if skip >= steps:
                start_epoch, skip = start_epoch + 1, 0
            self._live_state, self._live_fit_seed = state, fit_seed
        epoch_logs = {}
        try:
            for epoch in range(start_epoch, epochs):
                np_rng = np.random.default_rng([fit_seed, epoch])
                if skip == 0:
                    state = state.replace(metrics=self._fresh_metrics(), cursor=jnp.zeros((), jnp.int32))
                cbs.on_epoch_begin(epoch)
                data.on_epoch_begin()
                s = skip
                if chunked:
                    bs = data.batch_size
                    spe = self._steps_per_execution
                    may_fuse = spe == 1 and self._auto_fuse and self._jit_compile and not cbs.needs_every_batch("train")
                    chunk_steps = data.chunk_steps(multiple=AUTO_STEPS if may_fuse else spe)
                    chunks = data.chunks(np_rng, chunk_steps, skip_chunks=skip // chunk_steps)
                    j = skip % chunk_steps
                    programs = {}  # steps per call -> (name, jitted fn)

                    def program(k):
                        if k not in programs:
                            name = f"train_indexed:{k}:{bs}:{chunk_steps}"
                            programs[k] = (name, self._get_fn(name))
                        return programs[k]

                    settles = {} if inline else None
                    for chunk, n in self._prefetch(chunks, batch_axis=1):
                        if may_fuse:
                            spe = self._auto_steps(*program(1), state, chunk)
                            may_fuse = False
                        while j < n:
                            k = spe if n - j >= spe and j % spe == 0 else 1
                            if batch_hooks:
                                cbs.on_train_batch_begin(s)
                            state = self._maybe_refresh_lr(state)
                            name, fn = program(k)
                            settle = self._settled(settles, name, fn, state, chunk)
                            state = fn(state, chunk)
                            if settle:
                                state.step.block_until_ready()
                            j += k
                            s += k
                            if batch_hooks:
                                self._live_state, self._live_position = state, (epoch, s)
                                if live_sync:
                                    self._save_state(state)
                                cbs.on_train_batch_end(s - 1, LazyLogs(self._results(state)))
                            if self.stop_training:
                                break
                        j = 0
                        if self.stop_training:
                            break
                else:
                    fn = self._get_fn("train_batch")
                    batches = data.host_batches(np_rng) if data.kind == "arrays" else data.epoch_batches()
                    for _ in range(skip):  # resuming mid-epoch: the batches already trained on
                        next(batches, None)
                    settles = {} if inline else None
                    for (bx, by, bsw), mask in self._prefetch(batches, batch_axis=0):
                        if batch_hooks:
                            cbs.on_train_batch_begin(s)
                        state = self._maybe_refresh_lr(state)
                        settle = self._settled(settles, "train_batch", fn, state, bx, by, bsw, mask)
                        state = fn(state, bx, by, bsw, mask)
                        if settle:
                            state.step.block_until_ready()
                        s += 1
                        if batch_hooks:
                            self._live_state, self._live_position = state, (epoch, s)
                            if live_sync:
                                self._save_state(state)
                            cbs.on_train_batch_end(s - 1, LazyLogs(self._results(state)))
                        if self.stop_training:
                            break
                    if data.kind != "arrays" and data.steps is None and s > 0:
                        data.steps = s
                        steps = s
                        cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
                    if s == 0:
                        warnings.warn("The training data yielded no batches this epoch; stopping training.",
                                      stacklevel=2)
                        break
                skip = 0
                self._live_state, self._live_position = state, (epoch + 1, 0)
                data.on_epoch_end()
                epoch_logs = dict(LazyLogs(self._results(state)))
                # The next epoch donates `state`, so the Variables get a copy — except after the
                # last epoch, when nothing will donate it.
                self._save_state(state, copy=epoch < epochs - 1)
                if val is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._evaluate_data(val, cbs, in_fit=True)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                if self.stop_training or getattr(data, "exhausted", False):
                    break
        finally:
            self._live = False
        self._save_state(state)
        cbs.on_train_end(epoch_logs)
        for c in cbs:
            from fkeras.callbacks.history import History

            if isinstance(c, History):
                self.history = c
                return c
        return self.history

    def _runs_inline(self):
        """Whether JAX's CPU client runs this model's steps on the launching thread (see
        ``host_allocator``): the jitted, single-device steps on a synchronous CPU backend."""
        return (self._jit_compile and not self._run_eagerly and self._active_distribution() is None
                and host_allocator.cpu_runs_inline())

    def _program_profile(self, name, fn, *args, scratch=False):
        """XLA's view of one jitted program, worked out once per program name (which fixes the
        batch size and chunk length) and model binding: ``flops`` (XLA's estimate of the lowered
        program; a loop body counts once), ``loop`` (whether the jaxpr has a scan or while loop)
        and, when asked, ``scratch`` (bytes of its temp buffer; this compiles the program, which
        the call then reuses). Unknown values are pessimistic: inf flops, a loop, no scratch."""
        cache = self.__dict__.setdefault("_program_profiles", {})
        key = (name, self._per_replica_distribution() is not None)
        prof = cache.setdefault(key, {})
        if "flops" in prof and (not scratch or "scratch" in prof):
            return prof
        try:
            traced = fn.trace(*args)
            lowered = traced.lower()
            if "flops" not in prof:
                prof["flops"] = float((lowered.cost_analysis() or {}).get("flops", math.inf))
                prof["loop"] = bool(re.search(r"\b(scan|while)\[", str(traced.jaxpr)))
            if scratch:
                prof["scratch"] = int(lowered.compile().memory_analysis().temp_size_in_bytes)
        except Exception:  # noqa: BLE001 - no analysis: fall back to the defaults below
            prof.setdefault("flops", math.inf)
            prof.setdefault("loop", True)
            if scratch:
                prof.setdefault("scratch", 0)
        return prof

    def _auto_steps(self, name, step_fn, state, chunk):
        """Steps per XLA call for a fit that nothing observes batch by batch: AUTO_STEPS when one
        step is cheap (XLA's flop estimate of the lowered step; the trace is shared with the
        call), so that per-call overhead does not dominate; else 1. The arithmetic is the same
        either way. XLA's estimate counts a loop body once, not once per trip (an RNN's scan
        would look cheap), so a step with a scan or while loop is never fused."""
        prof = self._program_profile(name, step_fn, state, chunk)
        return AUTO_STEPS if prof["flops"] < AUTO_FUSE_MAX_FLOPS and not prof["loop"] else 1

    def _settled(self, settles, name, fn, *args):
        """Whether this call of ``fn`` (program ``name``, arguments ``args``) is waited for before
        the next is launched. ``settles`` caches the answer per program for one loop; it is None
        unless the CPU client runs computations inline (``_runs_inline``). A program with at least
        ``host_allocator.MIN_INLINE_SCRATCH`` bytes of scratch is: each call then runs on this
        thread and reuses this thread's heap. Such a call runs inline only if its inputs are
        ready when it is launched, so they are waited for too (the chunk the prefetch thread
        put, the state fit just placed; a no-op once they are). Smaller programs keep running
        ahead: waiting would only cost them the overlap of Python with the step."""
        if settles is None:
            return False
        settle = settles.get(name)
        if settle is None:
            scratch = self._program_profile(name, fn, *args, scratch=True)["scratch"]
            settle = settles[name] = scratch >= host_allocator.MIN_INLINE_SCRATCH
        if settle:
            jax.block_until_ready(args)
        return settle

    # --- training checkpoints (orbax; see fkeras.saving.Checkpointer) ------------------------------
    def _training_checkpoint(self):
        """``(state, meta)``: the whole training state and where training is (epoch, batch, seed)."""
        if self.__dict__.get("_live"):
            state = self._live_state
            epoch, batch = self._live_position
            seed = self._live_fit_seed
        else:
            self._assert_compiled("save a training checkpoint of")
            state = self._make_state()
            epoch, batch, seed = 0, 0, 0
        return copy_tree(state), {"epoch": int(epoch), "batch": int(batch), "fit_seed": int(seed),
                                  "step": int(state.step)}

    def _abstract_training_state(self):
        state = self._make_state()
        return jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=a.sharding), state)

    def _restore_training_checkpoint(self, state, meta, resume=True):
        """Write a restored state into the model; with ``resume`` the next fit continues from it."""
        self._save_state(state)
        if resume:
            self._resume_request = {"state": state, "epoch": int(meta.get("epoch", 0)),
                                    "batch": int(meta.get("batch", 0)), "fit_seed": int(meta.get("fit_seed", 0))}

    # --- evaluate --------------------------------------------------------------------------------
    def _eval_state(self):
        b = self._ensure_binding()
        t, nt = b.trees(copy=False)
        return self._place(TrainState(trainable=t, non_trainable=nt, opt_state=None,
                                      metrics=self._fresh_metrics(), rng=jnp.zeros((2,), jnp.uint32),
                                      step=jnp.zeros((), jnp.int32), cursor=jnp.zeros((), jnp.int32)))

    def _evaluate_data(self, data, cbs, in_fit=False):
        from fkeras.callbacks.callback import LazyLogs

        bx, by, _ = data.first_batch()
        if not in_fit:
            self._build_for_data(da.standardize_arrays(bx, "x"), da.standardize_arrays(by, "y"))
        state = self._eval_state()
        cbs.on_test_begin()
        hooks = cbs.needs_batch_hooks("test")
        settles = {} if self._runs_inline() else None  # see _settled
        logs = None
        s = 0
        if data.kind == "arrays" and data.numeric() and not self._run_eagerly:
            chunk_steps = data.chunk_steps()
            name = f"test_indexed:{data.batch_size}:{chunk_steps}"
            fn = self._get_fn(name)
            for chunk, n in self._prefetch(data.chunks(np.random.default_rng(0), chunk_steps), batch_axis=1):
                for _ in range(n):
                    if hooks:
                        cbs.on_test_batch_begin(s)
                    settle = self._settled(settles, name, fn, state, chunk)
                    state, logs = fn(state, chunk)
                    if settle:
                        state.cursor.block_until_ready()
                    if hooks:
                        cbs.on_test_batch_end(s, LazyLogs(logs))
                    s += 1
        else:
            fn = self._get_fn("test_batch")
            batches = data.host_batches(np.random.default_rng(0)) if data.kind == "arrays" else data.epoch_batches()
            for s, ((bx, by, bsw), mask) in enumerate(self._prefetch(batches, batch_axis=0)):
                if hooks:
                    cbs.on_test_batch_begin(s)
                settle = self._settled(settles, "test_batch", fn, state, bx, by, bsw, mask)
                state, logs = fn(state, bx, by, bsw, mask)
                if settle:
                    state.cursor.block_until_ready()
                if hooks:
                    cbs.on_test_batch_end(s, LazyLogs(logs))
        out = dict(LazyLogs(logs)) if logs is not None else {}
        cbs.on_test_end(out)
        return out

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the given data (Keras's ``evaluate``)."""
        from fkeras.callbacks.callback import CallbackList

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("evaluate")
        verbose = _resolve_verbose(verbose)
        data = da.make_data(x, y, sample_weight, batch_size=batch_size, shuffle=False, steps=steps)
        self._prepare_for_devices(data)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": data.steps})
        logs = self._evaluate_data(data, cbs)
        if return_dict:
            return logs
        names = [n for n in self._compile_metrics.names if n in logs]
        names += [k for k in logs if k not in names]
        values = [logs[n] for n in names]
        return values[0] if len(values) == 1 else values

    # --- predict ----------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """Outputs for the given inputs, as numpy arrays (Keras's ``predict``)."""
        from fkeras.callbacks.callback import CallbackList

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword arguments: {sorted(kwargs)}")
        verbose = _resolve_verbose(verbose)
        if da.is_array_data(x) or isinstance(x, (np.ndarray, list, dict)) and not da._is_iterator_like(x):
            data = da.make_data(x, None, None, batch_size=batch_size, shuffle=False, steps=steps)
        else:
            data = da.make_data(x, steps=steps)
        self._prepare_for_devices(data)
        bx, _, _ = data.first_batch()
        bx = da.standardize_arrays(bx, "x")
        if not self.built:
            self._maybe_build((_spec_of(bx),), {})
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": data.steps})
        b = self._ensure_binding()
        t, nt = b.trees(copy=False)
        hooks = cbs.needs_batch_hooks("predict")
        settles = {} if self._runs_inline() else None  # see _settled
        cbs.on_predict_begin()
        outs, masks = [], []
        if data.kind == "arrays" and data.numeric() and not self._run_eagerly:
            chunk_steps = data.chunk_steps()
            name = f"predict_indexed:{data.batch_size}:{chunk_steps}"
            fn = self._get_fn(name)
            cursor = jnp.zeros((), jnp.int32)
            s = 0
            # Which rows of each (global) batch are real, known on the host without a device sync.
            real = data.epoch_indices(np.random.default_rng(0))[1].reshape(data.steps, data.batch_size)
            for chunk, n in self._prefetch(data.chunks(np.random.default_rng(0), chunk_steps), batch_axis=1):
                for _ in range(n):
                    if hooks:
                        cbs.on_predict_batch_begin(s)
                    settle = self._settled(settles, name, fn, t, nt, chunk, cursor)
                    out, cursor = fn(t, nt, chunk, cursor)
                    if settle:
                        cursor.block_until_ready()
                    outs.append(out)
                    masks.append(real[s])
                    if hooks:
                        cbs.on_predict_batch_end(s, {"outputs": out})
                    s += 1
        else:
            fn = self._get_fn("predict_batch")
            batches = data.host_batches(np.random.default_rng(0)) if data.kind == "arrays" else data.epoch_batches()
            for s, ((bx, _, _), mask) in enumerate(self._prefetch(batches, batch_axis=0)):
                if hooks:
                    cbs.on_predict_batch_begin(s)
                settle = self._settled(settles, "predict_batch", fn, t, nt, bx)
                out = fn(t, nt, bx)
                if settle:
                    jax.block_until_ready(out)
                outs.append(out)
                masks.append(mask)
                if hooks:
                    cbs.on_predict_batch_end(s, {"outputs": out})
        cbs.on_predict_end()
        if not outs:
            raise ValueError("Unexpected result of `predict`: no batches were produced by the input data.")
        if jax.process_count() > 1:  # every process returns all the predictions
            from jax.experimental import multihost_utils

            host = multihost_utils.process_allgather(outs, tiled=True)
            masks = [multihost_utils.process_allgather(m, tiled=True) if isinstance(m, jax.Array) else m
                     for m in masks]
        else:
            host = jax.device_get(outs)
        keep = np.concatenate([np.asarray(m) > 0 for m in masks])
        return jax.tree_util.tree_map(lambda *parts: np.concatenate(parts, axis=0)[keep], *host)

    # --- single batches --------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        x = da.standardize_arrays(x, "x")
        y = da.standardize_arrays(y, "y")
        if class_weight is not None:
            sample_weight = da.class_weight_to_sample_weight(jax.tree_util.tree_leaves(y)[0], class_weight,
                                                             sample_weight)
        sample_weight = da.standardize_arrays(sample_weight, "sample_weight")
        self._build_for_data(x, y)
        state = self._make_state()
        state = state.replace(metrics=self._fresh_metrics())
        state = self._get_fn("train_batch")(state, x, y, sample_weight, None)
        logs = self._results(state)
        self._save_state(state)
        return self._format_batch_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        x = da.standardize_arrays(x, "x")
        y = da.standardize_arrays(y, "y")
        sample_weight = da.standardize_arrays(sample_weight, "sample_weight")
        self._build_for_data(x, y)
        state, logs = self._get_fn("test_batch")(self._eval_state(), x, y, sample_weight, None)
        return self._format_batch_logs(logs, return_dict)

    def predict_on_batch(self, x):
        x = da.standardize_arrays(x, "x")
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        b = self._ensure_binding()
        t, nt = b.trees(copy=False)
        return jax.tree_util.tree_map(np.asarray, self._get_fn("predict_batch")(t, nt, x))

    def _format_batch_logs(self, logs, return_dict):
        host = {k: float(np.asarray(v)) if np.ndim(v) == 0 else np.asarray(v) for k, v in jax.device_get(logs).items()}
        if return_dict:
            return dict(sorted(host.items()))
        values = [host[n] for n in self._compile_metrics.names if n in host]
        return values[0] if len(values) == 1 else values

    # --- custom-loop helpers (Keras 3 JAX API) --------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y_pred`` against ``y`` plus the model's regularization losses."""
        if self._compile_loss is None:
            return jnp.zeros((), jnp.float32)
        if not self._compile_loss.built:
            self._build_for_data(x, y)
        loss, _ = self._compile_loss(y, y_pred, sample_weight, None)
        return loss + sum((jnp.asarray(l, jnp.float32) for l in self.losses), jnp.zeros((), jnp.float32))

    def get_compile_config(self):
        if self._compile_config is None:
            return None
        from fkeras.saving import registry

        return {k: registry.serialize_keras_object(v) if not isinstance(v, (str, int, float, bool, type(None)))
                else v for k, v in self._compile_config.items()}


def _batch_size(x):
    return jax.tree_util.tree_leaves(x)[0].shape[0]


def _resolve_verbose(verbose):
    if verbose == "auto":
        from fkeras.utils.progbar import _is_interactive

        return 1 if _is_interactive() else 2
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received {verbose!r}.")
    return int(verbose)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


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
    rows = _batch_size(x) * (jax.lax.axis_size(axis) if axis is not None else 1)
    return jnp.asarray(rows, jnp.float32)


def _applied(old_opt_state, new_opt_state):
    """Optimizer iterations a step adds: 1, or 0 for a step a LossScaleOptimizer skipped (as Keras)."""
    from fkeras.mixed_precision.loss_scale_optimizer import LossScaleState, step_was_applied

    if isinstance(old_opt_state, LossScaleState):
        return step_was_applied(old_opt_state, new_opt_state)
    return 1
