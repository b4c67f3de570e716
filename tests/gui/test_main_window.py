"""The main window driven like a person would: mouse, keys, drag and drop, menus, files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from netbuilder.core.analysis import analyze, format_shape
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template, template_names
from netbuilder.gui.main_window import MainWindow
from netbuilder.gui.network.stack_view import LAYERS_MIME
from netbuilder.gui.recovery import offer_recovery


@pytest.fixture
def answers(monkeypatch):
    """Message boxes answer from this list (default Discard) and record what they said."""
    said = []

    def question(parent, title, text, *args, **kwargs):
        said.append(("question", title, text))
        return answers.pop(0) if answers else QMessageBox.StandardButton.Discard

    def warning(parent, title, text, *args, **kwargs):
        said.append(("warning", title, text))
        return QMessageBox.StandardButton.Ok

    answers = []
    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return answers, said


@pytest.fixture
def make_window(qtbot, answers):
    def make(template="mnist_mlp"):
        window = MainWindow(Project(load_template(template)), template=template)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()


def names(spec):
    return [item.name for item in spec.items]


def card_point(window, path, where="middle"):
    view = window.stack
    index = view.stack_model.index_of(path)
    view.scrollTo(index)
    rect = view.visualRect(index)
    assert rect.isValid(), path
    y = {"top": rect.top() + 4, "middle": rect.center().y() - 8,
         "bottom": rect.bottom() - 4}[where]
    return QPoint(rect.left() + 60, y)


def click_card(qtbot, window, path, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(window.stack.viewport(), Qt.MouseButton.LeftButton, modifier,
                     card_point(window, path))


def drop(window, mime, point):
    """Deliver a drag (enter, move) and a drop at ``point`` to the stack's viewport."""
    viewport = window.stack.viewport()
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    pos = QPointF(point)
    for event in (QDragEnterEvent(point, actions, mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(point, actions, mime, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier),
                  QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(viewport, event)


def key(qtbot, window, key_, modifier=Qt.KeyboardModifier.NoModifier):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.stack.setFocus()
    qtbot.keyClick(window.stack, key_, modifier)


# -- launch and look ------------------------------------------------------------------------


def test_default_window_has_digits_cnn_and_digits(qtbot, answers):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.document.spec.class_name == "DigitsCNN"
    assert window.summary.dataset.currentText() == "digits"
    assert "digits_cnn" in window.windowTitle()
    assert not window.windowIcon().isNull()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "Layers", "View", "Train", "Help"]


@pytest.mark.parametrize("template", template_names())
def test_each_template_shows_the_totals_of_the_analysis(make_window, template):
    window = make_window(template)
    analysis = analyze(load_template(template))
    totals = window.summary.totals.text()
    assert f"{analysis.total_params:,}" in totals
    assert f"{analysis.macs:,}" in totals
    assert format_shape(analysis.output_shape) in totals
    assert f"{analysis.total_params:,} parameters" in window.statusBar().currentMessage()
    shown = window.stack.stack_model
    assert shown.index_of(next(p for p, _ in load_template(template).layers())).isValid()


# -- adding layers --------------------------------------------------------------------------


def test_double_click_in_palette_appends_after_the_selection(qtbot, window):
    click_card(qtbot, window, "fc2")
    assert window.document.selection == ["fc2"]
    palette = window.palette_panel
    item = palette.item("Dropout")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    for event in (qtbot.mouseClick, qtbot.mouseDClick):  # a double click follows a click
        event(palette.tree.viewport(), Qt.MouseButton.LeftButton,
              Qt.KeyboardModifier.NoModifier, rect.center())
    assert names(window.document.spec) == ["flatten", "fc1", "relu", "fc2", "dropout1",
                                           "relu2", "fc3"]
    assert window.document.selection == ["dropout1"]
    assert window.document.analysis.row("dropout1").output_shape == (1, 64)


def test_filter_and_enter_append_a_fitted_layer(qtbot, window):
    click_card(qtbot, window, "fc3")
    palette = window.palette_panel
    qtbot.keyClicks(palette.filter, "batchnorm1")
    assert palette.visible_kinds() == ["BatchNorm1d"]
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    added = window.document.spec.items[-1]
    assert added.kind == "BatchNorm1d" and added.args == {"num_features": 10}
    assert window.document.analysis.ok
    palette.filter.clear()
    assert "Linear" in palette.visible_kinds()


def test_drag_from_palette_inserts_where_dropped_with_fitted_inputs(window):
    palette = window.palette_panel
    mime = palette.tree.mimeData([palette.item("Linear")])
    drop(window, mime, card_point(window, "fc1", "top"))
    spec = window.document.spec
    assert [item.kind for item in spec.items] == ["Flatten", "Linear", "Linear", "ReLU",
                                                  "Linear", "ReLU", "Linear"]
    assert spec.items[2].name == "fc1"  # the new layer went above the card it was dropped on
    new = spec.items[1]
    assert new.args["in_features"] == 784  # fitted to the flattened digit
    assert window.document.undo_stack.undoText().startswith("Insert Linear")


def test_drag_from_palette_into_a_block(make_window):
    window = make_window("complex_model")
    palette = window.palette_panel
    drop(window, palette.tree.mimeData([palette.item("BatchNorm2d")]),
         card_point(window, "block1.1", "bottom"))
    block = window.document.spec.find("block1")
    assert [i.kind for i in block.items] == ["Conv2d", "ReLU", "BatchNorm2d"]
    assert block.items[2].args == {"num_features": 32}
    assert window.document.analysis.ok


# -- moving ---------------------------------------------------------------------------------


def test_drag_to_reorder_and_undo(qtbot, window):
    click_card(qtbot, window, "relu2")
    mime = window.stack.stack_model.mimeData(window.stack.selectionModel().selectedIndexes())
    drop(window, mime, card_point(window, "fc2", "top"))
    assert names(window.document.spec) == ["flatten", "fc1", "relu", "relu2", "fc2", "fc3"]
    assert window.document.undo_stack.undoText() == "Move relu2"
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert names(window.document.spec) == ["flatten", "fc1", "relu", "fc2", "relu2", "fc3"]


def test_drag_into_and_out_of_blocks(qtbot, make_window):
    window = make_window("complex_model")
    click_card(qtbot, window, "flatten")
    mime = window.stack.stack_model.mimeData(window.stack.selectionModel().selectedIndexes())
    drop(window, mime, card_point(window, "block2.1", "bottom"))
    assert [i.name for i in window.document.spec.find("block2").items] == ["0", "1", "flatten"]
    assert window.document.analysis.ok
    click_card(qtbot, window, "block1.1")
    mime = window.stack.stack_model.mimeData(window.stack.selectionModel().selectedIndexes())
    drop(window, mime, card_point(window, "fc", "bottom"))
    assert names(window.document.spec)[-1] == "1"  # out of block1, to the top level
    assert [i.name for i in window.document.spec.find("block1").items] == ["0"]


def test_alt_up_and_down_move(qtbot, window):
    click_card(qtbot, window, "relu2")
    key(qtbot, window, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert names(window.document.spec)[3:5] == ["relu2", "fc2"]
    key(qtbot, window, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert names(window.document.spec)[3:5] == ["fc2", "relu2"]


# -- keys -----------------------------------------------------------------------------------


def test_delete_undo_redo_and_the_edit_menu_names_them(qtbot, window):
    click_card(qtbot, window, "fc2")
    key(qtbot, window, Qt.Key.Key_Delete)
    assert "fc2" not in names(window.document.spec)
    assert window.document.selection == ["relu2"]
    assert window.actions["undo"].text() == "&Undo Delete fc2"
    assert window.document.analysis.errors[0].path == "fc3"  # 128 now reaches fc3
    assert window.windowTitle().endswith("[*] — netbuilder") and window.isWindowModified()
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "fc2" in names(window.document.spec) and window.document.analysis.ok
    assert not window.isWindowModified()
    key(qtbot, window, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "fc2" not in names(window.document.spec)


def test_duplicate_multi_select_group_ungroup(qtbot, window):
    click_card(qtbot, window, "fc2")
    key(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert names(window.document.spec)[4] == "fc4"
    click_card(qtbot, window, "fc1")
    click_card(qtbot, window, "relu", Qt.KeyboardModifier.ControlModifier)
    assert window.document.selection == ["fc1", "relu"]
    key(qtbot, window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    spec = window.document.spec
    assert names(spec)[:2] == ["flatten", "block1"]
    assert [i.name for i in spec.find("block1").items] == ["fc1", "relu"]
    assert window.document.selection == ["block1"]
    assert window.stack.stack_model.index_of("block1.fc1").isValid()
    key(qtbot, window, Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert names(window.document.spec)[:3] == ["flatten", "fc1", "relu"]


def test_f2_renames_in_place(qtbot, window):
    click_card(qtbot, window, "fc1")
    key(qtbot, window, Qt.Key.Key_F2)
    editor = window.stack.findChild(QLineEdit, "rename_edit")
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "hidden")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: names(window.document.spec)[1] == "hidden")  # Qt commits queued
    assert window.document.undo_stack.undoText() == "Rename fc1 to hidden"


def test_rename_to_a_taken_name_is_refused_with_a_message(qtbot, window):
    click_card(qtbot, window, "fc1")
    key(qtbot, window, Qt.Key.Key_F2)
    editor = window.stack.findChild(QLineEdit, "rename_edit")
    editor.selectAll()
    qtbot.keyClicks(editor, "fc2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "already used" in window.statusBar().currentMessage())
    assert names(window.document.spec)[1] == "fc1"


def test_copy_paste_within_and_between_windows(qtbot, make_window):
    first, second = make_window("mnist_mlp"), make_window("complex_model")
    click_card(qtbot, first, "fc1")
    click_card(qtbot, first, "relu", Qt.KeyboardModifier.ControlModifier)
    key(qtbot, first, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().mimeData().hasFormat(LAYERS_MIME)
    click_card(qtbot, first, "fc3")
    key(qtbot, first, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [i.kind for i in first.document.spec.items[-2:]] == ["Linear", "ReLU"]
    click_card(qtbot, second, "block1")
    key(qtbot, second, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [i.kind for i in second.document.spec.items[1:3]] == ["Linear", "ReLU"]


def test_paste_of_foreign_text_is_refused_quietly(qtbot, window):
    QGuiApplication.clipboard().setText("just some text")
    before = window.document.spec.copy()
    key(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.document.spec == before
    assert "no netbuilder layers" in window.statusBar().currentMessage()


def test_problem_click_selects_the_layer(qtbot, window):
    click_card(qtbot, window, "fc2")
    key(qtbot, window, Qt.Key.Key_Delete)
    problems = window.summary.problems
    qtbot.waitUntil(lambda: "fc3 (Linear)" in problems.item(0).text())  # after edits settle
    item = problems.item(0)
    assert "fc3 (Linear): expects last dimension 64, receives [N, 128]" in item.text()
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, problems.visualItemRect(item).center())
    assert window.document.selection == ["fc3"]


def test_dataset_input_shape_and_classes_are_editable(qtbot, window):
    edit = window.summary.input_shape
    edit.selectAll()
    qtbot.keyClicks(edit, "1, 32, 32")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.spec.input_shape == [1, 32, 32]
    assert window.document.analysis.errors[0].path == "fc1"
    edit.selectAll()
    qtbot.keyClicks(edit, "1, x")
    assert window.summary.shape_error.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.spec.input_shape == [1, 32, 32]


def test_code_view_follows_edits_and_copies(qtbot, window):
    qtbot.waitUntil(lambda: "self.fc1 = nn.Linear(784, 128)" in
                    window.code.editor.toPlainText())
    click_card(qtbot, window, "relu2")
    key(qtbot, window, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "relu2" not in window.code.editor.toPlainText())
    window.code.copy_button.click()
    assert "class MNISTClassifier(nn.Module):" in QGuiApplication.clipboard().text()


# -- files ----------------------------------------------------------------------------------


def test_save_and_open_round_trip(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "mine.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mine"), ""))
    click_card(qtbot, window, "relu2")
    key(qtbot, window, Qt.Key.Key_Delete)
    assert window.isWindowModified()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert target.exists() and not window.isWindowModified()
    assert window.windowTitle() == "mine.json[*] — netbuilder"
    saved = json.loads(target.read_text())
    assert saved["format"] == "netbuilder.project" and saved["dataset"] == "digits"
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(target)
    assert other.document.spec == window.document.spec
    assert str(target.resolve()) == other.files.recent_files()[0]


def test_bad_files_leave_the_project_untouched(window, tmp_path, answers):
    _answers, said = answers
    before = window.document.spec.copy()
    cases = {"notjson.json": "{ nope", "unknown.json": json.dumps(
        {"version": 1, "input_shape": [1, 28, 28], "layers": [{"kind": "Magic", "name": "m"}]}),
        "newer.json": json.dumps({"format": "netbuilder.project", "version": 99})}
    expected = ["malformed JSON", "unknown layer kind 'Magic'", "newer than this netbuilder reads"]
    for (name, content), text in zip(cases.items(), expected, strict=True):
        path = tmp_path / name
        path.write_text(content)
        assert not window.files.open_path(path)
        assert said[-1][0] == "warning" and text in said[-1][2], said[-1]
        assert window.document.spec == before
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"x")
    assert not window.files.open_dropped(weights)
    assert "is not a PyTorch file netbuilder can read" in said[-1][2]
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert not window.files.open_dropped(notes)
    assert "is not a file netbuilder opens" in said[-1][2]
    assert window.document.spec == before


def test_dropping_a_project_file_on_the_window_opens_it(qtbot, window, tmp_path):
    path = tmp_path / "lenet.json"
    Project(load_template("lenet5")).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = QPointF(50, 50)
    QApplication.sendEvent(window, QDragEnterEvent(
        point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(window, QDropEvent(point, Qt.DropAction.CopyAction, mime,
                                              Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))
    assert window.document.spec.class_name == "LeNet5"
    assert window.session.path == path.resolve()


def test_close_with_unsaved_changes_asks(qtbot, window, answers):
    replies, said = answers
    click_card(qtbot, window, "relu2")
    key(qtbot, window, Qt.Key.Key_Delete)
    replies.append(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert said[-1][0] == "question" and "Save the changes" in said[-1][2]
    replies.append(QMessageBox.StandardButton.Discard)
    assert window.close()


def test_new_from_template_dialog_lists_templates(qtbot, window, monkeypatch):
    from netbuilder.gui.dialogs.template import TemplateDialog

    dialog = TemplateDialog(window)
    qtbot.addWidget(dialog)
    listed = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert listed == template_names()
    dialog.list.setCurrentRow(listed.index("lenet5"))
    assert "class LeNet5(nn.Module)" in dialog.preview.toPlainText()
    assert "61,706 parameters" in dialog.description.text()


def test_autosave_and_restore_after_a_crash(qtbot, window, answers, isolated_settings):
    replies, said = answers
    click_card(qtbot, window, "relu2")
    key(qtbot, window, Qt.Key.Key_Delete)
    window.files.write_recovery()
    assert window.files.recovery_file.exists()
    # pretend the process that wrote it died
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    crashed = window.files.recovery_file.with_name(f"recovery-{dead}-deadbeef.json")
    window.files.recovery_file.rename(crashed)
    replies.append(QMessageBox.StandardButton.Yes)
    restored = offer_recovery()
    assert len(restored) == 1 and "did not close properly" in said[-1][2]
    qtbot.addWidget(restored[0])
    assert "relu2" not in names(restored[0].document.spec)
    assert restored[0].isWindowModified()
    assert not crashed.exists()
    assert Path(restored[0].files.recovery_file).exists()
    restored[0].document.undo_stack.setClean()


def test_layout_is_remembered(qtbot, window, isolated_settings):
    window.docks["code"].hide()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert not again.docks["code"].isVisible()
    assert (isolated_settings / "netbuilder.ini").exists()


def test_dark_theme_and_about(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.set_theme("dark")
    assert QApplication.instance().palette().base().color().lightness() < 100
    window.grab()  # paints in the dark palette without errors
    window.set_theme("system")
    window.actions["about"].trigger()
    assert "netbuilder 0.1.0" in shown[0] and "PyTorch" in shown[0] and "Qt" in shown[0]


def test_no_subcommand_starts_the_gui_entry(monkeypatch, tmp_path):
    from netbuilder import cli

    called = []
    monkeypatch.setattr("netbuilder.gui.app.main", lambda argv: called.append(argv) or 0)
    some = tmp_path / "some.json"
    some.write_text("{}")
    assert cli.main([str(some)]) == 0 and called == [[str(some)]]
    assert cli.main([]) == 0 and called[-1] == []
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen"


def test_export_python_code_from_the_file_menu(qtbot, make_window, tmp_path, monkeypatch, answers):
    window = make_window("complex_model")
    target = tmp_path / "complex.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    window.actions["export_code"].trigger()
    check = subprocess.run([sys.executable, "-c", "from complex import ComplexModel as M; "
                            "print(sum(p.numel() for p in M().parameters()))"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "387466"
    window.document.edit("break", lambda spec: spec.find("fc").args.update(in_features=5))
    target.unlink()
    window.actions["export_code"].trigger()
    assert not target.exists() and "do not fit" in answers[1][-1][2]
