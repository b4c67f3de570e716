"""The Try panel: an image opened, dropped or pasted reaches the network exactly as training
prepared its images, the answer is shown best first, saliency is drawn over the input, and a
table's row is filled in a form whose bad values are shown, not raised."""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLineEdit

from netbuilder.core.builder import build
from netbuilder.core.project import Project
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.try_input import image_input, open_image, predict
from netbuilder.gui.inspect.try_image import PREVIEW, TryPanel
from netbuilder.gui.model.session import Session
from netbuilder.gui.settings import settings

FOLDER = "folder:/nowhere/pets?size=8&color=rgb"
NAMES = ["cat", "dog", "owl"]
HOT = (0, 2, 3)  # the one input pixel (channel, row, column) the owl's score depends on


def image_spec() -> NetworkSpec:
    return NetworkSpec([3, 8, 8], [LayerSpec("Flatten", "flatten"),
                                   LayerSpec("Linear", "fc", {"in_features": 192,
                                                              "out_features": 3})],
                       num_classes=3)


def owl_model(spec: NetworkSpec):
    """Scores log 1, log 3, log 6 (+ the hot pixel for the owl): 10 %, 30 %, 60 % on black."""
    model = build(spec)
    weight = model.fc.weight.detach()
    weight.zero_()
    weight[2, HOT[0] * 64 + HOT[1] * 8 + HOT[2]] = 1.0
    model.fc.bias.detach().copy_(torch.tensor([0.0, math.log(3.0), math.log(6.0)]))
    return model


class Getter:
    """Draw's triple: (model or None, class names, why not)."""

    def __init__(self, session):
        self.session = session
        self.names = list(NAMES)

    def __call__(self):
        return self.session.model, self.names, ""


@pytest.fixture
def trained(qtbot):
    spec = image_spec()
    session = Session(Project(spec, FOLDER))
    session.set_model(owl_model(spec))
    session.document.trained_paths = {"fc"}
    panel = TryPanel(Getter(session), session)
    qtbot.addWidget(panel)
    panel.resize(400, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, session


def save_noise(path, width=20, height=10, seed=0):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)
    return path


def expected_input(path_or_bytes, fit="resize"):
    return image_input(open_image(path_or_bytes), [3, 8, 8], fit=fit, color="rgb")


def pixel(panel, row, column):
    """The preview's colour at the centre of input pixel (row, column)."""
    image = panel.preview.pixmap().toImage()
    scale = PREVIEW // 8
    return image.pixelColor(column * scale + scale // 2, row * scale + scale // 2)


def test_an_opened_image_is_shown_as_the_network_receives_it(qtbot, trained, tmp_path,
                                                             monkeypatch):
    panel, session = trained
    path = save_noise(tmp_path / "noise.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(path), "Images"))
    assert panel.mode == "image" and panel.stack.currentWidget() is panel.image_page
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    x = expected_input(path)
    np.testing.assert_array_equal(panel.input, x[0].numpy())
    assert panel.result == predict(session.model, x, NAMES)
    assert [name for name, _p in panel.result] == ["owl", "dog", "cat"]
    assert panel.top.text() == "owl" and panel.bars.entries == panel.result
    assert panel.preview.pixmap().size().width() == PREVIEW
    assert panel.caption.text() == ("noise.png (20×10 pixels) as the network receives it: "
                                    "8×8, in colour, resized to fit.")
    value = x[0, :, 5, 1].mul(255).round().to(int).tolist()
    assert pixel(panel, 5, 1) == QColor(*value)
    assert settings().value("try/last_folder") == str(tmp_path)
    assert panel.hint.isHidden() and panel.error.isHidden()


def test_a_dropped_image_file_is_tried_and_other_files_are_left_to_the_window(trained,
                                                                               tmp_path):
    panel, session = trained
    path = save_noise(tmp_path / "dropped.png", seed=1)

    def drag(file):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(file))])
        enter = QDragEnterEvent(QPoint(40, 40), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(panel, enter)
        return mime, enter.isAccepted()

    project = tmp_path / "net.json"
    project.write_text("{}")
    assert drag(project)[1] is False
    mime, accepted = drag(path)
    assert accepted is True
    drop = QDropEvent(QPointF(40, 40), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, drop)
    assert drop.isAccepted()
    x = expected_input(path)
    np.testing.assert_array_equal(panel.input, x[0].numpy())
    assert panel.result == predict(session.model, x, NAMES)
    assert panel.source_name == "dropped.png"


def test_a_file_that_is_no_image_shows_why_in_red(trained, tmp_path):
    panel, _session = trained
    bad = tmp_path / "fake.png"
    bad.write_text("just text")
    assert panel.open_path(bad) is False
    assert panel.error.isVisible()
    assert panel.error.text() == ("fake.png is not an image that Pillow can read (PNG, JPEG, "
                                  "BMP, GIF, TIFF or WebP)")
    assert panel.source is None


def qimage(pixels: np.ndarray) -> QImage:
    height, width, _ = pixels.shape
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


def test_paste_takes_the_clipboards_image_by_button_and_by_ctrl_v(qtbot, trained):
    panel, session = trained
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    assert panel.paste() is False
    assert panel.error.text() == "The clipboard holds no image."
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    clipboard.setImage(qimage(pixels))
    qtbot.mouseClick(panel.paste_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(panel.input, pixels.transpose(2, 0, 1) / np.float32(255.0))
    assert panel.source_name == "the pasted image" and panel.error.isHidden()

    other = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    clipboard.setImage(qimage(other))
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    panel.image_page.setFocus()
    qtbot.keyClick(panel.image_page, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(panel.input, other.transpose(2, 0, 1) / np.float32(255.0))
    clipboard.clear()


def test_saliency_is_drawn_over_the_input_on_request(qtbot, trained):
    panel, _session = trained
    black = np.zeros((8, 8, 3), np.uint8)
    assert panel.set_qimage(qimage(black), "black") is True
    assert [p for _name, p in panel.result] == pytest.approx([0.6, 0.3, 0.1], abs=1e-6)
    assert panel.heat is None
    assert pixel(panel, HOT[1], HOT[2]) == QColor(0, 0, 0)
    check = panel.saliency_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert panel.saliency_check.isChecked()
    expected = np.zeros((8, 8), np.float32)
    expected[HOT[1], HOT[2]] = 1.0
    np.testing.assert_array_equal(panel.heat, expected)
    assert pixel(panel, HOT[1], HOT[2]) == QColor(184, 26, 26)  # 0.8 of (230, 32, 32)
    assert pixel(panel, 0, 0) == QColor(0, 0, 0)
    panel.saliency_check.setChecked(False)
    assert panel.heat is None and pixel(panel, HOT[1], HOT[2]) == QColor(0, 0, 0)


def test_without_a_model_a_hint_says_to_train_and_the_panel_follows_the_session(qtbot,
                                                                                tmp_path):
    spec = image_spec()
    session = Session(Project(spec, "cifar10"))
    panel = TryPanel(lambda: session.model, session)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.hint.isVisible()
    assert panel.hint.text() == ("No trained network yet: train it first (F5) or load "
                                 "weights, then try it here.")
    path = save_noise(tmp_path / "n.png")
    assert panel.open_path(path) is True  # the input is shown even before training
    assert panel.result is None and panel.bars.isHidden()
    np.testing.assert_array_equal(panel.input, image_input(open_image(path), [3, 8, 8])[0])

    session.set_model(owl_model(spec))  # built, not trained yet
    qtbot.waitUntil(lambda: panel.result is not None)
    assert panel.hint.text() == "These weights are untrained: the answers mean nothing yet."
    session.document.trained_paths = {"fc"}
    session.weights_updated("Run 1")
    qtbot.waitUntil(panel.hint.isHidden)
    # a 3-output network on CIFAR-10's 10 names: the outputs are named by their indices
    assert [name for name, _p in panel.result][0] == "2"

    session.set_dataset("folder:/nowhere?size=8&fit=crop")
    qtbot.waitUntil(lambda: np.array_equal(
        panel.input, image_input(open_image(path), [3, 8, 8], fit="crop")[0].numpy()))


def test_a_network_that_takes_no_image_says_so(qtbot):
    spec = NetworkSpec([5], [LayerSpec("Linear", "fc", {"in_features": 5, "out_features": 2})])
    session = Session(Project(spec, "csv:/nowhere/t.csv?target=y"))
    panel = TryPanel(lambda: session.model, session)
    qtbot.addWidget(panel)
    assert panel.mode == "none"
    assert panel.hint.text() == ("Train the network on the table first: the form needs its "
                                 "columns.")
    session.set_dataset("digits")
    panel.refresh()
    assert panel.hint.text() == ("This network takes 5 inputs: neither an image (1 or 3 "
                                 "channels × height × width) nor a table row.")


def table_preprocessing(task):
    table = {"kind": "tabular", "version": 1, "target": "y", "task": task,
             "columns": [{"name": "x", "type": "numeric", "mean": 2.0, "scale": 4.0},
                         {"name": "colour", "type": "categorical",
                          "categories": ["blue", "red"]}],
             "features": 3}
    if task == "classification":
        table["classes"] = ["no", "yes"]
    return table


def table_panel(qtbot, task, outputs, weight, bias):
    spec = NetworkSpec([3], [LayerSpec("Linear", "fc", {"in_features": 3,
                                                        "out_features": outputs})])
    session = Session(Project(spec, "csv:/nowhere/t.csv?target=y"))
    session.set_preprocessing(table_preprocessing(task))
    model = build(spec)
    model.fc.weight.detach().copy_(torch.tensor(weight))
    model.fc.bias.detach().copy_(torch.tensor(bias))
    session.set_model(model)
    session.document.trained_paths = {"fc"}
    panel = TryPanel(lambda: session.model, session)
    qtbot.addWidget(panel)
    panel.resize(400, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.refresh()
    return panel, session


def test_a_table_row_is_predicted_from_the_form(qtbot):
    # the "yes" score is 2·x, the scaled x: x = 6 → 2, so the scores are 0 and 2
    panel, _session = table_panel(qtbot, "classification", 2,
                                  [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]], [0.0, 0.0])
    assert panel.mode == "table" and panel.stack.currentWidget() is panel.table_page
    assert list(panel.fields) == ["x", "colour"]
    x_field, colour = panel.fields["x"], panel.fields["colour"]
    assert isinstance(x_field, QLineEdit) and isinstance(colour, QComboBox)
    assert [colour.itemText(i) for i in range(colour.count())] == ["blue", "red"]
    assert x_field.placeholderText() == "a number, e.g. 2"
    qtbot.keyClicks(x_field, "6")
    colour.setCurrentText("red")
    qtbot.mouseClick(panel.predict_button, Qt.MouseButton.LeftButton)
    assert [name for name, _p in panel.result] == ["yes", "no"]
    yes = 1.0 / (1.0 + math.exp(-2.0))
    assert [p for _name, p in panel.result] == pytest.approx([yes, 1.0 - yes], abs=1e-6)
    assert panel.top.text() == "yes" and panel.error.isHidden()

    x_field.setText("abc")
    qtbot.keyClick(x_field, Qt.Key.Key_Return)
    assert panel.error.isVisible()
    assert panel.error.text() == "row 1, column x: 'abc' is not a finite number"
    assert panel.result is None and panel.bars.isHidden()


def test_a_regression_row_shows_the_predicted_number(qtbot):
    panel, session = table_panel(qtbot, "regression", 1, [[2.0, 0.5, -1.0]], [0.25])
    panel.fields["x"].setText("10")
    panel.fields["colour"].setCurrentText("blue")
    panel.predict_row()
    assert panel.result == 4.75  # (10 - 2) / 4 = 2 → 2·2 + 0.5·1 + 0.25
    assert panel.top.text() == "Predicted y: 4.75"
    assert panel.bars.isHidden()
    with_new_weights = session.model
    with_new_weights.fc.bias.detach().fill_(1.25)
    session.weights_updated("Run 2")  # the row asked before is asked again
    qtbot.waitUntil(lambda: panel.result == 5.75)
    assert panel.fields["x"].text() == "10"
