"""Import a network from PyTorch code: an ``nn.Module`` class in a ``.py`` file becomes a spec.

Importing means running the file, so it is an explicit step and happens in a child process
(:mod:`netbuilder.core.import_child`) with a time limit: a file that crashes, hangs, prints or
calls ``sys.exit`` cannot take the caller down. The child creates the class with no arguments,
traces its ``forward`` with ``torch.fx`` and turns the graph into a spec when it is made of the
catalog's layer kinds, chained, summed and concatenated as below (:func:`spec_from_traced`).
Before answering it builds the spec, loads the class's weights into it and compares the
outputs on a random batch, so an import is either right or refused. It prints one JSON result,
which :func:`import_model` checks whole (``spec.parse``) before returning it.

What maps to what:

- a submodule whose class is a catalog kind → that layer, under the submodule's own name, its
  arguments read back as :func:`builder.spec_from_module` reads them;
- an ``nn.Sequential`` (or ``nn.ModuleList`` run in a loop, or a submodule of the class's own
  whose ``forward`` is a chain) → a block of the same name, so ``state_dict`` keys are unchanged;
- ``a + b`` of two paths from one tensor → a residual (``x + f(x)``: body f, no shortcut;
  ``f(x) + g(x)``: the longer path is the body), with an activation right after the sum (ReLU,
  GELU …, default arguments) as its activation; ``torch.cat([...], dim)`` of paths from one
  tensor → a parallel (merge "concat"). A submodule whose forward() is such a sum becomes a
  residual of its name. Inside them the class's names stay, under ``body.``, ``shortcut.`` or
  ``branches.K.``: those ``state_dict`` keys are renamed, and :attr:`ImportResult.key_map`
  says how (``layer1.conv1.weight`` → ``layer1.body.conv1.weight``);
- functional calls → parameterless layers with fresh names (``relu1``, ``flatten``):
  ``F.relu``/``torch.relu``/``x.relu()``, ``F.gelu``, ``F.silu``, ``F.leaky_relu``, ``F.elu``,
  ``torch.sigmoid``, ``torch.tanh``, ``F.softmax``/``F.log_softmax``, ``F.dropout`` (as
  ``Dropout``), ``F.dropout2d``, ``F.max_pool1d/2d``, ``F.avg_pool1d/2d``,
  ``F.adaptive_avg_pool2d``, ``torch.flatten``/``x.flatten``, and ``x.view``/``x.reshape`` that
  flatten or unflatten dimensions while keeping the batch (→ ``Flatten``/``Unflatten``).

Anything else raises :class:`ModelImportError` saying what, where in the code, and why.
"""

from __future__ import annotations

import json
import math
import operator
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a model file is code, not data: 4 MB is far beyond one
MAX_RESULT_BYTES = 32 * 1024 * 1024  # what the child may print (a spec is a few kB)
STDERR_TAIL_BYTES = 4096  # what is kept of the child's own output, for crash messages
MAX_INPUT_ELEMENTS = 1 << 24  # per sample: the child runs the network on a batch of them
DEFAULT_TIMEOUT_S = 60.0
SHAPE_BATCH, CHECK_BATCH = 2, 3  # batch sizes of the shape pass and of the output comparison
REPRESENTABLE = ("netbuilder represents chains of layers, residual sums (x + f(x)) and "
                 "concatenations (torch.cat)")


class ModelImportError(ValueError):
    """Code that cannot become a network; the message says what, where and why."""


@dataclass
class ImportResult:
    """The imported network, what the import noticed, and how the class's ``state_dict`` keys
    map to the network's (the identity for chains and blocks)."""

    spec: Any  # core.spec.NetworkSpec
    notes: list[str] = field(default_factory=list)
    key_map: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The caller's side: checks, the child process, its result


def import_model(path: str | Path, class_name: str, input_shape: list[int],
                 timeout: float = DEFAULT_TIMEOUT_S, *,
                 num_classes: int | None = None) -> ImportResult:
    """Run ``path`` in a child process and import its ``nn.Module`` class ``class_name``.

    ``input_shape`` is one sample's shape without the batch ([1, 28, 28]). ``num_classes``
    defaults to the width of a [N, K] output. Raises :class:`ModelImportError`.
    """
    if num_classes is not None and not (isinstance(num_classes, int)
                                        and not isinstance(num_classes, bool)
                                        and num_classes >= 1):
        raise ModelImportError(f"expected a number of classes ≥ 1, got {num_classes!r}")
    result = import_models(path, [(class_name, input_shape)], timeout)[0]
    if isinstance(result, ModelImportError):
        raise result
    if num_classes is not None:
        result.spec.num_classes = num_classes
    return result


def import_models(path: str | Path, classes: list[tuple[str, list[int]]],
                  timeout: float = DEFAULT_TIMEOUT_S) -> list[ImportResult | ModelImportError]:
    """Import several classes of one file, running it once: for each (class name, input
    shape), its result or the error that class met. A failure of the file itself (it does not
    compile, raises, exits, hangs) raises :class:`ModelImportError`."""
    path = Path(path)
    if not classes:
        return []
    _check_file(path)
    for class_name, input_shape in classes:
        _check_class(path, class_name, input_shape)
    if not (isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
            and timeout > 0 and math.isfinite(timeout)):
        raise ModelImportError(f"expected a time limit in seconds > 0, got {timeout!r}")
    request = {"path": str(path.resolve()),
               "classes": [{"class_name": name, "input_shape": [int(v) for v in shape]}
                           for name, shape in classes]}
    data = _run_child(request, path, timeout)
    if not data["ok"]:
        error = data.get("error")
        raise ModelImportError(error if isinstance(error, str) and error
                               else f"importing from {path.name} failed")
    results = data.get("results")
    if not isinstance(results, list) or len(results) != len(classes):
        raise ModelImportError(f"running {path.name} gave an unreadable result")
    return [_result_from(item, path) for item in results]


def _check_file(path: Path) -> None:
    try:
        info = path.stat()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ModelImportError(f"cannot read {path}: {reason}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelImportError(f"{path} is not a regular file: give the .py file that defines "
                               "the class")
    if info.st_size > MAX_SOURCE_BYTES:
        raise ModelImportError(
            f"{path} is {info.st_size / 1e6:.1f} MB: larger than a Python file defining a "
            f"network should be (at most {MAX_SOURCE_BYTES // (1024 * 1024)} MB); not run")
    if not os.access(path, os.R_OK):
        raise ModelImportError(f"cannot read {path}: permission denied")


def _check_class(path: Path, class_name: Any, input_shape: Any) -> None:
    if not isinstance(class_name, str) or not class_name.isidentifier():
        raise ModelImportError(f"expected the name of a class defined in {path.name}, got "
                               f"{class_name!r}")
    if not (isinstance(input_shape, (list, tuple)) and 1 <= len(input_shape) <= 6
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                    for v in input_shape)):
        raise ModelImportError("the input shape must be 1 to 6 integers ≥ 1, one sample without "
                               f"the batch (e.g. 1,28,28), got {input_shape!r}")
    if math.prod(input_shape) > MAX_INPUT_ELEMENTS:
        raise ModelImportError(f"an input of shape {list(input_shape)} has "
                               f"{math.prod(input_shape):,} values per sample, more than "
                               f"{MAX_INPUT_ELEMENTS:,}: give a smaller one")


def _child_command(request: dict) -> list[str]:
    """``python -c BOOT ROOT REQUEST``: the package root replaces the script folder on sys.path,
    so a file beside the imported one named like a module (torch.py) shadows nothing."""
    root = str(Path(__file__).resolve().parents[2])
    boot = ("import sys; sys.path[0] = sys.argv[1]; "
            "from netbuilder.core.import_child import main; main(sys.argv[2])")
    return [sys.executable, "-c", boot, root, json.dumps(request)]


def _run_child(request: dict, path: Path, timeout: float) -> dict:
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    # Reading an architecture needs no GPU: the file sees none, so it neither takes GPU memory
    # from a run in progress nor puts the model where the CPU input cannot reach it.
    env["CUDA_VISIBLE_DEVICES"] = ""
    posix = os.name == "posix"
    try:
        process = subprocess.Popen(
            _child_command(request), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=str(Path(request["path"]).parent), env=env,
            start_new_session=posix)
    except OSError as exc:
        raise ModelImportError(f"cannot start Python to run {path.name}: "
                               f"{exc.strerror or exc}") from None
    stdout = _Reader(process.stdout, MAX_RESULT_BYTES, keep="head")
    stderr = _Reader(process.stderr, STDERR_TAIL_BYTES, keep="tail")
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill_group(process, posix)  # also whatever the file started and left running
    stdout.join(5.0)
    stderr.join(1.0)
    if timed_out:
        raise ModelImportError(
            f"{path.name} did not finish within {timeout:g} s, so nothing was imported: the "
            "file may loop forever, wait for input, or train or download at import (code "
            "outside `if __name__ == \"__main__\":` runs too)")
    if stdout.overflow:
        raise ModelImportError(f"running {path.name} printed more than "
                               f"{MAX_RESULT_BYTES // (1024 * 1024)} MB on its result channel")
    text = stdout.data.decode("utf-8", errors="replace").strip()
    if not text:
        raise ModelImportError(_death_message(path, process.returncode, stderr.data))
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ModelImportError(f"running {path.name} gave an unreadable result (exit status "
                               f"{process.returncode})") from None
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise ModelImportError(f"running {path.name} gave an unreadable result")
    return data


def _kill_group(process: subprocess.Popen, posix: bool) -> None:
    if posix:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    if process.poll() is None:
        process.kill()
    try:
        process.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        pass


class _Reader:
    """Drains a pipe on a thread, keeping its first (or last) ``limit`` bytes."""

    def __init__(self, pipe, limit: int, keep: str):
        self.data = b""
        self.overflow = False
        self._pipe, self._limit, self._keep = pipe, limit, keep
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                chunk = self._pipe.read1(65536) if hasattr(self._pipe, "read1") else \
                    self._pipe.read(65536)
                if not chunk:
                    break
                if self._keep == "tail":
                    self.data = (self.data + chunk)[-self._limit:]
                elif len(self.data) + len(chunk) > self._limit:
                    self.overflow = True
                else:
                    self.data += chunk
        except (OSError, ValueError):
            pass

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        try:
            self._pipe.close()
        except OSError:
            pass


def _death_message(path: Path, returncode: int | None, stderr: bytes) -> str:
    why = ""
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        how = f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    else:
        how = f"ended (exit status {returncode})"
        why = ": the file calls os._exit() or crashes Python"
    tail = stderr.decode("utf-8", errors="replace").strip().splitlines()[-3:]
    said = ("; its last output: " + " | ".join(line.strip() for line in tail)) if tail else ""
    return (f"the process running {path.name} {how} before netbuilder could read the class, "
            f"so nothing was imported{why}{said}")


def _result_from(data: Any, path: Path) -> ImportResult | ModelImportError:
    """One class's answer from the child, checked whole: the spec parsed as a file is."""
    from netbuilder.core.spec import parse

    unreadable = ModelImportError(f"running {path.name} gave an unreadable result")
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        return unreadable
    if not data["ok"]:
        error = data.get("error")
        return ModelImportError(error if isinstance(error, str) and error
                                else f"importing from {path.name} failed")
    spec, problems = parse(data.get("spec"))
    if problems or spec is None:
        return ModelImportError(f"the network read from {path.name} is not valid: "
                                + "; ".join(str(p) for p in problems[:5]))
    notes = data.get("notes", [])
    key_map = data.get("key_map", {})
    if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)
            and isinstance(key_map, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in key_map.items())):
        return unreadable
    return ImportResult(spec, list(notes), dict(key_map))


# ---------------------------------------------------------------------------------------------
# Inside the child: a traced module → a spec. Runs the module, so only for code already trusted
# to run (the child's, or a test's).


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


@dataclass
class _Where:
    file: str = ""
    line: int = 0
    function: str = ""
    code: str = ""

    def __str__(self) -> str:
        if not self.line:
            return "in forward()"
        function = self.function if self.function.startswith("<") else f"{self.function}()"
        text = f"{self.file} line {self.line}, in {function}"
        return text + (f": `{self.code}`" if self.code else "")


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')


def where_in(stack_trace: str | None, source: str | None) -> _Where:
    """The innermost frame of ``stack_trace`` (fx's text) in ``source``, or outside torch."""
    if not stack_trace:
        return _Where()
    import torch

    torch_dir = str(Path(torch.__file__).resolve().parent)
    lines = stack_trace.splitlines()
    best = None
    fallback = None
    for index, line in enumerate(lines):
        match = _FRAME.search(line)
        if not match:
            continue
        code = lines[index + 1].strip() if index + 1 < len(lines) and not _FRAME.search(
            lines[index + 1]) else ""
        found = _Where(Path(match["file"]).name, int(match["line"]), match["function"], code)
        file = match["file"]
        if source is not None and _same_file(file, source):
            best = found
        elif not file.startswith(torch_dir) and "netbuilder/core/" not in file.replace("\\", "/"):
            fallback = found
    return best or fallback or _Where()


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == b


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


def _where_of_exception(exc: BaseException, source: str | None) -> _Where:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    text = "".join(traceback.format_list(frames))
    return where_in(text, source)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:299] + "…"


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


def spec_from_traced(model, input_shape: list[int], class_name: str = "Net",
                     source: str | None = None) -> tuple[Any, list[str], dict[str, str]]:
    """The spec of ``model`` (an ``nn.Module``; it is put in eval mode, on the CPU), its notes,
    and the map from its ``state_dict`` keys to the spec's. Raises ModelImportError.

    Runs ``model`` (forward on small random batches): call it on trusted code only, or in the
    child process. ``source``: the file the class came from, for where-in-the-code messages.
    """
    import torch

    from netbuilder.core.containers import PARALLEL, RESIDUAL
    from netbuilder.core.spec import NetworkSpec, check_class_name, uses_kind

    model.eval()
    model.cpu()
    forward_defaults(model)  # one input, or a clear refusal before anything runs
    reference_input = torch.randn(CHECK_BATCH, *input_shape)
    with torch.no_grad():
        try:
            reference = model(reference_input)
        except Exception as exc:
            where = _where_of_exception(exc, source)
            raise ModelImportError(
                f"{type(model).__name__}()(x) fails for an input of shape "
                f"{list(reference_input.shape)} ({where}): {type(exc).__name__}: "
                f"{_first_line(exc)} — is the input shape right?") from None
    if not isinstance(reference, torch.Tensor):
        raise ModelImportError(f"{type(model).__name__}.forward() returns a "
                               f"{type(reference).__name__}, not one tensor: a network in "
                               "netbuilder has one output")
    graph_module = traced_graph(model, source)
    shapes = _Shapes(graph_module, torch.randn(SHAPE_BATCH, *input_shape), source)
    converter = _Converter(model, graph_module, shapes, source)
    items, origins = converter.items()
    notes = converter.notes
    name = class_name if check_class_name(class_name) is None else "Net"
    if name == class_name and class_name in (RESIDUAL, PARALLEL) and uses_kind(items, name):
        name = "Net"
    if name != class_name:
        notes.append(f"the network is called Net: {class_name!r} cannot name a generated class")
    output_shape = shapes.shape.get(converter.output_value)
    num_classes = output_shape[1] if output_shape is not None and len(output_shape) == 2 else None
    spec = NetworkSpec(list(input_shape), items, name, num_classes)
    key_map = _key_map(spec, origins, model)
    renamed = [(old, new) for old, new in key_map.items() if old != new]
    if renamed:
        shown = ", ".join(f"{old} → {new}" for old, new in renamed[:2])
        notes.append(
            f"{len(renamed)} of {type(model).__name__}'s state_dict keys have other names in the "
            f"network ({shown}{' …' if len(renamed) > 2 else ''}): the layers of a residual or "
            "parallel sit under its body., shortcut. or branches.K.; rename the keys (the "
            "import's key map) to load weights saved by the class")
    _check_equal(model, spec, converter, key_map, reference_input, reference)
    return spec, notes, key_map


class _Converter:
    """Walks the graph from the input along its one path, turning each node into a layer."""

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
        self.output_value = None
        nodes = list(graph_module.graph.nodes)
        placeholders = [n for n in nodes if n.op == "placeholder"]
        self.input = placeholders[0] if placeholders else None
        self.output = next(n for n in nodes if n.op == "output")
        self.from_input = self._reachable_from(self.input)
        self.to_output = self._reaching(self.output)
        self.used_modules: set[str] = set()

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

    def _carries_tensors(self, node) -> bool:
        return self.shapes.kind.get(node) in (_Shapes.TENSOR, _Shapes.OTHER)

    def _tensor_users(self, value) -> list:
        return [u for u in value.users
                if u is self.output or (self._carries_tensors(u) and u in self.to_output)]

    def _tensor_inputs(self, node) -> list:
        return [n for n in node.all_input_nodes if self._carries_tensors(n)]

    def where(self, node) -> _Where:
        return where_in(node.stack_trace, self.source)

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
        from netbuilder.core.spec import LayerSpec, check_args

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
        from netbuilder.core.spec import (
            BlockSpec,
            LayerSpec,
            ParallelSpec,
            ResidualSpec,
            check_name,
        )

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
        from netbuilder.core.spec import name_base

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


def _key_map(spec, origins: dict[int, str], model) -> dict[str, str]:
    """The class's state_dict keys → the spec's, for every layer that is one of its modules."""
    from netbuilder.core.spec import LayerSpec

    key_map: dict[str, str] = {}
    for path, item, _depth in spec.walk():
        module_path = origins.get(id(item)) if isinstance(item, LayerSpec) else None
        if module_path is None:
            continue
        for key in model.get_submodule(module_path).state_dict():
            key_map[f"{module_path}.{key}"] = f"{path}.{key}"
    return key_map


def _check_equal(model, spec, converter: _Converter, key_map: dict[str, str], inputs,
                 reference) -> None:
    """Build the spec, load the class's weights into it (keys renamed by ``key_map``) and
    compare outputs: the import is right, or this raises."""
    import torch

    from netbuilder.core.builder import build
    from netbuilder.core.spec import SpecError

    try:
        built = build(spec)
    except SpecError as exc:
        raise ModelImportError("the imported network is not valid: "
                               + "; ".join(str(p) for p in exc.problems[:5])) from None
    state = model.state_dict()
    renamed = {key_map[k]: v for k, v in state.items() if k in key_map}
    expected = {k: tuple(v.shape) for k, v in built.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in renamed.items()}
    if expected != got:
        missing = sorted(set(expected) - set(got))[:3]
        extra = sorted(set(got) - set(expected))[:3]
        odd = [k for k in expected if k in got and expected[k] != got[k]][:3]
        raise ModelImportError(
            "the imported network's weights do not match the class's (netbuilder could not "
            f"read some layer's arguments): missing {missing}, unexpected {extra}, other shapes "
            f"{odd}")
    built.load_state_dict(renamed, strict=True)
    built.eval()
    if converter.random_in_eval:
        converter.notes.append("the outputs were not compared: the code's own forward() is "
                               "random in evaluation")
        return
    with torch.no_grad():
        try:
            output = built(inputs)
        except Exception as exc:
            raise ModelImportError(f"the imported network fails on a batch of {len(inputs)}: "
                                   f"{_first_line(exc)}") from None
    if output.shape != reference.shape or not torch.allclose(
            output, reference, rtol=1e-4, atol=1e-5 * max(1.0, float(reference.abs().max()))):
        difference = ("shape " + str(list(output.shape)) + " instead of "
                      + str(list(reference.shape))) if output.shape != reference.shape else (
            f"values differ by up to {float((output - reference).abs().max()):.3g}")
        raise ModelImportError(
            f"the imported network does not compute what {type(model).__name__}.forward() "
            f"computes for a batch of {len(inputs)} ({difference}): forward() may depend on "
            "the batch size or on something netbuilder did not read")
