"""The live look of the training plots (issue 19): cheap pens while points arrive, the finished
look back when they stop, the same points either way, and a y axis that seldom moves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtWidgets import QGraphicsItem

from netbuilder.gui.training.plots import IDLE_FRAMES, LIVE_CURVES, TrainingPlots


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget._timer.stop()  # the test calls redraw() itself, frame by frame
    widget.start_run("run 1")
    return widget


def falling(first: int, count: int) -> tuple[list[int], list[float], list[float]]:
    steps = list(range(first, first + count))
    return steps, [2.3 * math.exp(-s / 300) + 0.05 for s in steps], [1e-3] * count


def look(plots: TrainingPlots, name: str) -> tuple[float, bool, bool]:
    curve = plots._curves[name]
    pen = curve.opts["pen"]
    return pen.widthF(), pen.isCosmetic(), curve.curve.opts["antialias"]


def test_arriving_points_get_the_live_look_and_idle_curves_the_finished_one(plots):
    finished = {name: look(plots, name) for name in LIVE_CURVES}
    assert finished["smoothed_loss"] == (2.5, True, True)
    plots.add_batches(*falling(1, 50))
    plots.redraw()
    assert plots.live
    for name in LIVE_CURVES:
        assert look(plots, name) == (1.0, True, False)
    shown = {name: plots.curve_data(name) for name in LIVE_CURVES}
    for _ in range(IDLE_FRAMES - 1):
        plots.redraw()
    assert plots.live  # not yet: a pause between two bundles is not the end of a run
    plots.redraw()
    assert not plots.live
    for name in LIVE_CURVES:
        assert look(plots, name) == finished[name]
        x, y = plots.curve_data(name)  # the same points, whichever look they have
        assert np.array_equal(x, shown[name][0])
        assert np.array_equal(y, shown[name][1])
    assert plots._curves["batch_loss"].opts["pen"].color().alpha() == 70  # still faint

    plots.add_batches(*falling(51, 10))  # the run goes on: live again
    plots.redraw()
    assert plots.live
    assert plots.counts()["batch_loss"] == 60


def test_export_png_draws_the_finished_look(plots, tmp_path):
    plots.add_batches(*falling(1, 50))
    plots.redraw()
    assert plots.live
    plots.export_png(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").is_file()
    assert not plots.live
    assert look(plots, "smoothed_loss") == (2.5, True, True)


def test_a_falling_loss_moves_the_y_axis_seldom_and_stays_in_view(plots):
    plots.set_run_length(3000, 4)
    moves = []
    plots.loss_plot.getViewBox().sigYRangeChanged.connect(lambda *_: moves.append(1))
    for first in range(1, 3000, 30):  # a bundle per frame, as a run at 600 batches/s sends
        plots.add_batches(*falling(first, 30))
        plots.redraw()
        low, high = plots.loss_plot.viewRange()[1]
        loss_low, loss_high = plots._run.loss_range
        assert low <= loss_low and loss_high <= high
    assert 1 <= len(moves) <= 5  # 100 frames; it used to move every tenth of the span
    low, high = plots.loss_plot.viewRange()[1]
    assert -0.1 < low <= 0.0  # a loss that fell most of the way shows from 0


def test_a_y_axis_whose_labels_get_narrower_keeps_its_width(plots, qtbot):
    """Narrower labels after a fit of the range do not shrink the axis: a shrink would lay the
    plot out again, re-rendering everything in it, and the next wider labels widen it back."""
    axis = plots.loss_plot.getAxis("left")
    plots.set_run_length(100, 1)
    plots.add_batches([1, 2], [123456.0, 100000.0], [0.01] * 2)
    plots.redraw()
    plots.graphics.grab()  # paints: the axis measures its labels
    qtbot.waitUntil(lambda: axis.width() > 60)
    wide = axis.width()
    plots.start_run("run 2")
    plots.set_run_length(100, 1)
    plots.add_batches([1, 2], [0.5, 0.25], [0.01] * 2)
    plots.redraw()
    plots.graphics.grab()
    qtbot.wait(50)
    plots.graphics.grab()
    assert plots.loss_plot.viewRange()[1][1] < 1.0  # the labels are short now
    assert axis.width() == wide


def test_a_loss_far_from_zero_keeps_a_tight_axis(plots):
    plots.set_run_length(100, 1)
    plots.add_batches([1, 2, 3], [101.0, 100.5, 100.0], [0.01] * 3)
    plots.redraw()
    low, high = plots.loss_plot.viewRange()[1]
    assert 80.0 < low < 100.0 and 101.0 < high < 105.0  # not from 0: the curve stays visible


def test_negative_losses_are_shown_below_zero(plots):
    plots.set_run_length(100, 1)
    plots.add_batches([1, 2, 3], [0.5, -0.2, -1.0], [0.01] * 3)
    plots.redraw()
    low, high = plots.loss_plot.viewRange()[1]
    assert low < -1.0 and high > 0.5


def test_legends_are_kept_as_pixmaps(plots):
    plots.set_overlays([{"label": "earlier", "epochs": [
        {"epoch": 1, "global_step": 10, "val_loss": 0.5, "val_accuracy": 0.8}]}])
    cached = QGraphicsItem.CacheMode.DeviceCoordinateCache
    for legend in (plots.loss_legend, plots.accuracy_legend):
        assert legend.cacheMode() == cached
        assert len(legend.items) >= 2
        for sample, label in legend.items:
            assert sample.cacheMode() == cached
            assert label.cacheMode() == cached


def test_the_lr_curve_follows_at_a_lower_rate_and_catches_up_when_points_stop(plots):
    plots.add_batches(*falling(1, 30))
    plots.redraw()  # the first frame of a run draws every curve
    assert plots.counts()["lr"] == 30
    plots.add_batches(*falling(31, 30))
    plots.redraw()  # within LR_SECONDS of the last: the loss moves on, the lr waits
    assert plots.counts()["batch_loss"] == 60
    assert plots.counts()["lr"] == 30
    plots.redraw()  # no new points: the lr catches up at once
    assert plots.counts()["lr"] == 60
    x, y = plots.curve_data("lr")
    assert x.tolist() == list(range(1, 61))
    assert y.tolist() == [1e-3] * 60
