"""fkeras: Keras, re-architected as pure functions on JAX.

``import fkeras as keras`` and write ordinary Keras code.
"""
__version__ = "0.1.0"

from fkeras import activations, constraints, initializers, layers, losses, metrics, models, ops, optimizers, \
    regularizers  # noqa: E402
from fkeras.engine.layer import Layer  # noqa: E402
from fkeras.engine.symbolic import KerasTensor  # noqa: E402
from fkeras.engine.variables import Variable  # noqa: E402
from fkeras.layers.input_layer import Input  # noqa: E402
from fkeras.models import Functional, Model, Sequential  # noqa: E402
