"""The layer palette: every catalog kind by category, a filter box, a tooltip per kind.

Drag a kind onto the stack, or double-click / press Enter to append it after the selection.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QT_TRANSLATE_NOOP, QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.catalog import CONTAINER_DOCS, PARALLEL, RESIDUAL, default_catalog
from netbuilder.core.layer_text import CATEGORY_COLOURS
from netbuilder.gui.network.plugin_errors import PluginErrorsFooter
from netbuilder.gui.network.stack_view import KINDS_MIME

KIND_ROLE = Qt.ItemDataRole.UserRole + 2
# The catalog's categories, for pyside6-lupdate: the palette shows them through self.tr (layer
# kinds keep their torch.nn names).
CATEGORY_NAMES = (
    QT_TRANSLATE_NOOP("Palette", "Linear"), QT_TRANSLATE_NOOP("Palette", "Convolution"),
    QT_TRANSLATE_NOOP("Palette", "Pooling"), QT_TRANSLATE_NOOP("Palette", "Normalization"),
    QT_TRANSLATE_NOOP("Palette", "Dropout"), QT_TRANSLATE_NOOP("Palette", "Activation"),
    QT_TRANSLATE_NOOP("Palette", "Shape"), QT_TRANSLATE_NOOP("Palette", "Recurrent"),
    QT_TRANSLATE_NOOP("Palette", "Containers"), QT_TRANSLATE_NOOP("Palette", "Custom"),
)


class KindTree(QTreeWidget):
    activated_kind = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.itemDoubleClicked.connect(self._double_clicked)

    def mimeTypes(self) -> list[str]:
        return [KINDS_MIME]

    def mimeData(self, items) -> QMimeData:
        return kinds_mime([i.data(0, KIND_ROLE) for i in items if i.data(0, KIND_ROLE)])

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.activated_kind.emit(kind)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            item = self.currentItem()
            if item is not None and item.data(0, KIND_ROLE):
                self.activated_kind.emit(item.data(0, KIND_ROLE))
                return
        super().keyPressEvent(event)


def kinds_mime(kinds: list[str]) -> QMimeData:
    mime = QMimeData()
    mime.setData(KINDS_MIME, json.dumps({"kinds": kinds}).encode("utf-8"))
    return mime


class Palette(QWidget):
    """Emits ``kind_chosen`` on double-click or Enter; drags carry the kinds."""

    kind_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("palette")
        self.filter = QLineEdit(self)
        self.filter.setObjectName("palette_filter")
        self.filter.setAccessibleName(self.tr("Filter layers"))
        self.filter.setPlaceholderText(self.tr("Filter layers…"))
        self.filter.setClearButtonEnabled(True)
        self.tree = KindTree(self)
        self.tree.setObjectName("palette_tree")
        self.tree.setAccessibleName(self.tr("Layer kinds"))
        self.tree.setAccessibleDescription(self.tr(
            "Enter or Space adds the chosen kind after the selected card; Enter in the filter "
            "adds the first kind shown."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.plugin_errors = PluginErrorsFooter(self)  # hidden unless a plugin failed to load
        layout.addWidget(self.plugin_errors)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.returnPressed.connect(self._choose_first_visible)
        self.tree.activated_kind.connect(self.kind_chosen)

    def reload(self) -> None:
        """Show the catalog again if its kinds changed (custom layers were imported)."""
        if default_catalog().revision != self._revision:
            self.tree.clear()
            self._items.clear()
            self._populate()
            self.apply_filter(self.filter.text())

    def _populate(self) -> None:
        self._revision = default_catalog().revision
        for category, kinds in default_catalog().categories().items():
            group = QTreeWidgetItem(self.tree, [self.tr(category)])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(0, QBrush(CATEGORY_COLOURS.get(category, "#888888")))
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for kind in kinds:
                item = QTreeWidgetItem(group, [kind.name])
                item.setData(0, KIND_ROLE, kind.name)
                item.setToolTip(0, kind.tooltip())
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self._items[kind.name] = item
        self._add_containers()
        self.tree.expandAll()
        self.plugin_errors.show_errors(default_catalog().plugin_errors)

    def item(self, kind: str) -> QTreeWidgetItem:
        return self._items[kind]

    def _add_containers(self) -> None:
        """Residual and Parallel sit beside Block: containers, not catalog layer kinds."""
        groups = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        group = next((g for g in groups if g.text(0) == self.tr("Containers")), None)
        if group is None:
            return
        for kind in (RESIDUAL, PARALLEL):
            if kind in self._items:
                continue
            item = QTreeWidgetItem(group, [kind])
            item.setData(0, KIND_ROLE, kind)
            item.setToolTip(0, f"<b>{kind}</b><br>{CONTAINER_DOCS[kind]}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            self._items[kind] = item

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            visible = 0
            for child_index in range(group.childCount()):
                child = group.child(child_index)
                name = child.data(0, KIND_ROLE)
                kind = default_catalog().get(name)
                category = kind.category if kind is not None else "Containers"
                doc = kind.doc if kind is not None else CONTAINER_DOCS.get(name, "")
                haystack = f"{name} {category} {doc}".lower()
                if group.text(0) != category:  # the category in the language shown
                    haystack += f" {group.text(0).lower()}"
                show = not needle or needle in haystack
                child.setHidden(not show)
                visible += show
            group.setHidden(visible == 0)

    def visible_kinds(self) -> list[str]:
        return [name for name, item in self._items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def _choose_first_visible(self) -> None:
        visible = self.visible_kinds()
        if visible:
            self.kind_chosen.emit(visible[0])
