"""Names: snake_case, unique auto names (``dense``, ``dense_1``), and "did you mean" hints."""
from __future__ import annotations

import collections
import difflib
import re
import threading

_uid_lock = threading.Lock()
_name_uids: collections.defaultdict[str, int] = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    s = re.sub(r"\W+", "", s)
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
    base = cls_or_name if isinstance(cls_or_name, str) else to_snake_case(cls_or_name.__name__)
    return uniquify(base)


def reset_uids() -> None:
    with _uid_lock:
        _name_uids.clear()


def did_you_mean(name, options) -> str:
    """A hint such as `` Did you mean 'adam'?`` (empty when nothing is close)."""
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(name).lower(), [o.lower() for o in options], n=1, cutoff=0.6)
    if not close:
        return ""
    lowered = {o.lower(): o for o in options}
    return f" Did you mean {lowered[close[0]]!r}?"


def unknown_identifier_error(kind: str, name, options) -> ValueError:
    """A ValueError for an unknown string identifier, with the nearest valid one."""
    return ValueError(
        f"Could not interpret {kind} identifier: {name!r}.{did_you_mean(name, options)} "
        f"Valid {kind} names include: {', '.join(sorted(map(str, options))[:40])}."
    )
