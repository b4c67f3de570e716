"""The stack: the network as a column of layer cards, containers as collapsible groups.

The view mirrors the document (rebuilt after each change, keeping what is collapsed and
selected) and turns drops into undoable edits: layers dragged from the palette are inserted,
cards dragged within the stack are moved (also into and out of blocks). A residual's body and
shortcut and a parallel's branches are labelled rows of their own ("stack rows", not
selectable) holding their layers, so a drop onto or under one goes into that stack.
"""

from __future__ import annotations

import json

from PySide6.QtCore import (
    QCoreApplication,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView

from netbuilder.core import editing
from netbuilder.core.spec import CONTAINERS, BlockSpec, Item, LayerSpec, stacks_of, walk_items
from netbuilder.gui.network.cards import (
    BLOCK_HEIGHT,
    CARD_HEIGHT,
    FLOW_HEIGHT,
    PATH_ROLE,
    STACK_HEIGHT,
    STACK_ROLE,
    CardDelegate,
    card_accessible_text,
    card_tooltip,
    category_colour,
    stack_accessible_text,
    stack_label,
)
from netbuilder.gui.text import fill, plural

LAYERS_MIME = "application/x-netbuilder-layers"  # {"format": "netbuilder.layers", ...}
KINDS_MIME = "application/x-netbuilder-kinds"  # palette drags: {"kinds": ["Linear", ...]}


class StackModel(QStandardItemModel):
    """Rows are the spec's items (containers have children); PATH_ROLE holds the dotted path.

    :meth:`sync` follows the document by difference: in each stack the items kept at the start
    and the end (by name) keep their rows, refreshed only where the item or its analysis row
    changed; the rows between are removed and the new items' rows inserted. So an edit, undo or
    redo of one layer touches one card, whatever the size of the network. ``made`` and
    ``refreshed`` count the cards of the last sync (for tests and benchmarks).
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._rows: dict[str, QStandardItem] = {}  # path -> row, items' and stacks'
        self._spec = None  # the spec and analysis the rows show
        self._analysis = None
        self.made = 0
        self.refreshed = 0
        self.inserted: list[QStandardItem] = []  # rows the last sync added (to be expanded)

    def rebuild(self) -> None:
        """Make every row afresh."""
        self.clear()
        self._rows = {}
        self.made = self.refreshed = 0
        self._spec, self._analysis = self.document.spec, self.document.analysis
        self.inserted = [self._make(item, "") for item in self._spec.items]
        self.invisibleRootItem().appendRows(self.inserted)

    def sync(self) -> None:
        """Follow the document, changing only the rows of items that differ (see the class)."""
        if self._spec is None:
            self.rebuild()
            return
        old_spec, old_analysis = self._spec, self._analysis
        self._spec, self._analysis = self.document.spec, self.document.analysis
        self.made = self.refreshed = 0
        self.inserted = []
        self._sync_stack(self.invisibleRootItem(), old_spec.items, self._spec.items, "",
                         old_analysis)

    def _sync_stack(self, parent: QStandardItem, old: list[Item], new: list[Item], prefix: str,
                    old_analysis) -> None:
        size = min(len(old), len(new))
        head = 0
        while head < size and old[head].name == new[head].name:
            head += 1
        tail = 0
        while tail < size - head and old[-1 - tail].name == new[-1 - tail].name:
            tail += 1
        removed = len(old) - head - tail
        for item in old[head:head + removed]:
            self._forget(item, prefix)
        if removed:
            parent.removeRows(head, removed)
        added = [self._make(item, prefix) for item in new[head:len(new) - tail]]
        if added:
            parent.insertRows(head, added)
            self.inserted += added
        shift = len(new) - len(old)
        new_row, old_row = self._analysis.row, old_analysis.row
        for index in (*range(head), *range(len(old) - tail, len(old))):
            before, after = old[index], new[index + shift if index >= head else index]
            if type(after) is LayerSpec and type(before) is LayerSpec:
                info = new_row(prefix + after.name)
                if info is not None and info is old_row(prefix + after.name):
                    continue  # the analyzer handed out the same row: same layer, same shapes
            self._sync_item(parent, index + shift if index >= head else index, before, after,
                            prefix, old_analysis)

    def _sync_item(self, parent: QStandardItem, index: int, old: Item, new: Item, prefix: str,
                   old_analysis) -> None:
        path = prefix + new.name
        info = self._analysis.row(path)
        row = parent.child(index)
        if type(old) is not type(new) or len(stacks_of(old, path)) != len(stacks_of(new, path)):
            self._forget(old, prefix)  # another kind of container, or branches added: anew
            parent.removeRow(index)
            made = self._make(new, prefix)
            parent.insertRow(index, made)
            self.inserted.append(made)
            return
        if info is not old_analysis.row(path) or old != new:
            self._describe(row, new, info)
            self.refreshed += 1
        if isinstance(new, BlockSpec):
            self._sync_stack(row, old.items, new.items, path + ".", old_analysis)
            return
        for number, ((stack_path, before), (_path, after)) in enumerate(
                zip(stacks_of(old, path), stacks_of(new, path), strict=True)):
            stack_row = row.child(number)
            self._describe_stack(stack_row, new, stack_path)
            self._sync_stack(stack_row, before, after, stack_path + ".", old_analysis)

    def _make(self, item: Item, prefix: str) -> QStandardItem:
        """The row of an item, with the rows of everything inside it."""
        path = prefix + item.name
        row = QStandardItem()
        row.setData(path, PATH_ROLE)
        row.setData(path, Qt.ItemDataRole.DisplayRole)
        height = BLOCK_HEIGHT if isinstance(item, CONTAINERS) else CARD_HEIGHT
        row.setData(QSize(240, height + FLOW_HEIGHT), Qt.ItemDataRole.SizeHintRole)
        flags = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                 | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsEditable)
        if isinstance(item, CONTAINERS):
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        row.setFlags(flags)
        self._describe(row, item, self._analysis.row(path))
        self._rows[path] = row
        self.made += 1
        if isinstance(item, BlockSpec):
            row.appendRows([self._make(inner, path + ".") for inner in item.items])
        elif isinstance(item, CONTAINERS):
            for stack_path, stack_items in stacks_of(item, path):
                stack_row = QStandardItem()
                stack_row.setData(stack_path, PATH_ROLE)
                stack_row.setData(stack_path[len(path) + 1:], STACK_ROLE)
                stack_row.setData(QSize(240, STACK_HEIGHT), Qt.ItemDataRole.SizeHintRole)
                stack_row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled)
                self._describe_stack(stack_row, item, stack_path)
                self._rows[stack_path] = stack_row
                row.appendRow(stack_row)
                stack_row.appendRows([self._make(inner, stack_path + ".")
                                      for inner in stack_items])
        return row

    def _describe(self, row: QStandardItem, item: Item, info) -> None:
        """What a card says besides its painting: tooltip and screen-reader texts."""
        row.setToolTip(card_tooltip(item, info))
        name, description = card_accessible_text(item, info)
        row.setData(name, Qt.ItemDataRole.AccessibleTextRole)
        row.setData(description, Qt.ItemDataRole.AccessibleDescriptionRole)

    def _describe_stack(self, row: QStandardItem, owner: Item, stack_path: str) -> None:
        stack = row.data(STACK_ROLE)
        label = stack_label(owner, stack)
        shape = self._analysis.stack_shapes.get(stack_path, (None, None))[1]
        text = stack_accessible_text(owner, stack, shape)
        if row.data(Qt.ItemDataRole.DisplayRole) != label:
            row.setData(label, Qt.ItemDataRole.DisplayRole)
        if row.data(Qt.ItemDataRole.AccessibleTextRole) != text:
            row.setData(text, Qt.ItemDataRole.AccessibleTextRole)

    def _forget(self, item: Item, prefix: str) -> None:
        """Drop the paths of a removed item's rows (its stacks' too)."""
        for path, inner, _depth in walk_items([item], prefix):
            self._rows.pop(path, None)
            for stack_path, _items in stacks_of(inner, path):
                self._rows.pop(stack_path, None)

    def index_of(self, path: str) -> QModelIndex:
        """The row of an item or stack path ('res1.body.conv' lies under 'res1', then its
        stack row 'res1.body')."""
        row = self._rows.get(path)
        return row.index() if row is not None else QModelIndex()

    def mimeTypes(self) -> list[str]:
        return [LAYERS_MIME, KINDS_MIME]

    def mimeData(self, indexes) -> QMimeData:
        paths = [i.data(PATH_ROLE) for i in indexes
                 if i.data(PATH_ROLE) and not i.data(STACK_ROLE)]
        return layers_mime(self.document, paths)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction


def layers_mime(document, paths: list[str]) -> QMimeData:
    """Selected items as JSON (for drags and the clipboard), with where they came from."""
    data = editing.items_to_clipboard(document.spec, paths)
    data["paths"] = editing.in_document_order(document.spec, paths)
    data["document"] = id(document)
    mime = QMimeData()
    text = json.dumps(data)
    mime.setData(LAYERS_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


class StackView(QTreeView):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("stack_view")
        self.setAccessibleName(self.tr("Network stack"))
        self.setAccessibleDescription(self.tr(
            "The layers of the network, top to bottom. Add layers from the Layers panel "
            "(Ctrl+1, then Enter). F2 renames, Delete removes, Alt+Up and Alt+Down move, "
            "Ctrl+Z undoes."))
        self.document = document
        self.stack_model = StackModel(document, self)
        self.setModel(self.stack_model)
        self.setItemDelegate(CardDelegate(document, self))
        self.setHeaderHidden(True)
        self.setIndentation(22)
        self.setRootIsDecorated(True)
        self.setAnimated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)  # we paint our own line where the drop goes
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.collapsed_paths: set[str] = set()
        self._syncing = False
        self._drop_line: tuple[int, int, int] | None = None  # y, x0, x1
        self.collapsed.connect(lambda i: self.collapsed_paths.add(i.data(PATH_ROLE)))
        self.expanded.connect(lambda i: self.collapsed_paths.discard(i.data(PATH_ROLE)))
        self.selectionModel().selectionChanged.connect(self._selection_from_view)
        document.changed.connect(self.refresh)
        document.selection_changed.connect(self.show_selection)
        document.trained_changed.connect(self.viewport().update)
        self.refresh()

    # -- mirror the document --------------------------------------------------------------------

    def refresh(self) -> None:
        """Follow the document: only the cards of what changed are made or refreshed."""
        self._syncing = True
        try:
            self.stack_model.sync()
            for row in self.stack_model.inserted:
                self._expand(row.index())
            self.executeDelayedItemsLayout()  # now, so that one paint shows the change
        finally:
            self._syncing = False
        self.show_selection()

    def rebuild(self) -> None:
        """Make every card afresh (the document is followed by :meth:`refresh`)."""
        self.stack_model.rebuild()
        self.refresh()

    def _expand(self, index: QModelIndex) -> None:
        """Expand a new container row (unless it was collapsed) and those inside it."""
        path = index.data(PATH_ROLE)
        if not (self.stack_model.hasChildren(index)
                or isinstance(self.document.item(path), CONTAINERS)):
            return
        self.setExpanded(index, path not in self.collapsed_paths)
        for row in range(self.stack_model.rowCount(index)):
            self._expand(self.stack_model.index(row, 0, index))

    def show_selection(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            selection = QItemSelection()
            current = QModelIndex()
            for path in self.document.selection:
                index = self.stack_model.index_of(path)
                if index.isValid():
                    selection.select(index, index)
                    current = index
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self.selectionModel().select(selection, flags)
            if current.isValid():
                self.selectionModel().setCurrentIndex(
                    current, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.scrollTo(current)
        finally:
            self._syncing = False

    def _selection_from_view(self, *_args) -> None:
        if self._syncing:
            return
        indexes = [i for i in self.selectionModel().selectedIndexes() if not i.data(STACK_ROLE)]
        paths = editing.in_document_order(self.document.spec,
                                          [i.data(PATH_ROLE) for i in indexes])
        current = self.currentIndex().data(PATH_ROLE)
        if current in paths:  # the current card last: the properties panel shows it
            paths.remove(current)
            paths.append(current)
        self._syncing = True
        try:
            self.document.select(paths)
        finally:
            self._syncing = False

    def rename_current(self) -> None:
        index = self.stack_model.index_of(self.document.current() or "")
        if index.isValid():
            self.setCurrentIndex(index)
            self.edit(index)

    # -- drops ----------------------------------------------------------------------------------

    def drop_target(self, pos: QPoint) -> tuple[str, int, int]:
        """Where a drop at ``pos`` goes: (parent stack path or '', index, y of the line).

        A block's stack is the block itself; a residual's or parallel's are its stack rows
        ('res1.body', 'mix.branches.1'): onto one of those, the drop goes into that stack."""
        index = self.indexAt(pos)
        spec = self.document.spec
        if not index.isValid():
            last = self.stack_model.rowCount() - 1
            y = self.visualRect(self._last_visible()).bottom() if last >= 0 else 0
            return "", len(spec.items), y
        path = index.data(PATH_ROLE)
        rect = self.visualRect(index)
        if index.data(STACK_ROLE):  # a residual's or parallel's stack: first in it
            return path, 0, rect.bottom()
        parent, _name = editing.split_path(path)
        items, position = editing.locate(spec, path)
        item = items[position]
        offset = pos.y() - rect.top()
        inner = stacks_of(item, path)
        if isinstance(item, CONTAINERS) and rect.height() * 0.3 < offset:
            stack_path, stack_items = inner[0]
            if isinstance(item, BlockSpec) and self.isExpanded(index) and stack_items:
                return stack_path, 0, rect.bottom()  # onto the header: first in the block
            return stack_path, len(stack_items), rect.bottom()
        if offset < rect.height() / 2:
            return parent, position, rect.top()
        if isinstance(item, BlockSpec) and self.isExpanded(index) and item.items:
            return path, 0, rect.bottom()
        return parent, position + 1, rect.bottom()

    def _last_visible(self) -> QModelIndex:
        index = self.stack_model.index(self.stack_model.rowCount() - 1, 0)
        while self.isExpanded(index) and self.stack_model.rowCount(index):
            index = self.stack_model.index(self.stack_model.rowCount(index) - 1, 0, index)
        return index

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYERS_MIME) or mime.hasFormat(KINDS_MIME)

    def dragEnterEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if not self._accepts(event.mimeData()):
            event.ignore()
            return
        pos = event.position().toPoint()
        parent, _index, y = self.drop_target(pos)
        depth = self._depth(self.stack_model.index_of(parent)) + 1 if parent else 0
        self._drop_line = (y, depth * self.indentation() + 4, self.viewport().width() - 8)
        self.viewport().update()
        own = self._own_drag(event.mimeData())
        event.setDropAction(Qt.DropAction.MoveAction if own else Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event) -> None:
        self._drop_line = None
        self.viewport().update()
        super().dragLeaveEvent(event)

    def _own_drag(self, mime: QMimeData) -> bool:
        if not mime.hasFormat(LAYERS_MIME):
            return False
        data = json.loads(bytes(mime.data(LAYERS_MIME)).decode("utf-8"))
        return data.get("document") == id(self.document)

    def dropEvent(self, event) -> None:
        self._drop_line = None
        self.viewport().update()
        mime = event.mimeData()
        if not self._accepts(mime):
            event.ignore()
            return
        parent, index, _y = self.drop_target(event.position().toPoint())
        handled = drop_into(self.document, mime, parent, index)
        # Copy, never Move: the document has already rearranged itself, so Qt must not
        # remove the dragged rows afterwards.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept() if handled else event.ignore()

    def _depth(self, index: QModelIndex) -> int:
        depth = 0
        while index.isValid() and index.parent().isValid():
            index = index.parent()
            depth += 1
        return depth

    def drawBranches(self, painter: QPainter, rect, index: QModelIndex) -> None:
        """Containers as frames: a bar in the container's colour beside everything inside it,
        and an arrow on the container itself (no selection colour here)."""
        painter.save()
        painter.fillRect(rect, self.palette().base())
        path = index.data(PATH_ROLE) or ""
        step = self.indentation()
        depth = 0
        ancestor = index.parent()
        while ancestor.isValid():  # one bar per enclosing row, in its container's colour
            depth += 1
            ancestor = ancestor.parent()
        ancestor, level = index.parent(), depth - 1
        while ancestor.isValid():
            owner = self.document.item(ancestor.data(PATH_ROLE) or "")
            bar = category_colour(owner.kind if owner is not None else "Block")
            x = rect.left() + level * step + step // 2
            painter.fillRect(x - 2, rect.top(), 4, rect.height(), bar)
            ancestor, level = ancestor.parent(), level - 1
        item = None if index.data(STACK_ROLE) else self.document.item(path)
        if isinstance(item, CONTAINERS) or index.data(STACK_ROLE):
            x = rect.left() + depth * step + step // 2
            y = rect.top() + (BLOCK_HEIGHT if item is not None else rect.height()) // 2
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().text())
            if self.stack_model.hasChildren(index) or item is not None:
                if self.isExpanded(index):
                    points = [QPoint(x - 5, y - 3), QPoint(x + 5, y - 3), QPoint(x, y + 4)]
                else:
                    points = [QPoint(x - 3, y - 5), QPoint(x - 3, y + 5), QPoint(x + 4, y)]
                painter.drawPolygon(points)
            if item is not None and self.isExpanded(index) and self.stack_model.hasChildren(
                    index):
                bar = category_colour(item.kind)
                painter.fillRect(x - 2, y + 8, 4, rect.bottom() - y - 7, bar)
        painter.restore()

    def hint_text(self) -> str:
        """What the empty stack says, or "" when it holds layers."""
        if self.stack_model.rowCount() > 0:
            return ""
        return self.tr("Drag layers here from the palette, or double-click one")

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        hint = self.hint_text()
        if hint:  # an empty network: say how to start instead of showing nothing
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), hint)
            painter.end()
        if self._drop_line is not None:
            y, x0, x1 = self._drop_line
            painter = QPainter(self.viewport())
            painter.setPen(QPen(QColor("#1e88e5"), 3))
            painter.drawLine(x0, y, x1, y)
            painter.end()


def drop_into(document, mime: QMimeData, parent: str, index: int, tr=None) -> bool:
    """Insert palette kinds or move/insert layers at (parent, index); one undoable step.

    ``tr`` is no longer used (the texts are translated in the StackView context); it is
    accepted so that older callers keep working."""
    if mime.hasFormat(KINDS_MIME):
        kinds = json.loads(bytes(mime.data(KINDS_MIME)).decode("utf-8")).get("kinds", [])
        return insert_kinds(document, kinds, parent, index)
    data = json.loads(bytes(mime.data(LAYERS_MIME)).decode("utf-8"))
    if data.get("document") == id(document) and data.get("paths"):
        paths = data["paths"]
        label = paths[0] if len(paths) == 1 else plural(
            len(paths), QCoreApplication.translate("StackView", "1 layer"),
            QCoreApplication.translate("StackView", "%1 layers"))
        return document.edit(
            fill(QCoreApplication.translate("StackView", "Move %1"), label),
            lambda spec: editing.move(spec, paths, parent, index))
    try:
        items = editing.items_from_clipboard(data)
    except editing.EditError as exc:
        document.edit_refused.emit(str(exc))
        return False
    return document.edit(plural(len(items),
                                QCoreApplication.translate("StackView", "Insert 1 layer"),
                                QCoreApplication.translate("StackView", "Insert %1 layers")),
                         lambda spec: editing.insert(spec, parent, index, items))


def input_shape_at(document, parent: str, index: int):
    """The shape a layer inserted at (parent, index) would receive."""
    siblings = editing.children(document.spec, parent)
    analysis = document.analysis
    prefix = f"{parent}." if parent else ""
    if index > 0:
        row = analysis.row(prefix + siblings[index - 1].name)
        return row.output_shape if row else None
    if parent:  # first in a stack: what enters it (a block's, a body's, a branch's input)
        shapes = analysis.stack_shapes.get(parent)
        if shapes is not None:
            return shapes[0]
        row = analysis.row(parent)
        return row.input_shape if row else None
    return analysis.input_shape


def insert_kinds(document, kinds: list[str], parent: str, index: int, tr=None) -> bool:
    """New layers of these kinds, their inputs fitted to the shape arriving there.

    ``tr`` is no longer used (the text is translated in the StackView context)."""
    def change(spec):
        shape = input_shape_at(document, parent, index)
        placed: list[str] = []
        for offset, kind in enumerate(kinds):
            layer = editing.new_layer(spec, kind, shape)
            placed += editing.insert(spec, parent, index + offset, [layer])
            shape = None  # later ones follow layers not analysed yet
        return placed

    if not kinds:
        return False
    return document.edit(
        fill(QCoreApplication.translate("StackView", "Insert %1"), ", ".join(kinds)),
        change)
