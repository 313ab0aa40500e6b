"""The dataset loaders on small files written in the real formats (never the network)."""
import gzip
import io
import json
import pickle
import tarfile

import numpy as np
import pytest

from fkeras.datasets import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters
from fkeras.utils.file_utils import DownloadError, hash_file


def _place(monkeypatch, module, attr, path):
    """Point the module's expected hash at our small file (the real one is for the real file)."""
    monkeypatch.setattr(module, attr, hash_file(path))


def test_mnist(home, monkeypatch, rng):
    xtr = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    ytr = rng.integers(0, 10, 5).astype(np.uint8)
    xte = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    yte = rng.integers(0, 10, 3).astype(np.uint8)
    np.savez_compressed(home / "mnist.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    _place(monkeypatch, mnist, "FILE_HASH", home / "mnist.npz")
    (a, b), (c, d) = mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    np.testing.assert_array_equal(d, yte)
    assert a.dtype == np.uint8 and b.dtype == np.uint8 and a.shape == (5, 28, 28) and c.shape == (3, 28, 28)


def test_mnist_offline_without_cache_says_where_to_put_the_file(home):
    with pytest.raises(DownloadError) as e:
        mnist.load_data()
    msg = str(e.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in msg
    assert str(home / "mnist.npz") in msg
    assert mnist.FILE_HASH in msg


def test_mnist_cached_file_with_wrong_hash_is_not_used_offline(home, rng):
    np.savez(home / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DownloadError, match="does not match"):
        mnist.load_data()


def _idx(data, header):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as f:
        f.write(header + data.tobytes())
    return buf.getvalue()


def test_fashion_mnist(home, monkeypatch, rng):
    d = home / "fashion-mnist"
    d.mkdir()
    xtr = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    ytr = np.array([1, 2, 3, 4], np.uint8)
    xte = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    yte = np.array([9, 0], np.uint8)
    files = {"train-labels-idx1-ubyte.gz": _idx(ytr, b"\0" * 8), "train-images-idx3-ubyte.gz": _idx(xtr, b"\0" * 16),
             "t10k-labels-idx1-ubyte.gz": _idx(yte, b"\0" * 8), "t10k-images-idx3-ubyte.gz": _idx(xte, b"\0" * 16)}
    hashes = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        hashes[name] = hash_file(d / name)
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)
    (a, b), (c, e) = fashion_mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    np.testing.assert_array_equal(b, ytr)
    np.testing.assert_array_equal(c, xte)
    np.testing.assert_array_equal(e, yte)


def _cifar_tar(path, top, batches):
    with tarfile.open(path, "w:gz") as tar:
        for name, d in batches.items():
            data = pickle.dumps(d, protocol=2)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_cifar10_layout_and_dtypes(home, monkeypatch, rng):
    n = 2
    batches, raw = {}, {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        raw[name] = data
        batches[name] = {b"data": data, b"labels": [int(v) for v in rng.integers(0, 10, n)], b"batch_label": b"x"}
    arc = home / "cifar-10-batches-py-target_archive"
    _cifar_tar(arc, "cifar-10-batches-py", batches)
    _place(monkeypatch, cifar10, "FILE_HASH", arc)
    (xtr, ytr), (xte, yte) = cifar10.load_data()
    assert xtr.shape == (5 * n, 32, 32, 3) and xte.shape == (n, 32, 32, 3)
    assert ytr.shape == (5 * n, 1) and yte.shape == (n, 1)
    assert xtr.dtype == ytr.dtype == xte.dtype == yte.dtype == np.uint8
    # A CIFAR row is 1024 red, then 1024 green, then 1024 blue values, each row-major 32x32.
    r, c, ch = 5, 7, 2
    assert xtr[n, r, c, ch] == raw["data_batch_2"][0, ch * 1024 + r * 32 + c]
    assert yte[1, 0] == batches["test_batch"][b"labels"][1]


def test_cifar100_label_modes(home, monkeypatch, rng):
    def d(k):
        return {b"data": rng.integers(0, 256, (k, 3072), dtype=np.uint8),
                b"fine_labels": list(range(k)), b"coarse_labels": [i % 2 for i in range(k)]}
    arc = home / "cifar-100-python-target_archive"
    _cifar_tar(arc, "cifar-100-python", {"train": d(4), "test": d(3)})
    _place(monkeypatch, cifar100, "FILE_HASH", arc)
    (x, y), (xt, yt) = cifar100.load_data("fine")
    assert x.shape == (4, 32, 32, 3) and y.shape == (4, 1) and yt[:, 0].tolist() == [0, 1, 2]
    (_, y2), _ = cifar100.load_data(label_mode="coarse")
    assert y2[:, 0].tolist() == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")


def test_pickled_code_in_a_dataset_file_is_refused(tmp_path):
    import os

    from fkeras.datasets.cifar import load_batch

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    p = tmp_path / "batch"
    p.write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        load_batch(str(p))


def _ragged(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = seqs
    return out


def test_imdb_encoding_matches_keras_rules(home, monkeypatch):
    x_train = _ragged([[1, 2, 3], [4, 5], [6, 7, 8, 9]])
    y_train = np.array([0, 1, 1])
    x_test = _ragged([[1, 1], [9, 2, 2, 2, 2]])
    y_test = np.array([1, 0])
    np.savez(home / "imdb.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    _place(monkeypatch, imdb, "FILE_HASH", home / "imdb.npz")

    (xtr, ytr), (xte, yte) = imdb.load_data(num_words=8)
    rng = np.random.RandomState(113)
    p_train = np.arange(3)
    rng.shuffle(p_train)
    p_test = np.arange(2)
    rng.shuffle(p_test)

    def enc(seq):  # start_char=1, index_from=3, words >= num_words -> oov_char=2
        return [1] + [w + 3 if w + 3 < 8 else 2 for w in seq]
    assert list(xtr) == [enc(x_train[i]) for i in p_train]
    assert ytr.tolist() == y_train[p_train].tolist()
    assert list(xte) == [enc(x_test[i]) for i in p_test]
    assert xtr.dtype == object and xtr.ndim == 1
    # maxlen keeps sequences strictly shorter than maxlen (after the start marker).
    (xtr2, ytr2), _ = imdb.load_data(maxlen=4)
    assert all(len(s) < 4 for s in xtr2) and len(xtr2) == 1
    # skip_top, no start char, custom oov
    (xtr3, _), _ = imdb.load_data(skip_top=6, start_char=None, oov_char=0, num_words=100)
    assert all(w == 0 or w >= 6 for s in xtr3 for w in s)
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)


def test_imdb_word_index(home, monkeypatch):
    (home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    _place(monkeypatch, imdb, "WORD_INDEX_HASH", home / "imdb_word_index.json")
    assert imdb.get_word_index() == {"the": 1, "and": 2}


def test_reuters_split(home, monkeypatch):
    xs = _ragged([[i, i + 1] for i in range(10)])
    ys = np.arange(10) % 4
    np.savez(home / "reuters.npz", x=xs, y=ys)
    _place(monkeypatch, reuters, "FILE_HASH", home / "reuters.npz")
    (xtr, ytr), (xte, yte) = reuters.load_data(test_split=0.3)
    assert len(xtr) == 7 and len(xte) == 3
    assert sorted(ytr.tolist() + yte.tolist()) == sorted(ys.tolist())
    assert len(reuters.get_label_names()) == 46


@pytest.mark.parametrize("module,n_features,name", [(boston_housing, 13, "boston_housing.npz"),
                                                    (california_housing, 8, "california_housing.npz")])
def test_housing(home, monkeypatch, rng, module, n_features, name):
    x = rng.normal(size=(20, n_features))
    y = rng.normal(size=(20,))
    np.savez(home / name, x=x, y=y)
    _place(monkeypatch, module, "FILE_HASH", home / name)
    (xtr, ytr), (xte, yte) = module.load_data(test_split=0.25, seed=1)
    assert xtr.shape == (15, n_features) and xte.shape == (5, n_features) and ytr.shape == (15,)
    perm = np.arange(20)
    np.random.RandomState(1).shuffle(perm)
    np.testing.assert_array_equal(xtr, x[perm[:15]])
    np.testing.assert_array_equal(yte, y[perm[15:]])
    with pytest.raises(ValueError, match="test_split"):
        module.load_data(test_split=1.0)


def test_california_small_version(home, monkeypatch, rng):
    np.savez(home / "california_housing.npz", x=rng.normal(size=(700, 8)), y=rng.normal(size=700))
    _place(monkeypatch, california_housing, "FILE_HASH", home / "california_housing.npz")
    (xtr, _), (xte, _) = california_housing.load_data(version="small")
    assert len(xtr) + len(xte) == 600
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="tiny")
