"""How the trained network does on the validation images.

A headline (accuracy and loss), per-class accuracy as a bar chart, the confusion matrix as a
table whose cells are shaded by their counts, and a gallery of images: by default the most
confidently wrong ones, or those of whichever confusion cell was clicked last.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import pyqtgraph as pg  # noqa: E402

from netbuilder.gui.text import fill
from netbuilder.gui.training.regression_view import RegressionView  # noqa: E402

if TYPE_CHECKING:
    from netbuilder.core.training import Evaluation

INDEX_ROLE = Qt.ItemDataRole.UserRole + 1  # gallery: index into the evaluated images
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2  # confusion table: the cell's count
THUMBNAIL = 56  # pixels: 28×28 digits at twice their size
MAX_GALLERY = 1000  # thumbnails at most; a cell of a large test set may hold more
CORRECT_TINT = QColor("#2f9e55")
WRONG_TINT = QColor("#d64545")


# -- pure helpers (no widgets) -------------------------------------------------------------------


def _luminance(colour: QColor) -> float:
    """Relative luminance (WCAG) from 0 (black) to 1 (white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def cell_colours(count: int, row_total: int, diagonal: bool, base: QColor, text: QColor
                 ) -> tuple[QColor, QColor]:
    """Background and text colour of a confusion cell.

    The background is the palette's base blended towards green (diagonal) or red (elsewhere),
    more so the larger the cell's share of its true class; the square root keeps rare mistakes
    visible. The text is the palette's text colour if it stays readable, else black or white.
    """
    if count <= 0 or row_total <= 0:
        return QColor(base), QColor(text)
    share = min(1.0, count / row_total)
    alpha = 0.18 + 0.62 * math.sqrt(share)
    tint = CORRECT_TINT if diagonal else WRONG_TINT
    background = QColor.fromRgbF(
        base.redF() * (1 - alpha) + tint.redF() * alpha,
        base.greenF() * (1 - alpha) + tint.greenF() * alpha,
        base.blueF() * (1 - alpha) + tint.blueF() * alpha,
    )
    if contrast_ratio(background, text) >= 4.5:
        return background, QColor(text)
    black, white = QColor("#000000"), QColor("#ffffff")
    best = max((black, white), key=lambda c: contrast_ratio(background, c))
    return background, best


def images_as_uint8(images: Any) -> np.ndarray:
    """[N, H, W] grayscale or [N, H, W, 3] RGB uint8 from a tensor or array.

    Accepts [N, 1, H, W], [N, 3, H, W] or [N, H, W]; floats in [0, 1] (as the model sees
    them) or [0, 255]; anything else (normalised data) is stretched to the set's range.
    """
    if hasattr(images, "detach"):  # a torch tensor, without importing torch here
        images = images.detach().cpu().numpy()
    array = np.asarray(images)
    if array.ndim == 4:
        channels = array.shape[1]
        array = array[:, 0] if channels != 3 else array.transpose(0, 2, 3, 1)
    elif array.ndim != 3:
        raise ValueError(f"images: expected [N, C, H, W] or [N, H, W], got {list(array.shape)}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    array = array.astype(np.float32, copy=False)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.uint8)
    low, high = float(array.min()), float(array.max())
    if low >= 0.0 and high <= 1.0:
        array = array * 255.0
    elif not (low >= 0.0 and high <= 255.0):
        array = (array - low) * (255.0 / (high - low if high > low else 1.0))
    return np.ascontiguousarray(np.clip(np.rint(array), 0, 255).astype(np.uint8))


def thumbnail(image: np.ndarray, size: int = THUMBNAIL) -> QPixmap:
    """A uint8 [H, W] or [H, W, 3] image as a pixmap ``size`` pixels across, pixels kept sharp."""
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    if image.ndim == 3:
        qimage = QImage(image.tobytes(), width, height, width * 3, QImage.Format.Format_RGB888)
    else:
        qimage = QImage(image.tobytes(), width, height, width, QImage.Format.Format_Grayscale8)
    # The bytes object above dies with this function: copy the pixels into the QImage's own.
    return QPixmap.fromImage(qimage.copy()).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)


# -- the view ------------------------------------------------------------------------------------


class EvaluationView(QWidget):
    """Accuracy, per-class accuracy, confusion matrix and example images of one evaluation."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evaluation_view")
        self._result: Evaluation | None = None
        self._images: np.ndarray | None = None
        self._labels: list[int] = []
        self._names: list[str] = []
        self._shown_cell: tuple[int, int] | None = None  # None: the most confidently wrong
        self._bars: pg.BarGraphItem | None = None
        self._bar_labels: list[pg.TextItem] = []

        self.hint = QLabel(self.tr("Train or pause a run to see how the network does on the "
                                   "validation images"), self)
        self.hint.setObjectName("evaluation_hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # drawn in the palette's muted text colour

        content = QWidget(self)
        self.accuracy_label = QLabel(content)
        self.accuracy_label.setObjectName("accuracy_label")
        font = QFont(self.accuracy_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.25 if font.pointSizeF() > 0 else 12)
        font.setBold(True)
        self.accuracy_label.setFont(font)
        self.accuracy_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)

        self.per_class_plot = pg.PlotWidget(content)
        self.per_class_plot.setObjectName("per_class_plot")
        self.per_class_plot.setAccessibleName(self.tr("Accuracy per class"))
        self.per_class_plot.setMinimumSize(240, 160)
        self.per_class_plot.setMouseEnabled(x=False, y=False)
        self.per_class_plot.setMenuEnabled(False)
        self.per_class_plot.hideButtons()
        self.per_class_plot.setTitle(self.tr("Accuracy per class"))
        left = self.per_class_plot.getAxis("left")
        left.setTicks([[(v / 4, f"{v * 25} %") for v in range(5)]])
        left.setWidth(48)  # room for "100 %" from the first paint on
        self.per_class_plot.setLabel("bottom", self.tr("True class"))

        self.confusion_table = QTableWidget(content)
        self.confusion_table.setObjectName("confusion_table")
        self.confusion_table.setAccessibleName(self.tr("Confusion matrix"))
        self.confusion_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.confusion_table.setToolTip(self.tr(
            "Rows: the true class; columns: the predicted class. Click a cell to see its images."))
        for header in (self.confusion_table.horizontalHeader(),
                       self.confusion_table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # the grid fills it
            header.setMinimumSectionSize(24)
        self.confusion_table.setMinimumSize(240, 160)
        self.confusion_table.cellClicked.connect(self._cell_clicked)
        self.confusion_table.currentCellChanged.connect(self._current_cell_changed)
        confusion_caption = QLabel(
            self.tr("Confusion matrix: rows are the true class, columns the predicted one"),
            content)
        confusion_caption.setWordWrap(True)

        self.gallery_title = QLabel(content)
        self.gallery_title.setObjectName("gallery_title")
        bold = QFont(self.gallery_title.font())
        bold.setBold(True)
        self.gallery_title.setFont(bold)
        self.wrong_button = QPushButton(self.tr("Show the most confidently wrong"), content)
        self.wrong_button.setObjectName("wrong_button")
        self.wrong_button.clicked.connect(self.show_most_confident_wrong)
        self.wrong_button.hide()

        self.gallery = QListWidget(content)
        self.gallery.setObjectName("gallery")
        self.gallery.setAccessibleName(self.tr("Most confidently wrong examples"))
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.gallery.setGridSize(QSize(THUMBNAIL + 40, THUMBNAIL + 30))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setUniformItemSizes(True)
        self.gallery.setWordWrap(True)
        self.gallery.setMinimumHeight(THUMBNAIL + 40)

        top = QSplitter(Qt.Orientation.Horizontal, content)
        top.setChildrenCollapsible(False)
        top.addWidget(self.per_class_plot)
        table_box = QWidget(top)
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(confusion_caption)
        table_layout.addWidget(self.confusion_table, 1)
        top.addWidget(table_box)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)

        bottom = QWidget(content)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.gallery_title, 1)
        title_row.addWidget(self.wrong_button)
        bottom_layout.addLayout(title_row)
        bottom_layout.addWidget(self.gallery, 1)

        split = QSplitter(Qt.Orientation.Vertical, content)
        split.setChildrenCollapsible(False)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        content_layout = QVBoxLayout(content)
        content_layout.addWidget(self.accuracy_label)
        content_layout.addWidget(split, 1)

        self.regression = RegressionView(self)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(content)
        self._stack.addWidget(self.regression)
        self._content = content
        self._apply_palette()

    # -- public ----------------------------------------------------------------------------------

    def show_result(self, result: Evaluation, images: Any, labels: Any,
                    class_names: list[str]) -> None:
        """Show ``result`` of evaluating ``images`` (in the order of its predictions).

        ``images`` is a CPU tensor or array [N, 1, H, W] (uint8, or floats in [0, 1]), or None
        for rows of a table (no gallery); ``labels`` their true classes; ``class_names`` one
        name per class. A regression's result (RMSE, R²) shows the predicted-vs-true plot, with
        ``labels`` the true values and ``class_names`` the target's name.
        """
        if hasattr(result, "rmse"):
            values = labels.tolist() if hasattr(labels, "tolist") else labels
            self._result = None
            self.regression.show_result(result, [v[0] if isinstance(v, list) else v
                                                 for v in values],
                                        class_names[0] if class_names else "y")
            self._stack.setCurrentWidget(self.regression)
            return
        labels = [int(v) for v in (labels.tolist() if hasattr(labels, "tolist") else labels)]
        pixels = images_as_uint8(images) if images is not None else None
        self.gallery.setVisible(pixels is not None)
        if pixels is not None and len(pixels) != len(labels):
            raise ValueError(f"{len(pixels)} images but {len(labels)} labels")
        if result.predictions and len(result.predictions) != len(labels):
            raise ValueError(f"{len(result.predictions)} predictions but {len(labels)} labels")
        classes = len(result.confusion)
        names = [str(n) for n in class_names][:classes]
        names += [str(i) for i in range(len(names), classes)]
        self._result, self._images, self._labels, self._names = result, pixels, labels, names
        self._fill_headline()
        self._fill_plot()
        self._fill_table()
        self.show_most_confident_wrong()
        self._stack.setCurrentWidget(self._content)

    def clear(self) -> None:
        """Back to the hint; forget the result and its images."""
        self._result, self._images, self._labels, self._names = None, None, [], []
        self._shown_cell = None
        self.accuracy_label.clear()
        self.per_class_plot.clear()
        self._bars, self._bar_labels = None, []
        self.confusion_table.clear()
        self.confusion_table.setRowCount(0)
        self.confusion_table.setColumnCount(0)
        self.gallery.clear()
        self.gallery_title.clear()
        self.wrong_button.hide()
        self._stack.setCurrentWidget(self.hint)

    def has_result(self) -> bool:
        return self._result is not None

    def show_most_confident_wrong(self) -> None:
        """The gallery's default: the wrong predictions made with the most confidence."""
        result = self._result
        if result is None:
            return
        self._shown_cell = None
        blocked = self.confusion_table.blockSignals(True)
        self.confusion_table.clearSelection()
        self.confusion_table.setCurrentCell(-1, -1)
        self.confusion_table.blockSignals(blocked)
        wrong = result.most_confident_wrong
        self._fill_gallery([(w.index, w.true, w.predicted, w.confidence) for w in wrong])
        if wrong:
            self.gallery_title.setText(self.tr("Most confidently wrong"))
        elif result.count and result.accuracy >= 1.0:
            self.gallery_title.setText(self.tr(
                "Most confidently wrong: none, every validation image is right"))
        else:
            self.gallery_title.setText(self.tr("Most confidently wrong: none were kept"))
        self.wrong_button.hide()

    def show_cell(self, true: int, predicted: int) -> None:
        """The images of class ``true`` that the network predicted as ``predicted``."""
        result = self._result
        if result is None or not (0 <= true < len(self._names)
                                  and 0 <= predicted < len(self._names)):
            return
        self._shown_cell = (true, predicted)
        names = self._names
        if not result.predictions:
            self._fill_gallery([])
            self.gallery_title.setText(fill(self.tr(
                "True %1, predicted %2: the images were not kept with this result"),
                names[true], names[predicted]))
        else:
            indices = result.examples(true, predicted, self._labels)
            confidences = result.confidences
            self._fill_gallery([(i, true, predicted,
                                 confidences[i] if i < len(confidences) else math.nan)
                                for i in indices[:MAX_GALLERY]])
            count = (self.tr("no images") if not indices else self.tr("1 image")
                     if len(indices) == 1 else fill(self.tr("%1 images"), f"{len(indices):,}"))
            title = fill(self.tr("True %1, predicted %2: %3"), names[true], names[predicted],
                         count)
            if len(indices) > MAX_GALLERY:
                title += fill(self.tr(" (showing the first %1)"), f"{MAX_GALLERY:,}")
            self.gallery_title.setText(title)
        self.wrong_button.setVisible(bool(result.most_confident_wrong))

    # -- helpers for tests and callers -----------------------------------------------------------

    def gallery_indices(self) -> list[int]:
        """Indices (into the evaluated images) of the gallery's images, in order."""
        return [int(self.gallery.item(i).data(INDEX_ROLE)) for i in range(self.gallery.count())]

    def confusion_total(self) -> int:
        """The sum of the confusion table's counts."""
        table = self.confusion_table
        return sum(int(table.item(r, c).data(COUNT_ROLE))
                   for r in range(table.rowCount()) for c in range(table.columnCount())
                   if table.item(r, c) is not None)

    def shown_cell(self) -> tuple[int, int] | None:
        """(true, predicted) of the cell the gallery shows, or None for the most wrong."""
        return self._shown_cell

    # -- filling ---------------------------------------------------------------------------------

    def _fill_headline(self) -> None:
        result = self._result
        assert result is not None
        total = len(result.predictions) or len(self._labels) or result.count
        correct = round(result.accuracy * total)
        text = fill(self.tr("Validation accuracy %1 % (%2 of %3)"),
                    f"{result.accuracy * 100:.2f}", f"{correct:,}", f"{total:,}")
        loss = fill(self.tr("loss %1"), f"{result.loss:.4g}")
        self.accuracy_label.setText(f"{text} · {loss}")

    def _fill_plot(self) -> None:
        result = self._result
        assert result is not None
        plot = self.per_class_plot
        plot.clear()
        values = [float(v) for v in result.per_class_accuracy]
        x = list(range(len(values)))
        self._bars = pg.BarGraphItem(x=x, height=values, width=0.7)
        plot.addItem(self._bars)
        self._bar_labels = []
        for i, value in enumerate(values):
            label = pg.TextItem(f"{value * 100:.0f}", anchor=(0.5, 1.0))
            label.setPos(i, value)
            plot.addItem(label)
            self._bar_labels.append(label)
        plot.getAxis("bottom").setTicks([[(i, name) for i, name in enumerate(self._names)]])
        plot.setXRange(-0.6, max(0, len(values) - 1) + 0.6, padding=0)
        plot.setYRange(0.0, 1.12, padding=0)
        self._colour_plot()

    def _fill_table(self) -> None:
        result = self._result
        assert result is not None
        table, names = self.confusion_table, self._names
        blocked = table.blockSignals(True)
        table.clear()
        table.setRowCount(len(names))
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        for c, name in enumerate(names):
            table.horizontalHeaderItem(c).setToolTip(fill(self.tr("Predicted %1"), name))
            table.verticalHeaderItem(c).setToolTip(fill(self.tr("True %1"), name))
        for r, row in enumerate(result.confusion):
            row_total = sum(row)
            for c, count in enumerate(row):
                item = QTableWidgetItem(str(count))
                item.setData(COUNT_ROLE, int(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                share = f"{count / row_total * 100:.1f}" if row_total else "0"
                item.setToolTip(fill(self.tr(
                    "True %1, predicted %2: %3 (%4 % of the %1s)"),
                    names[r], names[c], count, share))
                table.setItem(r, c, item)
        self._colour_table()
        table.blockSignals(blocked)

    def _fill_gallery(self, entries: list[tuple[int, int, int, float]]) -> None:
        """Thumbnails for (index, true, predicted, confidence) entries, in order."""
        self.gallery.clear()
        images, names = self._images, self._names
        if images is None:
            return
        for index, true, predicted, confidence in entries:
            percent = "?" if math.isnan(confidence) else f"{confidence * 100:.0f}"
            caption = f"{names[true]} → {names[predicted]} ({percent} %)"
            item = QListWidgetItem(QIcon(thumbnail(images[index])), caption)
            item.setData(INDEX_ROLE, int(index))
            item.setToolTip(fill(self.tr(
                "Validation image #%1\ntrue: %2\npredicted: %3 with %4 % confidence"),
                index, names[true], names[predicted], percent))
            self.gallery.addItem(item)

    # -- colours ---------------------------------------------------------------------------------

    def _apply_palette(self) -> None:
        self._colour_plot()
        self._colour_table()

    def _colour_plot(self) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        plot = self.per_class_plot
        plot.setBackground(base)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        plot.getPlotItem().titleLabel.setText(self.tr("Accuracy per class"), color=text)
        plot.setLabel("bottom", self.tr("True class"), color=text.name())
        if self._bars is not None:
            bar = palette.color(QPalette.ColorRole.Highlight)
            self._bars.setOpts(brush=pg.mkBrush(bar), pen=pg.mkPen(bar.darker(130)))
        for label in self._bar_labels:
            label.setColor(text)

    def _colour_table(self) -> None:
        result = self._result
        if result is None:
            return
        # The view's own palette: on a palette change it arrives here before the children's.
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        if contrast_ratio(base, muted) < 2.5:
            muted = text
        for r, row in enumerate(result.confusion):
            row_total = sum(row)
            for c, count in enumerate(row):
                item = self.confusion_table.item(r, c)
                if item is None:
                    continue
                background, foreground = cell_colours(count, row_total, r == c, base, text)
                item.setBackground(QBrush(background))
                item.setForeground(QBrush(foreground if count else muted))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    # -- clicks ----------------------------------------------------------------------------------

    def _cell_clicked(self, row: int, column: int) -> None:
        if self._shown_cell != (row, column):
            self.show_cell(row, column)

    def _current_cell_changed(self, row: int, column: int, _old_row: int, _old_column: int
                              ) -> None:
        """Moving through the table with the keyboard shows each cell's images too."""
        if row >= 0 and column >= 0 and self._shown_cell != (row, column):
            self.show_cell(row, column)
