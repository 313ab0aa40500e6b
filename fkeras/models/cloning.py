"""``keras.models.clone_model``: the same architecture with new layers (and so new, unshared weights).

Cloning replays a Functional graph (or re-lists a Sequential stack) with each layer replaced by
``clone_function(layer)``, by default ``layer.__class__.from_config(layer.get_config())``. The
clone's weights are freshly initialised; copy them with ``clone.set_weights(model.get_weights())``.
A layer used at several places of the graph is cloned once, so the clone shares it the same way.
"""
from __future__ import annotations

import inspect

import jax

from fkeras.engine.symbolic import KerasTensor, flatten
from fkeras.layers.input_layer import Input, InputLayer
from fkeras.models.functional import Functional
from fkeras.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """Clone a Functional or Sequential model: new layers built from their configs, fresh weights.

    Args:
        model: a ``keras.Model`` (Functional or Sequential; other models are rebuilt from
            their ``get_config()``).
        input_tensors: optional symbolic tensor(s) (the structure of ``model.input``) to build the
            clone on; by default new ``keras.Input``s with the original shapes, dtypes and names.
        clone_function: ``fn(layer) -> layer`` used for every non-input layer; by default a new
            layer from the layer's config. ``lambda layer: layer`` reuses (shares) the layers.
        call_function: ``fn(layer, *args, **kwargs) -> outputs`` used to call each cloned layer in
            a Functional graph (to insert layers around it); Functional models only.
        recursive: clone nested Sequential / Functional models with ``clone_model`` itself (the
            same ``clone_function``) instead of passing them to ``clone_function``.

    Returns:
        The clone; compiled with the same compile configuration if ``model`` was compiled.

    Example:
        clone = keras.models.clone_model(model)
        clone.set_weights(model.get_weights())
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. In a Sequential model, "
                "layers aren't called at model-construction time (they're merely listed). Use "
                f"`call_function` with Functional models only. Received model of type "
                f"'{type(model).__name__}', with call_function={call_function}")
        fn = _wrap_clone_function(clone_function, call_function=None, recursive=recursive, cache=cache)
        return _clone_sequential_model(model, fn, input_tensors)
    if isinstance(model, Functional):
        fn = _wrap_clone_function(clone_function, call_function=call_function, recursive=recursive, cache=cache)
        return _clone_functional_model(model, fn, input_tensors=input_tensors, call_function=call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential models or "
            f"Functional models. Received model of type '{type(model).__name__}', with "
            f"clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError("Argument `call_function` is only supported for Functional models. Received model of "
                         f"type '{type(model).__name__}', with call_function={call_function}")
    from fkeras.saving import registry

    config = registry.serialize_keras_object(model)
    return registry.deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function=None, recursive=False, cache=None):
    """Memoise ``clone_function`` per layer (shared layers stay shared) and handle ``recursive``."""
    base = clone_function if clone_function is not None else _default_clone
    if not callable(base):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: clone_function={base}")
    cache = {} if cache is None else cache

    def wrapped(layer):
        key = id(layer)
        if key in cache:
            return cache[key][1]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=base, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(layer, clone_function=base, call_function=call_function, recursive=True,
                                cache=cache)
        else:
            clone = base(layer)
        cache[key] = (layer, clone)  # keep `layer` alive so its id is not reused
        return clone

    return wrapped


def _compile_like(source, clone):
    if not getattr(source, "compiled", False):
        return
    from fkeras.saving import saving_lib

    saving_lib.compile_from_config(clone, saving_lib.compile_config(source))


def _clone_sequential_model(model, clone_function, input_tensors=None):
    new_layers = [clone_function(layer) for layer in model.layers]
    ref = model._input_layer
    name = ref.name if ref is not None else None
    optional = getattr(ref, "optional", False) if ref is not None else False
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor. Received invalid value: "
                             f"input_tensors={input_tensors}")
        new_layers = [Input(tensor=input_tensors, name=name, optional=optional)] + new_layers
    elif ref is not None:
        new_layers = [Input(batch_shape=ref.batch_shape, dtype=ref.dtype, name=name, optional=optional)] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _structure_matches(a, b):
    leaf = lambda x: isinstance(x, KerasTensor)  # noqa: E731
    try:
        return (jax.tree_util.tree_structure(a, is_leaf=leaf) == jax.tree_util.tree_structure(b, is_leaf=leaf))
    except Exception:
        return False


def _functional_like_constructor(cls):
    try:
        params = list(inspect.signature(cls.__init__).parameters)[1:]
    except (TypeError, ValueError):
        return False
    return params[:2] == ["inputs", "outputs"]


def _clone_functional_model(model, clone_function, input_tensors=None, call_function=None):
    model_input = model._input_struct
    if input_tensors is not None:
        if not all(isinstance(x, KerasTensor) for x in flatten(input_tensors)):
            raise ValueError("All entries in `input_tensors` must be KerasTensors. Received invalid values: "
                             f"inputs_tensors={input_tensors}")
        if isinstance(input_tensors, tuple):
            input_tensors = list(input_tensors)
        if not _structure_matches(input_tensors, model_input):
            # Keras accepts a one-element list for a single input, and vice versa.
            flat = [t for t in flatten(input_tensors) if isinstance(t, KerasTensor)]
            if len(flat) == len(model._flat_inputs) and not isinstance(model_input, dict):
                input_tensors = flat if isinstance(model_input, list) else flat[0]
            else:
                raise ValueError("`input_tensors` must have the same structure as model.input\n"
                                 f"Reference structure: {model_input}\nReceived structure: {input_tensors}")
    else:
        def new_input(t):
            layer = t._node.layer if t._node is not None else None
            return Input(batch_shape=t.shape, dtype=t.dtype, name=layer.name if layer is not None else None,
                         optional=getattr(layer, "optional", False))

        input_tensors = jax.tree_util.tree_map(new_input, model_input, is_leaf=lambda x: isinstance(x, KerasTensor))

    env = {}
    for old, new in zip(model._flat_inputs, [t for t in flatten(input_tensors) if isinstance(t, KerasTensor)]):
        env[old._id] = new

    def sub(x):
        return env[x._id] if isinstance(x, KerasTensor) else x

    is_kt = lambda x: isinstance(x, KerasTensor)  # noqa: E731
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        layer = clone_function(node.layer)
        args = jax.tree_util.tree_map(sub, node.call_args, is_leaf=is_kt)
        kwargs = jax.tree_util.tree_map(sub, node.call_kwargs, is_leaf=is_kt)
        if call_function is not None:
            outputs = call_function(layer, *args, **kwargs)
        else:
            outputs = layer(*args, **kwargs)
        new_flat = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        if len(new_flat) != len(node.output_tensors):
            raise ValueError(f"The clone of layer {node.layer.name!r} returned {len(new_flat)} output tensor(s); "
                             f"the original layer returned {len(node.output_tensors)}.")
        for old, new in zip(node.output_tensors, new_flat):
            env[old._id] = new

    output_tensors = jax.tree_util.tree_map(sub, model._output_struct, is_leaf=is_kt)
    cls = type(model)
    if cls is not Functional and _functional_like_constructor(cls):
        clone = cls(input_tensors, output_tensors, name=model.name)
    else:
        clone = Functional(input_tensors, output_tensors, name=model.name)
    _compile_like(model, clone)
    return clone
