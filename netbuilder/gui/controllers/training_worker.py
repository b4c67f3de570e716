"""The training run on a worker thread.

A :class:`TrainingWorker` is moved to a ``QThread`` and drives ``core.training.Trainer``.
Progress crosses to the GUI thread as queued signals carrying plain Python numbers; batch
results are sent in bundles (at most every 50 ms), never one signal per batch. Stop and pause
are ``threading.Event`` flags set from the GUI thread: a busy loop never runs queued slots.
"""

from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from netbuilder.core.data import Dataset, DatasetError, load_dataset
from netbuilder.core.training import TrainConfig, Trainer, TrainingError, evaluate

BUNDLE_SECONDS = 0.05
HEALTH_SECONDS = 0.5  # between measurements of gradient norms and update ratios


class TrainingWorker(QObject):
    dataset_loaded = Signal(object)  # the Dataset, to keep for evaluation and the next run
    started = Signal(dict)  # epochs, steps_per_epoch, train_size, val_size, device
    batches = Signal(list)  # [(epoch, step, global_step, loss, lr, samples_per_s), ...]
    epoch_done = Signal(dict)  # EpochEnd fields
    paused = Signal(int, int)
    resumed = Signal(int, int)
    stopped = Signal(str, str)  # reason ('user', 'non_finite'), message
    evaluated = Signal(object)  # an Evaluation (plain lists and numbers), on pause and at the end
    health = Signal(object)  # a core.health.Health (plain numbers), at most twice a second
    failed = Signal(str)
    rolled_back = Signal()
    finished = Signal()  # always last

    def __init__(self, model, config: TrainConfig, dataset: Dataset | None, dataset_name: str,
                 val_fraction: float = 0.2, data_dir: str | None = None):
        super().__init__()
        self.model = model
        self.config = config
        self.dataset = dataset
        self.dataset_name = dataset_name
        self.val_fraction = val_fraction
        self.data_dir = data_dir
        self.stop_flag = threading.Event()
        self.pause_flag = threading.Event()
        self.trainer: Trainer | None = None

    def request_stop(self) -> None:
        self.stop_flag.set()
        self.pause_flag.clear()

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # never let a worker exception take the app down
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.failed.emit(QCoreApplication.translate(
                "TrainingWorker", "training stopped by an unexpected error: %1").replace(
                "%1", detail))
        finally:
            self.finished.emit()

    def _run(self) -> None:
        if self.dataset is None:
            try:
                self.dataset = load_dataset(self.dataset_name, self.data_dir, self.val_fraction,
                                            self.config.seed)
            except DatasetError as exc:
                self.failed.emit(str(exc))
                return
            self.dataset_loaded.emit(self.dataset)
        try:
            self.trainer = Trainer(self.model, self.dataset, self.config, self.stop_flag,
                                   self.pause_flag, health_seconds=HEALTH_SECONDS)
        except TrainingError as exc:
            self.failed.emit(str(exc))
            return
        pending: list[tuple] = []
        last_sent = time.monotonic()
        for event in self.trainer.run():
            if event.kind == "batch":
                pending.append((event.epoch, event.step, event.global_step, event.loss,
                                event.lr, event.samples_per_s))
                now = time.monotonic()
                if now - last_sent >= BUNDLE_SECONDS:
                    self.batches.emit(pending)
                    pending, last_sent = [], now
                continue
            if event.kind == "health":
                self.health.emit(event.health)
                continue
            if pending:
                self.batches.emit(pending)
                pending = []
            if event.kind == "started":
                self.started.emit({"epochs": event.epochs, "steps_per_epoch":
                                   event.steps_per_epoch, "train_size": event.train_size,
                                   "val_size": event.val_size, "device": event.device})
            elif event.kind == "epoch":
                self.epoch_done.emit({k: getattr(event, k) for k in (
                    "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
                    "seconds", "samples_per_s")})
            elif event.kind == "paused":
                self.paused.emit(event.epoch, event.step)
                self._evaluate()  # here, on this thread, so the window never waits for it
            elif event.kind == "resumed":
                self.resumed.emit(event.epoch, event.step)
            elif event.kind == "stopped":
                self.stopped.emit(event.reason, event.message)
            elif event.kind == "failed":
                if getattr(event, "reason", "error") in ("non_finite", "diverged"):
                    self.rolled_back.emit()  # the last epoch's weights were not kept
                self.failed.emit(event.message)
            elif event.kind == "finished" or (event.kind == "stopped" and event.reason == "user"):
                self._evaluate()
        if pending:
            self.batches.emit(pending)

    def _evaluate(self) -> None:
        data = self.trainer.data if self.trainer is not None else None
        if data is None:
            return
        try:
            result = evaluate(self.model, data.val_x, data.val_y, data.num_classes,
                              self.config.loss)
        except RuntimeError as exc:
            self.failed.emit(QCoreApplication.translate(
                "TrainingWorker", "evaluation failed: %1").replace("%1", str(exc)))
            return
        self.evaluated.emit(result)


class DatasetLoader(QObject):
    """Loads (and, for torchvision datasets, downloads) a dataset on a worker thread."""

    loaded = Signal(object, object)  # key, Dataset
    failed = Signal(str)
    finished = Signal()

    def __init__(self, name: str, val_fraction: float, seed: int, key):
        super().__init__()
        self.name, self.val_fraction, self.seed, self.key = name, val_fraction, seed, key

    @Slot()
    def run(self) -> None:
        try:
            self.loaded.emit(self.key, load_dataset(self.name, None, self.val_fraction,
                                                    self.seed))
        except DatasetError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never take the app down from a worker
            self.failed.emit(QCoreApplication.translate(
                "TrainingWorker", "loading %1 failed: %2").replace("%1", self.name).replace(
                "%2", str(exc)))
        finally:
            self.finished.emit()


def start_in_thread(worker: QObject, parent: QObject) -> QThread:
    """Run ``worker`` on a new QThread; its ``finished`` ends the thread's event loop.

    The worker is a Python-owned object: it is released from the GUI thread once the thread
    has finished (deleting it with ``deleteLater`` on the worker thread, while Python still
    holds it, crashed the process in a check). Keep the returned thread referenced until its
    ``finished``, then ``deleteLater`` it.
    """
    thread = QThread(parent)
    thread.setObjectName("netbuilder-training")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread
