"""``keras.utils``.

Only re-exports. ``plot_model`` / ``model_to_dot`` (they live next to the models, in
``fkeras.models.model_visualization``) and ``FeatureSpace`` are loaded on first use: this package
is imported early (``fkeras.utils.naming`` and ``io_utils`` sit on the lowest floor), before the
models exist.
"""
from typing import TYPE_CHECKING

from fkeras.backend.dtypes import standardize_dtype
from fkeras.backend.random_state import set_random_seed
from fkeras.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from fkeras.utils.audio_dataset_utils import audio_dataset_from_directory
from fkeras.utils.config import Config
from fkeras.utils.data_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from fkeras.utils.dataset_utils import image_dataset_from_directory, split_dataset, text_dataset_from_directory
from fkeras.utils.file_utils import get_file
from fkeras.utils.graph_utils import get_source_inputs, is_keras_tensor
from fkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from fkeras.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from fkeras.utils.numerical_utils import normalize, to_categorical
from fkeras.utils.profiling import profile, trace_annotation
from fkeras.utils.progbar import Progbar
from fkeras.utils.py_dataset import PyDataset, Sequence
from fkeras.utils.sequence_utils import pad_sequences
from fkeras.utils.session_utils import clear_session
from fkeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array

if TYPE_CHECKING:  # the names loaded on first use, for static tools (type checkers, the API docs)
    from fkeras.models.model_visualization import model_to_dot, plot_model
    from fkeras.utils.feature_space import FeatureSpace

__all__ = [
    "set_random_seed", "normalize", "to_categorical", "Progbar", "PyDataset", "Sequence", "pad_sequences",
    "CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
    "get_registered_object", "register_keras_serializable", "serialize_keras_object", "deserialize_keras_object",
    "get_file", "array_to_img", "img_to_array", "load_img", "save_img", "image_dataset_from_directory",
    "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array", "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight", "get_source_inputs", "is_keras_tensor", "clear_session", "model_to_dot",
    "plot_model", "profile", "trace_annotation", "audio_dataset_from_directory",
    "Config", "FeatureSpace", "disable_interactive_logging", "enable_interactive_logging",
    "is_interactive_logging_enabled", "standardize_dtype",
]


def __getattr__(name):
    if name in ("model_to_dot", "plot_model"):
        from fkeras.models import model_visualization as module
    elif name == "FeatureSpace":
        from fkeras.utils import feature_space as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
