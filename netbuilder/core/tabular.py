"""Tabular data from a CSV file: training tensors plus the preprocessing that made them.

A CSV file is hostile until checked, so all of it is parsed and validated into plain values
before any tensor is made, and whatever is wrong is raised as one :class:`TabularError` that
names the file, the row (1-based as a spreadsheet shows it: the header is row 1) and the column.

Everything the features depend on is kept in a JSON-able ``preprocessing`` dict, so a project can
save it, a checkpoint can carry it, and exported code can repeat it exactly
(:func:`preprocessing_source`)::

    {"kind": "tabular", "version": 1, "target": "y", "task": "classification",
     "columns": [{"name": "x", "type": "numeric", "mean": 2.5, "scale": 1.1},
                 {"name": "colour", "type": "categorical", "categories": ["blue", "red"]}],
     "classes": ["no", "yes"],          # classification only
     "features": 3}

Rules, the same in :func:`load_csv`, :func:`preprocess_rows` and the generated ``preprocess``:

* Values are stripped of surrounding white space. Empty, ``NA``, ``N/A``, ``NaN``, ``null`` and
  ``None`` (any case) are missing values; they are reported, never dropped or filled in.
* A number is plain decimal text such as ``3``, ``-2.5``, ``.5`` or ``1e3`` that is finite as a
  float (``inf``, ``1_000`` or non-ASCII digits are text).
* A feature column is numeric when every value is a number, else categorical. Numeric columns
  are standardised with the mean and the population standard deviation of the training rows
  only (a constant column keeps scale 1). Categorical columns are one-hot encoded over the
  categories seen in the training rows, sorted; a category the training rows never had (in the
  validation rows or in new data) becomes all zeros, as "none of the known ones".
* Features are in file order; a categorical column gives one feature per category.
* Only commas separate fields; quotes follow the CSV standard. Blank lines are skipped but still
  counted, so row numbers stay those of a spreadsheet.

This module reads a CSV file into a :class:`TabularData`; the shared rules (limits, missing
values, numbers, encoding) live in :mod:`netbuilder.core.tabular_rules`, and checking, applying
and exporting a saved dict in :mod:`netbuilder.core.tabular_preprocessing`. Their public names
are importable from here as well.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from dataclasses import dataclass

import torch

from netbuilder.core.tabular_preprocessing import (
    check_preprocessing,
    preprocess_rows,
    preprocessing_source,
)
from netbuilder.core.tabular_rules import (
    _LISTED,
    AUTO,
    AUTO_CLASS_LIMIT,
    CLASSIFICATION,
    KIND,
    MAX_CATEGORIES,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_FEATURES,
    MAX_ROWS,
    MAX_VALUES,
    MISSING_TOKENS,
    MISSING_WORDS,
    NUMBER_PATTERN,
    REGRESSION,
    TASKS,
    VERSION,
    TabularError,
    _and_list,
    _encode,
    _is_integer,
    _is_missing,
    _is_real,
    _number_text,
    _parse_number,
    _show,
    _show_value,
    _width,
)

__all__ = [
    "AUTO", "AUTO_CLASS_LIMIT", "CLASSIFICATION", "KIND", "MAX_CATEGORIES", "MAX_CLASSES",
    "MAX_COLUMNS", "MAX_FEATURES", "MAX_ROWS", "MAX_VALUES", "MISSING_TOKENS", "MISSING_WORDS",
    "NUMBER_PATTERN", "REGRESSION", "TASKS", "VERSION", "TabularData", "TabularError",
    "check_preprocessing", "load_csv", "preprocess_rows", "preprocessing_source", "read_columns",
]


@dataclass
class TabularData:
    """Standardised / one-hot features and targets, split, with the preprocessing that made them."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    task: str
    class_names: list[str]
    preprocessing: dict

    @property
    def input_shape(self) -> list[int]:
        return [int(self.train_x.shape[1])]

    @property
    def num_classes(self) -> int:
        """Classes for classification; the one output of a regression."""
        return len(self.class_names) if self.task == CLASSIFICATION else 1

    def __str__(self) -> str:
        what = (f"{self.num_classes} classes" if self.task == CLASSIFICATION
                else f"regression of {self.class_names[0]}")
        return (f"{self.name}: {len(self.train_x):,} training / {len(self.val_x):,} validation "
                f"rows of {self.input_shape[0]} features, {what}")


# -- reading the file ---------------------------------------------------------------------------

def _read_text(path: str, prefix: str, max_bytes: int) -> str:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise TabularError(f"{prefix}not a regular file")
        if info.st_size > max_bytes:
            raise TabularError(f"{prefix}{info.st_size:,} bytes is larger than the "
                               f"{max_bytes:,} bytes a CSV file may have")
        with open(path, "rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as error:
        raise TabularError(f"{prefix}cannot be read ({error.strerror or error})") from None
    if len(raw) > max_bytes:
        raise TabularError(f"{prefix}larger than the {max_bytes:,} bytes a CSV file may have")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise TabularError(f"{prefix}line {line} (byte {error.start + 1:,}) is not UTF-8 text; "
                           "save the file as UTF-8 CSV") from None


def _check_header(header: list[str], prefix: str) -> list[str]:
    if not header:
        raise TabularError(f"{prefix}row 1 (the header) is empty; it must name the columns")
    if len(header) > MAX_COLUMNS:
        raise TabularError(f"{prefix}{len(header):,} columns are more than the "
                           f"{MAX_COLUMNS:,} a CSV file may have")
    names = [field.strip() for field in header]
    unnamed = [str(i) for i, name in enumerate(names, 1) if not name]
    if unnamed:
        listed = _and_list(unnamed[:_LISTED]) + (" …" if len(unnamed) > _LISTED else "")
        raise TabularError(f"{prefix}row 1 (the header) has no name for column"
                           f"{'s' if len(unnamed) > 1 else ''} {listed}; every column needs one")
    places: dict[str, list[int]] = {}
    for i, name in enumerate(names, 1):
        places.setdefault(name, []).append(i)
    repeated = [f"{_show(name)} (columns {_and_list([str(i) for i in where])})"
                for name, where in places.items() if len(where) > 1]
    if repeated:
        raise TabularError(f"{prefix}row 1 (the header) names a column more than once: "
                           f"{'; '.join(repeated[:_LISTED])}; column names must be unique")
    return names


def _read_rows(text: str, prefix: str) -> tuple[list[str], list[int], list[list[str]]]:
    """Header names, the row number of each data row, and the data rows' stripped fields."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row_number = 0
    numbers: list[int] = []
    rows: list[list[str]] = []
    wrong: list[tuple[int, int]] = []
    wrong_count = 0
    names: list[str] = []
    try:
        for fields in reader:
            row_number += 1
            if row_number == 1:
                names = _check_header(fields, prefix)
                continue
            if not fields:
                continue  # a blank line: no data, but it keeps its row number
            if len(rows) + wrong_count >= MAX_ROWS:
                raise TabularError(f"{prefix}more than {MAX_ROWS:,} data rows; use a smaller "
                                   "file")
            if len(fields) != len(names):
                wrong_count += 1
                if len(wrong) < _LISTED:
                    wrong.append((row_number, len(fields)))
                continue
            numbers.append(row_number)
            rows.append([field.strip() for field in fields])
    except csv.Error as error:
        raise TabularError(f"{prefix}row {row_number + 1} is not valid CSV ({error})") from None
    if row_number == 0:
        raise TabularError(f"{prefix}is empty; the first row must name the columns")
    if wrong:
        listed = "; ".join(f"row {r} has {n}" for r, n in wrong)
        more = f"; {wrong_count - len(wrong)} more rows too" if wrong_count > len(wrong) else ""
        raise TabularError(f"{prefix}every row needs {len(names)} fields like the header "
                           f"(row 1), but {listed}{more}")
    return names, numbers, rows


def _check_missing(names: list[str], numbers: list[int], rows: list[list[str]],
                   prefix: str) -> None:
    found: list[str] = []
    total = 0
    for row_number, fields in zip(numbers, rows, strict=True):
        for name, text in zip(names, fields, strict=True):
            if _is_missing(text):
                total += 1
                if len(found) < _LISTED:
                    found.append(f"row {row_number}, column {_show(name)}")
    if total:
        more = f"; and {total - len(found):,} more" if total > len(found) else ""
        raise TabularError(
            f"{prefix}{total:,} missing value{'s' if total > 1 else ''} ({MISSING_WORDS}): "
            f"{'; '.join(found)}{more}. Fill them in or remove those rows; missing values are "
            "never dropped silently")


# -- statistics and encoding --------------------------------------------------------------------

def _mean_and_scale(values: list[float], name: str, prefix: str) -> tuple[float, float]:
    """Mean and population standard deviation (1 when 0), exactly summed with fsum."""
    count = len(values)
    try:
        mean = math.fsum(values) / count
        deviations = [value - mean for value in values]
        std = math.sqrt(math.fsum(d * d for d in deviations) / count)
    except OverflowError:
        mean = std = math.inf
    if not (math.isfinite(mean) and math.isfinite(std)):
        raise TabularError(f"{prefix}column {_show(name)}: the numbers are too large to "
                           "standardise; scale them down in the file")
    return mean, (std if std > 0 else 1.0)


# -- load_csv -----------------------------------------------------------------------------------

def _check_arguments(path, target, val_fraction, seed, task, max_bytes) -> str:
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path:
        raise TabularError(f"a CSV path must be text, got {_show_value(path)}")
    prefix = f"{path}: "
    if not isinstance(target, str) or not target.strip():
        raise TabularError(f"{prefix}the target must be a column name, got {_show_value(target)}")
    if not _is_real(val_fraction) or not 0.0 < val_fraction < 1.0:
        raise TabularError(f"{prefix}the validation fraction must be between 0 and 1 "
                           f"(exclusive), got {_show_value(val_fraction)}")
    if not _is_integer(seed) or not -(2**63) <= seed < 2**64:
        raise TabularError(f"{prefix}the seed must be a 64-bit integer, got {_show_value(seed)}")
    if task not in (AUTO, *TASKS) or not isinstance(task, str):
        raise TabularError(f"{prefix}task must be 'auto', 'classification' or 'regression', "
                           f"got {_show_value(task)}")
    if not _is_integer(max_bytes) or max_bytes < 1:
        raise TabularError(f"{prefix}max_bytes must be a positive integer")
    return path


def _choose_task(task: str, target: str, texts: list[str], numbers: list[float | None],
                 row_numbers: list[int], prefix: str) -> str:
    numeric = all(number is not None for number in numbers)
    if task == REGRESSION and not numeric:
        first = next(i for i, number in enumerate(numbers) if number is None)
        raise TabularError(f"{prefix}column {_show(target)} is text (row {row_numbers[first]} "
                           f"has {_show_value(texts[first])}), so it cannot be a regression "
                           "target")
    if task != AUTO:
        return task
    if not numeric:
        return CLASSIFICATION
    few = len(set(numbers)) <= AUTO_CLASS_LIMIT
    return CLASSIFICATION if few and all(n.is_integer() for n in numbers) else REGRESSION


def _labels(target: str, texts: list[str], numbers: list[float | None],
            prefix: str) -> tuple[list[str], list[int]]:
    """Class names (sorted; numerically when all labels are numbers) and each row's index."""
    if all(number is not None for number in numbers):
        keys: list = numbers
        ordered = sorted(set(numbers))
        names = [_number_text(value) for value in ordered]
    else:
        keys = texts
        ordered = names = sorted(set(texts))
    if len(ordered) < 2:
        raise TabularError(f"{prefix}column {_show(target)} has only one value "
                           f"({_show_value(names[0])}); classification needs at least 2 classes")
    if len(ordered) > MAX_CLASSES:
        raise TabularError(f"{prefix}column {_show(target)} has {len(ordered):,} different "
                           f"values, more than the {MAX_CLASSES:,} classes allowed; choose "
                           "task 'regression' if it is a measured number")
    index = {key: i for i, key in enumerate(ordered)}
    return names, [index[key] for key in keys]


def load_csv(path, target: str, val_fraction: float = 0.2, seed: int = 0, task: str = AUTO,
             max_bytes: int = 200_000_000) -> TabularData:
    """Training and validation tensors from a CSV file with a header row.

    ``target`` names the column to predict; all other columns are features. ``task`` is
    "auto" (text, or integers with at most 20 values → classification; else regression),
    "classification" or "regression". The split is ``torch.randperm(n)`` seeded with ``seed``:
    the first ``max(1, round(n * val_fraction))`` rows of it validate, the rest train.
    """
    path = _check_arguments(path, target, val_fraction, seed, task, max_bytes)
    prefix = f"{path}: "
    names, row_numbers, rows = _read_rows(_read_text(path, prefix, max_bytes), prefix)
    target = target.strip()
    if target not in names:
        hint = " (only commas separate columns)" if len(names) == 1 else ""
        raise TabularError(f"{prefix}no column {_show(target)}; the columns are "
                           f"{', '.join(_show(name) for name in names[:50])}"
                           f"{' …' if len(names) > 50 else ''}{hint}")
    if len(names) < 2:
        raise TabularError(f"{prefix}there is no column besides the target {_show(target)} "
                           "to learn from")
    if len(rows) < 2:
        raise TabularError(f"{prefix}{len(rows)} data row{'s' if len(rows) != 1 else ''} "
                           "cannot be split into training and validation; at least 2 needed")
    _check_missing(names, row_numbers, rows, prefix)

    texts = {name: [row[j] for row in rows] for j, name in enumerate(names)}
    numbers = {name: [_parse_number(text) for text in column] for name, column in texts.items()}
    target_texts, target_numbers = texts[target], numbers[target]
    task = _choose_task(task, target, target_texts, target_numbers, row_numbers, prefix)

    count = len(rows)
    val_count = max(1, round(count * val_fraction))
    if count - val_count < 1:
        raise TabularError(f"{prefix}a validation fraction of {val_fraction} leaves no "
                           f"training rows out of {count}")
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()
    splits = {"val": order[:val_count], "train": order[val_count:]}

    columns: list[dict] = []
    for name in names:
        if name == target:
            continue
        train_numbers = [numbers[name][i] for i in splits["train"]]
        if all(number is not None for number in numbers[name]):
            mean, scale = _mean_and_scale(train_numbers, name, prefix)
            columns.append({"name": name, "type": "numeric", "mean": mean, "scale": scale})
            continue
        categories = sorted({texts[name][i] for i in splits["train"]})
        if len(categories) > MAX_CATEGORIES:
            first = next(i for i, number in enumerate(numbers[name]) if number is None)
            raise TabularError(
                f"{prefix}column {_show(name)} has {len(categories):,} different text values "
                f"in the training rows, more than the {MAX_CATEGORIES:,} allowed; remove it if "
                f"it is an identifier (its first text is {_show_value(texts[name][first])} in "
                f"row {row_numbers[first]})")
        columns.append({"name": name, "type": "categorical", "categories": categories})
    width = sum(_width(column) for column in columns)
    if width > MAX_FEATURES:
        raise TabularError(f"{prefix}{width:,} features (after one-hot encoding) are more than "
                           f"{MAX_FEATURES:,}; remove columns with many different text values")

    preprocessing: dict = {"kind": KIND, "version": VERSION, "target": target, "task": task,
                           "columns": columns}
    if task == CLASSIFICATION:
        class_names, labels = _labels(target, target_texts, target_numbers, prefix)
        preprocessing["classes"] = class_names
        targets = torch.tensor(labels, dtype=torch.int64)
    else:
        class_names = [target]
        targets = torch.tensor(target_numbers, dtype=torch.float64).to(torch.float32)
        too_large = (~torch.isfinite(targets)).nonzero()
        if len(too_large):
            row = row_numbers[int(too_large[0, 0])]
            raise TabularError(f"{prefix}row {row}, column {_show(target)}: the target is too "
                               "large for float32")
        targets = targets.reshape(-1, 1)
    preprocessing["features"] = width

    def features(indices: list[int]) -> torch.Tensor:
        values = {}
        for column in columns:
            name = column["name"]
            parsed = numbers[name] if column["type"] == "numeric" else texts[name]
            values[name] = [parsed[i] for i in indices]
        return _encode(columns, values, [row_numbers[i] for i in indices], prefix)

    train, val = splits["train"], splits["val"]
    return TabularData(name=f"csv:{path}", train_x=features(train), train_y=targets[train],
                       val_x=features(val), val_y=targets[val], task=task,
                       class_names=class_names, preprocessing=preprocessing)


def read_columns(path, max_bytes: int = 1_000_000) -> list[str]:
    """The column names of a CSV file's header, read from its first ``max_bytes`` only (for
    choosing the target before the whole file is read); TabularError says why not."""
    prefix = f"{path}: "
    try:
        with open(path, "rb") as file:
            raw = file.read(max_bytes)
    except OSError as error:
        raise TabularError(f"{prefix}cannot be read ({error.strerror or error})") from None
    first = raw.split(b"\n", 1)[0] if b"\n" in raw else raw
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TabularError(f"{prefix}line 1 is not UTF-8 text; save the file as UTF-8 CSV"
                           ) from None
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error as error:
        raise TabularError(f"{prefix}row 1 is not valid CSV ({error})") from None
    return _check_header(header, prefix)
