"""The TPU quickstart notebook runs top to bottom (here on the CPU), so it cannot rot."""
import os
import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "tpu_quickstart.ipynb"


def test_tpu_quickstart_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    client.execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "validation accuracy:" in outputs
    assert "compute dtype: bfloat16" in outputs


def _install_cell_function():
    """The notebook's install cell, run up to (not including) the pip call: its function."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "def fkeras_install_command" in c.source)
    head = cell.source.split("\ncmd = ")[0]
    assert "subprocess.run" not in head
    namespace = {}
    exec(compile(head, "install-cell", "exec"), namespace)
    return namespace["fkeras_install_command"]


def test_install_cell_installs_what_the_notebook_runs(tmp_path):
    install = _install_cell_function()
    repo = pathlib.Path(__file__).resolve().parents[1]
    assert install("", repo / "notebooks", installed=True) is None  # nothing to do
    # from the checkout the notebook sits in (found from its folder or any folder below it)
    cmd = install("", repo / "notebooks", installed=False)
    assert cmd[1:5] == ["-m", "pip", "install", "-q"] and cmd[5] == str(repo) and "scikit-learn" in cmd
    # a source named in FKERAS_SOURCE wins
    cmd = install("git+https://example.org/fkeras.git", tmp_path, installed=False)
    assert cmd[5] == "git+https://example.org/fkeras.git"
    # outside a checkout, with no source: a clear error naming the variable (never `pip install fkeras`,
    # which no index serves)
    with pytest.raises(RuntimeError, match="FKERAS_SOURCE"):
        install("", tmp_path, installed=False)
