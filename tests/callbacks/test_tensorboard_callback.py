"""TensorBoard: event files read back with TensorBoard's own EventAccumulator."""
import glob
import json
import os

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from cb_helpers import make_data, make_model  # noqa: E402

from fkeras.callbacks.callback import Callback, CallbackList  # noqa: E402
from fkeras.callbacks.tensorboard import TensorBoard  # noqa: E402


def load(run_dir):
    acc = event_accumulator.EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                                          "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_epoch_scalars_histograms_and_graph(tmp_path):
    x, y = make_data()
    model = make_model()
    tb = TensorBoard(log_dir=str(tmp_path), histogram_freq=2, write_images=True)
    h = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[tb])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = load(tmp_path / "train"), load(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    for name in ("loss", "accuracy"):
        steps, values = zip(*scalars(train, "epoch_" + name))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, h.history[name], rtol=1e-6)
        steps, values = zip(*scalars(val, "epoch_" + name))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, h.history["val_" + name], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars(train, "epoch_learning_rate")], [0.05] * 3, rtol=1e-6)
    # validation during fit: evaluation_<metric>_vs_iterations at the optimizer's step count (3 steps/epoch)
    assert [s for s, _ in scalars(val, "evaluation_loss_vs_iterations")] == [3, 6, 9]
    # histograms at epochs 0 and 2 (epoch % histogram_freq == 0), one per weight, Keras's bucket layout
    kernel = "sequential/dense/kernel/histogram"
    assert kernel in train.Tags()["histograms"] and len(train.Tags()["histograms"]) == 4
    assert [e.step for e in train.Histograms(kernel)] == [0, 2]
    hist = train.Histograms(kernel)[-1].histogram_value
    final_kernel = np.asarray(model.layers[0].kernel)
    assert hist.num == final_kernel.size
    np.testing.assert_allclose([hist.min, hist.max, hist.sum], [final_kernel.min(), final_kernel.max(),
                                                                 final_kernel.sum()], rtol=1e-5, atol=1e-6)
    assert "sequential/dense/kernel/image" in train.Tags()["images"]
    # write_graph: the model's JSON config under the 'keras' tag (TensorBoard's Keras graph plugin)
    assert "keras" in train.Tags()["tensors"]
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"


def test_batch_level_scalars_every_n_batches(tmp_path):
    x, y = make_data(n=40)
    model = make_model()
    tb = TensorBoard(log_dir=str(tmp_path), update_freq=3, write_graph=False, write_steps_per_second=True)
    seen = []
    spy = Callback()
    spy.on_train_batch_end = lambda batch, logs=None: seen.append(dict(logs))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[tb, spy])  # 5 batches/epoch
    train = load(tmp_path / "train")
    assert [s for s, _ in scalars(train, "batch_loss")] == [3, 6, 9]
    assert [s for s, _ in scalars(train, "batch_steps_per_second")] == [3, 6, 9]
    assert all(v > 0 for _, v in scalars(train, "epoch_steps_per_second"))
    # the logged batch values are the logs fit hands to the callbacks at those batches
    np.testing.assert_allclose([v for _, v in scalars(train, "batch_loss")],
                               [seen[i]["loss"] for i in (2, 5, 8)], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars(train, "batch_accuracy")],
                               [seen[i]["accuracy"] for i in (2, 5, 8)], rtol=1e-6)


def test_update_freq_batch_is_every_batch(tmp_path):
    x, y = make_data(n=16)
    model = make_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0,
              callbacks=[TensorBoard(log_dir=str(tmp_path), update_freq="batch", write_graph=False)])
    assert [s for s, _ in scalars(load(tmp_path / "train"), "batch_accuracy")] == [1, 2]


def test_no_batch_hooks_by_default(tmp_path):
    assert not CallbackList([TensorBoard(log_dir=str(tmp_path))]).needs_batch_hooks("train")
    assert CallbackList([TensorBoard(log_dir=str(tmp_path), update_freq=5)]).needs_batch_hooks("train")
    assert CallbackList([TensorBoard(log_dir=str(tmp_path), profile_batch=2)]).needs_batch_hooks("train")


def test_profile_batch_writes_a_jax_trace(tmp_path):
    x, y = make_data(n=32)
    model = make_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0,
              callbacks=[TensorBoard(log_dir=str(tmp_path), profile_batch=(2, 3), write_graph=False)])
    traces = glob.glob(str(tmp_path / "train" / "plugins" / "profile" / "*" / "*.xplane.pb"))
    assert len(traces) == 1 and os.path.getsize(traces[0]) > 0


def test_unwritable_log_dir_fails_at_train_begin(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    x, y = make_data()
    model = make_model()
    with pytest.raises(OSError, match="TensorBoard: cannot write to the directory"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(log_dir=str(blocker / "logs"))])
    assert model.optimizer.iterations == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(update_freq="step"), "update_freq"),
    (dict(update_freq=0), "update_freq"),
    (dict(profile_batch=(3, 1)), "profile_batch"),
    (dict(profile_batch=-1), "profile_batch"),
    (dict(profile_batch="a,b"), "profile_batch"),
    (dict(histogram_freq=-1), "histogram_freq"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        TensorBoard(log_dir=str(tmp_path), **kwargs)


def test_embeddings_projector_files(tmp_path):
    try:
        from fkeras.layers.embedding import Embedding
    except ImportError:
        pytest.skip("Embedding layer not available")
    import fkeras as keras
    from fkeras import layers

    model = keras.Sequential([keras.Input((3,), dtype="int32"), Embedding(6, 2, name="emb"), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("sgd", "mse")
    meta = tmp_path / "meta.tsv"
    meta.write_text("\n".join(f"w{i}" for i in range(6)) + "\n")
    x = np.random.default_rng(0).integers(0, 6, size=(8, 3)).astype("int32")
    model.fit(x, np.zeros(8, "float32"), epochs=1, verbose=0,
              callbacks=[TensorBoard(log_dir=str(tmp_path / "logs"), embeddings_freq=1,
                                     embeddings_metadata={"emb": str(meta)})])
    train = tmp_path / "logs" / "train"
    assert "emb" in (train / "projector_config.pbtxt").read_text()
    tensors = np.loadtxt(train / "00000" / "emb" / "tensors.tsv", delimiter="\t")
    np.testing.assert_allclose(tensors, np.asarray(model.get_layer("emb").embeddings), rtol=1e-5, atol=1e-6)
    assert (train / "00000" / "emb" / "metadata.tsv").read_text().split() == [f"w{i}" for i in range(6)]
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names"):
        model.fit(x, np.zeros(8, "float32"), epochs=1, verbose=0,
                  callbacks=[TensorBoard(log_dir=str(tmp_path / "l2"), embeddings_freq=1,
                                         embeddings_metadata={"nope": str(meta)})])
