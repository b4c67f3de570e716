"""``netbuilder export``: a network as Python code, a training script, a diagram (SVG, PNG), or
ONNX, TorchScript or pt2 with its weights."""

from __future__ import annotations

import argparse
import sys

from netbuilder.cli.inputs import _Input, _load_input
from netbuilder.cli.messages import CommandError, _problem_lines, _reason
from netbuilder.cli.parser import _allow


def _export(args: argparse.Namespace) -> int:
    from netbuilder.core.analysis import analyze
    from netbuilder.core.atomic import atomic_write_text
    from netbuilder.core.diagram import FORMATS as DIAGRAM_FORMATS

    as_source = args.format in ("python", "script")
    if (as_source or args.format in DIAGRAM_FORMATS) and args.weights is not None:
        raise CommandError(f"--weights is for the onnx, torchscript and pt2 formats: a "
                           f"{args.format} export holds no weights")
    if args.format in DIAGRAM_FORMATS:
        return _diagram(args)
    # Source needs no weights: nothing is built (a 2.5 GB network costs nothing to write).
    source = _load_input(args.spec, args.weights, build=not as_source, allow=_allow(args))
    spec, model = source.spec, source.model
    analysis = analyze(spec)
    if not analysis.ok:
        raise CommandError("\n".join(
            [f"{args.spec} cannot be exported: its shapes do not fit together:",
             *(f"  - {f}" for f in analysis.errors)]))
    if as_source:
        code = _source(args, spec, _file_settings(source), _table_preprocessing(source),
                       _file_dataset(source))
        from netbuilder.core.custom_layers import place_beside

        try:
            atomic_write_text(args.out, code)
            notes = place_beside(spec, args.out.parent)
        except (OSError, ValueError, RuntimeError) as exc:
            raise CommandError(f"cannot write {args.out}: {_reason(exc)}") from None
        what = "training script" if args.format == "script" else (
            spec.class_name if args.style == "class" else "model")
        print(f"wrote {args.out} ({what}, {analysis.total_params:,} parameters)")
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return 0
    from netbuilder.core.exporters import ExportError, export_verified

    if not source.has_weights:
        print(f"note: {args.spec.name} has no trained weights: exporting freshly initialised "
              "weights" if source.is_project else
              "note: no --weights given: exporting freshly initialised weights", file=sys.stderr)
    try:
        result = export_verified(model, args.format, args.out)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {args.out}; {result.describe().splitlines()[0]}")
    for text in result.warnings:  # what the exporter warned about, on stderr as warnings go
        print(f"warning: {text}", file=sys.stderr)
    return 0


def _diagram(args: argparse.Namespace) -> int:
    """The network as a picture: cards with shapes, like Keras' plot_model. A network whose
    shapes do not fit is drawn too, with the cards where they break in red."""
    from netbuilder.core.analysis import analyze
    from netbuilder.core.diagram import write_diagram

    spec = _load_input(args.spec, None, build=False, allow=_allow(args)).spec
    analysis = analyze(spec)
    try:
        write_diagram(spec, analysis, args.out, args.format)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot write {args.out}: {_reason(exc)}") from None
    print(f"wrote {args.out} ({args.format} diagram of {spec.class_name}, "
          f"{len(list(spec.layers()))} layers)")
    for finding in analysis.errors:
        print(f"note: drawn in red: {finding}", file=sys.stderr)
    return 0


def _file_settings(source: _Input) -> dict:
    """The training settings the file holds (a checkpoint's or a project's), or {}."""
    if source.checkpoint is not None:
        return source.checkpoint.get("training", {})
    return dict(source.project.training) if source.project is not None else {}


def _table_preprocessing(source: _Input) -> dict | None:
    """A table's preprocessing as the project or checkpoint keeps it (checked), or None."""
    from netbuilder.core.tabular import TabularError, check_preprocessing

    if source.project is not None:
        return source.project.extra.get("preprocessing") or None
    found = source.checkpoint.get("preprocessing") if source.checkpoint is not None else None
    if isinstance(found, dict) and found.get("kind") == "tabular":
        try:
            return check_preprocessing(found)
        except TabularError as exc:
            raise CommandError(f"{source.path}: {exc}") from None
    return None


def _file_dataset(source: _Input) -> str:
    """The dataset the file's network was trained on, else digits (training_script checks
    it)."""
    if source.checkpoint is not None:
        extra = source.checkpoint.get("extra")
        found = extra.get("dataset") if isinstance(extra, dict) else None
        return found if isinstance(found, str) and found else "digits"
    return source.project.dataset if source.project is not None else "digits"


def _source(args: argparse.Namespace, spec, settings: dict,
            preprocessing: dict | None = None, dataset: str = "digits") -> str:
    """A module (python) or a training script (script) for ``spec`` with ``settings`` (a
    checkpoint's or a project's), checked before any of them reaches the generated code; a
    module of a network trained on a table also gets its ``preprocess(rows)``."""
    from netbuilder.core.spec import SpecError
    from netbuilder.core.training import TrainingError

    try:
        if args.format == "python":
            from netbuilder.core.codegen import generate

            return generate(spec, style=args.style, preprocessing=preprocessing)
        from netbuilder.core.train_script import training_script

        return training_script(spec, settings, script_name=args.out.name, dataset=dataset,
                               preprocessing=preprocessing)
    except SpecError as exc:
        raise CommandError(_problem_lines(f"{args.spec} cannot be written as code:", exc)
                           ) from None
    except (TrainingError, ValueError) as exc:
        raise CommandError(f"{args.spec}: {exc}") from None
