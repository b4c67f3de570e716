"""Builder: spec → nn.Sequential with the spec's names, and any catalog-made Sequential → spec."""

from collections import OrderedDict

import pytest
import torch
from torch import nn

from netbuilder.core.builder import build, spec_from_module
from netbuilder.core.resources import load_template
from netbuilder.core.spec import BlockSpec, LayerSpec, NetworkSpec, SpecError
from tests.core.article_models import ComplexModel, MNISTClassifier, article_sequential, shapes


def test_mnist_mlp_has_the_article_state_dict():
    model = build(load_template("mnist_mlp"))
    assert isinstance(model, nn.Sequential)
    assert shapes(model) == shapes(MNISTClassifier())
    assert [name for name, _ in model.named_children()] == [
        "flatten", "fc1", "relu", "fc2", "relu2", "fc3"]


def test_complex_model_blocks_nest_like_the_article():
    model = build(load_template("complex_model"))
    assert shapes(model) == shapes(ComplexModel())
    assert isinstance(model.block1, nn.Sequential)
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_article_weights_load_into_the_built_model_and_compute_the_same():
    article = MNISTClassifier()
    model = build(load_template("mnist_mlp"))
    model.load_state_dict(article.state_dict())
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(model(x), article(x))


def test_frozen_layers_do_not_require_grad():
    spec = load_template("mnist_mlp")
    spec.find("fc1").frozen = True
    model = build(spec)
    assert not model.fc1.weight.requires_grad
    assert model.fc2.weight.requires_grad


def test_build_on_meta_device_uses_no_memory():
    model = build(load_template("complex_model"), device="meta")
    assert model.fc.weight.device.type == "meta"


def test_build_reports_torch_refusals_as_problems():
    spec = NetworkSpec([4, 8, 8], [LayerSpec("Conv2d", "conv", {"in_channels": 4,
                                                                "out_channels": 6,
                                                                "kernel_size": 3,
                                                                "groups": 4})])
    with pytest.raises(SpecError) as caught:
        build(spec)
    assert caught.value.problems[0].where == "conv"
    assert "divisible by groups" in caught.value.problems[0].message


def test_build_refuses_invalid_specs_with_every_problem():
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Linear", "fc", {"in_features": 0}),
                                     LayerSpec("Linear", "fc")])
    with pytest.raises(SpecError) as caught:
        build(spec)
    assert len(caught.value.problems) == 2


def test_positional_sequential_comes_back_as_a_spec_with_index_names():
    spec = spec_from_module(article_sequential(), [1, 28, 28])
    assert [item.name for item in spec.items] == ["0", "1", "2", "3", "4", "5"]
    assert spec.items[1] == LayerSpec("Linear", "1", {"in_features": 784, "out_features": 128})
    rebuilt = build(spec)
    assert shapes(rebuilt) == shapes(article_sequential())


def test_nested_named_sequential_round_trips_with_arguments():
    original = nn.Sequential(OrderedDict([
        ("stem", nn.Sequential(nn.Conv2d(1, 8, (3, 5), stride=2, padding=1, bias=False),
                               nn.BatchNorm2d(8, momentum=0.2), nn.LeakyReLU(0.2))),
        ("pool", nn.AdaptiveAvgPool2d((2, 3))),
        ("flatten", nn.Flatten()),
        ("drop", nn.Dropout(0.1)),
        ("head", nn.Linear(48, 10)),
    ]))
    original.head.requires_grad_(False)
    spec = spec_from_module(original, [1, 28, 28], class_name="Mine", num_classes=10)
    stem = spec.items[0]
    assert isinstance(stem, BlockSpec)
    assert stem.items[0].args == {"in_channels": 1, "out_channels": 8, "kernel_size": [3, 5],
                                  "stride": 2, "padding": 1, "bias": False}
    assert stem.items[1].args == {"num_features": 8, "momentum": 0.2}
    assert spec.find("head").frozen
    rebuilt = build(spec)
    assert shapes(rebuilt) == shapes(original)
    rebuilt.load_state_dict(original.state_dict())
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(rebuilt.eval()(x), original.eval()(x))
    assert spec_from_module(rebuilt, [1, 28, 28], "Mine", 10) == spec


def test_module_with_unknown_layers_is_refused_with_its_class():
    class Custom(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(SpecError, match="Custom is not a layer kind netbuilder knows"):
        spec_from_module(nn.Sequential(nn.Flatten(), Custom()), [1, 28, 28])
    with pytest.raises(SpecError, match="returns a tuple"):
        spec_from_module(nn.Sequential(nn.LSTM(28, 8)), [28, 28])
    with pytest.raises(SpecError, match="expected an nn.Sequential"):
        spec_from_module(MNISTClassifier(), [1, 28, 28])


def test_netbuilder_recurrent_layers_come_back():
    model = build(load_template("rows_lstm"))
    spec = spec_from_module(model, [1, 28, 28])
    assert spec.find("lstm").args == {"input_size": 28, "hidden_size": 128, "output": "last"}
