"""Residual and parallel blocks in the window: cards with labelled stacks, drops into a body,
a shortcut or a branch, grouping and ungrouping with undo, and their properties."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from netbuilder.core.builder import build
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.core.spec import LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec
from netbuilder.gui.main_window import MainWindow
from netbuilder.gui.network.cards import STACK_ROLE
from tests.gui.test_main_window import answers, card_point, click_card, drop  # noqa: F401


def conv(name: str, cin: int, cout: int, k: int = 3) -> LayerSpec:
    return LayerSpec("Conv2d", name, {"in_channels": cin, "out_channels": cout,
                                      "kernel_size": k, "padding": k // 2})


def small_net() -> NetworkSpec:
    return NetworkSpec([1, 28, 28], [
        conv("stem", 1, 8),
        ResidualSpec("res1", [conv("conv1", 8, 8), LayerSpec("BatchNorm2d", "bn1",
                                                             {"num_features": 8})],
                     [], "ReLU"),
        ParallelSpec("mix", [[conv("a", 8, 4, 1)], [conv("b", 8, 4, 3)]], "concat", 1),
        LayerSpec("AdaptiveAvgPool2d", "gap", {"output_size": 1}),
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc", {"in_features": 8, "out_features": 10}),
    ], "Net", 10)


@pytest.fixture
def window(qtbot, answers):  # noqa: F811
    window = MainWindow(Project(small_net()))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window
    window.session.discard_changes()


def stack_rows(window) -> dict[str, str]:
    """Each stack row's path and the label it shows."""
    model, found = window.stack.stack_model, {}

    def visit(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if index.data(STACK_ROLE):
                found[index.data(Qt.ItemDataRole.UserRole + 1)] = index.data()
            visit(index)

    from PySide6.QtCore import QModelIndex
    visit(QModelIndex())
    return found


def test_containers_show_their_stacks_with_labels_and_paint(window):
    rows = stack_rows(window)
    assert list(rows) == ["res1.body", "res1.shortcut", "mix.branches.0", "mix.branches.1"]
    assert rows["res1.body"] == "body"
    assert rows["res1.shortcut"].startswith("shortcut: identity")
    assert rows["mix.branches.1"] == "branch 2"
    assert window.document.analysis.ok
    image = window.stack.grab().toImage()  # every card and stack row paints without error
    assert image.width() > 0
    for path in ("res1", "res1.body.conv1", "mix.branches.1.b"):
        assert card_point(window, path)  # each one has a visible row


def test_a_palette_drop_on_a_stack_row_goes_into_that_stack(window):
    palette = window.palette_panel
    drop(window, palette.tree.mimeData([palette.item("BatchNorm2d")]),
         card_point(window, "mix.branches.1"))
    branch = window.document.spec.find("mix").branches[1]
    assert [i.kind for i in branch] == ["BatchNorm2d", "Conv2d"]
    assert branch[0].args == {"num_features": 8}  # fitted to what enters the branch
    drop(window, palette.tree.mimeData([palette.item("Conv2d")]),
         card_point(window, "res1.shortcut"))
    assert [i.kind for i in window.document.spec.find("res1").shortcut] == ["Conv2d"]
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert window.document.spec == small_net()


def test_a_card_dragged_from_the_body_into_a_branch(qtbot, window):
    click_card(qtbot, window, "res1.body.bn1")
    mime = window.stack.stack_model.mimeData(window.stack.selectionModel().selectedIndexes())
    drop(window, mime, card_point(window, "mix.branches.0.a", "bottom"))
    spec = window.document.spec
    assert [i.name for i in spec.find("res1").body] == ["conv1"]
    assert [i.name for i in spec.find("mix").branches[0]] == ["a", "bn1"]
    assert window.document.undo_stack.undoText() == "Move res1.body.bn1"


def test_group_into_residual_and_parallel_then_ungroup_with_undo(qtbot, window):
    click_card(qtbot, window, "gap")
    window.actions["group_residual"].trigger()
    spec = window.document.spec
    residual = [i for i in spec.items if isinstance(i, ResidualSpec) and i.name != "res1"]
    assert len(residual) == 1 and [i.name for i in residual[0].body] == ["gap"]
    assert window.document.undo_stack.undoText() == "Group into Residual"
    window.actions["undo"].trigger()
    assert window.document.spec == small_net()
    click_card(qtbot, window, "stem")
    window.actions["group_parallel"].trigger()
    first = window.document.spec.items[0]
    assert isinstance(first, ParallelSpec) and [i.name for i in first.branches[0]] == ["stem"]
    window.document.select(["res1"])
    assert window.actions["ungroup"].isEnabled()
    window.actions["ungroup"].trigger()
    names = [i.name for i in window.document.spec.items]
    assert "res1" not in names and "conv1" in names
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert window.document.spec == small_net()


def test_properties_change_the_merge_and_the_activation_undoably(qtbot, window):
    window.document.select(["mix"])
    panel = window.properties
    from PySide6.QtWidgets import QComboBox, QPushButton, QSpinBox

    combo = panel.findChild(QComboBox, "merge_combo")
    combo.setCurrentIndex(combo.findData("sum"))
    combo.activated.emit(combo.currentIndex())
    assert window.document.spec.find("mix").merge == "sum"
    assert not panel.findChild(QSpinBox, "dim_spin").isEnabled()  # sum has no dimension
    qtbot.mouseClick(panel.findChild(QPushButton, "add_branch_button"),
                     Qt.MouseButton.LeftButton)
    assert len(window.document.spec.find("mix").branches) == 3
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert window.document.spec.find("mix").merge == "concat"
    assert panel.findChild(QComboBox, "merge_combo").currentData() == "concat"  # follows undo
    window.document.select(["res1"])
    activation = panel.findChild(QComboBox, "activation_combo")
    activation.setCurrentIndex(activation.findData(""))
    activation.activated.emit(activation.currentIndex())
    assert window.document.spec.find("res1").activation == ""


def test_add_projection_fixes_a_residual_whose_shapes_differ(qtbot, window):
    from PySide6.QtWidgets import QPushButton

    window.document.edit("widen", lambda spec: (
        spec.find("res1.body.conv1").args.update(out_channels=16),
        spec.find("res1.body.bn1").args.update(num_features=16)))
    assert not window.document.analysis.ok
    message = str(window.document.analysis.errors[0])
    assert "res1" in message and "shortcut" in message
    window.document.select(["res1"])
    qtbot.mouseClick(window.properties.findChild(QPushButton, "projection_button"),
                     Qt.MouseButton.LeftButton)
    assert [i.kind for i in window.document.spec.find("res1").shortcut][0] == "Conv2d"
    window.document.edit("fit mix", lambda spec: (
        spec.find("mix.branches.0.a").args.update(in_channels=16),
        spec.find("mix.branches.1.b").args.update(in_channels=16)))
    assert window.document.analysis.ok


def test_trained_weights_inside_a_branch_survive_an_edit_elsewhere(qtbot, window):
    model = window.training.ensure_model()
    window.document.trained_paths = {"mix.branches.1.b", "res1.body.conv1"}
    before = model.state_dict()["mix.branches.1.b.weight"].clone()
    window.document.edit("head", lambda spec: spec.items.append(LayerSpec("ReLU", "out")))
    after = window.session.model.state_dict()
    assert torch.equal(after["mix.branches.1.b.weight"], before)
    assert window.document.trained_paths == {"mix.branches.1.b", "res1.body.conv1"}
    assert set(build(window.document.spec).state_dict()) == set(after)


def test_the_templates_with_containers_open_and_paint(qtbot, answers):  # noqa: F811
    from netbuilder.core.resources import template_names

    with_containers = [name for name in template_names() if any(
        isinstance(i, (ResidualSpec, ParallelSpec)) for _p, i, _d in load_template(name).walk())]
    assert {"resnet_digits", "inception_digits"} <= set(with_containers)
    for name in with_containers:
        spec = load_template(name)
        window = MainWindow(Project(spec), template=name)
        qtbot.addWidget(window)
        window.show()
        assert window.document.analysis.ok, name
        assert window.stack.grab().toImage().width() > 0
        window.session.discard_changes()


def test_import_a_pytorch_model_from_a_file(qtbot, window, tmp_path):
    """File ▸ Import PyTorch Model…: the tutorial's classes pasted into a file become the
    network, with the class's own state_dict keys."""
    from pathlib import Path

    from netbuilder.gui.dialogs.import_model import ImportModelDialog, class_names
    from tests.core.article_models import MNISTClassifier

    source = Path(__file__).parents[1] / "core" / "import_samples" / "tutorial.py"
    assert "MNISTClassifier" in class_names(source)  # listed without running the file
    dialog = ImportModelDialog([1, 28, 28], str(tmp_path), window)
    dialog.set_path(source)
    dialog.class_box.setCurrentText("MNISTClassifier")
    assert dialog.chosen() == (source, "MNISTClassifier", [1, 28, 28])
    window.files.import_model_from(*dialog.chosen())
    qtbot.waitUntil(lambda: window.files.importing is None, timeout=60_000)
    spec = window.document.spec
    assert set(build(spec).state_dict()) == set(MNISTClassifier().state_dict())
    assert window.isWindowModified() and window.session.path is None


def test_an_import_that_fails_says_why_and_changes_nothing(qtbot, window, answers):  # noqa: F811
    _replies, said = answers
    bad = path_of_sample("raises_at_import.py")
    window.files.import_model_from(bad, "Net", [1, 28, 28])
    qtbot.waitUntil(lambda: window.files.importing is None, timeout=60_000)
    assert said and said[-1][0] == "warning" and "raises_at_import.py" in said[-1][2]
    assert window.document.spec == small_net()


def path_of_sample(name: str):
    from pathlib import Path

    return Path(__file__).parents[1] / "core" / "import_samples" / name
