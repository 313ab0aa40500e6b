"""Every public class and function has a docstring whose ``Args:`` section names each of its
arguments (issue 16 item 5).

A public name is one a user reaches as ``keras.<namespace>.<name>``: the names Keras 3 exports in
that namespace (read from the installed ``keras`` package's generated API files, without importing
it) that fkeras has too, plus the names an fkeras namespace lists in its ``__all__`` (fkeras's own
additions). Helpers a namespace module merely imports or defines for itself are not public.

A name passes when its own docstring (not one inherited from a base class) is non-empty and, if
its signature (a class's constructor) has named parameters, holds an ``Args:`` section with an
entry ``name: ...`` (or ``name (type): ...``) for each; ``*args``/``**kwargs`` may be left out.
"""
import ast
import importlib
import importlib.util
import inspect
import pathlib
import re

import pytest

# Keras 3 namespaces that fkeras has no counterpart for (deprecated or TF/torch-only APIs).
ABSENT = {"distillation", "legacy", "legacy.saving", "optimizers.legacy", "utils.bounding_boxes", "utils.legacy"}


def _keras_api_root():
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = pathlib.Path(next(iter(spec.submodule_search_locations)))
    return root if (root / "src").is_dir() else None  # Keras 3 (generated API files over keras.src)


KERAS_ROOT = _keras_api_root()


def keras_namespaces():
    """``""`` (top level), ``"layers"``, ``"ops.nn"``, ... as Keras 3's package lays them out."""
    out = []
    for init in sorted(KERAS_ROOT.rglob("__init__.py")):
        rel = init.parent.relative_to(KERAS_ROOT).parts
        if rel and (rel[0] in ("src", "_tf_keras") or any(p.startswith("_") for p in rel)):
            continue
        out.append(".".join(rel))
    return out


def keras_exports(namespace):
    """The names Keras 3 exports in ``keras.<namespace>`` (its generated ``__init__.py``)."""
    path = KERAS_ROOT.joinpath(*namespace.split(".")) / "__init__.py" if namespace else KERAS_ROOT / "__init__.py"
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return {n for n in names if not n.startswith("_")}


def fkeras_namespace(namespace):
    return importlib.import_module("fkeras" + ("." + namespace if namespace else ""))


def public_objects(namespace):
    """``(name, object)`` for each public class or function of ``keras.<namespace>`` defined in fkeras."""
    mod = fkeras_namespace(namespace)
    names = set(getattr(mod, "__all__", ()))
    if KERAS_ROOT is not None:
        names |= keras_exports(namespace)
    for name in sorted(names):
        obj = getattr(mod, name, None)
        if obj is None or inspect.ismodule(obj) or not callable(obj):
            continue
        if not getattr(obj, "__module__", "").startswith("fkeras"):
            continue  # a re-exported third-party object (a numpy dtype, a typing helper)
        yield name, obj


_ARGS_HEADING = re.compile(r"^(Args|Arguments|Parameters):[ \t]*$", re.M)
_ENTRY = re.compile(r"\**([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:")


def documented_args(doc):
    """The argument names an ``Args:`` section of ``doc`` lists (its entries at the first indent)."""
    names = set()
    for heading in _ARGS_HEADING.finditer(doc):
        indent = None
        for line in doc[heading.end():].splitlines():
            if not line.strip():
                continue
            width = len(line) - len(line.lstrip())
            if width == 0:
                break  # the next section
            indent = width if indent is None else indent
            if width == indent and (m := _ENTRY.match(line.strip())):
                names.add(m.group(1))
    return names


def _own_doc(obj):
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _named_params(target):
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values() if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def docstring_problem(obj, doc=None):
    """What is wrong with ``obj``'s docstring, or ``None``. ``doc``: the text to check (default:
    ``obj``'s own docstring, plus its own ``__init__``'s for a class)."""
    if doc is None:
        doc = _own_doc(obj)
        if inspect.isclass(obj) and "__init__" in obj.__dict__:
            doc += "\n" + _own_doc(obj.__dict__["__init__"])
    if not doc.strip():
        return "no docstring of its own"
    if inspect.isclass(obj):
        if obj.__init__ is object.__init__:
            return None
        params = _named_params(obj)
    else:
        params = _named_params(obj)
    if not params:
        return None
    listed = documented_args(doc)
    if not listed:
        return f"no Args section (arguments {params})"
    missing = [p for p in params if p not in listed]
    return f"Args section lacks {missing}" if missing else None


NAMESPACES = keras_namespaces() if KERAS_ROOT is not None else []


def test_keras_is_there_to_say_what_is_public():
    assert KERAS_ROOT is not None, "install the [test] extra: Keras 3's API files define the public names"
    assert {"", "layers", "ops.nn", "applications.resnet", "datasets.mnist", "preprocessing.image"} <= set(
        NAMESPACES)


@pytest.mark.parametrize("namespace", [n for n in NAMESPACES if n not in ABSENT])
def test_every_public_name_documents_its_arguments(namespace):
    problems = []
    seen = set()
    for name, obj in public_objects(namespace):
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        problem = docstring_problem(obj)
        if problem:
            problems.append(f"keras.{namespace + '.' if namespace else ''}{name}: {problem}")
    assert not problems, f"{len(problems)} public names lack proper docs:\n" + "\n".join(problems)


def test_absent_namespaces_are_really_absent():
    """The namespaces skipped above are the ones fkeras does not have (an fkeras counterpart added
    later must be checked too)."""
    for namespace in ABSENT:
        with pytest.raises(ImportError):
            fkeras_namespace(namespace)


# The classes users subclass or call methods of (as Keras's API pages list their methods).
BASE_CLASSES = ["Layer", "Model", "Sequential", "Functional", "callbacks.Callback", "losses.Loss", "metrics.Metric",
                "utils.PyDataset", "initializers.Initializer", "regularizers.Regularizer", "constraints.Constraint",
                "KerasTensor", "InputSpec", "DTypePolicy", "Variable"]


def _public_methods(cls):
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        obj = inspect.getattr_static(cls, name)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if inspect.isfunction(obj) and obj.__module__.startswith("fkeras"):
            yield name, obj


@pytest.mark.parametrize("class_path", BASE_CLASSES)
def test_base_class_methods_document_their_arguments(class_path):
    import fkeras

    cls = fkeras
    for part in class_path.split("."):
        cls = getattr(cls, part)
    problems = []
    for name, method in _public_methods(cls):
        # an override without a docstring shows its base method's in help(): that one must be complete
        problem = docstring_problem(method, inspect.getdoc(getattr(cls, name)) or "")
        if problem:
            problems.append(f"{class_path}.{name}: {problem}")
    assert not problems, "\n".join(problems)


# The checker itself: it must see through the holes the first version had.
def test_checker_needs_an_args_entry_not_a_mention():
    def fit(x, batch_size=None):
        """Train on x; the batch size is batch_size."""

    assert docstring_problem(fit) == "no Args section (arguments ['x', 'batch_size'])"

    def fit2(x, batch_size=None):
        """Train.

        Args:
            x: Inputs.

        Returns:
            batch_size: not an argument entry.
        """

    assert docstring_problem(fit2) == "Args section lacks ['batch_size']"

    class Base:
        """A base class.

        Args:
            units: How many.
        """

        def __init__(self, units):
            pass

    class Child(Base):
        def __init__(self, units, rate):
            pass

    assert docstring_problem(Child) == "no docstring of its own"  # not Base's, which inspect.getdoc shows
    assert docstring_problem(Base) is None
