"""Augmentation that models pens and scanners, batched on the images' device.

MNIST's writers used thin, crisp strokes; people who draw in the app or photograph a note do
not. Each effect here is drawn per image from a CPU generator (so a seed repeats a run) and
has a strength from 0 (off) to 1 (strong):

- stroke: thicker or thinner strokes, by grey-scale dilation and erosion (max-pooling);
- blur: a Gaussian blur of random amount, then a random gamma (ink intensity);
- elastic: a smooth random displacement field (Simard et al., 2003), made by upsampling
  coarse noise instead of convolving fine noise, which is cheaper and looks the same;
- erase: a random rectangle set to zero (random erasing, for photos rather than digits).

Images are [N, C, H, W] with ink (or light) as high values in [0, 1].
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F

EFFECTS = ("stroke", "blur", "elastic", "erase")


@dataclass(frozen=True)
class PenAugment:
    """Strengths from 0 (off) to 1 of each effect."""

    stroke: float = 0.0
    blur: float = 0.0
    elastic: float = 0.0
    erase: float = 0.0

    @property
    def active(self) -> bool:
        return any(getattr(self, name) > 0 for name in EFFECTS)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PenAugment:
        """From settings; unknown keys are ignored, values are checked by :meth:`problems`."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def problems(self) -> list[str]:
        found = []
        for name in EFFECTS:
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or not 0 <= value <= 1):
                found.append(f"{name} augmentation: expected a strength from 0 to 1, "
                             f"got {value!r}")
        return found


def _uniform(n: int, generator: torch.Generator, low: float, high: float,
             device: torch.device) -> torch.Tensor:
    return (low + (high - low) * torch.rand(n, generator=generator)).to(device)


def _stroke(images: torch.Tensor, generator: torch.Generator, strength: float) -> torch.Tensor:
    """Per image: thicker (dilation) or thinner (erosion) strokes, blended by an amount."""
    n = images.shape[0]
    amount = _uniform(n, generator, -strength, strength, images.device).view(n, 1, 1, 1)
    thicker = F.max_pool2d(images, 3, stride=1, padding=1)
    thinner = -F.max_pool2d(-images, 3, stride=1, padding=1)
    thinner = torch.maximum(thinner, images * 0.5)  # a thin stroke fades, never vanishes
    return torch.where(amount >= 0, images + amount * (thicker - images),
                       images - amount * (thinner - images))


def _gaussian_kernel(sigma: float, channels: int, device: torch.device) -> torch.Tensor:
    radius = max(1, math.ceil(2 * sigma))
    steps = torch.arange(-radius, radius + 1, dtype=torch.float32, device=device)
    line = torch.exp(-(steps ** 2) / (2 * sigma ** 2))
    line = line / line.sum()
    return (line[:, None] * line[None, :]).expand(channels, 1, -1, -1).contiguous()


def _blur(images: torch.Tensor, generator: torch.Generator, strength: float) -> torch.Tensor:
    """Per image: a blur of random amount (blending with a σ=1 blur), then a random gamma."""
    n, c = images.shape[:2]
    kernel = _gaussian_kernel(1.0, c, images.device)
    pad = kernel.shape[-1] // 2
    blurred = F.conv2d(F.pad(images, (pad,) * 4, mode="replicate"), kernel, groups=c)
    amount = _uniform(n, generator, 0.0, strength, images.device).view(n, 1, 1, 1)
    mixed = images + amount * (blurred - images)
    gamma = torch.exp(_uniform(n, generator, -0.5 * strength, 0.5 * strength,
                               images.device)).view(n, 1, 1, 1)
    return mixed.clamp(0, 1) ** gamma


def _elastic(images: torch.Tensor, generator: torch.Generator, strength: float) -> torch.Tensor:
    """A smooth random displacement of up to 2 pixels at full strength."""
    n, _c, h, w = images.shape
    coarse = torch.rand(n, 2, 3, 3, generator=generator).to(images.device) * 2 - 1
    field = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True)
    field = field * (2.0 * strength)  # pixels
    scale = torch.tensor([2 / w, 2 / h], device=images.device).view(1, 2, 1, 1)
    ys = torch.linspace(-1 + 1 / h, 1 - 1 / h, h, device=images.device)
    xs = torch.linspace(-1 + 1 / w, 1 - 1 / w, w, device=images.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    identity = torch.stack([grid_x, grid_y]).unsqueeze(0)
    grid = (identity + field * scale).permute(0, 2, 3, 1)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


def _erase(images: torch.Tensor, generator: torch.Generator, strength: float) -> torch.Tensor:
    """With probability ``strength``, a rectangle of 2–20 % of the image set to zero."""
    n, _c, h, w = images.shape
    draws = torch.rand(n, 5, generator=generator).to(images.device)
    area = (0.02 + 0.18 * draws[:, 0]) * h * w
    ratio = torch.exp((draws[:, 1] * 2 - 1) * math.log(3))  # aspect from 1:3 to 3:1
    eh = (area * ratio).sqrt().clamp(1, h)
    ew = (area / ratio).sqrt().clamp(1, w)
    top = draws[:, 2] * (h - eh)
    left = draws[:, 3] * (w - ew)
    rows = torch.arange(h, device=images.device).view(1, h, 1)
    cols = torch.arange(w, device=images.device).view(1, 1, w)
    inside = ((rows >= top.view(n, 1, 1)) & (rows < (top + eh).view(n, 1, 1))
              & (cols >= left.view(n, 1, 1)) & (cols < (left + ew).view(n, 1, 1)))
    chosen = (draws[:, 4] < strength).view(n, 1, 1)
    return images.masked_fill((inside & chosen).unsqueeze(1), 0.0)


def pen_augment(images: torch.Tensor, generator: torch.Generator,
                settings: PenAugment) -> torch.Tensor:
    """The effects ``settings`` turns on, in a fixed order, each from its own draws."""
    out = images
    if settings.stroke > 0:
        out = _stroke(out, generator, settings.stroke)
    if settings.elastic > 0:
        out = _elastic(out, generator, settings.elastic)
    if settings.blur > 0:
        out = _blur(out, generator, settings.blur)
    if settings.erase > 0:
        out = _erase(out, generator, settings.erase)
    return out


def script_source() -> str:
    """These effects as a training script carries them (it must not import netbuilder): the
    very functions above, and PenAugment as a namedtuple of the four strengths.

    Raises OSError where Python's sources are not installed (a bundle that keeps only
    compiled modules)."""
    functions = (_uniform, _stroke, _gaussian_kernel, _blur, _elastic, _erase, pen_augment)
    names = ", ".join(f'"{name}"' for name in EFFECTS)
    head = ("# The strengths, 0 (off) to 1, of the pen and scanner effects (netbuilder's\n"
            f"# core.pen_augment).\nPenAugment = namedtuple(\"PenAugment\", ({names}))\n\n\n")
    return head + "\n\n".join(inspect.getsource(function) for function in functions)
