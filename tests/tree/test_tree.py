"""keras.tree: explicit expected values, and parity with Keras 3's keras.tree on the same structures."""
import collections

import numpy as np
import pytest

from fkeras import tree

Point = collections.namedtuple("Point", "x y")

STRUCTURES = [
    None, 1, "s", np.arange(3), [1, [2, (3, None)]], {"b": 1, "a": [2, 3]},
    collections.OrderedDict([("b", 1), ("a", 2)]), Point(1, [2]), collections.deque([1, (2, 3)]), (), [],
    {"z": {}}, [[1]], collections.defaultdict(list, {"k": [4, 5], "c": 6}),
]


def test_flatten_order_and_leaves():
    assert tree.flatten({100: "world!", 6: "Hello"}) == ["Hello", "world!"]
    assert tree.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    assert tree.flatten(None) == [None]
    assert tree.flatten([None, {"a": None}]) == [None, None]
    assert tree.flatten_with_path([{"foo": 42}, (7,)]) == [((0, "foo"), 42), ((1, 0), 7)]
    assert not tree.is_nested(np.zeros(3)) and tree.is_nested(Point(1, 2)) and tree.is_nested(())


def test_pack_round_trip_keeps_types_and_insertion_order():
    s = {"key3": {"c": (1, 2), "a": 3}, "key1": Point(4, [5])}
    flat = tree.flatten(s)
    assert flat == [4, 5, 3, 1, 2]
    back = tree.pack_sequence_as(s, [v * 10 for v in flat])
    assert back == {"key3": {"c": (10, 20), "a": 30}, "key1": Point(40, [50])}
    assert list(back["key3"].keys()) == ["c", "a"] and isinstance(back["key1"], Point)
    with pytest.raises(ValueError, match="3 leaves but `flat_sequence` has 2"):
        tree.pack_sequence_as([1, (2, 3)], [1, 2])


def test_map_structure_and_checks():
    assert tree.map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]]) == [[3], [8]]
    assert tree.map_structure(lambda v: 0, [None, 1], none_is_leaf=False) == [None, 0]
    assert tree.map_structure(lambda v: 0, [None, 1]) == [0, 0]
    with pytest.raises(ValueError, match=r"path \(1,\)"):
        tree.map_structure(lambda a, b: a, [1, [2]], [1, (2,)])
    tree.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))
    with pytest.raises(ValueError):
        tree.assert_same_structure(Point(1, 2), (1, 2))
    tree.assert_same_paths(Point(1, 2), [3, 4])
    with pytest.raises(ValueError, match="missing in `b`"):
        tree.assert_same_paths({"a": 1, "b": 2}, {"a": 1})
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)


def test_up_to_traverse_shapes():
    assert tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]) == ["[1, 1]", ["2", "2"]]
    with pytest.raises(ValueError):
        tree.map_structure_up_to([None, [None]], str, [1, 2])
    assert tree.traverse(lambda n: tree.MAP_TO_NONE if n == (1, 2) else None, [(1, 2), 3]) == [None, 3]
    assert tree.traverse(lambda n: "x" if isinstance(n, tuple) else None, [(1, [2]), 3]) == ["x", 3]
    assert tree.lists_to_tuples({"a": [1, [2, 3]]}) == {"a": (1, (2, 3))}
    out = tree.map_shape_structure(lambda s: (None,) + tuple(s), {"x": (3, 4), "y": [(5,)]})
    assert out == {"x": (None, 3, 4), "y": [(None, 5)]}


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_parity_with_keras_tree(structure):
    keras = pytest.importorskip("keras")
    kt = keras.tree
    assert repr(tree.flatten(structure)) == repr(kt.flatten(structure))
    assert repr(tree.flatten_with_path(structure)) == repr(kt.flatten_with_path(structure))
    assert tree.is_nested(structure) == kt.is_nested(structure)
    n = len(kt.flatten(structure))
    ours_packed = tree.pack_sequence_as(structure, list(range(n)))
    assert repr(ours_packed) == repr(kt.pack_sequence_as(structure, list(range(n))))
    assert repr(tree.lists_to_tuples(structure)) == repr(kt.lists_to_tuples(structure))
    for top_down in (True, False):
        ours, theirs = [], []
        tree.traverse(ours.append, structure, top_down=top_down)
        kt.traverse(theirs.append, structure, top_down=top_down)
        assert repr(ours) == repr(theirs)
    fn = lambda v: v if v is None or isinstance(v, (str, np.ndarray)) else v * 2  # noqa: E731
    assert repr(tree.map_structure(fn, structure)) == repr(kt.map_structure(fn, structure))
