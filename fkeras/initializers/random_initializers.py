"""Random initializers: normal/uniform/truncated, variance scaling (Glorot, He, LeCun), orthogonal.

Seeding:

* ``init(key, shape, dtype)`` is pure: the values depend only on ``key`` (the engine passes a
  key folded per variable path).
* ``initializer(shape, dtype)`` with an integer ``seed`` returns the same values on every call
  (as Keras 3). With ``seed=None`` every call draws a fresh key from the global stream, so
  values differ between calls but the whole sequence is reproducible after
  ``keras.utils.set_random_seed(n)``. (Keras 3 instead fixes a random seed when an unseeded
  initializer is constructed, so one unseeded instance repeats its values.)
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.common import register_function_cache
from fkeras.initializers.initializer import Initializer, _dtype, _shape
from fkeras.saving import registry as _registry

# Standard deviation of a unit normal truncated to [-2, 2].
_TRUNC_STD = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    With ``input_axes`` and ``output_axes`` (lists of axes of ``shape``), the fans are the products
    of those axes' sizes (an EinsumDense kernel such as ``(dim, heads, key_dim)``). Otherwise: dense
    kernels ``(in, out)``; conv kernels ``(*spatial, in, out)`` multiply both by the receptive field
    size ``prod(spatial)``; 1-D shapes use the length for both; scalars 1.

    Args:
        shape: the weight's shape (a tuple of ints).
        input_axes: optional axes whose sizes multiply to ``fan_in``.
        output_axes: optional axes whose sizes multiply to ``fan_out``.

    Returns:
        ``(fan_in, fan_out)`` as ints.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return int(math.prod(shape[a] for a in input_axes)), int(math.prod(shape[a] for a in output_axes))
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive = 1
        for d in shape[:-2]:
            receptive *= d
        fan_in = shape[-2] * receptive
        fan_out = shape[-1] * receptive
    return int(fan_in), int(fan_out)


def _float_dtype(dtype, who):
    dtype = _dtype(dtype)
    if not jnp.issubdtype(jnp.dtype(dtype), jnp.floating):
        raise ValueError(f"{who} only produces floating-point values; expected a float dtype. "
                         f"Received: dtype={dtype!r}")
    return dtype


# --- eager sampling without a compile per shape ------------------------------------------------
# ``jax.random`` compiles its sampler for every new shape (~0.3 s each on a small CPU), which made
# building a model with many distinct weight shapes slow. Outside a trace we draw a flat vector of
# a power-of-two size (a handful of compiles in total) and slice/reshape it on the host. The
# values stay a deterministic function of the key; inside jit/grad the direct draw is used.

def _tracing():
    try:
        from jax._src import core as _core

        return not _core.trace_state_clean()
    except (ImportError, AttributeError):  # pragma: no cover
        return True


_BLOCK = 1 << 16


def _block_fn(kind, dtype):
    if kind == "normal":
        sample = lambda k: jax.random.normal(k, (_BLOCK,), dtype)  # noqa: E731
    elif kind == "truncated_normal":
        sample = lambda k: jax.random.truncated_normal(k, -2.0, 2.0, (_BLOCK,), dtype)  # noqa: E731
    else:
        sample = lambda k: jax.random.uniform(k, (_BLOCK,), dtype)  # noqa: E731
    return lambda key, i: sample(jax.random.fold_in(key, i))


@register_function_cache
@functools.lru_cache(maxsize=None)
def _block_sampler(kind, dtype):
    """One jitted sampler per distribution: the ``i``-th fixed-size block of a key's stream."""
    return jax.jit(_block_fn(kind, dtype))


def _draw(kind, key, shape, dtype):
    """Samples of ``shape``: the first ``prod(shape)`` values of the key's block stream. Eagerly the
    blocks come from one cached compiled sampler and are assembled on the host (no compile per
    shape); traced (``jax.jit(model.init)``) the same blocks are computed in the program, so both
    paths give identical values."""
    n = math.prod(shape)
    n_blocks = -(-n // _BLOCK)
    dtype = str(jnp.dtype(dtype))
    if n == 0:
        return jnp.zeros(shape, dtype)
    if _tracing():
        fn = _block_fn(kind, dtype)
        return jnp.concatenate([fn(key, i) for i in range(n_blocks)])[:n].reshape(shape)
    sampler = _block_sampler(kind, dtype)
    blocks = [np.asarray(sampler(key, i)) for i in range(n_blocks)]
    return np.concatenate(blocks)[:n].reshape(shape)


def _normal(key, shape, dtype):
    return _draw("normal", key, shape, dtype)


def _truncated_normal(key, shape, dtype):
    return _draw("truncated_normal", key, shape, dtype)


def _uniform(key, shape, dtype, minval, maxval):
    u = _draw("uniform", key, shape, dtype)
    return u * (maxval - minval) + minval


def _sample_dtype(dtype):
    # Draw in at least float32 (jax.random has no float16 truncated normal on all backends).
    return "float32" if jnp.dtype(dtype).itemsize < 4 else dtype


class RandomInitializer(Initializer):
    """Shared seed handling for the random initializers."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if isinstance(seed, dict):
            seed = _registry.deserialize_keras_object(seed)
        elif seed is not None and not isinstance(seed, (int, np.integer)) and \
                not callable(getattr(seed, "next", None)):
            raise ValueError("`seed` argument should be an instance of "
                             "`keras.random.SeedGenerator()` or an integer. "
                             f"Received: seed={seed!r}")
        if isinstance(seed, np.integer):
            seed = int(seed)
        self.seed = seed

    def _call_key(self):
        from fkeras.backend.random_state import key_from_seed, next_key

        if self.seed is None:
            return next_key()
        if isinstance(self.seed, int):
            return key_from_seed(self.seed)
        drawn = self.seed.next()  # a SeedGenerator-like object
        return key_from_seed(drawn) if isinstance(drawn, (int, np.integer)) else drawn

    def __call__(self, shape, dtype=None):
        return self.init(self._call_key(), shape, dtype)

    def get_config(self):
        return {"seed": _registry.serialize_keras_object(self._init_seed)}


class RandomNormal(RandomInitializer):
    """Initializer drawing from a normal distribution: ``w ~ N(mean, stddev**2)``.

    Call the instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to
    ``keras.backend.floatx()`` and must be a float dtype.

    Args:
        mean: Mean of the distribution. Defaults to ``0.0``.
        stddev: Standard deviation of the distribution. Defaults to ``0.05``.
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.

    Raises:
        ValueError: If ``seed`` is neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:
        >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)(shape=(2, 2)).shape
        (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def init(self, key, shape, dtype=None):
        dtype = _float_dtype(dtype, "RandomNormal")
        x = _normal(key, _shape(shape, "RandomNormal"), _sample_dtype(dtype))
        return (x * self.stddev + self.mean).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Initializer drawing from a truncated normal: ``N(mean, stddev**2)`` restricted to ``mean +- 2 * stddev``.

    Samples further than two standard deviations from ``mean`` are redrawn, which avoids large
    initial weights. Call the instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to
    ``keras.backend.floatx()`` and must be a float dtype.

    Args:
        mean: Mean of the underlying normal distribution. Defaults to ``0.0``.
        stddev: Standard deviation of the underlying normal distribution (before truncation).
            Defaults to ``0.05``.
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.

    Raises:
        ValueError: If ``seed`` is neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:
        >>> TruncatedNormal(stddev=1.0, seed=1)(shape=(100,)).max() <= 2.0
        Array(True, dtype=bool)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def init(self, key, shape, dtype=None):
        dtype = _float_dtype(dtype, "TruncatedNormal")
        x = _truncated_normal(key, _shape(shape, "TruncatedNormal"), _sample_dtype(dtype))
        return (x * self.stddev + self.mean).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Initializer drawing from a uniform distribution: ``w ~ U[minval, maxval)``.

    For an integer ``dtype`` the values are random integers in ``[int(minval), int(maxval))``. Call
    the instance as ``initializer(shape, dtype=None)``.

    Args:
        minval: Lower bound (inclusive). Defaults to ``-0.05``.
        maxval: Upper bound (exclusive). Defaults to ``0.05``.
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.

    Raises:
        ValueError: If ``seed`` is neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:
        >>> RandomUniform(minval=0.0, maxval=1.0, seed=1)(shape=(2, 2)).shape
        (2, 2)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def init(self, key, shape, dtype=None):
        dtype = _dtype(dtype)
        shape = _shape(shape, "RandomUniform")
        if jnp.issubdtype(jnp.dtype(dtype), jnp.integer):
            return jax.random.randint(key, shape, int(self.minval), int(self.maxval), dtype=dtype)
        dtype = _float_dtype(dtype, "RandomUniform")
        x = _uniform(key, shape, _sample_dtype(dtype), self.minval, self.maxval)
        return x.astype(dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Initializer whose variance adapts to the weight shape: ``var(w) = scale / n``.

    ``n`` is ``fan_in``, ``fan_out`` or their average (``mode``). With
    ``distribution="truncated_normal"`` the samples come from a normal truncated at two standard
    deviations, its standard deviation corrected so that the variance is still ``scale / n``;
    ``"untruncated_normal"`` uses a plain normal and ``"uniform"`` the range
    ``[-sqrt(3 * scale / n), sqrt(3 * scale / n)]``. Call the instance as
    ``initializer(shape, dtype=None)``; ``dtype`` defaults to ``keras.backend.floatx()`` and must be
    a float dtype.

    Args:
        scale: Positive scaling factor of the variance. Defaults to ``1.0``.
        mode: ``"fan_in"`` (default), ``"fan_out"`` or ``"fan_avg"``: which fan ``n`` is.
        distribution: ``"truncated_normal"`` (default; ``"normal"`` is accepted as an alias),
            ``"untruncated_normal"`` or ``"uniform"``.
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If ``scale`` is not positive, ``mode`` or ``distribution`` is unknown, only one
            of ``input_axes``/``output_axes`` is given, or ``seed`` is invalid.

    Example:
        >>> VarianceScaling(scale=0.1, mode="fan_in", distribution="uniform", seed=0)(shape=(2, 2)).shape
        (2, 2)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if (input_axes is None) != (output_axes is None):
            raise ValueError(f"{type(self).__name__}: pass both `input_axes` and `output_axes`, or neither. "
                             f"Received: input_axes={input_axes}, output_axes={output_axes}")
        self.input_axes = None if input_axes is None else [int(a) for a in input_axes]
        self.output_axes = None if output_axes is None else [int(a) for a in output_axes]
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Expected one of {allowed_modes}.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. "
                             f"Expected one of {allowed}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        super().__init__(seed=seed)

    def _variance(self, shape):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            n = max(1.0, fan_in)
        elif self.mode == "fan_out":
            n = max(1.0, fan_out)
        else:
            n = max(1.0, (fan_in + fan_out) / 2.0)
        return self.scale / n

    def init(self, key, shape, dtype=None):
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape(shape, type(self).__name__)
        var = self._variance(shape)
        sdt = _sample_dtype(dtype)
        if self.distribution == "truncated_normal":
            std = math.sqrt(var) / _TRUNC_STD
            x = _truncated_normal(key, shape, sdt) * std
        elif self.distribution == "untruncated_normal":
            x = _normal(key, shape, sdt) * math.sqrt(var)
        else:
            limit = math.sqrt(3.0 * var)
            x = _uniform(key, shape, sdt, -limit, limit)
        return x.astype(dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, **self._axes_config()}

    def _axes_config(self):
        # Written only when set: Keras releases before 3.14 do not take these arguments.
        if self.input_axes is None:
            return {}
        return {"input_axes": list(self.input_axes), "output_axes": list(self.output_axes)}


class _FixedVarianceScaling(VarianceScaling):
    _SCALE = 1.0
    _MODE = "fan_in"
    _DIST = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._SCALE, mode=self._MODE, distribution=self._DIST, seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": _registry.serialize_keras_object(self._init_seed), **self._axes_config()}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform initializer: ``w ~ U[-limit, limit]`` with ``limit = sqrt(6 / (fan_in + fan_out))``.

    Keeps the variance of activations and gradients roughly constant across layers (Glorot & Bengio,
    2010); the default kernel initializer of most Keras layers. Same as
    ``VarianceScaling(1.0, "fan_avg", "uniform")``. Call the instance as
    ``initializer(shape, dtype=None)``; ``dtype`` defaults to ``keras.backend.floatx()`` and must be
    a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:
        >>> GlorotUniform(seed=0)(shape=(3, 4)).shape
        (3, 4)
    """
    _SCALE, _MODE, _DIST = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal initializer: truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out))``.

    Same as ``VarianceScaling(1.0, "fan_avg", "truncated_normal")`` (Glorot & Bengio, 2010). Call
    the instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to
    ``keras.backend.floatx()`` and must be a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:

    >>> keras.initializers.GlorotNormal(seed=0)(shape=(3, 4)).shape
    (3, 4)
    """
    _SCALE, _MODE, _DIST = 1.0, "fan_avg", "truncated_normal"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal initializer: truncated normal with ``stddev = sqrt(1 / fan_in)``.

    Same as ``VarianceScaling(1.0, "fan_in", "truncated_normal")``; the initializer to pair with the
    ``selu`` activation (Klambauer et al., 2017). Call the instance as
    ``initializer(shape, dtype=None)``; ``dtype`` defaults to ``keras.backend.floatx()`` and must be
    a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:

    >>> keras.initializers.LecunNormal(seed=0)(shape=(3, 4)).shape
    (3, 4)
    """
    _SCALE, _MODE, _DIST = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform initializer: ``w ~ U[-limit, limit]`` with ``limit = sqrt(3 / fan_in)``.

    Same as ``VarianceScaling(1.0, "fan_in", "uniform")``. Call the instance as
    ``initializer(shape, dtype=None)``; ``dtype`` defaults to ``keras.backend.floatx()`` and must be
    a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:

    >>> keras.initializers.LecunUniform(seed=0)(shape=(3, 4)).shape
    (3, 4)
    """
    _SCALE, _MODE, _DIST = 1.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal initializer: truncated normal with ``stddev = sqrt(2 / fan_in)``.

    Same as ``VarianceScaling(2.0, "fan_in", "truncated_normal")``; suited to ReLU networks (He et
    al., 2015). Call the instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to
    ``keras.backend.floatx()`` and must be a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:

    >>> keras.initializers.HeNormal(seed=0)(shape=(3, 4)).shape
    (3, 4)
    """
    _SCALE, _MODE, _DIST = 2.0, "fan_in", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform initializer: ``w ~ U[-limit, limit]`` with ``limit = sqrt(6 / fan_in)``.

    Same as ``VarianceScaling(2.0, "fan_in", "uniform")``; suited to ReLU networks (He et al.,
    2015). Call the instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to
    ``keras.backend.floatx()`` and must be a float dtype.

    Args:
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.
        input_axes: Optional list of the axes of the weight shape whose sizes multiply to
            ``fan_in``, for kernels whose layout is not ``(..., in, out)`` (e.g. an ``EinsumDense``
            kernel). Pass it together with ``output_axes``; ``None`` (default) uses Keras's rule
            (last axis out, second-to-last in, both times the receptive field of conv kernels).
        output_axes: Optional list of the axes whose sizes multiply to ``fan_out``; see
            ``input_axes``.

    Raises:
        ValueError: If only one of ``input_axes`` and ``output_axes`` is given, or ``seed`` is
            neither an integer, a ``SeedGenerator`` nor ``None``.

    Example:

    >>> keras.initializers.HeUniform(seed=0)(shape=(3, 4)).shape
    (3, 4)
    """
    _SCALE, _MODE, _DIST = 2.0, "fan_in", "uniform"


class Orthogonal(RandomInitializer):
    """Orthogonal initializer: a (semi-)orthogonal matrix from the QR decomposition of a normal sample, times ``gain``.

    Shapes of rank > 2 are treated as ``(prod(shape[:-1]), shape[-1])`` and reshaped back. With
    fewer rows than columns the rows are orthonormal, otherwise the columns. Orthogonal weights keep
    the norm of signals through deep linear and recurrent layers (Saxe et al., 2014). Call the
    instance as ``initializer(shape, dtype=None)``; ``dtype`` defaults to ``keras.backend.floatx()``
    and must be a float dtype.

    Args:
        gain: Multiplicative factor applied to the orthogonal matrix. Defaults to ``1.0``.
        seed: An integer, a ``keras.random.SeedGenerator``, or ``None``. With an integer every call
            returns the same values (as in Keras 3); with a generator each call draws its next seed;
            with ``None`` (default) each call draws a fresh key from the global stream, which
            ``keras.utils.set_random_seed(n)`` makes reproducible.

    Raises:
        ValueError: If ``seed`` is invalid, or (when called) the shape has rank < 2.

    Example:
        >>> w = Orthogonal(seed=0)(shape=(4, 4))
        >>> bool(jnp.allclose(w.T @ w, jnp.eye(4), atol=1e-5))
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def init(self, key, shape, dtype=None):
        dtype = _float_dtype(dtype, "Orthogonal")
        shape = _shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        num_rows = 1
        for d in shape[:-1]:
            num_rows *= d
        num_cols = shape[-1]
        flat = (max(num_rows, num_cols), min(num_rows, num_cols))
        a = _normal(key, flat, "float32")
        if _tracing():
            q, r = jnp.linalg.qr(a)
            q = q * jnp.sign(jnp.diag(r))
        else:  # eager: numpy's QR avoids an XLA compile per shape
            q, r = np.linalg.qr(np.asarray(a))
            q = q * np.sign(np.diag(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


OrthogonalInitializer = Orthogonal
