"""``netbuilder train``: the run's settings (options, else the file's), the training loop
with its progress, and writing the weights and checkpoint."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from netbuilder.cli.inputs import _dataset_for, _Input, _load_input
from netbuilder.cli.messages import CommandError, _reason
from netbuilder.cli.parser import _allow, _given
from netbuilder.cli.progress import Progress
from netbuilder.cli.save_project import (
    _project_base,
    _project_settings,
    _RunRecorder,
    _save_project,
)

# The TrainConfig fields `train` takes from a checkpoint or project when their option is not
# given; the device always comes from --device (a file may come from a machine with another one).
INHERITED_SETTINGS = ("loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size",
                      "epochs", "schedule", "seed", "augment", "stroke", "blur", "elastic",
                      "erase", "patience")

log = logging.getLogger(__name__)


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
          + (_augmented(config) if config.augment else "")
          + (f", patience {config.patience}" if config.patience else ""))
    if fresh and source.has_weights:
        print(f"starting from fresh weights (seed {config.seed}), not those of {args.spec.name}"
              + ("" if _given(args, "fresh") else ": the project's settings start each run "
                                                  "fresh (--no-fresh keeps its weights)"))
    if resume is not None:
        print(_resume_note(trainer, resume, config, len(dataset.train_labels)))
    recorder = _RunRecorder()
    run_log = _open_run_log(args.log_dir, model)
    try:
        ending = _run_training(trainer, config, args.stop_after,
                               recorder.see if run_log is None else _both(recorder.see,
                                                                          run_log.handle))
    finally:
        if run_log is not None:
            _close_run_log(run_log)
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
                            preprocessing=dataset.preprocessing or None,
                            calibration=trainer.calibration)
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


def _augmented(config) -> str:
    """", augmented (stroke 0.5, blur 0.5, elastic 0.5)": the pen effects that are on."""
    from netbuilder.core.train_config import PEN_SETTINGS

    strengths = [f"{name} {getattr(config, name):g}" for name in PEN_SETTINGS
                 if getattr(config, name) > 0]
    return ", augmented" + (f" ({', '.join(strengths)})" if strengths else "")


def _train_config(args: argparse.Namespace, source: _Input):
    """The run's settings: each option given, else the file's (a checkpoint's resume point's,
    else its training settings; a project's training settings), else the built-in default."""
    from netbuilder.core.train_config import TrainConfig

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
    from netbuilder.core.pth_guard import is_finite_number, short_repr
    from netbuilder.core.train_config import SETTING_LIMITS

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
    if hasattr(dataset, "limited"):  # a streamed folder: the first files, still streamed
        return dataset.limited(limit)
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


def _run_training(trainer, config, stop_after: int | None, see=None):
    """Drive the trainer, printing each epoch and passing each event to ``see``; returns the
    Stopped event of a --stop-after or patience ending (None when the run finished). A failure
    raises CommandError."""
    progress = Progress(sys.stderr)
    steps, epochs_done, ending = 0, 0, None
    for event in trainer.run():
        if see is not None:
            see(event)
        if event.kind == "started":
            steps = event.steps_per_epoch
            last = event.first_epoch - 1 + stop_after if stop_after is not None else event.epochs
            progress.epochs = min(last, event.epochs)
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


def _open_run_log(directory: Path | None, model):
    """The TensorBoard and CSV log of --log-dir, or None; TensorBoard's absence is said at
    once (the CSV is written all the same)."""
    if directory is None:
        return None
    from netbuilder.core.run_log import RunLog, RunLogError

    try:
        run_log = RunLog(directory, model)
    except RunLogError as exc:
        raise CommandError(f"--log-dir: {exc}") from None
    for problem in run_log.problems:
        print(f"warning: {problem}", file=sys.stderr)
    log.info("logging the run to %s", directory)
    return run_log


def _close_run_log(run_log) -> None:
    said = len(run_log.problems)
    run_log.close()
    for problem in run_log.problems[said:]:
        print(f"warning: {problem}", file=sys.stderr)
    where = run_log.directory
    if not run_log.tensorboard:
        print(f"wrote {run_log.csv_path} (training log)")
    else:
        print(f"wrote the training log to {where} (tensorboard --logdir {where}; "
              f"{run_log.csv_path.name})")


def _both(first, second):
    """One event consumer that hands each event to two."""
    def see(event) -> None:
        first(event)
        second(event)
    return see


def _kept_best(trainer, keep: str) -> dict | None:
    """The best epoch ({"epoch", "val_loss", …}) whose weights are kept, or None for the
    last weights."""
    if keep != "best":
        return None
    if trainer.best is None:
        print("note: no epoch of this run ended with good weights: writing the last ones")
    return trainer.best


def _save_weights(trainer, out: Path, best: dict | None, save_state_dict) -> None:
    if best is not None:
        save_state_dict(trainer.best_weights, out)
        print(f"wrote {out} (plain state_dict: the best epoch, {best['epoch']}, val loss "
              f"{best['val_loss']:.4f})")
        return
    save_state_dict(trainer.model, out)
    print(f"wrote {out} (plain state_dict)")
