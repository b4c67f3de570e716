"""What one node of a traced ``forward`` becomes: the functional calls that map to layer kinds
(with their arguments read back), a catalog module as the layer it is, and the message that
names a node netbuilder cannot represent, with its line.

:class:`_NodeReader` looks at one node at a time; :class:`netbuilder.core.import_graph._Converter`
builds on it to walk the whole graph. Runs nothing itself but :class:`_Shapes`, which runs the
traced module once on a sample to learn each node's shape.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netbuilder.core.importer import REPRESENTABLE, ModelImportError, _first_line, _Where, where_in


@dataclass
class _Op:
    """How a functional call becomes a layer: its kind, the call's parameters after the input
    (name, default; _REQUIRED for none), and a mapping of the bound values to the kind's
    arguments (or a reason it cannot)."""

    kind: str
    params: tuple[tuple[str, Any], ...] = ()
    to_args: Callable[[dict[str, Any]], dict[str, Any]] | None = None


_REQUIRED = object()


def _keep(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda bound: {name: bound[name] for name in names}


class _Unsupported(Exception):
    """A call whose arguments no layer kind takes; the message says which."""


def _softmax_args(bound: dict[str, Any]) -> dict[str, Any]:
    if bound.get("dtype") is not None:
        raise _Unsupported("a softmax with dtype= has no layer kind (the layer keeps the "
                           "input's dtype)")
    return {"dim": bound["dim"]}


def _dropout_args(bound: dict[str, Any]) -> dict[str, Any]:
    return {"p": bound["p"]}


def _stride(value: Any) -> Any:
    """torch.max_pool2d spells "the kernel size" [] where F.max_pool2d spells it None."""
    return None if value in ([], ()) else value


def _max_pool_args(bound: dict[str, Any]) -> dict[str, Any]:
    if bound.get("return_indices"):
        raise _Unsupported("max pooling with return_indices=True returns two tensors")
    return {"kernel_size": bound["kernel_size"], "stride": _stride(bound["stride"]),
            "padding": bound["padding"], "dilation": bound["dilation"],
            "ceil_mode": bound["ceil_mode"]}


def _avg_pool_args(bound: dict[str, Any]) -> dict[str, Any]:
    if bound.get("divisor_override") is not None:
        raise _Unsupported("average pooling with divisor_override has no layer kind")
    return {"kernel_size": bound["kernel_size"], "stride": _stride(bound["stride"]),
            "padding": bound["padding"], "ceil_mode": bound["ceil_mode"],
            "count_include_pad": bound["count_include_pad"]}


def _adaptive_args(bound: dict[str, Any]) -> dict[str, Any]:
    size = bound["output_size"]
    if size is None or (isinstance(size, (list, tuple)) and any(v is None for v in size)):
        raise _Unsupported("an adaptive pooling size of None (keep that dimension) has no "
                           "layer kind")
    return {"output_size": size}


def _op_table() -> tuple[dict[Any, _Op], dict[str, _Op]]:
    """(functions, Tensor methods) that map to layers."""
    import torch
    import torch.nn.functional as F

    inplace = ("inplace", False)
    relu = _Op("ReLU", (inplace,))
    sigmoid, tanh = _Op("Sigmoid"), _Op("Tanh")
    softmax_f = _Op("Softmax", (("dim", None), ("_stacklevel", 3), ("dtype", None)),
                    _softmax_args)
    log_softmax_f = _Op("LogSoftmax", softmax_f.params, _softmax_args)
    softmax_t = _Op("Softmax", (("dim", _REQUIRED), ("dtype", None)), _softmax_args)
    log_softmax_t = _Op("LogSoftmax", softmax_t.params, _softmax_args)
    flatten = _Op("Flatten", (("start_dim", 0), ("end_dim", -1)), _keep("start_dim", "end_dim"))
    dropout = (("p", 0.5), ("training", True), inplace)
    pool = (("kernel_size", _REQUIRED), ("stride", None), ("padding", 0))
    max_pool = (*pool, ("dilation", 1), ("ceil_mode", False), ("return_indices", False))
    avg_pool = (*pool, ("ceil_mode", False), ("count_include_pad", True))
    functions: dict[Any, _Op] = {
        F.relu: relu, torch.relu: relu, torch.relu_: relu, F.relu_: _Op("ReLU"),
        F.gelu: _Op("GELU", (("approximate", "none"),), _keep("approximate")),
        F.silu: _Op("SiLU", (inplace,)),
        F.leaky_relu: _Op("LeakyReLU", (("negative_slope", 0.01), inplace),
                          _keep("negative_slope")),
        F.elu: _Op("ELU", (("alpha", 1.0), inplace), _keep("alpha")),
        torch.sigmoid: sigmoid, F.sigmoid: sigmoid, torch.tanh: tanh, F.tanh: tanh,
        F.softmax: softmax_f, F.log_softmax: log_softmax_f,
        torch.softmax: softmax_t, torch.log_softmax: log_softmax_t,
        F.dropout: _Op("Dropout", dropout, _dropout_args),
        F.dropout2d: _Op("Dropout2d", dropout, _dropout_args),
        F.max_pool1d: _Op("MaxPool1d", max_pool, _max_pool_args),
        F.max_pool2d: _Op("MaxPool2d", max_pool, _max_pool_args),
        torch.max_pool1d: _Op("MaxPool1d", max_pool, _max_pool_args),
        torch.max_pool2d: _Op("MaxPool2d", max_pool, _max_pool_args),
        F.avg_pool1d: _Op("AvgPool1d", avg_pool, _avg_pool_args),
        F.avg_pool2d: _Op("AvgPool2d", (*avg_pool, ("divisor_override", None)), _avg_pool_args),
        F.adaptive_avg_pool2d: _Op("AdaptiveAvgPool2d", (("output_size", _REQUIRED),),
                                   _adaptive_args),
        torch.flatten: flatten,
        torch.reshape: _Op("reshape", (("shape", _REQUIRED),)),
    }
    methods: dict[str, _Op] = {
        "relu": relu, "relu_": relu, "sigmoid": sigmoid, "sigmoid_": sigmoid, "tanh": tanh,
        "tanh_": tanh, "softmax": softmax_t, "log_softmax": log_softmax_t, "flatten": flatten,
        "view": _Op("reshape"), "reshape": _Op("reshape"), "contiguous": _Op("")}
    return functions, methods


_BINARY = {operator.add: "+", operator.iadd: "+", operator.sub: "-", operator.isub: "-",
           operator.mul: "*", operator.imul: "*", operator.truediv: "/",
           operator.itruediv: "/", operator.floordiv: "//", operator.matmul: "@",
           operator.pow: "**", operator.mod: "%"}
_ARITHMETIC = {"+": "an addition", "-": "a subtraction", "*": "a multiplication",
               "/": "a division", "//": "a floor division", "@": "a matrix product",
               "**": "a power", "%": "a remainder"}
_FX_CONSTANT = "_tensor_constant"  # fx's name for a tensor created while tracing
_REDUCTIONS = {"mean", "sum", "max", "min", "amax", "amin", "std", "var", "prod", "norm",
               "argmax", "argmin", "logsumexp", "median"}
_DIM_OPS = {"permute", "transpose", "t", "squeeze", "unsqueeze", "expand", "repeat",
            "movedim", "swapaxes", "expand_as", "repeat_interleave", "flip", "roll", "narrow",
            "select", "split", "chunk", "unbind"}


@dataclass
class _Layer:
    """One layer of the chain, before nesting: the block path it belongs in, its own name
    (None: a fresh one is made), its kind and arguments, and what it came from."""

    container: tuple[str, ...]
    name: str | None
    kind: str
    args: dict[str, Any]
    frozen: bool
    functional: bool
    origin: str  # for notes: "F.relu (line 12)"
    module_path: str | None = None  # the module it is (its state_dict keys), if any



class _Shapes:
    """Each node's value for a sample input: a tensor's shape, or the plain value (sizes)."""

    TENSOR, PLAIN, OTHER = "tensor", "plain", "other"

    def __init__(self, graph_module, sample, source: str | None):
        import torch
        import torch.fx as fx

        self.kind: dict[Any, str] = {}
        self.shape: dict[Any, tuple[int, ...]] = {}
        self.value: dict[Any, Any] = {}
        outer = self

        class Recorder(fx.Interpreter):
            def run_node(self, node):
                try:
                    result = super().run_node(node)
                except ModelImportError:
                    raise
                except Exception as exc:
                    where = where_in(node.stack_trace, source)
                    raise ModelImportError(
                        f"forward() fails for an input of shape {list(sample.shape)} (a batch "
                        f"of {sample.shape[0]}; {where}): {_first_line(exc)} — is the input "
                        "shape right?") from None
                if isinstance(result, torch.Tensor):
                    outer.kind[node] = outer.TENSOR
                    outer.shape[node] = tuple(result.shape)
                elif _is_plain(result):
                    outer.kind[node] = outer.PLAIN
                    outer.value[node] = result
                else:
                    outer.kind[node] = outer.OTHER
                return result

        with torch.no_grad():
            Recorder(graph_module).run(sample)


def _is_plain(value: Any) -> bool:
    import torch

    if value is None or isinstance(value, (bool, int, float, str, torch.Size, slice)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    return isinstance(value, torch.dtype)


class _NodeReader:
    """Turns one node into a layer, or raises saying why it cannot: the part of the conversion
    that needs only the node, its input value and the shapes."""

    def __init__(self, model, graph_module, shapes: _Shapes, source: str | None):
        from netbuilder.core.catalog import default_catalog

        self.model = model
        self.gm = graph_module
        self.shapes = shapes
        self.source = source
        self.catalog = default_catalog()
        self.functions, self.methods = _op_table()
        self.notes: list[str] = []
        self.random_in_eval = False
        self.called: dict[str, int] = {}  # module path → calls
        self.used_modules: set[str] = set()

    def _carries_tensors(self, node) -> bool:
        return self.shapes.kind.get(node) in (_Shapes.TENSOR, _Shapes.OTHER)

    def _tensor_inputs(self, node) -> list:
        return [n for n in node.all_input_nodes if self._carries_tensors(n)]

    def where(self, node) -> _Where:
        return where_in(node.stack_trace, self.source)

    # -- one node ------------------------------------------------------------------------------

    def _layer(self, node, value, previous: str) -> _Layer | None:
        if node.op == "call_module":
            return self._module_layer(node, value, previous)
        op = None
        if node.op == "call_function":
            op = self.functions.get(node.target) if _hashable(node.target) else None
        elif node.op == "call_method":
            op = self.methods.get(node.target)
        if op is None:
            self._unsupported(node, value, previous, self._reason(node, value))
        if op.kind == "":
            return None  # x.contiguous(): nothing to compute
        where = self.where(node)
        origin = self._render(node, value) + (f" (line {where.line})" if where.line else "")
        if op.kind == "reshape":
            kind, args = self._reshape(node, value, previous)
        else:
            kind, args = op.kind, self._functional_args(op, node, value, previous)
        container = self._container_of(node)
        return self._checked(_Layer(container, None, kind, args, False, True, origin), node,
                             value, previous)

    def _module_layer(self, node, value, previous: str) -> _Layer:
        path = str(node.target)
        module = self.gm.get_submodule(path)
        kind = self.catalog.kind_of_module(module)
        if kind is None:
            cls = type(module)
            hint = ""
            import torch.nn as nn

            if isinstance(module, nn.RNNBase):
                hint = (f"; nn.{cls.__name__} returns a tuple — use netbuilder's "
                        f"{cls.__name__} kind, whose output is the last step or the sequence")
            self._unsupported(node, value, previous,
                              f"{cls.__module__}.{cls.__qualname__} is not a layer kind "
                              f"netbuilder knows{hint}")
        from netbuilder.core.builder import _extract_args

        has_state = any(True for _ in module.parameters()) or any(True for _ in module.buffers())
        self.called[path] = self.called.get(path, 0) + 1
        self.used_modules.add(path)
        where = self.where(node)
        origin = f"self.{path}" + (f" (line {where.line})" if where.line else "")
        parts = tuple(path.split("."))
        args = _extract_args(kind, module)
        if self.called[path] > 1:
            if has_state:
                raise ModelImportError(
                    f"{where}: self.{path} is called again (call {self.called[path]}): both "
                    "calls share its weights, which a chain of layers cannot represent (each "
                    "layer has its own). Give each call its own module")
            self.notes.append(f"self.{path} is called {self.called[path]} times: the repeated "
                              "call became a layer of its own (it has no weights, so nothing "
                              "changes)")
            return self._checked(_Layer(self._container_of(node), None, kind.name, args, False,
                                        True, origin), node, value, previous)
        frozen = any(True for _ in module.parameters()) and not any(
            p.requires_grad for p in module.parameters())
        return self._checked(_Layer(parts[:-1], parts[-1], kind.name, args, frozen, False,
                                    origin, path), node, value, previous)

    def _checked(self, layer: _Layer, node, value, previous: str) -> _Layer:
        from netbuilder.core.spec import LayerSpec
        from netbuilder.core.spec_parse import check_args

        kind = self.catalog.get(layer.kind)
        args = {}
        for arg in kind.args:
            if arg.name not in layer.args:
                continue
            raw = layer.args[arg.name]
            normalized = arg.normalize(list(raw) if isinstance(raw, tuple) else raw)
            if arg.required or normalized != arg.normalize(arg.default):
                args[arg.name] = normalized
        layer.args = args
        problems = check_args(LayerSpec(layer.kind, layer.name or "layer", args), "")
        if problems:
            shown = "; ".join(f"{p.where.lstrip('.')}: {p.message}" for p in problems)
            self._unsupported(node, value, previous,
                              f"its arguments do not fit the {layer.kind} kind ({shown})")
        return layer

    def _functional_args(self, op: _Op, node, value, previous: str) -> dict[str, Any]:
        bound = self._bind(op, node, value, previous)
        if op.kind in ("Dropout", "Dropout2d") and bound.get("training"):
            self.random_in_eval = True
            self.notes.append(
                f"{self._render(node, value)} ({self.where(node)}) drops values even in "
                "evaluation (training= defaults to True; write training=self.training): the "
                f"imported {op.kind} drops only while training")
        if op.kind in ("Softmax", "LogSoftmax") and bound.get("dim") is None:
            ndim = len(self.shapes.shape[value])
            bound["dim"] = 0 if ndim in (0, 1, 3) else 1
            self.notes.append(f"{self._render(node, value)} gives no dim: torch's implicit "
                              f"choice for a {ndim}-D input, dim={bound['dim']}, is written out")
        try:
            return op.to_args(bound) if op.to_args else {}
        except _Unsupported as exc:
            self._unsupported(node, value, previous, str(exc))
        return {}

    def _bind(self, op: _Op, node, value, previous: str) -> dict[str, Any]:
        args = list(node.args)
        if not args or args[0] is not value:
            self._unsupported(node, value, previous, "the tensor is not its first argument")
        args = args[1:]
        names = [name for name, _ in op.params]
        if len(args) > len(names):
            self._unsupported(node, value, previous, "it has more arguments than netbuilder "
                                                     "reads")
        bound = dict(zip(names, args, strict=False))
        for key, item in node.kwargs.items():
            if key not in names:
                self._unsupported(node, value, previous, f"netbuilder does not read its "
                                                         f"argument {key}=")
            bound[key] = item
        for name, default in op.params:
            if name not in bound:
                if default is _REQUIRED:
                    self._unsupported(node, value, previous, f"its argument {name} is missing")
                bound[name] = default
        return {key: self._plain(item, node, value, previous) for key, item in bound.items()}

    def _plain(self, item, node, value, previous: str):
        """An argument's value: constants as they are, sizes computed in forward() as the
        values they had (x.size(2) → 28)."""
        import torch.fx as fx

        if isinstance(item, fx.Node):
            if self.shapes.kind.get(item) != _Shapes.PLAIN:
                self._unsupported(node, value, previous, "one of its arguments is a tensor")
            return self.shapes.value[item]
        if isinstance(item, (list, tuple)):
            return type(item)(self._plain(i, node, value, previous) for i in item)
        return item

    def _reshape(self, node, value, previous: str) -> tuple[str, dict[str, Any]]:
        before, after = self.shapes.shape[value], self.shapes.shape[node]
        ndim = len(before)
        for start in range(1, ndim):
            for end in range(start, ndim):
                flat = before[:start] + (math.prod(before[start:end + 1]),) + before[end + 1:]
                if flat == after:
                    return "Flatten", {"start_dim": start, "end_dim": end - ndim}
        changed = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                       None)
        if changed is not None and changed >= 1:
            rest = ndim - changed - 1
            middle = after[changed:len(after) - rest]
            if (len(middle) >= 2 and after[len(after) - rest:] == before[changed + 1:]
                    and math.prod(middle) == before[changed]):
                return "Unflatten", {"dim": changed, "unflattened_size": list(middle)}
        batch = ("changes the batch dimension" if not after or after[0] != before[0]
                 else "is neither a Flatten of neighbouring dimensions nor an Unflatten of one")
        self._unsupported(node, value, previous,
                          f"it reshapes {_shape_text(before)} to {_shape_text(after)}, which "
                          f"{batch}; only those reshapes have a layer kind")
        return "", {}

    def _container_of(self, node) -> tuple[str, ...]:
        """The module whose forward() made ``node``: the innermost one on fx's module stack
        that is not a leaf layer."""
        stack = node.meta.get("nn_module_stack") or {}
        paths = [entry[0] if isinstance(entry, tuple) else key for key, entry in stack.items()]
        if node.op == "call_module" and paths and paths[-1] == node.target:
            paths = paths[:-1]
        return tuple(paths[-1].split(".")) if paths and paths[-1] else ()

    # -- messages ------------------------------------------------------------------------------

    def _unsupported(self, node, value, previous: str, reason: str):
        raise ModelImportError(f"{self.where(node)}, after {previous}: "
                               f"{self._render(node, value)} — {reason}. {REPRESENTABLE}")

    def _reason(self, node, value) -> str:
        target = node.target
        symbol = _BINARY.get(target) if node.op == "call_function" else None
        name = target if isinstance(target, str) else getattr(target, "__name__", "")
        if symbol:
            inputs = self._tensor_inputs(node)
            what = _ARITHMETIC[symbol]
            if len(inputs) > 1:
                return f"{what} of two tensors has no layer kind"
            return f"{what} of a tensor by a constant has no layer kind" if symbol in "*/" \
                else f"{what} of a tensor and a constant has no layer kind"
        if target is operator.neg:
            return "a negation has no layer kind"
        if target is operator.getitem:
            return "indexing or slicing a tensor has no layer kind"
        if name in _REDUCTIONS:
            return (f"{name}() reduces dimensions, which no layer kind does (AdaptiveAvgPool2d "
                    "with output size 1 then Flatten averages [N, C, H, W] over H and W)")
        if name in _DIM_OPS:
            return f"{name}() moves, adds or removes dimensions, which no layer kind does"
        return "no layer kind computes this"

    def _render(self, node, value) -> str:
        """The node as code, the current value spelled x: `torch.sigmoid(x) * 2`."""
        import torch.fx as fx

        def arg(item) -> str:
            if isinstance(item, fx.Node):
                if item is value:
                    return "x"
                if item.op == "get_attr" and str(item.target).startswith(_FX_CONSTANT):
                    return "<a tensor made in forward()>"
                if item.op == "get_attr":
                    return f"self.{item.target}"
                if item.op == "call_method" and item.target == "size" and item.args:
                    inner = ", ".join(arg(a) for a in item.args[1:])
                    return f"{arg(item.args[0])}.size({inner})"
                return item.name
            if isinstance(item, (list, tuple)):
                inner = ", ".join(arg(i) for i in item)
                return f"[{inner}]" if isinstance(item, list) else f"({inner})"
            if isinstance(item, slice):
                parts = [arg(p) if p is not None else "" for p in
                         (item.start, item.stop, item.step)]
                return ":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else "")
            text = repr(item)
            return text if len(text) <= 40 else text[:39] + "…"

        def call(args, kwargs, op: _Op | None = None) -> str:
            defaults = dict(op.params) if op is not None else {}
            shown = {k: v for k, v in kwargs.items()
                     if k not in defaults or not _same(v, defaults[k])}
            return ", ".join([*(arg(a) for a in args),
                              *(f"{k}={arg(v)}" for k, v in shown.items())])

        if not isinstance(node, fx.Node):
            return arg(node)
        target = node.target
        if node.op == "call_module":
            return f"self.{target}({call(node.args, node.kwargs)})"
        if node.op == "call_method":
            args = node.args
            op = self.methods.get(target)
            return f"{arg(args[0])}.{target}({call(args[1:], node.kwargs, op)})" if args \
                else f"{target}()"
        if node.op == "call_function":
            symbol = _BINARY.get(target)
            if symbol and len(node.args) == 2:
                return f"{arg(node.args[0])} {symbol} {arg(node.args[1])}"
            if target is operator.getitem and len(node.args) == 2:
                index = node.args[1]
                inner = ", ".join(arg(i) for i in index) if isinstance(index, tuple) \
                    else arg(index)
                return f"{arg(node.args[0])}[{inner}]"
            op = self.functions.get(target) if _hashable(target) else None
            return f"{_function_name(target)}({call(node.args, node.kwargs, op)})"
        if node.op == "get_attr":
            return f"self.{target}"
        return node.name


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # a value whose == is not a plain bool
        return False


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _function_name(target) -> str:
    import torch
    import torch.nn.functional as F

    name = getattr(target, "__name__", repr(target))
    if getattr(F, name, None) is target:
        return f"F.{name}"
    if getattr(torch, name, None) is target:
        return f"torch.{name}"
    module = getattr(target, "__module__", "") or ""
    return f"{module}.{name}" if module else name


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[N" + "".join(f", {v}" for v in shape[1:]) + "]"

