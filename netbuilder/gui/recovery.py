"""After a crash: the unsaved projects the recovery files hold, offered back one by one."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from netbuilder.gui.controllers.files import (
    project_model_or_none,
    read_recovery,
    reason,
    recovery_files,
)
from netbuilder.gui.layer_trust import ask_to_run
from netbuilder.gui.text import fill


def offer_recovery(window=None) -> list:
    """After a crash: ask to restore each unsaved project, trained weights included. The first
    goes into ``window`` when that holds no work of its own (the start-up template), the others
    into windows of their own; returns the windows that got a project."""
    from netbuilder.gui.main_window import MainWindow  # the windows this module fills

    restored = []
    for path in recovery_files():
        found = read_recovery(path, lambda request: ask_to_run(window, request))
        if found is None:
            continue
        project, info = found
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info["saved_at"]))
        original = info["path"] or QApplication.translate("MainWindow", "an unsaved network")
        answer = QMessageBox.question(
            window, QApplication.translate("MainWindow", "Restore unsaved work?"),
            fill(QApplication.translate(
                "MainWindow", "netbuilder did not close properly. Restore %1 as it was at %2?"),
                original, when),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            path.unlink(missing_ok=True)
            continue
        try:
            model = project_model_or_none(project)
        except Exception as exc:  # weights that no longer fit in memory: the file stays
            QMessageBox.warning(window, QApplication.translate("MainWindow", "Cannot restore"),
                                fill(QApplication.translate(
                                    "MainWindow", "The network cannot be built: %1"),
                                     reason(exc)))
            continue
        path.unlink(missing_ok=True)
        target = window if window is not None and not window.session.dirty and (
            window.session.path is None) and window not in restored else MainWindow()
        target.finish_building()  # its panels show the restored runs and weights
        target.session.load(project, Path(info["path"]) if info["path"] else None, model=model)
        target.session.mark_unsaved()
        target.files.write_recovery()
        target.show()
        restored.append(target)
    return restored
