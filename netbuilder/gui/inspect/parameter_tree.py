"""A model's parameters and buffers as a tree, beside an inspector for one tensor.

``ParameterTree`` shows the ``modules()`` hierarchy of a model with, under each module, its own
parameters (``named_parameters(recurse=False)``) and buffers, so walking the tree in order gives
exactly ``named_parameters()`` and ``named_buffers()``. Check boxes show ``requires_grad``;
toggling one only *asks* for a change (``module_freeze_requested`` /
``parameter_freeze_requested``) — whoever owns the model applies it, e.g. with
:func:`netbuilder.core.parameters.apply_freeze_to_model`, and calls ``refresh``.

``ParametersPanel`` puts the tree above a :class:`TensorInspector`. Everything runs on the GUI
thread with the model handed in; ``refresh`` reads shapes and flags for every row but values
only of the tensor being inspected, so it stays cheap for large models. The Qt-free helpers
live in ``core.parameters`` and ``core.tensor_stats``; their names are re-exported here.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.inspect.tensor_inspector import TensorInspector
from netbuilder.gui.text import fill

if TYPE_CHECKING:
    import torch
    from torch import nn

    from netbuilder.core.parameters import ModuleEntry


COL_NAME, COL_KIND, COL_NUMEL, COL_DTYPE, COL_DEVICE, COL_TRAINABLE = range(6)
NAME_ROLE = Qt.ItemDataRole.UserRole  # full dotted name ("" for the model itself)
KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "module", "parameter" or "buffer"

MODULE, PARAMETER, BUFFER = "module", "parameter", "buffer"

PARAMETER_COLOR = "#3b82f6"
BUFFER_COLOR = "#d97706"  # reads on a light and a dark background


# ---------------------------------------------------------------------------------------------
# The tree


def _dot_icon(colour: str, hollow: bool) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if hollow:
        painter.setPen(QColor(colour))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(2, 2, 8, 8)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


def _set_text(item: QTreeWidgetItem, column: int, text: str) -> None:
    if item.text(column) != text:
        item.setText(column, text)


def _set_check(item: QTreeWidgetItem, state: Qt.CheckState) -> None:
    # checkState() reads Unchecked also when no box is set yet, so look at the raw data.
    if item.data(COL_NAME, Qt.ItemDataRole.CheckStateRole) is None \
            or item.checkState(COL_NAME) != state:
        item.setCheckState(COL_NAME, state)


class ParameterTree(QWidget):
    """``modules()`` as a tree with each module's own parameters and buffers under it."""

    module_freeze_requested = Signal(str, bool)  # module path ("" = the model), frozen
    parameter_freeze_requested = Signal(str, bool)  # full parameter name, frozen
    tensor_selected = Signal(str)  # full name of a parameter or buffer
    module_selected = Signal(str)  # module path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("parameter_tree_widget")
        self._model: nn.Module | None = None
        self._signature: tuple | None = None
        self._entries: list[ModuleEntry] = []
        self._module_items: list[QTreeWidgetItem] = []
        self._tensor_items: list[list[QTreeWidgetItem]] = []  # per entry: params, then buffers
        self._by_name: dict[str, QTreeWidgetItem] = {}
        self._module_by_path: dict[str, QTreeWidgetItem] = {}
        self._updating = False
        self._last_selected: str | None = None
        # A freeze request can replace the model while Qt is still inside the check box's
        # itemChanged: rebuilding then would delete the very item Qt is using. Such rebuilds
        # wait for the event loop.
        self._in_item_change = False
        self._deferred = QTimer(self)
        self._deferred.setSingleShot(True)
        self._deferred.setInterval(0)
        self._deferred.timeout.connect(self.refresh)
        self._totals = {"total": 0, "trainable": 0, "frozen": 0, "buffers": 0}

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("parameter_tree")
        self.tree.setAccessibleName(self.tr("Modules and parameters"))
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels([
            self.tr("Name"), self.tr("Kind / shape"), self.tr("numel"), self.tr("dtype"),
            self.tr("device"), self.tr("trainable"),
        ])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemSelectionChanged.connect(self._on_selection_changed)

        self.totals_label = QLabel(self)
        self.totals_label.setObjectName("totals_label")
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.totals_label)

        self._param_icon = _dot_icon(PARAMETER_COLOR, hollow=False)
        self._buffer_icon = _dot_icon(BUFFER_COLOR, hollow=True)
        self._update_totals_label()

    # ------------------------------------------------------------------ public API

    def model(self) -> nn.Module | None:
        return self._model

    def set_model(self, model: nn.Module | None) -> None:
        """Show ``model`` (None: an empty tree); keeps the selection when the name still exists."""
        self._model = model
        self._signature = None  # always rebuild: a new model may share names but not tensors
        if self._in_item_change:
            self._deferred.start()
        else:
            self.refresh()

    def refresh(self) -> None:
        """Re-read shapes, dtypes, devices and ``requires_grad``; rebuild only when modules,
        parameters or buffers were added, removed or renamed."""
        from netbuilder.core.parameters import module_entries, structure_signature

        entries = module_entries(self._model) if self._model is not None else []
        signature = structure_signature(entries)
        if signature != self._signature:
            self._rebuild(entries, signature)
        else:
            self._entries = entries
            self._update_rows()

    def parameter_names(self) -> list[str]:
        return self._names_of(PARAMETER)

    def buffer_names(self) -> list[str]:
        return self._names_of(BUFFER)

    def module_paths(self) -> list[str]:
        return self._names_of(MODULE)

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        """The row of a parameter or buffer (full name), else of a module (path, "" = model)."""
        item = self._by_name.get(name)
        return item if item is not None else self._module_by_path.get(name)

    def selected_name(self) -> str | None:
        item = self._selected_item()
        return None if item is None else item.data(COL_NAME, NAME_ROLE)

    def selected_kind(self) -> str | None:
        item = self._selected_item()
        return None if item is None else item.data(COL_NAME, KIND_ROLE)

    def select(self, name: str) -> bool:
        item = self.item_for(name)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    def totals(self) -> dict[str, int]:
        """Parameter counts: total, trainable, frozen; and buffer values."""
        return dict(self._totals)

    # ------------------------------------------------------------------ building

    def _names_of(self, kind: str) -> list[str]:
        names: list[str] = []

        def visit(item: QTreeWidgetItem) -> None:
            if item.data(COL_NAME, KIND_ROLE) == kind:
                names.append(item.data(COL_NAME, NAME_ROLE))
            for i in range(item.childCount()):
                visit(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))
        return names

    def _selected_item(self) -> QTreeWidgetItem | None:
        items = self.tree.selectedItems()
        return items[0] if items else None

    def _rebuild(self, entries: list[ModuleEntry], signature: tuple) -> None:
        selected = self.selected_name()
        collapsed = {path for path, item in self._module_by_path.items() if not item.isExpanded()}
        self._updating = True
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            self._entries = entries
            self._signature = signature
            self._module_items, self._tensor_items = [], []
            self._by_name, self._module_by_path = {}, {}
            italic = QFont(self.tree.font())
            italic.setItalic(True)
            buffer_brush = QBrush(QColor(BUFFER_COLOR))
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            for entry in entries:
                cls = type(entry.module).__name__
                if entry.parent is None:
                    item = QTreeWidgetItem(self.tree)
                    text = fill(self.tr("model (%1)"), cls)
                else:
                    item = QTreeWidgetItem(self._module_items[entry.parent])
                    text = entry.path.rpartition(".")[2]
                item.setText(COL_NAME, text)
                item.setText(COL_KIND, cls)
                item.setData(COL_NAME, NAME_ROLE, entry.path)
                item.setData(COL_NAME, KIND_ROLE, MODULE)
                extra = entry.module.extra_repr()
                owner = entry.path or self.tr("model")
                item.setToolTip(COL_NAME, f"{owner}: {cls}({extra})")
                item.setTextAlignment(COL_NUMEL, right)
                item.setTextAlignment(COL_TRAINABLE, right)
                self._module_items.append(item)
                self._module_by_path[entry.path] = item
                rows: list[QTreeWidgetItem] = []
                for full, own, _param in entry.params:
                    row = QTreeWidgetItem(item)
                    row.setText(COL_NAME, own)
                    row.setIcon(COL_NAME, self._param_icon)
                    row.setData(COL_NAME, NAME_ROLE, full)
                    row.setData(COL_NAME, KIND_ROLE, PARAMETER)
                    row.setToolTip(COL_NAME, fill(self.tr("parameter %1"), full))
                    row.setTextAlignment(COL_NUMEL, right)
                    row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                                 | Qt.ItemFlag.ItemIsUserCheckable)
                    rows.append(row)
                    self._by_name[full] = row
                for full, own, _buffer in entry.buffers:
                    row = QTreeWidgetItem(item)
                    row.setText(COL_NAME, own)
                    row.setIcon(COL_NAME, self._buffer_icon)
                    row.setData(COL_NAME, NAME_ROLE, full)
                    row.setData(COL_NAME, KIND_ROLE, BUFFER)
                    persistent = own not in entry.module._non_persistent_buffers_set
                    tip = (self.tr("buffer %1: saved in state_dict, not trained")
                           if persistent else
                           self.tr("buffer %1: not trained, not saved in state_dict"))
                    row.setToolTip(COL_NAME, fill(tip, full))
                    row.setTextAlignment(COL_NUMEL, right)
                    row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    for column in range(self.tree.columnCount()):
                        row.setFont(column, italic)
                        row.setForeground(column, buffer_brush)
                    rows.append(row)
                    self._by_name[full] = row
                self._tensor_items.append(rows)
            self._update_rows(initial=True)
            for path, item in self._module_by_path.items():
                item.setExpanded(path not in collapsed)
            restored = self.item_for(selected) if selected is not None else None
            if restored is not None:
                restored.setSelected(True)
                self.tree.setCurrentItem(restored)
            else:
                self._last_selected = None
        finally:
            self.tree.setUpdatesEnabled(True)
            self._updating = False
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)

    def _update_rows(self, initial: bool = False) -> None:
        """Texts and check states of every row from the model as it is now."""
        entries = self._entries
        own_total = [0] * len(entries)
        own_trainable = [0] * len(entries)
        was_updating, self._updating = self._updating, True
        try:
            for i, entry in enumerate(entries):
                rows = self._tensor_items[i]
                for row, (_full, _own, param) in zip(rows, entry.params, strict=False):
                    numel = param.numel()
                    own_total[i] += numel
                    if param.requires_grad:
                        own_trainable[i] += numel
                    self._update_tensor_row(row, param, param_trainable=param.requires_grad)
                for row, (_full, _own, buffer) in zip(rows[len(entry.params):], entry.buffers,
                                                      strict=False):
                    self._update_tensor_row(row, buffer, param_trainable=None)
            total, trainable = list(own_total), list(own_trainable)
            for i in range(len(entries) - 1, 0, -1):  # children come after their parent
                parent = entries[i].parent
                if parent is not None:
                    total[parent] += total[i]
                    trainable[parent] += trainable[i]
            for i, item in enumerate(self._module_items):
                _set_text(item, COL_NUMEL, f"{total[i]:,}")
                _set_text(item, COL_TRAINABLE, f"{trainable[i]:,}" if total[i] else "")
                if total[i] == 0:
                    continue
                if initial:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                                  | Qt.ItemFlag.ItemIsUserCheckable)
                if trainable[i] == total[i]:
                    _set_check(item, Qt.CheckState.Checked)
                elif trainable[i] == 0:
                    _set_check(item, Qt.CheckState.Unchecked)
                else:
                    _set_check(item, Qt.CheckState.PartiallyChecked)
            grand_total = total[0] if entries else 0
            grand_trainable = trainable[0] if entries else 0
            buffers = sum(b.numel() for e in entries for _, _, b in e.buffers)
            self._totals = {"total": grand_total, "trainable": grand_trainable,
                            "frozen": grand_total - grand_trainable, "buffers": buffers}
        finally:
            self._updating = was_updating
        self._update_totals_label()

    def _update_tensor_row(self, row: QTreeWidgetItem, tensor: torch.Tensor,
                           param_trainable: bool | None) -> None:
        from netbuilder.core.tensor_stats import dtype_text, shape_text

        shape = shape_text(tensor.shape)
        if param_trainable is None:
            shape = fill(self.tr("buffer %1"), shape)
        _set_text(row, COL_KIND, shape)
        _set_text(row, COL_NUMEL, f"{tensor.numel():,}")
        _set_text(row, COL_DTYPE, dtype_text(tensor.dtype))
        _set_text(row, COL_DEVICE, str(tensor.device))
        if param_trainable is not None:
            _set_text(row, COL_TRAINABLE,
                      self.tr("trainable") if param_trainable else self.tr("frozen"))
            _set_check(row, Qt.CheckState.Checked if param_trainable else Qt.CheckState.Unchecked)

    def _update_totals_label(self) -> None:
        t = self._totals
        if self._model is None:
            self.totals_label.setText(self.tr("No model"))
            return
        text = fill(self.tr("Parameters: %1 total · %2 trainable · %3 frozen"),
                    f"{t['total']:,}", f"{t['trainable']:,}", f"{t['frozen']:,}")
        if t["buffers"]:
            text += fill(self.tr(" · buffers: %1 values"), f"{t['buffers']:,}")
        self.totals_label.setText(text)

    # ------------------------------------------------------------------ reactions

    @Slot(QTreeWidgetItem, int)
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or column != COL_NAME:
            return
        kind = item.data(COL_NAME, KIND_ROLE)
        if kind not in (MODULE, PARAMETER) or not (item.flags() & Qt.ItemFlag.ItemIsUserCheckable):
            return
        name = item.data(COL_NAME, NAME_ROLE)
        frozen = item.checkState(COL_NAME) != Qt.CheckState.Checked
        self._in_item_change = True
        try:
            if kind == MODULE:
                self.module_freeze_requested.emit(name, frozen)
            else:
                self.parameter_freeze_requested.emit(name, frozen)
        finally:
            self._in_item_change = False
        # Show the model as it is: changed if a receiver applied the request, else unchanged
        # (rows only; a rebuild for a replaced model is already waiting for the event loop).
        if self._model is not None and not self._deferred.isActive():
            self.refresh()

    @Slot()
    def _on_selection_changed(self) -> None:
        if self._updating:
            return
        item = self._selected_item()
        if item is None:
            self._last_selected = None
            return
        name = item.data(COL_NAME, NAME_ROLE)
        kind = item.data(COL_NAME, KIND_ROLE)
        if name == self._last_selected:
            return
        self._last_selected = name
        if kind == MODULE:
            self.module_selected.emit(name)
        else:
            self.tensor_selected.emit(name)


# ---------------------------------------------------------------------------------------------
# Tree and inspector together


class ParametersPanel(QWidget):
    """The parameter tree above the inspector of the selected parameter or buffer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("parameters_panel")
        self._model: nn.Module | None = None
        self._grad_norms: dict[str, float] = {}
        self.tree = ParameterTree(self)
        self.inspector = TensorInspector(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("parameters_splitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.tree.tensor_selected.connect(self._on_tensor_selected)
        self.tree.module_selected.connect(self._on_module_selected)

    def model(self) -> nn.Module | None:
        return self._model

    def set_model(self, model: nn.Module | None,
                  grad_norms: dict[str, float] | None = None) -> None:
        self._model = model
        self._grad_norms = dict(grad_norms or {})
        self.tree.set_model(model)
        self._show_selected()

    def refresh(self, grad_norms: dict[str, float] | None = None) -> None:
        """Re-read the model: the tree's rows and the inspected tensor's values."""
        if grad_norms is not None:
            self._grad_norms = dict(grad_norms)
        self.tree.refresh()
        self._show_selected()

    def timed_refresh_ms(self, grad_norms: dict[str, float] | None = None) -> float:
        start = time.perf_counter()
        self.refresh(grad_norms)
        return (time.perf_counter() - start) * 1000.0

    def _show_selected(self) -> None:
        from netbuilder.core.parameters import find_tensor

        name = self.tree.selected_name()
        if name is None or self.tree.selected_kind() == MODULE:
            self.inspector.clear()
            return
        self.inspector.show_tensor(name, find_tensor(self._model, name),
                                   self._grad_norms.get(name))

    @Slot(str)
    def _on_tensor_selected(self, name: str) -> None:
        from netbuilder.core.parameters import find_tensor

        self.inspector.show_tensor(name, find_tensor(self._model, name),
                                   self._grad_norms.get(name))

    @Slot(str)
    def _on_module_selected(self, _path: str) -> None:
        self.inspector.clear()


__all__ = [
    "BUFFER",
    "MODULE",
    "PARAMETER",
    "ParameterTree",
    "ParametersPanel",
    "TensorInspector",
]
