"""ONNX, TorchScript and torch.export programs, verified; the DDP training script."""

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from netbuilder.core import atomic, exporters
from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.exporters import ExportError, export_verified, verification_images
from netbuilder.core.resources import load_template
from netbuilder.core.train_script import training_script
from netbuilder.core.training import TrainConfig, Trainer, evaluate, reset_weights
from tests.core.test_atomic import tiny_disk_at

TORCHRUN = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")


@pytest.fixture(scope="module")
def trained():
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:2000], data.train_y[:2000]
    models = {}
    for name in ("mnist_mlp", "digits_cnn"):
        model = build(load_template(name))
        reset_weights(model, 0)
        Trainer(model, data, TrainConfig(epochs=1, device="cpu")).train()
        models[name] = model
    return models


@pytest.mark.parametrize("name", ["mnist_mlp", "digits_cnn"])
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torchscript", ".pt"),
                                         ("pt2", ".pt2")])
def test_exports_match_the_model_on_256_validation_digits(tmp_path, trained, name, fmt, suffix):
    path = tmp_path / f"{name}{suffix}"
    result = export_verified(trained[name], fmt, path)
    assert result.samples == 256
    assert result.max_abs_diff <= 1e-4 and result.top1_agreement == 1.0 and result.passed
    report = json.loads((tmp_path / f"{name}{suffix}.verification.json").read_text())
    assert report["top1_agreement"] == 1.0 and report["format"] == result.format
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, f"{path.name}.verification.json"])  # nothing else left behind
    images = verification_images(8)
    expected = trained[name].eval()(images)
    if fmt == "torchscript":
        got = torch.jit.load(str(path))(images)
    elif fmt == "pt2":
        got = torch.export.load(str(path)).module()(images)
    else:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = torch.from_numpy(session.run(None, {session.get_inputs()[0].name:
                                                  images.numpy()})[0])
    assert torch.allclose(got, expected, atol=1e-4)


def test_missing_onnx_extra_says_what_to_install(tmp_path, monkeypatch, trained):
    real = exporters.importlib.util.find_spec
    monkeypatch.setattr(exporters.importlib.util, "find_spec",
                        lambda name: None if name == "onnxruntime" else real(name))
    with pytest.raises(ExportError, match=r"pip install 'netbuilder\[onnx\]'"):
        export_verified(trained["mnist_mlp"], "onnx", tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


def test_unwritable_destination_leaves_nothing(tmp_path, trained):
    with pytest.raises(ExportError, match="does not exist"):
        export_verified(trained["mnist_mlp"], "pt2", tmp_path / "missing" / "m.pt2")
    old = tmp_path / "m.pt"
    old.write_bytes(b"previous")

    class Broken(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError("cannot trace this")

    with pytest.raises(ExportError, match="TorchScript tracing failed"):
        export_verified(Broken(), "torchscript", old)
    assert old.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_training_script_runs_with_torchrun_on_two_cpu_ranks(tmp_path):
    spec = load_template("digits_cnn")
    script = tmp_path / "train.py"
    script.write_text(training_script(spec, TrainConfig(epochs=1, batch_size=64)))
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", str(script)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout
    result = subprocess.run(
        [TORCHRUN, "--standalone", "--nproc_per_node=2", str(script), "--epochs", "1",
         "--out", "model.pth", "--save-all-ranks"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "epoch 1/1" in result.stdout and "wrote model.pth" in result.stdout
    rank0 = torch.load(tmp_path / "model.rank0.pth", weights_only=True)
    rank1 = torch.load(tmp_path / "model.rank1.pth", weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)  # DDP kept them identical
    model = build(spec)
    model.load_state_dict(torch.load(tmp_path / "model.pth"))  # opens back in the app's model
    data = load_digits().on_device("cpu")
    assert evaluate(model, data.val_x, data.val_y, 10).accuracy > 0.8  # chance is 0.1


def test_training_script_runs_on_one_machine_without_netbuilder_imports(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(training_script(load_template("mnist_mlp"), TrainConfig(epochs=1)))
    assert "import netbuilder" not in script.read_text()
    data = Path(__file__).resolve().parents[2] / "netbuilder/resources/data/digits.npz"
    result = subprocess.run([sys.executable, str(script), "--data", str(data), "--out", "w.pth"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "val acc" in result.stdout and (tmp_path / "w.pth").exists()


@pytest.mark.parametrize("fmt, suffix", [("torchscript", ".pt"), ("pt2", ".pt2")])
def test_a_full_disk_is_an_export_error_and_keeps_the_old_file(tmp_path, trained, monkeypatch,
                                                               fmt, suffix):
    old = tmp_path / f"m{suffix}"
    old.write_bytes(b"previous")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(ExportError, match=f"cannot write {old}: No space left on device; "
                                          "the file that was there is unchanged"):
        export_verified(trained["mnist_mlp"], fmt, old)
    assert old.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == [old.name]


def test_exports_onto_a_really_full_disk_fail_without_killing_the_process(tmp_path):
    with tiny_disk_at(tmp_path / "tiny") as tiny_disk:
        check_exports_onto_a_full_disk(tiny_disk)


def check_exports_onto_a_full_disk(tiny_disk):
    for name in ("m.pt", "m.pt2"):
        (tiny_disk / name).write_bytes(b"previous")
    script = (
        "import sys\n"
        "from netbuilder.core.builder import build\n"
        "from netbuilder.core.exporters import ExportError, export_verified\n"
        "from netbuilder.core.resources import load_template\n"
        "model = build(load_template('mnist_mlp'))\n"
        "for fmt, name in (('torchscript', 'm.pt'), ('pt2', 'm.pt2')):\n"
        "    try:\n"
        "        export_verified(model, fmt, sys.argv[1] + '/' + name)\n"
        "    except ExportError as exc:\n"
        "        print('ExportError:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tiny_disk)], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]  # torch's own writer aborted (SIGABRT)
    lines = done.stdout.splitlines()
    assert lines == [f"ExportError: cannot write {tiny_disk}/{name}: No space left on device; "
                     "the file that was there is unchanged" for name in ("m.pt", "m.pt2")]
    assert sorted(os.listdir(tiny_disk)) == ["m.pt", "m.pt2"]
    assert all((tiny_disk / name).read_bytes() == b"previous" for name in ("m.pt", "m.pt2"))
