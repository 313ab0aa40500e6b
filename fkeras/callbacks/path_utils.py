"""File-system checks shared by the callbacks that write files.

They run at ``on_train_begin`` so that a bad path fails before the first step, not after an
hour of training.
"""
from __future__ import annotations

import os
import string
import tempfile


def ensure_writable_dir(path, owner, argname):
    """Create ``path`` (and its parents) if needed and prove a file can be written in it.

    Raises ``OSError`` naming ``owner`` and ``argname`` when the directory cannot be created
    or written (a probe file is created and removed: permission bits alone say nothing when
    running as root).
    """
    path = os.fspath(path) or "."
    try:
        if os.path.exists(path) and not os.path.isdir(path):
            raise NotADirectoryError(f"{path!r} exists and is not a directory")
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".fkeras_write_probe_", dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise type(e)(
            getattr(e, "errno", None) or 0,
            f"{owner}: cannot write to the directory {path!r} given by `{argname}` ({e.strerror or e}). "
            "Pass a path in a writable directory.",
        ) from e
    return path


def template_fields(template, owner="ModelCheckpoint", argname="filepath"):
    """The top-level field names of a ``str.format`` template (``'{val_loss:.2f}'`` -> ``'val_loss'``)."""
    fields = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"{owner}: `{argname}` is not a valid format template: {template!r} ({e}).") from None
    for _, field, _, _ in parsed:
        if field is None:
            continue
        base = field.split(".", 1)[0].split("[", 1)[0]
        if base == "" or base.isdigit():
            raise ValueError(
                f"{owner}: `{argname}` may only contain named fields such as '{{epoch:02d}}' or "
                f"'{{val_loss:.2f}}'; received the positional field '{{{field}}}' in {template!r}."
            )
        fields.append(base)
    return fields


def static_dir(template):
    """The longest leading directory of a path template that contains no format field."""
    head = template.split("{", 1)[0]
    if "{" in template:
        return os.path.dirname(head)  # the part after the last separator is (partly) templated
    return os.path.dirname(template)
