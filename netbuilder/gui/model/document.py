"""The open network: its spec, selection, analysis and undo stack.

Views subscribe to :attr:`changed` and :attr:`selection_changed`; they never edit the spec
directly. Every edit is one :class:`SpecCommand` on the undo stack holding the spec before and
after, so undo and redo restore exactly what was there.

Big networks stay fluid because nothing is redone for what did not change: the analyzer reuses
the rows of every item whose input did not change (the same objects), and views compare the
spec and rows they show with the new ones to repaint only what differs. :meth:`item` finds an
item by path without walking the spec.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from netbuilder.core import editing
from netbuilder.core.analysis_result import Analysis
from netbuilder.core.spec import Item, NetworkSpec

ARG_EDIT_ID = 1001  # consecutive edits of one argument merge into one undo step


class SpecCommand(QUndoCommand):
    def __init__(self, document: Document, text: str, before: NetworkSpec, after: NetworkSpec,
                 selection_before: list[str], selection_after: list[str],
                 merge_key: str | None = None):
        super().__init__(text)
        self.document = document
        self.before, self.after = before, after
        self.selection_before, self.selection_after = selection_before, selection_after
        self.merge_key = merge_key
        self._applied = False  # the first redo() is the edit itself; later ones replay it

    def id(self) -> int:
        return ARG_EDIT_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpecCommand) or other.merge_key != self.merge_key:
            return False
        self.after, self.selection_after = other.after, other.selection_after
        if self.after == self.before:  # typed back to where it started: no step to undo
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        replay, self._applied = self._applied, True
        self.document._restore(self.after, self.selection_after, replay)

    def undo(self) -> None:
        self.document._restore(self.before, self.selection_before, replay=True)


class Document(QObject):
    """The network being edited. ``changed`` fires after every edit, undo and redo."""

    changed = Signal()
    selection_changed = Signal()
    edit_refused = Signal(str)  # why an edit could not be made (for the status bar)
    trained_changed = Signal()  # which layers hold trained weights

    def __init__(self, spec: NetworkSpec, parent: QObject | None = None, analyze: bool = True):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.analyzer = None  # made with the first analysis: it needs torch
        self.loss = "cross_entropy"
        self._spec = spec.copy()
        self._selection: list[str] = []
        # At start-up the first analysis can wait until torch's shape machinery has loaded
        # (about a second, see analysis.warm_up): the window paints first, shapes follow.
        self.locked = False  # while a training run uses the model
        self.replaying = False  # the last change was an undo or redo, not a new edit
        self._trained: set[str] = set()
        self.ready = analyze
        self._items: dict[str, Item] | None = None  # path -> item of the current spec
        self.analysis: Analysis = self._analyze()

    # -- reading -------------------------------------------------------------------------------

    @property
    def spec(self) -> NetworkSpec:
        """The current spec; treat as read-only (edit through :meth:`edit`)."""
        return self._spec

    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    def current(self) -> str | None:
        return self._selection[-1] if self._selection else None

    def item(self, path: str) -> Item | None:
        """The item at a dotted path of the current spec, or None: a dict lookup (views ask
        once per painted row), where ``spec.find`` walks the spec."""
        if not isinstance(path, str):  # never raise here: redo() runs inside Qt
            return None
        if self._items is None:
            self._items = {item_path: item for item_path, item, _depth
                           in editing.walk_list(self._spec.items)}
        return self._items.get(path)

    def is_trained(self, path: str) -> bool:
        """Whether the layer at ``path`` holds trained weights (without copying the set)."""
        return path in self._trained

    @property
    def trained_paths(self) -> set[str]:
        """Layers whose weights come from training (shown on their cards)."""
        return set(self._trained)

    @trained_paths.setter
    def trained_paths(self, paths: set[str]) -> None:
        self._trained = set(paths)
        self.trained_changed.emit()

    def finish_training(self) -> None:
        self.trained_changed.emit()

    # -- changing ------------------------------------------------------------------------------

    def select(self, paths: list[str]) -> None:
        valid = [p for p in paths if self.item(p) is not None]
        if valid != self._selection:
            self._selection = valid
            self.selection_changed.emit()

    def edit(self, text: str, change: Callable[[NetworkSpec], list[str] | None],
             merge_key: str | None = None) -> bool:
        """Apply ``change`` to a copy of the spec as one undoable step; False if refused."""
        if self.locked:
            self.edit_refused.emit(self.tr("The network is training: stop the run to change "
                                           "it."))
            return False
        after = self._spec.copy()
        try:
            selection = change(after)
        except editing.EditError as exc:
            self.edit_refused.emit(str(exc))
            return False
        if after == self._spec:
            return False
        # The current spec is the document's own copy, never changed in place: it can be the
        # step's "before" as it is.
        command = SpecCommand(self, text, self._spec, after, self.selection,
                              list(selection) if selection is not None else self.selection,
                              merge_key)
        self.undo_stack.push(command)  # runs redo()
        return True

    def replace(self, spec: NetworkSpec, clean: bool = True) -> None:
        """Start over with another spec (open, new): the undo history is cleared."""
        self._trained = set()
        self.undo_stack.clear()
        self._restore(spec.copy(), [])
        if clean:
            self.undo_stack.setClean()

    @Slot()
    def finish_loading(self) -> None:
        """Analyse for the first time (after a deferred start: torch has loaded)."""
        if self.ready:
            return
        self.ready = True
        self._restore(self._spec, self._selection)

    def set_loss(self, loss: str) -> None:
        self.loss = loss
        self._restore(self._spec, self._selection)

    def _restore(self, spec: NetworkSpec, selection: list[str], replay: bool = False) -> None:
        """Show ``spec`` with ``selection``. The spec is shared with the undo step that holds it
        (nothing changes a spec in place once it is shown: edits work on a copy), so no copy is
        made. The analyzer re-runs only what changed; ``selection_changed`` fires only when the
        selection did."""
        self.replaying = replay
        self._spec = spec
        self._items = None
        self.analysis = self._analyze()
        old_selection = self._selection
        self._selection = [p for p in selection if self.item(p) is not None]
        self.changed.emit()
        if self._selection != old_selection:
            self.selection_changed.emit()

    def _analyze(self) -> Analysis:
        """The spec's analysis; before torch has loaded (a deferred start) an empty one, which
        views show as layers without shapes ("…")."""
        if not self.ready:
            return Analysis((1, *self._spec.input_shape), [], [], None)
        if self.analyzer is None:
            from netbuilder.core.analysis import Analyzer

            self.analyzer = Analyzer()
        return self.analyzer.analyze(self._spec, self.loss)
