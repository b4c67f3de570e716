"""Live training curves: loss, accuracy and learning rate, drawn with pyqtgraph.

The training worker hands over plain numbers many times a second; ``add_batches`` and
``add_epoch`` only append them to numpy buffers (``plot_data``) and mark the plots dirty. A
20 Hz timer calls ``redraw``, which pushes the buffers into one ``PlotDataItem`` per curve with
``setData`` and does nothing when no new data arrived (pyqtgraph ``examples/scrollingPlots.py``).
Painting holds the interpreter lock the training thread needs, so a frame repaints little:
axes (with their grid and labels) and the epoch curves are cached as pixmaps and only
re-rendered when they change (the y axes move seldom), legends too, and the batch curves are
downsampled to what a pixel can show and drawn with cheap pens while points arrive.
Non-finite values are kept in the buffers (and in the CSV) but never reach a curve, and
non-positive ones stay out of a log-scaled plot. The hover read-out's point picking is
``plot_readout``'s.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pyqtgraph.exporters  # noqa: E402, F401  (loads pg.exporters.ImageExporter)
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Slot  # noqa: E402
from PySide6.QtGui import QColor, QPalette, QPen  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.atomic import atomic_write_text  # noqa: E402
from netbuilder.gui.text import fill  # noqa: E402
from netbuilder.gui.training.plot_data import (  # noqa: E402, F401  (some re-exported)
    CSV_COLUMNS,
    EMA_ALPHA,
    EPOCH_FIELDS,
    INITIAL_CAPACITY,
    RunPoints,
    overlay_points,
    visible,
)
from netbuilder.gui.training.plot_readout import candidates, nearest  # noqa: E402
from netbuilder.gui.training.plot_style import (  # noqa: E402
    BATCH_COLOR,
    CACHED,
    LR_COLOR,
    OVERLAY_COLORS,
    TRAIN_COLOR,
    VAL_COLOR,
    LogAxis,
    cache_tree,
    set_look,
)

pg.setConfigOptions(antialias=True)


REDRAW_INTERVAL_MS = 50  # 20 Hz
# Points drawn per pixel of width: the noisy batch loss keeps its min and max per pixel
# ("peak"); the smooth EMA is averaged to one point per two pixels, which its 2.5 px pen hides
# (stroking a wide pen costs in proportion to the points, and most of a frame went there).
BATCH_POINTS_PER_PIXEL = 1.0
SMOOTHED_POINTS_PER_PIXEL = 0.5
# While points arrive, the batch curves are drawn with 1 px cosmetic pens and no antialiasing
# (Qt's raster engine strokes those far faster); once no point came for IDLE_FRAMES timer
# ticks (a run ended or paused), they get their finished look back: antialiased, wider pens.
IDLE_FRAMES = 10
# The learning rate changes slowly: while points arrive its curve is set at most every
# LR_SECONDS (each set repaints its whole plot), and at once when they stop.
LR_SECONDS = 0.25
LIVE_CURVES = ("batch_loss", "smoothed_loss", "lr")

CURVES = ("batch_loss", "smoothed_loss", "train_loss", "val_loss", "train_accuracy",
          "val_accuracy", "lr")  # the current run's curves, as curve_data() and counts() name them


@dataclass(frozen=True)
class OverlayCurve:
    """An earlier run's curve as drawn, for callers that check what the overlays show."""

    plot: str  # "loss" or "accuracy"
    label: str
    x: np.ndarray
    y: np.ndarray
    colour: str  # "#rrggbb"
    dashed: bool


def _points(item: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) a curve was given, before downsampling and clipping."""
    x, y = item.getOriginalDataset()
    if x is None or y is None:
        return np.empty(0), np.empty(0)
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


class TrainingPlots(QWidget):
    """Loss, accuracy and learning-rate curves of the current run, with earlier runs overlaid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = ""
        self._overlay_runs: list[dict] = []
        self._overlay_items: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._last_dir = ""
        self._sticky = False
        self.frames = 0  # redraws that set new data: what benchmarks/gui_training.py counts
        self._reset_buffers()

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("plots_view")
        self.graphics.setAccessibleName(self.tr("Loss and accuracy curves"))
        self.loss_plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, colspan=2, axisItems={"left": LogAxis("left")})
        self.accuracy_plot: pg.PlotItem = self.graphics.addPlot(row=1, col=0)
        self.lr_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=1, axisItems={"left": LogAxis("left")})
        grid = self.graphics.ci.layout
        grid.setRowStretchFactor(0, 3)
        grid.setRowStretchFactor(1, 2)
        self._plots = (self.loss_plot, self.accuracy_plot, self.lr_plot)
        for plot in self._plots:
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(True)
            for name in ("left", "bottom"):  # labels and grid re-render only on a range change
                plot.getAxis(name).setCacheMode(CACHED)
            # A y axis keeps the widest its labels have been: else each fit of the range that
            # shortens them re-lays the plot out, re-rendering all of it (and the next widens it).
            plot.getAxis("left").setStyle(autoReduceTextSpace=False)

        self.loss_plot.setLabel("left", self.tr("loss"))
        self.loss_plot.setLabel("bottom", self.tr("step"))
        self.accuracy_plot.setLabel("left", self.tr("accuracy"))
        self.accuracy_plot.setLabel("bottom", self.tr("epoch"))
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.accuracy_plot.enableAutoRange(y=False)
        self.accuracy_plot.setLimits(yMin=-0.05, yMax=1.05)
        self.lr_plot.setLabel("left", self.tr("learning rate"))
        self.lr_plot.setLabel("bottom", self.tr("step"))
        for plot in (self.loss_plot, self.lr_plot):  # "(x0.001)" scaling confuses log axes
            plot.getAxis("left").enableAutoSIPrefix(False)

        self.loss_legend = self.loss_plot.addLegend(offset=(-10, 10))
        self.accuracy_legend = self.accuracy_plot.addLegend(offset=(-10, -10))

        faint = QColor(BATCH_COLOR)
        faint.setAlpha(70)
        self._curves: dict[str, pg.PlotDataItem] = {
            "batch_loss": self._curve(self.loss_plot, self.tr("batch loss"), pen=pg.mkPen(faint),
                                      autoDownsampleFactor=BATCH_POINTS_PER_PIXEL),
            "smoothed_loss": self._curve(self.loss_plot, self.tr("smoothed"),
                                         pen=pg.mkPen(BATCH_COLOR, width=2.5),
                                         autoDownsampleFactor=SMOOTHED_POINTS_PER_PIXEL),
            "train_loss": self._epoch_curve(self.loss_plot, self.tr("train loss"),
                                            TRAIN_COLOR, "o"),
            "val_loss": self._epoch_curve(self.loss_plot, self.tr("val loss"), VAL_COLOR, "s"),
            "train_accuracy": self._epoch_curve(self.accuracy_plot, self.tr("train acc"),
                                                TRAIN_COLOR, "o"),
            "val_accuracy": self._epoch_curve(self.accuracy_plot, self.tr("val acc"),
                                              VAL_COLOR, "s"),
            "lr": self._curve(self.lr_plot, None, pen=pg.mkPen(LR_COLOR, width=2),
                              autoDownsampleFactor=BATCH_POINTS_PER_PIXEL),
        }
        self._curves["smoothed_loss"].setDownsampling(method="mean")  # after the plot's "peak"
        self._finished_pens = {name: QPen(self._curves[name].opts["pen"]) for name in LIVE_CURVES}
        self._live = False
        self._idle_frames = 0
        self._cache_legends()

        self._markers: dict[pg.PlotItem, pg.ScatterPlotItem] = {}
        for plot in self._plots:
            marker = pg.ScatterPlotItem(size=9, pen=pg.mkPen(width=1.5), brush=pg.mkBrush(None))
            marker.setZValue(100)
            marker.hide()
            plot.addItem(marker, ignoreBounds=True)
            self._markers[plot] = marker

        self.log_scale = QCheckBox(self.tr("Log scale"), self)
        self.log_scale.setObjectName("log_scale")
        self.log_scale.setToolTip(self.tr("Logarithmic y axis on the loss and learning-rate plots"))
        self.log_scale.toggled.connect(self._set_log_scale)
        # The plot's own context menu can switch log mode too: keep the check box in step.
        self.loss_plot.ctrl.logYCheck.toggled.connect(self.log_scale.setChecked)
        self.png_button = QPushButton(self.tr("Export PNG…"), self)
        self.png_button.setObjectName("export_png")
        self.png_button.clicked.connect(self._ask_export_png)
        self.csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.csv_button.setObjectName("export_csv")
        self.csv_button.clicked.connect(self._ask_export_csv)
        self.readout = QLabel(self)
        self.readout.setObjectName("readout")
        self.readout.setAccessibleName(self.tr("Point under the pointer"))
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setMinimumHeight(self.readout.fontMetrics().height())

        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(self.log_scale)
        toolbar.addWidget(self.readout, 1)
        toolbar.addWidget(self.png_button)
        toolbar.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toolbar)
        layout.addWidget(self.graphics, 1)

        self.graphics.scene().sigMouseMoved.connect(self.show_readout_at)
        self._apply_palette()

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    # ------------------------------------------------------------------ construction helpers

    def _curve(self, plot: pg.PlotItem, name: str | None, **style) -> pg.PlotDataItem:
        item = pg.PlotDataItem(
            name=name, skipFiniteCheck=True, autoDownsample=True, downsampleMethod="peak",
            clipToView=True, **style)
        plot.addItem(item)
        return item

    def _epoch_curve(self, plot: pg.PlotItem, name: str, color: str, symbol: str):
        """A curve that changes once an epoch: its line and markers are kept as pixmaps, so
        the frames in between do not paint them again."""
        item = self._curve(
            plot, name, pen=pg.mkPen(color, width=2), symbol=symbol, symbolSize=7,
            symbolPen=pg.mkPen(color), symbolBrush=pg.mkBrush(color),
        )
        item.curve.setCacheMode(CACHED)
        item.scatter.setCacheMode(CACHED)
        return item

    def _reset_buffers(self) -> None:
        self._run = RunPoints()
        self._batches_dirty = False
        self._epochs_dirty = False
        self._arrived = False  # batches came since the last redraw: the live look is wanted
        self._lr_dirty = False
        self._lr_drawn = -math.inf  # time.monotonic() of the lr curve's last setData

    def _cache_legends(self) -> None:
        """Legends change only with the curves' names: kept as pixmaps, the frames that
        repaint the curves beneath them do not paint them again."""
        for legend in (self.loss_legend, self.accuracy_legend):
            cache_tree(legend)

    @property
    def live(self) -> bool:
        """Whether the batch curves have their cheap live look (see :data:`IDLE_FRAMES`)."""
        return self._live

    def _set_live(self, live: bool) -> None:
        self._live = live
        self._idle_frames = 0
        for name in LIVE_CURVES:
            set_look(self._curves[name], self._finished_pens[name], live)

    # ------------------------------------------------------------------ public API

    def set_regression(self, regression: bool) -> None:
        """A regression's score is R² (1 is exact, below 0 worse than the mean), not accuracy:
        the middle plot says so and lets R² fall below zero."""
        self.accuracy_plot.setLabel("left", self.tr("R²") if regression else self.tr("accuracy"))
        self.accuracy_plot.setLimits(yMin=-1.05 if regression else -0.05, yMax=1.05)
        self.accuracy_plot.setYRange(-0.2 if regression else 0.0, 1.0, padding=0.02)
        for key, text in (("train_accuracy", self.tr("train R²") if regression
                           else self.tr("train acc")),
                          ("val_accuracy", self.tr("val R²") if regression
                           else self.tr("val acc"))):
            curve = self._curves[key]
            curve.opts["name"] = text
            label = self.accuracy_legend.getLabel(curve)
            if label is not None:
                label.setText(text)

    def start_run(self, label: str) -> None:
        """Forget the current run's points and empty its curves; overlays stay."""
        self._label = str(label)
        self._reset_buffers()
        self._sticky = False
        for plot in self._plots:
            plot.enableAutoRange(x=True)
        for plot in (self.loss_plot, self.lr_plot):
            plot.enableAutoRange(y=True)
        self._batches_dirty = True
        self._epochs_dirty = True
        self.readout.clear()
        for marker in self._markers.values():
            marker.hide()
        self.redraw()

    def set_run_length(self, total_steps: int, epochs: int) -> None:
        """Fix the x axes to the whole run, so they need not be redrawn as points arrive
        (axis repaints are most of a redraw's cost, and a redraw holds the GIL the training
        thread needs)."""
        for plot in (self.loss_plot, self.lr_plot):
            plot.enableAutoRange(x=False)
            plot.setXRange(0, max(1, total_steps), padding=0.02)
        self.accuracy_plot.enableAutoRange(x=False)
        self.accuracy_plot.setXRange(0.5, max(1, epochs) + 0.5, padding=0)
        self._sticky = True

    def _fit_y(self) -> None:
        """Follow the data on y with some slack, not at every point (see set_run_length): each
        move re-renders the cached axes. A falling loss finds room below it; once its lowest
        point is under half its highest, the axis starts at 0 and stays there."""
        if not self._sticky or self.log_scale.isChecked():
            return
        for plot, span in ((self.loss_plot, self._run.loss_range),
                           (self.lr_plot, self._run.lr_range)):
            if span is None:
                continue
            low, high = span
            (view_low, view_high) = plot.viewRange()[1]
            span = max(high - low, abs(high) * 0.2, 1e-12)
            inside = view_low <= low and high <= view_high
            too_loose = (view_high - view_low) > 3 * span
            if plot.getViewBox().autoRangeEnabled()[1] or not inside or too_loose:
                bottom = low - 0.5 * span
                if low >= 0:
                    bottom = 0.0 if low < 0.5 * high else max(bottom, 0.0)
                plot.enableAutoRange(y=False)
                plot.setYRange(bottom - 0.02 * span, high + 0.1 * span, padding=0)

    def add_batches(self, steps: Sequence[int], losses: Sequence[float],
                    lrs: Sequence[float]) -> None:
        """Append per-batch points. Cheap: no drawing happens here."""
        self._run.add_batches(steps, losses, lrs)
        if len(steps):
            self._batches_dirty = True
            self._arrived = True

    def add_epoch(self, epoch: int, global_step: int, train_loss: float, val_loss: float,
                  train_accuracy: float, val_accuracy: float, lr: float) -> None:
        """Append one epoch's summary, placed at the global step where the epoch ended."""
        self._run.add_epoch(epoch, global_step, train_loss, val_loss, train_accuracy,
                            val_accuracy, lr)
        self._epochs_dirty = True

    @Slot()
    def redraw(self) -> bool:
        """Push new buffer contents into the curves; nothing to do when nothing changed.
        Returns whether any curve was set again, so that callers can see the timer is cheap."""
        log_y = self.log_scale.isChecked()
        changed = self._batches_dirty or self._epochs_dirty
        self.frames += changed
        was_live, arrived = self._live, self._arrived
        if arrived:
            self._arrived = False
            self._idle_frames = 0
            if not self._live:
                self._set_live(True)
        elif self._live:
            self._idle_frames += 1
            if self._idle_frames >= IDLE_FRAMES:
                self._set_live(False)
        curves = self._curves
        if self._batches_dirty:
            self._batches_dirty = False
            run = self._run
            steps = run.steps.view()
            curves["batch_loss"].setData(*visible(steps, run.losses.view(), log_y))
            curves["smoothed_loss"].setData(*visible(steps, run.smoothed.view(), log_y))
            self._lr_dirty = True
            self._fit_y()
        now = time.monotonic()
        if self._lr_dirty and (not (was_live and arrived) or now - self._lr_drawn >= LR_SECONDS):
            self._lr_dirty = False
            self._lr_drawn = now
            run = self._run
            curves["lr"].setData(*visible(run.steps.view(), run.lrs.view(), log_y))
        if self._epochs_dirty:
            self._epochs_dirty = False
            rows = self._run.epoch_rows()
            epoch, step = rows[:, 0], rows[:, 1]
            curves["train_loss"].setData(*visible(step, rows[:, 2], log_y))
            curves["val_loss"].setData(*visible(step, rows[:, 3], log_y))
            curves["train_accuracy"].setData(*visible(epoch, rows[:, 4], False))
            curves["val_accuracy"].setData(*visible(epoch, rows[:, 5], False))
        return changed

    def set_overlays(self, runs: list[dict]) -> None:
        """Draw earlier runs' validation loss and accuracy as dashed curves, replacing any."""
        for plot, item in self._overlay_items:
            plot.removeItem(item)
        self._overlay_items = []
        self._overlay_runs = [dict(run) for run in runs]
        for index, run in enumerate(self._overlay_runs):
            label = str(run.get("label", "")) or fill(self.tr("run %1"), index + 1)
            color = OVERLAY_COLORS[index % len(OVERLAY_COLORS)]
            pen = pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine)
            style = dict(pen=pen, symbol="t", symbolSize=6, symbolPen=pg.mkPen(color),
                         symbolBrush=pg.mkBrush(None))
            for plot in (self.loss_plot, self.accuracy_plot):
                item = self._curve(plot, label, **style)
                self._overlay_items.append((plot, item))
        self._cache_legends()
        self._draw_overlays()

    def export_png(self, path: str | Path) -> None:
        """Write the three plots, as shown, to a PNG file (the curves with their finished
        look, also while a run goes on)."""
        self.redraw()
        if self._live:
            self._set_live(False)
        exporter = pg.exporters.ImageExporter(self.graphics.scene())
        size = self.graphics.viewport().size()
        exporter.parameters()["width"] = max(1, size.width())
        exporter.parameters()["height"] = max(1, size.height())
        exporter.export(str(path))
        if not Path(path).is_file():
            raise OSError(fill(self.tr("Could not write %1"), path))

    def export_csv(self, path: str | Path) -> None:
        """Write every batch and epoch point of the current run (see ``csv_text``)."""
        atomic_write_text(path, self.csv_text())

    def csv_text(self) -> str:
        """One table: a row per batch (kind "batch") and per epoch (kind "epoch").

        Batch rows fill step, loss, smoothed and lr; epoch rows fill step (the global step
        where the epoch ended), epoch, lr and the train/val loss and accuracy columns.
        """
        return self._run.csv_text(self._label)

    def counts(self) -> dict[str, int]:
        """How many points each curve of :data:`CURVES` shows now (after the last redraw), and
        how many overlay curves there are."""
        counts = {name: len(self.curve_data(name)[0]) for name in CURVES}
        counts["overlays"] = len(self._overlay_items)
        return counts

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A copy of the (x, y) points the curve ``name`` (one of :data:`CURVES`) shows now: after
        the last redraw, without non-finite points, in data units even on a log axis."""
        return _points(self._curves[name])

    def painted_points(self, name: str) -> int:
        """How many points of the curve ``name`` the last paint drew: fewer than
        :meth:`curve_data` holds once downsampling and clipping to the view set in."""
        x, _ = self._curves[name].getData()
        return 0 if x is None else len(x)

    def overlay_curves(self) -> list[OverlayCurve]:
        """The earlier runs' curves as drawn: val loss then val accuracy for each run."""
        found = []
        for plot, item in self._overlay_items:
            pen = item.opts["pen"]
            found.append(OverlayCurve(
                "loss" if plot is self.loss_plot else "accuracy", item.name() or "",
                *_points(item), pen.color().name(), pen.style() == Qt.PenStyle.DashLine))
        return found

    # ------------------------------------------------------------------ drawing helpers

    def _draw_overlays(self) -> None:
        log_y = self.log_scale.isChecked()
        for (plot, item), run in zip(self._overlay_items,
                                     (r for r in self._overlay_runs for _ in range(2)),
                                     strict=True):
            if plot is self.loss_plot:
                item.setData(*visible(*overlay_points(run, "val_loss", "global_step"), log_y))
            else:
                item.setData(*visible(*overlay_points(run, "val_accuracy", "epoch"), False))

    @Slot(bool)
    def _set_log_scale(self, on: bool) -> None:
        if on:
            for plot in (self.loss_plot, self.lr_plot):
                plot.enableAutoRange(y=True)
        self.loss_plot.setLogMode(y=on)
        self.lr_plot.setLogMode(y=on)
        self._batches_dirty = True
        self._epochs_dirty = True
        self.redraw()
        self._draw_overlays()
        for marker in self._markers.values():
            marker.hide()

    def _apply_palette(self) -> None:
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.graphics.setBackground(background)
        for plot in self._plots:
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(foreground))
                axis.setTextPen(pg.mkPen(foreground))
            self._markers[plot].setPen(pg.mkPen(foreground, width=1.5))
        legend_background = QColor(background)
        legend_background.setAlpha(200)
        for legend in (self.loss_legend, self.accuracy_legend):
            legend.setBrush(pg.mkBrush(legend_background))
            legend.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            legend.setLabelTextColor(foreground)
            for _sample, label in legend.items:  # setLabelTextColor does not re-render these
                label.setText(label.text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    # ------------------------------------------------------------------ hover readout

    def readout_at(self, plot: pg.PlotItem, view_point: QPointF) -> str:
        """The readout for the point of ``plot`` nearest on screen to ``view_point``."""
        name = "loss" if plot is self.loss_plot else \
            "accuracy" if plot is self.accuracy_plot else "lr"
        log_y = self.log_scale.isChecked() and plot is not self.accuracy_plot
        found = nearest(candidates(name, self._run, self._overlay_runs, log_y),
                        view_point.x(), view_point.y(), plot.vb.viewPixelSize())
        marker = self._markers[plot]
        if found is None:
            marker.hide()
            return ""
        candidate, index = found
        marker.setData([candidate.x[index]], [candidate.y[index]])
        marker.show()
        return candidate.describe(index)

    @Slot(object)
    def show_readout_at(self, scene_pos: QPointF) -> None:
        """Show the readout of the point nearest to ``scene_pos``, as a mouse move there does
        (offscreen platforms may drop synthetic mouse moves; tests call this instead)."""
        for plot in self._plots:
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                text = self.readout_at(plot, plot.vb.mapSceneToView(scene_pos))
                for other in self._plots:
                    if other is not plot:
                        self._markers[other].hide()
                self.readout.setText(text)
                return
        for marker in self._markers.values():
            marker.hide()
        self.readout.clear()

    # ------------------------------------------------------------------ export buttons

    def _ask_path(self, title: str, file_filter: str, suffix: str) -> str:
        stem = re.sub(r"[^\w.-]+", "_", self._label).strip("._") or "training"
        start = str(Path(self._last_dir or Path.home()) / f"{stem}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, title, start, file_filter)
        if not path:
            return ""
        if not Path(path).suffix:
            path += suffix
        self._last_dir = str(Path(path).parent)
        return path

    def _export(self, write: Callable[[str], None], path: str) -> None:
        try:
            write(path)
        except OSError as error:
            QMessageBox.warning(self, self.tr("Export failed"),
                                fill(self.tr("Could not write %1:\n%2"), path, error))

    @Slot()
    def _ask_export_png(self) -> None:
        path = self._ask_path(self.tr("Export plots as PNG"), self.tr("PNG images (*.png)"),
                              ".png")
        if path:
            self._export(self.export_png, path)

    @Slot()
    def _ask_export_csv(self) -> None:
        path = self._ask_path(self.tr("Export curves as CSV"), self.tr("CSV files (*.csv)"),
                              ".csv")
        if path:
            self._export(self.export_csv, path)
