"""Digits that MNIST's writers did not write: an out-of-distribution check built here.

- :func:`pen_digits`: synthetic pen-drawn digits. Each digit has several stroke templates
  (an open and a closed 4, a 1 with and without its flag, a 7 with a crossbar, …), drawn
  with a random slant, size, position and pen width on a 280×280 canvas with round caps,
  as the Draw panel draws.
- :func:`font_digits`: digits rendered from the system's fonts at several weights.

Both go through ``netbuilder.core.digits.preprocess``, exactly as a drawing does. This lives
in tests/, not in the package: it is a measuring instrument (benchmarks/robustness.py).
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CANVAS = 280
NOT_DIGITS = ("dingbat", "d050000l", "symbol", "math")  # fonts whose digits are pictures


def _arc(cx, cy, rx, ry, start, end, steps=24):
    """Points on an ellipse from ``start`` to ``end`` degrees (0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, steps)]


# Strokes per digit and style, in a box 0..1 tall and about 0.6 wide (y grows downwards).
TEMPLATES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_arc(0.3, 0.5, 0.28, 0.48, -90, 270)],
        [_arc(0.3, 0.5, 0.22, 0.48, -100, 265)]],
    1: [[[(0.3, 0.0), (0.3, 1.0)]],
        [[(0.12, 0.22), (0.32, 0.0), (0.32, 1.0)]],
        [[(0.14, 0.2), (0.32, 0.0), (0.32, 1.0)], [(0.12, 1.0), (0.5, 1.0)]]],
    2: [[_arc(0.3, 0.28, 0.27, 0.26, 190, 360) + [(0.02, 1.0), (0.6, 1.0)]],
        [_arc(0.3, 0.3, 0.28, 0.3, 200, 400) + [(0.05, 0.98), (0.6, 0.96)]]],
    3: [[_arc(0.3, 0.26, 0.26, 0.24, 200, 450) + _arc(0.3, 0.74, 0.3, 0.26, -90, 160)],
        [[(0.05, 0.0), (0.55, 0.0), (0.25, 0.4)] + _arc(0.3, 0.7, 0.3, 0.3, -90, 160)]],
    4: [[[(0.42, 0.0), (0.0, 0.65), (0.62, 0.65)], [(0.45, 0.3), (0.45, 1.0)]],
        [[(0.05, 0.0), (0.05, 0.55), (0.6, 0.55)], [(0.5, 0.0), (0.5, 1.0)]]],
    5: [[[(0.58, 0.0), (0.1, 0.0), (0.06, 0.45)] + _arc(0.3, 0.68, 0.3, 0.3, -130, 150)],
        [[(0.1, 0.02), (0.06, 0.45)] + _arc(0.3, 0.68, 0.3, 0.3, -130, 150),
         [(0.1, 0.02), (0.6, 0.0)]]],
    6: [[_arc(0.55, 0.55, 0.5, 0.55, -80, -180) + _arc(0.3, 0.72, 0.27, 0.28, 180, 540)],
        [[(0.45, 0.0), (0.08, 0.6)] + _arc(0.3, 0.74, 0.26, 0.26, 200, 560)]],
    7: [[[(0.0, 0.0), (0.6, 0.0), (0.22, 1.0)]],
        [[(0.0, 0.05), (0.6, 0.0), (0.25, 1.0)], [(0.15, 0.5), (0.55, 0.5)]]],
    8: [[_arc(0.3, 0.25, 0.22, 0.24, 90, 450) + _arc(0.3, 0.74, 0.28, 0.26, -90, 270)],
        [[(0.3 + 0.55 * math.sin(t) * math.cos(t), 0.5 - 0.5 * math.sin(t))
          for t in np.linspace(0.3, 2 * math.pi + 0.3, 60)]]],
    9: [[_arc(0.3, 0.28, 0.27, 0.26, 0, 360), [(0.57, 0.28), (0.5, 1.0)]],
        [_arc(0.3, 0.3, 0.26, 0.28, 20, 380) + _arc(0.0, 0.3, 0.56, 0.7, 0, 90)]],
}


def _draw(strokes, rng: np.random.Generator) -> np.ndarray:
    height = rng.uniform(0.45, 0.85) * CANVAS
    slant = rng.uniform(-0.35, 0.35)
    squash = rng.uniform(0.75, 1.25)
    pen = rng.uniform(8, 30)
    jitter = rng.uniform(0.0, 0.015)
    width = 0.62 * height * squash
    top = rng.uniform(0, CANVAS - height)
    left = rng.uniform(0, max(1.0, CANVAS - width - abs(slant) * height))
    left += max(0.0, -slant) * height
    image = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        points = []
        for x, y in stroke:
            x += rng.normal(0, jitter)
            y += rng.normal(0, jitter)
            points.append((left + x * height * squash + slant * (1 - y) * height,
                           top + y * height))
        draw.line(points, fill=255, width=int(round(pen)), joint="curve")
        radius = pen / 2
        for px, py in (points[0], points[-1]):  # round caps, as the canvas's pen has
            draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=255)
    return np.asarray(image, dtype=np.float32) / 255.0


def pen_digits(per_digit: int = 60, seed: int = 0):
    """(images [N, 1, 28, 28] float tensor, labels [N]) of synthetic pen-drawn digits."""
    import torch

    from netbuilder.core.digits import preprocess

    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit, styles in TEMPLATES.items():
        for i in range(per_digit):
            prepared = preprocess(_draw(styles[i % len(styles)], rng))
            images.append(prepared.tensor[0])
            labels.append(digit)
    return torch.stack(images), torch.tensor(labels)


def system_fonts() -> list[Path]:
    """TrueType/OpenType fonts for English text (so digits are digits, not dingbats), found
    with fontconfig, sorted by path."""
    try:
        listed = subprocess.run(["fc-list", ":lang=en", "file"], capture_output=True,
                                text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    paths = sorted({Path(line.strip().rstrip(":")) for line in listed.splitlines()
                    if line.strip().rstrip(":").lower().endswith((".ttf", ".otf"))})
    usable = []
    for path in paths:
        if any(word in path.name.lower() for word in NOT_DIGITS):
            continue
        try:
            ImageFont.truetype(str(path), 40)
        except OSError:
            continue
        usable.append(path)
    return usable


def font_digits(fonts: list[Path] | None = None):
    """(images, labels, font names): each digit once per font, black on white, preprocessed
    with ``ink_is_dark`` as a scan would be."""
    import torch

    from netbuilder.core.digits import preprocess

    fonts = system_fonts() if fonts is None else fonts
    images, labels = [], []
    for path in fonts:
        font = ImageFont.truetype(str(path), 160)
        for digit in range(10):
            image = Image.new("L", (CANVAS, CANVAS), 255)
            ImageDraw.Draw(image).text((CANVAS / 2, CANVAS / 2), str(digit), fill=0,
                                       font=font, anchor="mm")
            prepared = preprocess(np.asarray(image), ink_is_dark=True)
            if not prepared.ok:
                continue
            images.append(prepared.tensor[0])
            labels.append(digit)
    if not images:
        return torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long), []
    return torch.stack(images), torch.tensor(labels), [p.name for p in fonts]
