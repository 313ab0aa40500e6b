"""Keras 3's overridable steps in their JAX form (the "customizing what happens in fit" guide).

A model may override ``train_step(self, state, data)``, ``test_step(self, state, data)`` or
``predict_step(self, state, data)``. ``state`` is Keras 3's tuple of flat lists, in the order
of ``model.trainable_variables``, ``model.non_trainable_variables``, ``optimizer.variables`` and
the variables of ``model.metrics``: ``(trainable, non_trainable, optimizer, metrics)`` for
training, ``(trainable, non_trainable, metrics)`` for testing and ``(trainable, non_trainable)``
for prediction. ``data`` is the batch as Keras gives it (``(x, y)``, ``(x, y, sample_weight)`` or
``(x,)``; never padded: a partial last batch comes with its real rows only). ``train_step`` and
``test_step`` return ``(logs, state)``; ``predict_step`` returns the outputs.

``fit``/``evaluate``/``predict`` then jit the overridden method inside the same programs and
data path as fkeras's own steps, and History holds exactly the logs the method returns. A model
that overrides none of them runs fkeras's own, faster step over its ``TrainState`` pytree; the
methods below are Keras's default steps for a subclass that calls ``super().train_step(...)``.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.trainers import data_adapters as da
from fkeras.trainers.state import TrainState

# Keras 3's JAX-form step states: flat lists of arrays, in the model's / optimizer's / metrics' order.
KerasTrainState = tuple[list, list, list, list]  # (trainable, non_trainable, optimizer, metrics)
KerasTestState = tuple[list, list, list]  # (trainable, non_trainable, metrics)
Logs = dict[str, Any]


def _pack(x, y, sw):
    """The batch as Keras passes it to a step: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None and sw is None:
        return (x,)
    return (x, y) if sw is None else (x, y, sw)


class KerasSteps:
    """Mixin of ``Trainer``: Keras 3's step methods and what runs them."""

    def _overrides(self, name):
        """Whether the model's class overrides Keras's ``name`` step (then fit runs it)."""
        return getattr(type(self), name) is not getattr(KerasSteps, name)

    def _keras_form(self, kind):
        """Whether ``kind``'s steps run in Keras's JAX form: the model overrides that step, or
        (train and test) ``compute_loss``, which only Keras's default steps call."""
        if kind != "predict" and callable(getattr(type(self), "compute_metrics", None)):
            raise NotImplementedError(
                f"Model {self.name!r} overrides `compute_metrics`, which fkeras does not call yet; "
                "update your metrics in an overridden `train_step` / `test_step` instead (Keras 3's "
                "JAX form: `metric.stateless_update_state`).")
        step = {"train": "train_step", "test": "test_step", "predict": "predict_step"}[kind]
        return self._overrides(step) or kind != "predict" and self._overrides("compute_loss")

    def _exact_rows_check(self, kind):
        """``exact()``: whether a partial last batch runs with its real rows only (a program per
        tail size) instead of padded and masked — for Keras-form steps, and for metrics valued per
        batch. The metrics' flag is set while the first step is traced, so ``exact`` reads it at
        each batch; everything else is worked out once here, off the per-step path."""
        if self._keras_form(kind):
            return lambda: True
        cm = getattr(self, "_compile_metrics", None)
        if cm is None or self._active_distribution() is not None:
            return lambda: False
        return lambda: cm.per_batch_values

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of one batch: the compiled loss of ``y_pred`` against ``y`` plus
        ``model.losses`` (weight regularization penalties and ``add_loss`` terms).

        A model may override it (Keras 3); ``fit`` and ``evaluate`` then run Keras's default
        steps (``train_step`` / ``test_step`` below), which call it.

        Args:
            x: The batch's inputs. Not used by the default computation; passed so an override
                can use them.
            y: The batch's targets (a list or dict for several outputs).
            y_pred: The model's outputs for ``x``.
            sample_weight: Optional per-sample weights of the loss (a list or dict per output
                for several outputs).
            training: Whether the call is part of a training step (default ``True``). Not used
                by the default computation; an override may use it.

        Returns:
            A float32 scalar: the compiled loss (zero when ``compile`` got none) plus the sum of
            ``model.losses``.
        """
        loss = jnp.zeros((), jnp.float32)
        if self._compile_loss is not None:
            if not self._compile_loss.built:
                self._build_for_data(x, y)
            loss, _ = self._compile_loss(y, y_pred, sample_weight, None)
        return loss + sum((jnp.sum(jnp.asarray(term, jnp.float32)) for term in self.losses), jnp.zeros((), jnp.float32))


    @property
    def metrics_variables(self):
        """The variables of ``model.metrics``, flattened in that order (Keras 3): the
        ``metrics_variables`` a Keras-form ``train_step`` / ``test_step`` receives in its state."""
        return [v for m in self.metrics for v in m.variables]

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables, metrics_variables, x=None,
                               y=None, y_pred=None, sample_weight=None, training=True):
        """``compute_loss`` as a pure function of the variables (Keras 3's JAX trainer API).

        The model's variables read the given arrays while the loss is computed, so weight
        regularization penalties follow ``trainable_variables`` (and are differentiated through
        them) and an override of ``compute_loss`` that updates a metric writes into
        ``metrics_variables`` instead of the metric objects.

        Args:
            trainable_variables: Arrays in the order of ``model.trainable_variables``.
            non_trainable_variables: Arrays in the order of ``model.non_trainable_variables``.
            metrics_variables: Arrays in the order of ``model.metrics_variables``.
            x: The batch's inputs (passed on to ``compute_loss``).
            y: The batch's targets.
            y_pred: The model's outputs for ``x`` (e.g. from ``stateless_call``).
            sample_weight: Optional per-sample weights of the loss.
            training: Whether the loss is computed for a training step (default ``True``).

        Returns:
            ``(loss, (trainable_variables, non_trainable_variables, metrics_variables))``: the
            scalar loss and the three lists, the last two holding any values the computation
            assigned.

        Raises:
            ValueError: If a list's length differs from the model's matching variables.
        """
        from fkeras.engine.variables import BindingScope

        groups = (("trainable_variables", self.trainable_variables, trainable_variables),
                  ("non_trainable_variables", self.non_trainable_variables, non_trainable_variables),
                  ("metrics_variables", self.metrics_variables, metrics_variables))
        values = {}
        for name, variables, arrays in groups:
            if len(arrays) != len(variables):
                raise ValueError(f"Argument `{name}` of stateless_compute_loss must be a list of {len(variables)} "
                                 f"tensors (the model's {name}). Received a list with {len(arrays)} elements.")
            values.update({id(v): getattr(a, "value", a) for v, a in zip(variables, arrays)})
        scope = BindingScope(values=values, training=training)
        scope.variables = {id(v): v for _, variables, _ in groups for v in variables}
        with scope:
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return loss, (list(trainable_variables), [scope.values[id(v)] for v in self.non_trainable_variables],
                      [scope.values[id(v)] for v in self.metrics_variables])

    # --- Keras's default steps ---------------------------------------------------------------
    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, metrics_variables=None,
                                 x=None, y=None, sample_weight=None, training=False, optimizer_variables=None):
        """Forward pass and loss of one batch as a pure function of the variables (Keras 3's JAX
        trainer), shaped for ``jax.value_and_grad(..., has_aux=True)``.

        The model runs with ``stateless_call``; the loss is ``compute_loss`` plus the ``add_loss``
        terms of that call.

        Args:
            trainable_variables: Arrays in the order of ``model.trainable_variables``; the
                argument to differentiate.
            non_trainable_variables: Arrays in the order of ``model.non_trainable_variables``.
            metrics_variables: The metrics' variables, returned unchanged (Keras's signature).
            x: The batch's inputs.
            y: The batch's targets.
            sample_weight: Optional per-sample weights of the loss.
            training: Whether layers run in training mode (dropout on, BatchNormalization
                updating its statistics). Defaults to ``False``.
            optimizer_variables: The optimizer's variables as traced in the step, from which a
                ``LossScaleOptimizer`` reads its current scale. Only used when ``training``.

        Returns:
            ``(loss, (unscaled_loss, y_pred, non_trainable_variables, metrics_variables))``:
            ``loss`` is multiplied by the optimizer's loss scale when training (the optimizer
            divides the gradients back), ``unscaled_loss`` is the plain value for the logs, and
            ``non_trainable_variables`` holds their values after the call.
        """
        y_pred, non_trainable_variables, losses = self.stateless_call(
            trainable_variables, non_trainable_variables, x, training=training, return_losses=True)
        if metrics_variables is None:
            metrics_variables = [v.value for v in self.metrics_variables]
        self.__dict__["_losses_override"] = losses  # model.losses: this call's add_loss terms, not an eager call's
        try:
            loss, (_, non_trainable_variables, metrics_variables) = self.stateless_compute_loss(
                trainable_variables, non_trainable_variables, metrics_variables, x, y, y_pred, sample_weight,
                training=training)
        finally:
            self.__dict__["_losses_override"] = None
        unscaled = loss
        if training and self.optimizer is not None:  # the gradients are divided back in stateless_apply
            loss = _scaled(self.optimizer, loss, optimizer_variables)
        return loss, (unscaled, y_pred, non_trainable_variables, metrics_variables)

    def train_step(self, state: KerasTrainState, data: tuple) -> tuple[Logs, KerasTrainState]:
        """One training step in Keras 3's JAX form: ``(logs, state)`` (see the module docstring).

        Override it to customize what ``fit`` does; ``fit`` jits the override inside its own
        programs and data path. The default computes the loss with
        ``compute_loss_and_updates``, applies the gradients with
        ``optimizer.stateless_apply`` and updates ``model.metrics``.

        Args:
            state: ``(trainable_variables, non_trainable_variables, optimizer_variables,
                metrics_variables)``, each a list of arrays in the order of the model's,
                the optimizer's and ``model.metrics``' variables.
            data: The batch: ``(x, y)`` or ``(x, y, sample_weight)``. A partial last batch
                comes with its real rows only (never padded).

        Returns:
            ``(logs, state)``: a dict of log values (what ``History`` records) and the new
            state tuple in the same layout.

        Example (a subclass):

        ```python
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metrics_vars = state
            x, y = data
            def loss_fn(trainable):
                y_pred, nt = self.stateless_call(trainable, non_trainable, x, training=True)
                return self.compute_loss(x, y, y_pred), (y_pred, nt)
            (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
            trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
            ...  # metrics via metric.stateless_update_state
            return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)
        ```
        """
        trainable, non_trainable, optimizer_vars, metrics_vars = state
        x, y, sw = da.unpack_x_y_sample_weight(data)
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, argnums=0, has_aux=True)
        (_, (loss, y_pred, non_trainable, metrics_vars)), grads = grad_fn(
            trainable, non_trainable, metrics_vars, x, y, sw, training=True, optimizer_variables=optimizer_vars)
        trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
        logs, metrics_vars = self._stateless_metrics(metrics_vars, loss, x, y, y_pred, sw)
        return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)

    def test_step(self, state: KerasTestState, data: tuple) -> tuple[Logs, KerasTestState]:
        """One evaluation step in Keras 3's JAX form; override it to customize ``evaluate``.

        Args:
            state: ``(trainable_variables, non_trainable_variables, metrics_variables)``, lists
                of arrays in the order of the model's and ``model.metrics``' variables.
            data: The batch: ``(x, y)`` or ``(x, y, sample_weight)``, real rows only.

        Returns:
            ``(logs, state)``: a dict of log values and the new state tuple in the same layout.
        """
        trainable, non_trainable, metrics_vars = state
        x, y, sw = da.unpack_x_y_sample_weight(data)
        _, (loss, y_pred, non_trainable, metrics_vars) = self.compute_loss_and_updates(
            trainable, non_trainable, metrics_vars, x, y, sw, training=False)
        logs, metrics_vars = self._stateless_metrics(metrics_vars, loss, x, y, y_pred, sw)
        return logs, (trainable, non_trainable, metrics_vars)

    def predict_step(self, state: tuple[list, list], data: tuple) -> Any:
        """The model's outputs for one batch in Keras 3's JAX form; override it to customize
        ``predict``.

        Args:
            state: ``(trainable_variables, non_trainable_variables)``, lists of arrays in the
                order of the model's variables.
            data: The batch as a one-element tuple ``(x,)``, real rows only (the default
                unpacks ``(x, y)`` and ``(x, y, sample_weight)`` too, and uses ``x``).

        Returns:
            The outputs for the batch (an array, or the outputs' list or dict of arrays);
            ``predict`` concatenates them over the batches.
        """
        trainable, non_trainable = state
        x, _, _ = da.unpack_x_y_sample_weight(data)
        y_pred, _ = self.stateless_call(trainable, non_trainable, x, training=False)
        return y_pred

    def _stateless_metrics(self, metrics_vars, loss, x, y, y_pred, sw):
        """Update ``model.metrics`` (Keras's loss tracker "loss" with the loss, the others with
        ``(y, y_pred, sample_weight)``) over their flat variable list; ``(logs, new_list)``."""
        new, logs, i = [], {}, 0
        for m in self.metrics:
            part = list(metrics_vars[i:i + len(m.variables)])
            i += len(m.variables)
            if m.name == "loss":
                part = m.stateless_update_state(part, loss)
            else:
                part = m.stateless_update_state(part, y, y_pred, sample_weight=sw)
            result = m.stateless_result(part)
            logs.update(result if isinstance(result, dict) else {m.name: result})
            new += list(part)
        return logs, new

    # --- running an overridden step inside fkeras's programs -------------------------------------
    def _keras_metric_values(self):
        """Fresh values of ``model.metrics``' variables, as one flat list."""
        return [jnp.asarray(v) for m in self.metrics for v in m.stateless_reset_state()]

    def _keras_state(self, kind):
        """A ``TrainState`` holding Keras-form flat lists (for an overridden step)."""
        trainable = [v.value for v in self.trainable_variables]
        non_trainable = [v.value for v in self.non_trainable_variables]
        opt = None
        if kind == "train":
            if not self.optimizer.built or len(self.optimizer._trainable_variables) != len(trainable) or any(
                    a is not b for a, b in zip(self.optimizer._trainable_variables, self.trainable_variables)):
                self.optimizer.build(self.trainable_variables)
            opt = [h.value for h in self.optimizer.variables]
        state = TrainState(trainable=trainable, non_trainable=non_trainable, opt_state=opt,
                           metrics=self._keras_metric_values(), rng=jnp.zeros((2,), jnp.uint32),
                           step=jnp.asarray(getattr(self.optimizer, "_iterations", 0) or 0 if kind == "train" else 0,
                                            jnp.int32), cursor=jnp.zeros((), jnp.int32))
        return jax.device_put(jax.tree_util.tree_map(jnp.array, state), jax.devices()[0])

    def _save_keras_state(self, state):
        """Write a Keras-form state back onto the variables, optimizer and metrics."""
        for v, val in zip(self.trainable_variables, state.trainable):
            v.assign(val)
        for v, val in zip(self.non_trainable_variables, state.non_trainable):
            v.assign(val)
        if state.opt_state is not None:
            for h, val in zip(self.optimizer.variables, state.opt_state):
                h.assign(val)
            self.optimizer._iterations = int(state.step)
        values = iter(state.metrics)
        for m in self.metrics:
            for v in m.variables:
                v.assign(next(values))

    def _keras_step(self, kind, state, x, y, sw):
        """Run the overridden ``kind`` step on one (unpadded) batch inside a program."""
        data = _pack(x, y, sw)
        if kind == "train":
            logs, (t, nt, opt, mv) = self.train_step(
                (state.trainable, state.non_trainable, state.opt_state, state.metrics), data)
            return state.replace(trainable=list(t), non_trainable=list(nt), opt_state=list(opt), metrics=list(mv),
                                 step=state.step + 1, cursor=state.cursor + 1), dict(logs)
        logs, (t, nt, mv) = self.test_step((state.trainable, state.non_trainable, state.metrics), data)
        return state.replace(metrics=list(mv), cursor=state.cursor + 1), dict(logs)


def real_rows(feed, j):
    """Rows of batch ``j`` of ``feed`` that are real (a partial last batch has fewer)."""
    if feed.real is None:
        return 0
    n = int(np.sum(feed.real[j] > 0))
    return 0 if n == feed.real.shape[1] else n


def _scaled(optimizer, loss, optimizer_variables):
    """``optimizer.scale_loss(loss)``, reading a LossScaleOptimizer's scale from ``optimizer_variables``
    when the step is traced with them (Keras 3 maps the optimizer's variables to them the same way)."""
    from fkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer.scale_loss(loss, optimizer_variables)
    return optimizer.scale_loss(loss)
