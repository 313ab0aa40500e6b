"""``keras.tree``: utilities over nested Python structures (lists, tuples, namedtuples, dicts, deques).

A *structure* is a leaf or a container of structures. The containers are ``list``, ``tuple``
(namedtuples included), ``collections.deque`` and any ``Mapping`` (``dict``, ``OrderedDict``,
``defaultdict``); everything else -- ``None``, numbers, strings, arrays, variables -- is a leaf.
Plain dicts are walked in sorted-key order and ``OrderedDict`` in insertion order, as Keras 3 does,
so a ``flatten`` followed by ``pack_sequence_as`` rebuilds the same structure.

This is plain Python, independent of ``jax.tree_util``: JAX treats ``None`` as an empty node and
descends into registered pytrees (fkeras variables among them), while Keras code written against
``keras.tree`` expects ``None`` and variables to be leaves.

Example:
    >>> from fkeras import tree
    >>> tree.flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    >>> tree.map_structure(lambda v: v * 10, {"b": [1, 2], "a": 3})
    {'b': [10, 20], 'a': 30}
"""
from __future__ import annotations

import collections
import collections.abc
import warnings

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
    "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as",
    "traverse",
]


class MAP_TO_NONE:  # noqa: N801 - Keras's public name
    """Sentinel for ``traverse``: a ``func`` that returns ``MAP_TO_NONE`` replaces the visited
    sub-structure with ``None`` (returning ``None`` itself means "leave it as it is")."""


# --- what a node is and how it comes apart -------------------------------------------------------

def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """Whether ``structure`` is a container that ``keras.tree`` walks into.

    Args:
        structure: any Python object.

    Returns:
        ``True`` for lists, tuples (namedtuples included), deques and mappings; ``False`` for
        everything else (``None``, scalars, strings, arrays, variables).

    Example:
        >>> is_nested(42), is_nested({"a": 1}), is_nested(None)
        (False, True, False)
    """
    return isinstance(structure, (list, tuple, collections.deque, collections.abc.Mapping))


def _sorted_keys(mapping):
    keys = list(mapping.keys())
    if isinstance(mapping, collections.OrderedDict):
        return keys
    try:
        return sorted(keys)
    except TypeError as err:
        raise TypeError(f"keras.tree: the keys of a dict must be sortable to be walked in a fixed order; "
                        f"received keys {keys!r}") from err


def _children(node):
    """``(keys, values)`` of a container, in walking order."""
    if isinstance(node, collections.abc.Mapping):
        keys = _sorted_keys(node)
        return keys, [node[k] for k in keys]
    values = list(node)
    return list(range(len(values))), values


def _rebuild(node, values):
    """A container of ``node``'s kind holding ``values`` (given in walking order)."""
    if isinstance(node, collections.abc.Mapping):
        keys = _sorted_keys(node)
        by_key = dict(zip(keys, values))
        ordered = [(k, by_key[k]) for k in node.keys()]  # keep the caller's insertion order
        if isinstance(node, collections.defaultdict):
            return collections.defaultdict(node.default_factory, ordered)
        try:
            return type(node)(ordered)
        except TypeError:
            return dict(ordered)
    if _is_namedtuple(node):
        return type(node)(*values)
    if isinstance(node, collections.deque):
        return collections.deque(values, maxlen=node.maxlen)
    if isinstance(node, (list, tuple)) and type(node) not in (list, tuple):
        try:
            return type(node)(values)
        except TypeError:
            return list(values) if isinstance(node, list) else tuple(values)
    return type(node)(values)


def _kind(node):
    """What must agree for two nodes to count as the same structure (dict kinds are all alike)."""
    if isinstance(node, collections.abc.Mapping):
        return ("mapping", tuple(_sorted_keys(node)))
    return (type(node), len(node))


def _describe(node) -> str:
    if isinstance(node, collections.abc.Mapping):
        return f"a {type(node).__name__} with keys {_sorted_keys(node)}"
    return f"a {type(node).__name__} of length {len(node)}"


# --- flatten / pack ------------------------------------------------------------------------------

def _walk(structure, path, out, is_leaf=None):
    if (is_leaf is not None and is_leaf(structure)) or not is_nested(structure):
        out.append((path, structure))
        return
    keys, values = _children(structure)
    for k, v in zip(keys, values):
        _walk(v, path + (k,), out, is_leaf)


def flatten(structure) -> list:
    """The leaves of ``structure`` in a fixed order, as a flat list.

    Dicts are walked in sorted-key order (``OrderedDict`` in insertion order); a leaf flattens to a
    one-element list, ``None`` included.

    Args:
        structure: an arbitrarily nested structure.

    Returns:
        A list of the leaves.

    Example:
        >>> flatten([[1, 2, 3], [4, [5], [[6]]]])
        [1, 2, 3, 4, 5, 6]
        >>> flatten({100: "world!", 6: "Hello"})
        ['Hello', 'world!']
    """
    out = []
    _walk(structure, (), out)
    return [leaf for _, leaf in out]


def flatten_with_path(structure) -> list:
    """Like ``flatten``, but each leaf comes with its path: a tuple of list indices and dict keys.

    Args:
        structure: an arbitrarily nested structure.

    Returns:
        A list of ``(path, leaf)`` pairs.

    Example:
        >>> flatten_with_path([{"foo": 42}])
        [((0, 'foo'), 42)]
    """
    out = []
    _walk(structure, (), out)
    return out


def pack_sequence_as(structure, flat_sequence):
    """Pack the leaves of ``flat_sequence`` into the shape of ``structure`` (the inverse of ``flatten``).

    Args:
        structure: the nested structure to copy the layout from; its leaves are ignored.
        flat_sequence: a flat list or tuple with exactly as many items as ``structure`` has leaves.

    Returns:
        A structure like ``structure`` whose leaves are the items of ``flat_sequence`` in order.

    Raises:
        TypeError: if ``flat_sequence`` is not a flat sequence.
        ValueError: if the number of items does not match the number of leaves.

    Example:
        >>> pack_sequence_as((("a", "b"), "c"), [1, 2, 3])
        ((1, 2), 3)
    """
    if not isinstance(flat_sequence, (list, tuple, collections.deque)):
        raise TypeError("keras.tree.pack_sequence_as: `flat_sequence` must be a list or tuple; "
                        f"received {type(flat_sequence).__name__}")
    flat_sequence = list(flat_sequence)
    n_leaves = len(flatten(structure))
    if n_leaves != len(flat_sequence):
        raise ValueError(f"keras.tree.pack_sequence_as: `structure` has {n_leaves} leaves but `flat_sequence` "
                         f"has {len(flat_sequence)} items")
    it = iter(flat_sequence)

    def build(node):
        if not is_nested(node):
            return next(it)
        _, values = _children(node)
        return _rebuild(node, [build(v) for v in values])

    return build(structure)


# --- structure checks ----------------------------------------------------------------------------

def _check_same(a, b, path=()):
    a_nested, b_nested = is_nested(a), is_nested(b)
    if not a_nested and not b_nested:
        return
    where = "the top level" if not path else f"path {path}"
    if a_nested != b_nested or _kind(a) != _kind(b):
        left = _describe(a) if a_nested else f"a leaf ({type(a).__name__})"
        right = _describe(b) if b_nested else f"a leaf ({type(b).__name__})"
        raise ValueError(f"The two structures don't have the same nested structure: at {where} the first "
                         f"has {left}, the second has {right}.")
    for k, va, vb in zip(_children(a)[0], _children(a)[1], _children(b)[1]):
        _check_same(va, vb, path + (k,))


def assert_same_structure(a, b, check_types=None):
    """Raise unless ``a`` and ``b`` are nested the same way.

    Containers must match in type and length (``list``, ``tuple``, each namedtuple class and
    ``deque`` are all different), except that any two mappings with the same keys match.

    Args:
        a: a nested structure.
        b: a nested structure.
        check_types: deprecated and ignored, as in Keras 3 (use ``assert_same_paths`` for a check
            that ignores container types).

    Raises:
        ValueError: naming the first place where the structures differ.
    """
    if check_types is not None:
        warnings.warn("The `check_types` argument of keras.tree.assert_same_structure is deprecated and has no "
                      "effect; use keras.tree.assert_same_paths for a check that ignores container types.",
                      DeprecationWarning, stacklevel=2)
    _check_same(a, b)


def assert_same_paths(a, b):
    """Raise unless ``a`` and ``b`` have the same set of leaf paths, whatever their container types.

    Args:
        a: a nested structure.
        b: a nested structure.

    Raises:
        ValueError: listing the paths found in only one of the two.

    Example:
        >>> assert_same_paths([0, 1], (2, 3))  # passes: list and tuple have the same paths
    """
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{sorted(a_paths - b_paths, key=repr)}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{sorted(b_paths - a_paths, key=repr)}"
        raise ValueError(msg)


# --- mapping -------------------------------------------------------------------------------------

def map_structure(func, *structures, none_is_leaf=True):
    """Apply ``func`` leaf-wise over one or more structures of the same layout.

    Args:
        func: a callable taking one argument per structure.
        *structures: nested structures with the same layout (as ``assert_same_structure`` checks).
        none_is_leaf: when ``False``, ``None`` leaves are not passed to ``func`` and stay ``None``
            in the result.

    Returns:
        A structure with the layout of the first structure holding ``func``'s results.

    Raises:
        ValueError: if no structure is given or the structures differ.
        TypeError: if ``func`` is not callable.

    Example:
        >>> map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]])
        [[3], [8]]
    """
    if not callable(func):
        raise TypeError(f"keras.tree.map_structure: `func` must be callable; received {func!r}")
    if not structures:
        raise ValueError("keras.tree.map_structure: must provide at least one structure")
    for other in structures[1:]:
        _check_same(structures[0], other)

    def go(*nodes):
        first = nodes[0]
        if not is_nested(first):
            if first is None and not none_is_leaf:
                return None
            return func(*nodes)
        children = [_children(n)[1] for n in nodes]
        return _rebuild(first, [go(*vals) for vals in zip(*children)])

    return go(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """Apply ``func`` over ``structures`` only down to the leaves of ``shallow_structure``.

    Where ``shallow_structure`` has a leaf, ``func`` receives the whole (possibly nested) sub-structure
    of each of ``structures`` found there.

    Args:
        shallow_structure: a structure whose layout is a prefix of every one of ``structures``.
        func: a callable taking one argument per structure.
        *structures: nested structures at least as deep as ``shallow_structure``.

    Returns:
        A structure with the layout of ``shallow_structure``.

    Raises:
        ValueError: if a structure is shallower than ``shallow_structure`` or differs from it.

    Example:
        >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2, 2]])
        [2, 3]
    """
    if not callable(func):
        raise TypeError(f"keras.tree.map_structure_up_to: `func` must be callable; received {func!r}")
    if not structures:
        raise ValueError("keras.tree.map_structure_up_to: must provide at least one structure")

    def go(shallow, nodes, path):
        if not is_nested(shallow):
            return func(*nodes)
        for n in nodes:
            if not is_nested(n) or _kind(n) != _kind(shallow):
                where = "the top level" if not path else f"path {path}"
                got = _describe(n) if is_nested(n) else f"a leaf ({type(n).__name__})"
                raise ValueError("Structures don't have the same nested structure: at "
                                 f"{where} `shallow_structure` has {_describe(shallow)}, a structure has {got}.")
        keys, shallow_values = _children(shallow)
        children = [_children(n)[1] for n in nodes]
        return _rebuild(shallow, [go(s, [c[i] for c in children], path + (k,))
                                  for i, (k, s) in enumerate(zip(keys, shallow_values))])

    return go(shallow_structure, list(structures), ())


def traverse(func, structure, top_down=True):
    """Visit every sub-structure of ``structure`` depth-first, letting ``func`` replace any of them.

    Top-down (the default), ``func`` sees a parent before its children: returning ``None`` walks on
    into the children, returning anything else replaces the sub-structure and skips its children.
    Bottom-up, ``func`` sees the already-rebuilt children first: ``None`` keeps the sub-structure,
    anything else replaces it. Return ``MAP_TO_NONE`` to replace a sub-structure with ``None``.

    Args:
        func: a callable of one argument.
        structure: the structure to traverse.
        top_down: whether parents are visited before their children.

    Returns:
        The structure with the replacements made.

    Example:
        >>> seen = []
        >>> traverse(seen.append, [(1, 2), {"a": 3}])
        [(1, 2), {'a': 3}]
        >>> seen
        [[(1, 2), {'a': 3}], (1, 2), 1, 2, {'a': 3}, 3]
    """
    if not callable(func):
        raise TypeError(f"keras.tree.traverse: `func` must be callable; received {func!r}")

    def children_of(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [visit(v) for v in _children(node)[1]])

    def resolve(ret, default):
        if ret is None:
            return default
        return None if ret is MAP_TO_NONE else ret

    def visit(node):
        if top_down:
            ret = func(node)
            return children_of(node) if ret is None else resolve(ret, node)
        rebuilt = children_of(node)
        return resolve(func(rebuilt), rebuilt)

    return visit(structure)


def lists_to_tuples(structure):
    """``structure`` with every list (at any depth) turned into a tuple.

    Args:
        structure: A nested structure (lists, tuples, dicts and leaves).

    Example:
        >>> lists_to_tuples({"a": [1, [2, 3]]})
        {'a': (1, (2, 3))}
    """
    return traverse(lambda node: tuple(node) if isinstance(node, list) else None, structure, top_down=False)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """Like ``map_structure``, but lists and tuples of ints and ``None`` count as leaves (shapes).

    Args:
        func: a callable applied to each shape (and to every other leaf).
        structure: a nested structure of shapes.

    Returns:
        The structure with ``func`` applied to every shape.

    Example:
        >>> map_shape_structure(lambda s: (None,) + tuple(s), {"x": (3, 4), "y": [(5,)]})
        {'x': (None, 3, 4), 'y': [(None, 5)]}
    """
    if not callable(func):
        raise TypeError(f"keras.tree.map_shape_structure: `func` must be callable; received {func!r}")

    def go(node):
        if _is_shape(node) or not is_nested(node):
            return func(node)
        return _rebuild(node, [go(v) for v in _children(node)[1]])

    return go(structure)
