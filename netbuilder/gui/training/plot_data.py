"""The current run's points as the plots keep them: numpy buffers, and the CSV table of them.

Appending is all the training worker's updates do, so it must stay cheap: buffers grow by
doubling and nothing is drawn here. Non-finite values are kept (and written to the CSV); the
plots filter them out with :func:`visible` when they draw.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

EMA_ALPHA = 0.05
INITIAL_CAPACITY = 4096

CSV_COLUMNS = [
    "run", "kind", "step", "epoch", "loss", "smoothed", "lr",
    "train_loss", "val_loss", "train_accuracy", "val_accuracy",
]
EPOCH_FIELDS = ["epoch", "global_step", "train_loss", "val_loss", "train_accuracy",
                "val_accuracy", "lr"]


class GrowingBuffer:
    """A growing float64 array: appends are amortised O(1), ``view()`` is the filled part."""

    def __init__(self, capacity: int = INITIAL_CAPACITY) -> None:
        self._data = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        needed = self.size + len(values)
        if needed > len(self._data):
            grown = np.empty(max(needed, 2 * len(self._data)), dtype=np.float64)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : needed] = values
        self.size = needed

    def view(self) -> np.ndarray:
        return self._data[: self.size]


def number(value: object) -> float:
    """``value`` as a float; NaN when it is missing or not a number (a gap, not an error)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def visible(x: np.ndarray, y: np.ndarray, log_y: bool) -> tuple[np.ndarray, np.ndarray]:
    """The points that can be drawn: finite, and positive when y is log-scaled."""
    keep = np.isfinite(x) & np.isfinite(y)
    if log_y:
        keep &= y > 0
    if keep.all():
        return x, y
    return x[keep], y[keep]


def visible_index(x: np.ndarray, y: np.ndarray, log_y: bool) -> np.ndarray:
    """The indices of the points :func:`visible` keeps."""
    keep = np.isfinite(x) & np.isfinite(y)
    if log_y:
        keep &= y > 0
    return np.flatnonzero(keep)


def overlay_points(run: dict, key: str, x_key: str) -> tuple[np.ndarray, np.ndarray]:
    """An earlier run's ``key`` against ``x_key`` over its epochs (missing values are NaN)."""
    epochs = run.get("epochs") or []
    x = np.array([number(e.get(x_key)) for e in epochs], dtype=np.float64)
    y = np.array([number(e.get(key)) for e in epochs], dtype=np.float64)
    return x, y


def _widen(span: tuple[float, float] | None, values: np.ndarray
           ) -> tuple[float, float] | None:
    """``span`` grown to hold the finite ``values``."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return span
    low, high = float(finite.min()), float(finite.max())
    if span is None:
        return low, high
    return min(span[0], low), max(span[1], high)


def _cell(value: float) -> str:
    return repr(float(value))


class RunPoints:
    """Every batch and epoch point of one run, with the smoothed (EMA) batch loss."""

    def __init__(self) -> None:
        self.steps = GrowingBuffer()
        self.losses = GrowingBuffer()
        self.smoothed = GrowingBuffer()
        self.lrs = GrowingBuffer()
        self._ema: float | None = None
        self.epochs: list[tuple[float, ...]] = []  # rows in EPOCH_FIELDS order
        # (lowest, highest) finite batch loss and learning rate so far, or None: kept as
        # points arrive, so fitting the y axes never rescans the whole run
        self.loss_range: tuple[float, float] | None = None
        self.lr_range: tuple[float, float] | None = None

    def add_batches(self, steps: Sequence[int], losses: Sequence[float],
                    lrs: Sequence[float]) -> None:
        """Append per-batch points; a non-finite loss leaves the smoothed loss where it was."""
        if not (len(steps) == len(losses) == len(lrs)):
            raise ValueError("steps, losses and lrs must have the same length")
        if not len(steps):
            return
        losses_array = np.asarray(losses, dtype=np.float64)
        smoothed = np.empty_like(losses_array)
        ema = self._ema
        for i, loss in enumerate(losses_array.tolist()):
            if math.isfinite(loss):
                ema = loss if ema is None else ema + EMA_ALPHA * (loss - ema)
            smoothed[i] = math.nan if ema is None else ema
        self._ema = ema
        self.steps.extend(np.asarray(steps, dtype=np.float64))
        self.losses.extend(losses_array)
        self.smoothed.extend(smoothed)
        lrs_array = np.asarray(lrs, dtype=np.float64)
        self.lrs.extend(lrs_array)
        self.loss_range = _widen(self.loss_range, losses_array)
        self.lr_range = _widen(self.lr_range, lrs_array)

    def add_epoch(self, *values: object) -> None:
        """Append one epoch's row, its values in :data:`EPOCH_FIELDS` order."""
        self.epochs.append(tuple(number(v) for v in values))

    def epoch_rows(self) -> np.ndarray:
        """The epoch rows as an (epochs × :data:`EPOCH_FIELDS`) array, also when empty."""
        return np.array(self.epochs, dtype=np.float64).reshape(-1, len(EPOCH_FIELDS))

    def csv_text(self, label: str) -> str:
        """One table: a row per batch (kind "batch") and per epoch (kind "epoch").

        Batch rows fill step, loss, smoothed and lr; epoch rows fill step (the global step
        where the epoch ended), epoch, lr and the train/val loss and accuracy columns.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        columns = (self.steps.view(), self.losses.view(), self.smoothed.view(), self.lrs.view())
        for step, loss, smoothed, lr in zip(*(c.tolist() for c in columns), strict=True):
            step_text = str(int(step)) if math.isfinite(step) else _cell(step)
            writer.writerow([label, "batch", step_text, "", _cell(loss), _cell(smoothed),
                             _cell(lr), "", "", "", ""])
        for epoch, step, train_loss, val_loss, train_acc, val_acc, lr in self.epochs:
            writer.writerow([
                label, "epoch",
                str(int(step)) if math.isfinite(step) else _cell(step),
                str(int(epoch)) if math.isfinite(epoch) else _cell(epoch),
                "", "", _cell(lr), _cell(train_loss), _cell(val_loss), _cell(train_acc),
                _cell(val_acc),
            ])
        return out.getvalue()
