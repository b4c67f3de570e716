"""The headless command line: summary and export, with clear failures and no tracebacks."""

import subprocess
import sys

import pytest

from netbuilder import __version__
from netbuilder.cli import main
from tests.conftest import TEMPLATES
from tests.core.article_models import ComplexModel, MNISTClassifier, shapes


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "netbuilder", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def test_summary_ends_with_total_params(capsys):
    assert main(["summary", str(TEMPLATES / "mnist_mlp.json")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "Total params: 109,386"
    assert any(line.split()[:3] == ["fc1", "Linear", "[N,"] for line in out)
    assert main(["summary", str(TEMPLATES / "complex_model.json")]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Total params: 387,466"


def test_summary_shows_nested_blocks_and_macs(capsys):
    main(["summary", str(TEMPLATES / "complex_model.json")])
    out = capsys.readouterr().out
    assert "  0  " in out and "block2" in out
    assert "MACs per sample: 11,180,160" in out


def test_summary_of_invalid_spec_lists_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "input_shape": [1, 28, 28], "layers": ['
                   '{"kind": "Linar", "name": "fc"},'
                   '{"kind": "Linear", "name": "fc2", "args": {"in_features": -3}}]}')
    result = run("summary", bad)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "fc: unknown layer kind 'Linar'; did you mean 'Linear'?" in result.stderr
    assert "fc2.in_features: expected an integer ≥ 1, got -3" in result.stderr


@pytest.mark.parametrize("content, message", [
    ("{ not json", "malformed JSON"),
    ('{"version": 99, "input_shape": [1], "layers": []}', "newer than this netbuilder reads"),
    ('{"version": 1, "input_shape": [1], "layers": [{"kind": "ReLU", "name": "a"}, '
     '{"kind": "ReLU", "name": "a"}]}', "duplicate name 'a'"),
])
def test_bad_files_give_one_clear_message(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run("summary", bad)
    assert result.returncode == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_summary_of_shape_error_shows_it_and_exits_1(tmp_path, capsys):
    spec = tmp_path / "broken.json"
    spec.write_text('{"version": 1, "input_shape": [1, 28, 28], "layers": ['
                    '{"kind": "Linear", "name": "fc1", "args": {"in_features": 784}}]}')
    assert main(["summary", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "error: fc1 (Linear): expects last dimension 784, receives [N, 1, 28, 28]" in out


def test_missing_file(tmp_path):
    result = run("summary", tmp_path / "nope.json")
    assert result.returncode == 1 and "cannot read the file" in result.stderr


def test_export_python_then_import_the_article_classes(tmp_path):
    for template, cls in (("complex_model", ComplexModel), ("mnist_mlp", MNISTClassifier)):
        out = tmp_path / f"{template}_m.py"
        result = run("export", TEMPLATES / f"{template}.json", "--format", "python",
                     "--out", out)
        assert result.returncode == 0, result.stderr
        check = subprocess.run(
            [sys.executable, "-c",
             f"from {out.stem} import {cls.__name__} as M\n"
             "print(sorted((k, tuple(v.shape)) for k, v in M().state_dict().items()))"],
            capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert check.returncode == 0, check.stderr
        assert check.stdout.strip() == str(sorted(shapes(cls()).items()))


def test_export_refuses_shape_errors_and_writes_nothing(tmp_path):
    spec = tmp_path / "broken.json"
    spec.write_text('{"version": 1, "input_shape": [1, 28, 28], "layers": ['
                    '{"kind": "Linear", "name": "fc1", "args": {"in_features": 784}}]}')
    out = tmp_path / "m.py"
    result = run("export", spec, "--out", out)
    assert result.returncode == 1 and "shapes do not fit" in result.stderr
    assert not out.exists()


def test_export_to_unwritable_place_keeps_the_old_file(tmp_path):
    result = run("export", TEMPLATES / "mnist_mlp.json", "--out", tmp_path / "no" / "m.py")
    assert result.returncode == 1 and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"netbuilder {__version__}"
    result = run("--help")
    assert result.returncode == 0
    for command in ("summary", "export", "train", "evaluate"):
        assert command in result.stdout


@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torchscript", ".pt"),
                                         ("pt2", ".pt2"), ("script", ".py")])
def test_export_formats_from_the_command_line(tmp_path, fmt, suffix):
    weights = tmp_path / "w.pth"
    import torch

    from netbuilder.core.builder import build
    from netbuilder.core.resources import load_template

    torch.save(build(load_template("mnist_mlp")).state_dict(), weights)
    out = tmp_path / f"m{suffix}"
    result = run("export", TEMPLATES / "mnist_mlp.json", "--format", fmt, "--out", out,
                 *([] if fmt == "script" else ["--weights", weights]))
    assert result.returncode == 0, result.stderr
    assert out.exists()
    if fmt != "script":
        assert "verification passed" in result.stdout and "max |Δ|" in result.stdout
    else:
        assert "training script" in result.stdout


def test_export_of_a_checkpoint_uses_its_weights(tmp_path):
    ckpt = tmp_path / "c.pth"
    from netbuilder.core.builder import build
    from netbuilder.core.checkpoint import save_checkpoint
    from netbuilder.core.resources import load_template

    spec = load_template("mnist_mlp")
    save_checkpoint(ckpt, spec, build(spec), training={"epochs": 7})
    result = run("export", ckpt, "--format", "script", "--out", tmp_path / "t.py")
    assert result.returncode == 0, result.stderr
    assert '"epochs": 7' in (tmp_path / "t.py").read_text()
    result = run("export", ckpt, "--format", "pt2", "--out", tmp_path / "m.pt2")
    assert result.returncode == 0 and "note: no --weights" not in result.stderr
