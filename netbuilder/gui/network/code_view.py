"""The generated PyTorch source, live: read-only, copyable, in either style."""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QGuiApplication, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.codegen import CLASS, SEQUENTIAL, generate
from netbuilder.gui.text import fill


class PythonHighlighter(QSyntaxHighlighter):
    RULES = [
        (r"\b(" + "|".join(keyword.kwlist) + r")\b", "#8959a8"),
        (r"\bnn\.\w+", "#3e999f"),
        (r"\b\d+(\.\d+)?(e-?\d+)?\b", "#f5871f"),
        (r"\"[^\"]*\"|'[^']*'", "#718c00"),
        (r"#[^\n]*", "#8e908c"),
    ]

    def __init__(self, document):
        super().__init__(document)
        self._rules = []
        for pattern, colour in self.RULES:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            self._rules.append((re.compile(pattern), fmt))

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self._rules:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), fmt)


class CodeView(QWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("code_view")
        self.document = document
        self.style_box = QComboBox(self)
        self.style_box.setObjectName("code_style")
        self.style_box.setAccessibleName(self.tr("Code style"))
        self.style_box.addItem(self.tr("nn.Module class"), CLASS)
        self.style_box.addItem(self.tr("nn.Sequential"), SEQUENTIAL)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setObjectName("copy_code")
        self.status = QLabel(self)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("code_editor")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(font)
        self.highlighter = PythonHighlighter(self.editor.document())
        top = QHBoxLayout()
        top.addWidget(self.style_box)
        top.addWidget(self.status, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.editor)
        self._timer = QTimer(self)  # regenerate after edits settle, off the typing path
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh)
        document.changed.connect(self._timer.start)
        self.style_box.currentIndexChanged.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy)
        if document.ready:
            self.refresh()
        else:  # code comments carry shapes: write it once they are known
            self.editor.setPlainText(self.tr("# computing…"))

    def source(self) -> str:
        return generate(self.document.spec, self.style_box.currentData())

    def refresh(self) -> None:
        try:
            text = self.source()
        except ValueError as exc:  # SpecError, or a value codegen refuses to write
            self.status.setText(fill(self.tr("The network has problems: %1"), exc))
            return
        if not self.document.analysis.ok:
            self.status.setText(self.tr("Shapes do not fit yet; the code is written anyway."))
        else:
            self.status.setText("")
        if text != self.editor.toPlainText():
            scroll = self.editor.verticalScrollBar().value()
            self.editor.setPlainText(text)
            self.editor.verticalScrollBar().setValue(scroll)

    def copy(self) -> None:
        self.refresh()
        QGuiApplication.clipboard().setText(self.editor.toPlainText())
