"""Datasets as tensors: the embedded digits, torchvision's MNIST family, and image folders.

Images are kept as uint8 ``[N, C, H, W]`` at rest and reach the model as the tutorial's
``transforms.ToTensor()`` gives them: floats in [0, 1]. Any normalisation belongs inside the
network, so exported weights work unchanged in plain PyTorch code. Batches are drawn by index
from tensors already on the training device; there are no per-sample PIL transforms in the loop.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from netbuilder.core.registry import (
    CSV_CHOICE,
    DATASET_NAMES,
    DATASETS,
    FOLDER_CHOICE,
    csv_name,
    csv_path,
    dataset_info,
    folder_name,
    folder_path,
    is_csv,
    is_folder,
)
from netbuilder.core.resources import DIGITS_FILE

DIGITS = "digits"
# The loaders' view of core.registry.
TORCHVISION_SETS = {name: info.torchvision_class for name, info in DATASETS.items()
                    if info.torchvision_class}
DATASET_CHOICES = (*DATASET_NAMES, FOLDER_CHOICE, CSV_CHOICE)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm"}


class DatasetError(Exception):
    """A dataset that cannot be had: the message says which and what to do."""


def default_data_dir() -> Path:
    """Where downloaded datasets live: $NETBUILDER_DATA, else the user's cache folder."""
    if os.environ.get("NETBUILDER_DATA"):
        return Path(os.environ["NETBUILDER_DATA"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "netbuilder" / "datasets"


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
            scale: tuple[float, float] = (0.9, 1.1), max_shift: float = 2.0) -> torch.Tensor:
    """Random small rotation, scale and shift of a whole batch at once, on its device."""
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
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


def split(images: torch.Tensor, labels: torch.Tensor, val_fraction: float,
          seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A seeded random split into train and validation."""
    if not 0.0 < val_fraction < 1.0:
        raise DatasetError(f"validation fraction must be between 0 and 1, got {val_fraction}")
    n = len(labels)
    n_val = max(1, round(n * val_fraction))
    if n - n_val < 1:
        raise DatasetError(f"{n} images are too few to split into training and validation")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val, train = order[:n_val], order[n_val:]
    return images[train], labels[train], images[val], labels[val]


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


def load_torchvision(name: str, root: Path | str | None = None, download: bool = True
                     ) -> Dataset:
    """MNIST, FashionMNIST or KMNIST: 60,000 training and 10,000 test images.

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
        raise DatasetError(
            f"{cls_name} is not in {root} and could not be downloaded ({first.strip()}). "
            f"Connect to the internet once, or copy the {cls_name} files into "
            f"{root / cls_name / 'raw'}; the embedded 'digits' dataset needs no download."
        ) from None
    names = list(dataset_info(name).class_names)
    return Dataset(name, train.data.unsqueeze(1).clone(), train.targets.long().clone(),
                   test.data.unsqueeze(1).clone(), test.targets.long().clone(), names)


def load_folder(folder: Path | str, size: int = 28, val_fraction: float = 0.2, seed: int = 0
                ) -> Dataset:
    """An image folder in torchvision's ImageFolder layout: one sub-folder per class.

    Images become grayscale ``size``×``size`` (ink as it is in the files), read once here.
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
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
    images, labels, unreadable = [], [], []
    for path, index in files:
        try:
            with Image.open(path) as image:
                gray = image.convert("L").resize((size, size), Image.Resampling.BILINEAR)
                images.append(np.asarray(gray, dtype=np.uint8))
                labels.append(index)
        except (OSError, UnidentifiedImageError):
            unreadable.append(path.name)
    if len(images) < 2:
        raise DatasetError(f"{folder}: no readable images (unreadable: {', '.join(unreadable)})")
    stacked = torch.from_numpy(np.stack(images)).unsqueeze(1)
    parts = split(stacked, torch.tensor(labels, dtype=torch.int64), val_fraction, seed)
    return Dataset(folder_name(str(folder)), *parts, class_names=classes)


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
                 task: str = "auto") -> Dataset:
    """Any dataset by the name the CLI and the app use: digits, mnist, …, folder:PATH,
    csv:PATH (with the ``target`` column and the ``task``)."""
    if name == DIGITS:
        return load_digits(val_fraction, seed)
    if name in TORCHVISION_SETS:
        return load_torchvision(name, root, download)
    if is_folder(name):
        return load_folder(folder_path(name), val_fraction=val_fraction, seed=seed)
    if is_csv(name):
        return load_table(csv_path(name), target, val_fraction, seed, task)
    raise DatasetError(f"unknown dataset {name!r}; expected one of {', '.join(DATASET_CHOICES)}")
