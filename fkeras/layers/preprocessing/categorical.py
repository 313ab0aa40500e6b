"""Categorical preprocessing: ``CategoryEncoding``, ``Discretization``, ``Hashing`` and ``HashedCrossing``."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.preprocessing import _hash
from fkeras.layers.preprocessing._base import (
    categorical_output_shape,
    check_choice,
    decode_strings,
    encode_categorical,
    is_string_array,
    is_tracer,
    to_host,
)

_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Encodes integer ids in ``[0, num_tokens)`` as ``one_hot``, ``multi_hot`` or ``count`` vectors.

    ``multi_hot``/``count`` reduce the second axis of a rank-2 batch (or the only axis of a rank-1
    input); ``count_weights`` (same shape as the inputs) weights the counts. Jittable.

    Args:
        num_tokens: positive integer, the number of distinct ids (the size of each output vector);
            required.
        output_mode: ``"multi_hot"`` (the default; 1 where an id occurs in the sample), ``"one_hot"``
            (one vector per id, a new last axis), or ``"count"`` (the number of occurrences).
            ``"binary"`` is an old name of ``"multi_hot"``.
        sparse: must be ``False``; sparse outputs are not supported (fkeras uses dense JAX arrays).
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        Integer ids of shape ``(batch_size,)`` or ``(batch_size, ids_per_sample)``.

    Output shape:
        ``(batch_size, num_tokens)`` for ``"multi_hot"``/``"count"``; ``"one_hot"`` replaces a last
        axis of size 1 by ``num_tokens`` (or appends it).

    Call arguments:
        inputs: the integer ids (floats are cast to int32).
        count_weights: optional weights of the same shape as ``inputs``, summed instead of counting
            1 per id; only with ``output_mode="count"``.

    Raises:
        ValueError: for a missing or non-positive ``num_tokens``, an unknown ``output_mode``,
            ``sparse=True``, or ``count_weights`` outside ``"count"`` mode.

    Example:
        keras.layers.CategoryEncoding(4, output_mode="multi_hot")(np.array([[0, 1], [0, 0]]))
        # [[1, 1, 0, 0], [1, 0, 0, 0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_choice(output_mode, ("count", "one_hot", "multi_hot"), "output_mode", "CategoryEncoding")
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set to use this layer. If the number of tokens "
                "is not known beforehand, use the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported by fkeras (dense JAX arrays).")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "CategoryEncoding: `count_weights` is only used when `output_mode` is 'count'. "
                    f"Received output_mode={self.output_mode!r}"
                )
            count_weights = jnp.asarray(count_weights, self.compute_dtype)
        x = jnp.asarray(inputs)
        if jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.int32)
        return encode_categorical(x, self.output_mode, self.num_tokens, dtype=self.compute_dtype,
                                  count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return categorical_output_shape(input_shape, self.output_mode, self.num_tokens)

    def compute_output_spec(self, inputs, count_weights=None, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config


# --- Discretization ------------------------------------------------------------------------
# Quantile sketch (same algorithm as Keras, so adapted boundaries agree): each batch is sorted
# and thinned to ~1/epsilon weighted points; summaries are merged and re-compressed by
# interpolating the cumulative weights at evenly spaced percentiles.

def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.full_like(points, step)])


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    bins = np.interp(percents, frac, summary[0])
    cum = np.interp(percents, frac, cum)
    weights = cum - np.concatenate(([0.0], cum[:-1]))
    return np.stack((bins, weights)).astype("float32")


def _merge(a, b, epsilon):
    merged = np.concatenate((a, b), axis=1)
    merged = merged[:, np.argsort(merged[0], kind="stable")]
    return _compress(merged, epsilon)


class Discretization(Layer):
    """Buckets continuous values into bins: ``bin_boundaries=[0., 1., 2.]`` gives bins
    ``(-inf, 0), [0, 1), [1, 2), [2, inf)`` (``numpy.digitize``).

    With ``num_bins``, ``adapt(data)`` learns approximately equal-frequency boundaries (a
    quantile sketch with error ``epsilon``). ``output_mode``: ``int`` (bin ids, int32),
    ``one_hot``, ``multi_hot`` or ``count``. Jittable once the boundaries are known.

    Args:
        bin_boundaries: optional sorted list of boundaries; ``n`` boundaries make ``n + 1`` bins.
            Give either this or ``num_bins``.
        num_bins: optional integer, the number of bins ``adapt`` should learn.
        epsilon: float, the error tolerance of the quantile sketch used by ``adapt`` (smaller is more
            exact and uses more memory); defaults to 0.01.
        output_mode: ``"int"`` (the default; bin ids), ``"one_hot"``, ``"multi_hot"`` or ``"count"``
            (encoded as by ``CategoryEncoding`` with ``len(bin_boundaries) + 1`` tokens).
        sparse: must be ``False``; sparse outputs are not supported.
        dtype: optional dtype policy of the layer; the inputs are compared in its compute dtype.
        name: optional name of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        Numeric tensor of any shape.

    Output shape:
        The input shape for ``"int"``; for the other modes as ``CategoryEncoding``.

    Call arguments:
        inputs: the values to bucket.

    Raises:
        ValueError: for ``sparse=True``, an unknown ``output_mode``, a negative ``num_bins``, both or
            neither of ``num_bins`` and ``bin_boundaries``; at call time before boundaries exist.

    Example:
        keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])(np.array([[-1.5, 1.0, 3.4]]))
        # [[0, 2, 3]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported by fkeras (dense JAX arrays).")
        check_choice(output_mode, _ENCODINGS, "output_mode", "Discretization")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be >= 0. Received: num_bins={num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: both `num_bins` and `bin_boundaries` should not be set. Received: "
                f"num_bins={num_bins} and bin_boundaries={bin_boundaries}"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")
        self.built = True

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        """Learn ``num_bins`` quantile boundaries from an array or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError(
                "Discretization: cannot adapt a layer initialized with `bin_boundaries`; use `num_bins`.")
        self.reset_state()
        if isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "__array__"):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        self.finalize_state()

    def update_state(self, data):
        data = to_host(data).astype("float32")
        self.summary = _merge(_summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "Discretization: pass `bin_boundaries` at construction or call `adapt(data)` before "
                "using the layer."
            )
        x = jnp.asarray(inputs).astype(self.compute_dtype)
        idx = jnp.digitize(x, jnp.asarray(self.bin_boundaries, x.dtype)).astype("int32")
        return encode_categorical(idx, self.output_mode, len(self.bin_boundaries) + 1, dtype=self.output_dtype)

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def compute_output_shape(self, input_shape):
        return categorical_output_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        from fkeras.dtype_policies import dtype_policy

        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": dtype_policy.serialize(self.dtype_policy)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bins = config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = bins
            return layer
        return super().from_config(config)


# --- Hashing -------------------------------------------------------------------------------

def hash_to_bins(values, num_bins, salt=None):
    """Hash a numpy array of strings/ints/floats to ``[0, num_bins)`` exactly as Keras/TF do.

    Numbers are hashed through their decimal string (floats truncated to int64 first).
    Unsalted: FarmHash ``Fingerprint64`` (``to_hash_bucket_fast``); salted: SipHash-2-4 keyed by
    ``salt`` (``to_hash_bucket_strong``).
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    uniq, inverse = np.unique(arr.reshape(-1), return_inverse=True)
    if salt is None:
        codes = [_hash.fingerprint64(_token_bytes(u)) % num_bins for u in uniq]
    else:
        codes = [_hash.siphash24(salt, _token_bytes(u)) % num_bins for u in uniq]
    return np.asarray(codes, dtype=np.int64)[inverse].reshape(arr.shape)


def _token_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, (np.integer, int)):
        return str(int(v)).encode()
    return str(v).encode("utf-8")


class Hashing(Layer):
    """Hashes strings or integers into ``num_bins`` bins (FarmHash64, or SipHash64 with ``salt``).

    Bins match Keras/TensorFlow bit for bit (``tf.strings.to_hash_bucket_fast`` /
    ``_strong``). With ``mask_value`` set, that value maps to 0 and the others to ``[1, num_bins)``.
    Runs on host data (numpy arrays, lists) — use it in the input pipeline, not inside ``jit``.
    Returns numpy arrays: int64 ids, or float32 encodings for the other ``output_mode`` values.

    Args:
        num_bins: positive integer, the number of hash bins (including the mask bin when
            ``mask_value`` is set).
        mask_value: optional value that always maps to bin 0 (for padding); ``None`` (the default)
            means no mask bin.
        salt: optional integer or pair of integers; when given, the keyed SipHash is used with this
            key (a single integer is used for both halves), which makes the hash harder to collide on
            purpose. ``None`` (the default) uses FarmHash64.
        output_mode: ``"int"`` (the default; bin ids), ``"one_hot"``, ``"multi_hot"`` or ``"count"``
            (encoded with ``num_bins`` tokens).
        sparse: must be ``False``; sparse outputs are not supported.
        **kwargs: base layer arguments; ``dtype`` is the output dtype (``"int32"`` or ``"int64"``, the
            default, for ``"int"`` mode; float32 by default otherwise).

    Input shape:
        Strings or integers of any shape (floats are truncated to integers first).

    Output shape:
        The input shape for ``"int"``; otherwise the last axis is replaced by ``num_bins``.

    Call arguments:
        inputs: the values to hash.

    Raises:
        ValueError: for a missing or non-positive ``num_bins``, an unknown ``output_mode``,
            ``sparse=True``, a malformed ``salt``, or a non-integer ``dtype`` in ``"int"`` mode.

    Example:
        keras.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"]])   # [[1], [0], [1]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else None
        out_dtype = kwargs.pop("dtype")
        out_dtype = getattr(out_dtype, "name", out_dtype)  # a DTypePolicy from a config
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                f"Hashing: `num_bins` cannot be None or non-positive. Received: num_bins={num_bins}.")
        check_choice(output_mode, _ENCODINGS, "output_mode", "Hashing")
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported by fkeras (dense arrays).")
        if output_mode == "int" and out_dtype not in ("int32", "int64"):
            raise ValueError(
                f"Hashing: when `output_mode='int'`, `dtype` should be 'int32' or 'int64'. Received: dtype={out_dtype}")
        self._out_dtype = out_dtype or "float32"
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = False
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    "Hashing: the `salt` argument can only be a tuple of size 2 integers, or a single "
                    f"integer. Received: salt={salt}."
                )
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) and not is_tracer(inputs):
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        x = to_host(inputs)
        if x.dtype.kind == "S" or x.dtype.kind == "O":
            x = decode_strings(x)
        if self.output_mode == "one_hot" and x.ndim > 0 and x.shape[-1] == 1:
            x = x.reshape(x.shape[:-1])
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = x == (str(self.mask_value) if is_string_array(x) else self.mask_value)
        out = hash_to_bins(x, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        if self.output_mode == "int":
            return out.astype(self._out_dtype)
        return encode_categorical(out, self.output_mode, self.num_bins, dtype=self._out_dtype, xp=np)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = self._out_dtype if self.output_mode != "int" else "int32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse,
                       "dtype": self._out_dtype})  # the output dtype, as Keras's dtype policy is
        return config


# --- HashedCrossing ---------------------------------------------------------------------------

_CROSS_HASH_KEY = 0xDECAFCAFFE  # TensorFlow's default `hash_key` of `tf.sparse.cross_hashed`
_CAT_MUL = 0xC6A4A7935BD1E995
_U64 = 0xFFFFFFFFFFFFFFFF


def _fingerprint_cat64(fp1, fp2):
    """TensorFlow's ``FingerprintCat64``: combine two unsigned 64-bit fingerprints."""
    def shift_mix(v):
        return v ^ (v >> 47)

    out = fp1 ^ _CAT_MUL
    out ^= (shift_mix((fp2 * _CAT_MUL) & _U64) * _CAT_MUL) & _U64
    out = (out * _CAT_MUL) & _U64
    out = (shift_mix(out) * _CAT_MUL) & _U64
    return shift_mix(out)


def _cross_feature_hash(value):
    """The per-feature hash of ``tf.sparse.cross_hashed``: FarmHash of a string, the raw int64 of an int."""
    if isinstance(value, (bytes, str)):
        return _hash.fingerprint64(value)
    return int(value) & _U64


def hash_cross(features, num_bins):
    """Bin of the cross of one value per feature, exactly as ``tf.sparse.cross_hashed`` computes it.

    Args:
        features: Sequence of per-feature values (``str``/``bytes`` or ints), in input order.
        num_bins: Number of bins.

    Returns:
        An int in ``[0, num_bins)``.
    """
    out = _CROSS_HASH_KEY
    for v in features:
        out = _fingerprint_cat64(out, _cross_feature_hash(v))
    return out % num_bins


class HashedCrossing(Layer):
    """Crosses categorical features by hashing each combination of values into ``num_bins`` bins.

    Called on a list/tuple of at least two inputs of equal shape ``()``, ``(batch,)`` or
    ``(batch, 1)``, each holding integers or strings; row ``i`` of the output is the bin of the
    tuple ``(x1[i], x2[i], ...)``. Bins match Keras's (TensorFlow's ``tf.sparse.cross_hashed``:
    FarmHash ``Fingerprint64`` of strings, integers as they are, chained with ``FingerprintCat64``)
    bit for bit, without TensorFlow. Like ``Hashing``, it runs on host data (numpy arrays,
    lists): use it in the input pipeline, not inside ``jit``.

    Args:
        num_bins: Number of hash bins.
        output_mode: ``"int"`` (bin ids, default) or ``"one_hot"`` (one-hot rows of ``num_bins``).
        sparse: Must be False (sparse outputs need TensorFlow, as in Keras on other backends).
        name: Optional layer name.
        dtype: Output dtype (default ``"int64"`` for ``"int"``, ``"float32"`` for ``"one_hot"``).
        **kwargs: Other base layer arguments.

    Returns:
        numpy array: bin ids of the inputs' shape, or ``(batch, num_bins)`` one-hot rows.

    Example:
        layer = keras.layers.HashedCrossing(num_bins=5)
        layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
        # array([1, 4, 1, 1, 3])
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError(f"HashedCrossing: `num_bins` must be a positive integer. Received: num_bins={num_bins!r}")
        check_choice(output_mode, ("int", "one_hot"), "output_mode", "HashedCrossing")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend (HashedCrossing "
                             "returns dense arrays in fkeras).")
        if isinstance(dtype, dict):  # a serialized dtype policy
            dtype = dtype.get("config", {}).get("name")
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        try:
            self._out_dtype = str(np.dtype(dtype))
        except TypeError:
            raise ValueError(f"HashedCrossing: invalid `dtype`. Received: dtype={dtype!r}") from None
        super().__init__(name=name, **kwargs)
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = False
        self.built = True

    @property
    def output_dtype(self):
        return self._out_dtype

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)) and not any(isinstance(x, KerasTensor) or is_tracer(x)
                                                         for x in inputs):
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                             f"inputs={inputs!r}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: "
                             f"{len(inputs)} input(s)")
        shapes = [tuple(np.shape(x)) if not isinstance(x, KerasTensor) else tuple(x.shape) for x in inputs]
        first = shapes[0]
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received shapes: {shapes}")
        if any(s != first for s in shapes[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received shapes: {shapes}")

    def call(self, inputs):
        self._check_inputs(inputs)
        arrays = [to_host(x) for x in inputs]
        for a in arrays:
            if not (a.dtype.kind in "iuSU" or (a.dtype.kind == "O" and all(
                    isinstance(v, (str, bytes, int, np.integer)) for v in a.reshape(-1)))):
                raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                                 f"Received dtypes: {[str(x.dtype) for x in arrays]}")
        shape = arrays[0].shape
        columns = [a.reshape(-1).tolist() for a in arrays]
        bins = np.asarray([hash_cross(row, self.num_bins) for row in zip(*columns, strict=True)], dtype=np.int64)
        bins = bins.reshape(shape)
        if self.output_mode == "int":
            return bins.astype(self._out_dtype)
        return encode_categorical(bins, "one_hot", self.num_bins, dtype=self._out_dtype, xp=np)

    def compute_output_shape(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2
                or not all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(f"Expected as input a list/tuple of at least 2 shapes. Received input_shape={input_shape}")
        first = tuple(input_shape[0])
        if any(tuple(s)[-1:] != first[-1:] for s in input_shape[1:]):
            raise ValueError(f"Expected the input tensors to have identical shapes. Received input_shape={input_shape}")
        if self.output_mode == "int":
            return first
        if len(first) == 0:
            return (1, self.num_bins)
        if len(first) == 2 and first[-1] == 1:
            return first[:-1] + (self.num_bins,)
        return first + (self.num_bins,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        self._check_inputs(inputs)
        return KerasTensor(self.compute_output_shape([tuple(x.shape) for x in inputs]), self._out_dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self._out_dtype}
