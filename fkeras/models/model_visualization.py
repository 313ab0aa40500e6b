"""``keras.utils.plot_model`` and ``keras.utils.model_to_dot``: draw a model's layer graph with graphviz.

``pydot`` (``pip install pydot``) builds the graph; rendering to PNG/SVG/PDF also needs the graphviz
``dot`` program. ``model_to_dot`` needs only pydot, and ``plot_model(..., to_file="model.dot")``
writes the graph source without graphviz.
"""
from __future__ import annotations

import html
import os
import shutil
import sys

try:
    import pydot
except ImportError:  # pydot is an optional dependency
    pydot = None

_PYDOT_MESSAGE = ("You must install pydot (`pip install pydot`) for `{fn}` to work.")
_GRAPHVIZ_MESSAGE = (
    "You must install graphviz (the `dot` program, see https://graphviz.org/download/: e.g. "
    "`apt-get install graphviz`, `brew install graphviz` or `conda install graphviz`) for `plot_model` "
    "to render {fmt} files; it was not found on PATH. `keras.utils.model_to_dot(model)` or "
    "`plot_model(model, to_file='model.dot')` work without it."
)


def check_pydot():
    """True if pydot can be imported."""
    return pydot is not None


def check_graphviz():
    """True if pydot is installed and the graphviz ``dot`` program is on PATH."""
    return check_pydot() and shutil.which("dot") is not None


# --- graph structure ---------------------------------------------------------------------------

def _kinds():
    from fkeras.models.functional import Functional
    from fkeras.models.sequential import Sequential

    return Functional, Sequential


def _is_graph_model(layer):
    Functional, Sequential = _kinds()
    return isinstance(layer, (Functional, Sequential))


def _model_nodes(model):
    """The graph nodes (layer calls) that make up ``model``, in execution order."""
    Functional, Sequential = _kinds()
    if isinstance(model, Functional):
        return list(model._nodes)
    if isinstance(model, Sequential) and model.inputs:
        from fkeras.models.functional import _topological_nodes

        return _topological_nodes(model.inputs, model.outputs)
    return []


def _first_box(model):
    """The layer box an edge entering ``model`` (a nested Sequential or Functional) points to."""
    _, Sequential = _kinds()
    layer = model
    while _is_graph_model(layer):
        if isinstance(layer, Sequential):
            layer = layer.layers[0]
        else:
            layer = layer.inputs[0]._node.layer
    return layer


def _resolve_source(layer, output_index):
    """Follow an output of a nested model down to the layer that produces it."""
    while _is_graph_model(layer):
        tensor = layer.outputs[output_index]
        layer, output_index = tensor._node.layer, tensor._index
    return layer


def _resolve_destination(layer, input_index):
    Functional, Sequential = _kinds()
    while _is_graph_model(layer):
        if isinstance(layer, Functional):
            inputs = layer.inputs
            layer = inputs[min(input_index, len(inputs) - 1)]._node.layer
        else:
            layer = layer.layers[0]
        input_index = 0
    return layer


# --- labels ------------------------------------------------------------------------------------

def _format_shapes(shapes):
    if shapes is None:
        return "?"
    if len(shapes) == 1:
        return str(shapes[0])
    return "[" + ", ".join(str(s) for s in shapes) + "]"


def _activation_name(activation):
    for attr in ("name", "__name__"):
        name = getattr(activation, attr, None)
        if isinstance(name, str):
            return name
    return str(activation)


def _layer_label(layer, nodes, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                 show_trainable):
    """An HTML-like graphviz label: a title row, then shape / dtype / trainable cells."""
    esc = html.escape
    class_name = type(layer).__name__
    is_input = class_name == "InputLayer"
    cells = []
    if show_shapes:
        in_shapes = out_shapes = None
        if len(nodes) == 1:
            in_shapes = [t.shape for t in nodes[0].input_tensors]
            out_shapes = [t.shape for t in nodes[0].output_tensors]
        elif len(nodes) > 1:
            in_shapes = out_shapes = ["multiple"]
        if not is_input:
            cells.append(("white", "black", f"Input shape: <b>{esc(_format_shapes(in_shapes))}</b>"))
        cells.append(("white", "black", f"Output shape: <b>{esc(_format_shapes(out_shapes))}</b>"))
    if show_dtype:
        dtypes = None
        if len(nodes) == 1:
            dtypes = [t.dtype for t in nodes[0].output_tensors]
        text = "?" if not dtypes else (dtypes[0] if len(set(dtypes)) == 1 else ", ".join(dtypes))
        cells.append(("white", "black", f"Output dtype: <b>{esc(text)}</b>"))
    if show_trainable and layer.weights:
        if layer.trainable:
            cells.append(("forestgreen", "white", "<b>Trainable</b>"))
        else:
            cells.append(("firebrick", "white", "<b>Non-trainable</b>"))
    span = max(1, len(cells))
    title = f"<b>{esc(layer.name)}</b> ({esc(class_name)})" if show_layer_names else f"<b>{esc(class_name)}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">{title}</font></td></tr>']
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        rows.append(f'<tr><td colspan="{span}" bgcolor="white"><font point-size="14">'
                    f"Activation: <b>{esc(_activation_name(activation))}</b></font></td></tr>")
    if cells:
        rows.append("<tr>" + "".join(
            f'<td bgcolor="{bg}"><font point-size="14" color="{fg}">{text}</font></td>' for bg, fg, text in cells)
            + "</tr>")
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) + "</table>>"


def _node_id(layer):
    return str(id(layer))


def _add_edge(dot, src, dst):
    s, d = _node_id(src), _node_id(dst)
    if not dot.get_edge(s, d):
        edge = pydot.Edge(s, d)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


# --- public API --------------------------------------------------------------------------------

def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """Convert a model to a ``pydot.Dot`` graph (a ``pydot.Cluster`` when ``subgraph=True``).

    One box per layer (``InputLayer`` boxes for Functional inputs) and one edge per connection
    between layer calls. A subclassed model is one box. Needs the ``pydot`` package (not graphviz).

    Args:
        model: A built ``keras.Model`` (Sequential, Functional or subclassed).
        show_shapes: Whether to show each layer's input and output shapes. Defaults to ``False``.
        show_dtype: Whether to show each layer's output dtype. Defaults to ``False``.
        show_layer_names: Whether to show layer names in the boxes. Defaults to ``True``.
        rankdir: Direction of the graph, as in graphviz: ``"TB"`` (default, top to bottom), ``"LR"``
            (left to right), ``"BT"`` or ``"RL"``.
        expand_nested: Whether to draw nested models as dashed clusters of their layers instead of
            single boxes. Defaults to ``False``.
        dpi: Resolution of the image, in dots per inch. Defaults to ``200``.
        subgraph: Whether to return a ``pydot.Cluster`` to embed in another graph (used for nested
            models) instead of a ``pydot.Dot``. Defaults to ``False``.
        show_layer_activations: Whether to show the activation of layers that have one. Defaults to
            ``False``.
        show_trainable: Whether to mark each layer as trainable or frozen. Defaults to ``False``.
        splines: How edges are drawn, as graphviz's ``splines`` attribute: ``"ortho"`` (default,
            right angles), ``"line"``, ``"curved"``, ``"polyline"`` or ``"spline"``.
        **kwargs: Only the removed ``layer_range`` is recognised (and refused); anything else raises
            ``ValueError``.

    Returns:
        A ``pydot.Dot`` (or ``pydot.Cluster``).

    Raises:
        ImportError: If ``pydot`` is not installed.
        ValueError: If the model is not built, ``rankdir`` is invalid, or an unknown keyword is
            given.

    Example:

    ```python
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    print(dot.to_string())
    ```
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    if not check_pydot():
        raise ImportError(_PYDOT_MESSAGE.format(fn="model_to_dot"))
    if not getattr(model, "built", False):
        raise ValueError(
            f"Model {model.name!r} has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data (or give the first layer an `input_shape`)."
        )
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"`rankdir` must be one of 'TB', 'LR', 'BT', 'RL'. Received: rankdir={rankdir!r}")
    Functional, Sequential = _kinds()
    if subgraph:
        dot = pydot.Cluster(graph_name=f"model_{id(model)}", style="dashed")
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_args = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                      show_layer_activations=show_layer_activations, show_trainable=show_trainable)

    def add_box(layer, nodes):
        node = pydot.Node(_node_id(layer), label=_layer_label(layer, nodes, **label_args))
        node.set("fontname", "Helvetica")
        node.set("border", "0")
        node.set("margin", "0")
        dot.add_node(node)

    if not isinstance(model, (Functional, Sequential)):
        add_box(model, list(model._inbound_nodes[-1:]))  # a subclassed model: one box
        return dot

    graph_nodes = _model_nodes(model)
    layers = getattr(model, "operations", model.layers)
    for layer in layers:
        if expand_nested and _is_graph_model(layer):
            dot.add_subgraph(model_to_dot(layer, subgraph=True, expand_nested=True, **label_args))
        else:
            mine = [n for n in layer._inbound_nodes if any(n is g for g in graph_nodes)]
            if not mine and not isinstance(model, Sequential):  # an InputLayer: its node made a model input
                mine = [t._node for t in model.inputs if t._node is not None and t._node.layer is layer]
            add_box(layer, mine)

    def connect(src, output_index, dst, input_index):
        if expand_nested:
            src = _resolve_source(src, output_index)
            dst = _resolve_destination(dst, input_index)
        _add_edge(dot, src, dst)

    if isinstance(model, Sequential):
        for a, b in zip(layers[:-1], layers[1:]):
            connect(a, 0, b, 0)
        return dot
    for node in graph_nodes:
        for input_index, tensor in enumerate(node.input_tensors):
            producer = tensor._node
            if producer is None:
                continue
            connect(producer.layer, tensor._index, node.layer, input_index)
    return dot


_RAW_FORMATS = ("dot", "gv")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw a model's layer graph and save it to ``to_file``.

    The format comes from the extension. PNG, SVG, PDF and the other graphviz formats need the
    graphviz ``dot`` program; a ``.dot`` / ``.gv`` file gets the graph source and needs only pydot.
    In a notebook without pydot or graphviz a message is printed instead of raising.

    Args:
        model: A built ``keras.Model`` (Sequential, Functional or subclassed).
        to_file: Path of the image to write; its folder is created if needed. Defaults to
            ``"model.png"``.
        show_shapes: Whether to show each layer's input and output shapes. Defaults to ``False``.
        show_dtype: Whether to show each layer's output dtype. Defaults to ``False``.
        show_layer_names: Whether to show layer names in the boxes. Defaults to ``False``.
        rankdir: Direction of the graph, as in graphviz: ``"TB"`` (default, top to bottom), ``"LR"``
            (left to right), ``"BT"`` or ``"RL"``.
        expand_nested: Whether to draw nested models as dashed clusters of their layers instead of
            single boxes. Defaults to ``False``.
        dpi: Resolution of the image, in dots per inch. Defaults to ``200``.
        show_layer_activations: Whether to show the activation of layers that have one. Defaults to
            ``False``.
        show_trainable: Whether to mark each layer as trainable or frozen. Defaults to ``False``.
        splines: How edges are drawn, as graphviz's ``splines`` attribute: ``"ortho"`` (default,
            right angles), ``"line"``, ``"curved"``, ``"polyline"`` or ``"spline"``.
        **kwargs: Only the removed ``layer_range`` is recognised (and refused); anything else raises
            ``ValueError``.

    Returns:
        An IPython ``Image`` (or ``SVG``) for inline display when IPython is installed and the
        format is an image, else ``None``.

    Raises:
        ImportError: If ``pydot`` (or, for image formats, graphviz) is missing outside a notebook.
        ValueError: If the extension is not a graphviz format, the model is not built, or an unknown
            keyword is given.

    Example:

    ```python
    keras.utils.plot_model(model, to_file="model.png", show_shapes=True)
    ```
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    in_notebook = "IPython.core.magics.namespace" in sys.modules
    problem = None
    if not check_pydot():
        problem = _PYDOT_MESSAGE.format(fn="plot_model")
    elif extension not in _RAW_FORMATS and shutil.which("dot") is None:
        problem = _GRAPHVIZ_MESSAGE.format(fmt=extension.upper())
    if problem:
        if in_notebook:  # as Keras: a message, not a crash, in a notebook without graphviz
            print(problem)
            return None
        raise ImportError(problem)
    if extension not in _RAW_FORMATS and extension not in pydot.Dot().formats:
        raise ValueError(f"Cannot write a plot in format {extension!r} (from to_file={to_file!r}). "
                         "Use an extension graphviz knows, e.g. .png, .svg, .pdf, .jpg or .dot.")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines)
    folder = os.path.dirname(to_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if extension in _RAW_FORMATS:
        dot.write(to_file, format="raw")
        return None
    dot.write(to_file, format=extension)
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=to_file)
    try:
        return display.Image(filename=to_file)
    except ValueError:  # a format IPython cannot embed
        return None
