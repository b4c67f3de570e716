"""What flows through a network, before any training: shapes, parameters, MACs, problems.

Every layer is run for real, on the meta device (shapes without memory), so no shape formula is
written by hand. Probes run at batch 2 (torch reads a batch of one, one dimension short, as an
unbatched sample, and some layers only refuse a batch of one), and ``arg_checks`` adds the
checks the meta kernels skip. Shapes are reported with a batch of 1 and MACs per sample.
Results per layer are cached by (kind, arguments, input shape), and each item's rows are kept
with the input they had: after one edit only the edited items, and those after them whose input
shape changed, are analysed again; every other row is the previous analysis' own object.
Any failure of one layer's probe is caught and reported on that layer; it never escapes to the
editor.

Residuals and parallel branches run each of their stacks from the container's input; where the
outputs meet (the sum, the concatenation) the analysis checks them and says which stack gives
which shape, and for a residual whose shortcut does not fit it names the projection that would
(:func:`projection`; ``editing.add_projection`` inserts it).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from netbuilder.core.analysis_result import (  # noqa: F401  (importable from here as before)
    ACTIVATIONS,
    BATCHNORM_FOR_RANK,
    DROPOUT,
    ERROR,
    LINEAR_PASSTHROUGH,
    MERGE_SHAPE,
    POOLING,
    RESIDUAL_PROJECTION,
    RESIDUAL_SHAPE,
    WARNING,
    Analysis,
    Finding,
    LayerInfo,
    Shape,
    flow_text,
    format_shape,
)
from netbuilder.core.arg_checks import input_problem
from netbuilder.core.builder import build_layer
from netbuilder.core.catalog import Catalog, default_catalog
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    copy_item,
)
from netbuilder.core.spec_parse import resolved_args

# The batch the probes run at: 2, so that a layer that mixes samples, or reads the input as one
# unbatched sample, shows it by not giving back a batch of 2.
PROBE_BATCH = 2


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


@dataclass
class _Segment:
    """What one item of a stack gave when it was last analysed: its row (for a container, every
    row inside it too, depth first), the errors it reported, its stacks' shapes and its output.
    Kept while the item and the shape it receives stay the same, so that an edit re-runs only
    the items it changed and those whose input it changed (see :meth:`Analyzer.analyze`)."""

    item: Item  # a copy of the item as analysed (the spec may be edited in place afterwards)
    shape: Shape | None  # the input it was analysed with
    rows: list[LayerInfo]
    findings: list[Finding]
    stacks: dict[str, tuple[Shape | None, Shape | None]]
    output: Shape | None
    inner: dict[str, dict[str, _Segment]]  # a container's: stack path -> item name -> segment


def _same(kept: Item, item: Item) -> bool:
    try:
        return bool(kept == item)
    except Exception:  # arguments that cannot be compared: analyse the item again
        return False


def _attach_findings(rows: list[LayerInfo], findings: list[Finding],
                     placed: list[tuple[int, _Segment]]) -> bool:
    """Give each row the findings about its path, in order. A row whose findings differ from
    those it holds is replaced by a copy (rows handed out are never changed), and the copy is
    kept in its top-level segment, so that the next analysis hands it out again. True when a
    row was replaced."""
    wanted: dict[str, list[Finding]] = {}
    for finding in findings:
        listed = wanted.setdefault(finding.path, [])
        if finding not in listed:
            listed.append(finding)
    starts = [start for start, _segment in placed]
    replaced = False
    for index, row in enumerate(rows):
        mine = wanted.get(row.path)
        if mine is None and not row.findings:
            continue  # most rows: nothing to say, nothing said before
        mine = mine or []
        if row.findings != mine:
            rows[index] = replace(row, findings=mine)
            where = bisect_right(starts, index) - 1
            start, segment = placed[where]
            segment.rows[index - start] = rows[index]
            replaced = True
    return replaced


class Analyzer:
    """Analyses specs, keeping two caches between calls: per-layer probes by (kind, arguments,
    input shape), and per item the segment of the last analysis (:class:`_Segment`).

    An item whose copy and input shape equal the last analysis' gives back the same rows
    (the same objects), so after an edit the unchanged prefix is reused as is, and after the
    edited item propagation stops at the first item that receives the shape it received before.
    A row handed out is never changed afterwards: where its lint findings differ, the new
    analysis holds a copy. So a row that is the very object of the previous analysis describes
    the same item, shapes and findings — views compare rows by identity to repaint only what
    changed.
    """

    def __init__(self, catalog: Catalog | None = None, cache_size: int = 4096):
        self.catalog = catalog or default_catalog()
        self._cache: OrderedDict[Any, _Probe] = OrderedDict()
        self._cache_size = cache_size
        self._revision = self.catalog.revision
        self._segments: dict[str, _Segment] = {}  # the top level's, by item name

    def analyze(self, spec: NetworkSpec, loss: str = "cross_entropy") -> Analysis:
        from netbuilder.core.lint import lint  # the rules read this module's types

        if self.catalog.revision != self._revision:  # a custom-layer file was imported again
            self._cache.clear()
            self._segments = {}
            self._revision = self.catalog.revision
        input_shape: Shape = (1, *spec.input_shape)
        run = _Pass()
        segments: dict[str, _Segment] = {}
        placed: list[tuple[int, _Segment]] = []
        output = self._run_stack(spec.items, "", 0, input_shape, run, [], self._segments,
                                 segments, placed)
        self._segments = segments
        analysis = Analysis(input_shape, run.rows, run.findings, output, run.stacks)
        run.findings.extend(lint(spec, analysis, loss))
        if _attach_findings(run.rows, run.findings, placed):
            analysis.forget_index()  # lint looked rows up: the index holds the replaced ones
        return analysis

    def _run_stack(self, items: list[Item], stack: str, depth: int, shape: Shape | None,
                   run: _Pass, children: list[LayerInfo], old: dict[str, _Segment],
                   new: dict[str, _Segment], placed: list | None = None) -> Shape | None:
        """Run one stack from ``shape``: a row per item (depth first), each direct child's row
        also in ``children``; the stack's input and output shapes noted. ``old`` holds the
        stack's segments of the last analysis, ``new`` receives this one's (by item name);
        ``placed`` (the top level's) where each segment's rows start in ``run.rows``."""
        prefix = f"{stack}." if stack else ""
        start = shape
        for item in items:
            segment = old.get(item.name)
            if segment is None or segment.shape != shape or not _same(segment.item, item):
                segment = self._segment(item, prefix + item.name, stack, depth, shape, segment)
            new[item.name] = segment
            if placed is not None:
                placed.append((len(run.rows), segment))
            run.rows.extend(segment.rows)
            children.append(segment.rows[0])
            if segment.findings:
                run.findings.extend(segment.findings)
            if segment.stacks:
                run.stacks.update(segment.stacks)
            shape = segment.output
        run.stacks[stack] = (start, shape)
        return shape

    def _segment(self, item: Item, path: str, stack: str, depth: int, shape: Shape | None,
                 old: _Segment | None) -> _Segment:
        """Analyse one item afresh (a container reuses what it can of its stacks' segments)."""
        run = _Pass()
        inner: dict[str, dict[str, _Segment]] = {}
        if isinstance(item, LayerSpec):
            output = self._run_layer(item, path, stack, depth, shape, run)
        else:
            output = self._run_container(item, path, stack, depth, shape, run,
                                         old.inner if old is not None else {}, inner)
        return _Segment(copy_item(item), shape, run.rows, run.findings, run.stacks, output, inner)

    def _run_layer(self, item: LayerSpec, path: str, stack: str, depth: int,
                   shape: Shape | None, run: _Pass) -> Shape | None:
        row = LayerInfo(path, item.name, item.kind, depth, input_shape=shape, stack=stack)
        run.rows.append(row)
        probe = self._probe(item, shape)
        row.params, row.trainable_params = probe.params, probe.trainable
        row.size_bytes = probe.size_bytes
        if probe.error is not None:
            if shape is not None or probe.build_error:
                row.error = probe.error
                run.findings.append(Finding(
                    ERROR, path, f"{path} ({item.kind}): {probe.error}",
                    rule="shape" if not probe.build_error else "build"))
            return None
        row.macs = probe.macs
        row.output_shape = probe.output_shape
        return probe.output_shape

    def _run_container(self, item: Item, path: str, stack: str, depth: int,
                       shape: Shape | None, run: _Pass, old: dict[str, dict[str, _Segment]],
                       new: dict[str, dict[str, _Segment]]) -> Shape | None:
        """A container's row, then its stacks' rows; its counts are the sums of theirs."""
        container = LayerInfo(path, item.name, item.kind, depth, input_shape=shape, stack=stack)
        run.rows.append(container)
        inner: list[LayerInfo] = []

        def run_stack(items: list[Item], stack_path: str) -> Shape | None:
            return self._run_stack(items, stack_path, depth + 1, shape, run, inner,
                                   old.get(stack_path, {}), new.setdefault(stack_path, {}))

        if isinstance(item, BlockSpec):
            shape = run_stack(item.items, path)
        elif isinstance(item, ResidualSpec):
            body = run_stack(item.body, f"{path}.body")
            shortcut = run_stack(item.shortcut, f"{path}.shortcut")
            shape = _residual_output(item, path, body, shortcut, run.findings)
        elif isinstance(item, ParallelSpec):
            outputs = [run_stack(branch, f"{path}.branches.{index}")
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
    """'branch 1 gives [N, 8], branch 2 gives [N, 4]': counted from 1, as the window's rows and
    the diagram label them."""
    return ", ".join(f"branch {index} gives {format_shape(out)}"
                     for index, out in enumerate(outputs, start=1))


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


# The lint rules live in core.lint; their names stay importable from here.
_LINT_NAMES = frozenset({"LINT_RULES", "Leaf", "LintContext", "LintRule", "batchnorm_rank",
                         "class_count", "dropout_last", "linear_linear", "lint", "pool_to_zero",
                         "relu_before_sum", "softmax_across_batch", "softmax_before_loss"})


def __getattr__(name: str) -> Any:
    if name in _LINT_NAMES:
        from netbuilder.core import lint

        return getattr(lint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
