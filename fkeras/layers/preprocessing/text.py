"""``TextVectorization``: standardize, split, n-grams and vocabulary lookup, on the host.

Matches Keras/TensorFlow text handling: ``lower`` lowercases ASCII letters only (as
``tf.strings.lower``), punctuation stripping uses Keras's regex, ``whitespace`` splitting drops
empty tokens, ``character`` splits into Unicode code points, n-grams of each width are appended
in order with a single space. Callable ``standardize`` receives a numpy array of ``str`` and
returns one; callable ``split`` receives a numpy array of ``str`` and returns a list of token
lists.
"""
from __future__ import annotations

import re

import numpy as np

from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.preprocessing._base import check_choice, decode_strings, to_host
from fkeras.layers.preprocessing.lookup import StringLookup, _listify

_PUNCT = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WS = re.compile(r"[ \t\n\r\v\f]+")
_ASCII_LOWER = {i: i + 32 for i in range(ord("A"), ord("Z") + 1)}


def _ngrams(tokens, widths):
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextVectorization(Layer):
    """Turns raw strings into token ids (``int``) or bag-of-words vectors.

    ``adapt(texts)`` learns the vocabulary (by frequency, ties in reverse token order, at most
    ``max_tokens`` including the padding ``""`` id 0 and ``"[UNK]"`` id 1). In ``int`` mode rows
    are padded with 0 / truncated to ``output_sequence_length`` (or padded to the longest row).
    Takes numpy string arrays or lists of ``str`` (rank 1, or rank 2 with a last axis of 1) and
    returns numpy arrays (int64 ids, float32 vectors). Runs on the host: use it in the input
    pipeline, or on the data before ``fit``.

    Each string goes through four steps: standardize (e.g. lowercase and strip punctuation), split
    into tokens, optionally add n-grams, then look the tokens up in the vocabulary (an internal
    ``StringLookup`` with mask token ``""``).

    Args:
        max_tokens: optional cap on the vocabulary size, including the padding and OOV ids; ``adapt``
            keeps the most frequent tokens. ``None`` (the default) means no cap.
        standardize: ``"lower_and_strip_punctuation"`` (the default), ``"lower"`` (ASCII letters
            only, as TensorFlow), ``"strip_punctuation"``, ``None`` (no change), or a callable taking a
            numpy array of ``str`` and returning one of the same shape.
        split: ``"whitespace"`` (the default; empty tokens dropped), ``"character"`` (Unicode code
            points), ``None`` (each string is one token), or a callable taking a 1D numpy array of
            ``str`` and returning a list of token lists.
        ngrams: ``None`` (the default; tokens only), an integer ``n`` (all n-grams of widths 1 to
            ``n``) or a tuple of widths (e.g. ``(1, 3)``); n-grams join tokens with one space.
        output_mode: ``"int"`` (the default; a sequence of ids per string), ``"multi_hot"``,
            ``"count"``, ``"tf_idf"`` (one vector per string, of the vocabulary size), or
            ``"one_hot"`` (only for one token per string).
        output_sequence_length: ``"int"`` mode only: pad with 0 or truncate every row to this length;
            ``None`` (the default) pads to the longest row of the batch.
        pad_to_max_tokens: vector modes only: if ``True``, vectors have ``max_tokens`` entries even
            when the vocabulary is smaller. Defaults to ``False``.
        vocabulary: optional vocabulary, a list of strings or the path of a text file with one token
            per line (without the padding and OOV tokens); then ``adapt`` is not needed.
        idf_weights: ``"tf_idf"`` mode only: the inverse document frequency of each vocabulary entry,
            required together with ``vocabulary``.
        sparse: must be ``False``; sparse outputs are not supported.
        ragged: ``"int"`` mode only: if ``True``, return a list of unpadded id arrays (one per string,
            truncated to ``output_sequence_length`` when set) instead of a padded matrix. Defaults to
            ``False``.
        encoding: the text encoding used to decode ``bytes`` inputs; defaults to ``"utf-8"``.
        name: optional name of the layer.
        **kwargs: other base layer arguments.

    Input shape:
        Strings of shape ``(batch_size,)`` or ``(batch_size, 1)``.

    Output shape:
        ``(batch_size, output_sequence_length)`` int64 ids in ``"int"`` mode;
        ``(batch_size, vocabulary_size)`` float32 vectors in the other modes.

    Call arguments:
        inputs: the strings (a numpy array or a list of ``str``/``bytes``).

    Raises:
        ValueError: for an unknown ``standardize``, ``split`` or ``output_mode``, ``sparse=True``, a
            malformed ``ngrams``, ``output_sequence_length`` or ``ragged`` outside ``"int"`` mode, or
            inputs of rank 2 with a last axis other than 1.

    Example:
        vec = keras.layers.TextVectorization(output_sequence_length=4)
        vec.adapt(["the cat sat", "the dog"])
        vec(["the cat"])   # [[2, 3, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if not callable(standardize) and standardize is not None:
            check_choice(standardize, ("lower_and_strip_punctuation", "lower", "strip_punctuation"),
                         "standardize", "TextVectorization")
        if not callable(split) and split is not None:
            check_choice(split, ("whitespace", "character"), "split", "TextVectorization")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_choice(output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"), "output_mode",
                     "TextVectorization")
        if sparse:
            raise ValueError("TextVectorization: `sparse=True` is not supported by fkeras (dense arrays).")
        if not (ngrams is None or isinstance(ngrams, int) or
                (isinstance(ngrams, (tuple, list)) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError(
                f"TextVectorization: `ngrams` must be None, an integer, or a tuple of integers. "
                f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError(
                "TextVectorization: `output_sequence_length` must be either None or an integer when "
                f"`output_mode` is 'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "TextVectorization: `output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError("TextVectorization: `ragged=True` requires `output_mode='int'`.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else (
            tuple(ngrams) if ngrams is not None else None)
        self._ragged = bool(ragged)
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_vocab, encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # --- text processing --------------------------------------------------------------------
    def _as_strings(self, inputs):
        arr = to_host(inputs)
        if arr.dtype.kind in "SO":
            arr = decode_strings(arr, self._encoding)
        return arr.astype(object)

    def _standardize_array(self, arr):
        std = self._standardize
        if std is None:
            return arr
        if callable(std):
            return np.asarray(std(arr), dtype=object).reshape(arr.shape) if np.ndim(arr) else arr
        out = np.empty(arr.shape, dtype=object)
        for idx, s in np.ndenumerate(arr):
            if std in ("lower", "lower_and_strip_punctuation"):
                s = s.translate(_ASCII_LOWER)
            if std in ("strip_punctuation", "lower_and_strip_punctuation"):
                s = _PUNCT.sub("", s)
            out[idx] = s
        return out

    def _preprocess(self, inputs):
        """Strings -> a list (one per row) of token lists, or an array when ``split=None``."""
        arr = self._standardize_array(self._as_strings(inputs))
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError("TextVectorization: `ngrams` requires `split` to be set.")
            return arr
        if arr.ndim > 1:
            if arr.shape[-1] != 1:
                raise ValueError(
                    "TextVectorization: when tokenizing strings, the input rank must be 1 or the last shape "
                    f"dimension must be 1. Received: inputs.shape={arr.shape} with rank={arr.ndim}")
            arr = arr.reshape(arr.shape[:-1])
        if arr.ndim == 0:
            arr = arr[None]
        if callable(self._split):
            rows = [list(r) for r in self._split(arr)]
        elif self._split == "whitespace":
            rows = [[t for t in _WS.split(s) if t] for s in arr.reshape(-1)]
        else:
            rows = [list(s) for s in arr.reshape(-1)]
        if self._ngrams is not None:
            rows = [_ngrams(r, self._ngrams) for r in rows]
        return rows

    # --- vocabulary ---------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from an array/list of strings or an iterable of batches."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, str)) or hasattr(data, "__array__"):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        self.finalize_state()

    def update_state(self, data):
        processed = self._preprocess(data)
        if isinstance(processed, np.ndarray):
            self._lookup_layer.update_state(processed.reshape(-1, 1) if processed.ndim < 2 else processed)
        else:
            self._lookup_layer.update_state(_RowList(processed))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # --- call ---------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)

    def call(self, inputs):
        processed = self._preprocess(inputs)
        lookup = self._lookup_layer
        if isinstance(processed, np.ndarray):
            return lookup._lookup_host(processed)
        if self._output_mode != "int":
            lookup._ensure_known_vocab_size()
            depth = lookup._depth()
            if self._output_mode == "one_hot":
                if any(len(r) != 1 for r in processed):
                    raise ValueError(
                        "TextVectorization: output_mode='one_hot' needs exactly one token per row; use "
                        "'multi_hot' or 'count' for multi-token strings.")
                return lookup._lookup_host(np.asarray([r[0] for r in processed], dtype=object))
            out = np.zeros((len(processed), depth), np.float32)
            for i, row in enumerate(processed):
                if row:  # the lookup layer encodes a 1-D row into one (depth,) vector
                    out[i] = lookup._lookup_host(np.asarray(row, dtype=object))
            return out
        id_rows = [lookup._lookup_host(np.asarray(r, dtype=object)) if r else np.zeros(0, np.int64)
                   for r in processed]
        if self._ragged:
            rows = id_rows if self._output_sequence_length is None else \
                [r[: self._output_sequence_length] for r in id_rows]
            return rows
        length = self._output_sequence_length
        if length is None:
            length = max((len(r) for r in id_rows), default=0)
        out = np.zeros((len(id_rows), length), np.int64)
        for i, r in enumerate(id_rows):
            r = r[:length]
            out[i, : len(r)] = r
        return out

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape)
            if len(input_shape) > 1 and input_shape[-1] == 1:
                # `call` drops a last axis of 1 before splitting, so (batch, 1) strings give one
                # token row per sample (Keras 3 keeps the axis here, unlike its own call).
                input_shape = input_shape[:-1]
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int32" if self._output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "max_tokens": self._lookup_layer.max_tokens, "standardize": self._standardize, "split": self._split,
            "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens, "sparse": False, "ragged": self._ragged,
            "vocabulary": _listify(self._lookup_layer.input_vocabulary),
            "idf_weights": _listify(self._lookup_layer.input_idf_weights), "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        for k in ("standardize", "split"):
            if isinstance(config.get(k), dict):
                from fkeras.saving import registry

                config[k] = registry.deserialize_keras_object(config[k])
        return super().from_config(config)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)


class _RowList(list):
    """Marks a list of token rows (possibly of different lengths) for ``IndexLookup.update_state``."""
