"""Trained weights across architecture edits.

After training, a person keeps editing. Rebuilding the model from the edited spec keeps the
trained weights of every layer whose name and tensor shapes did not change, so adding a layer
does not throw away the rest.
"""

from __future__ import annotations

import torch
from torch import nn

from netbuilder.core.builder import build
from netbuilder.core.spec import NetworkSpec


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
