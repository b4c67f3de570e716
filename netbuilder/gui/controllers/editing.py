"""Stack-editing commands (delete, duplicate, move, group, clipboard, freeze): each one pure
``core.editing`` function pushed on the document's undo stack."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from netbuilder.core import editing
from netbuilder.gui.network.stack_view import LAYERS_MIME, insert_kinds, layers_mime
from netbuilder.gui.text import fill, plural


class EditingController(QObject):
    message = Signal(str)  # for the status bar
    freezing_changed = Signal()  # what trains changed: the parameter tree refreshes

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.document = session.document

    def insertion_point(self) -> tuple[str, int]:
        """After the current item, in its block; at the end when nothing is selected."""
        current = self.document.current()
        if not current:
            return "", len(self.document.spec.items)
        parent, _name = editing.split_path(current)
        _items, index = editing.locate(self.document.spec, current)
        return parent, index + 1

    def append_kind(self, kind: str) -> None:
        parent, index = self.insertion_point()
        insert_kinds(self.document, [kind], parent, index)

    def delete(self) -> None:
        paths = self.document.selection
        label = paths[0] if len(paths) == 1 else plural(len(paths), self.tr("1 item"),
                                                         self.tr("%1 items"))
        self.document.edit(fill(self.tr("Delete %1"), label),
                           lambda spec: editing.remove(spec, paths))

    def duplicate(self) -> None:
        paths = self.document.selection
        self.document.edit(self.tr("Duplicate"), lambda spec: editing.duplicate(
            spec, editing.in_document_order(spec, paths)))

    def shift(self, delta: int) -> None:
        paths = self.document.selection
        text = self.tr("Move Up") if delta < 0 else self.tr("Move Down")
        self.document.edit(text, lambda spec: editing.shift(spec, paths, delta))

    def group(self, kind: str = "Block") -> None:
        """Wrap the selection into a Block, a Residual (as its body) or a Parallel (as its
        first branch)."""
        paths = self.document.selection
        texts = {"Block": self.tr("Group into Block"), "Residual": self.tr("Group into Residual"),
                 "Parallel": self.tr("Group into Parallel")}
        self.document.edit(texts[kind], lambda spec: editing.group(
            spec, editing.in_document_order(spec, paths), kind=kind))

    def ungroup(self) -> None:
        current = self.document.current()
        if current:
            self.document.edit(fill(self.tr("Ungroup %1"), current),
                               lambda spec: editing.ungroup(spec, current))

    def select_all(self) -> None:
        self.document.select([path for path, _item, depth in self.document.spec.walk()
                              if depth == 0])

    def copy(self) -> None:
        if self.document.selection:
            QGuiApplication.clipboard().setMimeData(
                layers_mime(self.document, self.document.selection))
            self.message.emit(plural(len(self.document.selection), self.tr("Copied 1 item"),
                                     self.tr("Copied %1 items")))

    def cut(self) -> None:
        self.copy()
        self.delete()

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        raw = bytes(mime.data(LAYERS_MIME)).decode("utf-8") if mime.hasFormat(LAYERS_MIME) \
            else mime.text()
        try:
            items = editing.items_from_clipboard(json.loads(raw))
        except (json.JSONDecodeError, RecursionError, ValueError, editing.EditError):
            self.message.emit(self.tr("The clipboard holds no netbuilder layers."))
            return
        parent, index = self.insertion_point()
        self.document.edit(plural(len(items), self.tr("Paste 1 item"), self.tr("Paste %1 items")),
                           lambda spec: editing.insert(spec, parent, index, items))

    def freeze_module(self, path: str, frozen: bool) -> None:
        """Freezing a layer or block is part of the network: saved, undoable."""
        from netbuilder.core.parameters import apply_freeze_to_model

        paths = [path] if path else [item.name for item in self.document.spec.items]
        label = path or self.tr("the whole network")
        text = fill(self.tr("Freeze %1") if frozen else self.tr("Unfreeze %1"), label)
        if self.document.edit(text, lambda spec: editing.set_frozen(spec, paths, frozen)):
            model = self.session.model
            if model is not None:
                apply_freeze_to_model(model, path, frozen, True)
            self.freezing_changed.emit()

    def freeze_parameter(self, name: str, frozen: bool, running: bool) -> None:
        """One tensor: applies to the current weights (a layer's freezing is kept in the
        network; a single tensor's until the network is rebuilt)."""
        from netbuilder.core.parameters import apply_freeze_to_model

        if running:
            self.message.emit(self.tr("Stop the run to change what trains."))
        elif self.session.model is not None:
            apply_freeze_to_model(self.session.model, name, frozen, False)
        self.freezing_changed.emit()
