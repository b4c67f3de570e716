"""Layers ▸ Add Layers from File…: a person's Python file of nn.Module classes becomes layer
kinds in the palette, and the network names the file (one undoable step)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from netbuilder.core import editing
from netbuilder.core.custom_layers import LayerFileError, LayerFileRequest, load_layer_file
from netbuilder.core.layer_files import LayerFileRef, read_layer_source
from netbuilder.gui.layer_trust import ask_to_run
from netbuilder.gui.settings import settings
from netbuilder.gui.text import fill


class LayerFilesController(QObject):
    message = Signal(str)  # for the status bar
    kinds_changed = Signal()  # the palette shows the new kinds

    def __init__(self, session, window: QWidget):
        super().__init__(window)
        self.session = session
        self.window = window

    def allow(self, request: LayerFileRequest) -> bool:
        """For opening files: may this file that a network names run?"""
        return ask_to_run(self.window, request)

    def add_dialog(self) -> None:
        start = str(settings().value("files/layers_dir", "")) or str(Path.home())
        name, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Add Layers from File"), start,
            self.tr("Python files (*.py)"))
        if name:
            self.add_file(Path(name))

    def add_file(self, path: Path) -> bool:
        """Ask, import, add the file to the network; on any failure say why, change nothing."""
        cannot = fill(self.tr("Cannot add layers from %1"), path.name)
        try:
            _data, sha = read_layer_source(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.window, cannot, getattr(exc, "strerror", None) or str(exc))
            return False
        if not ask_to_run(self.window, LayerFileRequest(path.resolve(), sha, ""), adding=True):
            return False
        try:
            loaded = load_layer_file(path)
        except LayerFileError as exc:
            QMessageBox.warning(self.window, cannot, str(exc))
            return False
        settings().setValue("files/layers_dir", str(path.resolve().parent))
        self.kinds_changed.emit()
        names = ", ".join(kind.name for kind in loaded.kinds)
        self.session.document.edit(
            fill(self.tr("Add Layers from %1"), path.name),
            lambda spec: editing.add_layer_file(spec, LayerFileRef(str(loaded.path),
                                                                   loaded.sha256)))
        self.message.emit(fill(self.tr("Added from %1: %2"), path.name, names))
        if loaded.notes:
            QMessageBox.information(
                self.window, fill(self.tr("Layers from %1"), path.name),
                fill(self.tr("Added: %1.\n\nNot added:\n%2"), names, "\n".join(loaded.notes)))
        return True
