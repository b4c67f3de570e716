"""Opening bad files in the window: a message that names the file and field, nothing changed —
not the network, not the weights, not the path that Ctrl+S writes to."""

import json

import pytest
import torch
from PySide6.QtWidgets import QMessageBox

from netbuilder.core.builder import build
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.main_window import MainWindow
from tests.gui.conftest import record_message_boxes


@pytest.fixture
def said(monkeypatch):
    return record_message_boxes(monkeypatch, QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, said, tmp_path):
    path = tmp_path / "mine.json"
    Project(load_template("mnist_mlp")).save(path)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.files.open_path(path)
    window.show()
    yield window
    window.document.undo_stack.setClean()


def weights(window) -> dict:
    return {k: v.clone() for k, v in window.training.ensure_model().state_dict().items()}


def unchanged(window, before: dict) -> bool:
    after = window.training.model.state_dict()
    return set(after) == set(before) and all(torch.equal(after[k], v) for k, v in before.items())


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(runs=5), "runs"),
    (lambda d: d.update(user_examples=5), "user_examples"),
    (lambda d: d["training"].update(epochs=2**31), "training.epochs"),
    (lambda d: d.update(version=-2), "version"),
])
def test_a_bad_project_changes_nothing_and_save_keeps_writing_the_old_file(
        window, said, tmp_path, change, field):
    data = json.loads(Project(load_template("lenet5"), "digits", {"epochs": 2}).to_json())
    change(data)
    other = tmp_path / "theirs.json"
    other.write_text(json.dumps(data))
    original = other.read_text()
    own_path, own_spec = window.session.path, window.document.spec.copy()
    assert not window.files.open_path(other)
    kind, title, text = said[-1]
    assert kind == "warning" and "theirs.json" in title and field in text
    assert window.session.path == own_path and window.document.spec == own_spec
    window.document.edit("tweak", lambda spec: spec.find("fc2").args.update(out_features=65))
    window.document.edit("tweak", lambda spec: spec.find("fc3").args.update(in_features=65))
    assert window.files.save()
    assert other.read_text() == original  # Ctrl+S never overwrote the file that failed
    saved = Project.load(own_path)
    assert saved.spec.find("fc2").args["out_features"] == 65


def test_a_deep_or_huge_number_file_is_a_message(window, said, tmp_path):
    for text in ("[" * 100_000 + "]" * 100_000, '{"version": ' + "1" * 5001 + "}"):
        path = tmp_path / "odd.json"
        path.write_text(text)
        assert not window.files.open_path(path)
        assert "odd.json" in said[-1][1]


def test_a_checkpoint_whose_weights_do_not_fit_its_spec_is_refused_whole(window, said,
                                                                         tmp_path):
    spec = load_template("lenet5")
    state = build(load_template("mnist_mlp")).state_dict()
    path = tmp_path / "liar.pth"
    torch.save({"format": "netbuilder.checkpoint", "version": 1, "spec": spec.to_dict(),
                "state_dict": state, "training": {}, "history": [], "extra": {}}, path)
    before_spec, before = window.document.spec.copy(), weights(window)
    assert not window.weights.open_checkpoint(path)
    assert said[-1][0] == "warning" and "liar.pth" in said[-1][1]
    assert window.document.spec == before_spec
    assert unchanged(window, before)


def test_sparse_weights_are_refused_without_a_half_load(window, said, tmp_path):
    state = {k: v.clone() for k, v in build(load_template("mnist_mlp")).state_dict().items()}
    state["fc3.weight"] = state["fc3.weight"].to_sparse()
    path = tmp_path / "sparse.pth"
    torch.save(state, path)
    before = weights(window)
    assert not window.weights.load_weights_from(path)
    assert said[-1][0] == "warning" and "fc3.weight" in said[-1][2]
    assert unchanged(window, before)


def test_non_finite_weights_load_with_a_warning(window, said, tmp_path):
    state = build(load_template("mnist_mlp")).state_dict()
    state["fc2.bias"][3] = float("inf")
    path = tmp_path / "inf.pth"
    torch.save(state, path)
    assert window.weights.load_weights_from(path)
    kind, title, text = said[-1]
    assert kind == "warning" and "NaN or infinity" in title and "fc2.bias" in text


def test_a_network_too_big_to_allocate_is_explained(qtbot, said, tmp_path):
    spec = load_template("mnist_mlp")
    spec.find("fc1").args.update(out_features=2**31 - 1)  # 1.7 × 10¹² weights
    spec.find("fc2").args.update(in_features=2**31 - 1)
    window = MainWindow(Project(spec), template="huge")
    qtbot.addWidget(window)
    assert not window.weights.export_weights_to(tmp_path / "w.pth")
    assert "cannot be built: the network needs" in said[-1][2] and "TB" in said[-1][2]
    assert not window.weights.save_checkpoint_to(tmp_path / "c.pth")
    assert not window.weights.export_program_to("torchscript", tmp_path / "m.pt")
    assert "cannot be built" in said[-1][2]
    torch.save(build(load_template("mnist_mlp")).state_dict(), tmp_path / "small.pth")
    assert not window.weights.load_weights_from(tmp_path / "small.pth")
    assert "cannot be built" in said[-1][2]
    assert not (tmp_path / "w.pth").exists() and not (tmp_path / "c.pth").exists()
    window.document.undo_stack.setClean()


def test_any_failure_of_a_save_is_a_message(window, said, tmp_path, monkeypatch):
    def zip_writer_fails(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:664] unexpected pos 1024")

    monkeypatch.setattr("netbuilder.core.checkpoint.save_state_dict", zip_writer_fails)
    assert not window.weights.export_weights_to(tmp_path / "w.pth")
    assert said[-1][0] == "warning" and "unexpected pos 1024" in said[-1][2]
    assert not (tmp_path / "w.pth").exists()
