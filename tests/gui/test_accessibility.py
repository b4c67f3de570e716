"""Accessible names: every control of the window, its panels and dialogs has one, as assistive
technology reads it (QAccessible), and stack rows say kind, shape, parameters and problems."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from netbuilder.core.checkpoint import reconcile
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui import accessibility
from netbuilder.gui.dialogs.help import GettingStarted, ShortcutsDialog
from netbuilder.gui.dialogs.template import TemplateDialog
from netbuilder.gui.dialogs.weights import ReconcileDialog
from netbuilder.gui.main_window import MainWindow

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QAbstractSlider,
            QAbstractItemView)


@pytest.fixture
def make_window(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)

    def make(template="mnist_mlp"):
        window = MainWindow(Project(load_template(template)), template=template)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def name_of(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget
    return interface.text(QAccessible.Text.Name)


def offenders(root: QWidget) -> list[str]:
    """Shown controls (focusable, or buttons, combos, spins, edits, sliders, views) that a
    screen reader would announce without a name. On Linux a combo box's Name is its current
    entry, so a combo box must also carry an accessible name of its own (its label)."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or accessibility.is_part(widget):
            continue
        takes_focus = widget.focusPolicy() != widget.focusPolicy().NoFocus
        if not (takes_focus or isinstance(widget, CONTROLS)):
            continue
        if not name_of(widget).strip() or (isinstance(widget, QComboBox)
                                           and not widget.accessibleName()):
            found.append(f"{type(widget).__name__} {widget.objectName()!r} in "
                         f"{type(widget.parentWidget()).__name__} "
                         f"{widget.parentWidget().objectName()!r}")
    return found


def test_every_control_of_every_panel_has_a_name(qtbot, make_window):
    window = make_window("resnet_digits")
    window.document.select(["stem.conv"])  # Properties shows a layer's arguments
    missing = {}
    for name, dock in window.docks.items():
        dock.show()
        dock.raise_()
        qtbot.waitUntil(dock.isVisible)
        missing.update({f"{name}: {o}": 1 for o in offenders(window)})
    window.document.select(["stage2"])  # a residual's page: activation, projection
    missing.update({f"properties (residual): {o}": 1 for o in offenders(window)})
    assert not missing, "controls without an accessible name:\n" + "\n".join(missing)


def test_training_and_draw_panels_name_their_controls(qtbot, make_window):
    window = make_window()
    for key in ("training", "draw"):
        window.docks[key].raise_()
        qtbot.waitUntil(window.docks[key].isVisible)
    names = {w.objectName(): name_of(w) for w in window.training_panel.findChildren(QWidget)}
    assert names["epochs_spin"] == "Epochs"  # the form's label
    assert window.training_panel.findChild(QComboBox, "optimizer_combo").accessibleName() == (
        "Optimizer")
    assert names["start_button"] == "Start (F5)"
    assert offenders(window.training_panel) == []
    assert offenders(window.draw) == []
    assert name_of(window.draw.brush) == "Brush"  # the label beside the slider


def test_properties_fields_are_named_and_say_their_error(qtbot, make_window):
    window = make_window()
    window.document.select(["fc1"])
    qtbot.waitUntil(lambda: window.properties.findChild(QSpinBox, "arg_out_features")
                    is not None)
    spin = window.properties.findChild(QSpinBox, "arg_out_features")
    assert name_of(spin).startswith("out_features")
    assert "output" in spin.accessibleDescription().lower()  # the argument's doc
    name_edit = window.properties.findChild(QLineEdit, "name_edit")
    assert name_of(name_edit) == "Name"
    name_edit.setFocus()
    qtbot.keyClicks(name_edit, " bad name")
    interface = QAccessible.queryAccessibleInterface(name_edit)
    assert interface.text(QAccessible.Text.Description).startswith("Invalid:")
    qtbot.keyClick(name_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(name_edit, "fc9")
    assert not interface.text(QAccessible.Text.Description).startswith("Invalid:")


def test_stack_rows_say_kind_shape_parameters_and_problems(qtbot, make_window):
    window = make_window("resnet_digits")
    view = window.stack
    tree = QAccessible.queryAccessibleInterface(view)
    assert tree.text(QAccessible.Text.Name) == "Network stack"
    rows = {}
    for i in range(tree.childCount()):
        child = tree.child(i)
        rows.setdefault(child.text(QAccessible.Text.Name).split(",")[0], child)  # the first
    conv = rows["conv"]
    assert conv.text(QAccessible.Text.Name) == "conv, Conv2d, output 24×28×28, 216 parameters"
    assert conv.text(QAccessible.Text.Description) == "1 → 24, k3, p1; input 1×28×28"
    assert rows["stem"].text(QAccessible.Text.Name).startswith("stem, Block · 4 layers, output")
    assert rows["body"].text(QAccessible.Text.Name) == "body, output 24×14×14"
    # An error is said in the row's name: a Linear that gets the wrong number of features.
    window.editing.append_kind("Linear")
    window.document.select([window.document.spec.items[-1].name])
    spin = window.properties.findChild(QSpinBox, "arg_in_features")
    spin.setValue(7)
    last = window.document.spec.items[-1].name
    row = view.stack_model.index_of(last)
    text = QAccessible.queryAccessibleInterface(view)
    said = next(text.child(i).text(QAccessible.Text.Name) for i in range(text.childCount())
                if text.child(i).text(QAccessible.Text.Name).startswith(last + ","))
    assert row.isValid()
    assert said.startswith(f"{last}, Linear, ")
    assert ", error: " in said


def test_a_control_added_later_is_named_from_its_form_label(qtbot, make_window):
    window = make_window()
    window.docks["training"].raise_()
    form: QFormLayout = window.training_panel.form
    extra = QComboBox()
    extra.addItems(["a", "b"])
    form.addRow("Colour of the moon", extra)
    qtbot.waitUntil(extra.isVisible)
    assert extra.accessibleName() == "Colour of the moon"
    assert accessibility.unnamed(window.training_panel) == []


def test_dialogs_name_their_controls(qtbot, make_window):
    window = make_window()
    report = reconcile(window.training.ensure_model(), {})
    dialogs = [GettingStarted(window), ShortcutsDialog(window.actions, window),
               TemplateDialog(window), ReconcileDialog(report, "w.pth", window)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert offenders(dialog) == [], dialog.objectName()
    shortcuts = dialogs[1].entries()
    assert shortcuts["Go to the Stack"] == "Ctrl+2"
    assert shortcuts["Next Panel"] == "Ctrl+F6"
    QApplication.processEvents()
