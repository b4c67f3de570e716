"""Light and dark palettes (Fusion style), or whatever the system gives."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

# the labels are translated where the menu is built (MainWindow.tr)
THEMES = {"system": QT_TRANSLATE_NOOP("MainWindow", "System"),
          "light": QT_TRANSLATE_NOOP("MainWindow", "Light"),
          "dark": QT_TRANSLATE_NOOP("MainWindow", "Dark")}
_system: dict[str, object] = {}


def dark_palette() -> QPalette:
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: "#2b2d31", role.WindowText: "#e6e6e6", role.Base: "#1f2023",
        role.AlternateBase: "#2b2d31", role.ToolTipBase: "#3a3d42", role.ToolTipText: "#f0f0f0",
        role.Text: "#e6e6e6", role.Button: "#34363b", role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b", role.Highlight: "#3d7bd9", role.HighlightedText: "#ffffff",
        role.Link: "#7fb2ff", role.Mid: "#55585e", role.Dark: "#18191b", role.Light: "#45484e",
        role.PlaceholderText: "#8a8d93",
    }
    for colour_role, colour in colours.items():
        palette.setColor(colour_role, QColor(colour))
    for colour_role in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor("#75787e"))
    return palette


def apply_theme(app: QApplication, name: str) -> None:
    if not _system:
        _system["palette"] = QPalette(app.palette())
        _system["style"] = app.style().name()
    if name == "dark":
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette())
    elif name == "light":
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(app.style().standardPalette())
    else:
        app.setStyle(QStyleFactory.create(str(_system["style"])))
        app.setPalette(_system["palette"])
