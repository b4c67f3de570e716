"""Argument values as the properties panel's editors show and read them, e.g. '3, 5' ↔ [3, 5].

Only the syntax is handled here; ranges and list lengths are :meth:`Arg.check`'s. The messages
keep the ``PropertiesPanel`` translation context, where they were written first.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QCoreApplication

from netbuilder.core.catalog import BOOL, CHOICE, FLOAT, FLOATS, INT, SHAPE, SIZE, Arg
from netbuilder.gui.text import fill

# pyside6-lupdate finds the texts of translate("Context", "literal") calls
translate = QCoreApplication.translate

_INTEGER = re.compile(r"^[+-]?\d+$")


def format_arg_value(arg: Arg, value: Any) -> str:
    """How an editor shows a value: '3, 5' for sizes and shapes, '1e-05' for floats."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if arg.type == FLOAT and isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def _integers(text: str) -> list[int] | None:
    """'3, 5' / '3 5' / '[3, 5]' → [3, 5]; None when it is not a list of integers."""
    text = text.strip()
    if len(text) >= 2 and text[0] + text[-1] in ("[]", "()"):
        text = text[1:-1].strip()
    if not text:
        return None
    parts = [p.strip() for p in re.split(r"\s*,\s*|\s+", text)]
    if not all(_INTEGER.match(p) for p in parts):
        return None
    return [int(p) for p in parts]


def _size_expectation(arg: Arg) -> str:
    options = [translate("PropertiesPanel", "an integer")]
    if arg.dims > 1:
        options.append(fill(translate("PropertiesPanel", "a list of %1 integers"), arg.dims))
    if arg.strings:
        options.append(fill(translate("PropertiesPanel", "one of: %1"),
                            ", ".join(arg.strings)))
    if arg.nullable:
        options.append(translate("PropertiesPanel", "nothing (none)"))
    if len(options) == 1:
        return options[0]
    return fill(translate("PropertiesPanel", "%1 or %2"), ", ".join(options[:-1]), options[-1])


def expectation_error(expected: str, text: str) -> ValueError:
    """'expected <what>, got <text>': the message an editor shows for text it cannot read."""
    return ValueError(fill(translate("PropertiesPanel", "expected %1, got %2"),
                           expected, repr(text)))


def parse_arg_text(arg: Arg, text: str) -> Any:
    """The value typed in an editor, or ValueError saying what was expected.

    Only the syntax is checked here; ranges and list lengths are left to :meth:`Arg.check`.
    """
    raw = text.strip()
    if not raw and arg.nullable:
        return None
    if arg.type == FLOAT:
        try:
            return float(raw)
        except ValueError:
            raise expectation_error(translate("PropertiesPanel", "a number"), text) from None
    if arg.type == INT:
        if not _INTEGER.match(raw):
            raise expectation_error(translate("PropertiesPanel", "an integer"), text)
        return int(raw)
    if arg.type == BOOL:
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if raw.lower() not in words:
            raise expectation_error(translate("PropertiesPanel", "true or false"), text)
        return words[raw.lower()]
    if arg.type == CHOICE:
        for choice in arg.choices:
            if str(choice) == raw:
                return choice
        raise expectation_error(fill(translate("PropertiesPanel", "one of: %1"),
                                     ", ".join(map(str, arg.choices))), text)
    if arg.type == SIZE:
        if raw in arg.strings:
            return raw
        values = _integers(raw)
        if values is None:
            raise expectation_error(_size_expectation(arg), text)
        return values[0] if len(values) == 1 else values
    if arg.type == SHAPE:
        values = _integers(raw)
        if values is None:
            raise expectation_error(
                translate("PropertiesPanel", "a list of integers like 1, 28, 28"), text)
        return values
    if arg.type == FLOATS:
        numbers = _numbers(raw)
        if numbers is None:
            raise expectation_error(
                translate("PropertiesPanel", "a list of numbers like 0.49, 0.48, 0.45"), text)
        return numbers
    raise expectation_error(arg.describe(), text)


def _numbers(text: str) -> list[float] | None:
    """'0.49, 0.48' / '[0.49 0.48]' → [0.49, 0.48]; None when it is not a list of numbers."""
    if len(text) >= 2 and text[0] + text[-1] in ("[]", "()"):
        text = text[1:-1].strip()
    if not text:
        return None
    try:
        return [float(part) for part in re.split(r"\s*,\s*|\s+", text)]
    except ValueError:
        return None
