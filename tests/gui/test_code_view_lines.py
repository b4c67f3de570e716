"""The code view replaces only the lines that changed, and always ends up showing the new
source exactly (non-ASCII text included: Qt counts positions in UTF-16)."""

from __future__ import annotations

import random

import pytest
from PySide6.QtWidgets import QPlainTextEdit

from netbuilder.gui.network.code_view import replace_changed_lines

LINES = ["import torch", "", "class Net(nn.Module):", "    # 形状 [N, 64] 🙂", "    pass",
         "x = 1", "y = 2", "😀😀", ""]


@pytest.fixture
def editor(qtbot):
    editor = QPlainTextEdit()
    editor.setUndoRedoEnabled(False)
    qtbot.addWidget(editor)
    return editor


def test_any_text_becomes_any_other(editor):
    rng = random.Random(19)
    for _round in range(300):
        text = "\n".join(rng.choice(LINES) for _ in range(rng.randrange(0, 9)))
        replace_changed_lines(editor, text)
        assert editor.toPlainText() == text


def test_one_changed_line_is_the_only_change(editor):
    lines = [f"line {i}" for i in range(1000)]
    editor.setPlainText("\n".join(lines))
    changes = []
    editor.document().contentsChange.connect(lambda at, removed, added: changes.append(
        (at, removed, added)))
    lines[500] = "line 500 changed"
    assert replace_changed_lines(editor, "\n".join(lines))
    assert editor.toPlainText() == "\n".join(lines)
    assert len(changes) == 1
    assert changes[0][1] < 20  # the one line, not the whole text
    assert not replace_changed_lines(editor, "\n".join(lines))  # the same text: nothing to do
