"""Trained weights across architecture edits.

After training, a person keeps editing. Rebuilding the model from the edited spec keeps the
trained weights of every layer whose name and tensor shapes did not change, so adding a layer
does not throw away the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from netbuilder.core.builder import build
from netbuilder.core.spec import NetworkSpec
from netbuilder.core.weight_memory import WeightMemory


def layer_tensors(model: nn.Module) -> dict[str, dict[str, torch.Tensor]]:
    """Each module path with its own parameters and buffers (not its children's)."""
    found = {}
    for path, module in model.named_modules():
        own = {**dict(module.named_parameters(recurse=False)),
               **dict(module.named_buffers(recurse=False))}
        own = {k: v for k, v in own.items() if v is not None}
        if own:
            found[path] = own
    return found


def carry_over(old: nn.Module | None, spec: NetworkSpec) -> tuple[nn.Module, set[str]]:
    """The spec's model, with ``old``'s weights wherever a layer's name and shapes match.

    Returns the new model and the paths of the layers whose weights were kept.
    """
    new = build(spec)
    if old is None:
        return new, set()
    before = layer_tensors(old)
    kept = set()
    with torch.no_grad():
        for path, tensors in layer_tensors(new).items():
            previous = before.get(path)
            if previous is None or set(previous) != set(tensors):
                continue
            if any(previous[k].shape != t.shape or previous[k].dtype != t.dtype
                   for k, t in tensors.items()):
                continue
            for key, tensor in tensors.items():
                tensor.copy_(previous[key])
            kept.add(path)
    device = next((t.device for ts in before.values() for t in ts.values()), None)
    if device is not None:
        new.to(device)
    return new, kept


@dataclass
class Rebuilt:
    model: nn.Module
    kept: set[str]  # layers whose weights came from the old model
    recalled: set[str]  # layers whose weights came back from the memory
    trained: set[str]  # layers holding trained weights now


def rebuild(old: nn.Module, spec: NetworkSpec, trained: set[str], memory: WeightMemory,
            recall_everywhere: bool = False) -> Rebuilt:
    """The spec's model after an edit, undo or redo: the old model's weights wherever a layer's
    path and shapes match; elsewhere, the remembered weights of that path and shapes — for an
    undo or redo (``recall_everywhere``) any layer, for an edit only a layer that existed before
    under that path (typing a kernel size back restores it; a new layer starts fresh). Every
    old layer whose weights did not carry over is remembered."""
    new, kept = carry_over(old, spec)
    before = layer_tensors(old)
    recalled, now_trained = set(), set(trained) & kept
    for path, tensors in before.items():
        if path not in kept:
            memory.remember(path, tensors, path in trained)
    with torch.no_grad():
        for path, tensors in layer_tensors(new).items():
            if path in kept or not (recall_everywhere or path in before):
                continue
            found = memory.recall(path, tensors)
            if found is None:
                continue
            stored, was_trained = found
            for key, tensor in tensors.items():
                tensor.copy_(stored[key])
            recalled.add(path)
            if was_trained:
                now_trained.add(path)
    return Rebuilt(new, kept, recalled, now_trained)
