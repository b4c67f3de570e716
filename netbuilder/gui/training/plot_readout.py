"""The training plots' hover read-out: the drawn point nearest the mouse, and what it says.

Points are compared in screen pixels, so a flat curve and a steep one are equally easy to hit.
The texts keep the ``TrainingPlots`` translation context, where they were written first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication

from netbuilder.gui.text import fill
from netbuilder.gui.training.plot_data import RunPoints, overlay_points, visible_index

# pyside6-lupdate finds the texts of translate("Context", "literal") calls
translate = QCoreApplication.translate

PLOTS = ("loss", "accuracy", "lr")  # the plots candidates() knows


@dataclass
class Candidate:
    """One curve the hover readout may pick a point from, in data coordinates."""

    x: np.ndarray
    y: np.ndarray
    describe: Callable[[int], str]  # index into x/y -> readout text


def candidates(plot: str, run: RunPoints, overlay_runs: list[dict],
               log_y: bool) -> list[Candidate]:
    """The curves of ``plot`` (one of :data:`PLOTS`) as drawn, each with how to describe one
    of its points; ``log_y``: the plot's y axis is log-scaled, so y is in log10 units."""
    found: list[Candidate] = []
    steps = run.steps.view()
    rows = run.epoch_rows()

    def batch_text(index: int) -> str:
        return fill(translate("TrainingPlots", "step %1: loss %2 (smoothed %3)"),
                    int(steps[index]), f"{run.losses.view()[index]:.4g}",
                    f"{run.smoothed.view()[index]:.4g}")

    def epoch_loss_text(index: int) -> str:
        row = rows[index]
        return fill(translate("TrainingPlots", "epoch %1 (step %2): train loss %3, val loss %4"),
                    int(row[0]), int(row[1]), f"{row[2]:.4g}", f"{row[3]:.4g}")

    def epoch_acc_text(index: int) -> str:
        row = rows[index]
        return fill(translate("TrainingPlots", "epoch %1: train acc %2, val acc %3"),
                    int(row[0]), f"{row[4]:.3f}", f"{row[5]:.3f}")

    def lr_text(index: int) -> str:
        return fill(translate("TrainingPlots", "step %1: lr %2"), int(steps[index]),
                    f"{run.lrs.view()[index]:.3g}")

    def add(x: np.ndarray, y: np.ndarray, describe: Callable[[int], str]) -> None:
        keep = visible_index(x, y, log_y)
        if len(keep):
            found.append(Candidate(
                x[keep], np.log10(y[keep]) if log_y else y[keep],
                lambda i, keep=keep: describe(int(keep[i]))))

    if plot == "loss":
        add(steps, run.losses.view(), batch_text)
        add(steps, run.smoothed.view(), batch_text)
        add(rows[:, 1], rows[:, 2], epoch_loss_text)
        add(rows[:, 1], rows[:, 3], epoch_loss_text)
    elif plot == "accuracy":
        add(rows[:, 0], rows[:, 4], epoch_acc_text)
        add(rows[:, 0], rows[:, 5], epoch_acc_text)
    else:
        add(steps, run.lrs.view(), lr_text)
    if plot != "lr":
        key, x_key, what, digits = (
            ("val_loss", "global_step", translate("TrainingPlots", "val loss"), ".4g")
            if plot == "loss" else
            ("val_accuracy", "epoch", translate("TrainingPlots", "val acc"), ".3f"))
        for overlay in overlay_runs:
            x, y = overlay_points(overlay, key, x_key)
            epochs = overlay.get("epochs") or []
            label = str(overlay.get("label", ""))

            def overlay_text(index: int, epochs=epochs, label=label, y=y, what=what,
                             digits=digits) -> str:
                return fill(translate("TrainingPlots", "%1, epoch %2: %3 %4"), label,
                            epochs[index].get("epoch", index), what, format(y[index], digits))

            add(x, y, overlay_text)
    return found


def nearest(found: list[Candidate], x: float, y: float,
            pixel: tuple[float, float]) -> tuple[Candidate, int] | None:
    """The candidate point nearest on screen to (x, y), in data units; ``pixel`` is the
    view's size of one pixel in data units. None when there is no point at all."""
    px = pixel[0] or 1.0
    py = pixel[1] or 1.0
    best: tuple[float, Candidate, int] | None = None
    for candidate in found:
        d2 = ((candidate.x - x) / px) ** 2 + ((candidate.y - y) / py) ** 2
        index = int(np.argmin(d2))
        if best is None or d2[index] < best[0]:
            best = (float(d2[index]), candidate, index)
    if best is None:
        return None
    return best[1], best[2]
