"""Programs other runtimes load — ONNX, TorchScript, a torch.export program — each checked.

Every export is loaded again from the bytes written to the file, run on validation digits and
compared with the model it came from: the largest absolute difference of the outputs and how
often the top class agrees. The report is shown and written next to the file
(``FILE.verification.json``).

Each program is serialised into memory, verified from those bytes, and only then written with
``atomic_write_bytes``: torch's C++ writers abort the whole process when a write fails (a full
disk), while a Python write raises an error that becomes an :class:`ExportError`, leaving the
old file as it was and no temporary behind.

Warnings raised while exporting are captured, not printed: torch's deprecation notices about
the APIs called here (``torch.jit.trace`` is deprecated, …) say nothing about the person's
network and are dropped; any other warning (a ``TracerWarning`` about data-dependent control
flow, say) may matter for the file and is returned in :attr:`Verification.warnings`.
"""

from __future__ import annotations

import importlib.util
import io
import json
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from netbuilder.core.atomic import SaveError, atomic_write_bytes, atomic_write_text

FORMATS = {"onnx": ".onnx", "torchscript": ".pt", "pt2": ".pt2"}
ONNX_EXTRA = "pip install 'netbuilder[onnx]' (onnx, onnxscript and onnxruntime)"


class ExportError(Exception):
    """An export that could not be made or did not verify; the message says why."""


@dataclass
class Verification:
    format: str
    samples: int
    max_abs_diff: float
    top1_agreement: float
    passed: bool
    warnings: list[str] = field(default_factory=list)  # relevant ones only, see the docstring

    def describe(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"{self.format} verification {verdict} on {self.samples} validation digits: "
                 f"max |Δ| = {self.max_abs_diff:.2e}, top-1 agreement "
                 f"{self.top1_agreement:.2%}"]
        return "\n".join(lines + [f"warning: {text}" for text in self.warnings])


# deprecation notices address the code calling torch (this module), not the exported network
NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def relevant_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """The captured warnings worth showing a person, each once, in the order raised."""
    texts: list[str] = []
    for caught_warning in caught:
        if issubclass(caught_warning.category, NOISE):
            continue
        text = f"{caught_warning.category.__name__}: {_first_line(caught_warning.message)}"
        if text not in texts:
            texts.append(text)
    return texts


def verification_images(count: int = 256) -> torch.Tensor:
    """The first ``count`` embedded validation digits, as the model receives them."""
    from netbuilder.core.data import load_digits

    return load_digits().on_device("cpu").val_x[:count]


def _compare(fmt: str, reference: torch.Tensor, produced: torch.Tensor,
             tolerance: float) -> Verification:
    produced = produced.float()
    diff = float((reference - produced).abs().max()) if reference.numel() else 0.0
    agree = float((reference.argmax(1) == produced.argmax(1)).float().mean())
    return Verification(fmt, len(reference), diff, agree, diff <= tolerance and agree == 1.0)


def _check_folder(path: Path) -> None:
    """Refuse before the (slow) export when the file could not be written at all."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")


def _write(path: Path, data: bytes) -> None:
    """The serialised program, atomically: a full disk is an ExportError, never an abort."""
    try:
        atomic_write_bytes(path, data)
    except SaveError as exc:
        raise ExportError(f"{exc}; the file that was there is unchanged") from None


def _serialised(fmt: str, save: Callable[[io.BytesIO], object]) -> bytes:
    """Serialise into memory: torch's C++ writers abort the process on a disk error."""
    buffer = io.BytesIO()
    try:
        save(buffer)
    except Exception as exc:
        raise ExportError(f"{fmt} could not be serialised: {_first_line(exc)}") from None
    return buffer.getvalue()


def _reference(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(images).float()


def export_torchscript(model: nn.Module, path: Path, images: torch.Tensor,
                       tolerance: float = 1e-4) -> Verification:
    example = images[:2]
    try:
        with torch.no_grad():
            traced = torch.jit.trace(model, example, check_trace=False)
    except Exception as exc:
        raise ExportError(f"TorchScript tracing failed: {_first_line(exc)}") from None
    data = _serialised("TorchScript", lambda buffer: torch.jit.save(traced, buffer))
    loaded = torch.jit.load(io.BytesIO(data))
    with torch.no_grad():
        produced = loaded(images)
    result = _compare("TorchScript", _reference(model, images), produced, tolerance)
    _write(path, data)
    return result


def export_pt2(model: nn.Module, path: Path, images: torch.Tensor,
               tolerance: float = 1e-4) -> Verification:
    batch = torch.export.Dim("batch", min=1, max=4096)
    try:
        program = torch.export.export(model, (images[:2],), dynamic_shapes=({0: batch},))
    except Exception as exc:
        raise ExportError(f"torch.export could not capture this network: {_first_line(exc)}"
                          ) from None
    data = _serialised("torch.export", lambda buffer: torch.export.save(program, buffer))
    loaded = torch.export.load(io.BytesIO(data)).module()
    with torch.no_grad():
        produced = loaded(images)
    result = _compare("torch.export", _reference(model, images), produced, tolerance)
    _write(path, data)
    return result


def onnx_available() -> str:
    """'' when the ONNX extra is installed, else what to install."""
    missing = [name for name in ("onnx", "onnxscript", "onnxruntime")
               if importlib.util.find_spec(name) is None]
    return f"ONNX export needs {', '.join(missing)}: {ONNX_EXTRA}" if missing else ""


def export_onnx(model: nn.Module, path: Path, images: torch.Tensor,
                tolerance: float = 1e-4) -> Verification:
    missing = onnx_available()
    if missing:
        raise ExportError(missing)
    import onnxruntime

    batch = torch.export.Dim("batch", min=1, max=4096)
    try:
        program = torch.onnx.export(
            model, (images[:2],), dynamo=True, input_names=["input"],
            output_names=["scores"], dynamic_shapes=({0: batch},), external_data=False,
            verbose=False)
    except Exception as exc:
        raise ExportError(f"ONNX export failed (an operator ONNX cannot express?): "
                          f"{_first_line(exc)}") from None
    # one self-contained protobuf, as program.save(external_data=False) writes for < 2 GB
    data = _serialised("ONNX", lambda buffer: buffer.write(
        program.model_proto.SerializeToString()))
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    produced = torch.from_numpy(session.run(None, {name: images.numpy()})[0])
    result = _compare("ONNX", _reference(model, images), produced, tolerance)
    _write(path, data)
    return result


EXPORTERS: dict[str, Callable[..., Verification]] = {
    "onnx": export_onnx, "torchscript": export_torchscript, "pt2": export_pt2}


def export_verified(model: nn.Module, fmt: str, path: str | Path,
                    images: torch.Tensor | None = None) -> Verification:
    """Export ``model`` as ``fmt`` to ``path``, verify it, and write the report beside it."""
    if fmt not in EXPORTERS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORTERS)}")
    path = Path(path)
    _check_folder(path)
    was_training = model.training
    model.eval()
    try:
        model = model.cpu()
        images = verification_images() if images is None else images.cpu()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # each one, also those shown once before
            result = EXPORTERS[fmt](model, path, images)
    finally:
        model.train(was_training)
    result.warnings = relevant_warnings(caught)
    report = path.with_name(path.name + ".verification.json")
    try:
        atomic_write_text(report, json.dumps(asdict(result), indent=2) + "\n")
    except SaveError as exc:
        raise ExportError(f"{path} was written, but its verification report was not: {exc}"
                          ) from None
    if not result.passed:
        raise ExportError(result.describe() + f"; the file was written, see {report.name}")
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
