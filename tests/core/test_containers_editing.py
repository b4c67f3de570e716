"""Stack edits with residuals and parallels: stack paths as parents, grouping into containers,
branches, container settings and the projection a residual's shortcut needs."""

import pytest
import torch

from netbuilder.core import editing
from netbuilder.core.analysis import analyze
from netbuilder.core.builder import build
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec
from netbuilder.core.spec_parse import validate


def conv(name, c_in, c_out, k=3, **extra):
    return LayerSpec("Conv2d", name, {"in_channels": c_in, "out_channels": c_out,
                                      "kernel_size": k, **extra})


def names(items):
    return [item.name for item in items]


@pytest.fixture
def spec():
    return NetworkSpec([4, 8, 8], [
        conv("stem", 4, 4, padding=1),
        ResidualSpec("res1", [conv("conv1", 4, 4, padding=1), LayerSpec("ReLU", "relu")]),
        ParallelSpec("mix", [[conv("conv", 4, 2, 1)], [conv("conv", 4, 2, 1)]]),
        LayerSpec("Flatten", "flatten"),
    ])


def test_insert_into_stacks(spec):
    assert editing.insert(spec, "res1.body", 0, [LayerSpec("ReLU", "relu")]) == [
        "res1.body.relu1"]
    assert names(spec.find_stack("res1.body")) == ["relu1", "conv1", "relu"]
    assert editing.insert(spec, "res1.shortcut", 0, [conv("0", 4, 4, 1)]) == [
        "res1.shortcut.0"]
    assert editing.insert(spec, "mix.branches.1", 1, [LayerSpec("ReLU", "act")]) == [
        "mix.branches.1.act"]
    with pytest.raises(editing.EditError, match=r"res1 is a residual: choose one of its stacks "
                                                r"\(res1.body, res1.shortcut\)"):
        editing.insert(spec, "res1", 0, [LayerSpec("ReLU", "r")])
    with pytest.raises(editing.EditError, match="mix.branches.0, mix.branches.1"):
        editing.children(spec, "mix")
    with pytest.raises(editing.EditError, match="is not a block"):
        editing.children(spec, "mix.branches.2")
    assert validate(spec) == []


def test_new_containers_get_fresh_names(spec):
    residual, parallel = editing.new_layer(spec, "Residual"), editing.new_layer(spec, "Parallel")
    assert residual == ResidualSpec("res2") and parallel == ParallelSpec("mix1")
    assert editing.insert(spec, "mix.branches.0", 1, [residual, parallel]) == [
        "mix.branches.0.res2", "mix.branches.0.mix1"]


def test_remove_inside_a_stack_selects_the_next_or_the_container(spec):
    assert editing.remove(spec, ["res1.body.conv1"]) == ["res1.body.relu"]
    assert editing.remove(spec, ["res1.body.relu"]) == ["res1"]  # the body is empty now
    assert editing.remove(spec, ["mix.branches.1.conv"]) == ["mix"]
    assert spec.find("mix").branches == [[conv("conv", 4, 2, 1)], []]
    assert editing.remove(spec, ["mix", "mix.branches.0.conv"]) == ["flatten"]


def test_move_between_stacks_renames_clashes(spec):
    assert editing.move(spec, ["mix.branches.0.conv"], "mix.branches.1", 2) == [
        "mix.branches.1.conv2"]  # conv1 is taken in res1.body: fresh names are new anywhere
    assert names(spec.find_stack("mix.branches.1")) == ["conv", "conv2"]
    assert editing.move(spec, ["stem"], "res1.shortcut", 0) == ["res1.shortcut.stem"]
    assert editing.move(spec, ["res1.shortcut.stem"], "", 0) == ["stem"]
    with pytest.raises(editing.EditError, match="cannot move into itself"):
        editing.move(spec, ["res1"], "res1.body", 0)
    with pytest.raises(editing.EditError, match="cannot move into itself"):
        editing.move(spec, ["mix"], "mix.branches.0", 0)


def test_shift_and_rename_within_a_stack(spec):
    assert editing.shift(spec, ["res1.body.relu"], -1) == ["res1.body.relu"]
    assert names(spec.find_stack("res1.body")) == ["relu", "conv1"]
    with pytest.raises(editing.EditError, match="already at the edge"):
        editing.shift(spec, ["res1.body.relu"], -1)
    assert editing.rename(spec, "mix.branches.0.conv", "squeeze") == ["mix.branches.0.squeeze"]
    with pytest.raises(editing.EditError, match="already used here"):
        editing.rename(spec, "res1.body.relu", "conv1")
    assert editing.rename(spec, "mix.branches.1.conv", "squeeze") == ["mix.branches.1.squeeze"]


def test_duplicate_copies_a_whole_container(spec):
    assert editing.duplicate(spec, ["res1"]) == ["res2"]
    copy = spec.find("res2")
    assert copy.body == spec.find("res1").body and copy.body is not spec.find("res1").body
    copy.body[0].args["out_channels"] = 7
    assert spec.find("res1.body.conv1").args["out_channels"] == 4
    assert editing.duplicate(spec, ["mix.branches.1.conv"]) == ["mix.branches.1.conv2"]


@pytest.mark.parametrize("kind, expected", [
    ("Block", BlockSpec("block1", [conv("conv1", 4, 4, padding=1), LayerSpec("ReLU", "relu")])),
    ("Residual", ResidualSpec("res2", [conv("conv1", 4, 4, padding=1),
                                       LayerSpec("ReLU", "relu")])),
    ("Parallel", ParallelSpec("mix1", [[conv("conv1", 4, 4, padding=1),
                                        LayerSpec("ReLU", "relu")], []])),
])
def test_group_a_selection_into_any_container(spec, kind, expected):
    assert editing.group(spec, ["res1.body.conv1", "res1.body.relu"], kind=kind) == [
        f"res1.body.{expected.name}"]
    assert spec.find_stack("res1.body") == [expected]
    assert analyze(spec).ok == (kind != "Parallel")  # a concat doubles the channels


def test_group_with_a_name_and_refusals(spec):
    assert editing.group(spec, ["stem"], name="entry", kind="Residual") == ["entry"]
    with pytest.raises(editing.EditError, match="already used here"):
        editing.group(spec, ["flatten"], name="mix", kind="Parallel")
    with pytest.raises(editing.EditError, match="cannot group into"):
        editing.group(spec, ["flatten"], kind="Sequential")
    with pytest.raises(editing.EditError, match="same block"):
        editing.group(spec, ["flatten", "res1.body.relu"])


def test_ungroup_splices_the_body_or_every_branch(spec):
    spec.find("res1").shortcut.append(conv("0", 4, 4, 1))
    assert editing.ungroup(spec, "res1") == ["conv1", "relu"]  # the shortcut goes with the sum
    assert names(spec.items) == ["stem", "conv1", "relu", "mix", "flatten"]
    assert editing.ungroup(spec, "mix") == ["conv", "conv2"]
    assert names(spec.items) == ["stem", "conv1", "relu", "conv", "conv2", "flatten"]
    with pytest.raises(editing.EditError, match="is not a block"):
        editing.ungroup(spec, "stem")


def test_branches_are_added_and_removed(spec):
    assert editing.add_branch(spec, "mix") == ["mix"]
    assert len(spec.find("mix").branches) == 3
    editing.insert(spec, "mix.branches.2", 0, [LayerSpec("ReLU", "act")])
    assert editing.remove_branch(spec, "mix", 0) == ["mix"]
    assert [names(b) for b in spec.find("mix").branches] == [["conv"], ["act"]]
    with pytest.raises(editing.EditError, match="at least 2 branches"):
        editing.remove_branch(spec, "mix", 0)
    with pytest.raises(editing.EditError, match="has no branch 5"):
        editing.remove_branch(spec, "mix", 5)
    with pytest.raises(editing.EditError, match="res1 is not a parallel"):
        editing.add_branch(spec, "res1")


def test_container_settings_are_checked_before_any_change(spec):
    assert editing.set_container_args(spec, "res1", activation="ReLU") == ["res1"]
    assert spec.find("res1").activation == "ReLU"
    editing.set_container_args(spec, "res1", activation=None)
    assert spec.find("res1").activation == ""
    editing.set_container_args(spec, "mix", merge="sum", dim=-1)
    assert (spec.find("mix").merge, spec.find("mix").dim) == ("sum", -1)
    for path, changes, message in [
            ("res1", {"activation": "Softmax"}, "res1.activation: expected none or one of"),
            ("res1", {"merge": "sum"}, "Residual has no setting 'merge'"),
            ("mix", {"merge": "concat", "dim": True}, "mix.dim: expected an integer"),
            ("mix", {"merge": "max"}, "mix.merge: expected one of concat, sum, mean"),
            ("stem", {"dim": 1}, "stem is not a residual or a parallel")]:
        with pytest.raises(editing.EditError, match=message):
            editing.set_container_args(spec, path, **changes)
    assert (spec.find("mix").merge, spec.find("mix").dim) == ("sum", -1)
    assert validate(spec) == []


def test_add_projection_makes_a_strided_residual_fit():
    spec = NetworkSpec([32, 28, 28], [ResidualSpec("res1", [
        conv("0", 32, 64, stride=2, padding=1), LayerSpec("BatchNorm2d", "1",
                                                          {"num_features": 64})], [], "ReLU")])
    assert not analyze(spec).ok
    assert editing.add_projection(spec, "res1") == ["res1.shortcut.0", "res1.shortcut.1"]
    assert spec.find("res1").shortcut == [
        conv("0", 32, 64, 1, stride=2, bias=False),
        LayerSpec("BatchNorm2d", "1", {"num_features": 64})]
    assert analyze(spec).ok
    model = build(spec)
    assert "res1.shortcut.0.weight" in model.state_dict()
    assert model(torch.rand(2, 32, 28, 28)).shape == (2, 64, 14, 14)
    with pytest.raises(editing.EditError, match="already give"):
        editing.add_projection(spec, "res1")


def test_add_projection_continues_the_shortcut_and_knows_vectors():
    spec = NetworkSpec([6, 8, 8], [ResidualSpec("r", [conv("c", 6, 12, stride=2, padding=1)],
                                                [LayerSpec("MaxPool2d", "pool",
                                                           {"kernel_size": 2})])])
    assert editing.add_projection(spec, "r", batchnorm=False) == ["r.shortcut.conv1"]
    assert spec.find("r.shortcut.conv1").args == {"in_channels": 6, "out_channels": 12,
                                                  "kernel_size": 1}
    assert analyze(spec).ok
    vectors = NetworkSpec([20], [ResidualSpec("r", [LayerSpec("Linear", "fc", {
        "in_features": 20, "out_features": 10})], [LayerSpec("Identity", "0")])])
    assert editing.add_projection(vectors, "r") == ["r.shortcut.1"]
    assert vectors.find("r.shortcut.1").args == {"in_features": 20, "out_features": 10}
    assert analyze(vectors).ok


def test_add_projection_refusals():
    spec = NetworkSpec([4], [ResidualSpec("r", [LayerSpec("Linear", "fc", {
        "in_features": 5, "out_features": 4})]), LayerSpec("ReLU", "a")])
    with pytest.raises(editing.EditError, match="not known"):
        editing.add_projection(spec, "r")
    with pytest.raises(editing.EditError, match="a is not a residual"):
        editing.add_projection(spec, "a")
    up = NetworkSpec([4, 4, 4], [ResidualSpec("r", [LayerSpec("ConvTranspose2d", "up", {
        "in_channels": 4, "out_channels": 4, "kernel_size": 2, "stride": 2})])])
    with pytest.raises(editing.EditError, match="no 1×1 projection turns"):
        editing.add_projection(up, "r")


def test_freezing_and_the_clipboard_reach_inside_containers(spec):
    editing.set_frozen(spec, ["mix"], True)
    assert all(layer.frozen for _p, layer in spec.layers() if _p.startswith("mix."))
    data = editing.items_to_clipboard(spec, ["res1", "mix", "mix.branches.0.conv"])
    assert [entry["kind"] for entry in data["layers"]] == ["Residual", "Parallel"]
    pasted = editing.items_from_clipboard(data)
    assert pasted == [spec.find("res1"), spec.find("mix")]
    assert editing.insert(spec, "res1.body", 2, pasted) == ["res1.body.res2",
                                                            "res1.body.mix1"]
    assert validate(spec) == []
    assert editing.in_document_order(spec, ["mix.branches.1.conv", "res1.body.mix1", "stem"]) \
        == ["stem", "res1.body.mix1", "mix.branches.1.conv"]
