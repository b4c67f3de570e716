"""The window is painted and editable before torch has loaded (issue 19).

The app loads torch on a thread after its first paint. These tests run the window in a fresh
process where importing torch is refused, so anything that would need it before then fails
loudly; then torch is let in and the shapes appear. The import budget is checked with
``python -X importtime``: importing the main window loads neither torch nor the packages that
come with it, nor any part of netbuilder's core that needs torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# torch and what it brings along (each of these takes tenths of a second or more to import)
HEAVY = {"torch", "torchvision", "torchgen", "functorch", "triton", "sympy", "networkx",
         "tensorboard", "onnx", "onnxscript"}
# netbuilder's core modules that import torch: the window must reach them only when used
TORCH_CORE = {"activations", "analysis", "builder", "checkpoint", "container_modules", "data",
              "digits", "evaluation", "exporters", "health", "model_state", "normalize",
              "parameters", "pen_augment", "pth_guard", "recurrent", "resume", "streaming",
              "tabular", "tabular_preprocessing", "tabular_rules",
              "train_script", "training", "training_events", "training_state", "try_input"}

EDIT_BEFORE_TORCH = textwrap.dedent('''
    import importlib.abc, json, sys
    REFUSED = []

    class NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("torch", "torchvision"):
                REFUSED.append(name)
                raise ImportError(f"{name} is not loaded yet (test)")
            return None

    blocker = NoTorch()
    sys.meta_path.insert(0, blocker)
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from netbuilder.gui.main_window import MainWindow

    window = MainWindow(analyze=False, complete=False)  # as app.main makes it
    window.show()
    app.processEvents()
    out = {"ready_at_start": window.document.ready, "complete_at_start": window.complete,
           "pyqtgraph_at_start": "pyqtgraph" in sys.modules,
           "welcome": getattr(window, "welcome", None) is not None,
           "status": window.statusBar().currentMessage()}
    before = len(window.document.spec.items)
    tree = window.palette_panel.tree
    item = tree.findItems("ReLU", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    tree.setFocus()
    tree.setCurrentItem(item)
    QTest.keyClick(tree, Qt.Key.Key_Return)  # Enter on a kind in the palette adds it
    app.processEvents()
    out["added"] = len(window.document.spec.items) - before
    out["selected"] = window.document.selection
    out["card"] = window.stack.model().index(before, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    window.document.undo_stack.undo()
    app.processEvents()
    out["after_undo"] = len(window.document.spec.items) - before
    window.finish_building()  # the result panels, still before torch
    app.processEvents()
    out["draw_dock_holds"] = window.docks["draw"].widget().widget().objectName()
    out["plots_dock_holds"] = window.docks["plots"].widget().objectName()
    out["refused"] = sorted(set(REFUSED))
    out["torch_loaded_before_ready"] = "torch" in sys.modules
    sys.meta_path.remove(blocker)
    window.torch_ready()
    app.processEvents()
    out["ready"] = window.document.ready
    out["params"] = window.document.analysis.total_params
    out["status_after"] = window.statusBar().currentMessage()
    window.session.mark_unsaved()
    window.document.undo_stack.setClean()
    print("RESULT " + json.dumps(out))
''')


def run_python(*args: str, config_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if config_dir is not None:
        env["NETBUILDER_CONFIG_DIR"] = str(config_dir)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_the_window_is_editable_before_torch_loads(tmp_path):
    result = run_python("-c", EDIT_BEFORE_TORCH, config_dir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    out = json.loads(line.removeprefix("RESULT "))
    assert out["ready_at_start"] is False
    assert out["complete_at_start"] is False
    assert out["welcome"] is True  # a first start (fresh settings) says where help is
    assert out["pyqtgraph_at_start"] is False
    assert out["draw_dock_holds"] == "draw_panel"
    assert out["plots_dock_holds"] == "training_plots"
    assert out["status"] == "Loading PyTorch's shape analysis…"
    assert out["added"] == 1
    assert len(out["selected"]) == 1
    assert out["selected"][0].startswith("relu")
    assert "…" in out["card"]
    assert out["after_undo"] == 0
    assert out["refused"] == []
    assert out["torch_loaded_before_ready"] is False
    assert out["ready"] is True
    assert out["params"] > 0
    assert out["status_after"].endswith("shapes OK")


def imported_modules(module: str) -> set[str]:
    result = run_python("-X", "importtime", "-c", f"import {module}")
    assert result.returncode == 0, result.stderr[-3000:]
    return {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:") and "|" in line and "cumulative" not in line}


def test_the_window_imports_nothing_heavy_before_its_first_paint():
    modules = imported_modules("netbuilder.gui.main_window")
    assert "netbuilder.gui.main_window" in modules
    assert {name.split(".")[0] for name in modules} & HEAVY == set()
    core = {name.split(".")[2] for name in modules if name.startswith("netbuilder.core.")}
    assert core & TORCH_CORE == set()
    assert "netbuilder.core.catalog" in modules  # the palette's kinds: light, and needed
