"""Attention layers: MultiHeadAttention, Attention (Luong) and AdditiveAttention (Bahdanau).

Keras 3's weight layout: MultiHeadAttention holds four ``EinsumDense`` sublayers named ``query``,
``key``, ``value`` and ``attention_output`` (plus ``gate`` with ``use_gate=True``), so its weights
are, in order, ``query/kernel (dim, heads, key_dim)``, ``query/bias (heads, key_dim)``, ``key/...``,
``value/...``, ``attention_output/kernel (heads, value_dim, out_dim)``, ``attention_output/bias``.
"""
from __future__ import annotations

import math
import string

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.constraints import constraints
from fkeras.engine.layer import Layer
from fkeras.initializers import serialization as initializers
from fkeras.layers.activation_layers import Softmax
from fkeras.layers.einsum_dense import EinsumDense
from fkeras.layers.regularization import Dropout
from fkeras.regularizers import regularizers


def _positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


def _check_rate(where, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value < 1:
        raise ValueError(
            f"{where}: `dropout` must be a float in [0, 1). Received: dropout={value!r}"
        )


def _clone_initializer(init):
    clone = getattr(init, "clone", None)
    return clone() if callable(clone) else init


# --- einsum equations for multi-head attention --------------------------------------------

def _letter(i):
    return string.ascii_lowercase[i]


def build_projection_equation(free_dims, bound_dims, output_dims):
    """``(equation, bias_axes, output_rank)`` of a projection: ``free`` dims kept, ``bound`` dims
    contracted, ``output`` dims created (e.g. ``"abc,cde->abde"`` for (B, T, dim) -> (B, T, N, H))."""
    free = "".join(_letter(i) for i in range(free_dims))
    bound = "".join(_letter(free_dims + i) for i in range(bound_dims))
    new = "".join(_letter(free_dims + bound_dims + i) for i in range(output_dims))
    return f"{free}{bound},{bound}{new}->{free}{new}", new, len(free) + len(new)


def build_attention_equation(rank, attn_axes):
    """Einsum equations ``(dot_product, combine, scores_rank)`` for projected tensors of ``rank``.

    Projected tensors are ``(batch, <non-attention dims>, <attention dims>, heads, channels)``;
    every axis that is neither an attention axis nor the channel axis (the heads axis included)
    is a batch axis of the scores, which are ``(<batch axes>, <query attn dims>, <key attn dims>)``.
    """
    target = "".join(_letter(i) for i in range(rank))
    batch_axes = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source = list(target)
    nxt = rank
    for i in attn_axes:
        source[i] = _letter(nxt)
        nxt += 1
    source = "".join(source)
    product = ("".join(target[i] for i in batch_axes) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras 3's weights, masks and options.

    ``query`` (B, T, dim), ``value`` (B, S, dim) and optional ``key`` (B, S, dim) are projected
    to ``num_heads`` heads of ``key_dim`` (``value_dim``) features, scores are
    ``softmax(q·k / sqrt(key_dim))`` over the attention axes, and the combined heads are projected
    back to the query's last dimension (or ``output_shape``).

    Masks: ``query_mask`` (B, T), ``value_mask``/``key_mask`` (B, S), ``attention_mask`` (B, T, S)
    (1 = attend) and ``use_causal_mask`` are AND-ed. Masked scores are exactly 0 and a fully
    masked query row attends to nothing (its context is 0 before the output projection).

    The projections are ``EinsumDense`` sublayers named ``query``, ``key``, ``value`` (and ``gate``)
    with kernels ``(dim, num_heads, key_dim)`` and an ``attention_output`` kernel
    ``(num_heads, value_dim, out_dim)``, the layout of Keras 3.

    Args:
        num_heads: positive integer, the number of attention heads.
        key_dim: positive integer, the size of each head for query and key.
        value_dim: optional positive integer, the size of each head for value; ``None`` (the default)
            means ``key_dim``.
        dropout: float in ``[0, 1)``, the dropout rate applied to the attention probabilities in
            training. Defaults to 0.
        use_bias: whether the projections have biases. Defaults to ``True``.
        output_shape: optional integer or tuple, the trailing shape of the output (without batch and
            attention axes); ``None`` (the default) keeps the query's last dimension.
        attention_axes: optional integer or tuple of integers, the query axes attention runs over
            (for example ``(1, 2)`` for 2D attention on ``(B, H, W, dim)``); ``None`` (the default)
            uses every axis between the batch and the features.
        sliding_window: optional positive integer; when set, position ``i`` only attends to
            positions ``j`` with ``|i - j| < sliding_window`` (combined with the other masks).
        flash_attention: accepted for Keras compatibility (``None``, ``True`` or ``False``); fkeras
            always computes attention with einsum and softmax, which XLA fuses. As in Keras, a truthy
            value cannot be combined with ``dropout > 0``.
        kernel_initializer: initializer of the projection kernels; defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of the projection biases; defaults to ``"zeros"``.
        kernel_regularizer: optional regularizer penalizing the projection kernels.
        bias_regularizer: optional regularizer penalizing the projection biases.
        activity_regularizer: optional regularizer penalizing the projections' outputs.
        kernel_constraint: optional constraint applied to the projection kernels after each update.
        bias_constraint: optional constraint applied to the projection biases after each update.
        use_gate: if ``True``, a sigmoid-activated ``gate`` projection of the query multiplies the
            attention output of each head before the output projection. Defaults to ``False``.
        seed: optional integer seed for the attention dropout.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        query: query tensor ``(B, T, dim)`` (or ``(B, <attention axes>, dim)``).
        value: value tensor ``(B, S, dim_v)``.
        key: optional key tensor ``(B, S, dim_k)``; ``None`` uses ``value``.
        query_mask: optional boolean ``(B, T)`` mask of valid query positions (filled in
            automatically from a masked input).
        value_mask: optional boolean ``(B, S)`` mask of valid value positions (likewise filled in).
        key_mask: optional boolean ``(B, S)`` mask of valid key positions (likewise filled in).
        attention_mask: optional boolean ``(B, T, S)`` mask; ``True`` lets query ``i`` attend to
            key ``j``. Broadcasting over the batch and heads is allowed.
        return_attention_scores: if ``True``, return ``(output, scores)`` with scores of shape
            ``(B, num_heads, T, S)``. Defaults to ``False``.
        training: whether attention dropout is active.
        use_causal_mask: if ``True``, query ``i`` only attends to keys ``j <= i`` (decoder
            self-attention). Defaults to ``False``.

    Returns:
        The attention output of shape ``(B, T, dim)`` (or ``(B, T) + output_shape``), and the
        scores when ``return_attention_scores=True``.

    Raises:
        ValueError: for a non-positive ``num_heads``/``key_dim``/``value_dim``/``sliding_window``, a bad
            ``dropout``, ``output_shape`` or ``attention_axes``, or ``flash_attention`` with dropout;
            at build time if ``value`` and ``key`` shapes differ before the last axis, or the query
            rank is below 3.

    Example:
        mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
        x = np.ones((4, 10, 16), "float32")
        y, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
        y.shape, scores.shape   # (4, 10, 16), (4, 2, 10, 10)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, use_gate=False, seed=None, **kwargs):
        if not _positive_int(num_heads):
            raise ValueError(
                "Received an invalid value for argument `num_heads`, expected a positive integer. "
                f"Received: num_heads={num_heads!r}"
            )
        if not _positive_int(key_dim):
            raise ValueError(
                "Received an invalid value for argument `key_dim`, expected a positive integer. "
                f"Received: key_dim={key_dim!r}"
            )
        if value_dim is not None and not _positive_int(value_dim):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive integer or "
                f"`None`. Received: value_dim={value_dim!r}"
            )
        super().__init__(**kwargs)
        where = f"MultiHeadAttention {self.name!r}"
        _check_rate(where, dropout)
        self.supports_masking = True
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim else int(key_dim)
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape!r}. When specified, the `output_shape` "
                    "should be of type tuple, list, or int."
                ) from None
        self._output_shape = output_shape
        if flash_attention and dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Please set dropout to 0.0 "
                "to use flash attention."
            )
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"`attention_axes` must be an int, list, or tuple. Received: attention_axes={attention_axes!r}"
            )
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        if sliding_window is not None and not _positive_int(sliding_window):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window!r}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    # --- read-only views of the configuration (Keras's properties) ------------------------
    @property
    def num_heads(self):
        return self._num_heads

    @property
    def key_dim(self):
        return self._key_dim

    @property
    def value_dim(self):
        return self._value_dim

    @property
    def dropout(self):
        return self._dropout

    @property
    def use_bias(self):
        return self._use_bias

    @property
    def attention_axes(self):
        return self._attention_axes

    # --- build -----------------------------------------------------------------------------
    def _common_kwargs(self):
        return dict(kernel_initializer=_clone_initializer(self._kernel_initializer),
                    bias_initializer=_clone_initializer(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
                    dtype=self.dtype_policy)

    def _projection(self, input_shape, last_dims, name, activation=None):
        equation, bias_axes, out_rank = build_projection_equation(len(input_shape) - 1, 1, 2)
        layer = EinsumDense(equation, output_shape=[None] * (out_rank - 1 - 2) + list(last_dims),
                            bias_axes=bias_axes if self._use_bias else None, activation=activation,
                            name=name, **self._common_kwargs())
        layer.build(input_shape)
        return layer, out_rank

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._shapes_dict = {"query_shape": query_shape, "value_shape": value_shape}
        if key_shape is not None:
            self._shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        if len(query_shape) < 3:
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: `query` must have rank >= 3 (batch, <attention "
                f"dims>, features). Received: query_shape={query_shape}"
            )
        self.query_dense, _ = self._projection(query_shape, (self._num_heads, self._key_dim), "query")
        self.key_dense, _ = self._projection(key_shape, (self._num_heads, self._key_dim), "key")
        if self._use_gate:
            self.gate_dense, _ = self._projection(query_shape, (self._num_heads, self._value_dim), "gate",
                                                  activation="sigmoid")
        self.value_dense, rank = self._projection(value_shape, (self._num_heads, self._value_dim), "value")
        self._build_attention(rank)
        out_shape = tuple(self._output_shape) if self._output_shape else (query_shape[-1],)
        equation, bias_axes, out_rank = build_projection_equation(len(query_shape) - 1, 2, len(out_shape))
        self.output_dense = EinsumDense(
            equation, output_shape=[None] * (out_rank - 1 - len(out_shape)) + list(out_shape),
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._common_kwargs())
        self.output_dense.build(tuple(query_shape[:-1]) + (self._num_heads, self._value_dim))
        self.built = True

    def _build_attention(self, rank):
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        for a in self._attention_axes:
            if not 1 <= a < rank - 2:
                raise ValueError(
                    f"MultiHeadAttention {self.name!r}: `attention_axes` must index the non-batch, "
                    f"non-feature axes of the query (1..{rank - 3}). Received: "
                    f"attention_axes={self._attention_axes}"
                )
        self._dot_product_equation, self._combine_equation, scores_rank = build_attention_equation(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self.attention_softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self.attention_dropout = Dropout(rate=self._dropout, seed=self.seed, dtype=self.dtype_policy)

    # --- masks ---------------------------------------------------------------------------
    def _compute_causal_mask(self, query, value=None):
        """A ``(1, T, S)`` lower-triangular boolean mask (position i attends to j <= i)."""
        t = query.shape[1]
        s = t if value is None else value.shape[1]
        return (jnp.arange(t)[:, None] >= jnp.arange(s)[None, :])[None]

    def _compute_sliding_window_mask(self, query, value=None):
        t = query.shape[1]
        s = t if value is None else value.shape[1]
        return (jnp.abs(jnp.arange(t)[:, None] - jnp.arange(s)[None, :]) < self._sliding_window)[None]

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        """The AND of all masks, broadcast to ``(B, T, S)`` (or None when there is none)."""
        auto = None

        def merge(a, b):
            return b if a is None else a & b

        if query_mask is not None:
            auto = jnp.expand_dims(jnp.asarray(query_mask).astype(bool), -1)
        if value_mask is not None:
            auto = merge(auto, jnp.expand_dims(jnp.asarray(value_mask).astype(bool), -2))
        if key_mask is not None:
            auto = merge(auto, jnp.expand_dims(jnp.asarray(key_mask).astype(bool), -2))
        if use_causal_mask:
            auto = merge(auto, self._compute_causal_mask(query, value))
        if self._sliding_window is not None:
            auto = merge(auto, self._compute_sliding_window_mask(query, value))
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask).astype(bool)
        if auto is not None:
            attention_mask = auto if attention_mask is None else attention_mask & auto
        return attention_mask

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            for _ in range(scores.ndim - attention_mask.ndim):
                attention_mask = jnp.expand_dims(attention_mask, axis)
        return self.attention_softmax(scores, mask=attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """Scaled dot-product attention over projected ``(B, T, N, H)`` tensors: ``(output, scores)``."""
        query = query * jnp.asarray(self._inverse_sqrt_key_dim, query.dtype)
        scores = jnp.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        probs = self.attention_dropout(scores, training=training) if self._dropout > 0 else scores
        output = jnp.einsum(self._combine_equation, probs, value)
        return output, scores

    # --- call ------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
        dtype = query.dtype
        value = jnp.asarray(value)
        key = jnp.asarray(key)
        if jnp.issubdtype(dtype, jnp.floating):
            value = value.astype(dtype)
            key = key.astype(dtype)
        attention_mask = self._compute_attention_mask(
            query, value, query_mask=query_mask, value_mask=value_mask, key_mask=key_mask,
            attention_mask=attention_mask, use_causal_mask=use_causal_mask)
        gate = self.gate_dense(query) if self._use_gate else None
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        output, scores = self._compute_attention(q, k, v, attention_mask, training, return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self.output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config

    def get_build_config(self):
        """Keras 3's format for multi-input builds: ``{"shapes_dict": {"query_shape": ..., ...}}``."""
        shapes = getattr(self, "_shapes_dict", None)
        if shapes is None:
            return None
        return {"shapes_dict": {k: list(v) for k, v in shapes.items()}}

    def build_from_config(self, config):
        if not config or self.built:
            return
        if "shapes_dict" in config:
            self.build(**{k: tuple(v) for k, v in config["shapes_dict"].items() if v is not None})
        elif config.get("input_shape") is not None:
            shape = tuple(config["input_shape"])
            self.build(shape, shape)
        self.built = True


# --- Luong / Bahdanau attention --------------------------------------------------------------

class Attention(Layer):
    """Dot-product (Luong) attention over ``[query, value]`` or ``[query, value, key]``.

    ``scores = query @ key^T`` (times a learned ``scale`` with ``use_scale=True``), or with
    ``score_mode="concat"``, ``concat_score_weight * sum(tanh(scale * (q + k)))``;
    ``output = softmax(scores) @ value``. ``mask=[query_mask, value_mask]`` (B, Tq) / (B, Tv).
    Masked value positions get no weight; masked query positions output zeros.

    Args:
        use_scale: if ``True``, learn a scalar ``scale`` multiplying the scores. Defaults to
            ``False``.
        score_mode: ``"dot"`` (the default; dot products) or ``"concat"`` (``tanh`` of the sum of
            query and key, summed over features, with a learned ``concat_score_weight``).
        dropout: float in ``[0, 1)``, the dropout rate applied to the attention weights in training.
            Defaults to 0.
        seed: optional integer seed for the dropout.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a list ``[query, value]`` or ``[query, value, key]`` with query ``(B, Tq, dim)`` and
            value/key ``(B, Tv, dim)``; ``key`` defaults to ``value``.
        mask: optional list ``[query_mask, value_mask]`` of boolean ``(B, Tq)`` and ``(B, Tv)`` tensors.
        training: whether dropout is active. Defaults to ``False``.
        return_attention_scores: if ``True``, also return the attention weights ``(B, Tq, Tv)``.
        use_causal_mask: if ``True``, query ``i`` only attends to value positions ``j <= i``.

    Output shape:
        ``(B, Tq, dim_v)``, plus the ``(B, Tq, Tv)`` weights with ``return_attention_scores=True``.

    Raises:
        ValueError: for an unknown ``score_mode`` or a bad ``dropout``; at call time if the inputs or
            mask are not a list of length 2 or 3.

    Example:
        q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        out, w = keras.layers.Attention()([q, v], return_attention_scores=True)
        out.shape, w.shape   # (2, 3, 4), (2, 3, 5)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        _check_rate(f"{type(self).__name__} {self.name!r}", dropout)
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ("dot", "concat"):
            from fkeras.utils.naming import did_you_mean

            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode!r}.{did_you_mean(score_mode, ['dot', 'concat'])}"
            )

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q = jnp.expand_dims(query, -2)   # (B, Tq, 1, dim)
        k = jnp.expand_dims(key, -3)     # (B, 1, Tv, dim)
        x = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * jnp.sum(jnp.tanh(x), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            padding = jnp.logical_not(scores_mask)
            big = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
            if padding.ndim == 2:
                padding = jnp.expand_dims(padding, -2)
            scores = jnp.where(padding, scores - jnp.asarray(big, scores.dtype), scores)
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            key = self.make_rng()
            if self.seed is not None:
                key = jax.random.fold_in(key, self.seed)
            keep = jax.random.bernoulli(key, 1.0 - self.dropout, weights.shape)
            weights = jnp.where(keep, weights / (1.0 - self.dropout), jnp.zeros((), weights.dtype))
        return jnp.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if v_mask is not None:
            v_mask = jnp.asarray(v_mask).astype(bool)
        if not use_causal_mask:
            return v_mask
        tq, tv = scores.shape[-2], scores.shape[-1]
        causal = (jnp.arange(tq)[:, None] >= jnp.arange(tv)[None, :])[None]
        if v_mask is not None:
            return jnp.logical_and(jnp.expand_dims(v_mask, -2), causal)
        return causal

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, weights = self._apply_scores(scores, v, scores_mask=scores_mask, training=training)
        if q_mask is not None:
            q_mask = jnp.expand_dims(jnp.asarray(q_mask).astype(bool), -1)
            output = jnp.where(q_mask, output, jnp.zeros((), output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, previous_mask=None):
        self._validate_inputs(inputs, previous_mask)
        if previous_mask is None or previous_mask[0] is None:
            return None
        return jnp.asarray(previous_mask[0])

    def compute_output_shape(self, input_shape):
        self._validate_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or (inputs and isinstance(inputs[0], (int, type(None)))):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs!r}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask={mask!r}."
                )
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(
                    f"{name} layer accepts mask list of length 2 or 3. Received: mask of length {len(mask)}."
                )

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: ``scores = sum(scale * tanh(query + key), -1)``.

    ``scale`` is a learned vector of the feature size (``use_scale=True``, the default). The scores
    are turned into weights with a softmax over the value positions and ``output = weights @ value``;
    inputs, masks and call arguments are those of ``keras.layers.Attention``.

    Args:
        use_scale: if ``True`` (the default), learn the ``scale`` vector (shape ``(dim,)``); if
            ``False``, the ``tanh`` terms are summed unweighted.
        dropout: float in ``[0, 1)``, the dropout rate applied to the attention weights in training.
            Defaults to 0.
        **kwargs: base layer arguments (``name``, ``dtype``, ``seed``, ...).

    Call arguments:
        inputs: a list ``[query, value]`` or ``[query, value, key]`` (see ``Attention``).
        mask: optional list ``[query_mask, value_mask]``.
        training: whether dropout is active.
        return_attention_scores: if ``True``, also return the attention weights.
        use_causal_mask: if ``True``, query ``i`` only attends to value positions ``j <= i``.

    Example:
        q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        keras.layers.AdditiveAttention()([q, v]).shape   # (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = tuple(input_shape[0])[-1]
        if dim is None:
            raise ValueError(
                f"AdditiveAttention {self.name!r}: the last dimension of `query` must be known. "
                f"Received input_shape={input_shape}"
            )
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q = jnp.expand_dims(query, -2)
        k = jnp.expand_dims(key, -3)
        scale = self.scale if self.use_scale else 1.0
        return jnp.sum(scale * jnp.tanh(q + k), axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
