"""Benchmark: one update of the activation column for digits_cnn on the CPU — the forward pass
that records every layer's output, and painting those outputs into the view. Offscreen.

    .venv/bin/python benchmarks/activations.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netbuilder.core.activations import layer_activations  # noqa: E402
from netbuilder.core.builder import build  # noqa: E402
from netbuilder.core.resources import load_template  # noqa: E402
from netbuilder.gui.app import set_thread_budget  # noqa: E402
from netbuilder.gui.inspect.activations import ActivationView  # noqa: E402


def digit(seed: int) -> torch.Tensor:
    """A vertical bar with a little noise: a '1', different for each seed."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 4:24, 12:16] = 1.0
    return x + 0.05 * torch.rand(x.shape, generator=generator)


def main(repeats: int = 40) -> None:
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    view = ActivationView()
    view.resize(360, 700)
    view.show()
    torch.manual_seed(1)
    model = build(load_template("digits_cnn"))
    inputs = [digit(seed) for seed in range(repeats)]
    view.show_activations(layer_activations(model, inputs[0]))  # first paint: set-up cost
    app.processEvents()
    forward, show = [], []
    for x in inputs:
        start = time.perf_counter()
        acts = layer_activations(model, x)
        middle = time.perf_counter()
        view.show_activations(acts)
        view.repaint()
        end = time.perf_counter()
        forward.append((middle - start) * 1e3)
        show.append((end - middle) * 1e3)
        app.processEvents()  # let the pictures paint between updates, as while drawing
    print(f"activation view, digits_cnn ({repeats} updates): layer_activations median "
          f"{statistics.median(forward):.2f} ms; show_activations + repaint median "
          f"{statistics.median(show):.2f} ms")
    view.close()


if __name__ == "__main__":
    main()
