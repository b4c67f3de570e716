"""The window's rough edges (issue 17): Ctrl+Q asks every window, untrained weights are not
exported unasked, check boxes show in both themes, a 7 drawn at the edge keeps its foot."""

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QMessageBox,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui import main_window
from netbuilder.gui.controllers import weights as weights_module
from netbuilder.gui.main_window import MainWindow
from netbuilder.gui.theme import apply_theme

Button = QMessageBox.StandardButton


@pytest.fixture
def windows(qtbot, monkeypatch):
    """Two windows of their own (no window of another test takes part in a quit)."""
    monkeypatch.setattr(main_window, "_windows", [])
    made = []
    for _ in range(2):
        window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
    yield made
    for window in made:
        window.session.discard_changes()


def answering(qtbot, monkeypatch, *answers):
    """QMessageBox.question answered in turn; records (parent, whether it came to the front)
    per question (activation is asynchronous: it is waited for)."""
    asked, queue = [], list(answers)

    def question(parent, *args, **kwargs):
        try:
            qtbot.waitUntil(parent.isActiveWindow, timeout=2000)
        except qtbot.TimeoutError:
            asked.append((parent, False))
        else:
            asked.append((parent, True))
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_quit_is_ctrl_q_where_the_platform_has_no_quit_key(windows):
    standard = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
    expected = standard if standard else [QKeySequence("Ctrl+Q")]
    assert windows[0].actions["quit"].shortcuts() == expected


def test_ctrl_q_asks_only_the_modified_window_then_closes_all(qtbot, windows, monkeypatch):
    first, second = windows
    second.editing.append_kind("ReLU")
    assert second.session.dirty
    assert not first.session.dirty
    asked = answering(qtbot, monkeypatch, Button.Discard)
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow)
    first.stack.setFocus()
    qtbot.keyClick(first.stack, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert [parent for parent, _front in asked] == [second]  # one question, in its own window
    assert asked[0][1]  # brought to the front for it
    assert not first.isVisible()
    assert not second.isVisible()
    assert main_window._windows == []


def test_each_modified_window_asks_in_turn_and_cancel_stops_the_quit(qtbot, windows,
                                                                     monkeypatch):
    first, second = windows
    for window in windows:
        window.editing.append_kind("ReLU")
    asked = answering(qtbot, monkeypatch, Button.Discard, Button.Cancel)
    assert not second.quit_application()
    assert [parent for parent, _front in asked] == [second, first]  # the quitting one first
    assert [front for _parent, front in asked] == [True, True]  # each brought to the front
    assert first.isVisible()
    assert second.isVisible()  # a Cancel anywhere keeps every window open
    assert main_window._windows == [first, second]
    asked = answering(qtbot, monkeypatch, Button.Discard, Button.Discard)
    assert first.quit_application()
    assert [parent for parent, _front in asked] == [first, second]  # asked once each
    assert not first.isVisible()
    assert not second.isVisible()


def test_quit_after_save_writes_the_file_and_asks_nothing_more(qtbot, windows, monkeypatch,
                                                                 tmp_path):
    first, second = windows
    first.editing.append_kind("ReLU")
    first.session.mark_saved(tmp_path / "net.json")  # Save goes to a known path
    first.editing.append_kind("ReLU")
    asked = answering(qtbot, monkeypatch, Button.Save)
    assert second.quit_application()
    assert [parent for parent, _front in asked] == [first]
    assert "ReLU" in (tmp_path / "net.json").read_text()
    assert not first.isVisible()


# -- untrained weights -------------------------------------------------------------------


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: Button.Discard)
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    window.show()
    yield window
    window.session.discard_changes()


EXPORTS = {"export_weights": ".pth", "export_onnx": ".onnx", "export_torchscript": ".pt",
           "export_pt2": ".pt2"}


def test_every_weights_export_asks_before_writing_untrained_weights(window, monkeypatch,
                                                                    tmp_path):
    asked, chosen, answers = [], [], []
    folder = tmp_path / "exports"
    folder.mkdir()

    def ask(parent):
        asked.append(parent)
        return answers.pop(0)

    def save_name(parent, title, start, filters):
        chosen.append(title)
        return str(folder / f"out{len(chosen)}"), ""

    monkeypatch.setattr(weights_module, "ask_export_untrained", ask)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: Button.Ok)
    for action in EXPORTS:  # Cancel: not even the file dialog
        answers.append(False)
        window.actions[action].trigger()
    assert asked == [window] * 4
    assert chosen == []
    assert list(folder.iterdir()) == []
    for action in ("export_weights", "export_torchscript"):  # Export Anyway: written
        answers.append(True)
        window.actions[action].trigger()
    assert len(asked) == 6
    assert (folder / "out1.pth").exists()
    assert (folder / "out2.pt").exists()
    window.training.mark_loaded(list(window.training.ensure_model().state_dict()), "w.pth")
    window.actions["export_weights"].trigger()  # loaded weights: no question
    assert len(asked) == 6
    assert (folder / "out3.pth").exists()


def test_code_and_script_exports_hold_no_weights_and_do_not_ask(window, monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(weights_module, "ask_export_untrained", lambda parent: asked.append(1))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "net.py"), ""))
    window.actions["export_code"].trigger()
    assert (tmp_path / "net.py").exists()
    assert asked == []


def click_when_shown(qtbot, chosen_text: str, seen: list):
    """Answer the next modal message box by clicking the button labelled ``chosen_text``."""
    timer = QTimer()
    timer.setInterval(20)

    def answer():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            timer.stop()
            seen.append((box.windowTitle(), box.defaultButton().text(),
                         [button.text() for button in box.buttons()]))
            next(b for b in box.buttons() if b.text() == chosen_text).click()

    timer.timeout.connect(answer)
    timer.start()
    return timer


@pytest.mark.parametrize("button, expected", [("Export Anyway", True), ("Cancel", False)])
def test_the_untrained_question_defaults_to_cancel(qtbot, window, button, expected):
    seen = []
    timer = click_when_shown(qtbot, button, seen)
    assert weights_module.ask_export_untrained(window) is expected
    timer.stop()
    title, default, buttons = seen[0]
    assert title == "Export untrained weights?"
    assert default == "Cancel"
    assert sorted(buttons) == ["Cancel", "Export Anyway"]


# -- check boxes in both themes -------------------------------------------------------------


def luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def frame_contrast(image, rect, background: QColor) -> float:
    """The strongest contrast against ``background`` on the indicator's outer ring."""
    ring = [(x, y) for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)
            if min(x - rect.left(), rect.right() - x, y - rect.top(), rect.bottom() - y) <= 1]
    return max(contrast(QColor(image.pixel(x, y)), background) for x, y in ring)


@pytest.fixture
def themed(qtbot):
    app = QApplication.instance()
    yield lambda name: apply_theme(app, name)
    apply_theme(app, "system")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_unticked_boxes_and_radio_buttons_stand_out(qtbot, themed, theme, tmp_path):
    themed(theme)
    panel = QWidget()
    qtbot.addWidget(panel)
    layout = QVBoxLayout(panel)
    box, radio = QCheckBox("Augment"), QRadioButton("Adam")
    tree = QTreeWidget()
    tree.setHeaderHidden(True)
    item = QTreeWidgetItem([""])  # no text: only the check box can stand out on its row
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(0, Qt.CheckState.Unchecked)
    tree.addTopLevelItem(item)
    for widget in (box, radio, tree):
        layout.addWidget(widget)
    panel.resize(240, 200)
    panel.show()
    qtbot.waitExposed(panel)
    image = panel.grab().toImage()
    image.save(str(tmp_path / f"check_boxes_{theme}.png"))
    window_colour = panel.palette().color(panel.backgroundRole())
    for widget, element in ((box, QStyle.SubElement.SE_CheckBoxIndicator),
                            (radio, QStyle.SubElement.SE_RadioButtonIndicator)):
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        rect = widget.style().subElementRect(element, option, widget).translated(widget.pos())
        assert frame_contrast(image, rect, window_colour) >= 3.0, (theme, widget.text())
    tree_image = tree.viewport().grab().toImage()
    check = tree.visualItemRect(item)
    base = tree.viewport().palette().color(tree.viewport().backgroundRole())
    strongest = max(contrast(QColor(tree_image.pixel(x, y)), base)
                    for x in range(tree_image.width())
                    for y in range(check.top(), check.bottom() + 1))
    assert strongest >= 3.0  # the parameter tree's and the runs' check boxes too


def test_the_system_theme_gets_its_own_style_back(qtbot, themed):
    app = QApplication.instance()
    themed("system")
    system_style = app.style().name()
    themed("dark")
    assert app.style().objectName() == "visible_indicators"
    themed("system")
    assert app.style().name() == system_style
    assert app.style().objectName() != "visible_indicators"


# -- the Draw panel's input preview ------------------------------------------------------------


def test_a_tall_seven_drawn_at_the_bottom_edge_keeps_its_foot(qtbot, window):
    canvas = window.draw.canvas
    canvas.brush = 6.0  # a thin pen: its foot used to fade out at 28×28
    points = [(90, 15), (190, 15), (120, 278)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for a, b in zip(points, points[1:], strict=False):
        for i in range(1, 21):
            qtbot.mouseMove(canvas, QPoint(a[0] + (b[0] - a[0]) * i // 20,
                                           a[1] + (b[1] - a[1]) * i // 20))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))
    window.draw.classify_now()
    image = window.draw.prepared.image.astype(float) / 255
    assert image[[0, -1]].sum() == 0.0  # no ink on the frame: nothing was cut
    assert image[:, [0, -1]].sum() == 0.0
    rows = [row for row in range(28) if image[row].max() > 0.1]
    assert rows[-1] - rows[0] + 1 >= 19  # all of its height
    assert image[rows[-1] - 2:rows[-1] + 1].max() > 0.9  # the foot is as bright as the bar
    preview = window.draw.preview.pixmap().toImage()
    foot = 5 * rows[-1] + 2  # the 28×28 image is shown five times larger
    assert max(QColor(preview.pixel(x, foot)).red() for x in range(140)) > 200  # and shown


def test_an_export_report_shows_the_relevant_warnings(window, monkeypatch, tmp_path):
    from netbuilder.core.exporters import Verification

    shown, status = [], []
    warning = "TracerWarning: Converting a tensor to a Python boolean might cause the trace to " \
              "be incorrect."
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr("netbuilder.core.exporters.export_verified",
                        lambda model, fmt, path: Verification(
                            "TorchScript", 256, 0.0, 1.0, True, [warning]))
    window.weights.message.connect(status.append)
    assert window.weights.export_program_to("torchscript", tmp_path / "m.pt")
    assert shown[0].splitlines()[1] == f"warning: {warning}"
    assert status == ["TorchScript verification passed on 256 validation digits: max |Δ| = "
                      "0.00e+00, top-1 agreement 100.00%"]  # the status bar: one line
