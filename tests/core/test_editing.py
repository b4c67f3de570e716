"""Stack edits addressed by paths, without Qt: insert, remove, move, group, rename, …"""

import pytest

from netbuilder.core import editing
from netbuilder.core.analysis import analyze
from netbuilder.core.builder import build
from netbuilder.core.project import Project, ProjectError
from netbuilder.core.resources import load_template
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec


def names(items):
    return [i.name for i in items]


@pytest.fixture
def mlp():
    return load_template("mnist_mlp")


@pytest.fixture
def nested():
    return load_template("complex_model")


def test_new_layers_get_readable_unique_names_and_fitted_inputs(mlp):
    layer = editing.new_layer(mlp, "Linear", (1, 64))
    assert layer.name == "fc4" and layer.args == {"in_features": 64}
    conv = editing.new_layer(mlp, "Conv2d", (1, 3, 32, 32))
    assert conv.name == "conv1" and conv.args == {"in_channels": 3}
    assert editing.new_layer(mlp, "BatchNorm2d", (1, 12, 4, 4)).args == {"num_features": 12}
    assert editing.new_layer(mlp, "GroupNorm", (1, 12, 4, 4)).args == {"num_channels": 12,
                                                                         "num_groups": 4}
    assert editing.new_layer(mlp, "LSTM", (1, 28, 28)).args == {"input_size": 28}
    assert isinstance(editing.new_layer(mlp, "Block"), BlockSpec)
    with pytest.raises(editing.EditError, match="unknown layer kind"):
        editing.new_layer(mlp, "Nope")


def test_insert_fitted_layer_keeps_the_network_valid(mlp):
    shape = analyze(mlp).row("relu2").output_shape
    editing.insert(mlp, "", 5, [editing.new_layer(mlp, "BatchNorm1d", shape)])
    analysis = analyze(mlp)
    assert analysis.ok and names(mlp.items)[5] == "bn1"


def test_insert_renames_clashes_and_numbers_block_indices(nested):
    placed = editing.insert(nested, "block1", 2, [LayerSpec("ReLU", "1"),
                                                  LayerSpec("Dropout", "fc")])
    assert placed == ["block1.2", "block1.fc1"]  # names stay unique in the whole network
    assert names(nested.find("block1").items)[:3] == ["0", "1", "2"]


def test_remove_selects_the_next_item(mlp):
    assert editing.remove(mlp, ["fc2"]) == ["relu2"]
    assert editing.remove(mlp, ["fc3"]) == ["relu2"]
    with pytest.raises(editing.EditError):
        editing.remove(mlp, [])


def test_remove_a_block_and_something_inside_it(nested):
    editing.remove(nested, ["block1", "block1.0"])
    assert names(nested.items) == ["block2", "flatten", "fc"]


def test_duplicate_places_copies_after_with_fresh_names(mlp, nested):
    assert editing.duplicate(mlp, ["fc1", "relu"]) == ["fc4", "relu1"]
    assert names(mlp.items)[:5] == ["flatten", "fc1", "relu", "fc4", "relu1"]
    assert editing.duplicate(nested, ["block1"]) == ["block3"]
    assert names(nested.find("block3").items) == ["0", "1"]


def test_move_within_into_and_out_of_blocks(nested):
    assert editing.move(nested, ["flatten"], "block2", 2) == ["block2.flatten"]
    assert names(nested.find("block2").items) == ["0", "1", "flatten"]
    assert editing.move(nested, ["block2.flatten"], "", 2) == ["flatten"]
    assert names(nested.items) == ["block1", "block2", "flatten", "fc"]
    assert editing.move(nested, ["block1.1"], "block2", 0) == ["block2.2"]
    assert names(nested.find("block2").items) == ["2", "0", "1"]
    with pytest.raises(editing.EditError, match="cannot move into itself"):
        editing.move(nested, ["block1"], "block1", 0)


def test_move_down_within_the_same_list_lands_where_aimed(mlp):
    editing.move(mlp, ["fc1"], "", 4)
    assert names(mlp.items) == ["flatten", "relu", "fc2", "fc1", "relu2", "fc3"]


def test_shift_up_and_down_and_edges(mlp):
    editing.shift(mlp, ["relu2"], -1)
    assert names(mlp.items)[3:5] == ["relu2", "fc2"]
    with pytest.raises(editing.EditError, match="edge"):
        editing.shift(mlp, ["flatten"], -1)
    editing.shift(mlp, ["fc1", "relu"], 1)
    assert names(mlp.items)[:4] == ["flatten", "relu2", "fc1", "relu"]


def test_group_and_ungroup_keep_the_state_dict_paths_readable(mlp):
    assert editing.group(mlp, ["fc1", "relu"]) == ["block1"]
    assert "block1.fc1.weight" in build(mlp).state_dict()
    assert editing.ungroup(mlp, "block1") == ["fc1", "relu"]
    assert names(mlp.items) == ["flatten", "fc1", "relu", "fc2", "relu2", "fc3"]
    with pytest.raises(editing.EditError, match="same block"):
        nested = load_template("complex_model")
        editing.group(nested, ["block1.0", "fc"])
    with pytest.raises(editing.EditError, match="not a block"):
        editing.ungroup(mlp, "fc1")


def test_ungroup_renames_indices_that_would_clash(nested):
    selection = editing.ungroup(nested, "block1")
    assert len(set(names(nested.items))) == len(nested.items)
    assert analyze(nested).ok
    assert all(nested.find(p) is not None for p in selection)


def test_rename_checks_names(mlp):
    assert editing.rename(mlp, "fc1", "hidden") == ["hidden"]
    with pytest.raises(editing.EditError, match="already used"):
        editing.rename(mlp, "hidden", "fc2")
    with pytest.raises(editing.EditError, match="not a valid name"):
        editing.rename(mlp, "fc2", "my layer")
    with pytest.raises(editing.EditError, match="keyword"):
        editing.rename(mlp, "fc2", "class")


def test_set_args_validates_and_drops_defaults(mlp):
    editing.set_args(mlp, "fc1", {"out_features": 32, "bias": False})
    assert mlp.find("fc1").args == {"in_features": 784, "out_features": 32, "bias": False}
    editing.set_args(mlp, "fc1", {"bias": True})
    assert "bias" not in mlp.find("fc1").args
    with pytest.raises(editing.EditError, match="fc1.out_features: expected an integer ≥ 1"):
        editing.set_args(mlp, "fc1", {"out_features": 0})
    assert mlp.find("fc1").args["out_features"] == 32


def test_frozen_applies_to_everything_in_a_block(nested):
    editing.set_frozen(nested, ["block1"], True)
    assert all(layer.frozen for _p, layer in nested.layers() if _p.startswith("block1."))
    assert analyze(nested).frozen_params == 320


def test_clipboard_round_trip_and_refusal(nested):
    data = editing.items_to_clipboard(nested, ["fc", "block1", "block1.0"])
    assert [layer["name"] for layer in data["layers"]] == ["block1", "fc"]
    items = editing.items_from_clipboard(data)
    assert isinstance(items[0], BlockSpec) and items[1].kind == "Linear"
    with pytest.raises(editing.EditError, match="no netbuilder layers"):
        editing.items_from_clipboard({"hello": 1})
    with pytest.raises(editing.EditError, match="not valid"):
        editing.items_from_clipboard({"format": "netbuilder.layers",
                                      "layers": [{"kind": "Nope", "name": "x"}]})


def test_project_file_round_trip_and_bare_specs(tmp_path, mlp):
    path = tmp_path / "p.json"
    Project(mlp, "mnist", {"epochs": 3}).save(path)
    loaded = Project.load(path)
    assert loaded.spec == mlp and loaded.dataset == "mnist" and loaded.training == {"epochs": 3}
    bare = tmp_path / "spec.json"
    bare.write_text(mlp.to_json())
    assert Project.load(bare).spec == mlp


@pytest.mark.parametrize("content, message", [
    ("nope", "malformed JSON"),
    ('{"format": "netbuilder.project", "version": 7}', "newer than this netbuilder reads"),
    ('{"format": "other"}', "expected a netbuilder project or network"),
    ('{"format": "netbuilder.project", "version": 1, "network": {"input_shape": [1], '
     '"layers": [{"kind": "X", "name": "x"}]}}', "network.x: unknown layer kind 'X'"),
])
def test_bad_project_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    assert message in str(caught.value) and "bad.json cannot be opened" in str(caught.value)


def test_empty_network_edits(tmp_path):
    spec = NetworkSpec([1, 28, 28], [], "Net", 10)
    placed = editing.insert(spec, "", 0, [editing.new_layer(spec, "Flatten")])
    assert placed == ["flatten1"]
    assert editing.remove(spec, placed) == []
