"""Benchmark: cold start to a painted window, as a ratio to importing torch and PySide6.

Runs each command 5 times in fresh processes and compares medians of the wall time from
process launch to: the splash painted, the main window painted, a first edit painted (a layer
added from the palette: the window is editable before torch has loaded), the first shapes shown
on its cards, and — the baseline — `python -c "import torch, PySide6.QtWidgets"` finished
importing.
Offscreen unless DISPLAY is set (e.g. Xvfb).

    .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time


def moments(command: list[str], env: dict[str, str]) -> dict[str, float]:
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    found = {}
    for line in result.stdout.splitlines():
        if " at " in line:
            label, _, stamp = line.rpartition(" at ")
            found[label] = float(stamp) - start
    return found


def main() -> None:
    env = dict(os.environ, NETBUILDER_STARTUP_TIMING="1",
               NETBUILDER_CONFIG_DIR=tempfile.mkdtemp(prefix="nb-startup-"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    baseline_code = ("import torch, PySide6.QtWidgets, time; "
                     "print(f'imported at {time.time():.4f}')")
    runs = {"imported": [], "splash painted": [], "window painted": [], "edited": [],
            "shapes shown": []}
    for _ in range(5):
        runs["imported"].append(moments([sys.executable, "-c", baseline_code], env)["imported"])
        app = moments([sys.executable, "-m", "netbuilder"], env)
        runs["splash painted"].append(app["splash painted"])
        runs["window painted"].append(app["window painted"])
        runs["edited"].append(app["edited"])
        runs["shapes shown"].append(app["shapes shown"])
    base = statistics.median(runs["imported"])
    print(f"import torch, PySide6.QtWidgets: median {base:.2f} s")
    for label in ("splash painted", "window painted", "edited", "shapes shown"):
        median = statistics.median(runs[label])
        print(f"netbuilder {label}: median {median:.2f} s, ratio {median / base:.2f}")


if __name__ == "__main__":
    main()
