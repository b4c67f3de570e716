"""Reading what a command is given: a network spec, project (.json, .nbproj) or checkpoint
(.pth), with weights, into an :class:`_Input`; and the dataset a run trains or evaluates on."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netbuilder.cli.messages import CommandError, _problem_lines

PROJECT_SUFFIXES = (".json", ".nbproj")  # read as a project (a bare network spec is one, too)


@dataclass
class _Input:
    """What a command's first file gave: the network, its model (when built), and the
    checkpoint or project it came from (a bare spec reads as a project without settings)."""

    path: Path
    spec: Any
    model: Any = None
    checkpoint: dict | None = None
    project: Any = None  # core.project.Project, for a .json or .nbproj
    is_project: bool = False  # the file is a project, not a bare network spec
    weights_given: bool = False  # a WEIGHTS file was given beside it

    @property
    def has_weights(self) -> bool:
        """Whether the model holds weights from a file (given, a checkpoint's, a project's)."""
        return self.weights_given or self.checkpoint is not None or (
            self.project is not None and self.project.weights is not None)

    @property
    def resume(self):
        """The resume point of the file's run (checkpoint or project), or None."""
        if self.checkpoint is not None:
            return self.checkpoint.get("resume")
        if self.project is not None and self.project.weights is not None:
            return self.project.weights.resume
        return None


def _load_spec(path: Path, allow=None):
    """The network of a spec or project file (.json or .nbproj), fully checked first."""
    return _read_project(path, allow)[0].spec


def _read_project(path: Path, allow=None):
    """(Project, whether the file is a project rather than a bare network spec) from a .json or
    .nbproj file, every part checked (a .nbproj's weights against its network too)."""
    from netbuilder.core.jsonfile import JsonFileError, read_json_file
    from netbuilder.core.project import ARCHIVE_SUFFIX, PROJECT_FORMAT, Project, ProjectError
    from netbuilder.core.project_archive import is_archive, load_archive
    from netbuilder.core.spec import Problem, SpecError

    archive = path.suffix.lower() == ARCHIVE_SUFFIX or is_archive(path)
    is_project = archive
    try:
        if archive:
            return load_archive(path, allow), True
        try:
            data = read_json_file(path)
        except JsonFileError as exc:
            raise ProjectError(path, [Problem(exc.where, exc.message)]) from None
        is_project = isinstance(data, dict) and data.get("format") == PROJECT_FORMAT
        try:
            return Project.from_dict(data, path, base=path.parent, allow=allow), is_project
        except SpecError as exc:
            raise ProjectError(path, exc.problems) from None
    except ProjectError as exc:
        what = "project" if is_project else "network spec"
        text = _problem_lines(f"{path} is not a usable {what}:", exc)
        if any("it was not allowed" in p.message for p in exc.problems):
            text += "\n(--allow-layer-files imports them, running their code)"
        raise CommandError(text) from None


def _load_input(path: Path, weights_path: Path | None, build: bool = True,
                need_weights: bool = False, allow=None) -> _Input:
    """The network of SPEC/PROJECT.json [+ WEIGHTS], a .nbproj [+ WEIGHTS] or a checkpoint,
    with a model holding the weights when ``build``; every file is checked whole before
    anything is built from it. ``need_weights``: a network without any is refused."""
    from netbuilder.core.builder import build as build_model
    from netbuilder.core.checkpoint import (
        CheckpointError,
        WeightsMismatch,
        load_file,
        load_weights,
        memory_problem,
        non_finite_keys,
    )
    from netbuilder.core.spec import SpecError

    try:
        if path.suffix.lower() in PROJECT_SUFFIXES:
            project, is_project = _read_project(path, allow)
            found = _Input(path, project.spec, project=project, is_project=is_project,
                           weights_given=weights_path is not None)
            loaded = load_file(weights_path, allow) if weights_path else None
            if loaded is not None:
                state, where = loaded.state_dict, loaded.path.name
            elif project.weights is not None:
                state, where = project.weights.state_dict, path.name
            else:
                state, where = None, ""
        else:
            if weights_path is not None:
                raise CommandError(f"{path} is a checkpoint: give it alone, or a spec or project "
                                   ".json followed by weights")
            loaded = load_file(path, allow)
            if not loaded.is_checkpoint:
                raise CommandError(f"{path} holds only weights, not a network: give the "
                                   "network spec or project (.json) first, then the weights")
            found = _Input(path, loaded.spec, checkpoint=loaded.checkpoint)
            state, where = loaded.state_dict, path.name
        if need_weights and state is None:
            if found.is_project:
                name = _as_given(path)
                out = path.with_suffix(".nbproj") if name == str(path) else f"{name}.nbproj"
                raise CommandError(f"{path} has no trained weights: train it first (netbuilder "
                                   f"train {name} --save-project {out})")
            raise CommandError(f"give the weights to evaluate: netbuilder evaluate "
                               f"{_as_given(path)} "
                               "WEIGHTS.pth (or one full checkpoint .pth, or a trained project "
                               ".nbproj)")
        if not build:
            return found
        problem = memory_problem(found.spec)
        if problem:
            raise CommandError(f"{path} cannot be built: {problem}")
        found.model = build_model(found.spec)
        if state is not None:
            try:
                load_weights(found.model, state, strict=True)
            except WeightsMismatch as exc:
                raise CommandError(f"{where}: {exc}") from None
            bad = non_finite_keys(state)
            if bad:
                print(f"warning: {where} holds NaN or infinite values in "
                      f"{', '.join(bad[:5])}{' …' if len(bad) > 5 else ''}: the network's "
                      "outputs will not be numbers", file=sys.stderr)
    except CheckpointError as exc:
        raise CommandError(str(exc)) from None
    except SpecError as exc:
        raise CommandError(_problem_lines(f"{path} cannot be built:", exc)) from None
    return found


def _as_given(path: Path) -> str:
    """How advice names a file: a shipped template by its name, as the person gave it."""
    from netbuilder.core.resources import TEMPLATES

    return path.stem if path.parent.resolve() == TEMPLATES.resolve() else str(path)


def _dataset_for(args: argparse.Namespace, spec):
    from netbuilder.core.data import DatasetError, load_dataset
    from netbuilder.core.registry import (
        csv_name,
        csv_options,
        csv_path,
        folder_name,
        folder_options,
        folder_path,
        is_csv,
        is_folder,
    )

    target, task = getattr(args, "target", ""), getattr(args, "task", "auto")
    if (target or task != "auto") and not is_csv(args.dataset):
        raise CommandError(f"--target and --task are for csv:PATH datasets, not {args.dataset}")
    image = {key: getattr(args, option, None) for key, option in
             (("size", "image_size"), ("fit", "fit"), ("color", "color"))}
    image = {key: value for key, value in image.items() if value is not None}
    if image and not is_folder(args.dataset):
        raise CommandError("--image-size, --fit and --color are for folder:PATH datasets, not "
                           f"{args.dataset}")
    if image:  # the name carries them, as it does a table's target
        try:
            options = {**folder_options(args.dataset), **image}
            args.dataset = folder_name(folder_path(args.dataset), **options)
        except ValueError as exc:
            raise CommandError(f"{args.dataset}: {exc}") from None
    if is_csv(args.dataset):  # the name carries them: projects and checkpoints keep it
        options = csv_options(args.dataset)
        args.dataset = csv_name(csv_path(args.dataset), target or options["target"],
                                task if task != "auto" else options["task"])
    try:
        dataset = load_dataset(args.dataset, args.data_dir, args.val_split, args.seed)
    except DatasetError as exc:
        raise CommandError(str(exc)) from None
    if list(spec.input_shape) != dataset.input_shape:
        what = (f"rows have {dataset.input_shape[0]} features" if dataset.is_table
                else f"images are {dataset.input_shape}")
        raise CommandError(f"the network takes input {spec.input_shape}, but {args.dataset} "
                           f"{what}")
    return dataset
