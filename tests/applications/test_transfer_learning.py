"""Transfer-learning semantics, as in Keras's guide: freezing a pretrained base, training a new head,
then unfreezing the top layers and fine-tuning after a re-compile."""
import numpy as np
import pytest

import fkeras as keras
from fkeras import applications

N_TOP = 10  # layers of the base unfrozen for fine-tuning


def _base():
    return applications.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), include_top=False, weights=None)


def _head(base, training_arg):
    inp = keras.Input((32, 32, 3))
    x = base(inp, training=False) if training_arg else base(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(2, name="head")(x)
    return keras.Model(inp, out)


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    y = np.array([0, 1] * 4)
    return x, y


def _snapshot(model):
    return [(w, np.array(w.numpy())) for w in model.weights]


def _changed(snapshot):
    return {id(w) for w, before in snapshot if not np.array_equal(before, np.asarray(w.numpy()))}


def _summary_counts(model):
    lines = []
    model.summary(print_fn=lambda s, **kwargs: lines.append(s))
    text = "\n".join(lines)

    def count(label):
        line = [l for l in text.splitlines() if l.strip().startswith(label)][0]
        return int(line.split(":")[1].split("(")[0].replace(",", "").strip())

    return count("Trainable params"), count("Non-trainable params")


def _n(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def test_freezing_and_partial_unfreezing_counts(fast_init):
    base = _base()
    total = base.count_params()
    base.trainable = False
    assert base.trainable_weights == []
    assert len(base.non_trainable_weights) == len(base.weights)
    assert all(not layer.trainable for layer in base.layers)
    model = _head(base, training_arg=True)
    head = model.get_layer("head")
    assert {id(w) for w in model.trainable_weights} == {id(head.kernel), id(head.bias)}
    assert _summary_counts(model) == (1280 * 2 + 2, total)

    # Unfreeze only the top N_TOP layers of the base.
    base.trainable = True
    for layer in base.layers[:-N_TOP]:
        layer.trainable = False
    expected = [w for layer in base.layers[-N_TOP:] for w in layer.trainable_weights]
    assert expected, "the top layers hold trainable weights"
    assert {id(w) for w in base.trainable_weights} == {id(w) for w in expected}
    n_trainable = _n(expected) + 1280 * 2 + 2
    assert _summary_counts(model) == (n_trainable, total + 1280 * 2 + 2 - n_trainable)
    # BatchNormalization's moving statistics are never trainable.
    assert all("moving" not in w.name for w in model.trainable_weights)


def test_fit_updates_only_unfrozen_weights_and_recompile_picks_up_changes(fast_init):
    """No ``training=False`` in the graph: fit runs the model in training mode, yet a frozen
    BatchNormalization stays in inference mode (its moving statistics do not move)."""
    base = _base()
    base.trainable = False
    model = _head(base, training_arg=False)
    head = model.get_layer("head")
    x, y = _data()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
    snap = _snapshot(model)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert _changed(snap) == {id(head.kernel), id(head.bias)}

    # Fine-tune the top of the base with a smaller learning rate, after a re-compile.
    base.trainable = True
    for layer in base.layers[:-N_TOP]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    snap = _snapshot(model)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    changed = _changed(snap)
    top = {id(w) for layer in base.layers[-N_TOP:] for w in layer.weights}
    frozen = {id(w) for layer in base.layers[:-N_TOP] for w in layer.weights}
    assert changed & frozen == set()
    assert {id(head.kernel), id(head.bias)} <= changed
    assert {id(w) for layer in base.layers[-N_TOP:] for w in layer.trainable_weights} <= changed
    # An unfrozen BatchNormalization called in training mode updates its statistics.
    top_bn = base.get_layer("Conv_1_bn")
    assert top_bn in base.layers[-N_TOP:]
    assert id(top_bn.moving_mean) in changed and id(top_bn.moving_mean) in top


def test_training_false_keeps_batchnorm_in_inference_mode_while_fine_tuning(fast_init):
    """The Keras guide's pattern: ``base(x, training=False)``, so unfrozen BatchNormalization
    layers learn ``gamma``/``beta`` but keep their moving statistics."""
    base = _base()
    model = _head(base, training_arg=True)
    base.trainable = True
    for layer in base.layers[:-N_TOP]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    snap = _snapshot(model)
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    changed = _changed(snap)
    bn = base.get_layer("Conv_1_bn")
    assert {id(bn.gamma), id(bn.beta), id(base.get_layer("Conv_1").kernel)} <= changed
    stats = {id(w) for layer in base.layers for w in layer.non_trainable_weights}
    assert id(bn.moving_mean) in stats and changed & stats == set()


@pytest.mark.parametrize("flag", [False, True])
def test_frozen_batchnorm_ignores_training_flag(fast_init, flag):
    bn = keras.layers.BatchNormalization()
    x = np.random.default_rng(0).normal(3.0, 2.0, (16, 4)).astype("float32")
    bn.build(x.shape)
    bn.trainable = flag
    before = np.array(bn.moving_mean.numpy())
    y_train = np.asarray(bn(x, training=True))
    y_infer = np.asarray(bn(x, training=False))
    if flag:  # trainable: batch statistics, moving mean updated
        assert not np.allclose(y_train, y_infer)
        assert not np.array_equal(before, bn.moving_mean.numpy())
    else:  # frozen: inference mode even with training=True
        np.testing.assert_allclose(y_train, y_infer, rtol=1e-6)
        np.testing.assert_array_equal(before, bn.moving_mean.numpy())


def test_example_runs(fast_init, capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "transfer_learning.py"
    spec = importlib.util.spec_from_file_location("transfer_learning_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = example.main(["--image-size", "32", "--train", "16", "--val", "8", "--batch-size", "8", "--epochs", "1",
                        "--fine-tune-epochs", "1", "--fine-tune-layers", "5"])
    assert 0.0 <= out["val_accuracy"] <= 1.0 and len(out["fine_tune"]["loss"]) == 1
    assert "trainable params 2,562" in capsys.readouterr().out
