"""keras.visualization: box outlines and masks drawn into numpy images (checked pixel by pixel against
numpy references and against Keras 3), label text, and the matplotlib galleries."""
import os
import sys

import numpy as np
import pytest

import fkeras as keras
from fkeras.visualization import (
    draw_bounding_boxes,
    draw_segmentation_masks,
    plot_bounding_box_gallery,
    plot_image_gallery,
    plot_segmentation_mask_gallery,
)
from fkeras.visualization.masks import default_color_palette

RED = (255, 0, 0)


def reference_outline(height, width, x1, y1, x2, y2, thickness):
    """The pixels of a box outline, edge by edge: each edge is a band `thickness` pixels wide
    centred on it (the odd pixel of an even thickness outside), spanning the outer extent."""
    out_, in_ = thickness // 2, (thickness - 1) // 2
    painted = np.zeros((height, width), bool)

    def paint(rows, cols):
        for r in rows:
            for c in cols:
                if 0 <= r < height and 0 <= c < width:
                    painted[r, c] = True

    xs = range(x1 - out_, x2 + out_ + 1)
    ys = range(y1 - out_, y2 + out_ + 1)
    paint(range(y1 - out_, y1 + in_ + 1), xs)  # top
    paint(range(y2 - in_, y2 + out_ + 1), xs)  # bottom
    paint(ys, range(x1 - out_, x1 + in_ + 1))  # left
    paint(ys, range(x2 - in_, x2 + out_ + 1))  # right
    return painted


def boxes_dict(boxes, labels, **extra):
    return {"boxes": np.asarray(boxes, "float32"), "labels": np.asarray(labels), **extra}


# ---- draw_bounding_boxes ------------------------------------------------------------------------

def test_thin_box_exact_pixels():
    images = np.zeros((1, 6, 7, 3), "uint8")
    out = draw_bounding_boxes(images, boxes_dict([[[1, 1, 4, 3]]], [[0]]), "xyxy", color=RED, line_thickness=1)
    expected = np.array([[0, 0, 0, 0, 0, 0, 0],
                         [0, 1, 1, 1, 1, 0, 0],
                         [0, 1, 0, 0, 1, 0, 0],
                         [0, 1, 1, 1, 1, 0, 0],
                         [0, 0, 0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0, 0, 0]], bool)
    assert out.dtype == np.uint8 and out.shape == images.shape
    np.testing.assert_array_equal(out[0, expected], np.broadcast_to(RED, (expected.sum(), 3)))
    assert not out[0, ~expected].any()
    assert not images.any()  # the input is not drawn on


@pytest.mark.parametrize("thickness", [1, 2, 3, 4])
def test_box_outline_matches_reference(thickness):
    rng = np.random.default_rng(thickness)
    images = rng.integers(0, 256, (2, 24, 30, 3)).astype("uint8")
    boxes = [[[4, 5, 20, 16], [25.7, -3, 40, 10.9]], [[10, 10, 2, 3], [0, 0, 0, 0]]]  # 2nd: off the edge / reversed
    labels = [[0, 1], [2, -1]]  # -1: padding, not drawn
    out = draw_bounding_boxes(images, boxes_dict(boxes, labels), "xyxy", color=(10, 200, 30), line_thickness=thickness)
    for i in range(2):
        mask = np.zeros((24, 30), bool)
        for j in range(2):
            if labels[i][j] == -1:
                continue
            x1, y1, x2, y2 = np.asarray(boxes[i][j], "float32").astype("int32")
            mask |= reference_outline(24, 30, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2), thickness)
        np.testing.assert_array_equal(out[i][mask], np.broadcast_to((10, 200, 30), (mask.sum(), 3)))
        np.testing.assert_array_equal(out[i][~mask], images[i][~mask])


@pytest.mark.parametrize("fmt, box", [("xywh", [4, 5, 16, 11]), ("yxyx", [5, 4, 16, 20]),
                                      ("center_xywh", [12, 10.5, 16, 11]), ("center_yxhw", [10.5, 12, 11, 16]),
                                      ("rel_xyxy", [4 / 30, 5 / 24, 20 / 30, 16 / 24]),
                                      ("REL_XYWH", [4 / 30, 5 / 24, 16 / 30, 11 / 24])])
def test_box_formats_agree_with_xyxy(fmt, box):
    images = np.zeros((1, 24, 30, 3), "uint8")
    ref = draw_bounding_boxes(images, boxes_dict([[[4, 5, 20, 16]]], [[0]]), "xyxy", color=RED)
    out = draw_bounding_boxes(images, boxes_dict([[box]], [[0]]), fmt, color=RED)
    np.testing.assert_array_equal(out, ref)


def test_float_images_and_channels():
    unit = np.full((1, 8, 8, 3), 0.5, "float32")  # max <= 1: read as [0, 1] and scaled by 255
    out = draw_bounding_boxes(unit, boxes_dict([[[1, 1, 5, 5]]], [[0]]), "xyxy", color=RED, line_thickness=1)
    assert out[0, 7, 7].tolist() == [127, 127, 127] and out[0, 1, 3].tolist() == list(RED)
    big = np.full((1, 8, 8, 3), 300.0, "float32")  # clipped to 255
    assert draw_bounding_boxes(big, boxes_dict([[[1, 1, 5, 5]]], [[-1]]), "xyxy")[0, 0, 0].tolist() == [255] * 3
    gray = np.zeros((1, 8, 8, 1), "uint8")  # grayscale: the color's first value
    out = draw_bounding_boxes(gray, boxes_dict([[[1, 1, 5, 5]]], [[0]]), "xyxy", color=(90, 0, 0), line_thickness=1)
    assert out.shape == (1, 8, 8, 1) and out[0, 1, 1, 0] == 90 and out[0, 3, 3, 0] == 0
    rgba = np.zeros((1, 8, 8, 4), "uint8")
    out = draw_bounding_boxes(rgba, boxes_dict([[[1, 1, 5, 5]]], [[0]]), "xyxy", color=RED, line_thickness=1)
    assert out[0, 1, 1].tolist() == [255, 0, 0, 255]


def test_channels_first_round_trip():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 16, 12, 3)).astype("uint8")
    bb = boxes_dict(rng.uniform(0, 16, (2, 3, 4)), [[0, 1, 2], [1, -1, 0]])
    last = draw_bounding_boxes(images, bb, "xyxy", data_format="channels_last")
    first = draw_bounding_boxes(images.transpose(0, 3, 1, 2), bb, "xyxy", data_format="channels_first")
    assert first.shape == (2, 3, 16, 12)
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), last)


def test_relative_boxes_use_the_channels_first_height_and_width():
    images = np.zeros((1, 3, 20, 10), "uint8")  # height 20, width 10
    out = draw_bounding_boxes(images, boxes_dict([[[0.1, 0.1, 0.5, 0.5]]], [[0]]), "rel_xyxy", color=RED,
                              line_thickness=1, data_format="channels_first")
    ref = draw_bounding_boxes(np.zeros((1, 20, 10, 3), "uint8"), boxes_dict([[[1, 2, 5, 10]]], [[0]]), "xyxy",
                              color=RED, line_thickness=1, data_format="channels_last")
    np.testing.assert_array_equal(out.transpose(0, 2, 3, 1), ref)


def test_class_names_are_written_above_the_box():
    images = np.zeros((1, 80, 120, 3), "uint8")
    bb = boxes_dict([[[20, 50, 100, 75], [30, 2, 60, 30]]], [[0, 1]])
    plain = draw_bounding_boxes(images, bb, "xyxy", color=RED, line_thickness=1)
    named = draw_bounding_boxes(images, bb, "xyxy", color=RED, line_thickness=1, class_mapping={0: "cat"})
    text = np.any(named != plain, axis=-1)[0]
    assert text.any()
    rows, cols = np.nonzero(text)
    # box 0 has room above it: the text ends on the baseline 8 px above its top edge, from its left edge
    assert rows.max() <= 50 - 8 + 2 and rows.min() >= 50 - 8 - 40 and cols.min() >= 20
    assert (named[0][text] == RED).all(axis=-1).any()  # drawn in the box color (anti-aliased edges are darker)
    # class 1 has no name: nothing written for the second box
    both = draw_bounding_boxes(images, bb, "xyxy", color=RED, line_thickness=1, class_mapping={0: "cat", 1: "dog"})
    second = np.any(both != named, axis=-1)[0]
    r2, _ = np.nonzero(second)
    assert r2.min() > 2  # no room above box 1 (top at y=2): written inside it, below its top edge
    with_conf = draw_bounding_boxes(images, dict(bb, confidences=np.array([[0.87, 0.5]])), "xyxy", color=RED,
                                    line_thickness=1, class_mapping={0: "cat"})
    assert np.any(with_conf != plain, axis=-1).sum() > text.sum()  # "cat | 0.87" is longer than "cat"


def test_draw_bounding_boxes_errors():
    images = np.zeros((1, 8, 8, 3), "uint8")
    bb = boxes_dict([[[1, 1, 5, 5]]], [[0]])
    with pytest.raises(ValueError, match="4-D"):
        draw_bounding_boxes(images[0], bb, "xyxy")
    with pytest.raises(TypeError, match="must be a dict"):
        draw_bounding_boxes(images, [bb["boxes"]], "xyxy")
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        draw_bounding_boxes(images, {"boxes": bb["boxes"]}, "xyxy")
    with pytest.raises(ValueError, match="bounding_box_format"):
        draw_bounding_boxes(images, bb, "xyz")
    with pytest.raises(ValueError, match="line_thickness"):
        draw_bounding_boxes(images, bb, "xyxy", line_thickness=0)
    with pytest.raises(ValueError, match="color"):
        draw_bounding_boxes(images, bb, "xyxy", color=(300, 0, 0))
    with pytest.raises(ValueError, match="shape"):
        draw_bounding_boxes(images, boxes_dict([[1, 1, 5, 5]], [0]), "xyxy")


def test_draw_bounding_boxes_matches_opencv_keras():
    """Keras 3 draws with OpenCV; with line_thickness=1 the pixels are the same."""
    K = pytest.importorskip("keras")
    pytest.importorskip("cv2")
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 20, 24, 3)).astype("uint8")
    bb = boxes_dict(rng.uniform(-5, 30, (2, 5, 4)), rng.integers(-1, 3, (2, 5)))
    for fmt in ("xyxy", "xywh", "center_yxhw"):
        theirs = K.visualization.draw_bounding_boxes(images, bb, fmt, color=RED, line_thickness=1)
        np.testing.assert_array_equal(draw_bounding_boxes(images, bb, fmt, color=RED, line_thickness=1), theirs)


# ---- draw_segmentation_masks --------------------------------------------------------------------

def reference_masks(images, masks, colors, alpha, ignore_index):
    """Per pixel: blend the class color in (float32), else keep the pixel; truncate to uint8."""
    out = images.astype("float32").copy()
    for b, r, c in np.ndindex(*masks.shape):
        k = int(masks[b, r, c])
        if k != ignore_index and k in colors:
            pixel = images[b, r, c].astype("float32")
            out[b, r, c] = pixel * np.float32(1 - alpha) + np.asarray(colors[k], "float32") * np.float32(alpha)
    return np.clip(out, 0, 255).astype("uint8")


@pytest.mark.parametrize("alpha", [0.8, 0.35])
def test_masks_blend_like_reference(alpha):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 6, 5, 3)).astype("uint8")
    masks = rng.integers(-1, 4, (2, 6, 5)).astype("int32")
    colors = dict(enumerate(default_color_palette(4)))
    out = draw_segmentation_masks(images, masks, num_classes=4, alpha=alpha)
    assert out.dtype == np.uint8 and out.shape == images.shape
    np.testing.assert_array_equal(out, reference_masks(images, masks, colors, alpha, -1))
    np.testing.assert_array_equal(out[masks == -1], images[masks == -1])  # unlabelled pixels untouched
    # (batch, h, w, 1) masks give the same result
    np.testing.assert_array_equal(draw_segmentation_masks(images, masks[..., None], num_classes=4, alpha=alpha), out)


def test_mask_options():
    images = np.full((1, 2, 3, 3), 100, "uint8")
    masks = np.array([[[0, 1, 2], [2, 1, 5]]], "int64")
    cm = {1: (255, 0, 0), 2: (0, 0, 255)}
    out = draw_segmentation_masks(images, masks, num_classes=3, color_mapping=cm, alpha=0.5)
    assert out[0, 0, 0].tolist() == [100] * 3  # class 0 has no color in the mapping
    assert out[0, 0, 1].tolist() == [177, 50, 50]  # 100 * 0.5 + 255 * 0.5 = 177.5 -> 177
    assert out[0, 1, 2].tolist() == [100] * 3  # 5 >= num_classes
    # inferred num_classes = max + 1: class 5 is drawn with the palette
    inferred = draw_segmentation_masks(images, masks, alpha=1.0)
    assert inferred[0, 1, 2].tolist() == list(default_color_palette(6)[5])
    # ignore_index: class 1 left alone
    ignored = draw_segmentation_masks(images, masks, num_classes=3, color_mapping=cm, alpha=0.5, ignore_index=1)
    assert ignored[0, 0, 1].tolist() == [100] * 3 and ignored[0, 0, 2].tolist() == [50, 50, 177]
    # blend=False: opaque colors, float32
    opaque = draw_segmentation_masks(images, masks, num_classes=3, color_mapping=cm, blend=False)
    assert opaque.dtype == np.float32 and opaque[0, 0, 1].tolist() == [255, 0, 0]
    assert opaque[0, 0, 0].tolist() == [100] * 3
    # channels_first in, channels_first out
    cf = draw_segmentation_masks(images.transpose(0, 3, 1, 2), masks[:, None], num_classes=3, color_mapping=cm,
                                 alpha=0.5, data_format="channels_first")
    np.testing.assert_array_equal(cf.transpose(0, 2, 3, 1), out)


def test_default_palette_values():
    # (2**25 - 1) % 255 = 1, (2**15 - 1) % 255 = 127, (2**21 - 1) % 255 = 31
    assert default_color_palette(3) == [(0, 0, 0), (1, 127, 31), (2, 254, 62)]


def test_mask_errors():
    images = np.zeros((1, 4, 4, 3), "uint8")
    with pytest.raises(TypeError, match="integer"):
        draw_segmentation_masks(images, np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match="shape"):
        draw_segmentation_masks(images, np.zeros((1, 4, 5), "int32"))
    with pytest.raises(ValueError, match="alpha"):
        draw_segmentation_masks(images, np.zeros((1, 4, 4), "int32"), alpha=1.5)
    with pytest.raises(ValueError, match="4-D"):
        draw_segmentation_masks(images[0], np.zeros((4, 4), "int32"))


def test_masks_match_keras():
    K = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (2, 7, 5, 3)).astype("uint8")
    masks = rng.integers(-1, 4, (2, 7, 5, 1)).astype("int32")
    cm = {0: (10, 20, 30), 1: (255, 0, 0), 2: (0, 255, 0), 3: (0, 0, 255)}
    for kwargs in ({"alpha": 0.8}, {"alpha": 0.37, "color_mapping": cm}, {"blend": False}):
        theirs = np.asarray(K.visualization.draw_segmentation_masks(images, masks, num_classes=4, **kwargs))
        ours = draw_segmentation_masks(images, masks, num_classes=4, **kwargs)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


# ---- galleries ----------------------------------------------------------------------------------

@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def test_image_gallery_grid_titles_and_file(plt, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (5, 8, 8, 3)).astype("float32")
    path = tmp_path / "gallery.png"
    fig = plot_image_gallery(images, y_true=[0, 1, 0, 1, 7], y_pred=[0, 0, 0, 1, 1], label_map={0: "cat", 1: "dog"},
                             value_range=(0, 1), path=str(path))
    assert path.exists() and os.path.getsize(path) > 0
    axes = fig.axes
    assert len(axes) == 6  # 3 x 2 grid for 5 images; the last cell blank
    assert [len(ax.images) for ax in axes] == [1, 1, 1, 1, 1, 0]
    assert axes[0].get_title() == "Label: cat  Pred: cat"
    assert axes[4].get_title() == "Label: Unknown  Pred: dog"
    shown = axes[0].images[0].get_array()
    np.testing.assert_array_equal(shown, np.clip(images[0] * 255, 0, 255).astype("uint8"))
    assert plt.get_fignums() == []  # closed after saving


def test_image_gallery_rows_cols_grayscale_and_channels_first(plt):
    images = np.arange(4 * 2 * 3 * 3, dtype="float32").reshape(4, 3, 2, 3) % 255
    fig = plot_image_gallery(images, rows=1, show=False, data_format="channels_first")
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[1].transpose(1, 2, 0).astype("uint8"))
    gray = plot_image_gallery(np.zeros((2, 4, 4, 1)), cols=2, show=False)
    assert len(gray.axes) == 2 and gray.axes[0].images[0].get_array().shape == (4, 4)


def test_image_gallery_errors(plt, tmp_path):
    images = np.zeros((2, 4, 4, 3))
    with pytest.raises(ValueError, match="not both"):
        plot_image_gallery(images, path=str(tmp_path / "x.png"), show=True)
    with pytest.raises(ValueError, match="label_map"):
        plot_image_gallery(images, y_true=[0, 1], show=False)
    with pytest.raises(ValueError, match="4-D"):
        plot_image_gallery(images[0], show=False)
    with pytest.raises(ValueError, match="rows"):
        plot_image_gallery(images, rows=0, show=False)


def test_bounding_box_gallery(plt, tmp_path):
    images = np.full((3, 32, 32, 3), 0.25, "float32")
    y_true = boxes_dict([[[2, 2, 20, 20]]] * 3, [[0]] * 3)
    y_pred = boxes_dict([[[6, 6, 28, 28]]] * 3, [[1]] * 3)
    fig = plot_bounding_box_gallery(images, "xyxy", y_true=y_true, y_pred=y_pred, value_range=(0, 1), legend=True,
                                    class_mapping={0: "a", 1: "b"}, path=str(tmp_path / "boxes.png"))
    assert (tmp_path / "boxes.png").exists()
    assert len(fig.axes) == 4 and len(fig.legends) == 1  # 2 x 2 grid for 3 images
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Ground Truth", "Prediction"]
    shown = fig.axes[0].images[0].get_array()
    # the image was rescaled to [0, 255] before the boxes were drawn: background 63, boxes in their colors
    assert shown[31, 0].tolist() == [63, 63, 63]
    assert shown[11, 2].tolist() == [0, 188, 212] and shown[28, 17].tolist() == [255, 235, 59]
    with pytest.raises(ValueError, match="legend"):
        plot_bounding_box_gallery(images, "xyxy", legend=True, legend_handles=[object()], show=False)


def test_segmentation_mask_gallery(plt, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 6, 6, 3)).astype("uint8")
    y_true = rng.integers(0, 3, (2, 6, 6, 1))
    y_pred = rng.integers(0, 3, (2, 6, 6, 1))
    fig = plot_segmentation_mask_gallery(images, num_classes=3, y_true=y_true, y_pred=y_pred,
                                         path=str(tmp_path / "masks.png"))
    assert (tmp_path / "masks.png").exists()
    assert len(fig.axes) == 6  # one row per image: image, truth, prediction
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), images[0])
    np.testing.assert_array_equal(fig.axes[5].images[0].get_array(),
                                  draw_segmentation_masks(images, y_pred.astype("int32"), num_classes=3)[1])
    only_true = plot_segmentation_mask_gallery(images / 255.0, 3, value_range=(0, 1), y_true=y_true, show=False)
    assert len(only_true.axes) == 4


def test_missing_matplotlib_gives_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    images = np.zeros((1, 4, 4, 3), "uint8")
    for fn, args in ((plot_image_gallery, ()), (plot_bounding_box_gallery, ("xyxy",)),
                     (plot_segmentation_mask_gallery, (2,))):
        with pytest.raises(ImportError, match="pip install matplotlib"):
            fn(images, *args)
    # the draw_* functions do not need it
    assert draw_segmentation_masks(images, np.zeros((1, 4, 4), "int32")).shape == (1, 4, 4, 3)


def test_public_namespace():
    assert keras.visualization.draw_bounding_boxes is draw_bounding_boxes
    assert sorted(keras.visualization.__all__) == ["draw_bounding_boxes", "draw_segmentation_masks",
                                                   "plot_bounding_box_gallery", "plot_image_gallery",
                                                   "plot_segmentation_mask_gallery"]
