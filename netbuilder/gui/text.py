"""Filling translated texts: one style for the whole GUI, Qt's ``%1 %2`` placeholders.

Translators know ``%1``; a translation may move it anywhere in the sentence. Write
``fill(self.tr("Rename %1 to %2"), old, new)`` so that pyside6-lupdate still sees the literal
inside ``self.tr``. Numbers are formatted by the caller (``f"{count:,}"``), as each text needs.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"%([1-9])")


def fill(text: str, *values: object) -> str:
    """``text`` with ``%1`` … ``%9`` replaced by ``values`` in one pass, so that a value which
    itself contains ``%2`` is never substituted again. A placeholder without a value stays, as
    ``QString.arg`` leaves it."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return str(values[index]) if index < len(values) else match.group(0)

    return _PLACEHOLDER.sub(value, text)


def plural(count: int, one: str, many: str) -> str:
    """'1 layer' or '3 layers': ``one`` and ``many`` come translated already (``self.tr("1
    layer")``, ``self.tr("%1 layers")``) so that pyside6-lupdate sees both texts; ``%1`` in
    ``many`` becomes the count."""
    return one if count == 1 else fill(many, f"{count:,}")
