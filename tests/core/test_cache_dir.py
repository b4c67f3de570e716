"""Downloaded datasets go to the platform's cache folder; $NETBUILDER_DATA still wins."""

import sys
from pathlib import Path

import pytest

from netbuilder.core.data import default_data_dir


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home folder of our own, with no cache or data variables set."""
    for name in ("NETBUILDER_DATA", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_netbuilder_data_wins(home, monkeypatch):
    monkeypatch.setenv("NETBUILDER_DATA", str(home / "my data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    assert default_data_dir() == home / "my data"


def test_the_platforms_cache_folder_is_used(home):
    if sys.platform == "win32":  # %LOCALAPPDATA%, which Windows gives, not the environment
        assert default_data_dir().parts[-3:] == ("netbuilder", "Cache", "datasets")
        return
    expected = {
        "linux": home / ".cache" / "netbuilder" / "datasets",
        "darwin": home / "Library" / "Caches" / "netbuilder" / "datasets",
    }
    if sys.platform not in expected:
        pytest.fail(f"no expected cache folder written down for {sys.platform}")
    assert default_data_dir() == expected[sys.platform]


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is a Linux convention")
def test_xdg_cache_home_is_respected_on_linux(home, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    assert default_data_dir() == Path(home / "xdg-cache" / "netbuilder" / "datasets")
