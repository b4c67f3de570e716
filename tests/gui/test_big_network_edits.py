"""Big networks stay fluid (issue 19): in a stack of a few hundred layers, edits, undo and redo
restore exactly the spec, shapes and selection they should, the stack view always mirrors the
spec card for card, and an undo or redo of one insert makes or refreshes one card only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit

from netbuilder.core import editing
from netbuilder.core.analysis import Analyzer
from netbuilder.core.spec import (
    BlockSpec,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    stacks_of,
)
from netbuilder.gui.model.document import Document
from netbuilder.gui.network.cards import (
    PATH_ROLE,
    STACK_ROLE,
    card_accessible_text,
    card_tooltip,
    stack_accessible_text,
    stack_label,
)
from netbuilder.gui.network.properties import PropertiesPanel
from netbuilder.gui.network.stack_view import StackView, insert_kinds


def linear(name: str, n_in: int, n_out: int) -> LayerSpec:
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def big_spec(pairs: int = 150) -> NetworkSpec:
    """Flatten, Linear(784, 64), ``pairs`` × ReLU/Linear(64, 64), a residual, a parallel, an
    output layer: a few hundred layers with every kind of stack."""
    items = [LayerSpec("Flatten", "flatten"), linear("fc0", 784, 64)]
    for i in range(1, pairs + 1):
        items += [LayerSpec("ReLU", f"relu{i}"), linear(f"fc{i}", 64, 64)]
    items.append(ResidualSpec("res1", [linear("inner", 64, 64), LayerSpec("Tanh", "act")], [],
                              "ReLU"))
    items.append(ParallelSpec("mix", [[linear("left", 64, 32)], [linear("right", 64, 32)]]))
    items.append(linear("out", 64, 10))
    return NetworkSpec([1, 28, 28], items, num_classes=10)


@pytest.fixture
def editor(qtbot):
    document = Document(big_spec())
    view = StackView(document)
    panel = PropertiesPanel(document)
    for widget in (view, panel):
        qtbot.addWidget(widget)
    view.resize(420, 700)
    view.show()
    qtbot.waitExposed(view)
    return document, view, panel


def rows_of(analysis) -> list[tuple]:
    return [(r.path, r.kind, r.depth, r.input_shape, r.output_shape, r.params, r.macs, r.error,
             tuple(r.findings)) for r in analysis.rows]


def expected_rows(spec: NetworkSpec, prefix: str = "", items=None, depth: int = 0) -> list:
    """(path, is a stack row, depth) of every row the view should hold, in order."""
    rows = []
    for item in spec.items if items is None else items:
        path = prefix + item.name
        rows.append((path, False, depth))
        if isinstance(item, BlockSpec):
            rows += expected_rows(spec, path + ".", item.items, depth + 1)
        else:
            for stack_path, stack_items in stacks_of(item, path):
                rows.append((stack_path, True, depth + 1))
                rows += expected_rows(spec, stack_path + ".", stack_items, depth + 2)
    return rows


def view_rows(view: StackView, parent: QModelIndex | None = None, depth: int = 0) -> list:
    model, parent = view.stack_model, parent or QModelIndex()
    rows = []
    for number in range(model.rowCount(parent)):
        index = model.index(number, 0, parent)
        rows.append((index.data(PATH_ROLE), bool(index.data(STACK_ROLE)), depth))
        rows += view_rows(view, index, depth + 1)
    return rows


def assert_view_mirrors(document: Document, view: StackView) -> None:
    """Every card where the spec has it, saying what the current analysis says."""
    assert view_rows(view) == expected_rows(document.spec)
    for path, stack, _depth in expected_rows(document.spec):
        index = view.stack_model.index_of(path)
        assert index.isValid()
        if stack:
            owner_path = document.spec.stack_owner(path)
            owner, name = document.item(owner_path), path[len(owner_path) + 1:]
            shape = document.analysis.stack_shapes.get(path, (None, None))[1]
            assert index.data(Qt.ItemDataRole.DisplayRole) == stack_label(owner, name)
            assert index.data(Qt.ItemDataRole.AccessibleTextRole) == stack_accessible_text(
                owner, name, shape)
            continue
        item, info = document.item(path), document.analysis.row(path)
        name, description = card_accessible_text(item, info)
        assert index.data(Qt.ItemDataRole.AccessibleTextRole) == name
        assert index.data(Qt.ItemDataRole.AccessibleDescriptionRole) == description
        assert index.data(Qt.ItemDataRole.ToolTipRole) == card_tooltip(item, info)
    selected = sorted(i.data(PATH_ROLE) for i in view.selectionModel().selectedIndexes())
    assert selected == sorted(document.selection)


def state(document: Document, panel: PropertiesPanel) -> tuple:
    assert panel.path == document.current()
    return (document.spec.copy(), rows_of(document.analysis), document.analysis.output_shape,
            dict(document.analysis.stack_shapes), document.selection)


EDITS = [
    ("insert a Dropout", lambda document: insert_kinds(document, ["Dropout"], "", 100)),
    ("change a width", lambda document: document.edit("w", lambda spec: editing.set_args(
        spec, "fc40", {"out_features": 32}))),
    ("delete", lambda document: document.edit("d", lambda spec: editing.remove(
        spec, ["relu20", "fc20"]))),
    ("insert into a residual", lambda document: document.edit("r", lambda spec: editing.insert(
        spec, "res1.body", 1, [LayerSpec("Dropout", "drop")]))),
    ("group", lambda document: document.edit("g", lambda spec: editing.group(
        spec, ["relu60", "fc60"]))),
    ("add a branch", lambda document: document.edit("b", lambda spec: editing.add_branch(
        spec, "mix"))),
    ("rename", lambda document: document.edit("n", lambda spec: editing.rename(
        spec, "fc70", "dense70"))),
    ("move into the block", lambda document: document.edit("m", lambda spec: editing.move(
        spec, ["fc90"], "block1", 0))),
    ("merge of one argument", lambda document: [document.edit(
        "a", lambda spec, v=v: editing.set_args(spec, "fc100", {"out_features": v}),
        merge_key="fc100.out_features") for v in (65, 66, 67)]),
]


def test_undo_and_redo_restore_spec_shapes_and_selection_in_a_big_stack(editor):
    document, view, panel = editor
    document.select(["fc5"])
    states = [state(document, panel)]
    assert_view_mirrors(document, view)
    for _name, edit in EDITS:
        edit(document)
        assert_view_mirrors(document, view)
        states.append(state(document, panel))
        # the incremental analysis is the analysis of the spec from scratch
        fresh = Analyzer().analyze(document.spec, document.loss)
        assert rows_of(document.analysis) == rows_of(fresh)
        assert document.analysis.findings == fresh.findings
        assert document.analysis.stack_shapes == fresh.stack_shapes
    assert document.undo_stack.count() == len(EDITS)  # the three argument edits merged
    for expected in reversed(states[:-1]):
        document.undo_stack.undo()
        assert state(document, panel) == expected
        assert_view_mirrors(document, view)
    for expected in states[1:]:
        document.undo_stack.redo()
        assert state(document, panel) == expected
        assert_view_mirrors(document, view)


def test_undo_and_redo_of_one_insert_touch_one_card(editor):
    document, view, _panel = editor
    model = view.stack_model
    rows = model.rowCount()
    insert_kinds(document, ["Dropout"], "", 50)  # keeps the shape: nothing else changes
    assert (model.made, model.refreshed, model.rowCount()) == (1, 0, rows + 1)
    document.undo_stack.undo()
    assert (model.made, model.refreshed, model.rowCount()) == (0, 0, rows)
    document.undo_stack.redo()
    assert (model.made, model.refreshed, model.rowCount()) == (1, 0, rows + 1)
    assert_view_mirrors(document, view)


def test_a_changed_shape_refreshes_the_cards_it_reaches_and_no_more(editor):
    document, view, _panel = editor
    model = view.stack_model
    # fc10 gives 32 values and fc11 takes 32: relu11 receives another shape, fc11 changed,
    # and from relu12 on every layer receives what it received before
    def narrow(spec):
        editing.set_args(spec, "fc10", {"out_features": 32})
        return editing.set_args(spec, "fc11", {"in_features": 32})

    document.edit("narrow", narrow)
    assert (model.made, model.refreshed) == (0, 3)
    document.undo_stack.undo()
    assert (model.made, model.refreshed) == (0, 3)
    assert_view_mirrors(document, view)


def test_the_properties_panel_stays_put_when_an_edit_elsewhere_changes_nothing_it_shows(
        editor, monkeypatch):
    document, _view, panel = editor
    document.select(["fc5"])
    updates = []
    original = panel._update
    monkeypatch.setattr(panel, "_update", lambda item: (updates.append(item.name),
                                                        original(item)))
    def unbias(path):  # an edit that keeps the selection where it is
        return lambda spec: editing.set_args(spec, path, {"bias": False}) and None

    document.edit("far", unbias("fc120"))
    assert document.current() == "fc5"
    assert updates == []
    document.edit("near", unbias("fc5"))
    assert updates == ["fc5"]


def test_selecting_layers_of_a_kind_shown_before_reuses_its_page_with_the_new_values(editor):
    document, _view, panel = editor
    document.select(["fc3"])
    page = panel._page
    document.select(["relu3"])
    assert panel._page is not page
    document.edit("fc4", lambda spec: editing.set_args(spec, "fc4", {"out_features": 48}))
    document.select(["fc4"])
    assert panel._page is page  # the Linear page again
    editors = {name: field.editor for name, field in panel._fields.items()}
    assert editors["out_features"].value() == 48
    assert panel._name.editor.text() == "fc4"
    assert panel._labels["input_shape_label"].text() == "[N, 64]"
    assert panel._labels["output_shape_label"].text() == "[N, 48]"
    document.select(["flatten"])
    # kept pages are nobody's children: the panel holds the page it shows, and only that
    assert len(panel.findChildren(QLineEdit, "name_edit")) == 1
