"""A model's modules with their own tensors, freezing, and finding a tensor by name."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netbuilder.core.builder import build
from netbuilder.core.parameters import (
    apply_freeze_to_model,
    find_tensor,
    module_entries,
    structure_signature,
)
from netbuilder.core.resources import load_template, template_names


def model_of(template: str) -> nn.Sequential:
    torch.manual_seed(0)
    return build(load_template(template))


@pytest.mark.parametrize("template", template_names())
def test_entries_walk_like_torch(template):
    model = model_of(template)
    entries = module_entries(model)
    assert [e.path for e in entries] == [n for n, _ in model.named_modules()]
    assert [full for e in entries for full, _, _ in e.params] == \
        [n for n, _ in model.named_parameters()]
    assert [full for e in entries for full, _, _ in e.buffers] == \
        [n for n, _ in model.named_buffers()]
    for entry in entries[1:]:
        assert entries[entry.parent].path == entry.path.rpartition(".")[0]


def test_shared_tensors_appear_once():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(4, 2))
    model[3].weight = shared.weight
    names = [full for e in module_entries(model) for full, _, _ in e.params]
    assert names == [n for n, _ in model.named_parameters()]


def test_signature_changes_with_structure_only():
    model = nn.Sequential(nn.Linear(2, 3))
    before = structure_signature(module_entries(model))
    with torch.no_grad():
        model[0].weight.add_(1.0)
    model[0].weight.requires_grad_(False)
    assert structure_signature(module_entries(model)) == before
    model.append(nn.Linear(3, 1))
    assert structure_signature(module_entries(model)) != before


def test_apply_freeze_to_model():
    model = model_of("digits_cnn")
    assert apply_freeze_to_model(model, "features.conv1", True, is_module=True) == 1
    assert not model.features.conv1.weight.requires_grad
    assert apply_freeze_to_model(model, "fc2.bias", True, is_module=False) == 1
    assert not model.fc2.bias.requires_grad
    assert apply_freeze_to_model(model, "fc2.bias", True, is_module=False) == 0
    assert apply_freeze_to_model(model, "", False, is_module=True) == 2
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(AttributeError):
        apply_freeze_to_model(model, "nope", True, is_module=True)
    with pytest.raises(AttributeError):
        apply_freeze_to_model(model, "fc2.nope", True, is_module=False)


def test_find_tensor():
    assert find_tensor(None, "x") is None
    assert find_tensor(nn.Linear(2, 2), "") is None
    linear = nn.Linear(2, 2)
    assert find_tensor(linear, "bias") is linear.bias
    norm = nn.BatchNorm1d(2)
    assert find_tensor(norm, "running_mean") is norm.running_mean
    assert find_tensor(nn.Linear(2, 2), "nope") is None
