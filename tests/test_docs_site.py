"""The documentation site (mkdocs.yml) renders the docstrings' ``Example:`` sessions as code.

griffe's Google-style parser only knows an indented ``Examples:`` section; an ``Example:`` heading
(as Keras's docstrings write it) above ``>>>`` lines was rendered as Markdown text: the prompts
became nested block quotes and ``out["a"]["b"]`` a broken cross-reference (a ``--strict`` failure).
tools/griffe_doctest_examples.py rewrites such blocks for the site only.
"""
import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytest.importorskip("griffe")  # the [docs] extra (.ci/run installs it before the tests)


def _extension():
    spec = importlib.util.spec_from_file_location("griffe_doctest_examples",
                                                  ROOT / "tools" / "griffe_doctest_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_heading_above_indented_sessions_becomes_an_examples_section():
    doc = 'Pads boxes.\n\nArgs:\n    n: count.\n\nExample:\n    >>> out["b"]["boxes"].shape\n    (1, 4, 4)\n'
    assert _extension().as_examples_section(doc) == doc.replace("Example:", "Examples:")


def test_sessions_level_with_the_heading_are_indented_under_it_up_to_the_next_section():
    doc = "Mean.\n\nExample:\n\n>>> m = Mean()\n>>> float(m.result())\n0.0\n\nReturns:\n    A float.\n"
    assert _extension().as_examples_section(doc) == (
        "Mean.\n\nExamples:\n    >>> m = Mean()\n    >>> float(m.result())\n    0.0\n\nReturns:\n    A float.\n")


def test_other_examples_are_left_alone():
    doc = "Fit.\n\nExample:\n\n```python\nmodel.fit(x, y)\n```\n"
    assert _extension().as_examples_section(doc) == doc


def test_the_site_uses_the_extension():
    config = (ROOT / "mkdocs.yml").read_text()
    assert "tools/griffe_doctest_examples.py:DoctestExamples" in config
    assert "strict: true" in config
