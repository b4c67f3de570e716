"""Custom layers in the window: Layers ▸ Add Layers from File… asks before any code runs, adds
the file's classes to the palette and the network (undoable), and a project that names a file
is not opened until the person allows that file at that hash."""

from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from netbuilder.core.custom_layers import LayerFileRequest, load_layer_file, unload_layer_file
from netbuilder.core.layer_files import digest
from netbuilder.core.project import Project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.gui.layer_trust import remembered
from netbuilder.gui.main_window import MainWindow
from tests.gui.test_main_window import answers  # noqa: F401

LAYER_FILE = textwrap.dedent("""\
    from pathlib import Path

    import torch
    import torch.nn as nn


    class {name}(nn.Module):
        \"\"\"x @ weight + bias, as in the tutorial.\"\"\"

        def __init__(self, in_features: int, out_features: int):
            super({name}, self).__init__()
            self.weight = nn.Parameter(torch.randn(in_features, out_features))
            self.bias = nn.Parameter(torch.zeros(out_features))

        def forward(self, x):
            return torch.matmul(x, self.weight) + self.bias


    (Path(__file__).parent / "ran").write_text("ran")
    """)


@pytest.fixture
def layers(tmp_path):
    """A layer file whose running leaves 'ran' beside it; forgotten after the test."""
    path = tmp_path / "hand_layers.py"
    yield path
    unload_layer_file(path)


@pytest.fixture
def window(qtbot, answers):  # noqa: F811
    window = MainWindow(Project(NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")])))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.session.discard_changes()


def answer_trust_box(qtbot, button: str, seen: list) -> None:
    """When the trust box opens, record its text and click ``button`` with the mouse."""

    def look() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != "layer_trust_box":
            QTimer.singleShot(20, look)
            return
        seen.append(box.text())
        qtbot.mouseClick(box.findChild(type(box.defaultButton()), button),
                         Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, look)


def palette_kinds(window) -> dict[str, list[str]]:
    tree = window.palette_panel.tree
    return {tree.topLevelItem(i).text(0): [tree.topLevelItem(i).child(j).text(0)
                                           for j in range(tree.topLevelItem(i).childCount())]
            for i in range(tree.topLevelItemCount())}


def test_adding_a_layer_file_asks_first_and_a_refusal_runs_nothing(qtbot, window, layers,
                                                                   monkeypatch):
    layers.write_text(LAYER_FILE.format(name="RefusedLayer"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(layers), ""))
    seen = []
    answer_trust_box(qtbot, "layer_trust_refuse", seen)
    window.actions["add_layer_file"].trigger()
    assert len(seen) == 1
    assert str(layers.resolve()) in seen[0]
    assert digest(layers.read_bytes()) in seen[0]
    assert not (layers.parent / "ran").exists()
    assert "RefusedLayer" not in palette_kinds(window).get("Custom", [])
    assert window.document.spec.layer_files == []
    assert not window.session.dirty


def test_added_layers_reach_the_palette_the_network_and_undo(qtbot, window, layers,
                                                            monkeypatch):
    layers.write_text(LAYER_FILE.format(name="AddedLayer"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(layers), ""))
    seen = []
    answer_trust_box(qtbot, "layer_trust_run", seen)
    window.actions["add_layer_file"].trigger()
    assert len(seen) == 1
    assert (layers.parent / "ran").read_text() == "ran"
    assert "AddedLayer" in palette_kinds(window)["Custom"]
    assert [ref.path for ref in window.document.spec.layer_files] == [str(layers.resolve())]
    assert window.session.dirty
    request = LayerFileRequest(layers.resolve(), digest(layers.read_bytes()), "")
    assert remembered(request) is True
    # the kind works like any other: double-click in the palette, fitted to its input
    palette = window.palette_panel
    item = palette.item("AddedLayer")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    for event in (qtbot.mouseClick, qtbot.mouseDClick):  # a double click follows a click
        event(palette.tree.viewport(), Qt.MouseButton.LeftButton,
              Qt.KeyboardModifier.NoModifier, rect.center())
    added = window.document.spec.items[-1]
    assert (added.kind, added.args) == ("AddedLayer", {"in_features": 784})
    assert window.document.analysis.row(added.name).output_shape == (1, 1)
    qtbot.waitUntil(lambda: "from hand_layers import AddedLayer"
                    in window.code.editor.toPlainText())
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.spec.layer_files == []


def test_a_project_naming_a_layer_file_opens_only_once_allowed(
        qtbot, window, layers, answers, tmp_path):  # noqa: F811
    _answers, said = answers
    layers.write_text(LAYER_FILE.format(name="ProjectLayer"))
    load_layer_file(layers)
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten"), LayerSpec(
        "ProjectLayer", "custom", {"in_features": 784, "out_features": 10})])
    path = Project(spec).save(tmp_path / "custom.json")
    unload_layer_file(layers)
    (layers.parent / "ran").unlink()
    before = window.document.spec.to_dict()

    seen = []
    answer_trust_box(qtbot, "layer_trust_refuse", seen)
    assert not window.files.open_path(path)
    assert len(seen) == 1
    assert "SHA-256: " + digest(layers.read_bytes()) in seen[0]
    assert not (layers.parent / "ran").exists()
    assert window.document.spec.to_dict() == before
    assert "it was not allowed" in said[-1][2]
    assert "Add Layers from File" in said[-1][2]
    # the answer is remembered for this file at this hash: no second box, still refused
    assert not window.files.open_path(path)
    assert len(seen) == 1
    assert not (layers.parent / "ran").exists()
    # allowed through Layers ▸ Add Layers from File…, the project opens
    answer_trust_box(qtbot, "layer_trust_run", seen)
    assert window.layer_files.add_file(layers)
    window.session.discard_changes()
    assert window.files.open_path(path)
    assert len(seen) == 2
    assert window.document.spec.find("custom").kind == "ProjectLayer"
    assert window.document.analysis.ok
    assert "ProjectLayer" in palette_kinds(window)["Custom"]


def test_a_changed_file_is_asked_about_again(layers, isolated_settings):
    from netbuilder.gui.layer_trust import remember

    layers.write_text(LAYER_FILE.format(name="ChangedLayer"))
    first = LayerFileRequest(layers.resolve(), digest(layers.read_bytes()), "")
    remember(first, True)
    layers.write_text(layers.read_text() + "# changed\n")
    second = LayerFileRequest(layers.resolve(), digest(layers.read_bytes()), first.sha256)
    assert remembered(first) is True
    assert remembered(second) is None
    assert second.changed
