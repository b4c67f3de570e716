"""The analyzer re-runs only what an edit changed (issue 19): the rows of items that receive the
same input are the previous analysis' own objects, before the edit and after it, and the result
is always the analysis of the spec from scratch."""

from __future__ import annotations

import copy
import random

from netbuilder.core import editing
from netbuilder.core.analysis import Analyzer
from netbuilder.core.spec import (
    BlockSpec,
    LayerSpec,
    NetworkSpec,
    ParallelSpec,
    ResidualSpec,
    walk_items,
)


def linear(name: str, n_in: int, n_out: int) -> LayerSpec:
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def chain(pairs: int = 60) -> NetworkSpec:
    items = [LayerSpec("Flatten", "flatten"), linear("fc0", 784, 64)]
    for i in range(1, pairs + 1):
        items += [LayerSpec("ReLU", f"relu{i}"), linear(f"fc{i}", 64, 64)]
    items.append(linear("out", 64, 10))
    return NetworkSpec([1, 28, 28], items, num_classes=10)


def nested() -> NetworkSpec:
    spec = chain(20)
    spec.items[10:10] = [
        BlockSpec("block", [linear("b1", 64, 64), LayerSpec("ReLU", "b2")]),
        ResidualSpec("res", [linear("r1", 64, 64), LayerSpec("Tanh", "r2")], [], "ReLU"),
        ParallelSpec("mix", [[linear("p1", 64, 32)], [linear("p2", 64, 32)]]),
    ]
    return spec


def summary(analysis) -> tuple:
    rows = [(r.path, r.kind, r.depth, r.stack, r.input_shape, r.output_shape, r.params,
             r.trainable_params, r.macs, r.size_bytes, r.error, tuple(r.findings))
            for r in analysis.rows]
    return (rows, analysis.findings, analysis.output_shape, analysis.stack_shapes)


def by_path(analysis) -> dict:
    return {row.path: row for row in analysis.rows}


def test_an_insert_that_keeps_the_shape_reuses_every_other_row():
    analyzer, spec = Analyzer(), chain()
    before = by_path(analyzer.analyze(spec))
    edited = spec.copy()
    editing.insert(edited, "", 40, [LayerSpec("Dropout", "drop")])
    after = analyzer.analyze(edited)
    new = [row.path for row in after.rows if row is not before.get(row.path)]
    assert new == ["drop"]


def test_a_changed_shape_stops_where_the_input_is_the_same_again():
    analyzer, spec = Analyzer(), chain()
    before = by_path(analyzer.analyze(spec))
    edited = spec.copy()
    editing.set_args(edited, "fc10", {"out_features": 32})
    editing.set_args(edited, "fc11", {"in_features": 32})
    after = analyzer.analyze(edited)
    new = [row.path for row in after.rows if row is not before.get(row.path)]
    assert new == ["fc10", "relu11", "fc11"]
    assert after.row("relu11").input_shape == (1, 32)
    assert summary(after) == summary(Analyzer().analyze(edited))


def test_an_analysis_handed_out_never_changes_afterwards():
    analyzer, flawed = Analyzer(), chain(3)
    first = analyzer.analyze(flawed)  # fc3 and out: two Linear layers in a row, a warning
    kept = copy.deepcopy(summary(first))
    assert [f.rule for f in first.row("out").findings] == ["linear-linear"]
    fixed = flawed.copy()
    editing.insert(fixed, "", len(fixed.items) - 1, [LayerSpec("ReLU", "last")])
    second = analyzer.analyze(fixed)
    assert second.row("out").findings == []
    assert summary(first) == kept
    assert second.row("fc2") is first.row("fc2")
    assert summary(analyzer.analyze(flawed)) == kept


def test_a_spec_changed_in_place_is_analysed_afresh():
    analyzer, spec = Analyzer(), chain(3)
    analyzer.analyze(spec)
    spec.find("fc2").args["out_features"] = 32  # the same objects, edited in place
    spec.find("fc3").args["in_features"] = 32
    assert summary(analyzer.analyze(spec)) == summary(Analyzer().analyze(spec))
    assert analyzer.analyze(spec).row("relu3").input_shape == (1, 32)


def random_edit(spec: NetworkSpec, rng: random.Random) -> None:
    """One of the stack editor's edits, somewhere in the network."""
    stacks = [path for path, _items, _depth in spec.stacks()]
    stack = rng.choice(stacks)
    items = editing.children(spec, stack)
    prefix = f"{stack}." if stack else ""
    choice = rng.randrange(5)
    if choice == 0 or not items:
        kind = rng.choice(["Dropout", "ReLU", "Tanh", "Identity"])
        editing.insert(spec, stack, rng.randrange(len(items) + 1), [LayerSpec(kind, "x")])
    elif choice == 1:
        editing.remove(spec, [prefix + rng.choice(items).name])
    elif choice == 2:
        layers = [i for i in items if isinstance(i, LayerSpec) and i.kind == "Linear"]
        if layers:
            width = rng.choice([32, 64])
            layer = rng.choice(layers)
            editing.set_args(spec, prefix + layer.name, {"out_features": width})
    elif choice == 3 and len(items) > 1:
        editing.shift(spec, [prefix + items[-1].name], -1)
    else:
        spec.input_shape = rng.choice([[1, 28, 28], [1, 16, 16]])


def test_edits_anywhere_give_the_analysis_from_scratch():
    rng = random.Random(19)
    analyzer, spec = Analyzer(), nested()
    for _step in range(60):
        spec = spec.copy()
        random_edit(spec, rng)
        for loss in ("cross_entropy", "mse"):
            assert summary(analyzer.analyze(spec, loss)) == summary(
                Analyzer().analyze(spec, loss))


def test_walk_list_is_the_walk():
    spec = nested()
    assert editing.walk_list(spec.items) == list(walk_items(spec.items))
    assert editing.walk_list(spec.items[10].items, "block.", 1) == list(
        walk_items(spec.items[10].items, "block.", 1))


def test_removing_items_of_several_stacks_at_once():
    spec = nested()
    selection = editing.remove(spec, ["relu2", "block.b1", "res.body.r2", "fc3", "block"])
    assert [item.name for item in spec.items[:4]] == ["flatten", "fc0", "relu1", "fc1"]
    assert spec.find("block") is None  # b1 went with its block
    assert [item.name for item in spec.find("res").body] == ["r1"]
    assert selection == ["fc2"]  # what took the place of the first one named
