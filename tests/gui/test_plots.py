"""The live training plots: buffers, the redraw timer, log scale, overlays, export, hover."""

from __future__ import annotations

import csv
import io
import math
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QCheckBox, QFileDialog, QLabel, QPushButton

from netbuilder.gui.training.plots import TrainingPlots

NAN = float("nan")
INF = float("inf")


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.start_run("run 1")
    return widget


def feed(plots: TrainingPlots, batches: int = 30, epochs: int = 3) -> None:
    """``epochs`` epochs of ``batches // epochs`` batches each, with a falling loss."""
    per_epoch = batches // epochs
    for e in range(1, epochs + 1):
        steps = list(range((e - 1) * per_epoch + 1, e * per_epoch + 1))
        plots.add_batches(steps, [1.0 / s for s in steps], [0.01 / e] * len(steps))
        plots.add_epoch(e, steps[-1], 1.0 / e, 1.2 / e, 0.5 + 0.1 * e, 0.45 + 0.1 * e, 0.01 / e)


def test_batches_and_epochs_show_after_redraw(plots):
    feed(plots, batches=30, epochs=3)
    assert plots.counts()["batch_loss"] == 0  # add_* only buffer; nothing is drawn yet
    plots.redraw()
    assert plots.counts() == {
        "batch_loss": 30, "smoothed_loss": 30, "train_loss": 3, "val_loss": 3,
        "train_accuracy": 3, "val_accuracy": 3, "lr": 30, "overlays": 0,
    }
    x, y = plots.curve_data("val_loss")
    assert x.tolist() == [10, 20, 30]  # placed at the global step where each epoch ended
    assert y.tolist() == pytest.approx([1.2, 0.6, 0.4])
    x, y = plots.curve_data("val_accuracy")
    assert x.tolist() == [1, 2, 3]  # accuracy is against the epoch
    assert y.tolist() == pytest.approx([0.55, 0.65, 0.75])
    x, y = plots.curve_data("smoothed_loss")
    assert y[0] == pytest.approx(1.0) and y[1] == pytest.approx(0.95 + 0.05 * 0.5)
    assert np.all(np.diff(y) < 0)  # EMA of a falling loss falls, and lags behind it
    assert np.all(y[1:] > plots.curve_data("batch_loss")[1][1:])


def test_accuracy_axis_spans_zero_to_one(plots):
    feed(plots)
    plots.redraw()
    low, high = plots.accuracy_plot.viewRange()[1]
    assert low <= 0.0 and 1.0 <= high < 1.1


def test_timer_redraws_on_its_own(plots, qtbot):
    feed(plots, batches=20, epochs=2)
    qtbot.waitUntil(lambda: plots.counts()["batch_loss"] == 20, timeout=2000)
    qtbot.waitUntil(lambda: plots.counts()["val_accuracy"] == 2, timeout=2000)
    plots.add_batches([21, 22], [0.1, 0.2], [0.001, 0.001])
    qtbot.waitUntil(lambda: plots.counts()["lr"] == 22, timeout=2000)


def test_redraw_without_new_data_leaves_curves_alone(plots):
    feed(plots)
    assert plots.redraw()
    before = plots.curve_data("batch_loss")
    assert not plots.redraw()  # nothing new: no curve is set again
    after = plots.curve_data("batch_loss")
    assert after[0].tolist() == before[0].tolist() and after[1].tolist() == before[1].tolist()
    plots.add_epoch(4, 31, 0.2, 0.3, 0.9, 0.85, 0.001)
    assert plots.redraw()


def test_start_run_clears_the_run_but_keeps_overlays(plots):
    feed(plots)
    plots.set_overlays([{"label": "old", "epochs": [
        {"epoch": 1, "global_step": 10, "train_loss": 1.0, "val_loss": 1.1,
         "train_accuracy": 0.5, "val_accuracy": 0.4, "lr": 0.01}]}])
    plots.redraw()
    plots.start_run("run 2")
    counts = plots.counts()
    assert counts.pop("overlays") == 2
    assert set(counts.values()) == {0}
    assert plots.csv_text().splitlines()[1:] == []
    feed(plots, batches=10, epochs=1)  # the smoothing starts afresh too
    plots.redraw()
    assert plots.curve_data("smoothed_loss")[1][0] == pytest.approx(1.0)


def test_add_batches_rejects_ragged_lists(plots):
    with pytest.raises(ValueError):
        plots.add_batches([1, 2], [0.5], [0.1, 0.1])


def test_log_scale_checkbox_toggles_log_y(plots, qtbot):
    box = plots.findChild(QCheckBox, "log_scale")
    assert box is not None and not box.isChecked()
    plots.add_batches([1, 2, 3, 4], [1.0, 0.1, 0.01, 0.0], [0.1, 0.01, 0.001, 0.0])
    plots.add_epoch(1, 4, 0.5, 0.0, 0.9, 0.8, 0.001)
    plots.redraw()
    assert plots.counts()["batch_loss"] == 4 and plots.counts()["val_loss"] == 1

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    assert plots.loss_plot.ctrl.logYCheck.isChecked()
    assert plots.lr_plot.ctrl.logYCheck.isChecked()
    assert not plots.accuracy_plot.ctrl.logYCheck.isChecked()
    assert plots.loss_plot.getAxis("left").logMode
    # zeros cannot be drawn on a log axis: they stay out until log scale is off again
    counts = plots.counts()
    assert (counts["batch_loss"], counts["lr"], counts["val_loss"]) == (3, 3, 0)
    plots.loss_plot.vb.updateAutoRange()
    low, high = plots.loss_plot.viewRange()[1]
    assert low < -1.5 and high > -0.5  # the view is in decades: log10(0.01)..log10(1)

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert not plots.loss_plot.ctrl.logYCheck.isChecked()
    assert not plots.lr_plot.ctrl.logYCheck.isChecked()
    assert plots.counts()["batch_loss"] == 4 and plots.counts()["val_loss"] == 1


def test_log_mode_from_the_plot_menu_updates_the_checkbox(plots):
    plots.loss_plot.ctrl.logYCheck.setChecked(True)
    assert plots.log_scale.isChecked()
    assert plots.lr_plot.ctrl.logYCheck.isChecked()


def test_non_finite_values_are_not_shown(plots):
    plots.add_batches([1, 2, 3, 4, 5], [0.5, NAN, INF, 0.4, -INF], [0.1, NAN, 0.1, INF, 0.1])
    plots.add_epoch(1, 5, NAN, 0.3, INF, 0.9, NAN)
    plots.add_epoch(2, 10, 0.2, NAN, 0.95, NAN, 0.1)
    plots.redraw()
    counts = plots.counts()
    assert counts["batch_loss"] == 2
    assert counts["smoothed_loss"] == 5  # the EMA skips bad values and carries on
    assert counts["lr"] == 3
    assert (counts["train_loss"], counts["val_loss"]) == (1, 1)
    assert (counts["train_accuracy"], counts["val_accuracy"]) == (1, 1)
    for name in ("batch_loss", "smoothed_loss", "lr", "train_loss", "val_loss"):
        assert np.all(np.isfinite(plots.curve_data(name)[1]))
    assert plots.curve_data("smoothed_loss")[1][-1] == pytest.approx(0.5 + 0.05 * (0.4 - 0.5))
    plots.log_scale.setChecked(True)  # and log scale copes as well
    plots.grab()
    assert plots.counts()["batch_loss"] == 2


def overlay_run(label: str, scale: float) -> dict:
    return {"label": label, "epochs": [
        {"epoch": e, "global_step": 100 * e, "train_loss": scale / e, "val_loss": scale * 1.1 / e,
         "train_accuracy": 1 - scale / (e + 1), "val_accuracy": 1 - scale / (e + 2), "lr": 0.01}
        for e in range(1, 5)]}


def legend_labels(legend) -> list[str]:
    return [label.text for _sample, label in legend.items]


def test_overlays_add_dashed_curves_and_can_be_removed(plots):
    feed(plots)
    plots.redraw()
    plots.set_overlays([overlay_run("lr 0.1", 1.0), overlay_run("lr 0.01", 0.5)])
    assert plots.counts()["overlays"] == 4  # val loss and val accuracy per run
    for legend in (plots.loss_legend, plots.accuracy_legend):
        assert {"lr 0.1", "lr 0.01"} <= set(legend_labels(legend))
    curves = plots.overlay_curves()
    assert [(c.plot, c.label) for c in curves] == [
        ("loss", "lr 0.1"), ("accuracy", "lr 0.1"), ("loss", "lr 0.01"), ("accuracy", "lr 0.01")]
    assert all(c.dashed for c in curves)
    assert curves[0].colour == curves[1].colour != curves[2].colour  # a colour per run
    assert curves[0].x.tolist() == [100, 200, 300, 400]
    assert curves[0].y.tolist() == pytest.approx([1.1, 0.55, 1.1 / 3, 0.275])
    items_before = list(plots.loss_plot.items)

    plots.set_overlays([overlay_run("other", 0.3)])  # replaces, not adds
    assert plots.counts()["overlays"] == 2
    assert "lr 0.1" not in legend_labels(plots.loss_legend)

    plots.set_overlays([])
    assert plots.counts()["overlays"] == 0
    assert plots.overlay_curves() == []
    assert len(plots.loss_plot.items) == len(items_before) - 2  # the two loss overlays left
    assert "other" not in legend_labels(plots.loss_legend)
    assert "other" not in legend_labels(plots.accuracy_legend)
    assert plots.counts()["val_loss"] == 3  # the current run is untouched


def test_overlays_tolerate_missing_and_non_finite_values(plots):
    plots.set_overlays([{"label": "partial", "epochs": [
        {"epoch": 1, "global_step": 10, "val_loss": NAN, "val_accuracy": 0.5},
        {"epoch": 2, "val_loss": 0.4},
        {"epoch": 3, "global_step": 30, "val_loss": 0.3, "val_accuracy": None},
    ]}, {"label": "empty", "epochs": []}])
    assert plots.counts()["overlays"] == 4
    partial_loss, partial_accuracy, empty_loss, empty_accuracy = plots.overlay_curves()
    assert (partial_loss.plot, partial_loss.label) == ("loss", "partial")
    assert partial_loss.x.tolist() == [30] and partial_loss.y.tolist() == [0.3]
    assert partial_accuracy.x.tolist() == [1] and partial_accuracy.y.tolist() == [0.5]
    assert len(empty_loss.x) == len(empty_accuracy.x) == 0


@pytest.fixture
def save_to(monkeypatch):
    """Make the save dialog answer ``path``; return the calls it got."""
    calls = []

    def install(path):
        def fake(parent, title, start, file_filter, *args, **kwargs):
            calls.append((title, start, file_filter))
            return str(path), file_filter

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
        return calls

    return install


def test_export_png_button_writes_an_image_of_the_plots(plots, qtbot, tmp_path, save_to):
    feed(plots)
    path = tmp_path / "curves.png"
    calls = save_to(path)
    qtbot.mouseClick(plots.findChild(QPushButton, "export_png"), Qt.MouseButton.LeftButton)
    assert len(calls) == 1 and "png" in calls[0][2].lower()
    assert path.stat().st_size > 0
    image = QImage(str(path))
    assert not image.isNull()
    assert image.size() == plots.graphics.viewport().size()
    assert image.width() > 400 and image.height() > 300


def test_export_png_uses_the_palette_background(plots, tmp_path):
    palette = plots.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#202124"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    plots.setPalette(palette)
    assert plots.graphics.backgroundBrush().color().name() == "#202124"
    plots.export_png(tmp_path / "dark.png")
    image = QImage(str(tmp_path / "dark.png"))
    assert image.pixelColor(image.width() - 2, image.height() - 2).name() == "#202124"


def test_export_csv_button_writes_batch_and_epoch_rows(plots, qtbot, tmp_path, save_to):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    feed(plots, batches=12, epochs=2)
    plots.add_batches([13], [NAN], [0.001])
    path = tmp_path / "curves"  # no suffix: the button adds one
    save_to(path)
    qtbot.mouseClick(plots.findChild(QPushButton, "export_csv"), Qt.MouseButton.LeftButton)
    written = tmp_path / "curves.csv"
    text = written.read_text(encoding="utf-8")
    assert text == plots.csv_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    batches = [r for r in rows if r["kind"] == "batch"]
    epochs = [r for r in rows if r["kind"] == "epoch"]
    assert len(batches) == 13 and len(epochs) == 2 and len(rows) == 15
    assert {r["run"] for r in rows} == {"run 1"}
    first = batches[0]
    assert int(first["step"]) == 1
    assert float(first["loss"]) == 1.0 and float(first["smoothed"]) == 1.0
    assert float(first["lr"]) == pytest.approx(0.01)
    assert math.isnan(float(batches[-1]["loss"]))
    second = epochs[1]
    assert (int(second["epoch"]), int(second["step"])) == (2, 12)
    assert float(second["val_loss"]) == pytest.approx(0.6)
    assert float(second["train_accuracy"]) == pytest.approx(0.7)
    assert float(second["val_accuracy"]) == pytest.approx(0.65)
    assert float(second["lr"]) == pytest.approx(0.005)
    assert list(tmp_path.iterdir()) == [written]  # no temporary file left behind


def test_cancelled_export_writes_nothing(plots, qtbot, tmp_path, save_to, monkeypatch):
    monkeypatch.chdir(tmp_path / "config")
    before = sorted(tmp_path.rglob("*"))
    save_to("")
    qtbot.mouseClick(plots.findChild(QPushButton, "export_csv"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(plots.findChild(QPushButton, "export_png"), Qt.MouseButton.LeftButton)
    assert sorted(tmp_path.rglob("*")) == before


def hover(plots, qtbot, plot, x: float, y: float) -> str:
    """Move the mouse over ``plot`` at view point (x, y) and return the readout text."""
    scene_pos = plot.vb.mapViewToScene(QPointF(x, y))
    assert plot.vb.sceneBoundingRect().contains(scene_pos)
    viewport = plots.graphics.viewport()
    readout = plots.findChild(QLabel, "readout")
    readout.clear()
    qtbot.mouseMove(viewport, plots.graphics.mapFromScene(scene_pos))
    qtbot.wait(20)
    if not readout.text():  # offscreen platforms may drop synthetic moves: call the slot
        plots.show_readout_at(scene_pos)
    return readout.text()


def test_hover_readout_names_the_nearest_point(plots, qtbot):
    feed(plots, batches=30, epochs=3)
    plots.redraw()
    for plot in (plots.loss_plot, plots.accuracy_plot, plots.lr_plot):
        plot.vb.updateAutoRange()
    qtbot.wait(10)
    text = hover(plots, qtbot, plots.loss_plot, 3.2, 1 / 3)
    assert text == "step 3: loss 0.3333 (smoothed 0.9429)"
    text = hover(plots, qtbot, plots.accuracy_plot, 2.9, 0.74)
    assert text == "epoch 3: train acc 0.800, val acc 0.750"
    text = hover(plots, qtbot, plots.lr_plot, 25, 0.01 / 3)
    assert text == "step 25: lr 0.00333"
    plots.show_readout_at(QPointF(-50, -50))  # outside every plot
    assert plots.readout.text() == ""


def test_hover_readout_on_epoch_markers_and_overlays(plots, qtbot):
    feed(plots, batches=30, epochs=3)
    plots.set_overlays([overlay_run("baseline", 1.0)])
    plots.redraw()
    plots.loss_plot.vb.setRange(xRange=(0, 400), yRange=(0, 1.5), padding=0)
    plots.accuracy_plot.vb.setRange(xRange=(0, 5), yRange=(0, 1), padding=0)
    qtbot.wait(10)
    assert hover(plots, qtbot, plots.loss_plot, 20, 0.6) == \
        "epoch 2 (step 20): train loss 0.5, val loss 0.6"
    assert hover(plots, qtbot, plots.loss_plot, 300, 1.1 / 3) == \
        "baseline, epoch 3: val loss 0.3667"
    assert hover(plots, qtbot, plots.accuracy_plot, 4, 1 - 1 / 6) == \
        "baseline, epoch 4: val acc 0.833"


def test_hover_works_in_log_scale(plots, qtbot):
    feed(plots, batches=30, epochs=3)
    plots.log_scale.setChecked(True)
    plots.loss_plot.vb.updateAutoRange()
    qtbot.wait(10)
    assert hover(plots, qtbot, plots.loss_plot, 30, math.log10(1 / 30)).startswith("step 30:")


def test_one_hundred_thousand_batches_redraw(plots, qtbot):
    n = 100_000
    rng = np.random.default_rng(0)
    losses = (2.0 * np.exp(-np.arange(n) / 20_000) * (1 + 0.3 * rng.random(n))).tolist()
    for start in range(0, n, 1000):  # the worker's pace: many small chunks
        plots.add_batches(list(range(start, start + 1000)), losses[start:start + 1000],
                          [0.001] * 1000)
    plots.redraw()
    counts = plots.counts()
    assert counts["batch_loss"] == counts["smoothed_loss"] == counts["lr"] == n
    plots.grab()  # one full paint with downsampling and clipping
    assert 0 < plots.painted_points("batch_loss") < n  # what is painted is downsampled
    assert len(plots.csv_text().splitlines()) == n + 1


def test_many_repaints_do_not_lose_references_to_none(plots):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None per Python virtual call
    (paint, boundingRect, …) until the process aborted; pyproject.toml excludes it."""
    feed(plots)
    plots.redraw()
    plots.graphics.viewport().repaint()
    before = sys.getrefcount(None)
    for _ in range(300):
        plots.graphics.viewport().repaint()
    assert sys.getrefcount(None) >= before - 50  # about 15,000 lost on 6.12.0
    assert plots.counts()["batch_loss"] == 30
