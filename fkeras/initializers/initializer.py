"""The ``Initializer`` base class.

Keras's API is ``initializer(shape, dtype=None)``. fkeras adds one pure method,
``initializer.init(key, shape, dtype=None)``, which draws from an explicit
``jax.random`` key; the engine calls it with a key folded per variable path, so
``model.init(key)`` is a pure function of ``key``.
"""
from __future__ import annotations

from fkeras.backend import config as _config
from fkeras.ops._helpers import standardize_dtype


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` (Keras API) and/or the
    pure ``init(key, shape, dtype=None)``.

    Example:
        >>> class ExampleRandomNormal(Initializer):
        ...     def __init__(self, mean, stddev):
        ...         self.mean, self.stddev = mean, stddev
        ...     def __call__(self, shape, dtype=None):
        ...         return keras.random.normal(shape, mean=self.mean, stddev=self.stddev, dtype=dtype)
        ...     def get_config(self):
        ...         return {"mean": self.mean, "stddev": self.stddev}
    """

    def __call__(self, shape, dtype=None):
        if type(self).init is Initializer.init:
            raise NotImplementedError(
                f"Initializer subclasses must implement `__call__(shape, dtype=None)`. "
                f"{type(self).__name__} does not.")
        return self.init(self._call_key(), shape, dtype)

    def init(self, key, shape, dtype=None):
        """Draw values of ``shape``/``dtype`` from the jax PRNG ``key`` (pure).

        A subclass that only defines ``__call__`` (a custom Keras initializer) falls back to it
        and ignores ``key``.

        Args:
            key: A ``jax.random`` key (the same key gives the same values).
            shape: The shape of the array to create, a tuple of ints.
            dtype: The dtype; ``None`` (the default) uses ``keras.config.floatx()``.
        """
        if type(self).__call__ is Initializer.__call__:
            raise NotImplementedError(
                f"{type(self).__name__} implements neither `__call__` nor `init`.")
        return self(shape, dtype=dtype)

    def _call_key(self):
        from fkeras.backend.random_state import next_key

        return next_key()

    def get_config(self):
        """The constructor arguments as a JSON-able dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Build an instance from ``get_config()``'s output.

        A ``dtype`` key (written by TF 1.x-era tf.keras configs) is dropped when the
        constructor does not take one.

        Args:
            config: The dict of constructor arguments, as ``get_config`` returns it.
        """
        config = dict(config)
        if "dtype" in config:
            import inspect

            if "dtype" not in inspect.signature(cls.__init__).parameters:
                config.pop("dtype")
        return cls(**config)

    def clone(self):
        """A new initializer of the same class and configuration (``from_config(get_config())``)."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _dtype(dtype):
    return standardize_dtype(dtype, default=_config.floatx())


def _shape(shape, who):
    try:
        return tuple(int(s) for s in shape)
    except TypeError as e:
        raise ValueError(f"{who}: `shape` must be a tuple of ints. Received: shape={shape!r}") from e


def initialize(initializer, key, shape, dtype=None):
    """Draw initial values with ``initializer`` from ``key`` (engine helper).

    Uses the pure ``init`` when the initializer has one; a plain callable
    ``(shape, dtype) -> array`` is simply called.
    """
    init = getattr(initializer, "init", None)
    if init is not None and callable(init):
        return init(key, shape, dtype)
    return initializer(shape, dtype=dtype)
