"""Light and dark palettes (Fusion style), or whatever the system gives.

Fusion draws the frame of a check box or radio button in a shade darker than the palette's
Window colour: on a dark window that frame vanishes, and an unticked box with it (on the light
one it is a faint 2:1). Both themes therefore hand Fusion, for those indicators only, a palette
whose Window is a mid grey (:class:`VisibleIndicators`); everything else keeps its palette.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory

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


# Fusion's frame = Window.darker(140).lighter(110), about 0.79 of this grey: 3:1 or more against
# the theme's window and field colours (WCAG's minimum for the boundary of a control)
INDICATOR_WINDOW = {"light": "#a9adb4", "dark": "#c8ccd3"}
INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
              QStyle.PrimitiveElement.PE_IndicatorRadioButton)


class VisibleIndicators(QProxyStyle):
    """Fusion, with check box and radio button frames drawn from a light Window colour (item
    views' and menus' check boxes are drawn through these elements too)."""

    def __init__(self, grey: str):
        super().__init__(QStyleFactory.create("Fusion"))
        self.setObjectName("visible_indicators")
        self.grey = QColor(grey)

    def drawPrimitive(self, element, option, painter, widget=None) -> None:
        if element not in INDICATORS:
            super().drawPrimitive(element, option, painter, widget)
            return
        saved = QPalette(option.palette)
        palette = QPalette(saved)
        role, group, grey = QPalette.ColorRole.Window, QPalette.ColorGroup, self.grey
        palette.setColor(group.Active, role, grey)
        palette.setColor(group.Inactive, role, grey)
        window = saved.color(group.Disabled, role)  # disabled: halfway to the window colour
        palette.setColor(group.Disabled, role, QColor((grey.red() + window.red()) // 2,
                                                      (grey.green() + window.green()) // 2,
                                                      (grey.blue() + window.blue()) // 2))
        option.palette = palette
        try:
            super().drawPrimitive(element, option, painter, widget)
        finally:
            option.palette = saved


def apply_theme(app: QApplication, name: str) -> None:
    if not _system:
        _system["palette"] = QPalette(app.palette())
        _system["style"] = app.style().name()
    if name == "dark":
        app.setStyle(VisibleIndicators(INDICATOR_WINDOW["dark"]))
        app.setPalette(dark_palette())
    elif name == "light":
        app.setStyle(VisibleIndicators(INDICATOR_WINDOW["light"]))
        app.setPalette(app.style().standardPalette())
    else:
        app.setStyle(QStyleFactory.create(str(_system["style"])))
        app.setPalette(_system["palette"])
