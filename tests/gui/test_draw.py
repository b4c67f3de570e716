"""Draw digits with the mouse and read what the trained network says."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow


@pytest.fixture(scope="module")
def trained_state(trained_digits_cnn):
    return trained_digits_cnn


@pytest.fixture
def window(qtbot, monkeypatch, trained_state):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("digits_cnn")), template="digits_cnn")
    qtbot.addWidget(window)
    window.show()
    window.docks["draw"].raise_()
    window.training.ensure_model().load_state_dict(trained_state)
    window.training.mark_loaded(list(trained_state))
    yield window
    window.training.shutdown()


def stroke(qtbot, canvas, points):
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(canvas, QPoint(*point))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def ellipse(cx, cy, rx, ry, n=48):
    return [(int(cx + rx * math.cos(2 * math.pi * i / n)),
             int(cy + ry * math.sin(2 * math.pi * i / n))) for i in range(n + 1)]


def line(a, b, n=20):
    return [(int(a[0] + (b[0] - a[0]) * i / n), int(a[1] + (b[1] - a[1]) * i / n))
            for i in range(n + 1)]


def test_drawn_zero_one_and_seven_are_recognised(qtbot, window):
    draw = window.draw
    canvas = draw.canvas
    stroke(qtbot, canvas, ellipse(140, 140, 55, 90))
    assert draw.predicted() == 0, draw.probabilities
    assert draw.top.text() == "0" and "0:" in draw.top3.text()
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)  # Clear
    assert not canvas.strokes and draw.predicted() is None
    assert canvas.pixels().max() == 0
    stroke(qtbot, canvas, line((140, 40), (140, 240)))
    assert draw.predicted() == 1, draw.probabilities
    qtbot.mouseClick(draw.clear_button, Qt.MouseButton.LeftButton)
    stroke(qtbot, canvas, line((70, 50), (210, 50)))
    stroke(qtbot, canvas, line((210, 50), (115, 240)))
    assert draw.predicted() == 7, draw.probabilities


def test_undo_removes_the_last_stroke(qtbot, window):
    draw, canvas = window.draw, window.draw.canvas
    stroke(qtbot, canvas, line((140, 40), (140, 240)))
    one = canvas.pixels().copy()
    stroke(qtbot, canvas, line((70, 50), (210, 50)))
    assert len(canvas.strokes) == 2
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1
    assert np.array_equal(canvas.pixels(), one)
    before = window.document.spec.copy()
    assert window.document.spec == before  # the window's undo was not triggered
    qtbot.mouseClick(draw.undo_button, Qt.MouseButton.LeftButton)
    assert canvas.strokes == [] and draw.predicted() is None


def test_the_model_input_and_warnings_are_shown(qtbot, window):
    draw = window.draw
    assert "empty" in draw.message.text()
    draw.brush.setValue(4)
    stroke(qtbot, draw.canvas, line((100, 100), (106, 103)))
    assert "too small" in draw.message.text()
    assert draw.preview.pixmap().width() == 140
    assert draw.prepared.image.max() > 0


def test_activations_and_saliency(qtbot, window):
    draw = window.draw
    stroke(qtbot, draw.canvas, line((140, 40), (140, 240)))
    draw.show_activations.setChecked(True)
    leaves = [p for p, m in window.training.model.named_modules() if not list(m.children())]
    assert draw.activations.rows() == leaves
    draw.saliency_check.setChecked(True)
    assert draw.preview.pixmap().width() == 140


def test_examples_are_kept_with_the_project_and_fine_tune_runs(qtbot, window, tmp_path):
    draw = window.draw
    stroke(qtbot, draw.canvas, line((140, 40), (140, 240)))
    draw.label_box.setCurrentIndex(1)
    qtbot.mouseClick(draw.add_button, Qt.MouseButton.LeftButton)
    assert len(draw.examples) == 1 and draw.examples[0]["label"] == 1
    assert window.isWindowModified()
    path = tmp_path / "with_examples.nbproj"  # the window's network is trained
    assert window.files.write(path)
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(path)
    assert other.draw.examples == draw.examples
    window.training_panel.device.setCurrentIndex(
        window.training_panel.device.findData("cpu"))
    qtbot.mouseClick(draw.fine_tune_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training.running, timeout=5000)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert window.session.runs[-1].label.startswith("Fine-tune on 1 drawn example")
    assert window.session.runs[-1].final["epochs_done"] == 1
    other.document.undo_stack.setClean()


def test_a_network_that_cannot_read_digits_says_so(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    window.document.edit("five", lambda spec: spec.find("fc3").args.update(out_features=5))
    window.training.ensure_model()
    window.training.mark_loaded(["fc1.weight"])
    stroke(qtbot, window.draw.canvas, line((140, 40), (140, 240)))
    assert "not one score for each of the 10 classes" in window.draw.message.text()
    window.document.undo_stack.setClean()
