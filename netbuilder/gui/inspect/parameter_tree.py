"""A model's parameters and buffers as a tree, and an inspector for one tensor.

``ParameterTree`` shows the ``modules()`` hierarchy of a model with, under each module, its own
parameters (``named_parameters(recurse=False)``) and buffers, so walking the tree in order gives
exactly ``named_parameters()`` and ``named_buffers()``. Check boxes show ``requires_grad``;
toggling one only *asks* for a change (``module_freeze_requested`` /
``parameter_freeze_requested``) — whoever owns the model applies it, e.g. with
:func:`apply_freeze_to_model`, and calls ``refresh``.

``TensorInspector`` shows one tensor: statistics, a histogram and, for conv and linear weights,
a picture. ``ParametersPanel`` puts the two together. Everything runs on the GUI thread with the
model handed in; ``refresh`` reads shapes and flags for every row but values only of the tensor
being inspected, so it stays cheap for large models.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass, field

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEvent, QRectF, Qt, Signal, Slot  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPalette, QPixmap  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from torch import nn  # noqa: E402

HIST_BINS = 50
MAX_FILTERS = 256  # filters drawn in the grid; more are left out
MAX_HEATMAP_SIDE = 512  # larger matrices are averaged down to this many rows / columns

COL_NAME, COL_KIND, COL_NUMEL, COL_DTYPE, COL_DEVICE, COL_TRAINABLE = range(6)
NAME_ROLE = Qt.ItemDataRole.UserRole  # full dotted name ("" for the model itself)
KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "module", "parameter" or "buffer"

MODULE, PARAMETER, BUFFER = "module", "parameter", "buffer"

PARAMETER_COLOR = "#3b82f6"
BUFFER_COLOR = "#d97706"  # reads on a light and a dark background
HISTOGRAM_COLOR = "#3b82f6"
NAN_COLOR = "#ef4444"


# ---------------------------------------------------------------------------------------------
# Model helpers (no Qt)


def apply_freeze_to_model(model: nn.Module, name: str, frozen: bool, is_module: bool) -> int:
    """Freeze (``requires_grad=False``) or unfreeze a module's parameters or one parameter.

    ``name`` is a module path ("features.conv1", "" for the whole model) when ``is_module``,
    else a full parameter name as in ``named_parameters()`` ("fc1.weight"). Parameters that
    cannot take gradients (integer ones) are left alone. Returns how many parameters changed;
    raises AttributeError for an unknown name.
    """
    params = (list(model.get_submodule(name).parameters()) if is_module
              else [model.get_parameter(name)])
    changed = 0
    for param in params:
        if not (param.is_floating_point() or param.is_complex()):
            continue
        if param.requires_grad == frozen:
            param.requires_grad_(not frozen)
            changed += 1
    return changed


def find_tensor(model: nn.Module | None, name: str) -> torch.Tensor | None:
    """The parameter or buffer called ``name`` (as in ``named_parameters``/``named_buffers``)."""
    if model is None or not name:
        return None
    try:
        return model.get_parameter(name)
    except AttributeError:
        pass
    try:
        return model.get_buffer(name)
    except AttributeError:
        return None


@dataclass
class _Entry:
    """One module as the tree shows it, with the parameters and buffers it owns."""

    path: str
    module: nn.Module
    parent: int | None  # index of the parent entry
    params: list[tuple[str, str, torch.Tensor]] = field(default_factory=list)  # full, own, t
    buffers: list[tuple[str, str, torch.Tensor]] = field(default_factory=list)


def _walk(model: nn.Module) -> list[_Entry]:
    """Modules in ``named_modules()`` order, each with its own parameters and buffers.

    Shared modules and tensors appear once, where ``named_modules``/``named_parameters``/
    ``named_buffers`` first meet them, so the tree's order equals theirs.
    """
    entries: list[_Entry] = []
    index: dict[str, int] = {}
    seen_params: set[int] = set()
    seen_buffers: set[int] = set()
    for path, module in model.named_modules():
        parent = index.get(path.rpartition(".")[0]) if path else None
        entry = _Entry(path, module, parent)
        prefix = path + "." if path else ""
        for own, param in module._parameters.items():
            if param is None or id(param) in seen_params:
                continue
            seen_params.add(id(param))
            entry.params.append((prefix + own, own, param))
        for own, buffer in module._buffers.items():
            if buffer is None or id(buffer) in seen_buffers:
                continue
            seen_buffers.add(id(buffer))
            entry.buffers.append((prefix + own, own, buffer))
        index[path] = len(entries)
        entries.append(entry)
    return entries


def _signature(entries: list[_Entry]) -> tuple:
    return tuple(
        (e.path, type(e.module), tuple(n for n, _, _ in e.params),
         tuple(n for n, _, _ in e.buffers))
        for e in entries
    )


def _shape_text(shape: tuple[int, ...] | torch.Size) -> str:
    return " × ".join(str(s) for s in shape) if len(shape) else "scalar"


def _dtype_text(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def filter_grid_shape(filters: int, kh: int, kw: int) -> tuple[int, int]:
    """Pixel size (rows, columns) of the grid that shows ``filters`` kh×kw filters.

    The filters sit in a near-square grid (``ceil(sqrt(n))`` columns) one pixel apart.
    """
    filters = min(filters, MAX_FILTERS)
    if filters <= 0:
        return (0, 0)
    cols = math.ceil(math.sqrt(filters))
    rows = math.ceil(filters / cols)
    return (rows * (kh + 1) - 1, cols * (kw + 1) - 1)


# ---------------------------------------------------------------------------------------------
# Tensor statistics (no Qt)


@dataclass
class TensorSummary:
    """What the inspector shows of one tensor; statistics are NaN where they do not exist."""

    shape: tuple[int, ...] = ()
    dtype: str = ""
    device: str = ""
    numel: int = 0
    mean: float = math.nan
    std: float = math.nan
    min: float = math.nan
    max: float = math.nan
    norm: float = math.nan
    nan_count: int = 0
    inf_count: int = 0
    is_meta: bool = False
    is_float: bool = False
    is_complex: bool = False
    counts: np.ndarray | None = None  # histogram, HIST_BINS integers
    edges: np.ndarray | None = None  # HIST_BINS + 1 bin edges
    picture_kind: str = "none"  # "filters", "heatmap" or "none"
    picture: np.ndarray | None = None  # 2-D float image, rows first (NaN = transparent)
    picture_levels: tuple[float, float] = (0.0, 1.0)
    filters_shown: int = 0
    filters_total: int = 0
    downsampled: bool = False


def summarize_tensor(tensor: torch.Tensor, bins: int = HIST_BINS) -> TensorSummary:
    """Statistics, histogram and picture of a detached CPU copy of ``tensor``.

    Integer and bool tensors get statistics but no histogram or picture; complex ones are
    summarised by their magnitudes. Non-finite values are counted and left out of the
    statistics and the histogram; in pictures they show as holes.
    """
    summary = TensorSummary(
        shape=tuple(tensor.shape), dtype=_dtype_text(tensor.dtype), device=str(tensor.device),
        numel=tensor.numel(), is_meta=tensor.is_meta,
    )
    if tensor.is_meta or tensor.numel() == 0:
        return summary
    t = tensor.detach().to("cpu", copy=True)
    if t.is_complex():
        summary.is_complex = True
        t = t.abs()
    summary.is_float = t.is_floating_point()
    if summary.is_float:
        values = t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float32)
    else:
        values = t.to(torch.float64)  # exact for counters such as num_batches_tracked
    flat = values.reshape(-1)
    norm = float(torch.linalg.vector_norm(flat))
    if summary.is_float and not math.isfinite(norm):  # a NaN or ±inf (or an overflow)
        finite = torch.isfinite(flat)
        finite_count = int(finite.sum())
        summary.nan_count = int(torch.isnan(flat).sum())
        summary.inf_count = flat.numel() - finite_count - summary.nan_count
        if finite_count != flat.numel():
            flat = flat[finite]
            norm = float(torch.linalg.vector_norm(flat))
        if not math.isfinite(norm) and flat.dtype != torch.float64:  # finite but too large
            flat = flat.to(torch.float64)
            norm = float(torch.linalg.vector_norm(flat))
    count = flat.numel()
    if count > 0:
        # Cheap passes (sum, dot, aminmax); torch.std_mean is several times slower here.
        mean = flat.sum() / count
        summary.mean = float(mean)
        if count > 1:
            centred = flat - mean
            summary.std = math.sqrt(max(float(torch.dot(centred, centred)), 0.0) / (count - 1))
        lo, hi = torch.aminmax(flat)
        summary.min, summary.max = float(lo), float(hi)
        summary.norm = norm
        if summary.is_float:
            summary.counts, summary.edges = _histogram(flat, bins, summary.min, summary.max)
    if summary.is_float:
        if values.dim() == 4:
            _filters_picture(values, summary)
        elif values.dim() == 2:
            _heatmap_picture(values, summary)
    return summary


def _histogram(flat: torch.Tensor, bins: int, lo: float, hi: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """``bins`` equal bins from ``lo`` to ``hi`` (the last one closed), like ``torch.histc``."""
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    scale = bins / (hi - lo)
    if not math.isfinite(scale) or scale <= 0:  # a range too wide or too narrow for floats
        counts, edges = np.histogram(flat.to(torch.float64).numpy(), bins=bins, range=(lo, hi))
        return counts.astype(np.int64), edges
    index = ((flat - lo) * scale).to(torch.int64).clamp_(0, bins - 1)
    return torch.bincount(index, minlength=bins).numpy(), edges


def _filters_picture(weight: torch.Tensor, summary: TensorSummary) -> None:
    """Conv weight [out, in, kh, kw]: each filter averaged over its input channels, scaled to
    0…1 on its own, in a near-square grid."""
    out, _in, kh, kw = weight.shape
    shown = min(out, MAX_FILTERS)
    filters = weight[:shown].to(torch.float64).mean(dim=1).numpy()  # [shown, kh, kw]
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN filters
        finite = np.where(np.isfinite(filters), filters, np.nan)
        lo = np.nanmin(finite.reshape(shown, -1), axis=1)[:, None, None]
        hi = np.nanmax(finite.reshape(shown, -1), axis=1)[:, None, None]
        span = hi - lo
        scaled = np.where(span > 0, (finite - lo) / np.where(span > 0, span, 1.0), 0.5)
    scaled = np.where(np.isfinite(finite), scaled, np.nan)
    rows, cols = filter_grid_shape(shown, kh, kw)
    grid = np.full((rows, cols), np.nan)
    per_row = math.ceil(math.sqrt(shown))
    for i in range(shown):
        r, c = divmod(i, per_row)
        grid[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = scaled[i]
    summary.picture_kind = "filters"
    summary.picture = grid
    summary.picture_levels = (0.0, 1.0)
    summary.filters_shown, summary.filters_total = shown, out


def _heatmap_picture(weight: torch.Tensor, summary: TensorSummary) -> None:
    """2-D weight [out, in]: rows are outputs, columns inputs, levels symmetric around 0."""
    matrix = weight.to(torch.float32)
    rows, cols = matrix.shape
    if rows > MAX_HEATMAP_SIDE or cols > MAX_HEATMAP_SIDE:  # block means, at most 512 a side
        kernel = (math.ceil(rows / MAX_HEATMAP_SIDE), math.ceil(cols / MAX_HEATMAP_SIDE))
        matrix = torch.nn.functional.avg_pool2d(matrix[None, None], kernel, kernel,
                                                ceil_mode=True)[0, 0]
        summary.downsampled = True
    image = matrix.numpy().astype(np.float32, copy=True)
    image[~np.isfinite(image)] = np.nan
    limit = max(abs(summary.min), abs(summary.max)) if math.isfinite(summary.min) else 0.0
    if not limit > 0:
        limit = 1.0
    summary.picture_kind = "heatmap"
    summary.picture = image
    summary.picture_levels = (-limit, limit)


def diverging_colormap() -> pg.ColorMap:
    """Blue – near white – red, centred on the middle of the levels."""
    return pg.ColorMap(
        pos=np.array([0.0, 0.5, 1.0]),
        color=np.array([[59, 76, 192, 255], [242, 242, 242, 255], [180, 4, 38, 255]],
                       dtype=np.ubyte),
        name="netbuilder-diverging",
    )


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
        self._entries: list[_Entry] = []
        self._module_items: list[QTreeWidgetItem] = []
        self._tensor_items: list[list[QTreeWidgetItem]] = []  # per entry: params, then buffers
        self._by_name: dict[str, QTreeWidgetItem] = {}
        self._module_by_path: dict[str, QTreeWidgetItem] = {}
        self._updating = False
        self._last_selected: str | None = None
        self._totals = {"total": 0, "trainable": 0, "frozen": 0, "buffers": 0}

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("parameter_tree")
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
        self.refresh()

    def refresh(self) -> None:
        """Re-read shapes, dtypes, devices and ``requires_grad``; rebuild only when modules,
        parameters or buffers were added, removed or renamed."""
        entries = _walk(self._model) if self._model is not None else []
        signature = _signature(entries)
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

    def _rebuild(self, entries: list[_Entry], signature: tuple) -> None:
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
                    text = self.tr("model ({kind})").format(kind=cls)
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
                    row.setToolTip(COL_NAME, self.tr("parameter {name}").format(name=full))
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
                    tip = (self.tr("buffer {name}: saved in state_dict, not trained")
                           if persistent else
                           self.tr("buffer {name}: not trained, not saved in state_dict"))
                    row.setToolTip(COL_NAME, tip.format(name=full))
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
        shape = _shape_text(tensor.shape)
        if param_trainable is None:
            shape = self.tr("buffer {shape}").format(shape=shape)
        _set_text(row, COL_KIND, shape)
        _set_text(row, COL_NUMEL, f"{tensor.numel():,}")
        _set_text(row, COL_DTYPE, _dtype_text(tensor.dtype))
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
        text = self.tr("Parameters: {total} total · {trainable} trainable · {frozen} frozen"
                       ).format(total=f"{t['total']:,}", trainable=f"{t['trainable']:,}",
                                frozen=f"{t['frozen']:,}")
        if t["buffers"]:
            text += self.tr(" · buffers: {count} values").format(count=f"{t['buffers']:,}")
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
        if kind == MODULE:
            self.module_freeze_requested.emit(name, frozen)
        else:
            self.parameter_freeze_requested.emit(name, frozen)
        # Show the model as it is: changed if a receiver applied the request, else unchanged.
        if self._model is not None:
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
# The inspector


def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.6g}"


class TensorInspector(QWidget):
    """Statistics, histogram and picture of one tensor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tensor_inspector")
        self._name: str | None = None
        self._summary = TensorSummary()

        self.title = QLabel(self)
        self.title.setObjectName("tensor_title")
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shape_label = QLabel(self)
        self.shape_label.setObjectName("tensor_shape")
        self.note = QLabel(self)
        self.note.setObjectName("tensor_note")
        self.note.setWordWrap(True)
        self.nonfinite = QLabel(self)
        self.nonfinite.setObjectName("stat_nonfinite")
        self.nonfinite.setStyleSheet(f"color: {NAN_COLOR};")
        self.nonfinite.setWordWrap(True)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self._stat_labels: dict[str, QLabel] = {}
        for key, label in (("mean", self.tr("Mean")), ("std", self.tr("Std")),
                           ("min", self.tr("Min")), ("max", self.tr("Max")),
                           ("norm", self.tr("L2 norm")), ("grad", self.tr("Last gradient norm"))):
            value = QLabel("—", self)
            value.setObjectName(f"stat_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._stat_labels[key] = value
            form.addRow(label, value)

        self.histogram = pg.PlotWidget(self)
        self.histogram.setObjectName("histogram")
        self.histogram.setMenuEnabled(False)
        self.histogram.setMouseEnabled(x=False, y=False)
        self.histogram.hideButtons()
        self.histogram.setMinimumHeight(120)
        self.histogram.setToolTip(self.tr("Histogram of the values ({bins} bins)").format(
            bins=HIST_BINS))
        self._curve = pg.PlotDataItem(
            stepMode="center", fillLevel=0, pen=pg.mkPen(HISTOGRAM_COLOR, width=1),
            brush=pg.mkBrush(QColor(HISTOGRAM_COLOR).lighter(130)),
        )
        self.histogram.addItem(self._curve)

        self.picture_area = QWidget(self)
        self.picture_area.setObjectName("picture_area")
        picture_layout = QVBoxLayout(self.picture_area)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        self.picture_caption = QLabel(self.picture_area)
        self.picture_caption.setObjectName("picture_caption")
        self.picture_caption.setWordWrap(True)

        self.filters_view = pg.PlotWidget(self.picture_area)
        self.filters_view.setObjectName("filters_view")
        self.filters_view.setMenuEnabled(False)
        self.filters_view.hideButtons()
        self.filters_view.hideAxis("left")
        self.filters_view.hideAxis("bottom")
        self.filters_view.setAspectLocked(True)
        self.filters_view.invertY(True)
        self.filters_image = pg.ImageItem(axisOrder="row-major")
        self.filters_image.setObjectName("filters_image")
        self.filters_view.addItem(self.filters_image)

        self.heatmap_view = pg.PlotWidget(self.picture_area)
        self.heatmap_view.setObjectName("heatmap_view")
        self.heatmap_view.setMenuEnabled(False)
        self.heatmap_view.hideButtons()
        self.heatmap_view.invertY(True)
        self.heatmap_view.setLabel("left", self.tr("output"))
        self.heatmap_view.setLabel("bottom", self.tr("input"))
        self.heatmap_image = pg.ImageItem(axisOrder="row-major")
        self.heatmap_image.setObjectName("heatmap_image")
        self.heatmap_image.setColorMap(diverging_colormap())
        self.heatmap_view.addItem(self.heatmap_image)
        self.colorbar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=diverging_colormap(),
                                        interactive=False, width=14, colorMapMenu=False)
        self.colorbar.setImageItem(self.heatmap_image, insert_in=self.heatmap_view.getPlotItem())
        for view in (self.filters_view, self.heatmap_view):
            view.setMinimumHeight(160)
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            picture_layout.addWidget(view, 1)
        picture_layout.addWidget(self.picture_caption)

        top = QVBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.shape_label)
        top.addLayout(form)
        top.addWidget(self.nonfinite)
        top.addWidget(self.note)
        top.addStretch(1)
        plots = QHBoxLayout()
        plots.addWidget(self.histogram, 1)
        plots.addWidget(self.picture_area, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(plots, 1)

        self._apply_palette()
        self.clear()

    # ------------------------------------------------------------------ public API

    def current_name(self) -> str | None:
        return self._name

    def summary(self) -> TensorSummary:
        return self._summary

    def clear(self) -> None:
        self._name = None
        self._summary = TensorSummary()
        self.title.setText(self.tr("Select a parameter or buffer"))
        self.shape_label.setText("")
        self.note.setText("")
        self.note.hide()
        self._show_stats(None)
        self._show_histogram()
        self._show_picture()

    def show_tensor(self, name: str, tensor: torch.Tensor | None,
                    grad_norm: float | None = None) -> None:
        self._name = name
        self.title.setText(name)
        if tensor is None:
            self._summary = TensorSummary()
            self.shape_label.setText("")
            self._set_note(self.tr("No tensor of this name in the model."))
            self._show_stats(None)
        else:
            summary = summarize_tensor(tensor)
            self._summary = summary
            text = (self.tr("{shape} · {numel} value · {dtype} · {device}") if summary.numel == 1
                    else self.tr("{shape} · {numel} values · {dtype} · {device}"))
            self.shape_label.setText(text.format(
                shape=_shape_text(summary.shape), numel=f"{summary.numel:,}",
                dtype=summary.dtype, device=summary.device))
            self._set_note(self._note_for(summary))
            self._show_stats(grad_norm)
        self._show_histogram()
        self._show_picture()

    def stats(self) -> dict[str, float]:
        s = self._summary
        return {"mean": s.mean, "std": s.std, "min": s.min, "max": s.max, "norm": s.norm}

    def picture_kind(self) -> str:
        return self._summary.picture_kind

    def picture_shape(self) -> tuple[int, int] | None:
        picture = self._summary.picture
        return None if picture is None else (int(picture.shape[0]), int(picture.shape[1]))

    def histogram_counts(self) -> list[int]:
        counts = self._summary.counts
        return [] if counts is None else [int(c) for c in counts]

    # ------------------------------------------------------------------ drawing

    def _note_for(self, s: TensorSummary) -> str:
        if s.is_meta:
            return self.tr("A meta tensor has a shape but no values.")
        if s.numel == 0:
            return self.tr("Empty tensor.")
        if not s.is_float:
            return self.tr("Not a floating-point tensor: no histogram.")
        if s.is_complex:
            return self.tr("Complex tensor: statistics of the magnitudes.")
        return ""

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _show_stats(self, grad_norm: float | None) -> None:
        s = self._summary
        for key, value in (("mean", s.mean), ("std", s.std), ("min", s.min), ("max", s.max),
                           ("norm", s.norm)):
            self._stat_labels[key].setText(_fmt(value))
        self._stat_labels["grad"].setText("—" if grad_norm is None else _fmt(grad_norm))
        if s.nan_count or s.inf_count:
            self.nonfinite.setText(self.tr(
                "{nan} NaN and {inf} infinite values are left out of the statistics"
            ).format(nan=f"{s.nan_count:,}", inf=f"{s.inf_count:,}"))
            self.nonfinite.show()
        else:
            self.nonfinite.hide()

    def _show_histogram(self) -> None:
        s = self._summary
        if s.counts is None or s.edges is None:
            self._curve.setData([], [])
            self.histogram.hide()
            return
        self._curve.setData(s.edges, s.counts.astype(np.float64))
        self.histogram.show()

    def _show_picture(self) -> None:
        s = self._summary
        if s.picture_kind == "filters" and s.picture is not None:
            self.filters_image.setImage(s.picture, levels=s.picture_levels, autoLevels=False)
            self.filters_view.show()
            self.heatmap_view.hide()
            caption = self.tr("{shown} filters, each averaged over its input channels "
                              "and scaled on its own").format(shown=s.filters_shown)
            if s.filters_shown < s.filters_total:
                caption += self.tr(" (first {shown} of {total})").format(
                    shown=s.filters_shown, total=s.filters_total)
            self.picture_caption.setText(caption)
            self.picture_area.show()
        elif s.picture_kind == "heatmap" and s.picture is not None:
            self.heatmap_image.setImage(s.picture, levels=s.picture_levels, autoLevels=False)
            rows, cols = s.shape  # axes count the tensor's rows and columns, not the pixels
            self.heatmap_image.setRect(QRectF(0, 0, cols, rows))
            self.colorbar.setLevels(s.picture_levels)
            self.heatmap_view.show()
            self.filters_view.hide()
            caption = self.tr("rows: outputs, columns: inputs; colours centred at 0")
            if s.downsampled:
                caption += self.tr(" (averaged down to {rows} × {cols})").format(
                    rows=s.picture.shape[0], cols=s.picture.shape[1])
            self.picture_caption.setText(caption)
            self.picture_area.show()
        else:
            self.picture_area.hide()

    def _apply_palette(self) -> None:
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        for view in (self.histogram, self.filters_view, self.heatmap_view):
            view.setBackground(background)
            for name in ("left", "bottom"):
                axis = view.getAxis(name)
                axis.setPen(pg.mkPen(foreground))
                axis.setTextPen(pg.mkPen(foreground))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)


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
        name = self.tree.selected_name()
        if name is None or self.tree.selected_kind() == MODULE:
            self.inspector.clear()
            return
        self.inspector.show_tensor(name, find_tensor(self._model, name),
                                   self._grad_norms.get(name))

    @Slot(str)
    def _on_tensor_selected(self, name: str) -> None:
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
    "TensorSummary",
    "apply_freeze_to_model",
    "filter_grid_shape",
    "find_tensor",
    "summarize_tensor",
]
