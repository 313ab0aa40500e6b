"""MixUp, CutMix, MaxNumBoundingBoxes and Pipeline: numpy references on fixed transformations, label
mixing, configs, use inside fit, and parity with Keras 3 where deterministic."""
import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras.layers.preprocessing import geometric as geo, mixing

RNG = np.random.default_rng(1)
IMG = RNG.uniform(0, 255, size=(6, 7, 6, 2)).astype("float32")
LABELS = np.eye(6, 3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
KEY = jax.random.PRNGKey(5)
_TRAIN_FNS = {}


def _train(layer, x, key, jit=True):
    """A training-mode forward pass with an explicit key (one compiled function per layer)."""
    if (id(layer), jit) not in _TRAIN_FNS:
        f = lambda a, k: layer.apply({}, a, training=True, rng=k)[0]  # noqa: E731
        _TRAIN_FNS[(id(layer), jit)] = (jax.jit(f) if jit else f, layer)
    return jax.tree_util.tree_map(np.asarray, _TRAIN_FNS[(id(layer), jit)][0](x, key))


def test_mixup_blends_images_labels_masks_and_appends_boxes():
    layer = mixing.MixUp(alpha=0.5)
    masks = RNG.integers(0, 2, (6, 7, 6, 1)).astype("int32")
    boxes = {"boxes": RNG.uniform(0, 5, (6, 2, 4)).astype("float32"), "labels": RNG.integers(0, 3, (6, 2))}
    onehot = np.eye(6, dtype="float32")  # distinct classes: the mix can be read back from the labels
    data = {"images": IMG, "labels": onehot, "segmentation_masks": masks, "bounding_boxes": boxes}
    out = _train(layer, data, KEY)
    labels = out["labels"].astype(np.float64)
    np.testing.assert_allclose(labels.sum(-1), 1.0, rtol=1e-6)
    w = np.diag(labels).copy()
    perm = np.array([i if w[i] > 1 - 1e-6 else int(np.argmax(np.where(np.arange(6) == i, -1, labels[i])))
                     for i in range(6)])
    assert (np.count_nonzero(labels > 1e-6, axis=1) <= 2).all()
    wi = w[:, None, None, None]
    np.testing.assert_allclose(out["images"], wi * IMG + (1 - wi) * IMG[perm], rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(out["segmentation_masks"], wi * masks + (1 - wi) * masks[perm], atol=1e-5)
    moved = np.array([not np.array_equal(out["bounding_boxes"]["boxes"][i, 2:], boxes["boxes"][i]) for i in range(6)])
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"][:, :2], boxes["boxes"])
    assert out["bounding_boxes"]["boxes"].shape == (6, 4, 4) and out["bounding_boxes"]["labels"].shape == (6, 4)
    assert moved.any(), "partners' boxes are appended"
    # the transformation API on a fixed transformation
    t = {"mix_weight": np.linspace(0, 1, 6).astype("float32"), "permutation_order": np.array([1, 2, 3, 4, 5, 0])}
    wt, pt = t["mix_weight"][:, None], t["permutation_order"]
    np.testing.assert_allclose(np.asarray(layer.transform_labels(LABELS, t)), wt * LABELS + (1 - wt) * LABELS[pt],
                               atol=1e-6)
    mixed = layer.transform_bounding_boxes(boxes, t)
    np.testing.assert_array_equal(np.asarray(mixed["labels"]),
                                  np.concatenate([boxes["labels"], boxes["labels"][pt]], 1))
    inference = layer(data, training=False)
    np.testing.assert_array_equal(np.asarray(inference["labels"]), onehot)
    np.testing.assert_array_equal(np.asarray(inference["images"]), IMG)


def test_cutmix_exact_window_and_area_weighted_labels():
    layer = mixing.CutMix(factor=(0.5, 1.0))
    t = layer.get_random_transformation(IMG, KEY)
    perm = np.asarray(t["permutation_order"])
    box = np.asarray(t["cut_box"], np.float64)
    yy, xx = np.meshgrid(np.arange(7), np.arange(6), indexing="ij")
    out = np.asarray(layer.transform_images(IMG, t))
    labels = np.asarray(layer.transform_labels(LABELS, t))
    for i in range(6):
        x0, y0, x1, y1 = box[i]
        assert 0 <= x0 <= x1 <= 6 + 1e-5 and 0 <= y0 <= y1 <= 7 + 1e-5
        np.testing.assert_allclose((x1 - x0) / 6, (y1 - y0) / 7, rtol=1e-5)  # one ratio for both sides
        mask = (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
        np.testing.assert_array_equal(out[i], np.where(mask[..., None], IMG[perm[i]], IMG[i]))
        w = 1 - (x1 - x0) * (y1 - y0) / 42
        np.testing.assert_allclose(labels[i], w * LABELS[i] + (1 - w) * LABELS[perm[i]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(labels.sum(-1), 1.0, rtol=1e-6)
    assert (box[:, 2] - box[:, 0]).max() > 0, "some window is pasted"
    masks = RNG.integers(0, 4, (6, 7, 6, 1)).astype("int32")
    data = {"images": IMG, "labels": LABELS, "segmentation_masks": masks}
    res = _train(layer, data, KEY)
    assert res["segmentation_masks"].dtype == np.int32
    assert set(np.unique(res["segmentation_masks"])) <= set(np.unique(masks))
    np.testing.assert_allclose(res["labels"].sum(-1), 1.0, rtol=1e-6)
    cf = np.transpose(IMG, (0, 3, 1, 2))
    out_cf = mixing.CutMix(factor=(0.5, 1.0), data_format="channels_first").transform_images(
        cf, {**t, "batch_masks": np.transpose(np.asarray(t["batch_masks"]), (0, 3, 1, 2))})
    np.testing.assert_array_equal(np.transpose(np.asarray(out_cf), (0, 2, 3, 1)), out)
    single = layer({"images": IMG[0], "labels": LABELS[0]})  # one image: nothing to mix with
    np.testing.assert_array_equal(np.asarray(single["images"]), IMG[0])
    np.testing.assert_array_equal(np.asarray(layer(IMG, training=False)), IMG)


def test_max_num_bounding_boxes_pads_and_truncates():
    boxes = RNG.uniform(0, 5, (2, 3, 4)).astype("float32")
    labels = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    data = {"images": IMG[:2], "bounding_boxes": {"boxes": boxes, "labels": labels}}
    out = mixing.MaxNumBoundingBoxes(5, fill_value=-2)(data)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"]),
                                  np.concatenate([boxes, np.full((2, 2, 4), -2.0)], 1))
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), [[1, 2, 3, -2, -2], [4, 5, 6, -2, -2]])
    assert out["images"] is data["images"] or np.array_equal(np.asarray(out["images"]), IMG[:2])
    layer = mixing.MaxNumBoundingBoxes(2)
    out = jax.jit(lambda d: layer.apply({}, d, training=False)[0])(data)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"]), boxes[:, :2])
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), labels[:, :2])
    one = layer({"images": IMG[0], "bounding_boxes": {"boxes": boxes[0].tolist(), "labels": [1, 2, 3]}})
    assert one["bounding_boxes"]["boxes"].shape == (2, 4) and one["bounding_boxes"]["labels"].tolist() == [1, 2]
    shape = layer.compute_output_shape({"images": (None, 7, 6, 2),
                                        "bounding_boxes": {"boxes": (None, 9, 4), "labels": (None, 9)}})
    assert shape["bounding_boxes"] == {"boxes": (None, 2, 4), "labels": (None, 2)}
    config = layer.get_config()
    assert mixing.MaxNumBoundingBoxes.from_config(config).get_config() == config


def test_pipeline_chains_layers_passes_training_and_serializes():
    flip = keras.layers.RandomFlip("horizontal")
    shear = geo.RandomShear(0.3)
    pipe = mixing.Pipeline([flip, shear], name="augment")
    assert pipe.layers == [flip, shear]
    x = IMG[:4]
    np.testing.assert_array_equal(np.asarray(pipe(x, training=False)), x)
    out = _train(pipe, x, KEY)
    assert out.shape == x.shape and not np.array_equal(out, x)
    np.testing.assert_array_equal(_train(pipe, x, KEY), out)
    config = pipe.get_config()
    assert set(config) == {"layers", "name"} and config["name"] == "augment"
    again = mixing.Pipeline.from_config(config)
    assert [type(layer) for layer in again.layers] == [type(flip), geo.RandomShear]
    assert again.get_config() == config
    restored = keras.layers.deserialize(keras.layers.serialize(pipe))
    assert isinstance(restored, mixing.Pipeline) and restored.get_config() == config
    assert pipe(keras.Input((7, 6, 2))).shape == (None, 7, 6, 2)


def test_layers_inside_sequential_fit_one_step():
    x = RNG.uniform(0, 1, size=(8, 8, 8, 1)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        mixing.Pipeline([geo.RandomShear(0.2, 0.2), geo.RandomErasing(value_range=(0, 1))]),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    before = [np.array(w) for w in model.get_weights()]
    hist = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    v = model.get_variables()
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)),
                               x.reshape(8, -1) @ np.asarray(v["dense"]["kernel"]) + np.asarray(v["dense"]["bias"]),
                               rtol=1e-4, atol=1e-5)


def test_configs_and_bad_arguments():
    for layer in (mixing.MixUp(alpha=0.4, seed=3), mixing.CutMix((0.2, 0.6), bounding_box_format="xyxy")):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    with pytest.raises(ValueError, match="alpha"):
        mixing.MixUp(alpha=0.0)
    with pytest.raises(ValueError, match="factor"):
        mixing.CutMix(factor=(0.1, 2.0))
    with pytest.raises(ValueError, match="max_number"):
        mixing.MaxNumBoundingBoxes(0)
    with pytest.raises(TypeError, match="layers"):
        mixing.Pipeline("not a list")
    boxes = {"boxes": np.zeros((6, 1, 4), "float32"), "labels": np.zeros((6, 1), "int32")}
    with pytest.raises(ValueError, match="does not support bounding boxes"):
        mixing.CutMix()({"images": IMG, "bounding_boxes": boxes})
    with pytest.raises(ValueError, match="'images'"):
        mixing.MixUp()({"labels": LABELS})


def test_parity_with_keras_on_fixed_transformations():
    keras3 = pytest.importorskip("keras")
    if keras3.backend.backend() != "jax":
        pytest.skip("Keras parity runs on Keras's JAX backend")
    # fixed transformations (the draws themselves differ: Keras has its own generator)
    perm = np.array([3, 0, 5, 1, 2, 4])
    x0 = np.array([0.0, 1.5, 2.0, 0.0, 4.2, 1.0], "float32")
    y0 = np.array([0.0, 2.5, 1.0, 3.0, 0.7, 6.0], "float32")
    window = geo._box_mask(IMG.shape, "channels_last", x0, x0 + 2.5, y0, y0 + 3.0)
    mix_t = {"mix_weight": np.linspace(0.0, 1.0, 6).astype("float32"), "permutation_order": perm}
    cut_t = {"permutation_order": perm, "batch_masks": window,
             "mix_weight": np.full((6,), 1 - 7.5 / 42, "float32")}
    for ours, theirs, t in [(mixing.MixUp(alpha=0.3), keras3.layers.MixUp(alpha=0.3), mix_t),
                            (mixing.CutMix(factor=0.8), keras3.layers.CutMix(factor=0.8), cut_t)]:
        np.testing.assert_allclose(np.asarray(ours.transform_images(IMG, t)),
                                   np.asarray(theirs.transform_images(IMG, dict(t))), rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(np.asarray(ours.transform_labels(LABELS, t)),
                                   np.asarray(theirs.transform_labels(LABELS, dict(t))), rtol=1e-6)
        assert set(ours.get_config()) == set(theirs.get_config())
    data = {"images": IMG[:2], "bounding_boxes": {"boxes": RNG.uniform(0, 5, (2, 3, 4)).astype("float32"),
                                                  "labels": np.array([[1, 2, 3], [4, 5, 6]], "int32")}}
    for n in (2, 5):
        ours = mixing.MaxNumBoundingBoxes(n)(data)["bounding_boxes"]
        theirs = keras3.layers.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")(
            {"images": data["images"], "bounding_boxes": dict(data["bounding_boxes"])})["bounding_boxes"]
        for k in ("boxes", "labels"):
            np.testing.assert_array_equal(np.asarray(ours[k]), np.asarray(theirs[k]))
    assert set(keras3.layers.MaxNumBoundingBoxes(3).get_config()) <= set(mixing.MaxNumBoundingBoxes(3).get_config())
    pipe = keras3.layers.Pipeline([keras3.layers.RandomFlip()])
    assert set(mixing.Pipeline([keras.layers.RandomFlip()]).get_config()) == set(pipe.get_config())
