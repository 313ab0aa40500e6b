"""``keras.preprocessing``: tf.keras's text / sequence / image helpers and the dataset-from-directory
utilities."""
from fkeras.preprocessing import image, sequence, text
from fkeras.utils.dataset_utils import image_dataset_from_directory, text_dataset_from_directory
from fkeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["image", "sequence", "text", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
