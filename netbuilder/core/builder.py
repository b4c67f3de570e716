"""Spec → ``nn.Sequential`` with named children, nested blocks, residuals and parallel branches,
and back.

``build`` names every child as the spec does, so ``state_dict`` keys are the names a person reads
in the app (``res1.body.0.weight``, ``mix.branches.1.conv.weight``). ``spec_from_module`` brings
a model written in code (an ``nn.Sequential``, nested or not, made of catalog kinds and
:mod:`netbuilder.core.containers`) into the app.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import nullcontext
from typing import Any

import torch
from torch import nn

from netbuilder.core.catalog import FLOATS, Catalog, LayerKind, default_catalog
from netbuilder.core.container_modules import Parallel, Residual
from netbuilder.core.containers import ACTIVATIONS, MERGES
from netbuilder.core.names import check_name
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    Problem,
    ResidualSpec,
    SpecError,
)
from netbuilder.core.spec_parse import resolved_args, validate


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
        if isinstance(item, ResidualSpec):
            body = _build_items(item.body, path + ".body.", catalog, problems)
            shortcut = (_build_items(item.shortcut, path + ".shortcut.", catalog, problems)
                        if item.shortcut else None)
            children[item.name] = Residual(body, shortcut,
                                           build_activation(item.activation, catalog))
            continue
        if isinstance(item, ParallelSpec):
            branches = [_build_items(branch, f"{path}.branches.{index}.", catalog, problems)
                        for index, branch in enumerate(item.branches)]
            children[item.name] = Parallel(branches, item.merge, item.dim)
            continue
        try:
            children[item.name] = build_layer(item, catalog)
        except Exception as exc:  # torch rejects some combinations (e.g. groups vs channels)
            problems.append(Problem(path, f"{item.kind} cannot be built: {_reason(exc)}"))
            children[item.name] = nn.Identity()
    return nn.Sequential(children)


def build_activation(kind: str, catalog: Catalog | None = None) -> nn.Module | None:
    """A residual's activation (its default arguments), or None for ''."""
    if not kind:
        return None
    entry = (catalog or default_catalog()).get(kind)
    if entry is None:
        raise ValueError(f"unknown activation {kind!r}")
    return entry.create()


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
        if arg.type == FLOATS and isinstance(value, torch.Tensor) and value.dim() == 1 \
                and not value.is_meta:
            value = [float(v) for v in value.tolist()]  # Normalize's mean and std buffers
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
        if type(child) is Residual:
            items.append(_residual_from_module(child, name, path, catalog, problems))
            continue
        if type(child) is Parallel:
            items.append(_parallel_from_module(child, name, path, catalog, problems))
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


def _stack_from_module(module: nn.Module, path: str, catalog: Catalog,
                       problems: list[Problem], identity_ok: bool = False) -> list[Item]:
    """A stack's items: an nn.Sequential's children ([] for nn.Identity where allowed)."""
    if identity_ok and type(module) is nn.Identity:
        return []
    if type(module) is not nn.Sequential:
        allowed = "an nn.Sequential or nn.Identity" if identity_ok else "an nn.Sequential"
        problems.append(Problem(path, f"expected {allowed}, got {type(module).__name__}"))
        return []
    return _items_from_module(module, path + ".", catalog, problems)


def _residual_from_module(module: Residual, name: str, path: str, catalog: Catalog,
                          problems: list[Problem]) -> ResidualSpec:
    body = _stack_from_module(module.body, path + ".body", catalog, problems)
    shortcut = _stack_from_module(module.shortcut, path + ".shortcut", catalog, problems,
                                  identity_ok=True)
    activation = ""
    if type(module.activation) is not nn.Identity:
        kind = catalog.kind_of_module(module.activation)
        plain = kind is not None and kind.name in ACTIVATIONS and not _extract_args(
            kind, module.activation)
        if not plain:
            problems.append(Problem(
                path + ".activation", f"expected nn.Identity or one of {', '.join(ACTIVATIONS)} "
                f"with default arguments, got {module.activation!r}"))
        else:
            activation = kind.name
    return ResidualSpec(name, body, shortcut, activation)


def _parallel_from_module(module: Parallel, name: str, path: str, catalog: Catalog,
                          problems: list[Problem]) -> ParallelSpec:
    branches = [_stack_from_module(branch, f"{path}.branches.{index}", catalog, problems)
                for index, branch in enumerate(module.branches)]
    if module.merge not in MERGES:
        problems.append(Problem(path + ".merge", f"expected one of {', '.join(MERGES)}, "
                                                 f"got {module.merge!r}"))
    return ParallelSpec(name, branches, module.merge, module.dim)


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
