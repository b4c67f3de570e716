"""Render the main window and each panel to PNG, offscreen (for the README and look checks).

    python -m netbuilder.gui.screenshots OUTDIR [--template mnist_mlp] [--size 1280x800]
        [--theme light|dark] [--select fc2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def render(out_dir: Path, template: str, size: tuple[int, int], theme: str,
           select: str | None) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from netbuilder.core.project import Project
    from netbuilder.core.resources import load_template
    from netbuilder.gui.app import create_application
    from netbuilder.gui.main_window import MainWindow
    from netbuilder.gui.theme import apply_theme

    app = create_application(sys.argv[:1])
    apply_theme(app, theme)
    window = MainWindow(Project(load_template(template)), template=template)
    window.resize(*size)
    window.show()
    spec = window.document.spec
    chosen = select or next((p for p, layer in spec.layers() if layer.kind == "Linear"), None)
    if chosen:
        window.document.select([chosen])
    window.code.refresh()
    for _ in range(5):
        QApplication.processEvents()
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"{template}" + ("" if theme in ("system", "light") else f"-{theme}")
    shots = {f"window-{suffix}.png": window}
    for name, dock in window.docks.items():
        shots[f"panel-{name}-{suffix}.png"] = dock.widget()
    shots[f"panel-stack-{suffix}.png"] = window.stack
    written = []
    for name, widget in shots.items():
        path = out_dir / name
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)
    window.document.undo_stack.setClean()
    window.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netbuilder.gui.screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--template", default="digits_cnn")
    parser.add_argument("--size", type=parse_size, default=(1280, 800))
    parser.add_argument("--theme", default="light", choices=("system", "light", "dark"))
    parser.add_argument("--select", default=None, help="path of the layer to select")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # keep the user's settings and recovery files out of it
    os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="netbuilder-shots-"))
    for path in render(args.out_dir, args.template, args.size, args.theme, args.select):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
