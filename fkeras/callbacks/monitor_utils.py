"""Shared 'is this metric better?' logic for EarlyStopping, ReduceLROnPlateau, ModelCheckpoint."""
from __future__ import annotations

import operator
import warnings

_MAXIMIZE_HINTS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "top_k", "cosine_similarity",
                   "true_positives", "true_negatives")


def resolve_mode(monitor, mode, owner):
    """``'min'``/``'max'``, inferring ``'auto'`` from the metric name as Keras does."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode!r} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    if any(h in name for h in _MAXIMIZE_HINTS):
        return "max"
    return "min"


def comparison(mode):
    return operator.gt if mode == "max" else operator.lt
