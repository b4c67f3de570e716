"""What flows through a network, before any training: shapes, parameters, MACs, problems.

Every layer is run for real, on the meta device (shapes without memory), so no shape formula is
written by hand. Probes run at batch 2 (torch reads a batch of one, one dimension short, as an
unbatched sample, and some layers only refuse a batch of one), and ``arg_checks`` adds the
checks the meta kernels skip. Shapes are reported with a batch of 1 and MACs per sample.
Results per layer are cached by (kind, arguments, input shape): after one edit only the layers
whose inputs changed run again, and the rest of the work is linear in the number of layers.
Any failure of one layer's probe is caught and reported on that layer; it never escapes to the
editor.
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
from netbuilder.core.catalog import Catalog, default_catalog
from netbuilder.core.spec import BlockSpec, Item, LayerSpec, NetworkSpec, resolved_args

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

    @property
    def is_block(self) -> bool:
        return self.kind == "Block"

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params


@dataclass
class Analysis:
    input_shape: Shape
    rows: list[LayerInfo]
    findings: list[Finding]
    output_shape: Shape | None
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


class Analyzer:
    """Analyses specs; keeps a cache of per-layer probes between calls."""

    def __init__(self, catalog: Catalog | None = None, cache_size: int = 4096):
        self.catalog = catalog or default_catalog()
        self._cache: OrderedDict[Any, _Probe] = OrderedDict()
        self._cache_size = cache_size

    def analyze(self, spec: NetworkSpec, loss: str = "cross_entropy") -> Analysis:
        input_shape: Shape = (1, *spec.input_shape)
        rows: list[LayerInfo] = []
        findings: list[Finding] = []
        output = self._run_items(spec.items, "", 0, input_shape, rows, findings, [])
        analysis = Analysis(input_shape, rows, findings, output)
        findings.extend(lint(spec, analysis, loss))
        for finding in findings:
            row = analysis.row(finding.path)
            if row is not None and finding not in row.findings:
                row.findings.append(finding)
        return analysis

    def _run_items(self, items: list[Item], prefix: str, depth: int, shape: Shape | None,
                   rows: list[LayerInfo], findings: list[Finding],
                   children: list[LayerInfo]) -> Shape | None:
        """Append a row per item (depth first) and each direct child's row to ``children``."""
        for item in items:
            path = prefix + item.name
            if isinstance(item, BlockSpec):
                block = LayerInfo(path, item.name, "Block", depth, input_shape=shape)
                rows.append(block)
                children.append(block)
                inner: list[LayerInfo] = []
                shape = self._run_items(item.items, path + ".", depth + 1, shape, rows, findings,
                                        inner)
                block.output_shape = shape
                block.params = sum(r.params for r in inner)
                block.trainable_params = sum(r.trainable_params for r in inner)
                block.macs = sum(r.macs for r in inner)
                block.size_bytes = sum(r.size_bytes for r in inner)
                continue
            row = LayerInfo(path, item.name, item.kind, depth, input_shape=shape)
            rows.append(row)
            children.append(row)
            probe = self._probe(item, shape)
            row.params, row.trainable_params = probe.params, probe.trainable
            row.size_bytes = probe.size_bytes
            if probe.error is not None:
                if shape is not None or probe.build_error:
                    row.error = probe.error
                    findings.append(Finding(ERROR, path, f"{path} ({item.kind}): {probe.error}",
                                            rule="shape" if not probe.build_error else "build"))
                shape = None
                continue
            row.macs = probe.macs
            row.output_shape = shape = probe.output_shape
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
    the leaf layers in forward order with their rows (computed once for all rules)."""

    spec: NetworkSpec
    analysis: Analysis
    loss: str
    leaves: list[Leaf]


def _warning(rule: str, path: str, message: str, fix: str) -> Finding:
    return Finding(WARNING, path, message, fix, rule)


def softmax_before_loss(context: LintContext) -> Iterator[Finding]:
    """Softmax / LogSoftmax as the output, before a loss that applies it itself."""
    if not context.leaves:
        return
    path, layer, _row = context.leaves[-1]
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
    for path, layer, _row in context.leaves:
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
    leaves, classes = context.leaves, context.spec.num_classes
    out = context.analysis.output_shape
    if classes is None or out is None or not leaves:
        return
    last_path = _last_with_params(leaves)
    if len(out) != 2:
        yield _warning("classes", leaves[-1][0],
                       f"the output is {format_shape(out)}, but a classifier of {classes} "
                       f"classes outputs [N, {classes}].",
                       f"add Flatten and a Linear layer with out_features={classes}.")
    elif out[1] != classes:
        target = f"set {last_path}.out_features to {classes}" if last_path else (
            f"end with a Linear layer of out_features={classes}")
        yield _warning("classes", last_path or leaves[-1][0],
                       f"the network outputs {out[1]} values per sample, but the data has "
                       f"{classes} classes.", f"{target}.")


def dropout_last(context: LintContext) -> Iterator[Finding]:
    """Dropout right before the output."""
    trailing = [leaf for leaf in context.leaves if leaf[1].kind not in {"Softmax", "LogSoftmax"}]
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


LintRule = Callable[[LintContext], Iterable[Finding]]
# In the order their findings are listed.
LINT_RULES: tuple[LintRule, ...] = (softmax_before_loss, linear_linear, batchnorm_rank,
                                    class_count, dropout_last, softmax_across_batch, pool_to_zero)


def lint(spec: NetworkSpec, analysis: Analysis, loss: str = "cross_entropy",
         rules: tuple[LintRule, ...] = LINT_RULES) -> list[Finding]:
    """Warnings of networks that run but likely not as meant: every rule, in order."""
    leaves = [(path, layer, analysis.row(path)) for path, layer in spec.layers()]
    context = LintContext(spec, analysis, loss, leaves)
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
