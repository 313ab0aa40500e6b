"""``train_on_batch``, ``test_on_batch`` and ``predict_on_batch``: one batch, the same programs as fit."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.trainers import data_adapters as da
from fkeras.trainers.data_checks import _spec_of
from fkeras.trainers.programs import ProgramKey
from fkeras.utils import traceback_utils


class BatchMethods:
    """Mixin of ``Trainer``: Keras's single-batch methods."""

    def _single_batch(self, x, y=None, sw=None):
        """One batch as a chunk feed's arrays (for the ``*_on_batch`` methods)."""
        one = lambda t: jax.tree_util.tree_map(lambda a: a[None], t)  # noqa: E731
        return da.make_put(self._active_distribution(), batch_axis=1)((one(x), one(y), one(sw), None))

    # --- single batches --------------------------------------------------------------------------
    @traceback_utils.filter_traceback
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
        state = self._program(ProgramKey("train"))(state, self._single_batch(x, y, sample_weight))
        logs = self._results(state)
        self._save_state(state)
        return self._format_batch_logs(logs, return_dict)

    @traceback_utils.filter_traceback
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        x = da.standardize_arrays(x, "x")
        y = da.standardize_arrays(y, "y")
        sample_weight = da.standardize_arrays(sample_weight, "sample_weight")
        self._build_for_data(x, y)
        fn = self._program(ProgramKey("test"))
        state, logs = fn(self._eval_state(), self._single_batch(x, y, sample_weight))
        return self._format_batch_logs(logs, return_dict)

    @traceback_utils.filter_traceback
    def predict_on_batch(self, x):
        x = da.standardize_arrays(x, "x")
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        b = self._ensure_binding()
        t, nt = b.trees(copy=False)
        fn = self._program(ProgramKey("predict"))
        out, _ = fn(t, nt, self._single_batch(x), jnp.zeros((), jnp.int32))
        return jax.tree_util.tree_map(np.asarray, out)

    def _format_batch_logs(self, logs, return_dict):
        host = {k: float(np.asarray(v)) if np.ndim(v) == 0 else np.asarray(v) for k, v in jax.device_get(logs).items()}
        if return_dict:
            return dict(sorted(host.items()))
        values = [host[n] for n in self._compile_metrics.names if n in host]
        return values[0] if len(values) == 1 else values
