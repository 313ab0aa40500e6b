"""``keras.visualization.draw_bounding_boxes``: box outlines and class labels drawn into image arrays,
with numpy (rectangles) and Pillow (label text); OpenCV is not needed."""
from __future__ import annotations

import functools

import numpy as np

from fkeras.layers.preprocessing import bounding_boxes as _bb
from fkeras.visualization import _utils

_NAME = "draw_bounding_boxes"


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0, data_format=None):
    """Draw bounding boxes (and optionally their class names) onto a batch of images.

    Float images whose largest value is at most 1 are read as ``[0, 1]`` images and scaled to
    ``[0, 255]``; other images are clipped to ``[0, 255]``. The result is always ``uint8``.

    Each box is outlined with a band ``line_thickness`` pixels wide centred on the box's edge
    (for an even thickness the extra pixel lies outside the box), from the integer (truncated)
    corners ``(x1, y1)`` to ``(x2, y2)`` inclusive; parts outside the image are cut off. Boxes
    whose label is ``-1`` (padding) are skipped. When ``class_mapping`` names a box's class, the
    name (with ``" | 0.87"`` appended when ``"confidences"`` are given) is written just above the
    box, or just inside its top edge when there is no room above.

    Differences from Keras 3, which draws with OpenCV: a thickness of 1 gives the same pixels as
    ``cv2.rectangle``; for thicker lines OpenCV rounds the corners and makes the band a little
    wider (3 pixels for 2, 5 for 3 and 4). Labels are written with Pillow's default font (a
    TrueType font about ``32 * font_scale`` pixels high, close to OpenCV's Hershey font in size;
    a fixed small bitmap font if Pillow was built without FreeType), not OpenCV's Hershey font.
    ``data_format="channels_first"`` images are drawn correctly and returned channels-first.

    Args:
        images: a batch of images, ``(batch, height, width, channels)`` (or channels-first, see
            ``data_format``), with 1, 3 or 4 channels; numpy or JAX array.
        bounding_boxes: a dict with ``"boxes"`` ``(batch, num_boxes, 4)`` in
            ``bounding_box_format``, ``"labels"`` ``(batch, num_boxes)`` integer class ids, and
            optionally ``"confidences"`` ``(batch, num_boxes)`` scores shown next to the names.
        bounding_box_format: the boxes' format: ``"xyxy"``, ``"yxyx"``, ``"xywh"``,
            ``"center_xywh"``, ``"center_yxhw"`` or a relative ``"rel_*"`` variant (fractions of
            the image size).
        class_mapping: dict from class id to a display name; boxes whose class is absent get no
            text. Defaults to ``None`` (no text).
        color: RGB tuple of the boxes and text, values in ``[0, 255]``. Defaults to
            ``(128, 128, 128)``. Grayscale images use its first value.
        line_thickness: positive int, the width of the box outlines in pixels. Defaults to 2.
        text_thickness: int, the stroke thickness of the text (1 is a plain, thin stroke);
            ``None`` or 0 means ``line_thickness``. Defaults to 1.
        font_scale: positive float, the text size relative to the default. Defaults to 1.0.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.

    Returns:
        A ``uint8`` numpy array with the same shape as ``images``, the boxes drawn in.

    Raises:
        ValueError: if ``images`` is not 4-D, if ``bounding_boxes`` lacks ``"boxes"`` or
            ``"labels"`` or has the wrong shapes, or an argument is out of range.
        TypeError: if ``bounding_boxes`` is not a dict.

    Example:
        >>> images = np.zeros((1, 32, 32, 3), "uint8")
        >>> boxes = {"boxes": np.array([[[4, 4, 20, 12]]]), "labels": np.array([[0]])}
        >>> out = keras.visualization.draw_bounding_boxes(images, boxes, "xyxy", color=(255, 0, 0))
        >>> out[0, 4, 10].tolist()
        [255, 0, 0]
    """
    data_format = _utils.data_format_of(data_format)
    images = _utils.check_batched_images(images, _NAME)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(
            f"{_NAME}: `bounding_boxes` must be a dict with 'boxes' and 'labels'. Received: "
            f"bounding_boxes of type {type(bounding_boxes).__name__}"
        )
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(
            f"{_NAME}: `bounding_boxes` must contain the keys 'boxes' and 'labels'. Received keys: "
            f"{sorted(bounding_boxes)}"
        )
    fmt = _bb.check_format(bounding_box_format, _NAME)
    if fmt is None:
        raise ValueError(f"{_NAME}: `bounding_box_format` is required. Received: bounding_box_format=None")
    color = _utils.check_color(color, "color", _NAME)
    if isinstance(line_thickness, bool) or not isinstance(line_thickness, (int, np.integer)) or line_thickness < 1:
        raise ValueError(f"{_NAME}: `line_thickness` must be a positive int. Received: "
                         f"line_thickness={line_thickness!r}")
    text_thickness = text_thickness or line_thickness
    if isinstance(text_thickness, bool) or not isinstance(text_thickness, (int, np.integer)) or text_thickness < 1:
        raise ValueError(f"{_NAME}: `text_thickness` must be a positive int. Received: "
                         f"text_thickness={text_thickness!r}")
    if not float(font_scale) > 0:
        raise ValueError(f"{_NAME}: `font_scale` must be positive. Received: font_scale={font_scale!r}")
    class_mapping = class_mapping or {}

    images = _utils.to_channels_last(images, data_format)
    batch, height, width, channels = images.shape
    boxes = np.asarray(bounding_boxes["boxes"])
    labels = np.asarray(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else np.asarray(confidences)
    if boxes.shape[:1] != (batch,) or boxes.ndim != 3 or boxes.shape[-1] != 4 or labels.shape != boxes.shape[:2]:
        raise ValueError(
            f"{_NAME}: expected bounding_boxes['boxes'] of shape (batch, num_boxes, 4) and ['labels'] of shape "
            f"(batch, num_boxes) with batch={batch}. Received: boxes.shape={boxes.shape}, "
            f"labels.shape={labels.shape}"
        )
    if confidences is not None and confidences.shape != labels.shape:
        raise ValueError(
            f"{_NAME}: bounding_boxes['confidences'] must have the shape of ['labels'] {labels.shape}. Received: "
            f"confidences.shape={confidences.shape}"
        )
    boxes = np.asarray(_bb.convert_format(boxes, fmt, "xyxy", height=height, width=width))

    out = _as_uint8(images)
    fill = _utils.color_for_channels(color, channels, _NAME)
    for i in range(batch):
        image = out[i]
        for j in range(boxes.shape[1]):
            label = int(labels[i, j])
            if label == -1 or not np.all(np.isfinite(boxes[i, j])):
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i, j].astype("int32"))
            x1, x2 = min(x1, x2), max(x1, x2)
            y1, y2 = min(y1, y2), max(y1, y2)
            _draw_rectangle(image, x1, y1, x2, y2, fill, line_thickness)
            if label in class_mapping:
                text = str(class_mapping[label])
                if confidences is not None:
                    text = f"{text} | {float(confidences[i, j]):.2f}"
                _draw_text(image, text, _text_origin(x1, y1, font_scale, text_thickness), fill, font_scale,
                           text_thickness)
    return _utils.to_channels_first(out, data_format)


def _as_uint8(images):
    """Keras's conversion: ``[0, 1]`` floats are scaled by 255, everything is clipped to ``[0, 255]``."""
    images = np.asarray(images)
    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    elif images.dtype.kind in "iu":
        images = np.clip(images, 0, 255)
    return np.array(images, dtype="uint8")  # always a copy: the input is never drawn on


def _draw_rectangle(image, x1, y1, x2, y2, fill, thickness):
    """Paint the outline of the inclusive box ``[x1, x2] x [y1, y2]`` into ``image`` (H, W, C) in place."""
    height, width = image.shape[:2]
    outer, inner = thickness // 2, (thickness - 1) // 2
    mask = np.zeros((height, width), dtype=bool)
    top, bottom = max(y1 - outer, 0), min(y2 + outer, height - 1)
    left, right = max(x1 - outer, 0), min(x2 + outer, width - 1)
    if top > bottom or left > right:
        return
    mask[top:bottom + 1, left:right + 1] = True
    # the open interior that stays untouched
    in_top, in_bottom = max(y1 + inner + 1, 0), min(y2 - inner - 1, height - 1)
    in_left, in_right = max(x1 + inner + 1, 0), min(x2 - inner - 1, width - 1)
    if in_top <= in_bottom and in_left <= in_right:
        mask[in_top:in_bottom + 1, in_left:in_right + 1] = False
    image[mask] = np.asarray(fill, dtype="float64").round().astype("uint8")


def _text_origin(x, y, font_scale, thickness):
    """Where a label's baseline starts: above the box when there is room, else inside its top edge
    (the placement Keras uses)."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


@functools.lru_cache(maxsize=16)
def _font(size):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # old Pillow, or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _draw_text(image, text, origin, fill, font_scale, thickness):
    """Write ``text`` into ``image`` (H, W, C uint8) in place, its baseline starting at ``origin``."""
    from PIL import Image, ImageDraw

    channels = image.shape[-1]
    pil = Image.fromarray(np.ascontiguousarray(image[..., 0] if channels == 1 else image))  # L, RGB or RGBA
    draw = ImageDraw.Draw(pil)
    font = _font(max(1, int(round(32 * float(font_scale)))))
    ink = tuple(int(round(c)) for c in fill)
    ink = ink[0] if channels == 1 else ink
    stroke = int(thickness) - 1
    try:
        draw.text(origin, text, fill=ink, font=font, anchor="ls", stroke_width=stroke, stroke_fill=ink)
    except ValueError:  # a bitmap font has no anchors: place its top-left corner instead
        top = font.getbbox(text)[3]
        draw.text((origin[0], origin[1] - top), text, fill=ink, font=font)
    drawn = np.asarray(pil)
    image[...] = drawn[..., None] if channels == 1 else drawn
