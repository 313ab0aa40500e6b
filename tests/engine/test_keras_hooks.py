"""Keras 3 hooks a user relies on are honoured as Keras documents them (issue 18, items 3, 4, 5, 7):
PyDataset batch order shuffled per epoch, masks handed to ``call(..., mask=None)`` and attached as
``_keras_mask``, ``model.input`` on a subclass with a functional ``__init__``,
``keras.layers.serialize``/``deserialize``, dict ``logs`` in every callback hook, ``keras.version()``.
"""
from collections.abc import MutableMapping

import numpy as np
import pytest

import fkeras as keras
from fkeras import layers, ops
from fkeras.trainers.programs import ProgramKey

# --- item 3: fit(PyDataset, shuffle=True) shuffles the batch order every epoch -----------------

class Recorded(keras.utils.PyDataset):
    """Rows 0..n-1 in batches of 4 (the last one partial); records the batch indices read."""

    def __init__(self, n=30, **kwargs):
        super().__init__(**kwargs)
        self.x = np.arange(n, dtype="float32")[:, None]
        self.y = np.zeros((n, 1), "float32")
        self.reads = []

    def __len__(self):
        return -(-len(self.x) // 4)

    def __getitem__(self, i):
        self.reads.append(i)
        return self.x[i * 4:(i + 1) * 4], self.y[i * 4:(i + 1) * 4]


def _fit_orders(shuffle=True, epochs=3, seed=1, workers=1):
    keras.utils.set_random_seed(seed)
    ds = Recorded(workers=workers)
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(ds, epochs=epochs, shuffle=shuffle, verbose=0)
    n = len(ds)
    reads = ds.reads[len(ds.reads) - n * epochs:]  # after the peeks that built the model
    return model, [reads[e * n:(e + 1) * n] for e in range(epochs)]


def test_fit_shuffles_pydataset_batch_order_each_epoch_by_default():
    model, orders = _fit_orders()
    n = len(orders[0])
    for order in orders:
        assert sorted(order) == list(range(n))  # every batch once per epoch
    assert any(order != list(range(n)) for order in orders)
    assert len({tuple(o) for o in orders}) > 1  # a fresh order each epoch
    # the partial batch (index 7) may come first: the batch size stays 4, one program
    assert model.trace_counts[ProgramKey("train")] == 1


def test_pydataset_shuffle_is_reproducible_and_shuffle_false_keeps_order():
    _, shuffled = _fit_orders(seed=3)
    assert _fit_orders(seed=3)[1] == shuffled
    assert _fit_orders(seed=3, workers=3)[1] == shuffled  # worker threads read in the same order
    assert _fit_orders(seed=4)[1] != shuffled
    _, ordered = _fit_orders(shuffle=False)
    assert ordered == [list(range(8))] * 3


# --- item 4: masks reach call(mask=...) and ride on tensors as _keras_mask -------------------

class MaskSeen(layers.Layer):
    """Keras's masking guide: a layer that asserts it was given the mask."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = []

    def call(self, inputs, mask=None):
        assert mask is not None, "MaskSeen got no mask"
        self.seen.append(mask)
        return inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)


TOKENS = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")
MASK = TOKENS != 0


def _last_mask(layer):
    return np.asarray(layer.seen[-1])


def test_functional_model_hands_the_embedding_mask_to_a_custom_layer():
    inp = keras.Input((4,), dtype="int32")
    x = layers.Embedding(5, 3, mask_zero=True)(inp)
    x = layers.Dense(2)(x)  # supports masking: passes it on
    seen = MaskSeen()
    out = seen(x)  # the symbolic call already receives the (symbolic) mask
    model = keras.Model(inp, out)
    model(TOKENS)
    np.testing.assert_array_equal(_last_mask(seen), MASK)
    y = model.predict(TOKENS, verbose=0)
    assert np.all(y[~MASK] == 0)


def test_sequential_model_hands_the_embedding_mask_to_a_custom_layer():
    seen = MaskSeen()
    model = keras.Sequential([keras.Input((4,), dtype="int32"), layers.Embedding(5, 3, mask_zero=True), seen])
    model(TOKENS)
    np.testing.assert_array_equal(_last_mask(seen), MASK)


def test_subclassed_model_hands_the_embedding_mask_to_sublayers():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(5, 3, mask_zero=True)
            self.seen = MaskSeen()
            self.lstm = layers.LSTM(2)

        def call(self, x):
            e = self.embed(x)
            return self.seen(e), self.lstm(e)

    model = Sub()
    _, h = model(TOKENS)
    np.testing.assert_array_equal(_last_mask(model.seen), MASK)
    e = model.embed(TOKENS)
    np.testing.assert_allclose(h, model.lstm(e, mask=MASK), rtol=1e-6)  # the LSTM got the mask too
    np.testing.assert_allclose(h, model.lstm(e + 0.0, mask=MASK), rtol=1e-6)
    assert not np.allclose(h, model.lstm(e + 0.0))  # (without it the padded steps count)
    model.predict(TOKENS, verbose=0)  # under jit too
    assert model.seen.seen[-1].shape == MASK.shape


def test_keras_mask_is_set_on_eager_outputs_and_keras_tensors():
    emb = layers.Embedding(5, 3, mask_zero=True)
    np.testing.assert_array_equal(emb(TOKENS)._keras_mask, MASK)
    masked = layers.Masking(mask_value=0.0)(np.array([[[1.0], [0.0]]], "float32"))
    np.testing.assert_array_equal(masked._keras_mask, [[True, False]])

    inp = keras.Input((4,), dtype="int32")
    e = emb(inp)
    assert e._keras_mask.shape == (None, 4) and e._keras_mask.dtype == "bool"
    d = layers.Dense(2)(e)  # a layer that supports masking passes the mask on
    assert d._keras_mask.shape == (None, 4)


def test_custom_compute_mask_supports_masking_and_attaches_its_mask():
    class CustomEmbedding(layers.Layer):  # Keras's masking guide
        def __init__(self, input_dim, output_dim, **kwargs):
            super().__init__(**kwargs)
            self.input_dim, self.output_dim = input_dim, output_dim

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer="random_normal")

        def call(self, inputs):
            return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs, 0)

    layer = CustomEmbedding(5, 3)
    assert layer.supports_masking
    np.testing.assert_array_equal(layer(TOKENS)._keras_mask, MASK)
    seen = MaskSeen()
    inp = keras.Input((4,), dtype="int32")
    keras.Model(inp, seen(layer(inp)))(TOKENS)
    np.testing.assert_array_equal(_last_mask(seen), MASK)


# --- item 5: model.input on a subclass that calls super().__init__(inputs=..., outputs=...) ----

def test_subclass_with_functional_init_exposes_its_inputs_and_outputs():
    class Wrapped(keras.Model):
        def __init__(self):
            inp = keras.Input((3,), name="features")
            out = layers.Dense(2, name="head")(inp)
            super().__init__(inputs=inp, outputs=out)

    model = Wrapped()
    assert model.input.shape == (None, 3) and model.output.shape == (None, 2)
    assert model.inputs == [model.input] and model.outputs == [model.output]
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    # the usual Keras idiom: a feature extractor from the model's own graph
    features = keras.Model(model.input, model.output)
    np.testing.assert_allclose(features(np.ones((1, 3), "float32")), model(np.ones((1, 3), "float32")))

    class Plain(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(AttributeError):
        _ = Plain().inputs


# --- item 7: layers.serialize/deserialize, dict logs, keras.version() ------------------------

def test_layers_serialize_and_deserialize():
    config = keras.layers.serialize(layers.Dense(3, activation="relu", name="d"))
    assert config["class_name"] == "Dense" and config["module"] == "keras.layers"
    layer = keras.layers.deserialize(config)
    assert isinstance(layer, layers.Dense) and layer.units == 3 and layer.name == "d"
    assert keras.layers.deserialize({"class_name": "Dense", "config": {"units": 2}}).units == 2

    class Scale(layers.Layer):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    restored = keras.layers.deserialize(keras.layers.serialize(Scale(2.5)), custom_objects={"Scale": Scale})
    assert isinstance(restored, Scale) and restored.factor == 2.5
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        keras.layers.deserialize(keras.optimizers.serialize(keras.optimizers.SGD()))


def test_every_callback_hook_gets_a_dict_of_logs():
    seen = {}

    class Spy(keras.callbacks.Callback):
        def _record(self, hook, logs):
            seen.setdefault(hook, []).append(logs)

    hooks = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
             "on_test_end", "on_predict_begin", "on_predict_end", "on_train_batch_begin",
             "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
             "on_predict_batch_end"]
    for hook in hooks:
        if "batch" in hook or "epoch" in hook:
            setattr(Spy, hook, lambda self, i, logs=None, _h=hook: self._record(_h, logs))
        else:
            setattr(Spy, hook, lambda self, logs=None, _h=hook: self._record(_h, logs))

    class Writes(keras.callbacks.Callback):  # callbacks may add to the logs, as in Keras
        def on_train_batch_end(self, batch, logs=None):
            logs["batch_note"] = 1.0

        def on_epoch_end(self, epoch, logs=None):
            logs["epoch_note"] = 2.0

    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), callbacks=[Spy(), Writes()],
                        verbose=0)
    model.evaluate(x, y, batch_size=4, callbacks=[Spy()], verbose=0)
    model.predict(x, batch_size=4, callbacks=[Spy()], verbose=0)
    assert set(seen) == set(hooks)
    for hook, calls in seen.items():
        for logs in calls:
            assert isinstance(logs, MutableMapping), (hook, logs)
            if not hook.endswith("batch_end") or hook.startswith("on_predict"):
                assert isinstance(logs, dict), (hook, type(logs))
    assert seen["on_train_batch_end"][0]["batch_note"] == 1.0
    assert history.history["epoch_note"] == [2.0]
    assert "outputs" in seen["on_predict_batch_end"][0]


def test_version_is_a_function():
    assert callable(keras.version)
    assert keras.version() == keras.__version__
    assert isinstance(keras.__version__, str)
