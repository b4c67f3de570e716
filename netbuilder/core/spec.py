"""What a network is, as plain data: an input shape and an ordered list of layers and blocks.

Names are the ``state_dict`` prefixes (layer ``fc1`` → ``fc1.weight``; layer ``0`` in block
``block1`` → ``block1.0.weight``). Specs go to and from JSON with a format tag and version, and
validation returns structured :class:`Problem` s instead of raising at the first one.
"""

from __future__ import annotations

import builtins
import copy
import difflib
import json
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from netbuilder.core.catalog import BLOCK, Catalog, default_catalog

FORMAT = "netbuilder.network"
VERSION = 1

# Always used with fullmatch: "$" would also accept a trailing newline.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"[0-9]+")
# Every attribute of an nn.Sequential, dunders included: a child by that name cannot be set.
_RESERVED = frozenset(dir(nn.Sequential()))
# Module-level names of the generated module and training script (see codegen, train_script):
# a class by one of these names would shadow what the code around it uses.
GENERATED_NAMES = frozenset({
    "nn", "torch", "OrderedDict", "SequenceRNN", "SequenceLSTM", "SequenceGRU", "model",
    "argparse", "importlib", "math", "os", "Path", "np", "dist", "F", "SETTINGS",
    "find_digits", "load_data", "augment", "loss_of", "make_optimizer", "make_schedule", "main",
})
_BUILTINS = frozenset(dir(builtins))
MAX_DEPTH = 200  # blocks nested deeper are refused: deeper still, Python's own recursion fails


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
    name: str
    items: list[Item] = field(default_factory=list)

    kind = BLOCK

    def to_dict(self) -> dict[str, Any]:
        return {"kind": BLOCK, "name": self.name, "layers": [i.to_dict() for i in self.items]}


Item = LayerSpec | BlockSpec


@dataclass
class NetworkSpec:
    input_shape: list[int]
    items: list[Item] = field(default_factory=list)
    class_name: str = "Net"
    num_classes: int | None = None
    description: str = ""

    # -- JSON ----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
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
        data["layers"] = [item.to_dict() for item in self.items]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, catalog: Catalog | None = None) -> NetworkSpec:
        """Parse and validate; raises :class:`SpecError` listing every problem."""
        spec, problems = parse(data, catalog)
        if problems or spec is None:
            raise SpecError(problems)
        return spec

    @classmethod
    def from_json(cls, text: str, catalog: Catalog | None = None) -> NetworkSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                [Problem(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")]
            ) from None
        except RecursionError:
            raise SpecError([Problem("", "the JSON is nested too deeply to read "
                                         f"(blocks may nest at most {MAX_DEPTH} deep)")]) from None
        return cls.from_dict(data, catalog)

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> NetworkSpec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise SpecError([Problem(str(path), f"cannot read the file: {reason}")]) from None
        try:
            return cls.from_json(text, catalog)
        except SpecError as exc:
            raise SpecError([Problem(f"{path.name}: {p.where}", p.message)
                             for p in exc.problems]) from None

    def copy(self) -> NetworkSpec:
        """A deep copy; unlike copy.deepcopy it takes few frames per level of nesting."""
        return NetworkSpec(copy.deepcopy(self.input_shape), _copy_items(self.items),
                           self.class_name, self.num_classes, self.description)

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


def _copy_items(items: list[Item]) -> list[Item]:
    return [BlockSpec(item.name, _copy_items(item.items)) if isinstance(item, BlockSpec)
            else LayerSpec(item.kind, item.name, copy.deepcopy(item.args), item.frozen)
            for item in items]


def walk_items(items: list[Item], prefix: str = "", depth: int = 0
               ) -> Iterator[tuple[str, Item, int]]:
    """Every item under ``items`` depth-first as (dotted path, item, depth), blocks before
    their contents; :meth:`NetworkSpec.walk` for a whole spec, this for a block's items.

    An explicit stack, not recursion, so any nesting depth walks without running out of frames.
    """
    stack = [(prefix, depth, iter(items))]
    while stack:
        here, level, rest = stack[-1]
        item = next(rest, None)
        if item is None:
            stack.pop()
            continue
        path = f"{here}{item.name}"
        yield path, item, level
        if isinstance(item, BlockSpec):
            stack.append((path + ".", level + 1, iter(item.items)))


def nesting_depth(items: list[Item]) -> int:
    """How many blocks nest inside each other at most (0: no blocks)."""
    deepest = 0
    for _path, item, depth in walk_items(items):
        if isinstance(item, BlockSpec):
            deepest = max(deepest, depth + 1)
    return deepest


DEFAULT_NAME_BASES = {
    "Linear": "fc", "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv",
    "ConvTranspose2d": "deconv", "MaxPool1d": "pool", "MaxPool2d": "pool", "AvgPool1d": "pool",
    "AvgPool2d": "pool", "AdaptiveAvgPool2d": "gap", "BatchNorm1d": "bn", "BatchNorm2d": "bn",
    "LayerNorm": "ln", "GroupNorm": "gn", "Dropout": "dropout", "Dropout2d": "dropout",
    "ReLU": "relu", "LeakyReLU": "lrelu", "ELU": "elu", "GELU": "gelu", "SiLU": "silu",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "log_softmax",
    "Flatten": "flatten", "Unflatten": "unflatten", "Identity": "identity", "RNN": "rnn",
    "LSTM": "lstm", "GRU": "gru", BLOCK: "block",
}


def name_base(kind: str) -> str:
    """The stem of default names for a kind ('Linear' → 'fc')."""
    return DEFAULT_NAME_BASES.get(kind) or re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def check_name(name: Any) -> str | None:
    """Why ``name`` cannot name a module, or None.

    Names are identifiers (they become attributes of the generated class) or plain indices
    ('0', '1'), as ``nn.Sequential`` numbers its children.
    """
    if not isinstance(name, str) or not name:
        return f"expected a non-empty name, got {name!r}"
    if _INDEX.fullmatch(name):
        return None
    if not _IDENTIFIER.fullmatch(name):
        return (f"{name!r} is not a valid name: use letters, digits and _, not starting with a "
                "digit (or a plain index like 0)")
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name.startswith("__"):  # dunders are Python's; other __names are mangled in a class
        return f"{name!r} starts with __, which Python reserves; choose another name"
    if name in _RESERVED:
        return f"{name!r} clashes with an nn.Module attribute; choose another name"
    return None


def check_class_name(name: Any) -> str | None:
    """Why ``name`` cannot name the generated class, or None."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        return (f"expected a Python class name (letters, digits and _, not starting with a "
                f"digit), got {name!r}")
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name.startswith("__"):
        return f"{name!r} starts with __, which Python reserves; choose another name"
    if name in GENERATED_NAMES or name in _BUILTINS:
        return (f"{name!r} would shadow a name the generated code uses (a module, helper or "
                "Python built-in); choose another name")
    return None


# ---------------------------------------------------------------------------------------------
# Parsing and validation


def parse(data: Any, catalog: Catalog | None = None) -> tuple[NetworkSpec | None, list[Problem]]:
    """Turn JSON-like data into a spec, collecting every problem instead of stopping."""
    catalog = catalog or default_catalog()
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem("", f"expected a JSON object, got {type(data).__name__}")]
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        problems.append(Problem("format", f"expected {FORMAT!r}, got {fmt!r}"))
    version = data.get("version", VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem("version", f"expected a positive integer, got {version!r}"))
    elif version > VERSION:
        problems.append(Problem(
            "version",
            f"this file is format version {version}, newer than this netbuilder reads "
            f"({VERSION}); update netbuilder to open it",
        ))
    if problems:
        return None, problems

    input_shape = data.get("input_shape")
    if not (isinstance(input_shape, list) and 1 <= len(input_shape) <= 6
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                    for v in input_shape)):
        problems.append(Problem(
            "input_shape",
            f"expected a list of 1 to 6 integers ≥ 1 (without the batch), got {input_shape!r}",
        ))
        input_shape = [1, 28, 28]
    class_name = data.get("class_name", "Net")
    class_problem = check_class_name(class_name)
    if class_problem:
        problems.append(Problem("class_name", class_problem))
        class_name = "Net"
    num_classes = data.get("num_classes")
    if num_classes is not None and not (
        isinstance(num_classes, int) and not isinstance(num_classes, bool) and num_classes >= 1
    ):
        problems.append(Problem("num_classes", f"expected an integer ≥ 1, got {num_classes!r}"))
        num_classes = None
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem("description", f"expected text, got {description!r}"))
        description = ""
    layers = data.get("layers")
    if not isinstance(layers, list):
        problems.append(Problem("layers", f"expected a list of layers, got {layers!r}"))
        layers = []
    known = {"format", "version", "class_name", "input_shape", "num_classes", "description",
             "layers"}
    for extra in sorted(set(data) - known, key=str):
        problems.append(Problem(str(extra), "unknown field"))
    items = _parse_items(layers, "layers", "", catalog, problems, 0)
    spec = NetworkSpec(list(input_shape), items, class_name, num_classes, description)
    return spec, problems


def _parse_items(raw: list[Any], json_path: str, prefix: str, catalog: Catalog,
                 problems: list[Problem], depth: int) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        here = f"{json_path}[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(here, f"expected an object with kind and name, got {entry!r}"))
            continue
        name = entry.get("name")
        name_problem = check_name(name)
        where = f"{prefix}{name}" if isinstance(name, str) and name else here
        if name_problem:
            problems.append(Problem(f"{here}.name", name_problem))
            continue
        if name in seen:
            problems.append(Problem(where, f"duplicate name {name!r}: names must be unique"))
            continue
        seen.add(name)
        kind = entry.get("kind")
        if kind == BLOCK:
            sub = entry.get("layers", [])
            if not isinstance(sub, list):
                problems.append(Problem(f"{where}.layers", f"expected a list, got {sub!r}"))
                sub = []
            for extra in sorted(set(entry) - {"kind", "name", "layers"}, key=str):
                problems.append(Problem(f"{where}.{extra}", "unknown field of a block"))
            if depth >= MAX_DEPTH:  # stop here: recursing on would overflow Python's stack
                problems.append(Problem(where, f"blocks nested deeper than {MAX_DEPTH}"))
                continue
            children = _parse_items(sub, f"{here}.layers", f"{where}.", catalog, problems,
                                    depth + 1)
            items.append(BlockSpec(name, children))
            continue
        if not isinstance(kind, str) or kind not in catalog:
            problems.append(Problem(where, f"unknown layer kind {kind!r}{_suggest(kind, catalog)}"))
            continue
        args = entry.get("args", {})
        if not isinstance(args, dict):
            problems.append(Problem(f"{where}.args", f"expected an object, got {args!r}"))
            continue
        frozen = entry.get("frozen", False)
        if not isinstance(frozen, bool):
            problems.append(Problem(f"{where}.frozen", f"expected true or false, got {frozen!r}"))
            frozen = False
        for extra in sorted(set(entry) - {"kind", "name", "args", "frozen"}, key=str):
            problems.append(Problem(f"{where}.{extra}", "unknown field of a layer"))
        layer = LayerSpec(kind, name, dict(args), frozen)
        problems.extend(check_args(layer, where, catalog))
        items.append(layer)
    return items


def _suggest(kind: Any, catalog: Catalog) -> str:
    if not isinstance(kind, str):
        return "; expected one of the catalog's kinds (e.g. Linear, Conv2d, ReLU)"
    lowered = {name.lower(): name for name in catalog.names()}
    close = difflib.get_close_matches(kind.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {lowered[close[0]]!r}?"
    return "; known kinds: " + ", ".join(catalog.names())


def check_args(layer: LayerSpec, where: str, catalog: Catalog | None = None) -> list[Problem]:
    """Problems with a layer's arguments: unknown names, wrong types, out of range."""
    catalog = catalog or default_catalog()
    kind = catalog.get(layer.kind)
    if kind is None:
        return [Problem(where, f"unknown layer kind {layer.kind!r}")]
    problems = []
    known = kind.arg_names()
    for name, value in layer.args.items():
        if name not in known:
            allowed = ", ".join(known) if known else "none"
            problems.append(Problem(f"{where}.{name}",
                                    f"{layer.kind} has no argument {name!r} (allowed: {allowed})"))
            continue
        reason = kind.arg(name).check(value)
        if reason:
            problems.append(Problem(f"{where}.{name}", reason))
    return problems


def validate(spec: NetworkSpec, catalog: Catalog | None = None) -> list[Problem]:
    """Every problem of an in-memory spec (as edited), using the same rules as parsing."""
    if nesting_depth(spec.items) > MAX_DEPTH:  # checked first: to_dict recurses
        return [Problem("layers", f"blocks nested deeper than {MAX_DEPTH}")]
    return parse(spec.to_dict(), catalog)[1]


def resolved_args(layer: LayerSpec, catalog: Catalog | None = None) -> dict[str, Any]:
    """The layer's arguments with defaults filled in, in the catalog's order."""
    kind = (catalog or default_catalog()).get(layer.kind)
    if kind is None:
        return dict(layer.args)
    return {arg.name: arg.normalize(layer.args.get(arg.name, arg.default)) for arg in kind.args}
