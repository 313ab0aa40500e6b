"""``keras.losses.get`` / ``serialize`` / ``deserialize``, and the table of built-in losses (classes,
functions and their short aliases) they look names up in."""
from __future__ import annotations

import inspect

from fkeras.losses.loss import Loss
from fkeras.losses.losses import (
    CTC,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    CosineSimilarity,
    Dice,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Tversky,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    cosine_similarity,
    ctc,
    dice,
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
    tversky,
)
from fkeras.losses.metric_learning import Circle, circle
from fkeras.saving import registry as _registry

ALL_OBJECTS = (
    Circle, circle,
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, CategoricalGeneralizedCrossEntropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge,
    Dice, Tversky, CTC,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy,
    categorical_generalized_cross_entropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber,
    hinge, squared_hinge, categorical_hinge,
    dice, tversky, ctc,
)

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
})


def serialize(loss):
    """Turn a loss into a serializable config.

    Args:
        loss: A built-in loss function (serialized as its name), a ``Loss`` instance (its class
            name and ``get_config()``), or a registered custom loss.

    Returns:
        A string or a JSON-compatible dict that ``keras.losses.deserialize`` turns back into the
        loss.
    """
    return _registry.serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """Rebuild a loss from the output of ``keras.losses.serialize``.

    Args:
        name: A loss name (``"mse"``, ``"categorical_crossentropy"``) or a config dict with
            ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom loss classes or functions, consulted
            before the built-in losses.

    Returns:
        The loss function or a new ``Loss`` instance.

    Raises:
        ValueError: If the name or class cannot be found.

    Example:

    >>> loss = keras.losses.deserialize(keras.losses.serialize(keras.losses.Huber(delta=2.0)))
    """
    return _registry.deserialize_keras_object(name, module_objects=ALL_OBJECTS_DICT,
                                              custom_objects=custom_objects)


def get(identifier):
    """Look up a loss from a name, a config, a class, an instance or a function.

    Function names give the function; class names give an instance built with default
    arguments; configs are deserialized; callables and instances are returned as they are.

    Args:
        identifier: A loss name (``"mse"``, ``"categorical_crossentropy"``,
            ``"CategoricalCrossentropy"`` or a registered custom name), a config dict, a ``Loss``
            class or instance, a callable, or ``None``.

    Returns:
        A loss function or ``Loss`` instance, or ``None`` when ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name or cannot be interpreted as a loss.

    Example:

    >>> keras.losses.get("mse")                      # the function mean_squared_error
    >>> keras.losses.get("SparseCategoricalCrossentropy")   # an instance
    >>> keras.losses.get({"class_name": "CategoricalCrossentropy",
    ...                   "config": {"from_logits": True}})
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
            from fkeras.utils.naming import unknown_identifier_error

            raise unknown_identifier_error("loss", identifier, list(ALL_OBJECTS_DICT))
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
