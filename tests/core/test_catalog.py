"""The layer catalog: every kind builds and runs; arguments are checked; plugins add kinds."""

import sys
import textwrap
from importlib import metadata

import pytest
import torch
from torch import nn

from netbuilder.core import catalog as catalog_module
from netbuilder.core.analysis import Analyzer
from netbuilder.core.builder import build_layer
from netbuilder.core.catalog import BLOCK, Arg, build_catalog, default_catalog
from netbuilder.core.spec import LayerSpec, NetworkSpec

REQUIRED_KINDS = """Linear Conv1d Conv2d Conv3d ConvTranspose2d MaxPool1d MaxPool2d AvgPool1d
AvgPool2d AdaptiveAvgPool2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm Dropout Dropout2d ReLU
LeakyReLU ELU GELU SiLU Sigmoid Tanh Softmax LogSoftmax Flatten Unflatten Identity RNN LSTM GRU
Normalize Block""".split()

# An input each kind accepts with its default arguments (batch of 2 first).
DEFAULT_INPUTS = {
    "Linear": (2, 784), "Conv1d": (2, 1, 20), "Conv2d": (2, 1, 28, 28),
    "Conv3d": (2, 1, 6, 8, 8), "ConvTranspose2d": (2, 16, 7, 7), "MaxPool1d": (2, 3, 20),
    "MaxPool2d": (2, 3, 28, 28), "AvgPool1d": (2, 3, 20), "AvgPool2d": (2, 3, 28, 28),
    "AdaptiveAvgPool2d": (2, 3, 9, 9), "BatchNorm1d": (2, 16), "BatchNorm2d": (2, 16, 5, 5),
    "LayerNorm": (2, 128), "GroupNorm": (2, 16, 4, 4), "RNN": (2, 28, 28), "LSTM": (2, 28, 28),
    "GRU": (2, 28, 28), "Unflatten": (2, 784),
}


def test_catalog_has_every_kind_the_issue_names():
    names = default_catalog().names()
    for kind in REQUIRED_KINDS:
        assert kind in names


@pytest.mark.parametrize("kind", [k for k in REQUIRED_KINDS if k != BLOCK])
def test_every_kind_builds_with_defaults_and_runs(kind):
    spec = default_catalog().get(kind)
    assert spec.doc and spec.category
    module = build_layer(LayerSpec(kind, "x"))
    assert isinstance(module, spec.module_class())
    x = torch.rand(DEFAULT_INPUTS.get(kind, (2, 3, 8, 8)))
    y = module.eval()(x)
    assert isinstance(y, torch.Tensor)  # recurrent layers too: one tensor, not a tuple


@pytest.mark.parametrize("kind", [k for k in REQUIRED_KINDS if k != BLOCK])
def test_analysis_agrees_with_a_real_forward_for_every_kind(kind):
    shape = DEFAULT_INPUTS.get(kind, (2, 3, 8, 8))
    spec = NetworkSpec(list(shape[1:]), [LayerSpec(kind, "x")])
    analysis = Analyzer().analyze(spec)
    assert analysis.ok, analysis.errors
    real = build_layer(LayerSpec(kind, "x")).eval()(torch.rand(shape))
    assert analysis.output_shape[1:] == tuple(real.shape[1:])
    assert analysis.total_params == sum(p.numel() for p in build_layer(LayerSpec(kind, "x"))
                                        .parameters())


def test_recurrent_output_choice_last_or_sequence():
    last = build_layer(LayerSpec("LSTM", "l", {"input_size": 28, "hidden_size": 8}))
    seq = build_layer(LayerSpec("LSTM", "l", {"input_size": 28, "hidden_size": 8,
                                              "output": "sequence"}))
    x = torch.rand(3, 28, 28)
    assert last(x).shape == (3, 8)
    assert seq(x).shape == (3, 28, 8)
    # Same parameter names as the plain torch layer, so weights move between the two.
    assert set(last.state_dict()) == set(nn.LSTM(28, 8, batch_first=True).state_dict())


def test_recurrent_layer_refuses_unbatched_input_clearly():
    gru = build_layer(LayerSpec("GRU", "g", {"input_size": 10, "hidden_size": 4}))
    with pytest.raises(ValueError, match=r"expects \[N, T, features\]"):
        gru(torch.rand(5, 10))


@pytest.mark.parametrize(
    "arg, value, ok",
    [
        (Arg("n", "int", 1, minimum=1), 3, True),
        (Arg("n", "int", 1, minimum=1), 0, False),
        (Arg("n", "int", 1, minimum=1), True, False),
        (Arg("n", "int", 1, minimum=1), 2.0, False),
        (Arg("p", "float", 0.5, minimum=0.0, maximum=1.0), 1, True),
        (Arg("p", "float", 0.5, minimum=0.0, maximum=1.0), 1.5, False),
        (Arg("p", "float", 0.5), float("nan"), False),
        (Arg("b", "bool", True), "yes", False),
        (Arg("c", "choice", "a", choices=("a", "b")), "b", True),
        (Arg("c", "choice", "a", choices=("a", "b")), "z", False),
        (Arg("k", "size", 3, minimum=1, dims=2), [3, 5], True),
        (Arg("k", "size", 3, minimum=1, dims=2), [3, 5, 7], False),
        (Arg("k", "size", 3, minimum=1, dims=2), [3, 0], False),
        (Arg("pad", "size", 0, minimum=0, dims=2, strings=("same",)), "same", True),
        (Arg("pad", "size", 0, minimum=0, dims=2, strings=("same",)), "full", False),
        (Arg("s", "shape", [1], minimum=1), [1, 28, 28], True),
        (Arg("s", "shape", [1], minimum=1), [], False),
        (Arg("st", "size", None, minimum=1, nullable=True), None, True),
        (Arg("st", "size", 1, minimum=1), None, False),
    ],
)
def test_argument_checks(arg, value, ok):
    assert (arg.check(value) is None) is ok


def test_argument_message_says_what_is_allowed():
    arg = default_catalog().get("Linear").arg("in_features")
    assert arg.check(-3) == "expected an integer ≥ 1, got -3"
    tooltip = default_catalog().get("Conv2d").tooltip()
    assert "kernel_size" in tooltip and "nn.Conv2d" in tooltip


def test_categories_group_kinds_for_the_palette():
    groups = default_catalog().categories()
    assert "Conv2d" in [k.name for k in groups["Convolution"]]
    assert "ReLU" in [k.name for k in groups["Activation"]]


PLUGIN_SOURCE = textwrap.dedent('''
    from torch import nn
    from netbuilder.core.catalog import Arg, LayerKind

    class Scale(nn.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

    def kinds():
        return [LayerKind("Scale", "Custom", Scale, (Arg("factor", "float", 2.0, "multiplier"),),
                          "Multiplies its input by a constant.")]

    def broken():
        raise RuntimeError("plugin exploded")
''')


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    """A fake installed distribution with two netbuilder.layers entry points."""
    (tmp_path / "nb_fake_plugin.py").write_text(PLUGIN_SOURCE)
    info = tmp_path / "nb_fake_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nb-fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[netbuilder.layers]\nscale = nb_fake_plugin:kinds\nbroken = nb_fake_plugin:broken\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    monkeypatch.undo()  # take the fake distribution off sys.path before rediscovering
    sys.modules.pop("nb_fake_plugin", None)
    catalog_module.reload_catalog()
    assert "Scale" not in catalog_module.default_catalog()


def test_plugin_entry_point_adds_a_kind_and_a_broken_one_is_reported(fake_plugin):
    names = [e.name for e in metadata.entry_points(group="netbuilder.layers")]
    assert "scale" in names
    catalog = catalog_module.reload_catalog()
    assert "Scale" in catalog
    assert catalog.get("Scale").source == "nb-fake-plugin"
    assert any("plugin exploded" in e for e in catalog.plugin_errors)
    spec = NetworkSpec([4], [LayerSpec("Scale", "scale1", {"factor": 3.0})])
    analysis = Analyzer(catalog).analyze(spec)
    assert analysis.ok and analysis.output_shape == (1, 4)
    module = build_layer(spec.items[0], catalog)
    assert torch.equal(module(torch.ones(1, 4)), torch.full((1, 4), 3.0))


def test_catalog_without_plugins_has_only_builtins():
    catalog = build_catalog(extra_entry_points=[])
    assert set(catalog.names()) == set(REQUIRED_KINDS)
    assert not catalog.plugin_errors
