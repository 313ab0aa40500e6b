"""Grouped-query attention (Ainslie et al., 2023): ``keras.layers.GroupQueryAttention``.

``num_query_heads`` query heads share ``num_key_value_heads`` key/value heads (each key/value head
serves ``num_query_heads // num_key_value_heads`` consecutive query heads): one key/value head is
multi-query attention, as many as query heads is multi-head attention.

The class is ``GroupedQueryAttention``, as Keras's, so layers are auto-named
``grouped_query_attention`` and weights files use Keras's paths; Keras exports it (and writes its
configs) as ``GroupQueryAttention``, which is the public name here too (both resolve in configs).
Weights follow Keras 3: ``EinsumDense`` sublayers ``query`` ``(dim, num_query_heads, head_dim)``, ``key`` and ``value``
``(dim, num_key_value_heads, head_dim)``, ``gate`` (with ``use_gate=True``, built between ``key``
and ``value`` as in Keras) and ``attention_output`` ``(num_query_heads, head_dim, dim)``, with biases
``(heads, head_dim)`` and ``(dim,)``.
"""
from __future__ import annotations

import math

import jax.numpy as jnp

from fkeras.constraints import constraints
from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.initializers import serialization as initializers
from fkeras.layers.activation_layers import Softmax
from fkeras.layers.attention import MultiHeadAttention, _check_rate, _clone_initializer, _positive_int
from fkeras.layers.einsum_dense import EinsumDense
from fkeras.layers.regularization import Dropout
from fkeras.ops.nn import dot_product_attention
from fkeras.regularizers import regularizers

__all__ = ["GroupedQueryAttention", "GroupQueryAttention"]


class GroupedQueryAttention(Layer):
    """Grouped-query attention over ``query`` (B, T, dim) and ``value``/``key`` (B, S, dim).

    The query is projected to ``num_query_heads`` heads and key/value to ``num_key_value_heads``
    heads of ``head_dim`` features; each key/value head is repeated for its group of query heads,
    scores are ``softmax(q·k / sqrt(head_dim))`` and the heads are projected back to ``dim``.

    Masks (1 = attend) are AND-ed: ``query_mask`` (B, T), ``value_mask``/``key_mask`` (B, S),
    ``attention_mask`` (B, T, S), ``use_causal_mask`` and ``sliding_window``. As in Keras, the
    fused ``ops.dot_product_attention`` path runs when there is no dropout and no scores are
    returned; the explicit path (dropout or ``return_attention_scores=True``) gives a fully
    masked query row zero weights.

    Args:
        head_dim: Size of each attention head.
        num_query_heads: Number of query heads.
        num_key_value_heads: Number of key/value heads; must divide ``num_query_heads``.
        dropout: Dropout rate on the attention probabilities (training only).
        use_bias: Whether the projections have biases.
        sliding_window: ``None`` or a positive int: a query attends only to keys at distance
            ``< sliding_window`` (combine with ``use_causal_mask`` for a causal window).
        flash_attention: ``None`` (automatic), True or False. Accepted for API compatibility;
            on JAX's CPU/GPU path the same fused attention is used either way. With True,
            ``dropout`` and returned scores are refused, as in Keras.
        kernel_initializer: Initializer of the projections' kernels.
        bias_initializer: Initializer of the projections' biases.
        kernel_regularizer: Optional regularizer of the projections' kernels.
        bias_regularizer: Optional regularizer of the projections' biases.
        activity_regularizer: Optional regularizer of the layer's output.
        kernel_constraint: Optional constraint on the projections' kernels.
        bias_constraint: Optional constraint on the projections' biases.
        use_gate: Gate the attention output with ``sigmoid(query @ gate)`` (gated attention).
        seed: Optional int for the dropout.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Returns:
        ``(B, T, dim)``, plus scores ``(B, num_query_heads, T, S)`` with
        ``return_attention_scores=True``.

    Example:
        gqa = keras.layers.GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2)
        x = np.ones((2, 6, 16), "float32")
        y = gqa(x, x, use_causal_mask=True)   # (2, 6, 16)
    """

    _keras_public_name = "GroupQueryAttention"  # Keras 3 writes this name into configs (and reads only it)

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        who = type(self).__name__
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not _positive_int(value):
                raise ValueError(f"{who}: `{name}` must be a positive integer. Received: {name}={value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                f"{who}: `num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}")
        if sliding_window is not None and not _positive_int(sliding_window):
            raise ValueError(f"{who}: `sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        _check_rate(who, dropout)
        if flash_attention and dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. Please set dropout to "
                             f"0.0 to use flash attention. Received: dropout={dropout}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = int(head_dim)
        self.num_query_heads = int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._sliding_window = sliding_window  # read by the mask helpers shared with MultiHeadAttention
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))

    # --- build -----------------------------------------------------------------------------
    def _sublayer_kwargs(self):
        return dict(kernel_initializer=_clone_initializer(self.kernel_initializer),
                    bias_initializer=_clone_initializer(self.bias_initializer),
                    kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                    activity_regularizer=self.activity_regularizer, kernel_constraint=self.kernel_constraint,
                    bias_constraint=self.bias_constraint, dtype=self.dtype_policy)

    def _projection(self, equation, heads, bias_axes, name, shape, activation=None):
        layer = EinsumDense(equation, output_shape=(None, heads, self.head_dim),
                            bias_axes=bias_axes if self.use_bias else None, activation=activation, name=name,
                            **self._sublayer_kwargs())
        layer.build(shape)
        return layer

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._shapes_dict = {"query_shape": query_shape, "value_shape": value_shape}
        if key_shape is not None:
            self._shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `{name}` must have rank 3 (batch, seq_len, "
                    f"features). Received: {name}_shape={shape}")
        self.feature_dim = query_shape[-1]
        self._query_dense = self._projection("bqm,muh->bquh", self.num_query_heads, "uh", "query", query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", self.num_key_value_heads, "vh", "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", self.num_query_heads, "uh", "gate", query_shape,
                                               activation="sigmoid")
        self._value_dense = self._projection("bkm,mvh->bkvh", self.num_key_value_heads, "vh", "value",
                                            value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = EinsumDense("bquh,uhm->bqm", output_shape=(None, self.feature_dim),
                                        bias_axes="m" if self.use_bias else None, name="attention_output",
                                        **self._sublayer_kwargs())
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    # Keras keeps the sublayers in private attributes; a weights file stores them under those
    # names (``grouped_query_attention/_query_dense/vars/0``), so they live there here too and are
    # listed explicitly (the engine does not track private attributes by itself), in Keras's order.
    _SUBLAYER_ATTRS = ("_query_dense", "_key_dense", "_gate_dense", "_value_dense", "_softmax", "_dropout_layer",
                       "_output_dense")

    def _sublayers(self):
        own = [self.__dict__[n] for n in self._SUBLAYER_ATTRS if n in self.__dict__]
        return own + [layer for layer in super()._sublayers() if all(layer is not o for o in own)]

    # --- masks (shared with MultiHeadAttention) -------------------------------------------------
    _compute_causal_mask = MultiHeadAttention._compute_causal_mask
    _compute_sliding_window_mask = MultiHeadAttention._compute_sliding_window_mask
    _compute_attention_mask = MultiHeadAttention._compute_attention_mask

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            for _ in range(scores.ndim - attention_mask.ndim):
                attention_mask = jnp.expand_dims(attention_mask, -3)
        return self._softmax(scores, mask=attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """Attention over projected ``(B, T, H, head_dim)`` tensors: ``(output, scores or None)``."""
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is enabled. "
                             "Please disable flash attention to access attention scores.")
        if not (self.dropout > 0.0 or return_attention_scores):
            if attention_mask is not None:
                while attention_mask.ndim < 4:
                    attention_mask = jnp.expand_dims(attention_mask, -3)
                attention_mask = attention_mask.astype(bool)
            out = dot_product_attention(query, key, value, mask=attention_mask,
                                            scale=self._inverse_sqrt_head_dim,
                                            flash_attention=self._flash_attention)
            return out, None
        query = query * jnp.asarray(self._inverse_sqrt_head_dim, query.dtype)
        scores = jnp.einsum(self._dot_product_equation, query, key)
        scores = self._masked_softmax(scores, attention_mask)
        probs = self._dropout_layer(scores, training=training) if self.dropout > 0.0 else scores
        return jnp.einsum(self._combine_equation, probs, value), scores

    # --- call ------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
        dtype = query.dtype
        value, key = jnp.asarray(value), jnp.asarray(key)
        if jnp.issubdtype(dtype, jnp.floating):
            value, key = value.astype(dtype), key.astype(dtype)
        attention_mask = self._compute_attention_mask(
            query, value, query_mask=query_mask, value_mask=value_mask, key_mask=key_mask,
            attention_mask=attention_mask, use_causal_mask=use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = jnp.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = jnp.repeat(self._value_dense(value), self.num_repeats, axis=2)
        output, scores = self._compute_attention(q, k, v, attention_mask, training, return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    # --- shapes and config -------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape,
                                                    key.shape if key is not None else None), self.compute_dtype)
        if return_attention_scores:
            kv_len = value.shape[1] if key is None else key.shape[1]
            return out, KerasTensor((query.shape[0], self.num_query_heads, query.shape[1], kv_len),
                                    self.compute_dtype)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config

    get_build_config = MultiHeadAttention.get_build_config
    build_from_config = MultiHeadAttention.build_from_config


GroupQueryAttention = GroupedQueryAttention  # the name Keras 3 exports: keras.layers.GroupQueryAttention
