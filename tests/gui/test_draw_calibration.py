"""Draw says "Not sure" for a scribble and the calibrated probability for a clear digit; the
calibration always belongs to the current weights."""

import pytest
from PySide6.QtWidgets import QMessageBox

from netbuilder.core import calibration as cal
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow
from tests.gui.test_draw import ellipse, line, stroke


@pytest.fixture(scope="module")
def fitted(trained_digits_cnn):
    """The fixture network's calibration on the embedded validation split."""
    from netbuilder.core.builder import build
    from netbuilder.core.data import load_digits

    model = build(load_template("digits_cnn"))
    model.load_state_dict(trained_digits_cnn)
    data = load_digits().on_device("cpu")
    return cal.fit(cal.outputs(model, data.val_x), data.val_y)


@pytest.fixture
def window(qtbot, monkeypatch, trained_digits_cnn, fitted):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("digits_cnn")), template="digits_cnn")
    qtbot.addWidget(window)
    window.show()
    window.docks["draw"].raise_()
    window.training.ensure_model().load_state_dict(trained_digits_cnn)
    window.training.mark_loaded(list(trained_digits_cnn), "trained.nbproj", calibration=fitted)
    yield window
    window.training.shutdown()
    window.session.discard_changes()


def test_a_clear_digit_is_sure_and_a_scribble_is_not(qtbot, window, fitted):
    draw = window.draw
    assert window.session.calibration == fitted
    assert draw.calibration_state.text().startswith("Calibrated: not sure below")
    stroke(qtbot, draw.canvas, ellipse(140, 140, 55, 90))
    assert draw.top.text() == "0", draw.probabilities
    top = max(draw.probabilities)
    assert top >= fitted.threshold
    assert draw.verdict.text() == f"0 ({top:.0%})"
    assert sum(draw.probabilities) == pytest.approx(1.0)
    draw.canvas.clear()
    # a tangle of long straight strokes across the canvas: no digit
    stroke(qtbot, draw.canvas, line((40, 60), (240, 220)) + line((240, 220), (60, 230))
           + line((60, 230), (220, 40)) + line((220, 40), (40, 140)))
    assert max(draw.probabilities) < fitted.threshold, draw.probabilities
    assert draw.top.text() == "?"
    assert draw.verdict.text().startswith("Not sure — maybe ")
    assert " or " in draw.verdict.text()


def test_uncalibrated_weights_are_marked_and_loading_weights_clears_the_calibration(
        qtbot, window, trained_digits_cnn):
    draw, session = window.draw, window.session
    modified = session.revision
    window.training.mark_loaded(list(trained_digits_cnn), "plain.pth")  # plain weights
    assert session.calibration is None
    assert session.revision > modified and session.dirty
    assert draw.calibration_state.text() == "Uncalibrated"
    assert "raw softmax" in draw.calibration_state.toolTip()
    stroke(qtbot, draw.canvas, line((140, 40), (140, 240)))
    assert draw.top.text() == "1"
    assert draw.verdict.text().startswith("1 (")
    assert "Not sure" not in draw.verdict.text()


def test_the_calibration_is_saved_with_the_weights_and_cleared_by_a_reset(
        qtbot, window, fitted, tmp_path):
    session = window.session
    path = tmp_path / "calibrated.nbproj"
    assert window.files.write(path)
    assert session.to_project().extra["calibration"] == fitted.to_dict()
    assert "calibration" not in session.to_project(with_weights=False).extra
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(path)
    assert other.session.calibration == fitted
    assert other.draw.calibration_state.text().startswith("Calibrated")
    window.training.reset()  # new weights: the calibration was of the old ones
    assert session.calibration is None
    assert window.draw.calibration_state.text() == "Uncalibrated"
    other.session.discard_changes()


def test_a_checkpoint_keeps_the_calibration(qtbot, window, fitted, tmp_path):
    path = tmp_path / "calibrated.pth"
    assert window.weights.save_checkpoint_to(path)
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.weights.open_checkpoint(path)
    assert other.session.calibration == fitted
    other.session.discard_changes()


def test_a_training_run_calibrates_the_weights_it_leaves(qtbot, window):
    draw = window.draw
    stroke(qtbot, draw.canvas, line((140, 40), (140, 240)))
    draw.label_box.setCurrentIndex(1)
    draw.add_example()
    window.training_panel.device.setCurrentIndex(
        window.training_panel.device.findData("cpu"))
    assert window.training.fine_tune(window.session.examples, steps=10) == ""
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    calibration = window.session.calibration
    assert isinstance(calibration, cal.Calibration)
    assert calibration.threshold >= cal.THRESHOLD_FLOOR
    assert draw.calibration_state.text().startswith("Calibrated")
