import os

import numpy as np
import pytest

from fkeras.utils.dataset_utils import image_dataset_from_directory, text_dataset_from_directory
from fkeras.utils.py_dataset import PyDataset


def _rel(path, root):
    return os.path.relpath(path, root).replace(os.sep, "/")


def test_image_dataset_classes_shapes_dtypes_and_pixels(image_folder):
    root, arrays = image_folder
    ds = image_dataset_from_directory(root, image_size=(8, 10), batch_size=5, seed=3)
    assert isinstance(ds, PyDataset) and len(ds) == 3
    assert ds.class_names == ["bird", "cat", "dog"]
    x, y = ds[0]
    assert x.shape == (5, 8, 10, 3) and x.dtype == np.float32 and y.shape == (5,) and y.dtype == np.int32
    for i in range(5):
        rel = _rel(ds.file_paths[i], root)
        np.testing.assert_array_equal(x[i], arrays[rel])
        assert ds.class_names[y[i]] == rel.split("/")[0]
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    assert sum(len(v) for v in ys) == 12 and np.bincount(np.concatenate(ys)).tolist() == [3, 4, 5]


def test_image_dataset_label_modes_and_resize(image_folder):
    root, _ = image_folder
    x, y = image_dataset_from_directory(root, image_size=(4, 4), label_mode="categorical", batch_size=12,
                                        color_mode="grayscale", shuffle=False)[0]
    assert x.shape == (12, 4, 4, 1) and y.shape == (12, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y.argmax(1), [0] * 3 + [1] * 4 + [2] * 5)
    x = image_dataset_from_directory(root, label_mode=None, image_size=5, shuffle=False, batch_size=2,
                                     crop_to_aspect_ratio=True)[0]
    assert x.shape == (2, 5, 5, 3)
    one = image_dataset_from_directory(root, batch_size=None, image_size=(3, 3), shuffle=False,
                                       pad_to_aspect_ratio=True)
    assert len(one) == 12 and one[0][0].shape == (3, 3, 3) and one[0][1] == 0
    with pytest.raises(ValueError, match="exactly 2"):
        image_dataset_from_directory(root, label_mode="binary")
    xb, yb = image_dataset_from_directory(root, class_names=["cat", "dog"], label_mode="binary", shuffle=False,
                                          image_size=(2, 2), batch_size=9)[0]
    assert yb.shape == (9, 1) and yb[:, 0].tolist() == [0] * 4 + [1] * 5


def test_image_dataset_validation_split_and_seed(image_folder):
    root, _ = image_folder
    train, val = image_dataset_from_directory(root, image_size=(4, 4), validation_split=0.25, subset="both",
                                              seed=11, batch_size=4)
    assert len(train.file_paths) == 9 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    again = image_dataset_from_directory(root, image_size=(4, 4), validation_split=0.25, subset="training",
                                         seed=11, batch_size=4)
    assert again.file_paths == train.file_paths
    np.testing.assert_array_equal(again[0][0], train[0][0])
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="subset"):
        image_dataset_from_directory(root, validation_split=0.2, seed=1)


def test_image_dataset_epochs_reshuffle_and_views(image_folder):
    root, _ = image_folder
    ds = image_dataset_from_directory(root, image_size=(2, 2), batch_size=12, seed=0)
    first = ds[0][1].copy()
    ds.on_epoch_end()
    second = ds[0][1]
    assert sorted(first) == sorted(second)
    batches = list(ds.take(1))
    assert len(batches) == 1 and batches[0][0].shape == (12, 2, 2, 3)
    mapped = ds.map(lambda x, y: (x / 255.0, y))
    assert mapped[0][0].max() <= 1.0 and isinstance(mapped, PyDataset)
    assert mapped.prefetch(2) is mapped and mapped.cache() is mapped
    small = image_dataset_from_directory(root, image_size=(2, 2), batch_size=4, shuffle=False)
    sh = small.shuffle(10, seed=1)
    assert sorted(tuple(sh[i][1]) for i in range(3)) == sorted(tuple(small[i][1]) for i in range(3))


def test_image_dataset_labels_list_and_none(image_folder):
    root, _ = image_folder
    ds = image_dataset_from_directory(root, labels=list(range(12)), image_size=(2, 2), shuffle=False, batch_size=12)
    assert ds[0][1].tolist() == list(range(12))
    with pytest.raises(ValueError, match="lengths of `labels`"):
        image_dataset_from_directory(root, labels=[0, 1])
    nolab = image_dataset_from_directory(root, labels=None, image_size=(2, 2), batch_size=3, shuffle=False)
    assert nolab[0].shape == (3, 2, 2, 3) and nolab.class_names is None


def test_image_dataset_bad_inputs(tmp_path, image_folder):
    root, _ = image_folder
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_dataset_from_directory(tmp_path / "missing")
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match="empty.*contains no images"):
        image_dataset_from_directory(root)
    (root / "empty").rmdir()
    (root / "cat" / "zz_broken.jpg").write_bytes(b"garbage")
    ds = image_dataset_from_directory(root, image_size=(2, 2), batch_size=13, shuffle=False)
    with pytest.raises(ValueError, match="zz_broken.jpg"):
        ds[0]
    with pytest.raises(ValueError, match="label_mode"):
        image_dataset_from_directory(root, label_mode="sparse")
    with pytest.raises(ValueError, match="interpolation"):
        image_dataset_from_directory(root, interpolation="fancy")
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(root, class_names=["cat", "wolf"])


@pytest.fixture
def text_folder(tmp_path):
    root = tmp_path / "texts"
    for cls, docs in (("neg", ["bad movie", "awful"]), ("pos", ["great film", "loved it", "wonderful ✓"])):
        (root / cls).mkdir(parents=True)
        for i, d in enumerate(docs):
            (root / cls / f"{i}.txt").write_text(d, encoding="utf-8")
    (root / "pos" / "skip.md").write_text("ignored")
    return root


def test_text_dataset(text_folder):
    ds = text_dataset_from_directory(text_folder, batch_size=5, shuffle=False)
    texts, labels = ds[0]
    assert ds.class_names == ["neg", "pos"] and labels.dtype == np.int32
    assert list(texts) == ["bad movie", "awful", "great film", "loved it", "wonderful ✓"]
    assert labels.tolist() == [0, 0, 1, 1, 1]
    short = text_dataset_from_directory(text_folder, max_length=3, shuffle=False, label_mode="binary")
    t, y = short[0]
    assert list(t)[:2] == ["bad", "awf"] and y.shape == (5, 1)
    tr, va = text_dataset_from_directory(text_folder, validation_split=0.4, subset="both", seed=2)
    assert len(tr.file_paths) == 3 and len(va.file_paths) == 2
    with pytest.raises(ValueError, match="max_length"):
        text_dataset_from_directory(text_folder, max_length=0)
    (text_folder / "empty").mkdir()
    with pytest.raises(ValueError, match="no text files"):
        text_dataset_from_directory(text_folder)
