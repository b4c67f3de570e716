"""Issue 15 audit: one network holding every new kind — a residual with a projection shortcut,
parallels that concatenate and average, and the tutorial's CustomLayer from the shipped example
file — goes through the scale-out path the way digits_cnn does in test_exports: its torchrun
script trains on two CPU ranks with identical weights that load strictly into the app's model;
and its generated code, run in a fresh interpreter beside the copied layer file, computes what
the app's model computes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from netbuilder.core.analysis import analyze
from netbuilder.core.builder import build
from netbuilder.core.codegen import generate
from netbuilder.core.custom_layers import place_beside
from netbuilder.core.resources import load_template
from netbuilder.core.spec import LayerSpec, ParallelSpec, ResidualSpec
from netbuilder.core.train_script import training_script
from netbuilder.core.training import TrainConfig
from tests.core import test_containers_codegen as containers

TORCHRUN = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
DIGITS = Path(__file__).resolve().parents[2] / "netbuilder" / "resources" / "data" / "digits.npz"


def every_new_kind():
    """small_digits_net (residual + projection, concat and mean parallels) whose classifier is
    the tutorial's CustomLayer instead of nn.Linear."""
    spec = containers.small_digits_net()
    assert spec.items[-1].name == "fc"
    spec.items[-1] = LayerSpec("CustomLayer", "custom", {"in_features": 16, "out_features": 10})
    spec.layer_files = list(load_template("tutorial_custom_layer").layer_files)
    spec.class_name = "EveryNewKind"
    return spec


def test_the_network_holds_each_new_kind_and_analyses_cleanly():
    spec = every_new_kind()
    kinds = {item.kind for _path, item, _depth in spec.walk()}
    assert {"Residual", "Parallel", "CustomLayer"} <= kinds
    assert any(isinstance(item, ResidualSpec) and item.shortcut for item in spec.items)
    assert {item.merge for item in spec.items if isinstance(item, ParallelSpec)} == {
        "concat", "mean"}
    analysis = analyze(spec)
    assert analysis.ok, [str(f) for f in analysis.errors]
    assert analysis.output_shape == (1, 10)


CHECK_GENERATED = """
import sys, torch
sys.path.insert(0, sys.argv[1])
import generated_class, generated_sequential
state = torch.load(sys.argv[1] + "/state.pth", weights_only=True)
x, expected = torch.load(sys.argv[1] + "/io.pth", weights_only=True)
for model in (generated_class.EveryNewKind(), generated_sequential.model):
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), expected)
    print(type(model).__name__, list(model.state_dict())[:2])
"""


def test_generated_code_runs_beside_the_copied_layer_file(tmp_path):
    spec = every_new_kind()
    torch.manual_seed(0)
    model = build(spec).eval()
    (tmp_path / "generated_class.py").write_text(generate(spec, "class"))
    (tmp_path / "generated_sequential.py").write_text(generate(spec, "sequential"))
    assert place_beside(spec, tmp_path) == ["copied custom_layer.py beside it (its custom layers)"]
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        torch.save((x, model(x)), tmp_path / "io.pth")
    torch.save(model.state_dict(), tmp_path / "state.pth")
    result = subprocess.run([sys.executable, "-c", CHECK_GENERATED, str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "EveryNewKind ['stem.weight', 'stem.bias']", "Sequential ['stem.weight', 'stem.bias']"]


def test_the_torchrun_script_trains_on_two_cpu_ranks(tmp_path):
    spec = every_new_kind()
    script = tmp_path / "train.py"
    script.write_text(training_script(spec, TrainConfig(epochs=1, batch_size=64)))
    assert place_beside(spec, tmp_path) == ["copied custom_layer.py beside it (its custom layers)"]
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", str(script)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout
    result = subprocess.run(
        [TORCHRUN, "--standalone", "--nproc_per_node=2", str(script), "--data", str(DIGITS),
         "--epochs", "1", "--limit", "512", "--out", "model.pth", "--save-all-ranks"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "epoch 1/1" in result.stdout and "wrote model.pth" in result.stdout
    rank0 = torch.load(tmp_path / "model.rank0.pth", weights_only=True)
    rank1 = torch.load(tmp_path / "model.rank1.pth", weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)  # DDP kept them identical
    assert {"res1.shortcut.0.weight", "mix.branches.1.b.weight", "custom.weight"} <= set(rank0)
    model = build(spec)
    untrained = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True))  # strict
    assert not torch.equal(model.state_dict()["custom.weight"], untrained["custom.weight"])
    assert all(torch.isfinite(v).all() for v in rank0.values() if v.is_floating_point())


@pytest.mark.parametrize("name, kind", [("resnet_digits", "Residual"),
                                        ("inception_digits", "Parallel")])
def test_the_container_templates_are_what_the_issue_names(name, kind):
    spec = load_template(name)
    top = [item.kind for item in spec.items]
    if kind == "Residual":  # a stem, 3 residual stages, global pooling
        assert top.count("Residual") == 3
        assert any(item.kind == "AdaptiveAvgPool2d" for _p, item, _d in spec.walk())
    else:  # an Inception-style network with one parallel block
        assert sum(item.kind == "Parallel" for _p, item, _d in spec.walk()) == 1
        (parallel,) = [item for item in spec.items if item.kind == "Parallel"]
        assert parallel.merge == "concat" and len(parallel.branches) == 4
