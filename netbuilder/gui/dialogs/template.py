"""New from Template: the shipped templates with a preview of each."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
)

from netbuilder.core.resources import load_template, template_names
from netbuilder.gui.text import fill

NAME_ROLE = Qt.ItemDataRole.UserRole + 4


class TemplateDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("template_dialog")
        self.setWindowTitle(self.tr("New from Template"))
        self.resize(820, 520)
        self.list = QListWidget(self)
        self.list.setObjectName("template_list")
        self.list.setAccessibleName(self.tr("Templates"))
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setObjectName("template_preview")
        self.preview.setAccessibleName(self.tr("The template's PyTorch code"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        right.addWidget(self.description)
        right.addWidget(self.preview, 1)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)
        for name in template_names():
            item = QListWidgetItem(name)
            item.setData(NAME_ROLE, name)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        if self.list.count():
            self.list.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item else None

    def _show(self, item: QListWidgetItem | None, _previous=None) -> None:
        from netbuilder.core.analysis import analyze, format_shape
        from netbuilder.core.codegen import generate

        if item is None:
            return
        spec = load_template(item.data(NAME_ROLE))
        analysis = analyze(spec)
        self.description.setText(fill(self.tr(
            "<b>%1</b> — %2<br>%3 layers · %4 parameters · input %5 → output %6"),
            spec.class_name, spec.description, sum(1 for _ in spec.layers()),
            f"{analysis.total_params:,}", format_shape(analysis.input_shape),
            format_shape(analysis.output_shape)))
        self.preview.setPlainText(generate(spec))
