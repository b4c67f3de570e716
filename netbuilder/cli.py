"""The ``netbuilder`` command: headless sub-commands that share the app's core.

Bad input never ends in a traceback: every problem is printed with where it is, and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from netbuilder import __version__

EXPORT_FORMATS = ("python",)


class CommandError(Exception):
    """A failure to report in one or more lines, then exit 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netbuilder",
        description="Build torch.nn.Sequential networks, see the shapes that flow, export code.",
    )
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print each layer's output shape, parameters and MACs",
        description="Print a table of the network (name, kind, output shape, parameters, MACs) "
                    "and its problems; exit 1 when it cannot run.")
    summary.add_argument("spec", type=Path, help="network spec (.json)")
    summary.add_argument("--loss", default="cross_entropy",
                         choices=("cross_entropy", "nll", "mse"),
                         help="the loss it will train with (for lint warnings)")

    export = commands.add_parser(
        "export", help="write the network as PyTorch code",
        description="Write the network in another form. python: a module file with an "
                    "nn.Module class (or, with --style sequential, an nn.Sequential).")
    export.add_argument("spec", type=Path, help="network spec (.json)")
    export.add_argument("--format", default="python", choices=EXPORT_FORMATS)
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--style", default="class", choices=("class", "sequential"),
                        help="python format: an nn.Module class or an nn.Sequential expression")
    return parser


def _load_spec(path: Path):
    from netbuilder.core.spec import NetworkSpec, SpecError

    try:
        return NetworkSpec.load(path)
    except SpecError as exc:
        raise CommandError(_problem_lines(f"{path} is not a usable network spec:", exc)) from None


def _problem_lines(title: str, exc) -> str:
    return "\n".join([title, *(f"  - {p}" for p in exc.problems)])


def _summary(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze, format_shape

    spec = _load_spec(args.spec)
    analysis = analyze(spec, loss=args.loss)
    headers = ("Layer", "Kind", "Output shape", "Params", "MACs")
    rows = [
        ("  " * r.depth + r.name, r.kind,
         format_shape(r.output_shape) if r.error is None else "ERROR",
         f"{r.params:,}", f"{r.macs:,}")
        for r in analysis.rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=False)]
        right = [c.rjust(w) for c, w in zip(cells[3:], widths[3:], strict=False)]
        return "  ".join(left + right).rstrip()

    rule = "-" * len(line(headers))
    out = [f"{spec.class_name}: input {format_shape(analysis.input_shape)}", rule,
           line(headers), rule, *(line(r) for r in rows), rule]
    for finding in analysis.errors:
        out.append(f"error: {finding}")
    for finding in analysis.warnings:
        out.append(f"warning: {finding}")
    out += [
        f"Output shape: {format_shape(analysis.output_shape)}",
        f"Trainable params: {analysis.trainable_params:,}",
        f"Frozen params: {analysis.frozen_params:,}",
        f"MACs per sample: {analysis.macs:,}",
        f"Size: {analysis.size_mb:.2f} MB",
        f"Total params: {analysis.total_params:,}",
    ]
    print("\n".join(out))
    return 0 if analysis.ok else 1


def _export(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze
    from netbuilder.core.atomic import atomic_write_text
    from netbuilder.core.codegen import generate

    spec = _load_spec(args.spec)
    analysis = analyze(spec)
    if not analysis.ok:
        raise CommandError("\n".join(
            [f"{args.spec} cannot be exported: its shapes do not fit together:",
             *(f"  - {f}" for f in analysis.errors)]))
    source = generate(spec, style=args.style)
    try:
        atomic_write_text(args.out, source)
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out} ({spec.class_name if args.style == 'class' else 'model'}, "
          f"{analysis.total_params:,} parameters)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"summary": _summary, "export": _export}
    if args.command is None:
        print("netbuilder: the desktop window is not part of this version yet; "
              "use a command: summary, export (netbuilder --help)", file=sys.stderr)
        return 2
    try:
        return handlers[args.command](args)
    except CommandError as exc:
        print(f"netbuilder {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
