"""Benchmark: training through the window vs the core Trainer vs a bare loop.

For mnist_mlp and digits_cnn on the embedded digits (Adam, lr 1e-3, batch 64, CPU), in one
run: training samples/s (median over epochs) of (1) the app — window shown offscreen, worker
thread, live plots — (2) core.training.Trainer alone, (3) a bare tensor loop; the GUI thread's
responsiveness during the app's run, from a 10 ms QTimer probe recording how late it fires
(p99 and max); and the time from Stop to the worker thread finished (digits_cnn).
All three use the app's thread budget (torch threads = cores − 1, leaving one to the window).

    .venv/bin/python benchmarks/gui_training.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netbuilder.core.builder import build  # noqa: E402
from netbuilder.core.data import load_digits  # noqa: E402
from netbuilder.core.project import Project  # noqa: E402
from netbuilder.core.resources import load_template  # noqa: E402
from netbuilder.core.training import EpochEnd, TrainConfig, Trainer, reset_weights  # noqa: E402
from netbuilder.gui.app import set_thread_budget  # noqa: E402
from netbuilder.gui.main_window import MainWindow  # noqa: E402

EPOCHS = {"mnist_mlp": 8, "digits_cnn": 2}


def bare(template: str, data) -> float:
    model = build(load_template(template))
    reset_weights(model, 0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all, y_all = data.train_x, data.train_y
    rates = []
    for _ in range(EPOCHS[template]):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(y_all))
        for i in range(0, len(y_all), 64):
            index = order[i:i + 64]
            loss = F.cross_entropy(model(x_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        rates.append(len(y_all) / (time.perf_counter() - start))
    return statistics.median(rates)


def core(template: str, data) -> float:
    model = build(load_template(template))
    reset_weights(model, 0)
    config = TrainConfig(epochs=EPOCHS[template], device="cpu")
    return statistics.median(e.samples_per_s for e in Trainer(model, data, config).run()
                             if isinstance(e, EpochEnd))


class Probe:
    """A 10 ms timer on the GUI thread; records how late each tick comes."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def tick(self) -> None:
        elapsed = self.clock.restart()
        self.late.append(max(0.0, elapsed - 10.0))

    def stop(self) -> None:
        self.timer.stop()


def app_run(app: QApplication, template: str) -> tuple[float, list[float], float | None]:
    window = MainWindow(Project(load_template(template)), template=template)
    window.resize(1280, 800)
    window.show()
    panel = window.training_panel
    panel.epochs.setValue(EPOCHS[template] if template == "mnist_mlp" else 30)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    window.docks["plots"].raise_()
    app.processEvents()
    probe = Probe()
    probe.start()
    loop = QEventLoop()
    outcome: dict[str, float] = {}
    epochs_wanted = EPOCHS[template]

    def check() -> None:  # every 50 ms, in the event loop (no busy waiting here)
        run = window.training.run
        if not window.training.running:
            loop.quit()
        elif template == "digits_cnn" and run is not None and len(run.epochs) >= \
                epochs_wanted and "stop" not in outcome:
            thread = window.training.thread
            started = time.perf_counter()
            window.training.stop()  # sets the flag; the worker ends its thread when it returns
            thread.wait(10_000)
            outcome["stop"] = time.perf_counter() - started

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(check)
    watcher.start()
    window.training.start()
    loop.exec()
    watcher.stop()
    stop_latency = outcome.get("stop")
    probe.stop()
    run = window.session.runs[-1]
    rates = [e["samples_per_s"] for e in run.epochs[:epochs_wanted]]
    window.session.discard_changes()
    window.close()
    return statistics.median(rates), probe.late, stop_latency


def main() -> None:
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    data = load_digits().on_device("cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), "
          f"{len(data.train_y):,} training digits, Adam lr 1e-3, batch 64")
    for template in ("mnist_mlp", "digits_cnn"):
        gui_rate, late, stop = app_run(app, template)
        core_rate, bare_rate = core(template, data), bare(template, data)
        late.sort()
        p99 = late[int(0.99 * (len(late) - 1))] if late else 0.0
        print(f"{template}: app {gui_rate:,.0f} · Trainer {core_rate:,.0f} · bare loop "
              f"{bare_rate:,.0f} samples/s → app/bare {gui_rate / bare_rate:.2f}, "
              f"Trainer/bare {core_rate / bare_rate:.2f}")
        print(f"  GUI thread during training: 10 ms timer late by p99 {p99:.1f} ms, "
              f"max {max(late, default=0):.1f} ms ({len(late)} ticks)")
        if stop is not None:
            print(f"  Stop → worker thread finished: {stop * 1000:.0f} ms")


if __name__ == "__main__":
    main()
