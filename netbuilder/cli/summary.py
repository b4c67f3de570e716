"""``netbuilder summary``: the table of a network's layers, shapes, parameters and MACs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from netbuilder.cli.inputs import _load_spec
from netbuilder.cli.parser import _allow


def _summary(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze, format_shape

    spec = _load_spec(args.spec, _allow(args))
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
