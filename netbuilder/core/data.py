"""Datasets as tensors: the embedded digits, torchvision's MNIST family and CIFAR, image folders
and CSV tables.

Images are kept as uint8 ``[N, C, H, W]`` at rest and reach the model as the tutorial's
``transforms.ToTensor()`` gives them: floats in [0, 1]. Any normalisation belongs inside the
network, so exported weights work unchanged in plain PyTorch code. Batches are drawn by index
from tensors already on the training device; there are no per-sample PIL transforms in the loop.
"""

from __future__ import annotations

import math
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from netbuilder.core.normalize import channel_stats  # noqa: F401  (re-exported for callers)
from netbuilder.core.registry import (
    CSV_CHOICE,
    DATASET_NAMES,
    DATASETS,
    FOLDER_AUTO_SIZES,
    FOLDER_CHOICE,
    FOLDER_COLORS,
    FOLDER_FITS,
    FOLDER_SIZES,
    csv_name,
    csv_options,
    csv_path,
    dataset_info,
    folder_name,
    folder_options,
    folder_path,
    is_csv,
    is_folder,
)
from netbuilder.core.resources import DIGITS_FILE

if TYPE_CHECKING:
    from netbuilder.core.streaming import StreamingDataset

DIGITS = "digits"
# The loaders' view of core.registry.
TORCHVISION_SETS = {name: info.torchvision_class for name, info in DATASETS.items()
                    if info.torchvision_class}
DATASET_CHOICES = (*DATASET_NAMES, FOLDER_CHOICE, CSV_CHOICE)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm"}
# Pillow modes whose pixels are one grey value (with alpha for LA/La): read as grayscale.
GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


class DatasetError(Exception):
    """A dataset that cannot be had: the message says which and what to do."""


def default_data_dir() -> Path:
    """Where downloaded datasets live: $NETBUILDER_DATA, else the platform's cache folder
    (~/.cache or $XDG_CACHE_HOME on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on
    Windows), which the system may clean: the sets download again."""
    if os.environ.get("NETBUILDER_DATA"):
        return Path(os.environ["NETBUILDER_DATA"])
    from platformdirs import user_cache_path  # only downloads need it (not the embedded digits)

    return user_cache_path("netbuilder", appauthor=False) / "datasets"


CLASSIFICATION, REGRESSION = "classification", "regression"


@dataclass
class Dataset:
    """Train and validation inputs with their targets.

    Images are uint8 ``[N, C, H, W]`` with int64 class labels. A table (``csv:PATH``) is
    float32 features ``[N, F]``, already preprocessed, with int64 class labels or, for a
    regression, float32 targets ``[N, 1]``; ``class_names`` then names the target column and
    ``preprocessing`` holds how raw rows become features (see :mod:`netbuilder.core.tabular`).
    """

    name: str
    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    class_names: list[str] = field(default_factory=list)
    task: str = CLASSIFICATION
    preprocessing: dict = field(default_factory=dict)

    @property
    def input_shape(self) -> list[int]:
        return list(self.train_images.shape[1:])

    @property
    def num_classes(self) -> int:
        """Classes of a classifier; outputs of a regression."""
        if self.task == REGRESSION:
            return int(self.train_labels.shape[1]) if self.train_labels.dim() == 2 else 1
        return len(self.class_names)

    @property
    def is_table(self) -> bool:
        return self.train_images.dtype != torch.uint8

    def __str__(self) -> str:
        what = (f"rows of {self.input_shape[0]} features" if self.is_table and
                len(self.input_shape) == 1 else
                f"images of {'×'.join(map(str, self.input_shape))}")
        target = (f"regression of {', '.join(self.class_names)}" if self.task == REGRESSION
                  else f"{self.num_classes} classes")
        return (f"{self.name}: {len(self.train_labels):,} training / {len(self.val_labels):,} "
                f"validation {what}, {target}")

    def on_device(self, device: torch.device | str) -> DeviceData:
        """Float copies on the training device, made once: images in [0, 1], tables as they
        are."""
        device = torch.device(device)

        def to(inputs: torch.Tensor) -> torch.Tensor:
            if inputs.dtype == torch.uint8:
                return inputs.to(device).float().div_(255.0)
            return inputs.to(device, torch.float32, copy=True)

        return DeviceData(to(self.train_images), self.train_labels.to(device),
                          to(self.val_images), self.val_labels.to(device), self.num_classes,
                          self.task)


@dataclass
class DeviceData:
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    num_classes: int
    task: str = CLASSIFICATION


def augment(images: torch.Tensor, generator: torch.Generator, max_degrees: float = 10.0,
            scale: tuple[float, float] = (0.9, 1.1), max_shift: float = 2.0,
            flip: bool = False) -> torch.Tensor:
    """Random small rotation, scale and shift of a whole batch at once, on its device; with
    ``flip``, each result is also mirrored left-right with probability 0.5.

    ``generator`` is a CPU generator (the draws move to the images' device). The rotation,
    scale and shift are drawn first and the same with or without ``flip``; the flips are drawn
    after them. Whether flipping suits a dataset is the caller's decision (see
    :func:`flips_make_sense`: never for digits).
    """
    n, _c, h, w = images.shape
    rand = torch.rand(n, 3, generator=generator).to(images.device)
    angle = (rand[:, 0] * 2 - 1) * math.radians(max_degrees)
    factor = scale[0] + rand[:, 1] * (scale[1] - scale[0])
    shifts = (torch.rand(n, 2, generator=generator).to(images.device) * 2 - 1) * max_shift
    cos, sin = torch.cos(angle) / factor, torch.sin(angle) / factor
    theta = torch.stack([
        torch.stack([cos, -sin, shifts[:, 0] * 2 / w], dim=1),
        torch.stack([sin, cos, shifts[:, 1] * 2 / h], dim=1),
    ], dim=1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    moved = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros",
                          align_corners=False)
    if not flip:
        return moved
    mirror = (torch.rand(n, generator=generator) < 0.5).to(images.device)
    return torch.where(mirror.view(n, 1, 1, 1), moved.flip(-1), moved)


def flips_make_sense(dataset_name: str) -> bool:
    """Whether mirroring images left-right keeps their class, so augmentation may flip them.

    The rule: a named dataset says so in its registry entry: yes for Fashion-MNIST (clothes)
    and CIFAR-10/100 (photos), no for digits, MNIST and KMNIST (a mirrored 2, or a mirrored
    character, is no longer one). An image folder: yes (folders are mostly photos; a folder of
    digits or letters should train without augmentation or with flips off). Tables and unknown
    names: no. A ``+drawn`` mix counts as its base dataset.
    """
    base = dataset_name.removesuffix("+drawn")
    if base in DATASETS:
        return DATASETS[base].flips
    return is_folder(base) and folder_path(base) != ""


def split(images: torch.Tensor, labels: torch.Tensor, val_fraction: float,
          seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A seeded random split into train and validation."""
    train, val = split_indices(len(labels), val_fraction, seed)
    return images[train], labels[train], images[val], labels[val]


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The training and validation indices of :func:`split` for ``n`` examples: a permutation
    drawn from a generator seeded with ``seed``, its first ``round(n * val_fraction)`` (at least
    one) for validation. A streamed folder splits its files with it."""
    if not 0.0 < val_fraction < 1.0:
        raise DatasetError(f"validation fraction must be between 0 and 1, got {val_fraction}")
    n_val = max(1, round(n * val_fraction))
    if n - n_val < 1:
        raise DatasetError(f"{n} images are too few to split into training and validation")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]


def mix_examples(base: Dataset, examples: list[dict], size: int, seed: int) -> Dataset:
    """``size`` training images with the user's drawn examples repeated among them.

    A short fine-tune on the drawings alone would overfit them and forget the rest, so they make
    up about a fifth of the mix (each at least once) and seeded training images the remainder;
    the validation set stays the base's, so the run is measured as before. An example is a dict
    with ``"pixels"`` (784 uint8 values, 28×28 rows first) and ``"label"`` (a class index).
    """
    if not examples:
        raise DatasetError("no drawn examples to mix into the training images")
    if base.input_shape != [1, 28, 28]:
        raise DatasetError(f"drawn examples are 1×28×28 images; {base.name} has "
                           f"{'×'.join(map(str, base.input_shape))} images")
    generator = torch.Generator().manual_seed(seed)
    own = torch.tensor([e["pixels"] for e in examples], dtype=torch.uint8).reshape(-1, 1, 28, 28)
    own_labels = torch.tensor([e["label"] for e in examples], dtype=torch.int64)
    repeats = max(1, size // 5 // len(examples))
    n_base = min(len(base.train_labels), size - repeats * len(examples))
    pick = torch.randperm(len(base.train_labels), generator=generator)[:max(1, n_base)]
    images = torch.cat([base.train_images[pick], own.repeat(repeats, 1, 1, 1)])
    labels = torch.cat([base.train_labels[pick], own_labels.repeat(repeats)])
    return Dataset(f"{base.name}+drawn", images, labels, base.val_images, base.val_labels,
                   list(base.class_names))


def load_digits(val_fraction: float = 0.2, seed: int = 0, path: Path | str | None = None
                ) -> Dataset:
    """The 10,000 embedded MNIST digits, split 8,000 / 2,000 by default."""
    path = Path(path or DIGITS_FILE)
    try:
        with np.load(path, allow_pickle=False) as archive:
            images = torch.from_numpy(archive["images"].copy())
            labels = torch.from_numpy(archive["labels"].astype(np.int64))
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(f"the embedded digits file {path} cannot be read: {exc}") from None
    if images.dim() == 3:
        images = images.unsqueeze(1)
    parts = split(images, labels, val_fraction, seed)
    return Dataset(DIGITS, *parts, class_names=list(DATASETS[DIGITS].class_names))


def _torchvision_images(data: object) -> torch.Tensor:
    """A torchvision dataset's ``data`` as uint8 ``[N, C, H, W]``: the MNIST family's uint8
    tensor ``[N, H, W]``, or CIFAR's numpy ``[N, H, W, C]``."""
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8 or data.ndim != 4:
            raise DatasetError(f"unexpected image array {data.dtype} {list(data.shape)}")
        return torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    assert isinstance(data, torch.Tensor)
    return data.unsqueeze(1).clone()


def load_torchvision(name: str, root: Path | str | None = None, download: bool = True
                     ) -> Dataset:
    """MNIST, Fashion-MNIST or KMNIST (60,000 training and 10,000 test images, 1×28×28), or
    CIFAR-10/100 (50,000 and 10,000, 3×32×32).

    Read from ``root`` when there; downloaded there otherwise (if ``download``).
    """
    from torchvision import datasets

    if name not in TORCHVISION_SETS:
        raise DatasetError(f"unknown dataset {name!r}; expected one of "
                           f"{', '.join(DATASET_CHOICES)}")
    cls_name = TORCHVISION_SETS[name]
    cls = getattr(datasets, cls_name)
    root = Path(root or default_data_dir())
    try:
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        reason = str(exc).strip().splitlines()
        first = next((line for line in reason if "got" in line or "Error" in line),
                     reason[0] if reason else type(exc).__name__)
        # MNIST's family keeps its files in <root>/<class>/raw; CIFAR in <root>/<base_folder>.
        where = (root / cls.base_folder if isinstance(getattr(cls, "base_folder", None), str)
                 else root / cls_name / "raw")
        raise DatasetError(
            f"{cls_name} is not in {root} and could not be downloaded ({first.strip()}). "
            f"Connect to the internet once, or copy the {cls_name} files into "
            f"{where}; the embedded 'digits' dataset needs no download."
        ) from None
    names = list(dataset_info(name).class_names)

    def labels(targets: object) -> torch.Tensor:
        return torch.as_tensor(targets).to(torch.int64).clone()

    return Dataset(name, _torchvision_images(train.data), labels(train.targets),
                   _torchvision_images(test.data), labels(test.targets), names)


def _gray_pixels(image) -> np.ndarray:
    """A grayscale-mode image as uint8 ``[H, W]``: 16-bit values scaled (not clipped) to 8
    bits, ``I`` values above 255 read as 16-bit, ``F`` clipped to 0–255 as Pillow converts;
    alpha dropped."""
    if image.mode.startswith("I;16"):
        return np.round(np.asarray(image, dtype=np.float64) / 257.0).astype(np.uint8)
    if image.mode == "I":
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0
        return np.clip(np.round(values), 0, 255).astype(np.uint8)
    if image.mode == "F":
        return np.clip(np.round(np.asarray(image, dtype=np.float64)), 0, 255).astype(np.uint8)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _pixels(image, color: str) -> np.ndarray:
    """The decoded image as uint8 ``[H, W]`` (grayscale) or ``[H, W, 3]`` (colour), as
    ``color`` asks; auto keeps an RGB/palette image whose pixels all have R == G == B as
    grayscale. Alpha is dropped (pixels keep their stored colour)."""
    gray_mode = image.mode in GRAY_MODES
    if color == "grayscale" and not gray_mode:
        return np.asarray(image.convert("L"), dtype=np.uint8)
    if gray_mode:
        gray = _gray_pixels(image)
        return np.repeat(gray[:, :, None], 3, axis=2) if color == "rgb" else gray
    rgb = np.asarray(image.convert("RGB") if image.mode != "RGB" else image, dtype=np.uint8)
    if color == "auto" and (rgb[:, :, 0] == rgb[:, :, 1]).all() and \
            (rgb[:, :, 1] == rgb[:, :, 2]).all():
        return np.ascontiguousarray(rgb[:, :, 0])
    return rgb


def _fitted(pixels: np.ndarray, size: int | None, fit: str, cap: int) -> np.ndarray:
    """``pixels`` made ``size``×``size`` by ``fit``; with ``size`` None, only made smaller
    where a side exceeds ``cap`` (crop: the centre square first), to be sized later."""
    from PIL import Image

    image = Image.fromarray(pixels)
    width, height = image.size
    if fit == "crop":
        side = min(width, height)
        if width != height:
            left, top = (width - side) // 2, (height - side) // 2
            image = image.crop((left, top, left + side, top + side))
        box = (size, size) if size else (min(side, cap),) * 2
    else:
        box = (size, size) if size else (min(width, cap), min(height, cap))
    if image.size != box:
        image = image.resize(box, Image.Resampling.BILINEAR)
    return np.array(image, dtype=np.uint8)


def _check_folder_options(size: int | None, fit: str, color: str) -> None:
    low, high = FOLDER_SIZES
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                             or not low <= size <= high):
        raise DatasetError(f"image size must be an integer from {low} to {high}, got {size!r}")
    if fit not in FOLDER_FITS:
        raise DatasetError(f"fit must be one of {', '.join(FOLDER_FITS)}, got {fit!r}")
    if color not in FOLDER_COLORS:
        raise DatasetError(f"color must be one of {', '.join(FOLDER_COLORS)}, got {color!r}")


def folder_files(folder: Path) -> tuple[list[str], list[tuple[Path, int]]]:
    """The class names (sorted sub-folder names) and the image files with their class index
    of an ImageFolder-layout folder, in the order :func:`load_folder` reads them; raises
    DatasetError when there are no images or images of only one class."""
    if not folder.is_dir():
        raise DatasetError(f"image folder {folder} does not exist")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = [(path, index) for index, name in enumerate(classes)
             for path in sorted((folder / name).rglob("*"))
             if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()]
    if not files:
        raise DatasetError(f"{folder} holds no images in class sub-folders "
                           f"(expected {folder}/<class name>/<image>.png)")
    used = sorted({index for _path, index in files})
    if len(used) < 2:
        raise DatasetError(f"{folder} has images of only one class ({classes[used[0]]!r}); "
                           "a classifier needs at least two class sub-folders")
    return classes, files


def unreadable_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises for a file that is no readable image (its decoding included)."""
    from PIL import Image

    return (OSError, ValueError, Image.DecompressionBombError)


def decode_image(path: Path | str, size: int | None, fit: str, color: str
                 ) -> tuple[np.ndarray, int]:
    """One file of a folder decoded as :func:`load_folder` decodes it: the pixels (``[H, W]`` or
    ``[H, W, 3]`` uint8; ``size``×``size`` when ``size`` is given, else no side above the
    automatic sizes' cap) and the shorter side of the stored image. Raises one of
    :func:`unreadable_errors` for a file that cannot be read."""
    from PIL import Image

    cap = FOLDER_AUTO_SIZES[1]
    with Image.open(path) as image:
        side = min(image.size)
        target = size or cap
        image.draft(None, (target, target))  # JPEG: decode at a scale ≥ the target
        pixels = _pixels(image, color)
    return _fitted(pixels, size, fit, cap), side


def place_image(out: np.ndarray, pixels: np.ndarray) -> None:
    """Write decoded ``pixels`` into ``out`` (uint8 ``[C, S, S]``): scaled to S×S (bilinear)
    when they are another size, a grey image repeated over 3 channels."""
    from PIL import Image

    size = out.shape[1]
    if pixels.shape[:2] != (size, size):
        pixels = np.asarray(Image.fromarray(pixels).resize((size, size),
                                                           Image.Resampling.BILINEAR))
    out[...] = pixels if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def load_folder(folder: Path | str, size: int | None = None, val_fraction: float = 0.2,
                seed: int = 0, fit: str = "resize", color: str = "auto") -> Dataset:
    """An image folder in torchvision's ImageFolder layout: one sub-folder per class.

    Every image becomes ``size``×``size``; with ``size`` None, the median of the images'
    shorter sides (the lower middle one for an even count), kept from 8 to 64. ``fit``
    "resize" squeezes an image to the square; "crop" scales its shorter side to ``size`` and
    keeps the centre square (done as: centre square, then scaled). Scaling is bilinear.

    ``color`` "auto" gives 1 channel when every image is grayscale (a grayscale mode, or
    RGB/palette pixels all with R == G == B) and 3 (RGB) otherwise; "rgb" always 3,
    "grayscale" always 1 (Pillow's luma). Alpha is dropped, not composited: a transparent
    pixel keeps the colour stored under it.

    Each file is decoded once (JPEGs at a reduced scale when that is enough) and only small
    uint8 arrays are kept: with ``size`` None, no side above 64 until the size is known.
    Unreadable files are skipped; the error lists them if fewer than two images remain.
    """
    _check_folder_options(size, fit, color)
    given_size = size is not None
    folder = Path(folder)
    classes, files = folder_files(folder)
    arrays: list[np.ndarray | None] = []
    labels, shorter, unreadable = [], [], []
    for path, index in files:
        try:
            fitted, side = decode_image(path, size, fit, color)
        except unreadable_errors():
            unreadable.append(path.name)
            continue
        arrays.append(fitted)
        labels.append(index)
        shorter.append(side)
    if len(arrays) < 2:
        raise DatasetError(f"{folder}: no readable images (unreadable: {', '.join(unreadable)})")
    if len(set(labels)) < 2:
        raise DatasetError(f"{folder} has readable images of only one class "
                           f"({classes[labels[0]]!r}); unreadable: {', '.join(unreadable)}")
    if size is None:
        low, high = FOLDER_AUTO_SIZES
        size = min(high, max(low, statistics.median_low(shorter)))
    channels = 1 if color == "grayscale" or (
        color == "auto" and all(a.ndim == 2 for a in arrays)) else 3
    stacked = np.empty((len(arrays), channels, size, size), dtype=np.uint8)
    for i, pixels in enumerate(arrays):
        place_image(stacked[i], pixels)
        arrays[i] = None  # let it go: the stacked copy is the one kept
    parts = split(torch.from_numpy(stacked), torch.tensor(labels, dtype=torch.int64),
                  val_fraction, seed)
    name = folder_name(str(folder), size=size if given_size else None,
                       fit=None if fit == "resize" else fit,
                       color=None if color == "auto" else color)
    return Dataset(name, *parts, class_names=classes)


def load_table(path: Path | str, target: str, val_fraction: float = 0.2, seed: int = 0,
               task: str = "auto") -> Dataset:
    """A CSV table as a dataset: features preprocessed as core.tabular says, the target column
    to predict (a class or a number)."""
    from netbuilder.core.tabular import TabularError, load_csv

    if not target:
        raise DatasetError(f"{csv_name(str(path))}: name the column to predict (--target "
                           "COLUMN, or the Training panel's Target)")
    try:
        table = load_csv(path, target, val_fraction, seed, task)
    except TabularError as exc:
        raise DatasetError(str(exc)) from None
    return Dataset(table.name, table.train_x, table.train_y, table.val_x, table.val_y,
                   list(table.class_names), table.task, dict(table.preprocessing))


def load_dataset(name: str, root: Path | str | None = None, val_fraction: float = 0.2,
                 seed: int = 0, download: bool = True, target: str = "",
                 task: str = "auto", stream_threshold: float | None = None
                 ) -> Dataset | StreamingDataset:
    """Any dataset by the name the CLI and the app use: digits, mnist, …, cifar100,
    folder:PATH (options after it, e.g. ``?size=32&fit=crop``, as
    :func:`netbuilder.core.registry.folder_options` reads them), csv:PATH (with the ``target``
    column and the ``task``). A folder's dataset keeps ``name`` as it was given.

    A folder whose images would take more than ``stream_threshold`` bytes as float32 (None:
    :data:`netbuilder.core.streaming.STREAM_THRESHOLD_BYTES`, 1 GiB) is not loaded but streamed
    from disk: a :class:`netbuilder.core.streaming.StreamingDataset` (see there)."""
    if name == DIGITS:
        return load_digits(val_fraction, seed)
    if name in TORCHVISION_SETS:
        return load_torchvision(name, root, download)
    if is_folder(name):
        try:
            options = folder_options(name)
        except ValueError as exc:
            raise DatasetError(f"{name}: {exc}") from None
        from netbuilder.core.streaming import load_folder_or_stream

        data = load_folder_or_stream(folder_path(name), val_fraction=val_fraction, seed=seed,
                                     threshold=stream_threshold, **options)
        data.name = name  # as asked for: the same string names it in projects and checkpoints
        return data
    if is_csv(name):
        options = csv_options(name)
        table = load_table(csv_path(name), target or options["target"], val_fraction, seed,
                           task if task != "auto" else options["task"])
        table.name = name
        return table
    raise DatasetError(f"unknown dataset {name!r}; expected one of {', '.join(DATASET_CHOICES)}")
