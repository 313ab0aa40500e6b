"""``LearningRateScheduler``: set the learning rate from a function of the epoch."""
from __future__ import annotations

import inspect

import numpy as np

from fkeras.callbacks.callback import Callback
from fkeras.callbacks.reduce_lr_on_plateau import current_learning_rate
from fkeras.utils import io_utils


def _takes_two_args(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


class LearningRateScheduler(Callback):
    """At the start of each epoch, set the learning rate to ``schedule(epoch, lr)``.

    The rate is changed on ``model.optimizer.learning_rate`` without re-tracing the train step, and
    logged as ``"learning_rate"`` at each epoch end.

    Args:
        schedule: Function taking the epoch index (from 0) and the current learning rate (a float)
            and returning the new rate; a one-argument ``schedule(epoch)`` also works.
        verbose: ``0`` (default) is silent, ``1`` prints the new rate at each epoch.

    Raises:
        ValueError: If ``schedule`` is not callable, or (during training) returns something other
            than a number.

    Example:
        def scheduler(epoch, lr):
            return lr if epoch < 10 else lr * math.exp(-0.1)

        model.fit(x, y, epochs=15, callbacks=[keras.callbacks.LearningRateScheduler(scheduler)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(f"LearningRateScheduler: `schedule` must be a callable; received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        lr = current_learning_rate(optimizer, "LearningRateScheduler")
        two = _takes_two_args(self.schedule)
        if two is None:  # signature unknown: Keras's try-new-then-old-API rule
            try:
                new_lr = self.schedule(epoch, lr)
            except TypeError:
                new_lr = self.schedule(epoch)
        else:
            new_lr = self.schedule(epoch, lr) if two else self.schedule(epoch)
        if isinstance(new_lr, (bool, np.bool_)) or not (
                isinstance(new_lr, (float, int, np.floating, np.integer))
                or (hasattr(new_lr, "shape") and np.ndim(new_lr) == 0
                    and np.issubdtype(np.asarray(new_lr).dtype, np.number))):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {new_lr!r}")
        new_lr = float(np.asarray(new_lr))
        optimizer.learning_rate = new_lr
        return new_lr

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if hasattr(optimizer, "optimizers"):
            for idx, opt in enumerate(optimizer.optimizers):
                lr = self._update_optimizer_lr(opt, epoch)
                if self.verbose > 0:
                    io_utils.print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {opt.name}_{idx} "
                                       f"learning rate to {lr}.")
        else:
            lr = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        optimizer = self.model.optimizer
        if hasattr(optimizer, "optimizers"):
            for idx, opt in enumerate(optimizer.optimizers):
                logs[f"learning_rate_{opt.name}_{idx}"] = current_learning_rate(opt, "LearningRateScheduler")
        else:
            logs["learning_rate"] = current_learning_rate(optimizer, "LearningRateScheduler")
