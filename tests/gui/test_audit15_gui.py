"""Issue 15 audit, in the window: each stack row of a residual or parallel says the shape that
leaves it; a merge error and the relu-before-sum lint reach the card and the problems list; the
new commands sit in their menus; File ▸ Import PyTorch Model… run from its menu action turns a
file with residual blocks and a torch.cat into the network; and a custom-layer file allowed
once opens later without a second question, until it changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from netbuilder.core.custom_layers import LayerFileRequest, load_layer_file, unload_layer_file
from netbuilder.core.layer_files import digest
from netbuilder.core.project import Project
from netbuilder.core.spec import LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec
from netbuilder.gui.layer_trust import remember, remembered
from netbuilder.gui.main_window import MainWindow
from tests.gui.test_containers_gui import small_net
from tests.gui.test_custom_layers_gui import LAYER_FILE, answer_trust_box
from tests.gui.test_main_window import answers  # noqa: F401

SAMPLES = Path(__file__).parents[1] / "core" / "import_samples"


@pytest.fixture
def window(qtbot, answers):  # noqa: F811
    window = MainWindow(Project(small_net()))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.document.ready, timeout=60_000)
    yield window
    window.session.discard_changes()


def row_text(window, path: str, role=Qt.ItemDataRole.AccessibleTextRole) -> str:
    return window.stack.stack_model.index_of(path).data(role)


def problems(window) -> list[str]:
    window.summary.refresh()
    items = window.summary.problems
    return [items.item(row).text() for row in range(items.count())]


def test_each_stack_row_says_the_shape_that_leaves_it(window):
    assert row_text(window, "res1.body") == "body, output 8×28×28"
    assert row_text(window, "res1.shortcut") == (
        "shortcut: identity (drop a projection here), output 8×28×28")
    assert row_text(window, "mix.branches.0") == "branch 1, output 4×28×28"
    assert row_text(window, "mix.branches.1") == "branch 2, output 4×28×28"
    window.document.edit("widen b", lambda spec: spec.find("mix.branches.1.b").args.update(
        out_channels=6))
    assert row_text(window, "mix.branches.1") == "branch 2, output 6×28×28"
    assert row_text(window, "mix").startswith("mix, Parallel · concat, dim 1 · 2 branches, "
                                              "output 10×28×28")


def test_a_merge_error_names_each_branch_shape_on_the_card_and_in_problems(window):
    def unequal_sum(spec):
        spec.find("mix.branches.1.b").args.update(out_channels=6)
        spec.find("mix").merge = "sum"

    window.document.edit("sum unequal branches", unequal_sum)
    # each branch's shape is named (how branches are numbered is left out here: the card rows
    # count from 1, the analysis' message from 0)
    shapes = ("gives [N, 4, 28, 28]", "gives [N, 6, 28, 28]",
              "summing needs every branch to give the same shape")
    tooltip = row_text(window, "mix", Qt.ItemDataRole.ToolTipRole)
    assert "<span style='color:#c62828'>mix: branch " in tooltip
    assert "error: mix: branch " in row_text(window, "mix")
    (problem,) = problems(window)
    assert problem.startswith("✖ mix: branch ")
    for text in (tooltip, row_text(window, "mix"), problem):
        assert all(part in text for part in shapes), text
        assert text.index("[N, 4, 28, 28]") < text.index("[N, 6, 28, 28]")  # branch order
    window.actions["undo"].trigger()
    assert window.document.analysis.ok
    assert problems(window) == ["No problems found."]


def test_the_relu_before_sum_lint_reaches_the_card_and_problems(window):
    window.document.edit("end the body in ReLU", lambda spec: spec.find("res1").body.append(
        LayerSpec("ReLU", "act")))
    warned = [text for text in problems(window) if "before the sum" in text]
    assert len(warned) == 1 and warned[0].startswith("⚠ res1.body.act (ReLU) ends the body of "
                                                     "res1 before the sum")
    assert "remove res1.body.act: res1 applies ReLU after the sum already." in warned[0]
    assert "ends the body of res1 before the sum" in row_text(
        window, "res1.body.act", Qt.ItemDataRole.ToolTipRole)


def test_the_new_commands_sit_in_their_menus(window):
    menus = {action.text(): [entry.text() for entry in action.menu().actions()]
             for action in window.menuBar().actions() if action.menu()}
    assert "&Import PyTorch Model…" in menus["&File"]
    assert menus["&Layers"] == ["Add Layers from &File…"]
    assert {"Group into &Residual", "Group into &Parallel", "Ungr&oup"} <= set(menus["&Edit"])
    palette = window.palette_panel
    assert palette.item("Residual") is not None
    assert palette.item("Parallel") is not None


def test_import_from_the_file_menu_reads_residuals_and_a_concatenation(qtbot, window,
                                                                       monkeypatch):
    from netbuilder.gui.dialogs.import_model import ImportModelDialog

    def choose(dialog):  # the person picks the file, the class and the input shape
        dialog.set_path(SAMPLES / "residual.py")
        dialog.class_box.setCurrentText("SmallResNet")
        dialog.shape_edit.setText("1, 12, 12")
        return QDialog.DialogCode.Accepted

    informed = []
    monkeypatch.setattr(ImportModelDialog, "exec", choose)
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text, *a, **k: informed.append(text))
    window.actions["import_model"].trigger()
    qtbot.waitUntil(lambda: window.files.importing is None, timeout=120_000)
    spec = window.document.spec
    assert spec.class_name == "SmallResNet" and spec.input_shape == [1, 12, 12]
    assert [(item.name, item.kind) for item in spec.items] == [
        ("stem", "Block"), ("layer1", "Residual"), ("layer2", "Residual"), ("mix", "Parallel"),
        ("pool", "AdaptiveAvgPool2d"), ("flatten", "Flatten"), ("fc", "Linear")]
    assert isinstance(spec.items[1], ResidualSpec) and isinstance(spec.items[3], ParallelSpec)
    assert window.document.analysis.ok
    assert row_text(window, "layer2.shortcut") == "shortcut, output 16×6×6"
    assert len(informed) == 1 and "SmallResNet from residual.py is now the network." in (
        informed[0])
    assert "layer1.conv1.weight → layer1.body.conv1.weight" in informed[0]
    assert window.isWindowModified() and window.session.path is None


def test_a_file_allowed_once_opens_later_without_asking_until_it_changes(
        qtbot, window, tmp_path):
    layers = tmp_path / "later_layers.py"
    layers.write_text(LAYER_FILE.format(name="LaterLayer"))
    try:
        load_layer_file(layers)
        spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten"), LayerSpec(
            "LaterLayer", "custom", {"in_features": 784, "out_features": 10})])
        path = Project(spec).save(tmp_path / "later.json")
        unload_layer_file(layers)  # as in a later session: not imported yet
        (tmp_path / "ran").unlink()
        request = LayerFileRequest(layers.resolve(), digest(layers.read_bytes()), "")
        remember(request, True)  # the answer given in that earlier session
        seen = []
        answer_trust_box(qtbot, "layer_trust_refuse", seen)
        assert window.files.open_path(path)
        assert seen == []  # remembered: no question
        assert (tmp_path / "ran").read_text() == "ran"
        assert window.document.spec.find("custom").kind == "LaterLayer"
        window.session.discard_changes()
        # the file changes: the remembered answer no longer holds, and a refusal keeps the
        # window as it was
        unload_layer_file(layers)
        (tmp_path / "ran").unlink()
        layers.write_text(layers.read_text() + "# edited\n")
        assert remembered(LayerFileRequest(layers.resolve(), digest(layers.read_bytes()),
                                           "")) is None
        window.files.open_path(Path(__file__).parents[2] / "netbuilder" / "resources" /
                               "templates" / "mnist_mlp.json")
        before = window.document.spec.to_dict()
        assert not window.files.open_path(path)
        assert len(seen) == 1 and "The file has changed since the network was saved" in seen[0]
        assert not (tmp_path / "ran").exists()
        assert window.document.spec.to_dict() == before
    finally:
        unload_layer_file(layers)
