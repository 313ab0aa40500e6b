"""The Functional graph: ``keras.Model(inputs, outputs)`` as one pure function (DESIGN §2)."""
from __future__ import annotations

import inspect

import jax

from fkeras.engine import symbolic
from fkeras.engine.layer import Layer, _call_signature_info, display_shape
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.input_layer import InputLayer
from fkeras.models.model import Model


def _flatten_kt(struct):
    return [t for t in symbolic.flatten(struct) if isinstance(t, KerasTensor)]


def _topological_nodes(inputs, outputs):
    """Nodes reachable from ``outputs`` and computable from ``inputs``, in execution order."""
    input_ids = {t._id for t in inputs}
    order, state = [], {}

    def visit(node):
        s = state.get(id(node))
        if s == 2:
            return
        if s == 1:
            raise ValueError("The Functional graph has a cycle.")
        state[id(node)] = 1
        for t in node.input_tensors:
            if t._id in input_ids:
                continue
            if t._node is None:
                raise ValueError(f"Tensor {t} is not connected to the model inputs.")
            visit(t._node)
        state[id(node)] = 2
        order.append(node)

    for t in outputs:
        if t._id in input_ids:
            continue
        if t._node is None:
            raise ValueError(f"Output tensor {t} was not produced by a layer.")
        visit(t._node)
    # Check that every graph input is reachable from a model input.
    produced = set(input_ids)
    for node in order:
        if isinstance(node.layer, InputLayer):
            missing = [t for t in node.output_tensors if t._id not in input_ids]
            if missing:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {missing[0]} at layer "
                    f"{node.layer.name!r}. It is a keras.Input that was not passed in `inputs`."
                )
        for t in node.output_tensors:
            produced.add(t._id)
    return [n for n in order if not isinstance(n.layer, InputLayer)]


def keras_layer_order(inputs, outputs):
    """The layers between ``inputs`` and ``outputs`` in Keras's ``model.layers`` order.

    Keras sorts a Functional graph's layers by decreasing depth (distance to the outputs) and,
    within one depth, by the order a depth-first walk from the outputs first reaches them.
    Weight files written by position (legacy ``.h5``, ``.weights.h5``) and idioms such as
    ``base.layers[-20:]`` depend on this order.
    """
    from fkeras.engine.symbolic import flatten

    input_ids = {t._id for t in flatten(inputs)}
    order_index, finished, post_order = {}, set(), []

    def visit(tensor):
        node = tensor._node
        if node is None or id(node) in finished:
            return
        layer = node.layer
        order_index.setdefault(id(layer), len(order_index))
        if tensor._id not in input_ids:
            for t in node.input_tensors:
                visit(t)
        finished.add(id(node))
        post_order.append(node)

    for t in flatten(outputs):
        visit(t)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers[id(node.layer)] = node.layer
        node_depth[id(node)] = depth
        if any(t._id in input_ids for t in node.output_tensors):
            continue
        for t in node.input_tensors:
            if t._node is not None:
                node_depth[id(t._node)] = max(depth + 1, node_depth.get(id(t._node), 0))
    return [layers[i] for i in sorted(layers, key=lambda i: (-layer_depth[i], order_index[i]))]


class Functional(Model):
    """A model defined by a graph of layer calls between ``inputs`` and ``outputs``.

    ``keras.Model(inputs, outputs)`` creates one. Running it is one pure function over the
    graph; it is built from the start, with ``model.layers`` in Keras's order.

    Args:
        inputs: The model's ``keras.Input`` tensors: one, a list, or a dict keyed by name (the
            structure ``model(...)`` then accepts).
        outputs: The tensors computed from them: one, a list, or a dict (the structure the model
            returns).
        name: The model's name; ``None`` (the default) picks a unique ``"functional"`` name.
        trainable: Whether the model's weights are trained. Defaults to ``True``.

    Raises:
        ValueError: If an input is not a ``keras.Input``, an output cannot be computed from the
            inputs (a disconnected graph), or two layers share a name.

    Example:
        inputs = keras.Input((16,))
        outputs = keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(inputs))
        model = keras.Model(inputs, outputs)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    def _default_name(self):
        return "functional"

    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, dict):
            self._input_struct = dict(inputs)
        elif isinstance(inputs, (list, tuple)):
            self._input_struct = list(inputs)
        else:
            self._input_struct = inputs
        self._output_struct = list(outputs) if isinstance(outputs, tuple) else outputs
        flat_in = _flatten_kt(self._input_struct)
        flat_out = _flatten_kt(self._output_struct)
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model inputs and outputs must be KerasTensors; received {t!r}.")
        if not flat_out:
            raise ValueError("A Functional model needs at least one output tensor.")
        for t in flat_in:
            if t._node is None or not isinstance(t._node.layer, InputLayer):
                # Keras allows intermediate tensors as inputs only in special cases; we require Inputs.
                if t._node is None:
                    raise ValueError(f"Model input {t} is not a keras.Input.")
        self._flat_inputs = flat_in
        self._flat_outputs = flat_out
        self._nodes = _topological_nodes(flat_in, flat_out)
        input_layers = [t._node.layer for t in flat_in if t._node is not None]
        ordered = keras_layer_order(flat_in, flat_out)
        layers, seen = [], set()
        for l in ordered + input_layers + [n.layer for n in self._nodes]:  # + any unreached input
            if id(l) not in seen:
                seen.add(id(l))
                layers.append(l)
        self._graph_layers = layers
        names = {}
        for l in layers:
            if l.name in names and names[l.name] is not l:
                raise ValueError(
                    f'The name "{l.name}" is used 2 times in the model. All layer names should be unique.'
                )
            names[l.name] = l
        self.built = True
        self._build_shapes = [t.shape for t in flat_in] if len(flat_in) > 1 else flat_in[0].shape

    # --- structure -------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._graph_layers)

    def _sublayers(self):
        return [l for l in self._graph_layers]

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._input_struct

    @property
    def output(self):
        return self._output_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self):
        return [t._node.layer.name for t in self._flat_inputs]

    @property
    def output_names(self):
        return [t._node.layer.name for t in self._flat_outputs]

    def build(self, input_shape=None):
        """Does nothing: a Functional model is built when it is created.

        Args:
            input_shape: Ignored (accepted for Keras compatibility).
        """
        self.built = True

    # --- execution --------------------------------------------------------------------
    def _standardize_inputs(self, inputs):
        flat_in = self._flat_inputs
        if isinstance(inputs, dict):
            if isinstance(self._input_struct, dict):
                # in the order of _flat_inputs: a dict flattens in sorted-key order
                keys = [k for k, _ in sorted(self._input_struct.items(), key=lambda kv: kv[0])]
                missing = [k for k in keys if k not in inputs]
                if missing:
                    raise ValueError(f"Model {self.name!r} is missing inputs {missing}; got keys {list(inputs)}.")
                return [inputs[k] for k in keys]
            names = [t._node.layer.name for t in flat_in]
            if all(n in inputs for n in names):
                return [inputs[n] for n in names]
            if len(flat_in) == 1 and len(inputs) == 1:
                return list(inputs.values())
            raise ValueError(
                f"Model {self.name!r} expects inputs named {names}; received a dict with keys {list(inputs)}."
            )
        if isinstance(inputs, (list, tuple)) and len(flat_in) > 1:
            if len(inputs) != len(flat_in):
                raise ValueError(
                    f'Layer "{self.name}" expects {len(flat_in)} input(s), but it received {len(inputs)} '
                    "input tensors."
                )
            return list(inputs)
        if isinstance(inputs, (list, tuple)) and len(flat_in) == 1 and len(inputs) == 1:
            return [inputs[0]]
        if len(flat_in) != 1:
            raise ValueError(f'Layer "{self.name}" expects {len(flat_in)} input(s), but it received 1 input tensor.')
        return [inputs]

    def _check_input_shapes(self, values):
        for t, v in zip(self._flat_inputs, values):
            shape = getattr(v, "shape", None)
            if shape is None:
                continue
            shape = display_shape(shape)
            ok = len(shape) == len(t.shape) and all(
                e is None or g is None or e == g for e, g in zip(t.shape, shape))
            if not ok:
                raise ValueError(
                    f'Input {t._node.layer.name!r} of model "{self.name}" is incompatible with the layer: '
                    f"expected shape={t.shape}, found shape={shape}"
                )

    def call(self, inputs, training=None, mask=None):
        """Run the graph's layers in order on ``inputs``.

        Args:
            inputs: Arrays in the structure of the model's inputs: one array, a list in input
                order, or a dict keyed by input name (a dict keyed by the ``keras.Input`` names
                also works for list inputs).
            training: ``True`` for training mode, ``False`` for inference, ``None`` to take the
                mode of the enclosing call; passed to the layers whose ``call`` accepts it. A
                ``training=`` written into the graph (``base(x, training=False)``) wins over it,
                unlike Keras 3 (see docs/differences_from_keras.md).
            mask: Optional mask for the inputs (a list, one per input, for several inputs);
                masks travel along the graph to the layers that support masking.

        Returns:
            The outputs, in the structure given as ``outputs`` when the model was created.

        Raises:
            ValueError: If the inputs' number, names or shapes do not match the model's inputs.
        """
        values = self._standardize_inputs(inputs)
        self._check_input_shapes(values)
        env = {}
        masks = {}
        in_masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(values)
        for t, v, m in zip(self._flat_inputs, values, in_masks):
            if t._node is not None and isinstance(t._node.layer, InputLayer):
                v = t._node.layer._cast_inputs(v) if hasattr(v, "dtype") else v
            env[t._id] = v
            masks[t._id] = m
        for node in self._nodes:
            layer = node.layer

            def sub(x):
                return env[x._id] if isinstance(x, KerasTensor) else x

            args = jax.tree_util.tree_map(sub, node.call_args, is_leaf=lambda x: isinstance(x, KerasTensor))
            kwargs = jax.tree_util.tree_map(sub, node.call_kwargs, is_leaf=lambda x: isinstance(x, KerasTensor))
            info = _call_signature_info(type(layer).call)
            first_kts = _flatten_kt(node.call_args[0]) if node.call_args else []
            in_mask = [masks.get(t._id) for t in first_kts]
            in_mask = in_mask[0] if len(in_mask) == 1 else (in_mask if any(m is not None for m in in_mask) else None)
            if info["mask"] and "mask" not in kwargs and in_mask is not None:
                kwargs["mask"] = in_mask
            # Keras also fills `<arg>_mask` (e.g. MultiHeadAttention's query_mask / value_mask)
            # from the mask of the tensor passed as `<arg>`.
            params = info["params"][1:]
            for i, (pname, a) in enumerate(list(zip(params, node.call_args)) + [
                    (k, v) for k, v in node.call_kwargs.items()]):
                key = f"{pname}_mask"
                if isinstance(a, KerasTensor) and key in params and key not in kwargs:
                    m = masks.get(a._id)
                    if m is not None:
                        kwargs[key] = m
            if "training" in node.call_kwargs:
                pass
            elif info["training"] and training is not None:
                kwargs["training"] = training
            out = layer(*args, **kwargs)
            flat_out = jax.tree_util.tree_leaves(out)
            out_mask = layer.compute_mask(args[0] if args else None, in_mask) if (
                layer.supports_masking or type(layer).compute_mask is not Layer.compute_mask) else None
            flat_mask = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(flat_out)
            for t, v, m in zip(node.output_tensors, flat_out, flat_mask):
                env[t._id] = v
                masks[t._id] = m

        def get(x):
            return env[x._id] if isinstance(x, KerasTensor) else x

        return jax.tree_util.tree_map(get, self._output_struct, is_leaf=lambda x: isinstance(x, KerasTensor))

    def compute_output_spec(self, *args, **kwargs):
        """The outputs' shapes and dtypes for the given inputs, without computing anything.

        Args:
            *args: The inputs, as ``keras.KerasTensor``s (or arrays), in ``call``'s layout.
            **kwargs: Other arguments of ``call`` (``training``, ``mask``).

        Returns:
            ``keras.KerasTensor``s in the structure of the model's outputs.
        """
        return super().compute_output_spec(*args, **kwargs)

    # --- config -------------------------------------------------------------------------
    def get_config(self):
        """The graph's configuration, in Keras 3's Functional layout.

        Returns:
            A dict with ``name``, ``trainable``, ``layers`` (each layer's config and the
            ``inbound_nodes`` connecting it), ``input_layers`` and ``output_layers``.
        """
        from fkeras.models import functional_config

        return functional_config.functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Functional model from the dict ``get_config`` returned (Keras's as well).

        Args:
            config: The model's config.
            custom_objects: Optional dict mapping class names to custom layers (or functions)
                used in the graph that are not registered with
                ``keras.saving.register_keras_serializable``.

        Returns:
            A new model with the same graph and freshly initialized weights.
        """
        from fkeras.models import functional_config

        return functional_config.functional_from_config(cls, config, custom_objects)
