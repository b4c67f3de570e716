"""Issue 14 in a window: saving keeps all of the work, undo keeps weights, dirty means dirty,
resume continues exactly, and what the window shows belongs to the current weights."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.core.checkpoint import save_state_dict
from netbuilder.core.data import load_digits
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.controllers.files import read_recovery
from netbuilder.gui.main_window import MainWindow
from netbuilder.gui.recovery import offer_recovery


def choose(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


@pytest.fixture
def answers(monkeypatch):
    replies = []

    def ask(*args, **kwargs):
        return replies.pop(0) if replies else QMessageBox.StandardButton.Discard

    said = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a, **k: said.append(text) or ask())
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a, **k: said.append(text))
    return replies, said


@pytest.fixture
def make_window(qtbot, tmp_path, answers):
    windows = []

    def make(template: str = "mnist_mlp", **settings) -> MainWindow:
        path = tmp_path / f"{template}-{len(windows)}.json"
        Project(load_template(template), training={"device": "cpu", "batch_size": 512,
                                                   "epochs": 1, **settings}).save(path)
        window = MainWindow()
        qtbot.addWidget(window)
        assert window.files.open_path(path)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.training.shutdown()
        window.session.discard_changes()


def train(qtbot, window, timeout: int = 90_000) -> None:
    qtbot.mouseClick(window.training_panel.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training.running, timeout=5_000)
    qtbot.waitUntil(lambda: not window.training.running, timeout=timeout)


def wait_for_evaluation(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.evaluation.has_result(), timeout=60_000)


def state(window) -> dict:
    return {k: v.detach().clone() for k, v in window.session.model.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def draw_a_one(qtbot, window) -> list[float]:
    window.docks["draw"].show()
    window.docks["draw"].raise_()
    canvas = window.draw.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 40))
    for y in range(50, 250, 10):
        qtbot.mouseMove(canvas, QPoint(140, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 240))
    window.draw.classify_now()
    return list(window.draw.probabilities)


# ---------------------------------------------------------------------------------------------
# A project file holds all the work


def test_trained_work_survives_save_quit_and_reopen(qtbot, make_window, tmp_path):
    window = make_window()
    train(qtbot, window)
    wait_for_evaluation(qtbot, window)
    weights, accuracy = state(window), window.evaluation.accuracy_label.text()
    confusion = window.evaluation._result.confusion
    probabilities = draw_a_one(qtbot, window)
    assert probabilities and window.isWindowModified()
    window.actions["save"].trigger()  # Ctrl+S
    saved = window.session.path
    assert saved.suffix == ".nbproj" and not window.isWindowModified()
    with zipfile.ZipFile(saved) as archive:
        assert {"project.json", "weights.pth"} <= set(archive.namelist())

    again = make_window()
    again.docks["draw"].hide()  # Draw is not shown while the project opens
    assert again.files.open_path(saved)
    assert same(state(again), weights)
    assert again.document.trained_paths == window.document.trained_paths == {"fc1", "fc2", "fc3"}
    assert not again.isWindowModified()
    assert [r.to_dict() for r in again.session.runs] == [r.to_dict() for r in window.session.runs]
    again.plots.redraw()
    assert again.plots.counts()["batch_loss"] > 0  # the run's curves are drawn again
    wait_for_evaluation(qtbot, again)
    assert again.evaluation.accuracy_label.text() == accuracy
    assert again.evaluation._result.confusion == confusion
    again.docks["draw"].show()
    assert "No trained network" not in again.draw.message.text()  # ready before a stroke
    assert draw_a_one(qtbot, again) == probabilities  # Draw classifies at once, the same
    assert "untrained" not in again.draw.message.text()


def test_save_as_network_spec_only_writes_a_plain_spec(make_window, tmp_path, monkeypatch):
    window = make_window()
    before = window.session.path
    target = tmp_path / "only.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "Network spec only (*.json)"))
    window.document.edit("rename", lambda spec: setattr(spec, "class_name", "Renamed"))
    assert window.files.save_as()
    spec = Project.load(target).spec
    assert spec.class_name == "Renamed"
    assert '"netbuilder.network"' in target.read_text()
    assert window.session.path == before and window.isWindowModified()  # the project is not saved


# ---------------------------------------------------------------------------------------------
# Dirty means dirty


def change_lr(window):
    window.training_panel.lr.setValue(0.0123)


def change_patience(window):
    window.training_panel.patience.setValue(3)


def change_fresh(window):
    window.training_panel.fresh.setChecked(not window.training_panel.fresh.isChecked())


def change_dataset(window):
    window.session.set_dataset("fashion-mnist")


def add_example(window):
    window.session.add_example({"label": 3, "pixels": [0] * 784})


def reset_weights(window):
    window.training_panel.reset.click()


def load_weights(window, tmp_path):
    path = tmp_path / "w.pth"
    save_state_dict(window.training.ensure_model(), path)
    assert window.weights.load_weights_from(path)


@pytest.mark.parametrize("change", [change_lr, change_patience, change_fresh, change_dataset,
                                    add_example, reset_weights, load_weights])
def test_every_change_marks_the_project_modified(make_window, tmp_path, change):
    window = make_window()
    assert not window.isWindowModified()
    if change is load_weights:
        change(window, tmp_path)
    else:
        change(window)
    assert window.isWindowModified() and window.session.dirty


def test_training_marks_modified_and_quitting_says_what_would_be_lost(qtbot, make_window,
                                                                     answers):
    replies, said = answers
    window = make_window()
    train(qtbot, window)
    assert window.isWindowModified()
    replies.append(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert "the trained weights from Run 1" in said[-1]
    assert "1 training run" in said[-1]


# ---------------------------------------------------------------------------------------------
# Undo and redo keep weights; what is shown belongs to the current weights


def set_fc1_width(window, width: int) -> None:
    def change(spec):
        spec.find("fc1").args["out_features"] = width
        spec.find("fc2").args["in_features"] = width
    assert window.document.edit("fc1 width", change)


def test_undo_restores_a_reshaped_layers_trained_weights_bit_for_bit(qtbot, make_window):
    window = make_window()
    train(qtbot, window)
    wait_for_evaluation(qtbot, window)
    trained = state(window)
    set_fc1_width(window, 64)
    assert not window.evaluation.has_result()  # the evaluation was of the old weights
    edited = state(window)
    assert torch.equal(edited["fc3.weight"], trained["fc3.weight"])  # untouched: kept
    assert window.document.trained_paths == {"fc3"}
    window.actions["undo"].trigger()
    assert same(state(window), trained)
    assert window.document.trained_paths == {"fc1", "fc2", "fc3"}
    wait_for_evaluation(qtbot, window)  # computed again for the weights now in the model
    window.actions["redo"].trigger()
    assert same(state(window), edited)  # the edit, with the same re-initialised layers
    window.actions["undo"].trigger()
    assert same(state(window), trained)


def test_typing_a_size_back_restores_the_trained_layer(qtbot, make_window):
    window = make_window()
    train(qtbot, window)
    trained = state(window)
    set_fc1_width(window, 64)
    set_fc1_width(window, 128)  # back to the template's width, as a new edit
    assert same(state(window), trained)


# ---------------------------------------------------------------------------------------------
# Autosave keeps weights; recovery restores into the same window


def test_recovery_restores_trained_weights_into_the_same_window(qtbot, make_window, answers):
    replies, said = answers
    window = make_window()
    train(qtbot, window)
    weights = state(window)
    window.files.write_recovery()
    autosave = window.files.recovery_file
    assert autosave.suffix == ".nbproj"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    crashed = autosave.with_name(f"recovery-{dead}-deadbeef.nbproj")
    autosave.rename(crashed)
    window.session.discard_changes()
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    replies.append(QMessageBox.StandardButton.Yes)
    restored = offer_recovery(fresh)
    assert restored == [fresh]  # the same window, not a second one
    assert same(state(fresh), weights)
    assert fresh.document.trained_paths == {"fc1", "fc2", "fc3"}
    assert fresh.isWindowModified() and not crashed.exists()
    assert Path(fresh.files.recovery_file).exists()
    fresh.session.discard_changes()
    fresh.files.discard_recovery()


# ---------------------------------------------------------------------------------------------
# Real resume in the window


def run_until_epoch(qtbot, window, epoch: int) -> None:
    """Start, then press Stop as soon as ``epoch`` has ended (the worker goes on meanwhile)."""
    stopped = []

    def maybe_stop(event, _step):
        if event.epoch == epoch and not stopped:
            stopped.append(True)
            qtbot.mouseClick(window.training_panel.stop, Qt.MouseButton.LeftButton)

    window.training.epoch_ended.connect(maybe_stop)
    train(qtbot, window)
    window.training.epoch_ended.disconnect(maybe_stop)


def test_stop_save_reopen_and_resume_equals_one_uninterrupted_run(qtbot, make_window, tmp_path):
    settings = {"epochs": 3, "schedule": "cosine", "optimizer": "adam", "augment": True}
    whole = make_window(**settings)
    train(qtbot, whole)
    assert whole.session.runs[-1].final["epochs_done"] == 3

    part = make_window(**settings)
    run_until_epoch(qtbot, part, 1)
    assert part.session.runs[-1].final.get("stopped") == "user"
    path = tmp_path / "half.nbproj"
    assert part.files.write(path)
    reopened = make_window()
    assert reopened.files.open_path(path)
    assert reopened.session.resume_point is not None
    train(qtbot, reopened)  # Start continues the stopped run
    assert same(state(reopened), state(whole))
    runs = reopened.session.runs
    assert len(runs) == 1 and [e["epoch"] for e in runs[0].epochs] == [1, 2, 3]
    assert runs[0].final["epochs_done"] == 3
    reopened.plots.redraw()
    assert reopened.plots.counts()["val_accuracy"] == 3  # the curves went on, on the same axes


def noise_dataset(size: int = 1024):
    """Digits with shuffled labels: the network can only memorise, so the validation loss
    is best early and rises after."""
    data = load_digits(0.2, 0)
    generator = torch.Generator().manual_seed(0)
    data.train_images, data.val_images = data.train_images[:size], data.val_images[:512]
    data.train_labels = torch.randint(0, 10, (size,), generator=generator)
    data.val_labels = torch.randint(0, 10, (512,), generator=generator)
    return data


def test_best_epoch_is_offered_and_used(qtbot, make_window):
    window = make_window(epochs=6, lr=0.01)
    window.training.start_run(noise_dataset(), window.session.config, "noise")
    qtbot.waitUntil(lambda: not window.training.running, timeout=90_000)
    point = window.session.resume_point
    assert point.best["epoch"] < point.epochs_done
    button = window.training_panel.use_best
    assert button.isVisible() and f"Use best epoch ({point.best['epoch']}" in button.text()
    best = {k: v.clone() for k, v in point.best_weights.items()}
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert same(state(window), best) and not button.isVisible()
    assert window.isWindowModified()


def test_early_stopping_from_the_panel(qtbot, make_window):
    window = make_window(epochs=20, lr=0.01)
    window.training_panel.patience.setValue(2)
    window.training.start_run(noise_dataset(), window.session.config, "noise")
    qtbot.waitUntil(lambda: not window.training.running, timeout=90_000)
    run = window.session.runs[-1]
    assert len(run.epochs) < 20 and "stopped early" in window.training_panel.status.text()


def test_autosave_waits_while_a_run_changes_the_weights(qtbot, make_window):
    window = make_window(epochs=50)
    qtbot.mouseClick(window.training_panel.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training.run is not None and bool(window.training.run.epochs),
                    timeout=60_000)
    window.files.write_recovery()  # mid-run: the weights are half-way through a step
    assert not window.files.recovery_file.exists()
    window.training.stop()
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    window.files.write_recovery()
    assert window.files.recovery_file.suffix == ".nbproj"
    project, _note = read_recovery(window.files.recovery_file)
    assert same(project.weights.state_dict, state(window))
    window.files.discard_recovery()
