"""Glue between ``keras.ops`` functions and the engine.

``to_array`` unwraps Variable handles; ``keras_op`` lets an op run on symbolic tensors
(``keras.Input``) by recording it as a node in the Functional graph.
"""
from __future__ import annotations

import functools

from fkeras.engine import symbolic


def to_array(x):
    """Variable handles (anything with ``_is_fkeras_variable``) become their current value."""
    if getattr(x, "_is_fkeras_variable", False):
        return x.value
    return x


def keras_op(fn):
    """Make ``fn`` accept symbolic tensors: a call with any KerasTensor argument records an op node."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if symbolic.any_symbolic(args, kwargs):
            return symbolic.symbolic_op_call(fn, args, kwargs)
        return fn(*args, **kwargs)

    wrapper._fkeras_op = fn
    return wrapper
