"""Old path of ``fkeras.models.summary_utils`` (it lives next to the models it draws), kept so that
existing imports keep working."""
from fkeras.models.summary_utils import memory_size, param_count, print_summary, readable_size  # noqa: F401

__all__ = ["memory_size", "param_count", "print_summary", "readable_size"]
