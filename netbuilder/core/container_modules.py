"""The ``nn.Module`` s of the two containers named in :mod:`netbuilder.core.containers`.

Their attribute names are the paths a person reads in the app and in the ``state_dict``: a
:class:`Residual` named ``res1`` holds ``res1.body`` and ``res1.shortcut``, a :class:`Parallel`
named ``mix`` holds ``mix.branches.0``, ``mix.branches.1``, ….
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from netbuilder.core.containers import MERGES


class Residual(nn.Module):
    """``y = activation(body(x) + shortcut(x))``; no shortcut passes ``x`` through unchanged.

    ``shortcut`` and ``activation`` are ``nn.Identity`` when not given, so the module always has
    the attributes ``body``, ``shortcut`` and ``activation``.
    """

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None,
                 activation: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.activation(self.body(x) + self.shortcut(x))


class Parallel(nn.Module):
    """Every branch on the same input, merged: concatenated along ``dim``, summed or averaged.

    Sum and mean stack the outputs first, so branches of different shapes are refused rather
    than broadcast into each other.
    """

    def __init__(self, branches: Iterable[nn.Module], merge: str = "concat", dim: int = 1) -> None:
        super().__init__()
        if merge not in MERGES:
            raise ValueError(f"merge must be one of {', '.join(MERGES)}, got {merge!r}")
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ValueError(f"dim must be an integer, got {dim!r}")
        self.branches = nn.ModuleList(branches)
        if len(self.branches) < 1:
            raise ValueError("a Parallel needs at least one branch")
        self.merge = merge
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        outputs = [branch(x) for branch in self.branches]
        if self.merge == "concat":
            return torch.cat(outputs, dim=self.dim)
        stacked = torch.stack(outputs)
        return stacked.sum(0) if self.merge == "sum" else stacked.mean(0)

    def extra_repr(self) -> str:
        return f"merge={self.merge!r}, dim={self.dim}"
