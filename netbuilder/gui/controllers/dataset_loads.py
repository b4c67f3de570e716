"""Datasets read before a run, on threads: a chosen folder or table (to know its input shape and
classes ahead) and a torchvision download (with a busy bar; the window stays usable).

The datasets read are kept by :func:`dataset_key`, and a run, an evaluation or a fine-tune finds
them there instead of reading them again. What it says goes through the training controller's
status line and signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Slot

from netbuilder.core.registry import DOWNLOADABLE_DATASETS, is_csv, is_dataset_name, is_folder
from netbuilder.gui.text import fill

if TYPE_CHECKING:
    from netbuilder.core.data import Dataset
    from netbuilder.gui.controllers.training import TrainingController
    from netbuilder.gui.controllers.training_worker import DatasetLoader


def dataset_key(name: str, val_split: float, seed: int) -> tuple:
    """A dataset read with these settings (a downloaded set's split does not use the seed)."""
    return (name, round(val_split, 4), 0 if name in DOWNLOADABLE_DATASETS else seed)


class DatasetLoads(QObject):
    def __init__(self, controller: TrainingController):
        super().__init__(controller)
        self.controller = controller
        self.session = controller.session
        self.datasets: dict[tuple, Dataset] = {}
        self.thread: QThread | None = None  # a download's
        self.downloader: DatasetLoader | None = None
        self._preloader: DatasetLoader | None = None

    def key(self, name: str, seed: int | None = None) -> tuple:
        """The key of ``name`` with the session's split (and seed, unless another is given)."""
        session = self.session
        return dataset_key(name, session.val_split,
                           session.config.seed if seed is None else seed)

    @Slot(str)
    def preload(self, name: str) -> None:
        """Read a chosen image folder or table on a thread (no window owns it), so that its
        input shape and classes are known before a run: ``data_shape_known`` says them."""
        from netbuilder.gui.controllers.training_worker import DatasetLoader, start_detached

        if not (is_folder(name) or is_csv(name)) or not is_dataset_name(name):
            return
        key = self.key(name)
        if key in self.datasets:
            self._tell_shape(self.datasets[key])
            return
        loader = DatasetLoader(name, self.session.val_split, self.session.config.seed, key)
        loader.loaded.connect(self._preloaded)
        loader.failed.connect(self._preload_failed)
        self._preloader = loader
        start_detached(loader)

    @Slot(str)
    def _preload_failed(self, message: str) -> None:
        self.controller.say(message)

    @Slot(object, object)
    def _preloaded(self, key, dataset: Dataset) -> None:
        self.datasets[key] = dataset
        if dataset.name == self.session.dataset:  # still the chosen one
            self._tell_shape(dataset)

    def _tell_shape(self, dataset: Dataset) -> None:
        stats: list = []
        if not dataset.is_table and len(dataset.train_labels):
            from netbuilder.core.normalize import channel_stats

            # A streamed folder is measured on a seeded sample, not decoded whole.
            images = dataset.sample(2048) if hasattr(dataset, "sample") else (
                dataset.train_images)
            stats = list(channel_stats(images))
        self.controller.data_shape_known.emit(dataset.input_shape, dataset.num_classes,
                                              dataset.name, stats)

    @Slot(str)
    def download(self, name: str) -> None:
        """Fetch a torchvision dataset on a thread, with a busy bar; the window stays usable."""
        from netbuilder.gui.controllers.training_worker import DatasetLoader, start_in_thread

        controller = self.controller
        if self.thread is not None or controller.running:
            return
        controller.downloading.emit(True)
        controller.say(fill(self.tr("Downloading %1…"), name))
        self.downloader = DatasetLoader(name, self.session.val_split, self.session.config.seed,
                                        self.key(name))
        self.downloader.loaded.connect(self._downloaded)
        self.downloader.failed.connect(self._download_failed)
        self.thread = start_in_thread(self.downloader, self)
        self.thread.finished.connect(self._download_finished)

    @Slot(object, object)
    def _downloaded(self, key, dataset: Dataset) -> None:
        self.datasets[key] = dataset
        self.controller.say(fill(self.tr("%1 is ready."), str(dataset)))

    @Slot(str)
    def _download_failed(self, message: str) -> None:
        self.controller.say(message)
        self.controller.message.emit(message)

    @Slot()
    def _download_finished(self) -> None:
        if self.thread is not None:
            self.thread.deleteLater()
        self.thread = None
        self.downloader = None
        controller = self.controller
        controller.downloading.emit(False)
        controller.busy.emit(controller.running, controller.paused)
