"""``OptaxOptimizer``: a raw ``optax.GradientTransformation`` behind the Keras optimizer API."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax

from fkeras.optimizers.base import Optimizer
from fkeras.optimizers.hyperparams import _UNSET, _find_lr_state, _replace_lr
from fkeras.utils import naming


class OptaxOptimizer(Optimizer):
    """Wrap any ``optax.GradientTransformation`` so that ``compile()`` and the Keras optimizer API accept it.

    The transformation is used as it is (no clipping, weight decay or EMA is added). The learning
    rate can be read and set only when the transformation exposes it through
    ``optax.inject_hyperparams(...)(learning_rate=...)``; ``compile`` also accepts a raw
    transformation directly and wraps it this way.

    Args:
        tx: The ``optax.GradientTransformation`` to run.
        name: Name of the optimizer; ``None`` (default) derives a unique one (``"optax_optimizer"``,
            ...).

    Raises:
        TypeError: If ``tx`` is not an ``optax.GradientTransformation``.

    Example:

    ```python
    tx = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
    opt = keras.optimizers.OptaxOptimizer(tx)
    opt.learning_rate = 1e-4
    ```
    """

    def __init__(self, tx, name=None):
        if not isinstance(tx, optax.GradientTransformation):
            raise TypeError(
                "OptaxOptimizer expects an `optax.GradientTransformation`; received "
                f"{type(tx).__name__}: {tx!r}"
            )
        super().__init__(learning_rate=_UNSET, name=name or naming.auto_name("optax_optimizer"))
        self._given_tx = tx
        self._learning_rate = None
        self._lr_schedule_inside = False
        try:
            probe = tx.init(jnp.zeros((1,), jnp.float32))
        except Exception:  # noqa: BLE001 - some transformations need a specific params tree
            probe = None
        found = _find_lr_state(probe) if probe is not None else None
        if found is not None:
            schedules = getattr(found, "hyperparams_states", None) or {}
            if "learning_rate" in schedules:
                self._lr_schedule_inside = True
            else:
                self._learning_rate = float(np.asarray(found.hyperparams["learning_rate"]))

    def _build_tx(self):
        return self._given_tx

    def _lr_is_schedule(self):
        return self._lr_schedule_inside

    def _no_lr_error(self):
        return ValueError(
            f"The learning rate of OptaxOptimizer {self.name!r} is unknown: the wrapped optax "
            "transformation does not expose a `learning_rate` hyperparameter. Build it with "
            "`optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)` to read or set it."
        )

    @property
    def learning_rate(self):
        if self._lr_schedule_inside:
            raise ValueError(
                f"The learning rate of OptaxOptimizer {self.name!r} is an optax schedule inside the "
                "transformation; read the value used by the last step with "
                "`optimizer._read_learning_rate(opt_state)`."
            )
        if self._learning_rate is None:
            raise self._no_lr_error()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if self._lr_schedule_inside:
            raise TypeError(
                "The wrapped optax transformation injects a schedule as its learning rate, hence "
                f"it is not settable. Received: learning_rate={learning_rate!r}"
            )
        if self._learning_rate is None:
            raise self._no_lr_error()
        if callable(learning_rate):
            raise TypeError(
                "OptaxOptimizer cannot swap in a schedule; wrap a new optax transformation instead."
            )
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._lr_version += 1
        if self.built:
            self._sync_lr_handle()

    lr = learning_rate

    def _write_hyperparams(self, opt_state):
        if self._learning_rate is None or self._lr_schedule_inside:
            return opt_state
        return _replace_lr(opt_state, self._learning_rate)

    def get_config(self):
        raise NotImplementedError(
            f"OptaxOptimizer {self.name!r} wraps a raw optax transformation, which cannot be "
            "serialized to a config. Use a Keras optimizer (e.g. `Adam`) to save it."
        )

    @classmethod
    def from_config(cls, config, custom_objects=None):
        raise NotImplementedError("OptaxOptimizer cannot be rebuilt from a config.")
