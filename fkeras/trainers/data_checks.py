"""Building a model from a sample batch, and checking targets against its outputs before training."""
from __future__ import annotations

import jax
import numpy as np

from fkeras.engine.symbolic import is_string_array
from fkeras.trainers.compile_utils import _flatten_struct, _output_names
from fkeras.trainers.data_adapters import standardize_arrays


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
    return jax.tree_util.tree_map(lambda s: s.shape, tree,
                                  is_leaf=lambda s: hasattr(s, "shape") and not hasattr(s, "__array__"))



def _check_numeric_targets(y):
    """Targets are numbers: string (or object) labels get a message saying how to encode them."""
    for a in jax.tree_util.tree_leaves(y):
        kind = np.dtype(getattr(a, "dtype", np.asarray(a).dtype)).kind
        if kind in "USO":
            sample = ", ".join(repr(v) for v in np.asarray(a).ravel()[:3].tolist())
            raise ValueError(
                f"`y` holds {'strings' if kind in 'US' else 'Python objects'} (dtype {np.dtype(a.dtype)}, e.g. "
                f"{sample}); losses need numbers. Encode the labels as integers first, e.g. "
                "`classes, y = np.unique(y, return_inverse=True)` or a `keras.layers.StringLookup` adapted "
                "on them, and use 'sparse_categorical_crossentropy' for integer classes.")


def _check_numeric_inputs(x, model):
    """Inputs are numbers for a model without a host part: strings get a message saying how to
    encode them (or how to declare a string input)."""
    flat = jax.tree_util.tree_flatten_with_path(x)[0]
    for path, a in flat:
        arr = np.asarray(a) if not isinstance(a, jax.Array) else None
        if is_string_array(arr):
            sample = ", ".join(repr(v) for v in arr.ravel()[:3].tolist())
            what = f"`x{jax.tree_util.keystr(path)}` holds strings (dtype {arr.dtype}, e.g. {sample})"
            try:
                declared = any(getattr(t, "dtype", None) == "string" for t in model.inputs or [])
            except (AttributeError, TypeError, ValueError):
                declared = False
            if declared:  # e.g. a Sequential model starting with a string Input
                raise ValueError(
                    f"{what}: only Functional models (`keras.Model(inputs, outputs)`) run their string layers on "
                    f"the host in fit/evaluate/predict; rebuild {type(model).__name__} model {model.name!r} with "
                    "the Functional API, or encode the strings in the data pipeline.")
            raise ValueError(
                f"{what}, but model {model.name!r} has no string input: its inputs are numeric. Encode the strings "
                "first (e.g. a `keras.layers.StringLookup` or `TextVectorization` adapted on them, in the data "
                'pipeline), or start the model with `keras.Input(shape=(1,), dtype="string")` followed by such a '
                "layer.")


def check_fit_arguments(epochs, initial_epoch, validation_split, steps_per_epoch, class_weight, validation_freq=1):
    """``fit``'s scalar arguments, checked before any data is touched."""
    def is_int(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if not is_int(epochs) or epochs < 0:
        raise ValueError(f"`epochs` must be a non-negative integer; received epochs={epochs!r}.")
    if not is_int(initial_epoch) or initial_epoch < 0:
        raise ValueError(f"`initial_epoch` must be a non-negative integer; received initial_epoch={initial_epoch!r}.")
    if (isinstance(validation_split, bool) or not isinstance(validation_split, (int, float, np.floating, np.integer))
            or not 0 <= validation_split < 1):
        raise ValueError("`validation_split` must be a number in [0, 1) (the fraction of the data held out "
                         f"for validation); received validation_split={validation_split!r}.")
    # (a float such as tf.keras's documented `len(x_train) / 32` is rounded up by fit)
    if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool)
                                        or not isinstance(steps_per_epoch, (int, float, np.integer, np.floating))
                                        or not 0 < steps_per_epoch < float("inf")):
        raise ValueError("`steps_per_epoch` must be None or a positive number of batches; "
                         f"received steps_per_epoch={steps_per_epoch!r}.")
    if is_int(validation_freq):
        if validation_freq < 1:
            raise ValueError("`validation_freq` must be a positive integer (validate every n-th epoch) or a "
                             f"collection of epoch numbers; received validation_freq={validation_freq!r}.")
    elif isinstance(validation_freq, (str, bytes, dict)) or not hasattr(validation_freq, "__iter__") or not all(
            is_int(e) for e in validation_freq):
        raise ValueError("`validation_freq` must be a positive integer or a collection of epoch numbers "
                         f"(integers, counted from 1); received validation_freq={validation_freq!r}.")
    if class_weight is not None:
        if not isinstance(class_weight, dict):
            raise ValueError("`class_weight` must be a dict mapping class indices (integers) to weights; "
                             f"received {type(class_weight).__name__}.")
        bad = [k for k in class_weight if not is_int(k) or k < 0]
        if bad:
            raise ValueError("`class_weight` keys must be class indices (non-negative integers); received "
                             f"{bad[:3]!r}. Map string class names to their integer labels first.")
        bad = {k: v for k, v in class_weight.items()
               if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))}
        if bad:
            raise ValueError(f"`class_weight` values must be numbers; received {bad!r}.")


def _check_label_range(labels, classes, name, loss_name):
    """Class labels of a sparse loss lie in [0, classes) (checked on host arrays only); labels stored
    as floats (``7.0``, as pandas often gives them) are class indices all the same."""
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iuf" or labels.size == 0 or not classes:
        return
    lo, hi = labels.min().item(), labels.max().item()
    if lo < 0 or hi >= classes:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"Loss {loss_name!r} for output {name!r} expects integer class labels in [0, {classes}) (the model "
            f"predicts {classes} classes), but `y` holds {bad}. Check the labels, or give the last layer as "
            "many units as there are classes.")


def _check_steps(data):
    """The number of batches asked for (``steps`` of evaluate/predict, ``validation_steps`` of fit) is
    None or positive: refused before the first step rather than failing inside the loop."""
    steps = getattr(data, "steps", None)
    if steps is None:
        return
    asked = not (getattr(data, "is_pydataset", False) and steps == len(data.data))  # not a PyDataset's own length
    if asked and (isinstance(steps, bool) or not isinstance(steps, (int, float, np.integer, np.floating))
                  or not 0 < steps < float("inf")):
        raise ValueError("`steps` (or `validation_steps` for the validation data of `fit`) must be None or a "
                         f"positive number of batches; received {steps!r}.")


def _batch_shape(shape):
    """``(batch, 3)`` for a per-sample shape ``(3,)``."""
    return "(" + ", ".join(["batch"] + [str(d) for d in shape]) + ")"


class DataChecks:
    """Mixin of ``Trainer``: resolve the model, its losses and metrics from the data's shapes."""

    def _validate_loss_spec(self, loss):
        from fkeras.losses import serialization as losses_module

        specs = (list(loss.values()) if isinstance(loss, dict)
                 else list(loss) if isinstance(loss, (list, tuple)) else [loss])
        for s in specs:
            if s is not None:
                losses_module.get(s)  # raises with a did-you-mean hint for unknown strings

    # --- host inputs ---------------------------------------------------------------------
    def _host_encoder(self):
        """What the data path runs on ``x`` on the host before the jitted step (a Functional
        model with string inputs returns its host part's ``encode``); None: ``x`` goes as it is."""
        return None

    def _prepare_host_data(self, data):
        """Give a data adapter the model's host encoder, or (no string inputs) the check that
        refuses string ``x`` with a clear message; once per fit/evaluate/predict, not per step."""
        _check_steps(data)
        encode = self._host_encoder()
        if encode is not None:
            data.encode_inputs(encode)
        else:
            data.check_inputs(lambda x: _check_numeric_inputs(x, self))
        if getattr(data, "kind", None) == "arrays" and data.y is not None and self._compile_loss is not None:
            # In-memory targets (fit's training and validation data, evaluate's) are checked whole against
            # the model's outputs here, before the first step: e.g. a sparse label outside the classes.
            bx, by, _ = data.first_batch()
            self._build_for_data(standardize_arrays(bx, "x"), standardize_arrays(by, "y"), all_y=data.y)
        elif hasattr(data, "check_targets"):  # a generator / PyDataset: each batch's labels as it is read
            data.check_targets(self._check_batch_labels)

    def _check_batch_labels(self, y):
        """The label-range checks ``_check_targets`` found (sparse losses), on one batch's targets."""
        checks = self.__dict__.get("_label_checks")
        names = self.__dict__.get("_output_names_cached")
        if not checks or names is None:
            return
        yt = _flatten_struct(y, names)
        for i, classes, name, loss_name in checks:
            if i < len(yt):
                _check_label_range(yt[i], classes, name, loss_name)

    # --- building against data ----------------------------------------------------------
    def _build_for_data(self, x, y, need_loss=True, all_y=None):
        """Build the model and resolve losses/metrics from a sample batch's shapes (``all_y``: every
        target, when in memory, for the checks that need them all)."""
        _check_numeric_targets(y)
        spec = _spec_of(x)
        if not self.built:
            try:
                self._maybe_build((spec,), {})
            except Exception as e:
                if not isinstance(e, (ValueError, TypeError)):
                    raise
                raise type(e)(f"Could not build model {self.name!r} from input data of shape "
                              f"{_shapes_only(spec)}: {e}") from e
        y_pred_spec = self._output_spec_for(spec)
        names = _output_names(self, len(jax.tree_util.tree_leaves(y_pred_spec,
                                                                  is_leaf=lambda s: hasattr(s, "shape"))))
        if need_loss and self._compile_loss is not None and not self._compile_loss.built:
            self._compile_loss.build(y, y_pred_spec, names)
        if self._compile_metrics is not None and not self._compile_metrics.built:
            self._compile_metrics.build(y, y_pred_spec, names, self._compile_loss)
        self._check_targets(y, y_pred_spec, names, all_y)
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

    def _check_targets(self, y, y_pred_spec, names, all_y=None):
        label_checks = self.__dict__["_label_checks"] = []  # for the batches read later (_check_batch_labels)
        if y is None or self._compile_loss is None or not self._compile_loss.built:
            return
        yt = _flatten_struct(y, names)
        yp = _flatten_struct(y_pred_spec, names)
        if len(yt) != len(yp):
            raise ValueError(
                f"Model {self.name!r} has {len(yp)} output(s) {names} but {len(yt)} target array(s) were given."
            )

        every = _flatten_struct(all_y, names) if all_y is not None else [None] * len(yt)
        if len(every) != len(yt):
            every = [None] * len(yt)
        for i, (t, p, fn, name, full) in enumerate(zip(yt, yp, self._compile_loss.fns, names, every)):
            if fn is None or t is None:
                continue
            ts, ps = tuple(np.shape(t)[1:]), tuple(p.shape[1:])
            kind = type(fn).__name__
            sparse = "Sparse" in kind or "sparse" in getattr(getattr(fn, "fn", None), "__name__", "")
            if sparse:
                ok = (len(ts) == len(ps) - 1 and ts == ps[:-1]
                      or len(ts) == len(ps) and ts[:-1] == ps[:-1] and ts[-1:] == (1,))
                if not ok:
                    raise ValueError(
                        f"Loss {fn.name!r} for output {name!r} expects integer class labels of shape "
                        f"(batch,) or (batch, 1) for predictions of shape {_batch_shape(ps)}, but the targets have "
                        f"shape {_batch_shape(ts)}. For one-hot labels use 'categorical_crossentropy'."
                    )
                _check_label_range(full if full is not None else t, ps[-1] if ps else None, name, fn.name)
                label_checks.append((i, ps[-1] if ps else None, name, fn.name))
            elif "Categorical" in kind or "categorical" in getattr(getattr(fn, "fn", None), "__name__", ""):
                if ts != ps:
                    hint = (" For integer labels use 'sparse_categorical_crossentropy'."
                            if len(ts) <= 1 and (not ts or ts[-1] == 1) else "")
                    raise ValueError(
                        f"Loss {fn.name!r} for output {name!r} expects targets with the same shape as the "
                        f"predictions {_batch_shape(ps)}, but the targets have shape {_batch_shape(ts)}.{hint}"
                    )
            else:
                if ps and ts and len(ts) == len(ps) and ts != ps and not (ts[-1:] == (1,) or ps[-1:] == (1,)):
                    if any(a != b and a != 1 and b != 1 for a, b in zip(ts, ps)):
                        raise ValueError(
                            f"Targets for output {name!r} have shape {_batch_shape(ts)}, which is incompatible with "
                            f"the model's output shape {_batch_shape(ps)} for loss {fn.name!r}."
                        )
