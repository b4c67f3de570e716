"""Project files for a window: New, templates, Open, Save, recent files, drops and autosave.

Every file is checked whole (``Project.load``) and its model built aside before the session
changes, in one step; a refused file changes nothing, not even the path that Save writes to.
A project with trained weights is saved as a ``.nbproj`` (one file: the JSON, the weights, the
resume point); one without stays a plain ``.json``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from netbuilder.core.atomic import atomic_write_bytes, atomic_write_text
from netbuilder.core.jsonfile import JsonFileError, parse_json, read_json_file
from netbuilder.core.project import (
    ARCHIVE_SUFFIX,
    Project,
    ProjectError,
    check_recovery_info,
)
from netbuilder.core.resources import load_template_project
from netbuilder.core.spec import NetworkSpec, Problem
from netbuilder.gui.dialogs.template import TemplateDialog
from netbuilder.gui.settings import recovery_dir, settings
from netbuilder.gui.text import fill

MAX_RECENT = 8
OPENED_SUFFIXES = (".json", ARCHIVE_SUFFIX)


def reason(exc: BaseException) -> str:
    """The first line of why something failed, for a message box."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class FilesController(QObject):
    message = Signal(str)  # for the status bar

    def __init__(self, session, window: QWidget, open_weights: Callable[[Path], bool],
                 allow_layer_file: Callable | None = None):
        super().__init__(window)
        self.session = session
        self.window = window
        self.open_weights = open_weights  # .pth files go to the weights controller
        self.allow_layer_file = allow_layer_file  # asked before a project's layer file runs
        self.importing = None  # the import worker while one runs
        self.recovery_stem = recovery_dir() / f"recovery-{os.getpid()}-{id(self):x}"
        self._recovered_revision = -1

    @property
    def recovery_file(self) -> Path:
        """This window's autosave: a ``.nbproj`` when it holds weights, else a ``.json``."""
        archive = self.recovery_stem.with_suffix(ARCHIVE_SUFFIX)
        return archive if archive.exists() else self.recovery_stem.with_suffix(".json")

    # -- names ------------------------------------------------------------------------------------

    def display_name(self) -> str:
        session = self.session
        if session.path is not None:
            return session.path.name
        return self.tr("Untitled") if session.template is None else fill(
            self.tr("%1 (template)"), session.template)

    def maybe_save(self) -> bool:
        """True when it is fine to discard the current project; the question says what would
        be lost."""
        if not self.session.dirty:
            return True
        lost = self.session.unsaved_changes()
        answer = QMessageBox.question(
            self.window, self.tr("Unsaved changes"),
            fill(self.tr("Save the changes to %1?\n\nNot saved yet: %2."), self.display_name(),
                 "; ".join(lost)),
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
            self.session.load(load_template_project(name), None, name)  # with its dataset

    def open_dialog(self) -> None:
        path = self.session.path
        start = str(path.parent) if path else str(settings().value("files/last_dir", ""))
        name, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Open project"), start,
            self.tr("netbuilder projects and networks (*.nbproj *.json)"))
        if name:
            self.open_path(Path(name))

    def read_project(self, path: Path) -> tuple[Project, object] | None:
        """The project at ``path`` and its model (None without weights), checked and built
        aside; None after saying why not."""
        try:
            project = Project.load(path, self.allow_layer_file)
            return project, project_model_or_none(project)
        except ProjectError as exc:
            text = str(exc)
            if any(".custom_layers" in f".{p.where}" for p in exc.problems):
                text += "\n\n" + self.tr("To allow a custom-layer file, add it with Layers ▸ "
                                          "Add Layers from File…, then open the project again.")
            QMessageBox.warning(self.window, fill(self.tr("Cannot open %1"), path.name), text)
        except Exception as exc:  # building the network's weights (memory)
            QMessageBox.warning(self.window, fill(self.tr("Cannot open %1"), path.name), fill(
                self.tr("The network cannot be built: %1"), reason(exc)))
        return None

    def open_path(self, path: Path) -> bool:
        """Open a project or spec file; on a bad file say why and keep the current one."""
        found = self.read_project(path)
        if found is None:
            self._forget_recent(path)
            return False
        project, model = found
        if not self.maybe_save():
            return False
        self.session.load(project, path.resolve(), model=model)
        self._remember_recent(path.resolve())
        self.message.emit(fill(self.tr("Opened %1"), str(path)))
        return True

    def open_dropped(self, path: Path) -> bool:
        """A dropped file, or one named on the command line: by its kind."""
        if path.suffix.lower() in OPENED_SUFFIXES:
            return self.open_path(path)
        if path.suffix.lower() in (".pth", ".pt"):
            return self.open_weights(path)
        QMessageBox.warning(self.window, fill(self.tr("Cannot open %1"), path.name), fill(
            self.tr("%1 is not a file netbuilder opens: drop a project (.nbproj, .json), a "
                    "network (.json), or weights or a checkpoint (.pth)."), path.name))
        return False

    # -- save -------------------------------------------------------------------------------------

    def project_suffix(self) -> str:
        """``.nbproj`` when the project holds trained weights, else ``.json``."""
        return ARCHIVE_SUFFIX if self.session.trained else ".json"

    def save(self) -> bool:
        path = self.session.path
        if path is None:
            return self.save_as()
        return self.write(path)

    def save_as(self) -> bool:
        """Save the project under a new name, or (the second file type) only its network as a
        ``netbuilder.network`` spec, which leaves the project's own file and state alone."""
        session = self.session
        suffix = self.project_suffix()
        last = Path(str(settings().value("files/last_dir", "")))
        start = str(session.path.with_suffix(suffix)) if session.path else str(
            last / f"{session.spec.class_name}{suffix}")
        project_filter = fill(self.tr("netbuilder project (*%1)"), suffix)
        spec_filter = self.tr("Network spec only (*.json)")
        name, chosen = QFileDialog.getSaveFileName(
            self.window, self.tr("Save project as"), start, f"{project_filter};;{spec_filter}")
        if not name:
            return False
        path = Path(name)
        if chosen == spec_filter:
            return self.write_spec(path.with_suffix(".json"))
        return self.write(path.with_suffix(suffix))

    def write(self, path: Path) -> bool:
        """Save the whole project to ``path``. Trained weights do not fit in a ``.json``: such
        a project goes to the ``.nbproj`` beside it (and says so), the ``.json`` stays."""
        moved_from = None
        if self.session.trained and path.suffix.lower() != ARCHIVE_SUFFIX:
            moved_from, path = path, path.with_suffix(ARCHIVE_SUFFIX)
        try:
            self.session.to_project().save(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.window, self.tr("Cannot save"), fill(
                self.tr("%1 could not be written: %2"), str(path), reason(exc)))
            return False
        self.session.mark_saved(path.resolve())
        self._remember_recent(path.resolve())
        self.discard_recovery()
        if moved_from is not None:
            self.message.emit(fill(self.tr("Saved %1: a project with trained weights is a %2 "
                                           "file (%3 is left as it was)"), str(path),
                                   ARCHIVE_SUFFIX, moved_from.name))
        else:
            self.message.emit(fill(self.tr("Saved %1"), str(path)))
        return True

    def write_spec(self, path: Path) -> bool:
        """Only the network, as the plain spec the CLI and templates read; the project (its
        path, its unsaved changes) stays as it is."""
        try:
            atomic_write_text(path, self.session.spec.to_json())
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.window, self.tr("Cannot save"), fill(
                self.tr("%1 could not be written: %2"), str(path), reason(exc)))
            return False
        self.message.emit(fill(self.tr("Wrote the network spec %1 (the project itself is not "
                                       "saved)"), str(path)))
        return True

    # -- import from PyTorch code ---------------------------------------------------------------

    def import_model_dialog(self) -> None:
        from netbuilder.gui.dialogs.import_model import ImportModelDialog

        folder = str(settings().value("files/last_dir", "") or "")
        dialog = ImportModelDialog(list(self.session.spec.input_shape), folder, self.window)
        if dialog.exec() and dialog.chosen() is not None:
            self.import_model_from(*dialog.chosen())

    def import_model_from(self, path: Path, class_name: str, input_shape: list[int]) -> None:
        """Import ``class_name`` of ``path`` (run in a child process, on a thread); the
        network opens as a new, unsaved project when it arrives."""
        from netbuilder.gui.controllers.import_worker import ImportWorker
        from netbuilder.gui.controllers.training_worker import start_detached

        if self.importing is not None:
            return
        self.importing = ImportWorker(path, class_name, input_shape,
                                      self.session.spec.num_classes)
        self.importing.done.connect(self._imported)
        self.importing.failed.connect(self._import_failed)
        self.importing.finished.connect(self._import_finished)
        self._import_source = (path, class_name)
        self.message.emit(fill(self.tr("Importing %1 from %2…"), class_name, path.name))
        start_detached(self.importing)

    @Slot(object)
    def _imported(self, result) -> None:
        path, class_name = self._import_source
        if not self.maybe_save():
            return
        session = self.session
        self.session.load(Project(result.spec, session.dataset, session.settings()))
        self.session.mark_unsaved()
        notes = "\n".join(f"• {note}" for note in result.notes)
        text = fill(self.tr("%1 from %2 is now the network."), class_name, path.name)
        self.message.emit(text)
        if notes:
            QMessageBox.information(self.window, self.tr("Imported"), f"{text}\n\n{notes}")

    @Slot(str)
    def _import_failed(self, text: str) -> None:
        path, class_name = self._import_source
        QMessageBox.warning(self.window, fill(self.tr("Cannot import %1"), class_name), text)

    @Slot()
    def _import_finished(self) -> None:
        self.importing = None

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
        """Keep a copy of unsaved work, trained weights included (a ``.nbproj`` then); written
        when something changed since the last copy, removed once saved or closed cleanly."""
        session = self.session
        if not session.dirty:
            self.discard_recovery()
            return
        if session.revision == self._recovered_revision or session.document.locked:
            return  # nothing new, or a run is changing the weights: the next tick writes
        path = session.path
        note = {"path": str(path) if path else None, "saved_at": time.time(),
                "pid": os.getpid()}
        project = session.to_project()
        target = self.recovery_stem.with_suffix(ARCHIVE_SUFFIX if project.weights else ".json")
        try:
            if project.weights is not None:
                from netbuilder.core.project_archive import archive_bytes

                atomic_write_bytes(target, recovery_archive(archive_bytes(project), note))
            else:
                data = project.to_dict()
                data["recovery"] = note
                atomic_write_text(target, json.dumps(data, indent=1))
        except (OSError, ValueError) as exc:
            self.message.emit(fill(self.tr("Autosave failed: %1"), reason(exc)))
            return
        self._recovered_revision = session.revision
        for other in (".json", ARCHIVE_SUFFIX):  # the copy of the other kind is out of date
            if other != target.suffix:
                self.recovery_stem.with_suffix(other).unlink(missing_ok=True)

    def discard_recovery(self) -> None:
        self._recovered_revision = -1
        for suffix in (".json", ARCHIVE_SUFFIX):
            self.recovery_stem.with_suffix(suffix).unlink(missing_ok=True)


def project_model_or_none(project: Project):
    """The project's model holding its weights, or None when it has none (built lazily)."""
    if project.weights is None:
        return None
    from netbuilder.core.project_archive import project_model

    return project_model(project)


RECOVERY_MEMBER = "recovery.json"


def recovery_archive(data: bytes, note: dict) -> bytes:
    """A ``.nbproj``'s bytes with the autosave's note added as one more member."""
    import io
    import zipfile

    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(RECOVERY_MEMBER, json.dumps(note))
    return buffer.getvalue()


def recovery_files() -> list[Path]:
    """Recovery files left by windows of processes that are no longer running."""
    found = []
    for path in sorted(recovery_dir().glob("recovery-*.*")):
        if path.suffix not in OPENED_SUFFIXES:
            continue
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


def read_recovery(path: Path, allow: Callable | None = None) -> tuple[Project, dict] | None:
    """The project an autosave holds and its note, or None (the file is then removed, unless
    only a custom-layer file it names was not allowed to run: that autosave waits)."""
    try:
        if path.suffix == ARCHIVE_SUFFIX:
            return _read_recovery_archive(path, allow)
        data = read_json_file(path)
        info = check_recovery_info(data.pop("recovery", {}) if isinstance(data, dict) else {})
        return Project.from_dict(data, path, allow=allow), info
    except JsonFileError:
        path.unlink(missing_ok=True)
    except ProjectError as exc:
        if not any(p.where.startswith("network.custom_layers") for p in exc.problems):
            path.unlink(missing_ok=True)
    return None


def _read_recovery_archive(path: Path, allow: Callable | None) -> tuple[Project, dict]:
    """An autosaved ``.nbproj``: its note member is read and removed, then the rest is opened
    like any project (in a private copy, so the checks see a plain project archive)."""
    import tempfile
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(RECOVERY_MEMBER)
            declared = sum(i.file_size for i in archive.infolist())
            if info.file_size > 65536 or declared > 2 * path.stat().st_size + 2**26:
                raise ProjectError(path, [Problem("", "the autosave declares more data than it "
                                                      "holds")])
            note = parse_json(archive.read(info).decode("utf-8", "replace"))
            members = [(i, archive.read(i)) for i in archive.infolist()
                       if i.filename != RECOVERY_MEMBER]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ProjectError(path, [Problem("", f"the autosave is damaged ({exc})")]) from None
    with tempfile.TemporaryDirectory(prefix="netbuilder-") as folder:
        copy = Path(folder) / path.name
        with zipfile.ZipFile(copy, "w") as archive:
            for member, data in members:
                archive.writestr(member, data)
        return Project.load(copy, allow), check_recovery_info(note)
