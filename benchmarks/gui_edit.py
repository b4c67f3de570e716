"""Benchmark: how fluid editing stays in a big network (issue 19, "Big networks stay fluid").

For each size (layers in an MLP chain of Linear(64, 64)/ReLU), in one offscreen window
(1280×800) it measures, from the action to the repainted view:

- insert a Dropout in the middle of the stack (palette insert, fitted to its input);
- undo that insert, then redo it;
- select another layer: the properties panel follows, the card is highlighted (target ≤ 10 ms
  at 1,000 layers);
- delete the inserted layer (the Delete action).

Each is timed up to the events it posted processed and the window repainted (one pass paints
every changed widget: the stack and the properties panel). Work that views defer until the edits
settle (code regeneration, summary, memory estimate) is timed apart as "deferred": the GUI
thread's busy time after the repaint until it is idle again. Besides the wall-clock time, the
process's CPU time of each step is printed: on a machine shared with other work it is closer to
what the step costs the window itself. Targets at 1,000 layers: each edit ≤ 30 ms median,
selection ≤ 10 ms.

    .venv/bin/python benchmarks/gui_edit.py [SIZE ...] [--repeats N]   (default 100 1000 5000)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))

from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from netbuilder.core.analysis import warm_up  # noqa: E402
from netbuilder.core.project import Project  # noqa: E402
from netbuilder.core.spec import LayerSpec, NetworkSpec  # noqa: E402
from netbuilder.gui.main_window import MainWindow  # noqa: E402
from netbuilder.gui.network.stack_view import insert_kinds  # noqa: E402

OPERATIONS = ("insert", "undo", "redo", "select", "delete")
SETTLE_S = 0.3  # longer than any view's coalescing timer


def mlp(layers: int) -> NetworkSpec:
    """Flatten, Linear(784, 64), then Linear(64, 64)/ReLU pairs up to ``layers`` layers, and a
    Linear(64, 10) output."""
    items = [LayerSpec("Flatten", "flatten"),
             LayerSpec("Linear", "fc0", {"in_features": 784, "out_features": 64})]
    i = 1
    while len(items) < layers - 1:
        items.append(LayerSpec("ReLU", f"relu{i}"))
        if len(items) < layers - 1:
            items.append(LayerSpec("Linear", f"fc{i}", {"in_features": 64, "out_features": 64}))
        i += 1
    items.append(LayerSpec("Linear", "out", {"in_features": 64, "out_features": 10}))
    return NetworkSpec([1, 28, 28], items, num_classes=10)


def settle(app: QApplication) -> float:
    """Let deferred work (single-shot timers) run; the milliseconds the GUI thread was busy."""
    busy = 0.0
    end = time.perf_counter() + SETTLE_S
    while time.perf_counter() < end:
        start = time.perf_counter()
        app.processEvents()
        busy += time.perf_counter() - start
        time.sleep(0.002)
    return busy * 1e3


class PaintCounter(QObject):
    """Counts the paint events of the widget it watches."""

    def __init__(self, widget: QWidget):
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def timed(app: QApplication, action, counter: PaintCounter) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds from ``action`` to its events processed and the watched
    widget painted (the window paints every changed widget in that one pass)."""
    start, cpu = time.perf_counter(), time.process_time()
    counter.count = 0
    action()
    app.processEvents()
    app.processEvents()  # what the first round posted (the view's delayed layout)
    if counter.count == 0:  # nothing asked for a repaint: paint anyway, as the old loop did
        counter.parent().repaint()
        app.processEvents()
    return (time.perf_counter() - start) * 1e3, (time.process_time() - cpu) * 1e3


def measure(app: QApplication, layers: int, repeats: int) -> dict[str, list[float]]:
    started = time.perf_counter()
    window = MainWindow(Project(mlp(layers)), template="mlp")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    settle(app)
    opened = time.perf_counter() - started
    document = window.document
    stack = PaintCounter(window.stack.viewport())  # a selection repaints it with the panel
    times: dict[str, list[float]] = {name: [] for name in (*OPERATIONS, "deferred")}
    cpu: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    middle = len(document.spec.items) // 2
    start_spec = document.spec.copy()
    for i in range(repeats):
        index = middle + (i % 7) - 3
        operations = [
            ("insert", lambda index=index: insert_kinds(document, ["Dropout"], "", index)),
            ("undo", document.undo_stack.undo),
            ("redo", document.undo_stack.redo),
            ("select", lambda index=index: document.select(
                [document.spec.items[index + 1].name])),
            ("delete", lambda index=index: (document.select([document.spec.items[index].name]),
                                            window.editing.delete())),
        ]
        for name, action in operations:
            wall, used = timed(app, action, stack)
            times[name].append(wall)
            cpu[name].append(used)
            times["deferred"].append(settle(app))
    if document.spec != start_spec:
        raise SystemExit(f"{layers} layers: the network differs after the rounds")
    window.session.discard_changes()
    window.close()
    app.processEvents()
    print(f"{layers:,} layers: window open in {opened:.1f} s", flush=True)
    return times, cpu


def report(layers: int, times: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    """Median (p95) wall-clock ms, and the median CPU ms of this process: on a machine shared
    with other work the CPU time is what the window itself spent."""
    cells = []
    for name in (*OPERATIONS, "deferred"):
        values = sorted(times[name])
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        used = f", CPU {statistics.median(cpu[name]):.1f}" if name in cpu else ""
        cells.append(f"{name} {statistics.median(values):.1f} (p95 {p95:.1f}{used})")
    print(f"{layers:,} layers, median ms: " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 5000],
                        help="layer counts (default: 100 1000 5000)")
    parser.add_argument("--repeats", type=int, default=15, help="rounds of the five operations")
    args = parser.parse_args()
    if any(size < 4 for size in args.sizes):
        parser.error("each size must be at least 4 layers")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    warm_up()
    results = {size: measure(app, size, args.repeats) for size in args.sizes}
    for size, (times, cpu) in results.items():
        report(size, times, cpu)


if __name__ == "__main__":
    main()
