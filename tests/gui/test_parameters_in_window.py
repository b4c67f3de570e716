"""The parameter tree and health in the window: freezing is honoured by training."""

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    window.show()
    window.docks["parameters"].raise_()
    qtbot.waitUntil(lambda: window.training.model is not None)
    yield window
    window.training.shutdown()


def run(qtbot, window, epochs=1):
    panel = window.training_panel
    panel.epochs.setValue(epochs)
    panel.batch_size.setValue(256)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    qtbot.mouseClick(panel.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)


def test_tree_shows_the_model_and_freezing_a_module_is_honoured(qtbot, window):
    tree = window.parameters.tree
    model = window.training.model
    assert tree.parameter_names() == [n for n, _ in model.named_parameters()]
    tree.item_for("fc1").setCheckState(0, Qt.CheckState.Unchecked)  # freeze fc1
    assert window.document.spec.find("fc1").frozen
    assert window.document.undo_stack.undoText() == "Freeze fc1"
    model = window.training.model
    assert not model.fc1.weight.requires_grad
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    run(qtbot, window)
    after = dict(window.training.model.named_parameters())
    assert torch.equal(after["fc1.weight"], before["fc1.weight"])
    assert torch.equal(after["fc1.bias"], before["fc1.bias"])
    assert not torch.equal(after["fc2.weight"], before["fc2.weight"])
    assert tree.item_for("fc1").checkState(0) == Qt.CheckState.Unchecked
    assert "frozen" in window.parameters.tree.findChild(
        type(window.summary.totals), "totals_label").text().lower()


def test_health_and_gradient_norms_arrive_while_training(qtbot, window):
    window.docks["health"].raise_()
    run(qtbot, window, epochs=2)
    health = window.health.health
    assert health is not None and "fc1" in health.modules
    assert window.health.table.rowCount() >= 5
    assert window.health.findings.count() >= 1
    window.docks["parameters"].raise_()
    window.parameters.tree.select("fc1.weight")
    window.parameters.refresh(health.parameter_grad_norms)
    assert window.parameters.inspector.stats()["norm"] > 0
    grad = window.parameters.inspector.findChild(type(window.summary.totals), "stat_grad")
    assert grad.text() not in ("", "—")
