"""Keeping trained weights when the architecture changes."""

import torch

from netbuilder.core import editing
from netbuilder.core.builder import build
from netbuilder.core.model_state import carry_over
from netbuilder.core.resources import load_template


def test_adding_a_layer_keeps_every_unchanged_layer():
    spec = load_template("digits_cnn")
    model = build(spec)
    spec2 = spec.copy()
    editing.insert(spec2, "", 3, [editing.new_layer(spec2, "BatchNorm1d", (1, 128))])
    new, kept = carry_over(model, spec2)
    assert {"features.conv1", "features.bn1", "features.conv2", "fc1", "fc2"} <= kept
    assert "bn1" not in kept  # the new layer has fresh weights
    assert torch.equal(new.fc1.weight, model.fc1.weight)
    assert torch.equal(new.features.bn1.running_mean, model.features.bn1.running_mean)


def test_changed_shapes_or_names_start_fresh():
    spec = load_template("mnist_mlp")
    model = build(spec)
    spec2 = spec.copy()
    editing.set_args(spec2, "fc2", {"out_features": 32})
    editing.set_args(spec2, "fc3", {"in_features": 32})
    editing.rename(spec2, "fc1", "hidden")
    new, kept = carry_over(model, spec2)
    assert kept == set()
    assert not torch.equal(new.fc2.weight[:32], model.fc2.weight[:32])
    assert carry_over(None, spec)[1] == set()
