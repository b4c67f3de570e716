"""Weights in and out: plain ``state_dict`` files and full checkpoints.

A plain file is exactly ``torch.save(model.state_dict(), path)``, what the tutorial's
``model.load_state_dict(torch.load(path))`` reads. A full checkpoint is one dict holding the spec
next to the weights (as nanoGPT keeps ``model_args`` beside its ``state_dict``), the optimizer
state, training settings, history, class names and, after a run, where it stands (its resume
point, see ``core.resume``) — only tensors and plain types, so it loads
with ``weights_only=True``. Every load uses ``weights_only=True``; every save is atomic.

Loading trusts nothing: the zip's declared sizes are checked before ``torch.load`` (see
``pth_guard``), every tensor must be dense and on the CPU, every checkpoint field is checked, and
a checkpoint's weights must fit its own network, so that callers never half-apply a file.
Saving serialises into memory first and raises :class:`SaveError` (an ``OSError``) for any
failure, with the old file untouched.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from netbuilder import __version__
from netbuilder.core.atomic import SaveError, atomic_write_bytes
from netbuilder.core.builder import build
from netbuilder.core.calibration import Calibration, CalibrationError
from netbuilder.core.pth_guard import (
    NotATorchArchive,
    archive_problem,
    human_bytes,
    is_finite_number,
    is_zip,
    non_finite_keys,
    plain_problem,
    short_repr,
    tensor_problem,
)
from netbuilder.core.resume import ResumeError, ResumePoint
from netbuilder.core.spec import NetworkSpec, SpecError

__all__ = [
    "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "CheckpointError", "LoadedFile", "Reconciliation",
    "SaveError", "WeightsMismatch", "estimated_bytes", "infer_spec", "load_file", "load_weights",
    "memory_problem", "non_finite_keys", "read_pth", "reconcile", "save_checkpoint",
    "save_state_dict",
]

CHECKPOINT_FORMAT = "netbuilder.checkpoint"
CHECKPOINT_VERSION = 1
PREPROCESSING = {
    "input": "float32 in [0, 1], shape [N, 1, 28, 28], as transforms.ToTensor() gives",
    "ink": "bright on dark (MNIST style)",
    "normalisation": "none outside the network",
}


class CheckpointError(Exception):
    """A file that cannot be used as weights; the message says why."""


@dataclass
class Reconciliation:
    """How a state_dict fits a model: which keys match, are missing, unexpected or misshapen."""

    matching: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)

    @property
    def perfect(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self, most: int = 8) -> str:
        """At most ``most`` keys of each kind: a crafted file may hold thousands."""
        lines = [f"{len(self.matching)} matching"]
        if self.missing:
            lines.append("missing from the file: " + _some(self.missing, most))
        if self.unexpected:
            lines.append("in the file but not in the network: " + _some(self.unexpected, most))
        for key, want, got in self.mismatched[:most]:
            lines.append(f"{_key(key)}: the network has shape {list(want)}, the file {list(got)}")
        if len(self.mismatched) > most:
            lines.append(f"{len(self.mismatched) - most} more of another shape")
        return "; ".join(lines)


def _key(key: str) -> str:
    return key if len(key) <= 80 else key[:79] + "…"


def _some(keys: list[str], most: int) -> str:
    shown = ", ".join(_key(k) for k in keys[:most])
    return shown + (f" and {len(keys) - most} more" if len(keys) > most else "")


class WeightsMismatch(CheckpointError):
    def __init__(self, report: Reconciliation):
        self.report = report
        super().__init__(f"the weights do not fit this network: {report.describe()}")


def reconcile(model: nn.Module, state_dict: dict[str, torch.Tensor]) -> Reconciliation:
    own = model.state_dict()
    report = Reconciliation()
    for key, tensor in own.items():
        if key not in state_dict:
            report.missing.append(key)
        elif tuple(state_dict[key].shape) != tuple(tensor.shape):
            report.mismatched.append((key, tuple(tensor.shape), tuple(state_dict[key].shape)))
        else:
            report.matching.append(key)
    report.unexpected = [key for key in state_dict if key not in own]
    return report


def load_weights(model: nn.Module, state_dict: dict[str, torch.Tensor],
                 strict: bool = True) -> Reconciliation:
    """Load into ``model``, all or nothing. Strict refuses any difference; partial loads the
    matching keys and reports the rest. Every tensor to be copied is checked first (dense, on
    the CPU, its dtype castable), so a refusal leaves the model exactly as it was."""
    report = reconcile(model, state_dict)
    if strict and not report.perfect:
        raise WeightsMismatch(report)
    problems = _copy_problems(model, state_dict, report.matching)
    if problems:
        raise CheckpointError("the weights cannot be loaded: " + "; ".join(problems))
    matching = {key: state_dict[key] for key in report.matching}
    model.load_state_dict(matching, strict=False)
    return report


def _copy_problems(model: nn.Module, state_dict: dict[str, torch.Tensor],
                   keys: list[str], most: int = 5) -> list[str]:
    own = model.state_dict()
    problems = []
    for key in keys:
        source = state_dict[key]
        problem = tensor_problem(source)
        if problem is None and not torch.can_cast(source.dtype, own[key].dtype):
            problem = (f"holds {str(source.dtype).removeprefix('torch.')} values, which do not "
                       f"fit the network's {str(own[key].dtype).removeprefix('torch.')}")
        if problem:
            problems.append(f"{_key(key)} {problem}")
            if len(problems) == most:
                break
    return problems


def estimated_bytes(spec: NetworkSpec) -> int:
    """The bytes the spec's parameters and buffers take, counted on the meta device (no memory).

    Raises :class:`SpecError` when the spec cannot be built at all.
    """
    model = _meta_model(spec)
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def physical_memory() -> int | None:
    """This computer's RAM in bytes, where the platform says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def memory_problem(spec: NetworkSpec, available: int | None = None) -> str | None:
    """Why building ``spec`` should be refused for lack of memory, or None.

    "the network needs 6.7 TB of memory for its weights, more than the 135.0 GB this computer
    has" — say that instead of the allocator's error. ``available`` defaults to the RAM.
    Raises :class:`SpecError` when the spec cannot be built at all.
    """
    needed = estimated_bytes(spec)
    available = physical_memory() if available is None else available
    if available is not None and needed > available:
        return (f"the network needs {human_bytes(needed)} of memory for its weights, more than "
                f"the {human_bytes(available)} this computer has")
    return None


def _meta_model(spec: NetworkSpec) -> nn.Module:
    return build(spec, device="meta")


# ---------------------------------------------------------------------------------------------
# Saving


def save_state_dict(model: nn.Module | dict[str, torch.Tensor], path: str | Path) -> Path:
    """A plain state_dict file (CPU tensors), written atomically."""
    state = model.state_dict() if isinstance(model, nn.Module) else model
    cpu = OrderedDict((k, v.detach().cpu()) for k, v in state.items())
    return _save(cpu, path)


def save_checkpoint(path: str | Path, spec: NetworkSpec, model: nn.Module,
                    optimizer: torch.optim.Optimizer | dict | None = None,
                    training: dict[str, Any] | None = None,
                    history: list[dict[str, Any]] | None = None,
                    class_names: list[str] | None = None,
                    extra: dict[str, Any] | None = None,
                    resume: ResumePoint | None = None,
                    preprocessing: dict[str, Any] | None = None,
                    calibration: Calibration | None = None) -> Path:
    """Architecture, weights, optimizer state, settings and history in one file; with
    ``resume`` (``Trainer.resume_point()`` taken with these weights) also where the run stands,
    so that training the checkpoint continues it exactly (key "resume", tensors and plain
    values only). ``preprocessing``: how raw inputs become the network's (a table's column
    statistics); images say so in words by default. ``calibration``: the weights' temperature
    and "not sure" threshold (core.calibration), when a run fitted them."""
    opt_state = optimizer.state_dict() if isinstance(optimizer, torch.optim.Optimizer) else (
        optimizer)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "netbuilder_version": __version__,
        "spec": spec.to_dict(Path(path).parent),  # layer files relative to the checkpoint
        "state_dict": OrderedDict((k, v.detach().cpu()) for k, v in model.state_dict().items()),
        "optimizer": _to_cpu(opt_state) if opt_state is not None else None,
        "training": dict(training or {}),
        "history": list(history or []),
        "class_names": list(class_names or []),
        "preprocessing": dict(preprocessing or PREPROCESSING),
        "extra": dict(extra or {}),
        "resume": resume.to_payload() if resume is not None else None,
        "calibration": calibration.to_dict() if calibration is not None else None,
    }
    return _save(payload, path)


def _save(payload: Any, path: str | Path) -> Path:
    """torch.save into memory, then an atomic write: torch's zip writer never meets the disk,
    so a full disk is an OSError here, and any failure is one :class:`SaveError`."""
    buffer = io.BytesIO()
    try:
        torch.save(payload, buffer)
    except Exception as exc:
        raise SaveError(path, f"the weights could not be serialised ({type(exc).__name__}: "
                              f"{_first_line(exc)})") from exc
    return atomic_write_bytes(path, buffer.getbuffer())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class LoadedFile:
    """What a .pth held: a plain state_dict, or a full checkpoint (with its spec)."""

    path: Path
    state_dict: dict[str, torch.Tensor]
    checkpoint: dict[str, Any] | None = None
    spec: NetworkSpec | None = None

    @property
    def is_checkpoint(self) -> bool:
        return self.checkpoint is not None


_CODE_GLOBAL = re.compile(r"unsupported(?:\s+global:)?\s+GLOBAL\s+([\w.]+)", re.IGNORECASE)


def read_pth(path: str | Path) -> Any:
    """``torch.load(..., weights_only=True)`` with every failure turned into one message.

    A zip archive is checked from its central directory first (declared sizes, compression,
    layout), so a zip bomb is refused before anything is decompressed or allocated.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist" if not path.exists()
                              else f"{path} is not a file")
    try:
        problem = archive_problem(path) if is_zip(path) else None
    except OSError as exc:
        raise CheckpointError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    except NotATorchArchive as exc:
        raise CheckpointError(f"{path.name} is not a PyTorch file netbuilder can read: it is "
                              f"damaged, truncated or of another kind ({exc})") from None
    if problem:
        raise CheckpointError(f"{path.name} was refused: {problem}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Detected pickle protocol 4" on junk files
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        match = _CODE_GLOBAL.search(str(exc))
        if match:
            raise CheckpointError(
                f"{path.name} was refused because loading it could run code "
                f"({match.group(1)}): it holds Python objects other than tensors and plain "
                "values") from None
        raise CheckpointError(f"{path.name} is not a PyTorch file netbuilder can read: it is "
                              f"damaged, truncated or of another kind ({_first_line(exc)})"
                              ) from None
    except Exception as exc:  # arbitrary bytes make the unpickler raise almost anything
        raise CheckpointError(
            f"{path.name} is not a PyTorch file netbuilder can read: it is damaged, truncated or "
            f"of another kind ({_first_line(exc)[:200]})") from None


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _checked_tensors(name: str, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Refuse sparse, meta, quantized or overlapping tensors here, before any model sees them."""
    for key, tensor in state_dict.items():
        problem = tensor_problem(tensor)
        if problem:
            raise CheckpointError(f"{name}: {_key(key)} {problem}; netbuilder loads only dense "
                                  "CPU tensors")
    return state_dict


def load_file(path: str | Path, allow: Any = None) -> LoadedFile:
    """Read a plain state_dict or a full checkpoint, safely; raise :class:`CheckpointError`
    naming the file and what is wrong with it, never anything else. ``allow`` is asked before
    a custom-layer file that a checkpoint's network names is imported."""
    path = Path(path)
    data = read_pth(path)
    if isinstance(data, dict) and _field(data, "format") == CHECKPOINT_FORMAT:
        checkpoint, spec = _checked_checkpoint(path.name, data, path.parent, allow)
        return LoadedFile(path, checkpoint["state_dict"], checkpoint, spec)
    if _is_state_dict(data):
        return LoadedFile(path, _checked_tensors(path.name, data))
    if isinstance(data, dict) and _is_state_dict(_field(data, "state_dict")):
        # common {"state_dict": ...} wrappers
        return LoadedFile(path, _checked_tensors(path.name, data["state_dict"]))
    raise CheckpointError(f"{path.name} holds a {type(data).__name__}, not a state_dict "
                          "(a dict of parameter names to tensors) or a netbuilder checkpoint")


def _field(data: dict, key: str) -> Any:
    """``data.get(key)`` that cannot fail: a crafted dict may hold keys that break ``==``."""
    try:
        return data.get(key)
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# A checkpoint's fields, checked into plain values


def _checked_checkpoint(name: str, data: dict, base: Path | None = None, allow: Any = None
                        ) -> tuple[dict[str, Any], NetworkSpec]:
    """Every field a checkpoint carries, checked; the dict returned holds exactly these fields,
    so callers may index it without further checks."""

    def refuse(field_name: str, why: str) -> CheckpointError:
        return CheckpointError(f"{name}: its {field_name} {why}")

    version = _field(data, "version")
    if type(version) is not int or version < 1:
        raise refuse("format version", f"is {short_repr(version)}, not a whole number ≥ 1")
    if version > CHECKPOINT_VERSION:
        raise CheckpointError(f"{name} is a checkpoint of format version {version}, newer than "
                              f"this netbuilder reads ({CHECKPOINT_VERSION})")
    state_dict = _field(data, "state_dict")
    if not isinstance(state_dict, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()):
        raise CheckpointError(f"{name} is a checkpoint without usable weights (its state_dict "
                              "is not a dict of names to tensors)")
    _checked_tensors(name, state_dict)
    try:
        spec = NetworkSpec.from_dict(_field(data, "spec"), base=base, allow=allow)
        model = _meta_model(spec)
    except SpecError as exc:
        raise CheckpointError(f"{name}: the network stored in it is not usable: {exc}") from None
    except Exception as exc:  # from_dict on arbitrary values; a build torch refuses
        raise CheckpointError(f"{name}: the network stored in it is not usable "
                              f"({type(exc).__name__}: {_first_line(exc)[:200]})") from None
    report = reconcile(model, state_dict)
    if not report.perfect:
        raise CheckpointError(f"{name}: its weights do not fit the network stored with it: "
                              f"{report.describe()}")
    problems = _copy_problems(model, state_dict, report.matching)
    if problems:
        raise CheckpointError(f"{name}: its weights cannot be loaded: " + "; ".join(problems))
    checked: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT, "version": version, "spec": spec.to_dict(),
        "state_dict": state_dict}
    text = _field(data, "netbuilder_version")
    if text is not None and not isinstance(text, str):
        raise refuse("netbuilder_version", f"is {short_repr(text)}, not text")
    checked["netbuilder_version"] = text or ""
    checked["optimizer"] = _checked_optimizer(_field(data, "optimizer"), refuse)
    for key, default in (("training", {}), ("preprocessing", {}), ("extra", {})):
        value = _field(data, key)
        value = default if value is None else value
        problem = "is not a dict" if not isinstance(value, dict) else plain_problem(value)
        if problem:
            raise refuse(f"{key} field", problem)
        checked[key] = value
    history = _field(data, "history")
    history = [] if history is None else history
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        raise refuse("history", "is not a list of dicts")
    problem = plain_problem(history) or _bad_numbers(history)
    if problem:
        raise refuse("history", problem)
    checked["history"] = history
    names = _field(data, "class_names")
    names = [] if names is None else names
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise refuse("class_names", "are not a list of text")
    checked["class_names"] = names
    checked["resume"] = _checked_resume(_field(data, "resume"), model, refuse)
    calibration = _field(data, "calibration")  # None in older checkpoints: uncalibrated
    try:
        checked["calibration"] = None if calibration is None else Calibration.from_dict(
            calibration)
    except CalibrationError as exc:
        raise refuse("calibration", f"is not usable: {exc}") from None
    return checked, spec


def _checked_resume(value: Any, model: nn.Module, refuse) -> ResumePoint | None:
    """None (older checkpoints have none), or a checked ResumePoint whose best weights fit the
    checkpoint's own network."""
    if value is None:
        return None
    try:
        point = ResumePoint.from_payload(value)
    except ResumeError as exc:
        raise refuse("resume point", f"is not usable: {exc}") from None
    if point.best_weights is not None:
        report = reconcile(model, point.best_weights)
        if not report.perfect:
            raise refuse("resume point", f"holds best weights that do not fit its network: "
                                         f"{report.describe()}")
        problems = _copy_problems(model, point.best_weights, report.matching)
        if problems:
            raise refuse("resume point", "holds best weights that cannot be loaded: "
                                         + "; ".join(problems))
    return point


def _bad_numbers(history: list[dict]) -> str | None:
    """Epoch numbers and counts must be finite; losses may be NaN (training that diverged)."""
    for index, record in enumerate(history):
        for key in ("epoch", "epochs_done", "step"):
            if key in record and not (is_finite_number(record[key]) or record[key] is None):
                return f"at [{index}][{key!r}]: is {short_repr(record[key])}, not a number"
    return None


def _checked_optimizer(state: Any, refuse) -> dict | None:
    """None, or a dict shaped like ``Optimizer.state_dict()``: {"state": {int: {str: tensor or
    plain}}, "param_groups": [{"params": [int, …], str: plain}]}."""
    if state is None:
        return None
    if not isinstance(state, dict):
        raise refuse("optimizer state", f"is a {type(state).__name__}, not a dict")
    per_param, groups = _field(state, "state"), _field(state, "param_groups")
    if not isinstance(per_param, dict) or not isinstance(groups, list):
        raise refuse("optimizer state", "lacks its 'state' dict or 'param_groups' list")
    for index, values in per_param.items():
        if type(index) is not int or not isinstance(values, dict):
            raise refuse("optimizer state", f"has an entry {short_repr(index)} that is not a "
                                            "parameter number with its values")
        problem = plain_problem(values, allow_tensors=True)
        if problem:
            raise refuse("optimizer state", problem)
    for group in groups:
        params = _field(group, "params") if isinstance(group, dict) else None
        if not isinstance(params, list) or not all(type(p) is int for p in params):
            raise refuse("optimizer state", "has a parameter group without a list of "
                                            "parameter numbers")
        problem = plain_problem(group)
        if problem:
            raise refuse("optimizer state", problem)
    return state


# ---------------------------------------------------------------------------------------------
# A plain state_dict with no network: infer the architecture where it is unambiguous


def infer_spec(state_dict: dict[str, torch.Tensor], input_shape: list[int] | None = None,
               name: str = "weights") -> tuple[NetworkSpec, str]:
    """The network a plain state_dict of a chain of Linear layers came from.

    Only Linear layers can be read off their weight shapes: ``fc1.weight`` [128, 784] …, with
    each layer's input width the previous one's output. Parameterless layers leave no trace in
    a state_dict, so ReLU is put between the Linear layers (and Flatten first when the first
    width is the input's size); the returned note says so. Anything else raises
    :class:`CheckpointError` saying what is needed.
    """
    from netbuilder.core.names import check_name
    from netbuilder.core.spec import LayerSpec
    from netbuilder.core.spec_parse import validate

    input_shape = list(input_shape or [1, 28, 28])
    layers: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in state_dict.items():
        layer, _, param = key.rpartition(".")
        if not layer or "." in layer or param not in ("weight", "bias"):
            layers.clear()
            break
        layers.setdefault(layer, {})[param] = tensor
    chain_ok = bool(layers) and all(
        "weight" in p and p["weight"].dim() == 2
        and ("bias" not in p or tuple(p["bias"].shape) == (p["weight"].shape[0],))
        and check_name(layer) is None for layer, p in layers.items())
    ordered = list(layers)
    if chain_ok and all(k.isdigit() for k in ordered):
        ordered.sort(key=int)
    if chain_ok:
        for before, after in zip(ordered, ordered[1:], strict=False):
            if layers[after]["weight"].shape[1] != layers[before]["weight"].shape[0]:
                chain_ok = False
    if not chain_ok:
        shown = ", ".join(f"{k} {list(v.shape)}" for k, v in list(state_dict.items())[:6])
        more = " …" if len(state_dict) > 6 else ""
        raise CheckpointError(
            f"{name} holds weights that do not say which layers they belong to ({shown}{more}): "
            "only a chain of Linear layers can be read from a plain state_dict. Open or build "
            "the network first, then use File ▸ Load weights…")
    items: list = []
    first_in = int(layers[ordered[0]]["weight"].shape[1])
    flat = 1
    for size in input_shape:
        flat *= size
    numbered = all(k.isdigit() for k in ordered)
    used = set(ordered)

    def free(base: str) -> str:
        if numbered:
            candidates = (str(i) for i in range(10_000))
        else:
            candidates = (f"{base}{i}" if i else base for i in range(10_000))
        for candidate in candidates:
            if candidate not in used:
                used.add(candidate)
                return candidate
        raise CheckpointError("too many layers")

    notes = []
    if first_in == flat and len(input_shape) > 1:
        items.append(LayerSpec("Flatten", free("flatten")))
    elif len(input_shape) > 1:
        input_shape = [first_in]
        notes.append(f"the input is taken to be {first_in} features")
    for index, layer in enumerate(ordered):
        weight = layers[layer]["weight"]
        args = {"in_features": int(weight.shape[1]), "out_features": int(weight.shape[0])}
        if "bias" not in layers[layer]:
            args["bias"] = False
        if index:
            items.append(LayerSpec("ReLU", free("relu")))
        items.append(LayerSpec("Linear", layer, args))
    if numbered:  # keep the stored indices: fill the gaps with parameterless layers in order
        by_index = {int(i.name): i for i in items if i.name.isdigit()}
        items = [by_index[i] for i in sorted(by_index)]
    spec = NetworkSpec(input_shape, items, "Net", int(layers[ordered[-1]]["weight"].shape[0]))
    problems = validate(spec)
    if problems:
        raise CheckpointError(f"{name}: the inferred network is not valid: {problems[0]}")
    notes.insert(0, f"{len(ordered)} Linear layers read from the weights; ReLU assumed between "
                    "them (a state_dict does not store activations) — change them if yours "
                    "differ")
    return spec, "; ".join(notes) + "."
