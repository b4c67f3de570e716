"""``netbuilder summary``: the table of a network's layers, shapes, parameters and MACs, and the
memory a batch needs (at a project's batch size and optimizer, else 64 and Adam)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from netbuilder.cli.inputs import _read_project
from netbuilder.cli.parser import _allow


def _summary(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze, format_shape

    project = _read_project(args.spec, _allow(args))[0]
    spec = project.spec
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
        _memory_line(args, project, analysis),
        f"Total params: {analysis.total_params:,}",
    ]
    print("\n".join(out))
    return 0 if analysis.ok else 1


def _memory_line(args: argparse.Namespace, project, analysis) -> str:
    """'Memory (batch 64, adam): forward 2.61 MB, training step 4.07 MB': a --batch-size
    given, else the project's training settings, else netbuilder's defaults."""
    from netbuilder.core.memory import DEFAULT_BATCH, estimate_memory

    settings = project.training
    batch = getattr(args, "batch_size", None) or settings.get("batch_size", DEFAULT_BATCH)
    optimizer = settings.get("optimizer", "adam")
    estimate = estimate_memory(project.spec, analysis, batch, optimizer,
                               settings.get("momentum", 0.9), settings.get("loss") or args.loss)
    if estimate is None:
        return f"Memory (batch {batch}): unknown until the shapes fit"
    return f"Memory (batch {batch}, {optimizer}, float32): {estimate.describe()}"
