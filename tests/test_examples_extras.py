"""`pip install -e ".[examples]"` holds what every script in examples/ needs: each third-party
module an example imports, and the optional package behind each fkeras feature it uses."""
import ast
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
# import name -> distribution name, where they differ
DISTRIBUTION = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml", "orbax": "orbax-checkpoint"}
# fkeras features that import an optional package when used (pattern in an example's source -> package)
FEATURES = {
    r"\bTensorBoard\(": "tensorboardX",
    r"\btuner\b": "optuna",
    r"\b(plot_model|model_to_dot)\b": "pydot",
    r"\b(to_yaml|model_from_yaml)\b": "pyyaml",
    r"\bSKLearn(Classifier|Regressor|Transformer)\b": "scikit-learn",
    r"tf_saved_model": "tensorflow",
    r"\bvisualization\b": "matplotlib",
}
# optional imports of fkeras that need no feature entry: a faster native twin with a pure-Python
# fallback (farmhash), a notebook-only display (IPython), a dependency of jax itself (ml_dtypes)
NOT_NEEDED = {"farmhash", "IPython", "ml_dtypes"}


def _names(requirements):
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def _third_party_imports(tree):
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != "fkeras"}


def needed_packages(source):
    """The distributions a script needs beyond fkeras: what it imports, and what the fkeras
    features it uses import."""
    need = {DISTRIBUTION.get(m, m).lower() for m in _third_party_imports(ast.parse(source))}
    return need | {pkg.lower() for pattern, pkg in FEATURES.items() if re.search(pattern, source)}


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_example_needs_only_the_core_and_the_examples_extra():
    project = _project()
    have = _names(project["dependencies"]) | _names(project["optional-dependencies"]["examples"])
    missing = {}
    for path in sorted((ROOT / "examples").glob("*.py")):
        need = needed_packages(path.read_text())
        if need - have:
            missing[path.name] = sorted(need - have)
    assert not missing, f"add these to the [examples] extra: {missing}"


def test_every_optional_import_of_fkeras_has_a_feature_pattern():
    """An fkeras module importing a package that is not a core dependency maps to a FEATURES
    pattern, so an example using that feature is checked (plot_model needed pydot unseen)."""
    core = _names(_project()["dependencies"])
    optional = {}
    for path in (ROOT / "fkeras").rglob("*.py"):
        for mod in _third_party_imports(ast.parse(path.read_text())):
            if DISTRIBUTION.get(mod, mod).lower() not in core and mod not in NOT_NEEDED:
                optional.setdefault(DISTRIBUTION.get(mod, mod).lower(), path.relative_to(ROOT).as_posix())
    covered = {pkg.lower() for pkg in FEATURES.values()}
    assert not set(optional) - covered, {pkg: optional[pkg] for pkg in set(optional) - covered}


def test_features_are_seen_in_example_code():
    assert needed_packages("keras.utils.plot_model(model, 'm.png')") == {"pydot"}
    assert needed_packages("yaml_text = model.to_yaml()") == {"pyyaml"}
    assert needed_packages("from fkeras.wrappers import SKLearnClassifier") == {"scikit-learn"}
    assert needed_packages('model.export("out", format="tf_saved_model")') == {"tensorflow"}
    assert needed_packages("import numpy as np\nx = np.ones(3)") == {"numpy"}
