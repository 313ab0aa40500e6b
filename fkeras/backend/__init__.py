"""``keras.backend``: configuration, ``clear_session``, and tf.keras's common ``K.*`` functions.

The ``K.*`` functions (``K.mean``, ``K.epsilon``, ``K.binary_crossentropy`` …) are thin
wrappers over ``jax.numpy`` with tf.keras's signatures, so old custom losses and metrics run.
"""
from __future__ import annotations

import numpy as np

from fkeras.backend.config import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                                   set_image_data_format, standardize_data_format)


def _jnp():
    import jax.numpy as jnp

    return jnp


def _v(x):
    if getattr(x, "_is_fkeras_variable", False):
        return x.value
    if isinstance(x, (list, tuple, np.ndarray)):
        return _jnp().asarray(x)
    return x


def clear_session(free_memory=True):
    """Reset the global name counters (``dense``, ``dense_1`` …) and the global dtype policy."""
    from fkeras.engine import dtype_policy
    from fkeras.utils import naming

    naming.reset_uids()
    dtype_policy.set_global_policy(None)
    if free_memory:
        import gc

        import jax

        gc.collect()
        jax.clear_caches()


def is_keras_tensor(x):
    from fkeras.engine.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def int_shape(x):
    return tuple(x.shape)


def shape(x):
    return tuple(x.shape)


def ndim(x):
    return len(x.shape)


def dtype(x):
    return str(x.dtype)


def get_value(x):
    return np.asarray(_v(x))


def set_value(x, value):
    x.assign(value)


def batch_get_value(xs):
    return [get_value(x) for x in xs]


def variable(value, dtype=None, name=None, constraint=None):
    from fkeras.engine.variables import Variable

    return Variable(value=np.asarray(value), dtype=dtype or floatx(), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    jnp = _jnp()
    v = jnp.asarray(value, dtype=dtype or floatx())
    return jnp.broadcast_to(v, shape) if shape is not None else v


def cast(x, dtype):
    return _jnp().asarray(_v(x)).astype(dtype)


def cast_to_floatx(x):
    return np.asarray(x, dtype=floatx())


def _reduce(name):
    def fn(x, axis=None, keepdims=False):
        return getattr(_jnp(), name)(_v(x), axis=axis, keepdims=keepdims)

    fn.__name__ = name
    return fn


mean = _reduce("mean")
sum = _reduce("sum")  # noqa: A001
max = _reduce("max")  # noqa: A001
min = _reduce("min")  # noqa: A001
prod = _reduce("prod")
std = _reduce("std")
var = _reduce("var")
any = _reduce("any")  # noqa: A001
all = _reduce("all")  # noqa: A001


def _unary(name):
    def fn(x):
        return getattr(_jnp(), name)(_v(x))

    fn.__name__ = name
    return fn


abs = _unary("abs")  # noqa: A001
square = _unary("square")
sqrt = _unary("sqrt")
exp = _unary("exp")
log = _unary("log")
round = _unary("round")  # noqa: A001
sign = _unary("sign")
sin = _unary("sin")
cos = _unary("cos")
tanh = _unary("tanh")
floor = _unary("floor")
ceil = _unary("ceil")
transpose = _unary("transpose")


def pow(x, a):  # noqa: A001
    return _jnp().power(_v(x), a)


def clip(x, min_value, max_value):
    return _jnp().clip(_v(x), min_value, max_value)


def maximum(x, y):
    return _jnp().maximum(_v(x), _v(y))


def minimum(x, y):
    return _jnp().minimum(_v(x), _v(y))


def equal(x, y):
    return _jnp().equal(_v(x), _v(y))


def not_equal(x, y):
    return _jnp().not_equal(_v(x), _v(y))


def greater(x, y):
    return _jnp().greater(_v(x), _v(y))


def less(x, y):
    return _jnp().less(_v(x), _v(y))


def argmax(x, axis=-1):
    return _jnp().argmax(_v(x), axis=axis)


def argmin(x, axis=-1):
    return _jnp().argmin(_v(x), axis=axis)


def dot(x, y):
    return _jnp().matmul(_v(x), _v(y))


def batch_dot(x, y, axes=None):
    from fkeras.layers.merging import _batch_dot

    x, y = _v(x), _v(y)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2)
    if isinstance(axes, int):
        axes = (axes, axes)
    return _batch_dot(x, y, axes)


def concatenate(tensors, axis=-1):
    return _jnp().concatenate([_v(t) for t in tensors], axis=axis)


def stack(x, axis=0):
    return _jnp().stack([_v(t) for t in x], axis=axis)


def reshape(x, shape):
    return _jnp().reshape(_v(x), shape)


def flatten(x):
    return _jnp().reshape(_v(x), (-1,))


def batch_flatten(x):
    x = _v(x)
    return _jnp().reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    return _jnp().expand_dims(_v(x), axis)


def squeeze(x, axis):
    return _jnp().squeeze(_v(x), axis)


def ones(shape, dtype=None, name=None):
    return _jnp().ones(shape, dtype or floatx())


def zeros(shape, dtype=None, name=None):
    return _jnp().zeros(shape, dtype or floatx())


def ones_like(x, dtype=None, name=None):
    return _jnp().ones_like(_v(x), dtype=dtype)


def zeros_like(x, dtype=None, name=None):
    return _jnp().zeros_like(_v(x), dtype=dtype)


def one_hot(indices, num_classes):
    import jax

    return jax.nn.one_hot(_v(indices), num_classes)


def gather(reference, indices):
    return _jnp().take(_v(reference), _v(indices), axis=0)


def switch(condition, then_expression, else_expression):
    return _jnp().where(_v(condition), _v(then_expression), _v(else_expression))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from fkeras.activations import relu as _relu

    return _relu(_v(x), negative_slope=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    import jax

    return jax.nn.sigmoid(_v(x))


def softmax(x, axis=-1):
    import jax

    return jax.nn.softmax(_v(x), axis=axis)


def softplus(x):
    import jax

    return jax.nn.softplus(_v(x))


def l2_normalize(x, axis=None):
    jnp = _jnp()
    x = _v(x)
    return x / jnp.sqrt(jnp.maximum(jnp.sum(jnp.square(x), axis=axis, keepdims=True), 1e-12))


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy (tf.keras's ``K.binary_crossentropy``)."""
    import jax

    jnp = _jnp()
    target, output = jnp.asarray(_v(target), jnp.float32), jnp.asarray(_v(output), jnp.float32)
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    eps = epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    import jax

    jnp = _jnp()
    target, output = jnp.asarray(_v(target), jnp.float32), jnp.asarray(_v(output), jnp.float32)
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    output = jnp.clip(output, epsilon(), 1.0 - epsilon())
    return -jnp.sum(target * jnp.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    import jax

    jnp = _jnp()
    output = jnp.asarray(_v(output), jnp.float32)
    target = jnp.asarray(_v(target)).astype(jnp.int32)
    if target.ndim == output.ndim:
        target = jnp.squeeze(target, axis)
    onehot = jax.nn.one_hot(target, output.shape[axis])
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


def stop_gradient(x):
    import jax

    return jax.lax.stop_gradient(_v(x))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    import jax

    from fkeras.backend.random_state import key_from_seed

    return mean + stddev * jax.random.normal(key_from_seed(seed), shape, dtype or floatx())


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    import jax

    from fkeras.backend.random_state import key_from_seed

    return jax.random.uniform(key_from_seed(seed), shape, dtype or floatx(), minval, maxval)


def count_params(x):
    return int(np.prod(x.shape))


def learning_phase():
    return 0


def set_learning_phase(value):
    import warnings

    warnings.warn("`set_learning_phase` is deprecated and has no effect; pass `training=` to calls.",
                  DeprecationWarning, stacklevel=2)
