"""``CSVLogger``: stream each epoch's logs to a CSV file."""
from __future__ import annotations

import collections
import csv
import os

import numpy as np

from fkeras.callbacks import path_utils
from fkeras.callbacks.callback import Callback


class CSVLogger(Callback):
    """Write one row per epoch: ``epoch`` then every log key in sorted order.

    Values that are iterables (e.g. per-class arrays) are written as ``"[a, b, ...]"``.

    Args:
        filename: the CSV file, e.g. ``"run/log.csv"``.
        separator: the field separator.
        append: append to an existing file (useful when resuming) instead of overwriting it;
            the header is written only if the file is empty.

    Example:
        csv_logger = keras.callbacks.CSVLogger("training.log")
        model.fit(x, y, callbacks=[csv_logger])
    """

    _needs_live_weights = False  # reads logs only, never the model's weights per batch

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        d = os.path.dirname(self.filename)
        if d:
            path_utils.ensure_writable_dir(d, "CSVLogger", "filename")
        self.append_header = True
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(k):
            is_zero_dim_ndarray = isinstance(k, np.ndarray) and k.ndim == 0
            if isinstance(k, str):
                return k
            if isinstance(k, collections.abc.Iterable) and not is_zero_dim_ndarray:
                return f'"[{", ".join(map(str, k))}]"'
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            for name in getattr(self.model, "metrics_names", None) or []:
                if name.startswith("val_") and name not in self.keys:
                    self.keys.append(name)

        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()

        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
