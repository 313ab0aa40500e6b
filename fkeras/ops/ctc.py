"""Connectionist temporal classification: ``keras.ops.ctc_loss`` and ``keras.ops.ctc_decode``.

Both take ``(batch, time, classes)`` scores with a reserved blank class ``mask_index`` and
run as one ``lax.scan`` over time, so they work under ``jax.jit``, ``grad`` and ``vmap``.

- ``ctc_loss`` is the negative log-likelihood of the target label sequence, summed over all
  alignments (the forward algorithm over the blank-interleaved target in log space).
- ``ctc_decode`` has Keras's two strategies: ``"greedy"`` (best class per step, merge
  repeats, drop blanks) and ``"beam_search"`` (CTC prefix beam search, keeping for every
  prefix the probability of ending in a blank and in a label).
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr

# A finite "log 0": keeps logaddexp and its gradient NaN-free for impossible alignments.
_LOG_ZERO = -1e5


def _float_logits(x):
    x = arr(x)
    return x if x.dtype in (jnp.float32, jnp.float64) else x.astype(jnp.promote_types(x.dtype, "float32"))


def _check_blank(mask_index, num_classes, name):
    if not isinstance(mask_index, int) or not 0 <= mask_index < num_classes:
        raise ValueError(f"`{name}`: `mask_index` must be an int in [0, {num_classes}). "
                         f"Received: mask_index={mask_index!r}")


@keras_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per batch element.

    Args:
        target: Integer labels of shape ``(batch, max_label_length)``; entries past
            ``target_length`` are ignored.
        output: Unnormalized scores (logits) of shape ``(batch, max_time, num_classes)``; a
            log-softmax is applied over the classes.
        target_length: Integer tensor ``(batch,)``, the number of valid labels per sequence.
        output_length: Integer tensor ``(batch,)``, the number of valid time steps.
        mask_index: Index of the blank class.

    Returns:
        A ``(batch,)`` tensor of negative log-likelihoods.

    Example:
        >>> logits = jnp.zeros((1, 3, 3))
        >>> ctc_loss(jnp.array([[1, 2]]), logits, jnp.array([2]), jnp.array([3])).shape
        (1,)
    """
    target = arr(target).astype("int32")
    output = _float_logits(output)
    target_length = arr(target_length).astype("int32")
    output_length = arr(output_length).astype("int32")
    if output.ndim != 3 or target.ndim != 2 or target.shape[0] != output.shape[0]:
        raise ValueError("`ctc_loss` expects `target` of shape (batch, max_label_length) and `output` of "
                         f"shape (batch, max_time, num_classes). Received: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    _check_blank(mask_index, output.shape[-1], "ctc_loss")
    return _ctc_loss(target, output, target_length, output_length, mask_index)


# Jitted cores (static shapes/flags): an eager call compiles once instead of dispatching op by op.
@functools.partial(jax.jit, static_argnums=4)
def _ctc_loss(target, output, target_length, output_length, mask_index):
    batch, max_time, _ = output.shape
    max_labels = target.shape[1]
    logprobs = jax.nn.log_softmax(output, axis=-1)

    # Extended target: blank, l1, blank, l2, ..., l_L, blank  (2L + 1 states).
    num_states = 2 * max_labels + 1
    ext = jnp.full((batch, num_states), mask_index, "int32").at[:, 1::2].set(target)
    # A skip s-2 -> s is allowed into a label state whose label differs from the one before.
    prev_label = jnp.pad(ext, ((0, 0), (2, 0)), constant_values=-1)[:, :num_states]
    can_skip = (ext != mask_index) & (ext != prev_label)

    # Per-step log-probabilities of each state's symbol: (time, batch, states).
    emit = jnp.take_along_axis(logprobs, jnp.broadcast_to(ext[:, None, :], (batch, max_time, num_states)),
                               axis=-1)
    emit = jnp.moveaxis(emit, 1, 0)

    neg = jnp.asarray(_LOG_ZERO, output.dtype)

    def step(alpha, inputs):
        t, e = inputs
        one = jnp.pad(alpha, ((0, 0), (1, 0)), constant_values=_LOG_ZERO)[:, :num_states]
        two = jnp.pad(alpha, ((0, 0), (2, 0)), constant_values=_LOG_ZERO)[:, :num_states]
        new = jnp.logaddexp(jnp.logaddexp(alpha, one), jnp.where(can_skip, two, neg)) + e
        return jnp.where((t < output_length)[:, None], new, alpha), None

    # A path starts in state 0 (blank) or state 1 (first label) at t = 0; with no time steps
    # at all only the empty target is reachable (log-probability 0 in state 0).
    alpha = jnp.full((batch, num_states), neg)
    first = alpha.at[:, 0].set(emit[0][:, 0])
    if num_states > 1:
        first = first.at[:, 1].set(emit[0][:, 1])
    alpha = jnp.where((output_length > 0)[:, None], first, alpha.at[:, 0].set(0.0))
    alpha, _ = lax.scan(step, alpha, (jnp.arange(1, max_time), emit[1:]))

    last = 2 * target_length  # final blank state; the last label sits just before it
    end_blank = jnp.take_along_axis(alpha, last[:, None], axis=1)[:, 0]
    end_label = jnp.take_along_axis(alpha, jnp.maximum(last - 1, 0)[:, None], axis=1)[:, 0]
    end_label = jnp.where(target_length > 0, end_label, neg)
    return -jnp.logaddexp(end_blank, end_label)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, max_time, _ = inputs.shape
    best = jnp.argmax(inputs, axis=-1).astype("int32")
    best_score = jnp.max(inputs, axis=-1)
    valid = jnp.arange(max_time)[None, :] < sequence_lengths[:, None]
    best = jnp.where(valid, best, mask_index)
    best_score = jnp.where(valid, best_score, 0.0)
    if merge_repeated:
        repeated = jnp.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        best = jnp.where(repeated, mask_index, best)
    keep = best != mask_index
    # Move the kept labels to the front, in order; the rest becomes -1 padding.
    order = jnp.argsort(jnp.where(keep, jnp.arange(max_time)[None, :], max_time), axis=-1, stable=True)
    decoded = jnp.take_along_axis(jnp.where(keep, best, -1), order, axis=-1)
    scores = -jnp.sum(best_score, axis=1, keepdims=True)
    return decoded[None], scores


def _beam_search_one(logprobs, seq_len, beam_width, top_paths, blank):
    """Prefix beam search over one ``(time, classes)`` log-probability matrix."""
    max_time, num_classes = logprobs.shape
    width = beam_width
    neg = jnp.asarray(-jnp.inf, logprobs.dtype)
    # Beam state: prefixes (-1 padded), their lengths, and log P(prefix, ends in blank / label).
    prefixes = jnp.full((width, max_time), -1, "int32")
    lengths = jnp.zeros((width,), "int32")
    p_blank = jnp.full((width,), neg).at[0].set(0.0)
    p_label = jnp.full((width,), neg)
    classes = jnp.arange(num_classes)

    def step(state, inputs):
        prefixes, lengths, p_blank, p_label = state
        lp, active = inputs
        total = jnp.logaddexp(p_blank, p_label)
        alive = total > -jnp.inf
        last = jnp.where(lengths > 0, prefixes[jnp.arange(width), jnp.maximum(lengths - 1, 0)], -1)

        # Same prefix: a blank after anything, or a repeat of the last label after a label.
        same_blank = total + lp[blank]
        same_label = jnp.where(lengths > 0, p_label + lp[jnp.maximum(last, 0)], neg)
        # Extended prefix + c: a repeat of the last label needs a blank in between.
        ext = jnp.where(classes[None, :] == last[:, None], p_blank[:, None], total[:, None]) + lp[None, :]
        ext = ext.at[:, blank].set(neg)

        # Merge "p + c" into an existing beam q equal to it (q's parent is p and its last label c).
        parent = prefixes.at[jnp.arange(width), jnp.maximum(lengths - 1, 0)].set(-1)
        same_parent = jnp.all(parent[:, None, :] == prefixes[None, :, :], axis=-1)
        same_parent &= (lengths[:, None] == lengths[None, :] + 1) & alive[:, None] & alive[None, :]
        from_parent = jnp.where(same_parent, ext[:, jnp.maximum(last, 0)].T, neg)  # [q, p]
        same_label = jnp.logaddexp(same_label, jax.nn.logsumexp(from_parent, axis=1))
        last_one_hot = jax.nn.one_hot(jnp.maximum(last, 0), num_classes, dtype="int32")
        merged = (same_parent.astype("int32").T @ last_one_hot) > 0  # [p, c]
        ext = jnp.where(merged, neg, ext)

        # Candidates: the width "same" beams, then width * classes extensions.
        cand_blank = jnp.concatenate([same_blank, jnp.full((width * num_classes,), neg)])
        cand_label = jnp.concatenate([same_label, ext.reshape(-1)])
        _, pick = lax.top_k(jnp.logaddexp(cand_blank, cand_label), width)
        is_ext = pick >= width
        src = jnp.where(is_ext, (pick - width) // num_classes, pick)
        new_class = (pick - width) % num_classes
        new_prefixes = prefixes[src]
        new_lengths = lengths[src]
        new_prefixes = jnp.where(
            is_ext[:, None] & (jnp.arange(max_time)[None, :] == new_lengths[:, None]),
            new_class[:, None], new_prefixes)
        new_lengths = new_lengths + is_ext.astype("int32")
        new_state = (new_prefixes, new_lengths, cand_blank[pick], cand_label[pick])
        return jax.tree.map(lambda n, o: jnp.where(active, n, o), new_state, state), None

    active = jnp.arange(max_time) < seq_len
    state, _ = lax.scan(step, (prefixes, lengths, p_blank, p_label), (logprobs, active))
    prefixes, lengths, p_blank, p_label = state
    total = jnp.logaddexp(p_blank, p_label)
    scores, best = lax.top_k(total, top_paths)
    paths = jnp.where((scores > -jnp.inf)[:, None], prefixes[best], -1)
    return paths, scores


@keras_op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC outputs into label sequences.

    Args:
        inputs: Scores of shape ``(batch, max_time, num_classes)``. Greedy decoding uses them
            as given (probabilities or logits); beam search applies a log-softmax first.
        sequence_lengths: Integer tensor ``(batch,)`` of valid time steps per sequence.
        strategy: ``"greedy"`` or ``"beam_search"``.
        beam_width: Number of prefixes kept per step (beam search).
        top_paths: Number of best paths returned (beam search; greedy returns one).
        merge_repeated: Greedy only: collapse repeated labels before dropping blanks.
        mask_index: Index of the blank class (``None``: the last class).

    Returns:
        A tuple ``(paths, scores)``. ``paths`` has shape ``(top_paths, batch, max_time)``,
        labels left-aligned and padded with -1. For greedy decoding ``scores`` is
        ``(batch, 1)``, minus the sum of the chosen per-step scores; for beam search it is
        ``(batch, top_paths)``, the log-probability of each path, best first.

    Example:
        >>> probs = jnp.array([[[0.1, 0.9, 0.0], [0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]])
        >>> paths, _ = ctc_decode(probs, jnp.array([4]))
        >>> paths[0, 0].tolist()
        [1, 2, -1, -1]
    """
    inputs = _float_logits(inputs)
    if inputs.ndim != 3:
        raise ValueError(f"`ctc_decode` expects `inputs` of shape (batch, max_time, num_classes). "
                         f"Received: inputs.shape={inputs.shape}")
    num_classes = inputs.shape[-1]
    if mask_index is None:  # as Keras: the last class is the blank
        mask_index = num_classes - 1
    _check_blank(mask_index, num_classes, "ctc_decode")
    sequence_lengths = arr(sequence_lengths).astype("int32")
    if strategy == "greedy":
        return _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy != "beam_search":
        raise ValueError(f"`ctc_decode`: `strategy` must be 'greedy' or 'beam_search'. Received: strategy={strategy!r}")
    for arg, value in (("beam_width", beam_width), ("top_paths", top_paths)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"`ctc_decode`: `{arg}` must be a positive int. Received: {arg}={value!r}")
    if top_paths > beam_width:
        raise ValueError(f"`ctc_decode`: `top_paths` ({top_paths}) must not exceed `beam_width` ({beam_width}).")
    return _beam_search(inputs, sequence_lengths, beam_width, top_paths, mask_index)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _beam_search(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    logprobs = jax.nn.log_softmax(inputs, axis=-1)
    paths, scores = jax.vmap(_beam_search_one, in_axes=(0, 0, None, None, None))(
        logprobs, sequence_lengths, beam_width, top_paths, mask_index)
    return jnp.swapaxes(paths, 0, 1), scores
