"""The ``netbuilder`` command: headless sub-commands that share the app's core.

Bad input never ends in a traceback: every problem is printed with where it is, and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from netbuilder import __version__

EXPORT_FORMATS = ("python", "script", "onnx", "torchscript", "pt2")


class CommandError(Exception):
    """A failure to report in one or more lines, then exit 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netbuilder",
        description="Build torch.nn.Sequential networks, see the shapes that flow, export code.",
    )
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print each layer's output shape, parameters and MACs",
        description="Print a table of the network (name, kind, output shape, parameters, MACs) "
                    "and its problems; exit 1 when it cannot run.")
    summary.add_argument("spec", type=Path, help="network spec (.json)")
    summary.add_argument("--loss", default="cross_entropy",
                         choices=("cross_entropy", "nll", "mse"),
                         help="the loss it will train with (for lint warnings)")

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


def _dataset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="digits", metavar="NAME",
                        help="digits (embedded, default), mnist, fashion-mnist, kmnist, or "
                             "folder:PATH (one sub-folder per class)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where torchvision datasets are kept or downloaded "
                             "(default: $NETBUILDER_DATA or ~/.cache/netbuilder/datasets)")
    parser.add_argument("--val-split", type=float, default=0.2,
                        help="validation fraction for digits and image folders (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for splits, shuffling, "
                                                            "augmentation and dropout")


def _add_train_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="train a network and save its weights",
        description="Train SPEC.json (or continue a full checkpoint .pth) and save a plain "
                    "state_dict that model.load_state_dict(torch.load(...)) reads.")
    train.add_argument("spec", type=Path, help="network spec (.json) or full checkpoint (.pth)")
    _dataset_options(train)
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    train.add_argument("--optimizer", default="adam", choices=("adam", "sgd", "adamw", "rmsprop"))
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--schedule", default="none", choices=("none", "step", "cosine",
                                                              "onecycle"))
    train.add_argument("--loss", default="cross_entropy", choices=("cross_entropy", "nll", "mse"))
    train.add_argument("--augment", action="store_true",
                       help="random small rotation, scale and shift of each batch")
    train.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    train.add_argument("--out", type=Path, required=True, help="plain state_dict to write (.pth)")
    train.add_argument("--checkpoint", type=Path, default=None,
                       help="also write a full checkpoint (architecture, weights, optimizer, "
                            "history)")


def _add_evaluate_parser(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="measure a trained network's accuracy",
        description="Evaluate SPEC.json with WEIGHTS.pth (or one full checkpoint .pth) on the "
                    "validation images; prints 'accuracy: 0.xxxx' and per-class accuracy.")
    evaluate.add_argument("spec", type=Path, help="network spec (.json) or full checkpoint")
    evaluate.add_argument("weights", type=Path, nargs="?", help="state_dict (.pth)")
    _dataset_options(evaluate)
    evaluate.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))


def _load_spec(path: Path):
    from netbuilder.core.spec import NetworkSpec, SpecError

    try:
        return NetworkSpec.load(path)
    except SpecError as exc:
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

    spec, model, checkpoint = _model_and_weights(args.spec, args.weights)
    analysis = analyze(spec)
    if not analysis.ok:
        raise CommandError("\n".join(
            [f"{args.spec} cannot be exported: its shapes do not fit together:",
             *(f"  - {f}" for f in analysis.errors)]))
    if args.format in ("python", "script"):
        if args.format == "python":
            from netbuilder.core.codegen import generate

            source = generate(spec, style=args.style)
        else:
            from netbuilder.core.train_script import training_script
            from netbuilder.core.training import TrainConfig

            settings = dict((checkpoint or {}).get("training", {}))
            source = training_script(spec, TrainConfig.from_dict(settings),
                                     float(settings.get("val_split", 0.2)), args.out.name)
        try:
            atomic_write_text(args.out, source)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
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


def _model_and_weights(spec_path: Path, weights_path: Path | None):
    """(spec, model, checkpoint dict or None) from SPEC.json [+ WEIGHTS] or a checkpoint."""
    from netbuilder.core.builder import build
    from netbuilder.core.checkpoint import CheckpointError, load_file, load_weights
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
        model = build(spec)
        if loaded is not None:
            load_weights(model, loaded.state_dict, strict=True)
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


def _train(args: argparse.Namespace) -> int:
    from netbuilder.core.checkpoint import save_checkpoint, save_state_dict
    from netbuilder.core.training import (
        TrainConfig,
        Trainer,
        TrainingError,
        history_dicts,
        reset_weights,
    )

    spec, model, checkpoint = _model_and_weights(args.spec, None)
    dataset = _dataset_for(args, spec)
    config = TrainConfig(loss=args.loss, optimizer=args.optimizer, lr=args.lr,
                         weight_decay=args.weight_decay, batch_size=args.batch_size,
                         epochs=args.epochs, schedule=args.schedule, seed=args.seed,
                         device=args.device, augment=args.augment)
    problems = config.problems(len(dataset.train_labels))
    if problems:
        raise CommandError("; ".join(problems))
    for target in (args.out, args.checkpoint):
        if target is not None and not target.parent.resolve().is_dir():
            raise CommandError(f"cannot write {target}: folder {target.parent} does not exist")
    if checkpoint is None:
        reset_weights(model, config.seed)  # the same seed and settings give the same weights
    try:
        trainer = Trainer(model, dataset, config)
    except TrainingError as exc:
        raise CommandError(str(exc)) from None
    history = list((checkpoint or {}).get("history", []))
    print(f"{spec.class_name} on {dataset} ({trainer.device}); {config.optimizer}, lr "
          f"{config.lr:g}, batch {config.batch_size}, {config.epochs} epochs"
          + (", augmented" if config.augment else ""))
    progress = _Progress(sys.stderr)
    steps = 0
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
        elif event.kind in ("failed", "stopped"):
            progress.clear()
            raise CommandError(event.message + "; nothing was saved")
    try:
        save_state_dict(model, args.out)
        print(f"wrote {args.out} (plain state_dict)")
        if args.checkpoint is not None:
            save_checkpoint(args.checkpoint, spec, model, trainer.optimizer, config.to_dict(),
                            history + history_dicts(trainer.history), dataset.class_names,
                            extra={"dataset": args.dataset})
            print(f"wrote {args.checkpoint} (full checkpoint)")
    except OSError as exc:
        raise CommandError(f"cannot save: {exc.strerror or exc}") from None
    return 0


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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        from netbuilder.gui.app import main as gui_main  # no command: the desktop app

        return gui_main(argv[:1])
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"summary": _summary, "export": _export, "train": _train,
                "evaluate": _evaluate}
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return handlers[args.command](args)
    except CommandError as exc:
        print(f"netbuilder {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
