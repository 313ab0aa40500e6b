"""TensorFlow SavedModel writing for ``ExportArchive(format="saved_model")``, through ``jax2tf``.

TensorFlow is optional: it is imported only here, only when this format is asked for. As Keras's
JAX backend does, the tracked variables become ``tf.Variable``s of a ``tf.Module`` and each
endpoint is the ``jax2tf`` conversion of the pure function ``(variables, *inputs) -> outputs``,
called on them (``is_static=True`` bakes the values in as constants instead).
"""
from __future__ import annotations

import inspect

import numpy as np

from fkeras.export import export_utils


def require_tensorflow():
    """Import TensorFlow, or explain which format needs it and what to use instead."""
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ImportError(
            "Exporting with format='tf_saved_model' (ExportArchive format 'saved_model', Keras's default) needs the "
            "'tensorflow' package, which is not installed: `pip install tensorflow`. To export without TensorFlow "
            "use format='jax', a jax.export (StableHLO) artifact that plain JAX loads.") from e
    return tf


def _endpoint_parameters(fn, count):
    """Positional parameters for a ``tf.function`` of ``count`` arguments (``fn``'s names if it has them)."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:count]]
    names += [f"args_{i}" for i in range(len(names), count)]
    return [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]


class SavedModelWriter:
    """Holds the ``tf.Module`` being assembled for one ``ExportArchive``."""

    def __init__(self, tf):
        self.tf = tf
        self.module = tf.__internal__.tracking.AutoTrackable()  # a plain object TF saves (as Keras uses)
        self.module.variables = []
        self.module.trainable_variables = []
        self.module.non_trainable_variables = []
        self._tf_vars = {}

    def _to_tf(self, var, value):
        return self.tf.Variable(np.asarray(value), dtype=var.dtype, trainable=var.trainable,
                                name=var.name.replace("/", "_"))

    def track_variables(self, variables, values):
        for v in variables:
            if id(v) not in self._tf_vars:
                tv = self._to_tf(v, values[id(v)])
                self._tf_vars[id(v)] = tv
                self.module.variables.append(tv)
                (self.module.trainable_variables if v.trainable else self.module.non_trainable_variables).append(tv)

    def _tensor_specs(self, signature):
        import jax

        return jax.tree_util.tree_map(
            lambda s: self.tf.TensorSpec([None if d is None else int(d) for d in s.shape], self.tf.as_dtype(s.dtype)),
            list(signature), is_leaf=lambda x: isinstance(x, export_utils._Leaf))

    def add_endpoint(self, name, pure, fn, signature, variables, values, is_static=False, jax2tf_kwargs=None):
        from jax.experimental import jax2tf

        tf = self.tf
        kwargs = dict(jax2tf_kwargs or {})
        poly = list(export_utils.polymorphic_strings(signature))
        if is_static:
            kwargs.setdefault("polymorphic_shapes", poly)
            converted = jax2tf.convert(lambda *args: pure(values, *args), **kwargs)

            def serving(*args):
                return converted(*args)
        else:
            kwargs.setdefault("polymorphic_shapes", [None] + poly)
            converted = jax2tf.convert(pure, **kwargs)
            tf_vars = [self._tf_vars[id(v)] for v in variables]

            def serving(*args):
                return converted(list(tf_vars), *args)

        serving.__signature__ = inspect.Signature(_endpoint_parameters(fn, len(signature)))
        tf_fn = tf.function(serving, input_signature=self._tensor_specs(signature), autograph=False)
        setattr(self.module, name, tf_fn)
        return tf_fn

    def add_variable_collection(self, name, variables):
        setattr(self.module, name, [self._to_tf(v, v.value) for v in variables])

    def write(self, folder, endpoint_names, options=None):
        signatures = {n: getattr(self.module, n).get_concrete_function() for n in endpoint_names}
        if "serving_default" not in signatures:
            signatures["serving_default"] = signatures[endpoint_names[0]]
        self.tf.saved_model.save(self.module, folder, signatures=signatures, options=options)
