"""``keras.Input`` and ``InputLayer``."""
from __future__ import annotations

from fkeras.engine.layer import Layer
from fkeras.engine.symbolic import KerasTensor, Node, tensor_dtype_name


class InputLayer(Layer):
    """The entry point of a Functional graph: holds the symbolic input tensor.

    Usually created for you by ``keras.Input`` or by a ``Sequential`` model given an input shape;
    ``layer.output`` is the symbolic tensor. Calling it returns its input unchanged.

    Args:
        shape: the shape of one sample, without the batch axis (a tuple, or an integer for a 1D
            sample); ``None`` entries are sizes unknown until run time.
        batch_size: optional fixed batch size, prepended to ``shape`` (needed, for example, by
            stateful RNNs). ``None`` (the default) leaves the batch size open.
        dtype: dtype of the input (``"float32"``, ``"int32"``, ...); ``None`` uses the layer's compute
            dtype (``keras.config.floatx()`` by default). ``"string"`` declares a text input: it takes
            numpy string arrays and must feed host-side layers (``TextVectorization``,
            ``StringLookup``, ``Hashing``), which run on the host before the jitted part of the model.
        sparse: whether the input is expected to be sparse; recorded in the config for Keras
            compatibility (fkeras feeds dense arrays).
        batch_shape: the full shape including the batch axis, instead of ``shape`` and
            ``batch_size``.
        input_tensor: optional existing ``KerasTensor`` to use as the input; its shape and dtype win.
        optional: if ``True``, the model may be called with ``None`` for this input. Defaults to
            ``False``.
        name: optional name of the layer (and of the tensor).
        ragged: must be falsy; ragged inputs are not supported (JAX needs static shapes), pad them
            with ``keras.utils.pad_sequences``.
        **kwargs: tf.keras's ``input_shape``/``batch_input_shape`` spellings are accepted.

    Raises:
        ValueError: for ``ragged=True``, both ``shape`` and ``batch_shape``, neither of them (nor an
            ``input_tensor``), a non-``KerasTensor`` ``input_tensor``, or a negative dimension.

    Example:
        layer = keras.layers.InputLayer(shape=(8,))
        layer.output.shape   # (None, 8)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if ragged:
            raise ValueError("Ragged inputs are not supported by fkeras (JAX needs static shapes); "
                             "pad them with keras.utils.pad_sequences.")
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=None, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"Argument `input_tensor` must be a KerasTensor. Received: {input_tensor!r}")
            batch_shape = input_tensor.shape
            dtype = input_tensor.dtype
        elif batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to keras.Input / InputLayer.")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        for d in self._batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"Input shape dimensions must be non-negative; received {batch_shape}.")
        self._dtype_name = tensor_dtype_name(dtype) if dtype is not None else self.compute_dtype
        self.sparse = bool(sparse)
        self.optional = optional
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, dtype=self._dtype_name, name=self.name)
        self._output_tensor = input_tensor
        self.built = True
        Node(self, (), {}, input_tensor)

    def _default_name(self):
        return "input_layer"

    @property
    def output(self):
        return self._output_tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._dtype_name

    def call(self, inputs=None):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype_name, "sparse": self.sparse,
                "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input tensor, the starting point of a Functional model: ``x = keras.Input(shape=(784,))``.

    It creates an ``InputLayer`` and returns its output. Calling layers on it records the graph that
    ``keras.Model(inputs, outputs)`` turns into one pure function.

    Args:
        shape: the shape of one sample, without the batch axis (a tuple, or an integer for a 1D
            sample); ``None`` entries are sizes unknown until run time, e.g. ``(None, 16)`` for
            sequences of any length.
        batch_size: optional fixed batch size; ``None`` (the default) leaves it open.
        dtype: dtype of the input (``"float32"``, ``"int32"``, ``"bool"``, ...); ``None`` uses
            ``keras.config.floatx()``. ``"string"`` makes a text input for numpy string arrays; it
            must feed host-side layers (``TextVectorization``, ``StringLookup``, ``Hashing``), which
            ``fit``/``evaluate``/``predict`` run on the host, in the data path, before the jitted step.
        sparse: whether the input is expected to be sparse; recorded for Keras compatibility
            (fkeras feeds dense arrays).
        batch_shape: the full shape including the batch axis, instead of ``shape`` and
            ``batch_size``.
        name: optional name, unique within a model; generated when omitted.
        tensor: optional existing ``KerasTensor`` to wrap instead of creating a new one.
        optional: if ``True``, the model may be called with ``None`` for this input. Defaults to
            ``False``.

    Returns:
        A ``KerasTensor`` with shape ``(batch_size,) + shape`` (or ``batch_shape``) and the dtype.

    Raises:
        ValueError: for both ``shape`` and ``batch_shape``, neither of them, or a negative dimension.

    Example:
        x = keras.Input(shape=(16,))
        y = keras.layers.Dense(4)(x)
        model = keras.Model(x, y)   # model.input_shape == (None, 16)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional)
    return layer.output
