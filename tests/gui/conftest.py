"""GUI test set-up: settings and recovery files in a temporary folder, never the user's."""

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("NETBUILDER_CONFIG_DIR", str(folder))
    return folder


def record_message_boxes(monkeypatch, question_answer) -> list:
    """Message boxes answered at once: (kind, title, text) of each warning and question shown;
    warnings answer OK, questions ``question_answer``."""
    messages = []

    def record(kind, answer):
        def box(parent, title, text, *args, **kwargs):
            messages.append((kind, title, text))
            return answer
        return box

    monkeypatch.setattr(QMessageBox, "warning", record("warning", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", record("question", question_answer))
    return messages
