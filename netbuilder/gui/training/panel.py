"""Training settings, the Start / Pause / Stop controls and the progress of the run."""

from __future__ import annotations

import sys
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.registry import (
    DATASET_NAMES,
    DOWNLOADABLE_DATASETS,
    FOLDER_COLORS,
    FOLDER_FITS,
    FOLDER_SIZES,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    TASKS,
    csv_name,
    csv_options,
    csv_path,
    folder_name,
    folder_options,
    folder_path,
    is_csv,
)
from netbuilder.core.train_config import PEN_SETTINGS, TrainConfig
from netbuilder.core.train_config import SETTING_LIMITS as LIMITS
from netbuilder.gui.text import fill
from netbuilder.gui.training.log_folder import LogFolderOption
from netbuilder.gui.training.pen_strengths import PenStrengths

FOLDER = "folder"
TABLE = "csv"


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingPanel(QWidget):
    start_requested = Signal()
    pause_requested = Signal()
    stop_requested = Signal()
    reset_requested = Signal()
    use_best_requested = Signal()
    download_requested = Signal(str)
    dataset_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("training_panel")
        self.session = None
        self._showing = False
        self._running = False
        self.dataset = QComboBox(self)
        self.dataset.setObjectName("train_dataset")
        for name in DATASET_NAMES:
            self.dataset.addItem(name, name)
        self.dataset.addItem(self.tr("Image folder…"), FOLDER)
        self.dataset.addItem(self.tr("CSV table…"), TABLE)
        self.folder = QLineEdit(self)
        self.folder.setObjectName("train_folder")
        self.folder.setReadOnly(True)
        self.folder.setPlaceholderText(self.tr("one sub-folder per class"))
        self.image_size = QSpinBox(self)
        self.image_size.setObjectName("image_size_spin")
        self.image_size.setRange(FOLDER_SIZES[0] - 1, FOLDER_SIZES[1])
        self.image_size.setSpecialValueText(self.tr("automatic"))
        self.image_size.setValue(FOLDER_SIZES[0] - 1)
        self.image_size.setToolTip(self.tr("Images become this many pixels square (automatic: "
                                           "the median of their shorter sides, at most 64)"))
        self.fit = QComboBox(self)
        self.fit.setObjectName("fit_combo")
        for fit, text in zip(FOLDER_FITS, (self.tr("resize to a square"),
                                           self.tr("crop the centre square")), strict=True):
            self.fit.addItem(text, fit)
        self.color = QComboBox(self)
        self.color.setObjectName("color_combo")
        colors = (self.tr("as the images are"), self.tr("colour (RGB)"), self.tr("grayscale"))
        for color, text in zip(FOLDER_COLORS, colors, strict=True):
            self.color.addItem(text, color)
        self.table = QLineEdit(self)
        self.table.setObjectName("train_table")
        self.table.setReadOnly(True)
        self.table.setPlaceholderText(self.tr("one row per example, a header row"))
        self.target = QComboBox(self)
        self.target.setObjectName("target_combo")
        self.target.setToolTip(self.tr("The column to predict; every other column is an input"))
        self.task = QComboBox(self)
        self.task.setObjectName("task_combo")
        for task, text in zip(TASKS, (self.tr("decided by the target"), self.tr("classification"),
                                      self.tr("regression (a number)")), strict=True):
            self.task.addItem(text, task)
        self.download = QPushButton(self.tr("Download"), self)
        self.download.setObjectName("download_button")
        self.download.setToolTip(self.tr("Fetch this dataset with torchvision into the data "
                                         "folder (needs the internet once)"))
        self.val_split = self._double(*LIMITS["val_split"], 0.2, 2, 0.05, "val_split")
        self.augment = QCheckBox(self.tr("Random rotation, scale, shift"), self)
        self.augment.setObjectName("augment_check")
        self.augment.setToolTip(self.tr("Each batch is randomly rotated, scaled and shifted, "
                                        "then given each pen effect below whose strength is "
                                        "above 0"))
        self.pen = PenStrengths(self)
        self.loss = self._combo(LOSSES, "loss_combo")
        self.optimizer = self._combo(OPTIMIZERS, "optimizer_combo")
        self.lr = self._double(*LIMITS["lr"], 1e-3, 6, 1e-4, "lr_spin")
        self.weight_decay = self._double(*LIMITS["weight_decay"], 0.0, 6, 1e-4,
                                         "weight_decay_spin")
        self.batch_size = self._int(*LIMITS["batch_size"], 64, "batch_spin")
        self.epochs = self._int(*LIMITS["epochs"], 5, "epochs_spin")
        self.patience = self._int(*LIMITS["patience"], 0, "patience_spin")
        self.patience.setSpecialValueText(self.tr("off"))
        self.patience.setToolTip(self.tr("Stop early when the validation loss has not improved "
                                         "for this many epochs (off: run every epoch)"))
        self.schedule = self._combo(SCHEDULES, "schedule_combo")
        self.seed = self._int(*LIMITS["seed"], 0, "seed_spin")
        # cuda and mps are added when torch has loaded (add_devices): the panel comes first
        self.device = self._combo(["auto", "cpu"], "device_combo")
        if "torch" in sys.modules:
            self.add_devices()
        self.fresh = QCheckBox(self.tr("Fresh weights (else continue)"), self)
        self.fresh.setToolTip(self.tr("Start the run from newly initialised weights instead of "
                                      "continuing from the current ones"))
        self.fresh.setObjectName("fresh_check")
        self.log_folder = LogFolderOption(self)
        self.start = QPushButton(self.tr("Start (F5)"), self)
        self.start.setObjectName("start_button")
        self.pause = QPushButton(self.tr("Pause (F6)"), self)
        self.pause.setObjectName("pause_button")
        self.stop = QPushButton(self.tr("Stop (Shift+F5)"), self)
        self.stop.setObjectName("stop_button")
        self.reset = QPushButton(self.tr("Reset weights"), self)
        self.reset.setObjectName("reset_button")
        self.use_best = QPushButton(self)
        self.use_best.setObjectName("use_best_button")
        self.use_best.setToolTip(self.tr("Put the weights of the run's epoch with the lowest "
                                         "validation loss into the network"))
        self.use_best.hide()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("train_progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel(self.tr("Not trained yet."), self)
        self.status.setObjectName("train_status")
        self.status.setWordWrap(True)

        data_row = QHBoxLayout()
        data_row.addWidget(self.dataset, 1)
        data_row.addWidget(self.download)
        form = QFormLayout()
        form.addRow(self.tr("Dataset"), data_row)
        form.addRow(self.tr("Folder"), self.folder)
        form.addRow(self.tr("Image size"), self.image_size)
        form.addRow(self.tr("Fit"), self.fit)
        form.addRow(self.tr("Colour"), self.color)
        form.addRow(self.tr("Table"), self.table)
        form.addRow(self.tr("Target"), self.target)
        form.addRow(self.tr("Task"), self.task)
        self.form = form
        form.addRow(self.tr("Validation share"), self.val_split)
        form.addRow(self.tr("Augmentation"), self.augment)
        form.addRow(self.tr("Pen effects"), self.pen)
        form.addRow(self.tr("Loss"), self.loss)
        form.addRow(self.tr("Optimizer"), self.optimizer)
        form.addRow(self.tr("Learning rate"), self.lr)
        form.addRow(self.tr("Weight decay"), self.weight_decay)
        form.addRow(self.tr("Batch size"), self.batch_size)
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow(self.tr("Early stopping"), self.patience)
        form.addRow(self.tr("LR schedule"), self.schedule)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("Device"), self.device)
        form.addRow("", self.fresh)
        form.addRow(self.tr("Training log"), self.log_folder)
        buttons = QGridLayout()  # two by two: the labels fit a narrow dock in any language
        for index, button in enumerate((self.start, self.pause, self.stop, self.reset)):
            buttons.addWidget(button, index // 2, index % 2)
        for box in self.findChildren(QComboBox):  # long entries (paths) must not widen the dock
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        for edit in (self.folder, self.table):
            edit.setMinimumWidth(60)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.use_best)
        layout.addStretch(1)

        self.start.clicked.connect(self.start_requested)
        self.pause.clicked.connect(self.pause_requested)
        self.stop.clicked.connect(self.stop_requested)
        self.reset.clicked.connect(self.reset_requested)
        self.use_best.clicked.connect(self.use_best_requested)
        self.download.clicked.connect(lambda: self.download_requested.emit(self.dataset_name()))
        self.dataset.activated.connect(self._dataset_activated)
        self.target.activated.connect(self._table_changed)
        self.task.activated.connect(self._table_changed)
        self.fit.activated.connect(self._table_changed)
        self.color.activated.connect(self._table_changed)
        self.image_size.editingFinished.connect(lambda: self._table_changed(0))
        self.augment.toggled.connect(self._update_pen)
        self.set_running(False)
        self._update_download()

    # -- construction helpers -------------------------------------------------------------------

    def _combo(self, values, name: str) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        for value in values:
            box.addItem(value, value)
        return box

    def _int(self, low: int, high: int, value: int, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(low, high)
        box.setValue(value)
        return box

    def _double(self, low: float, high: float, value: float, decimals: int, step: float,
                name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setObjectName(name)
        box.setDecimals(decimals)
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setValue(value)
        return box

    # -- dataset -------------------------------------------------------------------------------

    def dataset_name(self) -> str:
        choice = self.dataset.currentData()
        if choice == FOLDER:
            if not self.folder.text():
                return ""
            size = self.image_size.value()
            fit, color = self.fit.currentData(), self.color.currentData()
            return folder_name(self.folder.text(),
                               size=size if size >= FOLDER_SIZES[0] else None,
                               fit=None if fit == FOLDER_FITS[0] else fit,
                               color=None if color == FOLDER_COLORS[0] else color)
        if choice == TABLE:
            target = self.target.currentData() or ""
            return csv_name(self.table.text(), target, self.task.currentData()) if (
                self.table.text() and target) else ""
        return choice

    def set_dataset(self, name: str) -> None:
        if name.startswith("folder:"):
            try:
                options = folder_options(name)
            except ValueError:
                options = {}
            self.folder.setText(folder_path(name))
            self.image_size.setValue(int(options.get("size", FOLDER_SIZES[0] - 1)))
            self.fit.setCurrentIndex(max(0, self.fit.findData(options.get("fit"))))
            self.color.setCurrentIndex(max(0, self.color.findData(options.get("color"))))
            self.dataset.setCurrentIndex(self.dataset.findData(FOLDER))
        elif is_csv(name):
            options = csv_options(name)
            self._show_table(csv_path(name), options["target"])
            self.task.setCurrentIndex(max(0, self.task.findData(options["task"])))
            self.dataset.setCurrentIndex(self.dataset.findData(TABLE))
        else:
            index = self.dataset.findData(name)
            self.dataset.setCurrentIndex(max(0, index))
        self._update_download()

    def _show_table(self, path: str, target: str) -> None:
        """The table's path and its columns to choose the target from (the last by default,
        where tables usually keep it)."""
        from netbuilder.core.tabular import TabularError, read_columns

        self.table.setText(path)
        self.target.clear()
        try:
            columns = read_columns(path)
        except TabularError as exc:
            self.table.setToolTip(str(exc))
            columns = [target] if target else []
        else:
            self.table.setToolTip(path)
        for column in columns:
            self.target.addItem(column, column)
        index = self.target.findData(target) if target else self.target.count() - 1
        self.target.setCurrentIndex(max(0, index))

    def _dataset_activated(self, _index: int) -> None:
        if self.dataset.currentData() == FOLDER:
            folder = QFileDialog.getExistingDirectory(
                self, self.tr("Image folder (one sub-folder per class)"), self.folder.text())
            if folder:
                self.folder.setText(folder)
            elif not self.folder.text():
                self.dataset.setCurrentIndex(0)
        elif self.dataset.currentData() == TABLE:
            name, _ = QFileDialog.getOpenFileName(
                self, self.tr("CSV table (one row per example)"), self.table.text(),
                self.tr("CSV tables (*.csv);;All files (*)"))
            if name:
                self._show_table(name, "")
            elif not self.table.text():
                self.dataset.setCurrentIndex(0)
        self._update_download()
        if self.dataset_name():
            self.dataset_changed.emit(self.dataset_name())

    def _table_changed(self, _index: int) -> None:
        if self.dataset_name():
            self.dataset_changed.emit(self.dataset_name())

    def _update_download(self) -> None:
        online = self.dataset.currentData() in DOWNLOADABLE_DATASETS
        self.download.setVisible(online)
        self.folder.setEnabled(self.dataset.currentData() == FOLDER)
        table = self.dataset.currentData() == TABLE
        for widget in (self.table, self.target, self.task):
            self.form.setRowVisible(widget, table)
        for widget in (self.augment, self.pen):  # rows of a table are never jittered
            self.form.setRowVisible(widget, not table)
        folder = self.dataset.currentData() == FOLDER
        for widget in (self.folder, self.image_size, self.fit, self.color):
            self.form.setRowVisible(widget, folder)

    # -- settings ------------------------------------------------------------------------------

    def add_devices(self) -> None:
        """Offer the accelerators torch finds (it must have loaded), and show the settings'
        device again if it is one of them."""
        from netbuilder.core.optimization import available_devices

        for device in available_devices():
            if self.device.findData(device) < 0:
                self.device.addItem(device, device)
        if self.session is not None:
            self.show_settings()

    def config(self) -> TrainConfig:
        return TrainConfig(
            loss=self.loss.currentData(), optimizer=self.optimizer.currentData(),
            lr=self.lr.value(), weight_decay=self.weight_decay.value(),
            batch_size=self.batch_size.value(), epochs=self.epochs.value(),
            schedule=self.schedule.currentData(), seed=self.seed.value(),
            device=self.device.currentData(), augment=self.augment.isChecked(),
            patience=self.patience.value(), **self.pen.values())

    def bind(self, session) -> None:
        """Show the session's settings and write every change back to it (which marks the
        project modified); the session's own changes (Open, New) come back the same way."""
        self.session = session
        self.show_settings()
        self.set_dataset(session.dataset)
        session.config_changed.connect(self.show_settings)
        session.dataset_changed.connect(self.set_dataset)
        self.dataset_changed.connect(session.set_dataset)
        for box in (self.loss, self.optimizer, self.schedule, self.device):
            box.currentIndexChanged.connect(self._edited)
        for box in (self.lr, self.weight_decay, self.val_split, self.batch_size, self.epochs,
                    self.seed, self.patience):
            box.valueChanged.connect(self._edited)
        for box in (self.augment, self.fresh):
            box.toggled.connect(self._edited)
        self.pen.changed.connect(self._edited)

    def show_settings(self) -> None:
        """The session's training settings, without echoing them back as edits."""
        session = self.session
        config = session.config
        self._showing = True
        if self.device.findData(config.device) < 0:  # kept, even before torch has loaded
            self.device.addItem(config.device, config.device)
        try:
            for key, box in (("loss", self.loss), ("optimizer", self.optimizer),
                             ("schedule", self.schedule), ("device", self.device)):
                index = box.findData(getattr(config, key))
                if index >= 0:
                    box.setCurrentIndex(index)
            self.lr.setValue(config.lr)
            self.weight_decay.setValue(config.weight_decay)
            self.batch_size.setValue(config.batch_size)
            self.epochs.setValue(config.epochs)
            self.patience.setValue(config.patience)
            self.seed.setValue(config.seed)
            self.augment.setChecked(config.augment)
            self.pen.set_values({name: getattr(config, name) for name in PEN_SETTINGS})
            self.val_split.setValue(session.val_split)
            self.fresh.setChecked(session.fresh)
        finally:
            self._showing = False

    def _edited(self, *_args) -> None:
        if self._showing or self.session is None:
            return
        self.session.set_config(replace(self.session.config, **{
            k: v for k, v in self.config().to_dict().items() if k != "momentum"}))
        self.session.set_val_split(self.val_split.value())
        self.session.set_fresh(self.fresh.isChecked())

    # -- run state -----------------------------------------------------------------------------

    def set_running(self, running: bool, paused: bool = False) -> None:
        self._running = running
        self.start.setEnabled(not running)
        self.pause.setEnabled(running)
        self.pause.setText(self.tr("Resume (F6)") if paused else self.tr("Pause (F6)"))
        self.stop.setEnabled(running)
        self.reset.setEnabled(not running)
        for widget in (self.dataset, self.download, self.val_split, self.augment, self.loss,
                       self.folder, self.table, self.target, self.task, self.image_size,
                       self.fit, self.color,
                       self.optimizer, self.lr, self.weight_decay, self.batch_size, self.epochs,
                       self.patience, self.schedule, self.seed, self.device, self.fresh):
            widget.setEnabled(not running)
        self.log_folder.set_running(running)
        self._update_pen()
        if not running:
            self._update_download()

    def _update_pen(self, *_args) -> None:
        """The strengths apply only with augmentation, and cannot change during a run."""
        self.pen.setEnabled(self.augment.isChecked() and not self._running)

    def offer_best(self, text: str) -> None:
        """Show "Use best epoch (…)" after a run whose best epoch was not its last; "" hides."""
        self.use_best.setText(text)
        self.use_best.setVisible(bool(text))

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def clear_progress(self) -> None:
        self.progress.setValue(0)

    def set_downloading(self, downloading: bool) -> None:
        """A busy bar while a dataset downloads; no new run until it is there."""
        self.progress.setRange(0, 0 if downloading else 1000)
        self.download.setEnabled(not downloading)
        self.start.setEnabled(not downloading)

    def show_progress(self, epoch: int, epochs: int, step: int, steps: int, samples_per_s: float,
                      elapsed: float) -> None:
        total = max(1, epochs * steps)
        done = min(total, (epoch - 1) * steps + step)
        self.progress.setValue(int(1000 * done / total))
        eta = elapsed / done * (total - done) if done else 0.0
        self.status.setText(fill(
            self.tr("Epoch %1/%2 · step %3/%4 · %5 samples/s · %6 elapsed · %7 left"),
            epoch, epochs, step, steps, f"{samples_per_s:,.0f}", format_seconds(elapsed),
            format_seconds(eta)))
