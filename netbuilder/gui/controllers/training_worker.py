"""The training run on a worker thread.

A :class:`TrainingWorker` is moved to a ``QThread`` and drives ``core.training.Trainer``.
Progress crosses to the GUI thread as queued signals carrying the core's frozen event
dataclasses (plain numbers); batch events are sent in bundles (at most every 50 ms), never one
signal per batch. Stop and pause
are ``threading.Event`` flags set from the GUI thread: a busy loop never runs queued slots.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from netbuilder.core.data import REGRESSION, Dataset, DatasetError, load_dataset
from netbuilder.core.evaluation import EVAL_BATCH
from netbuilder.core.registry import REGRESSION_LOSSES
from netbuilder.core.training import (
    BatchEnd,
    Failed,
    Finished,
    HealthReport,
    Paused,
    Stopped,
    TrainConfig,
    Trainer,
    TrainingError,
    evaluate,
    evaluate_regression,
)
from netbuilder.gui import quiet_run
from netbuilder.gui.text import fill

BUNDLE_SECONDS = 0.05
HEALTH_SECONDS = 0.5  # between measurements of gradient norms and update ratios


class TrainingWorker(QObject):
    """Runs a Trainer and passes its events on, as they are (frozen dataclasses of plain
    numbers); batch events travel in bundles (tuples of ``BatchEnd``)."""

    dataset_loaded = Signal(object)  # the Dataset, to keep for evaluation and the next run
    loss_switched = Signal(str)  # a regression met a classifier's loss: it trains with this
    event = Signal(object)  # Started, EpochEnd, Paused, Resumed, Stopped, Failed, Finished
    batches = Signal(object)  # tuple[BatchEnd, ...], at most every BUNDLE_SECONDS
    evaluated = Signal(object)  # an Evaluation (plain lists and numbers), on pause and at the end
    health = Signal(object)  # a core.health.Health (plain numbers), at most twice a second
    log_problem = Signal(str)  # what the training log (log_dir) could not write, and why
    finished = Signal()  # always last

    def __init__(self, model, config: TrainConfig, dataset: Dataset | None, dataset_name: str,
                 val_fraction: float = 0.2, data_dir: str | None = None, resume=None,
                 log_dir: str | None = None):
        super().__init__()
        self.model = model
        self.log_dir = log_dir  # also write TensorBoard files and metrics.csv there (RunLog)
        self.resume = resume  # core.resume.ResumePoint to continue from, or None
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
            self.event.emit(Failed(fill(QCoreApplication.translate(
                "TrainingWorker", "training stopped by an unexpected error: %1"), detail)))
        finally:
            self.finished.emit()

    def _run(self) -> None:
        if self.dataset is None:
            try:
                self.dataset = load_dataset(self.dataset_name, self.data_dir, self.val_fraction,
                                            self.config.seed)
            except DatasetError as exc:
                self.event.emit(Failed(str(exc)))
                return
            self.dataset_loaded.emit(self.dataset)
        if self.dataset.task == REGRESSION and self.config.loss not in REGRESSION_LOSSES:
            self.config = replace(self.config, loss="mse")
            self.loss_switched.emit("mse")
        try:
            self.trainer = Trainer(self.model, self.dataset, self.config, self.stop_flag,
                                   self.pause_flag, health_seconds=HEALTH_SECONDS,
                                   resume=self.resume)
        except TrainingError as exc:
            self.event.emit(Failed(str(exc)))
            return
        run_log = self._open_log()
        try:
            self._drive(run_log)
        finally:
            if run_log is not None:
                run_log.close()
                for problem in run_log.problems[self._log_said:]:  # a write that failed
                    self.log_problem.emit(problem)

    def _open_log(self):
        """The run's RunLog (made here, on the thread that trains, which it reads the weights
        on), or None: without a folder, or when the folder cannot be written (said)."""
        if not self.log_dir:
            return None
        from netbuilder.core.run_log import RunLog, RunLogError

        try:
            run_log = RunLog(self.log_dir, self.model)
        except RunLogError as exc:
            self.log_problem.emit(str(exc))
            return None
        for problem in run_log.problems:
            self.log_problem.emit(problem)
        self._log_said = len(run_log.problems)
        return run_log

    def _drive(self, run_log) -> None:
        pending: list[BatchEnd] = []
        last_sent = time.monotonic()
        for event in self.trainer.run():
            if run_log is not None:
                run_log.handle(event)
            match event:
                case BatchEnd():
                    pending.append(event)
                    now = time.monotonic()
                    if now - last_sent >= BUNDLE_SECONDS:
                        self.batches.emit(tuple(pending))
                        pending, last_sent = [], now
                    continue
                case HealthReport():
                    self.health.emit(event.health)
                    continue
            if pending:
                self.batches.emit(tuple(pending))
                pending = []
            self.event.emit(event)
            match event:
                case Paused():
                    self._evaluate()  # here, on this thread, so the window never waits for it
                case Finished() | Stopped(reason="user"):
                    self._evaluate()
        if pending:
            self.batches.emit(tuple(pending))

    def _evaluate(self) -> None:
        data = self.trainer.data if self.trainer is not None else None
        if data is None:
            return
        try:
            if data.task == REGRESSION:
                result = evaluate_regression(self.model, data.val_x, data.val_y,
                                             self.config.loss, batch_size=EVAL_BATCH)
            else:
                result = evaluate(self.model, data.val_x, data.val_y, data.num_classes,
                                  self.config.loss, batch_size=EVAL_BATCH)
        except RuntimeError as exc:
            self.event.emit(Failed(fill(QCoreApplication.translate(
                "TrainingWorker", "evaluation failed: %1"), exc)))
            return
        self.evaluated.emit(result)


class EvaluationWorker(QObject):
    """Evaluates weights on a dataset's validation split on a worker thread (after Open, a
    load, an edit): the model is a private copy, so the window may go on changing its own."""

    done = Signal(object, object, int)  # Evaluation, Dataset, the weights version evaluated
    failed = Signal(str)
    finished = Signal()

    def __init__(self, model, dataset: Dataset | None, name: str, val_fraction: float,
                 seed: int, loss: str, version: int):
        super().__init__()
        self.model, self.dataset, self.name = model, dataset, name
        self.val_fraction, self.seed, self.loss, self.version = val_fraction, seed, loss, version

    @Slot()
    def run(self) -> None:
        try:
            dataset = self.dataset or load_dataset(self.name, None, self.val_fraction, self.seed)
            data = dataset.on_device("cpu")
            if dataset.task == REGRESSION:
                result = evaluate_regression(self.model, data.val_x, data.val_y, self.loss,
                                             batch_size=EVAL_BATCH)
            else:
                result = evaluate(self.model, data.val_x, data.val_y, data.num_classes,
                                  self.loss, batch_size=EVAL_BATCH)
            self.done.emit(result, dataset, self.version)
        except DatasetError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a network that does not fit the data: said, not raised
            self.failed.emit(fill(QCoreApplication.translate(
                "TrainingWorker", "evaluation failed: %1"), exc))
        finally:
            self.finished.emit()


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
            self.failed.emit(fill(QCoreApplication.translate(
                "TrainingWorker", "loading %1 failed: %2"), self.name, exc))
        finally:
            self.finished.emit()


class _Keeper(QObject):
    """Holds threads that must outlive the window that started them (a short evaluation of a
    window being closed), releasing each from the GUI thread once it has finished."""

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[QThread, QObject] = {}

    def keep(self, thread: QThread, worker: QObject) -> None:
        self.running[thread] = worker
        thread.finished.connect(self.release)

    @Slot()
    def release(self) -> None:
        for thread in [t for t in self.running if t.isFinished()]:
            del self.running[thread]
            thread.deleteLater()

    def wait_all(self, timeout_ms: int = 10_000) -> None:
        for thread in list(self.running):
            thread.wait(timeout_ms)


_keeper: _Keeper | None = None


def start_detached(worker: QObject) -> QThread:
    """Run ``worker`` on a QThread that no window owns: closing the window while it runs
    does not destroy a running thread (which aborts the process). The thread and worker are
    kept until the thread has finished; ``wait_for_detached`` waits for all of them."""
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
        atexit.register(wait_for_detached)
    thread = QThread()
    thread.setObjectName("netbuilder-evaluation")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    _keeper.keep(thread, worker)
    thread.start()
    return thread


def wait_for_detached(timeout_ms: int = 10_000) -> None:
    if _keeper is not None:
        _keeper.wait_all(timeout_ms)


def start_in_thread(worker: QObject, parent: QObject) -> QThread:
    """Run ``worker`` on a new QThread; its ``finished`` ends the thread's event loop.

    The worker is a Python-owned object: it is released from the GUI thread once the thread
    has finished (deleting it with ``deleteLater`` on the worker thread, while Python still
    holds it, crashed the process in a check). Keep the returned thread referenced until its
    ``finished``, then ``deleteLater`` it. Until it has finished, the application-wide
    Python event filters step aside (``quiet_run``): they would take the interpreter lock
    for every event of the window.
    """
    thread = QThread(parent)
    thread.setObjectName("netbuilder-training")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    quiet_run.hold(thread)  # the app-wide event filters step aside while it runs
    thread.start()
    return thread
