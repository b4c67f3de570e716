"""Import a network from PyTorch code: an ``nn.Module`` class in a ``.py`` file becomes a spec.

Importing means running the file, so it is an explicit step and happens in a child process
(:mod:`netbuilder.core.import_child`) with a time limit: a file that crashes, hangs, prints or
calls ``sys.exit`` cannot take the caller down. The child creates the class with no arguments,
traces its ``forward`` with ``torch.fx`` and turns the graph into a spec when it is made of the
catalog's layer kinds, chained, summed and concatenated as below (:func:`spec_from_traced`).
Before answering it builds the spec, loads the class's weights into it and compares the
outputs on a random batch, so an import is either right or refused. It prints one JSON result,
which :func:`import_model` checks whole (``spec.parse``) before returning it.

This module holds the entry points, the error they raise and the child-process orchestration:
:func:`import_model` and :func:`import_models` run a file in the child; :func:`spec_from_traced`
converts and checks a model already in the process (the child calls it); :func:`where_in` says
where in the person's code something failed. The conversion's machinery lives in
:mod:`netbuilder.core.import_graph` (tracing, the walk along the graph, forks, blocks) and
:mod:`netbuilder.core.import_ops` (what one node becomes).

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
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netbuilder.core.import_graph import _Converter

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
    from netbuilder.core.spec_parse import parse

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
# In this process: a model → a spec, checked. Runs the model, so only for code already trusted
# to run (the child's, or a test's).


def spec_from_traced(model, input_shape: list[int], class_name: str = "Net",
                     source: str | None = None) -> tuple[Any, list[str], dict[str, str]]:
    """The spec of ``model`` (an ``nn.Module``; it is put in eval mode, on the CPU), its notes,
    and the map from its ``state_dict`` keys to the spec's. Raises ModelImportError.

    Runs ``model`` (forward on small random batches): call it on trusted code only, or in the
    child process. ``source``: the file the class came from, for where-in-the-code messages.
    """
    import torch

    from netbuilder.core.containers import PARALLEL, RESIDUAL
    from netbuilder.core.import_graph import _Converter, forward_defaults, traced_graph
    from netbuilder.core.import_ops import _Shapes
    from netbuilder.core.names import check_class_name
    from netbuilder.core.spec import NetworkSpec, uses_kind

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


# ---------------------------------------------------------------------------------------------
# Where in the person's code: for the child's messages and the conversion's


@dataclass
class _Where:
    """A line of the person's code as messages show it (empty: somewhere in forward())."""

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


def _where_of_exception(exc: BaseException, source: str | None) -> _Where:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    text = "".join(traceback.format_list(frames))
    return where_in(text, source)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:299] + "…"

