"""The footer under the Layers palette that says which layer plugins could not be loaded.

A broken plugin only leaves its kinds out of the palette, which nobody could explain; the
catalog records why (``Catalog.plugin_errors``) and this shows it. Hidden when none failed.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.text import plural

WARNING_COLOUR = "#e0a000"  # the amber of lint warnings on the cards and in the summary


def errors_html(errors: list[str]) -> str:
    """The failed plugins as an HTML paragraph and list (Help ▸ About), or "" when none."""
    if not errors:
        return ""
    heading = plural(len(errors), QCoreApplication.translate(
        "PluginErrorsFooter", "1 layer plugin could not be loaded"),
        QCoreApplication.translate("PluginErrorsFooter", "%1 layer plugins could not be loaded"))
    items = "".join(f"<li>{escape(error)}</li>" for error in errors)
    return f"<p>{heading}</p><ul>{items}</ul>"


class PluginErrorsFooter(QWidget):
    """A one-line count with a Details button that unfolds the reasons (also its tooltip)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("plugin_errors")
        self.summary = QLabel(self)
        self.summary.setObjectName("plugin_errors_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("plugin_errors_toggle")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setText(self.tr("Details"))
        self.toggle.setAccessibleName(self.tr("Show why plugins could not be loaded"))
        self.toggle.toggled.connect(self._unfold)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("plugin_errors_details")
        self.details.setReadOnly(True)  # selectable, so a person can copy it into a bug report
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.setFixedHeight(self.fontMetrics().lineSpacing() * 7)  # the tree keeps the rest
        self.details.setAccessibleName(self.tr("Plugin errors"))
        self.details.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.summary)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        self.errors: list[str] = []
        # as tall as its contents, never more: the palette's tree keeps the rest
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    def show_errors(self, errors: list[str]) -> None:
        """Show ``errors`` (one line per plugin), or hide the footer when there are none."""
        self.errors = list(errors)
        count = len(self.errors)
        text = plural(count, self.tr("1 layer plugin could not be loaded"),
                      self.tr("%1 layer plugins could not be loaded"))
        details = "\n".join(self.errors)
        self.summary.setText(text)
        self.summary.setToolTip(details)
        self.summary.setAccessibleName(text)
        self.summary.setAccessibleDescription(details)
        self.details.setPlainText(details)
        self.setVisible(count > 0)

    @Slot(bool)
    def _unfold(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details.setVisible(shown)
