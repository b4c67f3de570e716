"""Start the desktop app: a splash painted before torch loads, then the main window."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import threading  # noqa: E402

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal  # noqa: E402
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

DESKTOP_FILE_NAME = "net.netbuilder.NetBuilder"  # packaging/<this>.desktop, the AppStream id


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
    font.setPointSize(10)
    font.setBold(False)
    painter.setFont(font)
    painter.setPen(QColor("#9fb3d9"))
    painter.drawText(pixmap.rect().adjusted(0, 60, 0, 0), Qt.AlignmentFlag.AlignCenter,
                     "Loading PyTorch…")
    painter.end()
    return pixmap


def show_splash() -> QLabel:
    """A plain frameless window: QSplashScreen.show() waits up to a second for exposure."""
    splash = QLabel()
    splash.setPixmap(splash_pixmap())
    splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.show()
    splash.repaint()
    return splash


class WarmUp(QObject):
    """Loads torch's shape machinery on a thread; ``done`` arrives queued in the GUI thread."""

    done = Signal()

    def start(self) -> None:
        threading.Thread(target=self._run, name="netbuilder-warm-up", daemon=True).start()

    def _run(self) -> None:
        set_thread_budget()
        from netbuilder.core.analysis import warm_up

        warm_up()
        self.done.emit()
        # torch's optimizers import torch._dynamo at their first step: a second or more with
        # the interpreter locked, which froze the window when a first run began. Now, instead.
        import torch._dynamo  # noqa: F401


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
    # Ties windows to packaging/net.netbuilder.NetBuilder.desktop (Wayland app id, taskbar icon)
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    from netbuilder.gui import wheel_guard

    wheel_guard.install(app)
    return app


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    app = create_application([sys.argv[0], *argv])
    splash = show_splash()
    app.processEvents()
    timing = os.environ.get("NETBUILDER_STARTUP_TIMING")
    if timing:  # for benchmarks/startup.py: wall-clock moments, then quit
        print(f"splash painted at {time.time():.4f}", flush=True)
    from netbuilder.gui.i18n import install_translator, language_setting

    install_translator(app, language_setting())  # before any window; the splash stays English
    from netbuilder.gui.main_window import MainWindow
    from netbuilder.gui.recovery import offer_recovery
    from netbuilder.gui.settings import app_icon, settings
    from netbuilder.gui.text import fill
    from netbuilder.gui.theme import apply_theme

    app.setWindowIcon(app_icon())
    apply_theme(app, str(settings().value("view/theme", "system")))
    warm = WarmUp()
    window = MainWindow(analyze=False, complete=bool(argv))  # a file opens into every panel
    warm.done.connect(window.torch_ready)
    if argv:
        path = Path(argv[0])
        if not window.files.open_dropped(path):
            window.statusBar().showMessage(fill(QCoreApplication.translate(
                "MainWindow", "Could not open %1"), path), 8000)
    window.show()
    window.repaint()
    app.processEvents()  # the first paint's pending layouts and paints, before torch competes
    if timing:
        print(f"window painted at {time.time():.4f}", flush=True)
    splash.close()

    def after_first_paint() -> None:
        window.finish_building()  # the result panels (pyqtgraph), then torch on its thread:
        warm.start()  # it competes with the window for the interpreter lock

    QTimer.singleShot(0, after_first_paint)
    if timing:
        window.editing.append_kind("ReLU")  # editable before torch: an edit, painted
        window.stack.viewport().repaint()
        print(f"edited at {time.time():.4f}", flush=True)
        window.document.undo_stack.undo()
        while not window.document.ready:
            app.processEvents()
            time.sleep(0.005)
        window.stack.viewport().repaint()
        print(f"shapes shown at {time.time():.4f}", flush=True)
        window.document.undo_stack.setClean()
        return 0
    restored = offer_recovery(window)
    if restored:
        window.raise_()
    return app.exec()
