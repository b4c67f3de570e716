"""Scribbles: drawings that are not digits, to check that Draw says "not sure" about them.

Each scribble is a few random strokes on the 280×280 canvas, drawn with round caps and a pen
as wide as the Draw panel's (see tests/ood_digits.py, which draws digits the same way):
random walks, zigzags, tangles of random points and hatching. They go through
``netbuilder.core.digits.preprocess`` exactly as a drawing does; a measuring instrument, so it
lives in tests/, not in the package.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
KINDS = ("walk", "zigzag", "tangle", "hatch")


def _strokes(kind: str, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """Points of the strokes of one scribble of ``kind``."""
    margin = 30
    if kind == "walk":  # a random walk with momentum
        point = rng.uniform(margin, CANVAS - margin, 2)
        heading = rng.uniform(0, 2 * np.pi)
        points = []
        for _ in range(int(rng.integers(25, 60))):
            heading += rng.normal(0, 0.7)
            point = np.clip(point + 12 * np.array([np.cos(heading), np.sin(heading)]),
                            margin, CANVAS - margin)
            points.append(tuple(point))
        return [points]
    if kind == "zigzag":
        top, bottom = sorted(rng.uniform(margin, CANVAS - margin, 2))
        xs = np.sort(rng.uniform(margin, CANVAS - margin, int(rng.integers(5, 10))))
        return [[(x, top if i % 2 else bottom) for i, x in enumerate(xs)]]
    if kind == "tangle":  # straight lines between random points
        return [[tuple(rng.uniform(margin, CANVAS - margin, 2))
                 for _ in range(int(rng.integers(5, 10)))]]
    # hatch: several parallel-ish strokes
    angle = rng.uniform(0, np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    strokes = []
    for offset in np.linspace(-70, 70, int(rng.integers(3, 6))):
        centre = CANVAS / 2 + offset * normal + rng.normal(0, 8, 2)
        length = rng.uniform(60, 110)
        strokes.append([tuple(centre - length * direction), tuple(centre + length * direction)])
    return strokes


def draw_scribble(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One scribble as a float [280, 280] image, ink 1.0 on 0.0."""
    pen = rng.uniform(10, 26)
    image = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(image)
    for points in _strokes(kind, rng):
        draw.line(points, fill=255, width=int(round(pen)), joint="curve")
        radius = pen / 2
        for px, py in (points[0], points[-1]):
            draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=255)
    return np.asarray(image, dtype=np.float32) / 255.0


def scribbles(per_kind: int = 50, seed: int = 0):
    """(images [N, 1, 28, 28] float tensor, kinds [N]) of prepared scribbles."""
    import torch

    from netbuilder.core.digits import preprocess

    rng = np.random.default_rng(seed)
    images, kinds = [], []
    for kind in KINDS:
        for _ in range(per_kind):
            images.append(preprocess(draw_scribble(kind, rng)).tensor[0])
            kinds.append(kind)
    return torch.stack(images), kinds
