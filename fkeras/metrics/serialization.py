"""``keras.metrics.get`` / ``serialize`` / ``deserialize``, and the tables of built-in metrics
(classes, their snake_case names and aliases, and the metric functions) they look names up in."""
from __future__ import annotations

import inspect

from fkeras.losses.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from fkeras.metrics import reduction_metrics
from fkeras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from fkeras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from fkeras.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from fkeras.metrics.f_score_metrics import F1Score, FBetaScore
from fkeras.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from fkeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from fkeras.metrics.metric import Metric
from fkeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from fkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from fkeras.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from fkeras.saving import registry as _registry
from fkeras.utils.naming import to_snake_case, unknown_identifier_error

ALL_OBJECTS = (
    # Base
    Metric, Mean, Sum, MeanMetricWrapper,
    # Regression
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    # Classification
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
    # Hinge
    Hinge, SquaredHinge, CategoricalHinge,
    # Probabilistic
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    # Accuracy
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    # F-score
    F1Score, FBetaScore,
    # Correlation
    ConcordanceCorrelation, PearsonCorrelation,
    # IoU
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
)

# As in Keras 3: class names and their snake_case forms give classes (so `get` returns an
# instance, e.g. get("mse") -> MeanSquaredError()), plus the short aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

_FUNCTIONS = (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, categorical_hinge, hinge,
    squared_hinge, huber, kl_divergence, log_cosh, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, poisson,
    pearson_correlation, concordance_correlation,
)


def _module_objects(functions_first=False):
    """Names usable when deserializing metric configs (classes and metric/loss functions).

    Snake-case names such as ``binary_accuracy`` name both a class and a function: configs
    resolve them to the class (as Keras does), a wrapper's ``fn`` to the function.
    """
    fns = {fn.__name__: fn for fn in _FUNCTIONS}
    if functions_first:
        return {**ALL_OBJECTS_DICT, **fns}
    return {**fns, **ALL_OBJECTS_DICT}


def serialize(metric):
    """Turn a metric into a serializable config.

    Args:
        metric: A ``Metric`` instance (serialized as its class name and ``get_config()``), a
            built-in metric function (serialized as its name), or a registered custom metric.

    Returns:
        A string or a JSON-compatible dict that ``keras.metrics.deserialize`` turns back into the
        metric.
    """
    return _registry.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Rebuild a metric from the output of ``keras.metrics.serialize``.

    Args:
        config: A metric name or a config dict with ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom metric classes or functions, consulted
            before the built-in metrics.

    Returns:
        A new ``Metric`` instance, or a metric function.

    Raises:
        ValueError: If the name or class cannot be found.

    Example:

    >>> m = keras.metrics.deserialize({"class_name": "AUC", "config": {"curve": "PR"}})
    """
    return _registry.deserialize_keras_object(config, module_objects=_module_objects(),
                                              custom_objects=custom_objects)


def get(identifier):
    """Look up a metric from a name, a config, a class, an instance or a function.

    Names and classes give a fresh instance with default arguments; instances are returned as they
    are; a plain function ``fn(y_true, y_pred)`` is wrapped in ``MeanMetricWrapper`` (named after
    it).

    Args:
        identifier: A metric name (``"mse"``, ``"accuracy"``, ``"auc"``, ``"Precision"`` or a
            registered custom name), a config dict, a ``Metric`` class or instance, a function, or
            ``None``.

    Returns:
        A ``Metric`` instance, or ``None`` when ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name, a class that is not a ``Metric``, or
            anything else that cannot be interpreted as a metric.

    Example:

    >>> keras.metrics.get("mse")                       # MeanSquaredError()
    >>> keras.metrics.get({"class_name": "AUC", "config": {"curve": "PR"}})
    >>> keras.metrics.get(lambda y_true, y_pred: abs(y_true - y_pred))   # MeanMetricWrapper
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            obj = _registry.get_registered_object(identifier)
        if obj is None:
            names = [k for k in ALL_OBJECTS_DICT if k.islower()]  # snake_case names and aliases
            raise unknown_identifier_error("metric", identifier, names)
    else:
        obj = identifier
    if inspect.isclass(obj):
        if not issubclass(obj, Metric) and not getattr(obj, "_is_fkeras_metric", False):
            raise ValueError(f"Could not interpret metric identifier: {identifier!r} "
                             "(a class that is not a keras.metrics.Metric subclass).")
        return obj()
    if isinstance(obj, Metric) or getattr(obj, "_is_fkeras_metric", False):
        return obj
    if callable(obj):
        name = getattr(obj, "__name__", None)
        if name == "<lambda>":
            name = None
        return MeanMetricWrapper(fn=obj, name=name)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


# A saved MeanMetricWrapper's ``fn`` is looked up among the metric functions first.
reduction_metrics._register_wrapped_functions(_module_objects(functions_first=True))
