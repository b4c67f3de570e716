"""One input of the person's own, made exactly as the training data was, and the network's answer.

An image file becomes the float ``[1, C, H, W]`` in [0, 1] that a network of input shape
``[C, H, W]`` was trained on: decoded the way :func:`netbuilder.core.data.load_folder` decodes a
folder's images (the same JPEG draft scale, 16-bit values scaled to 8 bits, alpha dropped, not
composited), made grey (``C`` 1, Pillow's luma) or RGB (``C`` 3), fitted to ``W``×``H`` by the
same ``fit`` (resize: squeezed; crop: the centre part of the target's aspect, then scaled;
bilinear) and divided by 255 as :meth:`netbuilder.core.data.Dataset.on_device` does. A folder
trained without a ``size`` option first capped every side at 64 and then scaled to the median
size; ``auto_size=True`` repeats those two steps, so the pixels match bit for bit.
:func:`folder_input_options` reads these choices from a dataset name.

A table row goes through :func:`netbuilder.core.tabular.preprocess_rows`, so its errors are
tabular's (``row 1, column age: 'x' is not a finite number``).

:func:`predict` gives the classes with their softmax probabilities, best first; :func:`saliency`
which input pixels move the top class most (:func:`netbuilder.core.activations.saliency`). Both
run in eval mode and give every module its own mode back; neither touches a weight or its
``requires_grad``. Qt-free.

Pixels are decoded by ``core.data``'s own helper; the fitting, which also takes non-square
shapes, is repeated here, and ``tests/core/test_try_input.py`` holds both to the same pixels.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from netbuilder.core import activations
from netbuilder.core.registry import (
    FOLDER_AUTO_SIZES,
    FOLDER_COLORS,
    FOLDER_FITS,
    folder_options,
    is_folder,
)
from netbuilder.core.tabular import CLASSIFICATION, REGRESSION, preprocess_rows

__all__ = [
    "MAX_FILE_BYTES",
    "TryInputError",
    "folder_input_options",
    "image_input",
    "open_image",
    "predict",
    "predict_row",
    "read_image_file",
    "row_input",
    "saliency",
]

MAX_FILE_BYTES = 256 * 1024 * 1024  # an image file larger than this is refused unread
CHANNEL_COLORS = {1: "grayscale", 3: "rgb"}


class TryInputError(ValueError):
    """An input that cannot be given to the network; the message says why, for people."""


# -- images ---------------------------------------------------------------------------------------


def read_image_file(path: str | os.PathLike, name: str = "") -> bytes:
    """The bytes of an image file, for :func:`open_image` (which may open them again and
    again); :class:`TryInputError` when it cannot be read or is over ``MAX_FILE_BYTES``."""
    path = Path(path)
    label = name or path.name or str(path)
    try:
        if not path.is_file():
            raise TryInputError(f"{label} is not a file" if path.exists()
                                else f"{label} cannot be read (no such file)")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TryInputError(f"{label} is larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise TryInputError(f"{label} cannot be read ({exc.strerror or exc})") from None


def open_image(source: str | os.PathLike | bytes, name: str = ""):
    """A ``PIL.Image`` of a file or of encoded bytes (PNG, JPEG, …), not decoded yet.

    The bytes are read into memory (no file stays open), so :func:`image_input` can still pick
    a JPEG's draft scale as :func:`~netbuilder.core.data.load_folder` does. ``name`` names the
    image in messages (default: the file's name, or "the image"). Raises :class:`TryInputError`
    for a file that cannot be read and for data Pillow does not know as an image.
    """
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "the image"
    else:
        label = name or Path(source).name or str(source)
        data = read_image_file(source, label)
    if not data:
        raise TryInputError(f"{label} is empty")
    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise TryInputError(f"{label} is not an image that Pillow can read (PNG, JPEG, BMP, "
                            "GIF, TIFF or WebP)") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise TryInputError(f"{label} cannot be read as an image ({exc})") from None


def _pixels(image, channels: int) -> np.ndarray:
    """uint8 ``[H, W]`` for one channel, ``[H, W, 3]`` for three: ``core.data``'s decoding
    for color "grayscale" and "rgb" (which "auto" equals for a folder of that many channels)."""
    from netbuilder.core.data import _pixels as folder_pixels

    return folder_pixels(image, "grayscale" if channels == 1 else "rgb")


def _fit(pixels: np.ndarray, height: int, width: int, fit: str, cap: int | None) -> np.ndarray:
    """``pixels`` made ``width``×``height`` as ``core.data._fitted`` makes them square; with
    ``cap`` (a folder without a size option), first only sides above ``cap`` made smaller
    (crop: the centre square first), then scaled to the size, as ``load_folder`` does."""
    from PIL import Image

    image = Image.fromarray(pixels)
    source_w, source_h = image.size
    if fit == "crop":
        # the centre part of the target's aspect ratio (a square for a square input)
        crop_w = min(source_w, source_h * width // height)
        crop_h = min(source_h, source_w * height // width)
        if (crop_w, crop_h) != (source_w, source_h):
            left, top = (source_w - crop_w) // 2, (source_h - crop_h) // 2
            image = image.crop((left, top, left + crop_w, top + crop_h))
        first = (min(crop_w, cap), min(crop_h, cap)) if cap else (width, height)
    else:
        first = (min(source_w, cap), min(source_h, cap)) if cap else (width, height)
    if image.size != first:
        image = image.resize(first, Image.Resampling.BILINEAR)
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return np.array(image, dtype=np.uint8)


def _image_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    try:
        channels, height, width = (int(n) for n in shape)
    except (TypeError, ValueError):
        raise TryInputError(f"this network takes inputs of shape {list(shape)}, not images "
                            "(channels × height × width)") from None
    if channels not in CHANNEL_COLORS or height < 1 or width < 1:
        raise TryInputError(f"this network takes {channels}×{height}×{width} inputs; an image "
                            "has 1 (grey) or 3 (RGB) channels")
    return channels, height, width


def image_input(image, shape: Sequence[int], fit: str = "resize", color: str | None = None,
                auto_size: bool = False) -> Tensor:
    """The float32 ``[1, C, H, W]`` in [0, 1] a network of input ``shape`` ``[C, H, W]``
    receives for ``image`` (a ``PIL.Image``), prepared as its training images were.

    ``C`` decides the colour: 1 grey, 3 RGB. ``color`` (a folder's option) is only checked
    against it: "grayscale" needs 1 channel, "rgb" 3, "auto" and None fit either. ``fit``:
    "resize" squeezes the image to ``W``×``H``; "crop" keeps the centre part of that aspect
    ratio, then scales it. ``auto_size``: the folder was loaded without a size, so its images
    were capped at 64 pixels a side before being scaled to their size; do the same. An image
    not decoded yet (from :func:`open_image`) that is a JPEG is decoded at a reduced scale when
    that is enough, as ``load_folder`` decodes it (this changes ``image`` itself).
    Raises :class:`TryInputError` for a shape that is no image's and for pixels that cannot be
    decoded (a truncated or damaged file).
    """
    from PIL import Image

    channels, height, width = _image_shape(shape)
    if fit not in FOLDER_FITS:
        raise TryInputError(f"fit must be one of {', '.join(FOLDER_FITS)}, got {fit!r}")
    if color is not None and color not in FOLDER_COLORS:
        raise TryInputError(f"color must be one of {', '.join(FOLDER_COLORS)}, got {color!r}")
    if color not in (None, "auto") and color != CHANNEL_COLORS[channels]:
        raise TryInputError(f"the network takes {channels}-channel images, but the data's "
                            f"colour option is {color!r}")
    cap = FOLDER_AUTO_SIZES[1] if auto_size else None
    try:
        target = cap or max(height, width)
        image.draft(None, (target, target))  # JPEG: decode at a scale ≥ the target
        pixels = _pixels(image, channels)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise TryInputError(f"the image cannot be decoded ({exc})") from None
    if pixels.size == 0:
        raise TryInputError("the image has no pixels")
    fitted = _fit(pixels, height, width, fit, cap)
    planes = fitted[None] if fitted.ndim == 2 else fitted.transpose(2, 0, 1)
    tensor = torch.from_numpy(np.ascontiguousarray(planes))
    return tensor.unsqueeze(0).float().div_(255.0)


def folder_input_options(dataset_name: str) -> dict:
    """``image_input``'s ``fit``, ``color`` and ``auto_size`` for a dataset name: a folder's
    options (``folder:PATH?size=32&fit=crop``; without ``size`` its images were auto-sized);
    the defaults (resize, no colour option, sized) for anything else or unreadable options."""
    options: dict = {"fit": "resize", "color": None, "auto_size": False}
    if not is_folder(dataset_name):
        return options
    try:
        given = folder_options(dataset_name)
    except ValueError:
        return options
    options["fit"] = given.get("fit", "resize")
    options["color"] = given.get("color", "auto")
    options["auto_size"] = "size" not in given
    return options


# -- the network's answer -------------------------------------------------------------------------


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


def _device(model: nn.Module) -> torch.device:
    tensor = next(model.parameters(), None)
    if tensor is None:
        tensor = next(model.buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def _scores(model: nn.Module, x: Tensor) -> Tensor:
    """The model's output for ``x[:1]`` as a flat float32 CPU vector, in eval mode."""
    with _eval_mode(model), torch.no_grad():
        output = model(x[:1].to(_device(model), torch.float32))
    if isinstance(output, (tuple, list)):
        output = next((item for item in output if isinstance(item, Tensor)), None)
    if not isinstance(output, Tensor) or output.dim() == 0 or output.shape[0] != 1:
        raise TryInputError("the network's output is not one row of scores per input")
    return output[0].reshape(-1).detach().to("cpu", torch.float32)


def _named(probabilities: Tensor, class_names: Sequence[str]) -> list[tuple[str, float]]:
    values = probabilities.tolist()
    names = ([str(name) for name in class_names] if len(class_names) == len(values)
             else [str(i) for i in range(len(values))])
    # best first; equal probabilities keep the class order (sorted is stable)
    return sorted(zip(names, values, strict=True), key=lambda pair: -pair[1])


def predict(model: nn.Module, x: Tensor, class_names: Sequence[str]) -> list[tuple[str, float]]:
    """``[(class name, probability), …]`` for ``x[0]``, most probable first.

    The probabilities are the softmax of the model's output (raw scores, or the
    log-probabilities of a LogSoftmax ending: the same distribution). ``class_names`` name the
    outputs in order; when their number differs from the outputs', the outputs are named by
    their indices "0", "1", ….
    """
    scores = _scores(model, x)
    if not torch.isfinite(scores).all():
        raise TryInputError("the network's output is not finite (NaN or infinite scores)")
    return _named(scores.softmax(dim=0), class_names)


def saliency(model: nn.Module, x: Tensor) -> np.ndarray:
    """float32 ``[H, W]`` in [0, 1]: how much each pixel of ``x[0]`` moves the top class's
    score (the absolute input gradient, the maximum over channels, divided by its maximum; all
    zeros when the gradient is). Only the input's gradient is computed: no weight, ``.grad`` or
    ``requires_grad`` changes, and every module's mode is given back."""
    heat, _target = activations.saliency(model, x[:1].to(_device(model), torch.float32))
    return heat.numpy().astype(np.float32, copy=False)


# -- table rows -----------------------------------------------------------------------------------


def row_input(preprocessing: dict, values: dict[str, str]) -> Tensor:
    """float32 ``[1, F]``: one raw row (column name → text) as training saw its rows; a bad
    value raises :class:`~netbuilder.core.tabular.TabularError` naming row 1 and the column."""
    return preprocess_rows(preprocessing, [values])


def predict_row(model: nn.Module, preprocessing: dict, values: dict[str, str]
                ) -> list[tuple[str, float]] | float:
    """A classification's ``[(class, probability), …]``, most probable first, or a regression's
    predicted number (a float), for one raw row."""
    x = row_input(preprocessing, values)
    task = preprocessing.get("task")
    if task == REGRESSION:
        scores = _scores(model, x)
        if scores.numel() != 1:
            raise TryInputError(f"a regression network should give one number, this one gives "
                                f"{scores.numel()}")
        return float(scores[0])
    if task != CLASSIFICATION:  # preprocess_rows checked it; kept for type checkers
        raise TryInputError(f"unknown task {task!r}")
    return predict(model, x, preprocessing.get("classes", []))
