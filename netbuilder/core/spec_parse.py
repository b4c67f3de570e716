"""Reading a network spec someone wrote: every field checked, every problem named with its JSON
path, nothing built until all of it is valid (:func:`parse`); and the checks of a layer's
arguments against its kind (:func:`check_args`, :func:`resolved_args`)."""

from __future__ import annotations

import difflib
from typing import Any

from netbuilder.core.catalog import BLOCK, Catalog, default_catalog
from netbuilder.core.containers import ACTIVATIONS, MERGES, MIN_BRANCHES, PARALLEL, RESIDUAL
from netbuilder.core.layer_files import FIELD as LAYER_FILES_FIELD
from netbuilder.core.layer_files import check_refs
from netbuilder.core.names import check_class_name, check_name
from netbuilder.core.spec import (
    DIM_LIMIT,
    FORMAT,
    LEVELS,
    MAX_DEPTH,
    VERSION,
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    Problem,
    ResidualSpec,
    nesting_depth,
    nesting_levels,
    two_branches,
    uses_kind,
)

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
    layer_files = check_refs(data.get(LAYER_FILES_FIELD, []), problems)
    known = {"format", "version", "class_name", "input_shape", "num_classes", "description",
             "layers", LAYER_FILES_FIELD}
    for extra in sorted(set(data) - known, key=str):
        problems.append(Problem(str(extra), "unknown field"))
    items = _parse_items(layers, "layers", "", catalog, problems, 0)
    for kind in (RESIDUAL, PARALLEL):  # generated code defines a helper class of that name
        if class_name == kind and uses_kind(items, kind):
            problems.append(Problem("class_name", f"{class_name!r} is the name of the helper "
                                    f"class generated code defines for its {kind.lower()} "
                                    "containers; choose another name"))
    spec = NetworkSpec(list(input_shape), items, class_name, num_classes, description,
                       layer_files)
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
        if kind in (RESIDUAL, PARALLEL):
            if depth + LEVELS[kind] > MAX_DEPTH:
                problems.append(Problem(where, f"containers nested deeper than {MAX_DEPTH} "
                                               "levels (a residual or parallel counts two)"))
                continue
            parse_container = _parse_residual if kind == RESIDUAL else _parse_parallel
            items.append(parse_container(entry, name, here, where, catalog, problems,
                                         depth + LEVELS[kind] - 1))
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


def _stack_list(entry: dict[str, Any], key: str, where: str, problems: list[Problem]) -> list:
    value = entry.get(key, [])
    if not isinstance(value, list):
        problems.append(Problem(f"{where}.{key}", f"expected a list of layers, got {value!r}"))
        return []
    return value


def _parse_residual(entry: dict[str, Any], name: str, here: str, where: str, catalog: Catalog,
                    problems: list[Problem], depth: int) -> ResidualSpec:
    for extra in sorted(set(entry) - {"kind", "name", "body", "shortcut", "activation"},
                        key=str):
        problems.append(Problem(f"{where}.{extra}", "unknown field of a residual"))
    activation = entry.get("activation", "")
    if activation != "" and (not isinstance(activation, str) or activation not in ACTIVATIONS
                             or activation not in catalog):
        problems.append(Problem(f"{where}.activation", f"expected \"\" (none) or one of: "
                                f"{', '.join(ACTIVATIONS)}, got {_shown(activation)}"))
        activation = ""
    stacks = {}
    for key in ("body", "shortcut"):
        raw = _stack_list(entry, key, where, problems)
        stacks[key] = _parse_items(raw, f"{here}.{key}", f"{where}.{key}.", catalog, problems,
                                   depth + 1)
    return ResidualSpec(name, stacks["body"], stacks["shortcut"], activation)


def _parse_parallel(entry: dict[str, Any], name: str, here: str, where: str, catalog: Catalog,
                    problems: list[Problem], depth: int) -> ParallelSpec:
    for extra in sorted(set(entry) - {"kind", "name", "branches", "merge", "dim"}, key=str):
        problems.append(Problem(f"{where}.{extra}", "unknown field of a parallel"))
    merge = entry.get("merge", "concat")
    if not isinstance(merge, str) or merge not in MERGES:
        problems.append(Problem(f"{where}.merge", f"expected one of: {', '.join(MERGES)}, "
                                                  f"got {_shown(merge)}"))
        merge = "concat"
    dim = entry.get("dim", 1)
    if not (isinstance(dim, int) and not isinstance(dim, bool) and abs(dim) <= DIM_LIMIT):
        problems.append(Problem(f"{where}.dim", f"expected an integer from {-DIM_LIMIT} to "
                                                f"{DIM_LIMIT}, got {_shown(dim)}"))
        dim = 1
    raw = entry.get("branches", two_branches())
    if not isinstance(raw, list):
        problems.append(Problem(f"{where}.branches", f"expected a list of branches (each a list "
                                                     f"of layers), got {_shown(raw)}"))
        raw = two_branches()
    elif len(raw) < MIN_BRANCHES:
        problems.append(Problem(f"{where}.branches", f"a parallel needs at least {MIN_BRANCHES} "
                                                     f"branches, got {len(raw)}"))
    branches = []
    for index, branch in enumerate(raw):
        if not isinstance(branch, list):
            problems.append(Problem(f"{where}.branches.{index}",
                                    f"expected a list of layers, got {_shown(branch)}"))
            branch = []
        branches.append(_parse_items(branch, f"{here}.branches[{index}]",
                                     f"{where}.branches.{index}.", catalog, problems,
                                     depth + 1))
    return ParallelSpec(name, branches, merge, dim)


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
    if nesting_levels(spec.items) > MAX_DEPTH:  # checked first: to_dict recurses
        return [Problem("layers", f"blocks nested deeper than {MAX_DEPTH}" if nesting_depth(
            spec.items) > MAX_DEPTH else f"containers nested deeper than {MAX_DEPTH} levels (a "
            "residual or parallel counts two)")]
    return parse(spec.to_dict(), catalog)[1]


def resolved_args(layer: LayerSpec, catalog: Catalog | None = None) -> dict[str, Any]:
    """The layer's arguments with defaults filled in, in the catalog's order."""
    kind = (catalog or default_catalog()).get(layer.kind)
    if kind is None:
        return dict(layer.args)
    return {arg.name: arg.normalize(layer.args.get(arg.name, arg.default)) for arg in kind.args}
