"""Building a model from a sample batch, and checking targets against its outputs before training."""
from __future__ import annotations

import jax
import numpy as np

from fkeras.trainers.compile_utils import _flatten_struct, _output_names


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


def _batch_shape(shape):
    """``(batch, 3)`` for a per-sample shape ``(3,)``."""
    return "(" + ", ".join(["batch"] + [str(d) for d in shape]) + ")"


class DataChecks:
    """Mixin of ``Trainer``: resolve the model, its losses and metrics from the data's shapes."""

    def _validate_loss_spec(self, loss):
        from fkeras import losses as losses_module

        specs = list(loss.values()) if isinstance(loss, dict) else list(loss) if isinstance(loss, (list, tuple)) else [loss]
        for s in specs:
            if s is not None:
                losses_module.get(s)  # raises with a did-you-mean hint for unknown strings

    # --- building against data ----------------------------------------------------------
    def _build_for_data(self, x, y, need_loss=True):
        """Build the model and resolve losses/metrics from a sample batch's shapes."""
        _check_numeric_targets(y)
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
                        f"(batch,) or (batch, 1) for predictions of shape {_batch_shape(ps)}, but the targets have "
                        f"shape {_batch_shape(ts)}. For one-hot labels use 'categorical_crossentropy'."
                    )
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
