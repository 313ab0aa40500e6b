"""Serialization registry: ``register_keras_serializable`` and (de)serialization of objects.

Configs follow Keras 3's layout::

    {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": None}

so files move between fkeras and Keras.

Deserialization works by allow-list. A config may resolve to:

- a *modeling object* of fkeras: a layer or model, loss, metric, optimizer, learning-rate
  schedule, initializer, regularizer, constraint, dtype policy or seed generator (classes), or
  a built-in activation, loss, metric, initializer, regularizer, constraint or ``keras.ops``
  function;
- an object the caller trusts: registered with ``@keras.saving.register_keras_serializable()``,
  passed in ``custom_objects`` or made visible with ``keras.saving.custom_object_scope``.

Any other name - a function or class from any other module, fkeras's own utilities,
callbacks, checkpointers, file helpers - is refused with an error naming it; nothing outside
the allow-list is imported, constructed or called. Nothing here unpickles, and a Python
lambda's bytecode is loaded only when safe mode is off (``safe_mode=False`` for one call, or
``keras.config.enable_unsafe_deserialization()``). Safe mode is a context variable: it holds
for the current thread (or asyncio task) only, and is restored on every exit path.
"""
from __future__ import annotations

import base64
import contextlib
import contextvars
import importlib
import inspect
import marshal
import sys
import threading
import types
import warnings

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}
_scope = threading.local()

# ------------------------------------------------------------------------------------------
# Safe mode (per call, per thread)
# ------------------------------------------------------------------------------------------

# None: no load in progress in this context; True/False: the effective mode of the enclosing load.
_SAFE_MODE: contextvars.ContextVar = contextvars.ContextVar("fkeras_safe_mode", default=None)


def _unsafe_enabled_globally() -> bool:
    config = sys.modules.get("fkeras.config")
    if config is None:
        try:
            config = importlib.import_module("fkeras.config")
        except ImportError:  # pragma: no cover
            return False
    return bool(config.is_unsafe_deserialization_enabled())


def effective_safe_mode(safe_mode=True) -> bool:
    """The safe mode a load asked for with ``safe_mode`` runs under: off when the caller passes
    ``False`` or ``keras.config.enable_unsafe_deserialization()`` was called, else on."""
    if _unsafe_enabled_globally():
        return False
    return safe_mode is not False


def in_safe_mode() -> bool:
    """Whether the deserialization running in this thread/task refuses Python bytecode."""
    value = _SAFE_MODE.get()
    if value is None:
        return not _unsafe_enabled_globally()
    return value


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Run the block with safe mode set for this thread/task only (restored on every exit).

    ``safe_mode=False`` (or the global opt-in) turns it off; anything else turns it on.
    """
    token = _SAFE_MODE.set(effective_safe_mode(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.reset(token)


def _scoped_safe_mode(safe_mode):
    """The mode for a ``deserialize_keras_object`` call: an enclosing load's mode wins (nested
    ``from_config`` calls pass no ``safe_mode``), else the argument and the global opt-in."""
    value = _SAFE_MODE.get()
    if value is not None:
        return value
    return effective_safe_mode(safe_mode)


def lambda_refused_error(what="a Python lambda"):
    return ValueError(
        f"Requested the deserialization of {what}, whose bytecode is stored in the file: loading it "
        "runs arbitrary code, which is disallowed in safe mode. Pass `safe_mode=False` to the loading "
        "function (or call `keras.config.enable_unsafe_deserialization()`) only if you trust the "
        "source of the file."
    )


def load_lambda(inner, globs=None, what="a Python lambda"):
    """A function from a stored lambda (``{"code": base64 marshal, "defaults": ...}``); only
    outside safe mode."""
    if in_safe_mode():
        raise lambda_refused_error(what)
    if isinstance(inner, (list, tuple)):  # tf.keras: [code, defaults, closure]
        inner = {"code": inner[0], "defaults": inner[1] if len(inner) > 1 else None}
    try:
        raw = inner["code"]
        code = marshal.loads(base64.b64decode(raw.encode("ascii") if isinstance(raw, str) else raw))
    except (KeyError, TypeError, ValueError, EOFError) as e:
        raise ValueError(f"Could not load {what}: its stored bytecode is invalid or was written by another "
                         f"Python version ({type(e).__name__}: {e}).") from e
    if not isinstance(code, types.CodeType):
        raise ValueError(f"Could not load {what}: the stored data is not Python bytecode.")
    fn = types.FunctionType(code, dict(globs) if globs is not None else {"__builtins__": __builtins__})
    defaults = inner.get("defaults")
    if defaults:
        fn.__defaults__ = tuple(defaults)
    return fn


# ------------------------------------------------------------------------------------------
# Custom objects
# ------------------------------------------------------------------------------------------


def _scoped_objects() -> dict:
    merged = {}
    for d in getattr(_scope, "stack", []):
        merged.update(d)
    return merged


class CustomObjectScope:
    """Context manager that makes custom classes and functions visible to deserialization.

    Inside the ``with`` block, ``deserialize_keras_object`` (and so ``load_model``, ``from_config``
    and the ``get`` functions of each namespace) resolves the given names, as if they had been
    registered with ``@keras.saving.register_keras_serializable()``. Scopes nest; the innermost wins
    on a name clash. The scope is per thread. ``custom_object_scope`` is the same class.

    Args:
        custom_objects: Dict mapping the names used in configs to classes or functions. ``None``
            (default) means an empty scope.

    Example:

    ```python
    with keras.saving.custom_object_scope({"MyLayer": MyLayer}):
        model = keras.saving.load_model("model.keras")
    ```
    """

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        if not hasattr(_scope, "stack"):
            _scope.stack = []
        _scope.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope.stack.pop()


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The global dict of registered custom objects (mutable, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class/function decorator registering an object under ``package>name``.

    A registered class or function is found by name when a ``.keras`` file or a config that
    uses it is loaded, without passing ``custom_objects``.

    Args:
        package: The package part of the registered name. Defaults to ``"Custom"``.
        name: The name part; ``None`` (the default) uses the object's ``__name__``.

    Returns:
        A decorator that registers the object and returns it unchanged. A class must define
        ``get_config``.

    Example:

    ```python
    @keras.saving.register_keras_serializable(package="my_package")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}
    ```
    """

    def decorator(obj):
        obj_name = name if name is not None else obj.__name__
        key = f"{package}>{obj_name}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name under which an object is serialized.

    Args:
        obj: A class or function, usually one decorated with
            ``@keras.saving.register_keras_serializable()``.

    Returns:
        ``"package>name"`` for a registered object, otherwise the object's ``__name__`` (or its
        type's name).

    Example:

    ```python
    @keras.saving.register_keras_serializable(package="my_pkg")
    def my_activation(x):
        return x * 2

    keras.saving.get_registered_name(my_activation)   # 'my_pkg>my_activation'
    ```
    """
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Find the object registered under ``name``.

    The lookup order is: active ``custom_object_scope`` blocks, objects registered with
    ``@keras.saving.register_keras_serializable()``, then ``custom_objects`` and ``module_objects``.

    Args:
        name: The registered name, e.g. ``"my_pkg>my_activation"`` or a plain class name.
        custom_objects: Optional dict of extra name-to-object entries to search.
        module_objects: Optional dict of a module's own objects, searched last.

    Returns:
        The class or function, or ``None`` when nothing matches.

    Example:

    >>> keras.saving.get_registered_object("my_pkg>my_activation")
    """
    scoped = _scoped_objects()
    if name in scoped:
        return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def _trusted_object(name, custom_objects):
    """An object the caller vouched for: scoped, registered or passed in ``custom_objects``."""
    if not isinstance(name, str):
        return None
    scoped = _scoped_objects()
    if name in scoped:
        return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return None


# ------------------------------------------------------------------------------------------
# The allow-list of modeling objects
# ------------------------------------------------------------------------------------------

# fkeras sub-packages whose classes/functions a config may name (the class or function itself
# is still checked against the modeling bases below).
_MODELING_NAMESPACES = frozenset({
    "layers", "models", "losses", "metrics", "optimizers", "initializers", "regularizers",
    "constraints", "activations", "ops", "random", "mixed_precision", "dtype_policies",
})
# Packages whose public functions are modeling functions (activations, losses, metrics, ...).
_FUNCTION_PACKAGES = ("fkeras.activations", "fkeras.losses", "fkeras.metrics", "fkeras.ops",
                      "fkeras.initializers", "fkeras.regularizers", "fkeras.constraints")
# Helpers of those packages that are not modeling functions.
_NON_MODELING_FUNCTIONS = frozenset({"get", "serialize", "deserialize"})
# fkeras writes a class's module as its top-level package (``keras.optimizers`` for a schedule).
_SUBPACKAGE_PROBES = {"fkeras.optimizers": ["fkeras.optimizers.schedules"]}
# Where Keras's "builtins" functions (configs holding only a name) are looked up.
_BUILTIN_FUNCTION_MODULES = ("fkeras.activations", "fkeras.losses", "fkeras.metrics")

_WHAT_IS_ALLOWED = ("a model file may only name modeling objects (layers, models, losses, metrics, "
                    "optimizers, learning-rate schedules, initializers, regularizers, constraints, "
                    "activations) and custom objects the caller registered")
_HOW_TO_REGISTER = ("If it is your own object and you trust the file, decorate it with "
                    "`@keras.saving.register_keras_serializable()` or pass it in "
                    "`custom_objects={...}` (or a `keras.saving.custom_object_scope`).")


def _modeling_bases():
    from fkeras.saving.kinds import (
        Constraint,
        DTypePolicy,
        Initializer,
        Layer,
        LearningRateSchedule,
        Loss,
        Metric,
        Optimizer,
        Regularizer,
        SeedGenerator,
    )

    return (Layer, Loss, Metric, Optimizer, LearningRateSchedule, Initializer, Regularizer, Constraint,
            DTypePolicy, SeedGenerator)


def is_modeling_object(obj) -> bool:
    """Whether ``obj`` (a class or function of fkeras) may be named by a model file."""
    if inspect.isclass(obj):
        return issubclass(obj, _modeling_bases())
    if isinstance(obj, types.ModuleType) or not callable(obj):
        return False
    module, name = getattr(obj, "__module__", None), getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        return False
    if name.startswith("_") or name in _NON_MODELING_FUNCTIONS:
        return False
    if any(part.startswith("_") for part in module.split(".")):
        return False  # a private helper module (``fkeras.ops._helpers``), not a modeling function
    return any(module == p or module.startswith(p + ".") for p in _FUNCTION_PACKAGES)


def _refuse(qualname, kind="object"):
    return ValueError(
        f"Refusing to deserialize the {kind} `{qualname}`: it is not a modeling object, and loading "
        f"never constructs or calls anything else ({_WHAT_IS_ALLOWED}). {_HOW_TO_REGISTER}"
    )


def _checked(obj, qualname, kind="object"):
    if not is_modeling_object(obj):
        raise _refuse(qualname, kind)
    return obj


def _fkeras_module_name(module):
    """The fkeras module a Keras module path names, and its namespace (``layers``, ...)."""
    parts = module.split(".")
    if parts[0] not in ("keras", "fkeras"):
        return None, None
    if len(parts) >= 2 and parts[1] == "src":
        parts = parts[:3]  # keras.src.layers.core.dense -> fkeras.layers
        rest = parts[2:]
    else:
        rest = parts[1:]
    if not rest:
        return "fkeras", ""
    return "fkeras." + ".".join(rest), rest[0]


def _lookup_in_module(module, name, kind):
    """``name`` in the fkeras counterpart of Keras module ``module``: imported only within the
    modeling namespaces, and the object found checked against the allow-list."""
    modname, namespace = _fkeras_module_name(module)
    if modname is None:
        return None
    qualname = f"{module}.{name}"
    allowed = not namespace or namespace in _MODELING_NAMESPACES
    probes = [modname] if modname == "fkeras" else [modname, modname.rsplit(".", 1)[0]]
    probes += _SUBPACKAGE_PROBES.get(modname, [])
    for probe in probes:
        if allowed:
            try:
                mod = importlib.import_module(probe)
            except (ImportError, ValueError, TypeError):
                mod = None
        else:
            mod = sys.modules.get(probe)  # never import anything outside the modeling namespaces
        if mod is None:
            continue
        obj = vars(mod).get(name)
        if obj is not None and not isinstance(obj, types.ModuleType):
            return _checked(obj, qualname, kind)
    if not allowed:
        raise _refuse(qualname, kind)
    return None


def _lookup_module_objects(name, module_objects, kind):
    if module_objects and isinstance(name, str) and name in module_objects:
        return _checked(module_objects[name], name, kind)
    return None


def _resolve_class(config, custom_objects, module_objects):
    """The class (or function) a ``{"class_name", "module", "registered_name"}`` config names,
    or None; a non-modeling object raises."""
    class_name = config["class_name"]
    registered_name = config.get("registered_name") or class_name
    for name in (registered_name, class_name):
        obj = _trusted_object(name, custom_objects)
        if obj is not None:
            return obj
    for name in (registered_name, class_name):
        obj = _lookup_module_objects(name, module_objects, "class")
        if obj is not None:
            return obj
    module = config.get("module")
    if isinstance(module, str) and module and isinstance(class_name, str):
        if module.startswith("keras.src.ops."):  # a keras.ops graph node: only fkeras's keras.ops resolve
            op_nodes = importlib.import_module("fkeras.engine.op_nodes")  # by name, as _lookup_in_module

            return _checked(op_nodes.resolve_op_class(module, class_name), f"{module}.{class_name}", "class")
        return _lookup_in_module(module, class_name, "class")
    return None


def _resolve_function(config, custom_objects, module_objects):
    fn_name = config.get("config")
    if not isinstance(fn_name, str):
        raise TypeError(f"A function config needs its name (a string) in 'config'; received {config!r}.")
    registered_name = config.get("registered_name")
    for name in (registered_name, fn_name):
        obj = _trusted_object(name, custom_objects)
        if obj is not None:
            return obj
    for name in (registered_name, fn_name):
        obj = _lookup_module_objects(name, module_objects, "function")
        if obj is not None:
            return obj
    module = config.get("module")
    if module == "builtins" or module is None:
        for modname in _BUILTIN_FUNCTION_MODULES:
            obj = vars(importlib.import_module(modname)).get(fn_name)
            if obj is not None and is_modeling_object(obj):
                return obj
        # Keras <= 3.6 saved custom functions by bare name instead of "package>name".
        for key, obj in {**_GLOBAL_CUSTOM_OBJECTS, **_scoped_objects(), **(custom_objects or {})}.items():
            if isinstance(key, str) and key.endswith(">" + fn_name):
                return obj
        return None
    if isinstance(module, str):
        return _lookup_in_module(module, fn_name, "function")
    return None


def _not_found(kind, name, config):
    module = config.get("module") if isinstance(config, dict) else None
    where = f" from module '{module}'" if module else ""
    return f"Could not locate {kind} '{name}'{where}: {_WHAT_IS_ALLOWED}. {_HOW_TO_REGISTER}"


# ------------------------------------------------------------------------------------------
# serialize / deserialize
# ------------------------------------------------------------------------------------------


def _public_module(obj) -> str | None:
    """The ``module`` a config names for ``obj``: fkeras's modules under Keras's public names, and
    ``None`` for an object defined in the ``__main__`` script (as Keras writes it: the module
    cannot be imported by name elsewhere, so the registered name is what finds it)."""
    mod = getattr(obj, "__module__", "") or ""
    if mod.startswith("fkeras."):
        parts = mod.split(".")
        return "keras." + parts[1] if len(parts) > 1 else "keras"
    return None if mod == "__main__" else mod


def serialize_keras_object(obj):
    """Turn an object into a JSON-able config (Keras 3 format).

    Args:
        obj: A Keras object (layer, loss, metric, optimizer, initializer...), a registered or
            built-in function, a NumPy array, or a structure (list, tuple, dict) of such.

    Returns:
        A JSON-able value that ``keras.saving.deserialize_keras_object`` turns back into an
        equal object: for a class instance, a dict with ``class_name``, ``config``, ``module``
        and ``registered_name``.
    """
    if obj is None:
        return None
    if isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "dtype") and hasattr(obj, "tolist") and not hasattr(obj, "get_config"):
        import numpy as np

        arr = np.asarray(obj)
        return {
            "class_name": "__numpy__" if arr.ndim else "__numpy_scalar__",
            "config": {"value": arr.tolist(), "dtype": str(arr.dtype)},
        }
    if isinstance(obj, types.FunctionType) or isinstance(obj, types.BuiltinFunctionType):
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
        mod = _public_module(obj)
        if registered is None and mod is not None and mod.startswith("keras."):
            # A built-in function (activation, loss function): Keras writes its name.
            return obj.__name__
        return {
            "module": mod,
            "class_name": "function",
            "config": obj.__name__,
            "registered_name": registered or obj.__name__,
        }
    if hasattr(obj, "get_config"):
        cls = type(obj)
        try:
            config = obj.get_config()
        except NotImplementedError as e:
            raise NotImplementedError(
                f"Object {obj!r} of class {cls.__name__} does not implement get_config(); "
                "it cannot be serialized."
            ) from e
        registered = _GLOBAL_CUSTOM_NAMES.get(cls)
        out = {
            "module": _public_module(cls),
            # the name Keras exports the class under, where it differs from the class's own name
            "class_name": cls.__dict__.get("_keras_public_name", cls.__name__),
            "config": serialize_keras_object(config) if not isinstance(config, dict) else {
                k: serialize_keras_object(v) for k, v in config.items()
            },
            "registered_name": registered,
        }
        if hasattr(obj, "get_build_config"):
            build_config = obj.get_build_config()
            if build_config is not None:
                out["build_config"] = build_config
        return out
    raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj).__name__}.")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None, **kwargs):
    """Rebuild an object from a config written by ``serialize_keras_object`` (or by Keras).

    Only modeling objects (layers, losses, metrics, optimizers, ...) and objects the caller trusts -
    registered, passed in ``custom_objects`` or visible through a ``custom_object_scope`` - are
    resolved; any other name is refused with an error naming it. Inside a ``load_model`` call, the
    load's safe mode applies.

    Args:
        config: A config dict with ``"class_name"`` and ``"config"`` keys, a registered or built-in
            name, a list of configs, or a plain value (returned as it is).
        custom_objects: Optional dict mapping names to classes or functions the caller trusts.
        safe_mode: Whether a Python lambda's bytecode stored in the config is refused (``True``,
            default) or loaded (``False``: only for configs from a trusted source).
            ``keras.config.enable_unsafe_deserialization()`` turns it off for the whole process.
        module_objects: Optional dict of name-to-object entries of the calling module (e.g. a
            namespace's built-in losses), searched after the trusted objects.
        **kwargs: Accepted for compatibility with Keras 3's signature and ignored.

    Returns:
        The rebuilt object (an instance built with ``from_config``, or a class or function).

    Raises:
        ValueError: If a name cannot be resolved, or a lambda is met in safe mode.
        TypeError: If ``config`` is not something a config can be, or names an unknown class.

    Example:

    ```python
    config = keras.saving.serialize_keras_object(keras.layers.Dense(3))
    layer = keras.saving.deserialize_keras_object(config)
    ```
    """
    mode = _scoped_safe_mode(safe_mode)
    if _SAFE_MODE.get() is not mode:
        with safe_mode_scope(mode):
            return _deserialize(config, custom_objects, module_objects)
    return _deserialize(config, custom_objects, module_objects)


def _deserialize(config, custom_objects, module_objects):
    if config is None:
        return None
    if isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        obj = _trusted_object(config, custom_objects)
        if obj is None:
            obj = _lookup_module_objects(config, module_objects, "object")
        if obj is None:
            raise ValueError(f"Unknown object: {config!r}. {_HOW_TO_REGISTER}")
        return obj
    if isinstance(config, (list, tuple)):
        return [_deserialize(c, custom_objects, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not deserialize {config!r} (of type {type(config).__name__}).")
    if "class_name" not in config:
        return {k: _deserialize(v, custom_objects, module_objects)
                if isinstance(v, dict) and "class_name" in v else v for k, v in config.items()}
    class_name = config["class_name"]
    inner = config.get("config")
    if not isinstance(class_name, str):
        raise TypeError(f"Could not deserialize {config!r}: 'class_name' must be a string.")
    if class_name in ("__numpy__", "__numpy_scalar__"):
        import numpy as np

        if not isinstance(inner, dict) or "value" not in inner:
            raise TypeError(f"Could not deserialize a numpy array from {config!r}.")
        return np.asarray(inner["value"], dtype=np.dtype(inner.get("dtype", "float32")))
    if class_name == "__tuple__":
        return tuple(inner["value"])
    if class_name == "__lambda__":
        return load_lambda(inner if isinstance(inner, dict) else {})
    if class_name == "function":
        obj = _resolve_function(config, custom_objects, module_objects)
        if obj is None:
            raise ValueError(_not_found("function", config.get("registered_name") or inner, config))
        return obj
    cls = _resolve_class(config, custom_objects, module_objects)
    if cls is None:
        raise TypeError(_not_found("class", config.get("registered_name") or class_name, config))
    if not inspect.isclass(cls):
        return cls
    if inner is not None and not isinstance(inner, dict):
        raise ValueError(f"Could not deserialize class '{class_name}': its 'config' must be a JSON object (dict) of "
                         f"constructor arguments; received {type(inner).__name__} {_short(inner)}.")
    inner = _known_fields(cls, class_name, inner)
    token = _LOADING.set(True)
    try:
        with CustomObjectScope(custom_objects or {}):
            if hasattr(cls, "from_config"):
                obj = cls.from_config(inner if inner is not None else {})
            else:
                obj = cls(**(inner or {}))
    finally:
        _LOADING.reset(token)
    with CustomObjectScope(custom_objects or {}):
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
            _check_build_config(build_config, class_name, obj)
            obj.build_from_config(build_config)
    return obj


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(
        d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value)


def _is_shape_tree(value):
    """A shape (a list of non-negative integers or nulls), None, or a list/dict of such."""
    if value is None or _is_shape(value):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_shape_tree(v) for v in value)
    if isinstance(value, dict):
        return all(_is_shape_tree(v) for v in value.values())
    return False


def _check_build_config(build_config, class_name, obj):
    """A saved ``build_config`` is a dict whose shapes are shapes: anything else gets an error naming
    the layer, rather than a failure (or a silently truncated dimension) inside ``build``."""
    name = getattr(obj, "name", None)
    what = f"{class_name} {name!r}" if isinstance(name, str) else class_name
    if not isinstance(build_config, dict):
        raise ValueError(f"Could not build {what} from its saved 'build_config': expected a JSON object such as "
                         f'{{"input_shape": [null, 3]}}; received {type(build_config).__name__} '
                         f"{_short(build_config)}.")
    for key, value in build_config.items():
        if (key == "input_shape" or key.endswith("_shape") or key == "shapes_dict") and not _is_shape_tree(value):
            raise ValueError(f"Could not build {what} from its saved 'build_config': '{key}' must be a shape (a list "
                             "of non-negative integers or null), or a list or dict of shapes; received "
                             f"{_short(value)}.")


# --- config fields written by a newer Keras ----------------------------------------------------
# Keras releases add constructor arguments and write them into every config (``quantization_config:
# null``, ``ragged: false``). A field fkeras's class does not take is dropped with a warning (once per
# class and field) when its value is a default, which cannot change the computation; any other
# value is refused with an error naming the field and the Keras version that wrote it.
_SOURCE_VERSION = contextvars.ContextVar("fkeras_source_keras_version", default=None)
_LOADING = contextvars.ContextVar("fkeras_loading_config", default=False)
_WARNED_FIELDS = set()
_DEFAULT_VALUES = (None, False, 0, (), "")


@contextlib.contextmanager
def written_by(keras_version):
    """Within this block, configs being deserialized were written by ``keras_version`` (named in
    the messages about fields fkeras does not take)."""
    token = _SOURCE_VERSION.set(keras_version)
    try:
        yield
    finally:
        _SOURCE_VERSION.reset(token)


def _known_fields(cls, class_name, inner):
    if not isinstance(inner, dict) or not _uses_base_from_config(cls):
        return inner
    accepted = _accepted_args(cls)
    if accepted is None:  # an __init__ takes **kwargs: Layer.__init__ checks what is left of them
        return inner
    # tf.keras 2 wrote a `dtype` into initializer configs; Keras 3 ignores it (the variable's dtype wins)
    unknown = {k: v for k, v in inner.items() if k not in accepted and k != "dtype"}
    if not unknown:
        return inner
    unknown_fields(class_name, unknown, loading=True)
    return {k: v for k, v in inner.items() if k in accepted}


def unknown_fields(class_name, fields, loading=False):
    """Constructor arguments ``fields`` that ``class_name`` does not take. While a config is being
    deserialized (or with ``loading``), default values are dropped with a warning and any other value
    raises; returns what is left for the caller's own check (all of ``fields`` outside loading)."""
    if not (loading or _LOADING.get()):
        return fields
    version = _SOURCE_VERSION.get()
    writer = f"Keras {version}" if version else "a newer Keras"
    for key, value in fields.items():
        if _is_default(value):
            if (class_name, key) not in _WARNED_FIELDS:
                _WARNED_FIELDS.add((class_name, key))
                warnings.warn(f"Ignoring the config field {key!r}={value!r} of {class_name} (written by {writer}): "
                              "fkeras does not take it, and this value is the default.", stacklevel=4)
        else:
            raise ValueError(
                f"Cannot load {class_name}: its config field {key!r} (value {value!r}), written by {writer}, is not "
                f"supported by fkeras, and a value other than the default could change the computation. Remove "
                f"the field if its meaning is not needed, or load the file with the Keras version that wrote it.")
    return {}


def _is_default(value):
    if isinstance(value, (list, dict, tuple)):
        return len(value) == 0
    return any(value is d or (type(value) is type(d) and value == d) for d in _DEFAULT_VALUES)


def _uses_base_from_config(cls):
    """Whether ``cls`` is built from its config by the base ``from_config`` (``cls(**config)``), so
    that the config's fields are its constructor's arguments."""
    from fkeras.saving.kinds import Initializer, Layer

    for base in (Layer, Initializer):
        if inspect.isclass(cls) and issubclass(cls, base):
            return getattr(cls.from_config, "__func__", None) is getattr(base.from_config, "__func__", None)
    return False


def _accepted_args(cls):
    """The constructor arguments ``cls``'s ``__init__`` takes, or ``None`` when it takes ``**kwargs``
    (what it pops from them cannot be known from its signature)."""
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return None
    return {p for p in params if p != "self"}
