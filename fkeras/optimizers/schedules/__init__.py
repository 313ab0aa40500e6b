"""``keras.optimizers.schedules``: learning-rate schedules (pure, jittable callables of the step)."""
from fkeras.optimizers.schedules.learning_rate_schedule import CosineDecay
from fkeras.optimizers.schedules.learning_rate_schedule import CosineDecayRestarts
from fkeras.optimizers.schedules.learning_rate_schedule import ExponentialDecay
from fkeras.optimizers.schedules.learning_rate_schedule import InverseTimeDecay
from fkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from fkeras.optimizers.schedules.learning_rate_schedule import PiecewiseConstantDecay
from fkeras.optimizers.schedules.learning_rate_schedule import PolynomialDecay
from fkeras.optimizers.schedules.learning_rate_schedule import deserialize
from fkeras.optimizers.schedules.learning_rate_schedule import serialize

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
