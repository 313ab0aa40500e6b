"""Atomic file replacement for model files.

Every save writes to a temporary file in the target's directory and renames it over the
target with ``os.replace`` (atomic on POSIX and Windows), so a crash or kill mid-save leaves
either the previous file or the new one, never a truncated mix.

A temporary is named ``.<target name>.fkeras-<host>-<pid>-<random>.tmp``. A process killed
mid-save leaves its temporary behind; the next save to the same target removes such leftovers
(only files of this naming, for this target, whose writer is gone: a dead process on this host,
or older than a day when written on another host), never anything else.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import socket
import sys
import tempfile
import time

TMP_TAG = "fkeras"
# A temporary written on another host is only known to be stale after this long.
_FOREIGN_STALE_AFTER_S = 24 * 3600
# Temporaries of fkeras versions before the per-process naming: ".<name>.<8 chars>.tmp".
_LEGACY_STALE_AFTER_S = 3600


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


def _host():
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:16] or "host"


def temp_prefix(filepath):
    """The name prefix of this process's temporaries for ``filepath``."""
    return f".{os.path.basename(filepath)}.{TMP_TAG}-{_host()}-{os.getpid()}-"


def _temp_pattern(filepath):
    base = re.escape(os.path.basename(filepath))
    return re.compile(rf"^\.{base}\.{TMP_TAG}-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[A-Za-z0-9_]+"
                      r"(?P<kind>\.tmp|\.new|\.old)$")


def _legacy_pattern(filepath):
    return re.compile(rf"^\.{re.escape(os.path.basename(filepath))}\.[a-z0-9_]{{8}}\.tmp$")


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's process) or unknown: leave it
    return True


def _is_stale(name, path, pattern, legacy):
    try:
        age = time.time() - os.lstat(path).st_mtime
    except OSError:
        return False
    m = pattern.match(name)
    if m is not None:
        if m.group("host") == _host():
            return not _pid_alive(int(m.group("pid")))
        return age > _FOREIGN_STALE_AFTER_S
    return legacy.match(name) is not None and age > _LEGACY_STALE_AFTER_S


def _asides(dirpath):
    """Previous contents of ``dirpath`` set aside by an interrupted ``atomic_dir`` (newest first)."""
    directory = os.path.dirname(os.path.abspath(dirpath))
    pattern = _temp_pattern(dirpath)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = [os.path.join(directory, n) for n in names
             if (m := pattern.match(n)) is not None and m.group("kind") == ".old"]
    found = [p for p in found if os.path.isdir(p) and not os.path.islink(p)]
    return sorted(found, key=lambda p: os.lstat(p).st_mtime, reverse=True)


def recoverable_dir(dirpath, required=()):
    """Where the content of a missing ``dirpath`` is, when a save was interrupted between its two
    renames (only on filesystems without an atomic directory exchange); else None."""
    if os.path.lexists(dirpath):
        return None
    for aside in _asides(dirpath):
        if all(os.path.exists(os.path.join(aside, r)) for r in required):
            return aside
    return None


def remove_stale_temporaries(filepath):
    """Delete leftovers of interrupted saves to ``filepath`` (only temporaries of our own naming
    for this target whose writer is gone). Returns the names removed."""
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    pattern, legacy = _temp_pattern(filepath), _legacy_pattern(filepath)
    keep = recoverable_dir(filepath)  # the only copy of a directory target: never removed
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        path = os.path.join(directory, name)
        if path == keep or not _is_stale(name, path, pattern, legacy):
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
            removed.append(name)
        except OSError:
            pass
    return removed


def _exchange(a, b):
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


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
    remove_stale_temporaries(filepath)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(filepath), suffix=".tmp", dir=directory)
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


@contextlib.contextmanager
def atomic_dir(dirpath):
    """Yield a temporary directory next to ``dirpath``; on success it replaces ``dirpath``.

    Something loadable is at ``dirpath`` at every moment: the new directory is complete before
    it takes the old one's place, by an atomic exchange where the filesystem offers one
    (Linux). Elsewhere the old directory is renamed aside first; a crash between the two
    renames leaves it aside, where ``load_model`` finds it and the next save puts it back.
    """
    dirpath = os.fspath(dirpath).rstrip("/\\") or os.fspath(dirpath)
    parent = os.path.dirname(os.path.abspath(dirpath))
    os.makedirs(parent, exist_ok=True)
    aside = recoverable_dir(dirpath)
    if aside is not None:
        os.replace(aside, dirpath)
    remove_stale_temporaries(dirpath)
    if os.path.lexists(dirpath) and (os.path.islink(dirpath) or not os.path.isdir(dirpath)):
        raise FileExistsError(f"{dirpath} exists and is not a directory; remove it to save an unzipped "
                              "model there.")
    tmp = tempfile.mkdtemp(prefix=temp_prefix(dirpath), suffix=".new", dir=parent)
    try:
        yield tmp
        if not os.path.exists(dirpath):
            os.replace(tmp, dirpath)
        elif _exchange(tmp, dirpath):
            shutil.rmtree(tmp, ignore_errors=True)  # now the previous content
        else:
            aside = tempfile.mkdtemp(prefix=temp_prefix(dirpath), suffix=".old", dir=parent)
            os.rmdir(aside)
            os.replace(dirpath, aside)
            os.replace(tmp, dirpath)
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def fsync_file(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
