"""Docks of the main window: adding them (as tabs where asked), reaching each from the
keyboard, the first layout at 1280×800, and a work-around for a stray tab bar Qt leaves
behind."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFrame, QScrollArea, QTabBar, QWidget

from netbuilder.gui import accessibility
from netbuilder.gui.settings import settings

# Ctrl+digit moves the focus into a panel (raising its tab); Ctrl+F6 / Ctrl+Shift+F6 go
# through every panel in turn. Keyed by the dock's object name; "centre" is the stack.
PANEL_KEYS = {
    "dock_palette": "Ctrl+1", "centre": "Ctrl+2", "dock_properties_panel": "Ctrl+3",
    "dock_training_panel": "Ctrl+4", "dock_summary_panel": "Ctrl+5", "dock_code_view": "Ctrl+6",
    "dock_training_plots": "Ctrl+7", "dock_evaluation_view": "Ctrl+8",
    "dock_parameters_panel": "Ctrl+9", "dock_draw_panel": "Ctrl+0",
}
GO_TO = QT_TRANSLATE_NOOP("Docks", "Go to %1")
STACK = QT_TRANSLATE_NOOP("Docks", "the Stack")


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
        area_widget.setAccessibleName(title)
        # The wrapper takes no focus: Tab and Ctrl+N land on the panel's own controls (and a
        # control disabled while focused passes the focus on to a control, not to it)
        area_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        dock.setWidget(area_widget)
    else:
        dock.setWidget(widget)
    if isinstance(area, QDockWidget):
        window.tabifyDockWidget(area, dock)
    else:
        window.addDockWidget(area, dock)
    accessibility.install(QApplication.instance())  # controls get names as they are shown
    if window.findChild(QAction, "action_next_panel") is None:
        _add_panel_cycle(window)
    _add_go_to(window, dock.objectName(), title, partial(focus_panel, dock))
    return dock


def replace_widget(dock: QDockWidget, widget) -> None:
    """Put ``widget`` where the dock's placeholder was (inside its scroll area, if any)."""
    holder = dock.widget()
    if isinstance(holder, QScrollArea):
        holder.takeWidget().deleteLater()
        holder.setWidget(widget)
    else:
        dock.setWidget(widget)
        holder.deleteLater()


def _translate(text: str) -> str:
    return QCoreApplication.translate("Docks", text)


def _add_go_to(window, key: str, title: str, handler) -> QAction:
    action = QAction(_translate(GO_TO).replace("%1", title), window)
    action.setObjectName(f"action_go_{key}")
    if key in PANEL_KEYS:
        action.setShortcut(QKeySequence(PANEL_KEYS[key]))
    action.triggered.connect(handler)
    window.addAction(action)
    return action


def _add_panel_cycle(window) -> None:
    """Ctrl+F6 / Ctrl+Shift+F6: the next / previous panel, the stack included; and a
    "go to" action for the stack (the central widget)."""
    centre = window.centralWidget()
    if centre is not None:
        _add_go_to(window, "centre", _translate(STACK), partial(focus_panel, centre))
    for name, keys, step in (("next", "Ctrl+F6", 1), ("previous", "Ctrl+Shift+F6", -1)):
        text = QT_TRANSLATE_NOOP("Docks", "Next Panel") if step > 0 else QT_TRANSLATE_NOOP(
            "Docks", "Previous Panel")
        action = QAction(_translate(text), window)
        action.setObjectName(f"action_{name}_panel")
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(partial(cycle_panels, window, step))
        window.addAction(action)


def panels(window) -> list[QWidget]:
    """The stack, then every dock that is not closed, in the order they were added."""
    docks = getattr(window, "docks", {}).values() or window.findChildren(QDockWidget)
    ordered = [d for d in docks if d.toggleViewAction().isChecked()]  # tabs behind count
    centre = window.centralWidget()
    return ([centre] if centre is not None else []) + ordered


def cycle_panels(window, step: int) -> None:
    """Move the focus to the panel ``step`` places after the one holding it."""
    order = panels(window)
    if not order:
        return
    focus = QApplication.focusWidget()
    here = next((i for i, panel in enumerate(order)
                 if focus is not None and (panel is focus or panel.isAncestorOf(focus))), -1)
    for offset in range(1, len(order) + 1):  # a panel with nothing to focus is passed over
        if focus_panel(order[(here + step * offset) % len(order)]):
            return


def focus_panel(panel: QWidget) -> bool:
    """Show and raise ``panel`` (a dock or the centre) and give the focus to the control in it
    that had it last, else to its first control; True if a control took it."""
    if isinstance(panel, QDockWidget):
        panel.show()
        panel.raise_()
    last = panel.focusWidget()
    if last is not None and panel.isAncestorOf(last) and _takes_focus(last):
        last.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True
    widget = panel.nextInFocusChain()
    while widget is not None and widget is not panel:
        if panel.isAncestorOf(widget) and _takes_focus(widget):
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        widget = widget.nextInFocusChain()
    return False


def _takes_focus(widget: QWidget) -> bool:
    return (widget.isVisible() and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus))


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
