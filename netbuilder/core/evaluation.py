"""Evaluation of a classifier (accuracy, loss, per-class accuracy, confusion, mistakes) and
of a regression (loss, RMSE, MAE, R²).

Separate from the training loop so that evaluating saved weights (CLI, GUI) needs no trainer;
``core.training`` re-exports these names for the code that imports them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

# Images per forward pass when evaluating: a training batch's size, so that the activations of
# an evaluation during a run fit in the memory the batches already use. At 256, digits_cnn's
# epoch-end evaluation raised the app's peak by 60-110 MB (+263 to +364 MB over the idle app
# in benchmarks/gui_training.py; +216 to +284 MB at 64), and on one CPU thread 64 is as fast.
EVAL_BATCH = 64


def loss_value(kind: str, outputs: torch.Tensor, labels: torch.Tensor,
               num_classes: int) -> torch.Tensor:
    """The loss of a batch. Float ``labels`` are regression targets [N, T], which MSE and L1
    compare with the outputs directly; class indices meet MSE and L1 as one-hot targets."""
    if kind == "cross_entropy":
        return F.cross_entropy(outputs, labels)
    if kind == "nll":
        return F.nll_loss(outputs, labels)
    target = labels.to(outputs.dtype) if labels.is_floating_point() else F.one_hot(
        labels, num_classes).to(outputs.dtype)
    if kind == "l1":
        return F.l1_loss(outputs, target)
    return F.mse_loss(outputs, target)


@dataclass
class RegressionEvaluation:
    """How close a regression's predictions come: loss, RMSE, MAE and R² (1 − residual sum of
    squares / total sum of squares around the targets' mean; 1 is perfect, 0 is the mean)."""

    loss: float
    rmse: float
    mae: float
    r2: float
    predictions: list[list[float]] = field(default_factory=list)  # per evaluated example

    @property
    def accuracy(self) -> float:
        """R², where code written for classifiers reads an accuracy."""
        return self.r2


@torch.no_grad()
def evaluate_regression(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
                        loss: str = "mse", batch_size: int = EVAL_BATCH,
                        keep_predictions: bool = True) -> RegressionEvaluation:
    """Loss, RMSE, MAE and R² of ``model`` on float ``targets`` [N, T]."""
    was_training = model.training
    model.eval()
    outputs = []
    try:
        for start in range(0, len(targets), batch_size):
            outputs.append(model(inputs[start:start + batch_size]).float())
    finally:
        model.train(was_training)
    out = torch.cat(outputs) if outputs else targets.new_empty(targets.shape)
    target = targets.float().reshape(out.shape)
    error = out - target
    mse = float((error ** 2).mean()) if error.numel() else 0.0
    total = float(((target - target.mean(dim=0)) ** 2).sum()) if target.numel() else 0.0
    residual = float((error ** 2).sum())
    return RegressionEvaluation(
        loss=float(loss_value(loss, out, target, 1)) if out.numel() else 0.0,
        rmse=mse ** 0.5, mae=float(error.abs().mean()) if error.numel() else 0.0,
        r2=1.0 - residual / total if total > 0 else 0.0,
        predictions=out.cpu().tolist() if keep_predictions else [])


@dataclass
class WrongExample:
    index: int  # into the evaluated set
    true: int
    predicted: int
    confidence: float


@dataclass
class Evaluation:
    accuracy: float
    loss: float
    per_class_accuracy: list[float]
    confusion: list[list[int]]  # confusion[true][predicted]
    most_confident_wrong: list[WrongExample] = field(default_factory=list)
    predictions: list[int] = field(default_factory=list)  # per evaluated example
    confidences: list[float] = field(default_factory=list)  # softmax probability of it

    def examples(self, true: int, predicted: int, labels: list[int]) -> list[int]:
        """Indices of the examples of class ``true`` predicted as ``predicted``."""
        return [i for i, (t, p) in enumerate(zip(labels, self.predictions, strict=True))
                if t == true and p == predicted]

    @property
    def count(self) -> int:
        return sum(sum(row) for row in self.confusion)


@torch.no_grad()
def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
             loss: str = "cross_entropy", batch_size: int = EVAL_BATCH, top_wrong: int = 16,
             keep_predictions: bool = True) -> Evaluation:
    """Accuracy, loss, per-class accuracy, confusion matrix and the most confident mistakes.

    ``images`` are floats in [0, 1] on the model's device.
    """
    was_training = model.training
    model.eval()
    total_loss = 0.0
    predictions, confidences = [], []
    try:
        with torch.no_grad():  # no graph: evaluation never needs gradients
            for start in range(0, len(labels), batch_size):
                x, y = images[start:start + batch_size], labels[start:start + batch_size]
                out = model(x)
                total_loss += loss_value(loss, out, y, num_classes).item() * len(y)
                probs = out.float().softmax(dim=1)
                conf, pred = probs.max(dim=1)
                predictions.append(pred)
                confidences.append(conf)
    finally:
        model.train(was_training)
    pred = torch.cat(predictions) if predictions else labels.new_empty(0)
    conf = torch.cat(confidences) if confidences else images.new_empty(0)
    n = max(1, len(labels))
    valid = (labels >= 0) & (labels < num_classes) & (pred < num_classes)
    confusion = torch.bincount(labels[valid] * num_classes + pred[valid],
                               minlength=num_classes * num_classes)
    confusion = confusion.reshape(num_classes, num_classes).cpu()
    per_class = [
        float(confusion[c, c] / confusion[c].sum()) if confusion[c].sum() else 0.0
        for c in range(num_classes)
    ]
    wrong = (pred != labels).nonzero().flatten()
    order = wrong[conf[wrong].argsort(descending=True)][:top_wrong].tolist()
    return Evaluation(
        accuracy=float((pred == labels).sum()) / n,
        loss=total_loss / n,
        per_class_accuracy=per_class,
        confusion=confusion.tolist(),
        most_confident_wrong=[WrongExample(i, int(labels[i]), int(pred[i]), float(conf[i]))
                              for i in order],
        predictions=pred.tolist() if keep_predictions else [],
        confidences=conf.tolist() if keep_predictions else [],
    )
