"""How much memory a network needs for one batch, from the shapes the analysis already knows.

No tensor is made: the estimate walks the spec beside its :class:`~netbuilder.core.analysis.
Analysis` and adds up float32 bytes (4 per value; 8 per int64 index). Two figures:

- **forward**: the activations alive at once in an inference pass (``model.eval()`` under
  ``torch.no_grad()``), at its peak: the batch the caller holds, the tensor entering the current
  layer and the one leaving it, plus what a residual or parallel keeps for its merge. Weights
  are not in it.
- **training step**: weights and buffers, their gradients, the optimizer's state (Adam and
  AdamW keep 2 values per trainable parameter, RMSprop 1, or 2 with momentum, SGD 1 with
  momentum, else 0) and the activations autograd saves for the backward pass.

Which tensors each kind saves for backward was read from PyTorch's own autograd on the CPU
(``tests/core/test_memory.py`` checks the sum against ``saved_tensors_hooks`` within 20 %):
a convolution or Linear keeps its input, ReLU/Sigmoid/Tanh/Softmax their output,
LeakyReLU/ELU/GELU/SiLU their input, max pooling its input and int64 indices, dropout a float
mask, normalisation its input and per-group statistics; views (Flatten) and merges (sum,
concatenation) keep nothing, and a tensor kept by two layers (ReLU's output read by the next
convolution) is counted once. Recurrent layers keep oneDNN's workspace on the CPU; cuDNN's
differs. Temporary buffers inside kernels, the allocator's rounding and the gradients flowing
during the backward pass are not counted.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netbuilder.core.spec import BlockSpec, Item, LayerSpec, ParallelSpec, ResidualSpec
from netbuilder.core.spec_parse import resolved_args

if TYPE_CHECKING:  # the estimate reads an analysis; it never runs one
    from netbuilder.core.analysis import Analysis, LayerInfo

FLOAT_BYTES = 4
INDEX_BYTES = 8  # int64: max-pooling indices, class targets
DEFAULT_BATCH = 64  # TrainConfig's default batch size: what a person trains with first
MB = 1e6

VIEWS = {"Flatten", "Unflatten", "Identity"}
SAVE_OUTPUT = {"ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"}
SAVE_INPUT_IF_GRAD = {"LeakyReLU", "ELU", "GELU", "SiLU", "AvgPool1d", "AvgPool2d"}
NORMS = {"BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"}
KEEPS_NOTHING = {"Normalize"}
# Values of workspace per [batch, step, hidden] element, per layer and direction, that PyTorch's
# CPU kernels keep for backward (measured: LSTM 16.6 to 17.8, more for a hidden size near 10;
# GRU 7.0; RNN 1.04 to 1.13); each layer after the first also keeps its input and output.
RECURRENT_WORKSPACE = {"LSTM": 17.0, "GRU": 7.0, "RNN": 1.1}


def optimizer_states(optimizer: str, momentum: float = 0.9) -> int:
    """Values the optimizer keeps per trainable parameter once it has stepped."""
    if optimizer in ("adam", "adamw"):
        return 2  # exp_avg, exp_avg_sq
    if optimizer == "rmsprop":
        return 2 if momentum > 0 else 1  # square_avg (+ momentum_buffer)
    if optimizer == "sgd":
        return 1 if momentum > 0 else 0  # momentum_buffer
    raise ValueError(f"unknown optimizer {optimizer!r}: expected adam, adamw, rmsprop or sgd")


def megabytes(count: int) -> str:
    """'12.3 MB' (10⁶ bytes), with more digits for small figures."""
    value = count / MB
    return f"{value:.2f} MB" if value < 10 else f"{value:,.1f} MB"


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes for one batch of ``batch_size``; see the module's docstring for what is counted."""

    batch_size: int
    optimizer: str
    forward_bytes: int  # peak of live activations in an inference pass
    saved_bytes: int  # activations kept for backward (and by the loss)
    parameter_bytes: int  # weights and buffers
    gradient_bytes: int
    optimizer_bytes: int

    @property
    def training_bytes(self) -> int:
        return self.saved_bytes + self.parameter_bytes + self.gradient_bytes + (
            self.optimizer_bytes)

    def describe(self) -> str:
        """'forward 1.23 MB, training step 45.6 MB'."""
        return (f"forward {megabytes(self.forward_bytes)}, "
                f"training step {megabytes(self.training_bytes)}")

    def to_dict(self) -> dict[str, int | str]:
        return {"batch_size": self.batch_size, "optimizer": self.optimizer,
                "forward_bytes": self.forward_bytes, "training_bytes": self.training_bytes,
                "saved_activation_bytes": self.saved_bytes,
                "parameter_bytes": self.parameter_bytes, "gradient_bytes": self.gradient_bytes,
                "optimizer_state_bytes": self.optimizer_bytes}


def estimate_memory(spec, analysis: Analysis, batch_size: int = DEFAULT_BATCH,
                    optimizer: str = "adam", momentum: float = 0.9,
                    loss: str = "cross_entropy") -> MemoryEstimate | None:
    """The estimate for ``spec`` at ``batch_size``, or None while its shapes have errors (the
    sizes of the layers after an error are unknown)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch size: expected an integer ≥ 1, got {batch_size!r}")
    states = optimizer_states(optimizer, momentum)
    if not analysis.ok or analysis.output_shape is None:
        return None
    walk = _Walk(analysis, batch_size)
    try:
        first = walk.tensor(analysis.input_shape, requires_grad=False)
        out = walk.training(spec.items, "", first)
        forward_out, forward_peak = walk.forward(spec.items, "", first, 0)
    except _Unknown:
        return None
    saved = sum(walk.saved.values()) + walk.extra + _loss_bytes(loss, out, batch_size)
    forward = max(forward_peak, forward_out.bytes)
    parameters = sum(row.size_bytes for row in analysis.rows if row.depth == 0)
    trainable = analysis.trainable_params * FLOAT_BYTES
    return MemoryEstimate(batch_size, optimizer, forward, saved, parameters, trainable,
                          trainable * states)


def _loss_bytes(loss: str, out: _Tensor, batch: int) -> int:
    """What the loss keeps: log-softmax's output and the int64 targets (cross-entropy, NLL), or
    the output and a target of its shape (MSE, L1)."""
    if not out.requires_grad:
        return 0
    if loss in ("mse", "l1"):
        return 2 * out.bytes
    return (out.bytes if loss == "cross_entropy" else 0) + batch * INDEX_BYTES


class _Unknown(Exception):
    """A row or shape the estimate needs is missing."""


@dataclass(frozen=True)
class _Tensor:
    id: int
    bytes: int
    requires_grad: bool


class _Walk:
    """One estimate's pass over the stacks: tensors by identity, so a tensor two layers keep
    (or a view of it) is counted once."""

    def __init__(self, analysis: Analysis, batch: int):
        self.analysis = analysis
        self.batch = batch
        self.saved: dict[int, int] = {}  # tensor id → bytes
        self.extra = 0  # indices, masks, statistics: tensors of their own
        self._ids: Iterator[int] = itertools.count()

    def tensor(self, shape, requires_grad: bool) -> _Tensor:
        if shape is None:
            raise _Unknown
        return _Tensor(next(self._ids), self.batch * math.prod(shape[1:]) * FLOAT_BYTES,
                       requires_grad)

    def row(self, path: str) -> LayerInfo:
        row = self.analysis.row(path)
        if row is None or row.output_shape is None or row.input_shape is None:
            raise _Unknown
        return row

    def keep(self, tensor: _Tensor) -> None:
        self.saved[tensor.id] = tensor.bytes

    # -- the training pass: what autograd saves ------------------------------------------------

    def training(self, items: list[Item], stack: str, x: _Tensor) -> _Tensor:
        prefix = f"{stack}." if stack else ""
        for item in items:
            path = prefix + item.name
            if isinstance(item, LayerSpec):
                x = self._layer(item.kind, resolved_args(item), self.row(path), x)
            elif isinstance(item, BlockSpec):
                x = self.training(item.items, path, x)
            elif isinstance(item, ResidualSpec):
                body = self.training(item.body, f"{path}.body", x)
                shortcut = self.training(item.shortcut, f"{path}.shortcut", x)
                row = self.row(path)
                total = self.tensor(row.output_shape,
                                    body.requires_grad or shortcut.requires_grad)
                x = self._activation(item.activation, total) if item.activation else total
            elif isinstance(item, ParallelSpec):
                outputs = [self.training(branch, f"{path}.branches.{index}", x)
                           for index, branch in enumerate(item.branches)]
                x = self.tensor(self.row(path).output_shape,
                                any(out.requires_grad for out in outputs))
        return x

    def _activation(self, kind: str, x: _Tensor) -> _Tensor:
        """A residual's activation after the sum: same shape, a tensor of its own."""
        out = _Tensor(next(self._ids), x.bytes, x.requires_grad)
        if x.requires_grad:
            self.keep(out if kind in SAVE_OUTPUT else x)
        return out

    def _layer(self, kind: str, args: dict, row: LayerInfo, x: _Tensor) -> _Tensor:
        trainable = row.trainable_params > 0
        grad = x.requires_grad or trainable
        if kind in VIEWS:
            return x
        out = self.tensor(row.output_shape, grad)
        values = out.bytes // FLOAT_BYTES
        if kind == "Linear":
            if trainable:  # the weight's gradient needs the input
                self.keep(x)
        elif kind.startswith("Conv"):
            if grad:
                self.keep(x)
        elif kind in NORMS:
            if grad:
                self.keep(x)
                self.extra += 2 * _statistics(kind, args, row, self.batch) * FLOAT_BYTES
        elif kind in SAVE_OUTPUT:
            if grad:
                self.keep(out)
        elif kind in SAVE_INPUT_IF_GRAD:
            if grad:
                self.keep(x)
        elif kind.startswith("MaxPool"):
            if grad:
                self.keep(x)
                self.extra += values * INDEX_BYTES
        elif kind == "Dropout":
            if grad:
                self.extra += out.bytes  # the CPU keeps the scaled mask as floats
        elif kind == "Dropout2d":
            if grad:
                self.extra += self.batch * row.output_shape[1] * FLOAT_BYTES
        elif kind == "AdaptiveAvgPool2d":
            if grad and any(size != 1 for size in row.output_shape[2:]):  # 1×1 is a mean
                self.keep(x)
        elif kind in RECURRENT_WORKSPACE:
            if grad:
                self.keep(x)
                self.extra += _recurrent_bytes(kind, args, row, self.batch)
        elif kind not in KEEPS_NOTHING and grad:  # a custom kind: assume it keeps its input
            self.keep(x)
        return out

    # -- the inference pass: what is alive at once ---------------------------------------------

    def forward(self, items: list[Item], stack: str, x: _Tensor, held: int
                ) -> tuple[_Tensor, int]:
        """The stack's output and its peak, with ``held`` bytes kept alive by the callers; the
        stack's input ``x`` stays alive until the stack returns."""
        prefix = f"{stack}." if stack else ""
        current, peak = x, 0
        for item in items:
            path = prefix + item.name
            outer = held + (x.bytes if x.id != current.id else 0)  # the stack's own input
            if isinstance(item, LayerSpec):
                row = self.row(path)
                out = current if item.kind in VIEWS or item.kind.startswith("Dropout") else (
                    self.tensor(row.output_shape, False))
                scratch = 0
                if item.kind in RECURRENT_WORKSPACE:
                    out, scratch = self._recurrent_forward(item, row, current)
                peak = max(peak, outer + _live(current, out) + scratch)
                current = out
            elif isinstance(item, BlockSpec):
                current, inner = self.forward(item.items, path, current, outer)
                peak = max(peak, inner)
            else:
                current, inner = self._merge(item, path, current, outer)
                peak = max(peak, inner)
        return current, peak

    def _recurrent_forward(self, layer: LayerSpec, row: LayerInfo, x: _Tensor
                           ) -> tuple[_Tensor, int]:
        """A recurrent layer's output holds the whole sequence (the last step is a view of
        it). While it runs, PyTorch's CPU kernels also hold, as measured: for a one-way LSTM a
        copy of the input, one step's gates and the states (a fused kernel); for GRU, RNN and
        two-way layers the input projections of every step and each step's output before they
        are stacked."""
        args = resolved_args(layer)
        directions = 2 if args.get("bidirectional") else 1
        hidden = int(args["hidden_size"]) * directions
        steps = row.input_shape[1] if len(row.input_shape) == 3 else 1
        sequence = self.batch * steps * hidden * FLOAT_BYTES
        gates = {"LSTM": 4, "GRU": 3}.get(layer.kind, 1)
        layers = int(args.get("num_layers", 1))
        states = self.batch * hidden * 2 * layers * FLOAT_BYTES
        between = sequence if layers > 1 else 0  # one layer's output read by the next
        if layer.kind == "LSTM":
            scratch = x.bytes + self.batch * hidden * gates * FLOAT_BYTES + states + between + (
                sequence if directions == 2 else 0)
        else:
            scratch = gates * sequence + sequence + states + between
        return _Tensor(next(self._ids), sequence, False), scratch

    def _merge(self, item: ResidualSpec | ParallelSpec, path: str, x: _Tensor, held: int
               ) -> tuple[_Tensor, int]:
        """A residual or parallel: the input, and each finished stack's output, stay alive
        until the merge."""
        stacks = ([(f"{path}.body", item.body), (f"{path}.shortcut", item.shortcut)]
                  if isinstance(item, ResidualSpec) else
                  [(f"{path}.branches.{i}", b) for i, b in enumerate(item.branches)])
        outputs: list[_Tensor] = []
        peak = 0
        for stack_path, stack in stacks:
            out, inner = self.forward(stack, stack_path, x, held + _live(*outputs, exclude=x))
            peak = max(peak, inner)
            outputs.append(out)
        merged = self.tensor(self.row(path).output_shape, False)
        during = [x, *outputs, merged]
        if isinstance(item, ParallelSpec) and item.merge != "concat":  # torch.stack's copy
            during.append(_Tensor(next(self._ids), merged.bytes * len(outputs), False))
        peak = max(peak, held + _live(*during))
        if isinstance(item, ResidualSpec) and item.activation:
            after = _Tensor(next(self._ids), merged.bytes, False)
            peak = max(peak, held + _live(x, merged, after))
            merged = after
        return merged, peak


def _live(*tensors: _Tensor, exclude: _Tensor | None = None) -> int:
    """Bytes of distinct tensors (a view or an alias counted once)."""
    seen = {t.id: t.bytes for t in tensors}
    if exclude is not None:
        seen.pop(exclude.id, None)
    return sum(seen.values())


def _statistics(kind: str, args: dict, row: LayerInfo, batch: int) -> int:
    """Values of the mean and of the inverse deviation each normalisation keeps."""
    shape = row.input_shape
    if kind.startswith("BatchNorm"):
        return shape[1]
    if kind == "GroupNorm":
        return batch * int(args.get("num_groups", 1))
    normalized = args.get("normalized_shape", [shape[-1]])
    width = math.prod(normalized) if isinstance(normalized, list) else int(normalized)
    return batch * math.prod(shape[1:]) // max(width, 1)


def _recurrent_bytes(kind: str, args: dict, row: LayerInfo, batch: int) -> int:
    """The workspace a recurrent layer keeps, in units of batch × steps × hidden × directions
    per layer (see RECURRENT_WORKSPACE)."""
    steps = row.input_shape[1] if len(row.input_shape) == 3 else 1
    directions = 2 if args.get("bidirectional") else 1
    layers = int(args.get("num_layers", 1))
    unit = batch * steps * int(args.get("hidden_size", 1)) * directions
    return int(unit * (RECURRENT_WORKSPACE[kind] * layers + 2 * (layers - 1))) * FLOAT_BYTES
