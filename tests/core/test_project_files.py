"""Project and spec files are checked whole: a bad field is named, nothing else escapes."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.jsonfile import MAX_DEPTH, JsonFileError, parse_json, read_json_file
from netbuilder.core.project import Project, ProjectError, check_recovery_info
from netbuilder.core.resources import load_template

RUN = {"id": "run1", "label": "Run 1 · adam, lr 0.001",
       "settings": {"optimizer": "adam", "lr": 0.001, "dataset": "digits", "val_split": 0.2},
       "epochs": [{"epoch": 1, "train_loss": 0.4, "val_loss": 0.3, "train_accuracy": 0.9,
                   "val_accuracy": 0.92, "lr": 0.001, "seconds": 1.5, "samples_per_s": 5000.0,
                   "global_step": 125}],
       "batches": [[1, 2.3], [2, 2.1]], "final": {"val_accuracy": 0.92, "epochs_done": 1},
       "started_at": 1790000000.0}
EXAMPLE = {"label": 7, "pixels": [0] * 700 + [255] * 84}


def project_dict() -> dict:
    project = Project(load_template("mnist_mlp"), "digits",
                      {"epochs": 3, "lr": 0.01, "optimizer": "sgd", "augment": True},
                      {"runs": [RUN], "user_examples": [EXAMPLE]})
    return json.loads(project.to_json())


def test_a_saved_project_reads_back_equal(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(project_dict()))
    project = Project.load(path)
    assert project.training == {"epochs": 3, "lr": 0.01, "optimizer": "sgd", "augment": True}
    assert project.extra["runs"] == [RUN]
    assert project.extra["user_examples"] == [EXAMPLE]
    assert json.loads(project.to_json()) == project_dict()


@pytest.mark.parametrize("change, where", [
    (lambda d: d.update(runs=5), "runs"),
    (lambda d: d.update(user_examples=5), "user_examples"),
    (lambda d: d["training"].update(epochs=2**31), "training.epochs"),
    (lambda d: d["training"].update(epochs=True), "training.epochs"),
    (lambda d: d["training"].update(lr=float("nan")), "training.lr"),
    (lambda d: d["training"].update(optimizer='adam"; import os'), "training.optimizer"),
    (lambda d: d["training"].update(surprise=1), "training.surprise: unknown setting"),
    (lambda d: d.update(training=[1]), "training"),
    (lambda d: d.update(dataset=3), "dataset"),
    (lambda d: d.update(dataset="folder:"), "dataset"),
    (lambda d: d["runs"][0].update(epochs=[{"epoch": "one"}]), "runs[0].epochs[0].epoch"),
    (lambda d: d["runs"][0].update(batches=[[1, 2, 3]]), "runs[0].batches[0]"),
    (lambda d: d["runs"][0].update(final=[]), "runs[0].final"),
    (lambda d: d["runs"][0].update(label=None), "runs[0].label"),
    (lambda d: d["user_examples"][0].update(pixels=[0] * 783), "user_examples[0].pixels"),
    (lambda d: d["user_examples"][0].update(label=-1), "user_examples[0].label"),
    (lambda d: d.update(version=-1), "version"),
    (lambda d: d.update(version=True), "version"),
    (lambda d: d.update(extra_section={}), "extra_section: unknown field"),
    (lambda d: d["network"]["layers"][1]["args"].update(in_features=10**40), "in_features"),
])
def test_one_bad_field_refuses_the_file_and_names_the_field(tmp_path, change, where):
    data = project_dict()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    text = str(caught.value)
    assert text.startswith("bad.json cannot be opened:")
    assert where in text


def test_a_float_argument_given_a_huge_integer_is_a_problem_not_an_overflow(tmp_path):
    data = project_dict()
    data["network"]["layers"].append({"kind": "Dropout", "name": "drop", "args": {"p": 10**400}})
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="drop.p: expected a number from 0 to 1"):
        Project.load(path)


@pytest.mark.parametrize("text, message", [
    ("1" * 5001, "a value cannot be read"),
    ('{"version": ' + "9" * 5001 + "}", "a value cannot be read"),
    ("[" * 100_000 + "]" * 100_000, f"nested 100000 levels deep; netbuilder reads at most "
                                    f"{MAX_DEPTH}"),
    ('{"a": ' * 5000 + "1" + "}" * 5000, "nested 5000 levels deep"),
    ("{", "malformed JSON"),
])
def test_numbers_and_nesting_that_break_json_are_problems(tmp_path, text, message):
    path = tmp_path / "odd.json"
    path.write_text(text)
    with pytest.raises(ProjectError, match=message):
        Project.load(path)


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"description": "[" * 1000 + '\\"{' * 500})
    assert parse_json(text)["description"].startswith("[[[")


def test_dev_zero_is_refused_unread():
    with pytest.raises(JsonFileError, match="not a regular file"):
        read_json_file("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"description": "x" * 2000}))
    with pytest.raises(JsonFileError, match="larger than"):
        read_json_file(path, limit=1000)
    assert read_json_file(path, limit=10_000)["description"] == "x" * 2000


def test_a_64_mb_file_is_refused(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: costs no disk
        handle.truncate(64 * 1024 * 1024 + 1)
    with pytest.raises(ProjectError, match="larger than 64 MB"):
        Project.load(path)


def test_not_utf8_is_a_problem(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"description": "caf\xe9"}')
    with pytest.raises(ProjectError, match="not UTF-8"):
        Project.load(path)


def test_recovery_notes_are_checked():
    assert check_recovery_info({"path": "/x/p.json", "saved_at": 12.5}) == {
        "path": "/x/p.json", "saved_at": 12.5}
    assert check_recovery_info({"path": 5, "saved_at": "yesterday"}) == {
        "path": None, "saved_at": 0.0}
    assert check_recovery_info([1]) == {"path": None, "saved_at": 0.0}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20)


def _mutate(data: dict, path: list, value) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


MUTABLE = [["runs"], ["runs", 0], ["runs", 0, "epochs"], ["runs", 0, "settings"],
           ["runs", 0, "batches", 0], ["runs", 0, "final"], ["user_examples", 0],
           ["user_examples", 0, "pixels"], ["training"], ["training", "epochs"], ["dataset"],
           ["version"], ["network"], ["network", "layers", 0], ["network", "input_shape"],
           ["network", "layers", 1, "args", "out_features"], ["network", "description"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MUTABLE), json_values)
def test_fuzzed_projects_open_whole_or_not_at_all(path, value):
    data = _mutate(project_dict(), path, value)
    try:
        project = Project.from_dict(data)
    except ProjectError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return
    # Whatever was accepted is plain and writes back out as JSON that opens again.
    again = Project.from_dict(json.loads(project.to_json()))
    assert again.to_dict() == project.to_dict()


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_any_json_document_opens_or_is_refused(value):
    try:
        Project.from_dict(value)
    except ProjectError:
        pass
