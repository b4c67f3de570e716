"""Training faults: weights that explode (non-finite) or diverge (huge but finite) end the run
as failed, and the model keeps checked good weights, never NaN-producing ones."""

import pytest
import torch

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import (
    DIVERGENCE_FACTOR,
    BatchEnd,
    EpochEnd,
    TrainConfig,
    Trainer,
    divergence_limit,
    reset_weights,
)


@pytest.fixture(scope="module")
def small():
    """1,000 training and 300 validation digits on the CPU."""
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:1000], data.train_y[:1000]
    data.val_x, data.val_y = data.val_x[:300], data.val_y[:300]
    return data


def mlp():
    model = build(load_template("mnist_mlp"))
    reset_weights(model, 0)
    return model


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def same(model, expected):
    state = model.state_dict()
    return state.keys() == expected.keys() and all(
        torch.equal(state[k], expected[k]) for k in expected)


def outputs_finite(model, data):
    with torch.no_grad():
        return bool(torch.isfinite(model(data.val_x)).all())


def non_batch(events):
    return [e.kind for e in events if e.kind != "batch"]


@pytest.mark.parametrize("epochs", [1, 2])
def test_exploding_weights_fail_and_leave_the_weights_from_before_the_run(small, epochs):
    """SGD at lr 1e30 on one batch per epoch: the training loss stays finite, the weights that
    come out give NaN; they used to be kept (1 epoch) or become the 'last good' ones (2)."""
    model = mlp()
    before = weights(model)
    config = TrainConfig(optimizer="sgd", lr=1e30, batch_size=1000, epochs=epochs)
    trainer = Trainer(model, small, config)
    events = list(trainer.run())
    assert non_batch(events) == ["started", "epoch", "failed"]
    failed = events[-1]
    assert failed.reason == "non_finite"
    assert "at epoch 1" in failed.message
    assert "the network was left as it was before this run" in failed.message
    assert same(model, before)
    assert outputs_finite(model, small)
    assert trainer.history == []  # the exploded epoch never counts as done


@pytest.mark.parametrize("optimizer, lr_after_epoch_1, reason", [
    ("sgd", 1e30, "non_finite"),
    ("adam", 1e6, "diverged"),
])
def test_an_epoch_that_explodes_restores_the_epoch_before(small, optimizer, lr_after_epoch_1,
                                                          reason):
    model = mlp()
    lr = 0.05 if optimizer == "sgd" else 1e-3
    trainer = Trainer(model, small, TrainConfig(optimizer=optimizer, lr=lr, batch_size=1000,
                                                epochs=2))
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, EpochEnd) and event.epoch == 1:
            epoch_1 = weights(model)
            for group in trainer.optimizer.param_groups:
                group["lr"] = lr_after_epoch_1
    assert non_batch(events) == ["started", "epoch", "epoch", "failed"]
    failed = events[-1]
    assert failed.reason == reason
    assert "at epoch 2" in failed.message
    assert "the weights of epoch 1 were restored" in failed.message
    assert same(model, epoch_1)
    assert outputs_finite(model, small)
    assert [e.epoch for e in trainer.history] == [1]


def test_adam_at_a_huge_learning_rate_diverges(small):
    """Adam at lr 1e6 keeps the loss finite (about 1e19) but useless: that is a failure too."""
    model = mlp()
    before = weights(model)
    events = list(Trainer(model, small, TrainConfig(optimizer="adam", lr=1e6, batch_size=100,
                                                    epochs=2)).run())
    assert non_batch(events) == ["started", "epoch", "failed"]
    failed = events[-1]
    assert failed.reason == "diverged"
    assert failed.message.startswith("training diverged: the validation loss rose from")
    assert "limit 2303" in failed.message  # 1000 times ln(10), the loss of guessing
    assert same(model, before)
    assert outputs_finite(model, small)


def test_training_again_after_an_explosion_starts_from_clean_optimizer_state(small):
    """The momentum gathered from exploding steps is rolled back with the weights: a second run
    on the same trainer (as the window's 'train again' does) learns instead of exploding."""
    model = mlp()
    trainer = Trainer(model, small, TrainConfig(optimizer="sgd", lr=1e4, momentum=0.9,
                                                batch_size=100, epochs=1))
    first = list(trainer.run())[-1]
    assert first.kind == "stopped" and first.reason == "non_finite"
    trainer.config.lr, trainer.config.epochs = 0.05, 2
    events = list(trainer.run())
    assert events[-1].kind == "finished"
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert trainer.history[-1].val_loss < 2.3  # below guessing (ln 10): it learns


def test_a_user_stop_never_keeps_non_finite_weights(small):
    model = mlp()
    before = weights(model)
    trainer = Trainer(model, small, TrainConfig(batch_size=100, epochs=1))
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, BatchEnd) and event.step == 2:
            with torch.no_grad():  # as if the last step had blown up
                model.fc2.weight.fill_(float("inf"))
            trainer.stop.set()
    stopped = events[-1]
    assert stopped.kind == "stopped" and stopped.reason == "user"
    assert "the network was left as it was before this run" in stopped.message
    assert same(model, before)


def test_a_normal_run_finishes(small):
    trainer = Trainer(mlp(), small, TrainConfig(batch_size=50, epochs=2))
    events = list(trainer.run())
    assert events[-1].kind == "finished"
    assert [e.epoch for e in trainer.history] == [1, 2]
    assert trainer.history[-1].val_accuracy > 0.6  # chance is 0.1


@pytest.mark.parametrize("optimizer, lr", [("adam", 3e-2), ("sgd", 0.5), ("rmsprop", 1e-2)])
def test_noisy_runs_are_not_taken_for_diverged(small, optimizer, lr):
    """Too fast for good results (their validation loss wobbles up and down), yet far from
    exploding: such runs finish, and the person reads the curves."""
    trainer = Trainer(mlp(), small, TrainConfig(optimizer=optimizer, lr=lr, batch_size=100,
                                                epochs=2))
    events = list(trainer.run())
    assert events[-1].kind == "finished"
    assert [e.epoch for e in trainer.history] == [1, 2]


def test_the_divergence_limit_is_far_above_guessing_and_the_start():
    assert divergence_limit("cross_entropy", 10, 2.3) == pytest.approx(
        DIVERGENCE_FACTOR * 2.302585)
    assert divergence_limit("mse", 10, 0.1) == DIVERGENCE_FACTOR  # never below 1000 x 1
    assert divergence_limit("cross_entropy", 10, 40.0) == DIVERGENCE_FACTOR * 40.0
