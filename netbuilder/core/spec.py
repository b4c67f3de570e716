"""What a network is, as plain data: an input shape and an ordered list of items — layers and
the containers that hold more items: blocks, residuals and parallel branches.

Names are the ``state_dict`` prefixes (layer ``fc1`` → ``fc1.weight``; layer ``0`` in block
``block1`` → ``block1.0.weight``). Every container's item lists are *stacks*, addressed by dotted
paths that are exactly the torch module paths: a block's stack is the block's own path
(``block1``); a residual ``res1`` has the stacks ``res1.body`` and ``res1.shortcut``; a parallel
``mix`` has ``mix.branches.0``, ``mix.branches.1``, …, so its items read ``mix.branches.0.conv``.
Specs go to and from JSON with a format tag and version, and validation returns structured
:class:`Problem` s instead of raising at the first one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from netbuilder.core.catalog import BLOCK, Catalog, default_catalog
from netbuilder.core.containers import PARALLEL, RESIDUAL
from netbuilder.core.layer_files import FIELD as LAYER_FILES_FIELD
from netbuilder.core.layer_files import LayerFileRef, written

FORMAT = "netbuilder.network"
VERSION = 1

MAX_DEPTH = 200  # containers nested deeper are refused: deeper still, Python's recursion fails
# Levels of MAX_DEPTH a container takes: a residual or parallel forward runs two modules per
# level (itself and its stack's nn.Sequential), so 200 of them overflow Python's stack in a
# forward pass where 200 blocks do not.
LEVELS = {BLOCK: 1, RESIDUAL: 2, PARALLEL: 2}
DIM_LIMIT = 8  # a Parallel's dim lies in -8..8, as the catalog's dim arguments do


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where, what, and what would be allowed."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SpecError(ValueError):
    """A spec that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class LayerSpec:
    kind: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    frozen: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.args:
            data["args"] = copy.deepcopy(self.args)
        if self.frozen:
            data["frozen"] = True
        return data


@dataclass
class BlockSpec:
    """A named ``nn.Sequential``: its one stack is the block itself (path ``block1``)."""

    name: str
    items: list[Item] = field(default_factory=list)

    kind = BLOCK

    def stacks(self) -> list[tuple[str, list[Item]]]:
        """The block's one stack; its relative name is '' (the block's own path)."""
        return [("", self.items)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": BLOCK, "name": self.name, "layers": [i.to_dict() for i in self.items]}


@dataclass(eq=False)
class ResidualSpec:
    """``y = activation(body(x) + shortcut(x))``; an empty shortcut is the identity.

    ``activation`` is '' (none) or one of :data:`containers.ACTIVATIONS` with default arguments.
    """

    name: str
    body: list[Item] = field(default_factory=list)
    shortcut: list[Item] = field(default_factory=list)
    activation: str = ""

    kind = RESIDUAL

    def __eq__(self, other: object) -> bool:
        return _items_equal(self, other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the other items

    def stacks(self) -> list[tuple[str, list[Item]]]:
        """('body', items) and ('shortcut', items): relative to the residual's path."""
        return [("body", self.body), ("shortcut", self.shortcut)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": RESIDUAL, "name": self.name,
                "body": [i.to_dict() for i in self.body],
                "shortcut": [i.to_dict() for i in self.shortcut],
                "activation": self.activation}


def two_branches() -> list[list[Item]]:
    return [[], []]


@dataclass(eq=False)
class ParallelSpec:
    """Branches that all read the same input, then merged: ``merge`` is 'concat' (along ``dim``;
    1 is the channels of an image or the features of a vector; negative counts from the end),
    'sum' or 'mean'. At least two branches; an empty branch is the identity."""

    name: str
    branches: list[list[Item]] = field(default_factory=two_branches)
    merge: str = "concat"
    dim: int = 1

    kind = PARALLEL

    def __eq__(self, other: object) -> bool:
        return _items_equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def stacks(self) -> list[tuple[str, list[Item]]]:
        """('branches.0', items), ('branches.1', items), …: relative to the parallel's path."""
        return [(f"branches.{index}", items) for index, items in enumerate(self.branches)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": PARALLEL, "name": self.name,
                "branches": [[i.to_dict() for i in branch] for branch in self.branches],
                "merge": self.merge, "dim": self.dim}


Item = LayerSpec | BlockSpec | ResidualSpec | ParallelSpec
Container = BlockSpec | ResidualSpec | ParallelSpec
CONTAINERS = (BlockSpec, ResidualSpec, ParallelSpec)


def _own_fields(item: Item) -> tuple:
    """What an item holds itself, with the sizes of its stacks (not their items)."""
    if isinstance(item, LayerSpec):
        return (LayerSpec, item.kind, item.name, item.args, item.frozen)
    if isinstance(item, BlockSpec):
        return (BlockSpec, item.name, len(item.items))
    if isinstance(item, ResidualSpec):
        return (ResidualSpec, item.name, item.activation, len(item.body), len(item.shortcut))
    return (ParallelSpec, item.name, item.merge, item.dim, [len(b) for b in item.branches])


def _items_equal(item: Item, other: object) -> Any:
    """Equality of two items and everything inside them, walked without recursion: the
    dataclass ``__eq__`` recurses through lists of lists and overflows at depth 200."""
    if type(other) is not type(item):
        return NotImplemented
    mine, theirs = walk_items([item]), walk_items([other])  # type: ignore[list-item]
    for (path, a, _), (other_path, b, _) in zip(mine, theirs, strict=False):
        if path != other_path or _own_fields(a) != _own_fields(b):
            return False
    return True  # equal sizes at every level: both walks ended together


def stacks_of(item: Item, path: str) -> list[tuple[str, list[Item]]]:
    """The stacks inside an item, with their full paths: a block's is its own path ('block1'),
    a residual's 'res1.body' and 'res1.shortcut', a parallel's 'mix.branches.0', …; a layer
    has none."""
    if not isinstance(item, CONTAINERS):
        return []
    return [(f"{path}.{relative}" if relative else path, items)
            for relative, items in item.stacks()]


@dataclass
class NetworkSpec:
    input_shape: list[int]
    items: list[Item] = field(default_factory=list)
    class_name: str = "Net"
    num_classes: int | None = None
    description: str = ""
    layer_files: list[LayerFileRef] = field(default_factory=list)  # added custom-layer files

    # -- JSON ----------------------------------------------------------------------------------

    def to_dict(self, base: Path | None = None) -> dict[str, Any]:
        """The spec as JSON data; custom-layer file paths relative to ``base`` when given."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "class_name": self.class_name,
            "input_shape": list(self.input_shape),
        }
        if self.num_classes is not None:
            data["num_classes"] = self.num_classes
        if self.description:
            data["description"] = self.description
        files = self.custom_layer_files()
        if files:
            data[LAYER_FILES_FIELD] = [written(ref, base) for ref in files]
        data["layers"] = [item.to_dict() for item in self.items]
        return data

    def custom_layer_files(self) -> list[LayerFileRef]:
        """The files added to the network and those its layers' kinds come from, each with the
        hash of the version imported (else the one recorded)."""
        from netbuilder.core.custom_layers import loaded_file

        catalog = default_catalog()
        paths = [ref.path for ref in self.layer_files]
        for _path, item, _depth in walk_items(self.items):
            kind = catalog.get(item.kind) if isinstance(item, LayerSpec) else None
            if kind is not None and kind.file and kind.file not in paths:
                paths.append(kind.file)
        recorded = {ref.path: ref.sha256 for ref in self.layer_files}
        refs = []
        for path in paths:
            known = loaded_file(path)
            refs.append(LayerFileRef(path, known.sha256 if known else recorded[path]))
        return refs

    def to_json(self, base: Path | None = None) -> str:
        return json.dumps(self.to_dict(base), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, catalog: Catalog | None = None, base: Path | None = None,
                  allow: Any = None) -> NetworkSpec:
        """Parse and validate; raises :class:`SpecError` listing every problem.

        Custom-layer files the data names are found relative to ``base`` and imported when
        netbuilder ships them or ``allow`` (see :func:`custom_layers.prepare_network`) says so.
        """
        from netbuilder.core.custom_layers import prepare_network

        problems: list[Problem] = []
        data = prepare_network(data, base, allow, problems)
        from netbuilder.core.spec_parse import parse

        spec, found = parse(data, catalog)
        problems += found
        if problems or spec is None:
            raise SpecError(problems)
        return spec

    @classmethod
    def from_json(cls, text: str, catalog: Catalog | None = None, base: Path | None = None,
                  allow: Any = None) -> NetworkSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                [Problem(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")]
            ) from None
        except RecursionError:
            raise SpecError([Problem("", "the JSON is nested too deeply to read "
                                         f"(blocks may nest at most {MAX_DEPTH} deep)")]) from None
        return cls.from_dict(data, catalog, base, allow)

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None, allow: Any = None
             ) -> NetworkSpec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise SpecError([Problem(str(path), f"cannot read the file: {reason}")]) from None
        try:
            return cls.from_json(text, catalog, path.parent, allow)
        except SpecError as exc:
            raise SpecError([Problem(f"{path.name}: {p.where}", p.message)
                             for p in exc.problems]) from None

    def copy(self) -> NetworkSpec:
        """A deep copy; unlike copy.deepcopy it takes few frames per level of nesting."""
        return NetworkSpec(copy.deepcopy(self.input_shape), _copy_items(self.items),
                           self.class_name, self.num_classes, self.description,
                           list(self.layer_files))

    # -- navigation ----------------------------------------------------------------------------

    def walk(self) -> Iterator[tuple[str, Item, int]]:
        """Every item depth-first as (dotted path, item, depth): 'block1', 'block1.0', ..."""
        yield from walk_items(self.items)

    def layers(self) -> Iterator[tuple[str, LayerSpec]]:
        """Leaf layers in forward order, with their dotted paths."""
        for path, item, _depth in self.walk():
            if isinstance(item, LayerSpec):
                yield path, item

    def find(self, path: str) -> Item | None:
        for item_path, item, _depth in self.walk():
            if item_path == path:
                return item
        return None

    def find_stack(self, path: str) -> list[Item] | None:
        """The item list a stack path names: '' the top level, 'block1' a block's items,
        'res1.body', 'res1.shortcut', 'mix.branches.1'; None when there is no such stack."""
        if not path:
            return self.items
        for item_path, item, _depth in self.walk():
            if isinstance(item, CONTAINERS) and (path == item_path
                                                 or path.startswith(item_path + ".")):
                for stack_path, items in stacks_of(item, item_path):
                    if stack_path == path:
                        return items
        return None

    def stack_owner(self, path: str) -> str | None:
        """The path of the container a stack belongs to ('res1.body' → 'res1', 'block1' →
        'block1'); '' for the top level; None when there is no such stack."""
        if not path:
            return ""
        for item_path, item, _depth in self.walk():
            if isinstance(item, CONTAINERS) and (path == item_path
                                                 or path.startswith(item_path + ".")):
                if any(stack_path == path for stack_path, _ in stacks_of(item, item_path)):
                    return item_path
        return None

    def stacks(self) -> Iterator[tuple[str, list[Item], int]]:
        """Every stack as (path, items, depth of its items): the top level ('', depth 0) first,
        then each container's stacks in walk order."""
        yield "", self.items, 0
        for item_path, item, depth in self.walk():
            for stack_path, items in stacks_of(item, item_path):
                yield stack_path, items, depth + 1

    def all_names(self) -> set[str]:
        return {path for path, _item, _depth in self.walk()}

    def unique_name(self, base: str, siblings: list[Item] | None = None) -> str:
        """A readable free name: 'fc' → 'fc1', 'fc2', ... among ``siblings`` (default: top)."""
        taken = {item.name for item in (self.items if siblings is None else siblings)}
        taken |= {path.split(".")[-1] for path in self.all_names()}
        candidate_number = 1
        while True:
            candidate = f"{base}{candidate_number}"
            if candidate not in taken:
                return candidate
            candidate_number += 1


def copy_item(item: Item) -> Item:
    """A deep copy of one item (a container with everything inside it)."""
    return _copy_items([item])[0]


def _copy_items(items: list[Item]) -> list[Item]:
    copied: list[Item] = []
    for item in items:
        if isinstance(item, BlockSpec):
            copied.append(BlockSpec(item.name, _copy_items(item.items)))
        elif isinstance(item, ResidualSpec):
            copied.append(ResidualSpec(item.name, _copy_items(item.body),
                                       _copy_items(item.shortcut), item.activation))
        elif isinstance(item, ParallelSpec):
            copied.append(ParallelSpec(item.name, [_copy_items(b) for b in item.branches],
                                       item.merge, item.dim))
        else:
            copied.append(LayerSpec(item.kind, item.name, copy_args(item.args), item.frozen))
    return copied


_IMMUTABLE = (int, float, str, bool, type(None))


def copy_args(args: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a layer's arguments. They are JSON-like values (numbers, text, lists of
    them): copied by type, which is ~10x faster than copy.deepcopy, and an edit of a thousand
    layers copies every layer's arguments."""
    copied = {}
    for name, value in args.items():
        copied[name] = value if type(value) in _IMMUTABLE else _copy_value(value)
    return copied


def _copy_value(value: Any) -> Any:
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is list:
        return [_copy_value(element) for element in value]
    if kind is tuple:
        return tuple(_copy_value(element) for element in value)
    if kind is dict:
        return {key: _copy_value(element) for key, element in value.items()}
    return copy.deepcopy(value)  # anything else a caller put there


def walk_items(items: list[Item], prefix: str = "", depth: int = 0
               ) -> Iterator[tuple[str, Item, int]]:
    """Every item under ``items`` depth-first as (dotted path, item, depth), containers before
    their contents (a residual's body before its shortcut, branches in order);
    :meth:`NetworkSpec.walk` for a whole spec, this for a stack's items.

    An explicit stack, not recursion, so any nesting depth walks without running out of frames.
    """
    stack: list[tuple[int, Iterator[tuple[str, Item]]]] = [(depth, zip(repeat(prefix), items))]
    while stack:
        level, rest = stack[-1]
        entry = next(rest, None)
        if entry is None:
            stack.pop()
            continue
        here, item = entry
        path = f"{here}{item.name}"
        yield path, item, level
        inner = stacks_of(item, path)
        if inner:
            stack.append((level + 1, chain.from_iterable(
                zip(repeat(stack_path + "."), stack_items) for stack_path, stack_items in inner)))


def nesting_depth(items: list[Item]) -> int:
    """How many containers nest inside each other at most (0: none)."""
    deepest = 0
    for _path, item, depth in walk_items(items):
        if isinstance(item, CONTAINERS):
            deepest = max(deepest, depth + 1)
    return deepest


def nesting_levels(items: list[Item]) -> int:
    """The deepest nesting counted in :data:`LEVELS` (a block 1, a residual or parallel 2);
    at most MAX_DEPTH is valid."""
    deepest = 0
    levels_of: dict[str, int] = {}  # a container's path → its level
    for path, item, _depth in walk_items(items):
        if not isinstance(item, CONTAINERS):
            continue
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        while parent and parent not in levels_of:  # a stack path ('res1.body') → its owner
            parent = parent.rsplit(".", 1)[0] if "." in parent else ""
        levels_of[path] = levels_of.get(parent, 0) + LEVELS[item.kind]
        deepest = max(deepest, levels_of[path])
    return deepest


def uses_kind(items: list[Item], kind: str) -> bool:
    """Whether an item of ``kind`` (a layer kind or a container kind) is anywhere in ``items``."""
    return any(item.kind == kind for _path, item, _depth in walk_items(items))
