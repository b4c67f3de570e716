"""The one home of a window's state: everything a project saves, and the model it trains.

Views read the session and change it only through its methods; it emits what changed, so every
view follows (napari's layer events, ndv's model). Every change to saved state marks the
session modified; network edits go through the :class:`Document`'s undo stack, and the session
is clean only when that stack is clean and nothing else changed since the last save.
``to_project()`` is what a save writes, trained weights and the run's resume point included;
``load()`` replaces the whole state in one step with a project that was checked whole first
(and its model, built aside).

The model follows the spec: after an edit, undo or redo the session rebuilds it, keeping the
weights of every layer whose path and shapes did not change and bringing back, from a
:class:`WeightMemory`, the weights an earlier edit dropped — so undo restores a layer's trained
weights bit for bit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from netbuilder.core.calibration import Calibration
from netbuilder.core.project import Project, ProjectWeights
from netbuilder.core.runs import Run
from netbuilder.core.spec import NetworkSpec, SpecError
from netbuilder.core.train_config import TrainConfig
from netbuilder.core.weight_memory import WeightMemory
from netbuilder.gui.model.document import Document
from netbuilder.gui.text import fill, plural

DEFAULT_VAL_SPLIT = 0.2


class Session(QObject):
    dataset_changed = Signal(str)
    config_changed = Signal()  # TrainConfig, validation split or the fresh-weights choice
    runs_changed = Signal()
    examples_changed = Signal()
    model_changed = Signal()  # another model object (built, rebuilt, loaded, dropped)
    weights_changed = Signal()  # the same model's weights changed (trained, loaded, reset)
    calibration_changed = Signal()  # the weights' calibration was set or cleared
    dirty_changed = Signal(bool)
    path_changed = Signal()  # the file the session saves to, or its template
    replaced = Signal()  # New or Open: every view starts again from the session

    def __init__(self, project: Project, path: Path | None = None,
                 template: str | None = None, parent: QObject | None = None,
                 analyze: bool = True):
        super().__init__(parent)
        self.document = Document(project.spec, self, analyze=analyze)
        self._modified = False
        self._was_dirty = False
        self._model = None
        self._model_spec: NetworkSpec | None = None  # the spec the model was built from
        self._calibration: Calibration | None = None
        self.memory = WeightMemory()
        self.revision = 0  # counts every change of saved state (autosave writes when it moves)
        self.weights_version = 0  # counts every change of the model or its weights
        self._set_state(project, path, template)
        self._saved = self._fingerprint()
        if analyze and self._config.loss != "cross_entropy":
            self.document.set_loss(self._config.loss)
        self.document.undo_stack.cleanChanged.connect(self._dirty_may_have_changed)
        self.document.undo_stack.indexChanged.connect(self._count_revision)
        self.document.changed.connect(self._spec_changed)

    # -- reading -------------------------------------------------------------------------------

    @property
    def spec(self) -> NetworkSpec:
        return self.document.spec

    @property
    def dataset(self) -> str:
        return self._dataset

    @property
    def config(self) -> TrainConfig:
        return self._config

    @property
    def val_split(self) -> float:
        return self._val_split

    @property
    def fresh(self) -> bool:
        return self._fresh

    @property
    def runs(self) -> list[Run]:
        return list(self._runs)

    @property
    def examples(self) -> list[dict[str, Any]]:
        return list(self._examples)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def template(self) -> str | None:
        return self._template

    @property
    def model(self):
        """The network's torch model (None until trained, loaded or asked for)."""
        return self._model

    @property
    def dirty(self) -> bool:
        return self._modified or not self.document.undo_stack.isClean()

    @property
    def trained(self) -> bool:
        """Whether the model holds weights worth keeping (trained, or read from a file)."""
        return self._model is not None and bool(self.document.trained_paths)

    @property
    def weights_source(self) -> str:
        """What made the current weights: a run's label or a file's name."""
        return self._weights_source

    @property
    def resume_point(self):
        """The resume point of the run that made the weights (core.resume), or None."""
        return self._resume

    @property
    def calibration(self) -> Calibration | None:
        """The current weights' temperature and "not sure" threshold (core.calibration), or
        None: cleared whenever the weights change, so it always belongs to them."""
        return self._calibration

    @property
    def preprocessing(self) -> dict[str, Any]:
        """How a table's raw rows became the network's input (core.tabular), once trained on
        one; {} for images."""
        return self._preprocessing

    def set_preprocessing(self, preprocessing: dict[str, Any]) -> None:
        """The statistics the weights were trained with: kept with them in the project."""
        if preprocessing != self._preprocessing:
            self._preprocessing = dict(preprocessing)
            self._mark_modified()

    def settings(self) -> dict[str, Any]:
        """The training settings as a project stores them."""
        return {**self._config.to_dict(), "val_split": self._val_split, "fresh": self._fresh}

    def to_project(self, with_weights: bool = True) -> Project:
        """What a save writes: with the trained weights (and resume point) when there are any
        and ``with_weights``."""
        weights = None
        if with_weights and self.trained:
            state = {k: v.detach().cpu().clone() for k, v in self._model.state_dict().items()}
            weights = ProjectWeights(state, sorted(self.document.trained_paths),
                                     self._weights_source, self._resume)
        extra = {"runs": [run.to_dict() for run in self._runs],
                 "user_examples": [dict(e) for e in self._examples]}
        if self._preprocessing:
            extra["preprocessing"] = dict(self._preprocessing)
        if weights is not None and self._calibration is not None:
            extra["calibration"] = self._calibration.to_dict()
        return Project(self.spec.copy(), self._dataset, self.settings(), extra, weights)

    def unsaved_changes(self) -> list[str]:
        """What closing without saving would lose, in words ("trained weights from Run 3")."""
        saved, now = self._saved, self._fingerprint()
        lost = []
        if now["weights"] != saved["weights"] and self.trained:
            lost.append(fill(self.tr("the trained weights from %1"),
                             self._weights_source or self.tr("training")))
        if now["spec"] != saved["spec"]:
            lost.append(self.tr("changes to the network"))
        new_runs = len(self._runs) - saved["runs"]
        if now["run_ids"] != saved["run_ids"] and new_runs > 0:
            lost.append(plural(new_runs, self.tr("1 training run"), self.tr("%1 training runs")))
        elif now["run_ids"] != saved["run_ids"]:
            lost.append(self.tr("changes to the run history"))
        if now["settings"] != saved["settings"]:
            lost.append(self.tr("training settings"))
        new_examples = len(self._examples) - saved["examples"]
        if new_examples > 0:
            lost.append(plural(new_examples, self.tr("1 drawn example"),
                               self.tr("%1 drawn examples")))
        if not lost and self.dirty:
            lost.append(self.tr("changes"))
        return lost

    # -- changing saved state (each marks the session modified) ---------------------------------

    def set_dataset(self, name: str) -> None:
        if name and name != self._dataset:
            self._dataset = name
            self.dataset_changed.emit(name)
            self._mark_modified()

    def set_config(self, config: TrainConfig) -> None:
        if config != self._config:
            self._config = config
            self.document.set_loss(config.loss)  # the lints know what it will train with
            self.config_changed.emit()
            self._mark_modified()

    def update_config(self, **changes: Any) -> None:
        """Change some training settings: ``update_config(epochs=3, lr=0.01)``."""
        self.set_config(replace(self._config, **changes))

    def set_val_split(self, value: float) -> None:
        if value != self._val_split:
            self._val_split = float(value)
            self.config_changed.emit()
            self._mark_modified()

    def set_fresh(self, fresh: bool) -> None:
        if fresh != self._fresh:
            self._fresh = bool(fresh)
            self.config_changed.emit()
            self._mark_modified()

    def add_run(self, run: Run) -> None:
        self._runs.append(run)
        self.runs_changed.emit()
        self._mark_modified()

    def remove_run(self, index: int) -> None:
        del self._runs[index]
        self.runs_changed.emit()
        self._mark_modified()

    def replace_run(self, index: int, run: Run) -> None:
        """A resumed run continues the record it started."""
        self._runs[index] = run
        self.runs_changed.emit()
        self._mark_modified()

    def add_example(self, example: dict[str, Any]) -> None:
        self._examples.append(dict(example))
        self.examples_changed.emit()
        self._mark_modified()

    # -- the model ------------------------------------------------------------------------------

    def set_model(self, model) -> None:
        """Another model of the current spec (built, loaded, reset) or None."""
        if model is not self._model:
            self._model = model
            self._model_spec = self.spec.copy() if model is not None else None
            self.weights_version += 1
            self._set_calibration(None)
            self.model_changed.emit()

    def weights_updated(self, source: str | None = None, resume=None,
                        keep_resume: bool = False,
                        calibration: Calibration | None = None) -> None:
        """The model's weights changed in place: an epoch, a load, a reset, the best epoch.

        ``source`` says what made them (a run's label, a file's name); ``resume`` is the resume
        point that goes with them — any other change of weights makes the old one stale, unless
        ``keep_resume`` (an epoch of the run that will set it). ``calibration`` is theirs (a
        finished run's, a checkpoint's); any other is stale, so it is cleared.
        """
        if source is not None:
            self._weights_source = source
        if not keep_resume:
            self._resume = resume
        self._set_calibration(calibration)
        self.weights_version += 1
        self.weights_changed.emit()
        self._mark_modified()

    def _set_calibration(self, calibration: Calibration | None) -> None:
        if calibration != self._calibration:
            self._calibration = calibration
            self.calibration_changed.emit()

    def set_resume_point(self, resume) -> None:
        """The resume point of the run that just made the weights (saved with them)."""
        self._resume = resume
        self._mark_modified()

    @Slot()
    def _spec_changed(self) -> None:
        """After an edit, undo or redo: rebuild the model, keeping and recalling weights."""
        model = self._model
        if model is None or self.document.locked or self._model_spec == self.spec:
            return
        from netbuilder.core.model_state import rebuild

        document = self.document
        try:
            rebuilt = rebuild(model, self.spec, document.trained_paths, self.memory,
                              recall_everywhere=document.replaying)
        except (SpecError, RuntimeError, ValueError):  # a spec that does not build yet
            self.set_model(None)
            return
        self._resume = None  # another network: the run cannot continue exactly
        self.set_model(rebuilt.model)
        if rebuilt.trained != document.trained_paths:
            document.trained_paths = rebuilt.trained

    # -- files ----------------------------------------------------------------------------------

    def load(self, project: Project, path: Path | None = None,
             template: str | None = None, model=None) -> None:
        """Replace everything with ``project`` (checked whole before): New, Open, a template.
        ``model``: the project's network holding its weights, built aside by the caller."""
        self.set_model(None)
        self.memory.clear()
        self._set_state(project, path, template)
        self.document.replace(project.spec)
        if model is not None:
            self.set_model(model)
            if project.weights is not None:
                self.document.trained_paths = set(project.weights.trained)
                saved = project.extra.get("calibration")  # checked by Project.from_dict
                self._set_calibration(Calibration.from_dict(saved) if saved else None)
        self._modified = False
        self._saved = self._fingerprint()
        self.replaced.emit()
        self.dataset_changed.emit(self._dataset)
        self.config_changed.emit()
        self.runs_changed.emit()
        self.examples_changed.emit()
        self.path_changed.emit()
        self._dirty_may_have_changed()

    def mark_saved(self, path: Path) -> None:
        self._path, self._template = path, None
        self._modified = False
        self._saved = self._fingerprint()
        self.document.undo_stack.setClean()
        self.path_changed.emit()
        self._dirty_may_have_changed()

    def discard_changes(self) -> None:
        """Treat the current state as saved without writing it (scripts and benchmarks that
        close their window; the File menu always asks)."""
        self._modified = False
        self._saved = self._fingerprint()
        self.document.undo_stack.setClean()
        self._dirty_may_have_changed()

    def mark_unsaved(self) -> None:
        """Work that no file holds yet (a restored autosave, weights read off a file)."""
        self._mark_modified()

    def _set_state(self, project: Project, path: Path | None, template: str | None) -> None:
        settings = dict(project.training)
        self._dataset = project.dataset
        self._config = TrainConfig.from_dict(settings)
        self._val_split = float(settings.get("val_split", DEFAULT_VAL_SPLIT))
        self._fresh = bool(settings.get("fresh", False))
        self._runs = [Run.from_dict(r) for r in project.extra.get("runs", [])]
        self._examples = [dict(e) for e in project.extra.get("user_examples", [])]
        self._preprocessing = dict(project.extra.get("preprocessing", {}))
        self._path, self._template = path, template
        self.document.loss = self._config.loss
        weights = project.weights
        self._weights_source = weights.source if weights is not None else ""
        self._resume = weights.resume if weights is not None else None

    def _fingerprint(self) -> dict[str, Any]:
        """What a save holds, in a form cheap to compare (weights by their version)."""
        return {"spec": self.spec.to_dict(), "settings": (self._dataset, self.settings()),
                "runs": len(self._runs), "run_ids": [id(run) for run in self._runs],
                "examples": len(self._examples), "weights": self.weights_version,
                "calibration": self._calibration}

    def _mark_modified(self) -> None:
        self._modified = True
        self._count_revision()
        self._dirty_may_have_changed()

    def _count_revision(self, *_args) -> None:
        self.revision += 1

    def _dirty_may_have_changed(self, *_args) -> None:
        dirty = self.dirty
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)
