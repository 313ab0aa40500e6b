"""``keras.models`` (only re-exports). The functions that read and write model files live in
``fkeras.saving`` and are loaded on first use, so that ``import fkeras`` does not load the file formats."""
from typing import TYPE_CHECKING

from fkeras.models.cloning import clone_model
from fkeras.models.functional import Functional
from fkeras.models.model import Model
from fkeras.models.sequential import Sequential

if TYPE_CHECKING:  # the names loaded on first use, for static tools (type checkers, the API docs)
    from fkeras.saving.saving_api import load_model, model_from_json, save_model
    from fkeras.saving.yaml_io import model_from_yaml

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "model_from_yaml",
           "save_model"]


def __getattr__(name):
    if name in ("load_model", "save_model", "model_from_json"):
        from fkeras.saving import saving_api as module
    elif name == "model_from_yaml":
        from fkeras.saving import yaml_io as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
