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
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass

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


# -- preprocessing dicts --------------------------------------------------------------------------

def _field_error(where: str, message: str) -> TabularError:
    return TabularError(f"preprocessing{'.' if where else ''}{where}: {message}")


def _check_keys(value: dict, where: str, required: set[str], optional: set[str] = frozenset()
                ) -> None:
    absent = sorted(required - value.keys())
    if absent:
        raise _field_error(where, f"missing {', '.join(absent)}")
    unknown = [key for key in value if key not in required | optional]
    if unknown:
        raise _field_error(where, "unknown field "
                           f"{', '.join(_show_value(key) for key in unknown[:_LISTED])}")


def _check_text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _field_error(where, f"must be non-empty text, got {_show_value(value)}")
    return str.__str__(value)


def _check_number(value: object, where: str, positive: bool = False) -> float:
    number = math.nan
    if _is_real(value):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float
            pass
    if not math.isfinite(number) or (positive and not number > 0):
        wanted = "a finite number > 0" if positive else "a finite number"
        raise _field_error(where, f"must be {wanted}, got {_show_value(value)}")
    return number


def _check_text_list(value: object, where: str, low: int, high: int) -> list[str]:
    if not isinstance(value, (list, tuple)) or not low <= len(value) <= high:
        size = f"{len(value):,} items" if isinstance(value, (list, tuple)) else _show_value(value)
        raise _field_error(where, f"must be a list of {low} to {high:,} texts, got {size}")
    items = [_check_text(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if len(set(items)) != len(items):
        raise _field_error(where, "has a value more than once")
    return items


def _check_column(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise _field_error(where, f"must be a mapping, got {_show_value(value)}")
    kind = value.get("type")
    if kind == "numeric":
        _check_keys(value, where, {"name", "type", "mean", "scale"})
        return {"name": _check_text(value["name"], f"{where}.name"), "type": "numeric",
                "mean": _check_number(value["mean"], f"{where}.mean"),
                "scale": _check_number(value["scale"], f"{where}.scale", positive=True)}
    if kind == "categorical":
        _check_keys(value, where, {"name", "type", "categories"})
        categories = _check_text_list(value["categories"], f"{where}.categories", 1,
                                      MAX_CATEGORIES)
        for i, category in enumerate(categories):
            if category.strip() != category or _is_missing(category):
                raise _field_error(f"{where}.categories[{i}]", "a stripped, non-missing value "
                                   f"can never be {_show_value(category)}")
        if categories != sorted(categories):
            raise _field_error(f"{where}.categories", "must be sorted")
        return {"name": _check_text(value["name"], f"{where}.name"), "type": "categorical",
                "categories": categories}
    raise _field_error(f"{where}.type", f"must be 'numeric' or 'categorical', got "
                       f"{_show_value(kind)}")


def check_preprocessing(value) -> dict:
    """A clean copy (plain types only) of a preprocessing dict read from a project or checkpoint
    file, which may have been edited by anyone; TabularError names the first bad field."""
    if not isinstance(value, dict):
        raise TabularError(f"preprocessing must be a mapping, got {_show_value(value)}")
    _check_keys(value, "", {"kind", "version", "target", "task", "columns", "features"},
                {"classes"})
    if value["kind"] != KIND or not isinstance(value["kind"], str):
        raise _field_error("kind", f"must be {KIND!r}, got {_show_value(value['kind'])}")
    if not _is_integer(value["version"]) or value["version"] != VERSION:
        raise _field_error("version", f"must be {VERSION} (this netbuilder reads no other), got "
                           f"{_show_value(value['version'])}")
    target = _check_text(value["target"], "target")
    task = value["task"]
    if not isinstance(task, str) or task not in TASKS:
        raise _field_error("task", f"must be 'classification' or 'regression', got "
                           f"{_show_value(task)}")
    raw_columns = value["columns"]
    if not isinstance(raw_columns, (list, tuple)) or not 1 <= len(raw_columns) < MAX_COLUMNS:
        raise _field_error("columns", f"must be a list of 1 to {MAX_COLUMNS - 1:,} columns")
    columns = [_check_column(column, f"columns[{i}]") for i, column in enumerate(raw_columns)]
    seen = {target}
    for i, column in enumerate(columns):
        if column["name"] in seen:
            raise _field_error(f"columns[{i}].name", f"{_show(column['name'])} is the target or "
                               "an earlier column")
        seen.add(column["name"])
    clean: dict = {"kind": KIND, "version": VERSION, "target": target, "task": task,
                   "columns": columns}
    if task == CLASSIFICATION:
        if "classes" not in value:
            raise _field_error("classes", "missing (a classification needs its classes)")
        clean["classes"] = _check_text_list(value["classes"], "classes", 2, MAX_CLASSES)
    elif "classes" in value:
        raise _field_error("classes", "a regression has no classes")
    width = sum(_width(column) for column in columns)
    if not _is_integer(value["features"]) or value["features"] != width:
        raise _field_error("features", f"must be {width} (the columns' features), got "
                           f"{_show_value(value['features'])}")
    if width > MAX_FEATURES:
        raise _field_error("features", f"{width:,} is more than {MAX_FEATURES:,}")
    clean["features"] = width
    return clean


# -- new rows ---------------------------------------------------------------------------------

def preprocess_rows(preprocessing: dict, rows: list[dict[str, str]]) -> torch.Tensor:
    """New raw rows (column name → text, e.g. from ``csv.DictReader``) as float32 [N, F],
    exactly as training saw them. Row numbers in errors count the given rows from 1; the target
    and other extra keys are ignored; an unseen category is all zeros."""
    clean = check_preprocessing(preprocessing)
    if not isinstance(rows, (list, tuple)):
        raise TabularError(f"rows must be a list of mappings, got {type(rows).__name__}")
    if len(rows) > MAX_ROWS:
        raise TabularError(f"{len(rows):,} rows are more than {MAX_ROWS:,}")
    columns = clean["columns"]
    values: dict[str, list] = {column["name"]: [] for column in columns}
    for row_number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise TabularError(f"row {row_number}: expected a mapping of column name to text, "
                               f"got {type(row).__name__}")
        for column in columns:
            name = column["name"]
            place = f"row {row_number}, column {_show(name)}"
            if name not in row:
                raise TabularError(f"{place}: missing (no such column in the row)")
            text = dict.__getitem__(row, name)
            if not isinstance(text, str):
                raise TabularError(f"{place}: expected text, got {type(text).__name__}")
            text = str.strip(text)
            if _is_missing(text):
                raise TabularError(f"{place}: missing value {_show_value(text)}")
            if column["type"] == "numeric":
                number = _parse_number(text)
                if number is None:
                    raise TabularError(f"{place}: {_show_value(text)} is not a finite number")
                values[name].append(number)
            else:
                values[name].append(text)
    return _encode(columns, values, range(1, len(rows) + 1), "")


# -- exported code --------------------------------------------------------------------------------

def _literal(value: object) -> str:
    """The one way a value reaches generated source: the repr of an exact str, int or finite
    float, or a tuple of those, so no text from a file can close a literal and become code."""
    if type(value) is str or type(value) is int:
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    if type(value) in (list, tuple):
        items = [_literal(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    raise TabularError(f"cannot write {type(value).__name__} {_show_value(value)} as code")


def _column_source(column: dict) -> str:
    """One entry of the generated ``columns`` tuple, wrapped when long."""
    name = _literal(column["name"])
    if column["type"] == "numeric":
        return (f"        ({name}, {_literal('numeric')}, {_literal(column['mean'])}, "
                f"{_literal(column['scale'])}),\n")
    categories = [_literal(category) for category in column["categories"]]
    line = f"        ({name}, {_literal('categorical')}, {_literal(column['categories'])}),\n"
    if len(line) <= 100:
        return line
    inner = "".join(f"            {category},\n" for category in categories)
    return f"        ({name}, {_literal('categorical')}, (\n{inner}        )),\n"


_SOURCE_HEAD = '''\
def preprocess(rows):
    """Raw rows -> the float32 features [N, F] the network was trained on.

    rows: a list of dicts mapping column name -> text, e.g. from csv.DictReader. Values are
    stripped; numbers are standardised with the training rows' mean and scale; text columns are
    one-hot encoded over the training categories, and a category the training rows never had
    becomes all zeros. A missing or malformed value raises ValueError naming the row (1 = the
    first row given) and the column. Written by netbuilder; needs only torch.
    """
    import math
    import re

    import torch

'''

_SOURCE_BODY = '''\
    lookups = []  # category -> place, for each categorical column
    owners = []  # the column of each feature, for error messages
    for name, kind, *spec in columns:
        categorical = kind == "categorical"
        lookups.append({category: i for i, category in enumerate(spec[0])} if categorical
                       else None)
        owners.extend([name] * (len(spec[0]) if categorical else 1))
    table = []
    for row_number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ValueError(f"row {row_number}: expected a dict of column name -> text")
        values = []
        for (name, kind, *spec), lookup in zip(columns, lookups):
            place = f"row {row_number}, column {name}"
            if name not in row:
                raise ValueError(f"{place}: missing (no such column in the row)")
            text = row[name]
            if not isinstance(text, str):
                raise ValueError(f"{place}: expected text, got {type(text).__name__}")
            text = text.strip()
            if text.lower() in missing:
                raise ValueError(f"{place}: missing value {text!r}")
            if kind == "numeric":
                number = float(text) if number_pattern.fullmatch(text) else math.inf
                if not math.isfinite(number):
                    raise ValueError(f"{place}: {text!r} is not a finite number")
                mean, scale = spec
                values.append((number - mean) / scale)
            else:
                one_hot = [0.0] * len(lookup)
                if text in lookup:
                    one_hot[lookup[text]] = 1.0
                values.extend(one_hot)
        table.append(values)
    features = torch.tensor(table, dtype=torch.float32).reshape(len(table), feature_count)
    too_far = (~torch.isfinite(features)).nonzero()
    if len(too_far):
        row_index, feature = too_far[0].tolist()
        raise ValueError(f"row {row_index + 1}, column {owners[feature]}: the value is too far "
                         "from the training values to fit in float32")
    return features
'''


def preprocessing_source(preprocessing: dict) -> str:
    """Python source of a standalone ``def preprocess(rows):`` that gives exactly the tensor
    :func:`preprocess_rows` gives, for exported code; the dict is checked first and every value
    in the source is written by one literal helper."""
    clean = check_preprocessing(preprocessing)
    columns = "".join(_column_source(column) for column in clean["columns"])
    return (f"{_SOURCE_HEAD}"
            f"    missing = {_literal(MISSING_TOKENS)}\n"
            f"    number_pattern = re.compile({_literal(NUMBER_PATTERN)})\n"
            f"    feature_count = {_literal(clean['features'])}\n"
            f"    columns = (  # name, 'numeric', mean, scale | name, 'categorical', categories\n"
            f"{columns}"
            f"    )\n"
            f"{_SOURCE_BODY}")


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
