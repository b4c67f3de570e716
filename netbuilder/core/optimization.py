"""What a training configuration names, made real: the device, the optimizer and the learning
rate schedule; and fresh weights for a model."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from netbuilder.core.registry import DEVICES
from netbuilder.core.train_config import TrainConfig


class TrainingError(ValueError):
    """Settings or data that cannot train; the message names what is wrong."""


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then MPS, then the CPU; a named device must exist."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise TrainingError("device cuda: no CUDA GPU is available here; use cpu or auto")
    if name == "mps" and not mps:
        raise TrainingError("device mps: Apple's Metal backend is not available here; use cpu "
                            "or auto")
    if name not in DEVICES:
        raise TrainingError(f"device: expected one of {', '.join(DEVICES)}, got {name!r}")
    return torch.device(name)


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def reset_weights(model: nn.Module, seed: int | None = None) -> None:
    """Re-initialise every layer that knows how (seeded: the same seed, the same weights)."""
    if seed is not None:
        torch.manual_seed(seed)
    for module in model.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()


# The keys of an optimizer's parameter group that choose torch's implementation of its step,
# not its arithmetic's settings (see make_optimizer and kernel_of).
KERNEL_KEYS = ("foreach", "fused")
# Where torch has fused Adam, AdamW and SGD kernels for floating-point parameters (it checks
# only at the first step, so the choice is made here).
FUSED_DEVICES = ("cpu", "cuda")


def make_optimizer(config: TrainConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    """The optimizer ``config`` names, over ``params`` (the trainable parameters).

    Adam, AdamW and SGD take torch's fused kernel where the parameters' device has one (the CPU
    and CUDA do): the whole step is one call into C++ that runs without the interpreter lock,
    instead of about ten Python-dispatched operations per parameter. A small network trained
    in the window gains most, since the window's thread needs that lock too. RMSprop, which has
    no fused kernel, takes the multi-tensor (foreach) one, whose arithmetic is the plain loop's.
    """
    if not params:
        raise TrainingError("every parameter is frozen: there is nothing to train")
    c = config
    fast = ({"fused": True} if all(p.is_floating_point() and p.device.type in FUSED_DEVICES
                                   for p in params) else {"foreach": True})
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=c.lr, momentum=c.momentum,
                                   weight_decay=c.weight_decay, foreach=True)
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum,
                               weight_decay=c.weight_decay, **fast)
    kind = torch.optim.AdamW if c.optimizer == "adamw" else torch.optim.Adam
    return kind(params, lr=c.lr, weight_decay=c.weight_decay, **fast)


def kernel_of(saved: object, fresh: dict) -> dict:
    """The implementation keys (:data:`KERNEL_KEYS`) for a group resumed from ``saved``: the
    saved run's own, so that it continues with the same arithmetic, unless they are not plain
    choices or ask for a fused kernel that ``fresh`` (made here, for this device) lacks."""
    present = [key for key in KERNEL_KEYS if key in fresh]
    if not isinstance(saved, dict):
        return {key: fresh[key] for key in present}
    chosen = {key: saved.get(key) for key in present}
    plain = all(value is None or isinstance(value, bool) for value in chosen.values())
    if not plain or (chosen.get("fused") and not fresh.get("fused")):
        return {key: fresh[key] for key in present}
    return chosen


def resumed_groups(saved: object, fresh: list[dict]) -> list[dict]:
    """``fresh`` parameter groups as a run resumed from the ``saved`` groups would have them
    (see :func:`kernel_of`): what a saved run's groups must be alike to resume it exactly."""
    saved_groups = saved if isinstance(saved, list) else []
    return [{**group, **kernel_of(saved_groups[i] if i < len(saved_groups) else None, group)}
            for i, group in enumerate(fresh)]


def make_schedule(config: TrainConfig, optimizer: torch.optim.Optimizer, total_steps: int
                  ) -> tuple[Any, bool]:
    """The LR scheduler ``config`` names and whether it steps per batch (else per epoch)."""
    c = config
    sched = torch.optim.lr_scheduler
    if c.schedule == "step":
        return sched.StepLR(optimizer, step_size=max(1, c.epochs // 3), gamma=0.1), False
    if c.schedule == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=total_steps), True
    if c.schedule == "onecycle":
        return sched.OneCycleLR(optimizer, max_lr=c.lr, total_steps=total_steps), True
    return None, False
