"""Per-layer activations, input saliency and feature-map grids."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from netbuilder.core.activations import (
    Activation,
    feature_grid,
    forward_with_activations,
    grid_shape,
    layer_activations,
    normalise_maps,
    saliency,
)
from netbuilder.core.builder import build
from netbuilder.core.container_modules import Parallel, Residual
from netbuilder.core.resources import load_template, template_names

TEMPLATES = template_names()  # every shipped template, none skipped
# Saliency is a picture over an image's pixels: the templates whose input is an image.
IMAGE_TEMPLATES = [name for name in TEMPLATES if len(load_template(name).input_shape) == 3]


def digit() -> torch.Tensor:
    torch.manual_seed(0)
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 4:24, 12:16] = 1.0  # a "1"
    return x + 0.05 * torch.rand_like(x)


def model_of(name: str) -> nn.Sequential:
    torch.manual_seed(1)
    return build(load_template(name))


def leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(path, m) for path, m in model.named_modules() if not list(m.children())]


def manual_outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Each leaf's output by running the leaves by hand: one after the other in a chain; a
    residual's body, shortcut and activation; each branch of a parallel from the same input."""
    outputs = []

    def run(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if isinstance(module, Residual):
            total = run(module.body, x) + run(module.shortcut, x)
            return run(module.activation, total)
        if isinstance(module, Parallel):
            ys = [run(branch, x) for branch in module.branches]
            if module.merge == "concat":
                return torch.cat(ys, module.dim)
            return torch.stack(ys).sum(0) if module.merge == "sum" else torch.stack(ys).mean(0)
        children = list(module.children())
        if not children:
            y = module(x)
            outputs.append(y[0])
            return y
        for child in children:
            x = run(child, x)
        return x

    with torch.no_grad():
        run(model, x)
    return outputs


def test_the_templates_named_in_the_brief_are_covered():
    assert {"mnist_mlp", "complex_model", "lenet5", "digits_cnn", "rows_lstm"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_one_activation_per_leaf_in_forward_order(name):
    model = model_of(name)
    model.eval()
    shape = load_template(name).input_shape
    x = digit() if shape == [1, 28, 28] else torch.rand(1, *shape, generator=torch.Generator(
    ).manual_seed(0))
    acts = layer_activations(model, x)
    assert [a.path for a in acts] == [path for path, _m in leaves(model)]
    assert all(isinstance(a, Activation) for a in acts)
    expected = manual_outputs(model, x)
    for act, out in zip(acts, expected, strict=True):
        assert act.shape == tuple(out.shape)
        assert act.values.dtype == torch.float32 and act.values.device.type == "cpu"
        assert not act.values.requires_grad
        torch.testing.assert_close(act.values, out)
    with torch.no_grad():
        output = model(x)
    assert torch.equal(acts[-1].values, output[0])


def test_paths_and_kinds_of_digits_cnn():
    acts = layer_activations(model_of("digits_cnn"), digit())
    assert [(a.path, a.kind, a.shape) for a in acts][:5] == [
        ("features.conv1", "Conv2d", (32, 28, 28)),
        ("features.bn1", "BatchNorm2d", (32, 28, 28)),
        ("features.relu1", "ReLU", (32, 28, 28)),
        ("features.pool1", "MaxPool2d", (32, 14, 14)),
        ("features.conv2", "Conv2d", (64, 14, 14)),
    ]
    assert [(a.path, a.shape) for a in acts][-5:] == [
        ("flatten", (3136,)), ("fc1", (128,)), ("relu3", (128,)), ("dropout", (128,)),
        ("fc2", (10,)),
    ]


def test_recurrent_kind_is_the_catalog_name():
    acts = layer_activations(model_of("rows_lstm"), digit())
    assert [(a.path, a.kind, a.shape) for a in acts] == [
        ("rows", "Flatten", (28, 28)), ("lstm", "LSTM", (128,)), ("fc", "Linear", (10,)),
    ]


def test_forward_with_activations_returns_the_output():
    model = model_of("digits_cnn").eval()
    x = digit()
    output, acts = forward_with_activations(model, x)
    with torch.no_grad():
        assert torch.equal(output, model(x))
    assert torch.equal(acts[-1].values, output[0])


def test_first_sample_of_a_batch():
    model = model_of("lenet5").eval()
    x = torch.cat([digit(), torch.rand(2, 1, 28, 28)])
    acts = layer_activations(model, x)
    alone = layer_activations(model, x[:1])
    for a, b in zip(acts, alone, strict=True):
        torch.testing.assert_close(a.values, b.values)


@pytest.mark.parametrize("training", [True, False])
def test_eval_mode_during_the_pass_and_modes_restored(training):
    model = model_of("digits_cnn")
    model.train(training)
    model.features.bn1.eval()  # one module in its own mode
    seen = []
    handle = model.features.bn1.register_forward_pre_hook(
        lambda m, _i: seen.append(model.training or m.training or model.dropout.training))
    before = {path: m.training for path, m in model.named_modules()}
    running = model.features.bn2.running_mean.clone()
    layer_activations(model, digit())
    saliency(model, digit())
    handle.remove()
    assert seen == [False, False]
    assert {path: m.training for path, m in model.named_modules()} == before
    assert torch.equal(model.features.bn2.running_mean, running)  # statistics untouched


def test_dropout_is_off():
    model = nn.Sequential(nn.Linear(4, 64), nn.Dropout(0.9))
    model.train()
    acts = layer_activations(model, torch.ones(1, 4))
    torch.testing.assert_close(acts[1].values, acts[0].values)


def test_in_place_layers_do_not_change_earlier_activations():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(inplace=True))
    with torch.no_grad():
        model[0].weight.fill_(-1.0)
        model[0].bias.zero_()
    acts = layer_activations(model, torch.ones(1, 3))
    assert torch.all(acts[0].values == -3.0)
    assert torch.all(acts[1].values == 0.0)


def test_hooks_are_removed_even_when_the_forward_fails():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2))
    with pytest.raises(RuntimeError):
        layer_activations(model, torch.ones(1, 3))
    assert all(not m._forward_hooks for m in model.modules())
    assert model.training


def test_a_leaf_called_twice_appears_twice():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    acts = layer_activations(model, torch.ones(1, 4))
    # named_modules lists a shared module once (under its first name), and it runs twice
    assert [a.path for a in acts] == ["0", "1", "0"]


def test_tuple_output_keeps_its_first_tensor():
    lstm = nn.LSTM(5, 7, batch_first=True)
    acts = layer_activations(nn.Sequential(lstm), torch.ones(1, 3, 5))
    assert acts[0].path == "0" and acts[0].kind == "LSTM" and acts[0].shape == (3, 7)


def test_a_bare_leaf_model():
    acts = layer_activations(nn.Linear(3, 2), torch.ones(1, 3))
    assert [(a.path, a.kind, a.shape) for a in acts] == [("", "Linear", (2,))]


# ---------------------------------------------------------------------------------------------
# Saliency


@pytest.mark.parametrize("name", IMAGE_TEMPLATES)
def test_saliency_of_the_top_class(name):
    model = model_of(name)
    shape = load_template(name).input_shape
    x = digit() if shape == [1, 28, 28] else torch.rand(1, *shape, generator=torch.Generator(
    ).manual_seed(0))
    x_before = x.clone()
    heat, target = saliency(model, x)
    assert heat.shape == tuple(shape[1:])
    assert heat.dtype == torch.float32 and not heat.requires_grad
    assert float(heat.min()) >= 0.0 and float(heat.max()) == pytest.approx(1.0)
    model.eval()
    with torch.no_grad():
        assert target == int(model(x)[0].argmax())
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(x, x_before) and x.grad is None


def test_saliency_of_a_chosen_class_matches_autograd():
    model = model_of("mnist_mlp").eval()
    x = digit().requires_grad_(True)
    model(x)[0, 3].backward()
    expected = x.grad[0].abs().amax(0)
    expected = expected / expected.max()
    model.zero_grad(set_to_none=True)
    heat, target = saliency(model, x.detach(), target=3)
    assert target == 3
    torch.testing.assert_close(heat, expected)


def test_saliency_leaves_existing_grads_alone():
    model = model_of("lenet5")
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    saliency(model, digit())
    assert all(torch.all(p.grad == 1.0) for p in model.parameters())


def test_saliency_of_a_constant_model_is_zero():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with torch.no_grad():
        model[1].weight.zero_()
    heat, _target = saliency(model, digit())
    assert heat.shape == (28, 28) and torch.all(heat == 0)


def test_saliency_max_over_channels():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 5, 2))
    heat, _target = saliency(model, torch.rand(1, 3, 4, 5))
    assert heat.shape == (4, 5)


def test_saliency_rejects_a_missing_class():
    with pytest.raises(ValueError, match="target 10"):
        saliency(model_of("mnist_mlp"), digit(), target=10)


# ---------------------------------------------------------------------------------------------
# Feature grid


def grid_size(count: int, height: int, width: int, gap: int = 1) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    return rows * height + (rows - 1) * gap, cols * width + (cols - 1) * gap


@pytest.mark.parametrize(("count", "expected"), [
    (1, (1, 1)), (2, (1, 2)), (3, (2, 2)), (4, (2, 2)), (5, (2, 3)), (6, (2, 3)), (16, (4, 4)),
    (32, (6, 6)), (64, (8, 8)), (0, (0, 0)),
])
def test_grid_shape(count, expected):
    assert grid_shape(count) == expected


def test_feature_grid_of_32_maps():
    grid = feature_grid(torch.rand(32, 28, 28))
    assert tuple(grid.shape) == (6 * 28 + 5, 6 * 28 + 5) == grid_size(32, 28, 28)


@pytest.mark.parametrize(("count", "size"), [(6, 28), (16, 10), (64, 7), (100, 3), (1, 5)])
def test_feature_grid_size_formula(count, size):
    grid = feature_grid(torch.rand(count, size, size))
    assert tuple(grid.shape) == grid_size(min(count, 64), size, size)


def test_feature_grid_tiles_row_by_row_with_gaps():
    maps = torch.stack([torch.arange(6.0).reshape(2, 3) * (k + 1) for k in range(5)])
    grid = feature_grid(maps)  # 5 maps → 2 rows × 3 columns of 2×3, gap 1
    assert tuple(grid.shape) == (5, 11)
    tile = torch.arange(6.0).reshape(2, 3) / 5.0  # every map normalises to the same tile
    for k in range(5):
        r, c = divmod(k, 3)
        torch.testing.assert_close(grid[r * 3: r * 3 + 2, c * 4: c * 4 + 3], tile)
    assert torch.all(torch.isnan(grid[2]))  # the gap between the rows
    assert torch.all(torch.isnan(grid[:, 3])) and torch.all(torch.isnan(grid[:, 7]))
    assert torch.all(torch.isnan(grid[3:, 8:]))  # the unused sixth cell


def test_feature_grid_normalises_each_map_and_constants_become_zero():
    maps = torch.stack([torch.full((4, 4), 7.0), torch.linspace(-5, 3, 16).reshape(4, 4)])
    grid = feature_grid(maps, gap_value=0.0)
    assert tuple(grid.shape) == (4, 9)
    assert torch.all(grid[:, :4] == 0)
    assert float(grid[:, 5:].min()) == 0.0 and float(grid[:, 5:].max()) == 1.0
    assert not torch.isnan(grid).any()


def test_feature_grid_max_maps_and_2d_input():
    assert tuple(feature_grid(torch.rand(10, 4, 4), max_maps=4).shape) == (9, 9)
    assert tuple(feature_grid(torch.rand(4, 5)).shape) == (4, 5)
    assert tuple(feature_grid(torch.rand(0, 4, 4)).shape) == (0, 0)
    with pytest.raises(ValueError):
        feature_grid(torch.rand(5))


def test_normalise_maps_ignores_non_finite_values():
    maps = torch.tensor([[[0.0, 2.0], [float("inf"), 1.0]], [[float("nan")] * 2] * 2])
    out = normalise_maps(maps)
    torch.testing.assert_close(out[0, 0], torch.tensor([0.0, 1.0]))
    assert math.isnan(out[0, 1, 0]) and out[0, 1, 1] == 0.5
    assert torch.all(torch.isnan(out[1]))
