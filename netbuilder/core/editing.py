"""Edits of a spec, addressed by dotted paths ('block1.0'), as the stack editor makes them.

Items live in stacks: the top level (''), a block ('block1'), a residual's body and shortcut
('res1.body', 'res1.shortcut') and a parallel's branches ('mix.branches.0', …). Every edit that
takes a ``parent`` takes such a stack path, and item paths are the stack path, a dot and the
item's name ('res1.body.conv1').

Each function changes the spec in place and returns the paths to select afterwards, or raises
:class:`EditError` with a message for the status bar. The GUI wraps them in undoable commands;
keeping them here keeps them testable without Qt.
"""

from __future__ import annotations

from typing import Any

from netbuilder.core.catalog import BLOCK, Catalog, default_catalog
from netbuilder.core.containers import ACTIVATIONS, MERGES, MIN_BRANCHES, PARALLEL, RESIDUAL
from netbuilder.core.layer_files import LayerFileRef
from netbuilder.core.names import check_name, name_base
from netbuilder.core.spec import (
    DIM_LIMIT,
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    copy_item,
    stacks_of,
    walk_items,
)
from netbuilder.core.spec_parse import check_args, parse

Shape = tuple[int, ...]


class EditError(ValueError):
    """An edit that cannot be made; the message says why."""


def walk_list(items: list[Item], prefix: str = "", depth: int = 0
              ) -> list[tuple[str, Item, int]]:
    """What ``walk_items`` yields, as a list, several times faster: views and lint walk a
    network of thousands of layers after every edit. Recursive; a nesting too deep for Python's
    frames falls back to ``walk_items``."""
    walked: list[tuple[str, Item, int]] = []

    def walk(items: list[Item], prefix: str, depth: int) -> None:
        for item in items:
            path = prefix + item.name
            walked.append((path, item, depth))
            if type(item) is not LayerSpec:
                for stack_path, inner in stacks_of(item, path):
                    walk(inner, stack_path + ".", depth + 1)

    try:
        walk(items, prefix, depth)
    except RecursionError:
        return list(walk_items(items, prefix, depth))
    return walked


def split_path(path: str) -> tuple[str, str]:
    """'a.b.c' → ('a.b', 'c'); 'fc1' → ('', 'fc1')."""
    parent, _, name = path.rpartition(".")
    return parent, name


def children(spec: NetworkSpec, parent: str) -> list[Item]:
    """The item list of a stack: the top level (''), a block, 'res1.body', 'mix.branches.0'."""
    items = spec.find_stack(parent)
    if items is not None:
        return items
    item = spec.find(parent)
    if isinstance(item, (ResidualSpec, ParallelSpec)):
        stacks = ", ".join(f"{parent}.{name}" for name, _items in item.stacks())
        raise EditError(f"{parent} is a {item.kind.lower()}: choose one of its stacks ({stacks})")
    raise EditError(f"{parent} is not a block")


def locate(spec: NetworkSpec, path: str) -> tuple[list[Item], int]:
    parent, name = split_path(path)
    items = children(spec, parent)
    for index, item in enumerate(items):
        if item.name == name:
            return items, index
    raise EditError(f"there is no layer {path}")


def _all_names(items: list[Item]) -> set[str]:
    """The own names (not paths) of every item at any depth."""
    return {item.name for _path, item, _depth in walk_list(items)}


def fresh_name(spec: NetworkSpec, base: str, taken: set[str] | None = None,
               used: set[str] | None = None) -> str:
    """A readable name not used anywhere in the spec: fc1, fc2, … ``used``: the spec's names
    when the caller has them already (a paste of many items then walks the spec once)."""
    used = _all_names(spec.items) if used is None else used
    taken = taken or set()
    number = 1
    while f"{base}{number}" in used or f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def _rename_fresh(spec: NetworkSpec, item: Item, siblings: list[Item], taken: set[str],
                  used: set[str] | None = None) -> None:
    """Give ``item`` (and, for blocks, keep inner names) a name free among ``siblings``.
    ``used``: the spec's names, if the caller has them (see :func:`fresh_name`)."""
    sibling_names = {s.name for s in siblings} | taken
    if item.name.isdigit():
        number = 0
        while str(number) in sibling_names:
            number += 1
        item.name = str(number)
    else:
        used = _all_names(spec.items) if used is None else used
        if item.name in sibling_names or item.name in used:
            stem = item.name.rstrip("0123456789") or name_base(item.kind)
            item.name = fresh_name(spec, stem, sibling_names, used)
    taken.add(item.name)


def new_layer(spec: NetworkSpec, kind: str, input_shape: Shape | None = None,
              catalog: Catalog | None = None) -> Item:
    """A layer of ``kind`` with default arguments fitted to the shape it will receive."""
    catalog = catalog or default_catalog()
    if kind == BLOCK:
        return BlockSpec(fresh_name(spec, name_base(BLOCK)), [])
    if kind == RESIDUAL:
        return ResidualSpec(fresh_name(spec, name_base(RESIDUAL)))
    if kind == PARALLEL:
        return ParallelSpec(fresh_name(spec, name_base(PARALLEL)))
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
    if kind_entry is not None and kind_entry.file:  # a custom layer: by torch's argument names
        by_name = {"in_features": last, "in_channels": channels, "num_features": channels,
                   "input_size": last}
        fitted = {name: by_name[name] for name in kind_entry.arg_names() if name in by_name}
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
    used = _all_names(spec.items)  # once for all the items: a big paste stays linear
    placed = []
    for item in items:
        item = copy_item(item)
        _rename_fresh(spec, item, siblings, taken, used)
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
    by_stack: dict[str, set[str]] = {}  # each stack's list is filtered once: linear in n
    for path in paths:
        parent, name = split_path(path)
        by_stack.setdefault(parent, set()).add(name)
    stacks = []
    for parent, names in by_stack.items():
        items = children(spec, parent)
        present = {item.name for item in items}
        missing = next((p for p in paths if split_path(p)[0] == parent
                        and split_path(p)[1] not in present), None)
        if missing is not None:
            raise EditError(f"there is no layer {missing}")
        stacks.append((items, names))
    for items, names in stacks:
        items[:] = [item for item in items if item.name not in names]
    after = first_items[min(first_index, len(first_items) - 1)] if first_items else None
    if after is None:  # the stack is empty now: select its container
        owner = spec.stack_owner(first_parent) if first_parent else ""
        return [owner] if owner else []
    return [f"{first_parent}.{after.name}" if first_parent else after.name]


def duplicate(spec: NetworkSpec, paths: list[str]) -> list[str]:
    """Copies of the items, placed right after the last of them."""
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    copies = [copy_item(spec.find(p)) for p in paths]
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
    moving = {id(item) for item in chosen}
    remaining = [item for item in items if id(item) not in moving]
    start = indices[0] + delta
    remaining[start:start] = chosen
    items[:] = remaining
    return paths


def group(spec: NetworkSpec, paths: list[str], name: str | None = None,
          kind: str = BLOCK) -> list[str]:
    """Wrap sibling items into a new container where the first of them was.

    ``kind`` BLOCK: a block of the items. RESIDUAL: a residual whose body is the items (an
    identity shortcut, no activation). PARALLEL: a parallel whose branch 0 is the items and
    whose branch 1 is empty (the identity), concatenated along dim 1 — the selection keeps its
    meaning as one chain; add and fill branches afterwards.
    """
    if kind not in (BLOCK, RESIDUAL, PARALLEL):
        raise EditError(f"cannot group into a {kind!r}; expected {BLOCK}, {RESIDUAL} or "
                        f"{PARALLEL}")
    paths = _outermost(paths)
    if not paths:
        raise EditError("nothing is selected")
    parent = split_path(paths[0])[0]
    if any(split_path(p)[0] != parent for p in paths):
        raise EditError("only items of the same block can be grouped")
    items = children(spec, parent)
    indices = sorted(locate(spec, p)[1] for p in paths)
    chosen = [items[i] for i in indices]
    if name is not None and check_name(name):
        raise EditError(check_name(name) or "")
    if name is not None and any(item.name == name for i, item in enumerate(items)
                                if i not in indices):
        raise EditError(f"{name!r} is already used here: names must be unique")
    name = name or fresh_name(spec, name_base(kind))
    container: Item
    if kind == RESIDUAL:
        container = ResidualSpec(name, chosen)
    elif kind == PARALLEL:
        container = ParallelSpec(name, [chosen, []])
    else:
        container = BlockSpec(name, chosen)
    for i in reversed(indices):
        del items[i]
    items.insert(indices[0], container)
    return [f"{parent}.{container.name}" if parent else container.name]


def ungroup(spec: NetworkSpec, path: str) -> list[str]:
    """Replace a container by its items: a block's, a residual's body (its shortcut, meaningful
    only beside the body, is dropped), or a parallel's branches one after another."""
    items, index = locate(spec, path)
    container = items[index]
    if isinstance(container, BlockSpec):
        inner = list(container.items)
    elif isinstance(container, ResidualSpec):
        inner = list(container.body)
    elif isinstance(container, ParallelSpec):
        inner = [item for branch in container.branches for item in branch]
    else:
        raise EditError(f"{path} is not a block")
    parent = split_path(path)[0]
    del items[index]
    taken: set[str] = set()
    for item in inner:
        if item.name in {s.name for s in items} or item.name in taken or item.name.isdigit():
            _rename_fresh(spec, item, items, taken)
        taken.add(item.name)
    items[index:index] = inner
    prefix = f"{parent}." if parent else ""
    return [prefix + item.name for item in inner]


# -- residuals and parallels ------------------------------------------------------------------


def _container(spec: NetworkSpec, path: str, kind: type) -> Any:
    item = spec.find(path)
    if not isinstance(item, kind):
        what = "a residual" if kind is ResidualSpec else "a parallel"
        raise EditError(f"{path} is not {what}")
    return item


def add_branch(spec: NetworkSpec, path: str) -> list[str]:
    """Append an empty branch (the identity) to a parallel."""
    _container(spec, path, ParallelSpec).branches.append([])
    return [path]


def remove_branch(spec: NetworkSpec, path: str, index: int) -> list[str]:
    """Delete a parallel's branch ``index`` with its layers; later branches move up."""
    parallel = _container(spec, path, ParallelSpec)
    if not 0 <= index < len(parallel.branches):
        raise EditError(f"{path} has no branch {index}")
    if len(parallel.branches) <= MIN_BRANCHES:
        raise EditError(f"a parallel needs at least {MIN_BRANCHES} branches")
    del parallel.branches[index]
    return [path]


def set_container_args(spec: NetworkSpec, path: str, **changes: Any) -> list[str]:
    """Change a residual's ``activation`` ('' for none) or a parallel's ``merge`` and ``dim``;
    every change is checked before any is made."""
    item = spec.find(path)
    if isinstance(item, ResidualSpec):
        allowed = {"activation"}
    elif isinstance(item, ParallelSpec):
        allowed = {"merge", "dim"}
    else:
        raise EditError(f"{path} is not a residual or a parallel")
    for key, value in changes.items():
        if key not in allowed:
            raise EditError(f"{item.kind} has no setting {key!r} (allowed: "
                            f"{', '.join(sorted(allowed))})")
        if key == "activation" and value not in ("", None, *ACTIVATIONS):
            raise EditError(f"{path}.activation: expected none or one of "
                            f"{', '.join(ACTIVATIONS)}, got {value!r}")
        if key == "merge" and value not in MERGES:
            raise EditError(f"{path}.merge: expected one of {', '.join(MERGES)}, got {value!r}")
        if key == "dim" and not (isinstance(value, int) and not isinstance(value, bool)
                                 and abs(value) <= DIM_LIMIT):
            raise EditError(f"{path}.dim: expected an integer from {-DIM_LIMIT} to "
                            f"{DIM_LIMIT}, got {value!r}")
    for key, value in changes.items():
        setattr(item, key, (value or "") if key == "activation" else value)
    return [path]


def add_projection(spec: NetworkSpec, path: str, batchnorm: bool = True) -> list[str]:
    """Append to a residual's shortcut the projection that makes its output the body's shape:
    a 1×1 convolution with the stride that fits (then batch normalization when ``batchnorm``)
    for images and signals, a Linear for vectors. Names continue the shortcut's indices ('0',
    '1', as torchvision's downsample) unless it holds named layers. Returns their paths."""
    from netbuilder.core.analysis import analyze, format_shape, projection

    residual = _container(spec, path, ResidualSpec)
    analysis = analyze(spec)
    body = analysis.stack_shapes.get(f"{path}.body", (None, None))[1]
    shortcut = analysis.stack_shapes.get(f"{path}.shortcut", (None, None))[1]
    if body is None or shortcut is None:
        raise EditError(f"the shapes inside {path} are not known: fix the errors before it first")
    if body == shortcut:
        raise EditError(f"{path}: the body and the shortcut already give {format_shape(body)}")
    layers = projection(shortcut, body, batchnorm)
    if layers is None:
        raise EditError(f"{path}: no 1×1 projection turns {format_shape(shortcut)} into "
                        f"{format_shape(body)}")
    stack = residual.shortcut
    taken = {item.name for item in stack}
    number = len(stack)
    for layer in layers:
        if all(item.name.isdigit() for item in stack):
            while str(number) in taken:
                number += 1
            layer.name = str(number)
        else:
            layer.name = fresh_name(spec, name_base(layer.kind), taken)
        taken.add(layer.name)
    stack.extend(layers)
    return [f"{path}.shortcut.{layer.name}" for layer in layers]


def add_layer_file(spec: NetworkSpec, ref: LayerFileRef) -> None:
    """Name a custom-layer file in the network (a later version of it replaces the earlier)."""
    kept = [known for known in spec.layer_files if known.path != ref.path]
    spec.layer_files[:] = [*kept, ref]


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
    chosen = set(unique)

    def inside(path: str) -> bool:  # a selected path ends where a dot starts in this one
        return any(path[:i] in chosen for i, char in enumerate(path) if char == ".")

    return [p for p in unique if not inside(p)]


def in_document_order(spec: NetworkSpec, paths: list[str]) -> list[str]:
    order = {path: i for i, (path, _item, _depth) in enumerate(walk_list(spec.items))}
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
