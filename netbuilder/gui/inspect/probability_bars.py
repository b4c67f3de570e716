"""Class probabilities as horizontal bars (the Try panel's answer), painted in one pass."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class ProbabilityBars(QWidget):
    """Classes with their probabilities as horizontal bars, best first, the top one
    highlighted: name, bar, percentage on each row."""

    ROW_GAP = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("try_probabilities")
        self.entries: list[tuple[str, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_entries(self, entries: list[tuple[str, float]]) -> None:
        self.entries = list(entries)
        self.updateGeometry()
        self.update()

    def _row_height(self) -> int:
        return self.fontMetrics().height() + self.ROW_GAP

    def sizeHint(self) -> QSize:
        return QSize(320, len(self.entries) * self._row_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(200, len(self.entries) * self._row_height())

    def paintEvent(self, _event) -> None:
        if not self.entries:
            return
        painter = QPainter(self)
        palette = self.palette()
        width = self.width()
        row = self._row_height()
        plain = QFont(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        percent_w = metrics.horizontalAdvance("100.0%") + 6
        name_w = min(max(metrics.horizontalAdvance(name) for name, _p in self.entries) + 16,
                     width * 2 // 5)
        bar_w = max(20, width - name_w - percent_w)
        accent = palette.color(QPalette.ColorRole.Highlight)
        muted = QColor(accent)
        muted.setAlpha(110)
        track = palette.color(QPalette.ColorRole.Mid)
        track.setAlpha(60)
        text = palette.color(QPalette.ColorRole.WindowText)
        for i, (name, probability) in enumerate(self.entries):
            top = i * row
            painter.setFont(bold if i == 0 else plain)
            painter.setPen(text)
            shown = QFontMetrics(painter.font()).elidedText(name, Qt.TextElideMode.ElideRight,
                                                            name_w - 10)
            painter.drawText(QRectF(0, top, name_w - 8, row),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)
            bar = QRectF(name_w, top + row * 0.2, bar_w, row * 0.6)
            painter.fillRect(bar, track)
            painter.fillRect(QRectF(bar.left(), bar.top(),
                                    bar.width() * max(0.0, min(1.0, probability)), bar.height()),
                             accent if i == 0 else muted)
            painter.drawText(QRectF(name_w + bar_w, top, percent_w, row),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             f"{probability:.1%}")
        painter.end()
