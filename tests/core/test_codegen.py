"""Code generation: the source runs, is ruff-clean, and matches the built model's state_dict."""

import importlib.util
import shutil
import subprocess
import sys

import pytest
import torch

from netbuilder.core.builder import build
from netbuilder.core.codegen import generate
from netbuilder.core.custom_layers import place_beside
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec, SpecError
from tests.core.article_models import ComplexModel, MNISTClassifier, shapes

RUFF = shutil.which("ruff") or str(__import__("pathlib").Path(sys.executable).parent / "ruff")


def load_module(path, name="generated"):
    spec = importlib.util.spec_from_file_location(f"{name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(tmp_path, spec, style="class", name="model"):
    path = tmp_path / f"{name}.py"
    path.write_text(generate(spec, style))
    return path


@pytest.mark.parametrize("name", ["mnist_mlp", "complex_model", "lenet5", "digits_cnn",
                                  "rows_lstm"])
@pytest.mark.parametrize("style", ["class", "sequential"])
def test_generated_code_matches_the_built_model(tmp_path, name, style):
    spec = load_template(name)
    module = load_module(write(tmp_path, spec, style))
    model = getattr(module, spec.class_name)() if style == "class" else module.model
    built = build(spec)
    assert shapes(model) == shapes(built)
    model.load_state_dict(built.state_dict())
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(model.eval()(x), built.eval()(x), atol=1e-6)


def test_mnist_classifier_code_reads_like_the_article(tmp_path):
    source = generate(load_template("mnist_mlp"))
    assert "class MNISTClassifier(nn.Module):" in source
    assert "self.fc1 = nn.Linear(784, 128)" in source
    assert "def forward(self, x):" in source
    assert "x = self.fc3(x)  # [N, 10]" in source
    module = load_module(write(tmp_path, load_template("mnist_mlp")))
    assert shapes(module.MNISTClassifier()) == shapes(MNISTClassifier())


def test_complex_model_code_matches_the_article(tmp_path):
    source = generate(load_template("complex_model"))
    assert "self.block1 = nn.Sequential(\n            nn.Conv2d(1, 32, kernel_size=3)," in source
    module = load_module(write(tmp_path, load_template("complex_model")))
    assert shapes(module.ComplexModel()) == shapes(ComplexModel())


def test_generated_code_is_ruff_clean(tmp_path):
    spec = load_template("rows_lstm")
    spec.items.insert(2, BlockSpec("extra", [
        LayerSpec("Unflatten", "0", {"dim": 1, "unflattened_size": [1, 128]}),
        LayerSpec("GRU", "1", {"input_size": 128, "hidden_size": 16}, frozen=True)]))
    spec.find("fc").args["in_features"] = 16
    paths = [write(tmp_path, spec, name="mixed_class"),
             write(tmp_path, spec, "sequential", name="mixed_seq")]
    busy = LayerSpec("Conv2d", "convolution_with_a_long_name", {
        "in_channels": 1, "out_channels": 8, "kernel_size": [3, 5], "stride": [1, 2],
        "padding": 1, "dilation": 2, "groups": 1, "bias": False,
        "padding_mode": "reflect"})
    nested = NetworkSpec([1, 28, 28], [BlockSpec("outer", [BlockSpec("middle", [
        BlockSpec("inner", [busy]), BlockSpec("0", [LayerSpec("ReLU", "0")])])]),
        LayerSpec("Conv2d", "c2", dict(busy.args))], class_name="Busy")
    deep = [LayerSpec("ReLU", "act")]
    for level in range(9):  # blocks below INLINE_DEPTH levels become statements of their own
        deep = [BlockSpec(f"level{level}", deep), LayerSpec("Identity", str(level))]
    deep_spec = NetworkSpec([4], deep, class_name="Deep")
    for style in ("class", "sequential"):
        paths.append(write(tmp_path, deep_spec, style, name=f"deep_{style}"))
        paths.append(write(tmp_path, nested, style, name=f"busy_{style}"))
    assert "nested2 = nn.Sequential(" in paths[-2].read_text()
    assert shapes(load_module(paths[-4]).Deep()) == shapes(build(deep_spec))
    assert shapes(load_module(paths[-3]).Busy()) == shapes(build(nested))
    for name in template_names():
        place_beside(load_template(name), tmp_path)  # custom layers, as the export does
        for style in ("class", "sequential"):
            paths.append(write(tmp_path, load_template(name), style, name=f"{name}_{style}"))
    for rules in (["--select", "E,F,W,I"], []):  # ruff's own defaults too
        check = subprocess.run([RUFF, "check", "--no-cache", "--isolated", *rules,
                                *map(str, paths)], capture_output=True, text=True,
                               cwd=tmp_path)  # the export folder: its layer files first-party
        assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([RUFF, "format", "--isolated", "--check", *map(str, paths)],
                         capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    module = load_module(paths[0])
    model = module.RowsLSTM()
    assert not any(p.requires_grad for p in model.extra[1].parameters())
    assert shapes(model) == shapes(build(spec))


def test_index_names_at_top_level_subclass_sequential(tmp_path):
    spec = load_template("mnist_mlp")
    for index, item in enumerate(spec.items):
        item.name = str(index)
    module = load_module(write(tmp_path, spec))
    model = module.MNISTClassifier()
    assert isinstance(model, torch.nn.Sequential)
    assert "1.weight" in model.state_dict()
    assert shapes(model) == shapes(build(spec))


def test_invalid_spec_is_refused():
    spec = load_template("mnist_mlp")
    spec.find("fc1").args["in_features"] = 0
    with pytest.raises(SpecError, match="fc1.in_features"):
        generate(spec)
    with pytest.raises(ValueError, match="style"):
        generate(load_template("mnist_mlp"), style="fancy")
