"""Tables in the window: choosing a CSV and its target in the Training panel, a regression's
run (R² curves, the predicted-vs-true plot, the loss it needs) and its preprocessing kept in
the project."""

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.registry import csv_name
from netbuilder.core.resources import RESOURCES, load_template_project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.gui.main_window import MainWindow
from tests.gui.test_training import run_to_end

CSV = RESOURCES / "data" / "tutorial_regression.csv"


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)


def open_window(qtbot, project):
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_choosing_a_csv_lists_its_columns_and_names_the_target(qtbot, monkeypatch):
    window = open_window(qtbot, Project(NetworkSpec([10], [LayerSpec(
        "Linear", "fc", {"in_features": 10, "out_features": 1})])))
    panel = window.training_panel
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(CSV), ""))
    panel.dataset.setCurrentIndex(panel.dataset.findData("csv"))
    panel.dataset.activated.emit(panel.dataset.currentIndex())  # as a click on the item does
    assert [panel.target.itemText(i) for i in range(panel.target.count())] == [
        *(f"x{i}" for i in range(1, 11)), "y"]
    assert panel.target.currentText() == "y"  # the last column, where tables keep the target
    assert window.session.dataset == csv_name(str(CSV), "y")
    assert panel.form.isRowVisible(panel.target)
    # a table's rows are never jittered: no augmentation or pen effects to set
    assert not panel.form.isRowVisible(panel.augment)
    assert not panel.form.isRowVisible(panel.pen)
    panel.task.setCurrentIndex(panel.task.findData("regression"))
    panel.task.activated.emit(panel.task.currentIndex())
    assert window.session.dataset == csv_name(str(CSV), "y", "regression")
    assert window.session.dirty
    panel.dataset.setCurrentIndex(panel.dataset.findData("digits"))
    panel.dataset.activated.emit(panel.dataset.currentIndex())
    assert not panel.form.isRowVisible(panel.target)
    assert panel.form.isRowVisible(panel.augment)
    window.session.discard_changes()
    window.training.shutdown()


def test_a_regression_trains_with_r2_curves_and_a_predicted_against_true_plot(qtbot,
                                                                              tmp_path):
    window = open_window(qtbot, load_template_project("tutorial_mymodel"))
    panel = window.training_panel
    panel.epochs.setValue(4)
    panel.loss.setCurrentIndex(panel.loss.findData("cross_entropy"))  # a classifier's loss
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    run_to_end(qtbot, window)
    assert window.session.config.loss == "mse"  # switched, and said so
    assert window.training_panel.loss.currentData() == "mse"
    assert window.training.last_failure == ""
    assert window.plots.accuracy_plot.getAxis("left").labelText == "R²"
    qtbot.waitUntil(lambda: window.evaluation.regression.point_count() == 200, timeout=10_000)
    assert window.evaluation.regression.headline.text().startswith("Validation R² 0.")
    assert window.statusBar().currentMessage().startswith("Finished: validation R² ")
    assert window.session.preprocessing["target"] == "y"
    path = tmp_path / "mymodel.nbproj"
    assert window.files.write(path)
    saved = Project.load(path)
    assert saved.extra["preprocessing"] == window.session.preprocessing
    assert saved.dataset == csv_name(str(CSV), "y", "regression")
    window.training.shutdown()


def test_the_window_says_when_the_network_does_not_fit_the_table(qtbot):
    window = open_window(qtbot, load_template_project("tutorial_mymodel"))
    def wider(spec):
        spec.input_shape = [12]
        spec.find("layer1").args["in_features"] = 12

    window.document.edit("wider", wider)
    assert window.document.analysis.ok
    window.session.update_config(epochs=1)
    window.start_training()
    qtbot.waitUntil(lambda: not window.training.running, timeout=30_000)
    assert "the network fails on the data's rows of 10 features" in \
        window.training.last_failure
    window.start_training()  # now the table is loaded: said before any run starts
    assert window.training.last_failure.startswith(
        "The network takes input [12], but the rows of csv:")
    assert window.training.last_failure.endswith("have 10 features.")
    window.session.discard_changes()
    window.training.shutdown()
