"""Helpers for the applications' Keras-parity tests: build the same network in fkeras and in Keras 3 and
describe both as (layer name, class, output shape, [(weight name, shape), ...]) rows in ``model.layers`` order.

Keras is the reference: its model is built here from the same arguments, never stored. Its initial
values do not matter to these comparisons, so Keras's variables are filled with zeros instead of being
drawn (drawing compiles one XLA program per weight shape: minutes per network on 2 CPU cores).
"""
import contextlib
import re

import numpy as np
import pytest


def _snake(class_name):
    s = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()


def _canonical(name, cls):
    """Layers (and Keras variables) built without a name get ``<snake_case class>`` plus a per-session
    counter (``conv2d_17``, ``variable_3``): drop the counter, which depends on what the session built before."""
    for base in (_snake(cls), "input_layer"):
        if re.fullmatch(rf"{re.escape(base)}(_\d+)?", name):
            return base
    return name


@contextlib.contextmanager
def keras_zero_init():
    """Keras 3 (JAX backend) with zero-filled new variables, restored on exit."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the parity reference needs Keras's JAX backend")
    from keras.src.backend.jax import core

    original = core.JaxVariable._initialize_with_initializer

    def zeros(self, initializer):
        self._initialize(np.zeros(tuple(self._shape), dtype=self._dtype))

    core.JaxVariable._initialize_with_initializer = zeros
    try:
        yield keras
    finally:
        core.JaxVariable._initialize_with_initializer = original


def describe(model):
    """``model.layers`` of a Keras or fkeras model as comparable rows (fkeras's raw-operation nodes, which
    Keras keeps out of ``model.layers``, are left out)."""
    from fkeras.engine.layer import OpLayer

    rows = []
    for layer in model.layers:
        if isinstance(layer, OpLayer):
            continue
        cls = type(layer).__name__
        weights = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        rows.append((_canonical(layer.name, cls), cls, tuple(layer.output.shape),
                     tuple((_canonical(w.name, "Variable"), tuple(int(d) for d in w.shape)) for w in weights)))
    return rows


def keras_model(builder_name, kwargs):
    with keras_zero_init() as keras:
        return getattr(keras.applications, builder_name)(weights=None, **kwargs)


def assert_same_as_keras(builder_name, kwargs):
    """Build ``keras.applications.<builder_name>(weights=None, **kwargs)`` in both libraries and compare
    layer names, classes, order, output shapes, weight names/shapes, parameter count and model name."""
    from fkeras import applications

    ref = keras_model(builder_name, kwargs)
    model = getattr(applications, builder_name)(weights=None, **kwargs)
    got, want = describe(model), describe(ref)
    for i, (g, w) in enumerate(zip(got, want, strict=False)):  # lengths compared below
        assert g == w, f"layer {i} differs:\n fkeras: {g}\n keras:  {w}"
    assert len(got) == len(want), (len(got), len(want), got[len(want):][:3], want[len(got):][:3])
    assert model.name == ref.name
    assert model.count_params() == ref.count_params()
    assert tuple(model.output_shape) == tuple(ref.output_shape)
    assert tuple(model.input_shape) == tuple(ref.input_shape)
    return model
