"""While a run trains, the application-wide Python event filters step aside.

The accessibility namer and the wheel guard watch every event of the application in Python;
during training that is about a thousand events a second, each one taking the interpreter lock
that the training thread needs (a tiny network trains mostly in Python). ``hold(thread)``
suspends both until the thread has finished: the wheel guard then watches each field on its
own, and the namer names whatever was shown meanwhile when the last such thread ends (it stays
on while assistive technology listens). Nested runs and downloads are counted.

Meanwhile the interpreter also hands its lock between threads more often (every
:data:`RUN_SWITCH_INTERVAL` seconds instead of Python's 5 ms), so the window waits less for the
training thread: the GUI thread's lateness while a tiny network trains fell from a p99 of 36 ms
to 21 ms (at 1 ms; ``benchmarks/gui_training.py``).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QThread, Slot
from PySide6.QtWidgets import QApplication

from netbuilder.gui import accessibility, wheel_guard

RUN_SWITCH_INTERVAL = 0.002  # seconds; see the module's docstring


class _Quiet(QObject):
    """Counts the threads that hold the filters aside; lives on the GUI thread, so a thread's
    ``finished`` reaches ``release`` there (queued)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = 0
        self.switch_interval = sys.getswitchinterval()

    def hold(self, thread: QThread) -> None:
        app = QApplication.instance()
        if app is None:
            return
        if self.holding == 0:
            wheel_guard.suspend(app)
            accessibility.suspend(app)
            self.switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.switch_interval, RUN_SWITCH_INTERVAL))
        self.holding += 1
        thread.finished.connect(self.release)

    @Slot()
    def release(self) -> None:
        self.holding = max(0, self.holding - 1)
        app = QApplication.instance()
        if self.holding == 0 and app is not None:
            wheel_guard.resume(app)
            accessibility.resume(app)
            sys.setswitchinterval(self.switch_interval)


_quiet: _Quiet | None = None


def hold(thread: QThread) -> None:
    """Suspend the app-wide filters until ``thread`` finishes (call on the GUI thread, before
    the thread starts)."""
    global _quiet
    if _quiet is None:
        _quiet = _Quiet()
    _quiet.hold(thread)


def holding() -> int:
    """How many threads hold the filters aside now (0: they watch the whole application)."""
    return 0 if _quiet is None else _quiet.holding
