"""A saved tabular ``preprocessing`` dict (made by :func:`netbuilder.core.tabular.load_csv`):
:func:`check_preprocessing` cleans one read from a file, :func:`preprocess_rows` applies it to
new raw rows, and :func:`preprocessing_source` writes it as a standalone ``preprocess(rows)``
for exported code that gives exactly the same tensor.
"""

from __future__ import annotations

import math

import torch

from netbuilder.core.tabular_rules import (
    _LISTED,
    CLASSIFICATION,
    KIND,
    MAX_CATEGORIES,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_FEATURES,
    MAX_ROWS,
    MISSING_TOKENS,
    NUMBER_PATTERN,
    TASKS,
    VERSION,
    TabularError,
    _encode,
    _is_integer,
    _is_missing,
    _is_real,
    _parse_number,
    _show,
    _show_value,
    _width,
)

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

