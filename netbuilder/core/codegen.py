"""Spec → readable PyTorch source.

Two styles: an ``nn.Module`` class like the article's (``__init__`` assigns named layers,
``forward`` calls them in order, with the shape after each step as a comment), or a plain
``nn.Sequential(...)`` expression. Both give a module whose ``state_dict`` keys and shapes equal
those of ``builder.build(spec)``, so weights saved from the app load into the generated code.

Residuals and parallels: in the class style, one at the top level is an ``nn.ModuleDict`` of its
stacks and ``forward`` writes the sum or the concatenation out as hand-written PyTorch does;
anywhere else (inside a block, a stack, or the sequential style) the file defines small
``Residual`` and ``Parallel`` classes, with the attributes of :mod:`netbuilder.core.containers`,
so that every ``state_dict`` key is the same.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netbuilder import __version__
from netbuilder.core.analysis_result import Analysis, format_shape
from netbuilder.core.catalog import LayerKind, default_catalog
from netbuilder.core.containers import PARALLEL, RESIDUAL
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    SpecError,
)
from netbuilder.core.spec_parse import validate

CLASS, SEQUENTIAL = "class", "sequential"
STYLES = (CLASS, SEQUENTIAL)
RECURRENT = {"RNN", "LSTM", "GRU"}
NORMALIZE = "Normalize"
KEYWORD_REQUIRED = {"kernel_size", "dim", "output"}
INDENT = "    "
LINE_LENGTH = 88  # ruff's and black's default
# Blocks nested this deep are built in a statement of their own (a local variable): one long
# nested expression would pass Python's parser limit (~200 parentheses, ~50 OrderedDict blocks).
INLINE_DEPTH = 3
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_MAX_LITERAL_DEPTH = 32

_RECURRENT_HELPER = '''

class Sequence{base}(nn.{base}):
    """nn.{base} (batch first) that returns one tensor, so it fits in nn.Sequential.

    output="last" keeps the last time step [N, hidden]; "sequence" keeps all steps.
    """

    def __init__(self, *args, output="last", **kwargs):
        kwargs["batch_first"] = True
        super().__init__(*args, **kwargs)
        self.output = output

    def forward(self, x):
        y, _ = super().forward(x)
        return y[:, -1] if self.output == "last" else y
'''


_CONTAINER_HELPERS = {
    RESIDUAL: '''

class Residual(nn.Module):
    """y = activation(body(x) + shortcut(x)); without a shortcut, x itself is added."""

    def __init__(self, body, shortcut=None, activation=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x):
        return self.activation(self.body(x) + self.shortcut(x))
''',
    PARALLEL: '''

class Parallel(nn.Module):
    """Branches on one input, then concatenated (along dim), summed or averaged."""

    def __init__(self, branches, merge="concat", dim=1):
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.merge = merge
        self.dim = dim

    def forward(self, x):
        outputs = [branch(x) for branch in self.branches]
        if self.merge == "concat":
            return torch.cat(outputs, dim=self.dim)
        stacked = torch.stack(outputs)
        return stacked.sum(0) if self.merge == "sum" else stacked.mean(0)
''',
}


def literal(value: Any, where: str = "value", _depth: int = 0) -> str:
    """Python source that evaluates to ``value`` and does nothing else.

    The one way values reach generated code: only None, bools, ints, finite floats and text,
    in tuples (lists are written as tuples) and dicts, each converted to its exact built-in type
    before ``repr``, so no text or subclass can close a literal and inject code. Anything else
    raises ValueError naming ``where``.
    """
    if _depth > _MAX_LITERAL_DEPTH:
        raise ValueError(f"{where}: nested too deeply to write as code")
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: expected a finite number, got {float(value)!r}")
        return repr(float(value))
    if isinstance(value, str):
        return _string_literal(str.__str__(value))
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v, f"{where}[{i}]", _depth + 1) for i, v in enumerate(value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        entries = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ValueError(f"{where}: keys must be text or integers, got "
                                 f"{type(key).__name__}")
            entries.append(f"{literal(key, where, _depth + 1)}: "
                           f"{literal(item, f'{where}[{key!r}]', _depth + 1)}")
        return "{" + ", ".join(entries) + "}"
    raise ValueError(f"{where}: cannot write a {type(value).__name__} as code (expected text, "
                     "a number, true/false, null, or a list or mapping of those)")


def _string_literal(text: str) -> str:
    """Quoted as ruff formats it (double quotes unless that needs more escapes); backslashes,
    the quote and every non-printable character (newlines, NUL, bidi controls, lone
    surrogates) escaped, so the literal is one line that means exactly ``text``."""
    quote = "'" if '"' in text and "'" not in text else '"'
    out = []
    for char in text:
        if char in ("\\", quote):
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])  # \n, \x00, \u202e, \ud800 ...
    return quote + "".join(out) + quote


def docstring_text(text: str, one_line: bool = False) -> str:
    """Free text made safe inside a triple-quoted docstring, where it stays only text.

    Backslashes are doubled (no escape like \\N{ or \\x can break the module), quotes that
    touch another quote are escaped (no run of three quotes can close the string), and
    control, format and other non-printable characters are dropped (NUL cannot load; bidi
    controls could hide code). Tabs become spaces, and newlines too when ``one_line``.
    """
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append(" " if one_line else char)
        elif char == "\t" or (not char.isprintable() and char.isspace()):
            out.append(" ")
        elif char.isprintable():
            out.append(char)
    return re.sub(r'"{2,}', lambda run: '\\"' * len(run.group()), "".join(out))


class _Writer:
    def __init__(self, spec: NetworkSpec, statement_indent: int):
        self.spec = spec
        self.catalog = default_catalog()
        self.uses_ordered_dict = False
        self.uses_torch = False  # `import torch`: torch.cat / torch.stack are written
        self.helpers: set[str] = set()
        self.containers: set[str] = set()  # Residual / Parallel helper classes used
        self.imports: set[str] = set()
        self.layer_imports: dict[str, set[str]] = {}  # custom-layer module → classes
        self.statement_indent = statement_indent  # where hoisted blocks' statements go
        self.pending: list[str] = []  # hoisted statements not yet written out
        self.hoisted = 0

    # -- one layer -----------------------------------------------------------------------------

    def call(self, layer: LayerSpec, indent: int = 0, used: int = 0, trail: int = 0,
             plain_recurrent: bool = False) -> str:
        """The constructor call, laid out as ruff formats it: ``used`` characters precede it on
        its first line (at ``indent`` levels), ``trail`` follow it on its last."""
        kind: LayerKind = self.catalog.kinds[layer.kind]
        positional, keywords = [], []
        for arg in kind.args:
            if arg.name == "output" and plain_recurrent:
                continue
            value = arg.normalize(layer.args.get(arg.name, arg.default))
            code = literal(value, f"{layer.name}.{arg.name}")
            if arg.required and arg.name not in KEYWORD_REQUIRED and not keywords:
                positional.append(code)
            elif arg.required or value != arg.normalize(arg.default):
                keywords.append(f"{arg.name}={code}")
        if layer.kind in RECURRENT:
            if plain_recurrent:
                keywords.append("batch_first=True")
                name = f"nn.{layer.kind}"
            else:
                self.helpers.add(layer.kind)
                name = f"Sequence{layer.kind}"
        elif layer.kind == NORMALIZE:  # netbuilder's own module, written out: torch only
            self.helpers.add(NORMALIZE)
            self.uses_torch = True
            name = NORMALIZE
        else:
            name = kind.spelled()
            if kind.code_module:
                self.layer_imports.setdefault(kind.code_module, set()).add(name)
            elif not name.startswith("nn."):
                cls = kind.module_class()
                self.imports.add(f"from {cls.__module__} import {cls.__qualname__.split('.')[0]}")
        if not _DOTTED_NAME.fullmatch(name):  # a plugin's code_name is pasted as code
            raise ValueError(f"{layer.kind}: {name!r} is not a Python name to call")
        return _layout(name, positional + keywords, indent, used, trail)

    # -- a sequence of items as an nn.Sequential expression --------------------------------

    def sequential(self, items: list[Item], indent: int, depth: int = 0) -> str:
        """``items`` as one nn.Sequential expression; ``depth`` counts the blocks around it."""
        pad, inner = INDENT * indent, INDENT * (indent + 1)
        if not items:
            return "nn.Sequential()"
        indexed = [item.name for item in items] == [str(i) for i in range(len(items))]
        if indexed:
            lines = [f"{inner}{self.expression(item, indent + 1, len(inner), 1, depth)},"
                     for item in items]
            return "nn.Sequential(\n" + "\n".join(lines) + f"\n{pad})"
        self.uses_ordered_dict = True
        deep, deeper = INDENT * (indent + 3), INDENT * (indent + 4)
        lines = []
        for item in items:
            name = literal(item.name)
            if not isinstance(item, LayerSpec):  # multi-line entries split the way ruff does
                inner_code = self.expression(item, indent + 4, depth=depth)
                entry = f"{deep}({name}, {inner_code}),"
                if "\n" not in inner_code and len(entry) <= LINE_LENGTH:  # hoisted, or short
                    lines.append(entry)
                    continue
                lines += [f"{deep}(", f"{deeper}{name},", f"{deeper}{inner_code},", f"{deep}),"]
                continue
            entry = f"{deep}({name}, "
            one_line = self.call(item, indent + 3, len(entry), 2)
            if "\n" not in one_line:
                lines.append(f"{entry}{one_line}),")
            else:
                call = self.call(item, indent + 4, len(deeper), 1)
                lines += [f"{deep}(", f"{deeper}{name},", f"{deeper}{call},", f"{deep}),"]
        return ("nn.Sequential(\n" f"{inner}OrderedDict(\n{inner}{INDENT}[\n" + "\n".join(lines)
                + f"\n{inner}{INDENT}]\n{inner})\n{pad})")

    def block(self, block: BlockSpec, indent: int, depth: int) -> str:
        """A block's expression, or at every INLINE_DEPTH-th level the name of a variable that a
        statement of its own (in ``pending``, deeper blocks first) assigns it to."""
        if depth % INLINE_DEPTH:
            return self.sequential(block.items, indent, depth)
        self.hoisted += 1
        variable = f"nested{self.hoisted}"
        expression = self.sequential(block.items, self.statement_indent, depth)
        self.pending.append(f"{INDENT * self.statement_indent}{variable} = {expression}")
        return variable

    def container(self, item: ResidualSpec | ParallelSpec, indent: int, depth: int) -> str:
        """A residual's or parallel's helper-class call, hoisted into a statement of its own
        like a block at every INLINE_DEPTH-th level. (One frame per level, with sequential and
        expression: containers nest MAX_DEPTH deep.)"""
        hoisted = not depth % INLINE_DEPTH
        at = self.statement_indent if hoisted else indent
        self.containers.add(item.kind)
        args = []
        if isinstance(item, ResidualSpec):
            name = "Residual"
            args.append(f"body={self.sequential(item.body, at + 1, depth)}")
            if item.shortcut:
                args.append(f"shortcut={self.sequential(item.shortcut, at + 1, depth)}")
            if item.activation:
                args.append(f"activation={self.activation(item.activation)}")
        else:
            name = "Parallel"
            self.uses_torch = True
            branches = []
            for branch in item.branches:
                branches.append(self.sequential(branch, at + 2, depth))
            args.append("branches=" + _one_per_line("[", branches, "]", at + 1))
            if item.merge != "concat":
                args.append(f"merge={literal(item.merge, f'{item.name}.merge')}")
            if item.dim != 1:
                args.append(f"dim={literal(item.dim, f'{item.name}.dim')}")
        code = _layout_call(name, args, at)
        if not hoisted:
            return code
        self.hoisted += 1
        variable = f"nested{self.hoisted}"
        self.pending.append(f"{INDENT * self.statement_indent}{variable} = {code}")
        return variable

    def activation(self, kind: str) -> str:
        return self.call(LayerSpec(kind, "activation"))

    def module_dict(self, item: ResidualSpec | ParallelSpec, indent: int) -> str:
        """A top-level container of the class style: an nn.ModuleDict of its stacks, whose
        keys are the attributes of the helper classes (so the state_dict keys match)."""
        entries = []
        if isinstance(item, ResidualSpec):
            entries.append(f'"body": {self.sequential(item.body, indent + 2, 1)}')
            if item.shortcut:
                entries.append(f'"shortcut": {self.sequential(item.shortcut, indent + 2, 1)}')
            if item.activation:
                entries.append(f'"activation": {self.activation(item.activation)}')
        else:
            self.uses_torch = True
            branches = [self.sequential(branch, indent + 4, 1) for branch in item.branches]
            entries.append('"branches": ' + _layout_call(
                "nn.ModuleList", [_one_per_line("[", branches, "]", indent + 3)], indent + 2))
        return _layout_call("nn.ModuleDict", [_one_per_line("{", entries, "}", indent + 1)],
                            indent)

    def expression(self, item: Item, indent: int, used: int = 0, trail: int = 0,
                   depth: int = 0) -> str:
        if isinstance(item, BlockSpec):
            return self.block(item, indent, depth + 1)
        if isinstance(item, (ResidualSpec, ParallelSpec)):
            return self.container(item, indent, depth + 1)
        return self.call(item, indent, used, trail)

    def flush(self) -> list[str]:
        """The hoisted statements written since the last flush, to go before the one using them."""
        pending, self.pending = self.pending, []
        return pending

    def frozen_accesses(self, root: str) -> list[str]:
        """Python access from ``root`` to every frozen layer, in forward order."""
        found = []
        stack = [(root, iter(enumerate(self.spec.items)))]
        while stack:
            here, rest = stack[-1]
            entry = next(rest, None)
            if entry is None:
                stack.pop()
                continue
            position, item = entry
            if isinstance(item, tuple):  # a stack of a residual or parallel: (access, items)
                stack.append((item[0], iter(enumerate(item[1]))))
                continue
            access = _access(here, item.name, position)
            if isinstance(item, BlockSpec):
                stack.append((access, iter(enumerate(item.items))))
            elif isinstance(item, (ResidualSpec, ParallelSpec)):
                stacks = [(_stack_access(access, relative), items)
                          for relative, items in item.stacks()]
                stack.append((access, iter(enumerate(stacks))))
            elif item.frozen:
                found.append(access)
        return found


def _stack_access(container: str, relative: str) -> str:
    """Python access to a stack: res1.body, mix.branches[0]."""
    if relative.startswith("branches."):
        return f"{container}.branches[{int(relative.split('.', 1)[1])}]"
    return f"{container}.{relative}"


def _one_per_line(opening: str, entries: list[str], closing: str, indent: int) -> str:
    """A list (or dict) one entry per line, each with a trailing comma, which keeps ruff from
    joining it; entries are already laid out for ``indent + 1``."""
    inner = INDENT * (indent + 1)
    return (f"{opening}\n" + "".join(f"{inner}{entry},\n" for entry in entries)
            + f"{INDENT * indent}{closing}")


def _layout_call(name: str, args: list[str], indent: int) -> str:
    """A call whose arguments may span lines, as ruff lays it out: on one line when that fits,
    a sole argument on lines of its own, else one argument per line with a trailing comma."""
    one_line = f"{name}({', '.join(args)})"
    if not any("\n" in arg for arg in args) and len(INDENT * indent) + len(one_line) <= (
            LINE_LENGTH):
        return one_line
    inner, pad = INDENT * (indent + 1), INDENT * indent
    if len(args) == 1:
        return f"{name}(\n{inner}{args[0]}\n{pad})"
    return f"{name}(\n" + "".join(f"{inner}{arg},\n" for arg in args) + f"{pad})"


def _layout(name: str, args: list[str], indent: int, used: int, trail: int) -> str:
    one_line = f"{name}({', '.join(args)})"
    if used + len(one_line) + trail <= LINE_LENGTH or not args:
        return one_line
    inner, pad = INDENT * (indent + 1), INDENT * indent
    hugged = inner + ", ".join(args)
    if len(hugged) <= LINE_LENGTH:
        return f"{name}(\n{hugged}\n{pad})"
    return f"{name}(\n" + "".join(f"{inner}{arg},\n" for arg in args) + f"{pad})"


def _access(parent: str, name: str, position: int) -> str:
    """Python access to a child: parent.fc1; parent[0] when the index name is its position
    (nn.Sequential indexes by position, not by name); else parent.get_submodule("07")."""
    if not name.isdigit():
        return f"{parent}.{name}"
    if name == str(position):
        return f"{parent}[{position}]"
    return f"{parent}.get_submodule({literal(name)})"


def _header(spec: NetworkSpec, analysis: Analysis | None, what: str) -> list[str]:
    lines = [f'"""{what} — generated by netbuilder {__version__}.', ""]
    if spec.description:
        for paragraph in re.split(r"\n\s*\n", spec.description):
            wrapped = textwrap.wrap(docstring_text(paragraph, one_line=True), 88)
            lines += [*wrapped, ""] if wrapped else []
    if analysis is not None and analysis.ok:
        lines.append(
            f"Input {format_shape(analysis.input_shape)} → output "
            f"{format_shape(analysis.output_shape)}; {analysis.total_params:,} parameters."
        )
    files = [Path(ref.path).name for ref in spec.custom_layer_files()]
    if files:
        lines += [f"Needs {', '.join(files)} (its custom layers) beside it or on the import "
                  "path.", ""]
    lines += [
        "Load weights exported from netbuilder (a plain state_dict):",
        '    model.load_state_dict(torch.load("model.pth"))',
        '"""',
    ]
    return lines


def _imports(writer: _Writer) -> list[str]:
    lines = []
    if writer.uses_ordered_dict:
        lines.append("from collections import OrderedDict")
        lines.append("")
    if writer.uses_torch:
        lines.append("import torch")
    lines.append("from torch import nn")
    # Custom-layer files are copied beside the exported code, where isort (ruff) counts them
    # as first-party: a group of their own after torch's, as the training script has them.
    if writer.layer_imports:
        lines.append("")
        lines += [f"from {module} import {', '.join(sorted(names))}"
                  for module, names in sorted(writer.layer_imports.items())]
    if writer.imports:
        lines.append("")
        lines.extend(sorted(writer.imports))
    return lines


def _class_source(spec: NetworkSpec, writer: _Writer, analysis: Analysis | None) -> list[str]:
    top_indexed = any(item.name.isdigit() for item in spec.items)
    body: list[str] = []
    if top_indexed:
        # Index names cannot be attributes: subclass nn.Sequential so keys stay '0.weight'.
        expression = writer.sequential(spec.items, 2)
        inner = expression[len("nn.Sequential("):-1]
        body += [f"class {spec.class_name}(nn.Sequential):",
                 f"{INDENT}def __init__(self):",
                 *writer.flush(),
                 f"{INDENT * 2}super().__init__({inner})"]
        for access in writer.frozen_accesses("self"):
            body.append(f"{INDENT * 2}{access}.requires_grad_(False)  # frozen")
        return body
    body += [f"class {spec.class_name}(nn.Module):",
             f"{INDENT}def __init__(self):",
             f"{INDENT * 2}super().__init__()"]
    for item in spec.items:
        plain = isinstance(item, LayerSpec) and item.kind in RECURRENT
        lead = f"{INDENT * 2}self.{item.name} = "
        if isinstance(item, (ResidualSpec, ParallelSpec)):
            expression = writer.module_dict(item, 2)
        elif plain:
            expression = writer.call(item, 2, len(lead), plain_recurrent=True)
        else:
            expression = writer.expression(item, 2, len(lead))
        body += [*writer.flush(), f"{lead}{expression}"]
    for access in writer.frozen_accesses("self"):
        body.append(f"{INDENT * 2}{access}.requires_grad_(False)  # frozen")
    body += ["", f"{INDENT}def forward(self, x):"]
    for item in spec.items:
        shape = ""
        if analysis is not None and analysis.ok:
            row = analysis.row(item.name)
            shape = f"  # {format_shape(row.output_shape)}" if row else ""
        if isinstance(item, LayerSpec) and item.kind in RECURRENT:
            body.append(f"{INDENT * 2}x, _ = self.{item.name}(x)  # (output, hidden state)")
            if item.args.get("output", "last") == "last":
                body.append(f"{INDENT * 2}x = x[:, -1]{shape or '  # last time step'}")
            continue
        if isinstance(item, (ResidualSpec, ParallelSpec)):
            body += [f"{INDENT * 2}{line}" for line in _merge_lines(item, f"self.{item.name}")]
            body[-1] += shape
            continue
        body.append(f"{INDENT * 2}x = self.{item.name}(x){shape}")
    body.append(f"{INDENT * 2}return x")
    return body


def _merge_lines(item: ResidualSpec | ParallelSpec, access: str) -> list[str]:
    """``forward``'s lines for a top-level residual or parallel, as written by hand."""
    if isinstance(item, ResidualSpec):
        if item.shortcut:
            lines = [f"shortcut = {access}.shortcut(x)",
                     f"x = {access}.body(x) + shortcut"]
        else:
            lines = [f"x = {access}.body(x) + x"]
        if item.activation:
            lines.append(f"x = {access}.activation(x)")
        return lines
    lines = [f"outputs = [branch(x) for branch in {access}.branches]"]
    if item.merge == "concat":
        lines.append(f"x = torch.cat(outputs, dim={literal(item.dim, f'{item.name}.dim')})")
    else:
        lines.append(f"x = torch.stack(outputs).{'sum' if item.merge == 'sum' else 'mean'}(0)")
    return lines


@dataclass(frozen=True)
class ModuleSource:
    """A generated module in parts, so the training script can embed the code alone."""

    docstring: list[str]
    imports: list[str]  # as isort groups them, blank lines included
    code: list[str]  # recurrent helpers, then the class (or the model)

    def text(self) -> str:
        source = "\n".join([*self.docstring, "", *self.imports, *self.code]) + "\n"
        return re.sub(r"\n{4,}", "\n\n\n", source)

    def code_text(self) -> str:
        """The helpers and the class, without docstring or imports."""
        return re.sub(r"\n{3,}", "\n\n\n", "\n".join(self.code).strip("\n")) + "\n"


def module_source(spec: NetworkSpec, style: str = CLASS, preprocessing: dict | None = None
                  ) -> ModuleSource:
    """The parts of a module file; raises :class:`SpecError` if the spec is invalid."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    problems = validate(spec)
    if problems:
        raise SpecError(problems)
    try:
        from netbuilder.core.analysis import analyze  # the comments' shapes come from torch

        analysis: Analysis | None = analyze(spec)
    except Exception:  # shapes are decoration here; the code is right without them
        analysis = None
    if style == CLASS:
        writer = _Writer(spec, 2)
        body = _class_source(spec, writer, analysis)
        what = spec.class_name
    else:
        writer = _Writer(spec, 0)
        expression = writer.sequential(spec.items, 0)
        body = [*writer.flush(), f"model = {expression}"]
        body += [f"{access}.requires_grad_(False)  # frozen"
                 for access in writer.frozen_accesses("model")]
        what = "model"
    helpers: list[str] = []
    for base in sorted(writer.helpers - {NORMALIZE}):
        helpers += _RECURRENT_HELPER.format(base=base).split("\n")
    if NORMALIZE in writer.helpers:
        from netbuilder.core.normalize import HELPER_SOURCE as NORMALIZE_SOURCE

        helpers += NORMALIZE_SOURCE.split("\n")
    for kind in (RESIDUAL, PARALLEL):
        if kind in writer.containers:
            helpers += _CONTAINER_HELPERS[kind].split("\n")
    gap = ["", ""] if style == CLASS or helpers else [""]  # as isort/ruff lay them out
    if preprocessing:  # a table's rows → features, as the network was trained on them
        from netbuilder.core.tabular_preprocessing import preprocessing_source

        body += ["", "", *preprocessing_source(preprocessing).rstrip("\n").split("\n")]
    return ModuleSource(_header(spec, analysis, what), _imports(writer), helpers + gap + body)


def generate(spec: NetworkSpec, style: str = CLASS, preprocessing: dict | None = None) -> str:
    """The source of a module file; raises :class:`SpecError` if the spec is invalid.
    ``preprocessing``: a table's (core.tabular), written out as ``preprocess(rows)``."""
    return module_source(spec, style, preprocessing).text()
