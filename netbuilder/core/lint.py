"""Lint: networks that run, but likely not as meant (Linear after Linear, softmax before a loss
that applies it, dropout on the output, …). Each rule reads a :class:`LintContext` — the spec,
its shape analysis and the loss — and yields warnings; :func:`lint` runs every rule in order.
The rules only read what ``core.analysis`` found (torch-free: they run no layer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from netbuilder.core.analysis_result import (
    BATCHNORM_FOR_RANK,
    DROPOUT,
    LINEAR_PASSTHROUGH,
    POOLING,
    WARNING,
    Analysis,
    Finding,
    LayerInfo,
    format_shape,
)
from netbuilder.core.editing import walk_list
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    stacks_of,
)

Leaf = tuple[str, LayerSpec, LayerInfo | None]  # path, layer, its analysis row


@dataclass(frozen=True)
class LintContext:
    """What every lint rule reads: the spec, its analysis, the loss it will train with, and
    the leaf layers in walk order with their rows, and every item in walk order (``walked``,
    computed once for all rules).

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
    walked: list[tuple[str, Item, int]] = field(default_factory=list)


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
    for path, item, _depth in context.walked or context.spec.walk():
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


def _lanes(walked: list[tuple[str, Item, int]]) -> tuple[dict[str, str], list[str]]:
    """Each leaf's lane (see :class:`LintContext`), and the main line's leaves after its last
    residual or parallel."""
    lane_of_stack = {"": ""}
    lanes: dict[str, str] = {}
    tail: list[str] = []
    for path, item, _depth in walked:
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
    walked = walk_list(spec.items)  # once for every rule: the walk is much of lint's time
    leaves = [(path, item, analysis.row(path)) for path, item, _depth in walked
              if isinstance(item, LayerSpec)]
    lanes, tail_paths = _lanes(walked)
    in_tail = set(tail_paths)
    tail = [leaf for leaf in leaves if leaf[0] in in_tail]
    context = LintContext(spec, analysis, loss, leaves, lanes, tail, walked)
    return [finding for rule in rules for finding in rule(context)]


def _last_with_params(leaves: list[Leaf]) -> str | None:
    for path, layer, _row in reversed(leaves):
        if layer.kind == "Linear":
            return path
    return None
