"""``keras.ops`` calls and tensor operators on symbolic tensors are graph nodes that save as Keras 3
saves its ``Operation`` nodes: .keras files, ``to_json``/``model_from_json`` and ``clone_model``
round-trip, files move to and from Keras both ways, and a config cannot name anything but fkeras's
own ``keras.ops`` functions this way."""
import importlib.util
import json
import os
import warnings

import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras import ops
from fkeras.engine import op_nodes
from fkeras.engine.keras_op_table import KERAS_VERSION, OPS
from fkeras.engine.layer import OpLayer
from fkeras.saving import registry

A = np.random.default_rng(0).normal(size=(2, 4, 6)).astype("float32")
B = np.random.default_rng(1).normal(size=(2, 4, 6)).astype("float32")
W = np.random.default_rng(2).normal(size=(6, 6)).astype("float32")


def build(K):
    """The brief's graph, written once for fkeras and Keras (``K`` is either library)."""
    x = K.Input((4, 6), name="x")
    y = K.Input((4, 6), name="y")
    h = K.layers.Dense(6, use_bias=False, name="dense")(x)
    outputs = [
        h + 3.0,
        3.0 - x,
        x * y,
        K.ops.mean(x, axis=-1, keepdims=True),
        K.ops.relu6(h),
        x[:, 1:],
        K.ops.concatenate([x, y], axis=-1),
        K.ops.reshape(x, (-1, 2)),
    ]
    model = K.Model([x, y], outputs, name="ops_model")
    model.get_layer("dense").set_weights([W])
    return model


def numpy_reference(a, b):
    h = a @ W
    return [h + 3.0, 3.0 - a, a * b, a.mean(axis=-1, keepdims=True), np.clip(h, 0.0, 6.0), a[:, 1:],
            np.concatenate([a, b], axis=-1), a.reshape(-1, 2)]


def outputs_of(model, a=A, b=B):
    return [np.asarray(o) for o in model([a, b])]


def assert_all_close(got, expected, **tol):
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, **(tol or {"rtol": 1e-6, "atol": 1e-6}))


def op_entries(config):
    return {e["name"]: e for e in config["config"]["layers"] if e["module"].startswith("keras.src.ops.")}


def kt(layer_name):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, 4, 6], "dtype": "float32", "keras_history": [layer_name, 0, 0]}}


# --- values ---------------------------------------------------------------------------------


def test_op_nodes_compute_the_numpy_reference_eagerly_and_under_jit():
    model = build(keras)
    assert_all_close(outputs_of(model), numpy_reference(A, B), rtol=1e-5, atol=1e-5)
    trainable, non_trainable = model.trainable_variables, model.non_trainable_variables
    jitted = jax.jit(lambda tv, ntv, a, b: model.stateless_call(tv, ntv, [a, b])[0])
    got = [np.asarray(o) for o in jitted([v.value for v in trainable], [v.value for v in non_trainable], A, B)]
    assert_all_close(got, numpy_reference(A, B), rtol=1e-5, atol=1e-5)


def test_config_holds_keras_operation_entries():
    entries = op_entries(json.loads(build(keras).to_json()))
    slice_ = lambda start: {"class_name": "__slice__", "config": {"start": start, "stop": None, "step": None}}  # noqa: E731
    expected = {
        "add": ("Add", {"name": "add"}, [kt("dense"), 3.0]),
        "subtract": ("Subtract", {"name": "subtract"}, [3.0, kt("x")]),
        "multiply": ("Multiply", {"name": "multiply"}, [kt("x"), kt("y")]),
        "mean": ("Mean", {"name": "mean", "axis": -1, "keepdims": True}, [kt("x")]),
        "relu6": ("Relu6", {"name": "relu6"}, [kt("dense")]),
        "get_item": ("GetItem", {"name": "get_item"}, [kt("x"), [slice_(None), slice_(1)]]),
        "concatenate": ("Concatenate", {"name": "concatenate", "axis": -1}, [[kt("x"), kt("y")]]),
        "reshape": ("Reshape", {"name": "reshape", "newshape": [-1, 2]}, [kt("x")]),
    }
    assert set(entries) == set(expected)
    for name, (class_name, config, args) in expected.items():
        module = "keras.src.ops.nn" if class_name == "Relu6" else "keras.src.ops.numpy"
        assert entries[name] == {"module": module, "class_name": class_name, "config": config,
                                 "registered_name": class_name, "name": name,
                                 "inbound_nodes": [{"args": args, "kwargs": {}}]}, name


# --- round trips in fkeras -------------------------------------------------------------------


def test_keras_file_round_trip(tmp_path):
    model = build(keras)
    path = os.path.join(tmp_path, "ops.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert_all_close(outputs_of(loaded), outputs_of(model))
    assert loaded.get_config() == model.get_config()
    kinds = {type(layer).__name__ for layer in loaded.operations if isinstance(layer, OpLayer)}
    assert kinds == {"Add", "Subtract", "Multiply", "Mean", "Relu6", "GetItem", "Concatenate", "Reshape"}


def test_json_round_trip():
    model = build(keras)
    text = model.to_json()
    rebuilt = keras.models.model_from_json(text)
    rebuilt.set_weights(model.get_weights())
    assert_all_close(outputs_of(rebuilt), outputs_of(model))
    assert json.loads(rebuilt.to_json())["config"] == json.loads(text)["config"]


def test_clone_model_rebuilds_the_op_nodes():
    model = build(keras)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    assert_all_close(outputs_of(clone), outputs_of(model))
    old = {id(layer) for layer in model.operations}
    new_ops = [layer for layer in clone.operations if isinstance(layer, OpLayer)]
    assert len(new_ops) == 8 and not any(id(layer) in old for layer in new_ops)
    mean = next(layer for layer in new_ops if type(layer).__name__ == "Mean")
    assert mean.get_config() == {"name": "mean", "axis": -1, "keepdims": True}


# --- operators ------------------------------------------------------------------------------

_OPERATORS = [
    # (expression, Keras class, node args as (tensor name | constant), numpy reference)
    (lambda x, y: x + 2.0, "Add", ["x", 2.0], lambda a, b: a + 2.0),
    (lambda x, y: 2.0 + x, "Add", [2.0, "x"], lambda a, b: 2.0 + a),
    (lambda x, y: x - y, "Subtract", ["x", "y"], lambda a, b: a - b),
    (lambda x, y: 2.0 * x, "Multiply", [2.0, "x"], lambda a, b: 2.0 * a),
    (lambda x, y: x / y, "TrueDivide", ["x", "y"], lambda a, b: a / b),
    (lambda x, y: 1.0 / x, "TrueDivide", [1.0, "x"], lambda a, b: 1.0 / a),
    (lambda x, y: x // 0.5, "FloorDivide", ["x", 0.5], lambda a, b: a // 0.5),
    (lambda x, y: x % 0.7, "Mod", ["x", 0.7], lambda a, b: np.mod(a, 0.7)),
    (lambda x, y: x ** 2, "Power", ["x", 2], lambda a, b: a ** 2),
    (lambda x, y: 2.0 ** x, "Power", [2.0, "x"], lambda a, b: 2.0 ** a),
    (lambda x, y: x @ ops.transpose(y, (0, 2, 1)), None, None, lambda a, b: a @ b.transpose(0, 2, 1)),
    (lambda x, y: x < y, "Less", ["x", "y"], lambda a, b: a < b),
    (lambda x, y: x <= 0.0, "LessEqual", ["x", 0.0], lambda a, b: a <= 0.0),
    (lambda x, y: x > y, "Greater", ["x", "y"], lambda a, b: a > b),
    (lambda x, y: x >= 0.1, "GreaterEqual", ["x", 0.1], lambda a, b: a >= 0.1),
    (lambda x, y: x != y, "NotEqual", ["x", "y"], lambda a, b: a != b),
    (lambda x, y: (x > 0) & (y > 0), None, None, lambda a, b: (a > 0) & (b > 0)),
    (lambda x, y: (x > 0) | (y > 0), None, None, lambda a, b: (a > 0) | (b > 0)),
    (lambda x, y: (x > 0) ^ (y > 0), None, None, lambda a, b: (a > 0) ^ (b > 0)),
    (lambda x, y: ~(x > 0), None, None, lambda a, b: ~(a > 0)),
    (lambda x, y: -x, "Negative", ["x"], lambda a, b: -a),
    (lambda x, y: abs(x), "Absolute", ["x"], lambda a, b: np.abs(a)),
    (lambda x, y: x.astype("int32"), "Cast", ["x"], lambda a, b: a.astype("int32")),
    (lambda x, y: x.T, "Transpose", ["x"], lambda a, b: a.T),
    (lambda x, y: round(x, 1), "Round", ["x"], lambda a, b: np.round(a, 1)),
    (lambda x, y: x[..., None, 1], "GetItem", None, lambda a, b: a[..., None, 1]),
    (lambda x, y: x[:, [0, 2]], "GetItem", None, lambda a, b: a[:, [0, 2]]),
]


@pytest.mark.parametrize("case", range(len(_OPERATORS)))
def test_operator_records_the_keras_op_and_round_trips(case):
    expr, class_name, args, reference = _OPERATORS[case]
    x, y = keras.Input((4, 6), name="x"), keras.Input((4, 6), name="y")
    model = keras.Model([x, y], expr(x, y))
    node = [layer for layer in model.operations if isinstance(layer, OpLayer)][-1]
    if class_name is not None:
        assert type(node).__name__ == class_name
    if args is not None:
        entry = next(e for e in model.get_config()["layers"] if e["name"] == node.name)
        written = entry["inbound_nodes"][0]["args"]
        assert written == [kt(a) if isinstance(a, str) else a for a in args]
    expected = reference(A, B)
    got = np.asarray(model([A, B]))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    rebuilt = keras.models.model_from_json(model.to_json())
    np.testing.assert_array_equal(np.asarray(rebuilt([A, B])), got)


def test_reflected_operators_and_logical_operators_name_keras_classes():
    x, y = keras.Input((3,)), keras.Input((3,))
    m = keras.Model([x, y], [(x > 0) & (y > 0), (x > 0) | (y > 0), (x > 0) ^ (y > 0), ~(x > 0), x @ ops.ones((3, 2)),
                             ops.ones((2, 3)) @ ops.transpose(x)])
    names = [type(layer).__name__ for layer in m.operations if isinstance(layer, OpLayer)]
    assert {"LogicalAnd", "LogicalOr", "LogicalXor", "LogicalNot", "Matmul", "Transpose"} <= set(names)
    matmuls = [e for e in m.get_config()["layers"] if e["class_name"] == "Matmul"]
    assert matmuls[1]["inbound_nodes"][0]["args"][0]["class_name"] == "__numpy__"  # the constant comes first


def test_cast_with_a_dtype_object_writes_its_name():
    x = keras.Input((3,))
    model = keras.Model(x, ops.cast(x, np.float16))
    entry = next(e for e in model.get_config()["layers"] if e["class_name"] == "Cast")
    assert entry["config"] == {"name": "cast", "dtype": "float16"}


# --- what cannot be saved ---------------------------------------------------------------------


def test_user_function_and_tensor_constant_argument_refuse_to_save_clearly(tmp_path):
    from fkeras.ops._dispatch import keras_op

    @keras_op
    def scale_by_two(t):
        return t * 2.0

    x, lo = keras.Input((3,)), keras.Input((3,))
    model = keras.Model(x, scale_by_two(x))
    np.testing.assert_allclose(np.asarray(model(np.ones((1, 3), "float32"))), 2.0)  # it runs
    with pytest.raises(TypeError, match=r"scale_by_two.*keras\.layers\.Lambda"):
        model.save(os.path.join(tmp_path, "m.keras"))
    # Keras's Clip operation stores its bounds as constants: a symbolic bound has no Keras form
    clipped = keras.Model([x, lo], ops.clip(x, lo, 1.0))
    with pytest.raises(TypeError, match=r"keras\.ops\.clip.*symbolic tensor as 'x_min'.*Lambda"):
        clipped.to_json()
    # an argument Keras's operation does not take is recorded only at its default
    def mean_with_extra(x, axis=None, keepdims=False, extra=1):
        return x

    spec = op_nodes.OpSpec("numpy", "mean", OPS[("numpy", "mean")], mean_with_extra)
    config, args, kwargs = op_nodes._split_call(spec, (x,), {"axis": 1})
    assert config == {"axis": 1, "keepdims": False} and args == [x] and kwargs == {}
    assert op_nodes._split_call(spec, (x,), {"extra": 2}) == (None, "keras.ops.mean was called with extra=2, "
                                                                    "which Keras's Mean does not take")


def test_op_layer_of_a_lambda_names_it_when_saved():
    from fkeras.engine import symbolic

    x = keras.Input((3,))
    model = keras.Model(x, symbolic.symbolic_op_call(lambda t: t + 1.0, (x,), {}))
    with pytest.raises(TypeError, match=r"lambda.*keras\.layers\.Lambda"):
        model.to_json()


# --- reading: the allow-list ---------------------------------------------------------------------


def _config_with(entry):
    config = json.loads(build(keras).to_json())
    layers = config["config"]["layers"]
    mean = next(i for i, e in enumerate(layers) if e["class_name"] == "Mean")
    layers[mean] = {**layers[mean], **entry}
    return json.dumps(config)


@pytest.mark.parametrize("entry, message", [
    ({"class_name": "NotAnOp", "registered_name": "NotAnOp"}, r"Unknown keras\.ops operation `NotAnOp`"),
    ({"class_name": "Meen", "registered_name": "Meen"}, r"Did you mean 'Mean'"),
    ({"class_name": "mean", "registered_name": "mean"}, r"Unknown keras\.ops operation `mean`"),
    ({"module": "keras.src.ops.operation", "class_name": "Operation", "registered_name": "Operation"},
     r"not a module of keras\.ops operations"),
    ({"module": "keras.src.ops.numpy_helpers", "class_name": "Mean", "registered_name": "Mean"},
     r"not a module of keras\.ops operations"),
    ({"module": "os", "class_name": "system", "registered_name": "system"}, r"'system' from module 'os'"),
])
def test_crafted_op_entries_are_refused(entry, message):
    with pytest.raises((ValueError, TypeError), match=message):
        keras.models.model_from_json(_config_with(entry))


def test_only_fkeras_keras_ops_functions_resolve():
    cls = op_nodes.resolve_op_class("keras.src.ops.numpy", "Mean")
    assert issubclass(cls, OpLayer) and cls._op_spec.fn is ops.mean._fkeras_op
    assert registry.is_modeling_object(cls)
    for spec in op_nodes._get_index()[1].values():
        assert spec.fn.__module__.startswith("fkeras.ops."), spec


def test_unknown_config_fields_follow_the_newer_keras_rule():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.models.model_from_json(_config_with({"config": {"name": "mean", "axis": -1, "keepdims": True,
                                                              "new_flag": False}}))
    assert any("new_flag" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="new_flag"):
        keras.models.model_from_json(_config_with({"config": {"name": "mean", "axis": -1, "keepdims": True,
                                                              "new_flag": True}}))
    with pytest.raises(ValueError, match="'newshape'"):
        cls = op_nodes.resolve_op_class("keras.src.ops.numpy", "Reshape")
        cls.from_config({"name": "r"})


# --- the table --------------------------------------------------------------------------------


def test_table_arguments_exist_in_fkeras_functions():
    """Every Keras op fkeras implements can be split and rebuilt by parameter name."""
    # Keras's default is the only value fkeras has for these
    allowed_missing = {("core", "scatter_update"): {"reduction"}, ("nn", "layer_normalization"): {"rms_scaling"}}
    index = op_nodes._get_index()[0]
    assert len(index) > 300
    for spec in index.values():
        params = spec.signature.parameters
        var = {p.kind for p in params.values()}
        names = [a.lstrip("*") for a in spec.args] + [s for k, s in spec.kwargs if k != "**"]
        for name in names:
            assert name in params or (spec.args and spec.args[-1] == "*" + name and params and
                                      any(p.kind == p.VAR_POSITIONAL for p in params.values())), (spec, name)
        for param, source, _ in spec.init:
            ok = (source in params or param in params or params and
                  any(p.kind == p.VAR_KEYWORD for p in params.values()))
            assert ok or param in allowed_missing.get((spec.family, spec.name), ()), (spec, param, var)


def test_table_is_current_for_the_installed_keras():
    keras3 = pytest.importorskip("keras")
    if keras3.__version__ != KERAS_VERSION:
        pytest.skip(f"the table was generated from Keras {KERAS_VERSION}; installed: {keras3.__version__}")
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "gen_keras_op_table.py")
    spec = importlib.util.spec_from_file_location("gen_keras_op_table", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    version, table = gen.build_table()
    assert table == OPS


# --- Keras 3, both ways --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras3():
    return pytest.importorskip("keras")


def test_config_equals_keras_config(keras3):
    # Keras numbers auto-named ops per session (after a Keras model with a Multiply layer built earlier
    # in this process, Keras names `x * y` `multiply_1`): fresh names on both sides, as for fkeras
    keras3.backend.clear_session()
    ours = op_entries(json.loads(build(keras).to_json()))
    theirs = op_entries(json.loads(build(keras3).to_json()))
    assert ours == theirs


def test_fkeras_file_loads_in_keras(keras3, tmp_path):
    model = build(keras)
    path = os.path.join(tmp_path, "fk.keras")
    model.save(path)
    loaded = keras3.models.load_model(path)
    assert_all_close(outputs_of(loaded), outputs_of(model))


def test_keras_file_loads_in_fkeras(keras3, tmp_path):
    model = build(keras3)
    x = keras3.Input((5,))
    k_ops = keras3.ops
    extra = keras3.Model(x, [k_ops.sum(x, axis=[1]), k_ops.clip(x, -0.5, 0.5), x[0], k_ops.top_k(x, 2)[0],
                             k_ops.where(x > 0, x, 0.0), k_ops.layer_normalization(x),
                             k_ops.einsum("bi,bj->bij", x, x), k_ops.nn.gelu(x, approximate=False)])
    path, path2 = os.path.join(tmp_path, "k.keras"), os.path.join(tmp_path, "k2.keras")
    model.save(path)
    extra.save(path2)
    loaded = keras.models.load_model(path)
    assert_all_close(outputs_of(loaded), outputs_of(model))
    v = np.random.default_rng(3).normal(size=(3, 5)).astype("float32")
    loaded2 = keras.models.load_model(path2)
    assert_all_close([np.asarray(o) for o in loaded2(v)], [np.asarray(o) for o in extra(v)], rtol=1e-5, atol=1e-5)


# --- applications --------------------------------------------------------------------------------


def test_mobilenet_v3_small_saves_and_loads(tmp_path):
    model = keras.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), alpha=0.75,
                                                include_top=False, include_preprocessing=False)
    path = os.path.join(tmp_path, "mobilenet.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_config() == model.get_config()
    kinds = {type(layer).__name__ for layer in loaded.operations if isinstance(layer, OpLayer)}
    assert {"Add", "Multiply"} <= kinds
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_convnext_tiny_config_round_trips():
    model = keras.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), include_top=False)
    config = json.loads(model.to_json())
    adds = [e for e in config["config"]["layers"] if e["class_name"] == "Add"]
    assert adds and all(e["module"] == "keras.src.ops.numpy" for e in adds)
    rebuilt = keras.models.model_from_json(json.dumps(config))
    assert json.loads(rebuilt.to_json())["config"] == config["config"]


@pytest.mark.slow  # ~25 s on 2 CPU cores (ConvNeXtTiny's 28M weights); the small-model tests cover the mechanism
def test_applications_files_load_with_the_same_outputs(keras3, tmp_path):
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 3)).astype("float32")
    convnext = keras.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), include_top=False)
    path = os.path.join(tmp_path, "convnext.keras")
    convnext.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), convnext.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
    # Keras reads the op nodes of an fkeras file (ConvNeXt's own LayerScale class is another matter)
    mobilenet = keras.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), include_top=False)
    path = os.path.join(tmp_path, "mobilenet.keras")
    mobilenet.save(path)
    np.testing.assert_allclose(np.asarray(keras3.models.load_model(path)(x)), mobilenet.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_layers_lists_layers_only_and_operations_every_node_as_in_keras():
    import fkeras as K

    a, b = K.Input((4,)), K.Input((4,))
    out = K.layers.Dense(2)(K.ops.concatenate([a, b]) * 2.0)
    m = K.Model([a, b], out)
    assert [type(layer).__name__ for layer in m.layers] == ["InputLayer", "InputLayer", "Dense"]
    assert [type(op).__name__ for op in m.operations] == ["InputLayer", "InputLayer", "Concatenate", "Multiply",
                                                          "Dense"]
    rows = []
    m.summary(print_fn=rows.append)
    assert any("concatenate" in r for r in rows)  # the summary shows every node, as Keras's does
