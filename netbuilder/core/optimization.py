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


def make_optimizer(config: TrainConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    """The optimizer ``config`` names, over ``params`` (the trainable parameters)."""
    if not params:
        raise TrainingError("every parameter is frozen: there is nothing to train")
    c = config
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum,
                               weight_decay=c.weight_decay)
    if c.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=c.lr, weight_decay=c.weight_decay)
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=c.lr, momentum=c.momentum,
                                   weight_decay=c.weight_decay)
    return torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)


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
