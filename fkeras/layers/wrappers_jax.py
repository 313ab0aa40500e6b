"""Pure-function layers.

- ``FunctionLayer`` (an ``(init, apply)`` pair) and ``FlaxModule`` (a ``flax.linen`` module): fkeras's
  own wrappers, with weights named after their paths in the parameter tree.
- ``JaxLayer`` and ``FlaxLayer``: Keras 3's wrappers under Keras's names and signatures
  (``call_fn(params, state, rng, inputs, training)`` matched by argument name, weights named
  ``variable``, ``variable_1``, ... in ``jax.tree_util`` order, params before state).
"""
from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import random_state
from fkeras.engine.layer import Layer
from fkeras.engine.variables import Variable


def _keystr(path):
    parts = []
    for p in path:
        if hasattr(p, "key"):
            parts.append(str(p.key))
        elif hasattr(p, "idx"):
            parts.append(str(p.idx))
        elif hasattr(p, "name"):
            parts.append(str(p.name))
        else:
            parts.append(str(p))
    return "/".join(parts) or "param"


class _TreeLeafInit:
    """Initializer for one leaf of a pytree produced by a user's init function.

    ``init(key, ...)`` re-runs the (pure) init function with ``key`` and takes this leaf, so
    ``model.init(key)`` stays a pure function of ``key``.
    """

    def __init__(self, make_tree, index):
        self.make_tree = make_tree
        self.index = index

    def init(self, key, shape, dtype=None):
        leaves = jax.tree_util.tree_leaves(self.make_tree(key))
        return jnp.asarray(leaves[self.index], dtype=dtype)

    def __call__(self, shape, dtype=None):
        return self.init(random_state.next_key(), shape, dtype)


class FunctionLayer(Layer):
    """Wraps a pure ``(init_fn, apply_fn)`` pair as a layer.

    ``init_fn(key, input_shape) -> params`` (any pytree; a stax-style ``(output_shape, params)``
    pair works too) and ``apply_fn(params, inputs, **kwargs) -> outputs``. If ``apply_fn``
    takes ``rng`` or ``training``, they are passed.

    Each leaf of the parameter tree becomes a weight named after its path in the tree (``w``,
    ``layer0/kernel``, ...). ``model.init(key)`` re-runs ``init_fn`` with keys derived from ``key``, so
    initialization stays a pure function. The layer has no config: rebuild it in code and load
    weights with ``load_weights``.

    Args:
        init_fn: callable ``init_fn(key, input_shape)`` returning the parameter pytree (or a stax-style
            ``(output_shape, params)`` pair); ``input_shape`` includes the batch axis.
        apply_fn: callable ``apply_fn(params, inputs)`` returning the outputs; it may take ``training``
            (a bool) and ``rng`` (a key in training, ``None`` otherwise) keyword arguments.
        trainable: whether the parameters are trained. Defaults to ``True``.
        name: optional name of the layer.
        **kwargs: other base layer arguments (``dtype``, ...).

    Call arguments:
        inputs: the input passed to ``apply_fn``.
        training: forwarded when ``apply_fn`` accepts ``training`` (and decides whether ``rng`` is a
            key).

    Raises:
        TypeError: if ``init_fn`` or ``apply_fn`` is not callable.

    Example:
        import jax
        import jax.numpy as jnp

        def init(key, shape):
            return {"w": jax.random.normal(key, (shape[-1], 4)) * 0.1}
        def apply(params, x):
            return jnp.tanh(x @ params["w"])
        model = keras.Sequential([keras.Input((3,)), keras.layers.FunctionLayer(init, apply)])
    """

    def __init__(self, init_fn, apply_fn, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if not callable(init_fn) or not callable(apply_fn):
            raise TypeError("FunctionLayer needs callables `init_fn(key, input_shape)` and `apply_fn(params, x)`.")
        self.init_fn = init_fn
        self.apply_fn = apply_fn
        params = inspect.signature(apply_fn).parameters
        self._apply_takes_rng = "rng" in params
        self._apply_takes_training = "training" in params
        self._treedef = None
        self._param_vars = []

    def _make_tree(self, input_shape):
        def make(key):
            out = self.init_fn(key, input_shape)
            if (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], (tuple, list))
                    and all(isinstance(d, (int, type(None))) for d in out[0])):
                out = out[1]  # stax convention: (output_shape, params)
            return out

        return make

    def build(self, input_shape):
        make = self._make_tree(input_shape)
        tree = make(random_state.next_key())
        leaves_with_paths, self._treedef = jax.tree_util.tree_flatten_with_path(tree)
        self._param_vars = []
        for i, (path, leaf) in enumerate(leaves_with_paths):
            leaf = jnp.asarray(leaf)
            var = self.add_weight(name=_keystr(path), shape=leaf.shape, dtype=leaf.dtype,
                                  initializer=_TreeLeafInit(make, i))
            self._param_vars.append(var)
        self.built = True

    def call(self, inputs, training=None):
        params = jax.tree_util.tree_unflatten(self._treedef, [self._read_variable(v) for v in self._param_vars])
        kwargs = {}
        if self._apply_takes_training:
            kwargs["training"] = bool(training)
        if self._apply_takes_rng:
            kwargs["rng"] = self.make_rng() if training else None
        return self.apply_fn(params, inputs, **kwargs)

    def get_config(self):
        raise NotImplementedError(
            "FunctionLayer wraps arbitrary Python functions and cannot be serialized to a config; "
            "save weights with `save_weights` and rebuild the layer in code."
        )


class FlaxModule(Layer):
    """Wraps a ``flax.linen.Module``: its ``params`` are trainable, other collections
    (e.g. ``batch_stats``) are non-trainable state updated in training.

    The module is initialized on a dummy batch of the input shape (unknown sizes become 1); each
    variable becomes a weight named after its path (``params/Dense_0/kernel``, ...). If the module's
    ``__call__`` takes ``train``, ``training`` or ``deterministic``, the layer passes the matching
    flag. The layer has no config: rebuild it in code and load weights with ``load_weights``.

    Args:
        module: the ``flax.linen.Module`` instance to wrap.
        method: optional module method to call instead of ``__call__``, as a name or the unbound
            method (Flax's ``method=`` argument of ``apply``).
        rng_collections: names of the random-number streams the module uses in training (passed as
            ``rngs=`` to ``apply``, drawn from the layer's per-step key); defaults to
            ``("dropout",)``.
        name: optional layer name; defaults to ``flax_<module class name in lower case>``.
        **kwargs: other base layer arguments (``dtype``, ``trainable``, ...).

    Call arguments:
        inputs: the input passed to the module.
        training: ``True`` makes the non-``params`` collections mutable (their updates are stored) and
            supplies the random streams; it is also forwarded as ``train``/``training``/
            ``deterministic`` when the module takes one of them.

    Example:
        import flax.linen as nn

        class MLP(nn.Module):
            @nn.compact
            def __call__(self, x):
                return nn.Dense(4)(nn.relu(nn.Dense(16)(x)))
        model = keras.Sequential([keras.Input((8,)), keras.layers.FlaxModule(MLP())])
    """

    def __init__(self, module, method=None, rng_collections=("dropout",), name=None, **kwargs):
        self.module = module  # before Layer.__init__, which derives the default name from it
        super().__init__(name=name, **kwargs)
        self.method = method
        self.rng_collections = tuple(rng_collections)
        self._vars = {}
        self._treedefs = {}
        call_params = inspect.signature(module.__call__).parameters
        self._module_takes = {n for n in ("train", "training", "deterministic") if n in call_params}

    def _default_name(self):
        return "flax_" + type(self.module).__name__.lower()

    def _module_kwargs(self, training):
        kw = {}
        if "train" in self._module_takes:
            kw["train"] = bool(training)
        if "training" in self._module_takes:
            kw["training"] = bool(training)
        if "deterministic" in self._module_takes:
            kw["deterministic"] = not training
        return kw

    def build(self, input_shape):
        shape = tuple(1 if d is None else d for d in input_shape)
        dummy = jnp.zeros(shape, self.compute_dtype)

        def make(key):
            rngs = {"params": key}
            for c in self.rng_collections:
                rngs[c] = jax.random.fold_in(key, hash(c) & 0xFFFF)
            return self.module.init(rngs, dummy, **self._module_kwargs(False))

        variables = make(random_state.next_key())
        flat, treedef = jax.tree_util.tree_flatten_with_path(variables)
        self._treedef = treedef
        self._flat_vars = []
        for i, (path, leaf) in enumerate(flat):
            collection = str(getattr(path[0], "key", path[0]))
            name = _keystr(path)
            var = self.add_weight(name=name, shape=leaf.shape, dtype=leaf.dtype,
                                  trainable=(collection == "params"), initializer=_TreeLeafInit(make, i))
            self._flat_vars.append((collection, var))
        self.built = True

    def call(self, inputs, training=None):
        leaves = [self._read_variable(v) if v.trainable else v.value for _, v in self._flat_vars]
        variables = jax.tree_util.tree_unflatten(self._treedef, leaves)
        kw = self._module_kwargs(training)
        mutable = sorted({c for c, v in self._flat_vars if c != "params"}) if training else False
        rngs = None
        if training and self.rng_collections:
            key = self.make_rng()
            rngs = {c: jax.random.fold_in(key, i) for i, c in enumerate(self.rng_collections)}
        method = getattr(self.module, self.method) if isinstance(self.method, str) else self.method
        out = self.module.apply(variables, inputs, rngs=rngs, mutable=mutable, method=method, **kw)
        if mutable:
            out, updates = out
            new_flat = jax.tree_util.tree_leaves({**variables, **updates})
            for (collection, var), new in zip(self._flat_vars, new_flat):
                if collection != "params":
                    var.assign(new)
        return out

    def get_config(self):
        raise NotImplementedError(
            "FlaxModule wraps a flax module object and cannot be serialized to a config; save weights "
            "with `save_weights` and rebuild the layer in code."
        )


# --- Keras 3's JaxLayer / FlaxLayer ---------------------------------------------------------------

def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


def _map_shapes(fn, shapes):
    """Apply ``fn`` to every shape in a (possibly nested) structure of shapes."""
    if _is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_map_shapes(fn, v) for v in shapes)
    raise ValueError(f"Expected a shape or a structure of shapes; received {shapes!r}.")


def _is_array_leaf(value):
    return isinstance(value, (np.ndarray, np.generic, jax.Array)) or (
        isinstance(value, (bool, int, float)) and not isinstance(value, type))


def _validate_signature(fn, fn_name, allowed, required):
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a callable. Received: {fn_name}={fn!r}")
    params = inspect.signature(fn).parameters
    for name in sorted(required):
        if name not in params:
            raise ValueError(f"Missing required argument in `{fn_name}`: `{name}`")
    names = []
    for p in params.values():
        if p.name not in allowed:
            raise ValueError(f"Unsupported argument in `{fn_name}`: `{p.name}`, supported arguments are "
                             f"`{'`, `'.join(sorted(allowed))}`")
        names.append(p.name)
    return names


class _ConstantLeaf:
    """Initializer returning a value the user passed (``params=`` / ``state=``), whatever the key."""

    def __init__(self, value):
        self.value = np.asarray(value)

    def init(self, key, shape, dtype=None):
        return jnp.asarray(self.value, dtype=dtype)

    def __call__(self, shape, dtype=None):
        return jnp.asarray(self.value, dtype=dtype)


class _InitFnLeaf:
    """Initializer of one weight created by ``init_fn``.

    At build the values come from one ``init_fn`` call (``first``); ``init(key)`` (``model.init``)
    re-runs ``init_fn`` with ``key`` and takes this leaf, so initialization stays a pure function of
    the key.
    """

    def __init__(self, make_leaves, index, first):
        self.make_leaves = make_leaves
        self.index = index
        self.first = first

    def init(self, key, shape, dtype=None):
        return jnp.asarray(self.make_leaves(key)[self.index], dtype=dtype)

    def __call__(self, shape, dtype=None):
        return jnp.asarray(self.first[self.index], dtype=dtype)


class JaxLayer(Layer):
    """Wraps a JAX model given as functions (Keras 3's ``keras.layers.JaxLayer``).

    ``call_fn`` is called with arguments picked by name from ``params`` (trainable weights),
    ``state`` (non-trainable weights), ``rng`` (a key in training, ``None`` in inference),
    ``inputs`` (required) and ``training``. With ``state`` it must return ``(outputs, new_state)``
    and the new state is stored (returned by ``apply``, kept by ``fit``); without, just ``outputs``.

    Weights come from ``params``/``state`` (trees of arrays; other leaves are kept as constants) or,
    when both are None, from ``init_fn(rng, inputs, training)`` at build time, called with arrays of
    ones shaped like the inputs (unknown dims as 1) and ``training=True``; it returns ``params``, or
    ``(params, state)`` when ``call_fn`` takes ``state``. Haiku's ``transform(...).init/.apply`` fit
    this contract directly.

    Args:
        call_fn: The model function (see above).
        init_fn: Optional initializer ``(rng, inputs[, training])``; needed when ``params`` and
            ``state`` are both None and ``call_fn`` takes either.
        params: Optional tree of initial trainable values.
        state: Optional tree of initial non-trainable values.
        seed: Optional int folded into the call keys.
        native_serialization_platforms: Accepted for Keras compatibility (used by Keras's
            TensorFlow export only); stored in the config.
        **kwargs: Base layer arguments (``name``, ``dtype``, ``trainable``...).

    Returns:
        What ``call_fn`` returns (its outputs).

    Example:
        def init(rng, inputs):
            return {"w": jax.random.normal(rng, (inputs.shape[-1], 4)) * 0.1, "b": jnp.zeros(4)}
        def call(params, inputs):
            return jnp.tanh(inputs @ params["w"] + params["b"])
        model = keras.Sequential([keras.Input((3,)), keras.layers.JaxLayer(call, init)])
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        super().__init__(**kwargs)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.seed = seed
        self.native_serialization_platforms = native_serialization_platforms
        self.call_fn_arguments = _validate_signature(call_fn, "call_fn",
                                                     {"params", "state", "rng", "inputs", "training"}, {"inputs"})
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        self.call_fn_has_rng = "rng" in self.call_fn_arguments
        if init_fn is None and params is None and state is None and (self.call_fn_has_params
                                                                      or self.call_fn_has_state):
            raise ValueError("`init_fn`, `params` and `state` cannot all be `None` when `call_fn` takes a "
                             "`params` or a `state` argument.")
        self.init_fn_arguments = (_validate_signature(init_fn, "init_fn", {"rng", "inputs", "training"},
                                                      {"inputs"}) if init_fn is not None else None)
        self.params = None
        self.state = None
        self._param_vars, self._state_vars = [], []
        if params is not None or state is not None:
            self.params, self._param_vars = self._create_variables(params, True, _ConstantLeaf)
            self.state, self._state_vars = self._create_variables(state, False, _ConstantLeaf)

    # --- variables ----------------------------------------------------------------------------
    def _create_variables(self, values, trainable, make_init):
        """A copy of ``values`` with its array leaves replaced by new weights (and the flat list)."""
        if values is None:
            return None, []
        created = []

        def create(value):
            if not _is_array_leaf(value):
                return value
            arr = np.asarray(value)
            # Floats take the layer's variable dtype (Keras); int64 becomes int32 unless x64 is on.
            dtype = None if np.issubdtype(arr.dtype, np.floating) else jax.dtypes.canonicalize_dtype(arr.dtype)
            var = self.add_weight(shape=arr.shape, initializer=make_init(arr), dtype=dtype, trainable=trainable)
            created.append(var)
            return var

        return jax.tree_util.tree_map(create, values), created

    def _get_init_rng(self, key):
        """The ``rng`` argument of ``init_fn``, from ``key`` (FlaxLayer passes a dict of keys)."""
        return key

    def _get_call_rng(self, training):
        """The ``rng`` argument of ``call_fn``: a fresh key in training, ``None`` in inference."""
        if not training:
            return None
        key = self.make_rng()
        if self.seed is not None:
            key = jax.random.fold_in(key, int(self.seed))
        return key

    def _run_init_fn(self, key, input_shape):
        inputs = _map_shapes(lambda s: jnp.ones(tuple(1 if d is None else d for d in s)), input_shape)
        args = []
        for name in self.init_fn_arguments:
            if name == "rng":
                args.append(self._get_init_rng(key))
            elif name == "inputs":
                args.append(inputs)
            else:
                args.append(True)
        result = self.init_fn(*args)
        if self.call_fn_has_state:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise ValueError("`init_fn` must return `(params, state)` when `call_fn` takes a `state` argument. "
                                 f"Received: {type(result).__name__}")
            return result[0], result[1]
        return result, None

    def build(self, input_shape):
        if (self.params is None and self.state is None
                and (self.call_fn_has_params or self.call_fn_has_state)):
            def leaves_of(params, state):
                return [v for v in jax.tree_util.tree_leaves((params, state)) if _is_array_leaf(v)]

            def make_leaves(key):
                return leaves_of(*self._run_init_fn(key, input_shape))

            params, state = self._run_init_fn(random_state.next_key(), input_shape)
            first = leaves_of(params, state)
            counter = iter(range(len(first)))

            def make_init(_):
                return _InitFnLeaf(make_leaves, next(counter), first)

            self.params, self._param_vars = self._create_variables(params, True, make_init)
            self.state, self._state_vars = self._create_variables(state, False, make_init)
        self.built = True

    def _values(self, tree):
        return jax.tree_util.tree_map(lambda v: self._read_variable(v) if isinstance(v, Variable) else v, tree,
                                      is_leaf=lambda v: isinstance(v, Variable))

    # --- call ---------------------------------------------------------------------------------
    def call(self, inputs, training=False):
        training = bool(training)
        args = []
        for name in self.call_fn_arguments:
            if name == "params":
                args.append(self._values(self.params))
            elif name == "state":
                args.append(self._values(self.state))
            elif name == "rng":
                args.append(self._get_call_rng(training))
            elif name == "inputs":
                args.append(inputs)
            else:
                args.append(training)
        if not self.call_fn_has_state:
            return self.call_fn(*args)
        outputs, new_state = self.call_fn(*args)
        leaves, treedef = jax.tree_util.tree_flatten(self.state, is_leaf=lambda v: isinstance(v, Variable))
        try:
            new_leaves = treedef.flatten_up_to(new_state)
        except (ValueError, TypeError) as e:
            raise ValueError("Structure mismatch: the structure of the state returned by `call_fn` does not match "
                             f"the structure of the state at initialization time. {e}") from None
        for var, value in zip(leaves, new_leaves, strict=True):
            if isinstance(var, Variable):
                var.assign(value)
        return outputs

    # --- config -------------------------------------------------------------------------------
    def get_config(self):
        from fkeras.saving import registry

        config = super().get_config()
        config.update({
            "call_fn": registry.serialize_keras_object(self.call_fn),
            "init_fn": registry.serialize_keras_object(self.init_fn),
            "native_serialization_platforms": self.native_serialization_platforms,
        })
        return config

    @classmethod
    def from_config(cls, config):
        from fkeras.saving import registry

        config = dict(config)
        for key in ("call_fn", "init_fn"):
            if isinstance(config.get(key), (dict, str)):
                config[key] = registry.deserialize_keras_object(config[key])
        return super().from_config(config)


class FlaxLayer(JaxLayer):
    """Wraps a ``flax.linen.Module`` (Keras 3's ``keras.layers.FlaxLayer``).

    The ``params`` collection is trainable; every other collection (``batch_stats``...) is
    non-trainable state, passed as mutable to ``module.apply`` and stored after each call. The
    method (``__call__`` by default) takes ``inputs`` and, optionally, ``training``. Init keys are
    ``{"params", "dropout"}``; in training the call gets ``rngs={"dropout": key}``.

    Args:
        module: A ``flax.linen.Module`` instance.
        method: The method to run (default ``module.__call__``): a method of the module, its name,
            or a function taking the module first.
        variables: Optional dict of initial variables, as returned by ``module.init`` (a
            ``"params"`` collection and optional state collections). If None, ``module.init`` runs
            at build time.
        **kwargs: ``JaxLayer``/base layer arguments (``name``, ``seed``, ``dtype``...).

    Returns:
        The module's outputs.

    Example:
        class MLP(flax.linen.Module):
            @flax.linen.compact
            def __call__(self, inputs):
                return flax.linen.Dense(4)(flax.linen.relu(flax.linen.Dense(16)(inputs)))
        model = keras.Sequential([keras.Input((8,)), keras.layers.FlaxLayer(MLP())])
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        from flax.linen import DenyList

        if isinstance(method, str):
            method = getattr(module, method)
        self.module = module
        self.method = method
        mutable = DenyList(["params"])

        def apply_with_training(params, state, rng, inputs, training):
            return self.module.apply(self._params_and_state_to_variables(params, state), inputs, rngs=rng,
                                     method=self.method, mutable=mutable, training=training)

        def apply_without_training(params, state, rng, inputs):
            return self.module.apply(self._params_and_state_to_variables(params, state), inputs, rngs=rng,
                                     method=self.method, mutable=mutable)

        def init_with_training(rng, inputs, training):
            return self._variables_to_params_and_state(
                self.module.init(rng, inputs, method=self.method, training=training))

        def init_without_training(rng, inputs):
            return self._variables_to_params_and_state(self.module.init(rng, inputs, method=self.method))

        if "training" in inspect.signature(method or module.__call__).parameters:
            call_fn, init_fn = apply_with_training, init_with_training
        else:
            call_fn, init_fn = apply_without_training, init_without_training
        params, state = self._variables_to_params_and_state(variables)
        super().__init__(call_fn=call_fn, init_fn=init_fn, params=params, state=state, **kwargs)

    @staticmethod
    def _params_and_state_to_variables(params, state):
        if params:
            return {**params, **state} if state else params
        return state if state else {}

    @staticmethod
    def _variables_to_params_and_state(variables):
        if variables is None:
            return None, None
        if "params" not in variables:
            return {}, dict(variables)
        if len(variables) == 1:
            return dict(variables), {}
        return {"params": variables["params"]}, {k: v for k, v in variables.items() if k != "params"}

    def _get_init_rng(self, key):
        k_params, k_dropout = jax.random.split(key)
        return {"params": k_params, "dropout": k_dropout}

    def _get_call_rng(self, training):
        key = super()._get_call_rng(training)
        return {"dropout": key} if key is not None else {}

    def get_config(self):
        from fkeras.saving import registry

        method = self.method
        if getattr(method, "__self__", None) is self.module:
            method = method.__name__
        config = super().get_config()
        config.pop("call_fn")
        config.pop("init_fn")
        config["module"] = registry.serialize_keras_object(self.module)
        config["method"] = registry.serialize_keras_object(method)
        return config

    @classmethod
    def from_config(cls, config):
        from fkeras.saving import registry

        config = dict(config)
        module = config["module"]
        if isinstance(module, dict):
            module = registry.deserialize_keras_object(module)
        method = config.get("method")
        if isinstance(method, str):
            method = getattr(module, method)
        elif isinstance(method, dict):
            method = registry.deserialize_keras_object(method)
        config["module"], config["method"] = module, method
        if "dtype" in config and isinstance(config["dtype"], dict):
            from fkeras.dtype_policies import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        return cls(**config)
