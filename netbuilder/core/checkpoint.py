"""Weights in and out: plain ``state_dict`` files and full checkpoints.

A plain file is exactly ``torch.save(model.state_dict(), path)``, what the tutorial's
``model.load_state_dict(torch.load(path))`` reads. A full checkpoint is one dict holding the spec
next to the weights (as nanoGPT keeps ``model_args`` beside its ``state_dict``), the optimizer
state, training settings, history and class names — only tensors and plain types, so it loads
with ``weights_only=True``. Every load uses ``weights_only=True``; every save is atomic.
"""

from __future__ import annotations

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
from netbuilder.core.atomic import atomic_write
from netbuilder.core.spec import NetworkSpec, SpecError

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

    def describe(self) -> str:
        lines = [f"{len(self.matching)} matching"]
        if self.missing:
            lines.append("missing from the file: " + ", ".join(self.missing))
        if self.unexpected:
            lines.append("in the file but not in the network: " + ", ".join(self.unexpected))
        for key, want, got in self.mismatched:
            lines.append(f"{key}: the network has shape {list(want)}, the file {list(got)}")
        return "; ".join(lines)


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
    """Load into ``model``. Strict refuses any difference (nothing is changed); partial loads
    the matching keys and reports the rest."""
    report = reconcile(model, state_dict)
    if strict and not report.perfect:
        raise WeightsMismatch(report)
    matching = {key: state_dict[key] for key in report.matching}
    model.load_state_dict(matching, strict=False)
    return report


# ---------------------------------------------------------------------------------------------
# Saving


def save_state_dict(model: nn.Module | dict[str, torch.Tensor], path: str | Path) -> Path:
    """A plain state_dict file (CPU tensors), written atomically."""
    state = model.state_dict() if isinstance(model, nn.Module) else model
    cpu = OrderedDict((k, v.detach().cpu()) for k, v in state.items())
    return atomic_write(path, lambda handle: torch.save(cpu, handle))


def save_checkpoint(path: str | Path, spec: NetworkSpec, model: nn.Module,
                    optimizer: torch.optim.Optimizer | dict | None = None,
                    training: dict[str, Any] | None = None,
                    history: list[dict[str, Any]] | None = None,
                    class_names: list[str] | None = None,
                    extra: dict[str, Any] | None = None) -> Path:
    """Architecture, weights, optimizer state, settings and history in one file."""
    opt_state = optimizer.state_dict() if isinstance(optimizer, torch.optim.Optimizer) else (
        optimizer)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "netbuilder_version": __version__,
        "spec": spec.to_dict(),
        "state_dict": OrderedDict((k, v.detach().cpu()) for k, v in model.state_dict().items()),
        "optimizer": _to_cpu(opt_state) if opt_state is not None else None,
        "training": dict(training or {}),
        "history": list(history or []),
        "class_names": list(class_names or []),
        "preprocessing": dict(PREPROCESSING),
        "extra": dict(extra or {}),
    }
    return atomic_write(path, lambda handle: torch.save(payload, handle))


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


def read_pth(path: str | Path) -> Any:
    """``torch.load(..., weights_only=True)`` with every failure turned into one message."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist" if not path.exists()
                              else f"{path} is not a file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Detected pickle protocol 4" on junk files
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        match = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        if match:
            raise CheckpointError(
                f"{path.name} holds Python objects other than tensors and plain values "
                f"({match.group(1)}); it was refused because loading it could run code"
            ) from None
        raise CheckpointError(f"{path.name} is not a PyTorch file netbuilder can read: it is "
                              "damaged, truncated or of another kind") from None
    except Exception as exc:  # arbitrary bytes make the unpickler raise almost anything
        text = str(exc).strip().splitlines()
        raise CheckpointError(
            f"{path.name} is not a PyTorch file netbuilder can read: it is damaged, truncated or "
            f"of another kind ({text[0] if text else type(exc).__name__})") from None


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def load_file(path: str | Path) -> LoadedFile:
    """Read a plain state_dict or a full checkpoint, safely."""
    path = Path(path)
    data = read_pth(path)
    if isinstance(data, dict) and data.get("format") == CHECKPOINT_FORMAT:
        version = data.get("version")
        if not isinstance(version, int) or version > CHECKPOINT_VERSION:
            raise CheckpointError(f"{path.name} is a checkpoint of format version {version}, "
                                  f"newer than this netbuilder reads ({CHECKPOINT_VERSION})")
        if not _is_state_dict(data.get("state_dict")):
            raise CheckpointError(f"{path.name} is a checkpoint without usable weights")
        try:
            spec = NetworkSpec.from_dict(data.get("spec"))
        except SpecError as exc:
            raise CheckpointError(f"{path.name}: the network stored in it is not usable: {exc}"
                                  ) from None
        return LoadedFile(path, data["state_dict"], data, spec)
    if _is_state_dict(data):
        return LoadedFile(path, data)
    if isinstance(data, dict) and _is_state_dict(data.get("state_dict")):
        return LoadedFile(path, data["state_dict"])  # common {"state_dict": ...} wrappers
    raise CheckpointError(f"{path.name} holds a {type(data).__name__}, not a state_dict "
                          "(a dict of parameter names to tensors) or a netbuilder checkpoint")


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
    from netbuilder.core.spec import LayerSpec, check_name, validate

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
