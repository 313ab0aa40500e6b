"""``keras.export``: ``ExportArchive`` (and ``export_model``, behind ``model.export``)."""
from fkeras.export.export_lib import ExportArchive, export_model

__all__ = ["ExportArchive", "export_model"]
