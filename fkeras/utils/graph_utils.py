"""``keras.utils.get_source_inputs`` and ``keras.utils.is_keras_tensor``: walking the symbolic graph."""
from __future__ import annotations

__all__ = ["get_source_inputs", "is_keras_tensor"]


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic Keras tensor (made by ``keras.Input`` or by calling layers on one).

    Args:
        x: Any object.

    Example:

    >>> keras.utils.is_keras_tensor(keras.Input((3,))), keras.utils.is_keras_tensor(np.ones(3))
    (True, False)
    """
    from fkeras.engine.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The list of input tensors (``keras.Input``s) that ``tensor`` is computed from.

    Inputs come in the order a depth-first walk from ``tensor`` meets them (each once). A
    tensor without graph history is returned as it is, as in Keras.

    Args:
        tensor: A symbolic tensor (the output of layers called on ``keras.Input``s).

    Example:

    >>> a, b = keras.Input((3,)), keras.Input((3,))
    >>> y = keras.layers.Dense(2)(keras.layers.Add()([a, b]))
    >>> keras.utils.get_source_inputs(y) == [a, b]
    True
    """
    if not is_keras_tensor(tensor):
        return tensor
    # Iterative post-order walk, memoised per tensor: deep graphs don't hit the recursion
    # limit, and graphs with many paths to the same input (residual nets) stay linear.
    sources = {}
    stack = [(tensor, False)]
    while stack:
        t, expanded = stack.pop()
        if id(t) in sources:
            continue
        node = getattr(t, "_node", None)
        if node is None:
            sources[id(t)] = [t]
        elif node.is_input:
            sources[id(t)] = list(node.output_tensors) or [t]
        elif not expanded:
            stack.append((t, True))
            stack.extend((p, False) for p in reversed(node.input_tensors) if id(p) not in sources)
        else:
            found = []
            for parent in node.input_tensors:
                for x in sources[id(parent)]:
                    if all(x is not s for s in found):
                        found.append(x)
            sources[id(t)] = found
    return sources[id(tensor)]
