"""How a regression does on its validation rows: R², RMSE, MAE and a predicted-vs-true plot.

It takes the confusion matrix's place in the Evaluation panel when the dataset's target is a
number (a CSV regression). Points on the diagonal are exact; the further a point lies from it,
the worse that row's prediction.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from netbuilder.gui.text import fill

MAX_POINTS = 20_000  # a scatter of more rows says no more and draws slowly


class RegressionView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("regression_view")
        self.headline = QLabel(self)
        self.headline.setObjectName("regression_headline")
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.25 if font.pointSizeF() > 0 else 12)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = pg.PlotWidget(self)
        self.plot.setObjectName("regression_plot")
        self.plot.setAccessibleName(self.tr("Predicted against true"))
        self.plot.setMinimumSize(240, 160)
        self.plot.setTitle(self.tr("Predicted against true, one point per validation row"))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(61, 123, 217, 150))
        self.diagonal = pg.PlotCurveItem(pen=pg.mkPen((128, 128, 128), width=1,
                                                     style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.diagonal)
        self.plot.addItem(self.points)
        self._apply_palette()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.plot, 1)

    def show_result(self, result, targets: list[float], target_name: str) -> None:
        """``result`` a core.evaluation.RegressionEvaluation of rows whose true values are
        ``targets`` (in the order of its predictions)."""
        self.headline.setText(fill(
            self.tr("Validation R² %1 · RMSE %2 · MAE %3 · loss %4"), f"{result.r2:.4f}",
            f"{result.rmse:.4g}", f"{result.mae:.4g}", f"{result.loss:.4g}"))
        predicted = np.asarray([row[0] if isinstance(row, list) else row
                                for row in result.predictions], dtype=np.float64)
        true = np.asarray(targets, dtype=np.float64).reshape(-1)[:len(predicted)]
        predicted, true = predicted[:MAX_POINTS], true[:MAX_POINTS]
        self.points.setData(x=true, y=predicted)
        if len(true):
            low = float(min(true.min(), predicted.min()))
            high = float(max(true.max(), predicted.max()))
            self.diagonal.setData([low, high], [low, high])
        else:
            self.diagonal.setData([], [])
        self.plot.setLabel("bottom", fill(self.tr("true %1"), target_name))
        self.plot.setLabel("left", fill(self.tr("predicted %1"), target_name))

    def _apply_palette(self) -> None:
        """The window's colours, light or dark, as the other evaluation plots use them."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.plot.getPlotItem().titleLabel.setText(
            self.tr("Predicted against true, one point per validation row"), color=text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def point_count(self) -> int:
        return len(self.points.data)
