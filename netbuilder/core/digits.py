"""A drawn image → the 28×28 tensor a digit classifier expects, the way MNIST made its digits.

MNIST's recipe (LeCun et al.): the ink's bounding box is scaled to fit a 20×20 box keeping its
aspect ratio, with anti-aliasing, then placed in a 28×28 image so that its centre of mass is at
the centre. Ink is bright on a dark background, values in [0, 1] as ``ToTensor()`` gives them.
Skipping this is why drawing demos misclassify: a digit drawn large, small or off-centre looks
nothing like the training data until it is normalised like it.
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


def preprocess(image: np.ndarray, ink_is_dark: bool = False) -> Prepared:
    """MNIST-style normalisation of a drawing (any size, grey or RGB, 0–1 or 0–255)."""
    ink = _to_float(image, ink_is_dark)
    height, width = ink.shape
    mask = ink > INK_THRESHOLD
    blank = np.zeros((SIZE, SIZE), dtype=np.uint8)
    if not mask.any():
        return Prepared(torch.zeros(1, 1, SIZE, SIZE), blank, "The canvas is empty: draw a digit.")
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = ink[top:bottom, left:right]
    box_h, box_w = crop.shape
    scale = BOX / max(box_h, box_w)
    new_h, new_w = max(1, round(box_h * scale)), max(1, round(box_w * scale))
    resized = F.interpolate(torch.from_numpy(crop)[None, None], size=(new_h, new_w),
                            mode="bilinear", align_corners=False, antialias=True)[0, 0]
    resized = resized.clamp(0, 1).numpy()
    # centre of mass of the scaled ink → the centre of the 28×28 image
    total = resized.sum()
    ys, xs = np.indices(resized.shape)
    com_y = (ys * resized).sum() / total if total > 0 else new_h / 2
    com_x = (xs * resized).sum() / total if total > 0 else new_w / 2
    offset_y = int(round(SIZE / 2 - com_y))
    offset_x = int(round(SIZE / 2 - com_x))
    offset_y = min(max(offset_y, 0), SIZE - new_h)  # keep it inside, as MNIST does
    offset_x = min(max(offset_x, 0), SIZE - new_w)
    canvas = np.zeros((SIZE, SIZE), dtype=np.float32)
    canvas[offset_y:offset_y + new_h, offset_x:offset_x + new_w] = resized
    problem = ""
    extent = max(box_h / height, box_w / width)
    if extent < MIN_EXTENT:
        problem = "The drawing is too small to trust: draw the digit larger."
    elif ink.max() < MIN_INK:
        problem = "The drawing is too faint to trust: use a wider or darker stroke."
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
