"""Benchmark: from an edit (insert a layer) to the repainted stack with new shapes, on a
100-layer network (issue target: median ≤ 30 ms). Offscreen; prints median and p95.

    .venv/bin/python benchmarks/gui_edit.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis import mlp_100  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netbuilder.core.analysis import warm_up  # noqa: E402
from netbuilder.core.project import Project  # noqa: E402
from netbuilder.gui.main_window import MainWindow  # noqa: E402
from netbuilder.gui.network.stack_view import insert_kinds  # noqa: E402


def main() -> None:
    app = QApplication.instance() or QApplication([])
    warm_up()
    window = MainWindow(Project(mlp_100()), template="mlp_100")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    times, undo_times = [], []
    for i in range(40):
        index = 10 + (i % 50)
        start = time.perf_counter()
        insert_kinds(window.document, ["Dropout"], "", index, window.tr)
        window.stack.viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        window.document.undo_stack.undo()
        window.stack.viewport().repaint()
        app.processEvents()
        undo_times.append((time.perf_counter() - start) * 1e3)
    layers = sum(1 for _ in window.document.spec.layers())
    times.sort()
    undo_times.sort()
    print(f"{layers}-layer network, insert a layer → repainted stack: median "
          f"{statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times)) - 1]:.1f} ms")
    print(f"undo → repainted stack: median {statistics.median(undo_times):.1f} ms")
    window.session.discard_changes()
    window.close()


if __name__ == "__main__":
    main()
