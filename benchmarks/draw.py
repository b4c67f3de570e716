"""Benchmark: from the end of a stroke to updated probabilities, with digits_cnn on the CPU
(issue targets: median ≤ 10 ms; ≤ 25 ms with the activation view open). Offscreen.

    .venv/bin/python benchmarks/draw.py
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netbuilder.core.analysis import warm_up  # noqa: E402
from netbuilder.core.project import Project  # noqa: E402
from netbuilder.core.resources import load_template  # noqa: E402
from netbuilder.gui.app import set_thread_budget  # noqa: E402
from netbuilder.gui.main_window import MainWindow  # noqa: E402


def measure(app, window, activations: bool, repeats: int = 40) -> list[float]:
    draw = window.draw
    draw.show_activations.setChecked(activations)
    canvas = draw.canvas
    times = []
    for i in range(repeats):
        canvas.clear()
        angle = i / repeats
        points = [QPointF(140 + 60 * math.cos(6.28 * (t / 30) + angle),
                          140 + 90 * math.sin(6.28 * (t / 30) + angle)) for t in range(31)]
        canvas._begin(points[0], 1.0)
        for point in points[1:]:
            canvas._extend(point, 1.0)
        app.processEvents()
        start = time.perf_counter()
        canvas._end()  # stroke end → preprocess → forward → bars (and activations)
        draw.repaint()
        app.processEvents()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main() -> None:
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    warm_up()
    window = MainWindow(Project(load_template("digits_cnn")), template="digits_cnn")
    window.resize(1280, 800)
    window.show()
    window.docks["draw"].raise_()
    window.training.ensure_model()
    window.training.mark_loaded(["fc1.weight"])  # count it as trained: classify
    app.processEvents()
    for label, activations in (("probabilities only", False), ("with activations", True)):
        times = sorted(measure(app, window, activations))
        print(f"digits_cnn, stroke end → {label}: median {statistics.median(times):.1f} ms, "
              f"p95 {times[int(0.95 * len(times)) - 1]:.1f} ms")
    window.session.discard_changes()
    window.close()


if __name__ == "__main__":
    main()
