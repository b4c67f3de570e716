"""The ``netbuilder`` command: headless sub-commands that share the app's core.

Bad input never ends in a traceback: every problem is printed with where it is, and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from netbuilder import __version__
from netbuilder.core.registry import (
    DEFAULT_DATASET,
    DEVICE_CHOICES,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    SCHEDULE_CHOICES,
    Choice,
    choice_help,
    dataset_help,
    names,
)

EXPORT_FORMATS = ("python", "script", "onnx", "torchscript", "pt2")
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
               "project or network .json, or weights or a checkpoint .pth) in it. The commands "
               "run without a window.",
    )
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print each layer's output shape, parameters and MACs",
        description="Print a table of the network (name, kind, output shape, parameters, MACs) "
                    "and its problems; exit 1 when it cannot run.")
    summary.add_argument("spec", type=Path, help="network spec (.json)")
    _choice_option(summary, "--loss", LOSS_CHOICES, "cross_entropy",
                   "the loss it will train with, for lint warnings")

    export = commands.add_parser(
        "export", help="write the network as code, a training script or a program",
        description="Write the network in another form. python: a module file with an "
                    "nn.Module class (or, with --style sequential, an nn.Sequential). script: "
                    "a standalone training script (python train.py, or torchrun for "
                    "DistributedDataParallel). onnx, torchscript, pt2: the network with its "
                    "weights, verified on validation digits (report written beside the file).")
    export.add_argument("spec", type=Path, help="network spec (.json) or full checkpoint (.pth)")
    export.add_argument("--format", default="python", choices=EXPORT_FORMATS)
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--weights", type=Path, default=None,
                        help="state_dict to export with (onnx, torchscript, pt2)")
    export.add_argument("--style", default="class", choices=("class", "sequential"),
                        help="python format: an nn.Module class or an nn.Sequential expression")
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    return parser


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


def _dataset_options(parser: argparse.ArgumentParser, inherit: bool = False) -> None:
    """--dataset, --data-dir, --val-split, --seed. ``inherit``: a checkpoint's values apply
    when not given (the help says so)."""
    from_file = " (default: the checkpoint's, else {})" if inherit else " (default {})"
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


def _add_train_parser(commands) -> None:
    from netbuilder.core.training import TrainConfig

    d = TrainConfig()

    def inherited(default) -> str:
        return f" (default: the checkpoint's, else {default})"

    train = commands.add_parser(
        "train", help="train a network and save its weights",
        description="Train SPEC.json (or continue a full checkpoint .pth) and save a plain "
                    "state_dict that model.load_state_dict(torch.load(...)) reads. A checkpoint "
                    "written with --checkpoint remembers where its run stands: training it "
                    "again with the same settings (the default: options not given take the "
                    "checkpoint's values) goes on exactly where the run stopped, as if it had "
                    "never stopped; other settings start a new run from its weights, keeping "
                    "the optimizer's moments.")
    train.add_argument("spec", type=Path, help="network spec (.json) or full checkpoint (.pth)")
    _dataset_options(train, inherit=True)
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
    _choice_option(train, "--device", DEVICE_CHOICES, "auto")
    train.add_argument("--out", type=Path, required=True, help="plain state_dict to write (.pth)")
    train.add_argument("--keep", choices=KEEP_CHOICES, default="last",
                       help="the weights --out gets: last (those at the end, the default) or "
                            "best (those of the epoch with the lowest validation loss)")
    train.add_argument("--checkpoint", type=Path, default=None,
                       help="also write a full checkpoint (architecture, the last weights, "
                            "optimizer, settings, history and where the run stands, to resume "
                            "it)")
    train.add_argument("--stop-after", type=_integer_in("epochs"), default=None, metavar="N",
                       help="stop this run after N of its epochs, leaving it in --checkpoint to "
                            "resume later")
    train.add_argument("--limit", type=_integer_in("batch_size"), default=None, action=_Given,
                       metavar="N",
                       help="train on the first N training images and validate on the first N "
                            "validation images only (a quick check; default: all, or the "
                            "checkpoint's)")


def _add_evaluate_parser(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="measure a trained network's accuracy",
        description="Evaluate SPEC.json with WEIGHTS.pth (or one full checkpoint .pth) on the "
                    "validation images; prints 'accuracy: 0.xxxx' and per-class accuracy.")
    evaluate.add_argument("spec", type=Path, help="network spec (.json) or full checkpoint")
    evaluate.add_argument("weights", type=Path, nargs="?", help="state_dict (.pth)")
    _dataset_options(evaluate)
    _choice_option(evaluate, "--device", DEVICE_CHOICES, "auto")


def _load_spec(path: Path):
    """The network of a spec or project file, fully checked first."""
    from netbuilder.core.project import Project, ProjectError

    try:
        return Project.load(path).spec
    except ProjectError as exc:
        raise CommandError(_problem_lines(f"{path} is not a usable network spec:", exc)) from None


def _problem_lines(title: str, exc) -> str:
    return "\n".join([title, *(f"  - {p}" for p in exc.problems)])


def _summary(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze, format_shape

    spec = _load_spec(args.spec)
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
    spec, model, checkpoint = _model_and_weights(args.spec, args.weights, build=not as_source)
    analysis = analyze(spec)
    if not analysis.ok:
        raise CommandError("\n".join(
            [f"{args.spec} cannot be exported: its shapes do not fit together:",
             *(f"  - {f}" for f in analysis.errors)]))
    if as_source:
        source = _source(args, spec, checkpoint)
        try:
            atomic_write_text(args.out, source)
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"cannot write {args.out}: {_reason(exc)}") from None
        what = "training script" if args.format == "script" else (
            spec.class_name if args.style == "class" else "model")
        print(f"wrote {args.out} ({what}, {analysis.total_params:,} parameters)")
        return 0
    from netbuilder.core.exporters import ExportError, export_verified

    if args.weights is None and checkpoint is None:
        print("note: no --weights given: exporting freshly initialised weights",
              file=sys.stderr)
    try:
        result = export_verified(model, args.format, args.out)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {args.out}; {result.describe()}")
    return 0


def _source(args: argparse.Namespace, spec, checkpoint: dict | None) -> str:
    """A module (python) or a training script (script) for ``spec``; a checkpoint's settings
    are checked like a project's before any of them reaches the generated code."""
    from netbuilder.core.spec import SpecError
    from netbuilder.core.training import TrainingError

    try:
        if args.format == "python":
            from netbuilder.core.codegen import generate

            return generate(spec, style=args.style)
        from netbuilder.core.train_script import training_script

        return training_script(spec, (checkpoint or {}).get("training", {}),
                               script_name=args.out.name)
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


def _model_and_weights(spec_path: Path, weights_path: Path | None, build: bool = True):
    """(spec, model or None, checkpoint dict or None) from SPEC.json [+ WEIGHTS] or a
    checkpoint; every file is checked whole before anything is built from it."""
    from netbuilder.core.builder import build as build_model
    from netbuilder.core.checkpoint import (
        CheckpointError,
        load_file,
        load_weights,
        memory_problem,
        non_finite_keys,
    )
    from netbuilder.core.spec import SpecError

    checkpoint = None
    try:
        if spec_path.suffix.lower() == ".json":
            spec = _load_spec(spec_path)
            loaded = load_file(weights_path) if weights_path else None
        else:
            if weights_path is not None:
                raise CommandError(f"{spec_path} is a checkpoint: give it alone, or a spec .json "
                                   "followed by weights")
            loaded = load_file(spec_path)
            if not loaded.is_checkpoint:
                raise CommandError(f"{spec_path} holds only weights, not a network: give the "
                                   "network spec (.json) first, then the weights")
            spec = loaded.spec
            checkpoint = loaded.checkpoint
        if not build:
            return spec, None, checkpoint
        problem = memory_problem(spec)
        if problem:
            raise CommandError(f"{spec_path} cannot be built: {problem}")
        model = build_model(spec)
        if loaded is not None:
            load_weights(model, loaded.state_dict, strict=True)
            bad = non_finite_keys(loaded.state_dict)
            if bad:
                print(f"warning: {loaded.path.name} holds NaN or infinite values in "
                      f"{', '.join(bad[:5])}{' …' if len(bad) > 5 else ''}: the network's "
                      "outputs will not be numbers", file=sys.stderr)
    except CheckpointError as exc:
        raise CommandError(str(exc)) from None
    except SpecError as exc:
        raise CommandError(_problem_lines(f"{spec_path} cannot be built:", exc)) from None
    return spec, model, checkpoint


def _dataset_for(args: argparse.Namespace, spec):
    from netbuilder.core.data import DatasetError, load_dataset

    try:
        dataset = load_dataset(args.dataset, args.data_dir, args.val_split, args.seed)
    except DatasetError as exc:
        raise CommandError(str(exc)) from None
    if list(spec.input_shape) != dataset.input_shape:
        raise CommandError(f"the network takes input {spec.input_shape}, but {args.dataset} "
                           f"images are {dataset.input_shape}")
    return dataset


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


# The TrainConfig fields `train` takes from a checkpoint when their option is not given; the
# device always comes from --device (a checkpoint may come from a machine with another one).
INHERITED_SETTINGS = ("loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size",
                      "epochs", "schedule", "seed", "augment", "patience")


def _train_config(args: argparse.Namespace, checkpoint: dict | None):
    """The run's settings: each option given, else the checkpoint's run setting (its resume
    point's, else its training settings), else the built-in default."""
    from netbuilder.core.training import TrainConfig

    file: dict = {}
    if checkpoint is not None:
        resume = checkpoint.get("resume")
        file = dict(resume.config) if resume is not None else dict(checkpoint["training"])
    inherited = {key: file[key] for key in INHERITED_SETTINGS
                 if key in file and not _given(args, key)}
    problems = TrainConfig(**inherited).problems()
    if problems:
        raise CommandError(f"{args.spec}: its training settings are not usable "
                           f"({'; '.join(problems)}); give them as options")
    chosen = {key: getattr(args, key) for key in INHERITED_SETTINGS}
    return TrainConfig(**{**chosen, **inherited}, device=args.device)


def _inherit_dataset(args: argparse.Namespace, checkpoint: dict | None, seed: int) -> None:
    """--dataset, --val-split and --limit: the options given, else the checkpoint's, else the
    defaults; the seed is the run's."""
    from netbuilder.core.project import SETTING_LIMITS
    from netbuilder.core.pth_guard import is_finite_number, short_repr

    extra = (checkpoint or {}).get("extra", {})
    training = (checkpoint or {}).get("training", {})
    found = {"dataset": extra.get("dataset"),
             "val_split": extra.get("val_split", training.get("val_split")),
             "limit": extra.get("limit")}
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
    from netbuilder.core.training import Trainer, TrainingError, history_dicts, reset_weights

    if args.stop_after is not None and args.checkpoint is None:
        raise CommandError("--stop-after needs --checkpoint: the run is left there to resume")
    spec, model, checkpoint = _model_and_weights(args.spec, None)
    config = _train_config(args, checkpoint)
    _inherit_dataset(args, checkpoint, config.seed)
    dataset = _limited(_dataset_for(args, spec), args.limit)
    problems = config.problems(len(dataset.train_labels))
    if problems:
        raise CommandError("; ".join(problems))
    for target in (args.out, args.checkpoint):
        if target is not None and not target.parent.resolve().is_dir():
            raise CommandError(f"cannot write {target}: folder {target.parent} does not exist")
    resume = (checkpoint or {}).get("resume")
    if checkpoint is None:
        reset_weights(model, config.seed)  # the same seed and settings give the same weights
    try:
        trainer = Trainer(model, dataset, config, resume=resume)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    history = list((checkpoint or {}).get("history", []))
    print(f"{spec.class_name} on {dataset} ({trainer.device}); {config.optimizer}, lr "
          f"{config.lr:g}, batch {config.batch_size}, {config.epochs} epochs"
          + (", augmented" if config.augment else "")
          + (f", patience {config.patience}" if config.patience else ""))
    if resume is not None:
        print(_resume_note(trainer, resume, config, len(dataset.train_labels)))
    ending = _run_training(trainer, config, args.stop_after)
    try:
        _save_weights(trainer, args.out, args.keep, save_state_dict)
        if args.checkpoint is not None:
            extra = {"dataset": args.dataset, "val_split": args.val_split}
            if args.limit is not None:
                extra["limit"] = args.limit
            save_checkpoint(args.checkpoint, spec, model, trainer.optimizer, config.to_dict(),
                            history + history_dicts(trainer.history), dataset.class_names,
                            extra=extra, resume=trainer.resume_point())
            print(f"wrote {args.checkpoint} (full checkpoint)")
    except (OSError, RuntimeError) as exc:  # torch's zip writer fails with RuntimeError
        raise CommandError(f"cannot save: {_reason(exc)}") from None
    if ending is not None and ending.reason == "user":
        print(f"stopped after {args.stop_after} epochs of this run; resume later with: "
              f"netbuilder train {args.checkpoint} --out {args.out}")
    return 0


def _run_training(trainer, config, stop_after: int | None):
    """Drive the trainer, printing each epoch; returns the Stopped event of a --stop-after or
    patience ending (None when the run finished). A failure raises CommandError."""
    progress = _Progress(sys.stderr)
    steps, epochs_done, ending = 0, 0, None
    for event in trainer.run():
        if event.kind == "started":
            steps = event.steps_per_epoch
        elif event.kind == "batch":
            progress.batch(event, steps)
        elif event.kind == "epoch":
            progress.clear()
            print(f"epoch {event.epoch}/{config.epochs}  train loss {event.train_loss:.4f}  "
                  f"val loss {event.val_loss:.4f}  val acc {event.val_accuracy:.4f}  "
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


def _save_weights(trainer, out: Path, keep: str, save_state_dict) -> None:
    best = trainer.best
    if keep == "best" and best is not None:
        save_state_dict(trainer.best_weights, out)
        print(f"wrote {out} (plain state_dict: the best epoch, {best['epoch']}, val loss "
              f"{best['val_loss']:.4f})")
        return
    if keep == "best":
        print("note: no epoch of this run ended with good weights: writing the last ones")
    save_state_dict(trainer.model, out)
    print(f"wrote {out} (plain state_dict)")


def _evaluate(args: argparse.Namespace) -> int:
    from netbuilder.core.training import TrainingError, evaluate, resolve_device

    spec, model, _checkpoint = _model_and_weights(args.spec, args.weights)
    if args.spec.suffix.lower() == ".json" and args.weights is None:
        raise CommandError("give the weights to evaluate: netbuilder evaluate SPEC.json "
                           "WEIGHTS.pth (or one full checkpoint .pth)")
    dataset = _dataset_for(args, spec)
    try:
        device = resolve_device(args.device)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    data = dataset.on_device(device)
    model.to(device)
    try:
        result = evaluate(model, data.val_x, data.val_y, data.num_classes)
    except RuntimeError as exc:
        raise CommandError(f"the network cannot classify these images: {exc}") from None
    print(f"accuracy: {result.accuracy:.4f}  ({result.count:,} validation images of "
          f"{dataset.name})")
    for name, accuracy in zip(dataset.class_names, result.per_class_accuracy, strict=True):
        print(f"  {name:>12}: {accuracy:.4f}")
    return 0


COMMANDS = ("summary", "export", "train", "evaluate")
OPENABLE = (".json", ".pth", ".pt")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        return _open_window(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"summary": _summary, "export": _export, "train": _train,
                "evaluate": _evaluate}
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
