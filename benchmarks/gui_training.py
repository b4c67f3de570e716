"""Benchmark: training through the window vs the core Trainer vs a bare loop, and memory.

For mnist_mlp and digits_cnn on the embedded digits (Adam, lr 1e-3, batch 64, CPU), in one
run: training samples/s (median over epochs, then over rounds) of (1) the app — window shown
offscreen, worker thread, live plots — (2) core.training.Trainer alone, (3) a bare tensor
loop. The three are interleaved round by round, so that load from other work on the machine
hits all of them. During the app's runs: how often the curves were redrawn with new points,
the GUI thread's CPU time per second of training (the whole run, and from the first epoch's
end to the last: no start-up, no final evaluation), and how late a 10 ms QTimer probe fires
(p99 and max); the time from Stop to the worker thread finished (digits_cnn); and the bare loop
again on a thread while the GUI thread's share of the other core is kept busy by work that does
not hold the interpreter lock (what the window's CPU use costs on this machine even without the
lock). Then, in a
fresh process, the resident memory of the idle app (digits_cnn open, window painted) and its
peak while training digits_cnn (target: peak ≤ idle + 300 MB).
All use the app's thread budget (torch threads = cores − 1, leaving one to the window).

    .venv/bin/python benchmarks/gui_training.py [--rounds N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
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

# Epochs per measured run (samples/s is the median over them). digits_cnn trains the template's
# default run of 5 epochs: with 2, the figure was mostly the first epochs, which carry the run's
# warm-up on both threads (the app's first two epochs ran 10-15 % below its later ones).
EPOCHS = {"mnist_mlp": 8, "digits_cnn": 5}
MEMORY_EPOCHS = 2  # digits_cnn epochs trained in the memory process
MB = 1024 * 1024


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


def bare_beside_load(template: str, data, share: float) -> float:
    """The bare loop on a thread while this thread keeps the other core busy ``share`` of the
    time with work that does not hold the interpreter lock (hashing): what the GUI thread's CPU
    use alone costs the training thread on this machine, lock or no lock."""
    found: dict[str, float] = {}
    worker = threading.Thread(target=lambda: found.setdefault("rate", bare(template, data)))
    worker.start()
    block = b"\0" * (1 << 20)  # hashlib releases the lock for data this size
    while worker.is_alive():
        start = time.perf_counter()
        while time.perf_counter() - start < 0.05 * share:
            hashlib.sha256(block).digest()
        time.sleep(0.05 * (1 - share))
    worker.join()
    return found["rate"]


def core(template: str, data) -> float:
    model = build(load_template(template))
    reset_weights(model, 0)
    config = TrainConfig(epochs=EPOCHS[template], device="cpu")
    return statistics.median(e.samples_per_s for e in Trainer(model, data, config).run()
                             if isinstance(e, EpochEnd))


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def high_water_bytes() -> int:
    """This process's peak resident memory so far (Linux VmHWM; 0 elsewhere). Not ru_maxrss:
    Linux carries that over from the parent across fork and exec, so a child started by a
    big parent reports the parent's size."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Probe:
    """A 10 ms timer on the GUI thread: records how late each tick comes and, every tenth
    tick, the peak RSS."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.peak_rss = 0
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
        if len(self.late) % 10 == 0:  # reading /proc is Python work on the GUI thread too
            self.peak_rss = max(self.peak_rss, rss_bytes())

    def stop(self) -> None:
        self.timer.stop()


def open_window(template: str, app: QApplication) -> MainWindow:
    window = MainWindow(Project(load_template(template)), template=template)
    window.resize(1280, 800)
    window.show()
    window.docks["plots"].raise_()
    app.processEvents()
    return window


def app_run(app: QApplication, template: str, epochs: int | None = None,
            window: MainWindow | None = None) -> dict:
    """Train ``template`` in a (new) window; what the run measured (see the module docstring).
    """
    window = window or open_window(template, app)
    panel = window.training_panel
    epochs_wanted = epochs or EPOCHS[template]
    panel.epochs.setValue(epochs_wanted if template == "mnist_mlp" else 30)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    app.processEvents()
    probe = Probe()
    probe.start()
    loop = QEventLoop()
    outcome: dict[str, float] = {}
    marks: dict[int, tuple[float, float, int]] = {}  # epochs done: (GUI CPU, wall, frames)

    def check() -> None:  # every 50 ms, in the event loop (no busy waiting here)
        run = window.training.run
        if run is not None and run.epochs and len(run.epochs) not in marks:
            marks[len(run.epochs)] = (time.thread_time(), time.perf_counter(),
                                      window.plots.frames)
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
    frames_before = window.plots.frames
    cpu_before, wall_before = time.thread_time(), time.perf_counter()
    window.training.start()
    loop.exec()
    wall = time.perf_counter() - wall_before
    cpu = time.thread_time() - cpu_before
    watcher.stop()
    probe.stop()
    run = window.session.runs[-1]
    rates = [e["samples_per_s"] for e in run.epochs[:epochs_wanted]]
    result = {
        "rate": statistics.median(rates), "late": probe.late, "stop": outcome.get("stop"),
        "redraw_hz": (window.plots.frames - frames_before) / wall, "gui_cpu": cpu / wall,
        "peak_rss": probe.peak_rss, "steady_cpu": None, "frame_ms": None,
    }
    if len(marks) >= 2:  # from the first epoch's end to the last: no start-up, no evaluation
        first, last = marks[min(marks)], marks[max(marks)]
        frames = last[2] - first[2]
        result["steady_cpu"] = (last[0] - first[0]) / (last[1] - first[1])
        result["frame_ms"] = 1000 * (last[0] - first[0]) / frames if frames else None
    window.session.discard_changes()
    window.close()
    return result


def memory() -> dict:
    """In this (fresh) process: the idle app's RSS, then the peak while training digits_cnn."""
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    window = open_window("digits_cnn", app)
    settle = QEventLoop()
    QTimer.singleShot(1500, settle.quit)  # the first paint, the analysis warm-up, a preload
    settle.exec()
    idle = rss_bytes()
    result = app_run(app, "digits_cnn", MEMORY_EPOCHS, window)
    peak = max(result["peak_rss"], high_water_bytes())
    return {"idle": idle, "peak": peak}


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="app/Trainer/bare rounds")
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:  # the child process that measures memory
        print(json.dumps(memory()))
        return
    app = QApplication.instance() or QApplication([])
    set_thread_budget()
    data = load_digits().on_device("cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), "
          f"{len(data.train_y):,} training digits, Adam lr 1e-3, batch 64, "
          f"{args.rounds} interleaved round(s)")
    for template in ("mnist_mlp", "digits_cnn"):
        runs, core_rates, bare_rates, shared_rates = [], [], [], []
        for _ in range(args.rounds):
            runs.append(app_run(app, template))
            core_rates.append(core(template, data))
            bare_rates.append(bare(template, data))
            share = runs[-1]["steady_cpu"] or runs[-1]["gui_cpu"]
            shared_rates.append(bare_beside_load(template, data, share))
        ratios = [r["rate"] / b for r, b in zip(runs, bare_rates, strict=True)]
        app_rate = statistics.median(r["rate"] for r in runs)
        core_rate, bare_rate = statistics.median(core_rates), statistics.median(bare_rates)
        late = [t for r in runs for t in r["late"]]
        print(f"{template}: app {app_rate:,.0f} · Trainer {core_rate:,.0f} · bare loop "
              f"{bare_rate:,.0f} samples/s → app/bare {statistics.median(ratios):.2f} "
              f"(rounds {min(ratios):.2f}–{max(ratios):.2f}), "
              f"Trainer/bare {core_rate / bare_rate:.2f}")
        print(f"  curves redrawn {statistics.median(r['redraw_hz'] for r in runs):.1f} times/s; "
              f"GUI thread busy {statistics.median(r['gui_cpu'] for r in runs):.0%} of the "
              f"run; 10 ms timer late by p99 {p99(late):.1f} ms, max {max(late, default=0):.1f}"
              f" ms ({len(late)} ticks)")
        steady = [r for r in runs if r["steady_cpu"] is not None]
        if steady:
            frame_ms = [r["frame_ms"] for r in steady if r["frame_ms"] is not None]
            print(f"  from the first epoch's end to the last: GUI thread busy "
                  f"{statistics.median(r['steady_cpu'] for r in steady):.0%}"
                  + (f", {statistics.median(frame_ms):.1f} ms of GUI CPU per redraw"
                     if frame_ms else ""))
        shared = [s / b for s, b in zip(shared_rates, bare_rates, strict=True)]
        print(f"  the bare loop beside a lock-free load on the other core as busy as the GUI "
              f"thread ({statistics.median(r['steady_cpu'] or r['gui_cpu'] for r in runs):.0%}"
              f"): {statistics.median(shared):.2f} of its own speed (rounds "
              f"{min(shared):.2f}–{max(shared):.2f})")
        stops = [r["stop"] for r in runs if r["stop"] is not None]
        if stops:
            print(f"  Stop → worker thread finished: {statistics.median(stops) * 1000:.0f} ms")
    fresh = {**os.environ, "NETBUILDER_CONFIG_DIR": tempfile.mkdtemp(prefix="nb-bench-")}
    child = subprocess.run([sys.executable, __file__, "--memory"], capture_output=True,
                           text=True, check=True, env=fresh)  # no settings from the runs above
    found = json.loads(child.stdout.strip().splitlines()[-1])
    grown = (found["peak"] - found["idle"]) / MB
    print(f"memory (digits_cnn, fresh process): idle app {found['idle'] / MB:,.0f} MB, peak "
          f"while training {found['peak'] / MB:,.0f} MB → +{grown:,.0f} MB (target ≤ +300 MB)")


if __name__ == "__main__":
    main()
