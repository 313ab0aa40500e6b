"""ImageDataGenerator: iterators, vectorized transforms (checked against tf.keras's per-image scipy
algorithm), normalization, reproducibility and errors."""
import os

import numpy as np
import pytest
import scipy.ndimage as ndi

from fkeras.preprocessing.image import DirectoryIterator, ImageDataGenerator, NumpyArrayIterator, apply_affine_transform
from fkeras.utils.py_dataset import PyDataset


def reference_affine(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, fill_mode="nearest", cval=0.0, order=1):
    """tf.keras 2's apply_affine_transform for a channels-last image: one affine_transform per channel."""
    t, s = np.deg2rad(theta), np.deg2rad(shear)
    m = (np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
         @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
         @ np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
         @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    h, w = x.shape[:2]
    o = np.array([[1, 0, h / 2 - 0.5], [0, 1, w / 2 - 0.5], [0, 0, 1]])
    r = np.array([[1, 0, -(h / 2 - 0.5)], [0, 1, -(w / 2 - 0.5)], [0, 0, 1]])
    m = o @ m @ r
    chans = [ndi.affine_transform(x[..., c], m[:2, :2], m[:2, 2], order=order, mode=fill_mode, cval=cval)
             for c in range(x.shape[-1])]
    return np.stack(chans, axis=-1)


def marked(h=9, w=11, r=4, c=5):
    x = np.zeros((h, w, 1), np.float32)
    x[r, c] = 1
    return x


@pytest.mark.parametrize("n", [1, 3])
def test_shift_moves_marked_pixel_by_n(n):
    g = ImageDataGenerator(fill_mode="constant")
    out = g.apply_transform(marked(), {"tx": n})   # rows: content moves up by n
    assert np.argwhere(out[..., 0] == 1).tolist() == [[4 - n, 5]]
    out = g.apply_transform(marked(), {"ty": -n})  # columns: content moves right by n
    assert np.argwhere(out[..., 0] == 1).tolist() == [[4, 5 + n]]


def test_random_integer_shifts_in_flow_move_pixels_by_plus_or_minus_n():
    n = 2
    x = np.stack([marked()] * 16)
    g = ImageDataGenerator(width_shift_range=[n], fill_mode="constant")
    batch = g.flow(x, batch_size=16, shuffle=False, seed=3)[0]
    cols = [np.argwhere(img[..., 0] == 1).tolist() for img in batch]
    assert all(c in ([[4, 5 - n]], [[4, 5 + n]]) for c in cols)
    assert len({str(c) for c in cols}) == 2  # both directions occur
    g = ImageDataGenerator(height_shift_range=[n], fill_mode="constant")
    rows = [np.argwhere(img[..., 0] == 1).tolist() for img in g.flow(x, batch_size=16, seed=3)[0]]
    assert all(r in ([[4 - n, 5]], [[4 + n, 5]]) for r in rows)


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1, 3])
def test_transform_matches_per_image_reference(fill_mode, order):
    rng = np.random.default_rng(1)
    x = rng.random((13, 17, 3)).astype(np.float32)
    params = dict(theta=20, tx=1.5, ty=-2.2, shear=10, zx=0.9, zy=1.2)
    want = reference_affine(x, fill_mode=fill_mode, cval=0.5, order=order, **params)
    got = apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2, fill_mode=fill_mode, cval=0.5,
                                 order=order, **params)
    np.testing.assert_allclose(got, want, atol=1e-6)
    g = ImageDataGenerator(fill_mode=fill_mode, cval=0.5, interpolation_order=order)
    np.testing.assert_allclose(g.apply_transform(x, params), want, atol=1e-6)


def test_batched_random_augmentation_equals_per_image_reference():
    rng = np.random.default_rng(2)
    x = rng.random((6, 12, 14, 3)).astype(np.float32)
    g = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, height_shift_range=0.1, shear_range=15,
                           zoom_range=0.2, horizontal_flip=True, vertical_flip=True, fill_mode="reflect")
    p = g._random_params(6, x.shape[1:], np.random.default_rng(5))
    got = g._apply_batch(x, p)
    for i in range(6):
        want = reference_affine(x[i], p["theta"][i], p["tx"][i], p["ty"][i], p["shear"][i], p["zx"][i], p["zy"][i],
                                fill_mode="reflect")
        if p["flip_horizontal"][i]:
            want = want[:, ::-1]
        if p["flip_vertical"][i]:
            want = want[::-1]
        np.testing.assert_allclose(got[i], want, atol=1e-6)
    assert p["flip_horizontal"].any() or p["flip_vertical"].any()


def test_channels_first_transform():
    x = marked()
    g = ImageDataGenerator(data_format="channels_first", fill_mode="constant")
    out = g.apply_transform(np.transpose(x, (2, 0, 1)), {"tx": 2, "flip_horizontal": True})
    assert np.argwhere(out[0] == 1).tolist() == [[2, 10 - 5]]


def test_flips_channel_shift_and_brightness():
    rng = np.random.default_rng(3)
    x = rng.uniform(10, 200, (5, 6, 3)).astype(np.float32)
    g = ImageDataGenerator()
    np.testing.assert_array_equal(g.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    np.testing.assert_array_equal(g.apply_transform(x, {"flip_vertical": True}), x[::-1])
    np.testing.assert_allclose(g.apply_transform(x, {"channel_shift_intensity": 30.0}),
                               np.clip(x + 30, x.min(), x.max()), rtol=1e-6)
    np.testing.assert_allclose(g.apply_transform(x, {"brightness": 0.5}), x * 0.5, rtol=1e-6)
    np.testing.assert_allclose(g.apply_transform(x, {"brightness": 2.0}), np.clip(x * 2, 0, 255), rtol=1e-6)


def test_featurewise_and_samplewise_normalization():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 255, (20, 4, 5, 3)).astype(np.float32)
    g = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255)
    g.fit(x)
    xs = x / 255
    np.testing.assert_allclose(g.mean.reshape(-1), xs.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(g.std.reshape(-1), xs.std(axis=(0, 1, 2)), rtol=1e-4)
    out = g.flow(x, batch_size=20, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    s = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = s.flow(x, batch_size=20, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)


def test_zca_whitening_decorrelates():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(400, 4))
    x = (base @ np.array([[2, 1, 0, 0], [0, 1, 0, 0], [0, 0.5, 1, 0], [0, 0, 0, 3.0]])).reshape(400, 2, 2, 1)
    with pytest.warns(UserWarning, match="zca_whitening"):
        g = ImageDataGenerator(zca_whitening=True)
    g.fit(x)
    w = g.standardize(np.array(x, dtype=np.float32)).reshape(400, 4)
    np.testing.assert_allclose(np.cov(w.T, bias=True), np.eye(4), atol=1e-2)  # float32 SVD


def test_preprocessing_function_sees_single_images():
    shapes = []

    def fn(img):
        shapes.append(img.shape)
        return img + 1
    g = ImageDataGenerator(preprocessing_function=fn, rescale=2.0)
    x = np.zeros((3, 4, 4, 1), np.float32)
    out = g.flow(x, batch_size=3, shuffle=False)[0]
    assert shapes == [(4, 4, 1)] * 3
    np.testing.assert_array_equal(out, 2.0)  # preprocessing_function runs before rescale


def test_flow_shapes_labels_and_sample_weight(rng):
    x = rng.random((10, 4, 4, 3))
    y = np.arange(10)
    sw = np.linspace(0, 1, 10)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False, sample_weight=sw)
    assert isinstance(it, (NumpyArrayIterator, PyDataset)) and len(it) == 3
    bx, by, bw = it[2]
    assert bx.shape == (2, 4, 4, 3) and bx.dtype == np.float32
    np.testing.assert_array_equal(by, [8, 9])
    np.testing.assert_allclose(bx, x[8:].astype(np.float32))
    np.testing.assert_allclose(bw, sw[8:])
    # next() loops forever over the epochs, as in tf.keras
    batches = [next(it) for _ in range(4)]
    assert [len(b[0]) for b in batches] == [4, 4, 2, 4]


def test_flow_validation_split():
    x = np.zeros((10, 2, 2, 1))
    y = np.tile([0, 1], 5)
    g = ImageDataGenerator(validation_split=0.3)
    assert g.flow(x, y, subset="validation").n == 3
    assert g.flow(x, y, subset="training").n == 7
    with pytest.raises(ValueError, match="different number of classes"):
        g.flow(x, np.sort(y), subset="training")


def test_reproducible_under_seed_and_reshuffled_per_epoch(rng):
    x = rng.random((12, 6, 6, 3))
    y = np.arange(12)
    g = ImageDataGenerator(rotation_range=40, zoom_range=0.3, horizontal_flip=True)
    a, b, c = (g.flow(x, y, batch_size=5, seed=s) for s in (7, 7, 8))
    for i in range(len(a)):
        (xa, ya), (xb, yb) = a[i], b[i]
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(a[0][0], a[0][0])  # a batch is a pure function of (seed, epoch, index)
    assert not np.array_equal(a[0][1], c[0][1]) or not np.array_equal(a[0][0], c[0][0])
    first = np.concatenate([a[i][1] for i in range(len(a))])
    a.on_epoch_end()
    second = np.concatenate([a[i][1] for i in range(len(a))])
    assert sorted(first) == sorted(second) == list(range(12)) and not np.array_equal(first, second)


def test_flow_from_directory_classes_shapes_and_pixels(image_folder):
    root, arrays = image_folder
    it = ImageDataGenerator().flow_from_directory(root, target_size=(8, 10), batch_size=5, shuffle=False)
    assert isinstance(it, DirectoryIterator) and isinstance(it, PyDataset)
    assert it.class_indices == {"bird": 0, "cat": 1, "dog": 2}
    assert it.samples == 12 and len(it) == 3 and it.num_classes == 3
    assert it.classes.tolist() == [0] * 3 + [1] * 4 + [2] * 5
    assert it.filenames[0] == os.path.join("bird", "img_0.png")
    x, y = it[0]
    assert x.shape == (5, 8, 10, 3) and x.dtype == np.float32 and y.shape == (5, 3) and y.dtype == np.float32
    for i in range(5):
        rel = it.filenames[i].replace(os.sep, "/")
        np.testing.assert_array_equal(x[i], arrays[rel].astype(np.float32))
    np.testing.assert_array_equal(y.argmax(1), [0, 0, 0, 1, 1])
    assert it[2][0].shape == (2, 8, 10, 3)


@pytest.mark.parametrize("class_mode,check", [
    ("binary", lambda y: y.shape == (5,) and y.dtype == np.float32),
    ("sparse", lambda y: y.tolist() == [0, 0, 0, 1, 1]),
])
def test_flow_from_directory_class_modes(image_folder, class_mode, check):
    root, _ = image_folder
    it = ImageDataGenerator().flow_from_directory(root, target_size=(4, 4), batch_size=5, shuffle=False,
                                                  class_mode=class_mode)
    assert check(it[0][1])


def test_flow_from_directory_other_modes(image_folder):
    root, _ = image_folder
    g = ImageDataGenerator(rescale=1 / 255)
    x = g.flow_from_directory(root, target_size=(6, 6), class_mode=None, color_mode="grayscale", batch_size=4)[0]
    assert x.shape == (4, 6, 6, 1) and x.max() <= 1.0
    x, y = g.flow_from_directory(root, target_size=(6, 6), class_mode="input", batch_size=4)[0]
    np.testing.assert_array_equal(x, y)
    it = g.flow_from_directory(root, target_size=(6, 6), classes=["dog", "cat"], batch_size=4)
    assert it.class_indices == {"dog": 0, "cat": 1} and it.samples == 9


def test_flow_from_directory_subsets_and_augmented_reproducibility(image_folder):
    root, _ = image_folder
    g = ImageDataGenerator(validation_split=0.5, rotation_range=20, width_shift_range=0.2)
    tr = g.flow_from_directory(root, target_size=(8, 8), subset="training", seed=1, batch_size=3)
    va = g.flow_from_directory(root, target_size=(8, 8), subset="validation", seed=1, batch_size=3)
    assert tr.samples + va.samples == 12 and not set(tr.filenames) & set(va.filenames)
    tr2 = g.flow_from_directory(root, target_size=(8, 8), subset="training", seed=1, batch_size=3)
    for i in range(len(tr)):
        np.testing.assert_array_equal(tr[i][0], tr2[i][0])


def test_model_fit_consumes_directory_iterator(image_folder):
    import fkeras as keras

    root, _ = image_folder
    it = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True).flow_from_directory(
        root, target_size=(6, 6), batch_size=4, seed=0)
    model = keras.Sequential([keras.layers.Input((6, 6, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    hist = model.fit(it, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()


def test_bad_inputs(tmp_path, image_folder):
    root, _ = image_folder
    g = ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        g.flow_from_directory(tmp_path / "nope")
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match="empty.*no images"):
        g.flow_from_directory(root)
    (root / "empty").rmdir()
    (root / "bird" / "broken.png").write_bytes(b"this is not a png")
    it = g.flow_from_directory(root, target_size=(4, 4), batch_size=12, shuffle=False)
    with pytest.raises(ValueError, match="broken.png"):
        it[0]
    with pytest.raises(FileNotFoundError, match="zebra"):
        g.flow_from_directory(root, classes=["zebra"])
    with pytest.raises(ValueError, match="no class sub-folders"):
        g.flow_from_directory(root / "cat")
    with pytest.raises(ValueError, match="color mode"):
        g.flow_from_directory(root, color_mode="cmyk")
    with pytest.raises(ValueError, match="class_mode"):
        g.flow_from_directory(root, class_mode="onehot")
    with pytest.raises(ValueError, match="Did you mean 'nearest'"):
        ImageDataGenerator(fill_mode="neareast")
    with pytest.raises(ValueError, match="rank 4"):
        g.flow(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="same length"):
        g.flow(np.zeros((3, 4, 4, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size"):
        g.flow(np.zeros((3, 4, 4, 1)), batch_size=0)
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(0.5, 1, 2))
