"""``keras.visualization``: draw bounding boxes and segmentation masks into image arrays, and plot
galleries of images.

The ``draw_*`` functions return numpy arrays and need only numpy and Pillow. The ``plot_*``
functions need matplotlib (an optional dependency, imported only when a gallery is plotted:
``pip install matplotlib``).
"""
from fkeras.visualization.boxes import draw_bounding_boxes
from fkeras.visualization.gallery import plot_bounding_box_gallery, plot_image_gallery, plot_segmentation_mask_gallery
from fkeras.visualization.masks import draw_segmentation_masks

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery", "plot_image_gallery",
           "plot_segmentation_mask_gallery"]
