"""Import from PyTorch code: classes become specs whose state_dict keys, shapes and outputs are
the class's own; code that cannot be represented, or that misbehaves, gives a clear error.

Tests of the conversion itself run in this process on classes defined here (trusted code, and
fast); tests of files run them in the child process, several classes per child where possible
(each child costs seconds for importing torch), and the children of all files side by side.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from netbuilder.core.builder import build
from netbuilder.core.importer import (
    ImportResult,
    ModelImportError,
    import_model,
    import_models,
    spec_from_traced,
)
from netbuilder.core.spec import BlockSpec, NetworkSpec
from tests.core.article_models import ComplexModel, MNISTClassifier, shapes

SAMPLES = Path(__file__).parent / "import_samples"
HERE = __file__


def convert(model: nn.Module, input_shape=(1, 28, 28)):
    spec, notes, key_map = spec_from_traced(model, list(input_shape), type(model).__name__,
                                            source=HERE)
    return spec, notes, key_map


def kinds(spec: NetworkSpec) -> list[str]:
    return [layer.kind for _path, layer in spec.layers()]


def same_network(model: nn.Module, spec: NetworkSpec, input_shape=(1, 28, 28)) -> None:
    """Keys and shapes equal; the class's weights load strictly and give the same outputs."""
    built = build(spec)
    assert shapes(built) == shapes(model)
    built.load_state_dict(model.state_dict(), strict=True)
    model.eval()
    built.eval()
    x = torch.randn(4, *input_shape)
    with torch.no_grad():
        assert torch.allclose(built(x), model(x), atol=1e-6)


# ---------------------------------------------------------------------------------------------
# What maps to what (in this process)


class Functional(nn.Module):
    """Every functional spelling the importer reads, between two modules named like the fresh
    names it would pick (relu1, flatten1), which must not be taken."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.flatten1 = nn.Identity()
        self.fc = nn.Linear(4 * 7 * 7, 49)
        self.out = nn.Linear(49, 10)

    def forward(self, x):
        x = self.relu1(self.conv(x))
        x = F.relu(x)
        x = torch.relu(x)
        x = x.relu()
        x = F.gelu(x, approximate="tanh")
        x = F.silu(x)
        x = F.leaky_relu(x, 0.2)
        x = F.elu(x, alpha=0.5)
        x = torch.tanh(torch.sigmoid(x)).sigmoid().tanh()
        x = F.dropout(x, 0.3, training=self.training)
        x = F.dropout2d(x, p=0.1, training=self.training)
        x = F.max_pool2d(x, 2)
        x = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        x = F.adaptive_avg_pool2d(x, (7, 7)).contiguous()
        x = self.flatten1(x)
        x = x.view(x.size(0), -1)
        x = x.view(-1, 1, 14, 14)   # → Unflatten
        x = x.reshape(x.shape[0], -1)
        x = x.view(-1, 196)
        x = torch.flatten(x, 1)
        x = x.flatten(1)
        x = self.fc(x)
        x = F.softmax(x, dim=1)
        x = torch.log_softmax(x, -1)
        return self.out(x.log_softmax(dim=1))


def test_functional_calls_become_layers_with_fresh_names():
    model = Functional()
    spec, notes, key_map = convert(model)
    assert kinds(spec) == [
        "Conv2d", "ReLU", "ReLU", "ReLU", "ReLU", "GELU", "SiLU", "LeakyReLU", "ELU", "Sigmoid",
        "Tanh", "Sigmoid", "Tanh", "Dropout", "Dropout2d", "MaxPool2d", "AvgPool2d",
        "AdaptiveAvgPool2d", "Identity", "Flatten", "Unflatten", "Flatten", "Flatten",
        "Flatten", "Flatten", "Linear", "Softmax", "LogSoftmax", "LogSoftmax", "Linear"]
    names = [path for path, _layer in spec.layers()]
    assert names[:3] == ["conv", "relu1", "relu"] and "relu2" in names
    assert len(set(names)) == len(names)
    assert "flatten1" in names and names.count("flatten") == 1
    layers = dict(spec.layers())
    by_kind = {layer.kind: layer for layer in layers.values()}
    assert by_kind["GELU"].args == {"approximate": "tanh"}
    assert by_kind["LeakyReLU"].args == {"negative_slope": 0.2}
    assert by_kind["ELU"].args == {"alpha": 0.5}
    assert by_kind["Dropout"].args == {"p": 0.3}
    assert by_kind["Dropout2d"].args == {"p": 0.1}
    assert by_kind["MaxPool2d"].args == {"kernel_size": 2}
    assert by_kind["AvgPool2d"].args == {"kernel_size": 3, "stride": 1, "padding": 1}
    assert by_kind["AdaptiveAvgPool2d"].args == {"output_size": 7}
    assert by_kind["Unflatten"].args == {"dim": 1, "unflattened_size": [1, 14, 14]}
    assert by_kind["Softmax"].args == {"dim": 1}
    assert [layer.args for layer in layers.values() if layer.kind == "LogSoftmax"] == [
        {"dim": -1}, {"dim": 1}]
    assert key_map == {key: key for key in model.state_dict()}
    assert any("functional calls became layers" in note and "F.max_pool2d(x, 2)" in note
               for note in notes)
    same_network(model, spec)


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Nested(nn.Module):
    """A submodule of the class's own, an nn.Sequential holding an nn.Sequential, and an
    nn.ModuleList run in a loop with a functional call between its layers."""

    def __init__(self):
        super().__init__()
        self.features = Inner()
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3), nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)))
        self.head = nn.ModuleList([nn.Linear(8 * 12 * 12, 64), nn.Linear(64, 32)])
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.block(self.features(x))
        x = torch.flatten(x, 1)
        for layer in self.head:
            x = F.relu(layer(x))
        return self.fc(x)


def test_submodules_become_blocks_keeping_the_state_dict_keys():
    model = Nested()
    model.features.bn.running_mean.uniform_(-1, 1)  # buffers travel too
    spec, _notes, key_map = convert(model)
    top = [(item.name, item.kind) for item in spec.items]
    assert top == [("features", "Block"), ("block", "Block"), ("flatten", "Flatten"),
                   ("head", "Block"), ("fc", "Linear")]
    features, block, _flatten, head, _fc = spec.items
    assert [i.name for i in features.items] == ["conv", "bn", "relu"]
    assert isinstance(block.items[1], BlockSpec) and [i.name for i in block.items[1].items] == [
        "0", "1"]
    assert [(i.name, i.kind) for i in head.items] == [
        ("0", "Linear"), ("relu1", "ReLU"), ("1", "Linear"), ("relu2", "ReLU")]
    assert key_map == {key: key for key in model.state_dict()}
    same_network(model, spec)


class Reuses(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 10)
        self.act = nn.ReLU()
        self.unused = nn.Linear(3, 3)
        self.fc2.requires_grad_(False)

    def forward(self, x):
        return self.act(self.fc2(self.act(self.fc1(x.flatten(1)))))


def test_a_parameterless_module_called_twice_and_unused_and_frozen_modules():
    model = Reuses()
    spec, notes, key_map = convert(model)
    assert [(path, layer.kind) for path, layer in spec.layers()] == [
        ("flatten", "Flatten"), ("fc1", "Linear"), ("act", "ReLU"), ("fc2", "Linear"),
        ("relu", "ReLU")]
    assert dict(spec.layers())["fc2"].frozen and not dict(spec.layers())["fc1"].frozen
    assert any("self.act is called 2 times" in note for note in notes)
    assert any("self.unused (Linear) does not take part in forward()'s result" in note
               and "unused.weight" in note for note in notes)
    assert set(key_map) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    built = build(spec)
    built.load_state_dict({k: v for k, v in model.state_dict().items() if k in key_map})


class Shares(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return self.fc(self.fc(x))


class CustomLayer(nn.Module):  # the article's custom layer
    def __init__(self, in_features=784, out_features=10):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class AddsOne(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return self.fc(x) + 1


class Indexes(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return self.fc(x)[:, :8]


class Permutes(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 3)

    def forward(self, x):
        return self.conv(x).permute(0, 2, 1)


class MakesTensor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return self.fc(x) * torch.ones(16)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x, mask):
        return self.fc(x) * mask


class OptionalInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x, scale=None):
        return self.fc(x) if scale is None else self.fc(x) * scale


class ReturnsTuple(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        y = self.fc(x)
        return y, y.sum()


class Upsamples(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x):
        return self.up(x)


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 8, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[:, -1]


class SplitsTheBatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(392, 10)

    def forward(self, x):
        return self.fc(x.view(-1, 392))


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return x * torch.sigmoid(self.fc(x))


class SumOfThree(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)

    def forward(self, x):
        return x + self.a(x) + self.b(x)


class InsideABranch(nn.Module):
    """Five paths from x meeting in four places: residuals inside parallels inside a
    parallel."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.c = nn.Linear(48, 4)

    def forward(self, x):
        y = torch.cat([x + self.a(x), x], 1)
        return self.c(torch.cat([y, F.relu(x + self.b(x))], dim=-1))


class Dense(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(32, 16)

    def forward(self, x):
        y = torch.cat([x, self.a(x)], 1)
        return torch.cat([y, self.b(y), x], 1)


class Doubles(nn.Module):
    def forward(self, x):
        return x + x


@pytest.mark.parametrize("model, shape, expected", [
    (Shares(), [16], ["self.fc is called again", "share its weights"]),
    (CustomLayer(), [784], ["self.weight, a tensor of the class used directly",
                            "torch.matmul(x, self.weight)"]),
    (AddsOne(), [16], ["after fc: x + 1 — an addition of a tensor and a constant"]),
    (Indexes(), [16], ["after fc: x[:, :8] — indexing or slicing"]),
    (Permutes(), [4, 10], ["x.permute(0, 2, 1) — permute() moves, adds or removes dimensions"]),
    (MakesTensor(), [16], ["a tensor made inside forward()"]),
    (TwoInputs(), [16], ["TwoInputs.forward(self, x, mask) takes 2 inputs"]),
    (ReturnsTuple(), [16], ["ReturnsTuple.forward() returns a tuple, not one tensor"]),
    (Upsamples(), [1, 8, 8], ["self.up(x) — torch.nn.modules.upsampling.Upsample is not a "
                              "layer kind netbuilder knows"]),
    (Recurrent(), [5, 16], ["LSTM is not a layer kind", "use netbuilder's LSTM kind"]),
    (SplitsTheBatch(), [1, 28, 28], ["x.view(-1, 392) — it reshapes [N, 1, 28, 28] to "
                                     "[N, 392], which changes the batch dimension"]),
    (Gate(), [16], ["`return x * torch.sigmoid(self.fc(x))`, after the input: x * sigmoid — "
                    "a product of two paths (a gate, as in squeeze-and-excitation)"]),
    (Dense(), [16], ["`return torch.cat([y, self.b(y), x], 1)`: the paths from the parallel "
                     "of torch.cat([x, a], 1) (line ", "do not meet again in sums of two paths "
                     "or concatenations of paths that all start there"]),
    (Doubles(), [16], ["x + x — a sum of a tensor with itself (2·x) has no layer kind"]),
    (MNISTClassifier(), [3, 32, 32], ["MNISTClassifier()(x) fails for an input of shape "
                                      "[3, 3, 32, 32]", "is the input shape right?"]),
])
def test_what_cannot_be_represented_is_named_with_its_line(model, shape, expected):
    with pytest.raises(ModelImportError) as caught:
        convert(model, shape)
    message = str(caught.value)
    for part in expected:
        assert part in message
    if not isinstance(model, (TwoInputs, ReturnsTuple, MNISTClassifier)):
        assert "test_importer.py line " in message, message
    if "no layer kind" in message or "not a layer kind" in message:
        assert message.endswith("netbuilder represents chains of layers, residual sums "
                                "(x + f(x)) and concatenations (torch.cat)")


def test_optional_forward_arguments_take_their_defaults():
    spec, _notes, _keys = convert(OptionalInput(), [16])
    assert kinds(spec) == ["Linear"] and spec.num_classes == 4


class AlwaysDrops(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(F.dropout(x, 0.2))


def test_dropout_that_also_drops_in_evaluation_is_noted():
    spec, notes, _keys = convert(AlwaysDrops(), [16])
    assert kinds(spec) == ["Dropout", "Linear"]
    assert any("drops values even in evaluation" in note for note in notes)


def load_sample(name: str):
    """A sample file as a module of this process (trusted code: for in-process tests)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"sample_{name}", SAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sums_become_residuals_and_cat_a_parallel_with_a_key_map():
    model = load_sample("residual").SmallResNet()
    for module in model.modules():  # running statistics that are not the initial ones
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    spec, notes, key_map = spec_from_traced(model, [1, 12, 12], "SmallResNet",
                                            source=str(SAMPLES / "residual.py"))
    assert [(item.name, item.kind) for item in spec.items] == [
        ("stem", "Block"), ("layer1", "Residual"), ("layer2", "Residual"), ("mix", "Parallel"),
        ("pool", "AdaptiveAvgPool2d"), ("flatten", "Flatten"), ("fc", "Linear")]
    _stem, layer1, layer2, mix = spec.items[:4]
    assert [i.name for i in layer1.body] == ["conv1", "bn1", "relu", "conv2", "bn2"]
    assert layer1.shortcut == [] and layer1.activation == "ReLU"
    assert [(i.name, i.kind) for i in layer2.shortcut] == [("0", "Conv2d"), ("1", "BatchNorm2d")]
    assert (mix.merge, mix.dim) == ("concat", 1)
    assert [[i.name for i in branch] for branch in mix.branches] == [
        ["branch1"], ["0", "1", "2"], []]
    assert key_map["layer1.conv1.weight"] == "layer1.body.conv1.weight"
    assert key_map["layer2.downsample.1.running_var"] == "layer2.shortcut.1.running_var"
    assert key_map["mix.branch3.2.bias"] == "mix.branches.1.2.bias"
    assert key_map["stem.0.weight"] == "stem.0.weight"
    assert set(key_map) == set(model.state_dict())
    assert any("state_dict keys have other names in the network" in note for note in notes)
    built = build(spec)
    built.load_state_dict({key_map[k]: v for k, v in model.state_dict().items()}, strict=True)
    built.eval()
    x = torch.randn(3, 1, 12, 12)
    with torch.no_grad():
        assert torch.allclose(built(x), model(x), atol=1e-6)


class SequentialBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))
        self.shortcut = nn.Sequential(nn.Linear(16, 8))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class UsesBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = SequentialBranches()
        self.skip = nn.Linear(8, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.block(x)
        x = F.gelu(x + self.skip(x))
        return self.head(x)


def same_outputs(model: nn.Module, spec: NetworkSpec, key_map: dict, shape) -> None:
    built = build(spec)
    built.load_state_dict({key_map[k]: v for k, v in model.state_dict().items()}, strict=True)
    x = torch.randn(3, *shape)
    with torch.no_grad():
        assert torch.allclose(built.eval()(x), model.eval()(x), atol=1e-6)


def test_paths_that_meet_in_steps_nest():
    three = SumOfThree()
    spec, _notes, key_map = convert(three, [16])
    (outer,) = spec.items  # (x + a(x)) + b(x)
    assert (outer.kind, [i.kind for i in outer.body], [i.name for i in outer.shortcut]) == (
        "Residual", ["Residual"], ["b"])
    assert [i.name for i in outer.body[0].body] == ["a"]
    same_outputs(three, spec, key_map, [16])
    model = InsideABranch()
    spec, _notes, key_map = convert(model, [16])
    assert [(path, item.kind) for path, item, _depth in spec.walk()] == [  # x feeds all
        ("mix", "Parallel"), ("mix.branches.0.mix1", "Parallel"),
        ("mix.branches.0.mix1.branches.0.res", "Residual"),
        ("mix.branches.0.mix1.branches.0.res.body.a", "Linear"),
        ("mix.branches.1.res1", "Residual"), ("mix.branches.1.res1.body.b", "Linear"),
        ("c", "Linear")]
    assert spec.items[0].branches[1][0].activation == "ReLU"
    assert key_map["b.weight"] == "mix.branches.1.res1.body.b.weight"
    same_outputs(model, spec, key_map, [16])


def test_a_block_with_body_and_shortcut_keeps_its_keys():
    model = UsesBlocks()
    spec, _notes, key_map = convert(model, [16])
    block, res, head = spec.items
    assert (block.name, block.kind, block.activation) == ("block", "Residual", "ReLU")
    assert [i.name for i in block.body] == ["0", "1", "2"] and len(block.shortcut) == 1
    assert (res.name, res.kind, res.activation, [i.name for i in res.body], res.shortcut) == (
        "res", "Residual", "GELU", ["skip"], [])
    assert {k: v for k, v in key_map.items() if k != v} == {
        "skip.weight": "res.body.skip.weight", "skip.bias": "res.body.skip.bias"}
    assert head.name == "head"


# ---------------------------------------------------------------------------------------------
# Files, in the child process

MIXED_CLASSES = ["Net", "NeedsArgs", "TimesTwo", "MeanInTheMiddle", "IfOnValues", "NotAModule",
                 "Missing", "Crashes"]
FAILING_FILES = [  # (sample, time limit, how the error starts)
    ("raises_at_import.py", 60, "running raises_at_import.py raised FileNotFoundError: [Errno 2] "
                                "No such file or directory: 'labels-that-are-not-here.csv' "
                                "(raises_at_import.py line 14, in <module>: `labels = open("),
    ("exits_at_import.py", 60, "exits_at_import.py called sys.exit(2) (exits_at_import.py line "
                               "18, in <module>: `sys.exit(2)`) while it was run to find the "
                               "class"),
    ("hard_exit.py", 60, "the process running hard_exit.py ended (exit status 7) before "
                         "netbuilder could read the class, so nothing was imported: the file "
                         "calls os._exit()"),
    ("loops_forever.py", 1, "loops_forever.py did not finish within 1 s, so nothing was "
                            "imported"),
]


@pytest.fixture(scope="module")
def file_imports():
    """Every file test's child process, started together so that their seconds of importing
    torch overlap: a future per file (what import_models or import_model returned or raised),
    and this process's id and folder from before they started."""
    jobs = {
        "tutorial.py": partial(import_models, SAMPLES / "tutorial.py",
                               [("MNISTClassifier", [1, 28, 28]), ("ComplexModel", [1, 28, 28])]),
        "mixed.py": partial(import_models, SAMPLES / "mixed.py",
                            [(name, [1, 28, 28]) for name in MIXED_CLASSES]),
        **{sample: partial(import_model, SAMPLES / sample, "Net", [1, 28, 28], timeout=timeout)
           for sample, timeout, _expected in FAILING_FILES},
    }
    before = SimpleNamespace(pid=os.getpid(), cwd=os.getcwd())
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        yield SimpleNamespace(before=before,
                              answers={name: pool.submit(job) for name, job in jobs.items()})


def test_the_article_classes_import_and_take_the_article_weights(tmp_path, file_imports):
    mlp, complex_ = file_imports.answers["tutorial.py"].result()
    for result, cls in ((mlp, MNISTClassifier), (complex_, ComplexModel)):
        assert isinstance(result, ImportResult), result
        model = cls()
        assert result.spec.class_name == cls.__name__ and result.spec.num_classes == 10
        assert result.key_map == {key: key for key in model.state_dict()}
        built = build(result.spec)
        assert list(built.state_dict()) == list(model.state_dict())  # same keys, same order
        assert shapes(built) == shapes(model)
        path = tmp_path / f"{cls.__name__}.pth"
        torch.save(model.state_dict(), path)  # the article's own saving step
        built.load_state_dict(torch.load(path, weights_only=True), strict=True)
        model.eval()
        built.eval()
        x = torch.rand(5, 1, 28, 28)
        with torch.no_grad():
            assert torch.equal(built(x), model(x))
    assert [path for path, _layer in mlp.spec.layers()] == ["flatten", "fc1", "relu", "fc2",
                                                            "relu2", "fc3"]
    assert sum(p.numel() for p in build(mlp.spec).parameters()) == 109_386
    assert [(item.name, item.kind) for item in complex_.spec.items] == [
        ("block1", "Block"), ("block2", "Block"), ("flatten", "Flatten"), ("fc", "Linear")]


def test_a_file_that_prints_keeps_its_good_class_and_names_the_bad_ones(file_imports):
    results = dict(zip(MIXED_CLASSES, file_imports.answers["mixed.py"].result(), strict=True))
    net = results.pop("Net")
    assert isinstance(net, ImportResult)
    assert kinds(net.spec) == ["Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d", "Dropout",
                               "Flatten", "Linear", "ReLU", "Dropout", "Linear", "LogSoftmax"]
    expected = {
        "NeedsArgs": "NeedsArgs.__init__ needs arguments (hidden): netbuilder creates the class "
                     "with none",
        "TimesTwo": "mixed.py line 57, in forward(): `return torch.sigmoid(self.fc2(x)) * 2`, "
                    "after torch.sigmoid(x): x * 2 — a multiplication of a tensor by a constant "
                    "has no layer kind",
        "MeanInTheMiddle": "mixed.py line 68, in forward(): `x = x.mean(dim=(2, 3))`, after "
                           "conv: x.mean(dim=(2, 3)) — mean() reduces dimensions",
        "IfOnValues": "torch.fx could not trace IfOnValues.forward() (mixed.py line 79, in "
                      "forward(): `if x.sum() > 0:`): symbolically traced variables cannot be "
                      "used as inputs to control flow",
        "NotAModule": "NotAModule in mixed.py is a class, not an nn.Module subclass",
        "Missing": "mixed.py has no class 'Missing'; its nn.Module classes: Crashes, IfOnValues, "
                   "MeanInTheMiddle, NeedsArgs, Net, TimesTwo",
        "Crashes": "Crashes() raised RuntimeError: weights file missing (mixed.py line 92, in "
                   "__init__(): `raise RuntimeError(\"weights file missing\")`)",
    }
    assert set(results) == set(expected)
    for name, start in expected.items():
        assert isinstance(results[name], ModelImportError), name
        assert str(results[name]).startswith(start), str(results[name])


@pytest.mark.parametrize("sample, expected", [(sample, expected)
                                              for sample, _timeout, expected in FAILING_FILES])
def test_files_that_fail_exit_or_hang_leave_this_process_unharmed(file_imports, sample,
                                                                  expected):
    with pytest.raises(ModelImportError) as caught:
        file_imports.answers[sample].result()
    assert str(caught.value).startswith(expected), str(caught.value)
    assert (os.getpid(), os.getcwd()) == (file_imports.before.pid, file_imports.before.cwd)


def test_a_syntax_error_is_reported_without_running_anything(tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("import torch.nn as nn\n\nclass Net(nn.Module)\n    pass\n")
    with pytest.raises(ModelImportError) as caught:
        import_model(source, "Net", [1, 28, 28])
    assert str(caught.value) == ("broken.py line 3: expected ':': `class Net(nn.Module)` — it is "
                                 "not valid Python, so nothing was run")


def test_what_is_refused_before_anything_runs(tmp_path):
    big = tmp_path / "big.py"
    with open(big, "wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    good = SAMPLES / "tutorial.py"
    cases = [
        (lambda: import_model(tmp_path, "Net", [1]), "is not a regular file"),
        (lambda: import_model(fifo, "Net", [1]), "is not a regular file"),
        (lambda: import_model(tmp_path / "absent.py", "Net", [1]),
         "No such file or directory"),
        (lambda: import_model(big, "Net", [1]), "big.py is 5.2 MB: larger than a Python file"),
        (lambda: import_model(good, "not a name", [1]), "expected the name of a class"),
        (lambda: import_model(good, "Net", [0, 28]), "the input shape must be 1 to 6 integers"),
        (lambda: import_model(good, "Net", [1, 28, 28], timeout=0), "time limit"),
        (lambda: import_model(good, "Net", [1, 28, 28], num_classes=0), "number of classes"),
        (lambda: import_model(good, "Net", [4096, 4096, 4096]), "give a smaller one"),
    ]
    for call, expected in cases:
        with pytest.raises(ModelImportError) as caught:
            call()
        assert expected in str(caught.value), str(caught.value)
