"""A run's settings (:class:`TrainConfig`) and the limits the app's controls put on them.

Torch-free on purpose: the command line builds its parser (``netbuilder --help``, ``netbuilder
train --help``) from these defaults, and importing torch for that would cost seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from netbuilder.core.registry import TRAINING_CHOICES, names

# What the app's controls accept; a file asking for more is refused, not clamped.
SETTING_LIMITS: dict[str, tuple[float, float]] = {
    "lr": (1e-6, 10.0), "weight_decay": (0.0, 1.0), "momentum": (0.0, 0.999),
    "val_split": (0.01, 0.9), "batch_size": (1, 65536), "epochs": (1, 10000),
    "seed": (0, 2**31 - 1), "patience": (0, 10000),
    "stroke": (0.0, 1.0), "blur": (0.0, 1.0), "elastic": (0.0, 1.0), "erase": (0.0, 1.0),
}
# The strengths of core.pen_augment's effects, in the order they are shown.
PEN_SETTINGS = ("stroke", "blur", "elastic", "erase")


@dataclass
class TrainConfig:
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9  # SGD and RMSprop
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 5
    schedule: str = "none"
    seed: int = 0
    device: str = "auto"
    augment: bool = False
    # Pen and scanner effects (core.pen_augment), 0 (off) to 1, applied with ``augment``. Off by
    # default: benchmarks/robustness.py measured every mix tried as lowering digits_cnn's
    # accuracy on validation, pen-drawn and font digits (see the README). Erasing is for photos.
    stroke: float = 0.0
    blur: float = 0.0
    elastic: float = 0.0
    erase: float = 0.0

    patience: int = 0  # 0: off; N: stop once the validation loss has not improved for N epochs

    def problems(self, train_size: int | None = None) -> list[str]:
        """What is wrong with these settings, one line each (any values: never raises)."""
        # Here, not at the top: pth_guard imports torch, which this module must not.
        from netbuilder.core.pth_guard import is_finite_number, short_repr

        found = []
        for name, choices in TRAINING_CHOICES.items():
            allowed = names(choices)
            value = getattr(self, name)
            if not isinstance(value, str) or value not in allowed:
                found.append(f"{name}: expected one of {', '.join(allowed)}, got "
                             f"{short_repr(value)}")
        if not (is_finite_number(self.lr) and self.lr > 0):
            found.append(f"learning rate: expected a number > 0, got {short_repr(self.lr)}")
        if not (is_finite_number(self.weight_decay) and self.weight_decay >= 0):
            found.append(f"weight decay: expected a number ≥ 0, got "
                         f"{short_repr(self.weight_decay)}")
        if not (is_finite_number(self.momentum) and 0 <= self.momentum < 1):
            found.append(f"momentum: expected a number from 0 to below 1, got "
                         f"{short_repr(self.momentum)}")
        if not _is_int(self.batch_size) or self.batch_size < 1:
            found.append(f"batch size: expected an integer ≥ 1, got "
                         f"{short_repr(self.batch_size)}")
        elif train_size is not None and self.batch_size > train_size:
            found.append(f"batch size {self.batch_size} is larger than the {train_size} "
                         "training images")
        if not _is_int(self.epochs) or self.epochs < 1:
            found.append(f"epochs: expected an integer ≥ 1, got {short_repr(self.epochs)}")
        if not _is_int(self.seed) or not 0 <= self.seed < 2**63:
            found.append(f"seed: expected an integer from 0 to 2^63 - 1, got "
                         f"{short_repr(self.seed)}")
        if not isinstance(self.augment, bool):
            found.append(f"augment: expected true or false, got {short_repr(self.augment)}")
        for name in PEN_SETTINGS:
            value = getattr(self, name)
            if not (is_finite_number(value) and 0 <= value <= 1):
                found.append(f"{name} strength: expected a number from 0 to 1, got "
                             f"{short_repr(value)}")
        if not _is_int(self.patience) or self.patience < 0:
            found.append(f"patience: expected an integer ≥ 0 (0: off), got "
                         f"{short_repr(self.patience)}")
        return found

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def pen(self) -> Any:
        """The pen and scanner effects this run adds after the affine augmentation (a
        :class:`~netbuilder.core.pen_augment.PenAugment`; all off without ``augment``)."""
        from netbuilder.core.pen_augment import PenAugment  # imports torch

        if not self.augment:
            return PenAugment()
        return PenAugment(**{name: float(getattr(self, name)) for name in PEN_SETTINGS})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _is_int(value: Any) -> bool:
    return type(value) is int

