"""The properties panel: the selected item's name, shapes and arguments, edited in place.

Every valid keystroke is applied at once, and the keystrokes of one argument merge into one undo
step. An invalid value stays in its editor with a red border and the reason under it, while the
spec keeps its last valid value. The form is rebuilt only when another item (or another kind at
the same path) is selected; otherwise only values that changed elsewhere (undo, redo, other
views) are written back, so the editor being typed in is never reset under the cursor.
How typed text becomes a value is ``arg_text``'s; one editor with its error is ``arg_field``'s.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core import editing
from netbuilder.core.analysis_result import ERROR, LayerInfo, format_shape
from netbuilder.core.catalog import BOOL, CHOICE, INT, Arg, default_catalog
from netbuilder.core.containers import ACTIVATIONS, MERGES
from netbuilder.core.spec import CONTAINERS, BlockSpec, Item, LayerSpec, ParallelSpec, ResidualSpec
from netbuilder.core.spec_parse import resolved_args
from netbuilder.gui.model.document import Document
from netbuilder.gui.network.arg_field import ERROR_COLOUR, UNSET, ArgField
from netbuilder.gui.network.arg_text import (  # noqa: F401  (format_arg_value re-exported)
    expectation_error,
    format_arg_value,
    parse_arg_text,
)
from netbuilder.gui.network.property_pages import (
    LayerPage,
    PageCache,
    all_items,
    container_state,
    leaves,
    placeholder,
)
from netbuilder.gui.text import fill, plural

SPIN_LIMIT = 1_000_000_000  # an int argument without a bound still fits a QSpinBox (int32)
WARNING_COLOUR = "#b26a00"


class PropertiesPanel(QWidget):
    """Shows and edits ``document.current()``: a hint, a layer's arguments or a block's summary.

    Child widgets carry object names for tests and style sheets: ``hint_label``,
    ``name_edit``, ``error_name``, ``kind_label``, ``doc_label``, ``input_shape_label``,
    ``output_shape_label``, ``params_label``, ``problems_label``, ``frozen_check``,
    ``layers_label`` (blocks), ``arg_<name>`` and ``error_<name>`` per argument.
    """

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._path: str | None = None
        self._kind: str | None = None
        self._page: QWidget | None = None
        self._fields: dict[str, ArgField] = {}
        self._name: ArgField | None = None
        self._labels: dict[str, QLabel] = {}
        self._frozen: QCheckBox | None = None
        self._applying: str | None = None  # the field whose edit is being applied
        self._refused: str | None = None
        self._renamed_to: str | None = None
        self._rebuilding = False
        self._container_state: tuple | None = None
        # The item and analysis row last shown: the analyzer hands out the very same row while
        # nothing about the item changed, so an edit elsewhere costs no update here.
        self._shown: tuple[Item, LayerInfo | None] | None = None
        self._kept = PageCache()  # layer pages by kind, shown again for another layer
        self._page_key: tuple | None = None  # the shown page's key there (layer pages only)

        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)

        document.selection_changed.connect(self.refresh)
        document.changed.connect(self.refresh)
        document.edit_refused.connect(self._on_refused)
        self.refresh()

    # -- public --------------------------------------------------------------------------------

    @property
    def path(self) -> str | None:
        """The path of the item shown (None: nothing is selected)."""
        return self._path

    def refresh(self) -> None:
        """Follow the document: rebuild for another item, else only update changed values."""
        path = self.document.current()
        item = self.document.item(path) if path else None
        if item is None:
            path = None
        kind = item.kind if item is not None else None
        if (self._renamed_to is not None and path == self._renamed_to
                and kind == self._kind and self._page is not None):
            self._path = path  # the shown item was renamed from its own name editor
        state = container_state(item)
        info = self.document.analysis.row(path) if path else None
        if path != self._path or kind != self._kind or self._page is None or (
                state != self._container_state):
            self._container_state = state  # an undo changed a merge: the page shows it
            self._rebuild(path, item)
        elif self._shown is not None and self._shown[1] is info and self._shown[0] == item:
            return  # an edit elsewhere in the network: nothing here changed
        self._shown = (item, info) if item is not None else None
        if item is not None:
            self._update(item)

    # -- building ------------------------------------------------------------------------------

    def _rebuild(self, path: str | None, item: Item | None) -> None:
        """Show the page of another item: a kept page of its kind, or a new one; the page
        shown already when the item is a layer of the same kind (its values are then updated)."""
        catalog = default_catalog()
        key = (item.kind, catalog.revision) if isinstance(item, LayerSpec) and (
            catalog.get(item.kind) is not None) else None
        if key is not None and key == self._page_key and self._page is not None:
            focused = QApplication.focusWidget()
            if focused is not None and self._page.isAncestorOf(focused):
                self._rebuilding = True  # an editor of the other layer must not commit here
                try:
                    focused.clearFocus()
                finally:
                    self._rebuilding = False
            self._path, self._kind = path, item.kind
            return
        self._rebuilding = True  # a focused name editor that goes away must not commit
        try:
            old = self._scroll.takeWidget()
        finally:
            self._rebuilding = False
        if old is not None and self._page_key is not None:
            self._kept.keep(self._page_key, LayerPage(old, self._fields, self._labels,
                                                      self._name, self._frozen))
        elif old is not None:
            old.deleteLater()  # may be inside one of its own signals (a rename)
        self._fields, self._labels = {}, {}
        self._name, self._frozen = None, None
        self._path = path
        self._kind = item.kind if item is not None else None
        self._page_key = key
        kept = self._kept.take(self._page_key) if self._page_key is not None else None
        if kept is not None:
            page = kept.widget
            self._fields, self._labels = kept.fields, kept.labels
            self._name, self._frozen = kept.name, kept.frozen
        else:
            page = QWidget()
            page.setObjectName("properties_page")
            if item is None:
                self._build_hint(page)
            elif isinstance(item, BlockSpec):
                self._build_block(page, item)
            elif isinstance(item, CONTAINERS):
                self._build_container(page, item)
            else:
                self._build_layer(page, item)
        self._page = page
        self._scroll.setWidget(page)
        page.show()

    def _build_hint(self, page: QWidget) -> None:
        layout = QVBoxLayout(page)
        hint = QLabel(self.tr("Select a layer to edit its arguments"), page)
        hint.setObjectName("hint_label")
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: palette(mid);")
        layout.addWidget(hint)
        layout.addStretch(1)

    def _label(self, name: str, parent: QWidget, selectable: bool = True) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(name)
        label.setWordWrap(True)
        if selectable:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._labels[name] = label
        return label

    def _build_header(self, page: QWidget, form: QFormLayout, kind_text: str, doc: str,
                      tooltip: str) -> None:
        name_edit = QLineEdit(page)
        name_edit.setObjectName("name_edit")
        name_edit.setToolTip(self.tr("The name in the state_dict and in generated code. "
                                     "Press Enter to rename."))
        name_edit.textEdited.connect(self._name_edited)
        name_edit.editingFinished.connect(self._commit_name)
        self._name = ArgField("name", name_edit, label=self.tr("Name"))
        form.addRow(self.tr("Name"), self._name.container)

        kind_label = self._label("kind_label", page)
        kind_label.setText(kind_text)
        kind_label.setToolTip(tooltip)
        font = kind_label.font()
        font.setBold(True)
        kind_label.setFont(font)
        form.addRow(self.tr("Kind"), kind_label)
        if doc:
            doc_label = self._label("doc_label", page)
            doc_label.setText(doc)
            doc_label.setToolTip(tooltip)
            form.addRow(doc_label)

        form.addRow(self.tr("Input"), self._label("input_shape_label", page))
        form.addRow(self.tr("Output"), self._label("output_shape_label", page))
        form.addRow(self.tr("Parameters"), self._label("params_label", page))
        problems = self._label("problems_label", page)
        problems.hide()
        form.addRow(problems)

    def _build_frozen(self, page: QWidget, form: QFormLayout, tooltip: str) -> None:
        box = QCheckBox(self.tr("Frozen (not trained)"), page)
        box.setObjectName("frozen_check")
        box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        box.setToolTip(tooltip)
        box.clicked.connect(self._frozen_clicked)
        self._frozen = box
        form.addRow(box)

    def _new_form(self, page: QWidget) -> QFormLayout:
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        return form

    def _build_block(self, page: QWidget, block: BlockSpec) -> None:
        form = self._new_form(page)
        kind = default_catalog().get(block.kind)
        doc = kind.doc if kind is not None else ""
        self._build_header(page, form, self.tr("Block (nn.Sequential)"), doc, doc)
        form.addRow(self.tr("Contents"), self._label("layers_label", page))
        self._build_frozen(page, form, self.tr("Freeze or unfreeze every layer of the block"))

    def _build_container(self, page: QWidget, item: ResidualSpec | ParallelSpec) -> None:
        """A residual's activation and projection, a parallel's merge, dimension and
        branches; each change is one undoable edit."""
        form = self._new_form(page)
        residual = isinstance(item, ResidualSpec)
        kind_text = self.tr("Residual: y = activation(body(x) + shortcut(x))") if residual \
            else self.tr("Parallel: branches on the same input, merged")
        self._build_header(page, form, kind_text, "", kind_text)
        form.addRow(self.tr("Contents"), self._label("layers_label", page))
        self._build_frozen(page, form, self.tr("Freeze or unfreeze every layer inside"))
        path = self._path or ""
        if residual:
            activation = QComboBox(page)
            activation.setObjectName("activation_combo")
            activation.addItem(self.tr("none"), "")
            for name in ACTIVATIONS:
                activation.addItem(name, name)
            activation.setCurrentIndex(max(0, activation.findData(item.activation)))
            activation.setToolTip(self.tr("Applied after the sum"))
            activation.activated.connect(lambda _i: self._container_edit(
                self.tr("Residual activation"), activation=activation.currentData()))
            form.addRow(self.tr("After the sum"), activation)
            projection = QPushButton(self.tr("Add a projection to the shortcut"), page)
            projection.setObjectName("projection_button")
            projection.setToolTip(self.tr("A 1×1 convolution (or a Linear) that gives the "
                                          "shortcut the body's shape"))
            projection.clicked.connect(lambda: self.document.edit(
                self.tr("Add projection"), lambda spec: editing.add_projection(spec, path)))
            form.addRow(projection)
            return
        merge = QComboBox(page)
        merge.setObjectName("merge_combo")
        texts = {"concat": self.tr("concatenate"), "sum": self.tr("sum"), "mean": self.tr("mean")}
        for name in MERGES:
            merge.addItem(texts.get(name, name), name)
        merge.setCurrentIndex(max(0, merge.findData(item.merge)))
        merge.activated.connect(lambda _i: self._container_edit(
            self.tr("Parallel merge"), merge=merge.currentData()))
        form.addRow(self.tr("Merge"), merge)
        dim = QSpinBox(page)
        dim.setObjectName("dim_spin")
        dim.setRange(-8, 8)
        dim.setValue(item.dim)
        dim.setEnabled(item.merge == "concat")
        dim.setToolTip(self.tr("The dimension to concatenate along: 1 is the channels of an "
                               "image or the features of a vector"))
        dim.valueChanged.connect(lambda value: self._container_edit(
            self.tr("Parallel dimension"), merge_key="dim", dim=value))
        form.addRow(self.tr("Dimension"), dim)
        add = QPushButton(self.tr("Add branch"), page)
        add.setObjectName("add_branch_button")
        add.clicked.connect(lambda: self.document.edit(
            self.tr("Add branch"), lambda spec: editing.add_branch(spec, path)))
        remove = QPushButton(self.tr("Remove last branch"), page)
        remove.setObjectName("remove_branch_button")
        remove.setEnabled(len(item.branches) > 2)
        remove.clicked.connect(lambda: self.document.edit(
            self.tr("Remove branch"), lambda spec: editing.remove_branch(
                spec, path, len(spec.find(path).branches) - 1)))
        form.addRow(add)
        form.addRow(remove)

    def _container_edit(self, text: str, merge_key: str | None = None, **changes) -> None:
        path = self._path or ""
        item = self.document.item(path)
        if item is None or all(getattr(item, k) == v for k, v in changes.items()):
            return
        self.document.edit(text, lambda spec: editing.set_container_args(spec, path, **changes),
                           merge_key=f"{path}:{merge_key}" if merge_key else None)

    def _build_layer(self, page: QWidget, layer: LayerSpec) -> None:
        form = self._new_form(page)
        kind = default_catalog().get(layer.kind)
        if kind is None:
            self._build_header(page, form, layer.kind, self.tr("Unknown layer kind"), "")
            self._build_frozen(page, form, "")
            return
        self._build_header(page, form, f"{kind.name} ({kind.spelled()})", kind.doc,
                           kind.tooltip())
        self._build_frozen(page, form, self.tr("Keep this layer's parameters fixed while "
                                               "training"))
        title = QLabel(self.tr("Arguments"), page)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        form.addRow(title)
        if not kind.args:
            none = QLabel(self.tr("This layer has no arguments."), page)
            none.setObjectName("no_args_label")
            form.addRow(none)
        for arg in kind.args:
            editor = self._make_editor(arg, page)
            editor.setObjectName(f"arg_{arg.name}")
            tip = f"{arg.doc}\n({arg.describe()})" if arg.doc else arg.describe()
            editor.setToolTip(tip)
            field = ArgField(arg.name, editor, arg, label=arg.name + (
                self.tr(" (required)") if arg.required else ""))
            self._fields[arg.name] = field
            label = QLabel(arg.name + (" *" if arg.required else ""), page)
            label.setToolTip(tip + ("\n" + self.tr("Always written in generated code")
                                    if arg.required else ""))
            label.setBuddy(editor)
            form.addRow(label, field.container)

    def _make_editor(self, arg: Arg, page: QWidget) -> QWidget:
        name = arg.name
        if arg.type == INT and not arg.nullable:
            spin = QSpinBox(page)
            low = int(arg.minimum) if arg.minimum is not None else -SPIN_LIMIT
            high = int(arg.maximum) if arg.maximum is not None else SPIN_LIMIT
            spin.setRange(low, high)
            spin.setKeyboardTracking(True)
            spin.valueChanged.connect(lambda value, n=name: self._apply(n, value))
            spin.lineEdit().textEdited.connect(lambda _text, n=name: self._spin_text_edited(n))
            return spin
        if arg.type == BOOL:
            box = QCheckBox(page)
            box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            box.toggled.connect(lambda checked, n=name: self._apply(n, bool(checked)))
            return box
        if arg.type == CHOICE:
            combo = QComboBox(page)
            for choice in arg.choices:
                combo.addItem(str(choice), choice)
            combo.currentIndexChanged.connect(lambda index, n=name: self._choice_changed(n, index))
            return combo
        edit = QLineEdit(page)
        edit.setPlaceholderText(placeholder(arg, self.tr("empty: none")))
        edit.textEdited.connect(lambda text, n=name: self._text_edited(n, text))
        return edit

    # -- updating ------------------------------------------------------------------------------

    def _update(self, item: Item) -> None:
        path = self._path
        info = self.document.analysis.row(path) if path else None
        if self._name is not None and self._applying != "name" and item.name != self._name.shown:
            self._name.set_value(item.name)
            self._name.clear_error()
        self._update_info(item, info)
        self._sync_frozen(item)
        if not isinstance(item, LayerSpec) or not self._fields:
            return
        values = resolved_args(item)
        for name, field in self._fields.items():
            if name == self._applying or name not in values:
                continue
            value = values[name]
            if field.shown is UNSET or value != field.shown:
                field.set_value(value)  # changed elsewhere (undo, redo, another view)
                field.clear_error()

    def _update_info(self, item: Item, info: LayerInfo | None) -> None:
        labels = self._labels
        if "input_shape_label" in labels:
            labels["input_shape_label"].setText(format_shape(info.input_shape if info else None))
            labels["output_shape_label"].setText(
                format_shape(info.output_shape if info else None))
        if "params_label" in labels:
            labels["params_label"].setText(self._params_text(info))
        if "layers_label" in labels and isinstance(item, CONTAINERS):
            labels["layers_label"].setText(self._contents_text(item))
        problems = labels.get("problems_label")
        if problems is not None:
            findings = list(info.findings) if info else []
            lines = []
            for finding in findings:
                prefix = self.tr("Error: ") if finding.severity == ERROR else self.tr("Warning: ")
                lines.append(prefix + str(finding))
            if info is not None and info.error and not any(
                    f.severity == ERROR for f in findings):
                lines.insert(0, self.tr("Error: ") + info.error)
            problems.setText("\n".join(lines))
            colour = ERROR_COLOUR if any(line.startswith(self.tr("Error: ")) for line in lines) \
                else WARNING_COLOUR
            problems.setStyleSheet(f"color: {colour};")
            problems.setVisible(bool(lines))

    def _params_text(self, info: LayerInfo | None) -> str:
        if info is None:
            return "?"
        text = f"{info.params:,}"
        if info.frozen_params:
            text += " " + fill(self.tr("(%1 frozen)"), f"{info.frozen_params:,}")
        return text

    def _contents_text(self, block: Item) -> str:
        inner = [i for _stack, items in block.stacks() for i in items]
        layers = sum(1 for item in leaves(inner))
        blocks = sum(1 for item in all_items(inner) if isinstance(item, CONTAINERS))
        text = plural(layers, self.tr("1 layer"), self.tr("%1 layers"))
        if blocks:
            text += ", " + plural(blocks, self.tr("1 inner block"), self.tr("%1 inner blocks"))
        return text

    def _sync_frozen(self, item: Item) -> None:
        box = self._frozen
        if box is None:
            return
        flags = [layer.frozen for layer in leaves([item])]
        if flags and all(flags):
            state = Qt.CheckState.Checked
        elif any(flags):
            state = Qt.CheckState.PartiallyChecked
        else:
            state = Qt.CheckState.Unchecked
        box.blockSignals(True)
        box.setTristate(state == Qt.CheckState.PartiallyChecked)
        box.setCheckState(state)
        box.blockSignals(False)

    # -- applying ------------------------------------------------------------------------------

    def _on_refused(self, message: str) -> None:
        if self._applying is not None:
            self._refused = message

    def _edit(self, field: str, text: str, change, merge_key: str | None = None) -> bool:
        """``document.edit`` remembering which field it is for; refusals land in _refused."""
        self._applying, self._refused = field, None
        try:
            return self.document.edit(text, change, merge_key=merge_key)
        finally:
            self._applying = None

    def _apply(self, name: str, value: Any) -> None:
        field = self._fields.get(name)
        path = self._path
        if field is None or path is None or field.arg is None:
            return
        reason = field.arg.check(value)
        if reason:
            field.show_error(reason)
            return
        self._edit(name, fill(self.tr("Set %1"), f"{path}.{name}"),
                   lambda spec: editing.set_args(spec, path, {name: value}),
                   merge_key=f"{path}.{name}")
        if self._refused:
            field.show_error(self._refused)
        else:
            field.clear_error()
        layer = self.document.item(path)
        if isinstance(layer, LayerSpec):
            field.shown = resolved_args(layer).get(name, field.shown)

    def _text_edited(self, name: str, text: str) -> None:
        field = self._fields.get(name)
        if field is None or field.arg is None:
            return
        try:
            value = parse_arg_text(field.arg, text)
        except ValueError as exc:
            field.show_error(str(exc))
            return
        self._apply(name, value)

    def _spin_text_edited(self, name: str) -> None:
        field = self._fields.get(name)
        if field is None or field.arg is None:
            return
        spin = field.editor
        assert isinstance(spin, QSpinBox)
        if not spin.hasAcceptableInput():
            got = spin.cleanText()
            field.show_error(str(expectation_error(field.arg.describe(), got)))
        elif spin.value() == field.shown:
            field.clear_error()  # typed back to the value the spec already has

    def _choice_changed(self, name: str, index: int) -> None:
        field = self._fields.get(name)
        if field is None or index < 0:
            return
        assert isinstance(field.editor, QComboBox)
        self._apply(name, field.editor.itemData(index))

    def _frozen_clicked(self) -> None:
        path = self._path
        item = self.document.item(path) if path else None
        if item is None:
            return
        flags = [layer.frozen for layer in leaves([item])]
        frozen = not (flags and all(flags))
        text = self.tr("Freeze %1") if frozen else self.tr("Unfreeze %1")
        self._edit("frozen", fill(text, path),
                   lambda spec: editing.set_frozen(spec, [path], frozen))
        self._sync_frozen(self.document.item(path) or item)

    def _rename_problem(self, text: str) -> str | None:
        path = self._path
        if path is None:
            return None
        trial = self.document.spec.copy()
        try:
            editing.rename(trial, path, text)
        except editing.EditError as exc:
            return str(exc)
        return None

    def _name_edited(self, text: str) -> None:
        if self._name is None:
            return
        problem = self._rename_problem(text)
        if problem:
            self._name.show_error(problem)
        else:
            self._name.clear_error()

    def _commit_name(self) -> None:
        field, path = self._name, self._path
        if field is None or path is None or self._rebuilding:
            return
        editor = field.editor
        assert isinstance(editor, QLineEdit)
        new_name = editor.text().strip()
        item = self.document.item(path)
        if item is None:
            return
        if new_name == item.name:
            field.clear_error()
            return
        parent = editing.split_path(path)[0]
        self._renamed_to = f"{parent}.{new_name}" if parent else new_name
        try:
            self._edit("name", fill(self.tr("Rename %1 to %2"), path, new_name),
                       lambda spec: editing.rename(spec, path, new_name))
        finally:
            self._renamed_to = None
        if self._refused:
            field.show_error(self._refused)
            return
        field.clear_error()
        current = self.document.item(self._path) if self._path else None
        if current is not None:
            field.set_value(current.name)

