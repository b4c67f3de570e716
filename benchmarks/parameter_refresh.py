"""Benchmark: main-thread time of one parameter-tree and statistics refresh for a ~1M-parameter
model while it trains (issue target: ≤ 20 ms). Offscreen; prints median and max of 20.

    .venv/bin/python benchmarks/parameter_refresh.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))

from PySide6.QtWidgets import QApplication  # noqa: E402

from netbuilder.core.project import Project  # noqa: E402
from netbuilder.core.spec import LayerSpec, NetworkSpec  # noqa: E402
from netbuilder.gui.app import set_thread_budget  # noqa: E402
from netbuilder.gui.main_window import MainWindow  # noqa: E402


def main() -> None:
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    spec = NetworkSpec([1, 28, 28], [
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc1", {"in_features": 784, "out_features": 1200}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Linear", "fc2", {"in_features": 1200, "out_features": 10}),
    ], "Wide", 10)
    window = MainWindow(Project(spec), template="wide")
    window.show()
    window.docks["parameters"].raise_()
    app.processEvents()
    model = window.training.ensure_model()
    params = sum(p.numel() for p in model.parameters())
    window.parameters.tree.select("fc1.weight")
    window.training_panel.epochs.setValue(50)
    window.training_panel.device.setCurrentIndex(
        window.training_panel.device.findData("cpu"))
    window.training.start()
    times = []
    deadline = time.monotonic() + 60
    while len(times) < 20 and time.monotonic() < deadline:
        app.processEvents()
        if window.training.running and window.plots.counts()["batch_loss"] > 0:
            times.append(window.parameters.timed_refresh_ms())
        time.sleep(0.05)
    window.training.stop()
    window.training.shutdown()
    print(f"{params:,}-parameter model, fc1.weight selected, during training: one refresh "
          f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms ({len(times)})")
    window.session.discard_changes()
    window.close()


if __name__ == "__main__":
    main()
