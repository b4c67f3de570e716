"""What every layer makes of the digit being drawn: one picture per leaf module.

``ActivationView`` shows the list that ``netbuilder.core.activations.layer_activations`` returns
as a scrollable column, one row per layer: a caption (``features.conv1 · Conv2d · 32×28×28``)
above a picture. Feature maps ``[C, H, W]`` become a grid (``feature_grid``: the first 64 maps,
each scaled on its own), sequences and other ``[T, F]`` outputs an image, vectors ``[F]`` a heat
strip wrapped at 128 cells. Values go through the perceptual "inferno" colour map (dark = low,
bright = high, legible on light and dark palettes); the gaps between maps take the palette's
mid colour.

The pictures are plain ``QLabel`` pixmaps made from uint8 numpy arrays and scaled with nearest
neighbour by Qt, and the row widgets are kept between calls (only the pixmaps and, when they
change, the captions are set again), so one update for the digits CNN costs a few milliseconds
and the column can follow the pen live.

``saliency_pixmap`` draws a digit with its saliency map as a translucent red overlay, for the
draw panel.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

from typing import TYPE_CHECKING  # noqa: E402

import pyqtgraph as pg  # noqa: E402

from netbuilder.gui.text import fill  # noqa: E402

if TYPE_CHECKING:  # torch loads after the window is shown
    import torch

    from netbuilder.core.activations import Activation

COLORMAP = "inferno"
MAX_MAPS = 64  # feature maps shown per layer
TARGET_SIDE = 192  # grids and images are scaled up (whole multiples) towards this many pixels
MAX_SCALE = 8
STRIP_COLUMNS = 128  # vectors wrap after this many cells
STRIP_WIDTH = 256  # pixels a strip row aims at
MAX_CELL = 24  # pixels, the widest a strip cell gets
MIN_STRIP_HEIGHT = 14  # pixels, a one-row strip's height
SALIENCY_COLOR = (230, 32, 32)
SALIENCY_ALPHA = 0.8  # opacity of the overlay where the saliency is 1

GRID, IMAGE, STRIP = "grid", "image", "strip"
BLANK = -1.0  # picture value drawn transparent (the unused cells of a grid's last row)
LEVELS = 254  # colour-map steps; the 8-bit picture's last two indices are the gap and blank
GAP_INDEX, BLANK_INDEX = 254, 255


# ---------------------------------------------------------------------------------------------
# Arrays → pictures


@dataclass
class Picture:
    """One layer's picture before scaling: values in [0, 1], NaN for gaps, BLANK for nothing."""

    layout: str  # GRID, IMAGE or STRIP
    values: np.ndarray  # float32 [h, w]
    scale_x: int
    scale_y: int
    maps_shown: int = 0  # grids: how many of the layer's maps are drawn
    maps_total: int = 0


def _normalised(values: np.ndarray) -> np.ndarray:
    """``values`` scaled to [0, 1] by their finite range; constant → 0, non-finite → NaN."""
    values = values.astype(np.float32, copy=False)
    finite = np.isfinite(values)
    if not finite.any():
        return np.full(values.shape, np.nan, dtype=np.float32)
    low = float(values[finite].min())
    span = float(values[finite].max()) - low
    scaled = (values - low) / span if span > 0 else np.zeros_like(values)
    return np.where(finite, scaled, np.nan).astype(np.float32, copy=False)


def _square_scale(height: int, width: int) -> int:
    side = max(height, width, 1)
    return max(1, min(MAX_SCALE, TARGET_SIDE // side))


def _blank_unused(grid: np.ndarray, count: int, height: int, width: int, gap: int = 1) -> None:
    """Mark the empty cells after the last map (and the gaps around them) BLANK, in place."""
    from netbuilder.core.activations import grid_shape

    rows, cols = grid_shape(count)
    used = count - (rows - 1) * cols
    if count == 0 or used == cols:
        return
    top = max((rows - 1) * (height + gap) - gap, 0)
    grid[top:, used * (width + gap) - gap:] = BLANK


def picture_of(values: torch.Tensor, max_maps: int = MAX_MAPS) -> Picture:
    """How one activation is drawn: a grid of maps, an image, or a wrapped strip."""
    from netbuilder.core.activations import feature_grid

    values = values.detach()
    if values.dim() >= 4:  # e.g. Conv3d [C, D, H, W]: every [H, W] slice is a map
        values = values.reshape(-1, values.shape[-2], values.shape[-1])
    if values.dim() == 3:
        grid = feature_grid(values, max_maps=max_maps).numpy()
        _blank_unused(grid, min(int(values.shape[0]), max_maps), *values.shape[-2:])
        scale = _square_scale(*grid.shape)
        total = int(values.shape[0])
        return Picture(GRID, grid, scale, scale, min(total, max_maps), total)
    if values.dim() == 2:
        image = _normalised(values.numpy())
        scale = _square_scale(*image.shape)
        return Picture(IMAGE, image, scale, scale)
    flat = _normalised(values.reshape(-1).numpy())
    count = max(flat.size, 1)
    columns = min(count, STRIP_COLUMNS)
    rows = math.ceil(count / columns)
    strip = np.full(rows * columns, BLANK, dtype=np.float32)  # the last row's unused cells
    strip[: flat.size] = flat
    cell = max(2, min(MAX_CELL, STRIP_WIDTH // columns))
    height = cell if rows > 1 else max(cell, MIN_STRIP_HEIGHT)
    return Picture(STRIP, strip.reshape(rows, columns), cell, height)


def colour_table(gap: QColor | None = None) -> list[int]:
    """The 256 ARGB entries of an 8-bit picture's colour table.

    ``LEVELS`` steps of the colour map (dark → bright), then the gap colour (default
    transparent) at ``GAP_INDEX`` and transparent at ``BLANK_INDEX``.
    """
    steps = pg.colormap.get(COLORMAP).getLookupTable(nPts=LEVELS, alpha=False)
    table = [QColor(int(r), int(g), int(b)).rgba() for r, g, b in steps]
    table.append((gap if gap is not None else QColor(0, 0, 0, 0)).rgba())
    table.append(QColor(0, 0, 0, 0).rgba())
    return table


def to_pixmap(values: np.ndarray, table: list[int], scale_x: int = 1,
              scale_y: int = 1) -> QPixmap:
    """Values in [0, 1] through ``table`` (NaN → gap, BLANK → transparent), scaled up nearest.

    An 8-bit indexed image with the colour table: no RGBA array is made in Python.
    """
    height, width = values.shape
    if height == 0 or width == 0:
        return QPixmap()
    index = np.clip(np.nan_to_num(values, nan=0.0) * (LEVELS - 1) + 0.5, 0, LEVELS - 1)
    index = np.ascontiguousarray(index, dtype=np.uint8)
    index[np.isnan(values)] = GAP_INDEX
    index[values == BLANK] = BLANK_INDEX
    image = QImage(index.data, width, height, width, QImage.Format.Format_Indexed8)
    image.setColorTable(table)
    if scale_x != 1 or scale_y != 1:
        image = image.scaled(width * scale_x, height * scale_y,
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    return QPixmap.fromImage(image)  # copies: index may go


def saliency_pixmap(image28: np.ndarray, saliency: np.ndarray, size: int = 140) -> QPixmap:
    """The digit in grey with ``saliency`` ([0, 1], same shape) as a translucent red overlay.

    ``image28`` is uint8 (0 black … 255 white; a float image is read as [0, 1]). The result is
    scaled up with nearest neighbour to fit ``size``×``size`` (exactly that for a square image).
    """
    grey = np.asarray(image28)
    if grey.dtype != np.uint8:
        grey = np.clip(np.nan_to_num(grey.astype(np.float32)) * 255.0, 0, 255)
    grey = grey.astype(np.float32)
    heat = np.clip(np.nan_to_num(np.asarray(saliency, dtype=np.float32)), 0.0, 1.0)
    if heat.shape != grey.shape:
        raise ValueError(f"saliency {heat.shape} and image {grey.shape} differ in shape")
    height, width = grey.shape
    alpha = (heat * SALIENCY_ALPHA)[..., None]
    rgb = grey[..., None] * (1.0 - alpha) + np.asarray(SALIENCY_COLOR, np.float32) * alpha
    rgb = np.ascontiguousarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8))
    picture = QImage(rgb.data, width, height, width * 3, QImage.Format.Format_RGB888)
    picture = picture.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    return QPixmap.fromImage(picture)


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


# ---------------------------------------------------------------------------------------------
# Widgets


class _Row(QFrame):
    """A caption above a picture; kept and refilled while the layer list stays the same."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activation_row")
        self.caption = QLabel(self)
        self.caption.setObjectName("activation_caption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.picture = QLabel(self)
        self.picture.setObjectName("activation_picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.picture.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 6)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.picture)
        self.path = ""
        self.kind = ""
        self.picture_shape: tuple[int, int] = (0, 0)
        self._text = ""
        self._tip = ""


class ActivationView(QWidget):
    """A scrollable column of every layer's output for one input."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activation_view")
        self._rows: list[_Row] = []
        self._last: list[Activation] = []
        self._table = colour_table(self._gap_colour())

        self.placeholder = QLabel(
            self.tr("Draw a digit to see what every layer makes of it."), self)
        self.placeholder.setObjectName("activation_placeholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._column = QWidget()
        self._column.setObjectName("activation_column")
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setContentsMargins(6, 6, 6, 6)
        self._column_layout.setSpacing(4)
        self._column_layout.addStretch(1)

        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("activation_scroll")
        self.scroll.setAccessibleName(self.tr("What every layer makes of the drawing"))
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self._column)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.scroll, 1)
        self._update_placeholder()

    # -- public ---------------------------------------------------------------------------

    def show_activations(self, acts: list[Activation]) -> None:
        """Show one row per activation, reusing the rows already there (by position)."""
        self._last = list(acts)
        while len(self._rows) < len(acts):
            row = _Row(self._column)
            self._column_layout.insertWidget(len(self._rows), row)
            self._rows.append(row)
        while len(self._rows) > len(acts):
            self._remove(self._rows.pop())
        for row, act in zip(self._rows, acts, strict=True):
            self._fill(row, act)
        self._update_placeholder()

    def clear(self) -> None:
        """No rows; the placeholder shows."""
        self._last = []
        while self._rows:
            self._remove(self._rows.pop())
        self._update_placeholder()

    def rows(self) -> list[str]:
        """The layer paths of the rows, top to bottom."""
        return [row.path for row in self._rows]

    def row_widget(self, path: str) -> _Row:
        """The first row showing ``path``: a frame with ``caption`` and ``picture`` labels."""
        for row in self._rows:
            if row.path == path:
                return row
        raise KeyError(path)

    def picture_size(self, path: str) -> tuple[int, int]:
        """``(height, width)`` in pixels of the layer's picture before it is scaled up.

        For a grid that is ``feature_grid``'s shape; for a strip ``(rows, cells per row)``.
        """
        return self.row_widget(path).picture_shape  # type: ignore[attr-defined]

    # -- internals ------------------------------------------------------------------------

    def _fill(self, row: _Row, act: Activation) -> None:
        picture = picture_of(act.values)
        shape = shape_text(act.shape) or self.tr("scalar")
        text = f"{act.path} · {act.kind} · {shape}"
        if text != row._text:
            row.caption.setText(text)
            row._text = text
        tip = ""
        if picture.maps_shown < picture.maps_total:
            tip = fill(self.tr("The first %1 of %2 feature maps"),
                       picture.maps_shown, picture.maps_total)
        if tip != row._tip:
            row.picture.setToolTip(tip)
            row._tip = tip
        row.path, row.kind = act.path, act.kind
        row.picture_shape = (int(picture.values.shape[0]), int(picture.values.shape[1]))
        row.picture.setPixmap(
            to_pixmap(picture.values, self._table, picture.scale_x, picture.scale_y))

    def _remove(self, row: _Row) -> None:
        self._column_layout.removeWidget(row)
        row.hide()
        row.setParent(None)
        row.deleteLater()

    def _update_placeholder(self) -> None:
        empty = not self._rows
        self.placeholder.setVisible(empty)
        self.scroll.setVisible(not empty)

    def _gap_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Mid)

    def changeEvent(self, event: QEvent) -> None:
        if (event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
                and hasattr(self, "_table")):
            self._table = colour_table(self._gap_colour())
            if self._last:
                self.show_activations(self._last)
        super().changeEvent(event)
