"""``keras.layers``."""
from fkeras.engine.layer import InputSpec, Layer
from fkeras.layers.core import Activation, Dense, Identity, Lambda
from fkeras.layers.input_layer import Input, InputLayer
from fkeras.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                   average, concatenate, dot, maximum, minimum, multiply, subtract)
from fkeras.layers.regularization import Dropout
from fkeras.layers.reshaping import Flatten, Reshape
from fkeras.layers.wrappers_jax import FlaxModule, FunctionLayer
