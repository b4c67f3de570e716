"""Per-channel normalisation: the statistics of a training set and the layer that applies them.

Images reach a network as floats in [0, 1]. Networks for colour photos usually train better on
inputs centred per channel, ``(x - mean) / std``; netbuilder keeps that step inside the network,
as a :class:`Normalize` layer, so that exported weights and code take the same [0, 1] images
as everything else. :func:`channel_stats` computes the values to give it, from the training
split only (the validation images must not leak into the model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

STATS_CHUNK = 4096  # images summed at a time: float64 copies of a whole dataset are not needed


def channel_stats(images: torch.Tensor) -> tuple[list[float], list[float]]:
    """Mean and standard deviation of each channel of uint8 images ``[N, C, …]``, in [0, 1]
    units (pixel / 255), over all images and positions; the population deviation (divided by
    the count, as torchvision's usual CIFAR values are). A channel that never varies gets a
    deviation of 1.0, so normalising it only subtracts its mean instead of dividing by zero.

    Give it the training split only. Raises ValueError for anything but uint8 with a channel
    dimension, or no images.
    """
    if images.dtype != torch.uint8 or images.dim() < 2:
        raise ValueError(f"channel statistics need uint8 images [N, C, …], got "
                         f"{images.dtype} of shape {list(images.shape)}")
    if images.shape[0] == 0 or images[0].numel() == 0:
        raise ValueError("channel statistics need at least one image with pixels")
    channels = images.shape[1]
    total = torch.zeros(channels, dtype=torch.float64)
    squares = torch.zeros(channels, dtype=torch.float64)
    for start in range(0, images.shape[0], STATS_CHUNK):
        chunk = images[start:start + STATS_CHUNK].to("cpu", torch.float64)
        chunk = chunk.transpose(0, 1).reshape(channels, -1)
        total += chunk.sum(1)
        squares += chunk.square().sum(1)
    count = images.numel() // channels
    mean = total / count
    variance = (squares / count - mean.square()).clamp_min(0.0)
    means = [float(m) / 255.0 for m in mean]
    stds = [math.sqrt(float(v)) / 255.0 for v in variance]
    # float64 sums leave ~1e-16 of noise where a channel is constant
    stds = [s if s > 1e-9 else 1.0 for s in stds]
    return means, stds


def _values(name: str, values: Sequence[float]) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"Normalize: {name} must be a non-empty list of numbers, "
                         f"got {values!r}")
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value):
            raise ValueError(f"Normalize: {name} must hold finite numbers, got {value!r}")
        out.append(float(value))
    return out


class Normalize(nn.Module):
    """``(x - mean) / std`` per channel (dimension 1) of ``[N, C, …]``; one value applies to
    every channel.

    ``mean`` and ``std`` are buffers, so they are in the state_dict (keys ``mean`` and ``std``,
    float32 ``[C]``) and move with the module between devices; they are not trained.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        means, stds = _values("mean", mean), _values("std", std)
        if len(means) != len(stds):
            raise ValueError(f"Normalize: mean has {len(means)} values but std has {len(stds)}; "
                             "give one pair per channel")
        if any(s <= 0 for s in stds):
            raise ValueError(f"Normalize: std must be > 0, got {stds}")
        self.register_buffer("mean", torch.tensor(means, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(stds, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2:
            raise ValueError(f"Normalize expects [N, C, …] (channels in dimension 1), "
                             f"receives {list(x.shape)}")
        if self.mean.numel() not in (1, x.shape[1]):
            raise ValueError(f"Normalize holds {self.mean.numel()} channels' mean and std, "
                             f"receives {list(x.shape)} ({x.shape[1]} channels in dimension 1)")
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return (x - self.mean.view(shape)) / self.std.view(shape)

    def extra_repr(self) -> str:
        if self.mean.is_meta:  # built for the analysis: no values to show
            return f"channels={self.mean.numel()}"
        def shown(values: torch.Tensor) -> str:
            return "[" + ", ".join(f"{v:.6g}" for v in values.tolist()) + "]"

        return f"mean={shown(self.mean)}, std={shown(self.std)}"


# The class as generated code writes it: torch only, same state_dict keys and arithmetic.
# Code generation should emit this beside the network (as it does its Residual and Parallel
# helpers) instead of importing netbuilder; tests check the two agree.
HELPER_SOURCE = '''

class Normalize(nn.Module):
    """(x - mean) / std per channel (dim 1); mean and std are state_dict buffers."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor([float(v) for v in mean]))
        self.register_buffer("std", torch.tensor([float(v) for v in std]))

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return (x - self.mean.view(shape)) / self.std.view(shape)
'''
