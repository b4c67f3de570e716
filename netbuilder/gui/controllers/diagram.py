"""File ▸ Export ▸ Diagram: the network as a picture (SVG or PNG, chosen by the file filter or
the name's suffix), drawn by ``core.diagram`` from the document's spec and analysis."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from netbuilder.gui.controllers.files import reason
from netbuilder.gui.text import fill


class DiagramController(QObject):
    message = Signal(str)  # for the status bar

    def __init__(self, session, window: QWidget):
        super().__init__(window)
        self.session = session
        self.document = session.document
        self.window = window

    def export_dialog(self) -> None:
        path = self.session.path
        folder = path.parent if path else Path.cwd()
        svg, png = self.tr("SVG image (*.svg)"), self.tr("PNG image (*.png)")
        start = str(folder / f"{self.document.spec.class_name.lower()}.svg")
        name, chosen = QFileDialog.getSaveFileName(self.window, self.tr("Export diagram"), start,
                                                   f"{svg};;{png}")
        if not name:
            return
        target = Path(name)
        if target.suffix.lower() not in (".svg", ".png"):  # the filter decides
            target = target.with_name(target.name + (".png" if chosen == png else ".svg"))
        self.export_to(target)

    def export_to(self, path: Path) -> bool:
        """Write the diagram; a network whose shapes break is drawn with those cards in red."""
        from netbuilder.core.diagram import write_diagram

        try:
            fmt = write_diagram(self.document.spec, self.document.analysis, path)
        except (OSError, ValueError) as exc:  # a failed write, a picture too large for PNG
            QMessageBox.warning(self.window, self.tr("Cannot export the diagram"),
                                f"{path}: {reason(exc)}")
            return False
        self.message.emit(fill(self.tr("Wrote %1 (%2 diagram)"), str(path), fmt.upper()))
        return True
