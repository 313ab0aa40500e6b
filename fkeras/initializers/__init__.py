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
# Keras exports each class under a lowercase, function-style name too.
from fkeras.initializers.constant_initializers import (
    Constant,
    Constant as constant,
    Identity,
    Identity as identity,
    IdentityInitializer,
    Ones,
    Ones as ones,
    Zeros,
    Zeros as zeros,
)
from fkeras.initializers.initializer import Initializer, initialize
from fkeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotNormal as glorot_normal,
    GlorotUniform,
    GlorotUniform as glorot_uniform,
    HeNormal,
    HeNormal as he_normal,
    HeUniform,
    HeUniform as he_uniform,
    LecunNormal,
    LecunNormal as lecun_normal,
    LecunUniform,
    LecunUniform as lecun_uniform,
    Orthogonal,
    Orthogonal as orthogonal,
    OrthogonalInitializer,
    RandomInitializer,
    RandomNormal,
    RandomNormal as random_normal,
    RandomUniform,
    RandomUniform as random_uniform,
    TruncatedNormal,
    TruncatedNormal as truncated_normal,
    VarianceScaling,
    VarianceScaling as variance_scaling,
    compute_fans,
)
from fkeras.initializers.serialization import ALL_OBJECTS_DICT, deserialize, get, serialize
from fkeras.initializers.stft_initializer import STFT, STFTInitializer, stft

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "OrthogonalInitializer", "RandomNormal", "RandomUniform", "STFT", "STFTInitializer", "stft",
    "TruncatedNormal", "VarianceScaling", "Zeros", "compute_fans", "constant", "deserialize",
    "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "serialize", "truncated_normal", "variance_scaling", "zeros",
]
