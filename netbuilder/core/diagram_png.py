"""Fonts for the network diagram, and its PNG: the same shapes the SVG gets, drawn with Pillow.

The layout measures its texts with the fonts found here (DejaVu Sans where the system has it,
else Pillow's bundled font), so that a card is as wide as its longest line in the picture. A
text with characters the font lacks (Chinese layer names) is drawn with a CJK font when one is
installed; the bundled font has no arrows, so they are written as ASCII there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REGULAR = ("DejaVuSans.ttf", "Arial.ttf", "arial.ttf", "LiberationSans-Regular.ttf",
           "NotoSans-Regular.ttf", "Helvetica.ttc")
BOLD = ("DejaVuSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf", "LiberationSans-Bold.ttf",
        "NotoSans-Bold.ttf")
WIDE = ("NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.otf", "wqy-microhei.ttc",
        "msyh.ttc", "PingFang.ttc")  # for characters the first font lacks
ASCII = {"→": "->", "×": "x", "…": "...", "·": "-", "⊕": "+"}
# Pillow refuses images beyond ~179 megapixels; far below that a PNG is no use on a slide.
MAX_PIXELS = 60_000_000


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False, wide: bool = False) -> ImageFont.ImageFont:
    for name in WIDE if wide else BOLD if bold else REGULAR:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    if wide:
        return font(size, bold)
    return ImageFont.load_default(size)


@lru_cache(maxsize=4096)
def _has_glyph(face: ImageFont.ImageFont, char: str) -> bool:
    """Whether ``face`` draws ``char`` rather than its 'missing' box."""
    if char.isspace() or char.isascii():
        return True
    missing = face.getmask("\uffff")
    mask = face.getmask(char)
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def face_for(text: str, size: int, bold: bool = False) -> tuple[ImageFont.ImageFont, str]:
    """The font to draw ``text`` with, and the text as that font can show it."""
    face = font(size, bold)
    if all(_has_glyph(face, c) for c in text):
        return face, text
    wide = font(size, bold, wide=True)
    if wide is not face and all(_has_glyph(wide, c) for c in text):
        return wide, text
    shown = "".join(ASCII.get(c, c) for c in text)
    return face, "".join(c if _has_glyph(face, c) else "?" for c in shown)


def text_width(text: str, size: int, bold: bool = False) -> float:
    face, shown = face_for(text, size, bold)
    return float(face.getlength(shown))


def render_png(primitives, width: float, height: float, path: Path, scale: float = 2.0) -> None:
    """Draw the layout's primitives (see ``diagram``) at ``scale`` pixels per unit."""
    while scale > 1 and width * height * scale * scale > MAX_PIXELS:
        scale /= 2
    if width * height * scale * scale > MAX_PIXELS:
        raise ValueError(f"the diagram is {int(width)}×{int(height)} units, too large for a PNG "
                         f"(at most {MAX_PIXELS // 1_000_000} megapixels); export it as SVG")
    image = Image.new("RGB", (max(1, round(width * scale)), max(1, round(height * scale))),
                      "white")
    draw = ImageDraw.Draw(image)

    def s(value: float) -> float:
        return value * scale

    for p in primitives:
        kind = p[0]
        if kind == "rect":
            _, x, y, w, h, fill, stroke, radius, stroke_width = p
            draw.rounded_rectangle((s(x), s(y), s(x + w), s(y + h)), radius=s(radius),
                                   fill=fill, outline=stroke, width=max(1, round(s(stroke_width))))
        elif kind == "line":
            _, x1, y1, x2, y2, colour, arrow = p
            draw.line((s(x1), s(y1), s(x2), s(y2)), fill=colour, width=max(1, round(s(1.4))))
            if arrow:
                draw.polygon([(s(x2), s(y2)), (s(x2 - 4), s(y2 - 7)), (s(x2 + 4), s(y2 - 7))],
                             fill=colour)
        elif kind == "circle":
            _, cx, cy, r, fill, stroke = p
            draw.ellipse((s(cx - r), s(cy - r), s(cx + r), s(cy + r)), fill=fill, outline=stroke,
                         width=max(1, round(s(1.4))))
        elif kind == "text":
            _, x, y, text, size, bold, colour, anchor = p
            face, shown = face_for(text, round(s(size)), bold)
            draw.text((s(x), s(y)), shown, fill=colour, font=face,
                      anchor={"start": "ls", "middle": "ms", "end": "rs"}[anchor])
    image.save(path, format="PNG")
