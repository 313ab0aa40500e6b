"""``keras.visualization.draw_segmentation_masks``: class masks painted over images."""
from __future__ import annotations

import numpy as np

from fkeras.visualization import _utils

_NAME = "draw_segmentation_masks"


def default_color_palette(num_classes):
    """Keras's default class colors: class ``i`` gets ``(i * (2**25 - 1, 2**15 - 1, 2**21 - 1)) % 255``
    (class 0 is black)."""
    multipliers = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1], dtype="int64")
    return [tuple(int(v) for v in (i * multipliers) % 255) for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None, alpha=0.8, blend=True,
                            ignore_index=-1, data_format=None):
    """Paint per-pixel class masks over a batch of images.

    A pixel of class ``c`` with ``0 <= c < num_classes`` and ``c != ignore_index`` takes the color
    of its class; with ``blend=True`` the result is ``image * (1 - alpha) + color * alpha``
    (computed in float32, then clipped to ``[0, 255]`` and truncated to ``uint8``, as Keras
    casts). Pixels of other values keep the image's value. As in Keras, class 0 is a class like
    any other (the default palette makes it black, so it darkens the image); pass
    ``ignore_index=0`` to leave a background class 0 untouched.

    Differences from Keras 3: ``num_classes=None`` infers ``max(segmentation_masks) + 1`` so that
    the largest class present is drawn too (Keras infers ``max``, which leaves it undrawn);
    classes missing from ``color_mapping`` are left undrawn instead of raising a KeyError;
    ignored pixels are left undrawn with ``blend=False`` too; ``(batch, height, width)`` masks
    are supported; channels-first inputs give channels-first outputs.

    Args:
        images: a batch of images ``(batch, height, width, channels)`` (or channels-first, see
            ``data_format``), values in ``[0, 255]``.
        segmentation_masks: integer class ids, ``(batch, height, width)`` or
            ``(batch, height, width, 1)`` (``(batch, 1, height, width)`` when channels-first).
        num_classes: the number of classes (ids ``0 .. num_classes - 1`` are drawn); ``None``
            infers it from the largest id in the masks.
        color_mapping: dict from class id to an RGB tuple in ``[0, 255]``; ``None`` uses Keras's
            default palette.
        alpha: float in ``[0, 1]``, the opacity of the masks when blending. Defaults to 0.8.
        blend: if ``True`` (default) blend the colors into the images and return ``uint8``; if
            ``False`` replace the masked pixels by their class color and return ``float32``
            (Keras's dtypes).
        ignore_index: the class id that is never drawn. Defaults to -1.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.

    Returns:
        A numpy array shaped like ``images``: ``uint8`` when ``blend=True``, else ``float32``.

    Raises:
        ValueError: if ``images`` is not 4-D, the masks do not match the images, or ``alpha`` is
            outside ``[0, 1]``.
        TypeError: if ``segmentation_masks`` is not of an integer dtype.

    Example:
        >>> images = np.full((1, 4, 4, 3), 100, "uint8")
        >>> masks = np.zeros((1, 4, 4), "int32"); masks[0, :2] = 1
        >>> out = keras.visualization.draw_segmentation_masks(
        ...     images, masks, num_classes=2, color_mapping={1: (255, 0, 0)}, alpha=0.5)
        >>> out[0, 0, 0].tolist(), out[0, 3, 3].tolist()
        ([177, 50, 50], [100, 100, 100])
    """
    data_format = _utils.data_format_of(data_format)
    images = _utils.to_channels_last(_utils.check_batched_images(images, _NAME), data_format)
    masks = _utils.to_numpy(segmentation_masks)
    if masks.dtype.kind not in "iu":
        raise TypeError(
            f"{_NAME}: `segmentation_masks` must hold integer class ids. Received: segmentation_masks.dtype="
            f"{masks.dtype}"
        )
    if masks.ndim == 4 and data_format == "channels_first":
        masks = np.transpose(masks, (0, 2, 3, 1))
    if masks.ndim == 4 and masks.shape[-1] == 1:
        masks = masks[..., 0]
    if masks.shape != images.shape[:3]:
        raise ValueError(
            f"{_NAME}: `segmentation_masks` must have shape (batch, height, width) or (batch, height, width, 1) "
            f"matching the images {images.shape[:3]}. Received: segmentation_masks.shape="
            f"{_utils.to_numpy(segmentation_masks).shape}"
        )
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"{_NAME}: `alpha` must be in [0, 1]. Received: alpha={alpha}")
    if num_classes is None:
        num_classes = int(masks.max()) + 1 if masks.size else 0
    num_classes = int(num_classes)
    if color_mapping is None:
        colors = dict(enumerate(default_color_palette(num_classes)))
    else:
        colors = {int(k): _utils.check_color(v, f"color_mapping[{k}]", _NAME) for k, v in color_mapping.items()}

    images = images.astype("float32")
    channels = images.shape[-1]
    painted = images.copy()
    for class_id in range(num_classes):
        if class_id == ignore_index or class_id not in colors:
            continue
        where = masks == class_id
        painted[where] = np.asarray(_utils.color_for_channels(tuple(colors[class_id]), channels, _NAME),
                                    dtype="float32")
    if blend:
        mixed = images * (1 - alpha) + painted * alpha
        out = np.where((masks != ignore_index)[..., None], mixed, images)
        out = np.clip(out, 0, 255).astype("uint8")
    else:
        out = painted
    return _utils.to_channels_first(out, data_format)
