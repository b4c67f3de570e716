"""A model's modules with the parameters and buffers each one owns, and freezing them.

The parameter tree shows ``modules()`` with, under each module, its own tensors; walking that
in order must give exactly ``named_parameters()`` and ``named_buffers()``. Kept Qt-free so the
rules (shared tensors appear once, integer parameters cannot be frozen) are tested headless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

NamedTensor = tuple[str, str, torch.Tensor]  # full dotted name, own name, tensor


@dataclass
class ModuleEntry:
    """One module as the tree shows it, with the parameters and buffers it owns."""

    path: str
    module: nn.Module
    parent: int | None  # index of the parent entry
    params: list[NamedTensor] = field(default_factory=list)
    buffers: list[NamedTensor] = field(default_factory=list)


def module_entries(model: nn.Module) -> list[ModuleEntry]:
    """Modules in ``named_modules()`` order, each with its own parameters and buffers.

    Shared modules and tensors appear once, where ``named_modules``/``named_parameters``/
    ``named_buffers`` first meet them, so the tree's order equals theirs.
    """
    entries: list[ModuleEntry] = []
    index: dict[str, int] = {}
    seen_params: set[int] = set()
    seen_buffers: set[int] = set()
    for path, module in model.named_modules():
        parent = index.get(path.rpartition(".")[0]) if path else None
        entry = ModuleEntry(path, module, parent)
        prefix = path + "." if path else ""
        for own, param in module._parameters.items():
            if param is None or id(param) in seen_params:
                continue
            seen_params.add(id(param))
            entry.params.append((prefix + own, own, param))
        for own, buffer in module._buffers.items():
            if buffer is None or id(buffer) in seen_buffers:
                continue
            seen_buffers.add(id(buffer))
            entry.buffers.append((prefix + own, own, buffer))
        index[path] = len(entries)
        entries.append(entry)
    return entries


def structure_signature(entries: list[ModuleEntry]) -> tuple:
    """What changes when modules, parameters or buffers are added, removed or renamed.

    A view compares it with the last one to rebuild its rows only when it must.
    """
    return tuple(
        (e.path, type(e.module), tuple(n for n, _, _ in e.params),
         tuple(n for n, _, _ in e.buffers))
        for e in entries
    )


def apply_freeze_to_model(model: nn.Module, name: str, frozen: bool, is_module: bool) -> int:
    """Freeze (``requires_grad=False``) or unfreeze a module's parameters or one parameter.

    ``name`` is a module path ("features.conv1", "" for the whole model) when ``is_module``,
    else a full parameter name as in ``named_parameters()`` ("fc1.weight"). Parameters that
    cannot take gradients (integer ones) are left alone. Returns how many parameters changed;
    raises AttributeError for an unknown name.
    """
    params = (list(model.get_submodule(name).parameters()) if is_module
              else [model.get_parameter(name)])
    changed = 0
    for param in params:
        if not (param.is_floating_point() or param.is_complex()):
            continue
        if param.requires_grad == frozen:
            param.requires_grad_(not frozen)
            changed += 1
    return changed


def find_tensor(model: nn.Module | None, name: str) -> torch.Tensor | None:
    """The parameter or buffer called ``name`` (as in ``named_parameters``/``named_buffers``)."""
    if model is None or not name:
        return None
    try:
        return model.get_parameter(name)
    except AttributeError:
        pass
    try:
        return model.get_buffer(name)
    except AttributeError:
        return None
