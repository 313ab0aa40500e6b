"""``keras.Model``: subclassed models, and the dispatch to Functional for ``Model(inputs, outputs)``."""
from __future__ import annotations

import os
import tempfile
import warnings

from fkeras.engine.layer import Layer, _silence_nodes
from fkeras.engine.symbolic import KerasTensor
from fkeras.trainers.trainer import Trainer


class _GraphEndpoint:
    """``model.inputs`` & co.: the Functional graph's, when the model has one. A non-data
    descriptor, so a subclass may still assign ``self.inputs = ...`` itself."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        g = obj.__dict__.get("_functional_graph")
        if g is not None:
            return getattr(g, self.name)
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {self.name!r}")


class Model(Trainer, Layer):
    """A layer with training methods (``compile``/``fit``/``evaluate``/``predict``).

    Build one of three ways: ``keras.Model(inputs, outputs)`` (Functional),
    ``keras.Sequential([...])``, or subclassing with layers as attributes and a ``call``.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (("inputs" in kwargs and "outputs" in kwargs) or len(args) == 2
                             or ("inputs" in kwargs and len(args) == 1)):
            from fkeras.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # A subclass calling super().__init__(inputs=..., outputs=...): graph model.
            from fkeras.models.functional import Functional

            inputs = kwargs.pop("inputs", args[0] if args else None)
            outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
            Layer.__init__(self, **kwargs)
            Trainer.__init__(self)
            self._functional_graph = Functional(inputs, outputs, name=self.name + "_graph")
            self._subclass_graph = True
            self.built = True
            return
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    def _default_name(self):
        return super()._default_name()

    @property
    def layers(self):
        g = self.__dict__.get("_functional_graph")
        if g is not None:
            return g.layers
        return self._sublayers()

    @property
    def operations(self):
        """Every node of a graph-built model (its layers and the ``keras.ops`` calls on symbolic
        tensors), in Keras's order; the layers of any other model."""
        g = self.__dict__.get("_functional_graph")
        if g is not None:
            return g.operations
        return self.layers

    # A subclass that called super().__init__(inputs=..., outputs=...) is a Functional model in
    # Keras 3 (its class gains Functional as a base): it exposes the graph's endpoints. A plain
    # subclassed model has none of them, as in Keras (and may assign such attributes itself).
    inputs = _GraphEndpoint("inputs")
    outputs = _GraphEndpoint("outputs")
    input_shape = _GraphEndpoint("input_shape")
    output_shape = _GraphEndpoint("output_shape")
    input_names = _GraphEndpoint("input_names")
    output_names = _GraphEndpoint("output_names")

    @property
    def input(self):
        """The symbolic input(s) of the model's graph (Keras's ``model.input``)."""
        g = self.__dict__.get("_functional_graph")
        return g.input if g is not None else Layer.input.fget(self)

    @property
    def output(self):
        """The symbolic output(s) of the model's graph (Keras's ``model.output``)."""
        g = self.__dict__.get("_functional_graph")
        return g.output if g is not None else Layer.output.fget(self)

    def _sublayers(self):
        g = self.__dict__.get("_functional_graph")
        if g is not None:
            return g._sublayers()
        return [l for l in super()._sublayers() if not _is_metric_like(l)]

    def call(self, inputs, training=None, mask=None):
        """The model's forward pass; a subclassed model overrides it.

        A model whose ``__init__`` called ``super().__init__(inputs=..., outputs=...)`` runs its
        graph here; any other subclass must implement ``call`` (``model(x)`` runs it).

        Args:
            inputs: An array, or a list/dict of arrays for several inputs.
            training: ``True`` in training mode (``fit``), ``False`` in inference mode, ``None``
                to take the mode of the enclosing call. Layers such as Dropout and
                BatchNormalization read it.
            mask: Optional boolean mask(s) for the inputs, passed on to layers that support
                masking.

        Returns:
            The outputs: an array, or a list/dict of arrays.

        Raises:
            NotImplementedError: If a subclassed model without a graph does not implement it.
        """
        g = self.__dict__.get("_functional_graph")
        if g is not None:
            return g.call(inputs, training=training, mask=mask)
        raise NotImplementedError(
            f"Model {type(self).__name__} has no call(): subclasses of keras.Model must implement "
            "`call(self, inputs, training=None)`."
        )

    def build(self, input_shape=None):
        """Build a subclassed model by running ``call`` symbolically on ``input_shape``.

        This creates the variables of every layer ``call`` uses, without computing anything.
        ``fit``, ``predict`` and ``model(x)`` build the model from their data by themselves.

        Args:
            input_shape: The input shape including the batch axis (``None`` for unknown sizes),
                e.g. ``(None, 32)``; a list of shapes or a dict of them for several inputs.

        Raises:
            ValueError: If ``input_shape`` is ``None``. An error ``call`` raises on inputs of that
                shape propagates, and the model stays unbuilt.
        """
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build().")
        if type(self).call is Model.call:
            self.built = True
            return

        def to_kt(s):
            if isinstance(s, dict):
                return {k: to_kt(v) for k, v in s.items()}
            if isinstance(s, list) and s and isinstance(s[0], (tuple, list)):
                return [to_kt(e) for e in s]
            return KerasTensor(tuple(s), self.compute_dtype)

        x = to_kt(input_shape)
        self.built = True  # so the symbolic call below does not re-enter build
        try:
            with _silence_nodes(self):
                spec = self.compute_output_spec(x)
        except Exception:
            self.built = False
            raise
        self._build_shapes = input_shape
        self._built_output_spec = spec

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize the weights of every layer that supports it (Keras 3's ``model.quantize``).

        Args:
            mode: ``"int8"``, ``"int4"`` or ``"float8"``; optional when ``config`` is given.
                (``"gptq"`` and ``"awq"`` configs are accepted but raise: not implemented.)
            config: a ``keras.quantizers.QuantizationConfig``.
            filters: a regex (or list of regexes) over layer names, or a callable on layers:
                only the matching layers are quantized.
            **kwargs: ``type_check`` (default True): refuse subclasses of the quantizable layers.

        Example:
            >>> model.quantize("int8")
        """
        from fkeras.layers.quantized import quantize_model

        type_check = kwargs.pop("type_check", True)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        quantize_model(self, mode, config=config, filters=filters, type_check=type_check)

    def get_layer(self, name=None, index=None):
        """One of ``model.layers``, by ``name`` or by ``index``.

        Args:
            name: The layer's name.
            index: The layer's position in ``model.layers`` (Keras's order).

        Returns:
            The layer.

        Raises:
            ValueError: If both or neither are given, if no layer has that name, or if the index
                is out of range.
        """
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the model's layers, their output shapes and parameter counts.

        The totals below the table count trainable and non-trainable parameters (with their
        memory size) and, once the model has been trained, the optimizer's variables.

        Args:
            line_length: Total width of the table in characters. ``None`` (the default) means 88
                for a Sequential-like model and 108 otherwise (the latter adds a "Connected to"
                column), narrowed to the terminal when printing to it.
            positions: The right edge of each column, as fractions of ``line_length`` (all at
                most 1) or as absolute character positions. ``None`` uses the default layout.
            print_fn: A function called with the whole summary as one string, instead of
                printing it (e.g. ``print_fn=lines.append``). ``None`` prints to stdout.
            expand_nested: If ``True``, also list the layers of nested models, indented under
                them. Defaults to ``False``.
            show_trainable: If ``True``, add a column saying whether each layer is trainable.
                Defaults to ``False``.
            layer_range: A pair ``[first, last]`` of layer names (regular expressions, matched
                from the start of the name): only the layers from the first match to the last
                one are listed. ``None`` (the default) lists all layers.

        Raises:
            ValueError: If ``layer_range`` is not two names or matches no layer, or the width
                leaves a column fewer than 4 characters.
        """
        from fkeras.models import summary_utils

        return summary_utils.print_summary(self, line_length=line_length, positions=positions,
                                           print_fn=print_fn, expand_nested=expand_nested,
                                           show_trainable=show_trainable, layer_range=layer_range)

    def get_config(self):
        """The model's configuration, from which ``from_config`` rebuilds it (without weights).

        A model built as a graph (``super().__init__(inputs=..., outputs=...)``) returns the
        Functional config of its layers and connections. A subclassed model returns ``name``,
        ``trainable`` and ``dtype`` plus the arguments its ``__init__`` was called with, when
        they are plain JSON values; a model taking other arguments should override
        ``get_config`` (and ``from_config`` if ``cls(**config)`` cannot rebuild it).

        Returns:
            A JSON-serializable dict.
        """
        g = self.__dict__.get("_functional_graph")
        if g is not None:
            return {**g.get_config(), "name": self.name, "trainable": self.trainable}
        return Layer.get_config(self)

    # --- saving (implemented in fkeras.saving) ---------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the whole model: architecture, weights, compile arguments and optimizer state.

        ``keras.models.load_model`` restores it, compiled, so that ``fit`` continues where it
        stopped. A ``.keras`` file is a zip of ``config.json``, ``metadata.json`` and
        ``model.weights.h5`` in Keras 3's layout.

        Args:
            filepath: A path (``str`` or ``os.PathLike``) ending in ``.keras``, or in ``.h5`` /
                ``.hdf5`` for tf.keras's legacy HDF5 format. With ``zipped=False``, the path of a
                directory, which must not end in ``.keras``.
            overwrite: If ``True`` (the default), replace an existing file; the write is atomic
                either way. If ``False`` and the file exists, ask on a terminal, else raise
                ``FileExistsError``.
            zipped: ``False`` writes the ``.keras`` content into a directory instead of a zip
                file; ``None`` (the default) or ``True`` writes the zip.
            **kwargs: ``include_optimizer`` (``.h5`` only, default ``True``) and
                ``save_format`` (``"keras"`` or ``"h5"``, for a path without a known extension).

        Raises:
            ValueError: For an unknown extension, a ``.weights.h5`` path (use ``save_weights``),
                a ``.keras`` path with ``zipped=False``, or an unsupported ``save_format``.
            TypeError: For another keyword argument.
            FileExistsError: See ``overwrite``.

        Example:

        ```python
        model.save("model.keras")
        restored = keras.models.load_model("model.keras")
        ```
        """
        from fkeras.saving import saving_api

        return saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Save the model's weights (and the optimizer's variables) without the architecture.

        ``load_weights`` reads them back into a model of the same structure.

        Args:
            filepath: A path ending in ``.weights.h5`` (Keras 3's layout), or in ``.h5`` /
                ``.hdf5`` for tf.keras's legacy HDF5 weights.
            overwrite: If ``True`` (the default), replace an existing file (atomically). If
                ``False`` and the file exists, ask on a terminal, else raise ``FileExistsError``.
            **kwargs: ``save_format`` is accepted and ignored (the extension decides).

        Raises:
            ValueError: For a ``.keras`` path (use ``save``), an unknown extension, or a model
                that is not built.
            TypeError: For another keyword argument.
        """
        from fkeras.saving import saving_api

        return saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Assign weights saved by ``save_weights`` or ``save`` (by fkeras or Keras).

        Weights are matched by the model's structure (layer by layer, in Keras's order), not by
        name; the model must be built.

        Args:
            filepath: A ``.weights.h5`` file, a ``.keras`` archive (its weights are read), or a
                legacy tf.keras ``.h5`` / ``.hdf5`` file.
            skip_mismatch: If ``True``, layers whose number of variables or shapes differ from
                the file are skipped with a warning; if ``False`` (the default), such a mismatch
                raises a ``ValueError`` naming the layer and both shapes.
            **kwargs: tf.keras's ``by_name=True`` is refused with a ``ValueError`` (as in
                Keras 3); ``by_name=False`` is accepted.

        Raises:
            ValueError: For an unknown extension, a missing file, an unbuilt model, or a
                mismatch (see ``skip_mismatch``).
            TypeError: For another keyword argument.
        """
        from fkeras.saving import saving_api

        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Export the inference forward pass as an artifact that runs without fkeras.

        ``format="jax"`` writes ``jax.export`` programs (StableHLO) that plain JAX loads with
        ``jax.export.deserialize(...).call(x)``, for any batch size; ``"tf_saved_model"`` (Keras's
        default) writes a TensorFlow SavedModel through ``jax2tf`` and needs TensorFlow. See
        ``fkeras.export.export_lib`` for the layout and the keyword arguments.

        Args:
            filepath: Folder to write (replaced atomically).
            format: ``"tf_saved_model"`` or ``"jax"``.
            verbose: Whether to print the endpoints written (``None``: True).
            input_signature: Input shapes/dtypes (``keras.InputSpec`` per positional argument);
                ``None`` takes them from the model.
            **kwargs: Format options (``embed_variables``, ``platforms``, ``is_static``, ``jax2tf_kwargs``).

        Example:

        ```python
        model.export("artifact", format="jax")
        exported = jax.export.deserialize(bytearray(open("artifact/serve.jax_exported", "rb").read()))
        exported.call(x)
        ```
        """
        from fkeras.export import export_lib

        export_lib.export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature,
                                **kwargs)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (``keras.models.model_from_json`` reads it)."""
        import json

        from fkeras.saving import registry

        return json.dumps(registry.serialize_keras_object(self), **kwargs)

    def to_yaml(self, **kwargs):
        """tf.keras's ``to_yaml``, on ``yaml.safe_dump`` over the same config as ``to_json``."""
        from fkeras.saving import yaml_io

        return yaml_io.to_yaml(self, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a model from the dict ``get_config`` returned.

        A Functional config (with ``layers``, ``input_layers`` and ``output_layers``) rebuilds
        the graph; any other config is passed to the constructor as ``cls(**config)``.

        Args:
            config: The dict from ``get_config``.
            custom_objects: Optional dict mapping class names to custom layers (or functions)
                used in a Functional config, for those not registered with
                ``keras.saving.register_keras_serializable``.

        Returns:
            A new model with freshly initialized weights (load saved ones with ``load_weights``).
        """
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            from fkeras.models import functional_config

            return functional_config.functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    def __reduce__(self):
        """Pickling (and ``copy.deepcopy``) store the model as the bytes of its ``.keras`` file,
        as Keras 3 does: architecture, weights, compile arguments and optimizer state. Unpickling
        loads it back compiled. Compiled JAX programs are not stored; they compile again."""
        return (_unpickle_model, (_keras_file_bytes(self),))

    # Removed tf.keras methods: properties raising AttributeError, so that `hasattr(model,
    # "predict_classes")` is False (old code tests it to choose a path) while a call still explains.
    @property
    def predict_classes(self):
        raise AttributeError(
            "`model.predict_classes()` was removed in TensorFlow 2.6 / Keras 3. Use "
            "`np.argmax(model.predict(x), axis=-1)` for multi-class outputs, or "
            "`(model.predict(x) > 0.5).astype('int32')` for a sigmoid output."
        )

    @property
    def predict_proba(self):
        raise AttributeError("`model.predict_proba()` was removed; use `model.predict(x)`.")


def _is_metric_like(obj):
    return getattr(obj, "_is_fkeras_metric", False)


def _keras_file_bytes(model) -> bytes:
    from fkeras.saving import saving_api

    with tempfile.TemporaryDirectory(prefix="fkeras-pickle-") as tmp:
        path = os.path.join(tmp, "model.keras")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="You are saving a model that has not yet been built")
            saving_api.save_model(model, path)
        with open(path, "rb") as f:
            return f.read()


def _unpickle_model(data: bytes):
    """The model a pickle holds (see ``Model.__reduce__``). Unpickling already runs whatever code the
    pickle names, so its model loads as trusted (``safe_mode=False``), as in Keras 3."""
    from fkeras.saving import saving_api

    with tempfile.TemporaryDirectory(prefix="fkeras-pickle-") as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return saving_api.load_model(path, safe_mode=False)
