"""Helpers for the scikit-learn wrappers: the optional import, input validation across scikit-learn
versions, and the target encodings (labels <-> one-hot columns, 1-D <-> 2-D targets).

Nothing here imports scikit-learn at module import unless ``fkeras.wrappers.sklearn_wrapper`` is
imported, which ``fkeras.wrappers`` only does when a wrapper class is first looked up.
"""
from __future__ import annotations

import numpy as np

try:
    import sklearn
except ImportError:  # scikit-learn is an optional dependency
    sklearn = None


def assert_sklearn_installed(symbol_name):
    """Raise an ImportError naming ``symbol_name`` when scikit-learn is missing."""
    if sklearn is None:
        raise ImportError(
            f"`keras.wrappers.{symbol_name}` needs scikit-learn, which is not installed. "
            "Install it with `pip install scikit-learn`."
        )


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's input validation (``validate_data`` from 1.6 on, the estimator's private
    ``_validate_data`` before); it also records ``n_features_in_`` when ``reset=True``."""
    try:
        from sklearn.utils.validation import validate_data as _validate
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(*args, **kwargs)
    return _validate(estimator, *args, **kwargs)


def routing_enabled():
    """Whether scikit-learn's metadata routing is switched on (``sklearn.set_config``)."""
    if sklearn is None:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def check_compiled(model):
    """A RuntimeError unless ``model`` is compiled with a loss and an optimizer (as Keras checks)."""
    if not getattr(model, "compiled", False) or not getattr(model, "loss", None) or \
            getattr(model, "optimizer", None) is None:
        raise RuntimeError(
            "The model given to a keras.wrappers estimator must be compiled with a loss and an optimizer "
            "(call `model.compile(optimizer=..., loss=...)` in the model-building function). Received a "
            f"model with compiled={getattr(model, 'compiled', False)}, loss={getattr(model, 'loss', None)!r}, "
            f"optimizer={getattr(model, 'optimizer', None)!r}"
        )


class TargetReshaper:
    """Turns a 1-D target into a one-column 2-D array for the model, and squeezes a one-column
    prediction back to 1-D when the target it was fitted on was 1-D."""

    def fit(self, y):
        """Record the number of dimensions of the target ``y``; returns ``self``."""
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        """``y`` as an array of at least 2 dimensions (a 1-D target becomes one column)."""
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        """Undo ``transform``: a one-column 2-D ``y`` becomes 1-D if the fitted target was 1-D."""
        y = np.asarray(y)
        if self.ndim_ == 1 and y.ndim == 2 and y.shape[1] == 1:
            return y[:, 0]
        return y


class LabelOneHotEncoder:
    """Class labels (numbers or strings) <-> float32 one-hot rows, in the order of ``classes_``
    (the sorted unique labels, as ``np.unique`` gives them)."""

    def fit(self, y):
        """Learn the classes from the 1-D label array ``y``; returns ``self``."""
        self.classes_ = np.unique(np.asarray(y))
        return self

    def transform(self, y):
        """One-hot rows ``(n_samples, n_classes)``; a label not seen in ``fit`` is a ValueError."""
        y = np.asarray(y).reshape(-1)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(
                f"The target holds labels the estimator was not fitted on: {np.unique(y[unknown]).tolist()}. "
                f"Known classes: {self.classes_.tolist()}"
            )
        return np.eye(len(self.classes_), dtype="float32")[idx]

    def inverse_transform(self, scores):
        """The label of the highest-scoring column of each row of ``scores``."""
        scores = np.asarray(scores)
        if scores.ndim == 1:
            scores = scores.reshape(-1, 1)
        if scores.ndim != 2 or scores.shape[1] != len(self.classes_):
            raise ValueError(
                f"The model's output must have one column per class ({len(self.classes_)} classes: "
                f"{self.classes_.tolist()}), to be read as class scores. Received an output of shape "
                f"{scores.shape}"
            )
        return self.classes_[np.argmax(scores, axis=1)]
