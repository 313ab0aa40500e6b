"""Muon, as Keras 3: orthogonalised momentum for matrices, AdamW for everything else."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.optimizers.base import KerasOptimizerState, Optimizer, _path_to_str


def newton_schulz5(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """Approximately orthogonalise the matrix ``x`` (map it near ``U V^T`` of its SVD) with
    ``steps`` iterations of the quintic Newton–Schulz map ``X <- a X + (b A + c A^2) X``,
    ``A = X X^T``, after scaling ``x`` to unit Frobenius norm (Keras's Muon, wide orientation).

    Args:
        x: an array with at least 2 dimensions (the last two are the matrix).
        steps: number of iterations.
        a, b, c: the polynomial's coefficients.

    Returns:
        An array of ``x``'s shape and dtype.
    """
    if x.ndim < 2:
        raise ValueError(f"Expected gradient or momentum to have at least 2 dimensions. Received: shape={x.shape}")
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = jnp.swapaxes(x, -1, -2)
    x = x / (jnp.sqrt(jnp.sum(jnp.square(x), axis=(-2, -1), keepdims=True)) + 1e-7)
    for _ in range(steps):
        gram = x @ jnp.swapaxes(x, -1, -2)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return jnp.swapaxes(x, -1, -2) if tall else x


class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025): SGD momentum whose update for each weight
    matrix is orthogonalised by a few Newton–Schulz iterations; other variables use AdamW.

    Which rule a variable gets (decided from its shape and its path, e.g. ``"dense/kernel"``):

    - AdamW if it is not 2-D (biases, scales, convolution kernels, ...);
    - AdamW if ``exclude_embeddings`` and ``"embedding"`` occurs in its path (case-insensitive);
    - AdamW if any regular expression in ``exclude_layers`` is found in its path
      (e.g. ``exclude_layers=["output_dense"]`` for the final classifier);
    - Muon otherwise: ``m = momentum * m + g``; ``u = g + momentum * m`` (Nesterov) or ``m``;
      ``w -= lr * NS5(u) * sqrt(max(rows, cols)) * rms_rate`` (without the last two factors when
      ``rms_rate`` is None).

    AdamW variables take Keras's Adam step (``epsilon`` added to ``sqrt(v)``, bias correction in
    the step size) with learning rate ``lr * adam_lr_ratio``. Decoupled weight decay
    (``w -= w * wd * lr``, before the step) uses ``weight_decay`` for Muon variables and
    ``adam_weight_decay`` for AdamW ones.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a callable
            of the step. Defaults to ``0.001``.
        adam_beta_1: AdamW's first-moment decay rate. Defaults to ``0.9``.
        adam_beta_2: AdamW's second-moment decay rate. Defaults to ``0.999``.
        adam_weight_decay: weight decay of AdamW variables (None: none). Defaults to ``0.004``.
        epsilon: AdamW's denominator constant. Defaults to ``1e-7``.
        weight_decay: weight decay of Muon variables (None: none). Defaults to ``0.004``.
        clipnorm: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        clipvalue: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        global_clipnorm: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        use_ema: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        ema_momentum: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        ema_overwrite_frequency: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        loss_scale_factor: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        gradient_accumulation_steps: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        name: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        exclude_layers: list of regular expressions; a variable whose path matches one uses AdamW.
        exclude_embeddings: whether variables with ``"embedding"`` in their path use AdamW.
            Defaults to ``True``.
        muon_a: first coefficient of the Newton–Schulz polynomial.
        muon_b: second coefficient of the Newton–Schulz polynomial.
        muon_c: third coefficient of the Newton–Schulz polynomial.
        adam_lr_ratio: AdamW's learning rate as a multiple of ``learning_rate``. Defaults to ``1``.
        momentum: Muon's momentum. Defaults to ``0.95``.
        ns_steps: number of Newton–Schulz iterations. Defaults to ``5``.
        nesterov: whether Muon uses Nesterov momentum. Defaults to ``True``.
        rms_rate: scale that matches the update's RMS to AdamW's (Liu et al., 2025), or None.
            Defaults to ``0.2``.

    Its variables (Keras's names) are ``iteration``, ``learning_rate``, ``<path>_momentum`` for
    every variable and ``<path>_velocity`` for the AdamW ones. (In ``optimizer.variables`` of a
    built fkeras optimizer, a Muon variable's unused velocity is a scalar placeholder.)

    Example:

    ```python
    opt = keras.optimizers.Muon(learning_rate=0.02, exclude_layers=["logits"])
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    ```
    """

    _needs_params = True

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if adam_weight_decay is not None and not isinstance(adam_weight_decay, (int, float, np.floating)):
            raise ValueError("Argument `adam_weight_decay` must be a float or None. "
                             f"Received: adam_weight_decay={adam_weight_decay!r}")
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, (int, np.integer)) or ns_steps < 0:
            raise ValueError(f"Argument `ns_steps` must be a non-negative integer. Received: ns_steps={ns_steps!r}")
        if exclude_layers is not None and (isinstance(exclude_layers, str) or not all(
                isinstance(k, str) for k in exclude_layers)):
            raise ValueError("Argument `exclude_layers` must be a list of strings (regular expressions). "
                             f"Received: exclude_layers={exclude_layers!r}")
        if rms_rate is not None and not isinstance(rms_rate, (int, float, np.floating)):
            raise ValueError(f"Argument `rms_rate` must be a float or None. Received: rms_rate={rms_rate!r}")
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = int(ns_steps)
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    # ---- which rule each variable gets -----------------------------------------------------

    def _should_use_adamw(self, shape, path):
        """True when the variable of this shape and path takes the AdamW step."""
        if len(shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _leaf_paths(self, params):
        """The Keras path of each leaf of ``params``: the built variables' paths for a list, else the
        model's variable paths for a trainer's tree (its tree path when there is no model)."""
        with_paths = jax.tree_util.tree_flatten_with_path(params)[0]
        built = self.__dict__.get("_trainable_variables") or []
        if isinstance(params, (list, tuple)) and len(built) == len(with_paths):
            return [str(getattr(v, "path", None) or getattr(v, "name", None) or i) for i, v in enumerate(built)]
        known = {p: str(v.path) for p, v in self._tree_variables().items()}  # (none: the tree's own paths)
        out = []
        for path, _ in with_paths:
            key = tuple(_path_to_str((k,)) for k in path)
            out.append(known.get(key, "/".join(key)))
        return out

    def _adamw_flags(self, params):
        leaves = jax.tree_util.tree_leaves(params)
        return [self._should_use_adamw(tuple(np.shape(p)), path) for p, path in zip(leaves, self._leaf_paths(params))]

    # ---- the update -------------------------------------------------------------------------

    def _adamw_leaf(self, g, p, m, v, lr, step):
        dtype = p.dtype
        t = step.astype(dtype)
        beta_1 = jnp.asarray(self.adam_beta_1, dtype)
        beta_2 = jnp.asarray(self.adam_beta_2, dtype)
        alpha = lr * jnp.sqrt(1 - jnp.power(beta_2, t)) / (1 - jnp.power(beta_1, t))
        m = m + (g - m) * (1 - beta_1)
        v = v + (jnp.square(g) - v) * (1 - beta_2)
        return -(m * alpha) / (jnp.sqrt(v) + jnp.asarray(self.epsilon, dtype)), m, v

    def _muon_leaf(self, g, m, lr):
        mu = jnp.asarray(self.momentum, g.dtype)
        m = m + g + m * (mu - 1)
        direction = g + mu * m if self.nesterov else m
        update = lr * newton_schulz5(direction, self.ns_steps, self.muon_a, self.muon_b, self.muon_c)
        if self.rms_rate is not None:
            update = update * jnp.sqrt(jnp.asarray(max(g.shape[0], g.shape[1]), g.dtype)) * self.rms_rate
        return -update.astype(g.dtype), m

    def _update_transformation(self, learning_rate):
        def init(params):
            leaves, treedef = jax.tree_util.tree_flatten(params)
            flags = self._adamw_flags(params)
            momentum = treedef.unflatten([jnp.zeros_like(p) for p in leaves])
            velocity = treedef.unflatten([jnp.zeros_like(p) if adam else jnp.zeros((), p.dtype)
                                          for p, adam in zip(leaves, flags)])
            return KerasOptimizerState(count=jnp.zeros([], jnp.int32), slots=(momentum, velocity), extra={})

        def update(grads, state, params=None):
            if params is None:
                raise ValueError("Muon.tx.update(grads, state, params) needs `params` (the update rule reads the "
                                 "weights' shapes and weight decay reads their values). Received params=None.")
            leaves_p, treedef = jax.tree_util.tree_flatten(params)
            leaves_g = treedef.flatten_up_to(grads)
            leaves_m = treedef.flatten_up_to(state.slots[0])
            leaves_v = treedef.flatten_up_to(state.slots[1])
            flags = self._adamw_flags(params)
            decay_mask = treedef.flatten_up_to(self._weight_decay_mask(params))
            step = state.count + 1
            out, new_m, new_v = [], [], []
            for g, p, m, v, adam, decays in zip(leaves_g, leaves_p, leaves_m, leaves_v, flags, decay_mask):
                dtype = p.dtype
                g = jnp.asarray(g).astype(dtype)
                lr = jnp.asarray(learning_rate).astype(dtype)
                wd = self.adam_weight_decay if adam else self.weight_decay
                decay = p * jnp.asarray(wd, dtype) * lr if (wd and decays) else None
                if decay is not None:
                    p = p - decay
                if adam:
                    adam_lr = (jnp.asarray(learning_rate) * self.adam_lr_ratio).astype(dtype)
                    delta, m, v = self._adamw_leaf(g, p, m, v, adam_lr, step)
                else:
                    delta, m = self._muon_leaf(g, m, lr)
                if decay is not None:
                    delta = delta - decay
                out.append(delta.astype(dtype))
                new_m.append(m.astype(dtype))
                new_v.append(v)
            new_state = KerasOptimizerState(count=step, slots=(treedef.unflatten(new_m), treedef.unflatten(new_v)),
                                            extra=state.extra)
            return treedef.unflatten(out), new_state

        return optax.GradientTransformation(init, update)

    def _slot_names(self):
        return ("momentum", "velocity")

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers, "muon_a": self.muon_a, "muon_b": self.muon_b,
            "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov, "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config
