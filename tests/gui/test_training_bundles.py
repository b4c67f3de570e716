"""What the window's cheaper live plotting must keep: every batch reaches the plots once and in
order, and after a run the curves hold exactly the run's points (issue 19)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PySide6.QtCore import QObject, Slot

from netbuilder.core.training import (
    BatchEnd,
    EpochEnd,
    Finished,
    HealthReport,
    Paused,
    Resumed,
    Started,
    TrainConfig,
)
from netbuilder.gui.controllers import training_worker
from netbuilder.gui.controllers.training_worker import TrainingWorker
from netbuilder.gui.training.plot_data import EMA_ALPHA
from netbuilder.gui.training.plots import TrainingPlots


class _Trainer:
    """Yields a fixed list of events, as core.training.Trainer.run does."""

    data = None  # nothing to evaluate

    def __init__(self, events):
        self.events = events

    def run(self):
        yield from self.events


class _Recorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list = []

    @Slot(object)
    def bundle(self, bundle) -> None:
        self.seen.append(("bundle", bundle))

    @Slot(object)
    def event(self, event) -> None:
        self.seen.append(("event", event))

    @Slot(object)
    def health(self, health) -> None:
        self.seen.append(("health", health))


def _batch(epoch: int, step: int, per_epoch: int) -> BatchEnd:
    global_step = (epoch - 1) * per_epoch + step
    return BatchEnd(epoch, step, global_step, 1.0 / global_step, 0.01, 1000.0)


def _epoch(epoch: int) -> EpochEnd:
    return EpochEnd(epoch, 0.5, 0.8, 0.6, 0.7, 0.01, 1.0, 1000.0)


def test_bundles_keep_every_batch_once_and_in_order(monkeypatch):
    per_epoch = 25
    events = [Started(2, per_epoch, 1600, 400, "cpu")]
    for epoch in (1, 2):
        for step in range(1, per_epoch + 1):
            events.append(_batch(epoch, step, per_epoch))
            if step == 10:
                events.append(HealthReport(health=None))
            if epoch == 2 and step == 12:
                events += [Paused(2, 12), Resumed(2, 12)]
        events.append(_epoch(epoch))
    events.append(Finished(2, 2.0))
    clock = itertools.count(0.0, 0.02)  # 20 ms a batch: a bundle every 2-3 batches
    monkeypatch.setattr(training_worker.time, "monotonic", lambda: next(clock))
    worker = TrainingWorker(None, TrainConfig(), None, "digits")
    worker.trainer = _Trainer(events)
    recorder = _Recorder()
    worker.batches.connect(recorder.bundle)
    worker.event.connect(recorder.event)
    worker.health.connect(recorder.health)

    worker._drive(None)

    bundles = [item for kind, item in recorder.seen if kind == "bundle"]
    assert 10 < len(bundles) < 50  # bundled: fewer signals than batches, more than one
    assert all(len(b) for b in bundles)
    assert [b for bundle in bundles for b in bundle] == \
        [e for e in events if isinstance(e, BatchEnd)]
    # Every other event comes after the batches before it and before those after it.
    flat = []
    for kind, item in recorder.seen:
        if kind != "health":
            flat.extend(item if kind == "bundle" else [item])
    assert flat == [e for e in events if not isinstance(e, HealthReport)]
    assert sum(kind == "health" for kind, _ in recorder.seen) == 2


def _ema(losses: list[float]) -> list[float]:
    out, ema = [], None
    for loss in losses:
        ema = loss if ema is None else ema + EMA_ALPHA * (loss - ema)
        out.append(ema)
    return out


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.start_run("run 1")
    return widget


def test_after_a_run_the_curves_hold_the_whole_history(plots):
    per_epoch, epochs = 600, 5
    plots.set_run_length(per_epoch * epochs, epochs)
    rng = np.random.default_rng(1)
    steps = list(range(1, per_epoch * epochs + 1))
    losses = (2.3 * np.exp(-np.arange(len(steps)) / 800) + 0.2 * rng.random(len(steps))).tolist()
    lrs = [0.01 * 0.9 ** (s // per_epoch) for s in steps]
    for start in range(0, len(steps), 7):  # bundles of a few batches, frames in between
        chunk = slice(start, start + 7)
        plots.add_batches(steps[chunk], losses[chunk], lrs[chunk])
        if start % 21 == 0:
            plots.redraw()
            plots.graphics.viewport().repaint()
        if steps[chunk][-1] % per_epoch < 7:
            epoch = steps[chunk][-1] // per_epoch or 1
            plots.add_epoch(epoch, epoch * per_epoch, 1.0 / epoch, 1.1 / epoch, 0.9, 0.85, 0.01)
    plots.redraw()
    plots.redraw()  # the run has ended: the first frame without new points brings the lr up
    plots.grab()

    x, y = plots.curve_data("batch_loss")
    assert x.tolist() == steps
    assert y.tolist() == losses
    x, y = plots.curve_data("smoothed_loss")
    assert x.tolist() == steps
    assert y == pytest.approx(_ema(losses), rel=1e-12)
    assert plots.curve_data("lr")[1].tolist() == lrs
    assert plots.counts()["val_loss"] == epochs
    # What is painted is fewer points (downsampled to the pixels), never none.
    for name in ("batch_loss", "smoothed_loss"):
        assert 0 < plots.painted_points(name) < len(steps)
    assert plots.painted_points("smoothed_loss") < plots.painted_points("batch_loss")


def test_cached_epoch_curves_and_axes_repaint_when_they_change(plots):
    plots.set_run_length(100, 4)
    plots.add_batches([1, 2, 3], [2.0, 1.5, 1.2], [0.01] * 3)
    plots.add_epoch(1, 3, 1.0, 1.1, 0.5, 0.45, 0.01)
    plots.redraw()
    before = plots.graphics.grab().toImage()
    plots.add_epoch(2, 6, 0.8, 0.9, 0.7, 0.65, 0.01)  # only the epoch curves change
    plots.redraw()
    after = plots.graphics.grab().toImage()
    assert before != after
    assert plots.curve_data("val_accuracy")[1].tolist() == pytest.approx([0.45, 0.65])
    plots.add_batches([4], [40.0], [0.01])  # far above the y range: the loss axis rescales
    plots.redraw()
    low, high = plots.loss_plot.viewRange()[1]
    assert high > 40.0 > low
    assert not math.isnan(low)


def test_the_fitted_range_ignores_non_finite_losses(plots):
    plots.set_run_length(100, 1)
    plots.add_batches([1, 2, 3, 4], [1.0, float("nan"), float("inf"), 0.5], [0.01] * 4)
    plots.redraw()
    assert plots._run.loss_range == (0.5, 1.0)
    low, high = plots.loss_plot.viewRange()[1]
    assert low < 0.5 and high > 1.0
