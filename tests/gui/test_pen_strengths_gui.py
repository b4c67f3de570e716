"""The Training panel's pen and scanner strengths: shown from the project, saved with it, and
enabled only while augmentation is on and no run is going."""

import pytest
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.core.train_config import PEN_SETTINGS, TrainConfig
from netbuilder.gui.main_window import MainWindow

STRENGTHS = {"stroke": 0.25, "blur": 0.0, "elastic": 1.0, "erase": 0.5}


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    path = tmp_path / "saved.json"
    Project(load_template("mnist_mlp"), training={"augment": False, **STRENGTHS}).save(path)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.files.open_path(path)
    window.show()
    yield window
    window.training.shutdown()


def test_the_projects_strengths_are_shown_and_apply_only_with_augmentation(window):
    panel = window.training_panel
    assert panel.pen.values() == STRENGTHS
    assert not panel.pen.isEnabled()
    panel.augment.setChecked(True)
    assert panel.pen.isEnabled()
    panel.set_running(True)
    assert not panel.pen.isEnabled()
    panel.set_running(False)
    assert panel.pen.isEnabled()
    panel.augment.setChecked(False)
    assert not panel.pen.isEnabled()


def test_a_changed_strength_marks_the_project_modified_and_is_saved(window):
    panel = window.training_panel
    panel.augment.setChecked(True)
    assert window.files.save()
    panel.pen.boxes["stroke"].setValue(0.7)
    assert window.isWindowModified()
    assert window.session.config.stroke == 0.7
    assert window.session.config.pen().stroke == 0.7
    assert window.files.save()
    assert Project.load(window.session.path).training["stroke"] == 0.7


def test_a_project_without_strengths_shows_the_defaults(qtbot, tmp_path, window):
    path = tmp_path / "old.json"
    Project(load_template("mnist_mlp"), training={"augment": True}).save(path)
    assert window.files.open_path(path)
    defaults = TrainConfig()
    assert window.training_panel.pen.values() == {
        name: getattr(defaults, name) for name in PEN_SETTINGS}


def test_each_strength_is_named_explained_and_limited(window):
    for name, box in window.training_panel.pen.boxes.items():
        assert box.accessibleName() == name.title()
        assert "0: off" in box.toolTip()
        assert (box.minimum(), box.maximum()) == (0.0, 1.0)
