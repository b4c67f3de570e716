"""Weights and checkpoints: both formats, safe loading, reconciliation, atomic writes."""

import os
import pickle

import pytest
import torch

from netbuilder.core import atomic
from netbuilder.core.builder import build
from netbuilder.core.checkpoint import (
    CheckpointError,
    SaveError,
    WeightsMismatch,
    load_file,
    load_weights,
    reconcile,
    save_checkpoint,
    save_state_dict,
)
from netbuilder.core.resources import load_template
from netbuilder.core.training import TrainConfig, Trainer
from tests.core.article_models import MNISTClassifier


class MakesAMarker:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def malicious_file(tmp_path):
    path = tmp_path / "evil.pth"
    marker = tmp_path / "PWNED"
    with open(path, "wb") as handle:
        torch.save({"fc1.weight": torch.zeros(2), "payload": MakesAMarker(str(marker))}, handle)
    assert not marker.exists()
    return path, marker


def test_plain_state_dict_is_what_the_article_loads(tmp_path):
    model = build(load_template("mnist_mlp"))
    path = save_state_dict(model, tmp_path / "model.pth")
    article = MNISTClassifier()
    article.load_state_dict(torch.load(path))  # the article's line, verbatim
    x = torch.rand(3, 1, 28, 28)
    assert torch.allclose(article(x), model(x))
    assert isinstance(torch.load(path, weights_only=True), dict)
    assert not load_file(path).is_checkpoint


def test_full_checkpoint_round_trip_with_weights_only_loading(tmp_path):
    from netbuilder.core.data import load_digits

    spec = load_template("digits_cnn")
    model = build(spec)
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:256], data.train_y[:256]
    trainer = Trainer(model, data, TrainConfig(epochs=1, batch_size=64))
    trainer.train()
    path = save_checkpoint(tmp_path / "ckpt.pth", spec, model, trainer.optimizer,
                           trainer.config.to_dict(), [{"epoch": 1, "val_accuracy": 0.5}],
                           [str(i) for i in range(10)])
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == "netbuilder.checkpoint" and raw["netbuilder_version"]
    assert raw["training"]["batch_size"] == 64 and raw["class_names"][3] == "3"
    assert raw["preprocessing"]["input"].startswith("float32 in [0, 1]")
    loaded = load_file(path)
    assert loaded.is_checkpoint and loaded.spec == spec
    restored = build(loaded.spec)
    load_weights(restored, loaded.state_dict)
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(restored.eval()(x), model.eval()(x))
    optimizer = torch.optim.Adam(restored.parameters())
    optimizer.load_state_dict(loaded.checkpoint["optimizer"])
    assert optimizer.state_dict()["state"][0]["step"] == 4
    assert loaded.checkpoint["resume"] is None  # none given


def test_a_checkpoint_carries_its_run_resume_point(tmp_path):
    from netbuilder.core.data import load_digits
    from netbuilder.core.resume import ResumePoint

    spec = load_template("mnist_mlp")
    model = build(spec)
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:256], data.train_y[:256]
    config = TrainConfig(epochs=3, batch_size=64)
    trainer = Trainer(model, data, config)
    for event in trainer.run():
        if event.kind == "batch" and event.global_step == 6:
            trainer.stop.set()
    point = trainer.resume_point()
    path = save_checkpoint(tmp_path / "run.pth", spec, model, trainer.optimizer,
                           config.to_dict(), [], resume=point)
    raw = torch.load(path, weights_only=True)
    assert raw["resume"]["step"] == 2 and raw["resume"]["epochs_done"] == 1
    loaded = load_file(path).checkpoint["resume"]
    assert isinstance(loaded, ResumePoint) and loaded.resumes(config)
    assert (loaded.epochs_done, loaded.step, loaded.global_step) == (1, 2, 6)
    assert loaded.best["epoch"] == 1 and loaded.best_weights.keys() == model.state_dict().keys()
    continued = build(spec)
    load_weights(continued, load_file(path).state_dict)
    assert Trainer(continued, data, config, resume=loaded).resumed


def test_a_checkpoint_without_a_resume_key_still_loads(tmp_path):
    spec = load_template("mnist_mlp")
    path = save_checkpoint(tmp_path / "old.pth", spec, build(spec))
    raw = torch.load(path, weights_only=True)
    del raw["resume"]  # as netbuilder wrote them before resume points
    torch.save(raw, path)
    assert load_file(path).checkpoint["resume"] is None


def test_crafted_pickle_is_refused_and_runs_no_code(tmp_path):
    path, marker = malicious_file(tmp_path)
    with pytest.raises(CheckpointError, match=r"refused because loading it could run code "
                                              r"\(io\.open\)"):
        load_file(path)
    assert not marker.exists()


@pytest.mark.parametrize("content, message", [
    (b"", "is not a PyTorch file"),
    (b"hello, this is text", "is not a PyTorch file"),
])
def test_corrupt_and_non_torch_files(tmp_path, content, message):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        load_file(path)


def test_truncated_file(tmp_path):
    path = save_state_dict(build(load_template("mnist_mlp")), tmp_path / "w.pth")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="damaged, truncated or of another kind"):
        load_file(path)


def test_other_objects_and_missing_file(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="holds a list, not a state_dict"):
        load_file(path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_file(tmp_path / "absent.pth")


def test_reconciliation_names_keys_and_shapes():
    mlp = build(load_template("mnist_mlp"))
    other = build(load_template("lenet5")).state_dict()
    report = reconcile(mlp, other)
    assert "fc1.weight" in [key for key, _want, _got in report.mismatched]
    assert ("fc1.weight", (128, 784), (120, 400)) in report.mismatched
    assert "flatten" not in " ".join(report.missing)
    assert "conv1.weight" in report.unexpected
    assert not report.perfect
    text = report.describe()
    assert "fc1.weight: the network has shape [128, 784], the file [120, 400]" in text


def test_strict_load_refuses_and_changes_nothing_partial_loads_what_matches():
    target = build(load_template("mnist_mlp"))
    before = {k: v.clone() for k, v in target.state_dict().items()}
    source = build(load_template("mnist_mlp")).state_dict()
    source["fc3.weight"] = torch.zeros(5, 64)
    source["extra.bias"] = torch.zeros(3)
    with pytest.raises(WeightsMismatch) as caught:
        load_weights(target, source, strict=True)
    assert caught.value.report.unexpected == ["extra.bias"]
    assert all(torch.equal(target.state_dict()[k], before[k]) for k in before)
    report = load_weights(target, source, strict=False)
    assert torch.equal(target.fc1.weight, source["fc1.weight"])
    assert torch.equal(target.fc3.weight, before["fc3.weight"])
    assert [k for k, _, _ in report.mismatched] == ["fc3.weight"]


def test_failed_save_never_damages_the_existing_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    model = build(load_template("mnist_mlp"))
    save_state_dict(model, path)
    original = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(SaveError, match="No space left"):
        save_state_dict(build(load_template("mnist_mlp")), path)
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["model.pth"]  # no temporary left behind


def test_failure_while_serialising_keeps_the_old_file(tmp_path):
    path = tmp_path / "ckpt.pth"
    path.write_bytes(b"old")
    spec = load_template("mnist_mlp")
    with pytest.raises(SaveError, match="could not be serialised") as caught:
        save_checkpoint(path, spec, build(spec), extra={"bad": lambda: None})
    assert isinstance(caught.value.__cause__, (pickle.PicklingError, AttributeError))
    assert path.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pth"]


def test_a_chain_of_linear_layers_is_read_off_a_plain_state_dict():
    from netbuilder.core.checkpoint import infer_spec
    from tests.core.article_models import article_sequential

    for source in (MNISTClassifier(), article_sequential()):
        spec, note = infer_spec(source.state_dict())
        model = build(spec)
        model.load_state_dict(source.state_dict())  # names and shapes kept
        x = torch.rand(2, 1, 28, 28)
        assert torch.allclose(model(x), source(x))
        assert "ReLU assumed" in note
    spec, note = infer_spec({"a.weight": torch.zeros(4, 6)}, [1, 28, 28])
    assert spec.input_shape == [6] and "6 features" in note


def test_other_weights_say_what_is_needed():
    from netbuilder.core.checkpoint import infer_spec
    from tests.core.article_models import ComplexModel

    with pytest.raises(CheckpointError, match="Open or build the network first"):
        infer_spec(ComplexModel().state_dict())
    with pytest.raises(CheckpointError, match="only a chain of Linear layers"):
        infer_spec({"fc1.weight": torch.zeros(8, 784), "fc2.weight": torch.zeros(4, 9)})


class RunsAShellCommand:
    """What a hostile file really carries: os.system on load."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_calling_os_system_is_refused_as_code(tmp_path):
    path, marker = tmp_path / "evil.pth", tmp_path / "MARKER"
    torch.save({"fc1.weight": torch.zeros(2), "x": RunsAShellCommand(marker)}, path)
    with pytest.raises(CheckpointError) as caught:
        load_file(path)
    assert str(caught.value) == (
        f"evil.pth was refused because loading it could run code ({os.system.__module__}.system)"
        ": it holds Python objects other than tensors and plain values")
    assert not marker.exists()


@pytest.mark.parametrize("wording", [
    "Weights only load failed.\n\nTrying to load unsupported GLOBAL posix.system whose module "
    "posix is blocked.",  # torch 2.14
    "Weights only load failed. Unsupported global: GLOBAL posix.system was not an allowed "
    "global by default.",  # torch 2.4 – 2.6
])
def test_every_torch_wording_of_a_refused_global_is_recognised(tmp_path, monkeypatch, wording):
    path = save_state_dict({"w": torch.zeros(1)}, tmp_path / "w.pth")

    def refuses(*args, **kwargs):
        raise pickle.UnpicklingError(wording)

    monkeypatch.setattr(torch, "load", refuses)
    with pytest.raises(CheckpointError, match=r"could run code \(posix\.system\)"):
        load_file(path)


def test_any_failure_of_torch_save_is_a_save_error(tmp_path, monkeypatch):
    path = save_state_dict({"w": torch.zeros(1)}, tmp_path / "w.pth")
    original = path.read_bytes()

    def zip_writer_fails(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:664] unexpected pos 1024")

    monkeypatch.setattr(torch, "save", zip_writer_fails)
    spec = load_template("mnist_mlp")
    for save in (lambda: save_state_dict(build(spec), path),
                 lambda: save_checkpoint(path, spec, build(spec))):
        with pytest.raises(SaveError, match="unexpected pos 1024") as caught:
            save()
        assert isinstance(caught.value, OSError) and str(path) in str(caught.value)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["w.pth"]


def test_weights_onto_a_really_full_disk(tmp_path):
    from tests.core.test_atomic import tiny_disk_at

    with tiny_disk_at(tmp_path / "tiny") as disk:
        path = disk / "w.pth"
        path.write_bytes(b"old")
        with pytest.raises(SaveError, match="No space left on device"):
            save_state_dict(build(load_template("mnist_mlp")), path)  # 440 kB into 64 kB
        assert path.read_bytes() == b"old" and os.listdir(disk) == ["w.pth"]


@pytest.mark.parametrize("bad", [
    lambda w: w.to_sparse(), lambda w: w.to_sparse_csr(), lambda w: w.to(torch.complex64),
    lambda w: torch.empty_like(w, device="meta"), lambda w: w[:1].expand_as(w)])
def test_a_bad_later_tensor_leaves_the_model_untouched(bad):
    model = build(load_template("mnist_mlp"))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    source = {k: torch.full_like(v, 0.5) for k, v in before.items()}
    source["fc3.weight"] = bad(source["fc3.weight"])  # fc1, fc2 come first and would be copied
    for strict in (True, False):
        with pytest.raises(CheckpointError, match="fc3.weight"):
            load_weights(model, source, strict=strict)
        assert all(torch.equal(model.state_dict()[k], before[k]) for k in before)


def test_non_finite_keys_name_the_tensors_holding_nan_or_inf():
    from netbuilder.core.checkpoint import non_finite_keys

    state = build(load_template("mnist_mlp")).state_dict()
    assert non_finite_keys(state) == []
    state["fc2.bias"][3] = float("inf")
    state["fc1.weight"][0, 0] = float("nan")
    state["steps"] = torch.tensor(7)  # integers are always finite
    assert non_finite_keys(state) == ["fc1.weight", "fc2.bias"]


def test_memory_needed_for_weights_is_known_before_building():
    from netbuilder.core.checkpoint import estimated_bytes, memory_problem

    spec = load_template("mnist_mlp")
    assert estimated_bytes(spec) == sum(p.numel() * 4 for p in build(spec).parameters())
    assert memory_problem(spec) is None
    spec.find("fc1").args.update(out_features=2**31 - 1)
    spec.find("fc2").args.update(in_features=2**31 - 1)
    # 784 × (2³¹ − 1) + 64 × (2³¹ − 1) weights of 4 bytes: 7.3 TB, counted on the meta device
    assert memory_problem(spec, available=64 * 10**9) == (
        "the network needs 7.3 TB of memory for its weights, more than the 64.0 GB this "
        "computer has")
