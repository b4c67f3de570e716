"""Accessible names for every control, also for widgets added later.

Screen readers announce a control by its accessible name. Widgets name themselves at creation
where that is cheap; this module covers the rest: a control still without a name gets one from
what a sighted person reads beside it — its buddy QLabel, its QFormLayout row label, its
button text, its group box title, its tooltip or its placeholder. ``name_unnamed`` does it for
a built window; ``install`` adds an application-wide filter that does it for each widget as it
is shown, so that panels rebuilt later (Properties) and new dialogs are covered too; while a
run trains it may step aside (``suspend``/``resume``, see ``quiet_run``).
"""

from __future__ import annotations

import re
import weakref

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAccessible, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QToolButton,
    QWidget,
)

from netbuilder.gui.app_filter import app_filter

# What a person operates: these need a name even when they do not take the focus.
INTERACTIVE = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QAbstractSlider,
               QAbstractItemView, QTextEdit, QPlainTextEdit)

# Qt's private pieces of a combo box (its popup) and a line edit (its clear button)
PART_CLASSES = {"QComboBoxPrivateContainer", "QLineEditIconButton"}


def accessible_name(widget: QWidget) -> str:
    """The name assistive technology reads for ``widget`` (Qt's own fallbacks included)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def is_part(widget: QWidget) -> bool:
    """Parts Qt presents through their owner: a spin box's line edit, a scroll area's scroll
    bars and viewport, a view's header, a menu bar's extension button."""
    if widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    if isinstance(widget, QScrollBar) and parent is not None and (
            parent.objectName().startswith("qt_scrollarea") or isinstance(
                parent, QAbstractScrollArea)):
        return True
    if isinstance(widget, QHeaderView) or widget.metaObject().className() in PART_CLASSES:
        return True
    if parent is not None and parent.metaObject().className() in PART_CLASSES:
        return True
    return isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget


def needs_name(widget: QWidget) -> bool:
    """A control a person reaches with Tab or operates: it must have a name."""
    if is_part(widget):
        return False
    takes_focus = widget.focusPolicy() != Qt.FocusPolicy.NoFocus
    return takes_focus or isinstance(widget, INTERACTIVE)


def _plain(text: str) -> str:
    """Rich text, '&' mnemonics and line breaks reduced to one short line."""
    if "<" in text:
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    text = re.sub(r"&(?!&)", "", text).replace("&&", "&")
    return " ".join(text.split())


def _form_label(widget: QWidget) -> str:
    """The label of the QFormLayout row holding ``widget``, or a layout or widget around it."""
    child: QWidget | None = widget
    while child is not None and child.parentWidget() is not None:
        parent = child.parentWidget()
        layout = parent.layout()
        if layout is not None:
            text = _label_in(layout, child)
            if text:
                return text
        if isinstance(parent, (QDockWidget, QAbstractScrollArea)) or parent.isWindow():
            return ""
        child = parent
    return ""


def _label_in(layout: QLayout, widget: QWidget) -> str:
    """The row label for ``widget`` in ``layout`` or in a form layout nested inside it."""
    if isinstance(layout, QFormLayout):
        for row in range(layout.rowCount()):
            field = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if field is None or label is None or not isinstance(label.widget(), QLabel):
                continue
            if field.widget() is widget or (field.layout() is not None and _holds(
                    field.layout(), widget)):
                return label.widget().text()
    for index in range(layout.count()):
        inner = layout.itemAt(index).layout()
        if inner is not None:
            text = _label_in(inner, widget)
            if text:
                return text
    return ""


def _holds(layout: QLayout, widget: QWidget) -> bool:
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is widget or (item.layout() is not None and _holds(item.layout(),
                                                                           widget)):
            return True
    return False


def _buddy_label(widget: QWidget) -> str:
    """A QLabel whose buddy is ``widget``, also when a layout put them in different parents
    (Qt itself looks only among the siblings)."""
    scope = widget.parentWidget()
    for _level in range(2):
        if scope is None or scope.parentWidget() is None:
            break
        scope = scope.parentWidget()
    for label in scope.findChildren(QLabel) if scope is not None else []:
        if label.buddy() is widget and label.text():
            return label.text()
    return ""


def _label_before(widget: QWidget) -> str:
    """A QLabel just before ``widget`` in the layout holding it ("Brush" [slider], a heading
    "Problems" above a list), when that label is no other control's buddy."""
    parent = widget.parentWidget()
    layout = _layout_holding(parent.layout(), widget) if parent is not None else None
    if layout is None:
        return ""
    for index in range(1, layout.count()):
        if layout.itemAt(index).widget() is widget:
            label = layout.itemAt(index - 1).widget()
            if isinstance(label, QLabel) and label.buddy() is None and not label.isHidden():
                return label.text()
    return ""


def _layout_holding(layout: QLayout | None, widget: QWidget) -> QLayout | None:
    if layout is None:
        return None
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is widget:
            return layout
        found = _layout_holding(item.layout(), widget)
        if found is not None:
            return found
    return None


def _panel_title(widget: QWidget) -> str:
    """The title of the dock ``widget`` sits in: the last resort for a control that nothing
    is written beside (a canvas, a plot): the panel is better than no name."""
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QDockWidget):
            return parent.windowTitle()
        parent = parent.parentWidget()
    return ""


def derived_name(widget: QWidget) -> str:
    """A name from what is written on or beside ``widget``, or "" when nothing is."""
    if isinstance(widget, QAbstractButton):  # its own text, else what labels it
        candidates = [widget.text()]
        if isinstance(widget, QToolButton) and widget.defaultAction() is not None:
            candidates.append(widget.defaultAction().text())
        candidates += [_buddy_label(widget), _form_label(widget), widget.toolTip()]
    else:
        candidates = [_buddy_label(widget), _form_label(widget)]
        if isinstance(widget, QGroupBox):
            candidates.append(widget.title())
        candidates.append(_label_before(widget))
        if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
            candidates.append(widget.placeholderText())
        if isinstance(widget, QAbstractScrollArea) and isinstance(widget.parentWidget(),
                                                                     QDockWidget):
            candidates.append(widget.parentWidget().windowTitle())
        candidates += [widget.toolTip(), widget.whatsThis(), _panel_title(widget)]
    for text in candidates:
        plain = _plain(text or "").rstrip(":：").strip()
        if plain:
            return plain
    return ""


def has_name(widget: QWidget) -> bool:
    """Named by us or by Qt's fallbacks (a button's text, a sibling buddy label); a combo
    box's fallback is its current entry, which says what is chosen, not what it is."""
    if widget.accessibleName():
        return True
    return not isinstance(widget, QComboBox) and bool(accessible_name(widget))


def name_widget(widget: QWidget) -> bool:
    """Give a shown ``widget`` a derived name if it needs one and has none (hidden ones wait
    until they are shown: their texts may not be set yet); True if it has one."""
    if not needs_name(widget) or has_name(widget):
        return True
    if not widget.isVisible():
        return False
    name = derived_name(widget)
    if name:
        widget.setAccessibleName(name)
        tip = _plain(widget.toolTip() or "")
        if tip and tip != name and not widget.accessibleDescription():
            widget.setAccessibleDescription(tip)
    return bool(name)


def name_unnamed(root: QWidget) -> list[QWidget]:
    """Name every shown control under ``root`` (itself included) that lacks a name; returns
    those left without one (hidden, or nothing is written beside them)."""
    return [w for w in [root, *root.findChildren(QWidget)] if not name_widget(w)]


def unnamed(root: QWidget, visible_only: bool = True) -> list[str]:
    """Controls under ``root`` that assistive technology would announce without a name, as
    'ClassName objectName (parent objectName)' for a test's failure message."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if visible_only and not widget.isVisibleTo(root.window()):
            continue
        if needs_name(widget) and not has_name(widget):
            parent = widget.parentWidget()
            found.append(f"{type(widget).__name__} {widget.objectName()!r} (in "
                         f"{type(parent).__name__} {parent.objectName()!r})" if parent else
                         f"{type(widget).__name__} {widget.objectName()!r}")
    return found


def name_shown(watched: QObject, _event: QEvent) -> bool:
    """The shared application filter's Show handler: name the control as it is shown (by then
    its labels and layout are in place). A control settled once (named, or needing no name) is
    not looked at again when it is shown again: a properties page shown anew for another layer
    shows a few hundred of them."""
    if isinstance(watched, QWidget) and watched not in _settled:
        try:
            if name_widget(watched):
                _settled.add(watched)
        except RuntimeError:  # a widget being deleted: nothing to name
            pass
    return False


_settled: weakref.WeakSet[QWidget] = weakref.WeakSet()
WATCHER = "accessibility namer"
_installed = False
_suspended = False


def install(app: QCoreApplication) -> None:
    """Name the controls of every window of ``app`` as they are shown (once per app), through
    the application's one shared filter (``app_filter``)."""
    global _installed
    if not _installed:
        _installed = True
        app_filter().watch(WATCHER, {QEvent.Type.Show: name_shown})


def suspend(app: QCoreApplication) -> None:
    """Stop watching every event of the app (a thousand a second while a run trains, each
    taking the interpreter lock the training thread needs) while no assistive technology
    listens; ``resume`` names what was shown meanwhile."""
    global _suspended
    if not _installed or _suspended or QAccessible.isActive():
        return
    _suspended = True
    app_filter().set_on(WATCHER, False)


def resume(app: QApplication) -> None:
    """Watch again, and name the controls shown while suspended (windows and dialogs too)."""
    global _suspended
    if not _installed or not _suspended:
        return
    _suspended = False
    app_filter().set_on(WATCHER, True)
    for window in app.topLevelWidgets():
        if window.isVisible():
            name_unnamed(window)
