"""Statistics, histogram and picture of one tensor, for the tensor inspector.

Kept Qt-free so the numerics (non-finite values left out, no overflow on huge values, capped
filter grids, averaged-down heat maps) are tested without a display and reusable headless.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


HIST_BINS = 50
MAX_FILTERS = 256  # filters drawn in the grid; more are left out
MAX_HEATMAP_SIDE = 512  # larger matrices are averaged down to this many rows / columns


def shape_text(shape: tuple[int, ...] | torch.Size) -> str:
    """A shape as people write it ("3 × 4"), or "scalar" for a 0-d tensor."""
    return " × ".join(str(s) for s in shape) if len(shape) else "scalar"


def dtype_text(dtype: torch.dtype) -> str:
    """The dtype without its module prefix ("float32", not "torch.float32")."""
    return str(dtype).removeprefix("torch.")


def filter_grid_shape(filters: int, kh: int, kw: int) -> tuple[int, int]:
    """Pixel size (rows, columns) of the grid that shows ``filters`` kh×kw filters.

    The filters sit in a near-square grid (``ceil(sqrt(n))`` columns) one pixel apart.
    """
    filters = min(filters, MAX_FILTERS)
    if filters <= 0:
        return (0, 0)
    cols = math.ceil(math.sqrt(filters))
    rows = math.ceil(filters / cols)
    return (rows * (kh + 1) - 1, cols * (kw + 1) - 1)


@dataclass
class TensorSummary:
    """What the inspector shows of one tensor; statistics are NaN where they do not exist."""

    shape: tuple[int, ...] = ()
    dtype: str = ""
    device: str = ""
    numel: int = 0
    mean: float = math.nan
    std: float = math.nan
    min: float = math.nan
    max: float = math.nan
    norm: float = math.nan
    nan_count: int = 0
    inf_count: int = 0
    is_meta: bool = False
    is_float: bool = False
    is_complex: bool = False
    counts: np.ndarray | None = None  # histogram, HIST_BINS integers
    edges: np.ndarray | None = None  # HIST_BINS + 1 bin edges
    picture_kind: str = "none"  # "filters", "heatmap" or "none"
    picture: np.ndarray | None = None  # 2-D float image, rows first (NaN = transparent)
    picture_levels: tuple[float, float] = (0.0, 1.0)
    filters_shown: int = 0
    filters_total: int = 0
    downsampled: bool = False


def summarize_tensor(tensor: torch.Tensor, bins: int = HIST_BINS) -> TensorSummary:
    """Statistics, histogram and picture of a detached CPU copy of ``tensor``.

    Integer and bool tensors get statistics but no histogram or picture; complex ones are
    summarised by their magnitudes. Non-finite values are counted and left out of the
    statistics and the histogram; in pictures they show as holes.
    """
    import torch

    summary = TensorSummary(
        shape=tuple(tensor.shape), dtype=dtype_text(tensor.dtype), device=str(tensor.device),
        numel=tensor.numel(), is_meta=tensor.is_meta,
    )
    if tensor.is_meta or tensor.numel() == 0:
        return summary
    t = tensor.detach().to("cpu", copy=True)
    if t.is_complex():
        summary.is_complex = True
        t = t.abs()
    summary.is_float = t.is_floating_point()
    if summary.is_float:
        values = t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float32)
    else:
        values = t.to(torch.float64)  # exact for counters such as num_batches_tracked
    flat = values.reshape(-1)
    norm = float(torch.linalg.vector_norm(flat))
    if summary.is_float and not math.isfinite(norm):  # a NaN or ±inf (or an overflow)
        finite = torch.isfinite(flat)
        finite_count = int(finite.sum())
        summary.nan_count = int(torch.isnan(flat).sum())
        summary.inf_count = flat.numel() - finite_count - summary.nan_count
        if finite_count != flat.numel():
            flat = flat[finite]
            norm = float(torch.linalg.vector_norm(flat))
        if not math.isfinite(norm) and flat.dtype != torch.float64:  # finite but too large
            flat = flat.to(torch.float64)
            norm = float(torch.linalg.vector_norm(flat))
    count = flat.numel()
    if count > 0:
        # Cheap passes (sum, dot, aminmax); torch.std_mean is several times slower here.
        mean = flat.sum() / count
        summary.mean = float(mean)
        if count > 1:
            centred = flat - mean
            summary.std = math.sqrt(max(float(torch.dot(centred, centred)), 0.0) / (count - 1))
        lo, hi = torch.aminmax(flat)
        summary.min, summary.max = float(lo), float(hi)
        summary.norm = norm
        if summary.is_float:
            summary.counts, summary.edges = _histogram(flat, bins, summary.min, summary.max)
    if summary.is_float:
        if values.dim() == 4:
            _filters_picture(values, summary)
        elif values.dim() == 2:
            _heatmap_picture(values, summary)
    return summary


def _histogram(flat: torch.Tensor, bins: int, lo: float, hi: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """``bins`` equal bins from ``lo`` to ``hi`` (the last one closed), like ``torch.histc``."""
    import torch

    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    scale = bins / (hi - lo)
    if not math.isfinite(scale) or scale <= 0:  # a range too wide or too narrow for floats
        counts, edges = np.histogram(flat.to(torch.float64).numpy(), bins=bins, range=(lo, hi))
        return counts.astype(np.int64), edges
    index = ((flat - lo) * scale).to(torch.int64).clamp_(0, bins - 1)
    return torch.bincount(index, minlength=bins).numpy(), edges


def _filters_picture(weight: torch.Tensor, summary: TensorSummary) -> None:
    """Conv weight [out, in, kh, kw]: each filter averaged over its input channels, scaled to
    0…1 on its own, in a near-square grid."""
    import torch

    out, _in, kh, kw = weight.shape
    shown = min(out, MAX_FILTERS)
    filters = weight[:shown].to(torch.float64).mean(dim=1).numpy()  # [shown, kh, kw]
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN filters
        finite = np.where(np.isfinite(filters), filters, np.nan)
        lo = np.nanmin(finite.reshape(shown, -1), axis=1)[:, None, None]
        hi = np.nanmax(finite.reshape(shown, -1), axis=1)[:, None, None]
        span = hi - lo
        scaled = np.where(span > 0, (finite - lo) / np.where(span > 0, span, 1.0), 0.5)
    scaled = np.where(np.isfinite(finite), scaled, np.nan)
    rows, cols = filter_grid_shape(shown, kh, kw)
    grid = np.full((rows, cols), np.nan)
    per_row = math.ceil(math.sqrt(shown))
    for i in range(shown):
        r, c = divmod(i, per_row)
        grid[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = scaled[i]
    summary.picture_kind = "filters"
    summary.picture = grid
    summary.picture_levels = (0.0, 1.0)
    summary.filters_shown, summary.filters_total = shown, out


def _heatmap_picture(weight: torch.Tensor, summary: TensorSummary) -> None:
    """2-D weight [out, in]: rows are outputs, columns inputs, levels symmetric around 0."""
    import torch

    matrix = weight.to(torch.float32)
    rows, cols = matrix.shape
    if rows > MAX_HEATMAP_SIDE or cols > MAX_HEATMAP_SIDE:  # block means, at most 512 a side
        kernel = (math.ceil(rows / MAX_HEATMAP_SIDE), math.ceil(cols / MAX_HEATMAP_SIDE))
        matrix = torch.nn.functional.avg_pool2d(matrix[None, None], kernel, kernel,
                                                ceil_mode=True)[0, 0]
        summary.downsampled = True
    image = matrix.numpy().astype(np.float32, copy=True)
    image[~np.isfinite(image)] = np.nan
    limit = max(abs(summary.min), abs(summary.max)) if math.isfinite(summary.min) else 0.0
    if not limit > 0:
        limit = 1.0
    summary.picture_kind = "heatmap"
    summary.picture = image
    summary.picture_levels = (-limit, limit)
