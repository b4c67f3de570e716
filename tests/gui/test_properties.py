"""The properties panel, driven like a person would: keystrokes and clicks on real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from netbuilder.core import editing
from netbuilder.core.catalog import default_catalog
from netbuilder.core.resources import load_template
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.gui.model.document import Document
from netbuilder.gui.network.properties import PropertiesPanel, format_arg_value, parse_arg_text

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def make_panel(qtbot):
    def make(template: str | NetworkSpec = "mnist_mlp", select: str | None = None):
        spec = load_template(template) if isinstance(template, str) else template
        document = Document(spec)
        panel = PropertiesPanel(document)
        qtbot.addWidget(panel)
        panel.resize(360, 700)
        panel.show()
        if select is not None:
            document.select([select])
        return document, panel

    return make


def child(panel: QWidget, cls, name: str):
    widget = panel.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def retype(qtbot, editor: QWidget, text: str) -> None:
    """Select everything in the editor and type ``text`` over it, key by key."""
    qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor, text)


def args_of(document: Document, path: str) -> dict:
    layer = document.spec.find(path)
    assert isinstance(layer, LayerSpec)
    return dict(layer.args)


def error_text(panel: QWidget, name: str) -> str | None:
    """The inline error of a field, or None when it shows none."""
    label = child(panel, QLabel, f"error_{name}")
    return label.text() if label.isVisible() else None


# -- what is shown -------------------------------------------------------------------------------


def test_nothing_selected_shows_a_hint(make_panel):
    _document, panel = make_panel()
    hint = child(panel, QLabel, "hint_label")
    assert hint.isVisible()
    assert hint.text() == "Select a layer to edit its arguments"
    assert panel.findChild(QLineEdit, "name_edit") is None
    assert panel.path is None


def test_selecting_fc1_shows_its_arguments_and_shapes(make_panel):
    document, panel = make_panel(select="fc1")
    assert panel.path == "fc1"
    assert panel.findChild(QLabel, "hint_label") is None
    assert child(panel, QLineEdit, "name_edit").text() == "fc1"
    kind = child(panel, QLabel, "kind_label")
    assert "Linear" in kind.text()
    assert "Fully connected" in child(panel, QLabel, "doc_label").text()
    assert child(panel, QLabel, "input_shape_label").text() == "[N, 784]"
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 128]"
    assert child(panel, QLabel, "params_label").text() == f"{784 * 128 + 128:,}"

    in_features = child(panel, QSpinBox, "arg_in_features")
    out_features = child(panel, QSpinBox, "arg_out_features")
    bias = child(panel, QCheckBox, "arg_bias")
    assert (in_features.value(), out_features.value(), bias.isChecked()) == (784, 128, True)
    assert out_features.minimum() == 1
    assert "size of the output's last dimension" in out_features.toolTip()
    assert not child(panel, QCheckBox, "frozen_check").isChecked()
    assert error_text(panel, "out_features") is None
    assert document.undo_stack.count() == 0  # showing values edits nothing


def test_other_kinds_get_the_matching_editors(make_panel):
    _document, panel = make_panel("digits_cnn", select="features.conv1")
    assert child(panel, QLineEdit, "arg_kernel_size").text() == "3"
    assert child(panel, QLineEdit, "arg_padding").text() == "1"
    combo = child(panel, QComboBox, "arg_padding_mode")
    assert combo.currentText() == "zeros"
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "zeros", "reflect", "replicate", "circular"]
    assert not child(panel, QCheckBox, "arg_bias").isChecked()  # the template sets bias false

    _document, panel = make_panel("digits_cnn", select="features.bn1")
    assert child(panel, QLineEdit, "arg_eps").text() == "1e-05"
    assert child(panel, QLineEdit, "arg_momentum").text() == "0.1"

    _document, panel = make_panel("mnist_mlp", select="relu")
    assert child(panel, QLabel, "no_args_label").isVisible()
    assert not [w for w in panel.findChildren(QWidget) if w.objectName().startswith("arg_")]


def test_selecting_another_layer_rebuilds_and_removing_it_shows_the_hint(make_panel):
    document, panel = make_panel(select="fc1")
    document.select(["fc2"])
    assert child(panel, QLineEdit, "name_edit").text() == "fc2"
    assert child(panel, QSpinBox, "arg_in_features").value() == 128
    assert child(panel, QSpinBox, "arg_out_features").value() == 64
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 64]"

    def remove_fc2(spec: NetworkSpec) -> list[str]:
        editing.remove(spec, ["fc2"])
        return []  # and select nothing

    document.edit("Remove", remove_fc2)
    assert document.spec.find("fc2") is None
    assert child(panel, QLabel, "hint_label").isVisible()


# -- editing arguments ---------------------------------------------------------------------------


def test_typing_out_features_changes_the_spec_and_the_shapes_downstream(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    spin = child(panel, QSpinBox, "arg_out_features")
    retype(qtbot, spin, "100")

    assert args_of(document, "fc1")["out_features"] == 100
    assert document.analysis.row("fc1").output_shape == (1, 100)
    fc2 = document.analysis.row("fc2")
    assert fc2.error is not None and "128" in fc2.error
    assert not document.analysis.ok
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 100]"
    # the editor typed in is the same widget and keeps what was typed
    assert panel.findChild(QSpinBox, "arg_out_features") is spin
    assert spin.value() == 100 and spin.text() == "100"

    # fc2 shows the mismatch as a problem of its own
    document.select(["fc2"])
    problems = child(panel, QLabel, "problems_label")
    assert problems.isVisible() and "128" in problems.text()


def test_keystrokes_of_one_field_undo_in_one_step(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    spin = child(panel, QSpinBox, "arg_out_features")
    retype(qtbot, spin, "256")  # 2 → 25 → 256: three valid values, one undo step
    assert args_of(document, "fc1")["out_features"] == 256
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Set fc1.out_features"

    document.undo_stack.undo()
    assert args_of(document, "fc1")["out_features"] == 128
    assert spin.value() == 128  # the editor follows the undo
    assert document.analysis.ok
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 128]"
    assert not document.undo_stack.canUndo()

    document.undo_stack.redo()
    assert spin.value() == 256


def test_another_field_starts_another_undo_step(make_panel, qtbot):
    document, panel = make_panel(select="fc2")
    retype(qtbot, child(panel, QSpinBox, "arg_out_features"), "32")
    retype(qtbot, child(panel, QSpinBox, "arg_in_features"), "100")
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    assert args_of(document, "fc2") == {"in_features": 128, "out_features": 32}


def test_float_typed_key_by_key_is_not_reset_under_the_cursor(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="dropout")
    edit = child(panel, QLineEdit, "arg_p")
    assert edit.text() == "0.25"
    retype(qtbot, edit, "0.05")  # "0" and "0." are valid on the way and must not be rewritten
    assert edit.text() == "0.05"
    assert args_of(document, "dropout")["p"] == 0.05
    assert error_text(panel, "p") is None
    assert document.undo_stack.count() == 1


def test_out_of_range_float_is_shown_inline_and_the_spec_keeps_the_last_valid_value(
        make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="dropout")
    edit = child(panel, QLineEdit, "arg_p")
    retype(qtbot, edit, "1.5")

    message = error_text(panel, "p")
    assert message is not None and "from 0 to 1" in message and "1.5" in message
    assert edit.property("invalid") is True
    assert "border" in edit.styleSheet()
    assert edit.text() == "1.5"  # what was typed stays for the user to fix
    # "1" was a valid value on the way to "1.5": it is the last valid one
    assert args_of(document, "dropout")["p"] == 1.0

    qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # "1." is valid again
    assert error_text(panel, "p") is None
    assert edit.property("invalid") is False
    assert edit.styleSheet() == ""

    document.undo_stack.undo()  # all of it was one step
    assert args_of(document, "dropout")["p"] == 0.25
    assert edit.text() == "0.25"


def test_text_that_is_not_a_number_changes_nothing(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="features.bn1")
    before = document.spec.copy()
    edit = child(panel, QLineEdit, "arg_eps")
    retype(qtbot, edit, "abc")
    assert error_text(panel, "eps") == "expected a number, got 'abc'"
    assert document.spec == before
    assert document.undo_stack.count() == 0

    retype(qtbot, edit, "1e-3")
    assert error_text(panel, "eps") is None
    assert args_of(document, "features.bn1")["eps"] == 0.001


def test_kernel_size_with_too_many_values_is_refused_inline(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="features.conv1")
    before = document.spec.copy()
    edit = child(panel, QLineEdit, "arg_kernel_size")
    retype(qtbot, edit, "3, 3, 3")

    message = error_text(panel, "kernel_size")
    assert message is not None and "a list of 2" in message and "[3, 3, 3]" in message
    assert args_of(document, "features.conv1")["kernel_size"] == 3
    assert document.spec == before  # "3" and "3, 3" equal what was there: no edit at all

    retype(qtbot, edit, "abc")
    assert error_text(panel, "kernel_size") == (
        "expected an integer or a list of 2 integers, got 'abc'")

    retype(qtbot, edit, "5, 3")
    assert error_text(panel, "kernel_size") is None
    assert args_of(document, "features.conv1")["kernel_size"] == [5, 3]
    assert document.analysis.row("features.conv1").output_shape == (1, 32, 26, 28)
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 32, 26, 28]"


def test_size_accepts_words_and_nothing_where_allowed(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="features.conv1")
    retype(qtbot, child(panel, QLineEdit, "arg_padding"), "same")
    assert args_of(document, "features.conv1")["padding"] == "same"
    assert error_text(panel, "padding") is None
    assert document.analysis.row("features.conv1").output_shape == (1, 32, 28, 28)

    document.select(["features.pool1"])
    stride = child(panel, QLineEdit, "arg_stride")
    assert stride.text() == ""  # null: the kernel size
    retype(qtbot, stride, "1")
    assert args_of(document, "features.pool1")["stride"] == 1
    qtbot.keyClick(stride, Qt.Key.Key_Backspace)
    assert "stride" not in args_of(document, "features.pool1")  # back to the default, None
    assert error_text(panel, "stride") is None

    kernel = child(panel, QLineEdit, "arg_kernel_size")
    qtbot.keyClick(kernel, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(kernel, Qt.Key.Key_Backspace)  # required, so empty is not allowed
    assert error_text(panel, "kernel_size") == (
        "expected an integer or a list of 2 integers, got ''")
    assert args_of(document, "features.pool1")["kernel_size"] == 2


def test_shape_argument(qtbot, make_panel):
    spec = NetworkSpec([784], [LayerSpec("Unflatten", "unflatten",
                                         {"dim": 1, "unflattened_size": [1, 28, 28]})])
    document, panel = make_panel(spec, select="unflatten")
    edit = child(panel, QLineEdit, "arg_unflattened_size")
    assert edit.text() == "1, 28, 28"
    retype(qtbot, edit, "4, 14, 14")
    assert args_of(document, "unflatten")["unflattened_size"] == [4, 14, 14]
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 4, 14, 14]"
    retype(qtbot, edit, "4, x")
    assert "list of integers" in error_text(panel, "unflattened_size")
    assert args_of(document, "unflatten")["unflattened_size"] == [4]  # "4" was valid
    retype(qtbot, edit, "0, 14, 14")  # every step of it is invalid: sizes are ≥ 1
    assert "≥ 1" in error_text(panel, "unflattened_size")
    assert args_of(document, "unflatten")["unflattened_size"] == [4]
    retype(qtbot, edit, "4, 14, 14")
    assert args_of(document, "unflatten")["unflattened_size"] == [4, 14, 14]


def test_bool_and_choice_editors(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="features.conv1")
    bias = child(panel, QCheckBox, "arg_bias")
    qtbot.mouseClick(bias, Qt.MouseButton.LeftButton)
    assert "bias" not in args_of(document, "features.conv1")  # true is the default again
    assert document.spec.find("features.conv1").to_dict()["args"].get("bias", True) is True
    assert bias.isChecked()

    combo = child(panel, QComboBox, "arg_padding_mode")
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "reflect"
    assert args_of(document, "features.conv1")["padding_mode"] == "reflect"

    document.undo_stack.undo()
    assert "padding_mode" not in args_of(document, "features.conv1")
    assert combo.currentText() == "zeros"
    assert bias.isChecked()  # the bias step is separate


def test_a_refused_edit_is_shown_inline(make_panel, qtbot):
    # built in code, so it may hold a value the catalog refuses; any set_args is then refused
    spec = NetworkSpec([8], [LayerSpec("Linear", "fc",
                                       {"in_features": 8, "out_features": 4, "bias": "yes"})])
    document, panel = make_panel(spec, select="fc")
    refusals = []
    document.edit_refused.connect(refusals.append)
    retype(qtbot, child(panel, QSpinBox, "arg_out_features"), "5")
    assert refusals and "fc.bias" in refusals[0]
    assert error_text(panel, "out_features") == refusals[-1]
    assert child(panel, QSpinBox, "arg_out_features").property("invalid") is True
    assert args_of(document, "fc")["out_features"] == 4
    assert document.undo_stack.count() == 0


def test_an_emptied_integer_shows_an_error_and_keeps_the_value(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    spin = child(panel, QSpinBox, "arg_out_features")
    qtbot.keyClick(spin, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(spin, Qt.Key.Key_Backspace)
    assert "an integer ≥ 1" in error_text(panel, "out_features")
    assert args_of(document, "fc1")["out_features"] == 128
    qtbot.keyClicks(spin, "128")  # "1", "12" and "128" are valid again
    assert error_text(panel, "out_features") is None
    assert args_of(document, "fc1")["out_features"] == 128


# -- name and frozen -----------------------------------------------------------------------------


def test_rename_through_the_name_editor(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    name_edit = child(panel, QLineEdit, "name_edit")
    out_features = child(panel, QSpinBox, "arg_out_features")
    retype(qtbot, name_edit, "dense")
    assert document.spec.find("fc1") is not None  # nothing happens before Enter
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)

    assert document.spec.find("fc1") is None
    assert isinstance(document.spec.find("dense"), LayerSpec)
    assert document.selection == ["dense"]
    assert panel.path == "dense"
    # the same form keeps showing the renamed layer, and its editors still edit it
    assert panel.findChild(QLineEdit, "name_edit") is name_edit
    assert name_edit.text() == "dense"
    retype(qtbot, out_features, "64")
    assert args_of(document, "dense")["out_features"] == 64

    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.spec.find("fc1") is not None
    assert child(panel, QLineEdit, "name_edit").text() == "fc1"


@pytest.mark.parametrize(("name", "reason"), [
    ("fc2", "already used"),
    ("1abc", "not a valid name"),
    ("class", "keyword"),
])
def test_a_bad_name_is_shown_inline_and_changes_nothing(make_panel, qtbot, name, reason):
    document, panel = make_panel(select="fc1")
    before = document.spec.copy()
    name_edit = child(panel, QLineEdit, "name_edit")
    retype(qtbot, name_edit, name)
    shown = error_text(panel, "name")
    assert shown is not None and reason in shown  # shown while typing
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)

    shown = error_text(panel, "name")
    assert shown is not None and reason in shown  # and still after Return
    assert name_edit.property("invalid") is True
    assert document.spec == before
    assert document.undo_stack.count() == 0
    assert panel.path == "fc1"

    retype(qtbot, name_edit, "fc1")  # back to its own name: fine again
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert error_text(panel, "name") is None
    assert document.spec == before


def test_frozen_checkbox_sets_frozen(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    frozen = child(panel, QCheckBox, "frozen_check")
    assert frozen.text() == "Frozen (not trained)"
    qtbot.mouseClick(frozen, Qt.MouseButton.LeftButton)
    assert document.spec.find("fc1").frozen is True
    assert frozen.isChecked()
    assert child(panel, QLabel, "params_label").text() == (
        f"{784 * 128 + 128:,} ({784 * 128 + 128:,} frozen)")

    qtbot.mouseClick(frozen, Qt.MouseButton.LeftButton)
    assert document.spec.find("fc1").frozen is False
    document.undo_stack.undo()
    assert document.spec.find("fc1").frozen is True
    assert frozen.isChecked()


# -- blocks --------------------------------------------------------------------------------------


def test_choosing_a_block_shows_block_info(make_panel, qtbot):
    document, panel = make_panel("digits_cnn", select="features")
    info = document.analysis.row("features")
    assert child(panel, QLineEdit, "name_edit").text() == "features"
    assert "Block" in child(panel, QLabel, "kind_label").text()
    assert child(panel, QLabel, "layers_label").text() == "8 layers"
    assert child(panel, QLabel, "params_label").text() == f"{info.params:,}"
    assert info.params > 0
    assert child(panel, QLabel, "input_shape_label").text() == "[N, 1, 28, 28]"
    assert child(panel, QLabel, "output_shape_label").text() == "[N, 64, 7, 7]"
    assert not [w for w in panel.findChildren(QWidget) if w.objectName().startswith("arg_")]

    frozen = child(panel, QCheckBox, "frozen_check")
    qtbot.mouseClick(frozen, Qt.MouseButton.LeftButton)
    layers = [document.spec.find(f"features.{n}") for n in ("conv1", "bn1", "conv2", "bn2")]
    assert all(layer.frozen for layer in layers)
    assert frozen.checkState() == Qt.CheckState.Checked

    def thaw_conv1(spec: NetworkSpec) -> list[str]:
        editing.set_frozen(spec, ["features.conv1"], False)
        return ["features"]  # keep the block selected

    document.edit("Thaw", thaw_conv1)
    assert frozen.checkState() == Qt.CheckState.PartiallyChecked
    qtbot.mouseClick(frozen, Qt.MouseButton.LeftButton)  # partly frozen → freeze all
    assert document.spec.find("features.conv1").frozen is True

    name_edit = child(panel, QLineEdit, "name_edit")
    retype(qtbot, name_edit, "backbone")
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert document.spec.find("backbone.conv1") is not None
    assert panel.path == "backbone"


# -- text ↔ value --------------------------------------------------------------------------------


def test_parse_and_format_round_trip():
    kind = default_catalog().get("Conv2d")
    kernel, padding = kind.arg("kernel_size"), kind.arg("padding")
    assert parse_arg_text(kernel, "3") == 3
    assert parse_arg_text(kernel, " 3, 5 ") == [3, 5]
    assert parse_arg_text(kernel, "[3, 5]") == [3, 5]
    assert parse_arg_text(kernel, "3 5") == [3, 5]
    assert parse_arg_text(padding, "same") == "same"
    for bad in ("", "3,", "a, b", "3.5"):
        with pytest.raises(ValueError, match="expected an integer or a list of 2 integers"):
            parse_arg_text(kernel, bad)
    with pytest.raises(ValueError, match="one of: same, valid"):
        parse_arg_text(padding, "full")
    assert format_arg_value(kernel, [3, 5]) == "3, 5"
    assert format_arg_value(kernel, None) == ""
    eps = default_catalog().get("BatchNorm2d").arg("eps")
    assert format_arg_value(eps, 1e-5) == "1e-05"
    assert parse_arg_text(eps, "1e-05") == 1e-5


def test_selection_moving_away_does_not_commit_a_half_typed_name(make_panel, qtbot):
    document, panel = make_panel(select="fc1")
    name_edit = child(panel, QLineEdit, "name_edit")
    panel.activateWindow()
    name_edit.setFocus()
    qtbot.waitUntil(name_edit.hasFocus)
    qtbot.keyClicks(name_edit, "_typing")
    document.select(["fc2"])  # e.g. from a menu, while the name editor still has focus
    assert document.spec.find("fc1") is not None
    assert document.spec.find("fc1_typing") is None
    assert document.undo_stack.count() == 0
    assert child(panel, QLineEdit, "name_edit").text() == "fc2"
