"""Polish a new user meets: the wheel scrolls panels, the empty stack says how to start,
Help, plurals."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow


def wheel(widget, steps: int = -1) -> None:
    """A wheel turn over the middle of ``widget`` (negative: towards the person)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_training_panel_past_its_fields(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("mnist_mlp")))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.docks["training"].raise_()
    panel = window.training_panel
    scroll = window.docks["training"].widget()
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    before = bar.value()
    window.stack.setFocus()
    for field, value in ((panel.epochs, 5), (panel.batch_size, 64)):
        wheel(field)
        assert field.value() == value
        assert field.focusPolicy() == Qt.FocusPolicy.StrongFocus
    combo = panel.optimizer
    wheel(combo)
    assert combo.currentData() == "adam"
    assert bar.value() > before  # the panel scrolled instead
    panel.epochs.setFocus()
    qtbot.waitUntil(panel.epochs.hasFocus)
    wheel(panel.epochs, steps=1)
    assert panel.epochs.value() == 6  # with the focus, the wheel is the field's
    window.session.discard_changes()


def test_an_empty_stack_says_how_to_start(qtbot, monkeypatch):
    from netbuilder.core.spec import NetworkSpec

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(NetworkSpec([1, 28, 28], [], "Net", 10)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.stack.hint_text() == "Drag layers here from the palette, or double-click one"
    blank = window.stack.viewport().grab().toImage()
    assert len({blank.pixel(x, blank.height() // 2) for x in range(blank.width())}) > 1
    window.editing.append_kind("ReLU")
    assert window.stack.hint_text() == ""
    window.session.discard_changes()


def test_help_explains_the_journey_and_lists_every_shortcut(qtbot, monkeypatch,
                                                            isolated_settings):
    from netbuilder.gui.dialogs.help import GettingStarted, ShortcutsDialog

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    first = MainWindow(Project(load_template("mnist_mlp")))
    qtbot.addWidget(first)
    assert first.welcome.text() == "New here? Help ▸ Getting Started (F1)"
    second = MainWindow(Project(load_template("mnist_mlp")))
    qtbot.addWidget(second)
    assert not hasattr(second, "welcome")  # only on the very first start
    page = GettingStarted(first).text.toPlainText()
    for words in ("1. Build", "2. Train", "F5", "3. Try", "4. Save and export", "Ctrl+S"):
        assert words in page
    shortcuts = ShortcutsDialog(first.actions).entries()
    assert shortcuts["Start Training"] == "F5"
    assert shortcuts["Save"].split(", ")[0] == "Ctrl+S"
    assert shortcuts["Undo"].split(", ")[0] == "Ctrl+Z"
    assert shortcuts["Getting Started"].split(", ")[0] == "F1"
    assert [a.text().replace("&", "") for a in first.menuBar().actions()[-1].menu().actions()
            if a.text()] == ["Getting Started", "Keyboard Shortcuts", "About netbuilder"]
    for window in (first, second):
        window.session.discard_changes()


def test_counts_read_as_words_do_in_both_languages(qtbot, monkeypatch):
    from netbuilder.core.spec import LayerSpec, NetworkSpec

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Linear", "fc", {"in_features": 3,
                                                                  "out_features": 10})])
    window = MainWindow(Project(spec))
    qtbot.addWidget(window)
    totals = window.summary.totals.text()
    assert ">1 error<" in totals
    assert ">0 warnings<" in totals
    window.session.discard_changes()
