"""The session is the one home of a window's state: every saved setting marks the project
modified, File ▸ New leaves no trace of the previous project, and the loss reaches the lints."""

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.core.runs import Run
from netbuilder.core.spec import LayerSpec
from netbuilder.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    path = tmp_path / "saved.json"
    Project(load_template("mnist_mlp")).save(path)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.files.open_path(path)
    window.show()
    assert not window.isWindowModified()
    yield window
    window.training.shutdown()


def saved_again(window) -> None:
    assert window.files.save()
    assert not window.isWindowModified() and "*" not in window.windowTitle().split("[")[0]


def choose(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


SETTINGS = [
    ("loss", lambda p: choose(p.loss, "nll")),
    ("optimizer", lambda p: choose(p.optimizer, "sgd")),
    ("schedule", lambda p: choose(p.schedule, "cosine")),
    ("device", lambda p: choose(p.device, "cpu")),
    ("lr", lambda p: p.lr.setValue(0.05)),
    ("weight_decay", lambda p: p.weight_decay.setValue(0.01)),
    ("batch_size", lambda p: p.batch_size.setValue(128)),
    ("epochs", lambda p: p.epochs.setValue(9)),
    ("seed", lambda p: p.seed.setValue(7)),
    ("augment", lambda p: p.augment.setChecked(True)),
    ("val_split", lambda p: p.val_split.setValue(0.3)),
    ("fresh", lambda p: p.fresh.setChecked(True)),
]


@pytest.mark.parametrize("name, change", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_every_training_setting_marks_the_project_modified_and_is_saved(window, name, change):
    panel = window.training_panel
    if name == "device":
        choose(panel.device, "auto")
        saved_again(window)
    change(panel)
    assert window.isWindowModified()
    saved = window.session.settings()
    saved_again(window)
    reopened = Project.load(window.session.path)
    assert reopened.training[name] == saved[name]


def test_choosing_a_dataset_marks_the_project_modified(qtbot, window):
    combo = window.summary.dataset
    combo.setCurrentIndex(combo.findData("fashion-mnist"))
    combo.activated.emit(combo.currentIndex())  # as a click on the entry does
    assert window.session.dataset == "fashion-mnist" and window.isWindowModified()
    assert window.training_panel.dataset_name() == "fashion-mnist"  # the other view follows
    saved_again(window)
    assert Project.load(window.session.path).dataset == "fashion-mnist"


def test_removing_a_run_marks_the_project_modified(qtbot, window):
    window.session.add_run(Run("run1", "Run 1", epochs=[{"epoch": 1, "val_loss": 0.3,
                                                          "val_accuracy": 0.9}]))
    saved_again(window)
    panel = window.runs_panel
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    assert window.session.runs == [] and window.isWindowModified()
    assert panel.list.count() == 0


def test_adding_a_drawn_example_marks_the_project_modified(qtbot, window):
    draw = window.draw
    canvas = draw.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 40))
    for y in range(50, 241, 10):
        qtbot.mouseMove(canvas, QPoint(140, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 240))
    qtbot.mouseClick(draw.add_button, Qt.MouseButton.LeftButton)
    assert len(window.session.examples) == 1 and window.isWindowModified()
    assert draw.examples_label.text() == "1 example"


def test_a_new_document_is_not_modified(window):
    window.files.new_network()
    assert window.document.spec.items == []
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("Untitled")


def test_file_new_leaves_no_trace_of_the_previous_project(qtbot, window):
    panel = window.training_panel
    choose(panel.device, "cpu")
    panel.epochs.setValue(1)
    panel.batch_size.setValue(512)
    qtbot.mouseClick(panel.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    qtbot.waitUntil(lambda: window.evaluation.confusion_total() > 0, timeout=30_000)
    window.plots.redraw()
    assert window.plots.counts()["batch_loss"] > 0 and "Finished" in panel.status.text()
    assert window.runs_panel.list.count() == 1 and window.session.model is not None
    window.files.new_network()
    window.plots.redraw()
    assert window.plots.counts()["batch_loss"] == 0 and window.plots.counts()["val_accuracy"] == 0
    assert panel.status.text() == "" and panel.progress.value() == 0
    assert window.evaluation.confusion_total() == 0
    assert window.runs_panel.list.count() == 0 and window.session.runs == []
    assert window.session.model is None and window.document.trained_paths == set()
    assert window.draw.examples == [] and not window.isWindowModified()
    assert window.training.optimizer_state is None


def test_the_loss_choice_reaches_the_lints(window):
    window.document.edit("log-softmax output", lambda spec: spec.items.append(
        LayerSpec("LogSoftmax", "out", {"dim": 1})))
    rules = lambda: [f.rule for f in window.document.analysis.warnings]  # noqa: E731
    assert "softmax-before-loss" in rules()  # LogSoftmax before cross-entropy applies it twice
    choose(window.training_panel.loss, "nll")
    assert window.document.loss == "nll"
    assert "softmax-before-loss" not in rules()  # LogSoftmax is what NLL expects
    choose(window.training_panel.loss, "cross_entropy")
    assert "softmax-before-loss" in rules()


def test_opening_a_project_shows_its_settings_in_every_view(qtbot, window, tmp_path):
    path = tmp_path / "other.json"
    Project(load_template("lenet5"), "kmnist", {"epochs": 4, "optimizer": "rmsprop",
                                                 "loss": "nll"}).save(path)
    assert window.files.open_path(path)
    panel = window.training_panel
    assert panel.epochs.value() == 4 and panel.optimizer.currentData() == "rmsprop"
    assert panel.dataset_name() == "kmnist" and window.summary.dataset.currentData() == "kmnist"
    assert window.document.loss == "nll" and not window.isWindowModified()


def test_weights_shown_are_the_current_ones_after_a_load(qtbot, window, tmp_path):
    model = window.training.ensure_model()
    state = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    torch.save(state, tmp_path / "zeros.pth")
    assert window.weights.load_weights_from(tmp_path / "zeros.pth")
    assert all(torch.count_nonzero(v) == 0 for v in window.session.model.state_dict().values())
    assert window.evaluation.confusion_total() == 0  # no evaluation of other weights stays
