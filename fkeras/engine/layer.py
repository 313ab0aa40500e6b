"""The ``Layer`` base class: Keras's object API over pure functions (DESIGN §1).

A layer declares variables in ``build`` and computes in ``call``. ``init`` and ``apply``
expose the same layer as a pure ``(init, apply)`` pair over a nested dict of arrays::

    variables = layer.init(jax.random.key(0), x)            # {"kernel": ..., "bias": ...}
    y, variables = layer.apply(variables, x, training=False)  # pure, jittable
"""
from __future__ import annotations

import contextvars
import functools
import inspect
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import random_state
from fkeras.backend.common import register_function_cache
from fkeras.constraints import constraints
from fkeras.dtype_policies import dtype_policy as dtype_policies
from fkeras.engine import op_nodes, symbolic  # op_nodes: the graph nodes of ops on symbolic tensors
from fkeras.engine.masking import get_keras_mask, set_keras_mask
from fkeras.engine.symbolic import KerasTensor
from fkeras.engine.variables import _MISSING, _SCOPE, BindingScope, Variable, current_scope, stable_hash
from fkeras.initializers import serialization as initializers
from fkeras.regularizers import regularizers
from fkeras.utils import naming, traceback_utils

# The pure form of a layer's variables (``init`` / ``apply``): nested dicts keyed by layer name, then
# weight name, with arrays at the leaves.
VariableTree = dict[str, Any]

_NAME_STACK: contextvars.ContextVar[tuple] = contextvars.ContextVar("fkeras_name_stack", default=())


class InputSpec:
    """Constraints on a layer's input (rank, known axis sizes, shape), checked on every call.

    A layer sets ``self.input_spec`` (one spec, or a list with one per input) and ``__call__``
    raises a clear ``ValueError`` when an input breaks it, before any computation.

    Args:
        dtype: optional expected dtype, recorded in the config (not checked on call).
        shape: optional full expected shape (batch axis included); ``None`` entries match anything.
            Sets ``ndim`` to its length.
        ndim: optional exact rank.
        max_ndim: optional largest allowed rank.
        min_ndim: optional smallest allowed rank.
        axes: optional dict ``{axis: size}`` of axes (negative indices allowed) whose size must
            match, e.g. ``{-1: 16}`` for 16 input features.
        allow_last_axis_squeeze: if ``True``, the ``ndim`` check is skipped (Keras uses it for
            inputs that may carry a trailing axis of size 1). Defaults to ``False``.
        name: optional name of the input this spec describes.
        optional: whether the input may be ``None``. Defaults to ``False``.

    Example:
        layer.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: 8})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self):
        """The spec's fields as a JSON-able dict (``InputSpec(**config)`` rebuilds it)."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}


def _shape_of(x):
    if isinstance(x, (KerasTensor, jax.ShapeDtypeStruct)) or hasattr(x, "shape"):
        return display_shape(x.shape)
    return None


def display_shape(shape):
    """A shape for messages and shape logic: symbolic (traced) dimensions shown as None."""
    return tuple(d if d is None or isinstance(d, (int, np.integer)) else None for d in shape)


def assert_input_compatibility(input_spec, inputs, layer_name):
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    flat = jax.tree_util.tree_leaves(inputs, is_leaf=lambda x: isinstance(x, KerasTensor))
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} input tensors.'
        )
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        shape = _shape_of(x)
        if shape is None:
            continue
        where = f'Input {i} of layer "{layer_name}"'
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and len(shape) != spec.ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim={spec.ndim}, found "
                f"ndim={len(shape)}. Full shape received: {shape}"
            )
        if spec.max_ndim is not None and len(shape) > spec.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim={spec.max_ndim}, found "
                f"ndim={len(shape)}. Full shape received: {shape}"
            )
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim={spec.min_ndim}, found "
                f"ndim={len(shape)}. Full shape received: {shape}"
            )
        for axis, value in spec.axes.items():
            if value is None:
                continue
            try:
                got = shape[axis]
            except IndexError:
                got = None
            if got is not None and got != value:
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis {axis} of input shape to "
                    f"have value {value}, but received input with shape {shape}"
                )
        if spec.shape is not None:
            for d_exp, d_got in zip(spec.shape, shape):
                if d_exp is not None and d_got is not None and d_exp != d_got:
                    raise ValueError(
                        f"{where} is incompatible with the layer: expected shape={spec.shape}, "
                        f"found shape={shape}"
                    )


@register_function_cache
@functools.lru_cache(maxsize=None)
def _call_signature_info(cls_call):
    sig = inspect.signature(cls_call)
    params = sig.parameters
    has_var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
    return {
        "training": "training" in params,
        "mask": "mask" in params,
        "mask_params": tuple(p for p in params if p.endswith("_mask") and p != "mask"),
        "positional": tuple(n for n, p in list(params.items())[1:]
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
        "var_kw": has_var_kw,
        "params": tuple(params),
        "training_default": params["training"].default if "training" in params else None,
    }


def _holds_tensors(x):
    """A tensor argument in Keras's sense: a tensor, or a list/tuple/dict of them."""
    if isinstance(x, KerasTensor) or _is_tensor_like(x):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and all(e is None or isinstance(e, KerasTensor) or _is_tensor_like(e) for e in x)
    if isinstance(x, dict):
        return bool(x) and all(isinstance(e, KerasTensor) or _is_tensor_like(e) for e in x.values())
    return False


def _mask_of(x):
    """The mask(s) attached to ``x`` (same structure for a list/tuple/dict), or None if none is."""
    if isinstance(x, (list, tuple)):
        masks = [_mask_of(e) for e in x]
        return masks if any(m is not None for m in masks) else None
    if isinstance(x, dict):
        masks = {k: _mask_of(e) for k, e in x.items()}
        return masks if any(m is not None for m in masks.values()) else None
    if isinstance(x, KerasTensor) or _is_tensor_like(x):
        return get_keras_mask(x)
    return None


def _is_tensor_like(x):
    return isinstance(x, (jax.Array, np.ndarray, np.generic)) or isinstance(x, jax.core.Tracer)


def _convert_leaf(x):
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (np.ndarray, np.generic)):
        if x.dtype == object or x.dtype.kind in "USO":
            return x
        if x.dtype == np.float64:
            return jnp.asarray(x, dtype=jnp.float32) if not jax.config.jax_enable_x64 else jnp.asarray(x)
        return jnp.asarray(x)
    return x


def _tree_shapes(x):
    """The build shape of a call's first argument: a tuple, or a list/dict of tuples."""
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (int, type(None))):
        return [_tree_shapes(e) for e in x]
    if isinstance(x, dict):
        return {k: _tree_shapes(v) for k, v in x.items()}
    s = _shape_of(x)
    if s is None and isinstance(x, (int, float)):
        return ()
    return s


def own_variables(layer):
    """A layer's own variables in Keras's order (trainable, then non-trainable), without its
    sublayers'. A layer with a ``_saved_variables()`` method (LoRA layers, which merge ``a @ b``
    into the base weight on save as Keras 3 does) says itself what goes into its slots."""
    if callable(getattr(type(layer), "_saved_variables", None)):
        return list(layer._saved_variables())
    out, seen = [], set()
    for v in list(layer._own_trainable) + list(layer._own_non_trainable):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


class Layer:
    """Base class of all layers (Keras 3's ``keras.layers.Layer``).

    A layer declares its weights in ``build(input_shape)`` with ``add_weight`` and computes its
    outputs in ``call``. Inside a computation (``apply``, ``jit``, ``fit``) ``self.w`` is the traced
    array from the bound variable tree, so ``call`` is a pure function of the weights; outside, it is
    a ``Variable`` handle (``.numpy()``, ``.assign()``).

    Args:
        activity_regularizer: optional regularizer applied to the layer's output; its penalty joins
            ``layer.losses``.
        trainable: whether the layer's weights are trained (``layer.trainable`` can be changed
            later; a frozen ``BatchNormalization`` runs in inference mode). Defaults to ``True``.
        dtype: the dtype policy: ``None`` (the global policy, ``keras.config.dtype_policy()``), a
            dtype name (``"float32"``), a policy name (``"mixed_bfloat16"``) or a
            ``keras.DTypePolicy``. It sets the variable dtype and the compute dtype.
        autocast: if ``True`` (the default), floating inputs and weights are cast to the compute
            dtype inside ``call``.
        name: optional name, unique within a model; generated from the class name when omitted.
        input_dim: tf.keras's shortcut for ``input_shape=(input_dim,)`` on a first layer.
        input_shape: optional shape of one sample (without the batch axis), so a first layer of a
            ``Sequential`` model can build it.
        batch_input_shape: optional full input shape including the batch axis (tf.keras style).
        batch_size: optional batch size prepended to ``input_shape``.
        **kwargs: ``weights`` (tf.keras's initial weight list, set once the layer is built) is
            accepted; any other keyword raises ``ValueError``.

    Raises:
        ValueError: for unrecognized keyword arguments.
        TypeError: if ``name`` is not a string.

    Example:
        class Scale(keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
            def call(self, x):
                return x * self.w
    """

    # --- construction ----------------------------------------------------------------
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__ and not getattr(cls.__dict__["build"], "_fkeras_wrapped", False):
            cls.build = _wrap_build(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Capture constructor arguments so custom layers without get_config still serialize.
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            auto = dict(bound.arguments)
            auto.pop("self", None)
            extra = auto.pop("kwargs", None)
            for k, p in inspect.signature(cls.__init__).parameters.items():
                if p.kind == p.VAR_KEYWORD and k in auto:
                    extra = auto.pop(k)
                if p.kind == p.VAR_POSITIONAL:
                    auto.pop(k, None)
            if isinstance(extra, dict):
                auto.update(extra)
        except TypeError:
            auto = None
        object.__setattr__(obj, "_auto_config", auto)
        object.__setattr__(obj, "_var_attrs", {})
        object.__setattr__(obj, "_tracker_ready", False)
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, input_dim=None, input_shape=None, batch_input_shape=None, batch_size=None,
                 **kwargs):
        # tf.keras 2's `weights=[...]`: initial values, set once the layer is built.
        initial_weights = kwargs.pop("weights", None)
        if kwargs:  # while loading a config: a newer Keras's default-valued fields are dropped, others named
            from fkeras.saving import registry

            kwargs = registry.unknown_fields(type(self).__name__, kwargs)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        object.__setattr__(self, "_tracker_ready", True)
        self._initial_weights = initial_weights
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string, got {name!r}")
        self.name = name or naming.auto_name(self._default_name())
        self._trainable = bool(trainable)
        self._dtype_policy = dtype_policies.get(dtype)
        self.autocast = autocast
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.input_spec = None
        # Keras 3: a layer that overrides compute_mask supports masking unless it says otherwise.
        self.supports_masking = getattr(self, "supports_masking", type(self).compute_mask is not Layer.compute_mask)
        self._own_trainable = []
        self._own_non_trainable = []
        self._inbound_nodes = []
        self._build_shapes = None
        self._losses_last_call = []
        if input_shape is None and input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            if not isinstance(input_shape, (tuple, list)):
                input_shape = (input_shape,)
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None

    def _default_name(self):
        return naming.to_snake_case(type(self).__name__)

    def __setattr__(self, name, value):
        if isinstance(value, Variable):
            var_attrs = self.__dict__.setdefault("_var_attrs", {})
            var_attrs[name] = value
            self.__dict__.pop(name, None)
            return
        var_attrs = self.__dict__.get("_var_attrs")
        if var_attrs and name in var_attrs:
            del var_attrs[name]
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: variable attributes live in _var_attrs so that
        # inside a computation `self.kernel` is the bound array (jnp functions accept it).
        var_attrs = self.__dict__.get("_var_attrs")
        if var_attrs is not None and name in var_attrs:
            var = var_attrs[name]
            if var.trainable and _SCOPE.get() is not None:
                return self._read_variable(var)
            return var
        prop = getattr(type(self), name, None)
        if isinstance(prop, property):
            return prop.fget(self)  # re-raise the property's own (informative) AttributeError
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        var_attrs = self.__dict__.get("_var_attrs")
        if var_attrs and name in var_attrs:
            del var_attrs[name]
            return
        object.__delattr__(self, name)

    def _read_variable(self, var):
        value = var.value
        cdt = self._dtype_policy.compute_dtype
        if (self.autocast and var.autocast and jnp.issubdtype(value.dtype, jnp.floating)
                and value.dtype != cdt):
            value = value.astype(cdt)
        return value

    # --- dtype ---------------------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = dtype_policies.get(value)

    @property
    def dtype(self):
        """The variable dtype (Keras 3: ``layer.dtype`` is the variable dtype)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self):
        return self._dtype_policy.compute_dtype

    # --- weights ---------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None, **kwargs):
        """Create a weight of this layer, usually in ``build``, and return its ``keras.Variable``.

        Assigned to an attribute (``self.kernel = self.add_weight(...)``), the variable is used
        in ``call`` like an array: inside ``fit``, ``apply`` or ``stateless_call`` it stands for
        the value bound for that computation, cast to the layer's compute dtype when
        ``autocast`` applies.

        Args:
            shape: The weight's shape, a tuple of non-negative integers (no ``None``).
                Defaults to ``()``, a scalar.
            initializer: An initializer name (``"zeros"``, ``"he_normal"``, ...), a
                ``keras.initializers.Initializer`` or a callable ``(shape, dtype) -> array``.
                ``None`` (the default) means ``"glorot_uniform"`` for floating-point weights
                and ``"zeros"`` for the others.
            dtype: The weight's dtype; ``None`` (the default) uses the layer's variable dtype
                (``layer.dtype``, float32 unless a dtype policy says otherwise).
            trainable: Whether the optimizer updates the weight (default ``True``). A
                non-trainable weight (e.g. a moving statistic) is state that ``call`` may
                update by assigning to it.
            autocast: Whether a floating-point weight is cast to the layer's compute dtype when
                read in ``call`` (under mixed precision: float32 weights computed in float16 or
                bfloat16). Defaults to ``True``.
            regularizer: A regularizer name, ``keras.regularizers.Regularizer`` or callable on
                the weight's value; its penalty is added to the training loss and listed in
                ``layer.losses``. Defaults to ``None``.
            constraint: A constraint name, ``keras.constraints.Constraint`` or callable applied
                to the weight after every optimizer update. Defaults to ``None``.
            aggregation: How replicas would combine the variable in a custom distributed loop:
                ``"none"`` (the default), ``"mean"``, ``"sum"`` or ``"only_first_replica"``.
                Recorded on the variable, as in Keras.
            overwrite_with_gradient: Keras's flag for float8 scale variables, whose value the
                optimizer replaces with their gradient. Recorded on the variable
                (``variable.overwrite_with_gradient``); fkeras's optimizers do not act on it yet.
                Defaults to ``False``.
            name: The variable's name (default ``"variable"``); a name already used by this
                layer gets a ``_1``, ``_2``... suffix. Its ``path`` is ``"<layer name>/<name>"``.
            **kwargs: tf.keras's ``use_resource``, ``synchronization`` and
                ``experimental_autocast`` are accepted and ignored.

        Returns:
            The new ``keras.Variable``.

        Raises:
            ValueError: If ``shape`` has an undefined (``None``) or negative dimension.
            TypeError: For another keyword argument.

        Example:

        ```python
        class Scale(keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

            def call(self, x):
                return x * self.w
        ```
        """
        if "use_resource" in kwargs or "synchronization" in kwargs or "experimental_autocast" in kwargs:
            kwargs = {k: v for k, v in kwargs.items()
                      if k not in ("use_resource", "synchronization", "experimental_autocast", "partitioner")}
        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword arguments: {sorted(kwargs)}")
        shape = () if shape is None else tuple(shape)
        for d in shape:
            if d is None or int(d) < 0:
                raise ValueError(
                    f"Layer {self.name!r}: cannot create weight {name!r} with undefined or negative "
                    f"dimension in shape {shape}."
                )
        dtype = jnp.dtype(dtype or self._dtype_policy.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if jnp.issubdtype(dtype, jnp.floating) else "zeros"
        init = initializers.get(initializer)
        existing = {v.name for v in self._own_trainable + self._own_non_trainable}
        base = name or "variable"
        vname = base
        i = 1
        while vname in existing:
            vname = f"{base}_{i}"
            i += 1
        stack = _NAME_STACK.get()
        if not stack or stack[-1] != self.name:
            stack = stack + (self.name,)
        prefix = "/".join(stack)
        var = Variable(
            initializer=init, shape=shape, dtype=dtype, trainable=trainable, name=vname,
            regularizer=regularizers.get(regularizer), constraint=constraints.get(constraint),
            aggregation=aggregation, autocast=autocast, path=f"{prefix}/{vname}",
        )
        var._layer = self
        var.overwrite_with_gradient = overwrite_with_gradient
        (self._own_trainable if trainable else self._own_non_trainable).append(var)
        return var

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Create a weight of this layer (Keras 3's older spelling of ``add_weight``).

        Args:
            shape: The weight's shape, a tuple of non-negative integers.
            initializer: An initializer name, ``keras.initializers.Initializer`` or callable.
            dtype: The weight's dtype; ``None`` (the default) uses the layer's variable dtype.
            trainable: Whether the optimizer updates the weight. Defaults to ``True``.
            autocast: Whether the weight is cast to the compute dtype when read in ``call``.
                Defaults to ``True``.
            regularizer: Optional penalty on the weight, added to the training loss.
            constraint: Optional projection applied after every optimizer update.
            name: The variable's name.

        Returns:
            The new ``keras.Variable`` (see ``add_weight`` for the details of each argument).
        """
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    def _sublayers(self):
        """Layers tracked from attributes (and lists/tuples/dicts of layers), in assignment order."""
        out, seen = [], set()

        def visit(v):
            if isinstance(v, Layer):
                if id(v) not in seen and v is not self:
                    seen.add(id(v))
                    out.append(v)
            elif isinstance(v, (list, tuple)):
                for e in v:
                    visit(e)
            elif isinstance(v, dict):
                for e in v.values():
                    visit(e)

        for k, v in self.__dict__.items():
            if k.startswith("_") and k not in ("_layers",):
                continue
            visit(v)
        return out

    @property
    def _layers(self):
        return self._sublayers()

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def weights(self):
        out, seen = [], set()
        for v in self._own_trainable + self._own_non_trainable:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._sublayers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    # --- saving hooks (Keras 3): what `model.save` / `save_weights` store for this layer ------
    def save_own_variables(self, store):
        """Write this layer's own variables (not its sublayers') into ``store``, a dict-like
        object, under the keys "0", "1", ... in Keras's order. Override it (calling ``super()``
        or not) to save other state next to them; ``load_own_variables`` reads it back.

        Args:
            store: A dict-like object mapping string keys to arrays (the layer's entry in the
                ``.keras`` file's weights).
        """
        for i, v in enumerate(own_variables(self)):
            store[str(i)] = np.asarray(v.numpy())

    def load_own_variables(self, store):
        """Assign this layer's own variables from ``store`` (what ``save_own_variables`` wrote).

        Args:
            store: A dict-like object mapping the keys "0", "1", ... to arrays of the variables'
                shapes.

        Raises:
            ValueError: When the number of arrays or a shape does not match the layer's variables.
        """
        variables = own_variables(self)
        keys = sorted((k for k in store.keys() if str(k).isdigit()), key=int)
        if len(keys) != len(variables):
            raise ValueError(f"Layer {self.name!r} expected {len(variables)} variables, but received "
                             f"{len(keys)} variables during loading. Expected: "
                             f"{[(v.name, tuple(v.shape)) for v in variables]}")
        for v, k in zip(variables, keys):
            value = np.asarray(store[k])
            if tuple(value.shape) != tuple(v.shape):
                raise ValueError(f"Shape mismatch in layer {self.name!r} for weight {v.name!r}: the layer "
                                 f"expects shape {tuple(v.shape)}, the saved weight has shape {value.shape}.")
            v.assign(value.astype(v.dtype))

    def save_assets(self, dir_path):
        """Write files this layer needs (a vocabulary, ...) into the folder ``dir_path``; they
        go into the ``.keras`` archive under ``assets/<layer path>/``. Nothing by default.

        Args:
            dir_path: The path of an existing, empty folder for this layer's files.
        """

    def load_assets(self, dir_path):
        """Read back what ``save_assets`` wrote, from the folder ``dir_path``. Nothing by default.

        Args:
            dir_path: The path of the folder holding the files ``save_assets`` wrote.
        """

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out, seen = [], set()
        for v in self._own_trainable:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._sublayers():
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable_ids]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The current values of ``layer.weights`` (trainable first), as NumPy arrays.

        Returns:
            A list of NumPy arrays, in the order ``set_weights`` expects.
        """
        return [np.asarray(v._value) for v in self.weights]

    def set_weights(self, weights):
        """Assign all the layer's weights from a list of arrays.

        Args:
            weights: Arrays (NumPy or anything convertible), one per entry of ``layer.weights``
                and in that order, with the same shapes; e.g. what ``get_weights`` returned.

        Raises:
            ValueError: If the number of arrays or a shape differs; nothing is assigned then.
        """
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"Layer {self.name!r} expects {len(params)} weights, but the weight list provided has "
                f"{len(weights)} element(s). Provided weights: {[np.shape(w) for w in weights]}"
            )
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(
                    f"Layer {self.name!r} weight {p.name!r} has shape {tuple(p.shape)}, but the provided "
                    f"weight has shape {tuple(w.shape)}."
                )
        for p, w in zip(params, weights):
            p.assign(np.asarray(w))

    def count_params(self):
        """The total number of scalars in the layer's weights (trainable and non-trainable).

        Returns:
            An ``int``.

        Raises:
            ValueError: If the layer is not built and has no weights yet.
        """
        if not self.built and not self.weights:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name!r}, but the layer isn't built. "
                "You can build it manually via `layer.build(input_shape)`."
            )
        return int(sum(math.prod(v.shape) for v in self.weights))

    # --- the variable tree --------------------------------------------------------------
    def _variable_items(self):
        """``[(path_tuple, Variable)]`` in ``weights`` order: own weights by name, children by name."""
        items, seen = [], set()
        self._collect_items((), items, seen)
        return items

    def _tree_children(self):
        return self._sublayers()

    def _collect_items(self, prefix, items, seen):
        for v in self._own_trainable + self._own_non_trainable:
            if id(v) not in seen:
                seen.add(id(v))
                items.append((prefix + (v.name,), v))
        used = {v.name for v in self._own_trainable + self._own_non_trainable}
        for child in self._tree_children():
            key = child.name
            i = 1
            while key in used:
                key = f"{child.name}_{i}"
                i += 1
            used.add(key)
            child._collect_items(prefix + (key,), items, seen)

    def _variables_tree(self, which="all", values=None):
        tree = {}
        for path, var in self._variable_items():
            if which == "trainable" and not self._is_trainable_var(var):
                continue
            if which == "non_trainable" and self._is_trainable_var(var):
                continue
            node = tree
            for k in path[:-1]:
                node = node.setdefault(k, {})
            node[path[-1]] = var._value if values is None else values[id(var)]
        return tree

    def _is_trainable_var(self, var):
        return id(var) in {id(v) for v in self.trainable_weights}

    def _bind_tree(self, tree):
        """Map a (possibly partial) variable tree onto ``{id(variable): array}``."""
        values = {}
        for path, var in self._variable_items():
            node = tree
            try:
                for k in path:
                    node = node[k]
            except (KeyError, TypeError):
                continue
            values[id(var)] = node
        return values

    # --- build ---------------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the layer's weights for inputs of ``input_shape``; subclasses override it.

        Called once, before the first call, with the shape of ``call``'s first argument; a
        ``build`` whose parameters are named ``<arg>_shape`` (``query_shape``, ``value_shape``)
        receives the shape of each such argument of ``call``. Calling it directly also marks
        the layer built. The default creates nothing.

        Args:
            input_shape: A shape tuple including the batch axis (``None`` for unknown sizes),
                or a list/dict of them when the first argument is a list/dict of tensors.
        """
        self.built = True

    def _maybe_build(self, call_args, call_kwargs):
        if self.built:
            return
        first = call_args[0] if call_args else next(iter(call_kwargs.values()), None)
        shapes = _tree_shapes(first)
        build_sig = inspect.signature(self.build)
        names = [n for n in build_sig.parameters if n != "self"]
        token = _NAME_STACK.set(_NAME_STACK.get() + (self.name,))
        try:
            with jax.ensure_compile_time_eval():
                if type(self).build is Layer.build:
                    self.build(shapes)
                elif len(names) > 1 and all(n.endswith("_shape") for n in names[:2]):
                    # Keras maps build(query_shape, value_shape) to call(query, value) by name.
                    call_params = _call_signature_info(type(self).call)["params"][1:]
                    kw = {}
                    for i, p in enumerate(call_params):
                        key = f"{p}_shape"
                        if key not in names:
                            continue
                        if i < len(call_args):
                            kw[key] = _tree_shapes(call_args[i])
                        elif p in call_kwargs and call_kwargs[p] is not None:
                            kw[key] = _tree_shapes(call_kwargs[p])
                    self.build(**kw)
                else:
                    self.build(shapes)
        finally:
            _NAME_STACK.reset(token)
        self._build_shapes = shapes
        self.built = True
        self._apply_initial_weights()

    def _apply_initial_weights(self):
        initial = self.__dict__.get("_initial_weights")
        if initial is not None:
            self._initial_weights = None
            self.set_weights(initial)

    def get_build_config(self):
        """The shape the layer was built for, as saved in ``.keras`` files.

        Returns:
            ``{"input_shape": shape}`` (lists instead of tuples), or ``None`` if the layer was
            not built from a shape.
        """
        if self._build_shapes is None:
            return None
        return {"input_shape": _jsonable_shape(self._build_shapes)}

    def build_from_config(self, config):
        """Build an unbuilt layer from what ``get_build_config`` returned (used when loading).

        Args:
            config: ``{"input_shape": shape}``, or ``None`` / a dict without a shape (then
                nothing happens). A built layer is left as it is.
        """
        shape = config.get("input_shape") if config else None
        if shape is not None and not self.built:
            shape = _tuplify_shape(shape)
            token = _NAME_STACK.set(_NAME_STACK.get() + (self.name,))
            try:
                with jax.ensure_compile_time_eval():
                    self.build(shape)
            finally:
                _NAME_STACK.reset(token)
            self._build_shapes = shape
            self.built = True

    # --- call ----------------------------------------------------------------------
    def call(self, *args, **kwargs):
        """The layer's computation; every layer subclass implements it.

        ``layer(x)`` builds the layer if needed, checks ``input_spec``, casts the inputs to the
        compute dtype and then runs ``call``. ``call`` works on arrays with ``keras.ops`` (or
        ``jax.numpy``); it runs under ``jax.jit`` and ``jax.grad``, so it must not depend on the
        values of its inputs in Python control flow.

        Args:
            *args: The inputs; the first one is the main input (a tensor, or a list/dict of
                tensors).
            **kwargs: Other arguments. Two names are special: ``training`` (filled in with the
                current mode, ``True`` inside ``fit``, when the signature has it) and ``mask``
                (filled in with the input's mask, when the signature has it).

        Returns:
            The output tensor(s).

        Raises:
            NotImplementedError: Here, in the base class.
        """
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    @traceback_utils.filter_traceback
    def __call__(self, *args, **kwargs):
        if symbolic.any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return self._concrete_call(args, kwargs)

    def _prepare_call(self, args, kwargs):
        info = _call_signature_info(type(self).call)
        kwargs = dict(kwargs)
        mask = kwargs.pop("mask", None)
        if info["mask"] and mask is not None:
            kwargs["mask"] = mask
        training = kwargs.pop("training", None)
        if info["training"]:
            if training is None:
                scope = current_scope()
                if scope is not None and scope.training is not None:
                    training = scope.training
                elif info["training_default"] is not inspect.Parameter.empty:
                    training = info["training_default"]
            kwargs["training"] = training
        return args, kwargs, info

    def _cast_inputs(self, x):
        cdt = self._dtype_policy.compute_dtype

        def cast(a):
            a = _convert_leaf(a)
            if (self.autocast and hasattr(a, "dtype") and not isinstance(a, np.ndarray)
                    and jnp.issubdtype(a.dtype, jnp.floating) and a.dtype != cdt):
                return a.astype(cdt)
            return a

        return jax.tree_util.tree_map(cast, x)

    def _concrete_call(self, args, kwargs):
        if args:
            args = (self._cast_inputs(args[0]),) + tuple(
                jax.tree_util.tree_map(_convert_leaf, a) if _is_tensor_like(a) else a for a in args[1:]
            )
        self._maybe_build(args, kwargs)
        assert_input_compatibility(self.input_spec, args[0] if args else None, self.name)
        training = kwargs.get("training")
        kwargs, previous_mask = self._populate_masks(args, kwargs)
        first = args[0] if args else next(iter(kwargs.values()), None)
        args, kwargs, _ = self._prepare_call(args, kwargs)
        scope = current_scope()
        if scope is None:
            # An eager call: bind this layer's own variables, write updates back afterwards.
            scope = BindingScope(self.weights, write_back=True, training=bool(training),
                                 rng=random_state.next_key() if training and _not_tracing() else None)
            with scope:
                outputs = self._call_with_scope(args, kwargs)
                self._attach_output_mask(first, outputs, previous_mask)
            self._losses_last_call = list(scope.losses)
            return outputs
        outputs = self._call_with_scope(args, kwargs)
        self._attach_output_mask(first, outputs, previous_mask)
        return outputs

    # --- masks (Keras 3: they travel with the tensors as `_keras_mask`) -------------------
    def _masks_compute(self):
        return self.supports_masking or type(self).compute_mask is not Layer.compute_mask

    def _populate_masks(self, args, kwargs):
        """Keras 3's hand-off of masks: a ``call`` taking ``mask=`` that was not given one gets
        the mask attached to its only tensor argument; with several tensor arguments, each
        ``<arg>_mask`` parameter gets the mask of ``<arg>``. Returns ``(kwargs, previous_mask)``,
        the mask ``compute_mask`` starts from (the one passed, else the first input's)."""
        info = _call_signature_info(type(self).call)
        mask_params = info["mask_params"]
        if kwargs.get("mask") is None and (info["mask"] or mask_params):
            named = info["positional"]
            tensors = [(named[i] if i < len(named) else None, a) for i, a in enumerate(args)
                       if _holds_tensors(a)]
            tensors += [(k, v) for k, v in kwargs.items() if k != "mask" and not k.endswith("_mask")
                        and _holds_tensors(v)]
            if len(tensors) == 1 and info["mask"]:
                m = _mask_of(tensors[0][1])
                if m is not None:
                    kwargs = dict(kwargs, mask=m)
            elif len(tensors) > 1:
                for name, value in tensors:
                    key = f"{name}_mask"
                    if name is None or key not in mask_params or kwargs.get(key) is not None:
                        continue
                    if key in named and named.index(key) < len(args):
                        continue  # passed positionally
                    m = _mask_of(value)
                    if m is not None:
                        kwargs = dict(kwargs, **{key: m})
        previous = kwargs.get("mask")
        if previous is None and self._masks_compute():
            previous = _mask_of(args[0] if args else next(iter(kwargs.values()), None))
        return kwargs, previous

    def _attach_output_mask(self, first, outputs, previous_mask):
        """Set ``_keras_mask`` on the outputs of a layer that supports masking (Keras 3's
        ``_set_mask_metadata``): ``compute_mask(inputs, previous_mask)``, unless every output
        already carries a mask."""
        if not self._masks_compute():
            return
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return
        flat = [o for o in jax.tree_util.tree_leaves(outputs) if _is_tensor_like(o)]
        if not flat or all(get_keras_mask(o) is not None for o in flat):
            return
        masks = self.compute_mask(first, previous_mask)
        if masks is None:
            return
        flat_masks = jax.tree_util.tree_leaves(masks, is_leaf=lambda m: m is None) \
            if isinstance(masks, (list, tuple, dict)) else [masks]
        for o, m in zip(flat, flat_masks):
            if m is not None and get_keras_mask(o) is None:
                set_keras_mask(o, m)

    def _call_with_scope(self, args, kwargs):
        with jax.named_scope(self.name):
            outputs = self.call(*args, **kwargs)
        if self.activity_regularizer is not None:
            scope = current_scope()
            m = scope.sample_mask
            for o in jax.tree_util.tree_leaves(outputs):
                if not o.ndim:
                    scope.losses.append(self.activity_regularizer(o))
                elif m is not None and o.shape[0] == m.shape[0]:
                    # Padded rows of a partial batch neither add penalty nor count in the mean.
                    rows = m.reshape((-1,) + (1,) * (o.ndim - 1)).astype(o.dtype)
                    scope.losses.append(self.activity_regularizer(o * rows) / jnp.maximum(jnp.sum(m), 1.0))
                else:
                    scope.losses.append(self.activity_regularizer(o) / o.shape[0])
        return outputs

    def _symbolic_call(self, args, kwargs):
        self._maybe_build(args, kwargs)
        assert_input_compatibility(self.input_spec, args[0] if args else None, self.name)
        # The masks attached to the input KerasTensors reach `call` while its output is
        # inferred, but they are not recorded in the node: a Functional model recomputes them.
        call_kwargs, previous_mask = self._populate_masks(args, kwargs)

        def fn(*a, **k):
            if a:
                a = (self._cast_inputs(a[0]),) + tuple(a[1:])
            a2, k2, _ = self._prepare_call(a, k)
            with BindingScope(symbolic=True, training=False):
                return self.call(*a2, **k2)

        try:
            if self._has_custom_output_spec():
                spec_info = _call_signature_info(type(self).compute_output_spec)
                spec_kwargs = call_kwargs if spec_info["var_kw"] else {
                    k: v for k, v in call_kwargs.items() if k in kwargs or k in spec_info["params"]}
                out_spec = self.compute_output_spec(*args, **spec_kwargs)
            else:
                out_spec = symbolic.eval_output_spec(fn, args, call_kwargs)
        except Exception as e:  # noqa: BLE001
            if not _can_rewrap(e):
                raise
            raise type(e)(
                f"Exception encountered when calling {type(self).__name__}.call() "
                f"(layer {self.name!r}) on inputs {symbolic.flatten(args)}:\n\n{e}"
            ) from e
        outputs = jax.tree_util.tree_map(
            lambda s: KerasTensor(s.shape, s.dtype) if isinstance(s, KerasTensor) else s,
            out_spec, is_leaf=lambda x: isinstance(x, KerasTensor))
        symbolic.Node(self, args, kwargs, outputs)
        self._attach_symbolic_mask(args, call_kwargs, outputs, previous_mask)
        return outputs

    def _attach_symbolic_mask(self, args, kwargs, outputs, previous_mask):
        """``_keras_mask`` on output KerasTensors: the spec of ``compute_mask`` (no graph node)."""
        if not self._masks_compute():
            return
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return
        first = args[0] if args else next(iter(kwargs.values()), None)

        def mask_fn(x, m):
            with BindingScope(symbolic=True, training=False):
                return self.compute_mask(x, m)

        masks = symbolic.eval_output_spec(mask_fn, (first, previous_mask), {})
        if masks is None:
            return
        flat = symbolic.flatten(outputs)
        flat_masks = jax.tree_util.tree_leaves(masks, is_leaf=lambda m: m is None or isinstance(m, KerasTensor)) \
            if isinstance(masks, (list, tuple, dict)) else [masks]
        for o, m in zip(flat, flat_masks):
            if isinstance(o, KerasTensor) and isinstance(m, KerasTensor):
                o._keras_mask = m

    def _has_custom_output_spec(self):
        return type(self).compute_output_spec is not Layer.compute_output_spec

    def compute_output_spec(self, *args, **kwargs):
        """The output shapes and dtypes for the given inputs, without computing anything.

        The default traces ``call`` abstractly (``jax.eval_shape``) in inference mode. Override
        it when ``call`` cannot be traced on shapes alone; ``layer(keras.Input(...))`` then uses
        the override.

        Args:
            *args: ``call``'s positional arguments, as ``keras.KerasTensor``s (or arrays).
            **kwargs: ``call``'s keyword arguments.

        Returns:
            ``keras.KerasTensor``s in the structure of ``call``'s outputs.
        """

        def fn(*a, **k):
            a2, k2, _ = self._prepare_call(a, k)
            with BindingScope(symbolic=True, training=False):
                return self.call(*a2, **k2)

        return symbolic.eval_output_spec(fn, args, kwargs)

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (``None`` for unknown dims), via ``jax.eval_shape``.

        Args:
            input_shape: The input's shape including the batch axis, a tuple (or a list of
                tuples for a layer called on several inputs).

        Returns:
            The output's shape (a tuple, or a structure of tuples for several outputs).
        """
        def to_kt(s):
            return KerasTensor(s, self.compute_dtype)

        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            arg = [to_kt(s) for s in input_shape]
        else:
            arg = to_kt(tuple(input_shape))
        if not self.built:
            self._maybe_build((arg,), {})
        spec = self.compute_output_spec(arg)
        return jax.tree_util.tree_map(lambda t: t.shape, spec, is_leaf=lambda x: isinstance(x, KerasTensor))

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the layer's output, for layers that handle masked (padded) sequences.

        The default passes ``previous_mask`` through when ``supports_masking`` is set, and
        returns ``None`` otherwise. Override it to create a mask (as ``Embedding`` with
        ``mask_zero=True`` does) or to change one.

        Args:
            inputs: The layer's input tensor(s).
            previous_mask: The mask of ``inputs`` (boolean, one entry per timestep), or
                ``None``.

        Returns:
            The output mask, or ``None``.
        """
        if not self.supports_masking:
            return None
        return previous_mask

    # --- graph access (Functional models) -------------------------------------------------
    def _single_node(self, what):
        nodes = [n for n in self._inbound_nodes if n.input_tensors or what == "output"]
        if not nodes:
            raise AttributeError(
                f"Layer {self.name!r} has never been called on symbolic inputs (keras.Input), so it has no "
                f"defined {what}.")
        if len(nodes) > 1:
            raise AttributeError(
                f"Layer {self.name!r} has multiple inbound nodes (it is shared); its {what} is ill-defined. "
                f"Use `layer._inbound_nodes[i]` for a specific call.")
        return nodes[0]

    @property
    def input(self):
        """The symbolic input of this layer's (single) call in a Functional graph."""
        node = self._single_node("input")
        args = node.call_args
        return args[0] if len(args) == 1 else list(args)

    @property
    def output(self):
        """The symbolic output of this layer's (single) call in a Functional graph."""
        return self._single_node("output").outputs

    # --- randomness ------------------------------------------------------------------
    def make_rng(self):
        """A fresh PRNG key for this call (folded from the step key by layer name and call count)."""
        scope = current_scope()
        if scope is not None and scope.rng is not None:
            return scope.next_rng(scope.rng_tags.get(id(self), self.name))
        if scope is not None and scope.symbolic:
            return jax.random.PRNGKey(0)
        if _not_tracing() and (scope is None or not any(isinstance(v, jax.core.Tracer)
                                                         for v in scope.values.values())):
            return random_state.next_key()  # eager: draw from the global stream
        raise ValueError(
            f"Layer {self.name!r} needs randomness in training mode, but this traced call has no key. "
            "Pass `rng=jax.random.PRNGKey(...)` (a fresh one per step) to `model.apply(...)` or "
            "`model.stateless_call(...)`."
        )

    # --- losses ------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a loss term computed in ``call`` (an activity penalty, an auxiliary loss).

        Inside a traced computation (``fit``, ``apply``, ``stateless_call``) the term belongs
        to that forward pass: ``fit`` adds it to the compiled loss (summing an array term), and
        ``apply``/``stateless_call`` return it with ``return_losses=True``. After an eager call
        it is listed in ``layer.losses`` until the next call. (``fit`` still needs a ``loss`` in
        ``compile``: fkeras does not yet train on ``add_loss`` terms alone.)

        Args:
            loss: A scalar tensor, or a tensor whose sum is the term.

        Example:

        ```python
        class ActivityPenalty(keras.layers.Layer):
            def call(self, x):
                self.add_loss(1e-3 * keras.ops.sum(keras.ops.square(x)))
                return x
        ```
        """
        scope = current_scope()
        if scope is not None:
            scope.losses.append(loss)
        else:
            self._losses_last_call.append(loss)

    @property
    def losses(self):
        """Regularization losses on current weights plus ``add_loss`` terms of the last eager call
        (inside a Keras-form step: the terms of that step's ``stateless_call``)."""
        override = self.__dict__.get("_losses_override")
        out = list(self._losses_last_call) if override is None else list(override)
        for layer in [self] + self._all_sublayers():
            if override is None:
                out.extend(layer._losses_last_call if layer is not self else [])
            for v in layer._own_trainable + layer._own_non_trainable:
                if v.regularizer is not None:
                    out.append(v.regularizer(v.value))
        return out

    def _rng_tags(self):
        """Tags for folding the step key per layer: positions in the model, not auto-names, so a
        re-created model draws the same masks after ``set_random_seed``."""
        return {id(l): f"layer{i}" for i, l in enumerate([self] + self._all_sublayers())}

    def _all_sublayers(self):
        out, seen = [], set()

        def visit(layer):
            for sub in layer._sublayers():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append(sub)
                    visit(sub)

        visit(self)
        return out

    # --- pure API -------------------------------------------------------------------------
    def init(self, key: jax.Array, *inputs: Any, **kwargs: Any) -> VariableTree:
        """Build (from the inputs' shapes) and return fresh variables drawn from ``key``.

        ``inputs`` may be arrays, ``jax.ShapeDtypeStruct``s or shapes. Pure: the layer's own
        current values are not changed.

        Args:
            key: A ``jax.random`` key; each variable draws from a key folded from it and its path.
            *inputs: Sample inputs (arrays, ``jax.ShapeDtypeStruct``s or shapes) to build an unbuilt layer from.
            **kwargs: Keyword arguments of ``call`` used while building (e.g. ``training``).
        """
        if inputs and not self.built:
            specs = [_as_spec(x) for x in inputs]
            self._build_from_specs(specs, kwargs)
        tree = {}
        for path, var in self._variable_items():
            k = jax.random.fold_in(key, stable_hash("/".join(path)))
            init = var.initializer
            if init is not None and hasattr(init, "init"):
                value = init.init(k, var.shape, dtype=var.dtype)
            elif init is not None:
                value = init(var.shape, dtype=var.dtype)
            else:
                value = var._value
            node = tree
            for p in path[:-1]:
                node = node.setdefault(p, {})
            node[path[-1]] = jnp.asarray(value, dtype=var.dtype)
        return tree

    def _build_from_specs(self, specs, kwargs):
        kts = [KerasTensor(s.shape, s.dtype) for s in specs]
        with _silence_nodes(self):
            self._maybe_build(tuple(kts), kwargs)

    def apply(self, variables: VariableTree, *inputs: Any, training: bool = False, rng: jax.Array | None = None,
              return_losses: bool = False, **kwargs: Any) -> tuple[Any, VariableTree] | tuple[Any, VariableTree, list]:
        """Pure forward pass: ``(outputs, updated_variables)``.

        ``variables`` is the tree from ``init`` (or ``get_variables()``); the returned tree has
        the same structure with non-trainable state (e.g. BatchNorm statistics) updated. The
        layer's own variables are not changed, so ``apply`` can be jitted, differentiated with
        respect to ``variables`` and vmapped. An unbuilt layer is built from ``inputs`` first.

        Args:
            variables: A nested dict of arrays keyed by layer and variable names, as ``init``
                and ``get_variables`` return; a missing entry uses the variable's current value.
            *inputs: The arguments of ``call``.
            training: Whether layers run in training mode (dropout on, BatchNormalization
                updating its statistics). Defaults to ``False``.
            rng: A ``jax.random`` key for layers that draw random numbers in training mode; pass
                a fresh key per step. Required inside ``jax.jit`` when such a layer trains; an
                eager call without it draws from the global seed.
            return_losses: If ``True``, also return the ``add_loss`` terms (activity
                regularizers included) of this pass. Defaults to ``False``.
            **kwargs: Other keyword arguments of ``call`` (e.g. ``mask``).

        Returns:
            ``(outputs, variables)``, or ``(outputs, variables, losses)`` with
            ``return_losses=True``.

        Example:

        ```python
        layer = keras.layers.Dense(2)
        variables = layer.init(jax.random.key(0), jnp.ones((1, 3)))
        y, variables = jax.jit(layer.apply)(variables, jnp.ones((4, 3)))
        ```
        """
        if not self.built:
            self._maybe_build(inputs, kwargs)
        items = self._variable_items()
        values = self._bind_tree(variables)
        scope = BindingScope(values=dict(values), rng=rng, training=training)
        scope.variables = {id(v): v for _, v in items}
        scope.rng_tags = self._rng_tags()
        with scope:
            outputs = self(*inputs, training=training, **kwargs) if _call_signature_info(
                type(self).call)["training"] else self(*inputs, **kwargs)
        new_tree = _rebuild_tree(variables, items, scope.values)
        if return_losses:
            return outputs, new_tree, scope.losses
        return outputs, new_tree

    def get_variables(self):
        """The current variable values as a nested dict (the tree ``apply`` takes)."""
        return self._variables_tree()

    def set_variables(self, tree):
        """Assign the layer's variables from a nested dict of arrays (the inverse of
        ``get_variables``), e.g. the variables ``apply`` returned.

        Args:
            tree: A nested dict keyed by layer and variable names, as ``get_variables``
                returns; variables missing from it keep their values.
        """
        values = self._bind_tree(tree)
        for _, var in self._variable_items():
            if id(var) in values:
                var.assign(values[id(var)])

    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False,
                       **kwargs):
        """Call the layer on given variable values, without side effects (Keras 3's JAX API).

        The layer's variables are not read or changed: the call uses the arrays passed in and
        returns the new values of the non-trainable ones, so it can be jitted and
        differentiated with respect to ``trainable_variables``.

        Unlike Keras, whose ``non_trainable_variables`` include the seed state of random
        layers, fkeras takes randomness as an explicit key: pass ``rng=`` (a ``jax.random``
        key) for a training-mode call of a model with dropout inside ``jax.jit``.

        Args:
            trainable_variables: Arrays (or variables) in the order of
                ``layer.trainable_variables``.
            non_trainable_variables: Arrays in the order of ``layer.non_trainable_variables``.
            *args: The arguments of ``call``.
            return_losses: If ``True``, also return the ``add_loss`` terms (activity
                regularizers included) of this call. Defaults to ``False``.
            **kwargs: Keyword arguments of ``call`` (``training=True`` for training mode), and
                fkeras's ``rng``: the key random layers draw from. Without it, an eager
                training-mode call draws from the global seed and a traced one raises.

        Returns:
            ``(outputs, non_trainable_variables)``, or ``(outputs, non_trainable_variables,
            losses)`` with ``return_losses=True``.

        Raises:
            ValueError: If a list's length differs from the layer's variables, or a random
                layer runs in training mode inside a trace without ``rng``.

        Example:

        ```python
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        outputs, non_trainable = model.stateless_call(trainable, non_trainable, x)
        ```
        """
        tw, ntw = self.trainable_variables, self.non_trainable_variables
        if len(trainable_variables) != len(tw):
            raise ValueError(
                f"Argument `trainable_variables` must be a list of {len(tw)} tensors (the layer's "
                f"trainable_variables). Received a list with {len(trainable_variables)} elements."
            )
        if len(non_trainable_variables) != len(ntw):
            raise ValueError(
                f"Argument `non_trainable_variables` must be a list of {len(ntw)} tensors. "
                f"Received a list with {len(non_trainable_variables)} elements."
            )
        values = {id(v): getattr(a, "value", a) for v, a in zip(tw, trainable_variables)}
        values.update({id(v): getattr(a, "value", a) for v, a in zip(ntw, non_trainable_variables)})
        training = kwargs.get("training", False)
        rng = kwargs.pop("rng", None)
        if rng is None and training and not _any_tracer(values) and _not_tracing():
            rng = random_state.next_key()  # eager: draw from the global stream
        scope = BindingScope(values=values, rng=rng, training=training)
        scope.variables = {id(v): v for v in tw + ntw}
        scope.rng_tags = self._rng_tags()
        with scope:
            outputs = self(*args, **kwargs)
        new_nt = [scope.values[id(v)] for v in ntw]
        if return_losses:
            return outputs, new_nt, scope.losses
        return outputs, new_nt

    # --- config --------------------------------------------------------------------------
    def get_config(self):
        """The layer's configuration: the constructor arguments ``from_config`` rebuilds it with.

        The base config holds ``name``, ``trainable``, ``dtype`` (the serialized dtype policy)
        and ``activity_regularizer`` when set. A subclass that does not override ``get_config``
        also gets the arguments its ``__init__`` was called with, when they are plain JSON values
        (numbers, strings, lists, dicts); a subclass taking other arguments must override it,
        adding its own keys to ``super().get_config()``.

        Returns:
            A JSON-serializable dict (weights are not included).

        Raises:
            NotImplementedError: If a subclass without its own ``get_config`` was constructed
                with arguments that are not JSON-serializable.
        """
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self._dtype_policy)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and self._auto_config is not None:
            base_keys = ("name", "trainable", "dtype", "autocast", "activity_regularizer", "input_shape",
                         "batch_input_shape", "input_dim", "batch_size", "weights")
            auto = {k: v for k, v in self._auto_config.items() if k not in base_keys}
            for k, v in auto.items():
                if not _json_ok(v):
                    raise NotImplementedError(
                        f"Layer {type(self).__name__} has arguments {list(auto)} in `__init__` that "
                        f"are not serializable (argument {k!r}={v!r}); implement `get_config()`."
                    )
            auto.update(config)
            return auto
        return config

    @classmethod
    def from_config(cls, config):
        """Create a layer from the dict ``get_config`` returned, as ``cls(**config)``.

        A ``dtype`` given as a serialized dtype policy (a dict) is deserialized first. Override
        it when some constructor argument needs deserializing (e.g. a nested layer).

        Args:
            config: The layer's config.

        Returns:
            A new, unbuilt layer.

        Raises:
            TypeError: If the constructor rejects the config, naming the class and config.
        """
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}"
            ) from e

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _wrap_build(build):
    """Calling ``build`` directly (``layer.build(shape)``) marks the layer built, as in Keras."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        token = _NAME_STACK.set(_NAME_STACK.get() + (self.name,)) if (
            not _NAME_STACK.get() or _NAME_STACK.get()[-1] != self.name) else None
        try:
            with jax.ensure_compile_time_eval():
                out = build(self, *args, **kwargs)
        finally:
            if token is not None:
                _NAME_STACK.reset(token)
        self.built = True
        self._apply_initial_weights()
        if self._build_shapes is None:
            shape = args[0] if args else (next(iter(kwargs.values())) if len(kwargs) == 1 else kwargs or None)
            self._build_shapes = shape
        return out

    wrapper._fkeras_wrapped = True
    return wrapper


class _silence_nodes:
    """Build from shape specs without leaving graph nodes behind."""

    def __init__(self, layer):
        self.layer = layer

    def __enter__(self):
        self.n = len(self.layer._inbound_nodes)

    def __exit__(self, *exc):
        del self.layer._inbound_nodes[self.n:]


def _can_rewrap(e):
    try:
        type(e)("x")
        return isinstance(e, (ValueError, TypeError))
    except Exception:  # noqa: BLE001
        return False


def _as_spec(x):
    if isinstance(x, jax.ShapeDtypeStruct):
        return x
    if isinstance(x, KerasTensor):
        return jax.ShapeDtypeStruct(tuple(1 if d is None else d for d in x.shape), x.dtype)
    if isinstance(x, (tuple, list)) and all(isinstance(d, (int, type(None))) for d in x):
        return jax.ShapeDtypeStruct(tuple(1 if d is None else d for d in x), jnp.float32)
    return jax.ShapeDtypeStruct(np.shape(x), getattr(x, "dtype", jnp.float32))


def _rebuild_tree(tree, items, values):
    """Copy ``tree`` replacing leaves whose variables were updated in ``values``."""
    out = jax.tree_util.tree_map(lambda x: x, tree)

    def setpath(node, path, value):
        for k in path[:-1]:
            if k not in node:
                return
            node = node[k]
        if path[-1] in node:
            node[path[-1]] = value

    for path, var in items:
        v = values.get(id(var), _MISSING)
        if v is not _MISSING:
            setpath(out, path, v)
    return out


def _not_tracing():
    """False inside jax.jit/grad/vmap tracing: a key drawn there would be frozen into the program."""
    try:
        from jax._src import core as _core

        return _core.trace_state_clean()
    except (ImportError, AttributeError):  # pragma: no cover - older/newer jax layouts
        return True


def _any_tracer(values):
    return any(isinstance(v, jax.core.Tracer) for v in values.values())


def _json_ok(v):
    if isinstance(v, (str, int, float, bool, type(None))):
        return True
    if isinstance(v, (list, tuple)):
        return all(_json_ok(e) for e in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _json_ok(e) for k, e in v.items())
    return False


def _jsonable_shape(s):
    if isinstance(s, tuple):
        return list(s)
    if isinstance(s, list):
        return [_jsonable_shape(e) for e in s]
    if isinstance(s, dict):
        return {k: _jsonable_shape(v) for k, v in s.items()}
    return s


def _tuplify_shape(s):
    if isinstance(s, list) and all(isinstance(d, (int, type(None))) for d in s):
        return tuple(s)
    if isinstance(s, list):
        return [_tuplify_shape(e) for e in s]
    if isinstance(s, dict):
        return {k: _tuplify_shape(v) for k, v in s.items()}
    return s


class OpLayer(Layer):
    """A graph node: one ``keras.ops`` function (or tensor operator) applied to symbolic tensors.

    A call of one of Keras's own ops builds an instance of a per-operation subclass (``Add``,
    ``Mean``, ``GetItem``...; made by ``fkeras.engine.op_nodes``), which keeps the operation's
    constructor arguments in ``op_config`` and saves as Keras 3 saves its ``Operation`` nodes.
    Any other function (a lambda, a user function) runs the same way but cannot be saved: wrap
    it in a ``keras.layers.Lambda`` or a custom layer.

    Args:
        fn: The function the node applies (the raw op, without its symbolic dispatch). The
            per-operation subclasses supply their own and ignore it.
        name: The node's name; by default the snake-case operation (or function) name.
        op_config: The operation's constructor arguments (per-operation subclasses only),
            e.g. ``{"axis": -1, "keepdims": True}`` for ``Mean``.
        **kwargs: Other ``Layer`` arguments.
    """

    _op_spec = None  # on the per-operation subclasses: the op's keras_op_table entry

    def __init__(self, fn=None, name=None, op_config=None, **kwargs):
        spec = type(self)._op_spec
        if spec is None:
            if not callable(fn):
                raise TypeError(f"OpLayer needs the function it applies; received fn={fn!r}.")
            base = getattr(fn, "__name__", "op")
            if base == "<lambda>" or base.startswith("_"):
                base = "op"
            name = name or naming.auto_name(base)
        super().__init__(name=name, **kwargs)
        self.op_config = dict(op_config or {})
        if spec is not None:
            fn = spec.fn
            self._fn_kwargs = op_nodes.config_to_kwargs(spec, self.op_config)
        self.fn = fn
        self.built = True

    def call(self, *args, **kwargs):
        if self._op_spec is None:
            return self.fn(*args, **kwargs)
        return op_nodes.call_op(self, args, kwargs)

    def _cast_inputs(self, x):
        return jax.tree_util.tree_map(_convert_leaf, x)

    def _prepare_call(self, args, kwargs):
        # `mask=`/`training=` are ordinary arguments of an op (dot_product_attention's mask).
        return args, dict(kwargs), _call_signature_info(type(self).call)

    def get_config(self):
        return op_nodes.op_layer_config(self)

    @classmethod
    def from_config(cls, config):
        return op_nodes.op_layer_from_config(cls, config)
