"""Pure-function layers: ``FunctionLayer`` for an ``(init, apply)`` pair, ``FlaxModule`` for flax.linen."""
from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import random_state
from fkeras.engine.layer import Layer


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

    Example:
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

    Example:
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
