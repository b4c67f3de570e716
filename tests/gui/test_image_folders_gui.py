"""Colour image folders in the window: choosing one reads it aside, the network takes its shape
(undoable), its channel statistics are offered as a Normalize layer, and the folder's options
travel in the dataset's name."""

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)


def colour_folder(root):
    for index, name in enumerate(["red", "blue"]):
        (root / name).mkdir(parents=True)
        for i in range(6):
            colour = (200, 20 * i, 0) if index == 0 else (0, 20 * i, 200)
            Image.new("RGB", (20, 16), colour).save(root / name / f"{i}.png")
    return root


def test_a_chosen_folder_gives_the_network_its_shape_and_offers_normalize(qtbot, tmp_path,
                                                                          monkeypatch):
    folder = colour_folder(tmp_path / "photos")
    window = MainWindow(Project(NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "flatten")],
                                            "Net", 10)))
    qtbot.addWidget(window)
    window.show()
    panel = window.training_panel
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    panel.dataset.setCurrentIndex(panel.dataset.findData("folder"))
    panel.dataset.activated.emit(panel.dataset.currentIndex())
    assert window.session.dataset == f"folder:{folder}"
    assert panel.form.isRowVisible(panel.image_size)
    qtbot.waitUntil(lambda: window.document.spec.input_shape == [3, 16, 16], timeout=20_000)
    assert window.document.spec.num_classes == 2
    assert window.document.undo_stack.undoText() == "Use the shape of photos"
    button = window.summary.normalize
    qtbot.waitUntil(button.isVisible, timeout=5000)
    button.click()
    first = window.document.spec.items[0]
    assert first.kind == "Normalize"
    assert len(first.args["mean"]) == 3
    assert first.args["mean"][2] == pytest.approx(100 / 255, abs=1e-3)  # half 0, half 200
    assert not button.isVisible()
    window.document.undo_stack.undo()
    assert button.isVisible()
    panel.image_size.setValue(8)
    panel.image_size.editingFinished.emit()
    assert window.session.dataset == f"folder:{folder}?size=8"
    qtbot.waitUntil(lambda: window.document.spec.input_shape == [3, 8, 8], timeout=20_000)
    window.session.discard_changes()
    window.training.shutdown()
