"""Residual and Parallel containers: spec (JSON, paths, stacks, validation), the torch modules,
build and spec_from_module, weights carried over across edits."""

import json
from collections import OrderedDict

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from netbuilder.core.builder import build, spec_from_module
from netbuilder.core.catalog import LayerKind, build_catalog
from netbuilder.core.container_modules import Parallel, Residual
from netbuilder.core.model_state import carry_over, layer_tensors
from netbuilder.core.spec import (
    MAX_DEPTH,
    BlockSpec,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    SpecError,
    nesting_depth,
    nesting_levels,
)
from netbuilder.core.spec_parse import parse, validate


def conv(name, c_in, c_out, k=3, **extra):
    return LayerSpec("Conv2d", name, {"in_channels": c_in, "out_channels": c_out,
                                      "kernel_size": k, **extra})


def shapes(module):
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def residual_net():
    """A residual with a projection shortcut, then a parallel of a conv and an identity."""
    return NetworkSpec([1, 8, 8], [
        ResidualSpec("res1", [conv("0", 1, 4, stride=2, padding=1), LayerSpec("ReLU", "1"),
                              conv("2", 4, 4, padding=1)],
                     [conv("0", 1, 4, 1, stride=2)], "ReLU"),
        ParallelSpec("mix", [[LayerSpec("Identity", "0"), conv("1", 4, 2, padding=1)], []]),
    ])


def problems_of(layers, **fields):
    data = {"input_shape": [1, 8, 8], "layers": layers, **fields}
    return [str(p) for p in parse(data)[1]]


# -- JSON ------------------------------------------------------------------------------------


def test_json_form_of_both_containers():
    data = residual_net().to_dict()["layers"]
    assert data[0] == {
        "kind": "Residual", "name": "res1",
        "body": [{"kind": "Conv2d", "name": "0", "args": {
                     "in_channels": 1, "out_channels": 4, "kernel_size": 3, "stride": 2,
                     "padding": 1}},
                 {"kind": "ReLU", "name": "1"},
                 {"kind": "Conv2d", "name": "2", "args": {
                     "in_channels": 4, "out_channels": 4, "kernel_size": 3, "padding": 1}}],
        "shortcut": [{"kind": "Conv2d", "name": "0", "args": {
            "in_channels": 1, "out_channels": 4, "kernel_size": 1, "stride": 2}}],
        "activation": "ReLU"}
    assert data[1]["kind"] == "Parallel" and data[1]["merge"] == "concat" and data[1]["dim"] == 1
    assert [len(b) for b in data[1]["branches"]] == [2, 0]


def test_round_trip_and_equality():
    spec = residual_net()
    again = NetworkSpec.from_json(spec.to_json())
    assert again == spec and json.loads(again.to_json()) == json.loads(spec.to_json())
    changed = spec.copy()
    assert changed == spec and changed.items[0] is not spec.items[0]
    changed.items[0].activation = ""
    assert changed != spec
    changed = spec.copy()
    changed.items[1].branches[1].append(LayerSpec("ReLU", "r"))
    assert changed != spec
    changed = spec.copy()
    changed.items[1].merge = "sum"
    assert changed != spec
    assert ResidualSpec("a") != BlockSpec("a") and ResidualSpec("a") == ResidualSpec("a")


def test_defaults_for_missing_fields():
    spec = NetworkSpec.from_dict({"input_shape": [4], "layers": [
        {"kind": "Residual", "name": "r"}, {"kind": "Parallel", "name": "p"}]})
    assert spec.items == [ResidualSpec("r", [], [], ""),
                          ParallelSpec("p", [[], []], "concat", 1)]


# -- paths and stacks ------------------------------------------------------------------------


def nested():
    return NetworkSpec([4], [
        LayerSpec("Linear", "fc", {"in_features": 4, "out_features": 4}),
        ResidualSpec("res1", [BlockSpec("blk", [LayerSpec("ReLU", "a")]),
                              LayerSpec("Tanh", "t")],
                     [LayerSpec("Identity", "0")]),
        ParallelSpec("mix", [[LayerSpec("ReLU", "r")],
                             [ResidualSpec("inner", [LayerSpec("ReLU", "0")])]]),
    ])


def test_walk_paths_are_the_torch_module_paths():
    spec = nested()
    walked = [(path, depth) for path, _item, depth in spec.walk()]
    assert walked == [
        ("fc", 0), ("res1", 0), ("res1.body.blk", 1), ("res1.body.blk.a", 2),
        ("res1.body.t", 1), ("res1.shortcut.0", 1), ("mix", 0), ("mix.branches.0.r", 1),
        ("mix.branches.1.inner", 1), ("mix.branches.1.inner.body.0", 2)]
    modules = {name for name, _module in build(spec).named_modules()}
    assert {path for path, _ in walked} <= modules
    assert [p for p, _ in spec.layers()] == [
        "fc", "res1.body.blk.a", "res1.body.t", "res1.shortcut.0", "mix.branches.0.r",
        "mix.branches.1.inner.body.0"]
    assert nesting_depth(spec.items) == 2
    assert spec.all_names() == {path for path, _ in walked}


def test_find_stacks_and_their_owners():
    spec = nested()
    assert spec.find("mix.branches.1.inner").kind == "Residual"
    assert spec.find("mix.branches.1") is None  # a stack, not an item
    assert spec.find_stack("") is spec.items
    assert spec.find_stack("res1.body") is spec.items[1].body
    assert spec.find_stack("res1.shortcut") is spec.items[1].shortcut
    assert spec.find_stack("res1.body.blk") is spec.items[1].body[0].items
    assert spec.find_stack("mix.branches.1.inner.shortcut") == []
    for missing in ("res1", "fc", "mix.branches.2", "mix.branches", "nope.body"):
        assert spec.find_stack(missing) is None, missing
    assert spec.stack_owner("mix.branches.1") == "mix"
    assert spec.stack_owner("res1.body.blk") == "res1.body.blk"
    assert spec.stack_owner("") == "" and spec.stack_owner("res1") is None
    assert [(path, depth) for path, _items, depth in spec.stacks()] == [
        ("", 0), ("res1.body", 1), ("res1.shortcut", 1), ("res1.body.blk", 2),
        ("mix.branches.0", 1), ("mix.branches.1", 1), ("mix.branches.1.inner.body", 2),
        ("mix.branches.1.inner.shortcut", 2)]
    assert ResidualSpec("r").stacks() == [("body", []), ("shortcut", [])]
    assert [name for name, _ in ParallelSpec("p", [[], [], []]).stacks()] == [
        "branches.0", "branches.1", "branches.2"]


def test_unique_names_see_items_inside_containers():
    spec = nested()
    assert spec.unique_name("res") == "res2"
    assert spec.unique_name("inner") == "inner1"
    assert spec.unique_name("fc", spec.items[1].body) == "fc1"


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("layer, expected", [
    ({"kind": "Residual", "name": "r", "activation": "Softmax"},
     "r.activation: expected \"\" (none) or one of: ReLU, LeakyReLU"),
    ({"kind": "Residual", "name": "r", "activation": 1}, "r.activation: expected"),
    ({"kind": "Residual", "name": "r", "body": "x"}, "r.body: expected a list of layers"),
    ({"kind": "Residual", "name": "r", "layers": []}, "r.layers: unknown field of a residual"),
    ({"kind": "Residual", "name": "r", "body": [{"kind": "Linear", "name": "fc",
                                                   "args": {"in_features": 0}}]},
     "r.body.fc.in_features: expected an integer ≥ 1, got 0"),
    ({"kind": "Residual", "name": "r", "shortcut": [{"kind": "ReLU", "name": "a"},
                                                    {"kind": "ReLU", "name": "a"}]},
     "r.shortcut.a: duplicate name 'a'"),
    ({"kind": "Residual", "name": "r", "body": [{"kind": "ReLU", "name": "forward"}]},
     "layers[0].body[0].name: 'forward' clashes with an nn.Module attribute"),
    ({"kind": "Parallel", "name": "p", "merge": "max"},
     "p.merge: expected one of: concat, sum, mean, got 'max'"),
    ({"kind": "Parallel", "name": "p", "dim": True}, "p.dim: expected an integer from -8 to 8"),
    ({"kind": "Parallel", "name": "p", "dim": 9}, "p.dim: expected an integer from -8 to 8"),
    ({"kind": "Parallel", "name": "p", "branches": [[]]},
     "p.branches: a parallel needs at least 2 branches, got 1"),
    ({"kind": "Parallel", "name": "p", "branches": {"0": []}},
     "p.branches: expected a list of branches"),
    ({"kind": "Parallel", "name": "p", "branches": [[], 3]},
     "p.branches.1: expected a list of layers, got 3"),
    ({"kind": "Parallel", "name": "p", "branches": [[], [{"kind": "Nope", "name": "x"}]]},
     "p.branches.1.x: unknown layer kind 'Nope'"),
    ({"kind": "Parallel", "name": "p", "extra": 1}, "p.extra: unknown field of a parallel"),
    ({"kind": "Parallel", "name": "class"}, "layers[0].name: 'class' is a Python keyword"),
])
def test_validation_names_the_place_inside_containers(layer, expected):
    found = problems_of([layer])
    assert any(expected in p for p in found), found


def test_names_are_unique_among_siblings_only():
    assert problems_of([{"kind": "Residual", "name": "a", "body": [{"kind": "ReLU",
                                                                    "name": "a"}],
                         "shortcut": [{"kind": "ReLU", "name": "a"}]},
                        {"kind": "ReLU", "name": "b"}]) == []
    assert problems_of([{"kind": "Residual", "name": "a"}, {"kind": "Parallel", "name": "a"}]) \
        == ["a: duplicate name 'a': names must be unique"]


def test_a_class_named_like_a_used_helper_is_refused():
    found = problems_of([{"kind": "Parallel", "name": "p"}], class_name="Parallel")
    assert len(found) == 1 and found[0].startswith("class_name: 'Parallel' is the name")
    assert problems_of([{"kind": "Parallel", "name": "p"}], class_name="Residual") == []
    assert problems_of([], class_name="Residual") == []  # older files keep loading


def deep(depth, kind):
    item = LayerSpec("ReLU", "r")
    for level in range(depth):
        item = (ResidualSpec(f"c{level}", [item], [LayerSpec("Identity", "i")], "ReLU")
                if kind == "Residual" else ParallelSpec(f"c{level}", [[], [item]], "sum"))
    return NetworkSpec([4], [item])


@pytest.mark.parametrize("kind", ["Residual", "Parallel"])
def test_deep_containers_walk_copy_compare_validate_and_run(kind):
    """A residual or parallel counts two levels of MAX_DEPTH: it runs two modules per level."""
    deepest = deep(MAX_DEPTH // 2, kind)
    assert nesting_levels(deepest.items) == MAX_DEPTH
    copied = deepest.copy()
    assert copied == deepest and validate(copied) == []
    assert NetworkSpec.from_json(deepest.to_json()) == deepest
    with torch.no_grad():
        assert build(deepest)(torch.rand(2, 4)).shape == (2, 4)  # no RecursionError
    assert [str(p) for p in validate(deep(MAX_DEPTH // 2 + 1, kind))] == [
        f"layers: containers nested deeper than {MAX_DEPTH} levels (a residual or parallel "
        "counts two)"]
    assert [str(p) for p in validate(deep(MAX_DEPTH + 1, kind))] == [
        f"layers: blocks nested deeper than {MAX_DEPTH}"]
    data = json.loads(deepest.to_json())
    outer = {"kind": "Block", "name": "top", "layers": data["layers"]}
    with pytest.raises(SpecError, match=f"containers nested deeper than {MAX_DEPTH} levels"):
        NetworkSpec.from_dict({**data, "layers": [outer]})
    mixed = NetworkSpec([4], [BlockSpec("b", deepest.items)])
    assert nesting_levels(mixed.items) == MAX_DEPTH + 1 and validate(mixed)


def test_plugins_cannot_take_the_container_names():
    class Entry:
        name, value = "mine", "x:y"

        def __init__(self, kind):
            self.kind = kind

        def load(self):
            return self.kind

    kinds = [LayerKind(name, "Mine", nn.Identity) for name in ("Residual", "Parallel", "Ok")]
    catalog = build_catalog([Entry(kind) for kind in kinds])
    assert "Ok" in catalog and "Residual" not in catalog and "Parallel" not in catalog
    assert all("reserved" in error for error in catalog.plugin_errors)


# -- torch modules and the builder -----------------------------------------------------------


def test_state_dict_keys_read_as_the_paths():
    model = build(residual_net())
    assert list(model.state_dict()) == [
        "res1.body.0.weight", "res1.body.0.bias", "res1.body.2.weight", "res1.body.2.bias",
        "res1.shortcut.0.weight", "res1.shortcut.0.bias", "mix.branches.0.1.weight",
        "mix.branches.0.1.bias"]
    assert isinstance(model.res1, Residual) and isinstance(model.mix, Parallel)
    assert isinstance(model.res1.activation, nn.ReLU)
    assert isinstance(model.mix.branches, nn.ModuleList)
    assert model(torch.rand(3, 1, 8, 8)).shape == (3, 6, 4, 4)


def test_modules_compute_what_they_say():
    torch.manual_seed(0)
    body, shortcut = nn.Sequential(nn.Linear(4, 4)), nn.Sequential(nn.Linear(4, 4))
    x = torch.rand(2, 4)
    assert torch.equal(Residual(body)(x), body(x) + x)
    assert torch.equal(Residual(body, shortcut, nn.Tanh())(x), torch.tanh(body(x) + shortcut(x)))
    branches = [nn.Sequential(nn.Linear(4, 3)), nn.Sequential(nn.Linear(4, 3))]
    ys = [b(x) for b in branches]
    assert torch.equal(Parallel(branches)(x), torch.cat(ys, 1))
    assert torch.equal(Parallel(branches, "concat", -1)(x), torch.cat(ys, -1))
    assert torch.allclose(Parallel(branches, "sum")(x), ys[0] + ys[1])
    assert torch.allclose(Parallel(branches, "mean")(x), (ys[0] + ys[1]) / 2)
    with pytest.raises(RuntimeError):  # sum refuses to broadcast different shapes
        Parallel([nn.Sequential(nn.Linear(4, 1)), nn.Sequential()], "sum")(x)
    with pytest.raises(ValueError, match="merge"):
        Parallel(branches, "max")
    with pytest.raises(ValueError, match="at least one"):
        Parallel([])
    assert "merge='sum', dim=1" in repr(Parallel(branches, "sum"))


def test_frozen_layers_inside_containers():
    spec = residual_net()
    spec.find("res1.shortcut.0").frozen = True
    spec.find("mix.branches.0.1").frozen = True
    model = build(spec)
    frozen = {name for name, p in model.named_parameters() if not p.requires_grad}
    assert frozen == {"res1.shortcut.0.weight", "res1.shortcut.0.bias",
                      "mix.branches.0.1.weight", "mix.branches.0.1.bias"}


def test_modules_come_back_as_specs():
    spec = residual_net()
    spec.items.append(BlockSpec("blk", [ParallelSpec("p", [[LayerSpec("ReLU", "r")], [], []],
                                                     "mean", -1)]))
    spec.find("res1.body.0").frozen = True
    again = spec_from_module(build(spec), [1, 8, 8])
    assert again == spec
    written = nn.Sequential(OrderedDict([
        ("res", Residual(nn.Sequential(nn.Linear(4, 4)), nn.Sequential(), nn.GELU())),
        ("par", Parallel([nn.Sequential(nn.Linear(4, 2)), nn.Sequential(nn.Linear(4, 2))])),
    ]))
    read = spec_from_module(written, [4])
    assert read.items[0] == ResidualSpec("res", [LayerSpec("Linear", "0", {
        "in_features": 4, "out_features": 4})], [], "GELU")
    assert read.items[1].merge == "concat" and len(read.items[1].branches) == 2


@pytest.mark.parametrize("module, message", [
    (Residual(nn.Sequential(), nn.Linear(4, 4)),
     "r.shortcut: expected an nn.Sequential or nn.Identity, got Linear"),
    (Residual(nn.Linear(4, 4)), "r.body: expected an nn.Sequential, got Linear"),
    (Residual(nn.Sequential(), None, nn.LeakyReLU(0.2)), "r.activation: expected nn.Identity"),
    (Residual(nn.Sequential(), None, nn.Softmax(1)), "r.activation: expected nn.Identity"),
    (Parallel([nn.Sequential(), nn.Linear(4, 4)]), "r.branches.1: expected an nn.Sequential"),
    (Parallel([nn.Sequential()]), "r.branches: a parallel needs at least 2 branches"),
])
def test_modules_that_no_spec_describes_are_refused(module, message):
    with pytest.raises(SpecError, match=message.replace(".", r"\.").replace("(", r"\(")):
        spec_from_module(nn.Sequential(OrderedDict([("r", module)])), [4])


# -- weights across edits --------------------------------------------------------------------


def test_weights_inside_containers_carry_over_an_edit():
    spec = residual_net()
    model = build(spec)
    assert {"res1.body.0", "res1.shortcut.0", "mix.branches.0.1"} <= set(layer_tensors(model))
    edited = spec.copy()
    edited.find("mix").branches[1].append(LayerSpec("ReLU", "act"))
    edited.find("res1.body.2").args["out_channels"] = 4  # unchanged value
    new, kept = carry_over(model, edited)
    assert kept == {"res1.body.0", "res1.body.2", "res1.shortcut.0", "mix.branches.0.1"}
    assert torch.equal(new.res1.shortcut[0].weight, model.res1.shortcut[0].weight)
    edited.find("res1.shortcut.0").args["out_channels"] = 4
    edited.find("mix.branches.0.1").args["out_channels"] = 3
    new, kept = carry_over(model, edited)
    assert "mix.branches.0.1" not in kept and "res1.shortcut.0" in kept


# -- random container specs never crash the core ---------------------------------------------

NAMES = st.sampled_from(["a", "b", "0", "1", "body", "branches", "class", ""])


def random_items(depth):
    layer = st.builds(lambda kind, name: {"kind": kind, "name": name},
                      st.sampled_from(["ReLU", "Identity", "Tanh", "Nope"]), NAMES)
    if depth >= 2:
        return st.lists(layer, max_size=3)
    inner = random_items(depth + 1)
    residual = st.fixed_dictionaries(
        {"kind": st.just("Residual"), "name": NAMES},
        optional={"body": inner, "shortcut": inner,
                  "activation": st.sampled_from(["", "ReLU", "Tanh", "Softmax", 3])})
    parallel = st.fixed_dictionaries(
        {"kind": st.just("Parallel"), "name": NAMES},
        optional={"branches": st.lists(inner, max_size=3),
                  "merge": st.sampled_from(["concat", "sum", "mean", "max"]),
                  "dim": st.sampled_from([1, -1, 0, 9, True])})
    return st.lists(st.one_of(layer, residual, parallel), max_size=3)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_items(0), st.sampled_from([[4], [2, 3, 3]]))
def test_random_container_specs_give_a_model_or_structured_problems(layers, shape):
    from netbuilder.core.analysis import Analyzer

    try:
        spec = NetworkSpec.from_dict({"input_shape": shape, "layers": layers})
    except SpecError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    assert NetworkSpec.from_json(spec.to_json()) == spec
    analysis = Analyzer().analyze(spec)
    model = build(spec)
    if analysis.ok:
        with torch.no_grad():
            out = model(torch.rand(2, *shape))
        assert out.shape[1:] == analysis.output_shape[1:]


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["resnet_digits", "inception_digits"])
def test_container_templates_load_round_trip_and_analyse_cleanly(name):
    from netbuilder.core.analysis import analyze
    from netbuilder.core.resources import load_template, template_names

    assert name in template_names()
    spec = load_template(name)
    assert NetworkSpec.from_json(spec.to_json()) == spec
    analysis = analyze(spec)
    assert analysis.ok and not analysis.warnings, [str(f) for f in analysis.findings]
    assert analysis.output_shape == (1, 10)
    kinds = {item.kind for _path, item, _depth in spec.walk()}
    assert ("Residual" if name == "resnet_digits" else "Parallel") in kinds


def test_resnet_template_has_projections_where_shapes_change():
    from netbuilder.core.resources import load_template

    spec = load_template("resnet_digits")
    stages = [item for item in spec.items if isinstance(item, ResidualSpec)]
    assert [s.name for s in stages] == ["stage1", "stage2", "stage3"]
    assert [bool(s.shortcut) for s in stages] == [False, True, True]
    assert all(s.activation == "ReLU" for s in stages)
    assert list(build(spec).state_dict())[:2] == ["stem.conv.weight", "stem.bn.weight"]
    assert "stage2.shortcut.0.weight" in build(spec).state_dict()
