"""``netbuilder import``: a network spec read from an nn.Module class in a Python file."""

from __future__ import annotations

import argparse
import json
import sys

from netbuilder.cli.messages import CommandError, _count, _reason


def _import(args: argparse.Namespace) -> int:
    from netbuilder.core.atomic import SaveError, atomic_write_text
    from netbuilder.core.builder import build
    from netbuilder.core.importer import ModelImportError, import_model

    for option, target in (("--out", args.out), ("--key-map", args.key_map)):
        if target is not None and target.exists() and args.file.exists() \
                and target.resolve() == args.file.resolve():
            raise CommandError(f"{option} {target} is the file to import: give another file")
    for target in (args.out, args.key_map):
        folder = target.parent if target is not None else None
        if folder is not None and not folder.is_dir():  # said before the file runs, not after
            raise CommandError(f"cannot write {target}: there is no folder {folder}")
    try:
        result = import_model(args.file, args.class_name, args.input_shape, args.timeout,
                              num_classes=args.num_classes)
    except ModelImportError as exc:
        raise CommandError(f"cannot import {args.class_name} from {args.file}: {exc}") from None
    spec = result.spec
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    renamed = any(old != new for old, new in result.key_map.items())
    if renamed and args.key_map is None:
        print("note: --key-map FILE.json writes the whole key map", file=sys.stderr)
    writes = [(args.out, spec.to_json())]
    if args.key_map is not None:
        writes.append((args.key_map, json.dumps(result.key_map, indent=2) + "\n"))
    for path, text in writes:
        try:
            atomic_write_text(path, text)
        except SaveError as exc:
            raise CommandError(str(exc)) from None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot write {path}: {_reason(exc)}") from None
    params = sum(p.numel() for p in build(spec, device="meta", validated=True).parameters())
    layers = sum(1 for _ in spec.layers())
    print(f"wrote {args.out} ({spec.class_name}: {_count(layers, 'layer')}, {params:,} "
          "parameters)")
    if args.key_map is not None:
        print(f"wrote {args.key_map} (key map: {len(result.key_map)} keys"
              + (", some renamed)" if renamed else ", all unchanged)"))
    return 0
