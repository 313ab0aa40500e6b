"""``keras.backend``: configuration, dtype helpers, ``clear_session``, and tf.keras's ``K.*`` functions.

Keras 3's names (``floatx``, ``epsilon``, ``image_data_format``, ``standardize_dtype``,
``result_type``, ``get_uid`` ...) live in ``config``, ``dtypes`` and ``common``; tf.keras's
``K.*`` functions (``K.mean``, ``K.binary_crossentropy`` ...) in ``legacy``. This module only
re-exports them.
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (kept: `fkeras.backend.np` was reachable before the split)

from fkeras.backend import legacy as _legacy
from fkeras.backend.common import clear_session, get_uid, is_keras_tensor
from fkeras.backend.config import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from fkeras.backend.dtypes import is_float_dtype, is_int_dtype, result_type, standardize_dtype
from fkeras.backend.legacy import *  # noqa: F401,F403  (tf.keras's K.* functions; see legacy.__all__)
from fkeras.backend.legacy import _jnp, _reduce, _unary, _v  # noqa: F401  (private helpers, kept reachable)

__all__ = [
    "backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx", "set_image_data_format",
    "standardize_data_format", "clear_session", "get_uid", "is_keras_tensor", "is_float_dtype", "is_int_dtype",
    "result_type", "standardize_dtype", *_legacy.__all__,
]
