"""``netbuilder train --save-project``: the run recorded as the window records it, added to
the project's history and saved with its weights."""

from __future__ import annotations

import argparse

from netbuilder.cli.inputs import _Input
from netbuilder.cli.messages import CommandError, _count, _problem_lines, _reason
from netbuilder.cli.parser import _given


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
    if trainer.calibration is not None and made_by == run.label:  # fitted on these weights
        extra["calibration"] = trainer.calibration.to_dict()
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
