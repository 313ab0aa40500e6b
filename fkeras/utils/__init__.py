"""``keras.utils``."""
from fkeras.backend.random_state import set_random_seed
from fkeras.utils.numerical_utils import normalize, to_categorical
from fkeras.utils.progbar import Progbar
from fkeras.utils.py_dataset import PyDataset, Sequence
from fkeras.utils.sequence_utils import pad_sequences
from fkeras.saving.registry import (custom_object_scope, get_custom_objects, get_registered_name,
                                    get_registered_object, register_keras_serializable,
                                    serialize_keras_object, deserialize_keras_object)
from fkeras.utils.file_utils import get_file
from fkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from fkeras.utils.dataset_utils import image_dataset_from_directory, text_dataset_from_directory
from fkeras.utils.model_visualization import model_to_dot, plot_model
from fkeras.utils.profiling import profile, trace_annotation
