"""The optimizer a training configuration names: torch's fused kernel where there is one."""

from __future__ import annotations

import pytest
import torch

from netbuilder.core.optimization import kernel_of, make_optimizer, resumed_groups
from netbuilder.core.train_config import TrainConfig


def _params(seed: int = 0, dtype=torch.float32) -> list[torch.nn.Parameter]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(shape, generator=generator).to(dtype))
            for shape in ((16, 8), (16,), (4, 16))]


def _train(optimizer: torch.optim.Optimizer, params, steps: int = 20) -> None:
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        optimizer.zero_grad()
        x = torch.randn(32, 8, generator=generator).to(params[0].dtype)
        loss = ((x @ params[0].T + params[1]).relu() @ params[2].T).square().mean()
        loss.backward()
        optimizer.step()


PLAIN = {
    "adam": lambda c, p: torch.optim.Adam(p, lr=c.lr, weight_decay=c.weight_decay,
                                          foreach=False),
    "adamw": lambda c, p: torch.optim.AdamW(p, lr=c.lr, weight_decay=c.weight_decay,
                                            foreach=False),
    "sgd": lambda c, p: torch.optim.SGD(p, lr=c.lr, momentum=c.momentum,
                                        weight_decay=c.weight_decay, foreach=False),
    "rmsprop": lambda c, p: torch.optim.RMSprop(p, lr=c.lr, momentum=c.momentum,
                                                weight_decay=c.weight_decay, foreach=False),
}


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
def test_adam_adamw_and_sgd_take_the_fused_kernel_and_do_the_plain_loops_arithmetic(name):
    config = TrainConfig(optimizer=name, lr=0.01, momentum=0.9, weight_decay=1e-3)
    fused_params, plain_params = _params(), _params()
    fused = make_optimizer(config, fused_params)
    assert fused.param_groups[0]["fused"] is True
    _train(fused, fused_params)
    _train(PLAIN[name](config, plain_params), plain_params)
    assert not torch.equal(fused_params[0], _params()[0])  # it trained
    for a, b in zip(fused_params, plain_params, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_rmsprop_takes_the_multi_tensor_kernel_bit_for_bit():
    config = TrainConfig(optimizer="rmsprop", lr=0.01, momentum=0.9, weight_decay=1e-3)
    ours, plain_params = _params(), _params()
    optimizer = make_optimizer(config, ours)
    assert optimizer.param_groups[0]["foreach"] is True
    _train(optimizer, ours)
    _train(PLAIN["rmsprop"](config, plain_params), plain_params)
    assert all(torch.equal(a, b) for a, b in zip(ours, plain_params, strict=True))


def test_parameters_without_a_fused_kernel_fall_back_to_the_multi_tensor_one():
    params = [torch.nn.Parameter(torch.zeros(3, dtype=torch.complex64))]
    optimizer = make_optimizer(TrainConfig(optimizer="adam"), params)
    assert optimizer.param_groups[0]["fused"] is None
    assert optimizer.param_groups[0]["foreach"] is True


FRESH = {"lr": 0.001, "foreach": None, "fused": True}


@pytest.mark.parametrize("saved, kept", [
    ({"foreach": None, "fused": None}, {"foreach": None, "fused": None}),  # saved before fused
    ({"foreach": True, "fused": None}, {"foreach": True, "fused": None}),
    ({"foreach": None, "fused": True}, {"foreach": None, "fused": True}),
    ({"foreach": None, "fused": "yes"}, {"foreach": None, "fused": True}),  # not a flag
    ({"foreach": 1, "fused": None}, {"foreach": None, "fused": True}),
    ({}, {"foreach": None, "fused": None}),  # keys missing: alike() refuses such a group
    ("not a group", {"foreach": None, "fused": True}),
])
def test_a_resumed_group_keeps_its_saved_kernel_when_that_is_a_plain_choice(saved, kept):
    assert kernel_of(saved, FRESH) == kept


def test_a_saved_fused_kernel_is_not_kept_where_this_device_has_none():
    here = {"lr": 0.001, "foreach": True, "fused": None}
    assert kernel_of({"foreach": None, "fused": True}, here) == {"foreach": True, "fused": None}


def test_resumed_groups_take_each_saved_groups_kernel_and_tolerate_any_saved_value():
    fresh = [dict(FRESH), dict(FRESH)]
    saved = [{"fused": None, "foreach": False}]
    assert resumed_groups(saved, fresh) == [
        {"lr": 0.001, "foreach": False, "fused": None}, dict(FRESH)]
    assert resumed_groups(None, fresh) == fresh
    assert resumed_groups("junk", fresh) == fresh
