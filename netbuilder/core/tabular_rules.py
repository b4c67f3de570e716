"""The rules every step of tabular data shares (see :mod:`netbuilder.core.tabular`): the
tasks and limits, what counts as a missing value or a number, the one error type with the
helpers that word its messages safely, and the encoding of checked values into float32
features, so that reading a CSV file and preprocessing new rows give the same tensors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import torch

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
AUTO = "auto"
KIND = "tabular"
VERSION = 1

MAX_COLUMNS = 1_000
MAX_ROWS = 2_000_000
MAX_CATEGORIES = 1_000  # per categorical column, counted in the training rows
MAX_CLASSES = 1_000
MAX_FEATURES = 20_000
MAX_VALUES = 400_000_000  # rows × features of one tensor: 1.6 GB of float32
# A numeric target with integer values is taken for class labels up to this many values.
AUTO_CLASS_LIMIT = 20
MISSING_TOKENS = ("", "na", "n/a", "nan", "null", "none")  # compared after strip().lower()
MISSING_WORDS = "empty, NA, N/A, NaN, null or None"
# Plain ASCII decimal numbers; float() alone would also take "inf", "1_000" and "١٢".
NUMBER_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)
_LISTED = 10  # how many missing values an error lists by place
_NAME_SHOWN = 60


class TabularError(ValueError):
    """A CSV file, a preprocessing dict or a row that cannot be used; the message says where."""


# -- values ---------------------------------------------------------------------------------------

def _is_missing(text: str) -> bool:
    return text.lower() in MISSING_TOKENS


def _parse_number(text: str) -> float | None:
    """The finite float a stripped value means, or None when it is text."""
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _show(name: str) -> str:
    """A column name fit for a message: as is when plain, else quoted and cut short, so a
    hostile name cannot fake lines or hide text in the message."""
    if name.isprintable() and 0 < len(name) <= _NAME_SHOWN and name.strip() == name:
        return name
    return repr(name[:_NAME_SHOWN]) + ("…" if len(name) > _NAME_SHOWN else "")


def _show_value(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _NAME_SHOWN else text[:_NAME_SHOWN] + "…"


def _and_list(items: list[str]) -> str:
    """"1", "1 and 2", "1, 2 and 5"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _number_text(value: float) -> str:
    """A class name for a numeric label: 3 not 3.0."""
    return str(int(value)) if value.is_integer() else repr(value)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- encoding -----------------------------------------------------------------------------------

def _width(column: dict) -> int:
    return len(column["categories"]) if column["type"] == "categorical" else 1


def _encode(columns: list[dict], values: dict[str, list], row_numbers: Sequence[int],
            prefix: str) -> torch.Tensor:
    """float32 [N, F] from checked values: floats for numeric columns, stripped text for
    categorical ones. The arithmetic is Python's float64, as in the generated ``preprocess``,
    so both give the same float32 values bit for bit."""
    count = len(row_numbers)
    width = sum(_width(column) for column in columns)
    if count * width > MAX_VALUES:
        raise TabularError(f"{prefix}{count:,} rows × {width:,} features are more than "
                           f"{MAX_VALUES:,} values; use fewer rows, columns or categories")
    out = torch.zeros(count, width, dtype=torch.float32)
    offset = 0
    for column in columns:
        name = column["name"]
        if column["type"] == "numeric":
            mean, scale = column["mean"], column["scale"]
            scaled = torch.tensor([(value - mean) / scale for value in values[name]],
                                  dtype=torch.float64)
            out[:, offset] = scaled.to(torch.float32)
            too_far = (~torch.isfinite(out[:, offset])).nonzero()
            if len(too_far):
                row = row_numbers[int(too_far[0, 0])]
                raise TabularError(f"{prefix}row {row}, column {_show(name)}: the value is too "
                                   "far from the training values to fit in float32")
        else:
            lookup = {category: i for i, category in enumerate(column["categories"])}
            places = torch.tensor([lookup.get(text, -1) for text in values[name]],
                                  dtype=torch.int64)
            known = (places >= 0).nonzero().flatten()
            out[known, offset + places[known]] = 1.0  # unseen categories stay all zeros
        offset += _width(column)
    return out

