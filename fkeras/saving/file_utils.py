"""Atomic file replacement for model files.

Every save writes to a temporary file in the target's directory and renames it over the
target with ``os.replace`` (atomic on POSIX and Windows), so a crash or kill mid-save leaves
either the previous file or the new one, never a truncated mix.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile


def check_overwrite(filepath, overwrite):
    """``True`` to go ahead. With ``overwrite=False`` and an existing file, ask on a terminal
    (Keras's behaviour) or raise ``FileExistsError`` when nobody can answer."""
    if overwrite or not os.path.exists(filepath):
        return True
    if sys.stdin is not None and sys.stdin.isatty():
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
        while answer not in ("y", "n"):
            answer = input('Enter "y" (overwrite) or "n" (cancel). ').strip().lower()
        return answer == "y"
    raise FileExistsError(
        f"{filepath} already exists and `overwrite=False` was passed. Pass `overwrite=True` to "
        "replace it."
    )


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path next to ``filepath``; on success rename it over ``filepath``.

    Example:
        with atomic_path("model.keras") as tmp:
            write_zip(tmp)
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
