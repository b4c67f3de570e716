"""Run history: every training run with its settings and final metrics; tick runs to overlay
their curves on the live plots."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.runs import Run
from netbuilder.gui.text import fill

INDEX_ROLE = Qt.ItemDataRole.UserRole + 5


def describe_run(run: Run) -> str:
    final = run.final
    text = run.label or run.id or "run"
    if "val_accuracy" in final:
        text += fill(QCoreApplication.translate("RunsPanel", " — val acc %1 after %2 ep."),
                     f"{final['val_accuracy']:.4f}", final.get("epochs_done", "?"))
    if final.get("stopped") == "user":
        text += QCoreApplication.translate("RunsPanel", " (stopped)")
    elif final.get("stopped") == "non_finite" or final.get("failed"):
        text += QCoreApplication.translate("RunsPanel", " (failed)")
    return text


class RunsPanel(QWidget):
    """The session's runs; removing one changes the session (and so marks it modified)."""

    overlays_changed = Signal(list)  # the runs ticked for comparison, as dicts

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setObjectName("runs_panel")
        self.session = session
        self.list = QListWidget(self)
        self.list.setObjectName("runs_list")
        self.list.setAccessibleName(self.tr("Training runs"))
        self.remove = QPushButton(self.tr("Remove selected run"), self)
        self.remove.setObjectName("remove_run")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Tick runs to compare their curves:"), self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.remove)
        self.list.itemChanged.connect(self._ticked)
        self.remove.clicked.connect(self._remove)
        session.runs_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        ticked = {self.list.item(i).data(INDEX_ROLE) for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked}
        self.list.blockSignals(True)
        self.list.clear()
        for index, run in enumerate(self.session.runs):
            item = QListWidgetItem(describe_run(run))
            item.setData(INDEX_ROLE, index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if index in ticked
                               else Qt.CheckState.Unchecked)
            item.setToolTip("\n".join(f"{k}: {v}" for k, v in run.settings.items()))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._ticked()

    def ticked_runs(self) -> list[dict]:
        runs = self.session.runs
        return [runs[self.list.item(i).data(INDEX_ROLE)].to_dict()
                for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _ticked(self, *_args) -> None:
        self.overlays_changed.emit(self.ticked_runs())

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.session.remove_run(item.data(INDEX_ROLE))
