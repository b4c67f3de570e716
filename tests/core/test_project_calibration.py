"""The weights' calibration travels with them in checkpoints and project archives, is checked
as hostile input, and old files without it open uncalibrated."""

from __future__ import annotations

import json
import zipfile

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.builder import build
from netbuilder.core.calibration import Calibration
from netbuilder.core.checkpoint import CheckpointError, load_file, save_checkpoint
from netbuilder.core.project import Project, ProjectError
from netbuilder.core.project_archive import archive_bytes
from netbuilder.core.resources import load_template
from tests.core.test_project_archive import trained_project

CALIBRATION = Calibration(1.37, 0.93)


def test_a_checkpoint_keeps_the_calibration(tmp_path):
    spec = load_template("mnist_mlp")
    model = build(spec)
    path = save_checkpoint(tmp_path / "c.pth", spec, model, calibration=CALIBRATION)
    assert load_file(path).checkpoint["calibration"] == CALIBRATION
    raw = torch.load(path, weights_only=True)  # plain values, as weights_only reads them
    assert raw["calibration"] == {"temperature": 1.37, "threshold": 0.93}


def test_a_checkpoint_without_calibration_opens_uncalibrated(tmp_path):
    spec = load_template("mnist_mlp")
    path = save_checkpoint(tmp_path / "c.pth", spec, build(spec))
    assert load_file(path).checkpoint["calibration"] is None
    data = torch.load(path, weights_only=True)
    del data["calibration"]  # as checkpoints written before calibration existed
    torch.save(data, path)
    assert load_file(path).checkpoint["calibration"] is None


def test_a_project_archive_keeps_the_calibration(tmp_path):
    project = trained_project()
    project.extra["calibration"] = CALIBRATION.to_dict()
    path = project.save(tmp_path / "p.nbproj")
    opened = Project.load(path)
    assert Calibration.from_dict(opened.extra["calibration"]) == CALIBRATION
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("project.json"))["calibration"] == CALIBRATION.to_dict()
    assert "calibration" not in opened.without_weights().extra


def test_a_version_2_archive_opens_uncalibrated(tmp_path):
    project = trained_project()
    path = project.save(tmp_path / "p.nbproj")
    opened = Project.load(path)
    assert "calibration" not in opened.extra
    data = project.to_dict()
    data["version"] = 2
    assert "calibration" not in Project.from_dict(data, in_archive=True).extra


def test_a_calibration_without_weights_is_refused():
    data = Project(load_template("mnist_mlp")).to_dict()
    data["calibration"] = CALIBRATION.to_dict()
    with pytest.raises(ProjectError) as caught:
        Project.from_dict(data)
    assert "calibration: belongs to trained weights, and the project holds none" in str(
        caught.value)


@pytest.mark.parametrize("value, said", [
    ({"temperature": -2, "threshold": 0.9}, "calibration.temperature: expected a number from"),
    ({"temperature": 1.0, "threshold": "high"}, "calibration.threshold: expected a number, got"),
    ({"temperature": 1.0, "threshold": 0.9, "x": 1}, "calibration.x: unknown field"),
    ([1, 2], "calibration: expected an object with temperature and threshold, got list"),
])
def test_a_bad_calibration_refuses_the_archive_and_names_the_field(tmp_path, value, said):
    project = trained_project()
    project.extra["calibration"] = CALIBRATION.to_dict()
    raw = archive_bytes(project)
    path = tmp_path / "bad.nbproj"
    with zipfile.ZipFile(path, "w") as out, zipfile.ZipFile(_bytes_file(raw)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name == "project.json":
                data = json.loads(content)
                data["calibration"] = value
                content = json.dumps(data).encode()
            out.writestr(name, content)
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    assert said in str(caught.value)


def _bytes_file(raw: bytes):
    import io

    return io.BytesIO(raw)


values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["temperature", "threshold", "other"]) | st.text(max_size=6), inner,
        max_size=3),
    max_leaves=8)
sections = values | st.fixed_dictionaries(
    {"temperature": values | st.floats(), "threshold": values | st.floats()})


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sections)
def test_fuzzed_calibration_sections_open_whole_or_not_at_all(value):
    data = trained_project().to_dict()
    data["calibration"] = value
    try:
        project = Project.from_dict(data, in_archive=True)
    except ProjectError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return
    if value is None:
        assert "calibration" not in project.extra
        return
    checked = Calibration.from_dict(project.extra["calibration"])  # usable as it stands
    assert 0.01 <= checked.temperature <= 100 and 0 <= checked.threshold <= 1


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sections)
def test_fuzzed_checkpoint_calibrations_load_or_are_refused(tmp_path, value):
    spec = load_template("mnist_mlp")
    path = tmp_path / "c.pth"
    save_checkpoint(path, spec, build(spec))
    data = torch.load(path, weights_only=True)
    data["calibration"] = value
    torch.save(data, path)
    try:
        loaded = load_file(path)
    except CheckpointError as exc:
        assert str(exc).startswith("c.pth: its calibration is not usable: calibration")
        return
    got = loaded.checkpoint["calibration"]
    assert got is None if value is None else isinstance(got, Calibration)
