"""The mouse wheel changes a spin box or a combo box only when it has the focus.

Scrolling a long form with the wheel must scroll the form: without this guard, the field that
passes under the pointer takes the wheel and its value changes unnoticed (Epochs went from 5 to
1 while a person scrolled the Training panel). The usual Qt fix: such fields take focus only by
click or Tab (Qt.StrongFocus), and an application-wide event filter sends the wheel of an
unfocused field to the scroll area around it instead.

The guard watches the application through the one shared filter (``app_filter``). That sees
every event of the app in Python (a thousand a second while a run trains, each taking the
interpreter lock the training thread needs): while a run goes on (``quiet_run``), ``suspend``
moves the guard onto each field that exists, and ``resume`` puts it back on the application.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

from netbuilder.gui.app_filter import app_filter

GUARDED = (QAbstractSpinBox, QComboBox)
WATCHER = "wheel guard"


class WheelGuard(QObject):
    def __init__(self) -> None:
        super().__init__()
        # The fields it has seen shown, for ``suspend``: asking Qt for every widget of the app
        # (QApplication.allWidgets) can hand Python one that is being destroyed, and crash.
        self.fields: weakref.WeakSet[QWidget] = weakref.WeakSet()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """A field's own filter (while a run trains)."""
        if event.type() == QEvent.Type.Wheel:
            return self.wheel(watched, event)
        return False

    def shown(self, watched: QObject, _event: QEvent) -> bool:
        if isinstance(watched, GUARDED):
            self.fields.add(watched)
        return False

    def wheel(self, watched: QObject, event: QEvent) -> bool:
        """Send an unfocused field's wheel to the scroll area around it; True: swallowed."""
        if not isinstance(watched, GUARDED):
            return False
        if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if not watched.hasFocus():
            area = _scroll_area_around(watched)
            if area is not None:
                QCoreApplication.sendEvent(area.viewport(), event)
            return True  # the field keeps its value
        return False


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, GUARDED):
            return parent
        parent = parent.parentWidget()
    return None


_guard: WheelGuard | None = None
_suspended = False


def install(app: QCoreApplication) -> WheelGuard:
    """Guard every spin box and combo box of ``app`` (once)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard()
        app_filter().watch(WATCHER, {QEvent.Type.Show: _guard.shown,
                                     QEvent.Type.Wheel: _guard.wheel})
    return _guard


def _fields() -> list[QWidget]:
    """The fields the guard has seen shown that still exist."""
    return [field for field in list(_guard.fields) if shiboken6.isValid(field)]


def suspend(app: QApplication) -> None:
    """Guard each field that exists by a filter of its own, instead of the whole app (fields
    made from now until ``resume`` are not guarded)."""
    global _suspended
    if _guard is None or _suspended:
        return
    _suspended = True
    for field in _fields():
        field.installEventFilter(_guard)
    app_filter().set_on(WATCHER, False)


def resume(app: QApplication) -> None:
    """Guard every field again through the application."""
    global _suspended
    if _guard is None or not _suspended:
        return
    _suspended = False
    for field in _fields():
        field.removeEventFilter(_guard)
    app_filter().set_on(WATCHER, True)
