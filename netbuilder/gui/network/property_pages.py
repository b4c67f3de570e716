"""Built layer pages of the properties panel, kept by kind.

Building a layer's page makes a score of widgets (about ten milliseconds); selecting another
layer of a kind shown recently shows its kept page again with the new values, so the panel
follows a click at once however big the network. Pages are kept without a parent (so a search
of the panel's children finds only the page shown) and dropped oldest first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from netbuilder.core.catalog import FLOATS, SHAPE, SIZE, Arg
from netbuilder.core.spec import Item, LayerSpec, ParallelSpec, ResidualSpec, walk_items
from netbuilder.gui.network.arg_field import UNSET, ArgField

KEPT_PAGES = 8


@dataclass
class LayerPage:
    """A layer page and the panel's handles on its widgets."""

    widget: QWidget
    fields: dict[str, ArgField]
    labels: dict[str, QLabel]
    name: ArgField | None
    frozen: QCheckBox | None

    def forget_values(self) -> None:
        """Before showing another layer: every value is written again, no error kept."""
        for field in [*self.fields.values(), *([self.name] if self.name else [])]:
            field.clear_error()
            field.shown = UNSET


def placeholder(arg: Arg, none_text: str) -> str:
    """What a text field shows while empty: an example of a value, or that empty means None."""
    if arg.type == SIZE:
        hint = "3" if arg.dims == 1 else ", ".join(["3"] * arg.dims)
        if arg.strings:
            hint += " / " + arg.strings[0]
        return none_text if arg.nullable else hint
    if arg.type == SHAPE:
        return "1, 28, 28"
    if arg.type == FLOATS:
        return "0.5, 0.5, 0.5"
    return none_text if arg.nullable else ""


class PageCache:
    """Layer pages by (kind, catalog revision): a re-imported custom kind gets a new page."""

    def __init__(self, size: int = KEPT_PAGES):
        self._pages: OrderedDict[Any, LayerPage] = OrderedDict()
        self._size = size

    def take(self, key: Any) -> LayerPage | None:
        page = self._pages.pop(key, None)
        if page is not None:
            page.forget_values()
        return page

    def keep(self, key: Any, page: LayerPage) -> None:
        page.widget.hide()
        page.widget.setParent(None)
        old = self._pages.pop(key, None)
        if old is not None:
            old.widget.deleteLater()
        self._pages[key] = page
        while len(self._pages) > self._size:
            _key, dropped = self._pages.popitem(last=False)
            dropped.widget.deleteLater()

    def clear(self) -> None:
        for page in self._pages.values():
            page.widget.deleteLater()
        self._pages.clear()


def container_state(item: Item | None) -> tuple | None:
    """What a residual's or parallel's page shows besides its contents (a change rebuilds it)."""
    if isinstance(item, ResidualSpec):
        return ("residual", item.activation)
    if isinstance(item, ParallelSpec):
        return ("parallel", item.merge, item.dim, len(item.branches))
    return None


def all_items(items: list[Item]):
    return (item for _path, item, _depth in walk_items(items))


def leaves(items: list[Item]):
    return (item for item in all_items(items) if isinstance(item, LayerSpec))
