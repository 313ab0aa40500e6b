"""``keras.applications.resnet50``: ResNet50 with its ``preprocess_input`` / ``decode_predictions``."""
from fkeras.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
