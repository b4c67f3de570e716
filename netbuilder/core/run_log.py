"""A training run written down for other tools: TensorBoard event files and a CSV table.

:class:`RunLog` reads the same events the window and the command line read
(``core.training_events``) and writes, into one folder:

- TensorBoard scalars per step (``step/train_loss``, ``step/lr``, every ``every`` steps) and per
  epoch (``epoch/train_loss``, ``epoch/val_loss``, ``epoch/val_accuracy`` or, for a regression,
  ``epoch/val_r2``, ``epoch/val_rmse``, ``epoch/val_mae``, ``epoch/lr`` …), and a histogram of
  every parameter per epoch (``weights/<name>``), through ``torch.utils.tensorboard``;
- ``metrics.csv``: one row per epoch under a header naming the columns, so a spreadsheet or
  pandas reads the curves without TensorBoard.

TensorBoard is an optional extra: without it the CSV is still written and :attr:`RunLog.problems`
says how to get it. A write that fails during the run (a full disk) ends the logging, not the
run, and is told there too. Events must be handed over on the thread that trains (the
histograms read the model's weights between steps).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from netbuilder.core.training_events import BatchEnd, EpochEnd, Event, Started

CSV_NAME = "metrics.csv"
CSV_COLUMNS = ("epoch", "global_step", "train_loss", "val_loss", "train_accuracy",
               "val_accuracy", "train_r2", "val_r2", "val_rmse", "val_mae", "lr", "seconds",
               "samples_per_s")
MISSING_TENSORBOARD = ("TensorBoard logging needs the tensorboard package: pip install "
                       "'netbuilder[tensorboard]' (the CSV table is written without it)")


class RunLogError(OSError):
    """The log folder or its CSV cannot be written; the message names the path."""


class RunLog:
    """Writes a run's curves into ``directory`` (created if needed) as it goes; ``close()``
    flushes. A second run into the same folder adds rows to its CSV and a new event file,
    which TensorBoard shows on the same axes (a resumed run's steps go on)."""

    def __init__(self, directory: str | Path, model: Any = None, every: int = 1) -> None:
        if type(every) is not int or every < 1:
            raise ValueError(f"every: expected an integer ≥ 1, got {every!r}")
        self.directory = Path(directory)
        self.model = model
        self.every = every
        self.problems: list[str] = []  # what was not written, and why
        self._global_step = 0  # steps done before the current epoch's batches
        self._steps_per_epoch = 0
        self.csv_path = self.directory / CSV_NAME
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._check_csv()
            self._csv_file = open(self.csv_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise RunLogError(f"cannot write the training log to {self.directory}: "
                              f"{exc.strerror or exc}") from None
        self._csv = csv.writer(self._csv_file)
        if self._csv_file.tell() == 0:
            self._csv.writerow(CSV_COLUMNS)
            self._csv_file.flush()
        self.writer = self._summary_writer()
        self.tensorboard = self.writer is not None  # event files are written

    def _check_csv(self) -> None:
        """Rows are only added to a CSV with the same columns: another file is not ours."""
        if not self.csv_path.exists() or self.csv_path.stat().st_size == 0:
            return
        with open(self.csv_path, newline="", encoding="utf-8") as file:
            header = next(csv.reader(file), [])
        if tuple(header) != CSV_COLUMNS:
            raise RunLogError(f"{self.csv_path} exists and has other columns than a netbuilder "
                              "training log; choose another folder")

    def _summary_writer(self):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self.problems.append(MISSING_TENSORBOARD)
            return None
        return SummaryWriter(log_dir=str(self.directory))

    def handle(self, event: Event) -> None:
        """Write what ``event`` tells; events other tools do not chart are ignored."""
        if self._csv_file.closed:
            return
        try:
            self._handle(event)
        except OSError as exc:
            self._failed(exc)
            self.close()

    def _handle(self, event: Event) -> None:
        if isinstance(event, Started):
            self._steps_per_epoch = event.steps_per_epoch
            self._global_step = event.global_step
        elif isinstance(event, BatchEnd):
            if self.writer is not None and event.global_step % self.every == 0:
                self.writer.add_scalar("step/train_loss", event.loss, event.global_step)
                self.writer.add_scalar("step/lr", event.lr, event.global_step)
            self._global_step = event.global_step
        elif isinstance(event, EpochEnd):
            self._epoch(event)

    def _epoch(self, event: EpochEnd) -> None:
        regression = event.val_rmse is not None
        scores = ({"train_r2": event.train_accuracy, "val_r2": event.val_accuracy,
                   "val_rmse": event.val_rmse, "val_mae": event.val_mae} if regression else
                  {"train_accuracy": event.train_accuracy, "val_accuracy": event.val_accuracy})
        values = {"train_loss": event.train_loss, "val_loss": event.val_loss, **scores,
                  "lr": event.lr, "seconds": event.seconds, "samples_per_s": event.samples_per_s}
        row = {"epoch": event.epoch, "global_step": self._global_step, **values}
        self._csv.writerow([row.get(column, "") for column in CSV_COLUMNS])
        self._csv_file.flush()
        if self.writer is None:
            return
        for name, value in values.items():
            self.writer.add_scalar(f"epoch/{name}", value, event.epoch)
        if self.model is not None:
            for name, parameter in self.model.named_parameters():
                weights = parameter.detach().float().cpu()
                if weights.numel() and bool(weights.isfinite().all()):
                    self.writer.add_histogram(f"weights/{name}", weights, event.epoch)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the files; the log can be read, and the folder used again. A
        failure to flush is added to :attr:`problems`, never raised."""
        writer, self.writer = self.writer, None
        for closing in (writer.close if writer is not None else None, self._csv_file.close):
            try:
                if closing is not None:
                    closing()
            except OSError as exc:
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.problems.append(f"the training log in {self.directory} stopped: "
                             f"{exc.strerror or exc}")

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

