"""What a training run tells whoever drives it, one event at a time.

Every event is a frozen dataclass of plain Python numbers and strings (a :class:`HealthReport`
carries a :class:`~netbuilder.core.health.Health` that is never changed after it is sent), so a
worker thread can hand it to the GUI thread as it is (``Signal(object)``) and a consumer can
dispatch on it with ``match``. ``kind`` names the event for code that prefers strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from netbuilder.core.health import Health


@dataclass(frozen=True)
class Started:
    """A run begins. A resumed run begins at ``first_epoch`` with ``first_step`` of its batches
    already done and ``global_step`` steps done before, so curves go on on the same axes."""

    epochs: int
    steps_per_epoch: int
    train_size: int
    val_size: int
    device: str
    first_epoch: int = 1
    first_step: int = 0  # batches of first_epoch already done
    global_step: int = 0  # steps done before this run went on
    kind: str = "started"


@dataclass(frozen=True)
class BatchEnd:
    epoch: int
    step: int  # within the epoch, from 1
    global_step: int
    loss: float
    lr: float
    samples_per_s: float
    kind: str = "batch"


@dataclass(frozen=True)
class EpochEnd:
    """An epoch's losses and scores. For a regression the accuracies are R² (train: 1 − loss
    / loss of predicting the mean), and ``val_rmse``/``val_mae`` are set."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float
    seconds: float
    samples_per_s: float
    val_rmse: float | None = None
    val_mae: float | None = None
    kind: str = "epoch"


@dataclass(frozen=True)
class Paused:
    epoch: int
    step: int
    kind: str = "paused"


@dataclass(frozen=True)
class Resumed:
    epoch: int
    step: int
    kind: str = "resumed"


@dataclass(frozen=True)
class Stopped:
    """Training ended early: 'user' (stop flag), 'early' (patience: the validation loss stopped
    improving; the model keeps the last weights) or 'non_finite' (weights restored).

    ``epoch``/``step``: where it stopped (for 'early': the last epoch done, step 0)."""

    reason: str
    message: str
    epoch: int
    step: int
    kind: str = "stopped"


@dataclass(frozen=True)
class Failed:
    """The run cannot go on; the last good weights (or those from before the run) are back.

    ``reason``: 'error' (shape, memory, data), 'non_finite' (weights, outputs or validation
    loss became inf/NaN at an epoch's end) or 'diverged' (see :func:`divergence_limit`).
    """

    message: str
    reason: str = "error"
    kind: str = "failed"


@dataclass(frozen=True)
class Finished:
    epochs_done: int
    seconds: float
    kind: str = "finished"


@dataclass(frozen=True)
class HealthReport:
    """Gradient norms, update/weight ratios and dead units (see core.health)."""

    health: Health
    kind: str = "health"


Event = (Started | BatchEnd | EpochEnd | Paused | Resumed | Stopped | Failed | Finished
         | HealthReport)


def plural_count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def history_dicts(history: list[EpochEnd]) -> list[dict[str, Any]]:
    """Epochs as plain dicts; a regression's RMSE and MAE only where there are any."""
    return [{k: v for k, v in asdict(e).items() if k != "kind" and v is not None}
            for e in history]
