"""scikit-learn estimators around fkeras models (Keras 3's ``keras.wrappers``).

The three wrappers follow scikit-learn's estimator protocol, so they can be cloned, put in a
``Pipeline``, cross-validated and grid-searched. Each holds a *recipe* for a model (a compiled
``keras.Model``, or a function building one from the training data) and builds and trains a fresh
model in every ``fit`` unless ``warm_start=True``.

A fitted wrapper pickles (for ``joblib.dump`` and parallel cross-validation): its models travel as
``.keras`` file bytes, so a custom layer must be registered with
``keras.saving.register_keras_serializable`` to be restored.

scikit-learn is optional: this module imports it, but ``fkeras.wrappers`` imports this module only
when a wrapper is first looked up, and constructing a wrapper without scikit-learn raises an
ImportError telling how to install it.
"""
from __future__ import annotations

import copy

import numpy as np

from fkeras.callbacks.callback import Callback
from fkeras.callbacks.history import History
from fkeras.models.cloning import clone_model
from fkeras.models.model import Model
from fkeras.wrappers._sklearn_utils import (
    LabelOneHotEncoder,
    TargetReshaper,
    assert_sklearn_installed,
    check_compiled,
    routing_enabled,
    sklearn,
    validate_data,
)

if sklearn is not None:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
else:  # plain stand-ins so the classes exist; their constructor raises the ImportError

    class BaseEstimator:  # noqa: D101
        pass

    class ClassifierMixin:  # noqa: D101
        pass

    class RegressorMixin:  # noqa: D101
        pass

    class TransformerMixin:  # noqa: D101
        pass


def _detached_history(history):
    """A copy of a ``History`` callback without its model reference (which does not pickle)."""
    if not isinstance(history, Callback):
        return history
    copy_ = History()
    copy_.history = dict(getattr(history, "history", {}))
    copy_.epoch = list(getattr(history, "epoch", []))
    copy_.params = getattr(history, "params", None)
    return copy_


_COMMON_ARGS = """
    Args:
        model: a compiled ``keras.Model``, or a callable returning one. A ``Model`` is cloned with
            ``keras.models.clone_model`` (fresh weights, same compile configuration) at every
            ``fit``, unless ``warm_start=True``. A callable is called as
            ``model(X=X, y=y, **model_kwargs)`` with the validated training inputs and the encoded
            targets (one-hot columns for the classifier), so it can size the input and output
            layers from the data; it must return a model compiled with a loss and an optimizer.
        warm_start: bool, defaults to ``False``. When ``True``, a second ``fit`` keeps training the
            already fitted ``model_`` instead of building a new model, and a ``Model`` passed as
            ``model`` is trained as it is (not cloned) on the first ``fit``.
        model_kwargs: dict or ``None``. Extra keyword arguments for ``model`` when it is a callable.
        fit_kwargs: dict or ``None``. Keyword arguments for ``Model.fit`` (``epochs``,
            ``batch_size``, ``verbose``, ...). Keyword arguments given to the wrapper's ``fit``
            override these.
"""


class _SKLBase(BaseEstimator):
    """Shared machinery of the scikit-learn wrappers (model building, fit, predict, cloning)."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        assert_sklearn_installed(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    # ---- scikit-learn protocol -------------------------------------------------------------------

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """An unfitted copy with the same parameters, for ``sklearn.base.clone``.

        The ``model`` parameter is passed on as it is (a ``Model`` is not deep-copied: ``fit``
        clones it anyway unless ``warm_start=True``); the other parameters are cloned as
        scikit-learn does, and metadata requests (``set_fit_request``) and ``set_output``
        settings carry over.
        """
        from sklearn.base import clone

        params = self.get_params(deep=False)
        for name, value in params.items():
            if name != "model":
                params[name] = clone(value, safe=False)
        new = type(self)(**params)
        for attr in ("_metadata_request", "_sklearn_output_config"):
            if hasattr(self, attr):
                setattr(new, attr, copy.deepcopy(getattr(self, attr)))
        return new

    def set_fit_request(self, **kwargs):
        """Declare which metadata ``fit`` takes when scikit-learn's metadata routing is enabled.

        Args:
            **kwargs: ``param_name=alias`` pairs, ``alias`` being ``True`` (requested),
                ``False`` (not requested), ``None`` (raise if given) or a string (the name
                the metadata is routed under), e.g. ``set_fit_request(sample_weight=True)``.

        Returns:
            ``self``.

        Raises:
            RuntimeError: if metadata routing is not enabled
                (``sklearn.set_config(enable_metadata_routing=True)``).
        """
        if not routing_enabled():
            raise RuntimeError(
                "set_fit_request is only available when scikit-learn's metadata routing is enabled: call "
                "sklearn.set_config(enable_metadata_routing=True) first."
            )
        requests = self._get_metadata_request()
        for param, alias in kwargs.items():
            requests.fit.add_request(param=param, alias=alias)
        self._metadata_request = requests
        return self

    def __getstate__(self):
        """Picklable state: the ``History`` without its model (models pickle themselves, as the
        bytes of their ``.keras`` file)."""
        state = dict(super().__getstate__())
        if "history_" in state:
            state["history_"] = _detached_history(state["history_"])
        return state

    @property
    def epoch_(self):
        """The number of epochs the fitted ``model_`` has been trained for (summed over
        warm-started fits); 0 before ``fit``."""
        return getattr(self, "_epochs_trained", 0)

    # ---- model and targets -----------------------------------------------------------------------

    def _continuing(self):
        return bool(self.warm_start) and getattr(self, "model_", None) is not None

    def _get_model(self, X, y):
        if self._continuing():
            return self.model_
        if isinstance(self.model, Model):
            return self.model if self.warm_start else clone_model(self.model)
        if not callable(self.model):
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled keras.Model or a callable returning one. "
                f"Received: model={self.model!r} of type {type(self.model).__name__}"
            )
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        if not isinstance(model, Model):
            raise TypeError(
                f"{type(self).__name__}: the `model` callable must return a keras.Model. It returned "
                f"{model!r} of type {type(model).__name__}"
            )
        return model

    def _validate_training_data(self, X, y, reset):
        return validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True)

    def _process_target(self, y, reset):
        """The target as the model trains on it (regressor, transformer: at least 2-D)."""
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)

    # ---- fit / predict ---------------------------------------------------------------------------

    def fit(self, X, y, **kwargs):
        """Build (or, with ``warm_start``, reuse) the model and train it on ``X`` and ``y``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``, the inputs.
            y: array-like of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``, the targets.
            **kwargs: keyword arguments for ``Model.fit``; they override ``fit_kwargs``.

        Returns:
            ``self``, fitted: ``model_`` is the trained model, ``history_`` the ``History``
            that ``Model.fit`` returned, ``n_features_in_`` the number of input columns.
        """
        continuing = self._continuing()
        X, y = self._validate_training_data(X, y, reset=not continuing)
        y = self._process_target(y, reset=not continuing)
        model = self._get_model(X, y)
        check_compiled(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        history = model.fit(X, y, **fit_kwargs)
        self.history_ = history
        self._epochs_trained = (self.epoch_ if continuing else 0) + len(getattr(history, "epoch", ()))
        self.model_ = model
        return self

    def _raw_predict(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")  # not just any `*_` attribute: a failed fit may leave n_features_in_
        X = validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X))

    def predict(self, X):
        """Predict with the fitted model.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            The predictions as a numpy array, decoded back to the target's form: class labels
            for the classifier; for the others the model's output, squeezed to 1-D when the
            model was fitted on a 1-D target and outputs one column.
        """
        return self._reverse_process_target(self._raw_predict(X))


class SKLearnClassifier(ClassifierMixin, _SKLBase):
    __doc__ = """A scikit-learn classifier backed by a Keras model.

    ``fit`` one-hot encodes the labels (numbers or strings; binary or multiclass) in the order of
    ``classes_`` and trains the model on those columns, so the model should end in one unit per
    class (e.g. a softmax ``Dense(n_classes)``); ``predict`` returns the label of the largest
    output, and ``decision_function`` the raw outputs.
""" + _COMMON_ARGS + """
    Attributes:
        model_: the trained ``keras.Model``.
        history_: the ``History`` returned by ``Model.fit``.
        classes_: the sorted class labels, one per model output column.
        n_features_in_: the number of input features seen in ``fit``.

    Example:
        def build(X, y, hidden=16):
            inputs = keras.Input((X.shape[1],))
            h = keras.layers.Dense(hidden, activation="relu")(inputs)
            outputs = keras.layers.Dense(y.shape[1], activation="softmax")(h)
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            return model

        clf = keras.wrappers.SKLearnClassifier(build, model_kwargs={"hidden": 32},
                                               fit_kwargs={"epochs": 20, "verbose": 0})
        clf.fit(X, y).predict(X[:5])
    """

    def _validate_training_data(self, X, y, reset):
        return validate_data(self, X, y, reset=reset)

    def _process_target(self, y, reset):
        from sklearn.utils.multiclass import type_of_target

        target_type = type_of_target(y)
        if target_type == "unknown":
            raise ValueError(f"{type(self).__name__}: Unknown label type for the target: {np.asarray(y)[:5]!r}...")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass targets only. Received a target of type "
                f"{target_type!r}"
            )
        if reset:
            encoder = LabelOneHotEncoder().fit(y)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in the target to train; it cannot train on "
                    f"one class. Received only class {encoder.classes_.tolist()}"
                )
            self._target_encoder = encoder
            self.classes_ = encoder.classes_
        return self._target_encoder.transform(y)

    def decision_function(self, X):
        """The model's raw outputs (one column per class, in the order of ``classes_``).

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A numpy array of shape ``(n_samples, n_classes)``.
        """
        return self._raw_predict(X)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, _SKLBase):
    __doc__ = """A scikit-learn regressor backed by a Keras model.

    The target may be 1-D (the model is trained on it as one column, and ``predict`` returns a
    1-D array again) or 2-D for several outputs. ``score`` is the coefficient of determination
    R^2, as for every scikit-learn regressor.
""" + _COMMON_ARGS + """
    Attributes:
        model_: the trained ``keras.Model``.
        history_: the ``History`` returned by ``Model.fit``.
        n_features_in_: the number of input features seen in ``fit``.

    Example:
        def build(X, y):
            model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(y.shape[1])])
            model.compile(optimizer="adam", loss="mse")
            return model

        reg = keras.wrappers.SKLearnRegressor(build, fit_kwargs={"epochs": 50, "verbose": 0})
        reg.fit(X, y).score(X, y)
    """

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, _SKLBase):
    __doc__ = """A scikit-learn transformer backed by a Keras model (a transformer in
    scikit-learn's sense: ``transform`` maps inputs to new features, e.g. an encoder's embeddings).

    ``fit`` trains the model on ``X`` and ``y`` (for an autoencoder pass ``y=X``); ``transform``
    returns the model's outputs. To use an already trained model without training it again in a
    pipeline, wrap the transformer in ``sklearn.frozen.FrozenEstimator`` (scikit-learn >= 1.6).
""" + _COMMON_ARGS + """
    Attributes:
        model_: the trained ``keras.Model``.
        history_: the ``History`` returned by ``Model.fit``.
        n_features_in_: the number of input features seen in ``fit``.

    Example:
        def build(X, y, code_size=2):
            inputs = keras.Input((X.shape[1],))
            outputs = keras.layers.Dense(code_size)(inputs)
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss="mse")
            return model

        encoder = keras.wrappers.SKLearnTransformer(build, fit_kwargs={"epochs": 5, "verbose": 0})
        codes = encoder.fit(X, Y_codes).transform(X)   # (n_samples, 2)
    """

    def transform(self, X):
        """The fitted model's outputs for ``X``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A numpy array, the model's output (e.g. ``(n_samples, n_components)``).
        """
        return self._raw_predict(X)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
