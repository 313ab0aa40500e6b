"""What ``compile()`` records, resolved against the model's outputs: losses and metrics.

Both are pure over explicit state so they run inside the jitted step: ``CompileLoss`` maps
``(y_true, y_pred, sample_weight, mask)`` to the total loss and per-output losses;
``CompileMetrics`` holds a list of metric objects whose variables live in the train state.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.losses.loss import Loss
from fkeras.losses.losses import LossFunctionWrapper
from fkeras.losses.serialization import get as get_loss
from fkeras.metrics.accuracy_metrics import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from fkeras.metrics.metric import Metric
from fkeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
)
from fkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper
from fkeras.metrics.serialization import get as get_metric


def _output_names(model, n):
    names = None
    try:
        names = model.output_names
    except AttributeError:
        names = None
    if not names or len(names) != n:
        names = [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]
    return list(names)


def _flatten_struct(y, names):
    """A model output or target (single, list, or dict) -> list in output order."""
    if isinstance(y, dict):
        missing = [k for k in names if k not in y]
        if missing:
            raise ValueError(
                f"Expected a dict with keys {names} (the model's output names); received keys {list(y)}."
            )
        return [y[k] for k in names]
    if isinstance(y, (list, tuple)):
        return list(y)
    return [y]


def _resolve_loss(identifier):
    if identifier is None:
        return None
    obj = get_loss(identifier)
    if isinstance(obj, Loss):
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "loss")
        return LossFunctionWrapper(obj, name=name)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


class CompileLoss:
    def __init__(self, loss, loss_weights=None, output_names=None):
        self._spec = loss
        self._weights_spec = loss_weights
        self.built = False
        self.output_names = output_names

    def build(self, y_true, y_pred, output_names):
        n = len(_flatten_struct(y_pred, output_names))
        self.output_names = output_names
        spec = self._spec
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in output_names]
            if unknown:
                raise ValueError(
                    f"In `compile(loss=...)`, keys {unknown} do not match any model output; the output names "
                    f"are {output_names}."
                )
            fns = [_resolve_loss(spec.get(name)) for name in output_names]
        elif isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(
                    f"`compile(loss=...)` got a list of {len(spec)} losses, but the model has {n} outputs "
                    f"({output_names})."
                )
            fns = [_resolve_loss(s) for s in spec]
        else:
            fn = _resolve_loss(spec)
            fns = [fn] * n if n > 1 else [fn]
        w = self._weights_spec
        if w is None:
            weights = [1.0] * n
        elif isinstance(w, dict):
            weights = [float(w.get(name, 1.0)) for name in output_names]
        elif isinstance(w, (list, tuple)):
            if len(w) != n:
                raise ValueError(f"`loss_weights` has {len(w)} entries but the model has {n} outputs.")
            weights = [float(v) for v in w]
        else:
            weights = [float(w)] * n
        self.fns = fns
        self.weights = weights
        self.built = True

    @property
    def multi(self):
        return len(self.fns) > 1

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        names = self.output_names
        yp = _flatten_struct(y_pred, names)
        yt = _flatten_struct(y_true, names)
        if len(yt) != len(yp):
            raise ValueError(
                f"The model has {len(yp)} outputs ({names}) but {len(yt)} targets were given."
            )
        sws = _flatten_struct(sample_weight, names) if isinstance(sample_weight, (list, tuple, dict)) else \
            [sample_weight] * len(yp)
        total = jnp.zeros((), jnp.float32)
        per_output = []
        for fn, w, t, p, sw, name in zip(self.fns, self.weights, yt, yp, sws, names):
            if fn is None:
                per_output.append(None)
                continue
            _check_target_shape(fn, t, p, name)
            value = fn(t, p, sample_weight=sw, mask=mask) if isinstance(fn, Loss) else fn(t, p)
            value = jnp.asarray(value, jnp.float32)
            per_output.append(value)
            total = total + w * value
        return total, per_output


def _check_target_shape(fn, y_true, y_pred, name):
    """Catch label/prediction shape mismatches at trace time with a clear message."""
    ts, ps = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
    if ts and ps and ts[0] != ps[0]:
        raise ValueError(
            f"Targets and predictions for output {name!r} have different batch sizes: y_true {ts} vs "
            f"y_pred {ps}."
        )


def _is_sparse_labels(y_true_shape, y_pred_shape):
    return len(y_true_shape) < len(y_pred_shape) or (
        len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1 and y_pred_shape[-1] != 1)


def _resolve_metric(identifier, y_true, y_pred, loss_fn):
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        ts, ps = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
        loss_name = type(loss_fn).__name__ if loss_fn is not None else ""
        fn_name = getattr(getattr(loss_fn, "fn", None), "__name__", "")
        if ps and ps[-1] == 1 or "Binary" in loss_name or "binary" in fn_name:
            m = BinaryAccuracy(name=identifier)
        elif "Sparse" in loss_name or "sparse" in fn_name or _is_sparse_labels(ts, ps):
            m = SparseCategoricalAccuracy(name=identifier)
        else:
            m = CategoricalAccuracy(name=identifier)
        return m
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        ts, ps = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
        if ps and ps[-1] == 1:
            return BinaryCrossentropy(name=identifier)
        if _is_sparse_labels(ts, ps):
            return SparseCategoricalCrossentropy(name=identifier)
        return CategoricalCrossentropy(name=identifier)
    m = get_metric(identifier)
    if not isinstance(m, Metric):
        name = identifier if isinstance(identifier, str) else getattr(m, "__name__", "metric")
        m = MeanMetricWrapper(m, name=name)
    elif isinstance(identifier, str):
        try:
            m.name = identifier
        except AttributeError:
            pass
    return m


class CompileMetrics:
    """Loss trackers plus the compiled metrics, each with a log name and an output index."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self._metrics_spec = metrics
        self._weighted_spec = weighted_metrics
        self.built = False
        # Set when a traced step finds a metric function that returns one value per batch (the
        # hand-written F1 of many tutorials): such a value cannot leave padding rows out, so the
        # trainer then runs a partial last batch with its real rows only, as Keras sees it.
        self.per_batch_values = False

    def build(self, y_true, y_pred, output_names, compile_loss):
        yt = _flatten_struct(y_true, output_names) if y_true is not None else [None] * len(output_names)
        yp = _flatten_struct(y_pred, output_names)
        n = len(yp)
        multi = n > 1
        entries = []  # (log_name, metric, output_index, kind) ; kind: 'loss', 'out_loss', 'metric', 'weighted'
        entries.append(("loss", Mean(name="loss"), None, "loss"))
        if multi and compile_loss is not None:
            for i, name in enumerate(output_names):
                if compile_loss.fns[i] is not None:
                    entries.append((f"{name}_loss", Mean(name=f"{name}_loss"), i, "out_loss"))

        def per_output(spec):
            if spec is None:
                return [[] for _ in range(n)]
            if isinstance(spec, dict):
                unknown = [k for k in spec if k not in output_names]
                if unknown:
                    raise ValueError(
                        f"In `compile(metrics=...)`, keys {unknown} do not match any model output; the "
                        f"output names are {output_names}."
                    )
                return [_as_list(spec.get(name)) for name in output_names]
            if isinstance(spec, (list, tuple)) and multi and spec and all(
                    isinstance(s, (list, tuple)) or s is None for s in spec):
                if len(spec) != n:
                    raise ValueError(f"`metrics` has {len(spec)} entries but the model has {n} outputs.")
                return [_as_list(s) for s in spec]
            return [_as_list(spec) for _ in range(n)]

        for kind, spec in (("metric", self._metrics_spec), ("weighted", self._weighted_spec)):
            for i, ids in enumerate(per_output(spec)):
                loss_fn = compile_loss.fns[i] if compile_loss is not None else None
                for ident in ids:
                    m = _resolve_metric(ident, yt[i], yp[i], loss_fn)
                    base = m.name
                    if kind == "weighted" and self._metrics_spec is not None:
                        base = "weighted_" + base if any(e[0] == base for e in entries) else base
                    name = f"{output_names[i]}_{base}" if multi else base
                    entries.append((name, m, i, kind))
        for _name, m, i, kind in entries:
            if kind in ("metric", "weighted") and hasattr(m, "_symbolic_build"):
                # Metrics whose variables depend on shapes (F1Score, R2Score...) are built here.
                m._symbolic_build(_as_struct(yt[i]), _as_struct(yp[i]))
        seen = {}
        for j, (name, m, i, kind) in enumerate(entries):
            if name in seen:
                seen[name] += 1
                entries[j] = (f"{name}_{seen[name]}", m, i, kind)
            else:
                seen[name] = 0
        self.entries = entries
        self.output_names = output_names
        self.built = True

    @property
    def metric_objects(self):
        return [m for _, m, _, _ in self.entries]

    @property
    def names(self):
        return [name for name, _, _, _ in self.entries]

    def init_state(self):
        return tuple(tuple(jnp.asarray(v) for v in m.stateless_reset_state()) for _, m, _, _ in self.entries)

    def update(self, state, loss, per_output_losses, y_true, y_pred, sample_weight, mask, batch_weight):
        names = self.output_names
        yt = _flatten_struct(y_true, names) if y_true is not None else None
        yp = _flatten_struct(y_pred, names)
        sws = _flatten_struct(sample_weight, names) if isinstance(sample_weight, (list, tuple, dict)) else \
            [sample_weight] * len(yp)
        new = []
        for (_name, m, i, kind), vars_ in zip(self.entries, state):
            vars_ = list(vars_)
            if kind == "loss":
                out = m.stateless_update_state(vars_, loss, sample_weight=batch_weight)
            elif kind == "out_loss":
                out = m.stateless_update_state(vars_, per_output_losses[i], sample_weight=batch_weight)
            else:
                sw = sws[i] if kind == "weighted" else None
                if mask is not None and _batch_valued(m, yt[i], yp[i]):
                    self.per_batch_values = True  # one value per batch: counted once per batch, as Keras
                else:
                    sw = _combine_weight(sw, mask)
                out = m.stateless_update_state(vars_, yt[i], yp[i], sample_weight=sw)
            new.append(tuple(out))
        return tuple(new)

    def results(self, state):
        logs = {}
        for (name, m, _, _), vars_ in zip(self.entries, state):
            r = m.stateless_result(list(vars_))
            if isinstance(r, dict):
                for k, v in r.items():
                    logs[k] = v
            else:
                logs[name] = r
        return logs

    def write_back(self, state):
        """Copy state into the metric objects so ``metric.result()`` works after fit."""
        for (_, m, _, _), vars_ in zip(self.entries, state):
            for var, val in zip(m.variables, vars_):
                var.assign(val)


def _as_struct(x):
    if x is None:
        return None
    shape = tuple(1 if d is None else d for d in np.shape(x)) if not hasattr(x, "shape") else tuple(
        1 if d is None else d for d in x.shape)
    return jax.ShapeDtypeStruct(shape, getattr(x, "dtype", "float32"))


def _batch_valued(metric, y_true, y_pred):
    """Whether ``metric`` wraps a user function whose value for a batch is a scalar (checked on
    shapes only, while the step is traced)."""
    from fkeras.metrics.reduction_metrics import MeanMetricWrapper, _wrapped_values

    if type(metric) is not MeanMetricWrapper or metric._jit_kwargs is not None:
        return False  # built-in metrics return per-sample values
    spec = lambda a: jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a))  # noqa: E731
    out = jax.eval_shape(lambda t, p: _wrapped_values(metric._fn, metric._fn_kwargs, metric._rank1_as_samples, t, p),
                         spec(y_true), spec(y_pred))
    return len(out.shape) == 0 and len(jnp.shape(y_pred)) > 0


def _combine_weight(sw, mask):
    if mask is None:
        return sw
    if sw is None:
        return mask
    sw = jnp.asarray(sw, jnp.float32)
    m = mask.reshape(mask.shape + (1,) * (sw.ndim - 1)) if sw.ndim >= 1 else mask
    return sw * m


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]
