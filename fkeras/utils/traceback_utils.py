"""Shorter tracebacks: frames inside fkeras are dropped from errors raised through its entry points.

When a user's model fails inside ``fit`` or a layer call, most of the traceback is fkeras and JAX
plumbing between the user's line and the user's code that raised. With filtering on (the default,
as in Keras 3) the entry points ``Layer.__call__``, ``fit``, ``evaluate``, ``predict``, the
``*_on_batch`` methods, ``save`` and ``load_model`` re-raise errors with fkeras's own frames
removed; the error type, message and chained causes are unchanged. Call
``keras.config.disable_traceback_filtering()`` to see every frame (when reporting a bug in fkeras).
"""
from __future__ import annotations

import functools
import os
import types

_ENABLED = [True]
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def enable_traceback_filtering():
    """Drop fkeras's internal frames from tracebacks of errors raised through its entry points (default)."""
    _ENABLED[0] = True


def disable_traceback_filtering():
    """Show every frame, fkeras's own included, in tracebacks (useful when debugging fkeras itself)."""
    _ENABLED[0] = False


def is_traceback_filtering_enabled() -> bool:
    """Whether fkeras's internal frames are dropped from tracebacks."""
    return _ENABLED[0]


def _is_internal(frame) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def filtered_traceback(tb):
    """``tb`` without the frames whose code lives in the fkeras package (``None`` if none is left)."""
    frames = []
    while tb is not None:
        if not _is_internal(tb.tb_frame):
            frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    if not frames:
        return None
    new = None
    for frame, lasti, lineno in reversed(frames):
        new = types.TracebackType(new, frame, lasti, lineno)
    return new


def filter_traceback(fn):
    """Decorate an entry point so errors leave it with fkeras's internal frames filtered out."""

    @functools.wraps(fn)
    def error_handler(*args, **kwargs):
        if not _ENABLED[0]:
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            # With no user frame below the entry point (an error fkeras raised about the call itself),
            # the traceback ends at the user's call; the message says what was wrong.
            # The same object is re-raised: its cause and context stay as they were (hence no `from`).
            raise e.with_traceback(filtered_traceback(e.__traceback__))  # noqa: B904

    return error_handler
