"""The desktop entry, AppStream metainfo and icons are valid and consistent."""

import configparser
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "net.netbuilder.NetBuilder.desktop"
METAINFO = PACKAGING / "net.netbuilder.NetBuilder.metainfo.xml"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed (.ci/run installs it)")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli is not installed (.ci/run installs it)")
def test_metainfo_passes_appstreamcli():
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_entry_icons_and_launcher_fit_together():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"].split()[0] == "netbuilder"  # the console script of pyproject
    assert (PACKAGING / "icons" / f"{section['Icon']}.svg").is_file()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (ROOT / "netbuilder/resources/icons" / f"netbuilder-{size}.png").is_file()
    assert "net.netbuilder.NetBuilder.desktop" in METAINFO.read_text()
