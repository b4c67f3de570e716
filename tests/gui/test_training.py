"""Training in the window: the worker thread, live plots, pause/stop, faults, history."""

import json
import zipfile

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: said.append(a) or QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a))
    return said


@pytest.fixture
def window(qtbot):
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.training.shutdown()


def settings(window, epochs=2, batch=256, lr=1e-3, optimizer="adam", fresh=False,
             loss="cross_entropy"):
    panel = window.training_panel
    panel.loss.setCurrentIndex(panel.loss.findData(loss))
    panel.epochs.setValue(epochs)
    panel.batch_size.setValue(batch)
    panel.lr.setValue(lr)
    panel.optimizer.setCurrentIndex(panel.optimizer.findData(optimizer))
    panel.fresh.setChecked(fresh)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run_to_end(qtbot, window, timeout=60_000):
    click(qtbot, window.training_panel.start)
    qtbot.waitUntil(lambda: window.training.running, timeout=5000)
    qtbot.waitUntil(lambda: not window.training.running, timeout=timeout)


def test_training_streams_to_the_plots_and_evaluates(qtbot, window):
    settings(window, epochs=2)
    run_to_end(qtbot, window)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] == 2 * 32)  # the 20 Hz redraw
    assert window.plots.counts()["val_accuracy"] == 2
    run = window.session.runs[-1]
    assert run.final["epochs_done"] == 2 and run.final["val_accuracy"] > 0.85
    assert "Finished: validation accuracy" in window.training_panel.status.text()
    assert window.training_panel.progress.value() == 1000
    qtbot.waitUntil(lambda: window.evaluation.confusion_total() == 2000, timeout=10_000)
    assert {"fc1", "fc2", "fc3"} <= window.document.trained_paths
    assert window.isWindowModified()  # the run belongs to the project now


def test_the_network_is_locked_while_training(qtbot, window):
    settings(window, epochs=40, batch=64)
    click(qtbot, window.training_panel.start)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > 0, timeout=10_000)
    assert window.lock_banner.isVisible() and not window.palette_panel.isEnabled()
    before = window.document.spec.copy()
    window.document.select(["fc2"])
    window.stack.setFocus()
    qtbot.keyClick(window.stack, Qt.Key.Key_Delete)
    assert window.document.spec == before
    assert "stop the run" in window.statusBar().currentMessage()
    click(qtbot, window.training_panel.stop)
    qtbot.waitUntil(lambda: not window.training.running, timeout=5000)
    assert not window.lock_banner.isVisible() and window.palette_panel.isEnabled()
    assert window.session.runs[-1].final["stopped"] == "user"


def test_pause_resume_stop_and_continue(qtbot, window):
    settings(window, epochs=50, batch=64)
    panel = window.training_panel
    click(qtbot, panel.start)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > 10, timeout=10_000)
    click(qtbot, panel.pause)
    qtbot.waitUntil(lambda: window.training.paused, timeout=5000)
    assert panel.pause.text().startswith("Resume")
    # the evaluation view on pause (computed on the worker, it arrives just after)
    qtbot.waitUntil(lambda: window.evaluation.confusion_total() == 2000, timeout=10_000)
    qtbot.wait(100)  # bundles sent before the pause reach the plot
    window.plots.redraw()
    shown = window.plots.counts()["batch_loss"]
    qtbot.wait(300)
    assert window.plots.counts()["batch_loss"] == shown  # no batches while paused
    click(qtbot, panel.pause)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > shown + 5, timeout=10_000)
    click(qtbot, panel.stop)
    qtbot.waitUntil(lambda: not window.training.running, timeout=5000)
    first = window.session.runs[-1]
    assert first.final["stopped"] == "user"
    # again: continues from the current weights
    settings(window, epochs=1, batch=256)
    run_to_end(qtbot, window)
    second = window.session.runs[-1]
    assert second.batches[0][1] < 0.8 * first.batches[0][1]
    # reset: back to untrained weights
    click(qtbot, panel.reset)
    assert window.document.trained_paths == set()
    run_to_end(qtbot, window)
    assert window.session.runs[-1].batches[0][1] > 2.0


def test_non_finite_loss_is_reported_and_weights_are_the_last_good(qtbot, window):
    click(qtbot, window.training_panel.reset)  # a model to compare with
    good = {k: v.clone() for k, v in window.training.model.state_dict().items()}
    settings(window, epochs=3, batch=64, lr=10.0, optimizer="sgd", loss="mse")
    run_to_end(qtbot, window)
    status = window.training_panel.status.text()
    assert "the loss became" in status and "lower learning rate" in status
    state = window.training.model.state_dict()
    assert all(torch.equal(state[k], good[k]) for k in good)
    assert [run.final.get("stopped") for run in window.session.runs] == ["non_finite"]


def test_a_network_with_shape_errors_does_not_start(qtbot, window):
    window.document.edit("break", lambda spec: spec.find("fc2").args.update(in_features=5))
    click(qtbot, window.training_panel.start)
    assert not window.training.running
    assert "cannot run yet" in window.training_panel.status.text()


def test_close_mid_training_leaves_no_thread(qtbot, window):
    settings(window, epochs=100, batch=64)
    click(qtbot, window.training_panel.start)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > 0, timeout=10_000)
    thread = window.training.thread
    assert thread is not None and thread.isRunning()
    window.document.undo_stack.setClean()
    assert window.close()
    assert thread.wait(5000) and not thread.isRunning()


def test_editing_after_training_keeps_trained_layers(qtbot, window):
    settings(window, epochs=1)
    run_to_end(qtbot, window)
    fc1 = window.training.model.fc1.weight.clone()
    window.document.select(["fc3"])
    window.editing.append_kind("Dropout")
    assert {"fc1", "fc2", "fc3"} <= window.document.trained_paths
    assert torch.equal(window.training.model.fc1.weight, fc1)
    window.document.edit("widen", lambda spec: (spec.find("fc2").args.update(out_features=32),
                                                spec.find("fc3").args.update(in_features=32)))
    assert "fc1" in window.document.trained_paths
    assert "fc2" not in window.document.trained_paths


def test_run_history_survives_save_and_open(qtbot, window, tmp_path):
    settings(window, epochs=1)
    run_to_end(qtbot, window)
    run_to_end(qtbot, window)
    path = tmp_path / "runs.nbproj"  # trained weights: a .nbproj holding the project's JSON
    assert window.files.write(path)
    with zipfile.ZipFile(path) as archive:
        saved = json.loads(archive.read("project.json"))
    assert len(saved["runs"]) == 2 and saved["training"]["epochs"] == 1
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(path)
    assert [r.label for r in other.session.runs] == [r.label for r in window.session.runs]
    runs_list = other.runs_panel.list
    assert runs_list.count() == 2
    runs_list.item(0).setCheckState(Qt.CheckState.Checked)
    assert other.plots.counts()["overlays"] > 0
    assert other.training_panel.epochs.value() == 1


def test_a_dataset_that_cannot_be_had_is_a_clear_message(qtbot, window, tmp_path, monkeypatch):
    from torchvision import datasets

    monkeypatch.setenv("NETBUILDER_DATA", str(tmp_path))
    monkeypatch.setattr(datasets.KMNIST, "mirrors", ["http://127.0.0.1:9/"])
    window.session.set_dataset("kmnist")
    run_to_end(qtbot, window)
    status = window.training_panel.status.text()
    assert "KMNIST is not in" in status and "could not be downloaded" in status
    assert window.palette_panel.isEnabled() and not window.training.running
    assert window.session.runs == []


def test_download_button_reports_offline_without_blocking(qtbot, window, tmp_path, monkeypatch):
    from torchvision import datasets

    monkeypatch.setenv("NETBUILDER_DATA", str(tmp_path))
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    panel = window.training_panel
    panel.set_dataset("fashion-mnist")
    assert panel.download.isVisible()
    click(qtbot, panel.download)
    assert panel.progress.maximum() == 0  # a busy bar until the download thread ends
    qtbot.waitUntil(lambda: window.training.loads.thread is None, timeout=30_000)
    assert "FashionMNIST is not in" in panel.status.text()
    assert panel.progress.maximum() == 1000 and panel.start.isEnabled()
