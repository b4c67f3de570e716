"""The Training panel's "Log to folder" option: each run also writes TensorBoard event files
and metrics.csv (``core.run_log``) into a sub-folder of a chosen folder.

Where logs go belongs to this computer, not to the work: the choice is kept in the app's
QSettings, never in the project (see :mod:`netbuilder.gui.log_setting`), and the training
controller reads it when a run starts.
"""

from __future__ import annotations

import importlib.util

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.log_setting import log_setting, save_log_setting


def tensorboard_installed() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


class LogFolderOption(QWidget):
    """A check box, the folder (typed or chosen with Browse…) and a note when TensorBoard is
    missing; every change is saved at once."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("log_folder_option")
        self.enabled = QCheckBox(self.tr("Log each run to a folder"), self)
        self.enabled.setObjectName("log_check")
        self.enabled.setToolTip(self.tr(
            "Each run also writes TensorBoard event files (losses, scores, learning rate, weight "
            "histograms) and metrics.csv into a new sub-folder of this folder; tensorboard "
            "--logdir FOLDER shows them. Kept on this computer, not in the project."))
        self.folder = QLineEdit(self)
        self.folder.setObjectName("log_folder_edit")
        self.folder.setPlaceholderText(self.tr("folder for training logs"))
        self.folder.setAccessibleName(self.tr("Training log folder"))
        self.folder.setMinimumWidth(60)
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.setObjectName("log_browse_button")
        self.browse.setAccessibleName(self.tr("Choose the training log folder"))
        self.note = QLabel(self.tr("TensorBoard is not installed: only metrics.csv is written "
                                   "(pip install 'netbuilder[tensorboard]')."), self)
        self.note.setObjectName("log_note")
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.enabled)
        layout.addLayout(row)
        layout.addWidget(self.note)

        enabled, folder = log_setting()
        self.enabled.setChecked(enabled)
        self.folder.setText(folder)
        self._update()
        self.enabled.toggled.connect(self._changed)
        self.folder.editingFinished.connect(self._changed)
        self.browse.clicked.connect(self._browse)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for training logs"),
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)
            self.enabled.setChecked(True)  # choosing a folder means logging to it
            self._changed()

    def _changed(self, *_args) -> None:
        if self.enabled.isChecked() and not self.folder.text().strip():
            self.folder.setFocus()  # a folder is needed: the next step is typing or Browse…
        save_log_setting(self.enabled.isChecked(), self.folder.text().strip())
        self._update()

    def _update(self) -> None:
        on = self.enabled.isChecked()
        self.note.setVisible(on and not tensorboard_installed())

    def set_running(self, running: bool) -> None:
        """A run logs where it started logging: the choice waits for the next run."""
        for widget in (self.enabled, self.folder, self.browse):
            widget.setEnabled(not running)
