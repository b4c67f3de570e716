"""How the training curves look: colours, the log axis's labels, pixmap caching, and the cheap
"live" pen that the batch curves use while points arrive (``plots``).

Painting holds the interpreter lock the training thread needs. Qt's raster engine strokes a
1 px cosmetic pen without antialiasing far faster than an antialiased wide one, and an item
kept as a pixmap is not painted again until it changes.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import pyqtgraph as pg  # noqa: E402
from PySide6.QtGui import QPen  # noqa: E402
from PySide6.QtWidgets import QGraphicsItem  # noqa: E402

CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache

# Colours that read on both a light and a dark background.
BATCH_COLOR = "#3b82f6"
TRAIN_COLOR = "#10b981"
VAL_COLOR = "#f97316"
LR_COLOR = "#a855f7"
OVERLAY_COLORS = ["#ec4899", "#06b6d4", "#eab308", "#ef4444", "#6366f1", "#84cc16", "#14b8a6"]


class LogAxis(pg.AxisItem):
    """Labels only the 1-2-5 minor ticks of a log axis that spans several of them."""

    def logTickStrings(self, values, scale, spacing):
        strings = super().logTickStrings(values, scale, spacing)
        if spacing is not None or len(values) <= 4:
            return strings
        kept = []
        for value, text in zip(values, strings, strict=True):
            mantissa = 10 ** (value - math.floor(value + 1e-9))
            kept.append(text if min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6 else "")
        return kept


def cache_tree(item: QGraphicsItem) -> None:
    """Keep ``item`` and every item inside it as pixmaps (a legend: its samples and labels)."""
    items = [item]
    while items:
        current = items.pop()
        current.setCacheMode(CACHED)
        items.extend(current.childItems())


def set_look(curve: pg.PlotDataItem, finished: QPen, live: bool) -> None:
    """Give ``curve`` its finished pen (antialiased), or while live the same colour as a 1 px
    cosmetic pen without antialiasing."""
    pen = QPen(finished)
    if live:
        pen.setWidth(1)
        pen.setCosmetic(True)
    curve.opts["antialias"] = not live  # setPen passes it on to the line it draws
    curve.setPen(pen)
