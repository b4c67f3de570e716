"""Where the app keeps its settings and recovery files.

``NETBUILDER_CONFIG_DIR`` moves both into one folder (tests use it to stay out of the user's
settings); otherwise Qt's standard places are used.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QIcon

from netbuilder.core.resources import RESOURCES

ORGANIZATION, APPLICATION = "netbuilder", "netbuilder"
ICON_FILE = RESOURCES / "icons" / "netbuilder.svg"


def settings() -> QSettings:
    folder = os.environ.get("NETBUILDER_CONFIG_DIR")
    if folder:
        return QSettings(str(Path(folder) / "netbuilder.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def recovery_dir() -> Path:
    folder = os.environ.get("NETBUILDER_CONFIG_DIR")
    base = Path(folder) if folder else Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".netbuilder")
    path = base / "recovery"
    path.mkdir(parents=True, exist_ok=True)
    return path


def app_icon() -> QIcon:
    """The SVG, plus PNG sizes for platforms and bundles without the SVG plug-in."""
    icon = QIcon(str(ICON_FILE))
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = ICON_FILE.with_name(f"netbuilder-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    return icon
