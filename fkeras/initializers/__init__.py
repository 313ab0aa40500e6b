"""``keras.initializers``: initializer classes, their lowercase aliases, and get/serialize/deserialize (only
re-exports).

Example:
    >>> from fkeras import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> init(shape=(3, 4)).shape
    (3, 4)
    >>> initializers.serialize(initializers.HeNormal(seed=1))["class_name"]
    'HeNormal'
"""
from fkeras.initializers.constant_initializers import (
    Constant,
    Identity,
    IdentityInitializer,
    Ones,
    Zeros,
)
from fkeras.initializers.initializer import Initializer, initialize
from fkeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    OrthogonalInitializer,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from fkeras.initializers.stft_initializer import STFT, STFTInitializer, stft
from fkeras.initializers.serialization import ALL_OBJECTS_DICT, deserialize, get, serialize


# Keras exports each class under a lowercase, function-style name too.
from fkeras.initializers.constant_initializers import Constant as constant
from fkeras.initializers.random_initializers import GlorotNormal as glorot_normal
from fkeras.initializers.random_initializers import GlorotUniform as glorot_uniform
from fkeras.initializers.random_initializers import HeNormal as he_normal
from fkeras.initializers.random_initializers import HeUniform as he_uniform
from fkeras.initializers.constant_initializers import Identity as identity
from fkeras.initializers.random_initializers import LecunNormal as lecun_normal
from fkeras.initializers.random_initializers import LecunUniform as lecun_uniform
from fkeras.initializers.constant_initializers import Ones as ones
from fkeras.initializers.random_initializers import Orthogonal as orthogonal
from fkeras.initializers.random_initializers import RandomNormal as random_normal
from fkeras.initializers.random_initializers import RandomUniform as random_uniform
from fkeras.initializers.random_initializers import TruncatedNormal as truncated_normal
from fkeras.initializers.random_initializers import VarianceScaling as variance_scaling
from fkeras.initializers.constant_initializers import Zeros as zeros

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "OrthogonalInitializer", "RandomNormal", "RandomUniform", "STFT", "STFTInitializer", "stft",
    "TruncatedNormal", "VarianceScaling", "Zeros", "compute_fans", "constant", "deserialize",
    "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "serialize", "truncated_normal", "variance_scaling", "zeros",
]
