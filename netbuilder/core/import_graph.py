"""The traced graph of a model's ``forward``, walked from its input to its output, becomes the
spec's items: a chain of layers, forks that meet again as residuals (a sum of two paths) and
parallels (one ``torch.cat``), and blocks named after the submodules that made them, so the
class's ``state_dict`` keys keep their names or are mapped (see
:mod:`netbuilder.core.importer` for what maps to what).

:func:`traced_graph` traces with ``torch.fx``; :class:`_Converter` walks the graph, reading
each node with :class:`netbuilder.core.import_ops._NodeReader`; :class:`_Nester` puts the
layers into blocks, residuals and parallels and names them.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from netbuilder.core.import_ops import (
    _FX_CONSTANT,
    _hashable,
    _Layer,
    _NodeReader,
    _Shapes,
    _Unsupported,
)
from netbuilder.core.importer import (
    REPRESENTABLE,
    ModelImportError,
    _first_line,
    _where_of_exception,
)


def traced_graph(model, source: str | None = None):
    """``model``'s forward as an fx graph, catalog kinds as leaves (custom submodules are traced
    through); raises ModelImportError naming the reason and the line when tracing fails."""

    import torch.fx as fx

    from netbuilder.core.catalog import default_catalog

    catalog = default_catalog()

    class Tracer(fx.Tracer):
        record_stack_traces = True

        def is_leaf_module(self, module, qualified_name):
            if catalog.kind_of_module(module) is not None:
                return True
            return super().is_leaf_module(module, qualified_name)

    name = type(model).__name__
    concrete = forward_defaults(model)
    try:
        graph = Tracer().trace(model, concrete_args=concrete or None)
    except ModelImportError:
        raise
    except Exception as exc:
        where = _where_of_exception(exc, source)
        reason = _first_line(exc)
        hint = ""
        if "control flow" in reason or "iteration" in reason.lower() or "len(" in reason:
            hint = (" — forward() decides something from a tensor's values (an `if`, a loop "
                    "or len() on a traced value); netbuilder can only import a forward() that "
                    "runs the same operations for every input")
        raise ModelImportError(f"torch.fx could not trace {name}.forward() ({where}): "
                               f"{reason}{hint}") from None
    return fx.GraphModule(model, graph)


def forward_defaults(model) -> dict[str, Any]:
    """forward()'s parameters after the input, with their defaults (tracing uses them as they
    are); raises ModelImportError when forward() needs more than one input."""
    import inspect

    name = type(model).__name__
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return {}
    if not parameters:
        raise ModelImportError(f"{name}.forward() takes no input: netbuilder networks take one "
                               "tensor")
    first, extra = parameters[0], [p for p in parameters[1:]
                                   if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    needed = [p.name for p in extra if p.default is inspect.Parameter.empty]
    if needed or first.kind in (first.VAR_POSITIONAL, first.VAR_KEYWORD, first.KEYWORD_ONLY):
        shown = ", ".join(["self", *(str(p) for p in parameters)])
        count = f"{len(needed) + 1} inputs" if needed else "its input in a way fx cannot pass"
        raise ModelImportError(f"{name}.forward({shown}) takes {count}: netbuilder networks "
                               "take one tensor")
    return {p.name: p.default for p in extra}



@dataclass
class _Fork:
    """Paths from one tensor that meet again: a residual (branches: body, shortcut) or a
    parallel (branches in torch.cat's order), before nesting."""

    kind: str  # "Residual" or "Parallel"
    container: tuple[str, ...]
    branches: list[list]
    activation: str
    dim: int
    merge: Any  # the fx node of the sum or torch.cat
    origin: str


class _Converter(_NodeReader):
    """Walks the graph from the input along its one path, turning each node into a layer."""

    def __init__(self, model, graph_module, shapes: _Shapes, source: str | None):
        super().__init__(model, graph_module, shapes, source)
        self.output_value = None
        nodes = list(graph_module.graph.nodes)
        placeholders = [n for n in nodes if n.op == "placeholder"]
        self.input = placeholders[0] if placeholders else None
        self.output = next(n for n in nodes if n.op == "output")
        self.from_input = self._reachable_from(self.input)
        self.to_output = self._reaching(self.output)

    # -- graph helpers -------------------------------------------------------------------------

    @staticmethod
    def _reachable_from(start) -> set:
        seen = set()
        stack = [start] if start is not None else []
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(node.users)
        return seen

    @staticmethod
    def _reaching(end) -> set:
        seen = set()
        stack = [end]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(node.all_input_nodes)
        return seen

    def _tensor_users(self, value) -> list:
        return [u for u in value.users
                if u is self.output or (self._carries_tensors(u) and u in self.to_output)]


    # -- the walk ------------------------------------------------------------------------------

    def items(self) -> tuple[list, dict[int, str]]:
        """The network's items, and the module path each module layer came from (by id)."""
        elements = self._walk()
        self._note_unused()
        called = set()
        for node in self.gm.graph.nodes:
            for entry in (node.meta.get("nn_module_stack") or {}).values():
                path = entry[0] if isinstance(entry, tuple) else ""
                if path:
                    called.add(tuple(path.split(".")))
        nester = _Nester(self._taken_names(), called)
        items = nester.nest(elements, ())
        items = nester.collapse(items)
        nester.name_rest(items)
        if nester.made:
            self.notes.append("functional calls became layers: " + "; ".join(nester.made))
        return items, nester.origins

    def _walk(self) -> list:
        if self.input is None:
            raise ModelImportError("forward() takes no input")
        if self.input not in self.to_output:
            raise ModelImportError(f"{type(self.model).__name__}.forward()'s result does not "
                                   "come from its input")
        elements, value, end = self._stack(self.input, "the input")
        if end is not self.output:
            self._merge_error(end, value, "the input")
        result = self.output.args[0]
        if result is not value:
            raise ModelImportError(
                f"{type(self.model).__name__}.forward() returns "
                f"{self._render(result, value)}, not one tensor: a network in netbuilder has "
                "one output")
        self.output_value = value
        return elements

    def _stack(self, value, previous: str) -> tuple[list, Any, Any]:
        """Follow the path from ``value`` (through any forks that meet again on the way) to
        the output or to a merge it cannot resolve itself: (elements, last value, that node)."""
        elements: list = []
        while True:
            users = self._tensor_users(value)
            if self.output in users:
                return elements, value, self.output
            if len(users) == 1 and not self._merges_only(users[0], value):
                node = users[0]
                if self._is_merge(node):
                    return elements, value, node
                self._check_inputs(node, value, previous)
                layer = self._layer(node, value, previous)
                if layer is not None:
                    elements.append(layer)
                    previous = layer.name or self._render(node, value)
                value = node
                continue
            fork, value = self._fork(value, users, previous)
            elements.append(fork)
            previous = f"the {fork.kind.lower()} of {fork.origin}"

    def _input_positions(self, node) -> list:
        """The tensors computed from the input that ``node`` reads, in argument order, with
        repeats (x + x reads x twice; torch.cat([a, b]) reads a then b)."""
        import torch.fx as fx

        found: list = []

        def visit(item) -> None:
            if isinstance(item, fx.Node):
                if item in self.from_input and self._carries_tensors(item):
                    found.append(item)
            elif isinstance(item, (list, tuple)):
                for inner in item:
                    visit(inner)
            elif isinstance(item, dict):
                for inner in item.values():
                    visit(inner)

        visit(node.args)
        visit(node.kwargs)
        return found

    def _is_merge(self, node) -> bool:
        return node is not self.output and len(self._input_positions(node)) >= 2

    def _merges_only(self, node, value) -> bool:
        """x + x, torch.cat([x, x]): a merge of one value with itself."""
        positions = self._input_positions(node)
        return len(positions) >= 2 and all(p is value for p in positions)

    def _fork(self, value, users, previous: str) -> tuple[_Fork, Any]:
        """The paths from ``value`` up to where they all meet, as one residual or parallel;
        paths that meet earlier (a residual inside a branch) are combined first."""
        ends: list[tuple[list, Any, Any]] = []  # (elements, last value, the merge it reached)
        for user in users:
            if self._is_merge(user):
                ends.append(([], value, user))  # the identity: value itself goes to the merge
                continue
            self._check_inputs(user, value, previous)
            layer = self._layer(user, value, previous)
            name = (layer.name or self._render(user, value)) if layer else previous
            elements, last, end = self._stack(user, name)
            ends.append(([layer, *elements] if layer else elements, last, end))
        while True:
            merges = list(dict.fromkeys(end for _elements, _last, end in ends))
            for merge in merges:
                branches = None if merge is self.output else self._match(
                    merge, [e for e in ends if e[2] is merge], value)
                if branches is None:
                    continue
                self._check_inputs(merge, None, previous)
                fork, after = self._combine(merge, branches, value, previous)
                rest = [e for e in ends if e[2] is not merge]
                if not rest:
                    return fork, after
                elements, last, end = self._stack(after, f"the {fork.kind.lower()} of "
                                                         f"{fork.origin}")
                ends = [*rest, ([fork, *elements], last, end)]
                break
            else:
                shown = "; ".join(self._render(m, None) if m is not self.output
                                  else "the output" for m in merges[:3])
                raise ModelImportError(
                    f"{self.where(users[-1])}: the paths from {previous} do not meet again in "
                    f"sums of two paths or concatenations of paths that all start there (they "
                    f"end at: {shown}); netbuilder imports a sum of two paths (a residual) or "
                    f"one torch.cat of paths (a parallel). {REPRESENTABLE}")

    def _match(self, merge, ends: list[tuple[list, Any, Any]], value) -> list[list] | None:
        """The branches of ``merge`` in its argument order, when every tensor it reads is the
        end of one of ``ends`` (``value`` itself: the identity); else None."""
        by_last: dict[Any, list[list]] = {}
        for elements, last, _end in ends:
            if last is not value:
                by_last.setdefault(last, []).append(elements)
        branches: list[list] = []
        for position in self._input_positions(merge):
            if position is value:
                branches.append([])
                continue
            stacks = by_last.get(position)
            if not stacks:
                return None
            branches.append(stacks.pop(0))
        return None if any(by_last.values()) else branches

    def _combine(self, merge, branches: list[list], value, previous: str) -> tuple[_Fork, Any]:
        import torch

        from netbuilder.core.containers import ACTIVATIONS

        target, where = merge.target, self.where(merge)
        origin = self._render(merge, value) + (f" (line {where.line})" if where.line else "")
        container = self._container_of(merge)
        is_sum = (merge.op == "call_function" and target in (operator.add, operator.iadd)) or (
            merge.op == "call_function" and target is torch.add) or (
            merge.op == "call_method" and target in ("add", "add_"))
        is_cat = merge.op == "call_function" and target in (
            torch.cat, getattr(torch, "concat", None), getattr(torch, "concatenate", None))
        plain_sum = all(key == "alpha" and merge.kwargs[key] == 1 for key in merge.kwargs)
        if is_sum and plain_sum and len(branches) == 2:
            first, second = branches
            if not first and not second:
                self._unsupported(merge, value, previous, "a sum of a tensor with itself (2·x) "
                                                          "has no layer kind")
            body, shortcut = (first, second) if len(first) >= len(second) else (second, first)
            activation, after = "", merge
            users = self._tensor_users(merge)
            if len(users) == 1 and users[0] is not self.output:
                kind = self._plain_activation(users[0], merge)
                if kind in ACTIVATIONS:
                    activation, after = kind, users[0]
            return _Fork("Residual", container, [body, shortcut], activation, 1, merge,
                         origin), after
        if merge.op == "call_function" and target in (operator.mul, operator.imul, torch.mul):
            self._unsupported(merge, value, previous, "a product of two paths (a gate, as in "
                                                      "squeeze-and-excitation) has no layer kind")
        if is_cat:
            dim = merge.kwargs.get("dim", merge.args[1] if len(merge.args) > 1 else 0)
            dim = self._plain(dim, merge, value, previous)
            if not isinstance(dim, int) or isinstance(dim, bool):
                self._unsupported(merge, value, previous, "its dim is not an integer")
            return _Fork("Parallel", container, branches, "", dim, merge, origin), merge
        self._unsupported(merge, value, previous, self._reason(merge, value)
                          if not is_sum else "a sum with alpha= has no layer kind")
        raise AssertionError  # not reached

    def _plain_activation(self, node, value) -> str:
        """The activation kind ``node`` computes with default arguments, or ''."""
        try:
            if node.op == "call_module":
                module = self.gm.get_submodule(str(node.target))
                kind = self.catalog.kind_of_module(module)
                if kind is None:
                    return ""
                from netbuilder.core.builder import _extract_args

                return kind.name if not _extract_args(kind, module) else ""
            op = None
            if node.op == "call_function" and _hashable(node.target):
                op = self.functions.get(node.target)
            elif node.op == "call_method":
                op = self.methods.get(node.target)
            if op is None or op.kind in ("", "reshape"):
                return ""
            args = op.to_args(self._bind(op, node, value, "")) if op.to_args else {}
            kind = self.catalog.get(op.kind)
            changed = {name: v for name, v in args.items()
                       if kind.arg(name).normalize(v) != kind.arg(name).normalize(
                           kind.arg(name).default)}
            return op.kind if not changed else ""
        except (ModelImportError, _Unsupported, KeyError):
            return ""

    def _check_inputs(self, node, value, previous: str, merging: bool = False) -> None:
        """Refuse a node that also reads a tensor not computed from the input (a parameter
        used directly, a tensor made in forward)."""
        for other in self._tensor_inputs(node):
            if other is value or other in self.from_input:
                continue
            origin = other
            while origin.op != "get_attr" and origin.all_input_nodes:
                origin = origin.all_input_nodes[0]
            if origin.op == "get_attr" and str(origin.target).startswith(_FX_CONSTANT):
                what = "a tensor made inside forward() (fx keeps it as a constant)"
            elif origin.op == "get_attr":
                what = (f"self.{origin.target}, a tensor of the class used directly in "
                        "forward() (a custom layer with its own nn.Parameter)")
            else:
                what = f"a tensor made inside forward() ({self._render(other, value)})"
            raise ModelImportError(
                f"{self.where(node)}, after {previous}: {self._render(node, value)} uses {what}; "
                f"no layer kind holds such tensors. {REPRESENTABLE}")

    def _merge_error(self, node, value, previous: str) -> None:
        raise ModelImportError(
            f"{self.where(node)}, after {previous}: {self._render(node, value)} combines paths "
            "that do not all start from one tensor; netbuilder imports a sum of two paths from "
            f"one input (a residual) or a torch.cat of paths from one input (a parallel). "
            f"{REPRESENTABLE}")

    # -- what is left out ----------------------------------------------------------------------

    def _note_unused(self) -> None:
        """Modules with weights that forward() never calls are not in the network."""
        used = self.used_modules
        for path, module in self.model.named_modules():
            if not path or path in used or any(u.startswith(path + ".") for u in used):
                continue
            if any(path.startswith(u + ".") for u in used):
                continue
            own = [f"{path}.{k}" for k, _ in module.named_parameters(recurse=False)]
            own += [f"{path}.{k}" for k, t in module.named_buffers(recurse=False)
                    if k not in getattr(module, "_non_persistent_buffers_set", set())]
            if own:
                shown = ", ".join(own[:3]) + (" …" if len(own) > 3 else "")
                self.notes.append(
                    f"self.{path} ({type(module).__name__}) does not take part in forward()'s "
                    f"result (never called, or its output unused): it is left out, and its "
                    f"weights ({shown}) are not in the network — load the class's weights with "
                    "strict=False, or drop those keys")

    def _taken_names(self) -> set[str]:
        taken = set()
        for path, _module in self.model.named_modules():
            taken.update(path.split("."))
        return taken



class _Nester:
    """Elements → items: layers of one module path go into a block of that name (their calls
    must be consecutive), forks become residuals and parallels whose stacks are nested the same
    way, functional layers and containers get fresh names. A functional call right after a
    layer of a container that is never called itself (an nn.ModuleList run in a loop) joins
    that container's block."""

    def __init__(self, taken: set[str], called: set[tuple[str, ...]]):
        self.taken = taken
        self.called = called
        self.made: list[str] = []
        self.origins: dict[int, str] = {}  # id(LayerSpec) → the module path it came from
        self.fresh: set[int] = set()  # ids of containers named here, not after a module

    def nest(self, elements: list, base: tuple[str, ...]) -> list:
        from netbuilder.core.names import check_name
        from netbuilder.core.spec import BlockSpec, LayerSpec, ParallelSpec, ResidualSpec

        root: list = []
        stack: list[tuple[tuple[str, ...], list]] = [(base, root)]
        closed: set[tuple[str, ...]] = set()
        for element in elements:
            container = element.container
            if container[:len(base)] != base:
                container = base
            current = stack[-1][0]
            if isinstance(element, _Layer) and element.functional \
                    and len(container) < len(current) \
                    and current[:len(container)] == container and current not in self.called:
                container = current  # a loop over an nn.ModuleList: F.relu between its layers
            while stack[-1][0] != container[:len(stack[-1][0])]:
                closed.add(stack.pop()[0])
            while len(stack[-1][0]) < len(container):
                path = container[:len(stack[-1][0]) + 1]
                dotted = ".".join(path)
                if path in closed:
                    raise ModelImportError(
                        f"the layers of self.{dotted} are not called one after another "
                        f"({element.origin} comes after other layers): a block runs its layers "
                        "in one go")
                reason = check_name(path[-1])
                if reason:
                    raise ModelImportError(f"self.{dotted}: {reason}")
                block = BlockSpec(path[-1], [])
                stack[-1][1].append(block)
                stack.append((path, block.items))
            if isinstance(element, _Fork):
                stacks = [self._unwrap(self.nest(branch, container))
                          for branch in element.branches]
                name = f"?{element.kind}"  # named once blocks have collapsed (see name_rest)
                item = (ResidualSpec(name, stacks[0], stacks[1], element.activation)
                        if element.kind == "Residual"
                        else ParallelSpec(name, stacks, "concat", element.dim))
                self.fresh.add(id(item))
            else:
                name = element.name
                if name is None:
                    name = self._fresh(element.kind)
                    self.made.append(f"{name} ← {element.origin}")
                else:
                    reason = check_name(name)
                    if reason:
                        raise ModelImportError(f"self.{'.'.join((*container, name))}: {reason}")
                    self.taken.add(name)
                item = LayerSpec(element.kind, name, dict(element.args), element.frozen)
                if element.module_path is not None:
                    self.origins[id(item)] = element.module_path
            stack[-1][1].append(item)
        return root

    def _fresh(self, kind: str) -> str:
        from netbuilder.core.names import name_base

        base = name_base(kind)
        name = next(c for c in (base if i == 0 else f"{base}{i}" for i in range(1_000_000))
                    if c not in self.taken)
        self.taken.add(name)
        return name

    @staticmethod
    def _unwrap(items: list) -> list:
        """A stack that is one block (self.body = nn.Sequential(...)) is that block's items."""
        from netbuilder.core.spec import BlockSpec

        while len(items) == 1 and type(items[0]) is BlockSpec:
            items = items[0].items
        return items

    def collapse(self, items: list) -> list:
        """A block holding only a residual or parallel named here (a submodule whose forward()
        is x + f(x)) becomes that container, under the submodule's name."""
        from netbuilder.core.spec import BlockSpec, LayerSpec

        result = []
        for item in items:
            if not isinstance(item, LayerSpec):
                for _relative, stack in item.stacks():
                    stack[:] = self.collapse(stack)
            if type(item) is BlockSpec and len(item.items) == 1 \
                    and id(item.items[0]) in self.fresh:
                inner = item.items[0]
                inner.name = item.name
                item = inner
            result.append(item)
        return result


    def name_rest(self, items: list) -> None:
        """Fresh names, in forward order, for the residuals and parallels not named after a
        submodule."""
        from netbuilder.core.spec import walk_items

        for _path, item, _depth in walk_items(items):
            if id(item) in self.fresh and item.name.startswith("?"):
                item.name = self._fresh(item.kind)

