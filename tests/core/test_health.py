"""Training health: gradient norms, update/weight ratios, dead units, diagnosis."""

import torch
from torch import nn

from netbuilder.core import health
from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import HealthReport, TrainConfig, Trainer, reset_weights


def small_data():
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:600], data.train_y[:600]
    data.val_x, data.val_y = data.val_x[:300], data.val_y[:300]
    return data


def test_trainer_reports_health_per_module():
    model = build(load_template("mnist_mlp"))
    reset_weights(model, 0)
    reports = [e.health for e in Trainer(model, small_data(), TrainConfig(epochs=1, batch_size=100),
                                         health_every=3).run() if isinstance(e, HealthReport)]
    assert [r.step for r in reports[:2]] == [3, 6]
    last = reports[-1]
    assert set(last.modules) >= {"fc1", "fc2", "fc3", "relu", "relu2"}
    fc1 = last.modules["fc1"]
    assert fc1.grad_norm > 0 and 1e-5 < fc1.update_ratio < 1.0
    assert 0.0 <= last.modules["relu"].dead_fraction <= 1.0
    assert set(last.parameter_grad_norms) == {n for n, _ in model.named_parameters()}


def test_update_ratio_and_gradient_norms_match_their_definitions():
    model = nn.Sequential(nn.Linear(4, 3))
    model[0].weight.grad = torch.ones(3, 4) * 2
    model[0].bias.grad = None
    norms = health.gradient_norms(model)
    assert list(norms) == ["0.weight"] and abs(norms["0.weight"] - 2 * 12 ** 0.5) < 1e-5
    before = health.snapshot(model)
    with torch.no_grad():
        model[0].weight.mul_(1.01)
        model[0].bias.mul_(1.01)
    ratio = health.update_ratios(model, before)["0"]
    assert abs(ratio - 0.01) < 1e-4


def test_dead_units_and_diagnosis():
    model = nn.Sequential(nn.Linear(4, 10), nn.ReLU())
    with torch.no_grad():
        model[0].weight.fill_(0.1)
        model[0].bias.fill_(100.0)
        model[0].bias[:6] = -100.0  # six units can never fire
    dead = health.dead_fractions(model, torch.rand(32, 4))
    assert abs(dead["1"] - 0.6) < 1e-6
    report = health.collect(10, {"0.weight": 1.0}, {"0": 0.5}, dead)
    found = report.diagnosis()
    assert any("learning rate is likely too high" in f for f in found)
    assert any("60% of 1 units never fire" in f for f in found)
    calm = health.collect(10, {"0.weight": 1.0}, {"0": 1e-3}, {"1": 0.1})
    assert calm.diagnosis() == []


def test_dead_fractions_go_into_a_copy_never_into_a_report_already_sent():
    sent = health.collect(5, {"fc.weight": 3.0}, {"fc": 1e-3}, {"relu": 0.25})
    updated = health.with_dead_fractions(sent, {"relu": 0.5, "act": 1.0})
    assert sent.modules["relu"].dead_fraction == 0.25 and "act" not in sent.modules
    assert updated.modules["relu"].dead_fraction == 0.5
    assert updated.modules["act"].dead_fraction == 1.0 and updated.modules["act"].grad_norm is None
    assert updated.modules["fc"] == sent.modules["fc"]
    assert updated.modules["fc"] is not sent.modules["fc"]
    assert updated.step == 5 and updated.parameter_grad_norms == {"fc.weight": 3.0}
