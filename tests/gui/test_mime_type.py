"""netbuilder's own MIME types: declared in packaging/, used by the desktop entry and the
metainfo, and recognised by Qt's MIME database in the files netbuilder itself writes."""

import configparser
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata

from netbuilder.core.project import Project
from netbuilder.core.spec import NetworkSpec
from netbuilder.gui.app import DESKTOP_FILE_NAME, create_application
from tests.conftest import ROOT, TEMPLATES

PACKAGING = ROOT / "packaging"
MIME_XML = PACKAGING / "net.netbuilder.NetBuilder.xml"
DESKTOP = PACKAGING / "net.netbuilder.NetBuilder.desktop"
METAINFO = PACKAGING / "net.netbuilder.NetBuilder.metainfo.xml"
NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
PROJECT = "application/x-netbuilder-project"
PROJECT_JSON = "application/x-netbuilder-project+json"
NETWORK_JSON = "application/x-netbuilder-network+json"
OURS = {PROJECT, PROJECT_JSON, NETWORK_JSON}


def declared_types() -> dict[str, ET.Element]:
    root = ET.parse(MIME_XML).getroot()
    assert root.tag == f"{NS}mime-info"
    return {node.get("type"): node for node in root.findall(f"{NS}mime-type")}


def test_the_mime_xml_declares_the_project_and_network_types():
    types = declared_types()
    assert set(types) == OURS
    archive = types[PROJECT]
    assert [g.get("pattern") for g in archive.findall(f"{NS}glob")] == ["*.nbproj"]
    assert archive.find(f"{NS}sub-class-of").get("type") == "application/zip"
    for name in (PROJECT_JSON, NETWORK_JSON):
        node = types[name]
        assert node.find(f"{NS}sub-class-of").get("type") == "application/json"
        globs = node.findall(f"{NS}glob")
        # a *.json glob weaker than application/json's (50), so that the bytes decide
        assert [(g.get("pattern"), int(g.get("weight"))) for g in globs] == [("*.json", 10)]
        value = node.find(f"{NS}magic/{NS}match").get("value")
        fmt = "netbuilder.project" if name == PROJECT_JSON else "netbuilder.network"
        assert value == f'"format": "{fmt}"'


def test_the_desktop_entry_and_metainfo_name_exactly_these_types():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP, encoding="utf-8")
    listed = [t for t in entry["Desktop Entry"]["MimeType"].split(";") if t]
    assert set(listed) == OURS
    assert "application/json" not in listed
    root = ET.parse(METAINFO).getroot()
    assert {m.text for m in root.findall("provides/mediatype")} == OURS


def test_metainfo_urls_match_the_project_urls():
    """The installed metadata (pyproject's [project.urls]) and the metainfo agree."""
    urls = dict(line.split(", ", 1) for line in metadata.metadata("netbuilder").get_all(
        "Project-URL"))
    root = ET.parse(METAINFO).getroot()
    shown = {u.get("type"): u.text for u in root.findall("url")}
    assert shown["homepage"] == urls["Homepage"]
    assert shown["bugtracker"] == urls["Issues"]
    assert shown["help"] == urls["Documentation"]


SNIFF = """
import sys
from PySide6.QtCore import QMimeDatabase
database = QMimeDatabase()
for path in sys.argv[1:]:
    print(database.mimeTypeForFile(path).name())
"""


def test_qt_recognises_the_files_netbuilder_writes(tmp_path):
    """Qt's own MIME database, given the XML as a user install would, names each file."""
    packages = tmp_path / "data" / "mime" / "packages"
    packages.mkdir(parents=True)
    (packages / MIME_XML.name).write_bytes(MIME_XML.read_bytes())
    spec = NetworkSpec.load(TEMPLATES / "mnist_mlp.json")
    files = tmp_path / "files"
    files.mkdir()
    written = {
        "untrained.json": PROJECT_JSON,
        "trained.nbproj": PROJECT,
        "network.json": NETWORK_JSON,
        "other.json": "application/json",
    }
    Project(spec).save(files / "untrained.json")
    Project(spec).save(files / "trained.nbproj")
    (files / "network.json").write_text(spec.to_json(), encoding="utf-8")
    (files / "other.json").write_text(json.dumps({"format": "something else"}, indent=2))
    paths = [str(files / name) for name in written]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-c", SNIFF, *paths], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == list(written.values())


def test_the_application_names_its_desktop_file(qapp):
    assert DESKTOP_FILE_NAME == DESKTOP.name.removesuffix(".desktop")
    app = create_application([])
    assert app is qapp
    assert app.desktopFileName() == DESKTOP_FILE_NAME
