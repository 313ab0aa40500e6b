"""Every public class and function has a docstring that names each of its arguments (issue 16 item 5).

A public name is one a user reaches as ``keras.<namespace>.<name>``. Its docstring (a class's own or
its ``__init__``'s) must be non-empty and mention every parameter of its signature, as the
``Args:`` section of a Keras-grade docstring does.
"""
import importlib
import inspect

import pytest

NAMESPACES = ["ops", "layers", "losses", "metrics", "optimizers", "optimizers.schedules", "callbacks", "utils",
              "models", "saving", "activations", "initializers", "regularizers", "constraints", "applications",
              "config", "tree", "random", "export", "quantizers", "dtype_policies", "mixed_precision",
              "distribution", "backend", "preprocessing", "datasets", "wrappers", "visualization"]
_SKIP_PARAMS = {"self", "cls", "args", "kwargs"}


def public_objects(namespace):
    mod = importlib.import_module("fkeras." + namespace)
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    for name in names:
        obj = getattr(mod, name, None)
        if obj is None or inspect.ismodule(obj) or not callable(obj):
            continue
        if not getattr(obj, "__module__", "").startswith("fkeras"):
            continue  # a re-exported third-party object (numpy dtype, typing helper)
        yield name, obj


def docstring_problem(obj):
    """What is wrong with ``obj``'s docstring, or ``None``."""
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return "no docstring"
    target = obj.__init__ if inspect.isclass(obj) else obj
    text = doc
    if inspect.isclass(obj) and obj.__init__ is not object.__init__:
        text += "\n" + (inspect.getdoc(obj.__init__) or "")
    try:
        params = [p for p in inspect.signature(target).parameters if p not in _SKIP_PARAMS]
    except (TypeError, ValueError):
        return None
    missing = [p for p in params if p not in text]
    return f"arguments not documented: {missing}" if missing else None


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_public_name_documents_its_arguments(namespace):
    seen = set()
    problems = []
    for name, obj in public_objects(namespace):
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        problem = docstring_problem(obj)
        if problem:
            problems.append(f"keras.{namespace}.{name}: {problem}")
    assert not problems, "\n".join(problems)


def _public_methods(cls):
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        obj = inspect.getattr_static(cls, name)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if inspect.isfunction(obj) and obj.__module__.startswith("fkeras"):
            yield name, obj


@pytest.mark.parametrize("class_name", ["Layer", "Model", "Sequential", "Functional"])
def test_model_and_layer_methods_document_their_arguments(class_name):
    import fkeras

    cls = getattr(fkeras, class_name)
    problems = [f"{class_name}.{name}: {problem}" for name, method in _public_methods(cls)
                if (problem := docstring_problem(method))]
    assert not problems, "\n".join(problems)
