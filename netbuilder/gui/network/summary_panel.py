"""Totals and problems of the network, and the data it is built for.

The dataset sets the input shape and the number of classes; both stay editable. Clicking a
problem selects the layer it is about.

The totals, the memory estimate and the problems walk the whole network, so after an edit they
follow once the edits settle (a single-shot timer coalesces a burst of edits into one refresh),
and not at all while the panel is hidden in a shown window (it catches up when shown).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.analysis_result import format_shape
from netbuilder.core.memory import DEFAULT_BATCH, estimate_memory, megabytes
from netbuilder.core.registry import DATASETS
from netbuilder.gui.text import fill, plural

PATH_ROLE = Qt.ItemDataRole.UserRole + 3
SETTLE_MS = 60  # totals, memory and problems follow edits after this pause


def parse_shape(text: str) -> list[int] | None:
    parts = [p for p in re.split(r"[,\s×]+", text.strip()) if p]
    if not all(p.isdigit() for p in parts):
        return None
    values = [int(p) for p in parts]
    return values if values and all(v >= 1 for v in values) and len(values) <= 6 else None


class SummaryPanel(QWidget):
    dataset_chosen = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("summary_panel")
        self.document = document
        self.dataset = QComboBox(self)
        self.dataset.setObjectName("dataset_combo")
        self.dataset.setAccessibleName(self.tr("Dataset"))
        # A chosen folder's or table's path can be long: it is elided in the box (the list shows
        # it whole), so the panel keeps the width of its dock.
        self.dataset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(12)
        for name in DATASETS:
            self.dataset.addItem(name, name)
        self.input_shape = QLineEdit(self)
        self.input_shape.setObjectName("input_shape_edit")
        self.input_shape.setToolTip(self.tr("Shape of one sample, without the batch: "
                                            "channels, height, width"))
        self.classes = QSpinBox(self)
        self.classes.setObjectName("classes_spin")
        self.classes.setRange(0, 100000)
        self.classes.setSpecialValueText(self.tr("not set"))
        self.shape_error = QLabel(self)
        self.shape_error.setStyleSheet("color: #c62828")
        self.shape_error.hide()
        self.totals = QLabel(self)
        self.totals.setObjectName("totals_label")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.memory = QLabel(self)
        self.memory.setObjectName("memory_label")
        self.memory.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.memory.setWordWrap(True)
        self.memory.setToolTip(self.tr(
            "Estimated from the shapes, in float32 (4 bytes a value). Forward: the most "
            "activations alive at once when the network classifies a batch, weights not "
            "included. Training step: weights, gradients, the optimizer's state (Adam keeps 2 "
            "values per weight) and the activations kept for the backward pass. Kernels' "
            "scratch space and the allocator's rounding are not counted."))
        self._training = (DEFAULT_BATCH, "adam", 0.9)  # until the session's settings arrive
        self.normalize = QPushButton(self)
        self.normalize.setObjectName("normalize_button")
        self.normalize.setToolTip(self.tr(
            "Put a Normalize layer first: it subtracts each channel's mean and divides by its "
            "standard deviation, measured on the training images, so the weights still take "
            "images in [0, 1]"))
        self.normalize.hide()
        self.normalize.clicked.connect(self._add_normalize)
        self._stats: tuple[list[float], list[float]] | None = None
        self.problems = QListWidget(self)
        self.problems.setObjectName("problems_list")
        self.problems.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Dataset"), self.dataset)
        form.addRow(self.tr("Input shape"), self.input_shape)
        form.addRow("", self.shape_error)
        form.addRow(self.tr("Classes"), self.classes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.totals)
        layout.addWidget(self.memory)
        layout.addWidget(self.normalize)
        layout.addWidget(QLabel(self.tr("Problems"), self))
        layout.addWidget(self.problems, 1)
        self.dataset.activated.connect(self._dataset_activated)
        self.input_shape.editingFinished.connect(self._input_shape_edited)
        self.input_shape.textEdited.connect(self._check_shape_text)
        self.classes.valueChanged.connect(self._classes_changed)
        self.problems.itemClicked.connect(self._problem_clicked)
        self.problems.itemActivated.connect(self._problem_clicked)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = False
        document.changed.connect(self._document_changed)
        self.refresh()

    def _document_changed(self) -> None:
        """The cheap rows at once; the totals, memory and problems when the edits settle."""
        self._show_data()
        self._stale = True
        if not (self.window().isVisible() and not self.isVisible()):
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start()

    def _show_data(self) -> None:
        self._update_normalize()
        spec = self.document.spec
        if not self.input_shape.hasFocus():
            self.input_shape.setText(", ".join(str(v) for v in spec.input_shape))
        self.classes.blockSignals(True)
        self.classes.setValue(spec.num_classes or 0)
        self.classes.blockSignals(False)

    def refresh(self) -> None:
        """Everything the panel shows, now."""
        self._timer.stop()
        self._stale = False
        self._show_data()
        if not self.document.ready:  # torch is loading: no counts to give yet
            self.totals.setText("…")
            self.memory.setText("")
            self.problems.clear()
            return
        analysis = self.document.analysis
        errors, warnings = len(analysis.errors), len(analysis.warnings)
        out = format_shape(analysis.output_shape)
        self.totals.setText("<br>".join([
            fill(self.tr("<b>%1</b> parameters (%2 trainable, %3 frozen)"),
                 f"{analysis.total_params:,}", f"{analysis.trainable_params:,}",
                 f"{analysis.frozen_params:,}"),
            fill(self.tr("<b>%1</b> MACs per sample · %2 MB"), f"{analysis.macs:,}",
                 f"{analysis.size_mb:.2f}"),
            fill(self.tr("output %1 · <span style='color:%2'>%3</span> · "
                         "<span style='color:%4'>%5</span>"),
                 out, "#c62828" if errors else "gray",
                 plural(errors, self.tr("1 error"), self.tr("%1 errors")),
                 "#e0a000" if warnings else "gray",
                 plural(warnings, self.tr("1 warning"), self.tr("%1 warnings")))]))
        self._show_memory()
        self.problems.clear()
        for finding in analysis.errors + analysis.warnings:
            text = str(finding)
            item = QListWidgetItem(("✖ " if finding.severity == "error" else "⚠ ") + text)
            item.setData(PATH_ROLE, finding.path)
            item.setToolTip(text)
            item.setForeground(QBrush(QColor("#c62828" if finding.severity == "error"
                                             else "#b07800")))
            self.problems.addItem(item)
        if not errors and not warnings:
            self.problems.addItem(QListWidgetItem(self.tr("No problems found.")))

    def bind(self, session) -> None:
        """Follow the session's training settings: the memory row is for their batch size and
        optimizer."""
        self._session = session
        session.config_changed.connect(self._config_changed)
        session.replaced.connect(self._config_changed)
        self._config_changed()

    def _config_changed(self) -> None:
        self.set_training(self._session.config)

    def set_training(self, config) -> None:
        """Training settings (a TrainConfig) the memory row is computed for."""
        self._training = (config.batch_size, config.optimizer, config.momentum)
        self._show_memory()

    def _show_memory(self) -> None:
        if not self.document.ready:  # refresh() shows it once the shapes are known
            return
        batch, optimizer, momentum = self._training
        try:
            estimate = estimate_memory(self.document.spec, self.document.analysis, batch,
                                       optimizer, momentum, self.document.loss)
        except ValueError:  # settings the Training panel refuses too: no figure to give
            estimate = None
        if estimate is None:
            self.memory.setText(fill(self.tr("Memory (batch %1): unknown until the shapes "
                                             "fit"), batch))
            return
        self.memory.setText(fill(self.tr("Memory (batch %1): forward %2, training step %3"),
                                 batch, megabytes(estimate.forward_bytes),
                                 megabytes(estimate.training_bytes)))

    def set_dataset(self, name: str) -> None:
        index = self.dataset.findData(name)
        if index < 0:
            self.dataset.addItem(name, name)
            index = self.dataset.count() - 1
        self.dataset.setCurrentIndex(index)

    def _dataset_activated(self, index: int) -> None:
        name = self.dataset.itemData(index)
        self.dataset_chosen.emit(name)
        info = DATASETS.get(name)
        if info is not None:
            shape, classes = list(info.input_shape), info.num_classes
            if shape != self.document.spec.input_shape or classes != self.document.spec.num_classes:
                self._set_data_shape(shape, classes,
                                     fill(self.tr("Use the shape of %1"), name))

    def offer_data_shape(self, shape: list, classes: int, name: str, stats: list) -> None:
        """A chosen folder or table was read: the network takes its input shape and number of
        classes (or outputs), as one undoable edit, when they differ. ``stats`` ([means,
        deviations] per channel of its training images, or []) are offered as a Normalize
        layer."""
        spec = self.document.spec
        if list(shape) != list(spec.input_shape) or classes != spec.num_classes:
            from netbuilder.core.registry import csv_path, folder_path

            short = PurePath(folder_path(name) or csv_path(name) or name).name or name
            self._set_data_shape(shape, classes, fill(self.tr("Use the shape of %1"), short))
        self._stats = (list(stats[0]), list(stats[1])) if len(stats) == 2 else None
        self._update_normalize()

    def _update_normalize(self) -> None:
        items = self.document.spec.items
        starts_normalized = bool(items) and getattr(items[0], "kind", "") == "Normalize"
        if self._stats is None or starts_normalized:
            self.normalize.hide()
            return
        means = ", ".join(f"{m:.3f}" for m in self._stats[0])
        self.normalize.setText(fill(self.tr("Normalize the input (mean %1)"), means))
        self.normalize.show()

    def _add_normalize(self) -> None:
        if self._stats is None:
            return
        mean = [round(m, 4) for m in self._stats[0]]
        std = [round(v, 4) for v in self._stats[1]]

        def change(spec):
            from netbuilder.core import editing
            from netbuilder.core.spec import LayerSpec

            layer = LayerSpec("Normalize", editing.fresh_name(spec, "normalize"),
                              {"mean": mean, "std": std})
            return editing.insert(spec, "", 0, [layer])

        self.document.edit(self.tr("Normalize the input"), change)

    def _set_data_shape(self, shape, classes, text) -> None:
        def change(spec):
            spec.input_shape = list(shape)
            spec.num_classes = classes
            return None

        self.document.edit(text, change)

    def _check_shape_text(self, text: str) -> bool:
        ok = parse_shape(text) is not None
        self.shape_error.setVisible(not ok)
        self.shape_error.setText(self.tr("expected 1 to 6 integers ≥ 1 separated by commas, "
                                         "e.g. 1, 28, 28"))
        self.input_shape.setStyleSheet("" if ok else "border: 2px solid #c62828")
        return ok

    def _input_shape_edited(self) -> None:
        shape = parse_shape(self.input_shape.text())
        if shape is None or not self._check_shape_text(self.input_shape.text()):
            return
        if shape != self.document.spec.input_shape:
            self._set_data_shape(shape, self.document.spec.num_classes,
                                 self.tr("Set input shape"))

    def _classes_changed(self, value: int) -> None:
        classes = value or None
        if classes != self.document.spec.num_classes:
            self._set_data_shape(self.document.spec.input_shape, classes,
                                 self.tr("Set number of classes"))

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.document.select([path])
