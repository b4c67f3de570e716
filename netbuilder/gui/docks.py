"""Docks of the main window: adding them (as tabs where asked), the first layout at
1280×800, and a work-around for a stray tab bar Qt leaves behind."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QTabBar

from netbuilder.gui.settings import settings


def add_dock(window, title: str, widget, area, scroll: bool = False,
         name: str = "") -> QDockWidget:
    """A dock in ``area``, or, when ``area`` is another dock, a tab on top of it (added
    this way, not added then tabified, Qt leaves no stray tab bar behind)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock_{name or widget.objectName()}")
    if scroll:  # tall forms scroll instead of making the window taller than the screen
        area_widget = QScrollArea(dock)
        area_widget.setWidgetResizable(True)
        area_widget.setFrameShape(QFrame.Shape.NoFrame)
        # Forms get narrower instead: no panel scrolls sideways (fields shrink, text wraps).
        area_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area_widget.setWidget(widget)
        dock.setWidget(area_widget)
    else:
        dock.setWidget(widget)
    if isinstance(area, QDockWidget):
        window.tabifyDockWidget(area, dock)
    else:
        window.addDockWidget(area, dock)
    return dock


def restore_layout(window) -> None:
    store = settings()
    geometry = store.value("window/geometry")
    state = store.value("window/state")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        window.resize(1280, 800)
        window.resizeDocks([window.docks["palette"]], [210], Qt.Orientation.Horizontal)
        window.resizeDocks([window.docks["properties"]], [340], Qt.Orientation.Horizontal)
        window.resizeDocks([window.docks["properties"], window.docks["summary"]], [440, 300],
                         Qt.Orientation.Vertical)
        window.resizeDocks([window.docks["code"]], [230], Qt.Orientation.Vertical)
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)


def hide_stray_tab_bars(window) -> None:
    """Qt (6.11) leaves a duplicate tab bar behind when a window gets a second group of
    tabbed docks before it is shown; hide any tab bar that is not beside its docks."""
    window.layout().activate()
    docks = {dock.windowTitle(): dock for dock in window.docks.values()}
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible():
            continue
        shown = [docks[bar.tabText(i)] for i in range(bar.count())
                 if bar.tabText(i) in docks and docks[bar.tabText(i)].isVisible()]
        if not shown:
            continue
        dock = shown[0].geometry()
        beside = (bar.geometry().left() < dock.right() and dock.left() < bar.geometry().right()
                  and (abs(bar.geometry().top() - dock.bottom()) <= 8
                       or abs(bar.geometry().bottom() - dock.top()) <= 8))
        if not beside:
            bar.hide()
