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

from fkeras.backend import config, random_state
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
    """``steps_per_execution``'s default, shown (and accepted) as ``"auto"``: one step per XLA call
    until ``fit`` finds the step cheap, then several per call when no callback needs to see every
    single batch (the progress bar does not; see ``Trainer._auto_steps``). An explicit
    ``steps_per_execution=1`` turns fusion off."""

    def __repr__(self):
        return "'auto'"


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
        """Configure the model for training: optimizer, loss, metrics and how steps are compiled.

        ``compile`` only records the configuration and resets what depends on it (the jitted
        programs, the optimizer state); nothing is traced until the first ``fit``, ``evaluate``
        or ``*_on_batch`` call, where losses and metrics are also matched to the model's outputs.
        Calling it again keeps the weights; the optimizer's slot variables (moments) start afresh.
        Unlike Keras, changing a layer's ``trainable`` flag after ``compile`` takes effect at the
        next ``fit`` without recompiling (the step is re-traced and the optimizer state restarts).
        The active ``keras.distribution`` (if any) is remembered: later ``fit`` calls keep using
        it outside its scope.

        Args:
            optimizer: A ``keras.optimizers.Optimizer`` instance, or the name of one (``"adam"``,
                ``"sgd"``, ...; created with its default arguments). Defaults to ``"rmsprop"``.
                When the compute dtype is float16 (a ``"mixed_float16"`` policy on the model or
                globally) it is wrapped in a ``keras.optimizers.LossScaleOptimizer``; see
                ``auto_scale_loss``.
            loss: What ``fit`` minimizes: a loss name (``"mse"``,
                ``"sparse_categorical_crossentropy"``, ...), a ``keras.losses.Loss`` instance, or
                any function ``fn(y_true, y_pred)`` returning one value per sample. A model with
                several outputs takes a list (one entry per output, in order) or a dict keyed by
                output name; an entry of ``None`` leaves that output out of the loss. ``None``
                (the default) is allowed for ``evaluate``/``predict`` and for models that
                override ``train_step`` or ``compute_loss``; ``fit`` otherwise raises.
                Regularization penalties and ``add_loss`` terms are added to it.
            loss_weights: Coefficients (Python floats) for the losses of a multi-output model, as
                a list in output order or a dict keyed by output name; the minimized loss is the
                weighted sum. ``None`` (the default) weights every output by 1.
            metrics: Metrics reported by ``fit``/``evaluate`` (not weighted by ``sample_weight``
                or ``class_weight``). A list of metric names, ``keras.metrics.Metric`` instances
                or functions ``fn(y_true, y_pred)``; for several outputs, a dict keyed by output
                name or a list of lists (one list per output). ``"accuracy"``/``"acc"`` and
                ``"crossentropy"``/``"ce"`` become the binary, categorical or sparse variant that
                the shapes of the targets and outputs call for. Defaults to ``None`` (only the
                loss is reported).
            weighted_metrics: Metrics in the same forms as ``metrics``, but weighted by
                ``sample_weight`` / ``class_weight``. Defaults to ``None``.
            run_eagerly: If ``True``, the steps run op by op without ``jax.jit``, so Python code
                in ``call`` (``print``, breakpoints) sees concrete values; much slower. Defaults
                to ``False``.
            steps_per_execution: Training batches run per XLA call (fused in one program), a
                positive integer. With ``K > 1`` batch-level callbacks (``on_train_batch_begin``
                / ``_end``) run once per K batches, and batches that do not fill a group of K
                run one per call. The default, ``"auto"``, starts at one step per call (an
                explicit ``1`` keeps it there): when the model does not override
                ``train_step``, the steps are jitted (neither ``run_eagerly`` nor
                ``jit_compile=False``), no callback needs to see every single batch (the
                progress bar does not) and XLA estimates one step as cheap (under ~5e7 flops and
                16 MiB of memory traffic, no loop inside), ``fit`` runs 8 steps per call by
                itself, with the same arithmetic and results. Passing ``1`` explicitly turns
                that off. Unlike Keras, ``evaluate`` and ``predict`` always run one batch per
                call.
            jit_compile: ``True``, ``False`` or ``"auto"`` (the default). ``"auto"`` and
                ``True`` compile every step with XLA through ``jax.jit`` (unless ``run_eagerly``
                is set); ``False`` runs the steps without ``jax.jit``, as ``run_eagerly=True``
                does. Unlike Keras, ``"auto"`` does not probe the model: every fkeras layer is
                jittable.
            auto_scale_loss: If ``True`` (the default) and the model's or the global dtype
                policy computes in float16, ``optimizer`` is wrapped in a
                ``keras.optimizers.LossScaleOptimizer`` that scales the loss dynamically so
                small float16 gradients do not underflow. Has no effect otherwise.
            **kwargs: tf.keras's ``sample_weight_mode``, ``target_tensors``, ``distribute`` and
                ``experimental_run_tf_function`` are accepted and ignored.

        Raises:
            ValueError: For an unknown optimizer or loss name (the message suggests the closest
                one), or a ``steps_per_execution`` that is not a positive integer.
            TypeError: For any other keyword argument.

        Example:

        ```python
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        ```
        """
        from fkeras.optimizers import serialization as optimizers_module

        for legacy in ("sample_weight_mode", "target_tensors", "distribute", "experimental_run_tf_function"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(kwargs)}")
        if loss is not None:
            self._validate_loss_spec(loss)
        self.optimizer = optimizers_module.get(optimizer)
        from fkeras.dtype_policies import dtype_policy
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
        if isinstance(steps_per_execution, str) and steps_per_execution == "auto":
            steps_per_execution = _DEFAULT_SPE
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"`steps_per_execution` must be a positive integer or 'auto'; received "
                             f"{steps_per_execution!r}.")
        self._auto_fuse = type(steps_per_execution) is _DefaultSteps
        self._steps_per_execution = int(steps_per_execution)
        self._fns = {}
        self.__dict__.pop("_program_profiles", None)
        self._opt_state = None
        self._binding = None
        self.__dict__.pop("_output_spec_cache", None)
        from fkeras.distribution import distribution_lib

        # As tf.keras's strategy.scope(): a model compiled under a distribution keeps using it.
        self._compiled_distribution = distribution_lib.distribution()
        self.compiled = True
        self._compile_config = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
                                    weighted_metrics=weighted_metrics, run_eagerly=run_eagerly,
                                    steps_per_execution=int(steps_per_execution), jit_compile=jit_compile)
        if self._auto_fuse:  # left out of saved configs, so a reloaded model fuses again (Keras reads 1)
            del self._compile_config["steps_per_execution"]

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
    # The optimizer owns its state (``fkeras.optimizers.training_state``): ``_make_state`` takes it
    # into the TrainState, ``_save_state`` hands it back. ``_opt_state`` is a view on it.
    @property
    def _opt_state(self):
        """The optax state the optimizer holds for this model (None before the first step); setting
        None (``compile``, a change of the trainable variables) drops it."""
        opt = self.__dict__.get("optimizer")
        return opt._held_state if opt is not None and opt._holds_state_for(self) else None

    @_opt_state.setter
    def _opt_state(self, value):
        opt = self.__dict__.get("optimizer")
        if opt is None:
            return
        if value is None:
            opt._reset_training_state()
        else:
            opt._keep_training_state(value)

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
        held = self.optimizer._training_state(b.t_items, trainable)  # the optimizer owns it (fresh the first time)
        if self._rng is None:
            self._rng = random_state.next_key()
        # Copies: the state is donated to the step, and these stay valid if a fit is interrupted.
        opt_state, rng = copy_tree((held, self._rng))
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
        self.optimizer._keep_training_state(state.opt_state, step=int(state.step), items=self._binding.t_items)
        self._rng = state.rng
        self._compile_metrics.write_back(state.metrics)
        self._last_saved_state = state

    def _pick_up_callback_writes(self, state):
        """``state`` with the model's current variable values, and the optimizer's state, where
        something (a callback's ``set_weights`` or ``assign``, SwapEMAWeights' exchange) replaced
        them since the last write-back: the next epoch trains from them and fit's final write-back
        keeps them (Keras 3 re-reads its state after callbacks the same way). Called after
        ``on_epoch_begin`` and once more when training ends. Identity checks only: no device work
        when nothing changed."""
        saved = self.__dict__.get("_last_saved_state")
        if saved is None:
            return state
        if isinstance(state.trainable, list):  # Keras-form state: lists in the model's variable order
            now = ([v._value for v in self.trainable_variables], [v._value for v in self.non_trainable_variables])
        else:
            now = self._binding.trees(copy=False)
            held = self.optimizer._held_state
            if held is not None and held is not saved.opt_state:
                state = state.replace(opt_state=self._place_like(copy_tree(held), state.opt_state))
                self._last_saved_state = saved = saved.replace(opt_state=held)
        was = jax.tree_util.tree_leaves((saved.trainable, saved.non_trainable))
        now_leaves = jax.tree_util.tree_leaves(now)
        if len(was) == len(now_leaves) and all(a is b for a, b in zip(was, now_leaves, strict=True)):
            return state
        trainable, non_trainable = self._place_like(copy_tree(now), (state.trainable, state.non_trainable))
        self._last_saved_state = saved.replace(trainable=now[0], non_trainable=now[1])
        return state.replace(trainable=trainable, non_trainable=non_trainable)

    def _place_like(self, tree, like):
        """``tree``'s leaves placed with the shardings of ``like``'s (the state they replace)."""
        return jax.tree_util.tree_map(lambda a, b: jax.device_put(a, getattr(b, "sharding", None)), tree, like)

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
        from fkeras.distribution import distribution_lib

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
        self._prepare_host_data(data)  # string inputs: the model's host part encodes x (data_checks)
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
        """Train the model for a number of epochs (passes over the data).

        Each training step is one pure function of the training state (weights, optimizer state,
        metric variables, random key) compiled once with ``jax.jit``; the weights are written
        back to the model's variables at the end of every epoch (and after each batch when a
        callback reads them). Dropout masks and the shuffling order are drawn from the global seed
        (``keras.utils.set_random_seed``), so a seeded run repeats.

        Unlike Keras, which compiles a second program for a smaller last batch, the last partial
        batch of an epoch is padded to the full batch size and its padding rows are masked out of
        the loss, the metrics and BatchNormalization's statistics: one compiled program serves the
        whole epoch, with the same results up to float rounding. Two cases see the real rows only,
        as in Keras: models that override ``train_step`` or ``compute_loss`` (Keras's JAX form),
        and metric functions that return one value per batch rather than per sample.

        When the optimizer keeps an exponential moving average of the weights (``use_ema=True``),
        the averages become the model's weights at the end of ``fit``, as in Keras. With a
        ``keras.callbacks.BackupAndRestore``, an interrupted run resumes from its last backup
        (epoch and batch, shuffling order included).

        Args:
            x: Input data. One of:
                - a NumPy array or array-like (a ``jax.Array``, a TensorFlow or torch tensor), or
                  a list of them for a model with several inputs, or a dict mapping input names
                  to them. float64 arrays are converted to float32 and int64 to int32 (unless
                  JAX's x64 mode is on); string arrays stay on the host for preprocessing layers.
                  Arrays that fit a device-memory budget are put on the device once and shuffled
                  there; larger ones are streamed batch by batch.
                - a ``keras.utils.PyDataset`` (or any object with ``__getitem__`` and
                  ``__len__``) whose items are batches; its ``workers`` read batches in threads
                  (``use_multiprocessing=True`` also uses threads: JAX cannot be forked).
                - a Python generator, or any iterable of batches: a ``tf.data.Dataset``, a torch
                  ``DataLoader``, a grain loader. A re-iterable one starts again every epoch; a
                  generator is read on where the last epoch stopped.
                A batch from a PyDataset or iterable is ``x``, ``(x,)``, ``(x, y)`` or
                ``(x, y, sample_weight)`` (a tuple or list; ``x`` and ``y`` may be lists or dicts
                of arrays). Each batch is padded to the size of the first one and masked.
            y: Targets, in the same array forms as ``x``: one array, or a list (in output order)
                or dict (keyed by output name) for a model with several outputs. Must be left as
                ``None`` when ``x`` is a PyDataset, generator or iterable (their batches carry
                the targets).
            batch_size: Samples per gradient step, a positive integer. ``None`` (the default)
                means 32; a batch size larger than the data is reduced to the number of samples.
                Ignored when ``x`` is a PyDataset, generator or iterable, which make their own
                batches.
            epochs: The index of the epoch at which training stops (a non-negative integer,
                default 1): training runs epochs ``initial_epoch`` to ``epochs - 1``, so with
                ``initial_epoch`` it is the final epoch, not a count.
                ``keras.config.set_max_epochs`` lowers it (with a warning).
            verbose: ``"auto"`` (the default), 0, 1 or 2: 0 prints nothing, 1 shows a progress
                bar, 2 prints one line per epoch. ``"auto"`` is 1 when the output is a terminal or
                notebook and 2 otherwise (Keras picks 1 in both cases), so logs written to a file
                get whole lines.
            callbacks: A list of ``keras.callbacks.Callback`` instances called during training
                (e.g. ``EarlyStopping``, ``ModelCheckpoint``). A ``History`` and, unless
                ``verbose=0``, a ``ProgbarLogger`` are added by themselves. A callback with
                per-batch hooks keeps ``fit`` from fusing steps automatically (see
                ``steps_per_execution`` in ``compile``).
            validation_split: The fraction of the training data, a float in ``[0, 1)``, held
                out for validation (default 0.0: none). The held-out samples are the last ones
                of ``x`` and ``y``, taken before any shuffling. Only for array data; ignored when
                ``validation_data`` is given.
            validation_data: Data evaluated (in inference mode, without training on it) at the
                end of each epoch chosen by ``validation_freq``; its results appear in the logs
                with a ``val_`` prefix. A tuple ``(x_val, y_val)`` or ``(x_val, y_val,
                val_sample_weight)`` of arrays, or a PyDataset, generator or iterable yielding
                such batches. Takes precedence over ``validation_split``. Defaults to ``None``.
            shuffle: How array data is reordered before each epoch: ``True`` (the default)
                draws a fresh permutation of the samples, ``"batch"`` shuffles whole
                ``batch_size`` blocks (for data that must be read in chunks), ``False`` keeps the
                order. For a PyDataset, ``True`` shuffles the order of its batches; ignored for
                generators and other iterables.
            class_weight: A dict mapping class indices (non-negative integers) to weights
                (floats) that scale the training loss of the samples of each class, e.g. to give
                a rare class more importance; it also weights ``weighted_metrics``. Classes are
                read from integer labels or, for one-hot targets, their argmax. Single-output
                models only. Combined with ``sample_weight`` the two are multiplied (Keras
                refuses the combination). Defaults to ``None``.
            sample_weight: Weights of the training samples in the loss and in
                ``weighted_metrics``: an array of shape ``(samples,)``, or ``(samples,
                timesteps)`` to weight each timestep of sequence outputs; a list or dict per
                output for several outputs. Not accepted with a PyDataset, generator or iterable
                (yield ``(x, y, sample_weight)`` batches instead). Defaults to ``None``.
            initial_epoch: The epoch to start from (default 0), to resume an earlier run;
                callbacks and the logs count epochs from it.
            steps_per_epoch: Batches per epoch, a positive integer (a float is rounded up), or
                ``None`` (the default): all the data for arrays and PyDatasets, and for a
                generator or iterable until it is exhausted. With arrays, each epoch then takes
                this many full batches from a fresh shuffle, cycling through the data if it asks
                for more; a generator that runs out early ends training with a warning. Needed
                for an endless generator. ``keras.config.set_max_steps_per_epoch`` caps it.
            validation_steps: Batches per validation run, or ``None`` (the default): all of the
                validation arrays, or until the validation iterable is exhausted. A re-iterable
                (``tf.data``, a ``DataLoader``, a list) starts from its beginning at every
                validation, so each one sees the same batches.
            validation_batch_size: Samples per validation batch for array ``validation_data``
                (or the ``validation_split`` part). ``None`` (the default) uses ``batch_size``,
                else 32. Ignored for a validation PyDataset, generator or iterable.
            validation_freq: When to validate: an integer ``n`` (the default 1) validates after
                every ``n``-th epoch; a collection of epoch numbers (counted from 1, e.g.
                ``[1, 5, 10]``) validates after those epochs.
            **kwargs: tf.keras's ``max_queue_size``, ``workers`` and ``use_multiprocessing``
                are accepted and ignored (set them on the ``PyDataset`` instead).

        Returns:
            A ``keras.callbacks.History`` (also kept as ``model.history``) whose ``history``
            attribute maps each log name (``"loss"``, the metrics, ``"val_loss"``, ...) to its
            list of per-epoch values.

        Raises:
            RuntimeError: If the model has not been compiled.
            ValueError: If ``compile`` got no ``loss`` and the model does not override
                ``train_step`` or ``compute_loss`` (fkeras does not yet train on ``add_loss``
                terms alone); for an invalid ``epochs``, ``verbose``, ``initial_epoch``,
                ``validation_split``, ``steps_per_epoch`` or ``class_weight``; for
                ``validation_split`` with data that are not arrays; for ``y`` or
                ``sample_weight`` given with a PyDataset, generator or iterable; for arrays with
                different numbers of samples; for missing or non-numeric targets; or when the
                data do not fit the model's inputs.
            TypeError: For an unknown keyword argument.

        Example:

        ```python
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        x, y = np.random.rand(100, 8), np.random.rand(100, 1)
        history = model.fit(x, y, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
        history.history["val_loss"]  # three values, one per epoch
        ```
        """
        from fkeras.callbacks.callback import CallbackList

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("fit")
        check_fit_arguments(epochs, initial_epoch, validation_split, steps_per_epoch, class_weight, validation_freq)
        if steps_per_epoch is not None:
            steps_per_epoch = int(math.ceil(steps_per_epoch))
        cap = config.max_epochs()
        if cap is not None and cap < epochs:
            warnings.warn(f"Limiting epochs to {cap} (keras.config.set_max_epochs).", stacklevel=_user_stacklevel())
            epochs = cap
        keras_form = self._keras_form("train")  # the model overrides Keras's train_step
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
        if by is None and self._compile_loss is not None and not keras_form:
            raise ValueError("`fit` needs targets for the loss given to `compile()`: pass `y`, or data that "
                             "yields `(x, y)` batches (a model whose losses all come from `add_loss` is "
                             "compiled without a `loss` and trains on `x` alone).")
        self._build_for_data(bx, by, all_y=data.y if data.kind == "arrays" else None)
        val = None
        if validation_data is not None:
            try:
                if da._is_iterator_like(validation_data) or isinstance(validation_data, da.PyDataset):
                    val = da.make_data(validation_data, steps=validation_steps)
                else:
                    vx, vy, vsw = da.unpack_x_y_sample_weight(validation_data)
                    val = da.make_data(vx, vy, vsw, batch_size=validation_batch_size or batch_size or 32,
                                       shuffle=False, steps=validation_steps)
            except ValueError as e:  # its messages name `x`, `y`: say they are the validation data's
                raise ValueError(f"In `validation_data`: {e}") from e
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
                state = self._pick_up_callback_writes(state)  # e.g. set_weights in on_epoch_end/begin
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
        self._save_state(self._pick_up_callback_writes(state))
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
        exact = self._exact_rows_check("test")
        settles = {} if self._runs_inline() else None  # see _settled
        it = iterator if iterator is not None else self._epoch_iterator(data)
        run = {"state": state, "logs": None}

        def body(feed, j, s):
            if hooks:
                cbs.on_test_batch_begin(s)
            key = ProgramKey("test", rows=real_rows(feed, j) if exact() else 0)
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
        """The loss and metrics of the model on the given data, computed in inference mode.

        The metric variables start from zero and accumulate over all batches, so the results are
        means over the whole data. As in ``fit``, a partial last batch is padded and masked (one
        compiled program), except for a model that overrides ``test_step`` and for metrics valued
        per batch, which see its real rows only.

        Args:
            x: Input data, in the forms ``fit`` accepts: NumPy arrays or array-likes (a list for
                several inputs, a dict keyed by input name), a ``keras.utils.PyDataset``, or a
                generator or other iterable (``tf.data``, a torch ``DataLoader``, grain) yielding
                ``(x, y)`` or ``(x, y, sample_weight)`` batches.
            y: Targets for array ``x`` (a list or dict for several outputs). Must be ``None`` when
                ``x`` is a PyDataset, generator or iterable.
            batch_size: Samples per batch for array data; ``None`` (the default) means 32.
                Ignored for a PyDataset, generator or iterable.
            verbose: ``"auto"`` (the default), 0 (silent), 1 (progress bar) or 2 (one line at
                the end). ``"auto"`` is 1 on a terminal or in a notebook and 2 otherwise.
            sample_weight: Weights of the samples in the loss and ``weighted_metrics``: an array
                of shape ``(samples,)`` or ``(samples, timesteps)``, or a list/dict per output.
                Not accepted with a PyDataset, generator or iterable (yield it as the third
                element of each batch). Defaults to ``None``.
            steps: Number of batches to evaluate, or ``None`` (the default): all the array data,
                or until the PyDataset, generator or iterable is exhausted. With arrays, a value
                above the number of batches cycles through the data again.
            callbacks: A list of ``keras.callbacks.Callback`` instances; their ``on_test_*``
                hooks are called. A ``ProgbarLogger`` is added unless ``verbose=0``.
            return_dict: If ``True``, return a dict mapping each log name to its value. If
                ``False`` (the default), return the values alone (see Returns).
            **kwargs: tf.keras's ``max_queue_size``, ``workers`` and ``use_multiprocessing``
                are accepted and ignored.

        Returns:
            With ``return_dict=False``, a Python float when the model reports a single value
            (the loss), else a list of floats in the order of ``model.metrics_names`` (the loss
            first). With ``return_dict=True``, a dict such as ``{"loss": 0.31, "mae": 0.42}``.

        Raises:
            RuntimeError: If the model has not been compiled.
            ValueError: For ``y`` or ``sample_weight`` given with a PyDataset, generator or
                iterable, arrays with different numbers of samples, non-numeric data, an invalid
                ``verbose``, or data that do not fit the model's inputs.
            TypeError: For an unknown keyword argument.

        Example:

        ```python
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        loss, mae = model.evaluate(np.random.rand(50, 8), np.random.rand(50, 1), verbose=0)
        logs = model.evaluate(np.random.rand(50, 8), np.random.rand(50, 1), verbose=0, return_dict=True)
        ```
        """
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
        """The model's outputs for the given inputs, computed batch by batch in inference mode.

        The model need not be compiled; an unbuilt model is built from the first batch. A
        partial last batch is padded to the batch size (one compiled program) and the padding
        rows are dropped from the result; a model that overrides ``predict_step`` gets the real
        rows only. For a few samples that fit in one batch, ``model(x)`` or
        ``predict_on_batch(x)`` skip the loop's setup.

        Args:
            x: Input data: a NumPy array or array-like (a list for several inputs, a dict keyed
                by input name), a ``keras.utils.PyDataset``, or a generator or other iterable
                (``tf.data``, a torch ``DataLoader``, grain). Batches of a PyDataset or iterable
                may be ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``: only ``x`` is
                used.
            batch_size: Samples per batch for array data; ``None`` (the default) means 32.
                Ignored for a PyDataset, generator or iterable.
            verbose: ``"auto"`` (the default), 0 (silent), 1 (progress bar) or 2 (one line at
                the end). ``"auto"`` is 1 on a terminal or in a notebook and 2 otherwise.
            steps: Number of batches to predict, or ``None`` (the default): all the array data,
                or until the PyDataset, generator or iterable is exhausted. Needed for an endless
                generator.
            callbacks: A list of ``keras.callbacks.Callback`` instances; their ``on_predict_*``
                hooks are called (``on_predict_batch_end`` receives ``{"outputs": ...}``). A
                ``ProgbarLogger`` is added unless ``verbose=0``.
            **kwargs: tf.keras's ``max_queue_size``, ``workers`` and ``use_multiprocessing``
                are accepted and ignored.

        Returns:
            NumPy arrays with one row per input sample: a single array for a single-output
            model, else the outputs' structure (list or dict) of arrays. When several processes
            run the model (``keras.distribution``), every process receives all the rows.

        Raises:
            ValueError: If the data yield no batches, for an invalid ``verbose``, or when the
                data do not fit the model's inputs.
            TypeError: For an unknown keyword argument.

        Example:

        ```python
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
        y = model.predict(np.random.rand(70, 8), batch_size=32, verbose=0)  # shape (70, 3)
        ```
        """
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
        """The arguments of the last ``compile()`` call as a JSON-friendly dict, or ``None``.

        Optimizer, loss and metric objects are serialized with
        ``keras.saving.serialize_keras_object``; names and plain values are kept as given. This
        is what ``model.save`` stores in a ``.keras`` file and what ``keras.models.load_model``
        compiles the loaded model with.

        Returns:
            A dict with the keys ``optimizer``, ``loss``, ``loss_weights``, ``metrics``,
            ``weighted_metrics``, ``run_eagerly``, ``steps_per_execution`` and ``jit_compile``,
            or ``None`` if the model has not been compiled.
        """
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
