"""``keras.utils.profile``: capture a JAX profiler trace that TensorBoard's Profile tab opens.

Every fkeras layer runs under ``jax.named_scope(layer.name)``, so the XLA ops in a trace carry
names such as ``jit(train_step)/.../dense_1/dot_general``: a slow layer reads by its name.
See ``docs/profiling.md``.
"""
from __future__ import annotations

import contextlib
import os

import jax


class profile(contextlib.ContextDecorator):
    """Trace everything run inside the block (or the decorated function) into ``logdir``.

    The trace lands in ``logdir/plugins/profile/<timestamp>/`` (an ``.xplane.pb`` file, plus a
    ``.trace.json.gz`` for Perfetto); open it with ``tensorboard --logdir logdir`` (Profile tab,
    needs ``pip install tensorboard-plugin-profile``). On exit the block waits for the device
    work it dispatched, so the trace holds all of it.

    Args:
        logdir: directory to write the trace into (created if needed).
        create_perfetto_link: print a link that opens the trace in the Perfetto UI (blocks
            until the link is opened; see ``jax.profiler.trace``).
        create_perfetto_trace: also write a ``perfetto_trace.json.gz`` into the run folder.

    Attributes:
        trace_dir: after the block, the run folder the trace was written to (``None`` before).

    Example:
        with keras.utils.profile("logs/profile"):
            model.fit(x, y, epochs=1)
        # tensorboard --logdir logs/profile

        @keras.utils.profile("logs/predict")
        def run():
            return model.predict(x)
    """

    def __init__(self, logdir, create_perfetto_link=False, create_perfetto_trace=False):
        if logdir is None or str(logdir) == "":
            raise ValueError("keras.utils.profile needs a `logdir` to write the trace into; received "
                             f"logdir={logdir!r}.")
        self.logdir = os.fspath(logdir)
        self.create_perfetto_link = create_perfetto_link
        self.create_perfetto_trace = create_perfetto_trace
        self.trace_dir = None
        self._before = None

    def _runs(self):
        root = os.path.join(self.logdir, "plugins", "profile")
        if not os.path.isdir(root):
            return set()
        return {os.path.join(root, d) for d in os.listdir(root)}

    def __enter__(self):
        os.makedirs(self.logdir, exist_ok=True)
        self._before = self._runs()
        try:
            jax.profiler.start_trace(self.logdir, create_perfetto_link=self.create_perfetto_link,
                                     create_perfetto_trace=self.create_perfetto_trace)
        except RuntimeError as e:
            raise RuntimeError(
                f"keras.utils.profile({self.logdir!r}) could not start the JAX profiler: {e} Only one trace "
                "can run at a time: is another `profile` block (or a TensorBoard callback with "
                "`profile_batch`) tracing already?"
            ) from e
        return self

    def __exit__(self, *exc):
        try:
            _wait_for_device_work()
        finally:
            jax.profiler.stop_trace()
        new = sorted(self._runs() - self._before)
        self.trace_dir = new[-1] if new else None
        return False


def _wait_for_device_work():
    """Block until the arrays alive now are computed, so their work is inside the trace."""
    for array in jax.live_arrays():
        try:
            array.block_until_ready()
        except Exception:  # noqa: BLE001 - a deleted or donated buffer has nothing to wait for
            pass


def trace_annotation(name, **kwargs):
    """A named span on the host timeline of a trace (``jax.profiler.TraceAnnotation``).

    Args:
        name: The span's name, as the trace viewer shows it.
        **kwargs: Extra key-value metadata recorded with the span (``jax.profiler.TraceAnnotation``'s).

    Example:
        with keras.utils.profile("logs"), keras.utils.trace_annotation("eval"):
            model.evaluate(x, y)
    """
    return jax.profiler.TraceAnnotation(name, **kwargs)
