"""Vocabulary lookups: ``StringLookup`` and ``IntegerLookup`` (shared ``IndexLookup`` core).

Index layout (as Keras): ``[mask (int mode only)] [OOV x num_oov_indices] [vocabulary...]``.
``adapt`` orders the learned vocabulary by decreasing frequency, ties broken by decreasing
token value (Keras's ``np.lexsort(...)[::-1]``). String work runs on the host (numpy/Python);
``IntegerLookup`` also has a pure-``jax.numpy`` path (sorted keys + ``searchsorted``) used for
JAX arrays, so it can sit inside a jitted model.
"""
from __future__ import annotations

import collections
import math

import jax.numpy as jnp
import numpy as np

from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.preprocessing._base import check_choice, decode_strings, encode_categorical, is_tracer, to_host

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(Layer):
    """Maps tokens to contiguous integer ids (or back, with ``invert=True``)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        cls = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{cls}: if set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{cls}: if pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens=None")
        if num_oov_indices < 0:
            raise ValueError(
                f"{cls}: `num_oov_indices` must be greater than or equal to 0. "
                f"Received: num_oov_indices={num_oov_indices}")
        check_choice(oov_method, ("floormod", "farmhash"), "oov_method", cls)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_choice(output_mode, _MODES, "output_mode", cls)
        if invert and output_mode != "int":
            raise ValueError(
                f"{cls}: `output_mode` must be 'int' when `invert` is true. Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{cls}: `sparse=True` is not supported by fkeras (dense arrays only).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{cls}: `idf_weights` should only be set if `output_mode` is 'tf_idf'. Received: "
                f"output_mode={output_mode}")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(
                    f"{cls}: `salt` can only be used when `oov_method='farmhash'`. Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(
                    f"{cls}: `salt` can only be a tuple of 2 integers, or a single integer. Received: salt={salt}.")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._tokens = []
        self._index = {}
        self.idf_weights = None
        self._reset_counts()
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None and vocabulary is not None:
            raise ValueError(
                f"{cls}: when specifying the `vocabulary` argument in TF-IDF output mode, the `idf_weights` "
                "argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # --- token handling (overridden per dtype) ---------------------------------------------
    def _normalize_tokens(self, arr):
        return arr

    def _sort_key(self, token):
        return token

    # --- vocabulary ---------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """Number of ids, special tokens included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary by id: ``[mask] + [oov] * num_oov_indices + tokens``."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}
        if self.vocabulary_dtype != "string":
            order = np.argsort(np.asarray(self._tokens, np.int64), kind="stable") if self._tokens else np.zeros(0, int)
            self._sorted_keys = np.asarray(self._tokens, np.int64)[order] if self._tokens else np.zeros(0, np.int64)
            self._sorted_vals = (order + start).astype(np.int64)
        self._record_vocabulary_size()

    def _record_vocabulary_size(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None \
                and self._frozen_vocab_size != self.vocabulary_size() and self._called:
            raise RuntimeError(
                f"{type(self).__name__}: when using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, the vocabulary size cannot be changed after the layer is "
                f"called. Old vocab size is {self._frozen_vocab_size}, new vocab size is {self.vocabulary_size()}")
        self._frozen_vocab_size = self.vocabulary_size()

    _called = False

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list/array, or a path to a text file with one token per line)."""
        cls = type(self).__name__
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{cls}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{cls}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                             f"Received: output_mode={self.output_mode}")
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        vocabulary = self._normalize_tokens(to_host(vocabulary).reshape(-1)).tolist()
        if len(vocabulary) == 0:
            raise ValueError(f"{cls}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        oov_start, token_start = self._oov_start_index(), self._token_start_index()
        special = [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{cls}: the passed vocabulary has at least one repeated term. Please uniquify "
                             f"your dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{cls}: found reserved mask token {self.mask_token!r} at an unexpected location in "
                "`vocabulary`. The vocabulary does not need to include the OOV and mask tokens; either "
                f"remove them, or include them only at the start in precisely this order: {special}.")
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                f"{cls}: found reserved OOV token {self.oov_token!r} at an unexpected location in "
                f"`vocabulary`. Include special tokens only at the start, in this order: {special}.")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{cls}: attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary "
                f"size is {token_start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(idf) != len(vocabulary):
                raise ValueError(f"{cls}: `idf_weights` must be the same length as vocabulary. len(idf_weights) "
                                 f"is {len(idf)}; len(vocabulary) is {len(vocabulary)}")
            front = 0 if found_special else token_start
            back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens else 0
            self.idf_weights = np.pad(idf, (front, back), constant_values=(np.average(idf), 0)).astype("float32")

    # --- adapt --------------------------------------------------------------------------------
    def _reset_counts(self):
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_docs = 0

    def reset_state(self):
        if not self._has_input_vocabulary:
            self._reset_counts()

    def adapt(self, data, steps=None):
        """Learn the vocabulary (and IDF weights) from an array/list, or an iterable of batches."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray)) or hasattr(data, "__array__"):
            arr = self._host_tokens(data)
            if arr.ndim == 1:
                arr = arr[:, None]
            self.update_state(arr)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Accumulate token counts of one batch (rows are documents for ``tf_idf``)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via the `vocabulary` "
                "argument or `set_vocabulary()`.")
        docs = data if _is_ragged(data) else self._host_tokens(data)
        if not _is_ragged(data):
            if docs.ndim == 0:
                docs = docs[None]
            if docs.ndim == 1:
                docs = docs[None]
            docs = [row.reshape(-1).tolist() for row in docs]
        else:
            docs = [list(self._normalize_tokens(np.asarray(row, dtype=object)).tolist()) if len(row) else []
                    for row in docs]
        for row in docs:
            self._counts.update(row)
        if self.output_mode == "tf_idf":
            for row in docs:
                self._doc_counts.update(set(row))
            self._num_docs += len(docs)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            self._record_vocabulary_size()
            return
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # count descending, ties by token descending (Keras: np.lexsort((tokens, counts))[::-1])
        tokens = sorted(counts, key=lambda t: (counts[t], self._sort_key(t)), reverse=True)
        if self.max_tokens:
            tokens = tokens[: self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.array([math.log(1 + self._num_docs / (1 + self._doc_counts[t])) for t in tokens],
                           dtype=np.float32)
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=idf.mean() if len(idf) else 0.0)
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self.idf_weights = idf.astype("float32")
        self._reset_counts()

    # --- call ---------------------------------------------------------------------------------
    def _host_tokens(self, inputs):
        return self._normalize_tokens(to_host(inputs))

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _ensure_known_vocab_size(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"{type(self).__name__}: when using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, set the vocabulary before calling the layer: pass `vocabulary` "
                "or call `adapt` with some sample data.")

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, KerasTensor) or is_tracer(inputs) or self._device_path_ok(inputs):
            return super().__call__(inputs, *args, **kwargs)
        self._called = True
        return self._lookup_host(inputs)

    def _device_path_ok(self, inputs):
        return False

    def call(self, inputs):
        return self._lookup_device(inputs)

    def _lookup_device(self, inputs):
        raise TypeError(
            f"{type(self).__name__} runs on host data (numpy arrays or lists of tokens); it cannot run on "
            "traced values inside `jax.jit`. Apply it in the data pipeline.")

    def _oov_ids_host(self, arr):
        n = self.num_oov_indices
        start = self._oov_start_index()
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return np.mod(arr.astype(np.int64), n) + start
        from fkeras.layers.preprocessing.categorical import hash_to_bins

        return hash_to_bins(arr, n, self.salt) + start

    def _lookup_host(self, inputs):
        self._ensure_known_vocab_size()
        arr = self._host_tokens(inputs)
        scalar = arr.ndim == 0
        if scalar:
            arr = arr[None]
        if self.invert:
            out = self._invert_host(arr)
            return out[0] if scalar else out
        flat = arr.reshape(-1)
        uniq, inverse = np.unique(flat, return_inverse=True)
        ids_u = np.array([self._index.get(t, -1) for t in uniq.tolist()], dtype=np.int64)
        ids = ids_u[inverse].reshape(arr.shape)
        oov = ids == -1
        if self.mask_token is not None:
            is_mask = arr == self.mask_token
            oov &= ~is_mask
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(
                    f"{type(self).__name__}: when `num_oov_indices=0` all inputs should be in the vocabulary; "
                    f"found OOV values {sorted(set(arr[oov].tolist()))[:10]}. Consider setting `num_oov_indices=1`.")
            if self.num_oov_indices == 1:
                ids = np.where(oov, self._oov_start_index(), ids)
            else:
                ids = np.where(oov, self._oov_ids_host(arr), ids)
        if self.mask_token is not None:
            ids = np.where(is_mask, 0 if self.output_mode == "int" else np.iinfo(np.int64).max, ids)
        return self._encode_host(ids, scalar)

    def _encode_host(self, ids, scalar):
        if self.output_mode == "int":
            return ids[0] if scalar else ids
        depth = self._depth()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, depth, dtype="float32", xp=np)
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(
                    f"{type(self).__name__}: when `output_mode` is 'tf_idf', `idf_weights` must be provided.")
            out = out * self.idf_weights
        return out.astype("float32")

    def _invert_host(self, arr):
        vocab = self.get_vocabulary()
        ids = arr.astype(np.int64)
        n = len(vocab)
        valid = (ids >= 0) & (ids < n)
        table = np.empty(n, dtype=object)
        table[:] = vocab
        oov_fill = self.oov_token
        out = np.empty(ids.shape, dtype=object)
        out[...] = oov_fill
        out[valid] = table[ids[valid]]
        for j in range(self._oov_start_index(), self._token_start_index()):
            out[ids == j] = oov_fill
        if self.mask_token is not None:
            out[ids == 0] = self.mask_token
        return self._finish_invert(out)

    def _finish_invert(self, out):
        return out

    # --- shapes / config ---------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int32" if self.output_mode == "int" else "float32"
        if self.invert:
            dtype = "int32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary), "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method, "salt": self.salt,
        })
        return config

    def save_assets(self, dir_path):
        """Write the adapted vocabulary to ``dir_path/vocabulary.txt`` (Keras's asset layout)."""
        import os

        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        import os

        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if self.output_mode == "tf_idf":
            self.set_vocabulary(path, idf_weights=self.idf_weights)
        else:
            self.set_vocabulary(path)


def _is_ragged(data):
    """A list of token rows of different lengths (or an explicit row list from TextVectorization)."""
    if type(data).__name__ == "_RowList":
        return True
    return isinstance(data, list) and bool(data) and all(isinstance(r, (list, tuple, np.ndarray)) for r in data) \
        and len({len(r) for r in data}) > 1


def _listify(x):
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return x.tolist()
    if hasattr(x, "tolist"):
        return x.tolist()
    return list(x) if isinstance(x, tuple) else x


class StringLookup(IndexLookup):
    """Maps strings to integer ids from a vocabulary (given, or learned with ``adapt``).

    Ids: ``0`` for ``mask_token`` (when set, ``int`` mode), then ``num_oov_indices`` OOV ids
    (``"[UNK]"``; several OOV ids are assigned by FarmHash, or SipHash with ``salt``), then the
    vocabulary. ``invert=True`` maps ids back to strings. ``output_mode``: ``int`` (int64 ids),
    ``one_hot``, ``multi_hot``, ``count`` or ``tf_idf`` (float32). Host-side: takes numpy string
    arrays or (nested) lists of ``str``/``bytes`` and returns numpy arrays.

    Args:
        max_tokens: optional cap on the vocabulary size, special tokens included; ``adapt`` keeps the
            most frequent tokens. ``None`` (the default) means no cap. Must be above 1 when set.
        num_oov_indices: number of ids reserved for out-of-vocabulary tokens; defaults to 1. With
            several, an unknown token's id is picked by hashing it. With 0, an unknown token raises.
        mask_token: optional token for padding: it gets id 0 in ``"int"`` mode and is dropped in the
            vector modes. ``None`` (the default) reserves no mask id.
        oov_token: the token returned for OOV ids when ``invert=True``; defaults to ``"[UNK]"``.
        vocabulary: optional vocabulary, a list/array of strings or the path of a text file with one
            token per line; then ``adapt`` is not needed (and not allowed).
        idf_weights: optional 1D array of inverse document frequencies, one per vocabulary entry,
            multiplying the counts in ``"tf_idf"`` mode. Required with ``vocabulary`` in that mode
            (``adapt`` learns them otherwise); not allowed in other modes.
        invert: if ``True``, map ids back to tokens (only with ``output_mode="int"``). Defaults to
            ``False``.
        output_mode: ``"int"`` (the default; one id per token), ``"one_hot"`` (one vector per token),
            ``"multi_hot"`` (one vector per sample, 1 where a token occurs), ``"count"`` (occurrence
            counts) or ``"tf_idf"`` (counts times ``idf_weights``). In the vector modes the mask token
            is dropped and the vectors have ``vocabulary_size()`` entries.
        pad_to_max_tokens: if ``True``, vector outputs have ``max_tokens`` entries even when the
            vocabulary is smaller (needs ``max_tokens``). Defaults to ``False``.
        sparse: must be ``False``; sparse outputs are not supported (dense arrays only).
        encoding: the text encoding used to decode ``bytes`` inputs; defaults to ``"utf-8"``.
        name: optional name of the layer.
        salt: optional integer or pair of integers keying a SipHash for the OOV ids when
            ``num_oov_indices > 1``; ``None`` (the default) uses FarmHash64.
        **kwargs: other base layer arguments.

    Input shape:
        Tokens of any shape for ``"int"`` (and ``invert``); up to rank 2 ``(batch_size, tokens)`` for
        the vector modes.

    Output shape:
        The input shape for ``"int"``; ``(batch_size, vocabulary_size)`` for ``"multi_hot"``,
        ``"count"`` and ``"tf_idf"``; ``"one_hot"`` adds (or replaces a size-1) last axis.

    Call arguments:
        inputs: the tokens to look up (or ids, with ``invert=True``).

    Raises:
        ValueError: for ``max_tokens <= 1``, ``pad_to_max_tokens`` without ``max_tokens``, a negative
            ``num_oov_indices``, an unknown ``output_mode``, ``invert`` outside ``"int"`` mode,
            ``sparse=True``, misplaced ``idf_weights`` or a malformed ``salt``; at call time for an
            unknown token with ``num_oov_indices=0``.

    Example:
        layer = keras.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
        layer([["a", "c", "d"], ["d", "z", "b"]])   # [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _normalize_tokens(self, arr):
        arr = np.asarray(arr)
        if arr.dtype.kind in "iuf":
            if self.invert:
                return arr
            raise TypeError(f"StringLookup expects string inputs; received an array of dtype {arr.dtype}.")
        if arr.dtype.kind in "SO":
            return decode_strings(arr, self.encoding)
        return arr.astype(object)

    def _host_tokens(self, inputs):
        if self.invert:
            return to_host(inputs)
        return self._normalize_tokens(to_host(inputs))

    def _finish_invert(self, out):
        return out.astype(str)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous ids from a vocabulary (given, or learned with ``adapt``).

    Same id layout and modes as ``StringLookup``; ``oov_token=-1``. Several OOV ids are assigned by
    ``floormod`` (or FarmHash with ``oov_method="farmhash"``). Numpy/list inputs are looked up on
    the host (int64 ids); JAX arrays — including traced ones inside a jitted model — use a
    ``jax.numpy`` path (int32 ids), so the layer can sit inside a model.

    Args:
        max_tokens: optional cap on the vocabulary size, special tokens included; ``adapt`` keeps the
            most frequent values. ``None`` (the default) means no cap. Must be above 1 when set.
        num_oov_indices: number of ids reserved for out-of-vocabulary values; defaults to 1. With
            several, an unknown value ``v`` gets ``v mod num_oov_indices`` (see ``oov_method``). With 0,
            an unknown value raises.
        mask_token: optional integer for padding (often 0): it gets id 0 in ``"int"`` mode and is
            dropped in the vector modes. ``None`` (the default) reserves no mask id.
        oov_token: the value returned for OOV ids when ``invert=True``; defaults to -1.
        vocabulary: optional vocabulary, a list/array of integers or the path of a text file with one
            value per line; then ``adapt`` is not needed (and not allowed).
        vocabulary_dtype: the dtype of the vocabulary; only ``"int64"`` (the default) is supported.
        idf_weights: optional 1D array of inverse document frequencies, one per vocabulary entry,
            multiplying the counts in ``"tf_idf"`` mode. Required with ``vocabulary`` in that mode
            (``adapt`` learns them otherwise); not allowed in other modes.
        invert: if ``True``, map ids back to tokens (only with ``output_mode="int"``). Defaults to
            ``False``.
        output_mode: ``"int"`` (the default; one id per token), ``"one_hot"`` (one vector per token),
            ``"multi_hot"`` (one vector per sample, 1 where a token occurs), ``"count"`` (occurrence
            counts) or ``"tf_idf"`` (counts times ``idf_weights``). In the vector modes the mask token
            is dropped and the vectors have ``vocabulary_size()`` entries.
        sparse: must be ``False``; sparse outputs are not supported (dense arrays only).
        pad_to_max_tokens: if ``True``, vector outputs have ``max_tokens`` entries even when the
            vocabulary is smaller (needs ``max_tokens``). Defaults to ``False``.
        oov_method: how several OOV ids are assigned: ``"floormod"`` (the default; the value modulo
            ``num_oov_indices``) or ``"farmhash"`` (a hash of the value; host data only).
        salt: optional integer or pair of integers keying a SipHash for ``oov_method="farmhash"``.
        name: optional name of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        Tokens of any shape for ``"int"`` (and ``invert``); up to rank 2 ``(batch_size, tokens)`` for
        the vector modes.

    Output shape:
        The input shape for ``"int"``; ``(batch_size, vocabulary_size)`` for ``"multi_hot"``,
        ``"count"`` and ``"tf_idf"``; ``"one_hot"`` adds (or replaces a size-1) last axis.

    Call arguments:
        inputs: the tokens to look up (or ids, with ``invert=True``).

    Raises:
        ValueError: for a ``vocabulary_dtype`` other than ``"int64"``, ``max_tokens <= 1``,
            ``pad_to_max_tokens`` without ``max_tokens``, a negative ``num_oov_indices``, an unknown
            ``output_mode`` or ``oov_method``, ``invert`` outside ``"int"`` mode, ``sparse=True``, or
            misplaced ``idf_weights``/``salt``.

    Example:
        layer = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
        layer(np.array([[12, 1138, 42], [42, 1000, 36]]))   # [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(
                "IntegerLookup: only `vocabulary_dtype='int64'` is supported at this time. Received: "
                f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _normalize_tokens(self, arr):
        arr = np.asarray(arr)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"IntegerLookup expects integer inputs; received an array of dtype {arr.dtype}.")
        return arr.astype(np.int64)

    def _finish_invert(self, out):
        return out.astype(np.int64)

    def _device_path_ok(self, inputs):
        return isinstance(inputs, jnp.ndarray) and not isinstance(inputs, np.ndarray)

    def _lookup_device(self, inputs):
        self._ensure_known_vocab_size()
        x = jnp.asarray(inputs)
        if jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.int32)
        if self.invert:
            table = jnp.asarray(np.asarray(self.get_vocabulary(), np.int64).astype(np.int32))
            n = table.shape[0]
            out = jnp.where((x >= 0) & (x < n), table[jnp.clip(x, 0, n - 1)], self.oov_token)
            oov_ids = (x >= self._oov_start_index()) & (x < self._token_start_index())
            out = jnp.where(oov_ids, self.oov_token, out)
            if self.mask_token is not None:
                out = jnp.where(x == 0, self.mask_token, out)
            return out.astype(jnp.int32)
        keys = jnp.asarray(self._sorted_keys.astype(np.int32))
        vals = jnp.asarray(self._sorted_vals.astype(np.int32))
        if keys.shape[0] == 0:
            found = jnp.zeros(x.shape, bool)
            ids = jnp.full(x.shape, -1, jnp.int32)
        else:
            pos = jnp.clip(jnp.searchsorted(keys, x), 0, keys.shape[0] - 1)
            found = keys[pos] == x
            ids = jnp.where(found, vals[pos], -1)
        if self.num_oov_indices == 1:
            ids = jnp.where(found, ids, self._oov_start_index())
        elif self.num_oov_indices > 1:
            if self.oov_method == "farmhash":
                raise TypeError("IntegerLookup with oov_method='farmhash' runs on host data only (numpy arrays).")
            ids = jnp.where(found, ids, jnp.mod(x, self.num_oov_indices) + self._oov_start_index())
        if self.mask_token is not None:
            ids = jnp.where(x == self.mask_token, 0 if self.output_mode == "int" else -1, ids)
        if self.output_mode == "int":
            return ids.astype(jnp.int32)
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, self._depth(), dtype="float32")
        if self.output_mode == "tf_idf":
            out = out * jnp.asarray(self.idf_weights)
        return out

    def get_config(self):
        config = super().get_config()
        if config["oov_token"] is not None:
            config["oov_token"] = int(config["oov_token"])
        if config["mask_token"] is not None:
            config["mask_token"] = int(config["mask_token"])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
