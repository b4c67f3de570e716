"""Edits of a spec, addressed by dotted paths ('block1.0'), as the stack editor makes them.

Each function changes the spec in place and returns the paths to select afterwards, or raises
:class:`EditError` with a message for the status bar. The GUI wraps them in undoable commands;
keeping them here keeps them testable without Qt.
"""

from __future__ import annotations

import copy
from typing import Any

from netbuilder.core.catalog import BLOCK, Catalog, default_catalog
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    check_args,
    check_name,
    name_base,
    parse,
    walk_items,
)

Shape = tuple[int, ...]


class EditError(ValueError):
    """An edit that cannot be made; the message says why."""


def split_path(path: str) -> tuple[str, str]:
    """'a.b.c' → ('a.b', 'c'); 'fc1' → ('', 'fc1')."""
    parent, _, name = path.rpartition(".")
    return parent, name


def children(spec: NetworkSpec, parent: str) -> list[Item]:
    """The item list of the top level ('') or of a block."""
    if not parent:
        return spec.items
    block = spec.find(parent)
    if not isinstance(block, BlockSpec):
        raise EditError(f"{parent} is not a block")
    return block.items


def locate(spec: NetworkSpec, path: str) -> tuple[list[Item], int]:
    parent, name = split_path(path)
    items = children(spec, parent)
    for index, item in enumerate(items):
        if item.name == name:
            return items, index
    raise EditError(f"there is no layer {path}")


def _all_names(items: list[Item]) -> set[str]:
    """The own names (not paths) of every item at any depth."""
    return {item.name for _path, item, _depth in walk_items(items)}


def fresh_name(spec: NetworkSpec, base: str, taken: set[str] | None = None) -> str:
    """A readable name not used anywhere in the spec: fc1, fc2, …"""
    used = _all_names(spec.items) | (taken or set())
    number = 1
    while f"{base}{number}" in used:
        number += 1
    return f"{base}{number}"


def _rename_fresh(spec: NetworkSpec, item: Item, siblings: list[Item], taken: set[str]) -> None:
    """Give ``item`` (and, for blocks, keep inner names) a name free among ``siblings``."""
    sibling_names = {s.name for s in siblings} | taken
    if item.name.isdigit():
        number = 0
        while str(number) in sibling_names:
            number += 1
        item.name = str(number)
    elif item.name in sibling_names or item.name in _all_names(spec.items):
        stem = item.name.rstrip("0123456789") or name_base(item.kind)
        item.name = fresh_name(spec, stem, sibling_names)
    taken.add(item.name)


def new_layer(spec: NetworkSpec, kind: str, input_shape: Shape | None = None,
              catalog: Catalog | None = None) -> Item:
    """A layer of ``kind`` with default arguments fitted to the shape it will receive."""
    catalog = catalog or default_catalog()
    if kind == BLOCK:
        return BlockSpec(fresh_name(spec, name_base(BLOCK)), [])
    entry = catalog.get(kind)
    if entry is None:
        raise EditError(f"unknown layer kind {kind!r}")
    layer = LayerSpec(kind, fresh_name(spec, name_base(kind)))
    if input_shape is not None:
        layer.args.update(fit_to_input(kind, input_shape, catalog))
    return layer


def fit_to_input(kind: str, shape: Shape, catalog: Catalog | None = None) -> dict[str, Any]:
    """Arguments that make a new layer accept ``shape`` ([N, …]) without an edit by hand."""
    if len(shape) < 2:
        return {}
    fitted: dict[str, Any] = {}
    channels, last = shape[1], shape[-1]
    if kind == "Linear":
        fitted["in_features"] = last
    elif kind in {"Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d"}:
        fitted["in_channels"] = channels
    elif kind in {"BatchNorm1d", "BatchNorm2d"}:
        fitted["num_features"] = channels
    elif kind == "GroupNorm":
        fitted["num_channels"] = channels
        fitted["num_groups"] = next(g for g in (8, 4, 2, 1) if channels % g == 0)
    elif kind == "LayerNorm":
        fitted["normalized_shape"] = [last]
    elif kind in {"RNN", "LSTM", "GRU"}:
        fitted["input_size"] = last
    kind_entry = (catalog or default_catalog()).get(kind)
    if kind_entry is not None:  # keep only values the catalog allows
        fitted = {k: v for k, v in fitted.items() if kind_entry.arg(k).check(v) is None}
    return fitted


# ---------------------------------------------------------------------------------------------
# The edits


def insert(spec: NetworkSpec, parent: str, index: int, items: list[Item]) -> list[str]:
    """Insert copies of ``items`` into ``parent`` at ``index``, renaming clashes."""
    siblings = children(spec, parent)
    index = max(0, min(index, len(siblings)))
    taken: set[str] = set()
    placed = []
    for item in items:
        item = copy.deepcopy(item)
        _rename_fresh(spec, item, siblings, taken)
        placed.append(item)
    siblings[index:index] = placed
    prefix = f"{parent}." if parent else ""
    return [prefix + item.name for item in placed]


def remove(spec: NetworkSpec, paths: list[str]) -> list[str]:
    """Delete items; selects the item that took the first one's place, if any."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    first_parent = split_path(paths[0])[0]
    first_items, first_index = locate(spec, paths[0])
    for path in sorted(paths, key=lambda p: -p.count(".")):
        items, index = locate(spec, path)
        del items[index]
    after = first_items[min(first_index, len(first_items) - 1)] if first_items else None
    if after is None:
        return [first_parent] if first_parent else []
    return [f"{first_parent}.{after.name}" if first_parent else after.name]


def duplicate(spec: NetworkSpec, paths: list[str]) -> list[str]:
    """Copies of the items, placed right after the last of them."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    copies = [copy.deepcopy(spec.find(p)) for p in paths]
    parent = split_path(paths[-1])[0]
    _items, index = locate(spec, paths[-1])
    return insert(spec, parent, index + 1, copies)  # clashing names get fresh ones


def move(spec: NetworkSpec, paths: list[str], parent: str, index: int) -> list[str]:
    """Move items (in their current order) into ``parent`` at ``index``."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    for path in paths:
        if parent == path or parent.startswith(path + "."):
            raise EditError(f"{path} cannot move into itself")
    target = children(spec, parent)
    moving = []
    for path in paths:
        items, position = locate(spec, path)
        if items is target and position < index:
            index -= 1
        moving.append(items.pop(position))
    index = max(0, min(index, len(target)))
    taken: set[str] = set()
    for item in moving:
        if item.name in taken or any(s.name == item.name for s in target):
            _rename_fresh(spec, item, target, taken)
        taken.add(item.name)
    target[index:index] = moving
    prefix = f"{parent}." if parent else ""
    return [prefix + item.name for item in moving]


def shift(spec: NetworkSpec, paths: list[str], delta: int) -> list[str]:
    """Move items one place up (delta -1) or down (+1) among their siblings."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    parent = split_path(paths[0])[0]
    if any(split_path(p)[0] != parent for p in paths):
        raise EditError("select items of one block to move them together")
    items = children(spec, parent)
    indices = sorted(locate(spec, p)[1] for p in paths)
    if (delta < 0 and indices[0] == 0) or (delta > 0 and indices[-1] == len(items) - 1):
        raise EditError("already at the edge")
    chosen = [items[i] for i in indices]
    remaining = [item for item in items if all(item is not c for c in chosen)]
    start = indices[0] + delta
    remaining[start:start] = chosen
    items[:] = remaining
    return paths


def group(spec: NetworkSpec, paths: list[str], name: str | None = None) -> list[str]:
    """Wrap sibling items into a new block where the first of them was."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    parent = split_path(paths[0])[0]
    if any(split_path(p)[0] != parent for p in paths):
        raise EditError("only items of the same block can be grouped")
    items = children(spec, parent)
    indices = sorted(locate(spec, p)[1] for p in paths)
    chosen = [items[i] for i in indices]
    block = BlockSpec(name or fresh_name(spec, name_base(BLOCK)), chosen)
    for i in reversed(indices):
        del items[i]
    items.insert(indices[0], block)
    return [f"{parent}.{block.name}" if parent else block.name]


def ungroup(spec: NetworkSpec, path: str) -> list[str]:
    """Replace a block by its items."""
    items, index = locate(spec, path)
    block = items[index]
    if not isinstance(block, BlockSpec):
        raise EditError(f"{path} is not a block")
    parent = split_path(path)[0]
    del items[index]
    taken: set[str] = set()
    inner = list(block.items)
    for item in inner:
        if item.name in {s.name for s in items} or item.name.isdigit():
            _rename_fresh(spec, item, items, taken)
    items[index:index] = inner
    prefix = f"{parent}." if parent else ""
    return [prefix + item.name for item in inner]


def rename(spec: NetworkSpec, path: str, new_name: str) -> list[str]:
    items, index = locate(spec, path)
    new_name = new_name.strip()
    reason = check_name(new_name)
    if reason:
        raise EditError(reason)
    if any(i != index and item.name == new_name for i, item in enumerate(items)):
        raise EditError(f"{new_name!r} is already used here: names must be unique")
    items[index].name = new_name
    parent = split_path(path)[0]
    return [f"{parent}.{new_name}" if parent else new_name]


def set_args(spec: NetworkSpec, path: str, changes: dict[str, Any],
             catalog: Catalog | None = None) -> list[str]:
    """Change arguments; a value equal to the default is dropped from the spec."""
    layer = spec.find(path)
    if not isinstance(layer, LayerSpec):
        raise EditError(f"{path} has no arguments")
    catalog = catalog or default_catalog()
    kind = catalog.get(layer.kind)
    trial = LayerSpec(layer.kind, layer.name, {**layer.args, **changes}, layer.frozen)
    problems = check_args(trial, path, catalog)
    if problems:
        raise EditError(str(problems[0]))
    args = {}
    for name, value in trial.args.items():
        arg = kind.arg(name) if kind else None
        if arg is not None and not arg.required and arg.normalize(value) == arg.normalize(
                arg.default):
            continue
        args[name] = arg.normalize(value) if arg is not None else value
    layer.args = args
    return [path]


def set_frozen(spec: NetworkSpec, paths: list[str], frozen: bool) -> list[str]:
    for path in paths:
        item = spec.find(path)
        for _inner, layer, _depth in walk_items([item]) if item is not None else []:
            if isinstance(layer, LayerSpec):
                layer.frozen = frozen
    return paths


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside other selected blocks; keep document order given by the caller."""
    unique = list(dict.fromkeys(p for p in paths if p))
    return [p for p in unique if not any(p.startswith(o + ".") for o in unique if o != p)]


def in_document_order(spec: NetworkSpec, paths: list[str]) -> list[str]:
    order = {path: i for i, (path, _item, _depth) in enumerate(spec.walk())}
    return sorted((p for p in paths if p in order), key=order.__getitem__)


def items_to_clipboard(spec: NetworkSpec, paths: list[str]) -> dict[str, Any]:
    """JSON-ready copy of the selected items (for the clipboard and drag and drop)."""
    chosen = _outermost(in_document_order(spec, paths))
    return {"format": "netbuilder.layers", "version": 1,
            "layers": [spec.find(p).to_dict() for p in chosen]}


def items_from_clipboard(data: Any, catalog: Catalog | None = None) -> list[Item]:
    """Items from clipboard JSON; raises EditError when it is not netbuilder layers."""
    if not isinstance(data, dict) or data.get("format") != "netbuilder.layers":
        raise EditError("the clipboard holds no netbuilder layers")
    spec, problems = parse({"input_shape": [1], "layers": data.get("layers", [])}, catalog)
    if problems or spec is None:
        raise EditError("the copied layers are not valid: " + "; ".join(map(str, problems)))
    return spec.items
