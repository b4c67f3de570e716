"""What each layer computes for one input: activations, input saliency, feature-map grids.

``layer_activations`` runs one forward pass with a forward hook on every leaf module (a module
without children) and keeps each leaf's output for the first sample, in the order the layers
ran. ``saliency`` is the gradient of a class score with respect to the input pixels (Simonyan et
al., 2013), folded to one ``[H, W]`` map in ``[0, 1]``. ``feature_grid`` tiles a layer's
``[C, H, W]`` feature maps into one near-square picture.

Both passes put the model in eval mode (dropout off, batch norm on its running statistics, which
stay untouched) and give every module back the mode it had. Neither leaves a gradient on a
parameter. Qt-free: the pictures are drawn by ``netbuilder.gui.inspect.activations``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from netbuilder.core.catalog import default_catalog

__all__ = [
    "Activation",
    "feature_grid",
    "forward_with_activations",
    "layer_activations",
    "saliency",
]


@dataclass
class Activation:
    """One leaf module's output for the first sample of the batch.

    ``path`` is the dotted module path of ``named_modules`` (``"features.conv1"``); ``kind`` the
    catalog kind of the module (its class name for torch layers, ``"LSTM"`` for netbuilder's
    ``SequenceLSTM``; the class name for modules outside the catalog); ``values`` a detached CPU
    float32 tensor, ``output[0]`` (the output itself when it has no batch dimension).
    """

    path: str
    kind: str
    values: Tensor

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Eval mode for the duration; every module gets its own previous mode back."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _first_tensor(output: object) -> Tensor | None:
    """The output tensor, or the first tensor of a tuple/list output (``nn.LSTM``'s ``y``)."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _kind_name(module: nn.Module) -> str:
    kind = default_catalog().kind_of_module(module)
    return kind.name if kind is not None else type(module).__name__


def forward_with_activations(model: nn.Module, x: Tensor) -> tuple[Tensor, list[Activation]]:
    """``(model(x), activations)`` from one forward pass; see :func:`layer_activations`."""
    leaves = [(path, module) for path, module in model.named_modules()
              if next(module.children(), None) is None]
    kinds = {id(module): _kind_name(module) for _path, module in leaves}
    activations: list[Activation] = []
    handles = []

    def hook_for(path: str, module: nn.Module):
        kind = kinds[id(module)]

        def hook(_module: nn.Module, _inputs: object, output: object) -> None:
            tensor = _first_tensor(output)
            if tensor is None:
                return
            first = tensor[0] if tensor.dim() > 0 else tensor
            # A copy: an in-place layer further on (ReLU(inplace=True)) would change it.
            values = first.detach().to(device="cpu", dtype=torch.float32, copy=True)
            activations.append(Activation(path, kind, values))

        return hook

    try:
        for path, module in leaves:
            handles.append(module.register_forward_hook(hook_for(path, module)))
        with _eval_mode(model), torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, activations


def layer_activations(model: nn.Module, x: Tensor) -> list[Activation]:
    """Every leaf module's output for ``x[0]``, in the order the forward pass ran them.

    One forward pass under ``torch.no_grad`` in eval mode (the previous modes are restored). A
    leaf called twice appears twice; a leaf whose output holds no tensor is left out. The model's
    own output comes with :func:`forward_with_activations`.
    """
    return forward_with_activations(model, x)[1]


def saliency(model: nn.Module, x: Tensor, target: int | None = None) -> tuple[Tensor, int]:
    """``(map, target)``: how much each input pixel moves the target class's score.

    The gradient of ``model(x)[0, target]`` (default: the top class) with respect to ``x[0]``,
    absolute, the maximum over channels, divided by its maximum: a ``[H, W]`` float tensor in
    ``[0, 1]`` (all zeros when the gradient is). Only the input's gradient is computed
    (``torch.autograd.grad``), so no parameter's ``.grad`` changes. Eval mode, restored after.
    """
    inputs = x[:1].detach().clone().requires_grad_(True)
    with _eval_mode(model), torch.enable_grad():
        output = model(inputs)
        scores = _first_tensor(output)
        if scores is None:
            raise ValueError(f"the model returned no tensor but {type(output).__name__}")
        scores = scores[0].reshape(-1)
        if target is None:
            target = int(scores.argmax())
        elif not 0 <= target < scores.numel():
            raise ValueError(f"target {target} is not a class of an output of {scores.numel()}")
        if not scores.requires_grad:  # every layer is constant in the input
            grad = torch.zeros_like(inputs)
        else:
            (grad,) = torch.autograd.grad(scores[target], inputs, allow_unused=True)
            if grad is None:
                grad = torch.zeros_like(inputs)
    result = grad[0].detach().to(device="cpu", dtype=torch.float32).abs()
    while result.dim() > 2:  # [C, H, W] → [H, W] (and deeper inputs likewise)
        result = result.amax(dim=0)
    if result.dim() < 2:  # a flat input [F] → one row
        result = result.reshape(1, -1)
    result = torch.nan_to_num(result, nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(result.max()) if result.numel() else 0.0
    result = result / peak if peak > 0 else torch.zeros_like(result)
    return result, target


def grid_shape(count: int) -> tuple[int, int]:
    """``(rows, cols)`` of the near-square grid ``feature_grid`` lays ``count`` maps out in."""
    if count <= 0:
        return 0, 0
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def normalise_maps(maps: Tensor) -> Tensor:
    """Each ``[H, W]`` map of ``[C, H, W]`` scaled to ``[0, 1]`` on its own; constant maps → 0.

    Non-finite values are ignored for the range and come out as NaN.
    """
    maps = maps.to(torch.float32)
    finite = torch.isfinite(maps)
    low = torch.where(finite, maps, torch.inf).amin(dim=(1, 2), keepdim=True)
    high = torch.where(finite, maps, -torch.inf).amax(dim=(1, 2), keepdim=True)
    span = high - low
    ok = torch.isfinite(span) & (span > 0)
    scaled = torch.where(ok, (maps - low) / torch.where(ok, span, 1.0), 0.0)
    return torch.where(finite, scaled, torch.nan)


def feature_grid(maps: Tensor, max_maps: int = 64, gap: int = 1,
                 gap_value: float = math.nan) -> Tensor:
    """The first ``max_maps`` channels of ``[C, H, W]`` tiled into one ``[gh, gw]`` picture.

    ``n = min(C, max_maps)`` maps go into ``cols = ceil(sqrt(n))`` columns and
    ``rows = ceil(n / cols)`` rows, row by row, ``gap`` pixels apart: ``gh = rows·H + (rows-1)·gap``
    and ``gw = cols·W + (cols-1)·gap`` (32 maps of 28×28 → 173×173). Each map is normalised to
    ``[0, 1]`` on its own (a constant map is 0); the gaps and the unused cells of the last row
    hold ``gap_value`` (NaN: "nothing here"). A 2-D input counts as one map.
    """
    if maps.dim() == 2:
        maps = maps.unsqueeze(0)
    if maps.dim() != 3:
        raise ValueError(f"expects [C, H, W] feature maps, got {list(maps.shape)}")
    maps = maps.detach().to("cpu")
    count = min(int(maps.shape[0]), max(int(max_maps), 0))
    height, width = int(maps.shape[1]), int(maps.shape[2])
    rows, cols = grid_shape(count)
    if count == 0 or height == 0 or width == 0:
        return torch.full((max(rows * height + (rows - 1) * gap, 0),
                           max(cols * width + (cols - 1) * gap, 0)), gap_value)
    tiles = torch.full((rows * cols, height + gap, width + gap), gap_value, dtype=torch.float32)
    tiles[:count, :height, :width] = normalise_maps(maps[:count])
    grid = tiles.reshape(rows, cols, height + gap, width + gap).permute(0, 2, 1, 3)
    grid = grid.reshape(rows * (height + gap), cols * (width + gap))
    return grid[: rows * (height + gap) - gap, : cols * (width + gap) - gap].contiguous()
