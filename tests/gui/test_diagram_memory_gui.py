"""The Summary panel's memory row and File ▸ Export ▸ Diagram, in a real window."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.core.memory import estimate_memory, megabytes
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow
from tests.gui.conftest import record_message_boxes


@pytest.fixture
def said(monkeypatch):
    """Message boxes answered at once; closing with changes discards them."""
    return record_message_boxes(monkeypatch, QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, said):
    window = MainWindow(Project(load_template("lenet5")), template="lenet5")
    qtbot.addWidget(window)
    return window


def test_summary_shows_the_memory_of_the_sessions_batch(window) -> None:
    label = window.summary.memory
    document = window.document
    expected = estimate_memory(document.spec, document.analysis, 64, "adam")
    assert label.text() == (f"Memory (batch 64): forward {megabytes(expected.forward_bytes)}, "
                            f"training step {megabytes(expected.training_bytes)}")
    assert "float32" in label.toolTip()
    window.session.update_config(batch_size=256, optimizer="sgd", momentum=0.0)
    larger = estimate_memory(document.spec, document.analysis, 256, "sgd", 0.0)
    assert label.text() == (f"Memory (batch 256): forward {megabytes(larger.forward_bytes)}, "
                            f"training step {megabytes(larger.training_bytes)}")


def test_the_memory_row_follows_edits_and_broken_shapes(qtbot, window) -> None:
    before = window.summary.memory.text()

    def widen(spec):
        spec.input_shape = [1, 40, 40]

    window.document.edit("wider input", widen)  # the row follows once the edits settle
    qtbot.waitUntil(lambda: window.summary.memory.text()
                    == "Memory (batch 64): unknown until the shapes fit")
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: window.summary.memory.text() == before)


@pytest.mark.parametrize(("filter_index", "suffix"), [(0, ".svg"), (1, ".png")])
def test_export_diagram_action_writes_the_file(window, tmp_path, monkeypatch, filter_index,
                                               suffix) -> None:
    target = tmp_path / "picture"  # no suffix: the chosen filter gives it

    def ask(parent, title, start, filters):
        assert start.endswith("lenet5.svg")
        return str(target), filters.split(";;")[filter_index]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    messages = []
    window.diagram.message.connect(messages.append)
    window.actions["export_diagram"].trigger()
    written = target.with_suffix(suffix)
    assert written.exists()
    if suffix == ".svg":
        root = ET.fromstring(written.read_bytes())
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "conv1" in texts
    else:
        with Image.open(written) as image:
            assert image.size[0] > 300
    assert messages == [f"Wrote {written} ({suffix[1:].upper()} diagram)"]
    assert window.findChild(type(window.actions["export_diagram"]), "action_export_diagram")


def test_export_diagram_failure_is_said(window, tmp_path, said) -> None:
    assert not window.diagram.export_to(tmp_path / "missing" / "net.svg")
    assert said[0][:2] == ("warning", "Cannot export the diagram")


def test_export_menu_lists_the_diagram(window) -> None:
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "menu_export")
    assert window.actions["export_diagram"] in menu.actions()
