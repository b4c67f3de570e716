"""No text cut off and no panel scrolling sideways, at 1280×800, in both languages."""

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from netbuilder.core.resources import load_template_project
from netbuilder.gui import i18n
from netbuilder.gui.layout_audit import layout_problems
from netbuilder.gui.main_window import MainWindow


def test_the_audit_finds_a_cut_off_label_button_and_choice(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    clipped = QLabel("A label far too long for the forty pixels it was given")
    wrapped = QLabel("A label far too long for the forty pixels it was given")
    wrapped.setWordWrap(True)
    box = QCheckBox("A check box whose text does not fit either")
    choice = QComboBox()
    choice.addItem("A choice whose text is much wider than the box")
    for widget in (clipped, wrapped, box, choice):
        widget.setMinimumWidth(0)
        widget.setFixedWidth(40)
        layout.addWidget(widget)
    host.show()
    qtbot.waitExposed(host)
    problems = layout_problems(host)
    assert len(problems) == 3, problems
    assert [p for p in problems if "far too long" in p] == [
        p for p in problems if "QLabel" in p]
    assert sum("check box" in p for p in problems) == 1
    assert sum("much wider" in p for p in problems) == 1
    host.setFixedWidth(800)
    for widget in (clipped, box, choice):
        widget.setFixedWidth(600)
    qtbot.wait(10)
    assert layout_problems(host) == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_panel_fits_at_1280_by_800(qtbot, qapp, monkeypatch, language):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert i18n.install_translator(qapp, language) == language
    try:
        window = MainWindow(load_template_project("digits_cnn"), template="digits_cnn")
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.document.select(["fc1"])
        found = {}
        for name, dock in window.docks.items():
            dock.raise_()
            qtbot.wait(20)
            problems = layout_problems(window)
            if problems:
                found[name] = problems
        assert found == {}
        window.training.shutdown()
    finally:
        i18n.remove_translators(qapp)


def test_a_table_projects_long_path_does_not_widen_the_summary(qtbot, monkeypatch):
    """A CSV table's path is a dataset entry of the summary's box: elided there, never wider
    than the dock (it widened the panel past its dock, cutting the memory line)."""
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(load_template_project("tutorial_mymodel"), template="tutorial_mymodel")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    summary = window.summary
    assert len(summary.dataset.currentText()) > 40  # csv:/…/tutorial_regression.csv
    viewport = summary.parentWidget()
    qtbot.waitUntil(lambda: summary.width() <= viewport.width())
    assert summary.minimumSizeHint().width() <= viewport.width()
    window.training.shutdown()
