"""The optax transformations every Keras optimizer chains, in Keras 3's order.

``Optimizer.tx`` is ``inject_hyperparams(chain(unscale -> accumulate(clip -> update) -> ema))``;
this module holds those pieces and the NamedTuple states they keep:

- ``_unscale``: divide the gradients by a static loss-scale factor;
- ``_keras_clip``: Keras's per-tensor norm, global norm or value clipping;
- ``_keras_update``: decoupled weight decay plus an optimizer's own per-leaf update rule
  (``KerasOptimizerState``: step count, slots in Keras's variable order, extra scalars);
- ``_accumulate_gradients``: Keras's gradient accumulation (``GradientAccumulationState``);
- ``_keras_ema``: the moving average of the weights (``EMAState``).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax


class KerasOptimizerState(NamedTuple):
    """State of a Keras update rule: step ``count`` (updates applied), per-variable ``slots``
    (one pytree like the params per slot, in Keras's variable order) and global ``extra`` scalars."""

    count: Any
    slots: tuple
    extra: dict


class GradientAccumulationState(NamedTuple):
    """State of gradient accumulation: calls so far (``mini_step``), the running sum of the
    gradients since the last update, and the state of the accumulated transformation."""

    mini_step: Any
    accumulated_gradients: Any
    inner_state: Any


class EMAState(NamedTuple):
    """State of the weights' moving average: updates seen (``count``) and the ``average`` (like the params)."""

    count: Any
    average: Any


def _unscale(factor):
    def update(updates, state, params=None):
        del params
        return jax.tree_util.tree_map(lambda g: g / jnp.asarray(factor, g.dtype), updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _clip_by_norm_leaf(g, clipnorm):
    # Keras's per-tensor clip: g * clipnorm / max(||g||, clipnorm), NaN-safe at ||g|| == 0.
    l2sum = jnp.sum(jnp.square(g), keepdims=True)
    pred = l2sum > 0
    l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, jnp.ones_like(l2sum))), l2sum)
    clipnorm = jnp.asarray(clipnorm, g.dtype)
    return g * clipnorm / jnp.maximum(l2norm, clipnorm)


def _keras_clip(clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Keras 3's ``_clip_gradients``: per-tensor norm, global norm, or value clipping."""

    def update(updates, state, params=None):
        del params
        if clipnorm and clipnorm > 0:
            updates = jax.tree_util.tree_map(lambda g: _clip_by_norm_leaf(g, clipnorm), updates)
        elif global_clipnorm and global_clipnorm > 0:
            leaves = jax.tree_util.tree_leaves(updates)
            norm = jnp.sqrt(sum(jnp.sum(jnp.square(g.astype(jnp.float32))) for g in leaves))
            scale = global_clipnorm * jnp.minimum(1.0 / norm, 1.0 / global_clipnorm)
            scale = scale + (norm - norm)  # NaN for a non-finite norm, as Keras
            updates = jax.tree_util.tree_map(lambda g: g * scale.astype(g.dtype), updates)
        elif clipvalue and clipvalue > 0:
            updates = jax.tree_util.tree_map(lambda g: jnp.clip(g, -clipvalue, clipvalue), updates)
        return updates, state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _keras_update(optimizer, learning_rate):
    """Decoupled weight decay (``w -= w * wd * lr``, before the update) plus ``optimizer``'s
    Keras update rule, as one transformation returning the final update for each weight."""

    def init(params):
        leaves, treedef = jax.tree_util.tree_flatten(params)
        slots = tuple(
            treedef.unflatten([optimizer._init_slot(name, p) for p in leaves])
            for name in optimizer._slot_names()
        )
        return KerasOptimizerState(
            count=jnp.zeros([], jnp.int32), slots=slots, extra=optimizer._init_extra(leaves)
        )

    def update(grads, state, params=None):
        wd = optimizer.weight_decay
        if params is None:
            if wd or optimizer._needs_params:
                raise ValueError(
                    f"{optimizer.__class__.__name__}.tx.update(grads, state, params) needs `params` "
                    "(weight decay or the update rule reads the weights). Received params=None."
                )
            structure = grads
        else:
            structure = params
        leaves_s, treedef = jax.tree_util.tree_flatten(structure)
        leaves_g = treedef.flatten_up_to(grads)
        leaves_p = leaves_s if params is not None else [None] * len(leaves_s)
        slot_leaves = [treedef.flatten_up_to(s) for s in state.slots]
        step = state.count + 1
        extra = optimizer._update_extra(state.extra, step)
        if wd:
            mask = treedef.flatten_up_to(optimizer._weight_decay_mask(structure))
        out_updates = []
        new_slot_leaves = [[] for _ in state.slots]
        for i, (g, p) in enumerate(zip(leaves_g, leaves_p)):
            dtype = p.dtype if p is not None else g.dtype
            g = jnp.asarray(g).astype(dtype)
            lr = jnp.asarray(learning_rate).astype(dtype)
            decay = None
            if wd and mask[i]:
                decay = p * jnp.asarray(wd, dtype) * lr
                p = p - decay
            delta, new_slots = optimizer._update_leaf(
                g, p, tuple(s[i] for s in slot_leaves), lr, step, extra
            )
            if decay is not None:
                delta = delta - decay
            out_updates.append(delta.astype(dtype))
            for k, s in enumerate(new_slots):
                new_slot_leaves[k].append(s.astype(slot_leaves[k][i].dtype))
        new_state = KerasOptimizerState(
            count=state.count + 1,
            slots=tuple(treedef.unflatten(s) for s in new_slot_leaves),
            extra=extra,
        )
        return treedef.unflatten(out_updates), new_state

    return optax.GradientTransformation(init, update)


def _accumulate_gradients(inner, steps):
    """Keras's gradient accumulation: sum gradients for ``steps`` calls, then run ``inner`` once
    on their mean; other calls return zero updates and leave ``inner``'s state unchanged."""

    def init(params):
        return GradientAccumulationState(
            mini_step=jnp.zeros([], jnp.int32),
            accumulated_gradients=jax.tree_util.tree_map(jnp.zeros_like, params),
            inner_state=inner.init(params),
        )

    def update(grads, state, params=None):
        is_update = (state.mini_step + 1) % steps == 0
        summed = jax.tree_util.tree_map(lambda g, a: g + a.astype(g.dtype), grads,
                                        state.accumulated_gradients)
        mean = jax.tree_util.tree_map(lambda s: s / jnp.asarray(steps, s.dtype), summed)
        updates, inner_state = inner.update(mean, state.inner_state, params)
        inner_state = jax.tree_util.tree_map(lambda new, old: jnp.where(is_update, new, old),
                                             inner_state, state.inner_state)
        updates = jax.tree_util.tree_map(lambda u: jnp.where(is_update, u, jnp.zeros_like(u)),
                                         updates)
        accumulated = jax.tree_util.tree_map(
            lambda s, a: jnp.where(is_update, jnp.zeros_like(a), s.astype(a.dtype)),
            summed, state.accumulated_gradients)
        return updates, GradientAccumulationState(state.mini_step + 1, accumulated, inner_state)

    return optax.GradientTransformation(init, update)


def _keras_ema(momentum, overwrite_frequency=None, accumulation_steps=None):
    """Keras's EMA of the weights: ``average = m * average + (1 - m) * new_weights`` (``m = 0``
    on the first step); every ``overwrite_frequency`` steps the weights are replaced by it."""

    def init(params):
        return EMAState(count=jnp.zeros([], jnp.int32),
                        average=jax.tree_util.tree_map(jnp.zeros_like, params))

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("use_ema=True needs `params` in tx.update(grads, state, params).")
        iterations = state.count
        if accumulation_steps:
            iterations = iterations // accumulation_steps
        new_params = optax.apply_updates(params, updates)

        def avg(a, w):
            m = (iterations != 0).astype(w.dtype) * jnp.asarray(momentum, w.dtype)
            return m * a + (1 - m) * w

        average = jax.tree_util.tree_map(avg, state.average, new_params)
        if overwrite_frequency:
            overwrite = (iterations + 1) % overwrite_frequency == 0
            updates = jax.tree_util.tree_map(
                lambda u, a, p: jnp.where(overwrite, (a - p).astype(u.dtype), u),
                updates, average, params)
        return updates, EMAState(count=state.count + 1, average=average)

    return optax.GradientTransformation(init, update)
