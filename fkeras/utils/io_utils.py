"""Where fkeras's messages go: the terminal (interactive logging, the default) or Python's ``logging``.

Progress bars, callback messages ("Epoch 3: early stopping") and loader messages go through
``print_msg``. With interactive logging on they are written to ``sys.stdout``; after
``keras.config.disable_interactive_logging()`` they become records of the ``"fkeras"`` logger at
INFO level (one record per line, no carriage-return redraws), which suits services and
cluster jobs whose output is collected by a logging system.

Example:
    import logging
    logging.basicConfig(level=logging.INFO)
    keras.config.disable_interactive_logging()
    model.fit(x, y, epochs=2)   # progress lines arrive as log records
    keras.config.enable_interactive_logging()
"""
from __future__ import annotations

import logging
import sys

_INTERACTIVE = [True]  # process-wide, as in Keras
logger = logging.getLogger("fkeras")


def enable_interactive_logging():
    """Write fkeras's progress bars and messages to ``sys.stdout`` (the default)."""
    _INTERACTIVE[0] = True


def disable_interactive_logging():
    """Send fkeras's progress bars and messages to the ``"fkeras"`` Python logger (INFO level)
    instead of ``sys.stdout``; progress bars then write one line when they finish, never redraws."""
    _INTERACTIVE[0] = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to ``sys.stdout`` (``True``) or to the ``"fkeras"`` logger (``False``)."""
    return _INTERACTIVE[0]


def print_msg(message: str, line_break: bool = True) -> None:
    """Show ``message`` to the user: on ``sys.stdout`` (with a newline unless ``line_break=False``)
    when interactive logging is on, else as an INFO record of the ``"fkeras"`` logger.

    Args:
        message: the text to show.
        line_break: whether to end the text with a newline on ``sys.stdout`` (log records are
            always whole lines).
    """
    if is_interactive_logging_enabled():
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        text = message.strip("\r\n")
        if text:
            logger.info(text)
