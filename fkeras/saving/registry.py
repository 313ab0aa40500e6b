"""Serialization registry: ``register_keras_serializable`` and (de)serialization of objects.

Configs follow Keras 3's layout::

    {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": None}

so files move between fkeras and Keras. Nothing here unpickles or evaluates code.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import threading
import types

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}
_scope = threading.local()


def _scoped_objects() -> dict:
    merged = {}
    for d in getattr(_scope, "stack", []):
        merged.update(d)
    return merged


class CustomObjectScope:
    """``with keras.saving.custom_object_scope({"MyLayer": MyLayer}): ...``"""

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
    """Class/function decorator registering an object under ``package>name``."""

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
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
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


def _public_module(obj) -> str:
    mod = getattr(obj, "__module__", "") or ""
    if mod.startswith("fkeras."):
        parts = mod.split(".")
        return "keras." + parts[1] if len(parts) > 1 else "keras"
    return mod


def serialize_keras_object(obj):
    """Turn an object into a JSON-able config (Keras 3 format)."""
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
        if registered is None and mod.startswith("keras."):
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
            "class_name": cls.__name__,
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


def _resolve_class(config, custom_objects, module_objects):
    class_name = config["class_name"]
    registered_name = config.get("registered_name") or class_name
    for name in (registered_name, class_name):
        obj = get_registered_object(name, custom_objects, module_objects)
        if obj is not None:
            return obj
    module = config.get("module")
    if module:
        candidates = []
        if module.startswith("keras.src"):
            parts = module.split(".")
            candidates.append("fkeras." + parts[2] if len(parts) > 2 else "fkeras")
        elif module.startswith("keras."):
            candidates.append("fkeras." + module.split(".", 1)[1])
        elif module == "keras":
            candidates.append("fkeras")
        for modname in candidates:
            for probe in (modname, modname.rsplit(".", 1)[0]):
                try:
                    mod = importlib.import_module(probe)
                except ImportError:
                    continue
                obj = getattr(mod, class_name, None)
                if obj is not None:
                    return obj
    return None


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None, **kwargs):
    """Rebuild an object from a config written by ``serialize_keras_object`` (or by Keras)."""
    if config is None:
        return None
    if isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Unknown object: {config!r}. Register it with "
                             "@keras.saving.register_keras_serializable() or pass it in custom_objects.")
        return obj
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not deserialize {config!r}")
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, module_objects)
                if isinstance(v, dict) and "class_name" in v else v for k, v in config.items()}
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name in ("__numpy__", "__numpy_scalar__"):
        import numpy as np

        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__tuple__":
        return tuple(inner["value"])
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Python lambda, which runs arbitrary code. "
                "This is disallowed in safe mode; pass `safe_mode=False` only for files you trust."
            )
        from fkeras.utils import python_utils

        return python_utils.func_load(inner["code"])
    if class_name == "function":
        fn_name = config.get("registered_name") or inner
        obj = get_registered_object(fn_name, custom_objects, module_objects)
        if obj is None:
            obj = _resolve_class({"class_name": inner, "module": config.get("module")}, custom_objects,
                                 module_objects)
        if obj is None:
            raise ValueError(
                f"Could not locate function {fn_name!r}. Register it with "
                "@keras.saving.register_keras_serializable() or pass it in custom_objects."
            )
        return obj
    cls = _resolve_class(config, custom_objects, module_objects)
    if cls is None:
        raise TypeError(
            f"Could not locate class {class_name!r}. Make sure custom classes are decorated with "
            "`@keras.saving.register_keras_serializable()` or passed in `custom_objects`. "
            f"Full object config: {config}"
        )
    if not inspect.isclass(cls):
        return cls
    with CustomObjectScope(custom_objects or {}):
        if hasattr(cls, "from_config"):
            obj = cls.from_config(inner if inner is not None else {})
        else:
            obj = cls(**(inner or {}))
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
            obj.build_from_config(build_config)
    return obj
