"""A drawn image → the 28×28 tensor a digit classifier expects, the way MNIST made its digits.

MNIST's recipe (LeCun et al.): the ink's bounding box is scaled to fit a 20×20 box keeping its
aspect ratio, with anti-aliasing, then placed in a 28×28 image so that its centre of mass is at
the centre. Ink is bright on a dark background, values in [0, 1] as ``ToTensor()`` gives them.
Skipping this is why drawing demos misclassify: a digit drawn large, small or off-centre looks
nothing like the training data until it is normalised like it.

A drawing is not a scan, so two more steps make it look like one: strokes are brought to
MNIST's width (a thin brush on a big digit would fade to grey at 28×28, a fat one on a small
digit would fill it) and to its brightness, and where centring by mass would push ink to the
border (a tall 7 is heavy at the top), the digit is shifted back inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

SIZE, BOX = 28, 20
INK_THRESHOLD = 0.1  # a pixel counts as ink above this (of 1.0)
MIN_EXTENT = 0.08  # the drawing must span this share of the canvas to be trusted
MIN_INK = 0.35  # and its brightest ink must reach this
MARGIN = 1  # pixels of the 28×28 border kept free of ink
STROKE = 2.8  # MNIST's median stroke width at 28×28, in pixels (measured on the data)
STROKE_RANGE = (2.2, 3.6)  # its 10th and 90th percentiles: widths left as drawn

# What can be wrong with a drawing, in English; the window translates them (gui/inspect/draw.py)
EMPTY = "The canvas is empty: draw a digit."
TOO_SMALL = "The drawing is too small to trust: draw the digit larger."
TOO_FAINT = "The drawing is too faint to trust: use a wider or darker stroke."
PROBLEMS = (EMPTY, TOO_SMALL, TOO_FAINT)

@dataclass
class Prepared:
    """The model's input and what to tell the person about the drawing."""

    tensor: torch.Tensor  # [1, 1, 28, 28] float in [0, 1]
    image: np.ndarray  # [28, 28] uint8, for showing what the model receives
    problem: str = ""  # "" when the drawing can be trusted

    @property
    def ok(self) -> bool:
        return not self.problem


def _to_float(image: np.ndarray, ink_is_dark: bool) -> np.ndarray:
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3:
        array = array.mean(axis=2)
    if array.max(initial=0.0) > 1.0:
        array = array / 255.0
    if ink_is_dark:
        array = 1.0 - array
    return np.clip(array, 0.0, 1.0)


def _grow(ink: np.ndarray, radius: int) -> np.ndarray:
    """Grey dilation by about a disc of ``radius``: 3×3 squares and crosses in turn (an
    octagon), far cheaper than one large kernel."""
    image = np.asarray(ink, dtype=np.float32)
    for step in range(radius):
        padded = np.pad(image, 1, mode="edge")
        rows = np.maximum(np.maximum(padded[:-2], padded[2:]), padded[1:-1])  # up, down, here
        if step % 2:  # a cross: up and down, or left and right
            image = np.maximum(rows[:, 1:-1], np.maximum(padded[1:-1, :-2], padded[1:-1, 2:]))
        else:  # a square
            image = np.maximum(np.maximum(rows[:, :-2], rows[:, 2:]), rows[:, 1:-1])
    return image


def _shrink(ink: np.ndarray, radius: int) -> np.ndarray:
    """Grey erosion, the mirror of :func:`_grow`."""
    return -_grow(-ink, radius)


def stroke_width(mask: np.ndarray) -> float:
    """The strokes' mean width in pixels: area / half the outline (a stroke of width w and
    length L has area wL and an outline of about 2L pixels)."""
    framed = torch.from_numpy(np.pad(mask, 1).astype(np.float32))[None, None]
    inner = -F.max_pool2d(-framed, 3, 1, 1)[0, 0, 1:-1, 1:-1].numpy()
    outline = int((mask & (inner < 0.5)).sum())
    return 2.0 * float(mask.sum()) / max(outline, 1)


def _fitted(ink: np.ndarray) -> tuple[np.ndarray, float]:
    """The ink's bounding box scaled into 20×20 keeping its aspect ratio (anti-aliased), its
    brightest pixel 1; and the scale used."""
    top, bottom, left, right = _bounds(ink > INK_THRESHOLD)
    crop = ink[top:bottom, left:right]
    scale = BOX / max(crop.shape)
    new_h = min(BOX, max(1, round(crop.shape[0] * scale)))
    new_w = min(BOX, max(1, round(crop.shape[1] * scale)))
    resized = F.interpolate(torch.from_numpy(np.ascontiguousarray(crop))[None, None],
                            size=(new_h, new_w), mode="bilinear", align_corners=False,
                            antialias=True)[0, 0].clamp(0, 1).numpy()
    peak = float(resized.max())
    return (resized / peak if peak > 0 else resized), scale


def _even_strokes(ink: np.ndarray) -> np.ndarray:
    """The 20×20 digit with strokes as wide as MNIST's: a drawing's strokes are widened or
    narrowed on the canvas by the difference measured at the small size (a 4-pixel brush on a
    big digit would otherwise fade away, a fat one on a small digit fill it)."""
    resized, scale = _fitted(ink)
    for _attempt in range(2):  # the second corrects for the box having grown or shrunk
        width = stroke_width(resized > INK_THRESHOLD)
        if STROKE_RANGE[0] <= width <= STROKE_RANGE[1]:
            break
        radius = int(round(abs(width - STROKE) / scale / 2))
        if radius < 1:
            break
        if width < STROKE:
            ink = _grow(ink, radius)
        else:
            thinned = _shrink(ink, radius)
            kept = _grow((thinned > INK_THRESHOLD).astype(np.float32), radius + 1) > 0.5
            mask = ink > INK_THRESHOLD
            if (kept & mask).sum() < 0.98 * mask.sum():  # a thin part would vanish: keep all
                break
            ink = thinned
        resized, scale = _fitted(ink)
    return resized


def _bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _place(size: int, centre_of_mass: float) -> int:
    """Where a side of ``size`` pixels starts so that its centre of mass is at the image's
    centre, shifted back where that would push ink into (or past) the border."""
    offset = int(round(SIZE / 2 - centre_of_mass))
    return min(max(offset, MARGIN), SIZE - MARGIN - size)


def preprocess(image: np.ndarray, ink_is_dark: bool = False) -> Prepared:
    """MNIST-style normalisation of a drawing (any size, grey or RGB, 0–1 or 0–255): even
    strokes of MNIST's width and brightness, the bounding box fitted into 20×20 keeping its
    aspect ratio, centred by the centre of mass without any ink touching the border."""
    raw = _to_float(image, ink_is_dark)
    height, width = raw.shape
    mask = raw > INK_THRESHOLD
    blank = np.zeros((SIZE, SIZE), dtype=np.uint8)
    if not mask.any():
        return Prepared(torch.zeros(1, 1, SIZE, SIZE), blank, EMPTY)
    top, bottom, left, right = _bounds(mask)
    box_h, box_w = bottom - top, right - left
    level = float(np.percentile(raw[mask], 95))  # faint strokes shine as MNIST's do
    resized = _even_strokes(np.clip(raw / level, 0.0, 1.0))
    new_h, new_w = resized.shape
    total = resized.sum()
    ys, xs = np.indices(resized.shape)
    com_y = (ys * resized).sum() / total if total > 0 else new_h / 2
    com_x = (xs * resized).sum() / total if total > 0 else new_w / 2
    offset_y, offset_x = _place(new_h, com_y), _place(new_w, com_x)
    canvas = np.zeros((SIZE, SIZE), dtype=np.float32)
    canvas[offset_y:offset_y + new_h, offset_x:offset_x + new_w] = resized
    problem = ""
    extent = max(box_h / height, box_w / width)
    if extent < MIN_EXTENT:
        problem = TOO_SMALL
    elif raw.max() < MIN_INK:
        problem = TOO_FAINT
    tensor = torch.from_numpy(canvas)[None, None]
    return Prepared(tensor, (canvas * 255).round().astype(np.uint8), problem)


def place_on_canvas(digit: np.ndarray, canvas_size: int, scale: float, top_left: tuple[int, int]
                    ) -> np.ndarray:
    """A 28×28 digit drawn again, larger, somewhere on a big empty canvas (for checks)."""
    size = max(1, int(round(SIZE * scale)))
    big = F.interpolate(torch.from_numpy(np.asarray(digit, np.float32))[None, None],
                        size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy()
    canvas = np.zeros((canvas_size, canvas_size), dtype=np.float32)
    y, x = top_left
    h = min(size, canvas_size - y)
    w = min(size, canvas_size - x)
    canvas[y:y + h, x:x + w] = big[:h, :w]
    return canvas


@torch.no_grad()
def classify(model: torch.nn.Module, tensor: torch.Tensor) -> list[float]:
    """Class probabilities (softmax of the output) for one prepared digit."""
    was_training = model.training
    model.eval()
    try:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        out = model(tensor.to(device))
    finally:
        model.train(was_training)
    return out.float().softmax(dim=1)[0].cpu().tolist()


def check_model(model: torch.nn.Module, classes: int) -> str:
    """Why this model cannot classify drawn digits, or ''."""
    try:
        with torch.no_grad():
            was_training = model.training
            model.eval()
            device = next((p.device for p in model.parameters()), torch.device("cpu"))
            out = model(torch.zeros(1, 1, SIZE, SIZE, device=device))
            model.train(was_training)
    except Exception as exc:  # any layer may refuse a 1×28×28 image
        return f"this network does not take a 1×28×28 image: {exc}"
    if out.dim() != 2 or out.shape[1] != classes:
        return (f"this network outputs {['N', *out.shape[1:]]}, not one score for each of the "
                f"{classes} classes")
    return ""
