import urllib.error

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: only file:// URLs may be opened."""
    from fkeras.utils import file_utils

    real = file_utils._open_url
    calls = []

    def guarded(url, timeout=60):
        calls.append(url)
        if not str(url).startswith("file:"):
            raise urllib.error.URLError("network access is disabled in tests")
        return real(url, timeout=timeout)

    monkeypatch.setattr(file_utils, "_open_url", guarded)
    return calls


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temporary FKERAS_HOME; returns its datasets folder."""
    monkeypatch.setenv("FKERAS_HOME", str(tmp_path / "fkhome"))
    d = tmp_path / "fkhome" / "datasets"
    d.mkdir(parents=True)
    return d
