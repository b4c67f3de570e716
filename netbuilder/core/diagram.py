"""A picture of the network for slides and papers, like Keras' ``plot_model``: one card per layer
(name, kind with its key arguments, output shape and parameters), arrows between them, blocks as
frames, a residual's body and shortcut side by side meeting at a ⊕, a parallel's branches side by
side meeting at their merge.

One layout gives both files: :func:`layout` places plain primitives (rectangles, lines,
circles, texts); :func:`svg_text` writes them as SVG, every text through :func:`escape` (layer
names come from files anyone may write); ``diagram_png.render_png`` draws them with Pillow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

from netbuilder.core.analysis import Analysis, LayerInfo, format_shape
from netbuilder.core.diagram_png import render_png, text_width
from netbuilder.core.layer_text import category_colour, key_args
from netbuilder.core.spec import (
    BlockSpec,
    Item,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
)

FORMATS = ("svg", "png")
ERROR_COLOUR, INK, MUTED, LINE = "#c62828", "#222222", "#666666", "#555555"
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
TITLE, BOLD, SMALL = 15, 13, 12  # font sizes
CARD_H, STRIPE, PAD, GAP = 60, 6, 10, 26  # a card, its colour stripe, padding, arrow length
MIN_CARD_W, MAX_TEXT_W = 200, 380  # texts longer than MAX_TEXT_W are cut with '…'
HEADER, FRAME_PAD, COLUMN_GAP, LABEL_H, MERGE_R = 24, 12, 28, 18, 11
MARGIN = 20
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """``text`` safe inside an SVG element or a double-quoted attribute: &, <, >, " and '
    escaped, characters XML forbids replaced by '?'."""
    return _xml_escape(_INVALID_XML.sub("?", str(text)), {'"': "&quot;", "'": "&apos;"})


def _fit(text: str, size: int, bold: bool = False, limit: float = MAX_TEXT_W) -> str:
    """``text`` cut with '…' to ``limit`` wide."""
    if text_width(text, size, bold) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle] + "…", size, bold) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


@dataclass
class Diagram:
    """Primitives in units of one pixel at scale 1: ('rect', x, y, w, h, fill, stroke, radius,
    stroke_width), ('line', x1, y1, x2, y2, colour, arrow), ('circle', cx, cy, r, fill, stroke),
    ('text', x, y, text, size, bold, colour, anchor) with y the baseline."""

    width: float
    height: float
    primitives: list[tuple] = field(default_factory=list)


@dataclass
class _Node:
    """A laid-out piece: its size, and how to draw it with its top-left corner at (x, y). Flow
    enters at the middle of its top edge and leaves at the middle of its bottom edge."""

    w: float
    h: float
    draw: Callable[[float, float, list], None]


def _text(out: list, x, y, text, size=SMALL, bold=False, colour=INK, anchor="start") -> None:
    out.append(("text", x, y, text, size, bold, colour, anchor))


def _arrow(out: list, x, y1, y2, arrow=True) -> None:
    out.append(("line", x, y1, x, y2, LINE, arrow))


class _Layout:
    """Measures every card first (all cards get the widest one's width), then builds nodes."""

    def __init__(self, spec: NetworkSpec, analysis: Analysis):
        self.analysis = analysis
        self.lines: dict[str, list[str]] = {}
        widest = 0.0
        for path, layer in spec.layers():
            lines = self.card_lines(layer, analysis.row(path))
            self.lines[path] = lines
            widest = max(widest, text_width(lines[0], BOLD, True),
                         *(text_width(t, SMALL) for t in lines[1:]))
        self.card_w = max(MIN_CARD_W, math.ceil(STRIPE + 2 * PAD + widest))

    @staticmethod
    def card_lines(layer: LayerSpec, row: LayerInfo | None) -> list[str]:
        detail = " ".join(part for part in (layer.kind, key_args(layer)) if part)
        if row is None or row.error or row.output_shape is None:
            shape = "shapes do not fit"
        else:
            shape = f"{format_shape(row.output_shape)} · {row.params:,} params"
        return [_fit(layer.name, BOLD, True), _fit(detail, SMALL), _fit(shape, SMALL)]

    def stack(self, items: list[Item], prefix: str) -> _Node:
        nodes = [self.item(item, f"{prefix}{item.name}") for item in items]
        if not nodes:
            return self.identity()
        w = max(n.w for n in nodes)
        h = sum(n.h for n in nodes) + GAP * (len(nodes) - 1)

        def draw(x, y, out):
            for index, node in enumerate(nodes):
                node.draw(x + (w - node.w) / 2, y, out)
                y += node.h
                if index < len(nodes) - 1:
                    _arrow(out, x + w / 2, y, y + GAP)
                    y += GAP

        return _Node(w, h, draw)

    @staticmethod
    def identity() -> _Node:
        def draw(x, y, out):  # its column's label says "identity"
            _arrow(out, x + 40, y, y + 36, arrow=False)

        return _Node(80, 36, draw)

    def item(self, item: Item, path: str) -> _Node:
        row = self.analysis.row(path)
        if isinstance(item, LayerSpec):
            return self.card(item, row, self.lines[path])
        if isinstance(item, BlockSpec):
            return self.frame(item, row, "Block", [("", self.stack(item.items, path + "."))],
                              None)
        if isinstance(item, ResidualSpec):
            shortcut = "shortcut" if item.shortcut else "shortcut (identity)"
            columns = [("body", self.stack(item.body, f"{path}.body.")),
                       (shortcut, self.stack(item.shortcut, f"{path}.shortcut."))]
            merge = "sum" + (f", then {item.activation}" if item.activation else "")
            return self.frame(item, row, "Residual", columns, merge)
        assert isinstance(item, ParallelSpec)
        columns = [(f"branch {index + 1}" + ("" if branch else " (identity)"),
                    self.stack(branch, f"{path}.branches.{index}."))
                   for index, branch in enumerate(item.branches)]
        merge = f"concat, dim {item.dim}" if item.merge == "concat" else item.merge
        return self.frame(item, row, "Parallel", columns, merge)

    def card(self, layer: LayerSpec, row: LayerInfo | None, lines: list[str]) -> _Node:
        broken = row is None or row.error is not None or row.output_shape is None
        colour = category_colour(layer.kind)
        w = self.card_w

        def draw(x, y, out):
            out.append(("rect", x, y, w, CARD_H, "#ffffff", ERROR_COLOUR if broken else colour,
                        6, 2 if broken else 1.2))
            out.append(("rect", x, y, STRIPE, CARD_H, colour, colour, 3, 0))
            left = x + STRIPE + PAD
            _text(out, left, y + 19, lines[0], BOLD, True)
            _text(out, left, y + 36, lines[1], SMALL, colour=MUTED)
            _text(out, left, y + 52, lines[2], SMALL, colour=ERROR_COLOUR if broken else INK)

        return _Node(w, CARD_H, draw)

    def frame(self, item: Item, row: LayerInfo | None, kind: str,
              columns: list[tuple[str, _Node]], merge: str | None) -> _Node:
        """A container: a frame with a header; its stacks side by side (one for a block), the
        lines from its input to each, and, where they meet, the merge and the shape after
        it."""
        title = _fit(f"{item.name} · {kind}", SMALL, True)
        broken = row is None or row.error is not None or row.output_shape is None
        shape = "shapes do not fit" if broken else format_shape(row.output_shape)
        labels = [_fit(label, SMALL) for label, _node in columns]
        nodes = [node for _label, node in columns]
        has_labels = any(labels)
        fork = 16 if len(columns) > 1 else 6
        top = HEADER + fork + (LABEL_H if has_labels else 0)
        inner = [max(node.w, text_width(label, SMALL) + 8) for label, node in columns]
        content = sum(inner) + COLUMN_GAP * (len(inner) - 1)
        merge_w = 2 * (MERGE_R + 6 + max(text_width(merge or "", SMALL),
                                         text_width(shape, SMALL)))
        w = max(content, text_width(title, SMALL, True), merge_w) + 2 * FRAME_PAD
        column_h = max(node.h for node in nodes)
        h = top + column_h + ((GAP + 2 * MERGE_R + 24) if merge else 8) + FRAME_PAD

        def draw(x, y, out):
            stroke = ERROR_COLOUR if broken else category_colour(kind)
            fill = "#f6f6f8" if kind == "Block" else "#fffaf0"
            out.append(("rect", x, y, w, h, fill, stroke, 8, 2 if broken else 1.2))
            _text(out, x + FRAME_PAD, y + 17, title, SMALL, True)
            cx = x + w / 2
            left = x + (w - content) / 2
            centres = []
            for column_w in inner:
                centres.append(left + column_w / 2)
                left += column_w + COLUMN_GAP
            fork_y = y + HEADER + fork / 2
            columns_y = y + top
            bottom = columns_y + column_h
            entry = y + HEADER - 2  # the header's text stays clear of lines
            if len(columns) > 1:
                _arrow(out, cx, entry, fork_y, arrow=False)
                out.append(("line", centres[0], fork_y, centres[-1], fork_y, LINE, False))
            for centre, label, node in zip(centres, labels, nodes, strict=True):
                start = fork_y if len(columns) > 1 else entry
                _arrow(out, centre, start, columns_y - (LABEL_H if label else 0),
                       arrow=len(columns) > 1)
                if label:
                    _text(out, centre, columns_y - 5, label, SMALL, colour=MUTED,
                          anchor="middle")
                node.draw(centre - node.w / 2, columns_y, out)
                if node.h < column_h:
                    _arrow(out, centre, columns_y + node.h, bottom, arrow=False)
            if not merge:  # a block: the flow goes on to the frame's bottom edge
                _arrow(out, cx, bottom, y + h, arrow=False)
                return
            join_y = bottom + GAP / 2
            for centre in centres:
                _arrow(out, centre, bottom, join_y, arrow=False)
            out.append(("line", centres[0], join_y, centres[-1], join_y, LINE, False))
            merge_y = bottom + GAP + MERGE_R
            _arrow(out, cx, join_y, merge_y - MERGE_R)
            out.append(("circle", cx, merge_y, MERGE_R, "#ffffff", LINE))
            if kind == "Residual" or getattr(item, "merge", "") == "sum":  # ⊕, drawn
                out.append(("line", cx - 6, merge_y, cx + 6, merge_y, INK, False))
                out.append(("line", cx, merge_y - 6, cx, merge_y + 6, INK, False))
            else:  # concatenation, mean
                _text(out, cx, merge_y + 4, "C" if item.merge == "concat" else "M", SMALL,
                      True, anchor="middle")
            _text(out, cx + MERGE_R + 6, merge_y + 4, merge, SMALL, colour=MUTED)
            _arrow(out, cx, merge_y + MERGE_R, y + h, arrow=False)
            _text(out, cx + 6, merge_y + MERGE_R + 16, shape, SMALL,
                  colour=ERROR_COLOUR if broken else INK)

        return _Node(w, h, draw)


def layout(spec: NetworkSpec, analysis: Analysis) -> Diagram:
    """The diagram of ``spec`` as :class:`Diagram` primitives, from its ``analysis``."""
    builder = _Layout(spec, analysis)
    body = builder.stack(spec.items, "")
    title = _fit(spec.class_name, TITLE, True, 2 * MAX_TEXT_W)
    totals = f"{analysis.total_params:,} parameters · {analysis.macs:,} MACs per sample"
    input_text = f"input {format_shape(analysis.input_shape)}"
    output_text = f"output {format_shape(analysis.output_shape)}"
    width = math.ceil(max(body.w, text_width(title, TITLE, True), text_width(totals, SMALL),
                          text_width(input_text, SMALL) + 24,
                          text_width(output_text, SMALL) + 24) + 2 * MARGIN)
    pill_h = 26
    height = MARGIN + 44 + pill_h + GAP + body.h + GAP + pill_h + MARGIN
    out: list[tuple] = [("rect", 0, 0, width, height, "#ffffff", "#ffffff", 0, 0)]
    _text(out, MARGIN, MARGIN + 14, title, TITLE, True)
    _text(out, MARGIN, MARGIN + 32, totals, SMALL, colour=MUTED)
    cx = width / 2
    y = MARGIN + 44
    for index, text in enumerate((input_text, output_text)):
        pill_w = text_width(text, SMALL) + 24
        pill_y = y if index == 0 else height - MARGIN - pill_h
        out.append(("rect", cx - pill_w / 2, pill_y, pill_w, pill_h, "#eef2f7", "#8a99ad", 13,
                    1.2))
        _text(out, cx, pill_y + 17, text, SMALL, anchor="middle")
    _arrow(out, cx, y + pill_h, y + pill_h + GAP)
    body.draw(cx - body.w / 2, y + pill_h + GAP, out)
    bottom = y + pill_h + GAP + body.h
    _arrow(out, cx, bottom, bottom + GAP)
    return Diagram(width, height, out)


def svg_text(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document."""
    w, h = _num(diagram.width), _num(diagram.height)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" font-family="{escape(FONT_FAMILY)}">']
    for p in diagram.primitives:
        kind = p[0]
        if kind == "rect":
            _, x, y, rw, rh, fill, stroke, radius, stroke_width = p
            parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(rw)}" '
                         f'height="{_num(rh)}" rx="{_num(radius)}" fill="{escape(fill)}" '
                         f'stroke="{escape(stroke)}" stroke-width="{_num(stroke_width)}"/>')
        elif kind == "line":
            _, x1, y1, x2, y2, colour, arrow = p
            parts.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" '
                         f'y2="{_num(y2)}" stroke="{escape(colour)}" stroke-width="1.4"/>')
            if arrow:
                parts.append(f'<polygon points="{_num(x2)},{_num(y2)} {_num(x2 - 4)},'
                             f'{_num(y2 - 7)} {_num(x2 + 4)},{_num(y2 - 7)}" '
                             f'fill="{escape(colour)}"/>')
        elif kind == "circle":
            _, cx, cy, r, fill, stroke = p
            parts.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" '
                         f'fill="{escape(fill)}" stroke="{escape(stroke)}" stroke-width="1.4"/>')
        elif kind == "text":
            _, x, y, text, size, bold, colour, anchor = p
            weight = ' font-weight="bold"' if bold else ""
            parts.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}"{weight} '
                         f'fill="{escape(colour)}" text-anchor="{escape(anchor)}">'
                         f'{escape(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"non-finite coordinate {value!r} in the diagram")
    return f"{value:.1f}".rstrip("0").rstrip(".")


def write_diagram(spec: NetworkSpec, analysis: Analysis, path: Path, fmt: str | None = None,
                  scale: float = 2.0) -> str:
    """Write the diagram as SVG or PNG (``fmt``, else from the suffix); returns the format.
    Raises ValueError for an unknown format or a picture too large for a PNG, OSError when the
    file cannot be written."""
    from netbuilder.core.atomic import atomic_write_bytes, atomic_write_text

    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"a diagram is written as {' or '.join(FORMATS)}, not "
                         f"{fmt or 'a file without a suffix'!r}")
    diagram = layout(spec, analysis)
    if fmt == "svg":
        atomic_write_text(path, svg_text(diagram))
    else:
        import io

        buffer = io.BytesIO()
        render_png(diagram.primitives, diagram.width, diagram.height, buffer, scale)
        atomic_write_bytes(path, buffer.getvalue())
    return fmt
