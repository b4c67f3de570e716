"""The inspector of one tensor: statistics, a histogram and, for conv and linear weights, a
picture (a grid of filters, or a heat map centred at 0).

The numbers come from :mod:`netbuilder.core.tensor_stats`; this file only draws them.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QPalette  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.text import fill  # noqa: E402

if TYPE_CHECKING:
    import torch

    from netbuilder.core.tensor_stats import TensorSummary


HISTOGRAM_COLOR = "#3b82f6"
NAN_COLOR = "#ef4444"


def diverging_colormap() -> pg.ColorMap:
    """Blue – near white – red, centred on the middle of the levels."""
    return pg.ColorMap(
        pos=np.array([0.0, 0.5, 1.0]),
        color=np.array([[59, 76, 192, 255], [242, 242, 242, 255], [180, 4, 38, 255]],
                       dtype=np.ubyte),
        name="netbuilder-diverging",
    )



def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.6g}"


class TensorInspector(QWidget):
    """Statistics, histogram and picture of one tensor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from netbuilder.core.tensor_stats import HIST_BINS, TensorSummary

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
        self.histogram.setAccessibleName(self.tr("Histogram of the values"))
        self.histogram.setMenuEnabled(False)
        self.histogram.setMouseEnabled(x=False, y=False)
        self.histogram.hideButtons()
        self.histogram.setMinimumHeight(120)
        self.histogram.setToolTip(fill(self.tr("Histogram of the values (%1 bins)"), HIST_BINS))
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
        self.filters_view.setAccessibleName(self.tr("Filters as images"))
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
        self.heatmap_view.setAccessibleName(self.tr("Values as a heat map"))
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
        from netbuilder.core.tensor_stats import TensorSummary

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
        from netbuilder.core.tensor_stats import TensorSummary, shape_text, summarize_tensor

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
            text = (self.tr("%1 · %2 value · %3 · %4") if summary.numel == 1
                    else self.tr("%1 · %2 values · %3 · %4"))
            self.shape_label.setText(fill(text, shape_text(summary.shape), f"{summary.numel:,}",
                                          summary.dtype, summary.device))
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
            self.nonfinite.setText(fill(self.tr(
                "%1 NaN and %2 infinite values are left out of the statistics"
            ), f"{s.nan_count:,}", f"{s.inf_count:,}"))
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
            caption = fill(self.tr("%1 filters, each averaged over its input channels "
                                   "and scaled on its own"), s.filters_shown)
            if s.filters_shown < s.filters_total:
                caption += fill(self.tr(" (first %1 of %2)"), s.filters_shown, s.filters_total)
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
                caption += fill(self.tr(" (averaged down to %1 × %2)"),
                                s.picture.shape[0], s.picture.shape[1])
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

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)
