"""Training checkpoints on ``orbax.checkpoint``: the whole training state, resumable exactly.

A checkpoint holds the trainer's state pytree (trainable and non-trainable variables, optimizer
state, metric variables, PRNG key, step counters) plus where training was (epoch, batch in the
epoch, the shuffling seed), so a run restored from it continues bit-identically on CPU.
Writes are atomic (orbax writes a temporary directory and renames it) and asynchronous.
"""
from __future__ import annotations

import os


def _ocp():
    import orbax.checkpoint as ocp

    return ocp


class Checkpointer:
    """Save and restore a model's whole training state with orbax's ``CheckpointManager``.

    Args:
        directory: where the checkpoints live (one sub-directory per step).
        max_to_keep: keep the last N checkpoints (None: all).
        keep_best: keep the N checkpoints with the best value of ``monitor`` instead of the
            latest ones (None: off). Not with ``max_to_keep``.
        monitor: with ``keep_best``, the key of the ``logs`` passed to ``save`` that ranks the
            checkpoints (default ``"val_loss"``).
        mode: ``"min"`` (the default: lower is better) or ``"max"``.
        async_save: write in a background thread (``wait()`` blocks until written).

    Example:
        ckpt = keras.saving.Checkpointer("/tmp/run1", max_to_keep=3)
        ckpt.save(model, logs={"val_loss": 0.3})
        ...
        ckpt.restore(model)      # the next model.fit(...) continues where the checkpoint was taken
    """

    def __init__(self, directory, max_to_keep=None, keep_best=None, monitor="val_loss", mode="min",
                 async_save=True):
        ocp = _ocp()
        self.directory = os.path.abspath(os.fspath(directory))
        os.makedirs(self.directory, exist_ok=True)
        if keep_best is not None and max_to_keep is not None:
            raise ValueError("Pass either `max_to_keep` (keep the latest) or `keep_best` (keep the best), not both.")
        if mode not in ("min", "max"):
            raise ValueError(f"`mode` must be 'min' or 'max'; received {mode!r}.")
        self.monitor = monitor
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep_best if keep_best is not None else max_to_keep,
            best_fn=(lambda m: m[monitor]) if keep_best is not None else None,
            best_mode=mode,
            enable_async_checkpointing=async_save,
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)
        self._keep_best = keep_best

    def save(self, model, step=None, logs=None, force=False):
        """Checkpoint ``model``'s training state (during ``fit``: the live state)."""
        ocp = _ocp()
        state, meta = model._training_checkpoint()
        step = meta["step"] if step is None else int(step)
        metrics = None
        if self._keep_best is not None:
            if not logs or self.monitor not in logs:
                raise ValueError(f"Checkpointer keeps the best checkpoints by {self.monitor!r}, but the logs "
                                 f"passed to save() have keys {sorted(logs or {})}.")
            metrics = {self.monitor: float(logs[self.monitor])}
        self._manager.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(state),
                                                          meta=ocp.args.JsonSave(meta)),
                           metrics=metrics, force=force)
        return step

    def latest_step(self):
        return self._manager.latest_step()

    def best_step(self):
        return self._manager.best_step()

    def all_steps(self):
        return list(self._manager.all_steps())

    def restore(self, model, step=None, resume=True):
        """Load a checkpoint into ``model`` (variables, optimizer state, RNG, metrics). With
        ``resume=True`` the next ``fit`` starts at the saved epoch and batch. Returns the saved
        position (``{"epoch", "batch", "step", "fit_seed"}``)."""
        ocp = _ocp()
        self._manager.wait_until_finished()
        step = self._manager.latest_step() if step is None else step
        if step is None:
            raise FileNotFoundError(f"No checkpoint found in {self.directory!r}.")
        target = model._abstract_training_state()
        try:
            restored = self._manager.restore(step, args=ocp.args.Composite(
                state=ocp.args.StandardRestore(target), meta=ocp.args.JsonRestore()))
        except (ValueError, KeyError) as e:
            raise ValueError(
                f"The checkpoint at {self.directory!r} (step {step}) does not match model {model.name!r}'s "
                f"training state (different architecture, optimizer or metrics?): {e}") from e
        model._restore_training_checkpoint(restored.state, restored.meta, resume=resume)
        return dict(restored.meta)

    def wait(self):
        self._manager.wait_until_finished()

    def close(self):
        self._manager.wait_until_finished()
        self._manager.close()
