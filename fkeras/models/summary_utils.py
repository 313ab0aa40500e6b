"""``model.summary()``: Keras 3's table (rendered with rich), parameter counts and sizes."""
from __future__ import annotations

import math
import re
import shutil

import numpy as np


def _num(x):
    return f"[color(45)]{x}[/]" if x is None else f"[color(34)]{x}[/]"


def _bold(x, color=None):
    return f"[bold][color({color})]{x}[/][/]" if color else f"[bold]{x}[/]"


def _sym(x):
    return f"[color(33)]{x}[/]"


def param_count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def memory_size(weights):
    seen = {}
    for w in weights:
        seen[id(w)] = w
    return sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in seen.values())


def readable_size(nbytes):
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _shape_text(shape):
    return "(" + ", ".join(_num(d) for d in shape) + ")"


def _output_shape_text(layer, model):
    nodes = [n for n in layer._inbound_nodes if _node_in_model(n, model)] or layer._inbound_nodes
    if nodes:
        outs = nodes[-1].output_tensors
        texts = [_shape_text(t.shape) for t in outs]
        return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    if getattr(layer, "_build_shapes", None) is not None:
        try:
            shape = layer.compute_output_shape(layer._build_shapes)
        except Exception:  # noqa: BLE001 - the summary never fails on an odd layer
            return "?"
        if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
            return _shape_text(shape)
        return str(shape)
    return "?"


def _node_in_model(node, model):
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    return node in nodes or not node.input_tensors


def _is_sequential_like(model):
    from fkeras.models.functional import Functional

    if not isinstance(model, Functional):
        return True
    consumers = {}
    for node in model._nodes:
        if len(node.input_tensors) > 1:
            return False
        for t in node.input_tensors:
            consumers[t._id] = consumers.get(t._id, 0) + 1
    if any(c > 1 for c in consumers.values()):
        return False
    used = {}
    for node in model._nodes:
        used[id(node.layer)] = used.get(id(node.layer), 0) + 1
    return all(c == 1 for c in used.values())


def _connections(layer, model):
    parts = []
    for node in layer._inbound_nodes:
        if not _node_in_model(node, model):
            continue
        for t in node.input_tensors:
            src = t._node.layer if t._node is not None else None
            if src is None:
                continue
            node_index = src._inbound_nodes.index(t._node) if t._node in src._inbound_nodes else 0
            parts.append(f"{src.name}[{_num(node_index)}][{_num(t._index)}]")
    return ", ".join(parts) if parts else "-"


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(n, str) for n in layer_range):
        raise ValueError(f"layer_range must be a list or tuple of 2 layer names (or regexes). Received: {layer_range}")
    lo = [i for i, l in enumerate(layers) if re.match(layer_range[0], l.name)]
    hi = [i for i, l in enumerate(layers) if re.match(layer_range[1], l.name)]
    if not lo or not hi:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    return min(min(lo), min(hi)), max(max(lo), max(hi)) + 1


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    import rich.console
    import rich.markup
    import rich.table

    seq = _is_sequential_like(model)
    if seq:
        width, pos = 88, [0.45, 0.80, 1.0]
        header, justify = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        width, pos = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if positions is not None:
        pos = list(positions)
    if show_trainable:
        width += 12
        pos = [p * 0.9 for p in pos] + [1.0]
        header.append("Trainable")
        justify.append("center")
    width = min(width, shutil.get_terminal_size().columns - 4) if print_fn is None else width
    line_length = line_length or width
    if pos and pos[-1] <= 1:
        pos = [int(p * line_length) for p in pos]
    widths, prev = [], 0
    for p in pos:
        if p - prev < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(p - prev)
        prev = p
    table = rich.table.Table(*[rich.table.Column(h, justify=j, width=w) for h, j, w in zip(header, justify, widths)],
                             width=line_length, show_lines=True)

    def fields(layer, prefix):
        name = rich.markup.escape(prefix + layer.name) + f" ({_sym(rich.markup.escape(type(layer).__name__))})"
        if not layer.built and not layer.weights:
            params = f"{_num(0)} (unbuilt)"
        else:
            params = _num(f"{param_count(layer.weights):,}")
        row = [name, _output_shape_text(layer, model), params]
        if not seq:
            row.append(_connections(layer, model))
        if show_trainable:
            row.append((_bold("Y", 34) if layer.trainable else _bold("N", 9)) if layer.weights else _bold("-"))
        return row

    def rows_for(layer, level=0):
        prefix = ("   " * level + "└ ") if level else ""
        out = [fields(layer, prefix)]
        if expand_nested and getattr(layer, "layers", None):
            for sub in layer.layers:
                out.extend(rows_for(sub, level + 1))
        return out

    layers = getattr(model, "operations", model.layers)  # keras.ops nodes show as rows, as in Keras
    lo, hi = _layer_range(layers, layer_range)
    for layer in layers[lo:hi]:
        for row in rows_for(layer):
            table.add_row(*row)

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    t_count, nt_count = param_count(trainable), param_count(non_trainable)
    t_mem, nt_mem = memory_size(trainable), memory_size(non_trainable)
    opt_vars = []
    if getattr(model, "_opt_state", None) is not None:
        import jax

        opt_vars = [np.asarray(l) for l in jax.tree_util.tree_leaves(model._opt_state) if np.ndim(l) > 0]
    o_count = int(sum(v.size for v in opt_vars))
    o_mem = int(sum(v.nbytes for v in opt_vars))

    if print_fn is not None:
        console = rich.console.Console(highlight=False, force_terminal=False, color_system=None,
                                       width=max(line_length, 80) + 2)
        console.begin_capture()
    else:
        console = rich.console.Console(highlight=False)
    console.print(_bold(f'Model: "{rich.markup.escape(model.name)}"'))
    console.print(table)
    console.print(_bold(" Total params: ") + _num(f"{t_count + nt_count + o_count:,}")
                  + f" ({readable_size(t_mem + nt_mem + o_mem)})")
    console.print(_bold(" Trainable params: ") + _num(f"{t_count:,}") + f" ({readable_size(t_mem)})")
    console.print(_bold(" Non-trainable params: ") + _num(f"{nt_count:,}") + f" ({readable_size(nt_mem)})")
    if opt_vars:
        console.print(_bold(" Optimizer params: ") + _num(f"{o_count:,}") + f" ({readable_size(o_mem)})")
    if print_fn is not None:
        print_fn(console.end_capture())
