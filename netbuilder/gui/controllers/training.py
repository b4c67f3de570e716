"""Runs training for a window: the model, the worker thread, the live views, the run history.

The network is locked while a run goes on. Afterwards, edits rebuild the model and keep the
trained weights of every layer whose name and shapes did not change; those cards say so.
"""

from __future__ import annotations

import time

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from netbuilder.core.data import Dataset, DatasetError, load_dataset
from netbuilder.core.model_state import carry_over
from netbuilder.core.spec import SpecError
from netbuilder.core.training import TrainConfig, reset_weights
from netbuilder.gui.controllers.training_worker import (
    DatasetLoader,
    TrainingWorker,
    start_in_thread,
)

MAX_BATCH_POINTS = 600  # per run, kept in the project for comparing runs
PROGRESS_SECONDS = 0.25


def mix_examples(base: Dataset, examples: list[dict], size: int, seed: int) -> Dataset:
    """Training images with the user's examples repeated among them (a fifth of the mix)."""
    generator = torch.Generator().manual_seed(seed)
    own = torch.tensor([e["pixels"] for e in examples], dtype=torch.uint8).reshape(-1, 1, 28, 28)
    own_labels = torch.tensor([e["label"] for e in examples], dtype=torch.int64)
    repeats = max(1, size // 5 // len(examples))
    n_base = min(len(base.train_labels), size - repeats * len(examples))
    pick = torch.randperm(len(base.train_labels), generator=generator)[:max(1, n_base)]
    images = torch.cat([base.train_images[pick], own.repeat(repeats, 1, 1, 1)])
    labels = torch.cat([base.train_labels[pick], own_labels.repeat(repeats)])
    return Dataset(f"{base.name}+drawn", images, labels, base.val_images, base.val_labels,
                   list(base.class_names))


def _thin(points: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    if len(points) <= limit:
        return points
    step = len(points) / limit
    return [points[int(i * step)] for i in range(limit)]


class TrainingController(QObject):
    running_changed = Signal(bool)
    message = Signal(str)  # for the status bar
    runs_changed = Signal()
    run_added = Signal()
    health_measured = Signal(object)  # core.health.Health
    weights_changed = Signal()  # after an epoch, a pause, the end of a run, a load or a reset
    model_changed = Signal()  # another model object (built, rebuilt after an edit, dropped)

    def __init__(self, document, panel, plots, evaluation, parent=None):
        super().__init__(parent)
        self.document = document
        self.panel = panel
        self.plots = plots
        self.evaluation = evaluation
        self._model = None
        self.datasets: dict[tuple, Dataset] = {}
        self.device_data = None
        self.dataset: Dataset | None = None
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self.runs: list[dict] = []
        self.download_thread: QThread | None = None
        self.optimizer_state: dict | None = None
        self.last_health = None
        self.downloader = None
        self.run: dict | None = None
        self.paused = False
        self._started_at = 0.0
        self._last_progress = 0.0
        self._steps = 1
        self._epochs = 1
        self.last_failure = ""
        panel.start_requested.connect(self.start)
        panel.pause_requested.connect(self.pause_or_resume)
        panel.stop_requested.connect(self.stop)
        panel.reset_requested.connect(self.reset)
        panel.download_requested.connect(self.download)
        document.changed.connect(self._architecture_changed)

    # -- state -----------------------------------------------------------------------------------

    @property
    def model(self):
        """The network's torch model (None until trained, loaded or asked for)."""
        return self._model

    @model.setter
    def model(self, model) -> None:
        changed = model is not self._model
        self._model = model
        if changed:
            self.model_changed.emit()

    @property
    def running(self) -> bool:
        return self.thread is not None

    def _dataset_key(self, name: str, val_split: float, seed: int) -> tuple:
        return (name, round(val_split, 4), seed if not name.startswith(("mnist", "fashion",
                                                                        "kmnist")) else 0)

    @Slot()
    def _architecture_changed(self) -> None:
        """Rebuild the model after an edit, keeping what still fits."""
        if self.running or self.model is None:
            return
        try:
            self.model, kept = carry_over(self.model, self.document.spec)
        except SpecError:
            self.model, kept = None, set()
        trained = self.document.trained_paths & kept
        if trained != self.document.trained_paths:
            self.document.trained_paths = trained

    # -- controls ----------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        self.start_run()

    def start_run(self, dataset: Dataset | None = None, config: TrainConfig | None = None,
                  label: str | None = None) -> None:
        """A run with the panel's settings, or with this dataset and config (fine-tuning)."""
        if self.running:
            return
        analysis = self.document.analysis
        if not analysis.ok:
            self._fail_early(self.tr("The network cannot run yet: %1").replace(
                "%1", str(analysis.errors[0])))
            return
        config = config or self.panel.config()
        name = self.panel.dataset_name()
        if not name:
            self._fail_early(self.tr("Choose an image folder first."))
            return
        settings = self.panel.settings()
        key = self._dataset_key(name, settings["val_split"], config.seed)
        custom = dataset is not None
        dataset = dataset or self.datasets.get(key)
        if dataset is not None and dataset.input_shape != list(self.document.spec.input_shape):
            self._fail_early(self.tr("The network takes input %1, but %2 images are %3.")
                             .replace("%1", str(self.document.spec.input_shape))
                             .replace("%2", name).replace("%3", str(dataset.input_shape)))
            return
        try:
            if self.model is None or (settings["fresh"] and not custom):
                self.model, _kept = carry_over(None, self.document.spec)
                reset_weights(self.model, config.seed)
                self.document.trained_paths = set()
        except SpecError as exc:
            self._fail_early(str(exc))
            return
        self.last_failure = ""
        self._started_at = time.monotonic()
        self.run = {"id": f"run{len(self.runs) + 1}",
                    "label": label or self.tr("Run %1 · %2, lr %3").replace(
                        "%1", str(len(self.runs) + 1)).replace("%2", config.optimizer).replace(
                        "%3", f"{config.lr:g}"),
                    "settings": {**config.to_dict(), "dataset": name,
                                 "val_split": settings["val_split"]},
                    "epochs": [], "batches": [], "final": {}, "started_at": time.time()}
        self.plots.start_run(self.run["label"])
        self.worker = TrainingWorker(self.model, config, dataset, name, settings["val_split"])
        self._key = key if not custom else ("custom",)
        w = self.worker
        w.dataset_loaded.connect(self._dataset_loaded)
        w.started.connect(self._started)
        w.batches.connect(self._batches)
        w.epoch_done.connect(self._epoch_done)
        w.paused.connect(self._paused)
        w.resumed.connect(self._resumed)
        w.stopped.connect(self._stopped)
        w.failed.connect(self._failed)
        w.rolled_back.connect(self._rolled_back)
        w.evaluated.connect(self._evaluated)
        w.health.connect(self._health)
        w.finished.connect(self._worker_finished)
        self.document.locked = True
        self.paused = False
        self.panel.set_running(True)
        self.panel.status.setText(self.tr("Loading %1…").replace("%1", name))
        self.thread = start_in_thread(self.worker, self)
        self.thread.finished.connect(self._thread_finished)
        self.running_changed.emit(True)

    def _fail_early(self, text: str) -> None:
        self.last_failure = text
        self.panel.status.setText(text)
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
        if self.running:
            return
        try:
            self.model, _kept = carry_over(None, self.document.spec)
        except SpecError as exc:
            self.message.emit(str(exc))
            return
        reset_weights(self.model, self.panel.seed.value())
        self.document.trained_paths = set()
        self.evaluation.clear()
        self.weights_changed.emit()
        self.panel.progress.setValue(0)
        self.panel.status.setText(self.tr("Weights reset: the network is untrained."))

    @Slot(str)
    def download(self, name: str) -> None:
        """Fetch a torchvision dataset on a thread, with a busy bar; the window stays usable."""
        if self.download_thread is not None or self.running:
            return
        self.panel.progress.setRange(0, 0)
        self.panel.download.setEnabled(False)
        self.panel.start.setEnabled(False)
        self.panel.status.setText(self.tr("Downloading %1…").replace("%1", name))
        key = self._dataset_key(name, self.panel.val_split.value(), self.panel.seed.value())
        self.downloader = DatasetLoader(name, self.panel.val_split.value(),
                                        self.panel.seed.value(), key)
        self.downloader.loaded.connect(self._downloaded)
        self.downloader.failed.connect(self._download_failed)
        self.download_thread = start_in_thread(self.downloader, self)
        self.download_thread.finished.connect(self._download_finished)

    @Slot(object, object)
    def _downloaded(self, key, dataset: Dataset) -> None:
        self.datasets[key] = dataset
        self.panel.status.setText(self.tr("%1 is ready.").replace("%1", str(dataset)))

    @Slot(str)
    def _download_failed(self, message: str) -> None:
        self.panel.status.setText(message)
        self.message.emit(message)

    @Slot()
    def _download_finished(self) -> None:
        if self.download_thread is not None:
            self.download_thread.deleteLater()
        self.download_thread = None
        self.downloader = None
        self.panel.progress.setRange(0, 1000)
        self.panel.set_running(self.running, self.paused)

    def fine_tune(self, examples: list[dict], steps: int = 60) -> str:
        """A short run on the user's examples mixed with training images; '' or why not."""
        if self.running:
            return self.tr("A run is going on.")
        if not examples:
            return self.tr("Add a few labelled drawings first.")
        name = self.panel.dataset_name() or "digits"
        key = self._dataset_key(name, self.panel.val_split.value(), self.panel.seed.value())
        base = self.datasets.get(key)
        if base is None:
            try:
                base = load_dataset(name, None, self.panel.val_split.value(),
                                    self.panel.seed.value())
            except DatasetError as exc:
                return str(exc)
            self.datasets[key] = base
        mixed = mix_examples(base, examples, steps * 64, self.panel.seed.value())
        config = TrainConfig(**{**self.panel.config().to_dict(), "epochs": 1,
                                "batch_size": 64, "schedule": "none"})
        self.start_run(mixed, config, self.tr("Fine-tune on %1 drawn examples").replace(
            "%1", str(len(examples))))
        return self.last_failure

    def ensure_model(self):
        """The current model; a freshly initialised one (seeded) if there is none yet."""
        if self.model is None:
            self.model, _kept = carry_over(None, self.document.spec)
            reset_weights(self.model, self.panel.seed.value())
        return self.model

    def mark_loaded(self, keys: list[str]) -> None:
        """Layers whose weights came from a file count as trained."""
        self.document.trained_paths = self.document.trained_paths | {
            key.rpartition(".")[0] for key in keys if "." in key}
        self.weights_changed.emit()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop a run and wait for its thread (before the window closes)."""
        if self.worker is not None:
            self.worker.request_stop()
        for thread in (self.thread, self.download_thread):
            if thread is not None:
                thread.quit()
                thread.wait(timeout_ms)

    # -- worker signals (queued into this, the GUI thread) ----------------------------------

    @Slot(object)
    def _dataset_loaded(self, dataset: Dataset) -> None:
        self.datasets[self._key] = dataset

    @Slot(dict)
    def _started(self, info: dict) -> None:
        self._steps, self._epochs = info["steps_per_epoch"], info["epochs"]
        self.plots.set_run_length(self._steps * self._epochs, self._epochs)
        self.panel.status.setText(self.tr("Training on %1 (%2 images)…").replace(
            "%1", info["device"]).replace("%2", f"{info['train_size']:,}"))

    @Slot(list)
    def _batches(self, bundle: list) -> None:
        self.plots.add_batches([b[2] for b in bundle], [b[3] for b in bundle],
                               [b[4] for b in bundle])
        if self.run is not None:
            self.run["batches"].extend((b[2], b[3]) for b in bundle)
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_SECONDS:  # text every 0.25 s is plenty
            return
        self._last_progress = now
        epoch, step, _global, loss, _lr, rate = bundle[-1]
        self.panel.show_progress(epoch, self._epochs, step, self._steps, rate,
                                 now - self._started_at)
        self.message.emit(self.tr("Epoch %1, step %2: loss %3").replace("%1", str(epoch))
                          .replace("%2", str(step)).replace("%3", f"{loss:.4f}"))

    @Slot(dict)
    def _epoch_done(self, info: dict) -> None:
        info = dict(info, global_step=info["epoch"] * self._steps)
        self.plots.add_epoch(info["epoch"], info["global_step"], info["train_loss"],
                             info["val_loss"], info["train_accuracy"], info["val_accuracy"],
                             info["lr"])
        if self.run is not None:
            self.run["epochs"].append(info)
        self.panel.show_progress(info["epoch"], self._epochs, self._steps, self._steps,
                                 info["samples_per_s"], time.monotonic() - self._started_at)
        self.weights_changed.emit()

    @Slot(int, int)
    def _paused(self, epoch: int, step: int) -> None:
        self.paused = True
        self.panel.set_running(True, paused=True)
        self.weights_changed.emit()
        self.panel.status.setText(self.tr("Paused at epoch %1, step %2.").replace(
            "%1", str(epoch)).replace("%2", str(step)))

    @Slot(int, int)
    def _resumed(self, _epoch: int, _step: int) -> None:
        self.paused = False
        self.panel.set_running(True, paused=False)

    @Slot(str, str)
    def _stopped(self, reason: str, message: str) -> None:
        if self.run is not None:
            self.run["final"]["stopped"] = reason
        if reason == "non_finite":
            self.last_failure = message
        self.panel.status.setText(message)
        self.message.emit(message)

    @Slot()
    def _rolled_back(self) -> None:
        if self.run is not None:
            self.run["final"]["rolled_back"] = True

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.last_failure = message
        if self.run is not None:
            self.run["final"]["failed"] = message
        self.panel.status.setText(message)
        self.message.emit(message)

    @Slot()
    def _worker_finished(self) -> None:
        worker = self.worker
        if worker is not None and worker.trainer is not None:
            self.device_data = worker.trainer.data
            self.dataset = worker.dataset
            if worker.trainer.optimizer is not None:
                self.optimizer_state = worker.trainer.optimizer.state_dict()

    @Slot()
    def _thread_finished(self) -> None:
        if self.thread is not None:
            self.thread.deleteLater()
        self.thread = None
        self.worker = None  # released here, in the GUI thread
        self.paused = False
        self.document.locked = False
        self.panel.set_running(False)
        run = self.run
        self.run = None
        if run is not None and (run["epochs"] or run["batches"]):
            # A failed epoch's weights were rolled back: the run ends with the epoch before it.
            kept = run["epochs"][:-1] if run["final"].get("rolled_back") else run["epochs"]
            run["final"]["epochs_done"] = len(kept)
            if kept:
                last = kept[-1]
                run["final"].update(val_accuracy=last["val_accuracy"], val_loss=last["val_loss"])
            run["batches"] = _thin(run["batches"], MAX_BATCH_POINTS)
            self.runs.append(run)
            self.runs_changed.emit()
            self.run_added.emit()
        if run is not None and self.device_data is not None and not self.last_failure:
            if run["epochs"]:
                self.document.trained_paths = {
                    path for path, module in self.model.named_modules()
                    if path and any(True for _ in module.parameters(recurse=False))}
            if run["epochs"] and not run["final"].get("stopped"):
                self.panel.status.setText(self.tr(
                    "Finished: validation accuracy %1 after %2 epochs.").replace(
                    "%1", f"{run['final']['val_accuracy']:.4f}").replace(
                    "%2", str(run["final"]["epochs_done"])))
        if self.panel.status.text():
            self.message.emit(self.panel.status.text())  # the status bar says how it ended
        self.document.finish_training()
        self.running_changed.emit(False)
        self.weights_changed.emit()

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
        self.evaluation.show_result(result, dataset.val_images, dataset.val_labels.tolist(),
                                    dataset.class_names)

    # -- history --------------------------------------------------------------------------------

    def set_runs(self, runs: list[dict]) -> None:
        self.runs = [r for r in runs if isinstance(r, dict) and isinstance(r.get("epochs"), list)]
        self.runs_changed.emit()

    def config(self) -> TrainConfig:
        return self.panel.config()
