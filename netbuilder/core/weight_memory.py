"""The weights of layers that edits dropped, kept so that undo brings them back.

Importable without torch (it only holds tensors it is given): the window makes one before torch
has loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def _signature(tensors: dict[str, torch.Tensor]) -> tuple:
    return tuple(sorted((name, tuple(t.shape), str(t.dtype)) for name, t in tensors.items()))


class WeightMemory:
    """Weights of layers that edits dropped, so that undo and redo bring them back bit for bit.

    An edit that changes a layer's shapes re-initialises it; its old tensors are remembered
    under the layer's path and tensor shapes (the newest version of each), with whether they
    were trained. Bounded in bytes: the oldest are forgotten first.
    """

    def __init__(self, limit_bytes: int = 512 * 2**20):
        self.limit_bytes = limit_bytes
        self._entries: dict[tuple, tuple[dict[str, torch.Tensor], bool]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, path: str, tensors: dict[str, torch.Tensor], trained: bool) -> None:
        key = (path, _signature(tensors))
        self._entries.pop(key, None)
        self._entries[key] = ({k: t.detach().clone() for k, t in tensors.items()}, trained)
        while self._bytes() > self.limit_bytes and len(self._entries) > 1:
            del self._entries[next(iter(self._entries))]

    def recall(self, path: str, like: dict[str, torch.Tensor]
               ) -> tuple[dict[str, torch.Tensor], bool] | None:
        return self._entries.get((path, _signature(like)))

    def clear(self) -> None:
        self._entries.clear()

    def _bytes(self) -> int:
        return sum(t.numel() * t.element_size() for tensors, _ in self._entries.values()
                   for t in tensors.values())
