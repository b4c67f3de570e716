"""Help ▸ Getting Started, Help ▸ Keyboard Shortcuts and Help ▸ About: what a new user needs
on one page, the window's shortcuts as the action table defines them (so the list cannot go
stale), and the versions and licences."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


class GettingStarted(QDialog):
    """Build, train (F5), draw, export: the journey in a few lines, with its shortcuts."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("getting_started")
        self.setWindowTitle(self.tr("Getting Started"))
        self.resize(620, 560)
        self.text = QTextBrowser(self)
        self.text.setObjectName("getting_started_text")
        self.text.setAccessibleName(self.tr("Getting started"))
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(self.tr(
            "<h2>Getting started with netbuilder</h2>"
            "<p>A network is a stack of layers, top to bottom. The card of each layer shows the "
            "shape of what comes out of it; a red card says what does not fit.</p>"
            "<h3>1. Build</h3>"
            "<p>Drag a layer from the <b>Layers</b> palette (left) into the stack, or "
            "double-click it to add it after the selected card. Edit the selected layer in "
            "<b>Properties</b>. Delete removes, Ctrl+D duplicates, Alt+Up/Down moves, Ctrl+G "
            "groups into a block; Ctrl+Z undoes anything. File ▸ New from Template… "
            "(Ctrl+Shift+N) starts from a working network.</p>"
            "<h3>2. Train</h3>"
            "<p>Choose the dataset and settings in the <b>Training</b> panel and press "
            "<b>F5</b>. The <b>Curves</b> show the loss and accuracy live; F6 pauses, Shift+F5 "
            "stops. <b>Evaluation</b> shows what the network gets right and wrong.</p>"
            "<h3>3. Try</h3>"
            "<p>On the <b>Draw</b> panel, draw a digit with the mouse and see what the network "
            "answers; <b>Try</b> takes an image file or a row of a table.</p>"
            "<h3>4. Save and export</h3>"
            "<p>Ctrl+S saves the project with its weights. File ▸ Export writes the network as "
            "PyTorch code, its weights as a state_dict that plain PyTorch loads, a training "
            "script, or ONNX, TorchScript and torch.export programs.</p>"
            "<p>Help ▸ Keyboard Shortcuts lists every shortcut.</p>"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ShortcutsDialog(QDialog):
    """Every action with a shortcut: its menu text (without the & marks) and its keys."""

    def __init__(self, actions: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle(self.tr("Keyboard Shortcuts"))
        self.resize(520, 560)
        rows = []
        listed = list(actions.values())
        if parent is not None:  # the window's other shortcuts: going to each panel
            listed += [a for a in QWidget.actions(parent) if a not in listed]
        for action in listed:
            keys = [key.toString(QKeySequence.SequenceFormat.NativeText)
                    for key in action.shortcuts()]
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…"), ", ".join(keys)))
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (text, keys) in enumerate(sorted(rows)):
            self.table.setItem(row, 0, QTableWidgetItem(text))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def entries(self) -> dict[str, str]:
        """Action text → keys, as the table shows them."""
        return {self.table.item(r, 0).text(): self.table.item(r, 1).text()
                for r in range(self.table.rowCount())}


def about_text() -> str:
    """Versions, licences and, when some failed, the layer plugins that could not be loaded."""
    import torch
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from netbuilder import __version__
    from netbuilder.core.catalog import default_catalog
    from netbuilder.gui.network.plugin_errors import errors_html

    pitch = QApplication.translate(
        "MainWindow", "Stack layers into a torch.nn.Sequential, see the shapes that flow, and "
        "export readable PyTorch code.")
    licence = QApplication.translate(
        "MainWindow", "netbuilder is free software under the MIT License.")
    digits = QApplication.translate(
        "MainWindow", "Embedded digits: the MNIST database (LeCun, Cortes, Burges; CC BY-SA 3.0).")
    return (f"<h3>netbuilder {__version__}</h3>"
            f"<p>{pitch}</p>"
            f"<p>PyTorch {torch.__version__}<br>Qt {qVersion()} · PySide6 {pyside_version}</p>"
            f"<p>{licence}<br>{digits}</p>{errors_html(default_catalog().plugin_errors)}")


def show(page: str, window) -> None:
    """Open a help page over ``window``: "getting_started", "shortcuts" or "about"."""
    if page == "getting_started":
        GettingStarted(window).exec()
    elif page == "shortcuts":
        ShortcutsDialog(window.actions, window).exec()
    else:
        QMessageBox.about(window, QApplication.translate("MainWindow", "About netbuilder"),
                          about_text())


def welcome_hint(window) -> QLabel:
    """The first start's hint, at the right of the status bar for two minutes."""
    label = QLabel(QApplication.translate("MainWindow", "New here? Help ▸ Getting Started (F1)"),
                   window)
    label.setObjectName("welcome_hint")
    label.setToolTip(QApplication.translate(
        "MainWindow", "How to build, train (F5), try and export a network, on one page"))
    window.statusBar().addPermanentWidget(label)
    QTimer.singleShot(120_000, label.hide)
    return label
