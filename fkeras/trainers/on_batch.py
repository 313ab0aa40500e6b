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

    def _host_encoded(self, x):
        """``x`` after the model's host part (string inputs encoded on the host), as fit feeds it."""
        encode = self._host_encoder()
        return encode(x) if encode is not None else x

    def _single_batch(self, x, y=None, sw=None):
        """One batch as a chunk feed's arrays (for the ``*_on_batch`` methods)."""
        one = lambda t: jax.tree_util.tree_map(lambda a: a[None], t)  # noqa: E731
        return da.make_put(self._active_distribution(), batch_axis=1)((one(x), one(y), one(sw), None))

    # --- single batches --------------------------------------------------------------------------
    @traceback_utils.filter_traceback
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Run one gradient update on a single batch and return its loss and metrics.

        The step is the same compiled program as one step of ``fit`` (traced again for a new
        batch shape); the updated weights and optimizer state are written back to the model.
        The metrics start from zero on every call, so they describe this batch alone, as in
        Keras.

        Args:
            x: The batch's inputs: an array, a list of arrays for several inputs, or a dict keyed
                by input name.
            y: The batch's targets (a list or dict for several outputs).
            sample_weight: Optional weights of the batch's samples, shape ``(batch,)`` or
                ``(batch, timesteps)``.
            class_weight: Optional dict mapping class indices to weights of the loss; single
                output only. Combined with ``sample_weight`` the two are multiplied (Keras
                refuses the combination).
            return_dict: If ``True``, return a dict of the log values (sorted by name).

        Returns:
            The loss as a float when the model reports no other metric, else a list of floats
            in the order of ``model.metrics_names``; a dict with ``return_dict=True``.

        Raises:
            RuntimeError: If the model has not been compiled.

        Example:

        ```python
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        loss = model.train_on_batch(np.ones((8, 4)), np.zeros((8, 1)))
        ```
        """
        self._assert_compiled("train_on_batch")
        x = self._host_encoded(da.standardize_arrays(x, "x"))
        y = da.standardize_arrays(y, "y")
        if class_weight is not None:
            sample_weight = da.class_weight_to_sample_weight(jax.tree_util.tree_leaves(y)[0], class_weight,
                                                             sample_weight)
        sample_weight = da.standardize_arrays(sample_weight, "sample_weight")
        self._build_for_data(x, y)
        keras_form = self._keras_form("train")  # an overridden train_step: its own state and logs
        state = self._keras_state("train") if keras_form else self._make_state()
        state = self._program(ProgramKey("train"))(state, self._single_batch(x, y, sample_weight))
        if keras_form:
            state, logs = state
        else:
            logs = self._results(state)
        self._save_state(state)
        return self._format_batch_logs(logs, return_dict)

    @traceback_utils.filter_traceback
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of a single batch, in inference mode (no weight update).

        Runs the same compiled program as one step of ``evaluate``; the metrics start from zero,
        so they describe this batch alone.

        Args:
            x: The batch's inputs: an array, a list of arrays for several inputs, or a dict keyed
                by input name.
            y: The batch's targets (a list or dict for several outputs).
            sample_weight: Optional weights of the batch's samples for the loss and
                ``weighted_metrics``, shape ``(batch,)`` or ``(batch, timesteps)``.
            return_dict: If ``True``, return a dict of the log values (sorted by name).

        Returns:
            The loss as a float when the model reports no other metric, else a list of floats
            in the order of ``model.metrics_names``; a dict with ``return_dict=True``.

        Raises:
            RuntimeError: If the model has not been compiled.
        """
        self._assert_compiled("test_on_batch")
        x = self._host_encoded(da.standardize_arrays(x, "x"))
        y = da.standardize_arrays(y, "y")
        sample_weight = da.standardize_arrays(sample_weight, "sample_weight")
        self._build_for_data(x, y)
        fn = self._program(ProgramKey("test"))
        state = self._keras_state("test") if self._keras_form("test") else self._eval_state()
        state, logs = fn(state, self._single_batch(x, y, sample_weight))
        return self._format_batch_logs(logs, return_dict)

    @traceback_utils.filter_traceback
    def predict_on_batch(self, x):
        """The model's outputs for a single batch, in inference mode, as NumPy arrays.

        Runs the same compiled program as one step of ``predict`` (no progress bar, no
        callbacks); the model need not be compiled, and is built from ``x`` if needed.

        Args:
            x: The batch's inputs: an array, a list of arrays for several inputs, or a dict keyed
                by input name.

        Returns:
            A NumPy array for a single-output model, else the outputs' structure (list or dict)
            of arrays, each with ``x``'s number of rows.
        """
        x = self._host_encoded(da.standardize_arrays(x, "x"))
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        if self._keras_form("predict"):  # an overridden predict_step takes Keras's flat lists
            t = [v.value for v in self.trainable_variables]
            nt = [v.value for v in self.non_trainable_variables]
        else:
            t, nt = self._ensure_binding().trees(copy=False)
        fn = self._program(ProgramKey("predict"))
        out, _ = fn(t, nt, self._single_batch(x), jnp.zeros((), jnp.int32))
        return jax.tree_util.tree_map(np.asarray, out)

    def _format_batch_logs(self, logs, return_dict):
        host = {k: float(np.asarray(v)) if np.ndim(v) == 0 else np.asarray(v) for k, v in jax.device_get(logs).items()}
        if return_dict:
            return dict(sorted(host.items()))
        names = [n for n in self._compile_metrics.names if n in host] or list(host)  # a Keras-form step's own logs
        values = [host[n] for n in names]
        return values[0] if len(values) == 1 else values
