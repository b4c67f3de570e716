"""The Trainer: events, stop, pause, non-finite loss, determinism, continuing, frozen layers,
evaluation."""

import math
import threading

import pytest
import torch

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import (
    BatchEnd,
    EpochEnd,
    TrainConfig,
    Trainer,
    TrainingError,
    evaluate,
    reset_weights,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def small(digits):
    """A 1,000-image slice of the digits on the CPU: quick to train on."""
    data = digits.on_device("cpu")
    data.train_x, data.train_y = data.train_x[:1000], data.train_y[:1000]
    data.val_x, data.val_y = data.val_x[:500], data.val_y[:500]
    return data


def mlp(seed=0):
    model = build(load_template("mnist_mlp"))
    reset_weights(model, seed)
    return model


def kinds(events):
    return [e.kind for e in events]


def test_events_in_order_with_plain_numbers(small):
    events = list(Trainer(mlp(), small, TrainConfig(epochs=2, batch_size=100)).run())
    assert kinds(events) == (["started"] + ["batch"] * 10 + ["epoch"]) * 1 + (
        ["batch"] * 10 + ["epoch"]) + ["finished"]
    batch = next(e for e in events if isinstance(e, BatchEnd))
    epoch = next(e for e in events if isinstance(e, EpochEnd))
    assert isinstance(batch.loss, float) and math.isfinite(batch.loss)
    assert batch.samples_per_s > 0 and batch.global_step == 1
    for value in (epoch.train_loss, epoch.val_loss, epoch.val_accuracy, epoch.lr, epoch.seconds):
        assert type(value) is float
    assert events[0].steps_per_epoch == 10 and events[0].train_size == 1000


def test_training_learns_the_digits(digits):
    model = mlp()
    history = Trainer(model, digits, TrainConfig(epochs=2)).train()
    assert history[-1].val_accuracy > 0.88
    assert history[-1].train_loss < history[0].train_loss


def test_same_seed_same_weights_on_cpu(small):
    def run():
        model = build(load_template("digits_cnn"))
        reset_weights(model, 7)
        Trainer(model, small, TrainConfig(epochs=1, batch_size=200, seed=7, augment=True)).train()
        return model.state_dict()

    first, second = run(), run()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_stop_flag_ends_mid_epoch_with_a_usable_model(small):
    stop = threading.Event()
    model = mlp()
    events = []
    for event in Trainer(model, small, TrainConfig(epochs=3, batch_size=50), stop=stop).run():
        events.append(event)
        if isinstance(event, BatchEnd) and event.step == 3:
            stop.set()
    assert events[-1].kind == "stopped" and events[-1].reason == "user"
    assert events[-1].epoch == 1 and events[-1].step == 3
    assert not model.training
    out = model(small.val_x[:5])
    assert torch.isfinite(out).all()


def test_pause_waits_between_batches_and_resumes(small):
    pause = threading.Event()
    trainer = Trainer(mlp(), small, TrainConfig(epochs=1, batch_size=250), pause=pause)
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, BatchEnd) and event.step == 2:
            pause.set()
            threading.Timer(0.1, pause.clear).start()
    assert kinds(events) == ["started", "batch", "batch", "paused", "resumed", "batch", "batch",
                             "epoch", "finished"]


def test_non_finite_loss_stops_and_restores_the_last_good_weights(small):
    model = mlp()
    config = TrainConfig(epochs=3, batch_size=100)
    trainer = Trainer(model, small, config)
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, EpochEnd):
            good = {k: v.clone() for k, v in model.state_dict().items()}
            with torch.no_grad():  # poison the weights: the next loss is NaN
                model.fc3.weight.fill_(float("nan"))
    stopped = events[-1]
    assert stopped.kind == "stopped" and stopped.reason == "non_finite"
    assert "end of epoch 1" in stopped.message and "lower learning rate" in stopped.message
    assert all(torch.equal(model.state_dict()[k], good[k]) for k in good)


def test_huge_learning_rate_is_caught(small):
    model = mlp()
    config = TrainConfig(epochs=2, batch_size=100, optimizer="sgd", lr=1e6, momentum=0.0)
    events = list(Trainer(model, small, config).run())
    assert events[-1].kind == "stopped" and events[-1].reason == "non_finite"
    assert all(torch.isfinite(p).all() for p in model.parameters())
    with torch.no_grad():
        assert torch.isfinite(model(small.val_x)).all()


def test_training_again_continues_from_the_current_weights(small):
    model = mlp()
    first = list(Trainer(model, small, TrainConfig(epochs=3, batch_size=100)).run())
    first_loss = next(e.loss for e in first if isinstance(e, BatchEnd))
    trained_loss = evaluate(model, small.val_x, small.val_y, 10).loss
    second = list(Trainer(model, small, TrainConfig(epochs=1, batch_size=100, seed=1)).run())
    second_loss = next(e.loss for e in second if isinstance(e, BatchEnd))
    assert second_loss < 0.6 * first_loss  # it starts where the first run ended
    assert second_loss == pytest.approx(trained_loss, rel=0.5)


def test_only_trainable_parameters_are_optimised(small):
    spec = load_template("mnist_mlp")
    spec.find("fc1").frozen = True
    model = build(spec)
    before = model.fc1.weight.clone()
    trainer = Trainer(model, small, TrainConfig(epochs=1, batch_size=100, weight_decay=0.1))
    trainer.train()
    assert torch.equal(model.fc1.weight, before)
    optimised = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    assert id(model.fc1.weight) not in optimised and id(model.fc2.weight) in optimised


def test_everything_frozen_is_a_clear_failure(small):
    model = mlp()
    model.requires_grad_(False)
    events = list(Trainer(model, small, TrainConfig(epochs=1)).run())
    assert events[-1].kind == "failed" and "nothing to train" in events[-1].message
    assert events[-1].reason == "error"


def test_output_that_does_not_fit_the_classes_fails_before_training(small):
    spec = load_template("mnist_mlp")
    spec.find("fc3").args["out_features"] = 7
    events = list(Trainer(build(spec), small, TrainConfig(epochs=1)).run())
    assert [e.kind for e in events] == ["failed"]
    assert "has 10 classes" in events[0].message


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("schedule", ["none", "step", "cosine", "onecycle"])
def test_optimizers_and_schedules_train(small, optimizer, schedule):
    lr = 0.05 if optimizer == "sgd" else 2e-3
    config = TrainConfig(epochs=3, batch_size=50, optimizer=optimizer, schedule=schedule, lr=lr)
    events = list(Trainer(mlp(), small, config).run())
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert epochs[-1].val_accuracy > 0.4  # chance is 0.1
    lrs = [e.lr for e in events if isinstance(e, BatchEnd)]
    if schedule == "none":
        assert set(lrs) == {lr}
    elif schedule == "step":  # a tenth after each third of the epochs
        assert [e.lr for e in epochs] == pytest.approx([lr, lr / 10, lr / 100])
    elif schedule == "cosine":
        assert lrs[-1] < lr / 100 and lrs == sorted(lrs, reverse=True)
    else:  # one-cycle: up to the peak, then down
        peak = lrs.index(max(lrs))
        assert max(lrs) == pytest.approx(lr) and 0 < peak < len(lrs) - 1


@pytest.mark.parametrize("loss", ["nll", "mse"])
def test_other_losses(small, loss):
    spec = load_template("mnist_mlp")
    if loss == "nll":
        from netbuilder.core.spec import LayerSpec
        spec.items.append(LayerSpec("LogSoftmax", "log_softmax", {"dim": 1}))
    model = build(spec)
    history = Trainer(model, small, TrainConfig(epochs=2, batch_size=100, loss=loss,
                                                lr=3e-3)).train()
    assert history[-1].val_accuracy > 0.6


@pytest.mark.parametrize("change, message", [
    ({"batch_size": 0}, "batch size: expected an integer ≥ 1"),
    ({"batch_size": 5000}, "larger than the 1000 training images"),
    ({"lr": 0.0}, "learning rate: expected a number > 0"),
    ({"lr": -1.0}, "learning rate"),
    ({"optimizer": "adagrad"}, "optimizer: expected one of"),
    ({"epochs": 0}, "epochs: expected an integer ≥ 1"),
])
def test_bad_settings_are_refused(small, change, message):
    with pytest.raises(TrainingError, match=message):
        Trainer(mlp(), small, TrainConfig(**change))


def test_evaluation_reports_confusion_and_confident_mistakes(small):
    model = mlp()
    Trainer(model, small, TrainConfig(epochs=2, batch_size=100)).train()
    result = evaluate(model, small.val_x, small.val_y, 10, top_wrong=5)
    assert result.count == 500
    diagonal = sum(result.confusion[i][i] for i in range(10))
    assert result.accuracy == pytest.approx(diagonal / 500)
    assert len(result.per_class_accuracy) == 10
    wrong = result.most_confident_wrong
    assert 0 < len(wrong) <= 5
    assert all(w.true != w.predicted for w in wrong)
    assert [w.confidence for w in wrong] == sorted((w.confidence for w in wrong), reverse=True)
    assert int(small.val_y[wrong[0].index]) == wrong[0].true


def test_reset_weights_is_seeded():
    a, b = mlp(seed=3), mlp(seed=3)
    assert torch.equal(a.fc1.weight, b.fc1.weight)
    assert not torch.equal(a.fc1.weight, mlp(seed=4).fc1.weight)
