"""Image folders too large to hold in memory, streamed from disk while training.

:func:`netbuilder.core.data.load_folder` decodes a whole folder into one uint8 tensor, and the
trainer makes a float32 copy of it on the training device: fine for 10,000 digits, not for a
folder of 100,000 photos. Above :data:`STREAM_THRESHOLD_BYTES` (the folder's images as float32,
estimated before anything is decoded) :func:`load_folder_or_stream` returns a
:class:`StreamingDataset` instead, which keeps only the file names and labels in memory.

Decoding is the in-memory path's own (``data.decode_image`` and ``data.place_image``), so a
streamed image is bit-identical to the loaded one; the train/validation split is
``data.split_indices``, the same as ``data.split`` for the same seed and fraction. Batches are
decoded by a ``torch.utils.data.DataLoader`` in worker processes (:func:`default_workers`:
``min(4, CPUs - 1)``, 0 on one CPU; persistent; pinned memory on CUDA) in the order the trainer
asks for (its seeded per-epoch permutation), so the same seed gives the same batches, and the
same weights, streamed or in memory, with or without workers.

Validation is streamed too: ``val_x`` is a :class:`FolderImages` view whose slices are decoded
when taken (the trainer's evaluation reads 1,000 images at a time, through the workers of a
second loader, so that an evaluation while training is paused leaves the epoch's stream as it
was), so no set is ever held in memory. It costs decoding the validation images again at each
epoch's end.

An image that cannot be decoded while training (a truncated or damaged file) is not skipped:
it ends the run with a :class:`StreamError` naming the file (the trainer reports it as a
``Failed`` event and puts back the last good weights). Skipping would silently change the
batches and break the run's exact bookkeeping (its order, its resume point). Files that cannot
be opened at all are left out when the folder is read, as ``load_folder`` leaves them out
(listed in :attr:`StreamingDataset.unreadable`).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler
from torch.utils.data import Dataset as TorchDataset

from netbuilder.core.data import (
    CLASSIFICATION,
    GRAY_MODES,
    Dataset,
    DatasetError,
    _check_folder_options,
    decode_image,
    folder_files,
    load_folder,
    place_image,
    split_indices,
    unreadable_errors,
)
from netbuilder.core.registry import FOLDER_AUTO_SIZES, folder_name

# A folder whose images would take more than this as float32 (the trainer's copy) streams.
STREAM_THRESHOLD_BYTES = 1 << 30
MAX_WORKERS = 4
PREFETCH = 2  # batches each worker decodes ahead
READ_CHUNK = 64  # images per worker task when a slice of images is read (evaluation)
MAX_NAMED = 3  # unreadable files named in one message


class StreamError(DatasetError):
    """An image of a streamed folder that cannot be decoded; the message names the file."""


def default_workers(cpus: int | None = None) -> int:
    """Worker processes that decode images: one CPU is left to training, at most
    :data:`MAX_WORKERS`, none (decoding in the training process) with a single CPU."""
    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    return max(0, min(MAX_WORKERS, cpus - 1))


def estimated_bytes(count: int, channels: int, size: int) -> int:
    """What ``count`` images of ``channels``×``size``×``size`` take as float32."""
    return count * channels * size * size * 4


# ---------------------------------------------------------------------------------------------
# Reading a folder without decoding it


@dataclass
class FolderScan:
    """A folder's readable image files (their headers read, their pixels not) in the order
    ``load_folder`` reads them, with their class, shorter side and Pillow mode."""

    folder: Path
    classes: list[str]
    paths: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    sides: list[int] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def auto_size(self) -> int:
        """The size ``load_folder`` picks without a size option: the median shorter side
        (the lower middle one), kept from 8 to 64."""
        low, high = FOLDER_AUTO_SIZES
        return min(high, max(low, statistics.median_low(self.sides)))

    def all_gray_modes(self) -> bool:
        return all(mode in GRAY_MODES for mode in self.modes)

    def drop(self, indices: set[int]) -> None:
        """Leave out the files at ``indices`` (found unreadable after the scan)."""
        self.unreadable += [self.paths[i].name for i in sorted(indices)]
        keep = [i for i in range(len(self.paths)) if i not in indices]
        self.paths = [self.paths[i] for i in keep]
        self.labels = [self.labels[i] for i in keep]
        self.sides = [self.sides[i] for i in keep]
        self.modes = [self.modes[i] for i in keep]
        self.check()

    def check(self) -> None:
        """The errors ``load_folder`` raises for too few readable images or classes."""
        if len(self.paths) < 2:
            raise DatasetError(f"{self.folder}: no readable images (unreadable: "
                               f"{', '.join(self.unreadable)})")
        if len(set(self.labels)) < 2:
            raise DatasetError(f"{self.folder} has readable images of only one class "
                               f"({self.classes[self.labels[0]]!r}); unreadable: "
                               f"{', '.join(self.unreadable)}")


def scan_folder(folder: Path | str) -> FolderScan:
    """The image files of an ImageFolder-layout folder with their sizes and modes, from their
    headers only; files Pillow cannot open are left out (as ``load_folder`` leaves them)."""
    from PIL import Image

    folder = Path(folder)
    classes, files = folder_files(folder)
    scan = FolderScan(folder, classes)
    for path, index in files:
        try:
            with Image.open(path) as image:
                side, mode = min(image.size), image.mode
        except unreadable_errors():
            scan.unreadable.append(path.name)
            continue
        scan.paths.append(path)
        scan.labels.append(index)
        scan.sides.append(side)
        scan.modes.append(mode)
    scan.check()
    return scan


def _channels(scan: FolderScan, size: int | None, fit: str, color: str) -> int:
    """The channels ``load_folder`` gives the folder: for "auto", 1 when every image decodes
    to grey pixels. Grey-mode files are grey without decoding; the others are decoded until one
    has colour (the first, in a folder of photos). Files that fail to decode are left out."""
    if color != "auto":
        return 1 if color == "grayscale" else 3
    broken: set[int] = set()
    channels = 1
    for i, (path, mode) in enumerate(zip(scan.paths, scan.modes, strict=True)):
        if mode in GRAY_MODES:
            continue
        try:
            pixels, _side = decode_image(path, size, fit, color)
        except unreadable_errors():
            broken.add(i)
            continue
        if pixels.ndim == 3:
            channels = 3
            break
    if broken:
        scan.drop(broken)
    return channels


def load_folder_or_stream(folder: Path | str, size: int | None = None,
                          val_fraction: float = 0.2, seed: int = 0, fit: str = "resize",
                          color: str = "auto", threshold: float | None = None,
                          num_workers: int | None = None) -> Dataset | StreamingDataset:
    """:func:`netbuilder.core.data.load_folder`'s dataset, or a :class:`StreamingDataset` of
    the same images when they would take more than ``threshold`` bytes as float32 (None:
    :data:`STREAM_THRESHOLD_BYTES`).

    The estimate needs no decoding: first from the number of files at the largest size and
    channels they can have (a folder clearly under the threshold is loaded at once); above
    it, from the files' headers (the automatic size, 1 channel when every file is grey).
    """
    _check_folder_options(size, fit, color)
    limit = STREAM_THRESHOLD_BYTES if threshold is None else threshold
    folder = Path(folder)
    _classes, files = folder_files(folder)
    most = estimated_bytes(len(files), 1 if color == "grayscale" else 3,
                           size or FOLDER_AUTO_SIZES[1])
    if most <= limit:
        return load_folder(folder, size, val_fraction, seed, fit, color)
    scan = scan_folder(folder)
    gray = color == "grayscale" or color == "auto" and scan.all_gray_modes()
    if estimated_bytes(len(scan.paths), 1 if gray else 3, size or scan.auto_size()) <= limit:
        return load_folder(folder, size, val_fraction, seed, fit, color)
    return StreamingDataset.from_scan(scan, size, val_fraction, seed, fit, color, num_workers)


# ---------------------------------------------------------------------------------------------
# Decoding, in worker processes or not


class _Decoder(TorchDataset):
    """The folder's files by index, decoded as ``load_folder`` decodes them. An item is
    ``(uint8 [C, S, S], "")``, or ``(empty, "what went wrong")`` for a file that cannot be
    decoded: errors travel back from worker processes as text, named in one clear message."""

    def __init__(self, folder: Path, paths: Sequence[Path], size: int, channels: int,
                 given_size: int | None, fit: str, color: str):
        self.folder = str(folder)
        self.paths = [str(p) for p in paths]
        self.size, self.channels = size, channels
        self.given_size, self.fit, self.color = given_size, fit, color

    def __len__(self) -> int:
        return len(self.paths)

    def name(self, index: int) -> str:
        return os.path.relpath(self.paths[index], self.folder)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        try:
            pixels, _side = decode_image(self.paths[index], self.given_size, self.fit,
                                         self.color)
        except Exception as exc:  # whatever decoding raises, it is this file's failure
            return (torch.empty(0, dtype=torch.uint8),
                    f"{self.name(index)} ({type(exc).__name__}: {exc})")
        if pixels.ndim == 3 and self.channels == 1 and self.color != "grayscale":
            return (torch.empty(0, dtype=torch.uint8),
                    f"{self.name(index)} (a colour image in a folder read as grey: the file "
                    "changed after the folder was read)")
        out = np.empty((self.channels, self.size, self.size), dtype=np.uint8)
        place_image(out, pixels)
        return torch.from_numpy(out), ""

    def fail(self, errors: list[str]) -> StreamError:
        more = f" and {len(errors) - MAX_NAMED} more" if len(errors) > MAX_NAMED else ""
        return StreamError(f"image folder {self.folder}: cannot read "
                           f"{'; '.join(errors[:MAX_NAMED])}{more}. Remove or replace "
                           f"{'it' if len(errors) == 1 else 'them'} and train again.")


def _collate(items: list[tuple[torch.Tensor, str]]) -> tuple[torch.Tensor, list[str]]:
    errors = [error for _image, error in items if error]
    if errors:
        return torch.empty(0, dtype=torch.uint8), errors
    return torch.stack([image for image, _error in items]), []


class _Plan(Sampler):
    """The batches (lists of file indices) of the next pass, set before each ``iter(loader)``:
    one DataLoader with persistent workers serves every epoch's order and every slice."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


class _Reader:
    """Reads files of a :class:`_Decoder` as batches, uint8 on the CPU (``device`` None) or
    floats in [0, 1] on ``device`` (as ``Dataset.on_device`` makes them), through one
    DataLoader whose persistent workers serve one pass at a time: a pass started while another
    is under way takes the loader over, and the older one raises if it is read on.
    """

    def __init__(self, decoder: _Decoder, num_workers: int, device: torch.device | None):
        self.decoder, self.num_workers, self.device = decoder, num_workers, device
        self.pinned = device is not None and device.type == "cuda"
        self._plan = _Plan()
        self._loader: DataLoader | None = None
        self._ticket = 0  # the pass that owns the loader

    @property
    def shape(self) -> list[int]:
        return [self.decoder.channels, self.decoder.size, self.decoder.size]

    def loader(self) -> DataLoader:
        if self._loader is None:
            workers = self.num_workers
            self._loader = DataLoader(
                self.decoder, batch_sampler=self._plan, num_workers=workers,
                collate_fn=_collate, pin_memory=self.pinned, persistent_workers=workers > 0,
                prefetch_factor=PREFETCH if workers else None,
                # The loader draws a seed for its workers: from its own generator, so that the
                # global RNG (dropout, the resume point's RNG state) does not move.
                generator=torch.Generator().manual_seed(0))
        return self._loader

    def moved(self, images: torch.Tensor) -> torch.Tensor:
        if self.device is None:
            return images
        return images.to(self.device, non_blocking=self.pinned).float().div_(255.0)

    def batches(self, plan: list[list[int]]) -> Iterator[torch.Tensor]:
        """The batches of ``plan`` in order, decoded ahead by the workers. A newer pass
        started before this one is done makes this one raise when it is resumed."""
        self._ticket += 1
        ticket = self._ticket
        self._plan.batches = list(plan)
        if not plan:
            return
        for count, (images, errors) in enumerate(self.loader(), 1):
            if errors:
                raise self.decoder.fail(errors)
            yield self.moved(images)
            if count == len(plan):
                return
            if self._ticket != ticket:
                raise RuntimeError("another pass over the same images took over the loader "
                                   "of this one")

    def read(self, files: list[int]) -> torch.Tensor:
        """The images of ``files`` as one batch."""
        if not files:
            return self.moved(torch.empty((0, *self.shape), dtype=torch.uint8))
        if len(files) <= READ_CHUNK or self.num_workers == 0:
            images, errors = _collate([self.decoder[i] for i in files])
            if errors:
                raise self.decoder.fail(errors)
            return self.moved(images)
        chunks = [files[i:i + READ_CHUNK] for i in range(0, len(files), READ_CHUNK)]
        return torch.cat(list(self.batches(chunks)))

    def close(self) -> None:
        """Stop the worker processes (a later read starts new ones)."""
        loader, self._loader = self._loader, None
        iterator = getattr(loader, "_iterator", None) if loader is not None else None
        shutdown = getattr(iterator, "_shutdown_workers", None)
        if callable(shutdown):
            try:
                shutdown()
            except RuntimeError:
                # torch's SIGCHLD check reports a worker that ended with an error while the
                # others were being joined (seen under load); shutting down still removes the
                # workers' pids and terminates any left, so nothing is left to stop.
                pass


class FolderImages:
    """Some of a streamed folder's images as a read-only, tensor-like view ``[N, C, S, S]``:
    indexing it (an int, a slice, an index tensor or list) decodes those images, uint8 for a
    :class:`StreamingDataset`, floats in [0, 1] on the device for its ``on_device`` data."""

    def __init__(self, reader: _Reader, files: torch.Tensor):
        self._reader = reader
        self.files = files  # indices into the folder's files, int64 on the CPU

    def __len__(self) -> int:
        return len(self.files)

    @property
    def shape(self) -> torch.Size:
        return torch.Size([len(self.files), *self._reader.shape])

    def size(self, dim: int | None = None) -> torch.Size | int:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return 4

    def numel(self) -> int:
        return self.shape.numel()

    @property
    def dtype(self) -> torch.dtype:
        return torch.uint8 if self._reader.device is None else torch.float32

    @property
    def device(self) -> torch.device:
        return self._reader.device or torch.device("cpu")

    def __getitem__(self, key: int | slice | torch.Tensor | Sequence[int]) -> torch.Tensor:
        if isinstance(key, slice):
            picked = self.files[key]
        else:
            index = torch.as_tensor(key)
            picked = self.files[(index if index.dtype == torch.bool else index.long()).cpu()]
        if picked.dim() == 0:  # one image: [C, S, S]
            return self._reader.read([int(picked)])[0]
        return self._reader.read(picked.tolist())

    def __iter__(self) -> Iterator[torch.Tensor]:
        for start in range(0, len(self), READ_CHUNK):
            yield from self[start:start + READ_CHUNK]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every image decoded (numpy's view of the whole set: slow for a large one)."""
        array = self[:].cpu().numpy()
        return array if dtype is None else array.astype(dtype)

    def __repr__(self) -> str:
        return f"FolderImages({list(self.shape)}, {self.dtype}, streamed from disk)"


# ---------------------------------------------------------------------------------------------
# The dataset and its device view


class StreamingDataset:
    """An image folder read from disk batch by batch: what the trainer and the window use of a
    :class:`netbuilder.core.data.Dataset` (``name``, ``class_names``, ``task``,
    ``input_shape``, ``num_classes``, ``is_table``, the labels, ``on_device``), with the images
    as :class:`FolderImages` views decoded when indexed.

    ``train_files``/``val_files`` are indices into ``paths`` from ``data.split_indices``:
    ``train_images[i]`` is the image the in-memory dataset has at ``train_images[i]``.
    ``num_workers`` decoding processes (default :func:`default_workers`; 0: in this process).
    """

    task = CLASSIFICATION
    is_table = False
    streamed = True

    def __init__(self, name: str, folder: Path, paths: Sequence[Path], labels: torch.Tensor,
                 train_files: torch.Tensor, val_files: torch.Tensor, class_names: list[str],
                 size: int, channels: int, given_size: int | None = None, fit: str = "resize",
                 color: str = "auto", num_workers: int | None = None,
                 unreadable: Sequence[str] = ()):
        self.name = name
        self.folder = Path(folder)
        self.class_names = list(class_names)
        self.preprocessing: dict = {}
        self.unreadable = list(unreadable)
        self.num_workers = default_workers() if num_workers is None else num_workers
        self.decoder = _Decoder(self.folder, paths, size, channels, given_size, fit, color)
        self.labels = labels
        self.train_files, self.val_files = train_files, val_files
        self.train_labels, self.val_labels = labels[train_files], labels[val_files]
        self._reader = _Reader(self.decoder, self.num_workers, None)
        self.train_images = FolderImages(self._reader, train_files)
        self.val_images = FolderImages(self._reader, val_files)

    @classmethod
    def from_scan(cls, scan: FolderScan, size: int | None, val_fraction: float, seed: int,
                  fit: str = "resize", color: str = "auto", num_workers: int | None = None
                  ) -> StreamingDataset:
        """The streamed form of ``load_folder(scan.folder, size, val_fraction, seed, fit,
        color)``: the same size, channels, split and pixels."""
        channels = _channels(scan, size, fit, color)
        final = size or scan.auto_size()
        train, val = split_indices(len(scan.paths), val_fraction, seed)
        name = folder_name(str(scan.folder), size=size, fit=None if fit == "resize" else fit,
                           color=None if color == "auto" else color)
        return cls(name, scan.folder, scan.paths, torch.tensor(scan.labels, dtype=torch.int64),
                   train, val, scan.classes, final, channels, size, fit, color, num_workers,
                   scan.unreadable)

    @property
    def input_shape(self) -> list[int]:
        return [self.decoder.channels, self.decoder.size, self.decoder.size]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.labels)

    def __str__(self) -> str:
        return (f"{self.name}: {len(self.train_labels):,} training / {len(self.val_labels):,} "
                f"validation images of {'×'.join(map(str, self.input_shape))}, "
                f"{self.num_classes} classes, streamed from disk")

    def limited(self, limit: int) -> StreamingDataset:
        """The first ``limit`` training and validation images (the CLI's --limit)."""
        d = self.decoder
        return StreamingDataset(self.name, self.folder, d.paths, self.labels,
                                self.train_files[:limit], self.val_files[:limit],
                                self.class_names, d.size, d.channels, d.given_size, d.fit,
                                d.color, self.num_workers, self.unreadable)

    def sample(self, count: int = 2048, seed: int = 0) -> torch.Tensor:
        """A seeded random sample of up to ``count`` training images, uint8 ``[N, C, S, S]``:
        enough for ``normalize.channel_stats`` without decoding the whole folder."""
        count = min(count, len(self.train_files))
        pick = torch.randperm(len(self.train_files),
                              generator=torch.Generator().manual_seed(seed))[:count]
        return self.train_images[pick.sort().values]

    def on_device(self, device: torch.device | str) -> StreamedData:
        """The trainer's view: labels on ``device``, images decoded there batch by batch."""
        return StreamedData(self, torch.device(device))

    def close(self) -> None:
        """Stop the worker processes of this dataset's own reads (its image views)."""
        self._reader.close()


class StreamedData:
    """What ``Dataset.on_device`` gives the trainer (``train_x``, ``train_y``, ``val_x``,
    ``val_y``, ``num_classes``, ``task``), with the images as :class:`FolderImages` of floats
    in [0, 1] on the device, and :meth:`stream` for an epoch's batches, decoded ahead by the
    worker processes.

    The epoch's stream and the views' reads (evaluation, while training is paused too) have a
    loader each, so a read never disturbs the stream; each starts its workers when first used
    for more than a few images.
    """

    streamed = True

    def __init__(self, dataset: StreamingDataset, device: torch.device):
        self.device = device
        self.num_classes, self.task = dataset.num_classes, dataset.task
        self.num_workers = dataset.num_workers
        self._reader = _Reader(dataset.decoder, dataset.num_workers, device)
        self._stream_reader = _Reader(dataset.decoder, dataset.num_workers, device)
        self.train_files = dataset.train_files
        self.train_x = FolderImages(self._reader, dataset.train_files)
        self.val_x = FolderImages(self._reader, dataset.val_files)
        self.train_y = dataset.train_labels.to(device)
        self.val_y = dataset.val_labels.to(device)

    def stream(self, order: torch.Tensor, start: int, batch_size: int) -> Iterator[torch.Tensor]:
        """The training images of ``order[start:]`` (positions in the training split) in
        batches of ``batch_size``, as ``train_x[order[start:start + batch_size]]`` and so on
        would give them."""
        files = self.train_files[order[start:].cpu()]
        plan = [files[i:i + batch_size].tolist() for i in range(0, len(files), batch_size)]
        return self._stream_reader.batches(plan)

    def close(self) -> None:
        """Stop the worker processes (a later read starts new ones)."""
        self._stream_reader.close()
        self._reader.close()
