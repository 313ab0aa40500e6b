"""The Functional graph: ``keras.Model(inputs, outputs)`` as one pure function (DESIGN §2)."""
from __future__ import annotations

import jax
import numpy as np

from fkeras.engine import symbolic
from fkeras.engine.layer import Layer, OpLayer, _call_signature_info, display_shape
from fkeras.engine.symbolic import KerasTensor, is_string_array
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


@jax.tree_util.register_pytree_node_class
class EncodedInputs:
    """What a Functional model's host part hands to its traced part: numeric arrays only.

    A model with ``keras.Input(dtype="string")`` inputs runs the layers that read strings
    (``TextVectorization``, ``StringLookup``, ...) on the host, in the data path; their numeric
    outputs (and the numeric inputs the rest of the graph reads) travel to the jitted step in one
    of these, and ``model(encoded)`` runs only the rest of the graph. It is a pytree, so the
    data path stacks, pads and places it like any batch.

    Args:
        tensors: The arrays of the host part's boundary tensors, in ``HostPart.boundary`` order.
        nested: For each nested model with string inputs (``HostPart.splits``), its own
            ``EncodedInputs``.
    """

    def __init__(self, tensors, nested=()):
        self.tensors = tuple(tensors)
        self.nested = tuple(nested)

    def tree_flatten(self):
        return (self.tensors, self.nested), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)

    def __repr__(self):
        shapes = [getattr(a, "shape", a) for a in self.tensors]
        return f"EncodedInputs(tensors={shapes}, nested={list(self.nested)})"


def _host_array(t, v, model):
    """A boundary value as the data path feeds it: numpy (float64 -> float32, int64 -> int32)."""
    if not isinstance(v, jax.Array):
        v = np.asarray(v)
        if v.dtype.kind in "USO":
            raise ValueError(f"Layer {t._node.layer.name!r} of model {model.name!r} returned strings (dtype {v.dtype}) "
                             "where the traced part of the model starts; only numbers can enter jax.jit.")
        if v.dtype == np.float64:
            v = v.astype(np.float32)
        elif v.dtype in (np.int64, np.uint64) and not jax.config.jax_enable_x64:
            v = v.astype(np.int32)
    return v


class HostPart:
    """The part of a Functional graph that reads strings, run eagerly on the host.

    A node is a host node when one of its inputs has dtype ``"string"``; the tensors they produce
    become numeric at the ``boundary`` (the tensors the remaining, traced nodes read). A nested
    model with string inputs is split the same way (``splits``): its host part runs here and its
    traced part with the rest of the graph.

    Args:
        model: The Functional model.

    Raises:
        ValueError: If a host node also reads a tensor that only the traced part computes, or a
            string tensor reaches the traced part or the outputs.
    """

    def __init__(self, model):
        self.model = model
        available = {t._id for t in model._flat_inputs}  # values known on the host
        self.steps, self.splits, self.device_nodes = [], [], []
        for node in model._nodes:
            if not any(t.dtype == "string" for t in node.input_tensors):
                self.device_nodes.append(node)
                continue
            missing = [t for t in node.input_tensors if t._id not in available]
            if missing:
                raise ValueError(
                    f"Layer {node.layer.name!r} of model {model.name!r} reads strings, so it runs on the host before "
                    f"the jitted step, but it also reads {missing[0]}, which only the traced part of the model "
                    "computes. Feed it from the model's inputs (or from other string layers).")
            sub = node.layer._host_part() if isinstance(node.layer, Functional) else None
            if sub is not None and len(node.call_args) == 1 and not any(
                    t.dtype == "string" for t in node.output_tensors):
                self.steps.append((node, sub))
                self.splits.append(node)
                self.device_nodes.append(node)
            else:
                self.steps.append((node, None))
                available.update(t._id for t in node.output_tensors)
        split_ids = {id(n) for n in self.splits}
        needed = [t for n in self.device_nodes if id(n) not in split_ids for t in n.input_tensors]
        self.boundary, seen = [], set()
        for t in needed + list(model._flat_outputs):
            if t._id in available and t._id not in seen:
                seen.add(t._id)
                self.boundary.append(t)
        strings = [t for t in self.boundary if t.dtype == "string"]
        if strings:
            raise ValueError(
                f"Model {model.name!r}: the string tensor {strings[0]} reaches the model's outputs or a layer that "
                "does not read strings; fit/evaluate/predict run that part with jax.jit, which needs numbers.")

    def encode(self, inputs):
        """Run the host nodes on raw inputs (numpy, strings included) for the traced part.

        Args:
            inputs: The model's inputs in any structure ``model(...)`` accepts.

        Returns:
            An ``EncodedInputs`` of numpy arrays that ``model(...)`` (and ``fit``'s jitted
            step) reads instead of ``inputs``.
        """
        model = self.model
        values = model._adjust_input_rank(model._standardize_inputs(inputs))
        model._check_input_shapes(values)
        env = {t._id: v for t, v in zip(model._flat_inputs, values, strict=True)}
        masks, nested = {}, []
        is_kt = lambda x: isinstance(x, KerasTensor)  # noqa: E731
        for node, sub in self.steps:
            if sub is None:
                model._run_node(node, env, masks, None)
            else:
                arg = jax.tree_util.tree_map(lambda x: env[x._id] if is_kt(x) else x, node.call_args[0],
                                             is_leaf=is_kt)
                nested.append(sub.encode(arg))
        return EncodedInputs([_host_array(t, env[t._id], model) for t in self.boundary], nested)



def adjust_input_rank(value, expected, input_name, model_name):
    """Keras 3's rank rule for one input: ``value`` with one axis less than ``expected`` gets a
    last axis of size 1 when ``expected``'s last axis is 1, and with one axis more loses a last
    axis of size 1; any other rank difference is an error naming the input and the model.
    Values without a shape, and of the expected rank, are returned as they are."""
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) == len(expected):
        return value
    shape = tuple(shape)
    if len(shape) == len(expected) + 1 and shape[-1] == 1:
        return value.reshape(shape[:-1])
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        return value.reshape(shape + (1,))
    raise ValueError(
        f"Invalid input shape for input {input_name!r} of model {model_name!r}: expected shape "
        f"{tuple(expected)}, but the input has incompatible shape {display_shape(shape)} (only a rank "
        "difference of one, on a last axis of size 1, is adjusted).")


class Functional(Model):
    """A model defined by a graph of layer calls between ``inputs`` and ``outputs``.

    ``keras.Model(inputs, outputs)`` creates one. Running it is one pure function over the
    graph; it is built from the start, with ``model.layers`` in Keras's order. Inputs declared
    with ``dtype="string"`` feed layers that run on the host (``TextVectorization``,
    ``StringLookup``, ...): a direct call runs them eagerly, and ``fit``/``evaluate``/``predict``
    run them in the data path (see ``HostPart``), so the jitted step sees numbers only.

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
        """The model's layers in Keras's order (without the nodes that ``keras.ops`` calls on
        symbolic tensors record: those are in ``operations``)."""
        return [layer for layer in self._graph_layers if not isinstance(layer, OpLayer)]

    @property
    def operations(self):
        """Every node of the graph in Keras's order: the layers and the ``keras.ops`` calls."""
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
            missing = next(n for n in names if n not in inputs)
            raise ValueError(f'Missing data for input "{missing}" of model {self.name!r}. You passed a data '
                             f"dictionary with keys {list(inputs)}. Expected the following keys: {names}")
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

    def _adjust_input_rank(self, values):
        """Keras 3's rank rule: data with one axis less than its ``Input`` gets a last axis of size 1
        when the ``Input``'s last axis is 1 (``(batch,)`` for ``Input((1,))``), and data with one
        more axis loses a last axis of size 1; any other rank difference is an error. String data
        (lists included) become numpy arrays. Shapes are static, so under ``jax.jit`` this runs
        once per traced shape."""
        out = []
        for t, v in zip(self._flat_inputs, values, strict=True):
            if t.dtype == "string" and v is not None and not hasattr(v, "shape"):
                v = np.asarray(v)
            elif t.dtype != "string" and is_string_array(v):
                raise ValueError(
                    f"Input {t._node.layer.name!r} of model {self.name!r} received strings (dtype {v.dtype}), but "
                    f"it is a numeric input (dtype {t.dtype}). Encode the strings first (e.g. a "
                    "keras.layers.StringLookup or TextVectorization adapted on them), or declare the input "
                    'with keras.Input(..., dtype="string") followed by such a layer.')
            out.append(adjust_input_rank(v, t.shape, t._node.layer.name, self.name))
        return out

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
                also works for list inputs). An array with one axis less than its ``Input`` whose
                last axis is 1 gets that axis, one with an extra last axis of 1 loses it (Keras's
                rule). String inputs take numpy string arrays; an ``EncodedInputs`` (what the
                data path makes of them) runs only the part of the graph after the string layers.
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
        if isinstance(inputs, EncodedInputs):  # from the data path: the host part already ran
            return self._call_encoded(inputs, training)
        values = self._adjust_input_rank(self._standardize_inputs(inputs))
        self._check_input_shapes(values)
        env = {}
        masks = {}
        in_masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(values)
        for t, v, m in zip(self._flat_inputs, values, in_masks):
            env[t._id] = self._cast_input(t, v)
            masks[t._id] = m
        for node in self._nodes:
            self._run_node(node, env, masks, training)
        return self._collect_outputs(env)

    def _cast_input(self, t, v):
        if t._node is not None and isinstance(t._node.layer, InputLayer) and hasattr(v, "dtype"):
            return t._node.layer._cast_inputs(v)
        return v

    def _collect_outputs(self, env):
        def get(x):
            return env[x._id] if isinstance(x, KerasTensor) else x

        return jax.tree_util.tree_map(get, self._output_struct, is_leaf=lambda x: isinstance(x, KerasTensor))

    def _run_node(self, node, env, masks, training, encoded=None):
        """Run one node on the values in ``env`` and record its outputs (and their masks) there.

        ``encoded``: for a nested model whose host part already ran, its ``EncodedInputs``,
        passed instead of the node's own inputs."""
        layer = node.layer

        def sub(x):
            return env[x._id] if isinstance(x, KerasTensor) else x

        is_kt = lambda x: isinstance(x, KerasTensor)  # noqa: E731
        if encoded is not None:
            args = (encoded,)
            kwargs = {k: v for k, v in node.call_kwargs.items() if not _flatten_kt(v)}
        else:
            args = jax.tree_util.tree_map(sub, node.call_args, is_leaf=is_kt)
            kwargs = jax.tree_util.tree_map(sub, node.call_kwargs, is_leaf=is_kt)
        info = _call_signature_info(type(layer).call)
        first_kts = _flatten_kt(node.call_args[0]) if node.call_args else []
        in_mask = [masks.get(t._id) for t in first_kts]
        in_mask = in_mask[0] if len(in_mask) == 1 else (in_mask if any(m is not None for m in in_mask) else None)
        if info["mask"] and "mask" not in kwargs and in_mask is not None and encoded is None:
            kwargs["mask"] = in_mask
        # Keras also fills `<arg>_mask` (e.g. MultiHeadAttention's query_mask / value_mask)
        # from the mask of the tensor passed as `<arg>`.
        params = info["params"][1:]
        for pname, a in list(zip(params, node.call_args)) + list(node.call_kwargs.items()):
            key = f"{pname}_mask"
            if isinstance(a, KerasTensor) and key in params and key not in kwargs:
                m = masks.get(a._id)
                if m is not None:
                    kwargs[key] = m
        if "training" not in node.call_kwargs and info["training"] and training is not None:
            kwargs["training"] = training
        out = layer(*args, **kwargs)
        flat_out = jax.tree_util.tree_leaves(out)
        out_mask = layer.compute_mask(args[0] if args else None, in_mask) if encoded is None and (
            layer.supports_masking or type(layer).compute_mask is not Layer.compute_mask) else None
        flat_mask = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(flat_out)
        for t, v, m in zip(node.output_tensors, flat_out, flat_mask):
            env[t._id] = v
            masks[t._id] = m

    # --- host part: the nodes that read strings ------------------------------------------
    def _host_part(self):
        """The ``HostPart`` of a model with ``dtype="string"`` inputs (computed once), else None."""
        cache = self.__dict__.get("_host_part_cache")
        if cache is None:
            part = HostPart(self) if any(t.dtype == "string" for t in self._flat_inputs) else None
            cache = self.__dict__["_host_part_cache"] = (part,)
        return cache[0]

    def _host_encoder(self):
        """What the data path applies to ``x`` before the jitted step: the host part's ``encode``
        for a model with string inputs, else None (numeric inputs go to the step unchanged)."""
        part = self._host_part()
        return None if part is None else part.encode

    def _call_encoded(self, encoded, training):
        """The traced part of the graph, on the numeric tensors the host part handed over."""
        part = self._host_part()
        if part is None or len(encoded.tensors) != len(part.boundary) or len(encoded.nested) != len(part.splits):
            raise ValueError(f"Model {self.name!r} received EncodedInputs made for another model.")
        env = {t._id: self._cast_input(t, v) for t, v in zip(part.boundary, encoded.tensors, strict=True)}
        nested = dict(zip((id(n) for n in part.splits), encoded.nested, strict=True))
        masks = {}
        for node in part.device_nodes:
            self._run_node(node, env, masks, training, encoded=nested.get(id(node)))
        return self._collect_outputs(env)

    def compute_output_spec(self, *args, **kwargs):
        """The outputs' shapes and dtypes for the given inputs, without computing anything.

        Args:
            *args: The inputs, as ``keras.KerasTensor``s (or arrays), in ``call``'s layout.
            **kwargs: Other arguments of ``call`` (``training``, ``mask``).

        Returns:
            ``keras.KerasTensor``s in the structure of the model's outputs.
        """
        if any(t.dtype == "string" for t in self._flat_inputs) and not (args and isinstance(args[0], EncodedInputs)):
            # Strings cannot be traced: the outputs are the ones the graph recorded.
            return jax.tree_util.tree_map(lambda t: KerasTensor(t.shape, t.dtype), self._output_struct,
                                          is_leaf=lambda x: isinstance(x, KerasTensor))
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
