"""Runs ``core.importer.import_model`` on a thread: the import runs someone's file in a child
process (seconds), and the window stays usable meanwhile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot


class ImportWorker(QObject):
    done = Signal(object)  # core.importer.ImportResult
    failed = Signal(str)
    finished = Signal()

    def __init__(self, path: Path, class_name: str, input_shape: list[int],
                 num_classes: int | None = None):
        super().__init__()
        self.path, self.class_name, self.input_shape = path, class_name, input_shape
        self.num_classes = num_classes

    @Slot()
    def run(self) -> None:
        from netbuilder.core.importer import ModelImportError, import_model

        try:
            self.done.emit(import_model(self.path, self.class_name, self.input_shape,
                                        num_classes=self.num_classes))
        except ModelImportError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never take the window down from a worker
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()
