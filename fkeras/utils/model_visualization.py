"""Old path of ``fkeras.models.model_visualization`` (it lives next to the models it draws), kept so that
existing imports keep working."""
from fkeras.models.model_visualization import check_graphviz, check_pydot, model_to_dot, plot_model  # noqa: F401

__all__ = ["check_graphviz", "check_pydot", "model_to_dot", "plot_model"]
