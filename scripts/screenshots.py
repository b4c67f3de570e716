"""Render the main window and each panel to PNG, offscreen (for the README and look checks).

    python scripts/screenshots.py OUTDIR [--template mnist_mlp] [--size 1280x800]
        [--theme light|dark] [--select fc2] [--training EPOCHS] [--language zh_CN]
    python scripts/screenshots.py docs/screenshots --every-panel --language zh_CN

With --every-panel it brings each panel to the front in turn and pictures the whole window
(``panel-NAME-LANGUAGE.png``). Every picture is checked for cut-off text and sideways
scrolling (netbuilder.gui.layout_audit); what it finds is printed, and the exit status is 1.
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


def train_until(app, window, epochs: int, finish: bool = False) -> None:
    """Start a run and return while it is still going, after ``epochs`` epochs; with
    ``finish``, a run of ``epochs`` epochs to its end, with its evaluation shown."""
    import time

    window.training_panel.epochs.setValue(epochs if finish else epochs + 3)
    window.training_panel.augment.setChecked(not window.training_panel.table.text())
    window.start_training()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        app.processEvents()
        run = window.training.run
        if finish and not window.training.running and window.session.runs:
            break  # the controller has filed the run with the session
        if not finish and run is not None and len(run.epochs) >= epochs:
            break
        time.sleep(0.01)
    if finish:  # the evaluation of the final weights arrives from its thread
        for _ in range(100):
            app.processEvents()
            time.sleep(0.02)
    window.plots.redraw()
    for _ in range(5):
        app.processEvents()


def draw_seven(app, window) -> None:
    """Draw a 7 on the Draw panel's canvas, with the activations shown."""
    from PySide6.QtCore import QPointF, Qt

    window.training.stop()
    window.training.shutdown()
    app.processEvents()
    window.docks["draw"].raise_()
    canvas = window.draw.canvas
    for start, end in (((70, 55), (210, 55)), ((210, 55), (115, 240))):
        points = [QPointF(start[0] + (end[0] - start[0]) * t / 20,
                          start[1] + (end[1] - start[1]) * t / 20) for t in range(21)]
        canvas._begin(points[0], 1.0)
        for point in points[1:]:
            canvas._extend(point, 1.0)
        canvas._end()
    window.draw.show_activations.setChecked(True)
    window.resizeDocks([window.docks["draw"]], [window.height() * 2 // 3],
                       Qt.Orientation.Vertical)
    for _ in range(5):
        app.processEvents()


def open_application(theme: str, language: str):
    from netbuilder.gui.app import create_application
    from netbuilder.gui.i18n import install_translator
    from netbuilder.gui.theme import apply_theme

    app = create_application(sys.argv[:1])
    install_translator(app, language)
    apply_theme(app, theme)
    return app


def every_panel(out_dir: Path, template: str, size: tuple[int, int], theme: str,
                language: str) -> tuple[list[Path], list[str]]:
    """The window with each panel in front in turn: (pictures, layout faults found)."""
    from PySide6.QtWidgets import QApplication

    from netbuilder.core.resources import load_template_project
    from netbuilder.gui.layout_audit import layout_problems
    from netbuilder.gui.main_window import MainWindow

    open_application(theme, language)
    window = MainWindow(load_template_project(template), template=template)
    window.resize(*size)
    window.show()
    spec = window.document.spec
    chosen = next((p for p, layer in spec.layers() if layer.kind == "Linear"), None)
    if chosen:
        window.document.select([chosen])
    out_dir.mkdir(parents=True, exist_ok=True)
    written, faults = [], []
    for name, dock in window.docks.items():
        dock.raise_()
        for _ in range(5):
            QApplication.processEvents()
        path = out_dir / f"panel-{name}-{language}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)
        faults += [f"{path.name}: {fault}" for fault in layout_problems(window)]
    window.training.shutdown()
    window.session.discard_changes()
    window.close()
    return written, sorted(set(faults))


def render(out_dir: Path, template: str, size: tuple[int, int], theme: str,
           select: str | None, training_epochs: int = 0, show: str = "",
           draw: bool = False, finish: bool = False, project: Path | None = None,
           try_image: Path | None = None, language: str = "en") -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from netbuilder.core.resources import load_template_project
    from netbuilder.gui.main_window import MainWindow

    open_application(theme, language)
    if project is not None:  # a project file (with its weights, if a .nbproj)
        from netbuilder.core.project import Project
        from netbuilder.core.project_archive import project_model

        opened = Project.load(project)
        window = MainWindow(opened, project.resolve())
        if opened.weights is not None:
            window.session.load(opened, project.resolve(), model=project_model(opened))
        template = project.stem
    else:
        window = MainWindow(load_template_project(template), template=template)
    window.resize(*size)
    window.show()
    spec = window.document.spec
    chosen = select or next((p for p, layer in spec.layers() if layer.kind == "Linear"), None)
    if chosen:
        window.document.select([chosen])
    window.code.refresh()
    for _ in range(5):
        QApplication.processEvents()
    if training_epochs:
        train_until(QApplication.instance(), window, training_epochs, finish)
    if draw:
        draw_seven(QApplication.instance(), window)
    if try_image is not None:  # the Try panel, with saliency, on this image
        window.docks["try"].raise_()
        QApplication.processEvents()
        window.try_panel.open_path(try_image)
        window.try_panel.saliency_check.setChecked(True)
        show = show or "try"
    if show:
        window.docks[show].raise_()
        QApplication.processEvents()
        if show == "parameters":
            window.training.ensure_model()
            weight = next((n for n, _p in window.training.model.named_parameters()
                           if n.endswith("weight") and _p.dim() >= 2), None)
            if weight:
                window.parameters.tree.select(weight)
        for _ in range(5):
            QApplication.processEvents()
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"{template}" + ("" if theme in ("system", "light") else f"-{theme}")
    if language != "en":
        suffix += f"-{language}"
    if training_epochs:
        suffix += "-training"
    if show:
        suffix += f"-{show}"
    if draw:
        suffix += "-draw"
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
    window.training.stop()
    window.training.shutdown()
    window.session.discard_changes()
    window.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/screenshots.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--template", default="digits_cnn")
    parser.add_argument("--size", type=parse_size, default=(1280, 800))
    parser.add_argument("--theme", default="light", choices=("system", "light", "dark"))
    parser.add_argument("--select", default=None, help="path of the layer to select")
    parser.add_argument("--show", default="", metavar="PANEL",
                        help="bring this panel to the front first (e.g. parameters, health, "
                             "evaluation, runs, code, plots)")
    parser.add_argument("--draw", action="store_true",
                        help="after training, draw a 7 on the Draw panel, activations shown")
    parser.add_argument("--training", type=int, default=0, metavar="EPOCHS",
                        help="start training and take the pictures after this many epochs")
    parser.add_argument("--project", type=Path, default=None, metavar="FILE",
                        help="open this project (.json or .nbproj) instead of a template")
    parser.add_argument("--try-image", type=Path, default=None, metavar="IMAGE",
                        help="show the Try panel on this image, with its saliency")
    parser.add_argument("--finish", action="store_true",
                        help="with --training: a run of exactly EPOCHS epochs, pictured when it "
                             "has ended and its weights are evaluated")
    parser.add_argument("--language", default="en", metavar="CODE",
                        help="the window's language (en, zh_CN)")
    parser.add_argument("--every-panel", action="store_true",
                        help="picture the window once per panel, that panel in front")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # keep the user's settings and recovery files out of it
    os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="netbuilder-shots-"))
    if args.every_panel:
        written, faults = every_panel(args.out_dir, args.template, args.size, args.theme,
                                      args.language)
        for path in written:
            print(path)
        for fault in faults:
            print(f"layout fault: {fault}", file=sys.stderr)
        return 1 if faults else 0
    for path in render(args.out_dir, args.template, args.size, args.theme, args.select,
                       args.training, args.show, args.draw, args.finish, args.project,
                       args.try_image, args.language):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
