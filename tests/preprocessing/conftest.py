import numpy as np
import pytest


def write_png(path, arr):
    from PIL import Image

    arr = np.asarray(arr, dtype=np.uint8)
    mode = "L" if arr.ndim == 2 else "RGB"
    Image.fromarray(arr, mode).save(path)


@pytest.fixture
def image_folder(tmp_path):
    """root/{bird,cat,dog}/img_k.png: 3, 4, 5 RGB 8x10 images; returns (root, {relative path: array})."""
    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    arrays = {}
    for cls, n in (("dog", 5), ("cat", 4), ("bird", 3)):
        (root / cls).mkdir(parents=True)
        for k in range(n):
            a = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
            write_png(root / cls / f"img_{k}.png", a)
            arrays[f"{cls}/img_{k}.png"] = a
    (root / "cat" / "notes.txt").write_text("not an image")
    return root, arrays
