"""The desktop entry, AppStream metainfo and icons are valid and consistent; the licences and
the sdist carry what a distribution packager needs."""

import configparser
import shutil
import subprocess
import sys
import tarfile

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


def test_licence_files_say_what_ships_under_which_terms():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "Copyright (c) 2026 netbuilder contributors" in licence
    notice = (ROOT / "DATA-LICENSE").read_text(encoding="utf-8")
    assert "netbuilder/resources/data/digits.npz" in notice
    assert "CC BY-SA 3.0" in notice
    assert (ROOT / "netbuilder/resources/data/digits.npz").is_file()
    assert "CC BY-SA 3.0" in (ROOT / "netbuilder/resources/data/README.md").read_text("utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    assert 'license-files = ["LICENSE", "DATA-LICENSE"]' in pyproject


def test_sdist_carries_the_tests_packaging_and_licences(tmp_path):
    """What a distribution packager needs to run the tests is in the sdist (about 3 s)."""
    pytest.importorskip("build", reason="python -m build is not installed (the dev extra has it)")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [sdist] = tmp_path.glob("netbuilder-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        top = names[0].split("/")[0]
        pkg_info = archive.extractfile(f"{top}/PKG-INFO").read().decode("utf-8")
    inside = {name.removeprefix(f"{top}/") for name in names}
    wanted = {"LICENSE", "DATA-LICENSE", "README.md", "Makefile", "pyproject.toml",
              "packaging/net.netbuilder.NetBuilder.xml", f"packaging/{DESKTOP.name}",
              f"packaging/{METAINFO.name}", "packaging/netbuilder.spec",
              "scripts/make_digits_npz.py", "netbuilder/resources/data/digits.npz"}
    assert wanted <= inside, sorted(wanted - inside)
    tests = {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    assert "tests/core/import_samples/tutorial.py" in tests
    assert tests <= inside, sorted(tests - inside)
    assert not [name for name in inside if "__pycache__" in name]
    assert not [name for name in inside if name.endswith(".pyc")]
    assert "License-Expression: MIT" in pkg_info
    assert "License-File: DATA-LICENSE" in pkg_info
