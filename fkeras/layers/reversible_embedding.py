"""``ReversibleEmbedding``: an ``Embedding`` that can also project hidden states back to logits
over the vocabulary (``reverse=True``), with tied or separate output weights (Press & Wolf, 2016).

Weights as in Keras 3: ``embeddings`` ``(input_dim, output_dim)`` and, with ``tie_weights=False``,
a trainable ``reverse_embeddings`` ``(output_dim, input_dim)``.
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.embedding import Embedding

__all__ = ["ReversibleEmbedding"]


class ReversibleEmbedding(Embedding):
    """Token embedding whose ``reverse=True`` call maps ``(..., output_dim)`` to ``(..., input_dim)``.

    The reverse projection is ``inputs @ embeddings.T`` (``tie_weights=True``) or
    ``inputs @ reverse_embeddings`` (``tie_weights=False``), without bias, optionally computed in
    ``reverse_dtype`` and soft-capped as ``tanh(logits / logit_soft_cap) * logit_soft_cap``.

    Args:
        input_dim: Vocabulary size (largest id + 1).
        output_dim: Embedding size.
        tie_weights: Reuse the transposed ``embeddings`` for the reverse projection (default True);
            if False, a separate trainable ``reverse_embeddings`` is created.
        embeddings_initializer: Initializer of ``embeddings`` (and ``reverse_embeddings``).
        embeddings_regularizer: Optional regularizer of ``embeddings``.
        embeddings_constraint: Optional constraint on ``embeddings``.
        mask_zero: Treat id 0 as padding and emit a mask (forward calls on integer ids only).
        reverse_dtype: Dtype of the reverse computation (default: the compute dtype).
        logit_soft_cap: Optional positive float capping the reverse logits.
        **kwargs: ``Embedding`` / base layer arguments (``name``, ``dtype``, ``lora_rank``...).

    Returns:
        ``(..., output_dim)`` embeddings for integer ids, or ``(..., input_dim)`` logits with
        ``reverse=True``.

    Example:
        emb = keras.layers.ReversibleEmbedding(100, 16)
        h = emb(np.array([[1, 5, 7]]))      # (1, 3, 16)
        logits = emb(h, reverse=True)       # (1, 3, 100)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool)
                                           or not isinstance(logit_soft_cap, (int, float))
                                           or logit_soft_cap <= 0):
            raise ValueError("ReversibleEmbedding: `logit_soft_cap` must be None or a positive number. "
                             f"Received: logit_soft_cap={logit_soft_cap!r}")
        if reverse_dtype is not None:
            try:
                jnp.dtype(reverse_dtype)
            except TypeError:
                raise ValueError("ReversibleEmbedding: `reverse_dtype` must be None or a dtype name. "
                                 f"Received: reverse_dtype={reverse_dtype!r}") from None
        # Set before Embedding.__init__, which builds the layer right away when `weights=` is given.
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights and "reverse_embeddings" not in self._var_attrs:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        inputs = jnp.asarray(inputs)
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(
                f"Layer {self.name!r} (ReversibleEmbedding): a `reverse=True` call expects inputs whose last "
                f"dimension is output_dim={self.output_dim}. Received inputs of shape {tuple(inputs.shape)}.")
        if self.tie_weights:
            kernel = jnp.transpose(self._table())
        else:
            kernel = self._read_variable(self._var_attrs["reverse_embeddings"])
        if self.reverse_dtype is not None:
            inputs = inputs.astype(self.reverse_dtype)
            kernel = kernel.astype(self.reverse_dtype)
        elif not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.compute_dtype)
        logits = jnp.matmul(inputs, kernel.astype(inputs.dtype))
        if self.logit_soft_cap is not None:
            cap = jnp.asarray(self.logit_soft_cap, logits.dtype)
            logits = jnp.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        # Keras sets the mask inside `call` for forward calls only. fkeras derives masks from
        # `compute_mask`, which does not see `reverse`: integer ids mean a forward call.
        if not self.mask_zero or inputs is None:
            return None
        dtype = getattr(inputs, "dtype", None)
        if dtype is None or not jnp.issubdtype(jnp.dtype(dtype), jnp.integer):
            return None
        return jnp.not_equal(jnp.asarray(inputs), 0)

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return tuple(shape)

    def compute_output_spec(self, inputs, reverse=False):
        dtype = self.reverse_dtype if (reverse and self.reverse_dtype is not None) else self.compute_dtype
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse=reverse), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
