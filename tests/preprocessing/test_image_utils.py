import io

import jax
import numpy as np
import pytest

from fkeras.utils.image_utils import array_to_img, img_to_array, load_img, resize_array, save_img, smart_resize


def test_png_round_trip_rgb_and_grayscale(tmp_path, rng):
    a = rng.integers(0, 256, (5, 7, 3)).astype(np.float32)
    save_img(tmp_path / "a.png", a, scale=False)
    img = load_img(tmp_path / "a.png")
    assert img.size == (7, 5) and img.mode == "RGB"
    x = img_to_array(img)
    assert x.shape == (5, 7, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x, a)
    g = img_to_array(load_img(str(tmp_path / "a.png"), color_mode="grayscale"))
    assert g.shape == (5, 7, 1)
    cf = img_to_array(img, data_format="channels_first")
    assert cf.shape == (3, 5, 7)
    assert img_to_array(load_img(tmp_path / "a.png", color_mode="rgba")).shape == (5, 7, 4)
    buf = io.BytesIO((tmp_path / "a.png").read_bytes())
    np.testing.assert_array_equal(img_to_array(load_img(buf)), a)

def test_array_to_img_scaling_and_modes(rng):
    x = rng.random((4, 4, 3)) * 2 - 1
    img = array_to_img(x)  # min-max scaled to 0..255
    arr = np.asarray(img)
    assert arr.min() == 0 and arr.max() == 255
    assert array_to_img(np.zeros((4, 4, 1))).mode == "L"
    assert array_to_img(np.full((4, 4, 1), 1000.0), scale=False).mode == "I"
    assert array_to_img(np.zeros((4, 4, 4))).mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="channel"):
        array_to_img(np.zeros((4, 4, 2)))

def test_load_img_target_size_and_aspect_ratio(tmp_path, rng):
    save_img(tmp_path / "b.png", rng.integers(0, 256, (10, 20, 3)), scale=False)
    assert load_img(tmp_path / "b.png", target_size=(4, 6)).size == (6, 4)
    assert load_img(tmp_path / "b.png", target_size=(5, 5), keep_aspect_ratio=True,
                    interpolation="bilinear").size == (5, 5)
    with pytest.raises(ValueError, match="interpolation"):
        load_img(tmp_path / "b.png", target_size=(4, 4), interpolation="cubicspline")

def test_save_rgba_as_jpeg_warns(tmp_path):
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(tmp_path / "c.jpg", np.zeros((4, 4, 4)))
    assert load_img(tmp_path / "c.jpg").size == (4, 4)

def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        load_img(tmp_path / "nope.png")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(ValueError, match="Could not read image file.*bad.jpg"):
        load_img(tmp_path / "bad.jpg")
    with pytest.raises(TypeError, match="path"):
        load_img(123)

@pytest.mark.parametrize("in_hw,out_hw", [((5, 7), (9, 4)), ((8, 8), (3, 5)), ((4, 6), (4, 13))])
def test_bilinear_resize_matches_half_pixel_reference(rng, in_hw, out_hw):
    x = rng.random((2,) + in_hw + (3,)).astype(np.float32)
    want = np.asarray(jax.image.resize(x, (2,) + out_hw + (3,), method="linear", antialias=False))
    np.testing.assert_allclose(resize_array(x, out_hw, "bilinear"), want, atol=1e-5)

def test_nearest_resize_and_smart_resize(rng):
    x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    np.testing.assert_array_equal(resize_array(x, (2, 2), "nearest")[..., 0], [[5, 7], [13, 15]])
    img = rng.random((10, 20, 3))
    out = smart_resize(img, (5, 5))
    assert out.shape == (5, 5, 3)
    # center crop 10x10 from the middle, then resize: equal to resizing the crop
    np.testing.assert_allclose(out, resize_array(img[:, 5:15], (5, 5)), atol=1e-6)
    assert smart_resize(rng.random((2, 10, 20, 3)), (4, 8)).shape == (2, 4, 8, 3)
    with pytest.raises(ValueError, match="rank"):
        smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="interpolation"):
        resize_array(x, (2, 2), "fancy")
