"""How training is going inside the network: gradient norms, update-to-weight ratios and dead
activation units, with a short diagnosis where a rule of thumb fires.

The update-to-weight ratio ‖Δw‖ / ‖w‖ of a step is about 1e-3 when the learning rate suits the
layer (Karpathy's rule of thumb); far above means the step is too big, far below too small.
A unit that never fires on a whole validation batch (an activation output ≤ 0 everywhere) is
dead: it passes no gradient and will not recover.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch
from torch import nn

ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU)
RATIO_HIGH, RATIO_LOW, DEAD_HIGH = 1e-2, 1e-5, 0.5


@dataclass
class ModuleHealth:
    path: str
    grad_norm: float | None = None  # of the module's own parameters, last measured step
    update_ratio: float | None = None  # ‖Δw‖ / ‖w‖ of that step
    dead_fraction: float | None = None  # activations only: units that never fired


@dataclass
class Health:
    step: int
    modules: dict[str, ModuleHealth] = field(default_factory=dict)
    parameter_grad_norms: dict[str, float] = field(default_factory=dict)

    def diagnosis(self) -> list[str]:
        return diagnose(self)


def _owner(name: str) -> str:
    return name.rpartition(".")[0]


@torch.no_grad()
def gradient_norms(model: nn.Module) -> dict[str, float]:
    """Per parameter, the L2 norm of its current gradient (parameters without one omitted)."""
    named = [(n, p.grad) for n, p in model.named_parameters() if p.grad is not None]
    if not named:
        return {}
    norms = torch.stack([g.detach().float().norm() for _n, g in named]).tolist()
    return {n: v for (n, _g), v in zip(named, norms, strict=True)}


@torch.no_grad()
def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


@torch.no_grad()
def update_ratios(model: nn.Module, before: dict[str, torch.Tensor]) -> dict[str, float]:
    """Per module, ‖w_after − w_before‖ / ‖w_before‖ over its own trainable parameters."""
    sums: dict[str, list[torch.Tensor]] = {}
    for name, param in model.named_parameters():
        if name not in before:
            continue
        old = before[name].float()
        delta = (param.detach().float() - old).pow(2).sum()
        sums.setdefault(_owner(name), []).append(torch.stack([delta, old.pow(2).sum()]))
    ratios = {}
    for path, parts in sums.items():
        delta, weight = torch.stack(parts).sum(0).sqrt().tolist()
        ratios[path] = delta / weight if weight > 0 else float("inf") if delta else 0.0
    return ratios


@torch.no_grad()
def dead_fractions(model: nn.Module, images: torch.Tensor) -> dict[str, float]:
    """For each activation module, the share of its units that are ≤ 0 for every image.

    A unit is one feature (for [N, F] outputs) or one channel's position (for [N, C, H, W]).
    """
    found: dict[str, float] = {}
    hooks = []

    def hook_for(path: str):
        def record(_module, _inputs, output):
            if isinstance(output, torch.Tensor) and output.dim() >= 2 and len(output):
                fired = (output > 0).any(dim=0)
                found[path] = 1.0 - fired.float().mean().item()
        return record

    for path, module in model.named_modules():
        if isinstance(module, ACTIVATIONS):
            hooks.append(module.register_forward_hook(hook_for(path)))
    was_training = model.training
    model.eval()
    try:
        model(images)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return found


def collect(step: int, grad_norms: dict[str, float], ratios: dict[str, float],
            dead: dict[str, float]) -> Health:
    health = Health(step, parameter_grad_norms=dict(grad_norms))
    squares: dict[str, float] = {}
    for name, norm in grad_norms.items():
        squares[_owner(name)] = squares.get(_owner(name), 0.0) + norm * norm
    for path in set(squares) | set(ratios) | set(dead):
        health.modules[path] = ModuleHealth(
            path, squares[path] ** 0.5 if path in squares else None, ratios.get(path),
            dead.get(path))
    return health


def with_dead_fractions(health: Health, dead: dict[str, float]) -> Health:
    """A copy of ``health`` with the dead fractions of ``dead`` set; ``health`` itself is left
    as it was, since it may already be on its way to another thread."""
    modules = {path: replace(module) for path, module in health.modules.items()}
    for path, fraction in dead.items():
        modules[path] = replace(modules.get(path) or ModuleHealth(path), dead_fraction=fraction)
    return Health(health.step, modules, dict(health.parameter_grad_norms))


def diagnose(health: Health) -> list[str]:
    """Short findings where a rule fires, worst first."""
    found = []
    for path, module in sorted(health.modules.items()):
        ratio = module.update_ratio
        if ratio is not None and ratio > RATIO_HIGH:
            found.append(f"{path}: update/weight ratio {ratio:.1e} ≫ 1e-3 — the learning rate "
                         "is likely too high")
        elif ratio is not None and 0 < ratio < RATIO_LOW:
            found.append(f"{path}: update/weight ratio {ratio:.1e} ≪ 1e-3 — this layer barely "
                         "learns; the learning rate may be too low")
        if module.dead_fraction is not None and module.dead_fraction >= DEAD_HIGH:
            found.append(f"{module.dead_fraction:.0%} of {path} units never fire on a "
                         "validation batch — try a lower learning rate or LeakyReLU")
        if module.grad_norm is not None and module.grad_norm == 0.0:
            found.append(f"{path}: zero gradient — nothing reaches this layer")
    return found
