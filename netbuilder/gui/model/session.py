"""The one home of a window's state: everything a project saves, and the model it trains.

Views read the session and change it only through its methods; it emits what changed, so every
view follows (napari's layer events, ndv's model). Every change to saved state marks the
session modified; network edits go through the :class:`Document`'s undo stack, and the session
is clean only when that stack is clean and nothing else changed since the last save.
``to_project()`` is what a save writes; ``load()`` replaces the whole state in one step with a
project that was checked whole first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from netbuilder.core.project import Project
from netbuilder.core.runs import Run
from netbuilder.core.spec import NetworkSpec
from netbuilder.core.training import TrainConfig
from netbuilder.gui.model.document import Document

DEFAULT_VAL_SPLIT = 0.2


class Session(QObject):
    dataset_changed = Signal(str)
    config_changed = Signal()  # TrainConfig, validation split or the fresh-weights choice
    runs_changed = Signal()
    examples_changed = Signal()
    model_changed = Signal()  # another model object (built, rebuilt, loaded, dropped)
    weights_changed = Signal()  # the same model's weights changed (trained, loaded, reset)
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
        self._set_state(project, path, template)
        if analyze and self._config.loss != "cross_entropy":
            self.document.set_loss(self._config.loss)
        self.document.undo_stack.cleanChanged.connect(self._dirty_may_have_changed)

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

    def settings(self) -> dict[str, Any]:
        """The training settings as a project stores them."""
        return {**self._config.to_dict(), "val_split": self._val_split, "fresh": self._fresh}

    def to_project(self) -> Project:
        return Project(self.spec.copy(), self._dataset, self.settings(),
                       {"runs": [run.to_dict() for run in self._runs],
                        "user_examples": [dict(e) for e in self._examples]})

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

    def add_example(self, example: dict[str, Any]) -> None:
        self._examples.append(dict(example))
        self.examples_changed.emit()
        self._mark_modified()

    # -- the model ------------------------------------------------------------------------------

    def set_model(self, model) -> None:
        if model is not self._model:
            self._model = model
            self.model_changed.emit()

    def weights_updated(self) -> None:
        """The model's weights changed in place (an epoch, a load, a reset)."""
        self.weights_changed.emit()

    # -- files ----------------------------------------------------------------------------------

    def load(self, project: Project, path: Path | None = None,
             template: str | None = None) -> None:
        """Replace everything with ``project`` (checked whole before): New, Open, a template."""
        self.set_model(None)
        self._set_state(project, path, template)
        self.document.replace(project.spec)
        self._modified = False
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
        self.document.undo_stack.setClean()
        self.path_changed.emit()
        self._dirty_may_have_changed()

    def discard_changes(self) -> None:
        """Treat the current state as saved without writing it (scripts and benchmarks that
        close their window; the File menu always asks)."""
        self._modified = False
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
        self._path, self._template = path, template
        self.document.loss = self._config.loss

    def _mark_modified(self) -> None:
        self._modified = True
        self._dirty_may_have_changed()

    def _dirty_may_have_changed(self, *_args) -> None:
        dirty = self.dirty
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)
