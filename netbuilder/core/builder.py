"""Spec → ``nn.Sequential`` with named children and nested blocks, and back.

``build`` names every child as the spec does, so ``state_dict`` keys are the names a person reads
in the app. ``spec_from_module`` brings a model written in code (an ``nn.Sequential``, nested or
not, made of catalog kinds) into the app.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import nullcontext
from typing import Any

import torch
from torch import nn

from netbuilder.core.catalog import Catalog, LayerKind, default_catalog
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    Problem,
    SpecError,
    check_name,
    resolved_args,
    validate,
)


def build_layer(layer: LayerSpec, catalog: Catalog | None = None) -> nn.Module:
    """One layer's module; raises ValueError with torch's reason when the arguments clash."""
    catalog = catalog or default_catalog()
    kind = catalog.get(layer.kind)
    if kind is None:
        raise ValueError(f"unknown layer kind {layer.kind!r}")
    module = kind.create(**resolved_args(layer, catalog))
    if layer.frozen:
        module.requires_grad_(False)
    return module


def _build_items(items: list[Item], prefix: str, catalog: Catalog,
                 problems: list[Problem]) -> nn.Sequential:
    children: OrderedDict[str, nn.Module] = OrderedDict()
    for item in items:
        path = prefix + item.name
        if isinstance(item, BlockSpec):
            children[item.name] = _build_items(item.items, path + ".", catalog, problems)
            continue
        try:
            children[item.name] = build_layer(item, catalog)
        except Exception as exc:  # torch rejects some combinations (e.g. groups vs channels)
            problems.append(Problem(path, f"{item.kind} cannot be built: {_reason(exc)}"))
            children[item.name] = nn.Identity()
    return nn.Sequential(children)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text


def build(spec: NetworkSpec, catalog: Catalog | None = None,
          device: torch.device | str | None = None, validated: bool = False) -> nn.Sequential:
    """The spec's model; raises :class:`SpecError` with every problem found.

    ``device="meta"`` builds without memory (used by the analysis).
    """
    catalog = catalog or default_catalog()
    problems = [] if validated else validate(spec, catalog)
    if problems:
        raise SpecError(problems)
    with torch.device(device) if device is not None else nullcontext():
        model = _build_items(spec.items, "", catalog, problems)
    if problems:
        raise SpecError(problems)
    return model


# ---------------------------------------------------------------------------------------------
# Module → spec


def _extract_args(kind: LayerKind, module: nn.Module) -> dict[str, Any]:
    """Read a module's constructor arguments back from its attributes."""
    args: dict[str, Any] = {}
    for arg in kind.args:
        if not hasattr(module, arg.name):
            continue
        value = getattr(module, arg.name)
        if arg.type == "bool" and (value is None or isinstance(value, torch.Tensor)):
            value = value is not None  # e.g. Linear.bias is a Parameter or None
        if isinstance(value, torch.Tensor):
            continue
        value = arg.normalize(value)
        if arg.required or value != arg.normalize(arg.default):
            args[arg.name] = value
    return args


def _items_from_module(module: nn.Module, prefix: str, catalog: Catalog,
                       problems: list[Problem]) -> list[Item]:
    items: list[Item] = []
    for name, child in module.named_children():
        path = prefix + name
        reason = check_name(name)
        if reason:
            problems.append(Problem(path, reason))
            continue
        if type(child) is nn.Sequential:
            items.append(BlockSpec(name, _items_from_module(child, path + ".", catalog, problems)))
            continue
        kind = catalog.kind_of_module(child)
        if kind is None:
            cls = type(child)
            hint = ""
            if isinstance(child, nn.RNNBase):
                hint = (f"; nn.{cls.__name__} returns a tuple and cannot sit in nn.Sequential — "
                        f"use netbuilder's {cls.__name__} kind (output: last or sequence)")
            problems.append(Problem(
                path, f"{cls.__module__}.{cls.__qualname__} is not a layer kind netbuilder "
                      f"knows{hint}"))
            continue
        frozen = any(True for _ in child.parameters()) and not any(
            p.requires_grad for p in child.parameters())
        items.append(LayerSpec(kind.name, name, _extract_args(kind, child), frozen))
    return items


def spec_from_module(module: nn.Module, input_shape: list[int] | tuple[int, ...],
                     class_name: str = "Net", num_classes: int | None = None,
                     catalog: Catalog | None = None) -> NetworkSpec:
    """The spec of an ``nn.Sequential`` (nested too); raises :class:`SpecError` if impossible."""
    catalog = catalog or default_catalog()
    if not isinstance(module, nn.Sequential):
        raise SpecError([Problem("", f"expected an nn.Sequential, got {type(module).__name__}: "
                                     "only sequential stacks can be edited")])
    problems: list[Problem] = []
    items = _items_from_module(module, "", catalog, problems)
    if problems:
        raise SpecError(problems)
    spec = NetworkSpec(list(input_shape), items, class_name, num_classes)
    problems = validate(spec, catalog)
    if problems:
        raise SpecError(problems)
    return spec
