"""``keras.utils.get_file``: download a file once into the fkeras cache, verify its hash, extract it.

The cache lives in ``$FKERAS_HOME`` (default ``~/.fkeras``), sub-folder ``datasets`` unless told
otherwise. A file already in the cache with the right hash is reused without touching the network;
when the machine is offline the error names the URL and the exact path to place the file at.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from fkeras.backend import config as _config
from fkeras.utils import io_utils

__all__ = ["get_file", "hash_file", "validate_file", "extract_archive", "DownloadError"]


class DownloadError(OSError):
    """A file could not be fetched from its URL (offline, HTTP error, ...)."""


def _open_url(url, timeout=60):
    """The one place that opens URLs (tests replace it to forbid the network)."""
    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (origin is the caller's URL)


def path_to_string(path):
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def _resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "md5":
        return hashlib.md5(usedforsecurity=False)
    if algorithm == "auto":
        if file_hash is not None and len(str(file_hash)) == 64:
            return hashlib.sha256()
        return hashlib.md5(usedforsecurity=False)
    raise ValueError(f'`hash_algorithm` must be one of "auto", "sha256", "md5"; received {algorithm!r}.')


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The sha256 (or md5) hex digest of a file.

    Example:

    >>> hash_file("/path/to/file.zip")  # doctest: +SKIP
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    hasher = _resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether ``fpath``'s sha256/md5 digest equals ``file_hash``."""
    hasher = _resolve_hasher(algorithm, file_hash)
    return str(hash_file(fpath, hasher, chunk_size)) == str(file_hash).lower()


def _within(base, path):
    base = os.path.realpath(base)
    path = os.path.realpath(path)
    try:
        return os.path.commonpath([base, path]) == base
    except ValueError:
        return False


def _safe_tar_members(archive, dest):
    for member in archive.getmembers():
        target = os.path.join(dest, member.name)
        if not _within(dest, target):
            warnings.warn(f"Skipping unsafe path during archive extraction: {member.name!r}.", stacklevel=3)
            continue
        if member.issym() or member.islnk():
            link_base = dest if member.islnk() else os.path.dirname(target)
            if not _within(dest, os.path.join(link_base, member.linkname)):
                warnings.warn(f"Skipping link pointing outside the archive: {member.name!r}.", stacklevel=3)
                continue
        yield member


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a ``.tar``/``.tar.gz``/``.tar.bz2``/``.zip`` archive into ``path``.

    Members that would land outside ``path`` (``../``, absolute paths, links out) are skipped.
    Returns ``True`` if the file was an archive of an allowed format and was extracted.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path = path_to_string(file_path)
    path = path_to_string(path)
    for kind in archive_format:
        if kind == "tar":
            if not tarfile.is_tarfile(file_path):
                continue
            os.makedirs(path, exist_ok=True)
            with tarfile.open(file_path) as archive:
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") and sys.version_info < (3, 14) else {}
                archive.extractall(path, members=list(_safe_tar_members(archive, path)), **kwargs)
            return True
        if kind == "zip":
            if not zipfile.is_zipfile(file_path):
                continue
            os.makedirs(path, exist_ok=True)
            with zipfile.ZipFile(file_path) as archive:
                members = []
                for info in archive.infolist():
                    if _within(path, os.path.join(path, info.filename)):
                        members.append(info)
                    else:
                        warnings.warn(f"Skipping unsafe path during archive extraction: {info.filename!r}.",
                                      stacklevel=2)
                archive.extractall(path, members=members)
            return True
        raise ValueError(f'`archive_format` entries must be "tar" or "zip"; received {kind!r}.')
    return False


def _cache_base(cache_dir):
    base = os.path.expanduser(path_to_string(cache_dir) if cache_dir is not None else _config.fkeras_home())
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".fkeras")
    return base


def _download(origin, target):
    """Stream ``origin`` into ``target`` atomically (a ``.part`` file renamed at the end)."""
    io_utils.print_msg(f"Downloading data from {origin}")
    part = target + ".part"
    try:
        with _open_url(origin) as response, open(part, "wb") as out:
            total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            total = int(total) if total and str(total).isdigit() else None
            bar = None
            if total and total > 1 << 20 and sys.stdout is not None:
                try:
                    from fkeras.utils.progbar import Progbar

                    bar = Progbar(total)
                except Exception:  # the progress bar is cosmetic
                    bar = None
            done = 0
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if bar is not None:
                    bar.update(min(done, total))
        os.replace(part, target)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Download a file from ``origin`` unless it is already in the cache; return its local path.

    The file goes to ``cache_dir/cache_subdir/fname`` (``cache_dir`` defaults to ``$FKERAS_HOME`` or
    ``~/.fkeras``). With ``file_hash`` (sha256 or md5 hex digest) a cached file is checked first (a
    mismatch triggers a fresh download) and a downloaded one is verified. With ``extract=True`` a
    tar/zip archive is unpacked and the extraction folder is returned.

    Args:
        fname: local file name (default: the last part of the URL). With ``extract=True`` and a name
            without a dot, the name of the extraction folder.
        origin: the URL (``https://``, ``http://`` or ``file://``).
        untar: deprecated; same as ``extract=True, archive_format="tar"``.
        md5_hash: deprecated; an md5 ``file_hash``.
        file_hash: expected sha256 (64 hex digits) or md5 digest of the file.
        cache_subdir: folder under the cache dir (an absolute path is used as is).
        hash_algorithm: ``"auto"``, ``"sha256"`` or ``"md5"``.
        extract: unpack the archive after download.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"`` or ``None``.
        cache_dir: cache root (default ``$FKERAS_HOME`` or ``~/.fkeras``).
        force_download: download even if a valid file is cached.

    Example:

    ```python
    path = keras.utils.get_file(
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    ```
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    origin = path_to_string(origin)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(_cache_base(cache_dir), path_to_string(cache_subdir))
    os.makedirs(datadir, exist_ok=True)

    provided_fname = fname
    fname = path_to_string(fname)
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from origin={origin!r}; pass the `fname` argument.")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "`fname` must be a file name, not a path; use `cache_dir`/`cache_subdir` to choose the folder. "
            f"Received: fname={fname!r}")

    if extract or untar:
        if provided_fname and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[: fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, fname + "_archive")
    else:
        download_target = extraction_dir = os.path.join(datadir, fname)

    stale_reason = None
    if force_download:
        download = True
    elif os.path.isfile(download_target):
        download = False
        if file_hash is not None and not validate_file(download_target, file_hash, algorithm=hash_algorithm):
            stale_reason = (f"The cached file {download_target} does not match the expected "
                            f"{'sha256' if len(str(file_hash)) == 64 else 'md5'} hash {file_hash}")
            io_utils.print_msg(f"{stale_reason}; downloading it again.")
            download = True
    else:
        download = True

    if download:
        try:
            _download(origin, download_target)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            code = getattr(e, "code", None)
            hash_note = f" (expected hash: {file_hash})" if file_hash else ""
            stale = f" {stale_reason}." if stale_reason else ""
            raise DownloadError(
                f"URL fetch failure on {origin}: {f'HTTP {code} ' if code else ''}{reason}.{stale} "
                f"If this machine is offline, download {origin} elsewhere and place it at "
                f"{download_target}{hash_note}; fkeras will use the cached file without downloading."
            ) from e
        if file_hash is not None and not validate_file(download_target, file_hash, algorithm=hash_algorithm):
            actual = hash_file(download_target, _resolve_hasher(hash_algorithm, file_hash))
            os.remove(download_target)
            raise ValueError(
                f"Incomplete or corrupted file downloaded from {origin}: its hash is {actual}, expected "
                f"{file_hash}. The file was removed; try again.")

    if extract or untar:
        if untar:
            archive_format = "tar"
        if download or not os.path.isdir(extraction_dir) or not os.listdir(extraction_dir):
            tmp = tempfile.mkdtemp(dir=datadir, prefix=".extract-")
            try:
                ok = extract_archive(download_target, tmp, archive_format)
                if ok:
                    if os.path.isdir(extraction_dir):
                        shutil.rmtree(extraction_dir)
                    os.replace(tmp, extraction_dir)
                else:
                    warnings.warn(f"Could not extract archive {download_target} (format {archive_format!r}).",
                                  stacklevel=2)
            finally:
                if os.path.isdir(tmp):
                    shutil.rmtree(tmp, ignore_errors=True)
        return extraction_dir
    return download_target
