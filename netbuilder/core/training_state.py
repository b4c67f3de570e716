"""What one training run carries from batch to batch, and the checks that decide whether
weights are good enough to keep (finite, not diverged) and whether a saved optimizer state fits.
:class:`netbuilder.core.training.Trainer` drives these.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from netbuilder.core.pth_guard import is_finite_number, is_number

# A validation loss this many times above the reference loss (see divergence_limit) means the
# run diverged. Normal runs, noisy or overfitting, stay within a few times of it.
DIVERGENCE_FACTOR = 1000.0
PROBE_SIZE = 64  # validation images whose outputs must be finite for weights to count as good



def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def chance_loss(kind: str, num_classes: int) -> float:
    """The loss of a network that knows nothing: a uniform guess (cross-entropy, NLL on
    log-probabilities) or all-zero outputs (MSE against one-hot targets)."""
    if kind == "mse":
        return 1.0 / num_classes
    return math.log(num_classes)


def divergence_limit(kind: str, num_classes: int, start_loss: float) -> float:
    """The validation loss above which a run counts as diverged.

    ``DIVERGENCE_FACTOR`` times the largest of 1, the loss of guessing, and the loss of the
    weights the run started from (its first batch): far beyond anything a learning network
    reaches, however noisy, yet far below the 1e10-1e20 of an exploded one.
    """
    reference = max(1.0, chance_loss(kind, num_classes), abs(start_loss))
    return DIVERGENCE_FACTOR * reference


def non_finite_state(model: nn.Module) -> str | None:
    """The name of the first parameter or buffer holding inf or NaN, or None."""
    for name, value in model.state_dict().items():
        if value.is_floating_point() or value.is_complex():
            if not bool(torch.isfinite(value).all()):
                return name
    return None


def restored_text(good_epoch: int | None) -> str:
    if good_epoch is None:
        return "no good weights: the network was left as it was before this run"
    return f"the weights of epoch {good_epoch} were restored"


@dataclass
class RunState:
    """What one call of :meth:`Trainer.run` carries from batch to batch and epoch to epoch."""

    optimizer: torch.optim.Optimizer
    schedule: Any
    per_batch: bool  # the schedule steps per batch, else per epoch
    generator: torch.Generator  # shuffling and augmentation
    steps_per_epoch: int
    # The rollback point: weights and optimizer state, and the epoch they come from.
    good_weights: dict[str, torch.Tensor]
    good_moments: dict[str, Any]
    good_epoch: int | None = None
    start_loss: float | None = None  # the first batch's loss: that of the starting weights
    global_step: int = 0
    started: float = field(default_factory=time.perf_counter)
    # Where the run stands (see ResumePoint).
    epochs_done: int = 0
    step: int = 0  # batches done in the epoch in progress
    ended: str = ""  # "", "finished", "early_stopped"
    lost: bool = False  # rolled back or failed: the position cannot be described
    stopped_at: tuple[torch.Tensor, torch.Tensor] | None = None  # generator and RNG at the end
    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None  # the good epoch with the lowest validation loss
    best_weights: dict[str, torch.Tensor] | None = None  # its weights, on the CPU
    epochs_since_best: int = 0
    # The epoch in progress; ``boundary`` holds the generator and RNG states from before it
    # drew its order, for a stop before its first batch.
    boundary: tuple[torch.Tensor, torch.Tensor] | None = None
    order: torch.Tensor | None = None
    predicted: torch.Tensor | None = None
    epoch_start: float = 0.0
    loss_sum: float = 0.0
    seen: int = 0

    def begin_epoch(self, n: int, device: torch.device) -> None:
        self.boundary = (self.generator.get_state(), torch.get_rng_state())
        self.epoch_start = time.perf_counter()
        self.loss_sum, self.seen = 0.0, 0
        self.order = torch.randperm(n, generator=self.generator).to(device)
        self.predicted = torch.zeros(n, dtype=torch.int64, device=device)

    def end_epoch(self, epoch: int, record: dict[str, Any]) -> None:
        self.epochs_done, self.step = epoch, 0
        self.order = self.predicted = self.boundary = None
        self.loss_sum, self.seen = 0.0, 0
        self.history.append(record)

    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def roll_back(self, model: nn.Module) -> None:
        model.load_state_dict(self.good_weights)
        self.optimizer.load_state_dict(self.good_moments)
        self.lost = True

    def keep(self, model: nn.Module, epoch: int, val_loss: float, val_accuracy: float) -> None:
        """Make the weights at the end of ``epoch`` (checked good) the rollback point, and the
        best weights when their validation loss is the lowest so far."""
        self.good_weights = snapshot(model)
        self.good_moments = copy.deepcopy(self.optimizer.state_dict())
        self.good_epoch = epoch
        if self.best is None or val_loss < self.best["val_loss"]:
            self.best = {"epoch": epoch, "val_loss": val_loss, "val_accuracy": val_accuracy}
            self.best_weights = {k: v.detach().to("cpu", copy=True)
                                 for k, v in model.state_dict().items()}
            self.epochs_since_best = 0
        else:
            self.epochs_since_best += 1

    def freeze_position(self) -> None:
        """The run has ended: keep the generator states of this moment for its resume point."""
        if self.step == 0 and self.order is not None and self.boundary is not None:
            self.stopped_at = self.boundary  # the epoch drew its order but trained no batch
        else:
            self.stopped_at = (self.generator.get_state(), torch.get_rng_state())


@dataclass(frozen=True)
class Stepped:
    """A batch that trained: its loss, and the gradients and weights before the optimizer's
    step when health was due."""

    loss: float
    grads: dict[str, float] | None = None
    before: dict[str, torch.Tensor] | None = None


# The per-parameter state each optimizer needs to go on (others may be present too).
OPTIMIZER_STATE = {"adam": {"step", "exp_avg", "exp_avg_sq"},
                    "adamw": {"step", "exp_avg", "exp_avg_sq"},
                    "sgd": set(), "rmsprop": {"step", "square_avg"}}


def moments_fit(saved: dict, params: list[nn.Parameter], kind: str) -> bool:
    """Whether an optimizer state dict (checked by ResumePoint.from_payload) holds the moments
    of ``kind`` for exactly these parameters: the same number, each state tensor of its
    parameter's shape (a step count may be a scalar)."""
    try:
        ids = [i for group in saved["param_groups"] for i in group["params"]]
        state = saved["state"]
    except (KeyError, TypeError):
        return False
    if len(ids) != len(params) or len(set(ids)) != len(ids):
        return False
    by_id = dict(zip(ids, params, strict=True))
    for index, values in state.items():
        param = by_id.get(index)
        if param is None or not isinstance(values, dict):
            return False
        if not OPTIMIZER_STATE.get(kind, set()) <= set(values):
            return False
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                if key == "step":
                    if value.numel() != 1 or not value.is_floating_point():
                        return False
                elif (tuple(value.shape) != tuple(param.shape) or not (
                        value.is_floating_point() or value.is_complex())):
                    return False
            elif not (key == "step" and is_finite_number(value)
                      or key == "momentum_buffer" and value is None):
                return False
    return True


def alike(saved: Any, fresh: Any) -> bool:
    """Whether a saved optimizer group or schedule state has the structure of a fresh one made
    with the same settings: the same keys, lists of the same length, the same texts, finite
    numbers where numbers are (so that loading it cannot break a later step)."""
    if isinstance(saved, bool) or isinstance(fresh, bool):
        return type(saved) is type(fresh)
    if is_number(fresh):
        return is_finite_number(saved)
    if fresh is None or isinstance(fresh, str):
        return saved == fresh
    if isinstance(fresh, (list, tuple)):
        return (isinstance(saved, (list, tuple)) and len(saved) == len(fresh)
                and all(alike(a, b) for a, b in zip(saved, fresh, strict=True)))
    if isinstance(fresh, dict):
        return (isinstance(saved, dict) and set(saved) == set(fresh)
                and all(alike(saved[k], fresh[k]) for k in fresh))
    return False


def output_problem(model: nn.Module, data: Any, regression: bool) -> str | None:
    """Why the model's output does not fit the data, or None (checked on 2 images)."""
    x = data.train_x[:2]
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    except Exception as exc:
        what = (f"rows of {x.shape[1]} features" if x.dim() == 2
                else f"images {list(x.shape[1:])}")
        return f"the network fails on the data's {what}: {first_line(exc)}"
    finally:
        model.train()
    want = data.num_classes
    if out.dim() != 2 or out.shape[1] != want:
        if regression:
            return (f"the network outputs {['N', *out.shape[1:]]} per batch, but the "
                    f"target is {want} number{'s' if want != 1 else ''} per row: its "
                    f"output must be [N, {want}]")
        return (f"the network outputs {['N', *out.shape[1:]]} per batch, but the data has "
                f"{want} classes: its output must be [N, {want}]")
    return None

def outputs_finite(model: nn.Module, data: Any) -> bool:
    """Whether the model gives finite outputs on a fixed batch (validation images first)."""
    d = data
    probe = (d.val_x if len(d.val_y) else d.train_x)[:PROBE_SIZE]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return bool(torch.isfinite(model(probe)).all())
    finally:
        model.train(was_training)

def epoch_fault(model: nn.Module, data: Any, loss: str, epoch: int, val_loss: float,
                start_loss: float, best: dict[str, Any] | None) -> tuple[str, str] | None:
    """Why the weights at the end of ``epoch`` are not good: (reason, text), or None.

    ``best`` is the good epoch with the lowest validation loss so far (see RunState).
    """
    where = f"at epoch {epoch}"
    bad = non_finite_state(model)
    if bad is not None:
        return "non_finite", f"training failed: the weights became non-finite ({bad}) {where}"
    if not outputs_finite(model, data):
        return "non_finite", f"training failed: the network's outputs became non-finite {where}"
    if not math.isfinite(val_loss):
        return "non_finite", f"training failed: the validation loss became {val_loss} {where}"
    limit = divergence_limit(loss, data.num_classes, start_loss)
    if abs(val_loss) <= limit:
        return None
    start = (f"{best['val_loss']:.4g} (epoch {best['epoch']})" if best
             else f"{start_loss:.4g} at the start")
    return "diverged", (f"training diverged: the validation loss rose from {start} to "
                        f"{val_loss:.3g} {where} (limit {limit:.4g})")


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
