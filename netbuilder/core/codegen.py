"""Spec → readable PyTorch source.

Two styles: an ``nn.Module`` class like the article's (``__init__`` assigns named layers,
``forward`` calls them in order, with the shape after each step as a comment), or a plain
``nn.Sequential(...)`` expression. Both give a module whose ``state_dict`` keys and shapes equal
those of ``builder.build(spec)``, so weights saved from the app load into the generated code.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from netbuilder import __version__
from netbuilder.core.analysis import Analysis, analyze, format_shape
from netbuilder.core.catalog import LayerKind, default_catalog
from netbuilder.core.spec import BlockSpec, Item, LayerSpec, NetworkSpec, SpecError, validate

CLASS, SEQUENTIAL = "class", "sequential"
STYLES = (CLASS, SEQUENTIAL)
RECURRENT = {"RNN", "LSTM", "GRU"}
KEYWORD_REQUIRED = {"kernel_size", "dim", "output"}
INDENT = "    "
LINE_LENGTH = 88  # ruff's and black's default

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


def literal(value: Any) -> str:
    """Python source for an argument value (lists as tuples, strings double-quoted)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


class _Writer:
    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.catalog = default_catalog()
        self.uses_ordered_dict = False
        self.helpers: set[str] = set()
        self.imports: set[str] = set()

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
            if arg.required and arg.name not in KEYWORD_REQUIRED and not keywords:
                positional.append(literal(value))
            elif arg.required or value != arg.normalize(arg.default):
                keywords.append(f"{arg.name}={literal(value)}")
        if layer.kind in RECURRENT:
            if plain_recurrent:
                keywords.append("batch_first=True")
                name = f"nn.{layer.kind}"
            else:
                self.helpers.add(layer.kind)
                name = f"Sequence{layer.kind}"
        else:
            name = kind.spelled()
            if not name.startswith("nn."):
                cls = kind.torch_class
                self.imports.add(f"from {cls.__module__} import {cls.__qualname__.split('.')[0]}")
        return _layout(name, positional + keywords, indent, used, trail)

    # -- a sequence of items as an nn.Sequential expression --------------------------------

    def sequential(self, items: list[Item], indent: int) -> str:
        pad, inner = INDENT * indent, INDENT * (indent + 1)
        if not items:
            return "nn.Sequential()"
        indexed = [item.name for item in items] == [str(i) for i in range(len(items))]
        if indexed:
            lines = [f"{inner}{self.expression(item, indent + 1, len(inner), 1)},"
                     for item in items]
            return "nn.Sequential(\n" + "\n".join(lines) + f"\n{pad})"
        self.uses_ordered_dict = True
        deep, deeper = INDENT * (indent + 3), INDENT * (indent + 4)
        lines = []
        for item in items:
            if isinstance(item, BlockSpec):  # multi-line entries are split the way ruff formats
                block = self.sequential(item.items, indent + 4)
                lines += [f"{deep}(", f'{deeper}"{item.name}",', f"{deeper}{block},", f"{deep}),"]
                continue
            entry = f'{deep}("{item.name}", '
            one_line = self.call(item, indent + 3, len(entry), 2)
            if "\n" not in one_line:
                lines.append(f"{entry}{one_line}),")
            else:
                call = self.call(item, indent + 4, len(deeper), 1)
                lines += [f"{deep}(", f'{deeper}"{item.name}",', f"{deeper}{call},", f"{deep}),"]
        return ("nn.Sequential(\n" f"{inner}OrderedDict(\n{inner}{INDENT}[\n" + "\n".join(lines)
                + f"\n{inner}{INDENT}]\n{inner})\n{pad})")

    def expression(self, item: Item, indent: int, used: int = 0, trail: int = 0) -> str:
        if isinstance(item, BlockSpec):
            return self.sequential(item.items, indent)
        return self.call(item, indent, used, trail)

    def frozen_paths(self) -> list[str]:
        return [path for path, layer in self.spec.layers() if layer.frozen]


def _layout(name: str, args: list[str], indent: int, used: int, trail: int) -> str:
    one_line = f"{name}({', '.join(args)})"
    if used + len(one_line) + trail <= LINE_LENGTH or not args:
        return one_line
    inner, pad = INDENT * (indent + 1), INDENT * indent
    hugged = inner + ", ".join(args)
    if len(hugged) <= LINE_LENGTH:
        return f"{name}(\n{hugged}\n{pad})"
    return f"{name}(\n" + "".join(f"{inner}{arg},\n" for arg in args) + f"{pad})"


def _access(path: str, root: str) -> str:
    """'block1.0' → root.block1[0]: Python access to a submodule by its state_dict path."""
    out = root
    for part in path.split("."):
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out


def _header(spec: NetworkSpec, analysis: Analysis | None, what: str) -> list[str]:
    lines = [f'"""{what} — generated by netbuilder {__version__}.', ""]
    if spec.description:
        lines += [*textwrap.wrap(spec.description, 88), ""]
    if analysis is not None and analysis.ok:
        lines.append(
            f"Input {format_shape(analysis.input_shape)} → output "
            f"{format_shape(analysis.output_shape)}; {analysis.total_params:,} parameters."
        )
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
    lines.append("from torch import nn")
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
                 f"{INDENT * 2}super().__init__({inner})"]
        for path in writer.frozen_paths():
            body.append(f"{INDENT * 2}{_access(path, 'self')}.requires_grad_(False)  # frozen")
        return body
    body += [f"class {spec.class_name}(nn.Module):",
             f"{INDENT}def __init__(self):",
             f"{INDENT * 2}super().__init__()"]
    for item in spec.items:
        plain = isinstance(item, LayerSpec) and item.kind in RECURRENT
        lead = f"{INDENT * 2}self.{item.name} = "
        expression = (writer.call(item, 2, len(lead), plain_recurrent=True) if plain
                      else writer.expression(item, 2, len(lead)))
        body.append(f"{lead}{expression}")
    for path in writer.frozen_paths():
        body.append(f"{INDENT * 2}{_access(path, 'self')}.requires_grad_(False)  # frozen")
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
        body.append(f"{INDENT * 2}x = self.{item.name}(x){shape}")
    body.append(f"{INDENT * 2}return x")
    return body


def generate(spec: NetworkSpec, style: str = CLASS) -> str:
    """The source of a module file; raises :class:`SpecError` if the spec is invalid."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    problems = validate(spec)
    if problems:
        raise SpecError(problems)
    try:
        analysis: Analysis | None = analyze(spec)
    except Exception:  # shapes are decoration here; the code is right without them
        analysis = None
    writer = _Writer(spec)
    if style == CLASS:
        body = _class_source(spec, writer, analysis)
        what = spec.class_name
    else:
        body = [f"model = {writer.sequential(spec.items, 0)}"]
        body += [f"{_access(p, 'model')}.requires_grad_(False)  # frozen"
                 for p in writer.frozen_paths()]
        what = "model"
    helpers: list[str] = []
    for base in sorted(writer.helpers):
        helpers += _RECURRENT_HELPER.format(base=base).split("\n")
    gap = ["", ""] if style == CLASS or helpers else [""]  # as isort/ruff lay them out
    lines = _header(spec, analysis, what) + [""] + _imports(writer) + helpers + gap + body
    source = "\n".join(lines) + "\n"
    return re.sub(r"\n{4,}", "\n\n\n", source)
