"""Templates by name: ``netbuilder templates`` lists the shipped networks, and every command that
reads a network takes a template's name (``netbuilder summary lenet5``) in place of a file,
since after a pip install the README's ``resources/templates/…`` paths do not exist."""

from __future__ import annotations

import argparse
import difflib
import logging
import os
from pathlib import Path

from netbuilder.cli.messages import CommandError

# A word with one of these endings names a file, never a template.
FILE_SUFFIXES = (".json", ".nbproj", ".pth", ".pt", ".py")
MIN_DESCRIPTION = 30  # characters of a description shown however narrow the terminal

log = logging.getLogger(__name__)


def _resolve_network(path: Path) -> Path:
    """The file a command reads: ``path`` itself when it exists or looks like a path, else the
    shipped template of that name; a bare word that is neither is refused, with a suggestion."""
    text = str(path)
    if path.exists() or os.sep in text or "/" in text or path.suffix.lower() in FILE_SUFFIXES:
        return path
    from netbuilder.core.resources import TEMPLATES, template_names

    names = template_names()
    if text in names:
        found = TEMPLATES / f"{text}.json"
        log.info("%s: the shipped template %s", text, found)
        return found
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise CommandError(f"no template or file named {text}; `netbuilder templates` lists the "
                       f"templates{hint}")


def _templates(args: argparse.Namespace) -> int:
    """Print one line per template: name, input shape, parameters, the start of its story."""
    import shutil

    rows = [_template_row(name) for name in _names()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    room = max(MIN_DESCRIPTION, shutil.get_terminal_size().columns - sum(widths) - 7)
    for name, shape, params, about in rows:
        print(f"{name.ljust(widths[0])}  {shape.ljust(widths[1])}  {params.rjust(widths[2])}  "
              f"{_shortened(about, room)}".rstrip())
    print("\nUse a name wherever a command takes a network: netbuilder summary lenet5")
    return 0


def _names() -> list[str]:
    from netbuilder.core.resources import template_names

    return template_names()


def _template_row(name: str) -> tuple[str, str, str, str]:
    from netbuilder.core.resources import load_template_project
    from netbuilder.core.spec import SpecError

    try:
        spec = load_template_project(name).spec
    except (SpecError, KeyError, OSError) as exc:
        return name, "-", "-", f"cannot be read: {str(exc).splitlines()[0]}"
    shape = "×".join(str(size) for size in spec.input_shape)
    return name, shape, _parameter_count(spec), spec.description.split(". ")[0].rstrip(".")


def _parameter_count(spec) -> str:
    """``61,706 params``, counted on the meta device (no memory, no forward pass)."""
    import torch

    from netbuilder.core.builder import build

    try:
        with torch.device("meta"):
            model = build(spec)
        count = sum(p.numel() for p in model.parameters())
    except Exception as exc:  # a template that cannot be built still gets its line
        log.debug("counting the parameters of %s failed: %s", spec.class_name, exc)
        return "? params"
    return f"{count:,} params"


def _shortened(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"
