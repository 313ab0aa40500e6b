"""``Objective``: the metric a tuner optimizes, and Keras Tuner's inference of its direction."""
from __future__ import annotations

import math

from fkeras.utils.naming import did_you_mean

# Metrics where larger is better (keras_tuner infers "max" for these; everything else Keras logs is "min").
_MAX_METRICS = {
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "auc", "precision", "recall",
    "true_positives", "true_negatives", "precision_at_recall", "recall_at_precision",
    "sensitivity_at_specificity", "specificity_at_sensitivity", "mean_iou", "iou", "binary_iou", "one_hot_iou",
    "one_hot_mean_iou", "cosine_similarity", "r2_score", "f1_score", "fbeta_score",
}
_MIN_METRICS = {
    "loss", "mean_squared_error", "mse", "mean_absolute_error", "mae", "mean_absolute_percentage_error", "mape",
    "mean_squared_logarithmic_error", "msle", "root_mean_squared_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
    "kullback_leibler_divergence", "kld", "poisson", "log_cosh", "logcosh", "huber", "huber_loss",
    "false_positives", "false_negatives",
}


def infer_metric_direction(name):
    """``"min"`` or ``"max"`` for a logged metric name (``"val_"`` prefix ignored), else ``None``."""
    base = name[4:] if name.startswith("val_") else name
    if base.endswith("loss") or base in _MIN_METRICS:
        return "min"
    if base in _MAX_METRICS:
        return "max"
    return None


class Objective:
    """A metric name and whether to minimize (``"min"``) or maximize (``"max"``) it.

    Example:
        tuner = RandomSearch(build_model, objective=Objective("val_auc", direction="max"), max_trials=10)
    """

    def __init__(self, name, direction):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Objective `name` must be a metric name string; received name={name!r}.")
        if direction not in ("min", "max"):
            raise ValueError(f'Objective {name!r}: `direction` must be "min" or "max"; '
                             f"received direction={direction!r}.")
        self.name = name
        self.direction = direction

    @property
    def names(self):
        return [self.name]

    def better(self, a, b):
        """True if value ``a`` is better than ``b`` (``b`` may be None)."""
        if b is None:
            return True
        return a < b if self.direction == "min" else a > b

    def has_value(self, logs):
        return self.name in logs

    def get_value(self, logs):
        """The objective's value from a logs dict; a clear error naming the available logs if absent."""
        if self.name not in logs:
            raise ObjectiveNotLoggedError(self.name, logs)
        return float(logs[self.name])

    def get_config(self):
        return {"name": self.name, "direction": self.direction}

    def __eq__(self, other):
        return isinstance(other, Objective) and (self.name, self.direction) == (other.name, other.direction)

    def __hash__(self):
        return hash((self.name, self.direction))

    def __repr__(self):
        return f'Objective(name="{self.name}", direction="{self.direction}")'


class MultiObjective(Objective):
    """Several objectives folded into one score to minimize: the sum of the "min" values minus the "max" ones."""

    def __init__(self, objectives):
        self.objectives = list(objectives)
        self.name = "multi_objective"
        self.direction = "min"

    @property
    def names(self):
        return [o.name for o in self.objectives]

    def has_value(self, logs):
        return all(o.name in logs for o in self.objectives)

    def get_value(self, logs):
        total = 0.0
        for o in self.objectives:
            v = o.get_value(logs)
            total += v if o.direction == "min" else -v
        return total

    def get_config(self):
        return {"objectives": [o.get_config() for o in self.objectives]}

    def __repr__(self):
        return "MultiObjective(" + ", ".join(map(repr, self.objectives)) + ")"


class ObjectiveNotLoggedError(ValueError):
    """The model's logs do not contain the tuner's objective."""

    def __init__(self, name, logs):
        available = sorted(logs)
        hint = did_you_mean(name, available)
        super().__init__(
            f"The tuner's objective {name!r} is not among the metrics the model logs.{hint} Available logs: "
            f"{', '.join(available) if available else '(none)'}. Use one of them as the objective (validation "
            "metrics need `validation_data` or `validation_split` in search(); other metrics must be passed to "
            "compile(metrics=[...]))."
        )
        self.name = name
        self.available = available


def standardize_objective(objective):
    """A string, ``Objective`` or list of them -> an ``Objective`` (``MultiObjective`` for a list)."""
    if objective is None:
        objective = "val_loss"
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        direction = infer_metric_direction(objective)
        if direction is None:
            raise ValueError(
                f'Could not infer the optimization direction ("min" or "max") for the unknown metric {objective!r}. '
                f'Pass the objective as an Objective, e.g. Objective({objective!r}, direction="max").'
            )
        return Objective(objective, direction)
    if isinstance(objective, (list, tuple)):
        objectives = [standardize_objective(o) for o in objective]
        return objectives[0] if len(objectives) == 1 else MultiObjective(objectives)
    raise TypeError(f"`objective` must be a metric name, an Objective or a list of them; received {objective!r}.")


def is_finite(value):
    return value is not None and math.isfinite(value)
