"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend.legacy import batch_dot_axes
from fkeras.engine.layer import Layer


class _Merge(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__} {self.name!r}) should be called on a list of inputs. "
                f"Received: input_shape={shapes}"
            )
        if len(shapes) < self._min_inputs:
            raise ValueError(
                f"A merge layer ({type(self).__name__} {self.name!r}) should be called on a list of at least "
                f"{self._min_inputs} inputs. Got {len(shapes)} inputs. Full input_shape received: {shapes}"
            )

    _min_inputs = 1

    def build(self, input_shape):
        self._check(input_shape)
        self._check_broadcast(input_shape)
        self.built = True

    def _check_broadcast(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            return  # different ranks broadcast after expanding, as Keras does
        for axis in range(1, len(shapes[0])):
            dims = {s[axis] for s in shapes if s[axis] is not None and s[axis] != 1}
            if len(dims) > 1:
                raise ValueError(
                    f"Inputs have incompatible shapes for {type(self).__name__} layer {self.name!r}. "
                    f"Received shapes {[tuple(s) for s in shapes]}"
                )

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{type(self).__name__} layer {self.name!r} should be called on a list of inputs.")
        xs = list(inputs)
        max_ndim = max(x.ndim for x in xs)
        # Keras broadcasts lower-rank inputs by inserting axes after the batch axis.
        xs = [x.reshape(x.shape[:1] + (1,) * (max_ndim - x.ndim) + x.shape[1:]) if x.ndim < max_ndim else x
              for x in xs]
        return self._merge(xs)

    def compute_mask(self, inputs, previous_mask=None):
        # Element-wise merges keep a position if any input keeps it (Keras: OR; None if any is None).
        if previous_mask is None:
            return None
        masks = previous_mask if isinstance(previous_mask, (list, tuple)) else [previous_mask]
        if any(m is None for m in masks):
            return None
        out = masks[0]
        for m in masks[1:]:
            out = jnp.logical_or(out, m)
        return out


class Add(_Merge):
    """Element-wise sum of a list of inputs of the same shape."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    _min_inputs = 2

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={input_shape}")

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received {len(xs)} inputs.")
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Element-wise product of a list of inputs."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Average(_Merge):
    """Element-wise mean of a list of inputs."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out / len(xs)


class Maximum(_Merge):
    """Element-wise maximum of a list of inputs."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = jnp.maximum(out, x)
        return out


class Minimum(_Merge):
    """Element-wise minimum of a list of inputs."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = jnp.minimum(out, x)
        return out


class Concatenate(_Merge):
    """Concatenates a list of inputs along ``axis`` (default -1).

    All inputs must have the same rank and the same sizes on every axis but ``axis``.

    Args:
        axis: integer, the axis to concatenate along; defaults to -1 (the features axis).
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a list of tensors.

    Example:
        y = keras.layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 5))])   # (2, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_broadcast(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(
                f"A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
                f"axis. Received: input_shape={[tuple(s) for s in shapes]}"
            )
        rank = len(shapes[0])
        axis = self.axis % rank
        for i in range(1, rank):
            if i == axis:
                continue
            dims = {s[i] for s in shapes if s[i] is not None}
            if len(dims) > 1:
                raise ValueError(
                    f"A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
                    f"axis (axis={self.axis}). Received: input_shape={[tuple(s) for s in shapes]}"
                )

    def _merge(self, xs):
        return jnp.concatenate(xs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
            return None
        if all(m is None for m in previous_mask):
            return None
        masks = []
        for x, m in zip(inputs, previous_mask):
            if m is None:
                m = jnp.ones(x.shape[:-1] if self.axis in (-1, x.ndim - 1) else x.shape, dtype=bool)
            masks.append(m)
        if self.axis in (-1, inputs[0].ndim - 1):
            out = masks[0]
            for m in masks[1:]:
                out = jnp.logical_and(out, m)
            return out
        return jnp.concatenate(masks, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product between samples of two tensors along ``axes`` (optionally L2-normalized).

    For inputs ``x`` of shape ``(batch, n)`` and ``y`` of shape ``(batch, n)`` the output is
    ``(batch, 1)`` with ``sum(x * y, axis=-1)``; in general the contracted axes are removed and the
    remaining axes of ``x`` then ``y`` are kept, the batch axis first.

    Args:
        axes: integer, or a pair of integers (one axis per input), the axes to contract. The batch
            axis 0 cannot be contracted.
        normalize: if ``True``, each input is L2-normalized along its contracted axis first, so the
            output is the cosine similarity. Defaults to ``False``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a list of exactly two tensors.

    Raises:
        TypeError: if ``axes`` is not an int or a pair of ints.
        ValueError: at build time for a number of inputs other than 2, a batch-axis contraction or
            mismatched contracted sizes.

    Example:
        x, y = np.ones((2, 4)), np.full((2, 4), 2.0)
        keras.layers.Dot(axes=1)([x, y])   # [[8.], [8.]]
    """

    _min_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and not (isinstance(axes, (list, tuple)) and len(axes) == 2
                                              and all(isinstance(a, int) for a in axes)):
            raise TypeError(f"Invalid type for argument `axes`: it should be an int or a list/tuple of 2 ints. "
                            f"Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def _check_broadcast(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: input_shape={shapes}")
        s1, s2 = (tuple(s) for s in shapes)
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [a % len(s) if a < 0 else a for a, s in zip(axes, (s1, s2))]
        if 0 in axes:
            raise ValueError(f"Cannot perform batch_dot over axis 0 (the batch axis). Received: axes={self.axes}")
        d1, d2 = s1[axes[0]], s2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Incompatible input shapes for Dot layer {self.name!r}: axis values {d1} (at axis {axes[0]}) != "
                f"{d2} (at axis {axes[1]}). Full input shapes: {s1}, {s2}")

    def _merge(self, xs):
        x1, x2 = xs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes, self.axes]
        axes = [a % x.ndim for a, x in zip(axes, (x1, x2))]
        if self.normalize:
            x1 = x1 / jnp.maximum(jnp.linalg.norm(x1, axis=axes[0], keepdims=True), 1e-12)
            x2 = x2 / jnp.maximum(jnp.linalg.norm(x2, axis=axes[1], keepdims=True), 1e-12)
        return batch_dot_axes(x1, x2, axes)

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    """Functional form of ``keras.layers.Add``: the element-wise sum of the inputs.

    Args:
        inputs: a list of input tensors.
        **kwargs: arguments of the ``Add`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.add([np.ones((2, 3)), np.ones((2, 3))])   # all 2.0
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of ``keras.layers.Subtract``: ``inputs[0] - inputs[1]``.

    Args:
        inputs: a list of exactly two tensors.
        **kwargs: arguments of the ``Subtract`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.subtract([np.ones((2, 3)), np.ones((2, 3))])   # all 0.0
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of ``keras.layers.Multiply``: the element-wise product of the inputs.

    Args:
        inputs: a list of input tensors.
        **kwargs: arguments of the ``Multiply`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.multiply([np.full((2, 3), 2.0), np.full((2, 3), 3.0)])   # all 6.0
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of ``keras.layers.Average``: the element-wise mean of the inputs.

    Args:
        inputs: a list of input tensors.
        **kwargs: arguments of the ``Average`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.average([np.zeros((2, 3)), np.ones((2, 3))])   # all 0.5
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of ``keras.layers.Maximum``: the element-wise maximum of the inputs.

    Args:
        inputs: a list of input tensors.
        **kwargs: arguments of the ``Maximum`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.maximum([np.zeros((2, 3)), np.ones((2, 3))])   # all 1.0
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of ``keras.layers.Minimum``: the element-wise minimum of the inputs.

    Args:
        inputs: a list of input tensors.
        **kwargs: arguments of the ``Minimum`` layer (``name``, ``dtype``, ...).

    Returns:
        The merged tensor (a symbolic tensor when the inputs are symbolic).

    Example:
        y = keras.layers.minimum([np.zeros((2, 3)), np.ones((2, 3))])   # all 0.0
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``keras.layers.Concatenate``: joins the inputs along ``axis``.

    Args:
        inputs: a list of tensors with equal sizes on every axis but ``axis``.
        axis: integer, the concatenation axis; defaults to -1.
        **kwargs: arguments of the ``Concatenate`` layer (``name``, ...).

    Returns:
        The concatenated tensor.

    Example:
        y = keras.layers.concatenate([np.ones((2, 3)), np.zeros((2, 5))])   # (2, 8)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of ``keras.layers.Dot``: per-sample dot product of two tensors.

    Args:
        inputs: a list of exactly two tensors.
        axes: integer or pair of integers, the axes to contract; defaults to -1 (the last axis).
        normalize: if ``True``, L2-normalize both inputs along the contracted axes first (cosine
            similarity). Defaults to ``False``.
        **kwargs: arguments of the ``Dot`` layer (``name``, ...).

    Returns:
        The dot product, ``(batch, 1)`` for two ``(batch, n)`` inputs.

    Example:
        y = keras.layers.dot([np.ones((2, 4)), np.ones((2, 4))], axes=1)   # [[4.], [4.]]
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
