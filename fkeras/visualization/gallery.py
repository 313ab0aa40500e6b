"""``keras.visualization`` galleries: a grid of images (with labels, boxes or masks) drawn with
matplotlib, an optional dependency imported only when a gallery is plotted."""
from __future__ import annotations

import math

import numpy as np

from fkeras.visualization import _utils
from fkeras.visualization.boxes import draw_bounding_boxes
from fkeras.visualization.masks import draw_segmentation_masks


def _grid(batch_size, rows, cols):
    for name, value in (("rows", rows), ("cols", cols)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"plot_image_gallery: `{name}` must be a positive int or None. Received: {name}={value!r}")
    if rows is None and cols is None:
        rows = int(math.ceil(math.sqrt(batch_size)))
    if rows is None:
        rows = int(math.ceil(batch_size / cols))
    if cols is None:
        cols = int(math.ceil(batch_size / rows))
    return int(rows), int(cols)


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None, value_range=(0, 255),
                       scale=2, path=None, show=None, transparent=True, dpi=60, legend_handles=None, data_format=None):
    """Plot a batch of images as a grid with matplotlib, optionally titled with labels.

    The grid has ``rows x cols`` cells; the first ``rows * cols`` images are shown (cells past
    the last image stay blank). With neither given, ``rows = ceil(sqrt(batch))`` and
    ``cols = ceil(batch / rows)``, so every image is shown (Keras 3 computes
    ``cols = batch // rows``, which can drop images or fail); with one given, the other is
    ``ceil(batch / given)``. One-channel images are shown in grayscale.

    Args:
        images: a batch of images ``(batch, height, width, channels)`` (or channels-first, see
            ``data_format``), values in ``value_range``.
        y_true: optional 1-D true class ids; shown as ``"Label: <name>"`` titles.
        y_pred: optional 1-D predicted class ids; shown as ``"Pred: <name>"`` titles.
        label_map: dict from class id to name, required with ``y_true`` or ``y_pred``
            (unknown ids show as ``"Unknown"``).
        rows: number of grid rows, or ``None``.
        cols: number of grid columns, or ``None``.
        value_range: ``(low, high)``, the range of the image values, mapped onto ``[0, 255]``
            for display. Defaults to ``(0, 255)``.
        scale: the size of each cell in inches. Defaults to 2.
        path: file to save the figure to (then it is not shown). Defaults to ``None``.
        show: whether to call ``plt.show()``; defaults to ``True`` when ``path`` is ``None``.
            ``show=True`` together with a ``path`` is an error.
        transparent: save the figure with a transparent background. Defaults to ``True``.
        dpi: resolution of the saved file. Defaults to 60.
        legend_handles: optional list of matplotlib artists (e.g. ``matplotlib.patches.Patch``)
            for a figure legend.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.

    Returns:
        The matplotlib ``Figure`` (Keras returns ``None``). It is closed after being saved or
        shown; with ``path=None, show=False`` it stays open for the caller.

    Raises:
        ValueError: for ``path`` with ``show=True``, labels without ``label_map``, images that
            are not 4-D, or an invalid ``rows``/``cols``/``value_range``.
        ImportError: if matplotlib is not installed.

    Example:
        >>> fig = keras.visualization.plot_image_gallery(images, y_true=labels, label_map={0: "cat", 1: "dog"},
        ...                                              path="gallery.png")
    """
    plt = _utils.import_pyplot("plot_image_gallery")
    if path is not None and show:
        raise ValueError(
            "plot_image_gallery: give either `path` (save the figure) or `show=True` (display it), not both. "
            f"Received: path={path!r}, show={show!r}"
        )
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("plot_image_gallery: `label_map` is required when `y_true` or `y_pred` is given.")
    show = (path is None) if show is None else bool(show)
    data_format = _utils.data_format_of(data_format)
    images = _utils.to_channels_last(_utils.check_batched_images(images, "plot_image_gallery"), data_format)
    batch_size = images.shape[0]
    rows, cols = _grid(batch_size, rows, cols)
    images = images[: rows * cols]
    images = np.clip(_utils.to_uint8_range(images, value_range, "plot_image_gallery"), 0, 255).astype("uint8")
    y_true = None if y_true is None else np.asarray(y_true).reshape(-1)
    y_pred = None if y_pred is None else np.asarray(y_pred).reshape(-1)

    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale), frameon=False,
                             squeeze=False, sharex="row", sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    for index in range(rows * cols):
        ax = axes[index // cols, index % cols]
        ax.axis("off")
        if index >= len(images):
            continue
        image = images[index]
        if image.shape[-1] == 1:
            ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255)
        else:
            ax.imshow(image)
        ax.margins(x=0, y=0)
        title = []
        if y_true is not None and index < len(y_true):
            title.append(f"Label: {label_map.get(y_true[index].item(), 'Unknown')}")
        if y_pred is not None and index < len(y_pred):
            title.append(f"Pred: {label_map.get(y_pred[index].item(), 'Unknown')}")
        if title:
            ax.set_title("  ".join(title), fontsize=8)
    fig.tight_layout(pad=0.1)

    if path is not None:
        fig.savefig(path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close(fig)
    elif show:
        plt.show()
        plt.close(fig)
    return fig


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Plot a gallery of images with their true and/or predicted bounding boxes drawn in.

    The images are first mapped from ``value_range`` to ``[0, 255]``, then the true boxes and
    the predicted boxes are drawn with :func:`draw_bounding_boxes`, and the result is plotted
    with :func:`plot_image_gallery`. (Keras 3 draws before rescaling, which garbles images whose
    ``value_range`` is not ``(0, 255)``.)

    Args:
        images: a batch of images ``(batch, height, width, channels)`` (or channels-first).
        bounding_box_format: the boxes' format (``"xyxy"``, ``"yxyx"``, ``"xywh"``,
            ``"center_xywh"``, ``"center_yxhw"`` or a ``"rel_*"`` variant).
        y_true: optional dict of true boxes, as ``draw_bounding_boxes``'s ``bounding_boxes``
            (``"boxes"``, ``"labels"``, optional ``"confidences"``).
        y_pred: optional dict of predicted boxes, same structure.
        value_range: ``(low, high)``, the range of the image values. Defaults to ``(0, 255)``.
        true_color: RGB color of the true boxes. Defaults to ``(0, 188, 212)``.
        pred_color: RGB color of the predicted boxes. Defaults to ``(255, 235, 59)``.
        line_thickness: box outline width in pixels. Defaults to 2.
        font_scale: label text size. Defaults to 1.0.
        text_thickness: label stroke thickness; ``None`` means ``line_thickness``.
        class_mapping: dict from class id to name, for both true and predicted boxes.
        ground_truth_mapping: dict used for the true boxes instead of ``class_mapping``.
        prediction_mapping: dict used for the predicted boxes instead of ``class_mapping``.
        legend: add a "Ground Truth" / "Prediction" legend. Defaults to ``False``.
        legend_handles: custom legend artists; giving them together with ``legend=True`` is an
            error.
        rows: grid rows (see ``plot_image_gallery``).
        cols: grid columns.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.
        **kwargs: passed on to ``plot_image_gallery`` (``path``, ``show``, ``scale``, ``dpi``,
            ``transparent``...).

    Returns:
        The matplotlib ``Figure`` returned by ``plot_image_gallery``.

    Raises:
        ValueError: if ``images`` is not 4-D or both ``legend`` and ``legend_handles`` are given.
        ImportError: if matplotlib is not installed.
    """
    _utils.import_pyplot("plot_bounding_box_gallery")
    if legend and legend_handles:
        raise ValueError("plot_bounding_box_gallery: pass either `legend=True` or `legend_handles`, not both.")
    data_format = _utils.data_format_of(data_format)
    images = _utils.to_channels_last(_utils.check_batched_images(images, "plot_bounding_box_gallery"), data_format)
    images = np.clip(_utils.to_uint8_range(images, value_range, "plot_bounding_box_gallery"), 0, 255)
    images = images.astype("uint8")
    ground_truth_mapping = ground_truth_mapping or class_mapping
    prediction_mapping = prediction_mapping or class_mapping
    common = dict(bounding_box_format=bounding_box_format, line_thickness=line_thickness,
                  text_thickness=text_thickness, font_scale=font_scale, data_format="channels_last")
    if y_true is not None:
        images = draw_bounding_boxes(images, y_true, color=true_color, class_mapping=ground_truth_mapping, **common)
    if y_pred is not None:
        images = draw_bounding_boxes(images, y_pred, color=pred_color, class_mapping=prediction_mapping, **common)
    if legend:
        from matplotlib import patches

        legend_handles = [
            patches.Patch(color=np.asarray(true_color, dtype="float64") / 255.0, label="Ground Truth"),
            patches.Patch(color=np.asarray(pred_color, dtype="float64") / 255.0, label="Prediction"),
        ]
    return plot_image_gallery(images, value_range=(0, 255), legend_handles=legend_handles, rows=rows, cols=cols,
                              data_format="channels_last", **kwargs)


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8, ignore_index=-1, data_format=None,
                                   **kwargs):
    """Plot each image beside its true and/or predicted segmentation masks, one image per row.

    Row ``i`` shows image ``i``, then (when given) ``y_true[i]`` and ``y_pred[i]`` painted over it
    with :func:`draw_segmentation_masks`. The images are mapped from ``value_range`` to
    ``[0, 255]`` before the masks are painted (Keras 3 paints first, which garbles images whose
    ``value_range`` is not ``(0, 255)``).

    Args:
        images: a batch of images ``(batch, height, width, channels)`` (or channels-first).
        num_classes: the number of classes; ids ``0 .. num_classes - 1`` are painted.
        value_range: ``(low, high)``, the range of the image values. Defaults to ``(0, 255)``.
        y_true: optional true masks ``(batch, height, width)`` or ``(batch, height, width, 1)``
            (channels-first: ``(batch, 1, height, width)``); cast to int32.
        y_pred: optional predicted masks, same shape as ``y_true``.
        color_mapping: dict from class id to RGB color; ``None`` uses the default palette.
        blend: blend the masks into the images with ``alpha`` (``True``, default) or paint
            them opaquely.
        alpha: mask opacity in ``[0, 1]`` when blending. Defaults to 0.8.
        ignore_index: class id that is never painted. Defaults to -1.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.
        **kwargs: passed on to ``plot_image_gallery`` (``path``, ``show``, ``scale``, ...).

    Returns:
        The matplotlib ``Figure`` returned by ``plot_image_gallery``.

    Raises:
        ValueError: if ``images`` is not 4-D or the masks do not match the images.
        ImportError: if matplotlib is not installed.
    """
    _utils.import_pyplot("plot_segmentation_mask_gallery")
    data_format = _utils.data_format_of(data_format)
    images = _utils.to_channels_last(_utils.check_batched_images(images, "plot_segmentation_mask_gallery"),
                                     data_format)
    images = _utils.to_uint8_range(images, value_range, "plot_segmentation_mask_gallery")

    def paint(masks):
        masks = np.asarray(masks)
        if masks.ndim == 4 and data_format == "channels_first":
            masks = np.transpose(masks, (0, 2, 3, 1))
        return draw_segmentation_masks(images, masks.astype("int32"), num_classes=num_classes,
                                       color_mapping=color_mapping, alpha=alpha, blend=blend,
                                       ignore_index=ignore_index, data_format="channels_last")

    columns = [images]
    if y_true is not None:
        columns.append(paint(y_true))
    if y_pred is not None:
        columns.append(paint(y_pred))
    cells = [column[i].astype("float32") for i in range(images.shape[0]) for column in columns]
    return plot_image_gallery(np.stack(cells, axis=0), value_range=(0, 255), rows=images.shape[0],
                              cols=len(columns), data_format="channels_last", **kwargs)
