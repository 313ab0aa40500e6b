"""``keras.utils.FeatureSpace``: preprocess and encode structured (tabular) data in one object.

A FeatureSpace maps each named column to a preprocessing layer (``Normalization``,
``Discretization``, ``StringLookup``/``IntegerLookup``, ``Hashing``, ``Rescaling``), optionally
crosses columns with ``HashedCrossing``, one-hot encodes the categorical results and
concatenates everything into one float vector per row (or returns a dict of encoded columns).

fkeras runs it on the host, in the input pipeline (lookups and hashing work on strings, which
JAX arrays cannot hold): ``adapt`` takes a dict of arrays/lists, an iterable of dict batches or a
``tf.data.Dataset``; calling the FeatureSpace on a dict of arrays returns numpy arrays. For the
Functional API, ``get_inputs()`` / ``get_encoded_features()`` give the symbolic inputs and the
encoded tensor, so a model can be trained on the encoded features and an inference model
called on raw dicts (eagerly: ``model(raw_dict)``).
"""
from __future__ import annotations

import numpy as np

from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.core import Identity
from fkeras.layers.preprocessing.categorical import Discretization, HashedCrossing, Hashing
from fkeras.layers.preprocessing.lookup import IntegerLookup, StringLookup
from fkeras.layers.preprocessing.normalization import Normalization, Rescaling
from fkeras.utils.feature_space_parts import (
    Cross,
    Feature,
    as_column,
    cast_column,
    from_serialized,
    positive_int,
    string_input,
)


def _frame_to_dict(data):
    """A pandas DataFrame as a dict of column arrays; anything else unchanged."""
    if hasattr(data, "columns") and hasattr(data, "to_numpy") and not isinstance(data, dict):
        return {str(c): data[c].to_numpy() for c in data.columns}
    return data


_FEATURE_TYPES = ("float", "float_normalized", "float_rescaled", "float_discretized", "integer_categorical",
                  "string_categorical", "integer_hashed", "string_hashed")


class FeatureSpace(Layer):
    """Preprocess and encode structured data: one preprocessing layer per column, crosses, one-hot
    encodings and a concatenated output, set up by name.

    Feature types (strings use the defaults, or call the class methods for options):
    ``"float"`` (as is), ``"float_rescaled"`` (``Rescaling``), ``"float_normalized"``
    (``Normalization``, adapted), ``"float_discretized"`` (``Discretization`` into
    ``num_discretization_bins`` bins, adapted), ``"integer_categorical"`` / ``"string_categorical"``
    (``IntegerLookup`` / ``StringLookup``, adapted), ``"integer_hashed"`` / ``"string_hashed"``
    (``Hashing`` into ``hashing_dim`` bins). Categorical features and crosses are one-hot encoded
    by default. The output concatenates the encoded features in sorted name order, then the
    crosses in sorted name order.

    Args:
        features: Dict from feature name to a type name (``"string_categorical"``) or a feature
            made by a class method (``FeatureSpace.integer_categorical(max_tokens=10)``).
        output_mode: ``"concat"`` (one float vector per row) or ``"dict"`` (a dict of encoded
            features, crosses included, keyed by name).
        crosses: Features to cross: tuples of names (hashed into ``crossing_dim`` bins) or
            ``FeatureSpace.cross(...)`` objects.
        crossing_dim: Default number of bins of a cross given as a tuple.
        hashing_dim: Number of bins of ``"integer_hashed"`` / ``"string_hashed"`` features given
            by name.
        num_discretization_bins: Number of bins of ``"float_discretized"`` features given by name.
        name: Optional name of the FeatureSpace.

    Example:
        >>> data = {"price": [1.0, 2.5, 4.0], "color": ["red", "blue", "red"], "size": [1, 2, 3]}
        >>> fs = keras.utils.FeatureSpace(
        ...     features={"price": "float_normalized", "color": "string_categorical",
        ...               "size": "integer_categorical"},
        ...     crosses=[("color", "size")], crossing_dim=8)
        >>> fs.adapt(data)
        >>> fs(data).shape            # 1 + 3 + 4 + 8 columns (OOV ids included)
        (3, 16)
        >>> inputs, encoded = fs.get_inputs(), fs.get_encoded_features()
        >>> outputs = keras.layers.Dense(1, activation="sigmoid")(encoded)
        >>> training_model = keras.Model(encoded, outputs)   # fit on fs(x)
        >>> inference_model = keras.Model(inputs, outputs)   # call on raw dicts: inference_model(raw)
    """

    # --- feature constructors ------------------------------------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        """A cross of features, hashed into ``crossing_dim`` bins.

        Args:
            feature_names: Names of the features to cross.
            crossing_dim: Number of hash bins.
            output_mode: ``"one_hot"`` or ``"int"``.

        Returns:
            A ``Cross`` to pass in ``crosses``.
        """
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        """A feature with your own preprocessing layer.

        Args:
            dtype: Raw values' dtype (``"float32"``, ``"int32"``, ``"string"``).
            preprocessor: The layer (adapted by ``FeatureSpace.adapt`` if it has ``adapt``).
            output_mode: ``"float"``, ``"one_hot"`` or ``"int"``.

        Returns:
            A ``Feature``.
        """
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        """Float values used as they are.

        Args:
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("float")
        return Feature("float32", Identity(name=f"{name}_preprocessor", dtype="float32"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        """Float values mapped to ``x * scale + offset`` (a ``Rescaling`` layer).

        Args:
            scale: Multiplier.
            offset: Added after scaling.
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("float_rescaled")
        layer = Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_normalized(cls, name=None):
        """Float values standardized to zero mean and unit variance (``Normalization``, adapted).

        Args:
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        """Float values bucketed into bins (``Discretization``), one-hot encoded by default.

        Args:
            num_bins: Number of bins; ``adapt`` learns equal-frequency boundaries.
            bin_boundaries: Fixed boundaries instead (``num_bins`` must then be
                ``len(bin_boundaries) + 1`` or None); the feature is not adapted.
            output_mode: ``"one_hot"`` or ``"int"`` (the bin id).
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("float_discretized")
        if bin_boundaries is not None:
            if num_bins is not None and num_bins != len(bin_boundaries) + 1:
                raise ValueError(f"float_discretized: {len(bin_boundaries)} `bin_boundaries` make "
                                 f"{len(bin_boundaries) + 1} bins, but num_bins={num_bins}.")
            layer = Discretization(bin_boundaries=bin_boundaries, name=f"{name}_preprocessor")
        else:
            layer = Discretization(num_bins=positive_int(num_bins, "num_bins", "float_discretized"),
                                             name=f"{name}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """Integer categories indexed by an adapted ``IntegerLookup``, one-hot encoded by default.

        Args:
            max_tokens: Largest vocabulary size (OOV ids included); None for no limit.
            num_oov_indices: Number of ids for values outside the vocabulary (0: such values raise).
            output_mode: ``"one_hot"`` or ``"int"``.
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("integer_categorical")
        layer = IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                        num_oov_indices=num_oov_indices)
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        """String categories indexed by an adapted ``StringLookup``, one-hot encoded by default.

        Args:
            max_tokens: Largest vocabulary size (OOV ids included); None for no limit.
            num_oov_indices: Number of ids for values outside the vocabulary (0: such values raise).
            output_mode: ``"one_hot"`` or ``"int"``.
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("string_categorical")
        layer = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                       num_oov_indices=num_oov_indices)
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Strings hashed into ``num_bins`` bins (``Hashing``), one-hot encoded by default.

        Args:
            num_bins: Number of hash bins.
            output_mode: ``"one_hot"`` or ``"int"``.
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("string_hashed")
        return Feature("string", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Integers hashed into ``num_bins`` bins (``Hashing``), one-hot encoded by default.

        Args:
            num_bins: Number of hash bins.
            output_mode: ``"one_hot"`` or ``"int"``.
            name: Base name of the preprocessing layer (automatic if None).

        Returns:
            A ``Feature``.
        """
        from fkeras.utils import naming

        name = name or naming.auto_name("integer_hashed")
        return Feature("int32", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    # --- construction ------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features or not isinstance(features, dict):
            raise ValueError(f"The `features` argument must be a non-empty dict. Received: features={features!r}")
        if output_mode not in ("concat", "dict"):
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode!r}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = positive_int(hashing_dim, "hashing_dim", "FeatureSpace")
        self.num_discretization_bins = positive_int(num_discretization_bins, "num_discretization_bins",
                                                     "FeatureSpace")
        self.output_mode = output_mode
        self.features = {str(k): self._standardize_feature(str(k), v) for k, v in features.items()}
        self.crosses = [self._standardize_cross(c, crossing_dim) for c in (crosses or [])]
        self.crosses_by_name = {c.name: c for c in self.crosses}
        if output_mode == "concat":
            int_mode = [n for n, f in self.features.items() if f.output_mode == "int"] + [
                c.name for c in self.crosses if c.output_mode == "int"]
            if int_mode:
                raise ValueError(f"Cannot concatenate features {int_mode}: they have `output_mode='int'` (they are "
                                 "not encoded). Use `output_mode='dict'` or encode them with 'one_hot'.")
        # Sorted by name, the order a Functional model flattens a dict of inputs in.
        self.inputs = {n: self._feature_to_input(n, self.features[n]) for n in sorted(self.features)}
        self.preprocessors = {n: f.preprocessor for n, f in self.features.items()}
        self.crossers = {c.name: HashedCrossing(c.crossing_dim, name=c.name) for c in self.crosses}
        self.encoded_features = None
        self._is_adapted = False
        self._sublayers_built = False
        self.built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return from_serialized(feature, Feature)
        if feature == "float":
            return self.float(name=name)
        if feature == "float_normalized":
            return self.float_normalized(name=name)
        if feature == "float_rescaled":
            return self.float_rescaled(name=name)
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature == "integer_categorical":
            return self.integer_categorical(name=name)
        if feature == "string_categorical":
            return self.string_categorical(name=name)
        if feature == "integer_hashed":
            return self.integer_hashed(self.hashing_dim, name=name)
        if feature == "string_hashed":
            return self.string_hashed(self.hashing_dim, name=name)
        from fkeras.utils import naming

        if isinstance(feature, str):
            raise naming.unknown_identifier_error(f"FeatureSpace feature type (feature '{name}')", feature,
                                                  _FEATURE_TYPES)
        raise ValueError(f"Invalid feature type for '{name}': expected one of {_FEATURE_TYPES} or a FeatureSpace "
                         f"feature. Received: {feature!r}")

    def _standardize_cross(self, cross, crossing_dim):
        if isinstance(cross, dict):
            cross = from_serialized(cross, Cross)
        elif not isinstance(cross, Cross):
            if not crossing_dim:
                raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                                 "crossing space) should be specified as well.")
            cross = Cross(cross, crossing_dim=crossing_dim)
        unknown = [n for n in cross.feature_names if n not in self.features]
        if unknown:
            raise ValueError("All features referenced in the `crosses` argument should be present in the `features` "
                             f"dict. Received unknown features: {unknown} in cross {cross.feature_names}")
        return cross

    def _feature_to_input(self, name, feature):
        from fkeras.layers.input_layer import Input

        if feature.dtype == "string":
            return string_input(name)
        return Input(shape=(1,), dtype=feature.dtype, name=name)

    # --- adapt --------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        names = []
        for name, preprocessor in self.preprocessors.items():
            if not hasattr(preprocessor, "adapt"):
                continue
            if getattr(preprocessor, "input_mean", None) is not None:  # Normalization with mean/variance
                continue
            if getattr(preprocessor, "_has_input_vocabulary", False):  # lookups with a given vocabulary
                continue
            if type(preprocessor).__name__ == "Discretization" and preprocessor.num_bins is None:
                continue  # fixed bin boundaries
            names.append(name)
        return names

    def adapt(self, dataset):
        """Learn the statistics of the adaptable features (normalization moments, vocabularies,
        discretization boundaries) from data, in one pass.

        Args:
            dataset: A dict from feature name to an array or list of all the values (or a
                pandas DataFrame with one column per feature); an
                iterable of such dicts (batches, or single rows), or of ``(features, labels)``
                pairs whose ``features`` is such a dict; or a ``tf.data.Dataset`` yielding them.
        """
        adaptable = self._list_adaptable_preprocessors()
        columns = self._collect_columns(dataset, adaptable)
        self.encoded_features = None  # widths (vocabulary sizes) may change
        for name in adaptable:
            values = np.concatenate(columns[name], axis=0)
            self.preprocessors[name].adapt(cast_column(values, self.features[name].dtype))
        self._is_adapted = True
        self.get_encoded_features()  # finish building (cardinalities are known now)
        self.built = True

    def _collect_columns(self, dataset, names):
        dataset = _frame_to_dict(dataset)
        if isinstance(dataset, dict):
            batches = [dataset]
        elif hasattr(dataset, "as_numpy_iterator"):  # tf.data.Dataset, without importing tensorflow
            batches = dataset.as_numpy_iterator()
        elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes, np.ndarray)):
            batches = dataset
        else:
            raise ValueError("`adapt()` can only be called on a dict of arrays/lists, an iterable of such dicts or a "
                             f"tf.data.Dataset. Received instead: {type(dataset).__name__}")
        columns = {n: [] for n in names}
        for element in batches:
            if isinstance(element, (tuple, list)) and element and isinstance(element[0], dict):
                element = element[0]  # (features, labels) pairs
            if not isinstance(element, dict):
                raise ValueError(f"`adapt()` expects dicts of feature values; received an element of type "
                                 f"{type(element).__name__}.")
            missing = [n for n in names if n not in element]
            if missing:
                raise ValueError(f"`adapt()` data is missing features {missing}; it has keys {list(element)}.")
            for n in names:
                columns[n].append(as_column(element[n], n))
        empty = [n for n in names if not columns[n]]
        if empty:
            raise ValueError("`adapt()` received no data (an empty dataset).")
        return columns

    # --- symbolic API -------------------------------------------------------------------------
    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self._sublayers_built = True
            self.built = True
            self.get_encoded_features()

    def get_inputs(self):
        """The symbolic inputs, one ``keras.Input`` of shape ``(None, 1)`` per feature.

        Returns:
            A dict from feature name to ``KerasTensor`` (string features have dtype ``"string"``).
        """
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The FeatureSpace applied to ``get_inputs()``: the symbolic encoded output.

        Returns:
            A ``KerasTensor`` of shape ``(None, output_dim)`` (``"concat"``) or a dict of them
            (``"dict"``). Use it as a Functional model's input (to train on encoded batches) or
            continue the graph from it (an inference model on the raw inputs).
        """
        self._check_if_adapted()
        if self.encoded_features is None:
            self._sublayers_built = True
            self.built = True
            self.encoded_features = self(self.inputs)
        return self.encoded_features

    def _output_names(self):
        return sorted(self.features) + sorted(self.crosses_by_name)

    def _cardinality(self, name):
        layer = self.preprocessors.get(name) or self.crossers.get(name)
        kind = type(layer).__name__
        if kind in ("IntegerLookup", "StringLookup"):
            return layer.vocabulary_size()
        if kind == "CategoryEncoding":
            return layer.num_tokens
        if kind == "Discretization":
            return layer.num_bins if layer.num_bins is not None else len(layer.bin_boundaries) + 1
        if kind in ("Hashing", "HashedCrossing"):
            return layer.num_bins
        raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and the "
                         "dimensionality of its output space is not known, thus it cannot be one-hot encoded. Try "
                         "using `output_mode='int'`.")

    def _encoded_spec(self, name):
        """``(width, dtype)`` of one encoded output column group."""
        spec = self.features.get(name) or self.crosses_by_name[name]
        if spec.output_mode == "one_hot":
            return self._cardinality(name), "float32"
        layer = self.preprocessors.get(name) or self.crossers.get(name)
        if spec.output_mode == "int":
            return 1, ("int32" if type(layer).__name__ == "Discretization" else "int64")
        try:
            width = tuple(layer.compute_output_shape((None, 1)))[-1]
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"Cannot infer the output width of feature '{name}' ({type(layer).__name__}): "
                             f"{e}") from e
        return width, "float32"

    def compute_output_spec(self, data):
        """The symbolic output for symbolic ``data`` (a dict of ``KerasTensor``s).

        Args:
            data: Dict from feature name to ``KerasTensor``.

        Returns:
            A ``KerasTensor`` (``"concat"``) or a dict of them (``"dict"``).
        """
        batch = next(iter(data.values())).shape[0] if data else None
        specs = {n: self._encoded_spec(n) for n in self._output_names()}
        if self.output_mode == "dict":
            return {n: KerasTensor((batch, w), d) for n, (w, d) in specs.items()}
        return KerasTensor((batch, int(np.sum([w for w, _ in specs.values()]))), "float32")

    # --- calling ------------------------------------------------------------------------------
    def __call__(self, data, *args, **kwargs):
        data = _frame_to_dict(data)
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data!r} (of type "
                             f"{type(data).__name__})")
        if any(isinstance(v, KerasTensor) for v in data.values()):
            self._check_if_adapted()
            self._sublayers_built = True
            self.built = True
            return super().__call__(data)
        return self.call(data)

    def call(self, data):
        """Encode a dict of raw feature values (host arrays) — see the class docstring.

        Args:
            data: Dict from feature name to values of shape ``()``, ``(batch,)`` or
                ``(batch, 1)`` (numpy arrays, lists, jax arrays, tf tensors). Extra keys are
                ignored.

        Returns:
            ``"concat"``: a float32 numpy array ``(batch, output_dim)`` (``(output_dim,)`` for
            scalar inputs). ``"dict"``: a dict of numpy arrays, one per feature and cross.
        """
        import jax

        if any(isinstance(v, jax.core.Tracer) for v in data.values()):
            raise TypeError("A FeatureSpace runs on host data (it looks up strings and hashes values) and cannot "
                            "be traced inside `jax.jit`. Apply it in the input pipeline (`feature_space(x)`) and "
                            "train on the encoded arrays, or call a model that contains it eagerly: `model(x)`.")
        self._check_if_built()
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(f"The FeatureSpace input is missing features {missing}; it has keys {list(data)}.")
        rebatched = any(np.ndim(data[n]) == 0 for n in self.features)
        columns = {}
        for name, feature in self.features.items():
            try:
                columns[name] = cast_column(as_column(data[name], name), feature.dtype)
            except ValueError as e:
                raise ValueError(f"Feature '{name}': {e}") from e
        sizes = {len(c) for c in columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"All features must have the same batch size; received sizes "
                             f"{ {n: len(c) for n, c in columns.items()} }.")
        preprocessed = {n: np.asarray(self.preprocessors[n](columns[n])) for n in self.features}
        crossed = {c.name: np.asarray(self.crossers[c.name]([preprocessed[n] for n in c.feature_names]))
                   for c in self.crosses}
        encoded = {}
        from fkeras.layers.preprocessing._base import encode_categorical

        for name in self._output_names():
            value = preprocessed[name] if name in preprocessed else crossed[name]
            spec = self.features.get(name) or self.crosses_by_name[name]
            if spec.output_mode == "one_hot":
                if value.dtype.kind not in "iu":
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should "
                                     f"return an integer dtype. Instead it returns a {value.dtype} dtype.")
                value = encode_categorical(value.reshape(len(value), -1), "multi_hot", self._cardinality(name),
                                           dtype="float32", xp=np)
            elif spec.output_mode == "float":
                value = value.reshape(len(value), -1).astype(np.float32)
            encoded[name] = value
        if self.output_mode == "dict":
            if rebatched:
                encoded = {n: v[0] if v.ndim == 2 and v.shape[0] == 1 else v for n, v in encoded.items()}
            return encoded
        out = np.concatenate([encoded[n] for n in self._output_names()], axis=-1)
        return out[0] if rebatched else out

    # --- config and saving -------------------------------------------------------------------
    def get_config(self):
        from fkeras.saving import registry

        return {
            "features": registry.serialize_keras_object(self.features),
            "output_mode": self.output_mode,
            "crosses": registry.serialize_keras_object(self.crosses),
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: f.preprocessor.get_build_config() for name, f in self.features.items()}

    def build_from_config(self, config):
        for name, build_config in (config or {}).items():
            layer = self.features[name].preprocessor if name in self.features else None
            if layer is not None and build_config and not layer.built:
                layer.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath):
        """Save the FeatureSpace (configuration and adapted state) to a ``.keras`` file; reload it
        with ``keras.models.load_model(filepath)``.

        Args:
            filepath: A path ending in ``.keras``.
        """
        from fkeras.saving import saving_lib

        if not str(filepath).endswith(".keras"):
            raise ValueError(f"FeatureSpace.save: the file path must end in `.keras`. Received: filepath={filepath}")
        self._check_if_adapted()
        saving_lib.save_model(self, filepath)
