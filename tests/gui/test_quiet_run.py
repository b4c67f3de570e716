"""While a run's thread goes on, the app-wide Python event filters step aside (issue 19), and
still do their jobs: the wheel over an unfocused field scrolls the form, and a control first
shown meanwhile is named when the thread ends."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from netbuilder.gui import accessibility, quiet_run, wheel_guard
from netbuilder.gui.app_filter import app_filter
from netbuilder.gui.controllers.training_worker import start_in_thread


def wheel(widget, steps: int = -1) -> None:
    """A wheel turn over the middle of ``widget`` (negative: towards the person)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


class Waiter(QObject):
    """A worker that runs until told to finish, as a training worker does."""

    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    @Slot()
    def run(self) -> None:
        self.go.wait(10)
        self.finished.emit()


class Form(QScrollArea):
    """A long form of spin boxes in a scroll area, like the Training panel."""

    def __init__(self) -> None:
        super().__init__()
        inner = QWidget()
        self.form = QFormLayout(inner)
        self.fields = []
        for row in range(40):
            field = QSpinBox()
            field.setValue(5)
            self.form.addRow(f"Field {row}", field)
            self.fields.append(field)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.resize(300, 200)
        self.setAccessibleName("Settings")


@pytest.fixture
def form(qtbot):
    app = QApplication.instance()
    wheel_guard.install(app)
    accessibility.install(app)
    widget = Form()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def running(qtbot):
    """A worker thread started the way training starts; finishes at the end of the test."""
    worker = Waiter()
    holder = QObject()
    thread = start_in_thread(worker, holder)
    yield worker
    worker.go.set()
    thread.wait(10_000)
    qtbot.waitUntil(lambda: quiet_run.holding() == 0, timeout=5000)


def test_a_running_thread_holds_the_filters_aside_until_it_ends(qtbot):
    wheel_guard.install(QApplication.instance())
    accessibility.install(QApplication.instance())
    worker = Waiter()
    holder = QObject()
    before = quiet_run.holding()
    thread = start_in_thread(worker, holder)
    assert quiet_run.holding() == before + 1
    assert wheel_guard._suspended
    assert accessibility._suspended  # no assistive technology listens here
    assert not app_filter().installed()  # no Python sees the app's events during the run
    worker.go.set()
    thread.wait(10_000)
    qtbot.waitUntil(lambda: quiet_run.holding() == before, timeout=5000)
    assert not wheel_guard._suspended
    assert not accessibility._suspended
    assert app_filter().installed()


def test_during_a_run_the_wheel_over_an_unfocused_field_scrolls_the_form(qtbot, form, running):
    assert quiet_run.holding() >= 1
    bar = form.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    field = form.fields[3]
    wheel(field)
    assert field.value() == 5  # the field kept its value
    assert field.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert bar.value() > 0  # the form scrolled instead
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    wheel(field, steps=1)
    assert field.value() == 6  # with the focus, the wheel is the field's


def test_after_a_run_the_wheel_guard_watches_the_whole_app_again(qtbot, form):
    worker, holder = Waiter(), QObject()
    thread = start_in_thread(worker, holder)
    worker.go.set()
    thread.wait(10_000)
    qtbot.waitUntil(lambda: quiet_run.holding() == 0, timeout=5000)
    late = QSpinBox()  # made after the run: guarded through the application
    late.setValue(5)
    form.form.addRow("Late", late)
    qtbot.waitUntil(late.isVisible)
    bar = form.verticalScrollBar()
    bar.setValue(0)
    wheel(late)
    assert late.value() == 5
    assert bar.value() > 0


def test_a_control_first_shown_during_a_run_is_named_when_it_ends(qtbot, form):
    worker, holder = Waiter(), QObject()
    thread = start_in_thread(worker, holder)
    extra = QComboBox()
    extra.addItems(["a", "b"])
    form.form.insertRow(0, "Colour of the moon", extra)
    qtbot.waitUntil(extra.isVisible)
    worker.go.set()
    thread.wait(10_000)
    qtbot.waitUntil(lambda: quiet_run.holding() == 0, timeout=5000)
    assert extra.accessibleName() == "Colour of the moon"
    assert accessibility.unnamed(form) == []


def test_the_namer_and_the_wheel_guard_share_one_application_filter(qtbot, form):
    """Each Python filter on the application costs a call per event of every widget; the two
    watchers go through one, and each can be turned off alone."""
    shared = app_filter()
    assert shared.is_on(wheel_guard.WATCHER)
    assert shared.is_on(accessibility.WATCHER)
    shared.set_on(accessibility.WATCHER, False)
    try:
        extra = QComboBox()
        extra.addItems(["a", "b"])
        form.form.insertRow(0, "Colour of the sea", extra)
        qtbot.waitUntil(extra.isVisible)
        assert extra.accessibleName() == ""  # the namer is off: nothing named it
        field = form.fields[3]
        wheel(field)
        assert field.value() == 5  # the guard still works alone
    finally:
        shared.set_on(accessibility.WATCHER, True)
    late = QComboBox()
    form.form.insertRow(0, "Colour of the sky", late)
    qtbot.waitUntil(late.isVisible)
    assert late.accessibleName() == "Colour of the sky"
