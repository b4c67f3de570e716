"""Weights in and out of the window: plain state_dicts, checkpoints, reconciliation, safety."""

import pytest
import torch
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.core import atomic
from netbuilder.core.builder import build
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui.controllers import weights as weights_module
from netbuilder.gui.dialogs.weights import MATCHING, ReconcileDialog
from netbuilder.gui.main_window import MainWindow
from tests.core.article_models import MNISTClassifier
from tests.core.test_checkpoint import malicious_file
from tests.gui.conftest import record_message_boxes


@pytest.fixture
def said(monkeypatch):
    return record_message_boxes(monkeypatch, QMessageBox.StandardButton.Open)


@pytest.fixture
def window(qtbot, said):
    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    window.show()
    yield window
    window.document.undo_stack.setClean()


def test_export_weights_loads_into_the_article_class(window, tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    asked = []
    monkeypatch.setattr(weights_module, "ask_export_untrained",
                        lambda parent: asked.append(parent) is None)  # Export Anyway
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "model"), ""))
    window.actions["export_weights"].trigger()
    model = MNISTClassifier()
    model.load_state_dict(torch.load(path))  # the article's own line
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(model(x), window.training.model.eval()(x))
    assert asked == [window]  # the weights were untrained: asked first


def test_load_matching_shows_the_keys_and_loads_exactly_those(window, tmp_path, monkeypatch):
    other = build(load_template("mnist_mlp"))
    state = other.state_dict()
    state["fc3.weight"] = torch.zeros(5, 64)
    state["fc3.bias"] = torch.zeros(5)
    state["extra.weight"] = torch.ones(3)
    del state["fc2.bias"]
    path = tmp_path / "other.pth"
    torch.save(state, path)
    model = window.training.ensure_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    shown = []

    def choose(dialog):
        shown.extend(dialog.rows())
        assert not dialog.strict.isEnabled()
        return MATCHING

    monkeypatch.setattr(ReconcileDialog, "exec", choose)
    assert window.weights.load_weights_from(path)
    statuses = dict(shown)
    assert statuses["fc3.weight"] == "shape mismatch" and statuses["fc3.bias"] == "shape mismatch"
    assert statuses["fc2.bias"] == "missing" and statuses["extra.weight"] == "unexpected"
    assert statuses["fc1.weight"] == "matching"
    after = model.state_dict()
    for key in ("fc1.weight", "fc1.bias", "fc2.weight"):
        assert torch.equal(after[key], state[key])
    for key in ("fc2.bias", "fc3.weight", "fc3.bias"):
        assert torch.equal(after[key], before[key])
    assert "fc1" in window.document.trained_paths


def test_cancel_in_the_dialog_changes_nothing(window, tmp_path, monkeypatch):
    torch.save({"fc1.weight": torch.zeros(128, 784)}, tmp_path / "part.pth")
    model = window.training.ensure_model()
    before = model.fc1.weight.clone()
    monkeypatch.setattr(ReconcileDialog, "exec", lambda dialog: 0)
    assert not window.weights.load_weights_from(tmp_path / "part.pth")
    assert torch.equal(model.fc1.weight, before)


def test_malicious_and_damaged_files_are_refused(window, tmp_path, said):
    path, marker = malicious_file(tmp_path)
    model = window.training.ensure_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert not window.weights.load_weights_from(path)
    assert not window.weights.open_checkpoint(path)
    assert not window.files.open_dropped(path)
    assert not marker.exists()
    assert "refused because loading it could run code" in said[-1][2]
    damaged = tmp_path / "damaged.pth"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    assert not window.weights.load_weights_from(damaged)
    assert "is not a PyTorch file" in said[-1][2]
    assert all(torch.equal(model.state_dict()[k], before[k]) for k in before)


def test_a_save_that_fails_reports_and_keeps_the_old_file(window, tmp_path, monkeypatch, said):
    path = tmp_path / "keep.pth"
    assert window.weights.export_weights_to(path)
    old = path.read_bytes()

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)  # as a read-only folder does
    window.training.reset()
    assert not window.weights.export_weights_to(path)
    assert not window.weights.save_checkpoint_to(path)
    assert "Permission denied" in said[-1][2] and "unchanged" in said[-1][2]
    assert path.read_bytes() == old


def test_checkpoint_round_trip_restores_network_weights_and_settings(qtbot, window, tmp_path):
    window.training_panel.epochs.setValue(3)
    window.document.edit("widen", lambda spec: (spec.find("fc2").args.update(out_features=32),
                                                spec.find("fc3").args.update(in_features=32)))
    path = tmp_path / "ckpt.pth"
    assert window.weights.save_checkpoint_to(path)
    weights = {k: v.clone() for k, v in window.training.model.state_dict().items()}
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.weights.open_checkpoint(path)
    assert other.document.spec == window.document.spec
    assert other.training_panel.epochs.value() == 3
    assert all(torch.equal(other.training.model.state_dict()[k], v) for k, v in weights.items())
    assert "fc1" in other.document.trained_paths


def test_plain_weights_of_a_linear_chain_open_as_a_network(qtbot, tmp_path, said):
    window = MainWindow()  # digits_cnn: the article's weights do not fit it
    qtbot.addWidget(window)
    article = MNISTClassifier()
    torch.save(article.state_dict(), tmp_path / "mnist_classifier.pth")
    assert window.files.open_dropped(tmp_path / "mnist_classifier.pth")
    assert said[-1][0] == "question" and "ReLU assumed" in said[-1][2]
    spec = window.document.spec
    assert [i.kind for i in spec.items] == ["Flatten", "Linear", "ReLU", "Linear", "ReLU",
                                            "Linear"]
    x = torch.rand(3, 1, 28, 28)
    assert torch.allclose(window.training.model.eval()(x), article(x))
    window.document.undo_stack.setClean()


def test_weights_that_cannot_be_placed_say_what_is_needed(qtbot, tmp_path, said):
    from tests.core.article_models import ComplexModel

    window = MainWindow(Project(load_template("mnist_mlp")), template="mnist_mlp")
    qtbot.addWidget(window)
    torch.save(ComplexModel().state_dict(), tmp_path / "complex.pth")
    before = window.document.spec.copy()
    assert not window.weights.open_checkpoint(tmp_path / "complex.pth")
    assert "Open or build the network first" in said[-1][2]
    assert window.document.spec == before


def test_export_programs_and_training_script_from_the_menu(window, tmp_path, said, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    for fmt, suffix in (("onnx", ".onnx"), ("torchscript", ".pt"), ("pt2", ".pt2")):
        assert window.weights.export_program_to(fmt, tmp_path / f"m{suffix}")
        assert "verification passed" in shown[-1] and "untrained" in shown[-1]
        assert (tmp_path / f"m{suffix}.verification.json").exists()
    assert window.weights.export_script_to(tmp_path / "train.py")
    assert "DistributedDataParallel" in (tmp_path / "train.py").read_text()
    window.document.edit("break", lambda spec: spec.find("fc2").args.update(in_features=5))
    assert not window.weights.export_program_to("pt2", tmp_path / "broken.pt2")
    assert not (tmp_path / "broken.pt2").exists()
