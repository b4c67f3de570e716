"""Weights and exports for a window: state_dicts, checkpoints, code, scripts and programs.

A file is read and checked whole, and a model built from it aside, before the session changes;
every save is atomic, and any failure of one is said in a message while the old file stays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from netbuilder.core.atomic import atomic_write_text
from netbuilder.core.custom_layers import place_beside
from netbuilder.core.project import Project, ProjectError, project_from_checkpoint
from netbuilder.core.spec import NetworkSpec, SpecError
from netbuilder.gui.controllers.files import reason
from netbuilder.gui.dialogs.weights import MATCHING, ReconcileDialog
from netbuilder.gui.settings import settings
from netbuilder.gui.text import fill


def ask_export_untrained(parent: QWidget | None) -> bool:
    """Whether to write weights nobody trained or loaded: random numbers that look like a
    model. The safe answer (Cancel) is the default."""
    title = QCoreApplication.translate("WeightsController", "Export untrained weights?")
    text = QCoreApplication.translate(
        "WeightsController", "This network has not been trained, and no weights were loaded "
        "into it. The file would hold its random initial weights, whose outputs mean nothing "
        "yet.\n\nTrain it (F5) or load weights first, or export the initial weights anyway.")
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("untrained_export_box")
    anyway = box.addButton(QCoreApplication.translate("WeightsController", "Export Anyway"),
                           QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is anyway


def _calibration(loaded):
    """A checkpoint's calibration (checked by load_file), or None: plain weights have none."""
    return loaded.checkpoint.get("calibration") if loaded.is_checkpoint else None


class WeightsController(QObject):
    message = Signal(str)  # for the status bar

    def __init__(self, session, training, window: QWidget, maybe_save: Callable[[], bool],
                 code_style: Callable[[], str], allow_layer_file: Callable | None = None):
        super().__init__(window)
        self.allow_layer_file = allow_layer_file  # asked before a checkpoint's layer file runs
        self.session = session
        self.document = session.document
        self.training = training
        self.window = window
        self.maybe_save = maybe_save
        self.code_style = code_style

    # -- asking and refusing ----------------------------------------------------------------------

    def _folder(self) -> Path:
        path = self.session.path
        return path.parent if path else Path.cwd()

    def _weights_path(self, title: str, save: bool, suffix: str = ".pth") -> Path | None:
        last = str(settings().value("files/last_dir", "") or "")
        path = self.session.path
        start = str(path.parent) if path else (last or str(Path.cwd()))
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        name, _ = ask(self.window, title, start, self.tr("PyTorch weights (*.pth *.pt)"))
        if not name:
            return None
        chosen = Path(name)
        return chosen.with_suffix(suffix) if save and not chosen.suffix else chosen

    def _refuse_while_training(self) -> bool:
        if self.training.running:
            QMessageBox.warning(self.window, self.tr("Training"), self.tr(
                "Stop the run first: the weights are changing."))
            return True
        return False

    def _untrained_declined(self) -> bool:
        """True when the weights are untrained and the person chose not to export them (a
        network without parameters has nothing to train)."""
        if self.session.trained or self.document.analysis.total_params == 0:
            return False
        return not ask_export_untrained(self.window)

    def _refuse_shape_errors(self) -> bool:
        """True (after saying why) when the shapes do not fit: nothing to export yet."""
        if self.document.analysis.ok:
            return False
        QMessageBox.warning(self.window, self.tr("Cannot export"), fill(
            self.tr("The shapes do not fit together yet:\n%1"),
            "\n".join(str(f) for f in self.document.analysis.errors)))
        return True

    def model_or_explain(self, title: str):
        """The current model, or None after saying why it cannot be built (e.g. its weights
        would not fit in memory)."""
        from netbuilder.core.checkpoint import memory_problem

        try:
            if self.session.model is None:
                problem = memory_problem(self.document.spec)
                if problem:
                    raise MemoryError(problem)
            return self.training.ensure_model()
        except Exception as exc:  # SpecError from the builder, an allocation failure
            QMessageBox.warning(self.window, title, fill(
                self.tr("The network cannot be built: %1"), reason(exc)))
            return None

    def _write(self, path: Path, write, failed_title: str, done: str) -> bool:
        """Run ``write()`` (an atomic save); say what happened; the old file survives errors."""
        if self._refuse_while_training():
            return False
        try:
            write()
        except Exception as exc:  # full disk, torch's zip writer, a network too big to build
            QMessageBox.warning(self.window, failed_title, fill(
                self.tr("%1 could not be written: %2. The file that was there is unchanged."),
                str(path), reason(exc)))
            return False
        self.message.emit(fill(done, str(path)))
        return True

    # -- exports ----------------------------------------------------------------------------------

    def export_code(self) -> None:
        if self._refuse_shape_errors():
            return
        start = str(self._folder() / f"{self.document.spec.class_name.lower()}.py")
        name, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export Python code"), start,
                                              self.tr("Python (*.py)"))
        if name:
            self.export_code_to(Path(name))

    def export_code_to(self, path: Path) -> bool:
        from netbuilder.core.codegen import generate

        try:
            atomic_write_text(path, generate(self.document.spec, self.code_style(),
                                             self.session.preprocessing or None))
            notes = place_beside(self.document.spec, path.parent)
        except (OSError, ValueError) as exc:  # a failed write, or a spec codegen refuses
            QMessageBox.warning(self.window, self.tr("Cannot export"), f"{path}: {reason(exc)}")
            return False
        self.message.emit("; ".join([fill(self.tr("Wrote %1"), str(path)), *notes]))
        return True

    def export_weights(self) -> None:
        if self._untrained_declined():
            return
        path = self._weights_path(self.tr("Export weights"), save=True)
        if path is not None:
            self.export_weights_to(path)

    def export_weights_to(self, path: Path) -> bool:
        """A plain state_dict: what model.load_state_dict(torch.load(path)) reads."""
        from netbuilder.core.checkpoint import save_state_dict

        model = self.model_or_explain(self.tr("Cannot export weights"))
        if model is None:
            return False
        return self._write(path, lambda: save_state_dict(model, path),
                           self.tr("Cannot export weights"),
                           self.tr("Wrote %1 (plain state_dict)"))

    def export_script(self) -> None:
        start = str(self._folder() / "train.py")
        name, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export training script"),
                                              start, self.tr("Python (*.py)"))
        if name:
            self.export_script_to(Path(name))

    def export_script_to(self, path: Path) -> bool:
        """A standalone script with the current settings: python, or torchrun for DDP."""
        from netbuilder.core.train_script import training_script

        if self._refuse_shape_errors():
            return False
        try:
            source = training_script(self.document.spec, self.session.config,
                                     self.session.val_split, path.name,
                                     dataset=self.session.dataset,
                                     preprocessing=self.session.preprocessing or None)
        except ValueError as exc:  # SpecError, TrainingError: said, nothing written
            QMessageBox.warning(self.window, self.tr("Cannot export"), str(exc))
            return False
        def write() -> None:
            atomic_write_text(path, source)
            place_beside(self.document.spec, path.parent)  # the layers the script imports

        return self._write(path, write, self.tr("Cannot export"),
                           self.tr("Wrote %1 — run it with python or torchrun"))

    def export_program(self, fmt: str) -> None:
        from netbuilder.core.exporters import FORMATS

        if self._untrained_declined():
            return
        suffix = FORMATS[fmt]
        start = str(self._folder() / f"{self.document.spec.class_name.lower()}{suffix}")
        name, _ = QFileDialog.getSaveFileName(self.window, fill(self.tr("Export %1"), fmt),
                                              start, f"*{suffix}")
        if name:  # a name typed without its suffix gets the format's
            path = Path(name)
            self.export_program_to(fmt, path if path.suffix else path.with_suffix(suffix))

    def export_program_to(self, fmt: str, path: Path) -> bool:
        """ONNX, TorchScript or torch.export with the current weights, verified."""
        from netbuilder.core.exporters import ExportError, export_verified

        if self._refuse_while_training() or self._refuse_shape_errors():
            return False
        model = self.model_or_explain(self.tr("Export failed"))
        if model is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = export_verified(model, fmt, path)
        except ExportError as exc:
            QMessageBox.warning(self.window, self.tr("Export failed"), str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
            data = self.training.device_data
            model.to(data.train_x.device if data is not None else "cpu")
        untrained = "" if self.document.trained_paths else self.tr(
            "\n\nNote: these weights are untrained.")
        QMessageBox.information(self.window, fill(self.tr("Exported %1"), path.name),
                                result.describe() + untrained)
        self.message.emit(result.describe().splitlines()[0])  # its warnings are in the box
        return True

    # -- checkpoints and loading -------------------------------------------------------------------

    def save_checkpoint(self) -> None:
        path = self._weights_path(self.tr("Save checkpoint"), save=True)
        if path is not None:
            self.save_checkpoint_to(path)

    def save_checkpoint_to(self, path: Path) -> bool:
        """Architecture, weights, optimizer state, settings and run history in one file."""
        from netbuilder.core.checkpoint import save_checkpoint

        dataset = self.training.dataset
        model = self.model_or_explain(self.tr("Cannot save checkpoint"))
        if model is None:
            return False
        session = self.session

        def write() -> None:
            save_checkpoint(path, session.spec, model, self.training.optimizer_state,
                            session.settings(), [run.to_dict() for run in session.runs],
                            dataset.class_names if dataset else [str(i) for i in range(10)],
                            extra={"dataset": session.dataset}, resume=session.resume_point,
                            calibration=session.calibration)

        return self._write(path, write, self.tr("Cannot save checkpoint"),
                           self.tr("Wrote %1 (full checkpoint)"))

    def load_weights(self) -> None:
        path = self._weights_path(self.tr("Load weights into this network"), save=False)
        if path is not None:
            self.load_weights_from(path)

    def load_weights_from(self, path: Path) -> bool:
        """Load a state_dict (or a checkpoint's weights) into the current network."""
        from netbuilder.core.checkpoint import CheckpointError, load_file

        if self._refuse_while_training():
            return False
        try:
            loaded = load_file(path, self.allow_layer_file)
        except CheckpointError as exc:
            QMessageBox.warning(self.window, self.tr("Cannot load weights"), str(exc))
            return False
        return self._apply_weights(loaded.state_dict, path.name, _calibration(loaded))

    def _warn_non_finite(self, state_dict, file_name: str) -> None:
        from netbuilder.core.checkpoint import non_finite_keys

        bad = non_finite_keys(state_dict)
        if bad:
            QMessageBox.warning(self.window, self.tr("Weights hold NaN or infinity"), fill(
                self.tr("%1 holds NaN or infinite values in %2. The network's outputs will not "
                        "be numbers until it is trained again or other weights are loaded."),
                file_name, ", ".join(bad[:5]) + (" …" if len(bad) > 5 else "")))

    def _apply_weights(self, state_dict, file_name: str, calibration=None) -> bool:
        """``calibration`` goes with the weights only when all of them are loaded."""
        from netbuilder.core.checkpoint import CheckpointError, load_weights, reconcile

        model = self.model_or_explain(self.tr("Cannot load weights"))
        if model is None:
            return False
        report = reconcile(model, state_dict)
        strict = report.perfect
        if not strict and ReconcileDialog(report, file_name, self.window).exec() != MATCHING:
            return False
        try:
            load_weights(model, state_dict, strict=strict)
        except CheckpointError as exc:  # checked before anything is copied: model unchanged
            QMessageBox.warning(self.window, self.tr("Cannot load weights"), str(exc))
            return False
        self.training.mark_loaded(report.matching, file_name,
                                  calibration=calibration if strict else None)
        self._warn_non_finite(state_dict, file_name)
        if strict:
            self.message.emit(fill(self.tr("Loaded all %1 tensors from %2"),
                                   len(report.matching), file_name))
        else:
            self.message.emit(fill(
                self.tr("Loaded %1 matching tensors from %2; %3 left as they were"),
                len(report.matching), file_name, len(report.missing) + len(report.mismatched)))
        return True

    def open_checkpoint_dialog(self) -> None:
        path = self._weights_path(self.tr("Open checkpoint or weights"), save=False)
        if path is not None:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: Path) -> bool:
        """A checkpoint restores its network and weights; plain weights go into the current
        network when they fit it, else into a network read off them where that is possible."""
        from netbuilder.core.checkpoint import CheckpointError, infer_spec, load_file, reconcile

        if self._refuse_while_training():
            return False
        title = fill(self.tr("Cannot open %1"), path.name)
        try:
            loaded = load_file(path, self.allow_layer_file)
        except CheckpointError as exc:
            QMessageBox.warning(self.window, title, str(exc))
            return False
        if loaded.is_checkpoint:
            data = loaded.checkpoint
            try:  # everything checked and built before the window changes
                project = project_from_checkpoint(data, loaded.spec, path)
                model = self._loaded_model(loaded.spec, loaded.state_dict)
            except (ProjectError, CheckpointError, SpecError) as exc:
                QMessageBox.warning(self.window, title, str(exc))
                return False
            if not self.maybe_save():
                return False
            self.session.load(project)
            self.training.use_model(model, list(loaded.state_dict), path.name,
                                    resume=data.get("resume"), calibration=_calibration(loaded))
            self.training.optimizer_state = data.get("optimizer")
            self._warn_non_finite(loaded.state_dict, path.name)
            self.message.emit(fill(self.tr("Opened checkpoint %1"), path.name))
            return True
        current = self.model_or_explain(title)
        if current is None:
            return False
        if reconcile(current, loaded.state_dict).perfect:
            return self._apply_weights(loaded.state_dict, path.name, _calibration(loaded))
        try:
            spec, note = infer_spec(loaded.state_dict, self.document.spec.input_shape,
                                    path.name)
            model = self._loaded_model(spec, loaded.state_dict)
        except (CheckpointError, SpecError) as exc:
            QMessageBox.warning(self.window, title, str(exc))
            return False
        answer = QMessageBox.question(
            self.window, fill(self.tr("Open %1"), path.name),
            fill(self.tr("These weights do not fit the current network. Open them as a new "
                         "network?\n\n%1"), note),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Open)
        if answer != QMessageBox.StandardButton.Open or not self.maybe_save():
            return False
        self.session.load(Project(spec, self.session.dataset, self.session.settings()))
        self.session.mark_unsaved()
        self.training.use_model(model, list(loaded.state_dict), path.name)
        self._warn_non_finite(loaded.state_dict, path.name)
        self.message.emit(note)
        return True

    def _loaded_model(self, spec: NetworkSpec, state_dict):
        """A model of ``spec`` holding ``state_dict`` exactly, built aside from the window."""
        from netbuilder.core.builder import build
        from netbuilder.core.checkpoint import load_weights

        model = build(spec)
        load_weights(model, state_dict, strict=True)
        data = self.training.device_data
        return model.to(data.train_x.device) if data is not None else model
