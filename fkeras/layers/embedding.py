"""``Embedding``: integer indices -> dense vectors (Keras 3 API, weight ``embeddings``)."""
from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np

from fkeras.constraints import constraints
from fkeras.engine.layer import Layer
from fkeras.initializers import serialization as initializers
from fkeras.layers.core import _LoraMixin
from fkeras.layers.quantized import EmbeddingQuantizeMixin
from fkeras.regularizers import regularizers

__all__ = ["Embedding"]


def _positive_int(value, name):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r} "
            f"(of type {type(value).__name__})."
        )
    return int(value)


class Embedding(EmbeddingQuantizeMixin, _LoraMixin, Layer):
    """Turns nonnegative integer indices into dense vectors of size ``output_dim``.

    The layer holds a table ``embeddings`` of shape ``(input_dim, output_dim)`` and returns row
    ``i`` for index ``i``. ``mask_zero=True`` makes index 0 padding: the layer emits the mask
    ``inputs != 0`` for downstream layers (RNNs skip those timesteps). tf.keras's ``input_length=``
    is accepted and ignored with a warning. ``quantize("int8" | "int4")`` stores the table quantized
    per row.

    Args:
        input_dim: positive integer, the vocabulary size: indices must lie in ``[0, input_dim)``.
        output_dim: positive integer, the size of each embedding vector.
        embeddings_initializer: initializer of the table; defaults to ``"uniform"``.
        embeddings_regularizer: optional regularizer penalizing the table.
        embeddings_constraint: optional constraint applied to the table after each optimizer update.
        mask_zero: if ``True``, index 0 is reserved for padding and a mask ``inputs != 0`` is passed to
            later layers (so the vocabulary needs ``input_dim = vocabulary_size + 1``). Defaults to
            ``False``.
        weights: optional initial table, an array ``(input_dim, output_dim)`` or a one-element list
            holding it; the layer is then built at construction.
        lora_rank: optional positive integer; when set, the table is frozen and a low-rank trainable
            correction ``lora_embeddings_a @ lora_embeddings_b`` (ranks ``lora_rank``) is learned
            instead, as in ``Dense``. ``None`` (the default) leaves LoRA off.
        lora_alpha: optional number scaling the LoRA correction by ``lora_alpha / lora_rank``;
            ``None`` means ``lora_rank``.
        quantization_config: optional ``keras.quantizers.QuantizationConfig`` (or its serialized dict)
            used when a quantized layer is rebuilt from its config; ``None`` for a float table.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Input shape:
        Integer tensor of any shape ``(batch_size, ...)``; other dtypes are cast to int32.

    Output shape:
        ``inputs.shape + (output_dim,)``.

    Call arguments:
        inputs: the integer indices.

    Raises:
        ValueError: if ``input_dim`` or ``output_dim`` is not a positive integer.

    Example:
        model = keras.Sequential([keras.layers.Embedding(1000, 64, mask_zero=True),
                                  keras.layers.LSTM(32)])
        y = model(np.random.randint(1000, size=(32, 10)))   # (32, 32)
    """

    _lora_base = "embeddings"
    _lora_names = ("lora_embeddings_a", "lora_embeddings_b")

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        input_dim = _positive_int(input_dim, "input_dim")
        output_dim = _positive_int(output_dim, "output_dim")
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built and "embeddings" in self._var_attrs:
            return
        if not self._built_quantized((self.input_dim, self.output_dim)):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                name="embeddings", regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint, trainable=True)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``embeddings`` and learn a low-rank delta ``(lora_alpha / rank) * a @ b``."""
        self._lora_check(self.embeddings_constraint, "embedding", "embeddings_constraint")
        self._lora_add(rank, lora_alpha, (self.input_dim,), (self.output_dim,), a_initializer, b_initializer,
                       self.embeddings_regularizer)

    def _table(self):
        return self._lora_weight() if self.lora_enabled else self._read_variable(self._var_attrs["embeddings"])

    def call(self, inputs):
        if self.quantization_mode is not None:
            return self._quantized_call(inputs)
        inputs = jnp.asarray(inputs)
        if inputs.dtype not in (jnp.int32, jnp.int64):
            inputs = inputs.astype(jnp.int32)
        out = jnp.take(self._table(), inputs, axis=0)
        return out.astype(self.compute_dtype)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return jnp.not_equal(jnp.asarray(inputs), 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": self._quantization_config_entry(),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(cls._read_quantization_config(config))
