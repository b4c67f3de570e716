"""Per layer, how training goes: gradient norm and update/weight ratio of the last measured
step, dead units of activation layers, and a short diagnosis where a rule fires."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.text import fill

if TYPE_CHECKING:
    from netbuilder.core.health import Health



def _number(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


class HealthView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("health_view")
        self.title = QLabel(self.tr("Health appears while a run trains."), self)
        self.title.setObjectName("health_title")
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("health_table")
        self.table.setAccessibleName(self.tr("Health per layer"))
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("Gradient norm"),
                                              self.tr("Update / weight"), self.tr("Dead units")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.findings = QListWidget(self)
        self.findings.setObjectName("health_findings")
        self.findings.setAccessibleName(self.tr("Health findings"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel(self.tr("Diagnosis"), self))
        layout.addWidget(self.findings, 1)
        self.health: Health | None = None
        self._stale = False  # a measurement came while hidden: shown when the view is

    def show_health(self, health: Health) -> None:
        """Keep ``health``; fill the table now if the view is seen, else when it is shown
        (measurements come twice a second during a run, mostly to a panel behind a tab)."""
        self.health = health
        self._stale = not self.isVisible()
        if not self._stale:
            self._fill(health)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale and self.health is not None:
            self._stale = False
            self._fill(self.health)

    def _fill(self, health: Health) -> None:
        from netbuilder.core.health import DEAD_HIGH, RATIO_HIGH, RATIO_LOW

        self.title.setText(fill(self.tr("Measured at step %1"), f"{health.step:,}"))
        rows = sorted(health.modules.values(), key=lambda m: m.path)
        self.table.setRowCount(len(rows))
        warn = QBrush(QColor("#c62828"))
        for row, module in enumerate(rows):
            ratio, dead = module.update_ratio, module.dead_fraction
            cells = (module.path or self.tr("model"), _number(module.grad_norm, ".3g"),
                     _number(ratio, ".1e"), "—" if dead is None else f"{dead:.0%}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                bad = (column == 2 and ratio is not None and (ratio > RATIO_HIGH
                                                               or 0 < ratio < RATIO_LOW)) or (
                    column == 3 and dead is not None and dead >= DEAD_HIGH)
                if bad:
                    item.setForeground(warn)
                self.table.setItem(row, column, item)
        self.findings.clear()
        found = health.diagnosis()
        self.findings.addItems(found or [self.tr("Nothing unusual.")])

    def clear(self) -> None:
        self.health = None
        self._stale = False
        self.table.setRowCount(0)
        self.findings.clear()
        self.title.setText(self.tr("Health appears while a run trains."))
