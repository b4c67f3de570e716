"""Confidence that means something: temperature scaling and a calibrated "not sure".

A network trained with cross-entropy is over-confident: its softmax says 99 % where it is right
far less often, and it says 99 % for a scribble too. Temperature scaling (Guo et al. 2017, "On
Calibration of Modern Neural Networks") divides the logits by one number T, fitted on the
validation split by minimising the negative log-likelihood; the predicted class never changes,
only how sure it looks. The fit is deterministic: L-BFGS on log T in float64 (the NLL is convex
in 1/T), the result kept within :data:`TEMPERATURE_LIMITS`.

The "not sure" threshold is chosen from the same validation predictions, scaled (see
:func:`choose_threshold`): the lowest top probability at which the predictions at or above it
are still at least :data:`TARGET_PRECISION` (99.5 %) right, and never below
:data:`THRESHOLD_FLOOR` (90 %). A drawing whose top calibrated probability is below it is "not
sure". Why these two numbers: on digits_cnn (3 augmented epochs) a 99 % target gave 0.68, which
let most synthetic scribbles (tests/scribbles.py) through; 99.5 % gave 0.94, which flags about
three scribbles in four and one validation digit in twelve (README, Draw).

Only the dataclass and the checks run without torch, so project and checkpoint readers that
only validate a file stay light; the fitting functions import torch when called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

TEMPERATURE_LIMITS = (0.01, 100.0)  # a file asking for more is refused; a fit is kept within
TARGET_PRECISION = 0.995  # on validation, the predictions shown as sure were this often right
THRESHOLD_FLOOR = 0.9  # a calibrated probability below 90 % is never shown as sure
# The second choice is shown beside a sure answer when its probability is at least this share
# of the top one's (e.g. "3 (70 %), or 8 (20 %)"); a "not sure" answer always names two.
CLOSE_SHARE = 0.25
FIELDS = ("temperature", "threshold")


class CalibrationError(ValueError):
    """A calibration that cannot be used; the message names the field."""


def _number(data: dict, name: str, low: float, high: float) -> float:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalibrationError(f"calibration.{name}: expected a number, got "
                               f"{type(value).__name__}")
    try:
        inside = math.isfinite(float(value)) and low <= value <= high
    except OverflowError:  # an integer beyond any float
        inside = False
    if not inside:
        raise CalibrationError(f"calibration.{name}: expected a number from {low:g} to "
                               f"{high:g}, got {repr(value)[:40]}")
    return float(value)


@dataclass(frozen=True)
class Calibration:
    """How to turn a network's outputs into honest probabilities: divide them by
    ``temperature`` before the softmax; below ``threshold`` the top class is "not sure"."""

    temperature: float
    threshold: float

    def __post_init__(self) -> None:  # the same checks as a file's
        _number(self.to_dict(), "temperature", *TEMPERATURE_LIMITS)
        _number(self.to_dict(), "threshold", 0.0, 1.0)

    def to_dict(self) -> dict[str, float]:
        return {"temperature": self.temperature, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: Any) -> Calibration:
        """A calibration read from a file: exactly the two fields, finite, within bounds."""
        if not isinstance(data, dict):
            raise CalibrationError(f"calibration: expected an object with {' and '.join(FIELDS)}"
                                   f", got {type(data).__name__}")
        for key in data:
            if key not in FIELDS:
                shown = key if isinstance(key, str) and len(key) <= 40 else repr(key)[:40]
                raise CalibrationError(f"calibration.{shown}: unknown field of a calibration")
        for key in FIELDS:
            if key not in data:
                raise CalibrationError(f"calibration.{key}: missing")
        return cls(_number(data, "temperature", *TEMPERATURE_LIMITS),
                   _number(data, "threshold", 0.0, 1.0))

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated class probabilities of outputs [N, C]."""
        return (logits.double() / self.temperature).softmax(dim=1).to(logits.dtype)

    def rescale(self, probabilities: list[float]) -> list[float]:
        """Calibrated probabilities from plain softmax ones (one prediction, no torch): the
        log of a softmax is the logits less a constant, which the softmax ignores."""
        scaled = [math.log(p) / self.temperature if p > 0 else -math.inf
                  for p in probabilities]
        top = max(scaled)
        if not math.isfinite(top):
            return list(probabilities)
        weights = [math.exp(v - top) for v in scaled]
        total = sum(weights)
        return [w / total for w in weights]


@dataclass(frozen=True)
class Reading:
    """What to say about one prediction: the top class, the runner-up when it is worth naming,
    and whether the top one is sure (None: no calibration to tell)."""

    top: int
    second: int | None
    sure: bool | None


def read(probabilities: list[float], calibration: Calibration | None) -> Reading:
    """The verdict on calibrated ``probabilities`` (plain ones when ``calibration`` is None):
    not sure below the threshold (then the runner-up is always named), else the runner-up
    only when it is close (at least :data:`CLOSE_SHARE` of the top probability)."""
    if not probabilities:
        raise ValueError("read: no probabilities")
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
    top = order[0]
    runner = order[1] if len(order) > 1 else None
    sure = None if calibration is None else probabilities[top] >= calibration.threshold
    close = runner is not None and probabilities[runner] >= CLOSE_SHARE * probabilities[top]
    return Reading(top, runner if close or (sure is False and runner is not None) else None,
                   sure)


# ---------------------------------------------------------------------------------------------
# Measuring and fitting (torch)


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor,
                               bins: int = 15) -> float:
    """ECE (Naeini et al. 2015): the predictions put in ``bins`` equal-width bins of top
    probability; the mean over all predictions of |accuracy − confidence| of their bin."""
    import torch

    if bins < 1:
        raise ValueError(f"bins: expected at least 1, got {bins}")
    if len(labels) == 0:
        return 0.0
    confidence, predicted = probabilities.double().max(dim=1)
    correct = (predicted == labels.to(predicted.device)).double()
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64, device=confidence.device)
    which = torch.bucketize(confidence, edges[1:-1], right=False)  # (lo, hi] bins
    count = torch.bincount(which, minlength=bins).double()
    gap = (torch.bincount(which, correct, minlength=bins)
           - torch.bincount(which, confidence, minlength=bins)).abs()
    return float(gap.sum() / count.sum())


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The T minimising the NLL of softmax(logits / T) on ``labels``, within
    :data:`TEMPERATURE_LIMITS` (1.0 when there is nothing to fit on)."""
    import torch
    import torch.nn.functional as F

    if len(labels) == 0:
        return 1.0
    z = logits.detach().double().cpu()
    y = labels.detach().cpu()
    low, high = (math.log(limit) for limit in TEMPERATURE_LIMITS)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=1.0, max_iter=100, tolerance_grad=1e-10,
                                  tolerance_change=1e-12, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(z / log_t.clamp(low, high).exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    value = float(log_t.detach().exp())
    if not math.isfinite(value):
        return 1.0
    return min(max(value, TEMPERATURE_LIMITS[0]), TEMPERATURE_LIMITS[1])  # exp(log) rounds


def choose_threshold(probabilities: torch.Tensor, labels: torch.Tensor,
                     target: float = TARGET_PRECISION, floor: float = THRESHOLD_FLOOR
                     ) -> float:
    """The "not sure" threshold from validation predictions (calibrated probabilities).

    Sort the predictions by top probability, highest first; take the longest head of that
    list that is at least ``target`` right; the threshold is the top probability of its last
    prediction, so every prediction at or above it belongs to a set that was at least
    ``target`` right on validation. It is never below ``floor``; when no head reaches
    ``target`` (a weak network) it is 1.0: nothing is shown as sure.
    """
    import torch

    if len(labels) == 0:
        return 1.0
    confidence, predicted = probabilities.double().max(dim=1)
    order = confidence.argsort(descending=True, stable=True)
    correct = (predicted == labels.to(predicted.device))[order].double()
    precision = correct.cumsum(0) / torch.arange(1, len(order) + 1, dtype=torch.float64,
                                                 device=correct.device)
    good = (precision >= target).nonzero().flatten()
    if len(good) == 0:
        return 1.0
    threshold = float(confidence[order][good[-1]])
    return min(1.0, max(floor, threshold))


def fit(logits: torch.Tensor, labels: torch.Tensor) -> Calibration:
    """Temperature and threshold from validation outputs [N, C] and labels [N]."""
    temperature = fit_temperature(logits, labels)
    scaled = (logits.detach().double().cpu() / temperature).softmax(dim=1)
    return Calibration(temperature, choose_threshold(scaled, labels.detach().cpu()))


def outputs(model: nn.Module, inputs: Any, batch_size: int = 256) -> torch.Tensor:
    """The model's outputs on ``inputs`` (anything sliceable into batches), in eval mode."""
    import torch

    was_training = model.training
    model.eval()
    parts = []
    try:
        with torch.no_grad():
            for start in range(0, len(inputs), batch_size):
                parts.append(model(inputs[start:start + batch_size]).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(parts)


class Recorder:
    """Keeps the outputs of every forward call of a module while in a ``with`` block: the
    training loop's own validation pass gives the logits to calibrate on, with no pass more."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.parts: list[torch.Tensor] = []
        self._handle = None

    def __enter__(self) -> Recorder:
        self._handle = self.model.register_forward_hook(self._keep)
        return self

    def __exit__(self, *_exc) -> None:
        self._handle.remove()

    def _keep(self, _module, _inputs, output) -> None:
        if hasattr(output, "detach"):  # a tensor; anything else cannot be calibrated
            self.parts.append(output.detach().float().cpu())

    def outputs(self) -> torch.Tensor | None:
        import torch

        shapes = {tuple(part.shape[1:]) for part in self.parts}
        return torch.cat(self.parts) if self.parts and len(shapes) == 1 else None


def calibrate(model: nn.Module, inputs: Any, labels: torch.Tensor,
              logits: torch.Tensor | None = None) -> Calibration | None:
    """The calibration of ``model`` on a validation split (``logits``: its outputs there when
    already known), or None when there is nothing to calibrate on or the outputs are not
    finite scores per class."""
    import torch

    if len(labels) == 0:
        return None
    if logits is None or len(logits) != len(labels):
        logits = outputs(model, inputs)
    if logits.dim() != 2 or logits.shape[1] < 2 or not bool(torch.isfinite(logits).all()):
        return None
    return fit(logits, labels.detach().cpu())
