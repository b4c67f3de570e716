"""The Training panel's "Log each run to a folder": chosen with Browse…, kept in the settings
(not the project), and a run started by the controller writes TensorBoard event files and
metrics.csv into a sub-folder of its own."""

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from netbuilder.core.data import load_digits
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.controllers.training import TrainingController
from netbuilder.gui.log_setting import log_setting, save_log_setting
from netbuilder.gui.model.session import Session
from netbuilder.gui.training import log_folder as log_folder_module
from netbuilder.gui.training.log_folder import LogFolderOption
from netbuilder.gui.training.panel import TrainingPanel


@pytest.fixture
def controller(qtbot):
    session = Session(Project(load_template("mnist_mlp"), "digits",
                              {"epochs": 2, "batch_size": 500, "device": "cpu"}))
    controller = TrainingController(session)
    yield controller
    controller.shutdown()


def test_browse_turns_logging_on_and_the_choice_is_kept(qtbot, tmp_path, monkeypatch):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    option = panel.log_folder
    assert not option.enabled.isChecked() and log_setting() == (False, "")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *args, **kwargs: str(tmp_path / "logs"))
    qtbot.mouseClick(option.browse, Qt.MouseButton.LeftButton)
    assert option.enabled.isChecked() and option.folder.text() == str(tmp_path / "logs")
    assert log_setting() == (True, str(tmp_path / "logs"))
    again = LogFolderOption()
    qtbot.addWidget(again)
    assert again.enabled.isChecked() and again.folder.text() == str(tmp_path / "logs")
    option.enabled.setChecked(False)  # unticking keeps the folder for next time
    assert log_setting() == (False, str(tmp_path / "logs"))


def test_the_option_waits_while_a_run_goes_on(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_running(True)
    option = panel.log_folder
    assert [w.isEnabled() for w in (option.enabled, option.folder, option.browse)] == [False] * 3
    panel.set_running(False)
    assert [w.isEnabled() for w in (option.enabled, option.folder, option.browse)] == [True] * 3


def test_without_tensorboard_the_option_says_only_the_csv_is_written(qtbot, monkeypatch):
    monkeypatch.setattr(log_folder_module, "tensorboard_installed", lambda: False)
    option = LogFolderOption()
    qtbot.addWidget(option)
    option.show()
    assert option.note.isHidden()
    option.enabled.setChecked(True)
    assert option.note.isVisible()
    assert "pip install 'netbuilder[tensorboard]'" in option.note.text()


def test_a_run_writes_tensorboard_files_and_a_csv(qtbot, tmp_path, controller):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.log_folder.folder.setText(str(tmp_path / "logs"))
    panel.log_folder.enabled.setChecked(True)  # saved as it is ticked
    controller.start_run(dataset=load_digits(seed=0))
    qtbot.waitUntil(lambda: not controller.running, timeout=120_000)
    [folder] = list((tmp_path / "logs").iterdir())
    assert folder.name.endswith("-MNISTClassifier-run1")
    assert len(list(folder.glob("events.out.tfevents.*"))) == 1
    reader = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    reader.Reload()
    steps_per_epoch = 16  # 8,000 training digits in batches of 500
    assert [s.step for s in reader.Scalars("step/train_loss")] == list(range(1, 33))
    assert [s.step for s in reader.Scalars("epoch/val_accuracy")] == [1, 2]
    assert [h.step for h in reader.Histograms("weights/fc1.weight")] == [1, 2]
    with open(folder / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["epoch"], r["global_step"]) for r in rows] == [
        ("1", str(steps_per_epoch)), ("2", str(2 * steps_per_epoch))]
    assert controller.session.runs[0].epochs[-1]["val_accuracy"] == pytest.approx(
        float(rows[-1]["val_accuracy"]))
    assert "Training log" not in controller.status


def test_a_log_folder_that_cannot_be_written_does_not_stop_the_run(qtbot, tmp_path, controller):
    (tmp_path / "taken").write_text("a file, not a folder")
    save_log_setting(True, str(tmp_path / "taken"))
    messages = []
    controller.message.connect(messages.append)
    controller.start_run(dataset=load_digits(seed=0))
    qtbot.waitUntil(lambda: not controller.running, timeout=120_000)
    assert controller.session.runs[0].final["epochs_done"] == 2
    assert "Finished: validation accuracy" in controller.status
    assert "Training log: cannot write the training log to" in controller.status
    assert any(m.startswith("Training log: cannot write the training log to") for m in messages)


def test_logging_off_writes_nothing(qtbot, tmp_path, controller):
    save_log_setting(False, str(tmp_path / "logs"))
    controller.start_run(dataset=load_digits(seed=0))
    qtbot.waitUntil(lambda: not controller.running, timeout=120_000)
    assert not (tmp_path / "logs").exists()
    assert controller.session.runs[0].final["epochs_done"] == 2
