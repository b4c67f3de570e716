"""What flows through a network, before any training: shapes, parameters, MACs, problems.

Every layer is run for real, on the meta device (shapes without memory), so no shape formula is
written by hand. Probes run at batch 2 (torch reads a batch of one, one dimension short, as an
unbatched sample, and some layers only refuse a batch of one), and ``arg_checks`` adds the
checks the meta kernels skip. Shapes are reported with a batch of 1 and MACs per sample.
Results per layer are cached by (kind, arguments, input shape): after one edit only the layers
whose inputs changed run again, and the rest of the work is linear in the number of layers.
Any failure of one layer's probe is caught and reported on that layer; it never escapes to the
editor.

Residuals and parallel branches run each of their stacks from the container's input; where the
outputs meet (the sum, the concatenation) the analysis checks them and says which stack gives
which shape, and for a residual whose shortcut does not fit it names the projection that would
(:func:`projection`; ``editing.add_projection`` inserts it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from netbuilder.core.arg_checks import input_problem
from netbuilder.core.builder import build_layer
from netbuilder.core.catalog import CONTAINER_KINDS, Catalog, default_catalog
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    resolved_args,
    stacks_of,
)

Shape = tuple[int, ...]

ERROR, WARNING = "error", "warning"
ACTIVATIONS = {"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax",
               "LogSoftmax", "RNN", "LSTM", "GRU"}
POOLING = {"MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d"}
DROPOUT = {"Dropout", "Dropout2d"}
# Layers that do not break a chain of linear maps (no nonlinearity of their own).
LINEAR_PASSTHROUGH = {"Identity", "Flatten", "Unflatten", "Dropout", "Dropout2d", "BatchNorm1d",
                      "LayerNorm"}
BATCHNORM_FOR_RANK = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d"}
# The batch the probes run at: 2, so that a layer that mixes samples, or reads the input as one
# unbatched sample, shows it by not giving back a batch of 2.
PROBE_BATCH = 2
# Finding rules of errors where stacks meet. A residual-projection finding can be fixed by
# editing.add_projection(spec, finding.path); its fix says which layers that adds.
RESIDUAL_PROJECTION, RESIDUAL_SHAPE, MERGE_SHAPE = (
    "residual-projection", "residual-shape", "merge-shape")


def format_shape(shape: Shape | None) -> str:
    """'[N, 32, 26, 26]' — the batch dimension written as N."""
    if shape is None:
        return "?"
    return "[" + ", ".join(["N", *(str(d) for d in shape[1:])]) + "]"


def flow_text(shape: Shape | None) -> str:
    """The per-sample shape between cards: '32×26×26'."""
    if shape is None:
        return "?"
    return "×".join(str(d) for d in shape[1:]) or "scalar"


@dataclass(frozen=True)
class Finding:
    """An error (the network cannot run) or a lint warning (it runs, but likely wrongly)."""

    severity: str
    path: str
    message: str
    fix: str = ""
    rule: str = ""

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


@dataclass
class LayerInfo:
    path: str
    name: str
    kind: str
    depth: int
    input_shape: Shape | None = None
    output_shape: Shape | None = None
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    size_bytes: int = 0
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    stack: str = ""  # the path of the stack the item sits in: '', 'block1', 'res1.body', …

    @property
    def is_block(self) -> bool:
        return self.kind == "Block"

    @property
    def is_container(self) -> bool:
        """A block, residual or parallel: its counts are its contents' sums."""
        return self.kind in CONTAINER_KINDS

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params


@dataclass
class Analysis:
    input_shape: Shape
    rows: list[LayerInfo]
    findings: list[Finding]
    output_shape: Shape | None
    # Each stack's (input shape, output shape) by stack path ('' the whole network, 'block1',
    # 'res1.body', 'res1.shortcut', 'mix.branches.0', …); None where unknown.
    stack_shapes: dict[str, tuple[Shape | None, Shape | None]] = field(default_factory=dict)
    _index: dict[str, LayerInfo] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)
    _indexed: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows if r.depth == 0)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows if r.depth == 0)

    @property
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows if r.depth == 0)

    @property
    def size_mb(self) -> float:
        return sum(r.size_bytes for r in self.rows if r.depth == 0) / 1e6

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def row(self, path: str) -> LayerInfo | None:
        """The row of a dotted path; a dict lookup, since lint and codegen ask once per layer."""
        if self._indexed != (id(self.rows), len(self.rows)):
            self._index = {}
            for row in self.rows:
                self._index.setdefault(row.path, row)
            self._indexed = (id(self.rows), len(self.rows))
        return self._index.get(path)


@dataclass(frozen=True)
class _Probe:
    output_shape: Shape | None
    params: int
    trainable: int
    macs: int
    size_bytes: int
    error: str | None  # why the layer fails on this input
    build_error: bool = False


@dataclass
class _Pass:
    """What one analysis collects while it walks the stacks."""

    rows: list[LayerInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stacks: dict[str, tuple[Shape | None, Shape | None]] = field(default_factory=dict)


def _residual_output(item: ResidualSpec, path: str, body: Shape | None, shortcut: Shape | None,
                     findings: list[Finding]) -> Shape | None:
    """The shape after the sum (the activation keeps it), or None with an error saying which
    side gives which shape and, where one fits, the projection to add to the shortcut."""
    if body is None or shortcut is None:  # the stack that failed has said why
        return None
    if body == shortcut:
        return body
    which = "the shortcut" if item.shortcut else "the shortcut (identity)"
    message = (f"{path}: the body gives {format_shape(body)} but {which} gives "
               f"{format_shape(shortcut)}; the sum needs equal shapes")
    layers = projection(shortcut, body)
    if layers is not None:
        findings.append(Finding(ERROR, path, message, f"add a projection "
                                f"({describe_projection(layers)}) to the shortcut.",
                                RESIDUAL_PROJECTION))
    else:
        findings.append(Finding(ERROR, path, message, "make the body keep its input's shape, or "
                                "give the shortcut layers that produce the body's shape.",
                                RESIDUAL_SHAPE))
    return None


def _parallel_output(item: ParallelSpec, path: str, outputs: list[Shape | None],
                     findings: list[Finding]) -> Shape | None:
    if not outputs or any(out is None for out in outputs):
        return None
    problem, merged = merge_shapes(outputs, item.merge, item.dim)  # type: ignore[arg-type]
    if problem is not None:
        message, fix = problem
        findings.append(Finding(ERROR, path, f"{path}: {message}", fix, MERGE_SHAPE))
    return merged


class Analyzer:
    """Analyses specs; keeps a cache of per-layer probes between calls."""

    def __init__(self, catalog: Catalog | None = None, cache_size: int = 4096):
        self.catalog = catalog or default_catalog()
        self._cache: OrderedDict[Any, _Probe] = OrderedDict()
        self._cache_size = cache_size
        self._revision = self.catalog.revision

    def analyze(self, spec: NetworkSpec, loss: str = "cross_entropy") -> Analysis:
        if self.catalog.revision != self._revision:  # a custom-layer file was imported again
            self._cache.clear()
            self._revision = self.catalog.revision
        input_shape: Shape = (1, *spec.input_shape)
        run = _Pass()
        output = self._run_stack(spec.items, "", 0, input_shape, run, [])
        analysis = Analysis(input_shape, run.rows, run.findings, output, run.stacks)
        run.findings.extend(lint(spec, analysis, loss))
        for finding in run.findings:
            row = analysis.row(finding.path)
            if row is not None and finding not in row.findings:
                row.findings.append(finding)
        return analysis

    def _run_stack(self, items: list[Item], stack: str, depth: int, shape: Shape | None,
                   run: _Pass, children: list[LayerInfo]) -> Shape | None:
        """Run one stack from ``shape``: a row per item (depth first), each direct child's row
        also in ``children``; the stack's input and output shapes noted."""
        prefix = f"{stack}." if stack else ""
        start = shape
        for item in items:
            path = prefix + item.name
            if not isinstance(item, LayerSpec):
                shape = self._run_container(item, path, stack, depth, shape, run, children)
                continue
            row = LayerInfo(path, item.name, item.kind, depth, input_shape=shape, stack=stack)
            run.rows.append(row)
            children.append(row)
            probe = self._probe(item, shape)
            row.params, row.trainable_params = probe.params, probe.trainable
            row.size_bytes = probe.size_bytes
            if probe.error is not None:
                if shape is not None or probe.build_error:
                    row.error = probe.error
                    run.findings.append(Finding(
                        ERROR, path, f"{path} ({item.kind}): {probe.error}",
                        rule="shape" if not probe.build_error else "build"))
                shape = None
                continue
            row.macs = probe.macs
            row.output_shape = shape = probe.output_shape
        run.stacks[stack] = (start, shape)
        return shape

    def _run_container(self, item: Item, path: str, stack: str, depth: int,
                       shape: Shape | None, run: _Pass, children: list[LayerInfo]
                       ) -> Shape | None:
        """A container's row, then its stacks' rows; its counts are the sums of theirs."""
        container = LayerInfo(path, item.name, item.kind, depth, input_shape=shape, stack=stack)
        run.rows.append(container)
        children.append(container)
        inner: list[LayerInfo] = []
        if isinstance(item, BlockSpec):
            shape = self._run_stack(item.items, path, depth + 1, shape, run, inner)
        elif isinstance(item, ResidualSpec):
            body = self._run_stack(item.body, f"{path}.body", depth + 1, shape, run, inner)
            shortcut = self._run_stack(item.shortcut, f"{path}.shortcut", depth + 1, shape, run,
                                       inner)
            shape = _residual_output(item, path, body, shortcut, run.findings)
        elif isinstance(item, ParallelSpec):
            outputs = [self._run_stack(branch, f"{path}.branches.{index}", depth + 1, shape, run,
                                       inner)
                       for index, branch in enumerate(item.branches)]
            shape = _parallel_output(item, path, outputs, run.findings)
        container.output_shape = shape
        merge_error = next((f for f in reversed(run.findings) if f.path == path), None)
        if merge_error is not None:  # where its stacks meet: the container's own error
            container.error = merge_error.message
        container.params = sum(r.params for r in inner)
        container.trainable_params = sum(r.trainable_params for r in inner)
        container.macs = sum(r.macs for r in inner)
        container.size_bytes = sum(r.size_bytes for r in inner)
        return shape

    def _probe(self, layer: LayerSpec, shape: Shape | None) -> _Probe:
        try:
            key = (layer.kind, _freeze(layer.args), layer.frozen, shape)
            cached = self._cache.get(key)
        except Exception as exc:  # arguments that cannot be compared: report, never crash
            return _Probe(None, 0, 0, 0, 0, f"invalid arguments: {exc}", build_error=True)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        try:
            args = resolved_args(layer, self.catalog)
        except Exception as exc:
            return _Probe(None, 0, 0, 0, 0, f"invalid arguments: {exc}", build_error=True)
        probe = _run_probe(layer, args, shape, self.catalog)
        self._cache[key] = probe
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return probe


_PLAIN = (type(None), bool, int, float, str)


def _freeze(value: Any) -> Any:
    """A hashable stand-in for arguments as written; types kept apart, so 1, 1.0 and True differ.

    Keyed on the arguments as written rather than resolved ones: a cache hit then costs no
    resolving (a 100,000-layer stack is mostly hits); the same layer written two ways only costs
    one more probe.
    """
    if type(value) in _PLAIN:
        return (type(value), value)
    if isinstance(value, dict):
        return tuple((name, _freeze(item)) for name, item in value.items())
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_freeze(item) for item in value))
    return (type(value), repr(value))


def _count(module: nn.Module) -> tuple[int, int, int]:
    params = trainable = size = 0
    for p in module.parameters():
        params += p.numel()
        trainable += p.numel() if p.requires_grad else 0
        size += p.numel() * p.element_size()
    for b in module.buffers():
        size += b.numel() * b.element_size()
    return params, trainable, size


def _run_probe(layer: LayerSpec, args: dict[str, Any], shape: Shape | None,
               catalog: Catalog) -> _Probe:
    try:
        with torch.device("meta"):
            module = build_layer(layer, catalog)
    except Exception as exc:
        return _Probe(None, 0, 0, 0, 0, f"cannot be built: {_first_line(exc)}", build_error=True)
    params, trainable, size = _count(module)
    if shape is None:
        return _Probe(None, params, trainable, 0, size, "input shape unknown")
    try:
        refused = input_problem(layer.kind, args, shape)
    except Exception:  # arguments of a type no check expects: the probe reports them below
        refused = None
    if refused is not None:
        return _Probe(None, params, trainable, 0, size, refused)
    module.eval()
    from torch.utils.flop_counter import FlopCounterMode  # ~0.1 s import: not at start-up

    try:
        x = torch.empty((PROBE_BATCH, *shape[1:]), device="meta")
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            y = module(x)
        macs = int(counter.get_total_flops()) // 2 // PROBE_BATCH
    except Exception as exc:
        return _Probe(None, params, trainable, 0, size, _explain(layer.kind, args, shape, exc))
    if not isinstance(y, torch.Tensor):
        return _Probe(None, params, trainable, 0, size,
                      f"returns {type(y).__name__}, not a tensor; it cannot sit in a stack")
    if y.dim() == 0 or int(y.shape[0]) != PROBE_BATCH:  # it read the batch as data
        probed = [PROBE_BATCH, *shape[1:]]
        return _Probe(None, params, trainable, 0, size,
                      f"receives {format_shape(shape)} but does not keep the batch dimension: "
                      f"{PROBE_BATCH} samples {probed} come out as {[int(d) for d in y.shape]}")
    out = (1, *(int(d) for d in y.shape[1:]))
    if any(d == 0 for d in out):
        return _Probe(None, params, trainable, 0, size,
                      f"receives {format_shape(shape)} and would output the empty "
                      f"{format_shape(out)}")
    return _Probe(out, params, trainable, macs, size, None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Where stacks meet


def _branches_text(outputs: list[Shape]) -> str:
    return ", ".join(f"branch {index} gives {format_shape(out)}"
                     for index, out in enumerate(outputs))


def merge_shapes(outputs: list[Shape], merge: str, dim: int
                 ) -> tuple[tuple[str, str] | None, Shape | None]:
    """The shape a parallel's merge gives (batch first), or (message, fix) saying which branch
    gives which shape and why they cannot merge."""
    ranks = {len(out) for out in outputs}
    if len(ranks) > 1:
        return (f"{_branches_text(outputs)}: different numbers of dimensions cannot be merged",
                "make every branch end with the same number of dimensions."), None
    rank = len(outputs[0])
    if merge != "concat":
        if len(set(outputs)) > 1:
            verb = "summing" if merge == "sum" else "averaging"
            return (f"{_branches_text(outputs)}; {verb} needs every branch to give the same "
                    "shape", "make the branches end with the same sizes."), None
        return None, outputs[0]
    if not -rank <= dim < rank:
        return (f"dim={dim} is out of range for {format_shape(outputs[0])} ({rank} dimensions)",
                f"use a dim from {1 - rank} to {rank - 1}."), None
    axis = dim % rank
    if axis == 0:
        return (f"dim={dim} would concatenate along the batch dimension",
                "use dim=1 (the channels of an image, the features of a vector)."), None
    others = {out[:axis] + out[axis + 1:] for out in outputs}
    if len(others) > 1:
        return (f"{_branches_text(outputs)}; concatenation along dim {dim} needs all other "
                "sizes equal",
                "give every branch the same sizes outside dim (e.g. padding='same' or equal "
                "strides in each branch)."), None
    merged = list(outputs[0])
    merged[axis] = sum(out[axis] for out in outputs)
    return None, tuple(merged)


_PROJECTION_CONV = {3: ("Conv1d", "BatchNorm1d"), 4: ("Conv2d", "BatchNorm2d"), 5: ("Conv3d", "")}


def _one_by_one_stride(size: int, target: int) -> int | None:
    """The stride of a 1×1 convolution (no padding) that maps ``size`` to ``target``."""
    for stride in range(1, size + 1):
        if (size - 1) // stride + 1 == target:
            return stride
    return None


def projection(source: Shape, target: Shape, batchnorm: bool = True) -> list[LayerSpec] | None:
    """The layers that turn ``source`` into ``target`` (both batch first) on a shortcut:
    a Linear for vectors [N, F] and for [N, T, F] where only F differs (sequences), else a
    "1×1" convolution of the input's rank (Conv1d, Conv2d, Conv3d) with the stride that fits,
    followed by batch normalization (``batchnorm``; the convolution's bias is then dropped;
    Conv3d has none in the catalog). Named '0', '1'; None when no such projection fits (e.g. a
    larger target)."""
    if len(source) != len(target) or len(source) < 2:
        return None
    rank = len(source)
    if rank == 2 or (rank == 3 and source[:-1] == target[:-1]):
        return [LayerSpec("Linear", "0", {"in_features": source[-1],
                                          "out_features": target[-1]})]
    if rank not in _PROJECTION_CONV:
        return None
    strides = [_one_by_one_stride(s, t) for s, t in zip(source[2:], target[2:], strict=True)]
    if any(stride is None for stride in strides):
        return None
    conv, norm = _PROJECTION_CONV[rank]
    args: dict[str, Any] = {"in_channels": source[1], "out_channels": target[1],
                            "kernel_size": 1}
    if any(stride != 1 for stride in strides):
        args["stride"] = strides[0] if len(set(strides)) == 1 else strides
    layers = [LayerSpec(conv, "0", args)]
    if batchnorm and norm:
        args["bias"] = False
        layers.append(LayerSpec(norm, "1", {"num_features": target[1]}))
    return layers


def describe_projection(layers: list[LayerSpec]) -> str:
    """'1×1 Conv2d with stride 2, 32 → 64, then BatchNorm2d' — what :func:`projection` adds."""
    first = layers[0]
    if first.kind == "Linear":
        text = f"Linear, {first.args['in_features']} → {first.args['out_features']}"
    else:
        stride = first.args.get("stride")
        if isinstance(stride, list):
            stride = "×".join(str(s) for s in stride)
        text = f"1×1 {first.kind}" + (f" with stride {stride}" if stride else "")
        text += f", {first.args['in_channels']} → {first.args['out_channels']}"
    return text + "".join(f", then {layer.kind}" for layer in layers[1:])


def _explain(kind: str, args: dict[str, Any], shape: Shape, exc: BaseException) -> str:
    """What the layer expects versus what it receives, in the words of its arguments."""
    got = f"receives {format_shape(shape)}"
    if kind == "Linear":
        return f"expects last dimension {args['in_features']}, {got}"
    if kind in {"Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d"}:
        dims = {"Conv1d": 1, "Conv3d": 3}.get(kind, 2)
        spatial = ", ".join(["L"] if dims == 1 else ["D", "H", "W"][3 - dims:])
        expected = f"expects [N, {args['in_channels']}, {spatial}]"
        if len(shape) == dims + 2 and shape[1] == args["in_channels"]:
            return f"{expected}, {got}: {_first_line(exc)}"
        return f"{expected}, {got}"
    if kind == "BatchNorm1d":
        c = args["num_features"]
        return f"expects [N, {c}] or [N, {c}, L], {got}"
    if kind == "BatchNorm2d":
        return f"expects [N, {args['num_features']}, H, W], {got}"
    if kind == "GroupNorm":
        return (f"expects [N, {args['num_channels']}, …] with {args['num_channels']} channels in "
                f"{args['num_groups']} groups, {got}")
    if kind == "LayerNorm":
        dims = ", ".join(str(d) for d in args["normalized_shape"])
        return f"expects trailing dimensions [{dims}], {got}"
    if kind in {"RNN", "LSTM", "GRU"}:
        return f"expects [N, T, {args['input_size']}] (batch, steps, features), {got}"
    if kind in POOLING:
        return f"{got}: {_first_line(exc)}"
    return f"{got}: {_first_line(exc)}"


# ---------------------------------------------------------------------------------------------
# Lint: runs, but likely not what was meant


Leaf = tuple[str, LayerSpec, LayerInfo | None]  # path, layer, its analysis row


@dataclass(frozen=True)
class LintContext:
    """What every lint rule reads: the spec, its analysis, the loss it will train with, and
    the leaf layers in walk order with their rows (computed once for all rules).

    Residuals and parallels split the flow into lanes: ``lanes`` maps each leaf's path to the
    path of the residual or parallel stack it runs in ('' for the main line, blocks do not
    count). ``tail`` holds the main line's leaves after its last residual or parallel: when it
    is not empty, its last leaf is the network's output layer."""

    spec: NetworkSpec
    analysis: Analysis
    loss: str
    leaves: list[Leaf]
    lanes: dict[str, str] = field(default_factory=dict)
    tail: list[Leaf] = field(default_factory=list)


def _warning(rule: str, path: str, message: str, fix: str) -> Finding:
    return Finding(WARNING, path, message, fix, rule)


def softmax_before_loss(context: LintContext) -> Iterator[Finding]:
    """Softmax / LogSoftmax as the output, before a loss that applies it itself."""
    if not context.tail:
        return
    path, layer, _row = context.tail[-1]
    if layer.kind == "Softmax" and context.loss in {"cross_entropy", "nll"}:
        yield _warning("softmax-before-loss", path,
                       f"{path} (Softmax) is the output, but CrossEntropyLoss applies "
                       "log-softmax itself: training sees doubly squashed scores and learns "
                       "slowly.",
                       f"remove {path}; apply softmax only when you want probabilities.")
    elif layer.kind == "LogSoftmax" and context.loss == "cross_entropy":
        yield _warning("softmax-before-loss", path,
                       f"{path} (LogSoftmax) is the output, but CrossEntropyLoss applies "
                       "log-softmax itself.", f"remove {path}, or train with NLLLoss.")


def linear_linear(context: LintContext) -> Iterator[Finding]:
    """Two Linear layers with nothing nonlinear between them."""
    previous_linear: str | None = None
    previous_lane = ""
    for path, layer, _row in context.leaves:
        lane = context.lanes.get(path, "")
        if lane != previous_lane:  # another branch, or past a sum: not one chain
            previous_linear, previous_lane = None, lane
        if layer.kind == "Linear":
            if previous_linear is not None:
                yield _warning("linear-linear", path,
                               f"{previous_linear} and {path} are Linear layers with no "
                               "nonlinearity between them: together they are just one linear "
                               "map.",
                               f"add an activation such as ReLU between {previous_linear} and "
                               f"{path}.")
            previous_linear = path
        elif layer.kind not in LINEAR_PASSTHROUGH:
            previous_linear = None


def batchnorm_rank(context: LintContext) -> Iterator[Finding]:
    """BatchNorm whose dimensionality does not fit its input."""
    for path, layer, row in context.leaves:
        if not layer.kind.startswith("BatchNorm") or row is None or row.input_shape is None:
            continue
        fitting = BATCHNORM_FOR_RANK.get(len(row.input_shape))
        if fitting and fitting != layer.kind:
            yield _warning("batchnorm-rank", path,
                           f"{path} is {layer.kind}, but its input "
                           f"{format_shape(row.input_shape)} has {len(row.input_shape)} "
                           "dimensions.",
                           f"use {fitting} here.")


def class_count(context: LintContext) -> Iterator[Finding]:
    """The final width versus the number of classes."""
    leaves, classes = context.tail, context.spec.num_classes
    out = context.analysis.output_shape
    if classes is None or out is None or not context.spec.items:
        return
    last_path = _last_with_params(leaves)
    output_path = leaves[-1][0] if leaves else context.spec.items[-1].name
    if len(out) != 2:
        yield _warning("classes", output_path,
                       f"the output is {format_shape(out)}, but a classifier of {classes} "
                       f"classes outputs [N, {classes}].",
                       f"add Flatten and a Linear layer with out_features={classes}.")
    elif out[1] != classes:
        target = f"set {last_path}.out_features to {classes}" if last_path else (
            f"end with a Linear layer of out_features={classes}")
        yield _warning("classes", last_path or output_path,
                       f"the network outputs {out[1]} values per sample, but the data has "
                       f"{classes} classes.", f"{target}.")


def dropout_last(context: LintContext) -> Iterator[Finding]:
    """Dropout right before the output."""
    trailing = [leaf for leaf in context.tail if leaf[1].kind not in {"Softmax", "LogSoftmax"}]
    if trailing and trailing[-1][1].kind in DROPOUT:
        path = trailing[-1][0]
        yield _warning("dropout-last", path,
                       f"{path} drops output scores at random while training.",
                       f"move {path} before the last Linear layer, or remove it.")


def softmax_across_batch(context: LintContext) -> Iterator[Finding]:
    """Softmax across the batch: it runs, but each sample's scores then depend on the others'."""
    for path, layer, row in context.leaves:
        if layer.kind in {"Softmax", "LogSoftmax"} and row is not None and (
            row.input_shape is not None and row.error is None
            and layer.args.get("dim", 1) % len(row.input_shape) == 0
        ):
            yield _warning("softmax-batch", path,
                           f"{path} ({layer.kind}) normalizes along "
                           f"dim={layer.args.get('dim', 1)}, the batch: each sample's result "
                           "depends on the other samples in the batch.",
                           f"set {path}.dim to 1 (or -1, the last dimension).")


def pool_to_zero(context: LintContext) -> Iterator[Finding]:
    """Pooling that shrinks a dimension to nothing (torch: "Output size is too small")."""
    for path, layer, row in context.leaves:
        if layer.kind in POOLING and row is not None and row.input_shape is not None and (
            row.error is not None and "too small" in row.error
        ):
            yield _warning("pool-to-zero", path,
                           f"{path} ({layer.kind}) shrinks {format_shape(row.input_shape)} "
                           "below one element.",
                           "remove this pooling layer, use a smaller kernel, or pad earlier.")


def _last_leaf(items: list[Item], prefix: str) -> tuple[str, Item] | None:
    """The item that ends a stack, followed into blocks (a residual or parallel ends it too)."""
    while items:
        item = items[-1]
        path = prefix + item.name
        if not isinstance(item, BlockSpec):
            return path, item
        items, prefix = item.items, path + "."
    return None


def relu_before_sum(context: LintContext) -> Iterator[Finding]:
    """A residual whose body ends in ReLU: the body can only add, never subtract."""
    for path, item, _depth in context.spec.walk():
        if not isinstance(item, ResidualSpec):
            continue
        last = _last_leaf(item.body, f"{path}.body.")
        if last is None or not isinstance(last[1], LayerSpec) or last[1].kind != "ReLU":
            continue
        relu = last[0]
        if item.activation == "ReLU":
            fix = f"remove {relu}: {path} applies ReLU after the sum already."
        elif item.activation:
            fix = f"remove {relu}; {path} applies {item.activation} after the sum."
        else:
            fix = (f"remove {relu} and set {path}.activation to ReLU, so that the activation "
                   "comes after the sum (as in ResNet).")
        yield _warning("relu-before-sum", relu,
                       f"{relu} (ReLU) ends the body of {path} before the sum: the body can "
                       "only add non-negative values to the shortcut, never take anything away.",
                       fix)


LintRule = Callable[[LintContext], Iterable[Finding]]
# In the order their findings are listed.
LINT_RULES: tuple[LintRule, ...] = (softmax_before_loss, linear_linear, batchnorm_rank,
                                    class_count, dropout_last, softmax_across_batch, pool_to_zero,
                                    relu_before_sum)


def _lanes(spec: NetworkSpec) -> tuple[dict[str, str], list[str]]:
    """Each leaf's lane (see :class:`LintContext`), and the main line's leaves after its last
    residual or parallel."""
    lane_of_stack = {"": ""}
    lanes: dict[str, str] = {}
    tail: list[str] = []
    for path, item, _depth in spec.walk():
        stack = path[:-len(item.name) - 1] if path != item.name else ""
        lane = lane_of_stack.get(stack, "")
        if isinstance(item, BlockSpec):
            lane_of_stack[path] = lane
        elif isinstance(item, (ResidualSpec, ParallelSpec)):
            for stack_path, _items in stacks_of(item, path):
                lane_of_stack[stack_path] = stack_path
            if lane == "":
                tail = []
        else:
            lanes[path] = lane
            if lane == "":
                tail.append(path)
    return lanes, tail


def lint(spec: NetworkSpec, analysis: Analysis, loss: str = "cross_entropy",
         rules: tuple[LintRule, ...] = LINT_RULES) -> list[Finding]:
    """Warnings of networks that run but likely not as meant: every rule, in order."""
    leaves = [(path, layer, analysis.row(path)) for path, layer in spec.layers()]
    lanes, tail_paths = _lanes(spec)
    in_tail = set(tail_paths)
    tail = [leaf for leaf in leaves if leaf[0] in in_tail]
    context = LintContext(spec, analysis, loss, leaves, lanes, tail)
    return [finding for rule in rules for finding in rule(context)]


def _last_with_params(leaves: list[Leaf]) -> str | None:
    for path, layer, _row in reversed(leaves):
        if layer.kind == "Linear":
            return path
    return None


_default_analyzer: Analyzer | None = None


def analyze(spec: NetworkSpec, loss: str = "cross_entropy") -> Analysis:
    """Analyse with the process-wide cached analyzer."""
    global _default_analyzer
    if _default_analyzer is None or _default_analyzer.catalog is not default_catalog():
        _default_analyzer = Analyzer()
    return _default_analyzer.analyze(spec, loss)


def warm_up() -> None:
    """Pay the one-time cost of the first meta forward (about a second) off the input path."""
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Flatten", "f"), LayerSpec("Linear", "fc")])
    Analyzer().analyze(spec)
