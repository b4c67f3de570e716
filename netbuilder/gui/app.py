"""Start the desktop app: a splash painted before torch loads, then the main window."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen  # noqa: E402


def splash_pixmap() -> QPixmap:
    pixmap = QPixmap(420, 160)
    pixmap.fill(QColor("#1f2a44"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#ffffff"))
    font = QFont()
    font.setPointSize(22)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, -20, 0, 0), Qt.AlignmentFlag.AlignCenter,
                     "netbuilder")
    painter.end()
    return pixmap


def set_thread_budget() -> None:
    """torch's thread count is process-wide: leave a core to the window."""
    import torch

    cores = os.cpu_count() or 2
    torch.set_num_threads(max(1, cores - 1))


def create_application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName("netbuilder")
    app.setApplicationName("netbuilder")
    app.setApplicationDisplayName("netbuilder")
    return app


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    app = create_application([sys.argv[0], *argv])
    splash = QSplashScreen(splash_pixmap())
    splash.showMessage("Loading PyTorch…", Qt.AlignmentFlag.AlignBottom
                       | Qt.AlignmentFlag.AlignHCenter, QColor("#9fb3d9"))
    splash.show()
    app.processEvents()
    set_thread_budget()
    from netbuilder.core.analysis import warm_up
    from netbuilder.gui.main_window import MainWindow, offer_recovery
    from netbuilder.gui.settings import app_icon, settings
    from netbuilder.gui.theme import apply_theme

    app.setWindowIcon(app_icon())
    apply_theme(app, str(settings().value("view/theme", "system")))
    warm_up()
    window = MainWindow()
    if argv:
        path = Path(argv[0])
        if not window.open_path(path):
            window.statusBar().showMessage(f"Could not open {path}", 8000)
    window.show()
    splash.finish(window)
    restored = offer_recovery(window)
    if restored:
        window.raise_()
    if os.environ.get("NETBUILDER_STARTUP_TIMING"):
        print(f"first window shown after {time.perf_counter() - started:.3f} s", flush=True)
    return app.exec()


def report_fatal(message: str) -> None:
    QMessageBox.critical(None, "netbuilder", message)
