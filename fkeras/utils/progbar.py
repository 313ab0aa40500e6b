"""Keras's progress bar (``keras.utils.Progbar``)."""
from __future__ import annotations

import math
import os
import sys
import time

from fkeras.utils import io_utils


def _is_interactive():
    if not io_utils.is_interactive_logging_enabled():
        return False  # progress goes to the logger: whole lines only
    if "ipykernel" in sys.modules or "google.colab" in sys.modules:
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _host(v):
    """A device scalar as a Python number (other values as they are)."""
    if hasattr(v, "shape") and getattr(v, "ndim", None) == 0:
        try:
            return float(v)
        except (TypeError, ValueError):
            return v
    return v


def format_time(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def format_per_unit(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def format_value(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if v != v or math.isinf(v):
        return str(v)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


class Progbar:
    """A progress bar: ``Progbar(target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name='step')``.

    ``verbose=1`` redraws one line on a terminal or in a notebook (at most every ``interval``
    seconds) and, when output is a file, writes only the final line; ``verbose=2`` writes one
    line when the target is reached. The elapsed time counts from the bar's creation; the time
    per step counts from the first ``first_step_done`` call on (so a first step that compiles
    does not skew it), as Keras does.

    Args:
        target: The total number of steps, or ``None`` when unknown (no bar, only the count).
        width: The bar's width in characters. Defaults to 20.
        verbose: 1 (a live bar), 2 (one line at the end) or 0 (silent). Defaults to 1.
        interval: The least time between two redraws, in seconds. Defaults to 0.05.
        stateful_metrics: Names of the values shown as given rather than averaged. fkeras's
            logs are already running means, so every value is shown as given; the argument is
            kept for compatibility. Defaults to ``None``.
        unit_name: The unit of the per-step time (``"step"`` gives ``"12ms/step"``). Defaults to
            ``"step"``.

    Example:

    ```python
    bar = keras.utils.Progbar(target=100)
    for i in range(100):
        bar.update(i + 1, values=[("loss", 0.1)])
    ```
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic = _is_interactive()
        self._values = {}
        self._values_order = []
        self._start = time.time()  # elapsed time counts from here (an epoch's start)
        self._first = None  # (time, count) when the first step completed: per-step times count from it
        self._last_update = 0.0
        self._prev_width = 0
        self._seen_so_far = 0
        self._finalized = False

    def first_step_done(self, count=1):
        """Mark the end of the first call's ``count`` steps (which include tracing and
        compiling): per-step times are then measured over the steps after it, as Keras does."""
        if self._first is None:
            self._first = (time.time(), count)

    def _per_step(self, current, now):
        if self._first is not None and current > self._first[1]:
            return (now - self._first[0]) / (current - self._first[1])
        return (now - self._start) / max(current, 1)

    def update(self, current, values=None, finalize=None):
        """Record progress and redraw the bar if it is due.

        Args:
            current: The number of steps done so far.
            values: A list of ``(name, value)`` pairs to show after the bar (device scalars are
                read only when the bar redraws).
            finalize: Whether this is the last update (the final line is written); ``None``
                (the default) means ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        draws = (self.verbose == 1
                 and (finalize or (self._dynamic and time.time() - self._last_update >= self.interval))
                 or self.verbose == 2 and finalize)
        for k, v in values or ():
            if k not in self._values_order:
                self._values_order.append(k)
            # fkeras logs are already running means computed in the step: show them as is. Read
            # them now (device values: this waits for the steps) so the time below includes them.
            self._values[k] = _host(v) if draws else v
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 1:
            if not draws:
                return  # a log file gets only the final line, never carriage-return noise
            self._last_update = now
            line = self._line(current, now, finalize)
            if self._dynamic:
                pad = max(0, self._prev_width - len(line))
                sys.stdout.write("\r" + line + " " * pad)
                self._prev_width = len(line)
                if finalize:
                    sys.stdout.write("\n")
                sys.stdout.flush()
            else:
                io_utils.print_msg(line)
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            per = self._per_step(current, now)
            parts = [f"{current}/{self.target}" if self.target else f"{current}",
                     format_time(elapsed), format_per_unit(per, self.unit_name)]
            line = " - ".join(parts) + self._metrics_text()
            io_utils.print_msg(line)
        if finalize:
            self._finalized = True

    def _metrics_text(self):
        return "".join(f" - {k}: {format_value(self._values[k])}" for k in self._values_order)

    def _line(self, current, now, finalize):
        elapsed = now - self._start
        per = self._per_step(current, now)
        if self.target is not None:
            digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
            frac = min(1.0, current / self.target) if self.target else 1.0
            filled = int(self.width * frac)
            if self._dynamic and os.environ.get("NO_COLOR") is None:
                bar = "\x1b[32m" + "━" * filled + "\x1b[0m" + "\x1b[37m" + "━" * (self.width - filled) + "\x1b[0m"
            else:
                bar = "━" * filled + " " * (self.width - filled) if not finalize else "━" * self.width
            head = f"{current:>{digits}}/{self.target} {bar} "
            if finalize:
                head += f"{format_time(elapsed)} {format_per_unit(per, self.unit_name)}"
            else:
                eta = per * (self.target - current)
                head += f"{format_time(eta)} {format_per_unit(per, self.unit_name)}"
        else:
            head = f"{current} {format_time(elapsed)} {format_per_unit(per, self.unit_name)}"
        return head + self._metrics_text()

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps.

        Args:
            n: The number of steps done since the last update.
            values: A list of ``(name, value)`` pairs to show, as for ``update``.
        """
        self.update(self._seen_so_far + n, values)
