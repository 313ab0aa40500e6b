"""compile / fit / evaluate / predict over one pure, jitted train step (DESIGN §3).

The step is ``train_step(state, data) -> (state, logs)`` where ``state`` is a
``TrainState`` pytree (trainable and non-trainable variables, optax state, metric
variables, PRNG key, step counters). It is traced once per input signature and jitted with
the state donated; logs stay on the device until a progress bar or callback reads them.
fit, evaluate and predict are each one loop over the feeds of an ``EpochIterator``
(``feeding``); the programs they call are built in ``programs``.
"""
from __future__ import annotations

import contextlib
import math
import warnings
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from fkeras import config
from fkeras.backend import random_state
from fkeras.trainers import data_adapters as da, feeding
from fkeras.trainers.compile_utils import CompileLoss, CompileMetrics
from fkeras.trainers.data_checks import DataChecks, _spec_of, check_fit_arguments
from fkeras.trainers.keras_steps import KerasSteps, real_rows
from fkeras.trainers.loops import (
    TrainLoop,
    _lazy_logs,
    _resolve_verbose,
    _should_validate,
    for_each_batch,
)
from fkeras.trainers.on_batch import BatchMethods
from fkeras.trainers.programs import AUTO_STEPS, ProgramKey, StepPrograms
from fkeras.trainers.state import Binding, TrainState, copy_tree, place_state
from fkeras.utils import traceback_utils


class _DefaultSteps(int):
    """``steps_per_execution``'s default (1). Left at the default, ``fit`` may run several cheap
    steps per XLA call when no callback needs to see every single batch (the progress bar does
    not; see ``Trainer._auto_steps``); an explicit ``steps_per_execution=1`` turns that off."""

    def __repr__(self):
        return "1"


_DEFAULT_SPE = _DefaultSteps(1)


class Trainer(DataChecks, StepPrograms, BatchMethods, KerasSteps):
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

    # --- state ------------------------------------------------------------------------------
    def _ensure_binding(self):
        binding = Binding(self)
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
        if isinstance(state.trainable, list):  # the Keras-form state of an overridden train_step
            self._save_keras_state(state)
            self._last_saved_state = state
            return
        self._binding.write_back(state.trainable, state.non_trainable, copy=False)
        self._opt_state = state.opt_state
        self._rng = state.rng
        self.optimizer._iterations = int(state.step)
        self.optimizer._trained_state = state.opt_state
        self._compile_metrics.write_back(state.metrics)
        self._last_saved_state = state

    def _fresh_metrics(self):
        """Zeroed metric variables (copied from a cached template: the state is donated)."""
        template = self.__dict__.get("_metrics_template")
        if template is None or template[0] is not self._compile_metrics:
            template = (self._compile_metrics, self._compile_metrics.init_state())
            self._metrics_template = template
        return copy_tree(template[1])

    def _maybe_refresh_lr(self, state):
        v = getattr(self.optimizer, "_lr_version", 0)
        if v != getattr(self, "_lr_version", v) and not isinstance(state.opt_state, list):
            self._lr_version = v
            state = state.replace(opt_state=self.optimizer._write_hyperparams(state.opt_state))
        return state

    def _eval_state(self):
        b = self._ensure_binding()
        t, nt = b.trees(copy=False)
        return self._place(TrainState(trainable=t, non_trainable=nt, opt_state=None,
                                      metrics=self._fresh_metrics(), rng=jnp.zeros((2,), jnp.uint32),
                                      step=jnp.zeros((), jnp.int32), cursor=jnp.zeros((), jnp.int32)))

    # --- devices and data ------------------------------------------------------------------------
    def _active_distribution(self):
        from fkeras import distribution as distribution_lib

        return distribution_lib.distribution() or self.__dict__.get("_compiled_distribution")

    def _place(self, state):
        """Lay the state out on the active distribution's mesh (variables by their layouts), or
        commit it to the default device: the programs then see the same input placement on
        every call and are compiled once."""
        dist = self._active_distribution()
        if dist is None:
            return jax.device_put(state, jax.devices()[0])
        return place_state(state, dist, self._binding, self.optimizer)

    def _commit(self, tree):
        """Fresh arrays for the state (metrics, cursor) placed like the rest of it."""
        dist = self._active_distribution()
        return jax.device_put(tree, jax.devices()[0] if dist is None else dist.replicated())

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

    def _epoch_iterator(self, data, multiple=1, prefer=1, what="data"):
        """The feeds of ``data`` (arrays placed on the device now when they fit the budget)."""
        dist = self._active_distribution()
        pool = None
        if jax.default_backend() == "cpu":  # host buffers kept between fits (see feeding.BufferPool)
            pool = self.__dict__.get("_feed_pool")
            if pool is None:
                pool = self._feed_pool = feeding.BufferPool()
        it = feeding.EpochIterator(data, distribution=dist, put=da.make_put(dist, batch_axis=1), multiple=multiple,
                                   prefer=prefer, pool=pool, what=what)
        if it.notice:
            warnings.warn(it.notice, stacklevel=_user_stacklevel())
        return it

    # --- fit ---------------------------------------------------------------------------------
    @traceback_utils.filter_traceback
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, **kwargs):
        """Train the model (Keras's ``fit``); returns a ``History``."""
        from fkeras.callbacks.callback import CallbackList

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("fit")
        check_fit_arguments(epochs, initial_epoch, validation_split, steps_per_epoch, class_weight)
        if steps_per_epoch is not None:
            steps_per_epoch = int(math.ceil(steps_per_epoch))
        cap = config.max_epochs()
        if cap is not None and cap < epochs:
            warnings.warn(f"Limiting epochs to {cap} (keras.config.set_max_epochs).", stacklevel=_user_stacklevel())
            epochs = cap
        keras_form = self._keras_form("train")  # the model overrides Keras's train_step
        if self._compile_loss is None and not keras_form:
            raise ValueError(
                "You must pass a `loss` to `compile()` before calling `fit()`, or override `train_step` "
                "(fkeras does not support models that add all their losses with add_loss yet)."
            )
        verbose = _resolve_verbose(verbose)
        if validation_split and validation_data is None:
            if not da.is_array_data(x):
                raise ValueError("`validation_split` is only supported for NumPy arrays; use `validation_data`.")
            da.check_cardinality(x, y, sample_weight)  # before the split takes one of the lengths
            (x, y, sample_weight), (vx, vy, vsw) = da.train_validation_split((x, y, sample_weight), validation_split)
            validation_data = (vx, vy, vsw) if vsw is not None else (vx, vy)
        data = da.make_data(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, steps=steps_per_epoch,
                            class_weight=class_weight)
        self._prepare_for_devices(data)
        _limit_steps(data)
        bx, by, bsw = data.first_batch()
        bx, by = da.standardize_arrays(bx, "x"), da.standardize_arrays(by, "y")
        if by is None:
            raise ValueError("`fit` needs targets: pass `y`, or data that yields `(x, y)` batches.")
        self._build_for_data(bx, by, all_y=data.y if data.kind == "arrays" else None)
        val = None
        if validation_data is not None:
            if da._is_iterator_like(validation_data) or isinstance(validation_data, da.PyDataset):
                val = da.make_data(validation_data, steps=validation_steps)
            else:
                vx, vy, vsw = da.unpack_x_y_sample_weight(validation_data)
                val = da.make_data(vx, vy, vsw, batch_size=validation_batch_size or batch_size or 32, shuffle=False,
                                   steps=validation_steps)
            self._prepare_for_devices(val)
        state = self._keras_state("train") if keras_form else self._make_state()
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self)
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": data.steps})
        self.stop_training = False
        fit_seed = random_state.draw_seed()  # the shuffle of epoch e draws from (fit_seed, e): resumable
        if jax.process_count() > 1 and self._active_distribution() is not None:
            from jax.experimental import multihost_utils  # every process shuffles alike

            fit_seed = int(multihost_utils.broadcast_one_to_all(np.asarray(fit_seed, np.int64)))
        spe = self._steps_per_execution
        may_fuse = (spe == 1 and self._auto_fuse and self._jit_compile and not keras_form
                    and not cbs.needs_every_batch("train"))
        it = self._epoch_iterator(data, multiple=spe, prefer=AUTO_STEPS if may_fuse else 1)
        val_it = None
        self._live = True
        self._live_state, self._live_position, self._live_fit_seed = state, (initial_epoch, 0), fit_seed
        start_epoch, skip = initial_epoch, 0
        epoch_logs = {}
        try:
            cbs.on_train_begin()
            resume = self.__dict__.pop("_resume_request", None)
            if resume is not None:  # a BackupAndRestore (or a user) restored a training checkpoint
                state = self._place(resume["state"])
                fit_seed = resume["fit_seed"]
                start_epoch, skip = max(initial_epoch, resume["epoch"]), resume["batch"]
                if data.steps is not None and skip >= data.steps:
                    start_epoch, skip = start_epoch + 1, 0
                self._live_state, self._live_fit_seed = state, fit_seed
            loop = TrainLoop(self, cbs, spe, may_fuse)
            for epoch in range(start_epoch, epochs):
                state = state.replace(cursor=self._commit(np.int32(skip)))
                if skip == 0:
                    fresh = self._keras_metric_values() if keras_form else self._fresh_metrics()
                    state = state.replace(metrics=self._commit(fresh))
                cbs.on_epoch_begin(epoch)
                with contextlib.closing(it.epoch(epoch, fit_seed, skip)) as feeds:
                    state, s = loop.run_epoch(state, feeds, epoch, skip)
                if data.kind != "arrays" and data.steps is None and s > 0:
                    data.steps = s
                    cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": s})
                if s == 0:
                    warnings.warn("The training data yielded no batches this epoch; stopping training.", stacklevel=2)
                    break
                skip = 0
                self._live_state, self._live_position = state, (epoch + 1, 0)
                epoch_logs = dict(_lazy_logs(loop.results(state)))
                # The next epoch donates `state`, so the Variables get a copy — except after the
                # last epoch, when nothing will donate it.
                self._save_state(state, copy=epoch < epochs - 1)
                if val is not None and _should_validate(epoch, validation_freq):
                    if val_it is None:  # placed once, read every validation epoch
                        val_it = self._epoch_iterator(val, what="validation data")
                    val_logs = self._evaluate_data(val, cbs, in_fit=True, iterator=val_it)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                if self.stop_training or getattr(data, "exhausted", False):
                    break
        finally:
            self._live = False
            it.close()
            if val_it is not None:
                val_it.close()
        self._save_state(state)
        if epochs > initial_epoch and _uses_ema(self.optimizer):  # the averages become the weights, as in Keras
            from fkeras.callbacks.swap_ema_weights import ema_pairs

            for var, _, average in ema_pairs(self, self.optimizer)[0]:
                var.assign(average)
        cbs.on_train_end(epoch_logs)
        from fkeras.callbacks.history import History

        for c in cbs:
            if isinstance(c, History):
                self.history = c
                return c
        return self.history

    # --- evaluate --------------------------------------------------------------------------------
    def _evaluate_data(self, data, cbs, in_fit=False, iterator=None):
        bx, by, _ = data.first_batch()
        if not in_fit:
            self._build_for_data(da.standardize_arrays(bx, "x"), da.standardize_arrays(by, "y"))
        keras_form = self._keras_form("test")
        cbs.on_test_begin()  # before the weights are read: a callback may swap them (SwapEMAWeights)
        state = self._keras_state("test") if keras_form else self._eval_state()
        hooks = cbs.needs_batch_hooks("test")
        settles = {} if self._runs_inline() else None  # see _settled
        it = iterator if iterator is not None else self._epoch_iterator(data)
        run = {"state": state, "logs": None}

        def body(feed, j, s):
            if hooks:
                cbs.on_test_batch_begin(s)
            key = ProgramKey("test", rows=real_rows(feed, j) if self._exact_rows("test") else 0)
            fn = self._program(key)
            settle = self._settled(settles, key, fn, run["state"], feed.arrays)
            run["state"], run["logs"] = fn(run["state"], feed.arrays)
            if settle:
                run["state"].cursor.block_until_ready()
            if hooks:
                cbs.on_test_batch_end(s, _lazy_logs(run["logs"]))
            return run["state"].cursor

        s = for_each_batch(it, body, close=iterator is None)
        logs = run["logs"]
        if data.kind != "arrays" and data.steps is None and s > 0:
            data.steps = s
        out = dict(_lazy_logs(logs)) if logs is not None else {}
        cbs.on_test_end(out)
        return out

    @traceback_utils.filter_traceback
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
        _limit_steps(data)
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
    @traceback_utils.filter_traceback
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
        _limit_steps(data)
        bx, _, _ = data.first_batch()
        bx = da.standardize_arrays(bx, "x")
        if not self.built:
            self._maybe_build((_spec_of(bx),), {})
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": data.steps})
        keras_form = self._keras_form("predict")
        cbs.on_predict_begin()  # before the weights are read: a callback may swap them (SwapEMAWeights)
        if keras_form:
            t, nt = [v.value for v in self.trainable_variables], [v.value for v in self.non_trainable_variables]
        else:
            t, nt = self._ensure_binding().trees(copy=False)
        hooks = cbs.needs_batch_hooks("predict")
        settles = {} if self._runs_inline() else None  # see _settled
        outs, masks = [], []
        run = {"cursor": jnp.zeros((), jnp.int32)}

        def body(feed, j, s):
            if hooks:
                cbs.on_predict_batch_begin(s)
            key = ProgramKey("predict", rows=real_rows(feed, j) if keras_form else 0)
            fn = self._program(key)
            settle = self._settled(settles, key, fn, t, nt, feed.arrays, run["cursor"])
            out, run["cursor"] = fn(t, nt, feed.arrays, run["cursor"])
            if settle:
                run["cursor"].block_until_ready()
            outs.append(out)
            real = feed.real[j]  # which rows are real, known on the host
            masks.append(real[:len(real) if not key.rows else key.rows])
            if hooks:
                cbs.on_predict_batch_end(s, {"outputs": out})
            return run["cursor"]

        for_each_batch(self._epoch_iterator(data), body)
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

    # --- custom-loop helpers (Keras 3 JAX API) --------------------------------------------------------
    def get_compile_config(self):
        if self._compile_config is None:
            return None
        from fkeras.saving import registry

        return {k: registry.serialize_keras_object(v) if not isinstance(v, (str, int, float, bool, type(None)))
                else v for k, v in self._compile_config.items()}


def _user_stacklevel():
    """The ``stacklevel`` for a warning to point at the first caller outside fkeras."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def _limit_steps(data):
    """Apply ``keras.config.set_max_steps_per_epoch`` to one call's data, warning as Keras does."""
    cap = config.max_steps_per_epoch()
    if cap is not None and data.limit_steps(cap):
        warnings.warn(f"Limiting steps_per_epoch to {cap} (keras.config.set_max_steps_per_epoch).",
                      stacklevel=_user_stacklevel())


def _uses_ema(optimizer):
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    return any(getattr(o, "use_ema", False) for o in getattr(inner, "optimizers", None) or [inner])
