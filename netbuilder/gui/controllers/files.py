"""Project files for a window: New, templates, Open, Save, recent files, drops and autosave.

Every file is checked whole (``Project.load``) before the session changes, in one step; a
refused file changes nothing, not even the path that Save writes to.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from netbuilder.core.atomic import atomic_write_text
from netbuilder.core.jsonfile import JsonFileError, read_json_file
from netbuilder.core.project import Project, ProjectError, check_recovery_info
from netbuilder.core.resources import load_template
from netbuilder.core.spec import NetworkSpec
from netbuilder.gui.dialogs.template import TemplateDialog
from netbuilder.gui.settings import recovery_dir, settings
from netbuilder.gui.text import fill

MAX_RECENT = 8


def reason(exc: BaseException) -> str:
    """The first line of why something failed, for a message box."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class FilesController(QObject):
    message = Signal(str)  # for the status bar

    def __init__(self, session, window: QWidget, open_weights: Callable[[Path], bool]):
        super().__init__(window)
        self.session = session
        self.window = window
        self.open_weights = open_weights  # .pth files go to the weights controller
        self.recovery_file = recovery_dir() / f"recovery-{os.getpid()}-{id(self):x}.json"

    # -- names ------------------------------------------------------------------------------------

    def display_name(self) -> str:
        session = self.session
        if session.path is not None:
            return session.path.name
        return self.tr("Untitled") if session.template is None else fill(
            self.tr("%1 (template)"), session.template)

    def maybe_save(self) -> bool:
        """True when it is fine to discard the current project."""
        if not self.session.dirty:
            return True
        answer = QMessageBox.question(
            self.window, self.tr("Unsaved changes"),
            fill(self.tr("Save the changes to %1?"), self.display_name()),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- new and open -----------------------------------------------------------------------------

    def new_network(self) -> None:
        if self.maybe_save():
            self.session.load(Project(NetworkSpec([1, 28, 28], [], "Net", 10)))

    def new_from_template(self) -> None:
        dialog = TemplateDialog(self.window)
        if dialog.exec() and dialog.chosen() and self.maybe_save():
            name = dialog.chosen()
            self.session.load(Project(load_template(name)), None, name)

    def open_dialog(self) -> None:
        path = self.session.path
        start = str(path.parent) if path else str(settings().value("files/last_dir", ""))
        name, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Open network"), start, self.tr("netbuilder files (*.json)"))
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        """Open a project or spec file; on a bad file say why and keep the current one."""
        try:
            project = Project.load(path)
        except ProjectError as exc:
            QMessageBox.warning(self.window, fill(self.tr("Cannot open %1"), path.name), str(exc))
            self._forget_recent(path)
            return False
        if not self.maybe_save():
            return False
        self.session.load(project, path.resolve())
        self._remember_recent(path.resolve())
        self.message.emit(fill(self.tr("Opened %1"), str(path)))
        return True

    def open_dropped(self, path: Path) -> bool:
        if path.suffix.lower() == ".json":
            return self.open_path(path)
        if path.suffix.lower() in (".pth", ".pt"):
            return self.open_weights(path)
        QMessageBox.warning(self.window, fill(self.tr("Cannot open %1"), path.name), fill(
            self.tr("%1 is not a file netbuilder opens: drop a project or network (.json), or "
                    "weights or a checkpoint (.pth)."), path.name))
        return False

    # -- save -------------------------------------------------------------------------------------

    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self.write(self.session.path)

    def save_as(self) -> bool:
        session = self.session
        start = str(session.path) if session.path else str(
            Path(str(settings().value("files/last_dir", ""))) / f"{session.spec.class_name}.json")
        name, _ = QFileDialog.getSaveFileName(self.window, self.tr("Save network"), start,
                                              self.tr("netbuilder project (*.json)"))
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        return self.write(path)

    def write(self, path: Path) -> bool:
        try:
            self.session.to_project().save(path)
        except OSError as exc:
            QMessageBox.warning(self.window, self.tr("Cannot save"), fill(
                self.tr("%1 could not be written: %2"), str(path), reason(exc)))
            return False
        self.session.mark_saved(path.resolve())
        self._remember_recent(path.resolve())
        self.recovery_file.unlink(missing_ok=True)
        self.message.emit(fill(self.tr("Saved %1"), str(path)))
        return True

    # -- recent files -----------------------------------------------------------------------------

    def _remember_recent(self, path: Path) -> None:
        store = settings()
        recent = [p for p in store.value("files/recent", [], list) or [] if p != str(path)]
        store.setValue("files/recent", [str(path), *recent][:MAX_RECENT])
        store.setValue("files/last_dir", str(path.parent))

    def _forget_recent(self, path: Path) -> None:
        store = settings()
        recent = store.value("files/recent", [], list) or []
        store.setValue("files/recent", [p for p in recent if Path(p) != path.resolve()])

    def recent_files(self) -> list[str]:
        return list(settings().value("files/recent", [], list) or [])

    # -- autosave and recovery --------------------------------------------------------------------

    def write_recovery(self) -> None:
        """Keep a copy of unsaved work; removed again once saved or closed cleanly."""
        if not self.session.dirty:
            self.recovery_file.unlink(missing_ok=True)
            return
        data = self.session.to_project().to_dict()
        path = self.session.path
        data["recovery"] = {"path": str(path) if path else None, "saved_at": time.time(),
                            "pid": os.getpid()}
        try:
            atomic_write_text(self.recovery_file, json.dumps(data, indent=1))
        except OSError as exc:
            self.message.emit(fill(self.tr("Autosave failed: %1"), reason(exc)))

    def discard_recovery(self) -> None:
        self.recovery_file.unlink(missing_ok=True)


def recovery_files() -> list[Path]:
    """Recovery files left by windows of processes that are no longer running."""
    found = []
    for path in sorted(recovery_dir().glob("recovery-*.json")):
        try:
            pid = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        found.append(path)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_recovery(path: Path) -> tuple[Project, dict] | None:
    """The project an autosave holds and its note, or None (the file is then removed)."""
    try:
        data = read_json_file(path)
        info = check_recovery_info(data.pop("recovery", {}) if isinstance(data, dict) else {})
        return Project.from_dict(data, path), info
    except (JsonFileError, ProjectError):
        path.unlink(missing_ok=True)
        return None
