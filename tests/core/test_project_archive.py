"""A .nbproj keeps all of a project's work, and opening one trusts nothing in it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.model_state import WeightMemory, rebuild
from netbuilder.core.project import PROJECT_VERSION, Project, ProjectError, ProjectWeights
from netbuilder.core.project_archive import archive_bytes, is_archive, project_model
from netbuilder.core.resources import load_template
from netbuilder.core.spec import LayerSpec
from tests.core.article_models import MNISTClassifier


def trained_project(template: str = "mnist_mlp", seed: int = 1) -> Project:
    project = Project(load_template(template), training={"epochs": 3, "patience": 2})
    torch.manual_seed(seed)
    model = project_model(project)
    trained = [name for name, m in model.named_modules()
               if name and any(True for _ in m.parameters(recurse=False))]
    project.weights = ProjectWeights(model.state_dict(), trained, "Run 1 · adam, lr 0.001")
    return project


def states_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_project_with_weights_round_trips_bit_for_bit(tmp_path):
    project = trained_project("digits_cnn")
    path = project.save(tmp_path / "p.nbproj")
    assert is_archive(path)
    opened = Project.load(path)
    assert opened.spec == project.spec and opened.training == project.training
    assert states_equal(opened.weights.state_dict, project.weights.state_dict)
    assert sorted(opened.weights.trained) == sorted(project.weights.trained)
    assert opened.weights.source == "Run 1 · adam, lr 0.001"
    assert states_equal(project_model(opened).state_dict(), project.weights.state_dict)


def test_the_members_are_what_the_readme_says(tmp_path):
    """project.json is the plain project; weights.pth is what the tutorial's code loads."""
    project = trained_project()
    path = project.save(tmp_path / "p.nbproj")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["project.json", "weights.pth"]
        data = json.loads(archive.read("project.json"))
        weights = torch.load(io.BytesIO(archive.read("weights.pth")), weights_only=True)
    assert data["format"] == "netbuilder.project" and data["version"] == PROJECT_VERSION == 3
    assert data["weights"]["file"] == "weights.pth"
    model = MNISTClassifier()  # the tutorial's own class, verbatim
    model.load_state_dict(weights)  # plain PyTorch: strict load of a state_dict
    assert states_equal(model.state_dict(), project.weights.state_dict)
    with zipfile.ZipFile(path) as archive:  # as the README shows it
        assert states_equal(torch.load(archive.open("weights.pth"), weights_only=True), weights)


def test_the_same_project_gives_the_same_bytes():
    project = trained_project()
    assert archive_bytes(project) == archive_bytes(project)


def test_an_untrained_project_stays_plain_json(tmp_path):
    path = Project(load_template("mnist_mlp")).save(tmp_path / "p.json")
    assert json.loads(path.read_text())["format"] == "netbuilder.project"
    assert "weights" not in path.read_text()


def test_weights_cannot_go_into_a_json_file(tmp_path):
    with pytest.raises(ValueError, match=r"\.nbproj"):
        trained_project().save(tmp_path / "p.json")
    assert not (tmp_path / "p.json").exists()


def test_version_1_projects_still_open(tmp_path):
    old = {"format": "netbuilder.project", "version": 1,
           "network": load_template("mnist_mlp").to_dict(), "dataset": "digits",
           "training": {"epochs": 2, "lr": 0.01}, "runs": [], "user_examples": []}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    project = Project.load(path)
    assert project.training == {"epochs": 2, "lr": 0.01} and project.weights is None


def test_a_weights_section_in_a_plain_json_is_refused(tmp_path):
    data = trained_project().to_dict()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="only a .nbproj"):
        Project.load(path)


# ---------------------------------------------------------------------------------------------
# Hostile archives


def write_archive(path: Path, members: dict[str, bytes], stored: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return path


def members_of(project: Project) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive_bytes(project))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def torch_bytes(value) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def refused(path: Path, match: str) -> None:
    with pytest.raises(ProjectError, match=match):
        Project.load(path)


def test_unknown_members_are_refused(tmp_path):
    members = {**members_of(trained_project()), "evil.py": b"import os"}
    refused(write_archive(tmp_path / "p.nbproj", members), "evil.py")


def test_a_missing_weights_member_is_refused(tmp_path):
    members = members_of(trained_project())
    del members["weights.pth"]
    refused(write_archive(tmp_path / "p.nbproj", members), "weights.pth: missing")


def test_weights_that_do_not_fit_the_network_are_refused(tmp_path):
    members = members_of(trained_project())
    state = torch.load(io.BytesIO(members["weights.pth"]), weights_only=True)
    state["fc1.weight"] = torch.zeros(3, 3)
    members["weights.pth"] = torch_bytes(state)
    refused(write_archive(tmp_path / "p.nbproj", members), "fc1.weight")


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    class Boom:
        def __reduce__(self):
            return (print, ("ran",))

    members = members_of(trained_project())
    members["weights.pth"] = torch_bytes({"fc1.weight": Boom()})
    refused(write_archive(tmp_path / "p.nbproj", members), "run code|damaged")


def test_compressed_weights_are_refused_before_decompressing(tmp_path):
    members = members_of(trained_project())
    refused(write_archive(tmp_path / "p.nbproj", members, stored=False), "compressed")


def test_trained_layers_must_exist(tmp_path):
    members = members_of(trained_project())
    data = json.loads(members["project.json"])
    data["weights"]["trained"] = ["fc1", "nowhere"]
    members["project.json"] = json.dumps(data).encode()
    refused(write_archive(tmp_path / "p.nbproj", members), "nowhere")


def test_a_non_project_zip_is_refused(tmp_path):
    refused(write_archive(tmp_path / "p.nbproj", {"readme.txt": b"hi"}), "readme.txt")
    (tmp_path / "t.nbproj").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    refused(tmp_path / "t.nbproj", "damaged")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_archives_are_refused_with_a_message(tmp_path_factory, data):
    """Whatever bytes change, opening gives the project or a ProjectError, nothing else."""
    original = bytearray(archive_bytes(trained_project()))
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(original) - 1))
        original[index] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        original = original[:data.draw(st.integers(0, len(original)))]
    path = tmp_path_factory.mktemp("fuzz") / "p.nbproj"
    path.write_bytes(bytes(original))
    try:
        project = Project.load(path)
    except ProjectError as exc:
        assert str(exc).startswith("p.nbproj cannot be opened")
    else:  # a change the checks cannot see (in the zip's padding, say): the project, whole
        assert isinstance(project, Project)
        if project.weights is not None:
            assert project.weights.state_dict


# ---------------------------------------------------------------------------------------------
# Weights across edits, undo and redo (core.model_state)


def layer(spec, name):
    return spec.find(name)


def test_undo_brings_a_reshaped_layers_weights_back_bit_for_bit():
    spec = load_template("mnist_mlp")
    torch.manual_seed(0)
    model = project_model(Project(spec))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    memory = WeightMemory()
    trained = {"fc1", "fc2", "fc3"}
    edited = spec.copy()
    layer(edited, "fc1").args["out_features"] = 64
    layer(edited, "fc2").args["in_features"] = 64
    after = rebuild(model, edited, trained, memory)
    assert after.trained == {"fc3"} and after.kept == {"fc3"}
    assert torch.equal(after.model.state_dict()["fc3.weight"], before["fc3.weight"])
    fresh = {k: v.clone() for k, v in after.model.state_dict().items()}
    undone = rebuild(after.model, spec, after.trained, memory, recall_everywhere=True)
    assert states_equal(undone.model.state_dict(), before)
    assert undone.trained == trained
    redone = rebuild(undone.model, edited, undone.trained, memory, recall_everywhere=True)
    assert states_equal(redone.model.state_dict(), fresh)  # the same re-initialised layers
    assert redone.trained == {"fc3"}


def test_a_new_layer_at_a_remembered_path_starts_fresh():
    spec = load_template("mnist_mlp")
    model = project_model(Project(spec))
    memory = WeightMemory()
    without = spec.copy()
    without.items = [i for i in without.items if i.name != "fc3"]
    removed = rebuild(model, without, {"fc3"}, memory)
    again = without.copy()
    again.items.append(LayerSpec("Linear", "fc3", dict(layer(spec, "fc3").args)))
    added = rebuild(removed.model, again, removed.trained, memory)  # an edit, not an undo
    assert "fc3" not in added.recalled and "fc3" not in added.trained


def test_the_memory_forgets_the_oldest_beyond_its_limit():
    memory = WeightMemory(limit_bytes=3000)
    for index in range(10):
        memory.remember(f"layer{index}", {"weight": torch.zeros(100)}, True)  # 400 bytes each
    assert len(memory) == 7
    assert memory.recall("layer0", {"weight": torch.zeros(100)}) is None
    assert memory.recall("layer9", {"weight": torch.zeros(100)}) is not None
