"""The ``netbuilder`` command: headless sub-commands that share the app's core.

Bad input never ends in a traceback: every problem is printed with where it is, and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netbuilder import __version__
from netbuilder.core.registry import (
    DEFAULT_DATASET,
    DEVICE_CHOICES,
    FOLDER_COLORS,
    FOLDER_FITS,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    SCHEDULE_CHOICES,
    TASKS,
    Choice,
    choice_help,
    dataset_help,
    names,
)

EXPORT_FORMATS = ("python", "script", "onnx", "torchscript", "pt2")
PROJECT_SUFFIXES = (".json", ".nbproj")  # read as a project (a bare network spec is one, too)
INPUT_HELP = "network spec or project (.json), project with weights (.nbproj) or full checkpoint " \
             "(.pth)"
KEEP_CHOICES = ("last", "best")
DEFAULT_VAL_SPLIT = 0.2


class CommandError(Exception):
    """A failure to report in one or more lines, then exit 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netbuilder",
        usage="netbuilder [FILE] | netbuilder COMMAND ...",
        description="Build torch.nn.Sequential networks, see the shapes that flow, export code.",
        epilog="With no command, netbuilder opens its window; 'netbuilder FILE' opens FILE (a "
               "project .nbproj or .json, a network .json, or weights or a checkpoint .pth) in "
               "it. The commands run without a window, and read the same files: a project "
               "(.nbproj with its trained weights, or .json) wherever they take a network spec "
               "or a checkpoint.",
    )
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print each layer's output shape, parameters and MACs",
        description="Print a table of the network (name, kind, output shape, parameters, MACs) "
                    "and its problems; exit 1 when it cannot run.")
    summary.add_argument("spec", type=Path, help="network spec or project (.json, .nbproj)")
    _choice_option(summary, "--loss", LOSS_CHOICES, "cross_entropy",
                   "the loss it will train with, for lint warnings")
    _layer_files_option(summary)

    export = commands.add_parser(
        "export", help="write the network as code, a training script or a program",
        description="Write the network in another form. python: a module file with an "
                    "nn.Module class (or, with --style sequential, an nn.Sequential). script: "
                    "a standalone training script (python train.py, or torchrun for "
                    "DistributedDataParallel). onnx, torchscript, pt2: the network with its "
                    "weights, verified on validation digits (report written beside the file). "
                    "A project exports its network, its training settings (script) and its "
                    "trained weights (onnx, torchscript, pt2).")
    export.add_argument("spec", type=Path, help=INPUT_HELP)
    export.add_argument("--format", default="python", choices=EXPORT_FORMATS)
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--weights", type=Path, default=None,
                        help="state_dict to export with (onnx, torchscript, pt2; default: a "
                             "checkpoint's or project's own weights)")
    export.add_argument("--style", default="class", choices=("class", "sequential"),
                        help="python format: an nn.Module class or an nn.Sequential expression")
    _layer_files_option(export)
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_import_parser(commands)
    return parser


def _layer_files_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-layer-files", action="store_true",
        help="import the custom-layer Python files the network names (this runs their code; "
             "without it, such a network is refused with each file's path and sha256)")


def _allow(args: argparse.Namespace):
    """Whether custom-layer files may run: the person said so with --allow-layer-files."""
    allowed = bool(getattr(args, "allow_layer_files", False))
    return lambda _request: allowed


def _shape_argument(text: str) -> list[int]:
    """An argparse type: one sample's shape, '1,28,28'."""
    try:
        shape = [int(part) for part in text.split(",")]
    except ValueError:
        shape = []
    if not 1 <= len(shape) <= 6 or any(v < 1 for v in shape):
        raise argparse.ArgumentTypeError(f"expected 1 to 6 integers ≥ 1 separated by commas "
                                         f"(e.g. 1,28,28), got {text[:40]!r}")
    return shape


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text[:40]!r}")
    return value


def _count_argument(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text[:40]!r}")
    return value


def _add_import_parser(commands) -> None:
    from netbuilder.core.importer import DEFAULT_TIMEOUT_S

    command = commands.add_parser(
        "import", help="read a network from PyTorch code (runs the file)",
        description="Read the nn.Module class NAME defined in FILE.py and write it as a network "
                    "spec (.json) the app and the other commands open. Importing RUNS FILE, as "
                    "`import` in Python would, so import only code you trust: it runs in a "
                    "separate process, stopped after --timeout seconds. The class is created "
                    "with no arguments and its forward() traced with torch.fx: chains of "
                    "layers netbuilder knows, nn.Sequential blocks and functional calls "
                    "(F.relu, torch.flatten, x.view(x.size(0), -1), F.max_pool2d …) are "
                    "read; layers keep their names, so weights the class saved "
                    "(torch.save(model.state_dict(), …)) load into the network.")
    command.add_argument("file", type=Path, metavar="FILE",
                         help="the Python file (.py) defining the class")
    command.add_argument("--class", dest="class_name", required=True, metavar="NAME",
                         help="the nn.Module class to import")
    command.add_argument("--input-shape", type=_shape_argument, default=[1, 28, 28],
                         metavar="C,H,W", help="one input sample's shape without the batch "
                                               "(default 1,28,28: MNIST digits)")
    command.add_argument("--out", type=Path, required=True, help="network spec to write (.json)")
    command.add_argument("--num-classes", type=_count_argument, default=None, metavar="N",
                         help="classes the network tells apart (default: the width of its "
                              "[N, K] output)")
    command.add_argument("--key-map", type=Path, default=None, metavar="OUT.json",
                         help="also write how the class's state_dict keys map to the network's "
                              "(a JSON object; residuals and parallels rename keys)")
    command.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT_S, metavar="S",
                         help=f"stop the file after S seconds (default {DEFAULT_TIMEOUT_S:g})")


def _integer_in(setting: str):
    """An argparse type: an integer within the limits the app's controls have."""
    from netbuilder.core.project import SETTING_LIMITS

    low, high = (int(v) for v in SETTING_LIMITS[setting])

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}, got "
                                             f"{text[:40]}")
        return value

    parse.__name__ = setting
    return parse


def _number_in(setting: str):
    """An argparse type: a finite number within the limits the app's controls have."""
    from netbuilder.core.project import SETTING_LIMITS

    low, high = SETTING_LIMITS[setting]

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, "
                                             f"got {text[:40]}")
        return value

    parse.__name__ = setting
    return parse


class _Given(argparse.Action):
    """Store the value, and note in ``namespace.given`` that the option was given: a setting
    not given may come from a checkpoint, before the default applies."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        _note_given(namespace, self.dest)


class _GivenFlag(argparse.BooleanOptionalAction):
    """--flag / --no-flag, noted like :class:`_Given`."""

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        _note_given(namespace, self.dest)


def _note_given(namespace: argparse.Namespace, dest: str) -> None:
    given = set(getattr(namespace, "given", ()))
    given.add(dest)
    namespace.given = given


def _given(args: argparse.Namespace, dest: str) -> bool:
    return dest in getattr(args, "given", ())


def _choice_option(parser: argparse.ArgumentParser, flag: str, choices: tuple[Choice, ...],
                   default: str, what: str = "", inherit: bool = False) -> None:
    """An option whose values, and what each means, come from core.registry. ``inherit``: a
    checkpoint's setting applies when the option is not given (see :class:`_Given`)."""
    meanings = choice_help(choices, default)
    parser.add_argument(flag, default=default, choices=names(choices),
                        action=_Given if inherit else "store",
                        help=f"{what}. {meanings}" if what else meanings)


def _dataset_options(parser: argparse.ArgumentParser, inherit: str = "") -> None:
    """--dataset, --data-dir, --val-split, --seed. ``inherit``: whose values apply when the
    options are not given ("the checkpoint's or project's"; the help says so)."""
    from_file = f" (default: {inherit}, else {{}})" if inherit else " (default {})"
    action = _Given if inherit else "store"
    parser.add_argument("--dataset", default=DEFAULT_DATASET, action=action, metavar="NAME",
                        help=dataset_help())
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where torchvision datasets are kept or downloaded "
                             "(default: $NETBUILDER_DATA or ~/.cache/netbuilder/datasets)")
    parser.add_argument("--val-split", type=_number_in("val_split"), default=DEFAULT_VAL_SPLIT,
                        action=action, help="validation fraction for digits and image folders"
                                            + from_file.format(DEFAULT_VAL_SPLIT))
    parser.add_argument("--seed", type=_integer_in("seed"), default=0, action=action,
                        help="seed for splits, shuffling, augmentation and dropout "
                             "(0 to 2147483647)" + from_file.format(0))
    parser.add_argument("--image-size", type=_count_argument, default=None, metavar="N",
                        help="folder:PATH datasets: images become N×N pixels (default: the "
                             "median of their shorter sides, at most 64)")
    parser.add_argument("--fit", default=None, choices=FOLDER_FITS,
                        help="folder:PATH datasets: resize each image to a square (default) or "
                             "crop its centre square")
    parser.add_argument("--color", default=None, choices=FOLDER_COLORS,
                        help="folder:PATH datasets: auto (grayscale when every image is, else "
                             "RGB; default), rgb or grayscale")
    parser.add_argument("--target", default="", action=action, metavar="COLUMN",
                        help="csv:PATH datasets: the column to predict" + (
                            f" (default: {inherit})" if inherit else ""))
    parser.add_argument("--task", default="auto", choices=TASKS, action=action,
                        help="csv:PATH datasets: classification (a few classes or text), "
                             "regression (numbers), or auto: decided by the target column" + (
                                 f" (default: {inherit}, else auto)" if inherit else ""))


def _add_train_parser(commands) -> None:
    from netbuilder.core.training import TrainConfig

    d = TrainConfig()

    def inherited(default) -> str:
        return f" (default: the checkpoint's or project's, else {default})"

    train = commands.add_parser(
        "train", help="train a network and save its weights",
        description="Train SPEC.json, a project (.json, or .nbproj with its weights) or a full "
                    "checkpoint .pth, and save a plain state_dict that "
                    "model.load_state_dict(torch.load(...)) reads (--out), the whole project "
                    "with its weights and this run in its history (--save-project), or both. A "
                    "checkpoint written with --checkpoint, and a project, remember where their "
                    "run stands: training one again with the same settings (the default: "
                    "options not given take its values) goes on exactly where the run stopped, "
                    "as if it had never stopped; other settings start a new run from its "
                    "weights, keeping the optimizer's moments.")
    train.add_argument("spec", type=Path, help=INPUT_HELP)
    _layer_files_option(train)
    _dataset_options(train, inherit="the checkpoint's or project's")
    train.add_argument("--epochs", type=_integer_in("epochs"), default=d.epochs, action=_Given,
                       help=f"epochs of the run{inherited(d.epochs)}")
    train.add_argument("--batch-size", type=_integer_in("batch_size"), default=d.batch_size,
                       action=_Given, help=f"images per step{inherited(d.batch_size)}")
    train.add_argument("--lr", type=float, default=d.lr, action=_Given,
                       help=f"learning rate{inherited(f'{d.lr:g}')}")
    _choice_option(train, "--optimizer", OPTIMIZER_CHOICES, d.optimizer, inherit=True)
    train.add_argument("--momentum", type=_number_in("momentum"), default=d.momentum,
                       action=_Given,
                       help=f"momentum of SGD and RMSprop{inherited(f'{d.momentum:g}')}")
    train.add_argument("--weight-decay", type=_number_in("weight_decay"),
                       default=d.weight_decay, action=_Given,
                       help=f"L2 penalty{inherited(f'{d.weight_decay:g}')}")
    _choice_option(train, "--schedule", SCHEDULE_CHOICES, d.schedule,
                   "how the learning rate changes over the run", inherit=True)
    _choice_option(train, "--loss", LOSS_CHOICES, d.loss, inherit=True)
    train.add_argument("--augment", action=_GivenFlag, default=d.augment,
                       help="random small rotation, scale and shift of each batch"
                            + inherited("off"))
    train.add_argument("--patience", type=_integer_in("patience"), default=d.patience,
                       action=_Given, metavar="N",
                       help="end the run once the validation loss has not improved for N "
                            "epochs in a row" + inherited("0: off"))
    train.add_argument("--fresh", action=_GivenFlag, default=False,
                       help="start from freshly initialised (seeded) weights, not the file's "
                            "(default: the project's setting, else off)")
    _choice_option(train, "--device", DEVICE_CHOICES, "auto", inherit=True)
    train.add_argument("--out", type=Path, default=None,
                       help="plain state_dict to write (.pth); this or --save-project is needed")
    train.add_argument("--save-project", type=Path, default=None, metavar="OUT.nbproj",
                       help="write the whole project: network, dataset, the settings used, its "
                            "runs with this one, drawn examples, the weights and where the run "
                            "stands (to resume it); may be the project trained")
    train.add_argument("--keep", choices=KEEP_CHOICES, default="last",
                       help="the weights --out and --save-project get: last (those at the end, "
                            "the default) or best (those of the epoch with the lowest "
                            "validation loss)")
    train.add_argument("--checkpoint", type=Path, default=None,
                       help="also write a full checkpoint (architecture, the last weights, "
                            "optimizer, settings, history and where the run stands, to resume "
                            "it)")
    train.add_argument("--stop-after", type=_integer_in("epochs"), default=None, metavar="N",
                       help="stop this run after N of its epochs, leaving it in --checkpoint or "
                            "--save-project to resume later")
    train.add_argument("--limit", type=_integer_in("batch_size"), default=None, action=_Given,
                       metavar="N",
                       help="train on the first N training images and validate on the first N "
                            "validation images only (a quick check; default: all, or the "
                            "checkpoint's or project's last run's)")


def _add_evaluate_parser(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="measure a trained network's accuracy",
        description="Evaluate SPEC.json with WEIGHTS.pth (or one full checkpoint .pth, or a "
                    "trained project .nbproj) on the validation images; prints 'accuracy: "
                    "0.xxxx' and per-class accuracy. A project is evaluated on its own dataset, "
                    "validation split and seed: the accuracy the window shows for its weights.")
    evaluate.add_argument("spec", type=Path, help=INPUT_HELP)
    _layer_files_option(evaluate)
    evaluate.add_argument("weights", type=Path, nargs="?",
                          help="state_dict (.pth); default: the checkpoint's or project's own")
    _dataset_options(evaluate, inherit="the project's")
    _choice_option(evaluate, "--device", DEVICE_CHOICES, "auto")


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


def _problem_lines(title: str, exc) -> str:
    return "\n".join([title, *(f"  - {p}" for p in exc.problems)])


def _summary(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze, format_shape

    spec = _load_spec(args.spec, _allow(args))
    analysis = analyze(spec, loss=args.loss)
    headers = ("Layer", "Kind", "Output shape", "Params", "MACs")
    rows = [
        ("  " * r.depth + r.name, r.kind,
         format_shape(r.output_shape) if r.error is None else "ERROR",
         f"{r.params:,}", f"{r.macs:,}")
        for r in analysis.rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=False)]
        right = [c.rjust(w) for c, w in zip(cells[3:], widths[3:], strict=False)]
        return "  ".join(left + right).rstrip()

    rule = "-" * len(line(headers))
    out = [f"{spec.class_name}: input {format_shape(analysis.input_shape)}", rule,
           line(headers), rule, *(line(r) for r in rows), rule]
    for finding in analysis.errors:
        out.append(f"error: {finding}")
    for finding in analysis.warnings:
        out.append(f"warning: {finding}")
    out += [
        f"Output shape: {format_shape(analysis.output_shape)}",
        f"Trainable params: {analysis.trainable_params:,}",
        f"Frozen params: {analysis.frozen_params:,}",
        f"MACs per sample: {analysis.macs:,}",
        f"Size: {analysis.size_mb:.2f} MB",
        f"Total params: {analysis.total_params:,}",
    ]
    print("\n".join(out))
    return 0 if analysis.ok else 1


def _export(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze
    from netbuilder.core.atomic import atomic_write_text

    as_source = args.format in ("python", "script")
    if as_source and args.weights is not None:
        raise CommandError(f"--weights is for the onnx, torchscript and pt2 formats: a "
                           f"{args.format} export holds no weights")
    # Source needs no weights: nothing is built (a 2.5 GB network costs nothing to write).
    source = _load_input(args.spec, args.weights, build=not as_source, allow=_allow(args))
    spec, model = source.spec, source.model
    analysis = analyze(spec)
    if not analysis.ok:
        raise CommandError("\n".join(
            [f"{args.spec} cannot be exported: its shapes do not fit together:",
             *(f"  - {f}" for f in analysis.errors)]))
    if as_source:
        code = _source(args, spec, _file_settings(source), _table_preprocessing(source),
                       _file_dataset(source))
        from netbuilder.core.custom_layers import place_beside

        try:
            atomic_write_text(args.out, code)
            notes = place_beside(spec, args.out.parent)
        except (OSError, ValueError, RuntimeError) as exc:
            raise CommandError(f"cannot write {args.out}: {_reason(exc)}") from None
        what = "training script" if args.format == "script" else (
            spec.class_name if args.style == "class" else "model")
        print(f"wrote {args.out} ({what}, {analysis.total_params:,} parameters)")
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return 0
    from netbuilder.core.exporters import ExportError, export_verified

    if not source.has_weights:
        print(f"note: {args.spec.name} has no trained weights: exporting freshly initialised "
              "weights" if source.is_project else
              "note: no --weights given: exporting freshly initialised weights", file=sys.stderr)
    try:
        result = export_verified(model, args.format, args.out)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {args.out}; {result.describe()}")
    return 0


def _file_settings(source: _Input) -> dict:
    """The training settings the file holds (a checkpoint's or a project's), or {}."""
    if source.checkpoint is not None:
        return source.checkpoint.get("training", {})
    return dict(source.project.training) if source.project is not None else {}


def _table_preprocessing(source: _Input) -> dict | None:
    """A table's preprocessing as the project or checkpoint keeps it (checked), or None."""
    from netbuilder.core.tabular import TabularError, check_preprocessing

    if source.project is not None:
        return source.project.extra.get("preprocessing") or None
    found = source.checkpoint.get("preprocessing") if source.checkpoint is not None else None
    if isinstance(found, dict) and found.get("kind") == "tabular":
        try:
            return check_preprocessing(found)
        except TabularError as exc:
            raise CommandError(f"{source.path}: {exc}") from None
    return None


def _file_dataset(source: _Input) -> str:
    """The dataset the file's network was trained on, else digits (training_script checks
    it)."""
    if source.checkpoint is not None:
        extra = source.checkpoint.get("extra")
        found = extra.get("dataset") if isinstance(extra, dict) else None
        return found if isinstance(found, str) and found else "digits"
    return source.project.dataset if source.project is not None else "digits"


def _source(args: argparse.Namespace, spec, settings: dict,
            preprocessing: dict | None = None, dataset: str = "digits") -> str:
    """A module (python) or a training script (script) for ``spec`` with ``settings`` (a
    checkpoint's or a project's), checked before any of them reaches the generated code; a
    module of a network trained on a table also gets its ``preprocess(rows)``."""
    from netbuilder.core.spec import SpecError
    from netbuilder.core.training import TrainingError

    try:
        if args.format == "python":
            from netbuilder.core.codegen import generate

            return generate(spec, style=args.style, preprocessing=preprocessing)
        from netbuilder.core.train_script import training_script

        return training_script(spec, settings, script_name=args.out.name, dataset=dataset,
                               preprocessing=preprocessing)
    except SpecError as exc:
        raise CommandError(_problem_lines(f"{args.spec} cannot be written as code:", exc)
                           ) from None
    except (TrainingError, ValueError) as exc:
        raise CommandError(f"{args.spec}: {exc}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


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
                raise CommandError(f"{path} has no trained weights: train it first (netbuilder "
                                   f"train {path} --save-project {path.with_suffix('.nbproj')})")
            raise CommandError(f"give the weights to evaluate: netbuilder evaluate {path} "
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


def _regression_loss(args: argparse.Namespace, config, dataset):
    """A regression trains with MSE unless --loss (or the file) says L1: cross-entropy, the
    default for classes, cannot compare numbers."""
    import dataclasses

    from netbuilder.core.registry import REGRESSION_LOSSES

    if dataset.task != "regression" or config.loss in REGRESSION_LOSSES or _given(args, "loss"):
        return config
    print(f"{dataset.name}: a regression of {', '.join(dataset.class_names)}; training with the "
          "mse loss (--loss l1 for the mean absolute error)")
    return dataclasses.replace(config, loss="mse")


class _Progress:
    """A one-line progress bar on a terminal, redrawn at most 10 times a second."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = 0.0

    def batch(self, event, total_steps: int) -> None:
        import time

        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and event.step != total_steps):
            return
        self.last = now
        width = 30
        filled = int(width * event.step / total_steps)
        self.stream.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {event.step}/"
                          f"{total_steps}  loss {event.loss:.4f}  "
                          f"{event.samples_per_s:,.0f} samples/s ")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


# The TrainConfig fields `train` takes from a checkpoint or project when their option is not
# given; the device always comes from --device (a file may come from a machine with another one).
INHERITED_SETTINGS = ("loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size",
                      "epochs", "schedule", "seed", "augment", "patience")


def _train_config(args: argparse.Namespace, source: _Input):
    """The run's settings: each option given, else the file's (a checkpoint's resume point's,
    else its training settings; a project's training settings), else the built-in default."""
    from netbuilder.core.training import TrainConfig

    file: dict = {}
    if source.checkpoint is not None:
        resume = source.checkpoint.get("resume")
        file = dict(resume.config) if resume is not None else dict(
            source.checkpoint["training"])
    elif source.project is not None:
        file = dict(source.project.training)
    inherited = {key: file[key] for key in INHERITED_SETTINGS
                 if key in file and not _given(args, key)}
    problems = TrainConfig(**inherited).problems()
    if problems:
        raise CommandError(f"{args.spec}: its training settings are not usable "
                           f"({'; '.join(problems)}); give them as options")
    chosen = {key: getattr(args, key) for key in INHERITED_SETTINGS}
    return TrainConfig(**{**chosen, **inherited}, device=args.device)


def _inherit_dataset(args: argparse.Namespace, source: _Input, seed: int) -> None:
    """--dataset, --val-split and --limit: the options given, else the file's (a checkpoint's;
    a project's dataset and validation split, and its last run's limit), else the defaults; the
    seed is the run's."""
    from netbuilder.core.project import SETTING_LIMITS
    from netbuilder.core.pth_guard import is_finite_number, short_repr

    if source.checkpoint is not None:
        extra = source.checkpoint.get("extra", {})
        training = source.checkpoint.get("training", {})
        found = {"dataset": extra.get("dataset"),
                 "val_split": extra.get("val_split", training.get("val_split")),
                 "limit": extra.get("limit")}
    elif source.project is not None:
        runs = source.project.extra.get("runs", [])
        found = {"dataset": source.project.dataset,
                 "val_split": source.project.training.get("val_split"),
                 "limit": runs[-1]["settings"].get("limit") if runs else None}
    else:
        found = {}
    low, high = SETTING_LIMITS["val_split"]
    valid = {"dataset": lambda v: isinstance(v, str) and v != "",
             "val_split": lambda v: is_finite_number(v) and low <= v <= high,
             "limit": lambda v: type(v) is int and v >= 1}
    for key, value in found.items():
        if _given(args, key) or value is None:
            continue
        if not valid[key](value):
            raise CommandError(f"{args.spec}: its {key.replace('_', ' ')} {short_repr(value)} is "
                               f"not usable; give --{key.replace('_', '-')}")
        setattr(args, key, value)
    args.seed = seed


def _fresh(args: argparse.Namespace, source: _Input) -> bool:
    """Whether the run starts from new weights: --fresh, else the project's setting."""
    if _given(args, "fresh"):
        return bool(args.fresh)
    if source.project is not None:
        return bool(source.project.training.get("fresh", False))
    return False


def _project_base(source: _Input):
    """The project --save-project adds this run to: the file's, or one a checkpoint
    describes."""
    from netbuilder.core.project import ProjectError, project_from_checkpoint

    if source.project is not None:
        return source.project
    try:
        return project_from_checkpoint(source.checkpoint, source.spec, source.path)
    except ProjectError as exc:
        raise CommandError(_problem_lines(f"{source.path} cannot become a project:", exc)
                           ) from None


def _project_settings(args: argparse.Namespace, source: _Input, config, fresh: bool) -> dict:
    """The training settings --save-project writes (those of this run, the device the
    project's unless --device is given), checked against what a project may hold before the
    run starts."""
    from netbuilder.core.project import check_dataset, check_settings
    from netbuilder.core.spec import Problem

    device = args.device
    if source.project is not None and not _given(args, "device"):
        device = source.project.training.get("device", args.device)
    problems: list[Problem] = []
    settings = check_settings({**config.to_dict(), "device": device, "val_split": args.val_split,
                               "fresh": fresh}, "training", problems)
    check_dataset(args.dataset, problems)
    if problems:
        raise CommandError("\n".join(["--save-project: a project cannot hold these settings:",
                                       *(f"  - {p}" for p in problems)]))
    return settings


def _check_target(target: Path | None) -> None:
    if target is None:
        return
    if not target.parent.resolve().is_dir():
        raise CommandError(f"cannot write {target}: folder {target.parent} does not exist")
    if target.is_dir():
        raise CommandError(f"cannot write {target}: it is a folder")


def _limited(dataset, limit: int | None):
    """The first ``limit`` training and validation images (all without a limit)."""
    import dataclasses

    if limit is None:
        return dataset
    return dataclasses.replace(
        dataset, train_images=dataset.train_images[:limit],
        train_labels=dataset.train_labels[:limit], val_images=dataset.val_images[:limit],
        val_labels=dataset.val_labels[:limit])


def _resume_note(trainer, resume, config, train_size: int) -> str:
    """One line on what training does with a checkpoint's resume point."""
    if trainer.resumed:
        steps = -(-train_size // config.batch_size)
        return (f"resuming the run at epoch {resume.epochs_done + 1} of {config.epochs}, step "
                f"{resume.step} of {steps}")
    if resume.ended == "early_stopped":
        why = "its run was stopped early"
    elif resume.finished:
        why = "its run has finished"
    elif resume.differences(config):
        why = "the settings differ from its run's (" + ", ".join(resume.differences(config)) + ")"
    else:
        why = "its run does not fit this network or data"
    then = ("a new run from its weights, keeping the optimizer's moments" if trainer.moments_kept
            else "a new run from its weights")
    return f"{why}: {then}"


def _train(args: argparse.Namespace) -> int:
    from netbuilder.core.checkpoint import save_checkpoint, save_state_dict
    from netbuilder.core.project import ARCHIVE_SUFFIX
    from netbuilder.core.training import Trainer, TrainingError, history_dicts, reset_weights

    if args.out is None and args.save_project is None:
        raise CommandError("give --out WEIGHTS.pth, --save-project OUT.nbproj or both: where "
                           "the trained weights go")
    if args.stop_after is not None and args.checkpoint is None and args.save_project is None:
        raise CommandError("--stop-after needs --checkpoint or --save-project: the run is left "
                           "there to resume")
    if args.save_project is not None and args.save_project.suffix.lower() != ARCHIVE_SUFFIX:
        raise CommandError(f"--save-project {args.save_project}: a project with trained weights "
                           f"is a {ARCHIVE_SUFFIX} file; give a name ending in {ARCHIVE_SUFFIX}")
    source = _load_input(args.spec, None, allow=_allow(args))
    spec, model = source.spec, source.model
    config = _train_config(args, source)
    fresh = _fresh(args, source)
    _inherit_dataset(args, source, config.seed)
    dataset = _limited(_dataset_for(args, spec), args.limit)
    config = _regression_loss(args, config, dataset)
    problems = config.problems(len(dataset.train_labels))
    if problems:
        raise CommandError("; ".join(problems))
    base = settings = None
    if args.save_project is not None:
        base = _project_base(source)
        settings = _project_settings(args, source, config, fresh)
    for target in (args.out, args.checkpoint, args.save_project):
        _check_target(target)
    resume = None if fresh else source.resume
    if fresh or not source.has_weights:
        reset_weights(model, config.seed)  # the same seed and settings give the same weights
    try:
        trainer = Trainer(model, dataset, config, resume=resume)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    print(f"{spec.class_name} on {dataset} ({trainer.device}); {config.optimizer}, lr "
          f"{config.lr:g}, batch {config.batch_size}, {config.epochs} epochs"
          + (", augmented" if config.augment else "")
          + (f", patience {config.patience}" if config.patience else ""))
    if fresh and source.has_weights:
        print(f"starting from fresh weights (seed {config.seed}), not those of {args.spec.name}"
              + ("" if _given(args, "fresh") else ": the project's settings start each run "
                                                  "fresh (--no-fresh keeps its weights)"))
    if resume is not None:
        print(_resume_note(trainer, resume, config, len(dataset.train_labels)))
    recorder = _RunRecorder()
    ending = _run_training(trainer, config, args.stop_after, recorder.see)
    best = _kept_best(trainer, args.keep)
    try:
        if args.out is not None:
            _save_weights(trainer, args.out, best, save_state_dict)
        if args.checkpoint is not None:
            extra = {"dataset": args.dataset, "val_split": args.val_split}
            if args.limit is not None:
                extra["limit"] = args.limit
            if source.checkpoint is not None:
                history = list(source.checkpoint.get("history", []))
            else:
                history = list(resume.history) if trainer.resumed else []
            save_checkpoint(args.checkpoint, spec, model, trainer.optimizer, config.to_dict(),
                            history + history_dicts(trainer.history), dataset.class_names,
                            extra=extra, resume=trainer.resume_point(),
                            preprocessing=dataset.preprocessing or None)
            print(f"wrote {args.checkpoint} (full checkpoint)")
    except (OSError, RuntimeError) as exc:  # torch's zip writer fails with RuntimeError
        raise CommandError(f"cannot save: {_reason(exc)}") from None
    if args.save_project is not None:
        _save_project(args, source, base, settings, trainer, recorder, best, fresh,
                      dataset.preprocessing)
    if ending is not None and ending.reason == "user":
        target = args.save_project or args.checkpoint
        again = f" --save-project {target}" if args.save_project is not None else ""
        again += f" --out {args.out}" if args.out is not None else ""
        print(f"stopped after {args.stop_after} epochs of this run; resume later with: "
              f"netbuilder train {target}{again}")
    return 0


class _RunRecorder:
    """The run as the window records it (core.runs.Run): each epoch's metrics with the global
    step it ends at, the batch losses, how it ended."""

    def __init__(self) -> None:
        import time

        self.started_at = time.time()
        self.steps = 0
        self.epochs: list[dict] = []
        self.batches: list[tuple[int, float]] = []
        self.stopped = ""

    def see(self, event) -> None:
        if event.kind == "started":
            self.steps = event.steps_per_epoch
        elif event.kind == "batch":
            self.batches.append((event.global_step, event.loss))
        elif event.kind == "epoch":
            self.epochs.append({
                "epoch": event.epoch, "train_loss": event.train_loss,
                "train_accuracy": event.train_accuracy, "val_loss": event.val_loss,
                "val_accuracy": event.val_accuracy, "lr": event.lr, "seconds": event.seconds,
                "samples_per_s": event.samples_per_s, "global_step": event.epoch * self.steps})
        elif event.kind == "stopped" and event.reason in ("user", "early"):
            self.stopped = event.reason

    def add_to(self, runs: list, settings: dict, config, continued: bool):
        """This run as a new record at the end of ``runs``, or (``continued``: the last run
        went on exactly) that record with this part added; returns the record."""
        from netbuilder.core.runs import Run

        if continued:
            before = runs[-1]
            run = Run(before.id, before.label, dict(before.settings),
                      [dict(e) for e in before.epochs] + self.epochs,
                      list(before.batches) + self.batches,
                      {k: v for k, v in before.final.items() if k != "stopped"},
                      before.started_at)
            runs[-1] = run
        else:
            number = len(runs) + 1
            run = Run(f"run{number}", f"Run {number} · {config.optimizer}, lr {config.lr:g}",
                      dict(settings), list(self.epochs), list(self.batches),
                      started_at=self.started_at)
            runs.append(run)
        if self.stopped:
            run.final["stopped"] = self.stopped
        run.finish(rolled_back=False)
        return run


def _kept_best(trainer, keep: str) -> dict | None:
    """The best epoch ({"epoch", "val_loss", …}) whose weights are kept, or None for the
    last weights."""
    if keep != "best":
        return None
    if trainer.best is None:
        print("note: no epoch of this run ended with good weights: writing the last ones")
    return trainer.best


def _save_project(args: argparse.Namespace, source: _Input, base, settings: dict, trainer,
                  recorder: _RunRecorder, best: dict | None, fresh: bool,
                  preprocessing: dict | None = None) -> None:
    """Write --save-project: the project with the settings used, this run in its history and
    the weights with where the run stands (the best epoch's weights, without it, when they are
    not the last ones)."""
    from netbuilder.core.atomic import SaveError
    from netbuilder.core.project import Project, ProjectWeights
    from netbuilder.core.runs import Run

    config, model = trainer.config, trainer.model
    runs = [Run.from_dict(r) for r in base.extra.get("runs", [])]
    continued = bool(trainer.resumed and runs and runs[-1].final.get("stopped") == "user")
    record = {**config.to_dict(), "dataset": args.dataset, "val_split": args.val_split}
    if args.limit is not None:
        record["limit"] = args.limit
    if trainer.resumed and not runs:  # a checkpoint's run: its earlier epochs, without batches
        recorder.epochs[:0] = [
            {**{k: v for k, v in e.items() if isinstance(k, str) and type(v) in (int, float)},
             "global_step": e["epoch"] * recorder.steps} for e in source.resume.history]
    run = recorder.add_to(runs, record, config, continued)
    point = trainer.resume_point()
    state = {key: value.detach().cpu().clone() for key, value in model.state_dict().items()}
    made_by = run.label
    if best is not None and not (point is not None and point.step == 0
                                 and point.epochs_done == best["epoch"]):
        state = {key: value.detach().cpu().clone()
                 for key, value in trainer.best_weights.items()}
        point = None  # the run stood elsewhere: it cannot go on from these weights
        made_by = f"{run.label}, epoch {best['epoch']}"
    trained = set(base.weights.trained) if base.weights is not None and not fresh else set()
    if recorder.epochs:
        trained |= {path for path, module in model.named_modules()
                    if path and any(True for _ in module.parameters(recurse=False))}
    extra = {"runs": [r.to_dict() for r in runs],
             "user_examples": [dict(e) for e in base.extra.get("user_examples", [])]}
    if preprocessing:  # a table's column statistics: new rows are prepared as these were
        extra["preprocessing"] = dict(preprocessing)
    project = Project(source.spec, args.dataset, settings, extra,
                      ProjectWeights(state, sorted(trained), made_by, point))
    try:
        project.save(args.save_project)
    except SaveError as exc:
        raise CommandError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot write {args.save_project}: {_reason(exc)}") from None
    what = (f"the weights of its best epoch, {best['epoch']}" if made_by != run.label
            else "the weights" + (" and where the run stands" if point is not None else ""))
    print(f"wrote {args.save_project} (project: {run.label}, {_count(len(run.epochs), 'epoch')}; "
          f"{what}; {_count(len(runs), 'run')} in its history)")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _run_training(trainer, config, stop_after: int | None, see=None):
    """Drive the trainer, printing each epoch and passing each event to ``see``; returns the
    Stopped event of a --stop-after or patience ending (None when the run finished). A failure
    raises CommandError."""
    progress = _Progress(sys.stderr)
    steps, epochs_done, ending = 0, 0, None
    for event in trainer.run():
        if see is not None:
            see(event)
        if event.kind == "started":
            steps = event.steps_per_epoch
        elif event.kind == "batch":
            progress.batch(event, steps)
        elif event.kind == "epoch":
            progress.clear()
            scores = (f"val rmse {event.val_rmse:.4f}  val mae {event.val_mae:.4f}  "
                      f"val r2 {event.val_accuracy:.4f}" if event.val_rmse is not None
                      else f"val acc {event.val_accuracy:.4f}")
            print(f"epoch {event.epoch}/{config.epochs}  train loss {event.train_loss:.4f}  "
                  f"val loss {event.val_loss:.4f}  {scores}  "
                  f"{event.seconds:.1f} s  {event.samples_per_s:,.0f} samples/s", flush=True)
            epochs_done += 1
            if stop_after is not None and epochs_done >= stop_after:
                trainer.stop.set()  # seen before the next epoch's first batch
        elif event.kind == "stopped" and event.reason in ("user", "early"):
            progress.clear()
            if event.reason == "early":
                print(event.message)
            ending = event
        elif event.kind in ("failed", "stopped"):
            progress.clear()
            raise CommandError(event.message.rstrip(".") + "; nothing was saved")
    return ending


def _save_weights(trainer, out: Path, best: dict | None, save_state_dict) -> None:
    if best is not None:
        save_state_dict(trainer.best_weights, out)
        print(f"wrote {out} (plain state_dict: the best epoch, {best['epoch']}, val loss "
              f"{best['val_loss']:.4f})")
        return
    save_state_dict(trainer.model, out)
    print(f"wrote {out} (plain state_dict)")


def _evaluate(args: argparse.Namespace) -> int:
    from netbuilder.core.training import TrainingError, evaluate, resolve_device

    source = _load_input(args.spec, args.weights, need_weights=True, allow=_allow(args))
    spec, model = source.spec, source.model
    if source.project is not None:  # the split the window evaluates these weights on
        project = source.project
        found = {"dataset": project.dataset, "val_split": project.training.get("val_split"),
                 "seed": project.training.get("seed")}
        for key, value in found.items():
            if value is not None and not _given(args, key):
                setattr(args, key, value)
    dataset = _dataset_for(args, spec)
    try:
        device = resolve_device(args.device)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    data = dataset.on_device(device)
    model.to(device)
    if dataset.task == "regression":
        from netbuilder.core.evaluation import evaluate_regression

        loss = source.project.training.get("loss", "mse") if source.project else "mse"
        try:
            found = evaluate_regression(model, data.val_x, data.val_y,
                                        loss if loss in ("mse", "l1") else "mse")
        except RuntimeError as exc:
            raise CommandError(f"the network cannot predict these rows: {exc}") from None
        print(f"rmse: {found.rmse:.4f}  mae: {found.mae:.4f}  r2: {found.r2:.4f}  "
              f"({len(data.val_y):,} validation rows of {dataset.name})")
        return 0
    try:
        result = evaluate(model, data.val_x, data.val_y, data.num_classes)
    except RuntimeError as exc:
        raise CommandError(f"the network cannot classify these images: {exc}") from None
    print(f"accuracy: {result.accuracy:.4f}  ({result.count:,} validation "
          f"{'rows' if dataset.is_table else 'images'} of {dataset.name})")
    for name, accuracy in zip(dataset.class_names, result.per_class_accuracy, strict=True):
        print(f"  {name:>12}: {accuracy:.4f}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from netbuilder.core.atomic import SaveError, atomic_write_text
    from netbuilder.core.builder import build
    from netbuilder.core.importer import ModelImportError, import_model

    for option, target in (("--out", args.out), ("--key-map", args.key_map)):
        if target is not None and target.exists() and args.file.exists() \
                and target.resolve() == args.file.resolve():
            raise CommandError(f"{option} {target} is the file to import: give another file")
    for target in (args.out, args.key_map):
        folder = target.parent if target is not None else None
        if folder is not None and not folder.is_dir():  # said before the file runs, not after
            raise CommandError(f"cannot write {target}: there is no folder {folder}")
    try:
        result = import_model(args.file, args.class_name, args.input_shape, args.timeout,
                              num_classes=args.num_classes)
    except ModelImportError as exc:
        raise CommandError(f"cannot import {args.class_name} from {args.file}: {exc}") from None
    spec = result.spec
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    renamed = any(old != new for old, new in result.key_map.items())
    if renamed and args.key_map is None:
        print("note: --key-map FILE.json writes the whole key map", file=sys.stderr)
    writes = [(args.out, spec.to_json())]
    if args.key_map is not None:
        writes.append((args.key_map, json.dumps(result.key_map, indent=2) + "\n"))
    for path, text in writes:
        try:
            atomic_write_text(path, text)
        except SaveError as exc:
            raise CommandError(str(exc)) from None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot write {path}: {_reason(exc)}") from None
    params = sum(p.numel() for p in build(spec, device="meta", validated=True).parameters())
    layers = sum(1 for _ in spec.layers())
    print(f"wrote {args.out} ({spec.class_name}: {_count(layers, 'layer')}, {params:,} "
          "parameters)")
    if args.key_map is not None:
        print(f"wrote {args.key_map} (key map: {len(result.key_map)} keys"
              + (", some renamed)" if renamed else ", all unchanged)"))
    return 0


COMMANDS = ("summary", "export", "train", "evaluate", "import")
OPENABLE = (".json", ".nbproj", ".pth", ".pt")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        return _open_window(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"summary": _summary, "export": _export, "train": _train,
                "evaluate": _evaluate, "import": _import}
    if args.command is None:
        parser.print_help()
        return 2
    try:
        status = handlers[args.command](args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return status
    except CommandError as exc:
        print(f"netbuilder {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `netbuilder evaluate … | head`: the reader has gone
        _silence_stdout()
        return 141  # as a Unix tool killed by SIGPIPE


def _open_window(argv: list[str]) -> int:
    """No command: the desktop app, with FILE opened in it; a mistyped command is an error."""
    if argv:
        path = Path(argv[0])
        if not path.exists():
            if path.suffix.lower() in OPENABLE:
                return _usage_error(f"{path} does not exist")
            return _usage_error(f"unknown command {argv[0]!r}{_suggestion(argv[0])}")
    if len(argv) > 1:
        return _usage_error(f"give at most one FILE to open, got {len(argv)} words; commands: "
                            f"{', '.join(COMMANDS)}")
    problem = _no_display()
    if problem:
        print(f"netbuilder: {problem}. The commands {', '.join(COMMANDS)} work without one "
              "(see netbuilder --help).", file=sys.stderr)
        return 1
    from netbuilder.gui.app import main as gui_main  # the desktop app

    return gui_main(argv)


def _suggestion(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    if word.lower().lstrip("-") in ("help", "h", "?"):
        return "; for help: netbuilder --help"
    return f"; commands: {', '.join(COMMANDS)} (or give a FILE to open in the window)"


def _usage_error(message: str) -> int:
    print(f"netbuilder: {message}", file=sys.stderr)
    return 2


def _no_display() -> str:
    """Why no window can be shown here (Linux/BSD without X11 or Wayland), or ''."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return ""
    if platform and not platform.startswith(("xcb", "wayland")):
        return ""  # offscreen, vnc, eglfs…: Qt draws without a desktop session
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
