"""Names: snake_case, unique auto names (``dense``, ``dense_1``), and "did you mean" hints."""
from __future__ import annotations

import collections
import difflib
import re
import threading

_uid_lock = threading.Lock()
_name_uids: collections.defaultdict[str, int] = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    """Keras's rule: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    s = re.sub(r"\W+", "", name)
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", s)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    if s and s[0] == "_":
        s = "private" + s
    return s


def uniquify(base: str) -> str:
    """``dense`` the first time, then ``dense_1``, ``dense_2`` … (reset by clear_session)."""
    with _uid_lock:
        n = _name_uids[base]
        _name_uids[base] += 1
    return base if n == 0 else f"{base}_{n}"


def auto_name(cls_or_name) -> str:
    base = to_snake_case(cls_or_name if isinstance(cls_or_name, str) else cls_or_name.__name__)
    return uniquify(base)


def reset_uids() -> None:
    with _uid_lock:
        _name_uids.clear()


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count as one edit)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def closest(name, options):
    """The option nearest to ``name`` (typos first, then difflib similarity), or None."""
    options = [str(o) for o in options]
    if not options:
        return None
    low = str(name).lower()
    scored = sorted(options, key=lambda o: (_edit_distance(low, o.lower()), abs(len(o) - len(low))))
    best = scored[0]
    if _edit_distance(low, best.lower()) <= max(1, min(2, len(low) // 3)):
        return best
    close = difflib.get_close_matches(low, [o.lower() for o in options], n=1, cutoff=0.6)
    if close:
        return {o.lower(): o for o in options}[close[0]]
    return None


def did_you_mean(name, options) -> str:
    """A hint such as `` Did you mean 'adam'?`` (empty when nothing is close)."""
    best = closest(name, options)
    return f" Did you mean {best!r}?" if best is not None else ""


def unknown_identifier_error(kind: str, name, options) -> ValueError:
    """Build the ``ValueError`` for an unknown string identifier, naming the closest valid one.

    Args:
        kind: What was looked up, e.g. ``"loss"`` or ``"regularizer"`` (used in the message).
        name: The identifier that was not found.
        options: The valid names (any iterable of strings); the closest is suggested and up to 40
            are listed.

    Returns:
        A ``ValueError`` (returned, not raised, so the caller writes
        ``raise unknown_identifier_error(...)``).

    Example:

    >>> raise unknown_identifier_error("loss", "mse_", ["mse", "mae"])
    ValueError: Could not interpret loss identifier: 'mse_'. Did you mean 'mse'? ...
    """
    return ValueError(
        f"Could not interpret {kind} identifier: {name!r}.{did_you_mean(name, options)} "
        f"Valid {kind} names include: {', '.join(sorted(map(str, options))[:40])}."
    )
