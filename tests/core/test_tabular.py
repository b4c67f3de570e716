"""Tabular data from CSV: types, split statistics, targets, errors that name the place, the
preprocessing dict and the exported ``preprocess`` function, and hostile files and dicts."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core import tabular
from netbuilder.core.tabular import (
    TabularData,
    TabularError,
    check_preprocessing,
    load_csv,
    preprocess_rows,
    preprocessing_source,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CSV = ROOT / "netbuilder" / "resources" / "data" / "tutorial_regression.csv"
SCRIPT = ROOT / "scripts" / "make_regression_csv.py"
# A file that injected code would create; nothing may ever create it.
MARKER = Path(tempfile.gettempdir()) / f"netbuilder-tabular-injected-{os.getpid()}"
TOUCH = f'__import__("pathlib").Path({str(MARKER)!r}).touch()'
INJECTIONS = [f'"; {TOUCH}; "', f"'; {TOUCH}; '", f'"""\n{TOUCH}\n"""', f'"), {TOUCH}, ("',
              f"\\'; {TOUCH}; \\'", "bidi \u202e reversed", "nul\x00", "new\nline {0} %s"]


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def split_order(count: int, seed: int = 0, val_fraction: float = 0.2) -> tuple[list, list]:
    """The documented split: validation indices first in a seeded permutation."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()
    val_count = max(1, round(count * val_fraction))
    return order[val_count:], order[:val_count]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def dict_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def generated_preprocess(preprocessing: dict):
    namespace: dict = {}
    exec(compile(preprocessing_source(preprocessing), "<preprocess>", "exec"), namespace)
    assert set(namespace) == {"__builtins__", "preprocess"}  # it defines one function only
    return namespace["preprocess"]


def mixed_file(tmp_path: Path) -> Path:
    """Numbers, text and a text target; 10 rows, so 8 train and 2 validate."""
    rows = [[str(i), f"{i * 0.5 - 1}", ["red", "green", "blue"][i % 3], ["no", "yes"][i % 2]]
            for i in range(10)]
    return write(tmp_path, csv_text(["size", "weight", "colour", "label"], rows))


# -- types and statistics ---------------------------------------------------------------------

def test_numeric_standardisation_uses_training_rows_only(tmp_path):
    train, val = split_order(5)
    values = [0.0] * 5
    for value, index in zip([1.0, 2.0, 3.0, 4.0], train, strict=True):
        values[index] = value
    values[val[0]] = 100.0  # if validation leaked into the statistics, mean would be 22
    rows = [[f"{v:g}", "a" if i % 2 else "b"] for i, v in enumerate(values)]
    data = load_csv(write(tmp_path, csv_text(["x", "y"], rows)), "y")
    column = data.preprocessing["columns"][0]
    assert column == {"name": "x", "type": "numeric", "mean": 2.5, "scale": math.sqrt(1.25)}
    expected_train = [(v - 2.5) / math.sqrt(1.25) for v in (1.0, 2.0, 3.0, 4.0)]
    assert torch.equal(data.train_x, torch.tensor(expected_train).reshape(4, 1))
    assert torch.equal(data.val_x, torch.tensor([[(100.0 - 2.5) / math.sqrt(1.25)]]))
    assert data.train_x.dtype == torch.float32
    assert data.input_shape == [1]


def test_constant_numeric_column_keeps_scale_one(tmp_path):
    rows = [["7", "1.5"], ["7", "2.5"], ["7", "0.25"], ["7", "9.75"], ["7", "3.125"]]
    data = load_csv(write(tmp_path, csv_text(["x", "y"], rows)), "y")
    assert data.preprocessing["columns"][0] == {"name": "x", "type": "numeric", "mean": 7.0,
                                                "scale": 1.0}
    assert torch.equal(data.train_x, torch.zeros(4, 1))


def test_categorical_columns_are_one_hot_over_sorted_training_categories(tmp_path):
    train, val = split_order(6)
    colours = [""] * 6
    for colour, index in zip(["red", "blue", "green", "blue", "red"], train, strict=True):
        colours[index] = colour
    colours[val[0]] = "purple"  # never seen in training: all zeros
    rows = [[c, str(i % 2)] for i, c in enumerate(colours)]
    data = load_csv(write(tmp_path, csv_text(["colour", "y"], rows)), "y")
    assert data.preprocessing["columns"] == [
        {"name": "colour", "type": "categorical", "categories": ["blue", "green", "red"]}]
    assert data.preprocessing["features"] == 3
    assert data.input_shape == [3]
    assert data.train_x.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                     [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert data.val_x.tolist() == [[0.0, 0.0, 0.0]]


def test_a_column_with_one_text_value_is_categorical_and_features_keep_file_order(tmp_path):
    rows = [["1", "x", "2", "p"], ["2", "x", "3", "q"], ["3", "x", "4", "p"],
            ["4", "x", "inf", "q"], ["5", "x", "1e999", "p"]]
    data = load_csv(write(tmp_path, csv_text(["a", "label", "b", "c"], rows)), "c")
    assert [(c["name"], c["type"]) for c in data.preprocessing["columns"]] == [
        ("a", "numeric"), ("label", "categorical"), ("b", "categorical")]
    assert data.input_shape == [1 + 1 + len(data.preprocessing["columns"][2]["categories"])]


def test_numbers_are_plain_decimal_text(tmp_path):
    rows = [[" 1e3 ", "-2.5", ".5", "1_000"], ["+4", "3.", "-.25", "2"],
            ["0", "0", "1", "3"]]
    data = load_csv(write(tmp_path, csv_text(["a", "b", "c", "d"], rows)), "a",
                    val_fraction=0.3, task="regression")
    types = [c["type"] for c in data.preprocessing["columns"]]
    assert types == ["numeric", "numeric", "categorical"]  # "1_000" is text, not 1000
    train, _val = split_order(3, val_fraction=0.3)
    assert data.train_y.flatten().tolist() == [[1000.0, 4.0, 0.0][i] for i in train]


# -- targets ----------------------------------------------------------------------------------

def test_text_target_is_classification_with_sorted_classes(tmp_path):
    animals = ["dog", "cat", "bird", "cat", "dog", "bird", "dog", "cat", "bird", "dog"]
    rows = [[str(i), a] for i, a in enumerate(animals)]
    data = load_csv(write(tmp_path, csv_text(["x", "animal"], rows)), "animal")
    assert data.task == "classification"
    assert data.class_names == ["bird", "cat", "dog"]
    assert data.num_classes == 3
    assert data.preprocessing["classes"] == ["bird", "cat", "dog"]
    train, val = split_order(10)
    index = {"bird": 0, "cat": 1, "dog": 2}
    assert data.train_y.tolist() == [index[animals[i]] for i in train]
    assert data.val_y.tolist() == [index[animals[i]] for i in val]
    assert data.train_y.dtype == torch.int64


def test_few_integer_values_are_classes_in_numeric_order(tmp_path):
    labels = ["10", "2", "0", "2.0", "10", "0", "2", "10", "0", "02"]
    rows = [[str(i * 1.5), label] for i, label in enumerate(labels)]
    data = load_csv(write(tmp_path, csv_text(["x", "digit"], rows)), "digit")
    assert data.task == "classification"
    assert data.class_names == ["0", "2", "10"]  # numbers sort as numbers; 2.0 and 02 are 2
    train, _val = split_order(10)
    index = {0.0: 0, 2.0: 1, 10.0: 2}
    assert data.train_y.tolist() == [index[float(labels[i])] for i in train]


def test_float_target_is_regression_of_shape_n_by_1(tmp_path):
    targets = ["0.5", "1.25", "-3", "2", "7.75", "1", "0", "4.5", "2.25", "9"]
    rows = [[str(i), t] for i, t in enumerate(targets)]
    data = load_csv(write(tmp_path, csv_text(["x", "price"], rows)), "price")
    assert data.task == "regression"
    assert data.class_names == ["price"]
    assert data.num_classes == 1
    assert "classes" not in data.preprocessing
    train, val = split_order(10)
    assert data.train_y.dtype == torch.float32
    assert data.train_y.shape == (8, 1)
    assert data.train_y.flatten().tolist() == [float(targets[i]) for i in train]
    assert data.val_y.flatten().tolist() == [float(targets[i]) for i in val]


def test_integers_with_more_than_20_values_are_regression(tmp_path):
    rows = [[str(i % 3), str(i)] for i in range(21)]
    assert load_csv(write(tmp_path, csv_text(["x", "y"], rows)), "y").task == "regression"
    rows = [[str(i % 3), str(i)] for i in range(20)]
    assert load_csv(write(tmp_path, csv_text(["x", "y"], rows)), "y").task == "classification"


def test_forced_task(tmp_path):
    rows = [[str(i), str(i % 3)] for i in range(10)]
    path = write(tmp_path, csv_text(["x", "y"], rows))
    forced = load_csv(path, "y", task="regression")
    assert forced.task == "regression"
    assert forced.train_y.shape == (8, 1)
    rows = [[str(i), ["0.5", "1.5"][i % 2]] for i in range(10)]
    halves = load_csv(write(tmp_path, csv_text(["x", "y"], rows), "h.csv"), "y",
                      task="classification")
    assert halves.class_names == ["0.5", "1.5"]
    rows = [[str(i), "small" if i < 5 else "big"] for i in range(10)]
    text = write(tmp_path, csv_text(["x", "size"], rows), "t.csv")
    with pytest.raises(TabularError) as error:
        load_csv(text, "size", task="regression")
    assert str(error.value) == (f"{text}: column size is text (row 2 has 'small'), so it cannot "
                                "be a regression target")


def test_classification_needs_two_classes(tmp_path):
    path = write(tmp_path, csv_text(["x", "y"], [["1", "a"], ["2", "a"], ["3", "a"]]))
    with pytest.raises(TabularError, match="only one value .'a'.; classification needs at least"):
        load_csv(path, "y")


def test_target_too_large_for_float32_is_named(tmp_path):
    path = write(tmp_path, csv_text(["x", "y"], [["1", "0.5"], ["2", "1e39"], ["3", "2.5"]]))
    with pytest.raises(TabularError, match=r"row 3, column y: the target is too large"):
        load_csv(path, "y", val_fraction=0.3)


# -- errors that name the place ---------------------------------------------------------------

def test_missing_values_are_listed_with_row_and_column(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,p\n3,,q\nNA,4,p\n5,6, n/a \n7,8,q\n")
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    assert str(error.value) == (
        f"{path}: 3 missing values (empty, NA, N/A, NaN, null or None): row 3, column b; "
        "row 4, column a; row 5, column y. Fill them in or remove those rows; missing values "
        "are never dropped silently")


def test_many_missing_values_list_ten_and_count_the_rest(tmp_path):
    rows = [[str(i), "null" if i % 2 else "None", "x"] for i in range(30)]
    path = write(tmp_path, csv_text(["a", "b", "y"], rows))
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    listed = "; ".join(f"row {r}, column b" for r in range(2, 12))
    assert str(error.value) == (
        f"{path}: 30 missing values (empty, NA, N/A, NaN, null or None): {listed}; and 20 "
        "more. Fill them in or remove those rows; missing values are never dropped silently")


def test_ragged_rows_are_named(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n4,5\n6,7,8,9\n1,2,3\n")
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    assert str(error.value) == (f"{path}: every row needs 3 fields like the header (row 1), "
                                "but row 3 has 2; row 4 has 4")


@pytest.mark.parametrize(("header", "message"), [
    ("a,a,y", "row 1 (the header) names a column more than once: a (columns 1 and 2); column "
              "names must be unique"),
    ("a, ,y", "row 1 (the header) has no name for column 2; every column needs one"),
    ("a,,y,", "row 1 (the header) has no name for columns 2 and 4; every column needs one"),
])
def test_header_names_must_be_present_and_unique(tmp_path, header, message):
    path = write(tmp_path, f"{header}\n" + "1,2,3,4\n" * 3)
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    assert str(error.value) == f"{path}: {message}"


def test_unknown_target_lists_the_columns(tmp_path):
    path = write(tmp_path, "alpha,beta,gamma\n1,2,3\n4,5,6\n")
    with pytest.raises(TabularError) as error:
        load_csv(path, "delta")
    assert str(error.value) == f"{path}: no column delta; the columns are alpha, beta, gamma"


def test_file_level_errors(tmp_path, monkeypatch):
    cases = {
        "empty.csv": ("", "is empty; the first row must name the columns"),
        "one.csv": ("a,y\n1,2\n", "1 data row cannot be split into training and validation; "
                    "at least 2 needed"),
        "alone.csv": ("y\n1\n2\n", "there is no column besides the target y to learn from"),
        "quote.csv": ('a,y\n1,2\n"x"z,3\n', "row 3 is not valid CSV (',' expected after '\"')"),
    }
    for name, (text, message) in cases.items():
        path = write(tmp_path, text, name)
        with pytest.raises(TabularError) as error:
            load_csv(path, "y")
        assert str(error.value) == f"{path}: {message}"
    big = write(tmp_path, "a,y\n" + "1,2\n" * 10, "big.csv")
    with pytest.raises(TabularError, match="44 bytes is larger than the 43 bytes"):
        load_csv(big, "y", max_bytes=43)
    wide = write(tmp_path, ",".join(f"c{i}" for i in range(1001)) + "\n", "wide.csv")
    with pytest.raises(TabularError, match="1,001 columns are more than the 1,000"):
        load_csv(wide, "c0")
    monkeypatch.setattr(tabular, "MAX_ROWS", 5)
    with pytest.raises(TabularError, match="more than 5 data rows"):
        load_csv(big, "y")
    with pytest.raises(TabularError, match="cannot be read"):
        load_csv(tmp_path / "absent.csv", "y")
    with pytest.raises(TabularError, match="not a regular file"):
        load_csv(tmp_path, "y")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,y\n1,2\ncafé,3\n".encode("latin-1"))
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    assert str(error.value) == (f"{path}: line 3 (byte 12) is not UTF-8 text; save the file as "
                                "UTF-8 CSV")


@pytest.mark.parametrize(("argument", "value", "message"), [
    ("val_fraction", 0.0, "the validation fraction must be between 0 and 1"),
    ("val_fraction", 1.0, "the validation fraction must be between 0 and 1"),
    ("val_fraction", math.nan, "the validation fraction must be between 0 and 1"),
    ("task", "clustering", "task must be 'auto', 'classification' or 'regression'"),
    ("seed", 2**64, "the seed must be a 64-bit integer"),
    ("target", 3, "the target must be a column name"),
])
def test_bad_arguments(tmp_path, argument, value, message):
    path = mixed_file(tmp_path)
    kwargs = {"target": "label", argument: value}
    with pytest.raises(TabularError, match=message):
        load_csv(path, **kwargs)


def test_bom_blank_lines_and_spaces(tmp_path):
    text = "\ufeff x , y \r\n1,a\r\n\r\n2, b\r\n3,a\r\n\r\n4,b\r\n5, \r\n"
    path = write(tmp_path, text)
    with pytest.raises(TabularError, match=r"1 missing value .*: row 8, column y\."):
        load_csv(path, "y")  # blank lines are skipped but keep their row numbers
    path = write(tmp_path, text.replace("5, \r\n", "5,a\r\n"))
    data = load_csv(path, " y ")
    assert data.class_names == ["a", "b"]
    assert data.preprocessing["target"] == "y"
    assert data.preprocessing["columns"][0]["name"] == "x"
    assert len(data.train_x) + len(data.val_x) == 5


def test_too_many_categories_is_refused(tmp_path):
    rows = [[f"id{i:05d}", str(i % 2)] for i in range(1300)]
    path = write(tmp_path, csv_text(["id", "y"], rows))
    with pytest.raises(TabularError, match=r"column id has 1,040 different text values in the "
                                           r"training rows, more than the 1,000 allowed"):
        load_csv(path, "y")


def test_value_too_far_for_float32_names_the_row(tmp_path):
    _train, val = split_order(5)
    values = ["0", "1", "0", "1", "0"]
    values[val[0]] = "1e39"  # the training rows are 0 / 1, so this standardises past float32
    rows = [[v, str(i % 2)] for i, v in enumerate(values)]
    path = write(tmp_path, csv_text(["x", "y"], rows))
    with pytest.raises(TabularError) as error:
        load_csv(path, "y")
    assert str(error.value) == (f"{path}: row {val[0] + 2}, column x: the value is too far "
                                "from the training values to fit in float32")


# -- new rows and the exported function ----------------------------------------------------------

def test_preprocess_rows_gives_the_training_features(tmp_path):
    path = mixed_file(tmp_path)
    data = load_csv(path, "label")
    rows = dict_rows(path)
    features = preprocess_rows(data.preprocessing, rows)
    train, val = split_order(10)
    assert torch.equal(features[train], data.train_x)
    assert torch.equal(features[val], data.val_x)
    assert features.dtype == torch.float32
    assert preprocess_rows(data.preprocessing, []).shape == (0, data.input_shape[0])


def test_preprocess_rows_names_bad_values_and_zeroes_unseen_categories(tmp_path):
    data = load_csv(mixed_file(tmp_path), "label")
    good = {"size": "3", "weight": "0.5", "colour": "red", "label": "ignored"}
    unseen = preprocess_rows(data.preprocessing, [dict(good, colour="purple")])
    assert unseen[0, 2:].tolist() == [0.0, 0.0, 0.0]
    cases = [
        (dict(good, weight="heavy"), "row 2, column weight: 'heavy' is not a finite number"),
        (dict(good, size=" NaN "), "row 2, column size: missing value 'NaN'"),
        ({"size": "1", "colour": "red"}, "row 2, column weight: missing (no such column in the "
                                         "row)"),
        (dict(good, size=3), "row 2, column size: expected text, got int"),
    ]
    for bad, message in cases:
        with pytest.raises(TabularError) as error:
            preprocess_rows(data.preprocessing, [good, bad])
        assert str(error.value) == message


def test_generated_preprocess_gives_identical_tensors(tmp_path):
    path = mixed_file(tmp_path)
    data = load_csv(path, "label")
    preprocess = generated_preprocess(data.preprocessing)
    rows = dict_rows(path) + [{"size": " 1e3", "weight": "-0", "colour": "purple"}]
    expected = preprocess_rows(data.preprocessing, rows)
    assert torch.equal(preprocess(rows), expected)
    assert preprocess(rows).dtype == torch.float32
    assert preprocess([]).shape == (0, 5)


@pytest.mark.parametrize(("bad", "message"), [
    ({"weight": "heavy"}, "row 2, column weight: 'heavy' is not a finite number"),
    ({"weight": "inf"}, "row 2, column weight: 'inf' is not a finite number"),
    ({"size": "  "}, "row 2, column size: missing value ''"),
    ({"colour": "N/A"}, "row 2, column colour: missing value 'N/A'"),
    ({"size": None}, "row 2, column size: expected text, got NoneType"),
])
def test_generated_preprocess_refuses_bad_rows(tmp_path, bad, message):
    data = load_csv(mixed_file(tmp_path), "label")
    preprocess = generated_preprocess(data.preprocessing)
    good = {"size": "3", "weight": "0.5", "colour": "red"}
    with pytest.raises(ValueError) as error:
        preprocess([good, {**good, **bad}])
    assert str(error.value) == message
    with pytest.raises(ValueError, match=r"row 1, column weight: missing \(no such column"):
        preprocess([{"size": "1", "colour": "red"}])


def test_generated_preprocess_refuses_values_too_far_for_float32(tmp_path):
    data = load_csv(mixed_file(tmp_path), "label")
    preprocess = generated_preprocess(data.preprocessing)
    row = {"size": "1e300", "weight": "0.5", "colour": "red"}
    with pytest.raises(ValueError, match="row 1, column size: the value is too far"):
        preprocess([row])
    with pytest.raises(TabularError, match="row 1, column size: the value is too far"):
        preprocess_rows(data.preprocessing, [row])


def test_hostile_names_and_categories_stay_text_in_generated_code(tmp_path):
    MARKER.unlink(missing_ok=True)
    header = [*INJECTIONS[:4], "target"]
    rows = [[str(i), str(i * 2), INJECTIONS[4 + i % 4], INJECTIONS[i % 4], str(i % 2)]
            for i in range(12)]
    path = write(tmp_path, csv_text(header, rows))
    data = load_csv(path, "target")
    assert [c["name"] for c in data.preprocessing["columns"]] == [n.strip() for n in header[:4]]
    preprocess = generated_preprocess(data.preprocessing)
    raw = dict_rows(path)
    assert torch.equal(preprocess(raw), preprocess_rows(data.preprocessing, raw))
    train, _val = split_order(12)
    assert torch.equal(preprocess(raw)[train], data.train_x)
    assert not MARKER.exists()


# -- the preprocessing dict -------------------------------------------------------------------

def test_check_preprocessing_accepts_what_load_csv_made(tmp_path):
    for target in ("label", "size"):
        data = load_csv(mixed_file(tmp_path), target)
        round_trip = json.loads(json.dumps(data.preprocessing))
        assert check_preprocessing(round_trip) == data.preprocessing
        assert check_preprocessing(round_trip) is not round_trip


def mutate(preprocessing: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(preprocessing)
    place = changed
    for key in path[:-1]:
        place = place[key]
    if value is DELETE:
        del place[path[-1]]
    else:
        place[path[-1]] = value
    return changed


DELETE = object()
MUTATIONS = [
    (("kind",), "image", "preprocessing.kind: must be 'tabular', got 'image'"),
    (("version",), 2, "preprocessing.version: must be 1"),
    (("version",), True, "preprocessing.version: must be 1"),
    (("task",), "auto", "preprocessing.task: must be 'classification' or 'regression'"),
    (("target",), "", "preprocessing.target: must be non-empty text, got ''"),
    (("target",), "size", "preprocessing.columns[0].name: size is the target"),
    (("features",), 4, "preprocessing.features: must be 5 (the columns' features), got 4"),
    (("features",), DELETE, "preprocessing: missing features"),
    (("extra",), 1, "preprocessing: unknown field 'extra'"),
    (("classes",), ["no"], "preprocessing.classes: must be a list of 2 to 1,000 texts"),
    (("classes",), ["no", "no"], "preprocessing.classes: has a value more than once"),
    (("classes",), DELETE, "preprocessing.classes: missing"),
    (("columns",), [], "preprocessing.columns: must be a list of 1 to 999 columns"),
    (("columns", 0, "scale"), 0.0, "preprocessing.columns[0].scale: must be a finite number "
                                   "> 0, got 0.0"),
    (("columns", 0, "scale"), math.inf, "preprocessing.columns[0].scale: must be a finite"),
    (("columns", 0, "mean"), "2", "preprocessing.columns[0].mean: must be a finite number, got "
                                  "'2'"),
    (("columns", 0, "mean"), 10**400, "preprocessing.columns[0].mean: must be a finite number"),
    (("columns", 0, "type"), "text", "preprocessing.columns[0].type: must be 'numeric' or "
                                     "'categorical'"),
    (("columns", 1, "name"), "size", "preprocessing.columns[1].name: size is the target or an "
                                     "earlier column"),
    (("columns", 2, "categories"), ["red", "blue"], "preprocessing.columns[2].categories: must "
                                                    "be sorted"),
    (("columns", 2, "categories"), [" blue"], "preprocessing.columns[2].categories[0]: a "
                                              "stripped, non-missing value can never be ' blue'"),
    (("columns", 2, "categories"), ["NA"], "preprocessing.columns[2].categories[0]"),
    (("columns", 2, "mean"), 1.0, "preprocessing.columns[2]: unknown field 'mean'"),
    (("columns", 2), "colour", "preprocessing.columns[2]: must be a mapping"),
]


@pytest.mark.parametrize(("path", "value", "message"), MUTATIONS)
def test_check_preprocessing_refuses_mutated_dicts(tmp_path, path, value, message):
    data = load_csv(mixed_file(tmp_path), "label")
    with pytest.raises(TabularError) as error:
        check_preprocessing(mutate(data.preprocessing, path, value))
    assert str(error.value).startswith(message)
    with pytest.raises(TabularError):
        preprocess_rows(mutate(data.preprocessing, path, value), [])
    with pytest.raises(TabularError):
        preprocessing_source(mutate(data.preprocessing, path, value))


def test_regression_preprocessing_has_no_classes(tmp_path):
    data = load_csv(mixed_file(tmp_path), "size", task="regression")
    assert check_preprocessing(data.preprocessing)["task"] == "regression"
    with pytest.raises(TabularError, match=r"preprocessing.classes: a regression has no classes"):
        check_preprocessing({**data.preprocessing, "classes": ["a", "b"]})


# -- hostile input ----------------------------------------------------------------------------

CELLS = st.sampled_from(["1", "2.5", "-3", "1e3", "1e999", "inf", "x", "y", "", "NA", " ",
                         '"q,"', '"a""b"', "é", "\x00", "\ud800", '"', "0", "7"]) | st.text(
    max_size=4)
CSV_LIKE = st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=8).flatmap(
    lambda rows: st.sampled_from(["\n", "\r\n", "\r"]).map(
        lambda end: end.join(",".join(row) for row in rows)))
NUMBERISH = st.sampled_from(["0", "1", "2", "3", "-1.5", "2.25", "1e2", "x", "y", " b "])
# Rectangular files with a header: most of them load, so the success path is fuzzed too.
TABLE = st.integers(2, 4).flatmap(lambda width: st.tuples(
    st.permutations(["y", "x", "z", " w ", "é"]).map(lambda names: names[:width]),
    st.lists(st.lists(st.one_of(NUMBERISH, NUMBERISH, NUMBERISH, CELLS), min_size=width,
                      max_size=width), min_size=3, max_size=12),
)).map(lambda table: csv_text(*table))
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(content=st.one_of(TABLE, CSV_LIKE, st.text(max_size=120), st.binary(max_size=120)),
       target=st.sampled_from(["y", "x", "1", "", "a"]),
       task=st.sampled_from(["auto", "classification", "regression"]),
       val_fraction=st.sampled_from([0.2, 0.5, 0.9]))
def test_fuzz_load_csv_returns_data_or_a_tabular_error(tmp_path, content, target, task,
                                                       val_fraction):
    path = tmp_path / "fuzz.csv"
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    try:
        data = load_csv(path, target, val_fraction=val_fraction, task=task)
    except TabularError:
        return
    assert isinstance(data, TabularData)
    assert check_preprocessing(json.loads(json.dumps(data.preprocessing))) == data.preprocessing
    assert data.train_x.shape[1] == data.preprocessing["features"]
    assert bool(torch.isfinite(data.train_x).all())
    with open(path, newline="", encoding="utf-8-sig") as file:
        header, *records = [record for record in csv.reader(file) if record]
    rows = [dict(zip([name.strip() for name in header], record, strict=True))
            for record in records]
    features = preprocess_rows(data.preprocessing, rows)
    train, val = split_order(len(rows), val_fraction=val_fraction)
    assert torch.equal(features[train], data.train_x)
    assert torch.equal(features[val], data.val_x)
    assert torch.equal(generated_preprocess(data.preprocessing)(rows), features)


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12)
NUMERIC_COLUMN = st.fixed_dictionaries({"type": st.just("numeric"),
                                        "mean": st.floats(-1e6, 1e6),
                                        "scale": st.floats(1e-3, 1e6)})
CATEGORY = st.text(min_size=1, max_size=4).filter(
    lambda text: text.strip() == text and text.lower() not in tabular.MISSING_TOKENS)
CATEGORICAL_COLUMN = st.lists(CATEGORY, min_size=1, max_size=4, unique=True).map(
    lambda categories: {"type": "categorical", "categories": sorted(categories)})


@st.composite
def valid_preprocessing(draw) -> dict:
    target, *names = draw(st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=5,
                                   unique=True))
    columns = [{"name": name, **draw(NUMERIC_COLUMN | CATEGORICAL_COLUMN)} for name in names]
    task = draw(st.sampled_from(["classification", "regression"]))
    value = {"kind": "tabular", "version": 1, "target": target, "task": task,
             "columns": columns}
    if task == "classification":
        value["classes"] = draw(st.lists(st.text(min_size=1, max_size=3), min_size=2,
                                         max_size=4, unique=True))
    value["features"] = sum(len(c.get("categories", [0])) for c in columns)
    return value


@st.composite
def mutated_preprocessing(draw) -> dict:
    """A valid dict with one field, at any depth, replaced by any JSON-like value."""
    value = draw(valid_preprocessing())
    places = []

    def collect(container) -> None:
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            places.append((container, key))
            if isinstance(container[key], (dict, list)):
                collect(container[key])

    collect(value)
    container, key = draw(st.sampled_from(places))
    container[key] = draw(JSON_LIKE)
    return value


@FUZZ
@given(value=valid_preprocessing())
def test_fuzz_check_preprocessing_accepts_valid_dicts(value):
    assert check_preprocessing(value) == value
    rows = [{c["name"]: c.get("categories", ["1"])[0] for c in value["columns"]}]
    assert torch.equal(generated_preprocess(value)(rows), preprocess_rows(value, rows))


@FUZZ
@given(value=st.one_of(JSON_LIKE, mutated_preprocessing()))
def test_fuzz_check_preprocessing_returns_a_dict_or_a_tabular_error(value):
    try:
        clean = check_preprocessing(value)
    except TabularError:
        return
    assert isinstance(clean, dict)
    assert check_preprocessing(clean) == clean
    rows = [{c["name"]: "1" for c in clean["columns"]}]
    try:
        expected = preprocess_rows(clean, rows)
    except TabularError:
        return
    assert torch.equal(generated_preprocess(clean)(rows), expected)


# -- the tutorial's regression file -------------------------------------------------------------

def load_script():
    spec = importlib.util.spec_from_file_location("make_regression_csv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_regression_csv_is_what_the_script_makes():
    script = load_script()
    text = script.make_csv()
    assert SHIPPED_CSV.read_bytes() == text.encode("ascii")
    assert script.make_csv() == text  # same seed, same bytes
    assert len(text) < 200_000
    lines = text.splitlines()
    assert lines[0] == "x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,y"
    assert len(lines) == 1001


def test_tutorial_model_learns_the_regression_csv():
    data = load_csv(SHIPPED_CSV, target="y")
    assert data.task == "regression"
    assert data.input_shape == [10]
    assert data.num_classes == 1
    assert data.train_y.shape == (800, 1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(10, 20), torch.nn.ReLU(), torch.nn.Linear(20, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        optimiser.zero_grad()
        torch.nn.functional.mse_loss(model(data.train_x), data.train_y).backward()
        optimiser.step()
    with torch.no_grad():
        val_loss = torch.nn.functional.mse_loss(model(data.val_x), data.val_y).item()
    # MyModel explains most of y's variance (about 2.1); a straight line leaves about 0.67.
    assert val_loss < 0.3
