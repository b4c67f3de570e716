"""Specs: JSON round trips, names, and validation that names the place of every problem."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.analysis import Analyzer
from netbuilder.core.builder import build
from netbuilder.core.catalog import default_catalog
from netbuilder.core.names import check_class_name, check_name, name_base
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.spec import (
    MAX_DEPTH,
    VERSION,
    BlockSpec,
    LayerSpec,
    NetworkSpec,
    SpecError,
    walk_items,
)
from netbuilder.core.spec_parse import parse, validate


def problems_of(data):
    return [str(p) for p in parse(data)[1]]


def minimal(**overrides):
    data = {"format": "netbuilder.network", "version": 1, "input_shape": [1, 28, 28],
            "layers": [{"kind": "Flatten", "name": "flatten"},
                       {"kind": "Linear", "name": "fc1",
                        "args": {"in_features": 784, "out_features": 10}}]}
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["mnist_mlp", "complex_model", "lenet5", "digits_cnn",
                                  "rows_lstm"])
def test_templates_load_and_round_trip(name):
    assert name in template_names()
    spec = load_template(name)
    again = NetworkSpec.from_json(spec.to_json())
    assert again == spec
    assert json.loads(again.to_json()) == json.loads(spec.to_json())
    assert spec.to_dict()["format"] == "netbuilder.network"
    assert spec.to_dict()["version"] == VERSION


def test_round_trip_keeps_nesting_frozen_and_args():
    spec = NetworkSpec(
        [3, 8, 8],
        [BlockSpec("stem", [LayerSpec("Conv2d", "0", {"in_channels": 3, "out_channels": 4,
                                                      "kernel_size": [3, 5], "padding": "same"},
                                      frozen=True),
                            BlockSpec("inner", [LayerSpec("ReLU", "act")])]),
         LayerSpec("Flatten", "flatten")],
        class_name="Small", num_classes=4, description="test")
    again = NetworkSpec.from_dict(json.loads(spec.to_json()))
    assert again == spec
    assert [path for path, _ in again.layers()] == ["stem.0", "stem.inner.act", "flatten"]
    assert again.find("stem.inner").name == "inner"


def test_a_valid_spec_has_no_problems():
    assert problems_of(minimal()) == []


@pytest.mark.parametrize(
    "data, expected",
    [
        (minimal(layers=[{"kind": "Linear", "name": "fc2", "args": {"in_features": -3}}]),
         "fc2.in_features: expected an integer ≥ 1, got -3"),
        (minimal(layers=[{"kind": "Linear", "name": "fc2", "args": {"in_features": "784"}}]),
         "fc2.in_features: expected an integer ≥ 1, got '784'"),
        (minimal(layers=[{"kind": "Dropout", "name": "d", "args": {"p": 1.5}}]),
         "d.p: expected a number from 0 to 1, got 1.5"),
        (minimal(layers=[{"kind": "Linar", "name": "fc"}]),
         "fc: unknown layer kind 'Linar'; did you mean 'Linear'?"),
        (minimal(layers=[{"kind": "ReLU", "name": "a"}, {"kind": "ReLU", "name": "a"}]),
         "a: duplicate name 'a': names must be unique"),
        (minimal(layers=[{"kind": "ReLU", "name": "my layer"}]),
         "layers[0].name: 'my layer' is not a valid name"),
        (minimal(layers=[{"kind": "ReLU", "name": "forward"}]),
         "layers[0].name: 'forward' clashes with an nn.Module attribute"),
        (minimal(layers=[{"kind": "ReLU", "name": "r", "args": {"inplace": True}}]),
         "r.inplace: ReLU has no argument 'inplace'"),
        (minimal(layers=[{"kind": "Conv2d", "name": "c",
                          "args": {"kernel_size": [3, 3, 3]}}]),
         "c.kernel_size: expected an integer ≥ 1 or a list of 2"),
        (minimal(layers=[{"kind": "Block", "name": "b",
                          "layers": [{"kind": "Linear", "name": "0", "args": {"bias": 1}}]}]),
         "b.0.bias: expected true or false, got 1"),
        (minimal(version=VERSION + 1), "newer than this netbuilder reads"),
        (minimal(format="something.else"), "format: expected 'netbuilder.network'"),
        (minimal(input_shape=[0, 28]), "input_shape: expected a list of 1 to 6 integers ≥ 1"),
        (minimal(class_name="my class"), "class_name: expected a Python class name"),
        (minimal(layers="fc1"), "layers: expected a list of layers"),
        (minimal(extra=1), "extra: unknown field"),
        ([1, 2], "expected a JSON object, got list"),
    ],
)
def test_validation_names_the_place_and_what_is_allowed(data, expected):
    found = problems_of(data)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_not_only_the_first():
    data = minimal(layers=[{"kind": "Linear", "name": "a", "args": {"in_features": 0}},
                           {"kind": "Nope", "name": "b"},
                           {"kind": "Dropout", "name": "c", "args": {"p": -1}}])
    with pytest.raises(SpecError) as caught:
        NetworkSpec.from_dict(data)
    assert [p.where for p in caught.value.problems] == ["a.in_features", "b", "c.p"]


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "layers": [\n')
    with pytest.raises(SpecError) as caught:
        NetworkSpec.load(path)
    message = str(caught.value)
    assert "broken.json" in message and "line 3" in message and "malformed JSON" in message


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read the file"):
        NetworkSpec.load(tmp_path / "absent.json")


def test_unique_readable_default_names():
    spec = load_template("mnist_mlp")
    assert name_base("Linear") == "fc"
    assert spec.unique_name("fc") == "fc4"  # fc1..fc3 are taken
    assert spec.unique_name("dropout") == "dropout1"
    assert name_base("Conv2d") == "conv"


@pytest.mark.parametrize("name, reason", [
    ("fc1\n", "is not a valid name"),  # "$" used to accept a trailing newline
    ("0\n", "is not a valid name"),
    ("__class__", "starts with __"),
    ("__init__", "starts with __"),
    ("__dict__", "starts with __"),
    ("__hidden", "starts with __"),  # mangled to _Net__hidden inside a class
    ("class", "Python keyword"),
    ("None", "Python keyword"),
    ("training", "clashes with an nn.Module attribute"),
    ("_modules", "clashes with an nn.Module attribute"),
    ("append", "clashes with an nn.Module attribute"),
])
def test_names_that_cannot_be_attributes_are_refused(name, reason):
    assert reason in check_name(name)
    found = problems_of(minimal(layers=[{"kind": "ReLU", "name": name}]))
    assert any(p.startswith("layers[0].name: ") and reason in p for p in found), found


def test_plain_names_and_indices_are_accepted():
    assert [check_name(n) for n in ("fc1", "_private", "x__y", "0", "12")] == [None] * 5


@pytest.mark.parametrize("name, reason", [
    ("Net\n", "expected a Python class name"),
    ("2Net", "expected a Python class name"),
    ("class", "Python keyword"),
    ("__Net", "starts with __"),
    ("nn", "would shadow"),
    ("torch", "would shadow"),
    ("OrderedDict", "would shadow"),
    ("SequenceLSTM", "would shadow"),
    ("main", "would shadow"),
    ("super", "would shadow"),
    ("print", "would shadow"),
])
def test_class_names_that_break_the_generated_module_are_refused(name, reason):
    assert reason in check_class_name(name)
    found = problems_of(minimal(class_name=name))
    assert any(p.startswith("class_name: ") and reason in p for p in found), found


def nested_blocks(depth):
    layer = {"kind": "ReLU", "name": "act"}
    for level in range(depth):
        layer = {"kind": "Block", "name": f"b{level}", "layers": [layer]}
    return minimal(layers=[layer])


def test_blocks_nested_too_deep_are_a_problem_not_a_recursion_error():
    assert problems_of(nested_blocks(MAX_DEPTH)) == []
    found = problems_of(nested_blocks(1000))
    assert len(found) == 1 and found[0].startswith("b999.b998.b997."), found
    assert found[0].endswith(f": blocks nested deeper than {MAX_DEPTH}")
    text = ('{"kind": "Block", "name": "b", "layers": [' * 1000 + '{"kind": "ReLU", "name": "r"}'
            + "]}" * 1000)
    with pytest.raises(SpecError, match="nested too deeply"):
        NetworkSpec.from_json('{"input_shape": [4], "layers": [' + text + "]}")


def deep_spec(depth):
    items = [LayerSpec("Linear", "fc", {"in_features": 4, "out_features": 4})]
    for level in range(depth):
        items = [BlockSpec(f"b{level}", items)]
    return NetworkSpec([4], items)


def test_deep_specs_in_memory_walk_copy_and_validate():
    too_deep = deep_spec(1000)
    assert len(list(too_deep.walk())) == 1001
    assert [str(p) for p in validate(too_deep)] == [
        f"layers: blocks nested deeper than {MAX_DEPTH}"]
    deepest = deep_spec(MAX_DEPTH)  # copy.deepcopy overflowed the stack at this depth
    copied = deepest.copy()
    assert copied == deepest and copied.items[0] is not deepest.items[0]
    assert validate(copied) == []


def test_walk_gives_paths_depths_and_blocks_before_their_contents():
    spec = NetworkSpec([4], [
        LayerSpec("Linear", "fc1", {"in_features": 4, "out_features": 3}),
        BlockSpec("block", [LayerSpec("ReLU", "0"), BlockSpec("inner", [LayerSpec("Tanh", "t")])]),
        LayerSpec("Linear", "fc2", {"in_features": 3, "out_features": 2}),
    ])
    assert [(path, depth) for path, _item, depth in spec.walk()] == [
        ("fc1", 0), ("block", 0), ("block.0", 1), ("block.inner", 1), ("block.inner.t", 2),
        ("fc2", 0)]
    assert [path for path, _layer in spec.layers()] == ["fc1", "block.0", "block.inner.t", "fc2"]
    block = spec.items[1]
    assert [(path, item.name, depth) for path, item, depth in walk_items(block.items, "b.", 1)] \
        == [("b.0", "0", 1), ("b.inner", "inner", 1), ("b.inner.t", "t", 2)]
    assert list(walk_items([])) == []


# -- random specs never crash the core --------------------------------------------------------

SMALL_INTS = st.integers(min_value=-3, max_value=40)
VALUES = st.one_of(SMALL_INTS, st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                   st.none(), st.sampled_from(["same", "valid", "last", "sequence", "tanh", "x"]),
                   st.lists(SMALL_INTS, max_size=4), st.text(max_size=3))


@st.composite
def random_args(draw, kind_name):
    kind = default_catalog().get(kind_name)
    names = [a.name for a in kind.args] if kind else []
    keys = draw(st.lists(st.sampled_from(names + ["bogus"]), max_size=4, unique=True))
    return {k: draw(VALUES) for k in keys}


@st.composite
def random_layer(draw, depth=0):
    kinds = default_catalog().names() + ["Nope", 7]
    kind = draw(st.sampled_from(kinds))
    name = draw(st.one_of(st.from_regex(r"[a-z]{1,3}[0-9]?", fullmatch=True),
                          st.sampled_from(["0", "1", "class", "forward", "", "a.b"])))
    if kind == "Block" and depth < 2:
        return {"kind": "Block", "name": name,
                "layers": draw(st.lists(random_layer(depth + 1), max_size=3))}
    return {"kind": kind, "name": name, "args": draw(random_args(kind))}


@st.composite
def random_spec(draw):
    shape = draw(st.one_of(st.lists(st.integers(min_value=1, max_value=30), min_size=1,
                                    max_size=4), st.just([1, 28, 28]), st.just("x")))
    return {"format": "netbuilder.network", "version": draw(st.sampled_from([1, 1, 1, 2, 0])),
            "input_shape": shape, "num_classes": draw(st.sampled_from([None, 10, 0])),
            "layers": draw(st.lists(random_layer(), max_size=6))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_spec())
def test_random_specs_give_a_model_or_structured_problems(data):
    analyzer = Analyzer()
    try:
        spec = NetworkSpec.from_dict(data)
    except SpecError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    analysis = analyzer.analyze(spec)  # never raises: failures are findings
    assert all(f.message for f in analysis.findings)
    try:
        model = build(spec, device="meta")
    except SpecError as exc:
        assert exc.problems
    else:
        assert len(list(model.named_children())) == len(spec.items)
