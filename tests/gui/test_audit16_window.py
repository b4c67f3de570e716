"""Audit of issue 16 in the window: what its feature tests left out.

A table classification ends with a confusion matrix over the table's classes; a folder that
streams trains in the window with the same progress bar, curves, pause and stop as in memory,
and to the same weights for the same seed; the Try panel beside Draw answers for the network
the window trained on a colour folder; File ▸ Export ▸ training script follows a table.
"""

import multiprocessing

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QMessageBox, QTableWidget

from netbuilder.core import streaming
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template_project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.streaming import StreamingDataset
from netbuilder.gui.main_window import MainWindow
from tests.gui.test_training import click, run_to_end, settings

SIZE = 16
NAMES = ("blue", "green", "red")  # sorted, as ImageFolder orders the classes


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)


def open_window(qtbot, project):
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three classes of 20 noisy RGB images of mixed sizes, each class with its own dominant
    channel: 48 training and 12 validation images at 16×16."""
    root = tmp_path_factory.mktemp("photos") / "photos"
    rng = np.random.default_rng(0)
    for name in NAMES:
        channel = ("red", "green", "blue").index(name)
        (root / name).mkdir(parents=True)
        for i in range(20):
            pixels = rng.integers(0, 120, (18 + i % 5, 20 + i % 3, 3), dtype=np.uint8)
            pixels[..., channel] = 230
            Image.fromarray(pixels).save(root / name / f"{i:02}.png")
    return root


def folder_project(folder) -> Project:
    spec = NetworkSpec([3, SIZE, SIZE], [
        LayerSpec("Conv2d", "conv", {"in_channels": 3, "out_channels": 4, "kernel_size": 3,
                                     "padding": 1}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc", {"in_features": 4 * SIZE * SIZE, "out_features": 3})],
        "Colours", 3)
    return Project(spec, f"folder:{folder}?size={SIZE}")


def train_folder(qtbot, window, epochs=3):
    settings(window, epochs=epochs, batch=8, lr=0.01, fresh=True)
    run_to_end(qtbot, window)
    assert window.training.last_failure == ""
    return {k: v.clone() for k, v in window.training.model.state_dict().items()}


def test_a_table_classification_ends_with_a_confusion_matrix_of_its_classes(qtbot):
    window = open_window(qtbot, load_template_project("tabular_classifier"))
    settings(window, epochs=10, batch=32, lr=0.005)
    run_to_end(qtbot, window)
    assert window.training.last_failure == ""
    qtbot.waitUntil(lambda: window.evaluation.confusion_total() == 120, timeout=10_000)
    table = window.evaluation.findChild(QTableWidget, "confusion_table")
    assert table.isVisible() and table.rowCount() == table.columnCount() == 3
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["early", "late",
                                                                         "on time"]
    cells = [[int(table.item(r, c).text()) for c in range(3)] for r in range(3)]
    assert sum(map(sum, cells)) == 120
    correct = sum(cells[i][i] for i in range(3))
    assert correct / 120 == pytest.approx(window.session.runs[-1].final["val_accuracy"],
                                          abs=1e-6)
    assert window.evaluation.gallery_indices() == []  # rows of a table have no pictures
    assert window.training_panel.progress.value() == 1000
    window.session.discard_changes()
    window.training.shutdown()


def test_a_streamed_folder_trains_in_the_window_as_in_memory(qtbot, folder, monkeypatch):
    window = open_window(qtbot, folder_project(folder))
    in_memory = train_folder(qtbot, window)
    memory_run = window.session.runs[-1]
    assert not isinstance(window.training.datasets[window.training._key], StreamingDataset)
    window.session.discard_changes()
    window.training.shutdown()

    monkeypatch.setattr(streaming, "STREAM_THRESHOLD_BYTES", 0)  # every folder streams
    window = open_window(qtbot, folder_project(folder))
    streamed = train_folder(qtbot, window)
    dataset = window.training.datasets[window.training._key]
    assert isinstance(dataset, StreamingDataset)
    assert dataset.num_workers == streaming.default_workers()
    run = window.session.runs[-1]
    assert run.final["epochs_done"] == 3 and run.final["val_accuracy"] >= 0.8
    assert window.training_panel.progress.value() == 1000
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] == 3 * 6, timeout=10_000)
    assert window.plots.counts()["val_accuracy"] == 3
    qtbot.waitUntil(lambda: window.evaluation.confusion_total() == 12, timeout=10_000)
    assert window.evaluation.gallery_indices() == []  # decoded on demand: no gallery
    # the same seed gives the same weights and the same curves as in memory
    assert streamed.keys() == in_memory.keys()
    assert all(torch.equal(streamed[k], in_memory[k]) for k in streamed)
    assert [b[1] for b in run.batches] == [b[1] for b in memory_run.batches]

    # pause and stop work on the streamed path too
    settings(window, epochs=200, batch=8, lr=0.001)
    panel = window.training_panel
    click(qtbot, panel.start)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > 3 * 6 + 8, timeout=20_000)
    click(qtbot, panel.pause)
    qtbot.waitUntil(lambda: window.training.paused, timeout=10_000)
    qtbot.wait(300)
    window.plots.redraw()
    shown = window.plots.counts()["batch_loss"]
    qtbot.wait(400)
    window.plots.redraw()
    assert window.plots.counts()["batch_loss"] == shown  # no batches while paused
    click(qtbot, panel.pause)
    qtbot.waitUntil(lambda: window.plots.counts()["batch_loss"] > shown + 4, timeout=20_000)
    click(qtbot, panel.stop)
    qtbot.waitUntil(lambda: not window.training.running, timeout=20_000)
    assert window.session.runs[-1].final["stopped"] == "user"
    assert 0 < panel.progress.value() < 1000
    assert multiprocessing.active_children()  # the streamed reads' worker processes
    window.session.discard_changes()
    window.training.shutdown()
    assert multiprocessing.active_children() == []  # closing the window ends them


def test_the_try_panel_beside_draw_answers_for_a_colour_folders_network(qtbot, folder,
                                                                      tmp_path):
    window = open_window(qtbot, folder_project(folder))
    train_folder(qtbot, window, epochs=4)
    panel = window.try_panel
    qtbot.waitUntil(lambda: panel.mode == "image", timeout=10_000)
    pixels = np.random.default_rng(9).integers(0, 120, (40, 30, 3), dtype=np.uint8)
    pixels[..., 0] = 230  # red dominates
    Image.fromarray(pixels).save(tmp_path / "reddish.png")
    assert panel.open_path(tmp_path / "reddish.png")
    assert panel.input.shape == (3, SIZE, SIZE)
    assert [name for name, _p in panel.result][0] == "red"
    assert sum(p for _name, p in panel.result) == pytest.approx(1.0, abs=1e-5)
    assert panel.caption.text() == (f"reddish.png (30×40 pixels) as the network receives it: "
                                    f"{SIZE}×{SIZE}, in colour, resized to fit.")
    window.session.discard_changes()
    window.training.shutdown()


def test_the_windows_training_script_export_follows_its_table(qtbot, tmp_path):
    window = open_window(qtbot, load_template_project("tabular_classifier"))
    settings(window, epochs=1, batch=32)
    run_to_end(qtbot, window)
    script = tmp_path / "train.py"
    assert window.weights.export_script_to(script)
    namespace = {"__name__": "exported_script"}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    data = namespace["DATA"]
    assert data["kind"] == "csv" and data["target"] == "arrival"
    assert data["path"].endswith("deliveries.csv")
    assert data["classes"] == ("early", "late", "on time")
    assert "def preprocess(" in script.read_text()
    window.session.discard_changes()
    window.training.shutdown()
