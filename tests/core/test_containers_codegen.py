"""Generated code, training scripts and exports of networks with residuals and parallels: the
generated module's state_dict equals build(spec)'s (strict loads both ways) and computes the
same outputs at batch 2 and 3."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from netbuilder.core.builder import build
from netbuilder.core.codegen import generate
from netbuilder.core.exporters import export_verified
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec

RUFF = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
STYLES = ("class", "sequential")


def conv(name, c_in, c_out, k=3, **extra):
    return LayerSpec("Conv2d", name, {"in_channels": c_in, "out_channels": c_out,
                                      "kernel_size": k, **extra})


def linear(name, n_in, n_out):
    return LayerSpec("Linear", name, {"in_features": n_in, "out_features": n_out})


def empty_shortcut():
    return NetworkSpec([4], [ResidualSpec("res", [linear("fc", 4, 4), LayerSpec("Tanh", "t")]),
                             ResidualSpec("plain", [LayerSpec("Identity", "i")], [], "SiLU"),
                             ResidualSpec("nothing")], class_name="EmptyShortcut")


def merges():
    return NetworkSpec([6], [
        ParallelSpec("summed", [[linear("a", 6, 4)], [linear("b", 6, 4)], [linear("c", 6, 4)]],
                     "sum"),
        ParallelSpec("averaged", [[LayerSpec("Tanh", "t")], [LayerSpec("Sigmoid", "s")]],
                     "mean"),
        ParallelSpec("joined", [[], [linear("fc", 4, 3)]], "concat", -1),
        linear("head", 7, 2)], class_name="Merges")


def nested():
    """Containers in each other, containers in blocks and blocks in branches."""
    return NetworkSpec([2, 6, 6], [
        ResidualSpec("res1", [
            ParallelSpec("mix", [
                [conv("a", 2, 3, padding=1), LayerSpec("BatchNorm2d", "bn", {
                    "num_features": 3})],
                [BlockSpec("blk", [ResidualSpec("inner", [conv("0", 2, 2, padding=1)],
                                                [LayerSpec("Identity", "0")], "ReLU"),
                                   conv("1", 2, 1, 1)])]]),
            conv("squeeze", 4, 2, 1)], [], "Tanh"),
        BlockSpec("stage", [ParallelSpec("p", [[LayerSpec("MaxPool2d", "pool", {
            "kernel_size": 2})], [conv("c", 2, 2, 2, stride=2)]], "mean")]),
        LayerSpec("Flatten", "flatten"), linear("fc", 18, 3)], class_name="Nested")


def indexed_at_top():
    spec = nested()
    for index, item in enumerate(spec.items):
        item.name = str(index)
    spec.class_name = "Indexed"
    return spec


def frozen_inside():
    spec = nested()
    for path in ("res1.body.mix.branches.0.a", "res1.body.mix.branches.1.blk.inner.body.0",
                 "stage.p.branches.1.c", "fc"):
        spec.find(path).frozen = True
    # an index name out of its place: reached with get_submodule
    spec.find_stack("res1.body.mix.branches.0").insert(0, LayerSpec("Identity", "07"))
    spec.class_name = "Frozen"
    return spec


def deep(depth=40):
    """Residuals, parallels and blocks in turn, deeper than the code writes inline."""
    items = [linear("fc", 4, 4)]
    for level in range(depth):
        if level % 3 == 0:
            items = [ResidualSpec(f"r{level}", items, [], "Tanh" if level % 2 else "")]
        elif level % 3 == 1:
            items = [ParallelSpec(f"p{level}", [items, [LayerSpec("Identity", "i")]], "mean")]
        else:
            items = [BlockSpec(f"b{level}", items)]
    return NetworkSpec([4], items, class_name="Deep")


EDGE_SPECS = {"empty_shortcut": empty_shortcut, "merges": merges, "nested": nested,
              "indexed_at_top": indexed_at_top, "frozen_inside": frozen_inside, "deep": deep}
CONTAINER_TEMPLATES = [name for name in template_names()
                       if any(item.kind in ("Residual", "Parallel")
                              for _p, item, _d in load_template(name).walk())]


def run_generated(source, spec, style):
    namespace = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace[spec.class_name]() if style == "class" else namespace["model"]


def frozen(module):
    return {name for name, p in module.named_parameters() if not p.requires_grad}


@pytest.mark.parametrize("name", [*EDGE_SPECS, *CONTAINER_TEMPLATES])
@pytest.mark.parametrize("style", STYLES)
def test_generated_code_equals_the_built_model(name, style):
    spec = EDGE_SPECS[name]() if name in EDGE_SPECS else load_template(name)
    model = run_generated(generate(spec, style), spec, style).eval()
    built = build(spec).eval()
    assert list(model.state_dict()) == list(built.state_dict())
    model.load_state_dict(built.state_dict())  # strict, both ways
    built.load_state_dict(model.state_dict())
    assert frozen(model) == frozen(built)
    with torch.no_grad():
        for batch in (2, 3):
            x = torch.rand(batch, *spec.input_shape)
            assert torch.equal(model(x), built(x)), (name, batch)


def test_the_class_style_writes_the_sum_and_the_concatenation_out():
    source = generate(NetworkSpec([4], [
        ResidualSpec("res1", [linear("fc", 4, 4)], [linear("proj", 4, 4)], "ReLU"),
        ResidualSpec("res2", [linear("fc", 4, 4)]),
        ParallelSpec("mix", [[linear("a", 4, 2)], [linear("b", 4, 2)]], "concat", -1),
        ParallelSpec("avg", [[linear("a", 4, 2)], [linear("b", 4, 2)]], "mean")]))
    forward = source.split("def forward(self, x):\n", 1)[1]
    assert forward.splitlines() == [
        "        shortcut = self.res1.shortcut(x)",
        "        x = self.res1.body(x) + shortcut",
        "        x = self.res1.activation(x)  # [N, 4]",
        "        x = self.res2.body(x) + x  # [N, 4]",
        "        outputs = [branch(x) for branch in self.mix.branches]",
        "        x = torch.cat(outputs, dim=-1)  # [N, 4]",
        "        outputs = [branch(x) for branch in self.avg.branches]",
        "        x = torch.stack(outputs).mean(0)  # [N, 2]",
        "        return x"]
    assert "self.res1 = nn.ModuleDict(" in source
    classes = [node.name for node in ast.parse(source).body if isinstance(node, ast.ClassDef)]
    assert classes == ["Net"]  # top-level containers need no helper class
    assert "import torch\nfrom torch import nn\n" in source


def test_helpers_are_written_only_when_used():
    source = generate(nested(), "sequential")
    assert "class Residual(nn.Module):" in source and "class Parallel(nn.Module):" in source
    only_residual = generate(NetworkSpec([4], [BlockSpec("b", [ResidualSpec("r")])]))
    assert "class Residual" in only_residual and "class Parallel" not in only_residual
    assert "import torch\n" not in only_residual


def test_generated_code_is_ruff_clean(tmp_path):
    paths = []
    for name, make in EDGE_SPECS.items():
        for style in STYLES:
            path = tmp_path / f"{name}_{style}.py"
            path.write_text(generate(make(), style))
            paths.append(str(path))
    for rules in (["--select", "E,F,W,I"], []):
        check = subprocess.run([RUFF, "check", "--no-cache", "--isolated", *rules, *paths],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([RUFF, "format", "--isolated", "--check", *paths],
                         capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


# -- exports ---------------------------------------------------------------------------------


def small_digits_net():
    return NetworkSpec([1, 28, 28], [
        conv("stem", 1, 4, padding=1),
        ResidualSpec("res1", [conv("0", 4, 8, stride=2, padding=1), LayerSpec("ReLU", "1"),
                              conv("2", 8, 8, padding=1)],
                     [conv("0", 4, 8, 1, stride=2)], "ReLU"),
        ParallelSpec("mix", [[conv("a", 8, 4, 1)], [conv("b", 8, 4, padding=1)], []]),
        ParallelSpec("avg", [[LayerSpec("AdaptiveAvgPool2d", "gap", {"output_size": 1})],
                             [LayerSpec("AdaptiveAvgPool2d", "gap", {"output_size": 1})]],
                     "mean"),
        LayerSpec("Flatten", "flatten"), linear("fc", 16, 10)])


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit is deprecated, still works
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torchscript", ".pt"),
                                         ("pt2", ".pt2")])
def test_exports_of_residuals_and_parallels_verify(tmp_path, fmt, suffix):
    torch.manual_seed(0)
    model = build(small_digits_net())
    images = torch.rand(16, 1, 28, 28)
    result = export_verified(model, fmt, tmp_path / f"net{suffix}", images)
    assert result.passed and result.max_abs_diff <= 1e-4 and result.top1_agreement == 1.0


@pytest.mark.parametrize("kind", ["Residual", "Parallel"])
def test_containers_nested_as_deep_as_specs_allow_give_code_and_scripts(kind):
    from netbuilder.core.spec import MAX_DEPTH
    from netbuilder.core.train_script import training_script
    from tests.core.test_containers import deep as deepest

    spec = deepest(MAX_DEPTH // 2, kind)
    spec.find_stack("c99.branches.1" if kind == "Parallel" else "c99.shortcut").append(
        LayerSpec("Linear", "fc", {"in_features": 4, "out_features": 4}))
    built = build(spec)

    def structure(model):
        return ([name for name, _ in model.named_modules()], list(model.state_dict()))

    assert len(structure(built)[1]) == 2
    for style in STYLES:
        assert structure(run_generated(generate(spec, style), spec, style)) == structure(built)
    namespace = {"__name__": "script"}
    exec(compile(training_script(spec), "train.py", "exec"), namespace)
    assert structure(namespace[spec.class_name]()) == structure(built)
