"""Checks on an untrusted .pth, made before and after ``torch.load``, that say what is wrong.

``torch.load(weights_only=True)`` runs no code, but it believes the sizes a file declares: a
few megabytes of deflated zeros make it allocate gigabytes, and a state_dict may hold sparse,
meta or quantized tensors that fail only later, half-way through loading them into a model.
These functions return a reason (a string) or ``None``; ``checkpoint`` turns reasons into its
errors, naming the file.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

ZIP_MAGIC = b"PK\x03\x04"
MAX_EXPANSION_BYTES = 256 * 2**20  # how much more than the file's size its entries may declare
MAX_RATIO = 100  # torch stores entries uncompressed; a deflated one may expand this much
SMALL_ENTRY_BYTES = 2**20  # below this, any ratio is harmless
MAX_PICKLE_BYTES = 256 * 2**20
MAX_PLAIN_NODES = 1_000_000  # values in one field (shared references count each time)
MAX_PLAIN_DEPTH = 64


def is_zip(path: Path) -> bool:
    """What ``torch.load`` itself tests: the file starts with a zip local header."""
    with open(path, "rb") as handle:
        return handle.read(4) == ZIP_MAGIC


class NotATorchArchive(ValueError):
    """A zip that is damaged, truncated or not written by ``torch.save``."""


def archive_problem(path: Path, max_expansion: int = MAX_EXPANSION_BYTES) -> str | None:
    """Why the zip at ``path`` must not be loaded (a zip bomb), read from its central directory
    alone: nothing is decompressed. Raises :class:`NotATorchArchive` for a damaged file.

    Stored entries must lie inside the file, so they can never ask for more memory than the
    file's size; compressed ones may expand at most ``MAX_RATIO`` times (small ones excepted),
    and all of them together to at most the file's size plus ``max_expansion``.
    """
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except OSError:
        raise
    except Exception as exc:  # BadZipFile, NotImplementedError("zip file version 6.4"), …
        raise NotATorchArchive(f"its zip structure is damaged: {_first_line(exc)}") from None
    tops = {info.filename.split("/", 1)[0] for info in entries}
    if len(tops) != 1 or any("/" not in info.filename for info in entries):
        raise NotATorchArchive("it is a zip archive, but not one torch.save wrote")
    top = tops.pop()
    if sum(info.filename == f"{top}/data.pkl" for info in entries) != 1:
        raise NotATorchArchive("it is a zip archive without the data.pkl torch.save writes")
    for info in entries:
        if info.header_offset + info.compress_size > size:
            raise NotATorchArchive(f"entry {info.filename[:80]} lies past the end of the file")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise NotATorchArchive(f"entry {info.filename[:80]} declares a size it does not "
                                   "hold")
        if info.filename == f"{top}/data.pkl" and info.file_size > MAX_PICKLE_BYTES:
            return (f"its object table (data.pkl) declares {human_bytes(info.file_size)}, more "
                    f"than the {human_bytes(MAX_PICKLE_BYTES)} netbuilder reads")
    declared = 0
    for info in entries:
        if (info.compress_type != zipfile.ZIP_STORED and info.file_size > SMALL_ENTRY_BYTES
              and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            return (f"entry {info.filename[:80]} would expand from "
                    f"{human_bytes(info.compress_size)} to {human_bytes(info.file_size)} "
                    "(a zip bomb?); torch.save never compresses")
        declared += info.file_size
    if declared > size + max_expansion:
        return (f"its entries declare {human_bytes(declared)} in all, far more than the "
                f"{human_bytes(size)} file holds (a zip bomb?)")
    return None


def tensor_problem(tensor: Any) -> str | None:
    """Why a loaded value cannot be weights: not a dense CPU tensor whose values are stored."""
    if not isinstance(tensor, torch.Tensor):
        return f"is a {type(tensor).__name__}, not a tensor"
    if tensor.is_nested:
        return "is a nested tensor"
    if tensor.layout != torch.strided:
        return f"is a {str(tensor.layout).removeprefix('torch.')} tensor (only dense ones load)"
    if tensor.device.type != "cpu":
        return f"is on the {tensor.device.type} device, which holds no values"
    if tensor.is_quantized:
        return f"is a quantized ({str(tensor.dtype).removeprefix('torch.')}) tensor"
    if tensor.numel() and _reach_bytes(tensor) > tensor.untyped_storage().nbytes():
        return "claims more values than its storage holds"
    if any(stride == 0 and size > 1 for size, stride in zip(tensor.shape, tensor.stride(),
                                                              strict=True)):
        return "repeats one stored value along a dimension (a stride-0 view)"
    return None


def _reach_bytes(tensor: torch.Tensor) -> int:
    """One past the last byte the tensor's view reads from its storage."""
    last = tensor.storage_offset() + sum(
        (size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride(), strict=True))
    return (last + 1) * tensor.element_size()


def non_finite_keys(state_dict: dict[str, torch.Tensor]) -> list[str]:
    """The keys of floating-point (or complex) tensors holding NaN or ±Inf, in order.

    Trained weights that diverged are still loadable; callers warn ("fc1.weight holds NaN/Inf
    values") rather than refuse.
    """
    found = []
    for key, tensor in state_dict.items():
        if not isinstance(tensor, torch.Tensor) or not (
                tensor.is_floating_point() or tensor.is_complex()):
            continue
        if tensor.layout != torch.strided or tensor.device.type == "meta":
            continue
        if not bool(torch.isfinite(tensor).all()):
            found.append(key)
    return found


def plain_problem(value: Any, allow_tensors: bool = False) -> str | None:
    """Why ``value`` is not made of plain values: None, bool, int, float, str, and lists,
    tuples and dicts with str keys of those (and tensors where allowed).

    ``"at ['epochs'][3]: is a set"``; depth and size are bounded, so cyclic or hugely shared
    structures a crafted pickle can build are refused instead of recursing forever.
    """
    budget = [MAX_PLAIN_NODES]
    return _plain(value, "", 0, budget, allow_tensors)


def _plain(value: Any, where: str, depth: int, budget: list[int],
           allow_tensors: bool) -> str | None:
    budget[0] -= 1
    if budget[0] < 0:
        return "holds too many values"
    if depth > MAX_PLAIN_DEPTH:
        return f"at {where}: nested deeper than {MAX_PLAIN_DEPTH}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return None
    if isinstance(value, torch.Tensor) and allow_tensors:
        problem = tensor_problem(value)
        return f"at {where or 'top'}: {problem}" if problem else None
    items: Iterable[tuple[str, Any]]
    if isinstance(value, (list, tuple)):
        items = ((f"{where}[{index}]", item) for index, item in enumerate(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return f"at {where or 'top'}: has a {type(key).__name__} key, not a str"
        items = ((f"{where}[{key[:40]!r}]", item) for key, item in value.items())
    else:
        return f"at {where or 'top'}: is a {type(value).__name__}"
    for inner_where, item in items:
        problem = _plain(item, inner_where, depth + 1, budget, allow_tensors)
        if problem:
            return problem
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def human_bytes(count: float) -> str:
    """``3.7 TB``: decimal units, as file managers show sizes."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if abs(count) < 1000 or unit == "PB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def short_repr(value: Any, limit: int = 60) -> str:
    """A repr safe for error messages: bounded, and never raising (huge ints do)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
