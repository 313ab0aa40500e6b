"""``keras.Sequential``: a linear stack of layers."""
from __future__ import annotations

from fkeras.engine.layer import Layer, _call_signature_info, display_shape
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.input_layer import InputLayer
from fkeras.models.model import Model


class Sequential(Model):
    """A stack of layers, each with one input and one output.

    The model is built as soon as its input shape is known: from a ``keras.Input`` (or
    ``InputLayer``) given first, from a first layer created with ``input_shape=``, by calling
    ``build``, or from the first data it sees.

    Args:
        layers: Optional list of layers (a ``keras.Input`` may come first) added in order.
        trainable: Whether the model's weights are trained. Defaults to ``True``.
        name: The model's name; ``None`` (the default) picks a unique ``"sequential"`` name.

    Example:
        model = keras.Sequential([
            keras.layers.Dense(64, activation="relu", input_shape=(784,)),
            keras.layers.Dense(10, activation="softmax"),
        ])
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._stack = []
        self._input_layer = None
        self._graph_inputs = None
        self._graph_outputs = None
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def _default_name(self):
        return "sequential"

    def add(self, layer, rebuild=True):
        """Append a layer on top of the stack.

        Args:
            layer: A ``keras.layers.Layer`` instance, or a ``keras.Input`` tensor (or
                ``InputLayer``), which may only come first and sets the input shape.
            rebuild: If ``True`` (the default) and the input shape is known, rebuild the model
                at once, so a layer that does not fit fails here. ``False`` defers that (used
                when adding many layers).

        Raises:
            ValueError: If ``layer`` is not a layer, is already in the model, has the name of a
                layer already in it, or is an input that does not come first.
        """
        if isinstance(layer, KerasTensor) and layer._node is not None and isinstance(layer._node.layer, InputLayer):
            layer = layer._node.layer
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    "Sequential model: an InputLayer / keras.Input can only be the first layer, "
                    f"but the model already has layers {[l.name for l in self._stack]}."
                )
            self._input_layer = layer
        elif not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        else:
            if any(l is layer for l in self._stack):
                raise ValueError(f"Layer {layer.name!r} is already in this Sequential model.")
            if any(l.name == layer.name for l in self._stack):
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name {layer.name!r} is "
                    "already the name of a layer in this model. Update the `name` argument to pass a unique name."
                )
            self._stack.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove the last layer and return it.

        Args:
            rebuild: If ``True`` (the default), rebuild the shortened model when its input
                shape is known.

        Returns:
            The removed layer.

        Raises:
            TypeError: If the model has no layers.
        """
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self.built = False
        self._graph_inputs = self._graph_outputs = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        shape = None
        if self._input_layer is not None:
            shape = self._input_layer.batch_shape
        elif self._stack and getattr(self._stack[0], "_batch_input_shape", None) is not None:
            shape = self._stack[0]._batch_input_shape
        if shape is not None and self._stack:
            self.built = False
            self.build(shape)

    @property
    def layers(self):
        return list(self._stack)

    def _sublayers(self):
        return list(self._stack)

    def build(self, input_shape=None):
        """Build every layer of the stack for inputs of ``input_shape``.

        Args:
            input_shape: The input shape including the batch axis, e.g. ``(None, 784)``.
                ``None`` (the default) uses the shape of the model's ``keras.Input``.

        Raises:
            ValueError: If the model has no layers, no input shape is known, or several input
                shapes are given. A layer that does not accept its input raises its own error.
        """
        if not self._stack:
            raise ValueError(f"Sequential model {self.name!r} cannot be built because it has no layers. "
                             "Call `model.add(layer)`.")
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument to build().")
            input_shape = self._input_layer.batch_shape
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            raise ValueError("Sequential models take a single input; received several input shapes.")
        input_shape = tuple(input_shape)
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            if self._input_layer is None:
                self._input_layer = InputLayer(batch_shape=input_shape, dtype=None)
            else:
                self._input_layer = InputLayer(batch_shape=input_shape, dtype=self._input_layer.dtype,
                                               name=self._input_layer.name)
        x = self._input_layer.output
        inputs = x
        for layer in self._stack:
            try:
                x = layer(x)
            except Exception as e:
                if not isinstance(e, (ValueError, TypeError)):
                    raise
                raise type(e)(str(e)) from e
        self._graph_inputs = [inputs]
        self._graph_outputs = [x]
        self._build_shapes = input_shape
        self.built = True

    def _maybe_build(self, call_args, call_kwargs):
        if self.built:
            return
        from fkeras.engine.layer import _tree_shapes

        shape = _tree_shapes(call_args[0])
        if isinstance(shape, tuple) and shape:
            shape = (None,) + tuple(shape[1:])
        self.build(shape)

    def call(self, inputs, training=None, mask=None):
        """Run the layers in order on ``inputs``.

        Args:
            inputs: An array (a Sequential model has one input).
            training: ``True`` for training mode, ``False`` for inference, ``None`` to take the
                mode of the enclosing call; passed to the layers whose ``call`` accepts it.
            mask: Optional mask of the inputs; each layer that supports masking receives the
                mask computed by the layer before it.

        Returns:
            The last layer's output.

        Raises:
            ValueError: If the shape of ``inputs`` does not match the model's input shape.
        """
        x = inputs
        if isinstance(x, dict):  # as Keras: a dict names the input (its `keras.Input`'s name)
            name = self._input_layer.name if self._input_layer is not None else None
            if name is None or name not in x or len(x) != 1:
                raise ValueError(f"Sequential model {self.name!r} has one input"
                                 + (f' named "{name}"' if name is not None else "")
                                 + f"; received a data dictionary with keys {list(x)}. Pass the array itself"
                                 + (f", or a dict with the single key {name!r}." if name is not None else "."))
            x = x[name]
        if self._input_layer is not None and hasattr(x, "shape"):
            expected = self._input_layer.batch_shape
            if len(x.shape) != len(expected) and abs(len(x.shape) - len(expected)) == 1:
                from fkeras.models.functional import adjust_input_rank

                x = adjust_input_rank(x, expected, self._input_layer.name, self.name)
            got = display_shape(x.shape)
            if len(got) != len(expected) or any(e is not None and g is not None and e != g
                                                for e, g in zip(expected, got)):
                raise ValueError(
                    f'Input 0 of layer "{self._stack[0].name if self._stack else self.name}" is incompatible '
                    f'with the layer: expected shape={expected}, found shape={got}'
                    f' (in Sequential model "{self.name}").'
                )
            x = self._input_layer._cast_inputs(x)
        for layer in self._stack:
            info = _call_signature_info(type(layer).call)
            kwargs = {}
            if info["mask"] and mask is not None:
                kwargs["mask"] = mask
            if info["training"] and training is not None:
                kwargs["training"] = training
            out = layer(x, **kwargs)
            if layer.supports_masking or type(layer).compute_mask is not Layer.compute_mask:
                mask = layer.compute_mask(x, mask)
            else:
                mask = None
            x = out
        return x

    @property
    def inputs(self):
        return list(self._graph_inputs) if self._graph_inputs else None

    @property
    def outputs(self):
        return list(self._graph_outputs) if self._graph_outputs else None

    @property
    def input(self):
        return self._graph_inputs[0] if self._graph_inputs else None

    @property
    def output(self):
        return self._graph_outputs[0] if self._graph_outputs else None

    @property
    def input_shape(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name!r} has no defined input shape yet.")
        return self._input_layer.batch_shape

    @property
    def output_shape(self):
        if not self._graph_outputs:
            raise AttributeError(f"Sequential model {self.name!r} has not been built yet.")
        return self._graph_outputs[0].shape

    def get_config(self):
        """The model's configuration, in Keras 3's Sequential layout.

        Returns:
            A dict with ``name``, ``trainable``, ``dtype``, ``layers`` (the serialized
            ``InputLayer``, when there is one, followed by each layer's config) and, once built,
            ``build_input_shape``.
        """
        from fkeras.dtype_policies import dtype_policy
        from fkeras.saving import registry

        layer_configs = []
        if self._input_layer is not None:
            layer_configs.append(registry.serialize_keras_object(self._input_layer))
        for layer in self._stack:
            layer_configs.append(registry.serialize_keras_object(layer))
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": dtype_policy.serialize(self.dtype_policy), "layers": layer_configs}
        if self._build_shapes is not None:
            cfg["build_input_shape"] = list(self._build_shapes)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a Sequential model from the dict ``get_config`` returned (Keras's as well).

        Args:
            config: The model's config.
            custom_objects: Optional dict mapping class names to custom layer classes not
                registered with ``keras.saving.register_keras_serializable``.

        Returns:
            A new model with freshly initialized weights, built when the config records its
            input shape.
        """
        from fkeras.saving import registry

        config = dict(config)
        layer_configs = config.pop("layers")
        build_shape = config.pop("build_input_shape", None)
        config.pop("dtype", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for lc in layer_configs:
            layer = registry.deserialize_keras_object(lc, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
        if build_shape is not None and not model.built:
            model.build(tuple(build_shape))
        else:
            model._maybe_rebuild()
        return model
