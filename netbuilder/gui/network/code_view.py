"""The generated PyTorch source, live: read-only, copyable, in either style.

Writing the source walks the whole network, so it follows edits once they settle (a single-shot
timer whose pause grows with the time a regeneration takes), not at all while the view is hidden
in a shown window, and only the lines that changed are replaced, so the highlighter colours
those lines alone.
"""

from __future__ import annotations

import keyword
import re
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
)
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

SETTLE_MS = 120  # the shortest pause after an edit before the code is written again
MAX_SETTLE_MS = 1000


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
        self.editor.setUndoRedoEnabled(False)  # replaced lines would pile up in its history
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
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = False
        document.changed.connect(self._document_changed)
        self.style_box.currentIndexChanged.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy)
        if document.ready:
            self.refresh()
        else:  # code comments carry shapes: write it once they are known
            self.editor.setPlainText(self.tr("# computing…"))

    def source(self) -> str:
        return generate(self.document.spec, self.style_box.currentData())

    def _document_changed(self) -> None:
        self._stale = True
        if not (self.window().isVisible() and not self.isVisible()):
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start()

    def refresh(self) -> None:
        """Write the source now (once torch has loaded: its comments carry the shapes)."""
        self._timer.stop()
        if not self.document.ready:
            self._stale = True
            return
        self._stale = False
        started = time.perf_counter()
        try:
            text = self.source()
        except ValueError as exc:  # SpecError, or a value codegen refuses to write
            self.status.setText(fill(self.tr("The network has problems: %1"), exc))
            return
        if not self.document.analysis.ok:
            self.status.setText(self.tr("Shapes do not fit yet; the code is written anyway."))
        else:
            self.status.setText("")
        scroll = self.editor.verticalScrollBar().value()
        if replace_changed_lines(self.editor, text):
            self.editor.verticalScrollBar().setValue(scroll)
        # A big network's code takes long to write: wait longer for edits to settle, so that
        # writing it takes at most about a quarter of the time while someone keeps editing.
        spent = (time.perf_counter() - started) * 1e3
        self._timer.setInterval(int(min(MAX_SETTLE_MS, max(SETTLE_MS, 3 * spent))))

    def copy(self) -> None:
        self.refresh()
        QGuiApplication.clipboard().setText(self.editor.toPlainText())


def _utf16(text: str) -> int:
    """Qt's positions count UTF-16 code units, Python's code points."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def replace_changed_lines(editor: QPlainTextEdit, text: str) -> bool:
    """Make ``editor`` show ``text`` by replacing only the lines between the lines both texts
    start and end with. False when it shows ``text`` already."""
    old = editor.toPlainText()
    if old == text:
        return False
    old_lines, new_lines = old.split("\n"), text.split("\n")
    size = min(len(old_lines), len(new_lines))
    head = 0
    while head < size and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < size - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    start = min(sum(len(line) + 1 for line in old_lines[:head]), len(old), len(text))
    end = min(sum(len(line) + 1 for line in old_lines[len(old_lines) - tail:]),
              len(old) - start, len(text) - start)
    cursor = QTextCursor(editor.document())
    cursor.beginEditBlock()
    cursor.setPosition(_utf16(old[:start]))
    cursor.setPosition(_utf16(old[:len(old) - end]), QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(text[start:len(text) - end])
    cursor.endEditBlock()
    return True
