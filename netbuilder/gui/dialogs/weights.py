"""Load weights into the current network: how the file's keys fit, and what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from netbuilder.gui.text import fill, plural

if TYPE_CHECKING:
    from netbuilder.core.checkpoint import Reconciliation


STRICT, MATCHING = 1, 2
COLOURS = {"matching": "#2e7d32", "missing": "#b07800", "unexpected": "#6a1b9a",
           "shape mismatch": "#c62828"}
# the statuses as shown (through self.tr), for pyside6-lupdate
STATUS_NAMES = (QT_TRANSLATE_NOOP("ReconcileDialog", "matching"),
                QT_TRANSLATE_NOOP("ReconcileDialog", "missing"),
                QT_TRANSLATE_NOOP("ReconcileDialog", "unexpected"),
                QT_TRANSLATE_NOOP("ReconcileDialog", "shape mismatch"))


class ReconcileDialog(QDialog):
    """Shows the reconciliation report; the result is STRICT, MATCHING or 0 (Cancel)."""

    def __init__(self, report: Reconciliation, file_name: str, parent=None):
        super().__init__(parent)
        self.setObjectName("reconcile_dialog")
        self.setWindowTitle(fill(self.tr("Load weights from %1"), file_name))
        self.resize(720, 460)
        self.report = report
        summary = QLabel(" ".join([
            plural(len(report.matching), self.tr("1 key matches."), self.tr("%1 keys match.")),
            plural(len(report.missing), self.tr("1 is missing from the file,"),
                   self.tr("%1 are missing from the file,")),
            plural(len(report.unexpected), self.tr("1 is not in the network,"),
                   self.tr("%1 are not in the network,")),
            plural(len(report.mismatched), self.tr("1 has another shape."),
                   self.tr("%1 have other shapes."))]), self)
        summary.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("reconcile_table")
        self.table.setAccessibleName(self.tr("Keys of the network and the file"))
        self.table.setAccessibleDescription(summary.text())
        self.table.setHorizontalHeaderLabels([self.tr("Key"), self.tr("Status"),
                                              self.tr("In the network"), self.tr("In the file")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        rows = [(k, "shape mismatch", str(list(want)), str(list(got)))
                for k, want, got in report.mismatched]
        rows += [(k, "missing", "✓", "—") for k in report.missing]
        rows += [(k, "unexpected", "—", "✓") for k in report.unexpected]
        rows += [(k, "matching", "✓", "✓") for k in report.matching]
        for key, status, ours, theirs in rows:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, text in enumerate((key, self.tr(status), ours, theirs)):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setForeground(QBrush(QColor(COLOURS[status])))
                self.table.setItem(row, column, item)
        buttons = QDialogButtonBox(self)
        self.strict = QPushButton(self.tr("Strict"), self)
        self.strict.setObjectName("strict_button")
        self.strict.setToolTip(self.tr("Load only if every key and shape fits"))
        self.strict.setEnabled(report.perfect)
        self.matching = QPushButton(self.tr("Load matching"), self)
        self.matching.setObjectName("matching_button")
        self.matching.setToolTip(fill(
            self.tr("Load the %1 matching keys; leave the rest as they are"), len(report.matching)))
        self.matching.setEnabled(bool(report.matching))
        buttons.addButton(self.strict, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.matching, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.strict.clicked.connect(lambda: self.done(STRICT))
        self.matching.clicked.connect(lambda: self.done(MATCHING))
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]
