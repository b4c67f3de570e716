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

INDEX_ROLE = Qt.ItemDataRole.UserRole + 5


def describe_run(run: dict) -> str:
    final = run.get("final", {})
    text = run.get("label", run.get("id", "run"))
    if "val_accuracy" in final:
        text += QCoreApplication.translate("RunsPanel", " — val acc %1 after %2 ep.").replace(
            "%1", f"{final['val_accuracy']:.4f}").replace(
            "%2", str(final.get("epochs_done", "?")))
    if final.get("stopped") == "user":
        text += QCoreApplication.translate("RunsPanel", " (stopped)")
    elif final.get("stopped") == "non_finite" or final.get("failed"):
        text += QCoreApplication.translate("RunsPanel", " (failed)")
    return text


class RunsPanel(QWidget):
    overlays_changed = Signal(list)  # the runs (dicts) ticked for comparison

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.setObjectName("runs_panel")
        self.controller = controller
        self.list = QListWidget(self)
        self.list.setObjectName("runs_list")
        self.remove = QPushButton(self.tr("Remove selected run"), self)
        self.remove.setObjectName("remove_run")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Tick runs to compare their curves:"), self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.remove)
        self.list.itemChanged.connect(self._ticked)
        self.remove.clicked.connect(self._remove)
        controller.runs_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        ticked = {self.list.item(i).data(INDEX_ROLE) for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked}
        self.list.blockSignals(True)
        self.list.clear()
        for index, run in enumerate(self.controller.runs):
            item = QListWidgetItem(describe_run(run))
            item.setData(INDEX_ROLE, index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if index in ticked
                               else Qt.CheckState.Unchecked)
            settings = run.get("settings", {})
            item.setToolTip("\n".join(f"{k}: {v}" for k, v in settings.items()))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._ticked()

    def ticked_runs(self) -> list[dict]:
        runs = self.controller.runs
        return [runs[self.list.item(i).data(INDEX_ROLE)] for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _ticked(self, *_args) -> None:
        self.overlays_changed.emit(self.ticked_runs())

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        del self.controller.runs[item.data(INDEX_ROLE)]
        self.controller.runs_changed.emit()
