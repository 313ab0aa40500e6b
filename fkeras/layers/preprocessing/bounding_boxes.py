"""Bounding-box helpers shared by the augmentation layers: format conversion, clipping, and the
dense ``{"boxes", "labels"}`` inputs the layers accept.

Boxes are ``(..., 4)`` float arrays in one of Keras 3's formats (case-insensitive):

- ``"xyxy"`` ``[left, top, right, bottom]``, ``"yxyx"`` ``[top, left, bottom, right]``,
- ``"xywh"`` ``[left, top, width, height]``, ``"center_xywh"`` ``[cx, cy, width, height]``,
  ``"center_yxhw"`` ``[cy, cx, height, width]``,
- ``"rel_xyxy"``, ``"rel_yxyx"``, ``"rel_xywh"``, ``"rel_center_xywh"``: the same with ``x`` and
  widths divided by the image width and ``y`` and heights by the image height.

Everything here is ``jax.numpy`` and works under ``jax.jit``.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
                     "rel_center_xywh")


def check_format(bounding_box_format, layer_name):
    """The lower-cased format name, or a ValueError naming the layer and the valid formats."""
    if bounding_box_format is None:
        return None
    if isinstance(bounding_box_format, str) and bounding_box_format.lower() in SUPPORTED_FORMATS:
        return bounding_box_format.lower()
    raise ValueError(
        f"{layer_name}: invalid value for argument `bounding_box_format`. Expected one of "
        f"{SUPPORTED_FORMATS} (or None). Received: bounding_box_format={bounding_box_format!r}"
    )


def _split(boxes):
    return [boxes[..., i] for i in range(4)]


def _to_xyxy(boxes, fmt, height, width):
    a, b, c, d = _split(boxes)
    rel = fmt.startswith("rel_")
    base = fmt[4:] if rel else fmt
    if base == "xyxy":
        x1, y1, x2, y2 = a, b, c, d
    elif base == "yxyx":
        y1, x1, y2, x2 = a, b, c, d
    elif base == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif base == "center_xywh":
        x1, y1, x2, y2 = a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0
    else:  # center_yxhw
        x1, y1, x2, y2 = b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0
    if rel:
        x1, x2, y1, y2 = x1 * width, x2 * width, y1 * height, y2 * height
    return jnp.stack([x1, y1, x2, y2], axis=-1)


def _from_xyxy(boxes, fmt, height, width):
    x1, y1, x2, y2 = _split(boxes)
    rel = fmt.startswith("rel_")
    base = fmt[4:] if rel else fmt
    if rel:
        x1, x2, y1, y2 = x1 / width, x2 / width, y1 / height, y2 / height
    w, h = x2 - x1, y2 - y1
    cols = {"xyxy": (x1, y1, x2, y2), "yxyx": (y1, x1, y2, x2), "xywh": (x1, y1, w, h),
            "center_xywh": (x1 + w / 2.0, y1 + h / 2.0, w, h),
            "center_yxhw": (y1 + h / 2.0, x1 + w / 2.0, h, w)}[base]
    return jnp.stack(cols, axis=-1)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert ``(..., 4)`` boxes from format ``source`` to ``target``.

    Args:
        boxes: an array whose last axis holds the 4 coordinates.
        source: the format ``boxes`` are in (see the module docstring).
        target: the format to return.
        height: the image height; needed when either format is relative (``rel_*``).
        width: the image width; needed when either format is relative.
        dtype: the float dtype of the result.

    Returns:
        The converted boxes, same shape as ``boxes``.

    Example:
        >>> convert_format(np.array([[10., 20., 30., 60.]]), "xyxy", "center_xywh")
        Array([[20., 40., 20., 40.]], dtype=float32)
    """
    src = check_format(source, "convert_format")
    tgt = check_format(target, "convert_format")
    boxes = jnp.asarray(boxes).astype(dtype)
    if boxes.shape[-1:] != (4,):
        raise ValueError(f"convert_format: `boxes` must have a last dimension of 4. Received: boxes.shape="
                         f"{tuple(boxes.shape)}")
    if (src.startswith("rel_") or tgt.startswith("rel_")) and (height is None or width is None):
        raise ValueError(
            f"convert_format: converting between relative and absolute formats needs `height` and `width`. "
            f"Received: source={source!r}, target={target!r}, height={height}, width={width}"
        )
    if src == tgt:
        return boxes
    if src.startswith("rel_") and tgt.startswith("rel_"):
        src, tgt = src[4:], tgt[4:]  # the image size cancels
    return _from_xyxy(_to_xyxy(boxes, src, height, width), tgt, height, width).astype(dtype)


def clip_to_image_size(bounding_boxes, height, width):
    """Clip ``xyxy`` boxes into ``[0, width] x [0, height]``; a box left with no area gets label -1.

    Args:
        bounding_boxes: a dict with ``"boxes"`` (``(..., n, 4)``, ``xyxy``) and optionally
            ``"labels"`` (``(..., n)``).
        height: the image height.
        width: the image width.

    Returns:
        A new dict with the clipped boxes (and updated labels).
    """
    boxes = jnp.asarray(bounding_boxes["boxes"])
    x1, y1, x2, y2 = _split(boxes)
    x1, x2 = jnp.clip(x1, 0, width), jnp.clip(x2, 0, width)
    y1, y2 = jnp.clip(y1, 0, height), jnp.clip(y2, 0, height)
    out = dict(bounding_boxes)
    out["boxes"] = jnp.stack([x1, y1, x2, y2], axis=-1).astype(boxes.dtype)
    if "labels" in bounding_boxes:
        labels = jnp.asarray(bounding_boxes["labels"])
        out["labels"] = jnp.where((x2 - x1) * (y2 - y1) > 0, labels, jnp.asarray(-1, labels.dtype))
    return out


def standardize_bounding_boxes(bounding_boxes, batched, layer_name, dtype="float32"):
    """Check a ``{"boxes", "labels"}`` dict and return it with array values.

    ``boxes`` must be ``(batch, n, 4)`` (``(n, 4)`` when ``batched`` is False) and ``labels``
    ``(batch, n)`` (``(n,)``). Nested Python lists of equal lengths are accepted; ragged inputs are
    not (pad them first, e.g. with ``MaxNumBoundingBoxes``).
    """
    if not isinstance(bounding_boxes, dict) or "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(
            f"{layer_name}: `bounding_boxes` must be a dict with keys 'boxes' and 'labels'. "
            f"Received: bounding_boxes={bounding_boxes!r}"
        )

    def arr(v, name):
        if isinstance(v, (list, tuple)):
            try:
                v = np.asarray(v)
            except ValueError as e:
                raise ValueError(f"{layer_name}: bounding_boxes[{name!r}] is ragged; pad it to a fixed number of "
                                 f"boxes first. ({e})") from None
        return jnp.asarray(v)

    boxes = arr(bounding_boxes["boxes"], "boxes").astype(dtype)
    labels = arr(bounding_boxes["labels"], "labels")
    rank = 3 if batched else 2
    if boxes.ndim != rank or boxes.shape[-1] != 4:
        want = "(batch_size, num_boxes, 4)" if batched else "(num_boxes, 4)"
        raise ValueError(f"{layer_name}: expected bounding_boxes['boxes'] of shape {want}. "
                         f"Received: shape={tuple(boxes.shape)}")
    if labels.shape != boxes.shape[:-1]:
        raise ValueError(
            f"{layer_name}: bounding_boxes['labels'] must have shape {tuple(boxes.shape[:-1])} to match "
            f"bounding_boxes['boxes'] of shape {tuple(boxes.shape)}. Received: labels.shape={tuple(labels.shape)}"
        )
    out = dict(bounding_boxes)
    out["boxes"], out["labels"] = boxes, labels
    return out
