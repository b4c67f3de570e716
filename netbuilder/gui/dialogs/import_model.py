"""File ▸ Import PyTorch Model…: which file, which class, what input.

The classes are listed by reading the file's syntax tree, so choosing runs nothing; the import
itself (which runs the file, in a separate process) starts only when the person says so.
"""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from netbuilder.gui.text import fill

MAX_SCAN_BYTES = 4 * 2**20


def class_names(path: Path) -> list[str]:
    """The classes a Python file defines at its top level (read, not run); [] when the file
    cannot be read or parsed."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_SCAN_BYTES:
            return []
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def parse_shape(text: str) -> list[int] | None:
    """'1, 28, 28' → [1, 28, 28]; None for anything else."""
    try:
        values = [int(part) for part in text.replace("×", ",").replace("x", ",").split(",")]
    except ValueError:
        return None
    return values if values and all(0 < v <= 1_000_000 for v in values) else None


class ImportModelDialog(QDialog):
    def __init__(self, input_shape: list[int], start_folder: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import PyTorch model"))
        self.setObjectName("import_model_dialog")
        self._folder = start_folder
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("import_path")
        self.path_edit.setAccessibleName(self.tr("Python file"))
        self.path_edit.setPlaceholderText(self.tr("a .py file with an nn.Module class"))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.class_box = QComboBox(self)
        self.class_box.setObjectName("import_class")
        self.class_box.setEditable(True)
        self.shape_edit = QLineEdit(", ".join(str(v) for v in input_shape), self)
        self.shape_edit.setObjectName("import_shape")
        self.shape_edit.setToolTip(self.tr("One sample's shape, without the batch"))
        note = QLabel(self.tr("Importing runs the file's code (in a separate process that is "
                              "stopped after a minute). Import only code you trust."), self)
        note.setWordWrap(True)
        self.problem = QLabel(self)
        self.problem.setObjectName("import_problem")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("File"), row)
        form.addRow(self.tr("Class"), self.class_box)
        form.addRow(self.tr("Input shape"), self.shape_edit)
        form.addRow(note)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.path_edit.editingFinished.connect(self._path_changed)
        self.resize(520, self.sizeHint().height())

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Python file with a model"),
                                              self._folder, self.tr("Python (*.py)"))
        if name:
            self.set_path(Path(name))

    def set_path(self, path: Path) -> None:
        self.path_edit.setText(str(path))
        self._path_changed()

    def _path_changed(self) -> None:
        names = class_names(Path(self.path_edit.text()))
        self.class_box.clear()
        self.class_box.addItems(names)
        self.problem.setText("" if names or not self.path_edit.text() else self.tr(
            "No class found in this file (or it cannot be read as Python)."))

    def chosen(self) -> tuple[Path, str, list[int]] | None:
        shape = parse_shape(self.shape_edit.text())
        path = Path(self.path_edit.text())
        name = self.class_box.currentText().strip()
        if shape is None or not name or not path.is_file():
            return None
        return path, name, shape

    def _accept(self) -> None:
        if self.chosen() is None:
            self.problem.setText(fill(self.tr("Choose a file, a class and an input shape "
                                              "such as %1."), "1, 28, 28"))
            return
        self.accept()
