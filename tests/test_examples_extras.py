"""`pip install -e ".[examples]"` holds what every script in examples/ needs: each third-party
module an example imports, and the optional package behind each fkeras feature it uses."""
import ast
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
# import name -> distribution name, where they differ
DISTRIBUTION = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml"}
# fkeras features that import an optional package when used
FEATURES = {r"\bTensorBoard\(": "tensorboardX", r"\btuner\b": "optuna"}


def _names(requirements):
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def _third_party_imports(path):
    tree = ast.parse(path.read_text())
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != "fkeras"}


def test_every_example_needs_only_the_core_and_the_examples_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    have = _names(project["dependencies"]) | _names(project["optional-dependencies"]["examples"])
    have |= {"jax", "jaxlib", "optax", "numpy"}  # (import names equal to distribution names)
    missing = {}
    for path in sorted((ROOT / "examples").glob("*.py")):
        need = {DISTRIBUTION.get(m, m).lower() for m in _third_party_imports(path)}
        source = path.read_text()
        need |= {pkg.lower() for pattern, pkg in FEATURES.items() if re.search(pattern, source)}
        if need - have:
            missing[path.name] = sorted(need - have)
    assert not missing, f"add these to the [examples] extra: {missing}"
