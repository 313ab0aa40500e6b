"""keras.utils.model_to_dot / plot_model: boxes, edges, nesting, rendering and errors."""
import os
import shutil

import pytest

pydot = pytest.importorskip("pydot")

from fkeras import layers  # noqa: E402
from fkeras.layers.input_layer import Input  # noqa: E402
from fkeras.models import (  # noqa: E402
    Model,
    Sequential,
    model_visualization as mv,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` program not installed")


def _all_layers(model):
    out = []
    for layer in model.layers:
        out.append(layer)
        if isinstance(layer, (Sequential, Model)) and hasattr(layer, "layers"):
            out.extend(_all_layers(layer))
    return out


def _edges(dot, model):
    """The edges of ``dot`` as (source name, destination name) pairs."""
    names = {str(id(l)): l.name for l in _all_layers(model)}
    edges = list(dot.get_edges())
    for sub in dot.get_subgraphs():
        edges.extend(sub.get_edges())
    return {(names[e.get_source()], names[e.get_destination()]) for e in edges}


def _boxes(dot):
    nodes = list(dot.get_nodes())
    for sub in dot.get_subgraphs():
        nodes.extend(sub.get_nodes())
    return {n.get_name() for n in nodes if n.get_name() not in ("node", "edge", "graph")}


def _two_input_model():
    a = Input((3,), name="in_a")
    b = Input((4,), name="in_b")
    x = layers.Dense(5, activation="relu", name="dense_a")(a)
    y = layers.Dense(5, name="dense_b")(b)
    z = layers.Concatenate(name="merge")([x, y])
    out = layers.Dense(1, activation="sigmoid", name="head")(z)
    return Model([a, b], out, name="two_inputs")


def test_multi_input_functional_edges_and_names():
    model = _two_input_model()
    dot = mv.model_to_dot(model)
    source = dot.to_string()
    for name in ("in_a", "in_b", "dense_a", "dense_b", "merge", "head"):
        assert f"<b>{name}</b>" in source
    assert _edges(dot, model) == {("in_a", "dense_a"), ("in_b", "dense_b"), ("dense_a", "merge"),
                                  ("dense_b", "merge"), ("merge", "head")}
    assert _boxes(dot) == {str(id(l)) for l in model.layers}
    assert dot.get("rankdir") == "TB" and dot.get("dpi") == 200


def test_sequential_chain():
    model = Sequential([layers.Dense(4, name="d1"), layers.Dropout(0.1, name="drop"), layers.Dense(2, name="d2")])
    model.build((None, 3))
    dot = mv.model_to_dot(model, rankdir="LR")
    assert _edges(dot, model) == {("d1", "drop"), ("drop", "d2")}
    assert dot.get("rankdir") == "LR"


def test_shared_layer_drawn_once_with_both_edges():
    a, b = Input((3,), name="left"), Input((3,), name="right")
    shared = layers.Dense(2, name="shared")
    out = layers.Add(name="add")([shared(a), shared(b)])
    model = Model([a, b], out)
    dot = mv.model_to_dot(model, show_shapes=True)
    assert _edges(dot, model) == {("left", "shared"), ("right", "shared"), ("shared", "add")}
    assert dot.to_string().count("<b>shared</b>") == 1
    assert "multiple" in dot.to_string()  # two calls: no single shape to show


def _nested_model():
    inner_in = Input((4,), name="inner_in")
    inner_out = layers.Dense(3, name="inner_dense")(inner_in)
    inner = Model(inner_in, inner_out, name="inner_functional")
    stack = Sequential([layers.Dense(2, name="seq_1"), layers.Dense(1, name="seq_2")], name="inner_seq")
    x_in = Input((4,), name="outer_in")
    h = inner(x_in)
    out = stack(h)
    return Model(x_in, out, name="outer")


def test_nested_models_collapsed_and_expanded():
    model = _nested_model()
    flat = mv.model_to_dot(model)
    assert _edges(flat, model) == {("outer_in", "inner_functional"), ("inner_functional", "inner_seq")}
    assert not flat.get_subgraphs()

    expanded = mv.model_to_dot(model, expand_nested=True)
    clusters = expanded.get_subgraphs()
    assert sorted(c.get("label") for c in clusters) == ["inner_functional", "inner_seq"]
    assert _edges(expanded, model) == {("outer_in", "inner_in"), ("inner_in", "inner_dense"),
                                       ("inner_dense", "seq_1"), ("seq_1", "seq_2")}
    source = expanded.to_string()
    for name in ("outer_in", "inner_in", "inner_dense", "seq_1", "seq_2"):
        assert f"<b>{name}</b>" in source
    assert "<b>inner_functional</b>" not in source  # replaced by its cluster


def test_label_options():
    model = _two_input_model()
    model.get_layer("dense_b").trainable = False
    source = mv.model_to_dot(model, show_shapes=True, show_dtype=True, show_trainable=True,
                             show_layer_activations=True).to_string()
    assert "Input shape: <b>[(None, 5), (None, 5)]</b>" in source
    assert "Output shape: <b>(None, 10)</b>" in source
    assert "Output dtype: <b>float32</b>" in source
    assert "Activation: <b>relu</b>" in source and "Activation: <b>sigmoid</b>" in source
    assert source.count("Non-trainable") == 1 and source.count(">Trainable<") == 2
    bare = mv.model_to_dot(model, show_layer_names=False).to_string()
    assert "dense_a" not in bare and "<b>Dense</b>" in bare and "Output shape" not in bare


def test_subclassed_model_is_one_box():
    class Tiny(Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Tiny()
    model.build((None, 3))
    dot = mv.model_to_dot(model)
    assert len(_boxes(dot)) == 1 and "<b>tiny</b>" in dot.to_string()


def test_bad_input():
    with pytest.raises(ValueError, match="not yet been built"):
        mv.model_to_dot(Sequential([layers.Dense(2)]))
    model = _two_input_model()
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        mv.model_to_dot(model, show_colors=True)
    with pytest.raises(ValueError, match="layer_range"):
        mv.plot_model(model, layer_range=["a", "b"])
    with pytest.raises(ValueError, match="rankdir"):
        mv.model_to_dot(model, rankdir="sideways")


def test_missing_pydot_and_graphviz_messages(tmp_path, monkeypatch):
    model = _two_input_model()
    monkeypatch.setattr(mv.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="graphviz"):
        mv.plot_model(model, to_file=str(tmp_path / "m.png"))
    # The graph source needs no graphviz.
    mv.plot_model(model, to_file=str(tmp_path / "m.dot"), show_layer_names=True)
    text = (tmp_path / "m.dot").read_text()
    assert text.startswith("digraph") and "<b>merge</b>" in text
    monkeypatch.setattr(mv, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        mv.model_to_dot(model)
    with pytest.raises(ImportError, match="pip install pydot"):
        mv.plot_model(model, to_file=str(tmp_path / "m2.png"))


@needs_dot
@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_model_renders(tmp_path, ext, magic):
    model = _nested_model()
    path = tmp_path / "sub" / f"model.{ext}"
    mv.plot_model(model, to_file=str(path), show_shapes=True, expand_nested=True, show_layer_names=True)
    data = path.read_bytes()
    assert data.startswith(magic) and len(data) > 500
    if ext == "svg":
        text = data.decode()
        for name in ("outer_in", "inner_in", "inner_dense", "seq_1", "seq_2"):
            assert name in text


@needs_dot
def test_plot_model_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format 'xyz'"):
        mv.plot_model(_two_input_model(), to_file=str(tmp_path / "m.xyz"))
    assert not os.path.exists(tmp_path / "m.xyz")
