import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from fkeras.utils import file_utils
from fkeras.utils.file_utils import DownloadError, get_file


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def source(tmp_path):
    p = tmp_path / "src" / "data.bin"
    p.parent.mkdir()
    data = b"fkeras test payload " * 100
    p.write_bytes(data)
    return p, data


def test_download_from_file_url_into_fkeras_home_and_reuse_cache(home, source, no_network):
    p, data = source
    url = p.as_uri()
    path = get_file("data.bin", origin=url, file_hash=_sha256(data))
    assert path == os.path.join(str(home), "data.bin")
    assert open(path, "rb").read() == data
    assert no_network == [url]
    # Second call: served from the cache, no URL opened (even with the source gone).
    p.unlink()
    assert get_file("data.bin", origin=url, file_hash=_sha256(data)) == path
    assert no_network == [url]


def test_fname_defaults_to_url_basename_and_cache_dir(tmp_path, source):
    p, data = source
    path = get_file(origin=p.as_uri(), cache_dir=str(tmp_path / "c"), cache_subdir="sub")
    assert path == str(tmp_path / "c" / "sub" / "data.bin")
    assert open(path, "rb").read() == data


def test_md5_hash_is_supported(home, source):
    p, data = source
    md5 = hashlib.md5(data).hexdigest()
    path = get_file("d.bin", origin=p.as_uri(), md5_hash=md5)
    assert file_utils.validate_file(path, md5)
    assert not file_utils.validate_file(path, "0" * 32)
    assert file_utils.hash_file(path) == _sha256(data)


def test_bad_hash_after_download_raises_and_removes_file(home, source):
    p, _ = source
    with pytest.raises(ValueError, match="corrupted"):
        get_file("data.bin", origin=p.as_uri(), file_hash="0" * 64)
    assert not (home / "data.bin").exists()
    assert not any(f.name.endswith(".part") for f in home.iterdir())


def test_preplaced_cache_file_with_right_hash_needs_no_network(home, no_network):
    data = b"placed by hand"
    (home / "x.npz").write_bytes(data)
    path = get_file("x.npz", origin="https://example.invalid/x.npz", file_hash=_sha256(data))
    assert path == str(home / "x.npz")
    assert no_network == []


def test_offline_error_names_url_and_destination(home):
    with pytest.raises(DownloadError) as e:
        get_file("y.npz", origin="https://example.invalid/y.npz", file_hash="a" * 64)
    msg = str(e.value)
    assert "https://example.invalid/y.npz" in msg
    assert str(home / "y.npz") in msg and "place it at" in msg
    assert not (home / "y.npz").exists()


def test_stale_cache_file_triggers_redownload(home, source):
    p, data = source
    (home / "data.bin").write_bytes(b"truncated")
    path = get_file("data.bin", origin=p.as_uri(), file_hash=_sha256(data))
    assert open(path, "rb").read() == data


def test_stale_cache_file_offline_error_mentions_hash_mismatch(home):
    (home / "z.bin").write_bytes(b"wrong")
    with pytest.raises(DownloadError, match="does not match the expected sha256"):
        get_file("z.bin", origin="https://example.invalid/z.bin", file_hash="b" * 64)


def _make_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extract_tar_archive_and_skip_unsafe_members(tmp_path, home):
    arc = tmp_path / "a.tar.gz"
    _make_tar(arc, {"top/one.txt": b"1", "../evil.txt": b"x"})
    with pytest.warns(UserWarning, match="unsafe"):
        out = get_file("myarchive", origin=arc.as_uri(), extract=True)
    assert out == str(home / "myarchive")
    assert open(os.path.join(out, "top", "one.txt")).read() == "1"
    assert not (home / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert (home / "myarchive_archive").exists()
    # fname with a dot: the archive keeps the name, extraction goes to <stem>_extracted.
    with pytest.warns(UserWarning, match="unsafe"):
        out2 = get_file("arch.tar.gz", origin=arc.as_uri(), extract=True)
    assert out2 == str(home / "arch_extracted")


def test_extract_zip_archive(tmp_path, home):
    arc = tmp_path / "z.zip"
    with zipfile.ZipFile(arc, "w") as z:
        z.writestr("inner/a.txt", "hello")
    out = get_file("zipped", origin=arc.as_uri(), extract=True)
    assert open(os.path.join(out, "inner", "a.txt")).read() == "hello"


def test_argument_errors(home):
    with pytest.raises(ValueError, match="origin"):
        get_file("a.bin")
    with pytest.raises(ValueError, match="not a path"):
        get_file(os.path.join("sub", "a.bin"), origin="file:///nonexistent")
    with pytest.raises(ValueError, match="hash_algorithm"):
        file_utils.validate_file(__file__, "abc", algorithm="sha1")
