"""RandomShear, RandomPerspective, RandomElasticTransform, RandomErasing and the bounding-box helpers,
against numpy/scipy references on fixed transformations, and against Keras 3 where deterministic."""
import jax
import numpy as np
import pytest
import scipy.ndimage

from fkeras.layers.input_layer import Input
from fkeras.layers.preprocessing import bounding_boxes as bb, geometric as geo

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 255, size=(3, 7, 6, 2)).astype("float32")
SCIPY_MODE = {"reflect": "reflect", "wrap": "grid-wrap", "constant": "grid-constant", "nearest": "nearest",
              "mirror": "mirror"}
KEY = jax.random.PRNGKey(3)


_TRAIN_FNS = {}


def _train(layer, x, key, jit=True):
    """A training-mode forward pass with an explicit key (one compiled function per layer)."""
    if (id(layer), jit) not in _TRAIN_FNS:
        f = lambda a, k: layer.apply({}, a, training=True, rng=k)[0]  # noqa: E731
        _TRAIN_FNS[(id(layer), jit)] = (jax.jit(f) if jit else f, layer)
    return jax.tree_util.tree_map(np.asarray, _TRAIN_FNS[(id(layer), jit)][0](x, key))


def _sample(img, x_in, y_in, order, mode, cval=0.0):
    """scipy's sampler of one HWC image at per-pixel input coordinates."""
    return np.stack([scipy.ndimage.map_coordinates(img[..., c].astype(np.float64), [y_in, x_in], order=order,
                                                   mode=SCIPY_MODE[mode], cval=cval)
                     for c in range(img.shape[-1])], -1)


def _grid(h, w):
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    return xx, yy


def _homography_np(src, dst):
    """Coefficients [a0..c1] of the projective map sending each ``dst`` point to its ``src`` point."""
    rows, rhs = [], []
    for (sx, sy), (ex, ey) in zip(src, dst, strict=True):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        rhs += [sx, sy]
    return np.linalg.solve(np.array(rows, np.float64), np.array(rhs, np.float64))


LAYERS = [  # (layer, whether to also compare the un-jitted call; it runs the same compiled step)
    (lambda: geo.RandomShear(0.3, 0.2, seed=2), True),
    (lambda: geo.RandomPerspective(scale=0.5), False),
    (lambda: geo.RandomElasticTransform(scale=(0.5, 1.0), fill_mode="nearest"), False),
    (lambda: geo.RandomErasing(scale=(0.1, 0.3)), True),
]


@pytest.mark.parametrize("make,eager", LAYERS)
def test_training_draws_inference_identity_and_config(make, eager):
    layer = make()
    x = np.repeat(IMG[:1], 6, axis=0)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(np.asarray(layer.apply({}, x, training=False)[0]), x)
    a = _train(layer, x, KEY)
    if eager:
        np.testing.assert_allclose(_train(layer, x, KEY, jit=False), a, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(_train(layer, x, KEY), a)
    assert not np.array_equal(a, _train(layer, x, jax.random.PRNGKey(9)))
    assert not all(np.array_equal(a[0], a[i]) for i in range(1, 6)), "one draw per image"
    assert layer(Input(x.shape[1:])).shape == (None,) + x.shape[1:]
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("fill_mode,interpolation", [("reflect", "bilinear"), ("wrap", "bilinear"),
                                                     ("constant", "bilinear"), ("nearest", "nearest")])
def test_shear_matches_scipy(fill_mode, interpolation):
    layer = geo.RandomShear((0.1, 0.5), (-0.4, 0.3), fill_mode=fill_mode, interpolation=interpolation,
                            fill_value=7.0)
    t = layer.get_random_transformation(IMG, KEY)
    sf = np.asarray(t["shear_factor"], np.float64)
    assert (np.abs(sf[:, 0]) >= 0.1 - 1e-6).all() and (np.abs(sf[:, 0]) <= 0.5 + 1e-6).all()
    out = np.asarray(jax.jit(layer.transform_images)(IMG, t))
    xx, yy = _grid(7, 6)
    order = 1 if interpolation == "bilinear" else 0
    for i in range(3):
        ref = _sample(IMG[i], xx + sf[i, 0] * yy, sf[i, 1] * xx + yy, order, fill_mode, 7.0)
        np.testing.assert_allclose(out[i], ref, atol=1e-2 if order else 1e-4)
    cf = np.transpose(IMG, (0, 3, 1, 2))
    out_cf = geo.RandomShear((0.1, 0.5), (-0.4, 0.3), fill_mode=fill_mode, interpolation=interpolation,
                             fill_value=7.0, data_format="channels_first").transform_images(cf, t)
    np.testing.assert_allclose(np.transpose(np.asarray(out_cf), (0, 2, 3, 1)), out, atol=1e-4)


def test_shear_single_axis_moves_rows_by_whole_pixels():
    x = np.arange(5 * 5, dtype="float32").reshape(1, 5, 5, 1)
    layer = geo.RandomShear(x_factor=(1.0, 1.0), fill_mode="constant", interpolation="nearest")
    t = {"shear_factor": np.array([[1.0, 0.0]], "float32"), "input_shape": x.shape}
    out = np.asarray(layer.transform_images(x, t))[0, :, :, 0]
    for row in range(5):  # output row y reads input columns shifted by y
        expected = np.concatenate([x[0, row, row:, 0], np.zeros(row)])
        np.testing.assert_array_equal(out[row], expected)


def test_perspective_matches_numpy_homography(interpolation="bilinear"):
    layer = geo.RandomPerspective(factor=(0.5, 1.0), scale=0.6, interpolation=interpolation, fill_value=4.0)
    x = np.repeat(IMG, 4, axis=0)
    t = jax.jit(layer.get_random_transformation)(x, KEY)
    apply = np.asarray(t["apply_perspective"])
    assert apply.any() and not apply.all()
    start = np.asarray(t["start_points"], np.float64)
    np.testing.assert_array_equal(start[0], [[0, 0], [5, 0], [0, 6], [5, 6]])
    move = np.asarray(t["end_points"], np.float64) / np.where(start == 0, 1, start) - 1
    assert (np.abs(move[start != 0]) <= 0.3 + 1e-5).all()
    out = np.asarray(layer.transform_images(x, t))
    xx, yy = _grid(7, 6)
    order = 1 if interpolation == "bilinear" else 0
    for i in range(len(x)):
        if not apply[i]:
            np.testing.assert_array_equal(out[i], x[i])
            continue
        a = _homography_np(start[i], np.asarray(t["end_points"][i], np.float64))
        k = a[6] * xx + a[7] * yy + 1
        ref = _sample(x[i], (a[0] * xx + a[1] * yy + a[2]) / k, (a[3] * xx + a[4] * yy + a[5]) / k, order,
                      "constant", 4.0)
        np.testing.assert_allclose(out[i], ref, atol=2e-2 if order else 1e-3)


def test_elastic_matches_scipy_reference():
    layer = geo.RandomElasticTransform(factor=1.0, scale=(0.8, 1.0), fill_mode="reflect", value_range=(10, 240))
    x = RNG.uniform(0, 255, size=(2, 12, 10, 2)).astype("float32")
    t = layer.get_random_transformation(x, KEY)
    out = np.asarray(jax.jit(layer.transform_images)(x, t))
    d = float(t["distortion_factor"])
    assert 0.8 <= d <= 1.0
    alpha, sigma = 12 * 0.1 * d, 10 * 0.05 * d
    # the displacement: N(0, 1) noise for x then y (keys from split), times sigma, blurred by a
    # Gaussian truncated to int(6 sigma) | 1 taps with zero padding, times alpha
    k_x, k_y = jax.random.split(t["seed"])
    taps = int(6 * sigma) | 1
    g = np.exp(-0.5 * ((np.arange(taps) - (taps - 1) / 2) / sigma) ** 2)
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    xx, yy = _grid(12, 10)
    for i in range(2):
        noise = [np.asarray(jax.random.normal(k, (2, 12, 10)), np.float64)[i] * sigma for k in (k_x, k_y)]
        dx, dy = (scipy.ndimage.correlate(n, kernel, mode="constant") * alpha for n in noise)
        ref = np.clip(_sample(x[i], xx + dx, yy + dy, 1, "reflect"), 10, 240)
        np.testing.assert_allclose(out[i], ref, atol=1e-2)
    never = geo.RandomElasticTransform(factor=0.0)
    assert never.get_random_transformation(x, KEY) is None
    np.testing.assert_array_equal(_train(never, x, KEY), x)


def test_erasing_exact_mask_and_fill():
    layer = geo.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.4), fill_value=[3.0, 300.0], value_range=(0, 255))
    x = np.repeat(IMG, 3, axis=0)
    t = layer.get_random_transformation(x, KEY)
    assert np.asarray(t["apply_erasing"]).all()
    out = np.asarray(jax.jit(layer.transform_images)(x, t))
    box = np.asarray(t["erase_box"], np.float64)
    xx, yy = _grid(7, 6)
    for i in range(len(x)):
        x0, y0, x1, y1 = box[i]
        assert 0 <= x0 and x1 <= 6 + 1e-5 and 0 <= y0 and y1 <= 7 + 1e-5
        assert np.sqrt(0.1) - 1e-5 <= (x1 - x0) / 6 <= np.sqrt(0.4) + 1e-5
        assert np.sqrt(0.1) - 1e-5 <= (y1 - y0) / 7 <= np.sqrt(0.4) + 1e-5
        mask = (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
        np.testing.assert_array_equal(np.asarray(t["batch_masks"][i]), np.repeat(mask[..., None], 2, -1))
        ref = np.where(mask[..., None], np.array([3.0, 255.0]), x[i])  # fill clipped to value_range
        np.testing.assert_array_equal(out[i], ref.astype("float32"))
    noisy = geo.RandomErasing(factor=(1.0, 1.0), scale=(0.3, 0.3), value_range=(0, 255))
    t = noisy.get_random_transformation(x, KEY)
    fill = np.asarray(t["fill_value"])
    assert fill.min() >= 0 and fill.max() <= 255 and len(np.unique(fill)) > 10  # clipped N(0, 1) * 255
    out = np.asarray(noisy.transform_images(x, t))
    np.testing.assert_array_equal(out, np.where(np.asarray(t["batch_masks"]), fill, x))
    never = geo.RandomErasing(factor=0.0)
    assert not np.asarray(never.get_random_transformation(x, KEY)["apply_erasing"]).any()


def test_channels_first_draws_the_same_transformation():
    cf = np.transpose(IMG, (0, 3, 1, 2))
    for make in (lambda df: geo.RandomErasing(factor=(1.0, 1.0), fill_value=1.0, data_format=df),
                 lambda df: geo.RandomPerspective(scale=0.4, data_format=df)):
        cl_layer, cf_layer = make("channels_last"), make("channels_first")
        t = cl_layer.get_random_transformation(IMG, KEY)
        t_cf = cf_layer.get_random_transformation(cf, KEY)
        a = np.asarray(cl_layer.transform_images(IMG, t))
        b = np.asarray(cf_layer.transform_images(cf, t_cf))
        np.testing.assert_allclose(np.transpose(b, (0, 2, 3, 1)), a, atol=1e-3)
        assert not np.array_equal(a, IMG)


def test_dict_inputs_boxes_masks_and_labels():
    layer = geo.RandomShear(0.5, 0.5, fill_mode="constant", bounding_box_format="xyxy")
    x = RNG.uniform(0, 255, size=(2, 10, 8, 1)).astype("float32")
    boxes = np.array([[[1, 2, 4, 6], [7.5, 9, 8, 10]], [[0, 0, 8, 10], [2, 3, 3, 4]]], "float32")
    data = {"images": x, "labels": np.eye(2, dtype="float32"), "extra": "kept",
            "bounding_boxes": {"boxes": boxes, "labels": np.array([[1, 2], [3, 4]], "int32")},
            "segmentation_masks": RNG.integers(0, 3, size=(2, 10, 8, 1)).astype("int32")}
    out = _train(layer, {k: v for k, v in data.items() if k != "extra"}, KEY)
    images_only = _train(layer, x, KEY)  # the same key draws the same transformation
    np.testing.assert_array_equal(out["labels"], data["labels"])
    np.testing.assert_array_equal(out["images"], images_only)
    assert out["segmentation_masks"].dtype == np.int32
    assert set(np.unique(out["segmentation_masks"])) <= {0, 1, 2}
    assert out["bounding_boxes"]["boxes"].shape == boxes.shape
    # boxes: the corners mapped by the inverse of the sampling matrix, enclosing box, clipped
    sf = np.asarray(layer.get_random_transformation(x, KEY)["shear_factor"], np.float64)
    got = layer.transform_bounding_boxes(dict(data["bounding_boxes"]), {"shear_factor": sf, "input_shape": x.shape})
    for i in range(2):
        inv = np.linalg.inv(np.array([[1, sf[i, 0]], [sf[i, 1], 1]], np.float64))
        for j in range(2):
            x1, y1, x2, y2 = boxes[i, j]
            pts = inv @ np.array([[x1, x2, x1, x2], [y1, y1, y2, y2]], np.float64)
            ref = np.array([pts[0].min(), pts[1].min(), pts[0].max(), pts[1].max()])
            ref = np.clip(ref, 0, [8, 10, 8, 10])
            np.testing.assert_allclose(np.asarray(got["boxes"][i, j]), ref, atol=1e-4)
            area = (ref[2] - ref[0]) * (ref[3] - ref[1])
            assert int(got["labels"][i, j]) == (data["bounding_boxes"]["labels"][i, j] if area > 0 else -1)
    eager = layer(data, training=False)
    assert eager["extra"] == "kept"
    np.testing.assert_array_equal(np.asarray(eager["bounding_boxes"]["boxes"]), boxes)
    single = layer({"images": x[0], "bounding_boxes": {"boxes": boxes[0], "labels": np.array([1, 2])}})
    assert single["images"].shape == x.shape[1:] and single["bounding_boxes"]["boxes"].shape == (2, 4)


def test_perspective_boxes_follow_the_warp_in_any_format():
    layer = geo.RandomPerspective(factor=1.0, scale=0.5, bounding_box_format="center_xywh")
    x = np.zeros((2, 10, 12, 1), "float32")
    xyxy = np.array([[[2, 2, 5, 6]], [[6, 4, 11, 9]]], "float32")
    t = layer.get_random_transformation(x, KEY)
    got = layer.transform_bounding_boxes({"boxes": bb.convert_format(xyxy, "xyxy", "center_xywh"),
                                          "labels": np.ones((2, 1), "int32")}, t)
    got = np.asarray(bb.convert_format(got["boxes"], "center_xywh", "xyxy"))
    for i in range(2):
        fwd = _homography_np(np.asarray(t["end_points"][i]), np.asarray(t["start_points"][i]))  # start -> end
        x1, y1, x2, y2 = xyxy[i, 0]
        cx, cy = np.array([x1, x2, x1, x2], np.float64), np.array([y1, y1, y2, y2], np.float64)
        k = fwd[6] * cx + fwd[7] * cy + 1
        nx, ny = (fwd[0] * cx + fwd[1] * cy + fwd[2]) / k, (fwd[3] * cx + fwd[4] * cy + fwd[5]) / k
        ref = np.clip([nx.min(), ny.min(), nx.max(), ny.max()], 0, [12, 10, 12, 10])
        np.testing.assert_allclose(got[i, 0], ref, atol=1e-3)


def test_convert_format_round_trips_and_clip():
    boxes = np.array([[[2.0, 3.0, 10.0, 7.0]], [[0.0, 1.0, 4.0, 9.0]]], "float32")
    for fmt in bb.SUPPORTED_FORMATS:
        there = bb.convert_format(boxes, "xyxy", fmt, height=10, width=20)
        np.testing.assert_allclose(np.asarray(bb.convert_format(there, fmt, "xyxy", height=10, width=20)), boxes,
                                   atol=1e-5)
    np.testing.assert_allclose(np.asarray(bb.convert_format(boxes[0], "xyxy", "center_yxhw")), [[5, 6, 4, 8]])
    np.testing.assert_allclose(np.asarray(bb.convert_format(boxes[0], "XYXY", "rel_xywh", 10, 20)),
                               [[0.1, 0.3, 0.4, 0.4]], rtol=1e-6)
    clipped = bb.clip_to_image_size({"boxes": np.array([[-2.0, 1, 30, 4], [25, 1, 30, 4]]),
                                     "labels": np.array([3, 4])}, height=10, width=20)
    np.testing.assert_array_equal(np.asarray(clipped["boxes"]), [[0, 1, 20, 4], [20, 1, 20, 4]])
    np.testing.assert_array_equal(np.asarray(clipped["labels"]), [3, -1])
    with pytest.raises(ValueError, match="height"):
        bb.convert_format(boxes, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="bounding_box_format"):
        bb.convert_format(boxes, "xyxy", "xxyy")


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="x_factor"):
        geo.RandomShear(x_factor=1.5)
    with pytest.raises(ValueError, match="fill_mode"):
        geo.RandomShear(0.1, fill_mode="reflct")
    with pytest.raises(ValueError, match="interpolation"):
        geo.RandomShear(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="scale"):
        geo.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="factor"):
        geo.RandomPerspective(factor=-0.5)
    with pytest.raises(ValueError, match="value_range"):
        geo.RandomElasticTransform(value_range=255)
    with pytest.raises(ValueError, match="scale"):
        geo.RandomErasing(scale=(0.1, 2.0))
    with pytest.raises(ValueError, match="fill_value"):
        geo.RandomErasing(fill_value="black")
    with pytest.raises(ValueError, match="bounding_box_format"):
        geo.RandomShear(0.1, bounding_box_format="xxyy")
    boxes = {"boxes": np.zeros((2, 1, 4), "float32"), "labels": np.zeros((2, 1), "int32")}
    with pytest.raises(ValueError, match="bounding box format"):
        geo.RandomShear(0.1)({"images": IMG[:2], "bounding_boxes": boxes})
    with pytest.raises(ValueError, match="does not support bounding boxes"):
        geo.RandomElasticTransform()({"images": IMG[:2], "bounding_boxes": boxes})
    with pytest.raises(ValueError, match="labels"):
        geo.RandomShear(0.1, bounding_box_format="xyxy")(
            {"images": IMG[:2], "bounding_boxes": {"boxes": boxes["boxes"], "labels": np.zeros((2, 3))}})
    with pytest.raises(ValueError, match="rank 3"):
        geo.RandomShear(0.1)(np.zeros((2, 3, 4, 5, 1), "float32"))
    with pytest.raises(ValueError, match="channels"):
        geo.RandomErasing(fill_value=[1.0, 2.0, 3.0])(IMG)


def test_parity_with_keras_on_fixed_transformations():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras parity runs on Keras's JAX backend")
    x = RNG.uniform(0, 255, size=(3, 8, 8, 2)).astype("float32")
    boxes = {"boxes": np.array([[[1, 2, 5, 6], [0, 0, 7, 7]]] * 3, "float32"), "labels": np.array([[1, 2]] * 3)}
    cases = [
        (geo.RandomShear(0.4, 0.3, fill_mode="wrap", fill_value=3.0),
         keras.layers.RandomShear(0.4, 0.3, fill_mode="wrap", fill_value=3.0)),
        (geo.RandomErasing(scale=(0.1, 0.5)), keras.layers.RandomErasing(scale=(0.1, 0.5))),
    ]
    for ours, theirs in cases:
        t = ours.get_random_transformation(x, KEY)
        np.testing.assert_allclose(np.asarray(ours.transform_images(x, t)),
                                   np.asarray(theirs.transform_images(x, dict(t))), atol=1e-3)
        assert set(ours.get_config()) == set(theirs.get_config()), type(ours).__name__
    ours = geo.RandomElasticTransform(scale=0.5, value_range=(0, 1))
    theirs = keras.layers.RandomElasticTransform(scale=0.5, value_range=(0, 1))
    assert ours.get_config()["scale"] == tuple(theirs.get_config()["scale"])
    assert set(ours.get_config()) == set(theirs.get_config())
    # boxes: a shear along x of a square image (where Keras's approximation is exact) and a perspective
    for ours, theirs in [(geo.RandomShear(0.4, 0.0, bounding_box_format="xyxy"),
                          keras.layers.RandomShear(0.4, 0.0, bounding_box_format="xyxy")),
                         (geo.RandomPerspective(scale=0.6, bounding_box_format="xyxy"),
                          keras.layers.RandomPerspective(scale=0.6, bounding_box_format="xyxy"))]:
        t = ours.get_random_transformation(x, KEY)
        a = ours.transform_bounding_boxes(dict(boxes), t)
        b = theirs.transform_bounding_boxes({k: np.array(v) for k, v in boxes.items()}, dict(t))
        np.testing.assert_allclose(np.asarray(a["boxes"]), np.asarray(b["boxes"]), atol=1e-4)
        np.testing.assert_array_equal(np.asarray(a["labels"]), np.asarray(b["labels"]))
    for fmt in bb.SUPPORTED_FORMATS:
        np.testing.assert_allclose(
            np.asarray(bb.convert_format(boxes["boxes"], "xyxy", fmt, 8, 10)),
            np.asarray(keras.utils.bounding_boxes.convert_format(boxes["boxes"], "xyxy", fmt, 8, 10)), atol=1e-6)
