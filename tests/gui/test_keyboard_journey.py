"""The whole journey with the keyboard alone: build (palette, properties), train, export, load.

Every step of the person is a key event sent to whatever has the focus (or to the open menu);
nothing clicks and no slot is called for them. The native file dialogs are replaced by
functions that return a path, as a person would type it there.
"""

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def window(qtbot, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[1:3]))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: said.append(a[1:3]) or QMessageBox.StandardButton.Yes)
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    window.said = said
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    window.training.shutdown()


def focused():
    return QApplication.focusWidget()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key pressed by the person: it goes to the open menu, else to the focused widget."""
    target = QApplication.activePopupWidget() or focused()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text):
    qtbot.keyClicks(focused(), text)


def tab_to(qtbot, name, limit=60):
    """Tab through the focus chain until the widget called ``name`` has the focus."""
    for _ in range(limit):
        if focused() is not None and focused().objectName() == name:
            return focused()
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name}; stopped at {focused().objectName()!r}")


def menu(qtbot, *letters):
    """Alt+first letter opens a menu of the menu bar; the other letters are mnemonics."""
    press(qtbot, getattr(Qt.Key, f"Key_{letters[0]}"), ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    for letter in letters[1:]:
        popup = QApplication.activePopupWidget()
        press(qtbot, getattr(Qt.Key, f"Key_{letter}"))
        qtbot.waitUntil(lambda p=popup: QApplication.activePopupWidget() is not p)


def answer_file_dialogs(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_build_train_export_and_load_with_the_keyboard_alone(qtbot, window, tmp_path,
                                                              monkeypatch):
    document = window.document
    before = [item.name for item in document.spec.items]

    # Build: Ctrl+2 goes to the stack; Home selects the first card, Down the next one.
    press(qtbot, Qt.Key.Key_2, CTRL)
    assert focused() is window.stack
    press(qtbot, Qt.Key.Key_Home)
    press(qtbot, Qt.Key.Key_Down)
    after = document.current()
    assert after == before[1]
    # Ctrl+1 goes to the Layers palette; type a filter, Enter appends after the selection.
    press(qtbot, Qt.Key.Key_1, CTRL)
    assert focused() is window.palette_panel.filter
    type_text(qtbot, "Dropout")
    press(qtbot, Qt.Key.Key_Tab)
    while window.palette_panel.tree.currentItem() is None or (  # the kind, not its category
            window.palette_panel.tree.currentItem().parent() is None) or (
            window.palette_panel.tree.currentItem().text(0) != "Dropout"):
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    names = [item.name for item in document.spec.items]
    assert len(names) == len(before) + 1
    added = names[2]
    assert document.spec.find(added).kind == "Dropout"
    assert focused() is window.stack  # back in the stack, the new card selected
    assert document.current() == added
    # Space adds a kind too. Ctrl+1 returns to where the focus was in the palette: the list.
    press(qtbot, Qt.Key.Key_1, CTRL)
    assert focused() is window.palette_panel.tree
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is window.palette_panel.filter
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "Identity")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.palette_panel.tree
    press(qtbot, Qt.Key.Key_Down)
    while window.palette_panel.tree.currentItem().text(0) != "Identity":
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Space)
    assert [i.kind for i in document.spec.items].count("Identity") == 1
    press(qtbot, Qt.Key.Key_1, CTRL)  # the filter is emptied again: every kind is listed
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is window.palette_panel.filter
    press(qtbot, Qt.Key.Key_A, CTRL)
    press(qtbot, Qt.Key.Key_Backspace)
    assert len(window.palette_panel.visible_kinds()) > 30
    press(qtbot, Qt.Key.Key_2, CTRL)
    # ... and Delete removes it again (the stack has the focus).
    press(qtbot, Qt.Key.Key_Delete)
    assert "Identity" not in [i.kind for i in document.spec.items]
    # Select the dropout again and set its p in Properties (Ctrl+3, Tab to the field).
    press(qtbot, Qt.Key.Key_Home)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    assert document.current() == added
    press(qtbot, Qt.Key.Key_3, CTRL)
    tab_to(qtbot, "arg_p")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "0.25")
    assert document.spec.find(added).args["p"] == pytest.approx(0.25)

    # Train: Ctrl+4 goes to Training; one epoch; F5 starts.
    press(qtbot, Qt.Key.Key_4, CTRL)
    epochs = tab_to(qtbot, "epochs_spin")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "1")
    assert epochs.value() == 1
    press(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.training.running, timeout=10_000)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert len(window.session.runs) == 1
    assert window.session.runs[-1].final["epochs_done"] == 1
    assert {"fc1", "fc2", "fc3"} <= document.trained_paths
    trained = {k: v.clone() for k, v in window.session.model.state_dict().items()}

    # Export the weights: File ▸ Export ▸ Weights (Alt+F, E, W).
    weights = tmp_path / "weights.pth"
    answer_file_dialogs(monkeypatch, weights)
    menu(qtbot, "F", "E", "W")
    qtbot.waitUntil(weights.exists)
    saved = torch.load(weights, weights_only=True)
    assert saved.keys() == trained.keys()

    # Reset the weights from the Training panel's button (Tab to it, Space) ...
    press(qtbot, Qt.Key.Key_4, CTRL)
    tab_to(qtbot, "reset_button")
    press(qtbot, Qt.Key.Key_Space)
    assert not document.trained_paths
    assert not torch.equal(window.session.model.state_dict()["fc1.weight"], trained["fc1.weight"])
    # ... and load them back: File ▸ Load Weights (Alt+F, L).
    menu(qtbot, "F", "L")
    qtbot.waitUntil(lambda: torch.equal(window.session.model.state_dict()["fc1.weight"],
                                        trained["fc1.weight"]))
    assert {"fc1", "fc2", "fc3"} <= document.trained_paths  # loaded weights count as trained

    # Export the code: File ▸ Export ▸ Python code (Alt+F, E, P).
    code = tmp_path / "model.py"
    answer_file_dialogs(monkeypatch, code)
    menu(qtbot, "F", "E", "P")
    qtbot.waitUntil(code.exists)
    assert f"self.{added} = nn.Dropout(p=0.25)" in code.read_text()
    assert window.said == []  # no warning on the way


def test_panels_are_reached_with_ctrl_digits_and_ctrl_f6(qtbot, window):
    press(qtbot, Qt.Key.Key_2, CTRL)
    assert focused() is window.stack
    reached = []
    for _ in range(len(window.docks) + 1):
        press(qtbot, Qt.Key.Key_F6, CTRL)
        holder = next((name for name, dock in window.docks.items()
                       if dock.isAncestorOf(focused())), "stack")
        reached.append(holder)
        if holder == "stack":
            break
    assert reached[-1] == "stack", reached  # round the circle, back to the stack
    assert {"palette", "properties", "training", "summary", "code", "plots", "runs",
            "parameters", "draw", "try"} <= set(reached)
    assert len(reached) == len(set(reached))  # each once
    press(qtbot, Qt.Key.Key_F6, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.docks[reached[-2]].isAncestorOf(focused())
    press(qtbot, Qt.Key.Key_0, CTRL)
    assert window.docks["draw"].isAncestorOf(focused())
    assert window.docks["draw"].isVisible()
