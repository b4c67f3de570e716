"""What a training run tells whoever drives it, one event at a time.

Every event is a frozen dataclass of plain Python numbers and strings (a :class:`HealthReport`
carries a :class:`~netbuilder.core.health.Health` that is never changed after it is sent), so a
worker thread can hand it to the GUI thread as it is (``Signal(object)``) and a consumer can
dispatch on it with ``match``. ``kind`` names the event for code that prefers strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from netbuilder.core.health import Health


@dataclass(frozen=True)
class Started:
    epochs: int
    steps_per_epoch: int
    train_size: int
    val_size: int
    device: str
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
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float
    seconds: float
    samples_per_s: float
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
    """Training ended early: 'user' (stop flag) or 'non_finite' (weights restored)."""

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
