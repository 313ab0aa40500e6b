"""The import floors of the package hold (issue 15): no module imports a module of a higher floor,
not even inside a function, and the import cycles left are small and inside one package.

The graph is read from the source (``import`` statements anywhere in a file, as the issue counts
them); ``from fkeras import layers`` is an edge to the package's ``__init__``.
"""
import ast
import collections
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fkeras"

# Lowest first. A module takes the floor of the longest prefix naming it; a package ``__init__``
# (a re-export facade) and anything not named sit on the top floor.
FLOORS = [
    # 0: settings, names, the serialization registry and the kinds it asks about, tensors' shapes
    ["fkeras._version", "fkeras.backend.config", "fkeras.backend.dtypes", "fkeras.backend.random_state",
     "fkeras.backend.device", "fkeras.backend.host_allocator", "fkeras.tree", "fkeras.utils.naming",
     "fkeras.utils.io_utils", "fkeras.utils.traceback_utils", "fkeras.utils.progbar", "fkeras.utils.config",
     "fkeras.utils.file_utils", "fkeras.utils.py_dataset", "fkeras.saving.registry", "fkeras.saving.kinds",
     "fkeras.saving.yaml_io", "fkeras.saving.file_utils", "fkeras.engine.variables", "fkeras.engine.symbolic",
     "fkeras.engine.masking", "fkeras.engine.keras_op_table"],
    # 1: ops and what they need
    ["fkeras.ops", "fkeras.random", "fkeras.distribution", "fkeras.dtype_policies", "fkeras.engine.dtype_policy",
     "fkeras.backend.common", "fkeras.utils.graph_utils", "fkeras.utils.session_utils"],
    # 2: what a layer is configured with
    ["fkeras.initializers", "fkeras.regularizers", "fkeras.constraints", "fkeras.activations", "fkeras.quantizers",
     "fkeras.backend.legacy", "fkeras.backend.legacy_nn"],
    # 3: layers
    ["fkeras.engine.layer", "fkeras.engine.op_nodes", "fkeras.layers"],
    # 4
    ["fkeras.losses", "fkeras.metrics"],
    # 5
    ["fkeras.optimizers", "fkeras.mixed_precision"],
    # 6: files (they know models only through fkeras.saving.kinds)
    ["fkeras.saving", "fkeras.export"],
    # 7: training and models, and the callback protocol fit drives
    ["fkeras.trainers", "fkeras.models", "fkeras.callbacks.callback", "fkeras.callbacks.history",
     "fkeras.callbacks.progbar_logger", "fkeras.callbacks.swap_ema_weights"],
    # 8: built on everything below
    ["fkeras.callbacks", "fkeras.utils", "fkeras.tuner", "fkeras.wrappers", "fkeras.preprocessing",
     "fkeras.datasets", "fkeras.visualization"],
    # 9: the public API (package __init__ facades) and what uses it as user code does
    ["fkeras.applications"],
]
TOP = len(FLOORS) - 1
MAX_CYCLE = 10


def _modules():
    mods = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


def _graph(mods):
    def resolve(name):
        while name and name not in mods:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        return name or None

    graph = collections.defaultdict(set)
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [resolve(a.name) for a in node.names if a.name.startswith("fkeras")]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
                if base.startswith("fkeras"):
                    targets = [resolve(f"{base}.{a.name}") if f"{base}.{a.name}" in mods else resolve(base)
                               for a in node.names]
            graph[mod].update(t for t in targets if t and t != mod)
    return graph


def _floor(mod, mods):
    if mods[mod].name == "__init__.py":
        return TOP
    best, floor = "", TOP
    for f, prefixes in enumerate(FLOORS):
        for p in prefixes:
            if (mod == p or mod.startswith(p + ".")) and len(p) > len(best):
                best, floor = p, f
    return floor


def _strongly_connected(graph, nodes):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_a_higher_floor():
    mods = _modules()
    graph = _graph(mods)
    upward = [f"{m} (floor {_floor(m, mods)}) imports {t} (floor {_floor(t, mods)})"
              for m in sorted(graph) for t in sorted(graph[m]) if _floor(t, mods) > _floor(m, mods)]
    assert not upward, "\n".join(upward)


def test_import_cycles_are_small_and_inside_one_package():
    mods = _modules()
    cycles = [c for c in _strongly_connected(_graph(mods), sorted(mods)) if len(c) > 1]
    too_big = [sorted(c) for c in cycles if len(c) > MAX_CYCLE]
    across = [sorted(c) for c in cycles if len({m.split(".")[1] for m in c}) > 1]
    assert not too_big, f"import cycles over {MAX_CYCLE} modules: {too_big}"
    assert not across, f"import cycles across packages: {across}"


def test_every_kind_names_a_loaded_class():
    import fkeras  # noqa: F401  (loads every floor)
    from fkeras.saving import kinds

    for name in kinds.__all__:
        cls = getattr(kinds, name).defining_class()
        assert isinstance(cls, type) and cls.__name__ == name, f"kinds.{name} resolves to {cls!r}"
