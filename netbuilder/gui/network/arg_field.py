"""One editor of the properties panel with its inline error, and the spec value it last showed.

The panel writes a value back only when it differs from ``shown``, so that the editor being
typed in is never reset under the cursor.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.catalog import Arg
from netbuilder.gui.network.arg_text import format_arg_value

ERROR_COLOUR = "#c62828"
UNSET = object()  # ``ArgField.shown`` before the first value is shown


class ArgField:
    """An editor, the red label under it, and the spec value it last showed."""

    def __init__(self, name: str, editor: QWidget, arg: Arg | None = None,
                 label: str = ""):
        self.name = name
        self.editor = editor
        self.arg = arg
        self.shown: Any = UNSET
        # Screen readers: the argument's name, its doc as the description, and the error
        # (while there is one) in front of that description.
        editor.setAccessibleName(label or name)
        self.description = " ".join(editor.toolTip().split())
        editor.setAccessibleDescription(self.description)
        self.error = QLabel()
        self.error.setObjectName(f"error_{name}")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.hide()
        self.container = QWidget()
        layout = QVBoxLayout(self.container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error)

    @property
    def invalid(self) -> bool:
        return bool(self.editor.property("invalid"))

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.editor.setAccessibleDescription(" ".join(
            part for part in (QCoreApplication.translate("ArgField", "Invalid:"), message,
                              self.description) if part))
        cls = self.editor.metaObject().className()
        self.editor.setStyleSheet(f"{cls} {{ border: 1px solid {ERROR_COLOUR}; }}")
        self.editor.setProperty("invalid", True)

    def clear_error(self) -> None:
        if not self.invalid and self.error.isHidden():
            return
        self.error.clear()
        self.error.hide()
        self.editor.setAccessibleDescription(self.description)
        self.editor.setStyleSheet("")
        self.editor.setProperty("invalid", False)

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting the editor's change signals."""
        editor = self.editor
        editor.blockSignals(True)
        try:
            if isinstance(editor, QSpinBox):
                number = value if isinstance(value, int) else editor.minimum()
                editor.setRange(min(editor.minimum(), number), max(editor.maximum(), number))
                editor.setValue(number)
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QComboBox):
                index = editor.findData(value)
                if index < 0:  # a value the catalog does not list: show it anyway
                    editor.addItem(str(value), value)
                    index = editor.count() - 1
                editor.setCurrentIndex(index)
            elif isinstance(editor, QLineEdit):
                text = format_arg_value(self.arg, value) if self.arg else str(value)
                if editor.text() != text:
                    editor.setText(text)
                    editor.setCursorPosition(0)
        finally:
            editor.blockSignals(False)
        self.shown = value
