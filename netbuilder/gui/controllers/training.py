"""Runs training for a session: builds the model, drives the worker thread, records the run.

It talks to views only through its signals (status, progress, busy, curves, evaluation), so it
is tested against plain fakes, without a window. The network is locked while a run goes on.

A run leaves its resume point in the session; Start continues it exactly where it stopped when
the settings are the same (the run's record and curves go on), else a new run starts from the
current weights with the optimizer's moments. The evaluation always belongs to the current
weights: it is cleared when they change outside training and computed again on a worker thread.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

from netbuilder.core.runs import Run
from netbuilder.core.spec import SpecError
from netbuilder.gui.controllers.current_evaluation import CurrentEvaluation
from netbuilder.gui.controllers.dataset_loads import DatasetLoads, dataset_key
from netbuilder.gui.log_setting import run_log_dir
from netbuilder.gui.text import fill

if TYPE_CHECKING:
    from netbuilder.gui.controllers.training_worker import TrainingWorker


if TYPE_CHECKING:
    from netbuilder.core.data import Dataset
    from netbuilder.core.training import EpochEnd, TrainConfig


PROGRESS_SECONDS = 0.25


class TrainingController(QObject):
    running_changed = Signal(bool)
    busy = Signal(bool, bool)  # running, paused: what the panel's buttons allow
    downloading = Signal(bool)
    status_changed = Signal(str)  # the training panel's status line
    message = Signal(str)  # for the status bar
    progress = Signal(int, int, int, int, float, float)  # epoch, epochs, step, steps, rate, s
    progress_cleared = Signal()
    run_started = Signal(str)  # the run's label: the curves start again
    run_length = Signal(int, int)  # total steps, epochs
    batches = Signal(list, list, list)  # global steps, losses, learning rates
    epoch_ended = Signal(object, int)  # EpochEnd, and the global step it ends at
    evaluated = Signal(object, object, list, list)  # Evaluation, images, labels, class names
    regression_known = Signal(bool)  # whether the loaded dataset's target is a number
    # A chosen folder's or table's input shape, classes (outputs), name and, for images, the
    # training split's [means, deviations] per channel ([] for a table).
    data_shape_known = Signal(list, int, str, list)
    evaluation_cleared = Signal()
    health_measured = Signal(object)  # core.health.Health
    best_offered = Signal(str)  # "Use best epoch (3, val acc 0.98)", or "" for no offer

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.document = session.document
        self.loads = DatasetLoads(self)  # folders, tables and downloads read ahead
        self.datasets = self.loads.datasets
        self.device_data = None
        self.dataset: Dataset | None = None
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self.optimizer_state: dict | None = None
        self.last_health = None
        self.run: Run | None = None
        self.paused = False
        self.status = ""
        self.last_failure = ""
        self._rolled_back = False
        self._started_at = 0.0
        self._last_progress = 0.0
        self._steps = 1
        self._epochs = 1
        self._run_index: int | None = None  # the record a resumed run continues
        self._resuming = False
        self._point = None  # the finished worker's resume point
        self._calibration = None  # and the calibration of the weights it left
        self._log_problems: list[str] = []  # what the run's training log could not write
        self.current_evaluation = CurrentEvaluation(self)
        session.replaced.connect(self._session_replaced)
        session.model_changed.connect(self._model_changed)

    # -- state -----------------------------------------------------------------------------------

    @property
    def model(self):
        return self.session.model

    @property
    def running(self) -> bool:
        return self.thread is not None

    def say(self, text: str) -> None:
        """Set the training panel's status line."""
        self.status = text
        self.status_changed.emit(text)

    @Slot()
    def _model_changed(self) -> None:
        """Another model (an edit rebuilt it, a file or a reset replaced it): the evaluation
        was of other weights."""
        if self.running:
            return
        self.evaluation_cleared.emit()
        self.best_offered.emit("")
        self.evaluate_current()

    @Slot()
    def _session_replaced(self) -> None:
        """New or Open: the previous project's training leaves the screen; the opened one's
        last run is drawn again and its weights evaluated."""
        self.optimizer_state = None
        self.last_health = None
        self.dataset = None
        self._set_device_data(None)
        self.say("")
        self.progress_cleared.emit()
        self.evaluation_cleared.emit()
        self.best_offered.emit("")
        runs = self.session.runs
        if runs:
            self._replay(runs[-1])
            if self.session.trained:
                self.say(fill(self.tr("Trained weights from %1."),
                               self.session.weights_source or runs[-1].label))
        else:
            self.run_started.emit("")
        self._offer_best()
        self.evaluate_current()

    def replay_runs(self) -> None:
        """Draw the session's last run again, for plots made after it was opened."""
        runs = self.session.runs
        if runs:
            self._replay(runs[-1])

    def _replay(self, run: Run, length: tuple[int, int] | None = None) -> None:
        """Draw a recorded run's curves again (after Open, or before a resumed run goes on)."""
        from netbuilder.core.training import EpochEnd

        self.run_started.emit(run.label)
        steps = max([s for s, _ in run.batches] + [int(e.get("global_step", 0))
                                                    for e in run.epochs] + [1])
        epochs = max([int(e.get("epoch", 0)) for e in run.epochs] + [1])
        self.run_length.emit(*(length or (steps, epochs)))
        lr_by_epoch = {int(e.get("epoch", 0)): float(e.get("lr", 0.0)) for e in run.epochs}
        last_lr = float(run.epochs[-1].get("lr", 0.0)) if run.epochs else float(
            run.settings.get("lr", 0.0) or 0.0)  # an epoch that did not end: its last rate
        per_epoch = max(1, steps // epochs)
        if run.batches:
            self.batches.emit([s for s, _ in run.batches], [v for _, v in run.batches],
                              [lr_by_epoch.get(s // per_epoch + 1, last_lr)
                               for s, _ in run.batches])
        for record in run.epochs:
            event = EpochEnd(int(record.get("epoch", 0)), *(float(record.get(key, 0.0)) for key in (
                "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds",
                "samples_per_s")))
            self.epoch_ended.emit(event, int(record.get("global_step", 0)))

    # -- controls ----------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        self.start_run()

    def start_run(self, dataset: Dataset | None = None, config: TrainConfig | None = None,
                  label: str | None = None) -> None:
        """A run with the session's settings, or with this dataset and config (fine-tuning)."""
        from netbuilder.core.model_state import carry_over
        from netbuilder.core.training import reset_weights
        from netbuilder.gui.controllers.training_worker import TrainingWorker, start_in_thread

        if self.running:
            return
        analysis = self.document.analysis
        if not analysis.ok:
            self._fail_early(fill(self.tr("The network cannot run yet: %1"),
                                  str(analysis.errors[0])))
            return
        session = self.session
        config = config or session.config
        name = session.dataset
        if not name:
            self._fail_early(self.tr("Choose an image folder first."))
            return
        key = dataset_key(name, session.val_split, config.seed)
        custom = dataset is not None
        dataset = dataset or self.datasets.get(key)
        if dataset is not None and dataset.input_shape != list(self.document.spec.input_shape):
            text = (self.tr("The network takes input %1, but the rows of %2 have %3 features.")
                    if dataset.is_table else
                    self.tr("The network takes input %1, but %2 images are %3."))
            self._fail_early(fill(text, str(self.document.spec.input_shape), name,
                                  str(dataset.input_shape[0] if dataset.is_table
                                      else dataset.input_shape)))
            return
        fresh = self.model is None or (session.fresh and not custom)
        try:
            if fresh:
                model, _kept = carry_over(None, self.document.spec)
                reset_weights(model, config.seed)
                self.session.set_model(model)
                self.document.trained_paths = set()
        except SpecError as exc:
            self._fail_early(str(exc))
            return
        resume = None if fresh or custom else session.resume_point
        self._resuming = bool(resume is not None and resume.resumes(config) and session.runs
                              and session.runs[-1].final.get("stopped") == "user")
        self.last_failure = ""
        self._rolled_back = False
        self._point = self._calibration = None
        self._started_at = time.monotonic()
        self.best_offered.emit("")
        settings = {**config.to_dict(), "dataset": name, "val_split": session.val_split}
        if self._resuming:  # the interrupted run goes on: its record and curves continue
            self._run_index = len(session.runs) - 1
            before = session.runs[-1]
            self.run = Run(before.id, before.label, dict(before.settings),
                           [dict(e) for e in before.epochs], list(before.batches),
                           {k: v for k, v in before.final.items() if k != "stopped"},
                           before.started_at)
        else:
            self._run_index = None
            number = len(session.runs) + 1
            self.run = Run(f"run{number}", label or fill(self.tr("Run %1 · %2, lr %3"), number,
                                                         config.optimizer, f"{config.lr:g}"),
                           settings, started_at=time.time())
            self.run_started.emit(self.run.label)
        self._log_problems = []
        self.worker = TrainingWorker(self.model, config, dataset, name, session.val_split,
                                     resume=resume,
                                     log_dir=run_log_dir(self.document.spec.class_name,
                                                         self.run.id))
        self._key = key if not custom else ("custom",)
        worker = self.worker
        worker.dataset_loaded.connect(self._dataset_loaded)
        worker.loss_switched.connect(self._loss_switched)
        worker.event.connect(self._event)
        worker.batches.connect(self._batches)
        worker.evaluated.connect(self._evaluated)
        worker.health.connect(self._health)
        worker.log_problem.connect(self._log_problem)
        worker.finished.connect(self._worker_finished)
        self.document.locked = True
        self.paused = False
        self.busy.emit(True, False)
        self.say(fill(self.tr("Loading %1…"), name))
        self.thread = start_in_thread(self.worker, self)
        self.thread.finished.connect(self._thread_finished)
        self.running_changed.emit(True)

    def _fail_early(self, text: str) -> None:
        self.last_failure = text
        self.say(text)
        self.message.emit(text)

    @Slot()
    def pause_or_resume(self) -> None:
        if not self.running or self.worker is None:
            return
        if self.worker.pause_flag.is_set():
            self.worker.pause_flag.clear()
        else:
            self.worker.pause_flag.set()

    @Slot()
    def stop(self) -> None:
        if self.worker is not None:
            self.worker.request_stop()

    @Slot()
    def reset(self) -> None:
        from netbuilder.core.model_state import carry_over
        from netbuilder.core.training import reset_weights

        if self.running:
            return
        try:
            model, _kept = carry_over(None, self.document.spec)
        except SpecError as exc:
            self.message.emit(str(exc))
            return
        reset_weights(model, self.session.config.seed)
        self.session.set_model(model)
        self.document.trained_paths = set()
        self.evaluation_cleared.emit()
        self.session.weights_updated(source="")
        self.progress_cleared.emit()
        self.say(self.tr("Weights reset: the network is untrained."))

    @Slot()
    def use_best(self) -> None:
        """Put the best epoch's weights of the last run into the model."""
        from netbuilder.core.checkpoint import CheckpointError, load_weights

        point = self.session.resume_point
        if self.running or self.model is None or point is None or point.best_weights is None:
            return
        try:
            load_weights(self.model, point.best_weights, strict=True)
        except CheckpointError as exc:  # checked before anything is copied
            self.message.emit(str(exc))
            return
        epoch = point.best["epoch"]
        self.session.weights_updated(source=fill(self.tr("%1, epoch %2"),
                                                 self.session.weights_source, epoch))
        self.best_offered.emit("")
        self.evaluation_cleared.emit()
        self.evaluate_current()
        self.say(fill(self.tr("Using the weights of epoch %1 (validation accuracy %2)."),
                       epoch, f"{point.best['val_accuracy']:.4f}"))

    def _offer_best(self) -> None:
        point = self.session.resume_point
        best = getattr(point, "best", None)
        if (point is None or best is None or point.best_weights is None
                or best["epoch"] == point.epochs_done):
            self.best_offered.emit("")
            return
        self.best_offered.emit(fill(self.tr("Use best epoch (%1, val acc %2)"), best["epoch"],
                                    f"{best['val_accuracy']:.4f}"))

    def evaluate_current(self) -> None:
        """Evaluate the current weights soon, on a thread, when they are worth it."""
        self.current_evaluation.soon()

    def fine_tune(self, examples: list[dict], steps: int = 60) -> str:
        """A short run on the user's examples mixed with training images; '' or why not."""
        from netbuilder.core.data import DatasetError, load_dataset, mix_examples
        from netbuilder.core.training import TrainConfig

        if self.running:
            return self.tr("A run is going on.")
        if not examples:
            return self.tr("Add a few labelled drawings first.")
        session = self.session
        name = session.dataset or "digits"
        seed = session.config.seed
        key = dataset_key(name, session.val_split, seed)
        base = self.datasets.get(key)
        if base is None:
            try:
                base = load_dataset(name, None, session.val_split, seed)
            except DatasetError as exc:
                return str(exc)
            self.datasets[key] = base
        mixed = mix_examples(base, examples, steps * 64, seed)
        config = TrainConfig(**{**session.config.to_dict(), "epochs": 1, "batch_size": 64,
                                "schedule": "none"})
        self.start_run(mixed, config, fill(self.tr("Fine-tune on %1 drawn examples"),
                                           len(examples)))
        return self.last_failure

    def ensure_model(self):
        """The current model; a freshly initialised one (seeded) if there is none yet."""
        from netbuilder.core.model_state import carry_over
        from netbuilder.core.training import reset_weights

        if self.model is None:
            model, _kept = carry_over(None, self.document.spec)
            reset_weights(model, self.session.config.seed)
            self.session.set_model(model)
        return self.model

    def use_model(self, model, loaded_keys: list[str], source: str = "", resume=None,
                  calibration=None) -> None:
        """A model whose weights came from a file: it becomes the session's, and the layers
        the file filled count as trained (``resume``, ``calibration``: the file's, if any)."""
        self.session.set_model(model)
        self.mark_loaded(loaded_keys, source, resume, calibration)

    def mark_loaded(self, keys: list[str], source: str = "", resume=None,
                    calibration=None) -> None:
        """Layers whose weights came from a file count as trained; ``calibration`` belongs to
        exactly these weights (else they are uncalibrated)."""
        self.document.trained_paths = self.document.trained_paths | {
            key.rpartition(".")[0] for key in keys if "." in key}
        self.evaluation_cleared.emit()  # the evaluation was of other weights
        self.session.weights_updated(source=source, resume=resume, calibration=calibration)
        self._offer_best()
        self.evaluate_current()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop a run and wait for its thread, then the worker processes of streamed folders
        (before the window closes)."""
        if self.worker is not None:
            self.worker.request_stop()
        for thread in (self.thread, self.loads.thread, self.current_evaluation.thread):
            if thread is not None:
                thread.quit()
                thread.wait(timeout_ms)
        for data in (self.device_data, *self.datasets.values()):
            close = getattr(data, "close", None)  # only streamed data has processes to end
            if callable(close):
                close()

    def _set_device_data(self, data) -> None:
        """The data the last run trained on; a streamed one it replaces ends its processes."""
        old, self.device_data = self.device_data, data
        if old is not None and old is not data and callable(getattr(old, "close", None)):
            old.close()

    # -- worker signals (queued into this, the GUI thread) ----------------------------------

    @Slot(str)
    def _loss_switched(self, loss: str) -> None:
        """The table's target is a number: the run trains with ``loss``, and so will the next."""
        self.session.update_config(loss=loss)
        self.say(fill(self.tr("The target is a number (a regression): training with the %1 "
                               "loss."), loss))

    @Slot(object)
    def _dataset_loaded(self, dataset: Dataset) -> None:
        from netbuilder.core.data import REGRESSION

        self.datasets[self._key] = dataset
        self.regression_known.emit(dataset.task == REGRESSION)
        if dataset.is_table:  # the weights about to train belong to these statistics
            self.session.set_preprocessing(dataset.preprocessing)

    @Slot(object)
    def _batches(self, bundle: tuple) -> None:
        steps = [b.global_step for b in bundle]
        losses = [b.loss for b in bundle]
        self.batches.emit(steps, losses, [b.lr for b in bundle])
        if self.run is not None:
            self.run.batches.extend(zip(steps, losses, strict=True))
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_SECONDS:  # text every 0.25 s is plenty
            return
        self._last_progress = now
        last = bundle[-1]
        self.progress.emit(last.epoch, self._epochs, last.step, self._steps,
                           last.samples_per_s, now - self._started_at)
        self.message.emit(fill(self.tr("Epoch %1, step %2: loss %3"), last.epoch, last.step,
                               f"{last.loss:.4f}"))

    @Slot(object)
    def _event(self, event) -> None:
        from netbuilder.core.training import (
            EpochEnd,
            Failed,
            Finished,
            Paused,
            Resumed,
            Started,
            Stopped,
        )

        match event:
            case Started():
                self._steps, self._epochs = event.steps_per_epoch, event.epochs
                if self._resuming and self.run is not None:
                    self._replay(self.run, (self._steps * self._epochs, self._epochs))
                else:
                    self.run_length.emit(self._steps * self._epochs, self._epochs)
                self.say(fill(self.tr("Training on %1 (%2 images)…"), event.device,
                               f"{event.train_size:,}"))
            case EpochEnd():
                self._epoch_ended(event)
            case Paused():
                self.paused = True
                self.busy.emit(True, True)
                self.session.weights_updated(keep_resume=True)
                self.say(fill(self.tr("Paused at epoch %1, step %2."), event.epoch,
                               event.step))
            case Resumed():
                self.paused = False
                self.busy.emit(True, False)
            case Stopped():
                if self.run is not None:
                    self.run.final["stopped"] = event.reason
                if event.reason == "non_finite":
                    self.last_failure = event.message
                self.say(event.message)
                self.message.emit(event.message)
            case Failed():
                self._rolled_back = event.reason in ("non_finite", "diverged")
                self.last_failure = event.message
                if self.run is not None:
                    self.run.final["failed"] = event.message
                self.say(event.message)
                self.message.emit(event.message)
            case Finished():
                pass

    def _epoch_ended(self, event: EpochEnd) -> None:
        global_step = event.epoch * self._steps
        self.epoch_ended.emit(event, global_step)
        if self.run is not None:
            self.run.epochs.append({
                "epoch": event.epoch, "train_loss": event.train_loss,
                "train_accuracy": event.train_accuracy, "val_loss": event.val_loss,
                "val_accuracy": event.val_accuracy, "lr": event.lr, "seconds": event.seconds,
                "samples_per_s": event.samples_per_s, "global_step": global_step})
        self.progress.emit(event.epoch, self._epochs, self._steps, self._steps,
                           event.samples_per_s, time.monotonic() - self._started_at)
        self.session.weights_updated(keep_resume=True)

    @Slot()
    def _worker_finished(self) -> None:
        worker = self.worker
        if worker is not None and worker.trainer is not None:
            self._set_device_data(worker.trainer.data)
            self.dataset = worker.dataset
            if worker.trainer.optimizer is not None:
                self.optimizer_state = worker.trainer.optimizer.state_dict()
            self._point = worker.trainer.resume_point()
            self._calibration = worker.trainer.calibration

    @Slot()
    def _thread_finished(self) -> None:
        from netbuilder.core.data import REGRESSION

        if self.thread is not None:
            self.thread.deleteLater()
        self.thread = None
        self.worker = None  # released here, in the GUI thread
        self.paused = False
        self.document.locked = False
        self.busy.emit(False, False)
        run, self.run = self.run, None
        if run is not None and (run.epochs or run.batches):
            run.finish(self._rolled_back)
            if self._run_index is not None:
                self.session.replace_run(self._run_index, run)
            else:
                self.session.add_run(run)
        if run is not None and self.device_data is not None and not self.last_failure:
            if run.epochs:
                self.document.trained_paths = {
                    path for path, module in self.model.named_modules()
                    if path and any(True for _ in module.parameters(recurse=False))}
            if run.epochs and not run.final.get("stopped"):
                regression = getattr(self.device_data, "task", "") == REGRESSION
                text = (self.tr("Finished: validation R² %1 after %2 epochs.") if regression
                        else self.tr("Finished: validation accuracy %1 after %2 epochs."))
                self.say(fill(text, f"{run.final['val_accuracy']:.4f}",
                               run.final["epochs_done"]))
        if self._log_problems:  # said during the run, and kept where it stays in sight
            self.say(fill(self.tr("%1 Training log: %2"), self.status,
                           "; ".join(self._log_problems)))
        if self.status:
            self.message.emit(self.status)  # the status bar says how it ended
        self.document.finish_training()
        self.running_changed.emit(False)
        self.session.weights_updated(source=run.label if run is not None else None,
                                     resume=self._point, calibration=self._calibration)
        if run is not None and run.final.get("stopped") == "user" and self._point is not None \
                and self._point.resumes(self.session.config):
            self.say(fill(self.tr("%1. Start (F5) continues this run where it stopped."),
                           self.status.rstrip(".")))
        self._offer_best()

    @Slot(str)
    def _log_problem(self, text: str) -> None:
        """The run goes on without (part of) its log: said now and at the end."""
        self._log_problems.append(text)
        self.message.emit(fill(self.tr("Training log: %1"), text))

    # -- evaluation ---------------------------------------------------------------------------

    @Slot(object)
    def _health(self, health) -> None:
        self.last_health = health
        self.health_measured.emit(health)

    @Slot(object)
    def _evaluated(self, result) -> None:
        worker = self.worker
        dataset = worker.dataset if worker is not None and worker.dataset is not None else (
            self.dataset)
        if dataset is None:
            return
        self.emit_evaluation(result, dataset)

    def emit_evaluation(self, result, dataset: Dataset) -> None:
        """Images go with a classifier's result (for its gallery); rows of a table have none."""
        from netbuilder.core.data import REGRESSION

        self.regression_known.emit(dataset.task == REGRESSION)
        streamed = hasattr(dataset, "sample")  # its images are decoded on demand: no gallery
        self.evaluated.emit(result, None if dataset.is_table or streamed else dataset.val_images,
                            dataset.val_labels.tolist(), list(dataset.class_names))
