"""Resuming a run bit for bit, best weights, early stopping, and the resume state's payload.

Every comparison of weights here is ``torch.equal``: a run stopped and continued (through
torch.save and torch.load(weights_only=True), into a new model) must give exactly the weights of
the run that never stopped, on the CPU with the same seed.
"""

from __future__ import annotations

import dataclasses
import io
import math
import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resume import RNG_STATE_BYTES, ResumeError, ResumePoint
from netbuilder.core.spec import LayerSpec, NetworkSpec
from netbuilder.core.training import (
    BatchEnd,
    EpochEnd,
    Started,
    Stopped,
    TrainConfig,
    Trainer,
    history_dicts,
    reset_weights,
)

TIMING = ("seconds", "samples_per_s")  # the only fields of an epoch that may differ


@pytest.fixture(scope="module")
def small():
    """600 training and 200 validation digits on the CPU: 12 batches of 50 per epoch."""
    data = load_digits().on_device("cpu")
    data.train_x, data.train_y = data.train_x[:600], data.train_y[:600]
    data.val_x, data.val_y = data.val_x[:200], data.val_y[:200]
    return data


def spec(hidden: int = 32) -> NetworkSpec:
    """Random layers (Dropout) and running statistics (BatchNorm) both take part."""
    return NetworkSpec([1, 28, 28], [
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc1", {"in_features": 784, "out_features": hidden}),
        LayerSpec("BatchNorm1d", "bn1", {"num_features": hidden}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Dropout", "drop", {"p": 0.3}),
        LayerSpec("Linear", "fc2", {"in_features": hidden, "out_features": 10}),
    ], num_classes=10)


def net(seed: int = 0, hidden: int = 32):
    model = build(spec(hidden))
    reset_weights(model, seed)
    return model


CONFIGS = {
    "adam+cosine": TrainConfig(optimizer="adam", lr=3e-3, schedule="cosine", batch_size=50,
                               epochs=4, seed=3, augment=True),
    "sgd+onecycle": TrainConfig(optimizer="sgd", lr=0.1, momentum=0.9, schedule="onecycle",
                                batch_size=50, epochs=4, seed=5, augment=True),
}


def drive(trainer: Trainer, stop_when=lambda event: False) -> list:
    """Run to the end, setting the stop flag right after the event ``stop_when`` picks."""
    events = []
    for event in trainer.run():
        events.append(event)
        if stop_when(event):
            trainer.stop.set()
    return events


def through_a_file(value):
    buffer = io.BytesIO()
    torch.save(value, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def saved(point: ResumePoint) -> ResumePoint:
    return ResumePoint.from_payload(through_a_file(point.to_payload()))


def reloaded(model) -> torch.nn.Module:
    """A new model of the same spec (other initial weights) holding ``model``'s saved weights."""
    fresh = net(seed=99)
    fresh.load_state_dict(through_a_file(model.state_dict()))
    return fresh


def equal_weights(a, b) -> bool:
    a = a if isinstance(a, dict) else a.state_dict()
    b = b if isinstance(b, dict) else b.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def without_timing(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


@pytest.fixture(scope="module")
def uninterrupted(small):
    """Each configuration trained for its 4 epochs in one go."""
    runs = {}
    for name, config in CONFIGS.items():
        model = net()
        trainer = Trainer(model, small, config)
        events = drive(trainer)
        assert events[-1].kind == "finished"
        runs[name] = model, trainer
    return runs


# ---------------------------------------------------------------------------------------------
# Exact resume


@pytest.mark.parametrize("name", CONFIGS)
def test_two_epochs_then_two_more_give_the_weights_of_four(small, uninterrupted, name):
    config = CONFIGS[name]
    first = net()
    trainer = Trainer(first, small, config)
    events = drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == 2)
    assert events[-1] == Stopped("user", "stopped at epoch 3, step 0", 3, 0)
    point = saved(trainer.resume_point())
    assert (point.epochs_done, point.step, point.global_step) == (2, 0, 24)
    assert point.order is None and not point.finished and point.resumes(config)

    second = reloaded(first)
    resumed = Trainer(second, small, config, resume=point)
    assert resumed.resumed and resumed.moments_kept
    events = drive(resumed)
    assert events[0] == Started(4, 12, 600, 200, "cpu", first_epoch=3, first_step=0,
                                global_step=24)
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [3, 4]
    assert next(e for e in events if isinstance(e, BatchEnd)).global_step == 25
    assert events[-1].kind == "finished"

    whole, whole_trainer = uninterrupted[name]
    assert equal_weights(second, whole)
    end = resumed.resume_point()
    assert end.ended == "finished" and end.finished and not end.resumes(config)
    assert without_timing(end.history) == without_timing(history_dicts(whole_trainer.history))
    assert resumed.best == whole_trainer.best
    assert equal_weights(resumed.best_weights, whole_trainer.best_weights)


@pytest.mark.parametrize("name, batches", [("adam+cosine", 5), ("sgd+onecycle", 17)])
def test_a_stop_in_the_middle_of_an_epoch_goes_on_at_the_next_batch(small, uninterrupted,
                                                                    name, batches):
    config = CONFIGS[name]
    first = net()
    trainer = Trainer(first, small, config)
    count = iter(range(1, 1000))
    events = drive(trainer, lambda e: isinstance(e, BatchEnd) and next(count) == batches)
    epoch, step = batches // 12 + 1, batches % 12
    assert events[-1] == Stopped("user", f"stopped at epoch {epoch}, step {step}", epoch, step)
    point = saved(trainer.resume_point())
    assert (point.epochs_done, point.step, point.global_step) == (epoch - 1, step, batches)
    assert point.seen == step * 50 and len(point.order) == len(point.predicted) == 600

    resumed = Trainer(reloaded(first), small, config, resume=point)
    assert resumed.resumed
    events = drive(resumed)
    assert events[0].first_epoch == epoch and events[0].first_step == step
    first_batch = next(e for e in events if isinstance(e, BatchEnd))
    assert (first_batch.epoch, first_batch.step, first_batch.global_step) == (
        epoch, step + 1, batches + 1)
    whole, whole_trainer = uninterrupted[name]
    assert equal_weights(resumed.model, whole)
    # The interrupted epoch's training loss and accuracy count all its batches, as in one go.
    assert without_timing(resumed.resume_point().history) == without_timing(
        history_dicts(whole_trainer.history))


def test_stopping_twice_and_a_stop_before_the_first_batch(small, uninterrupted):
    """Stop at epoch 1 step 7, resume, stop again at once (before any batch), resume again,
    stop after epoch 3's end, and finish: still the uninterrupted weights."""
    config = CONFIGS["adam+cosine"]
    model = net()
    trainer = Trainer(model, small, config)
    drive(trainer, lambda e: isinstance(e, BatchEnd) and e.global_step == 7)
    point = saved(trainer.resume_point())
    model = reloaded(model)
    trainer = Trainer(model, small, config, resume=point)
    trainer.stop.set()
    events = drive(trainer)
    assert [e.kind for e in events] == ["started", "stopped"]
    assert (events[-1].epoch, events[-1].step) == (1, 7)
    again = saved(trainer.resume_point())
    assert (again.epochs_done, again.step, again.global_step) == (0, 7, 7)
    assert torch.equal(again.generator, point.generator) and torch.equal(again.rng, point.rng)
    model = reloaded(model)
    trainer = Trainer(model, small, config, resume=again)
    drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == 3)
    model = reloaded(model)
    trainer = Trainer(model, small, config, resume=saved(trainer.resume_point()))
    assert drive(trainer)[-1].kind == "finished"
    assert equal_weights(model, uninterrupted["adam+cosine"][0])


def test_a_stop_before_the_first_epoch_resumes_from_the_start(small, uninterrupted):
    config = CONFIGS["sgd+onecycle"]
    model = net()
    trainer = Trainer(model, small, config)
    trainer.stop.set()
    assert [e.kind for e in drive(trainer)] == ["started", "stopped"]
    point = saved(trainer.resume_point())
    assert (point.epochs_done, point.step, point.best) == (0, 0, None)
    trainer = Trainer(reloaded(model), small, config, resume=point)
    assert trainer.resumed and drive(trainer)[-1].kind == "finished"
    assert equal_weights(trainer.model, uninterrupted["sgd+onecycle"][0])


# ---------------------------------------------------------------------------------------------
# Not resumed: other settings (moments kept), another optimizer or network (ignored)


def stopped_after_two_epochs(small, config):
    model = net()
    trainer = Trainer(model, small, config)
    drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == 2)
    return model, saved(trainer.resume_point())


def adam_step(optimizer_state: dict) -> float:
    return float(optimizer_state["state"][0]["step"])


def test_changed_settings_start_a_new_run_with_adams_moments(small):
    config = CONFIGS["adam+cosine"]
    model, point = stopped_after_two_epochs(small, config)
    assert adam_step(point.optimizer) == 24
    changed = dataclasses.replace(config, lr=1e-3, epochs=1)
    assert not point.resumes(changed) and point.differences(changed) == [
        "epochs 4 → 1", "lr 0.003 → 0.001"]
    trainer = Trainer(reloaded(model), small, changed, resume=point)
    assert not trainer.resumed and trainer.moments_kept
    events = drive(trainer)
    assert events[0] == Started(1, 12, 600, 200, "cpu")  # a new run: epoch 1, step 0
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1]
    state = trainer.optimizer.state_dict()
    assert adam_step(state) == 24 + 12  # the moments went on
    assert state["param_groups"][0]["lr"] < 1e-3  # the new run's own cosine schedule
    assert state["param_groups"][0]["initial_lr"] == 1e-3
    assert len(trainer.resume_point().history) == 1

    cold = Trainer(reloaded(model), small, changed)
    drive(cold)
    assert adam_step(cold.optimizer.state_dict()) == 12
    assert not equal_weights(cold.model, trainer.model)


def _plain_optimizer(config, params):
    """The optimizer as netbuilder made it before it chose torch's fused kernels."""
    kind = torch.optim.SGD if config.optimizer == "sgd" else torch.optim.Adam
    extra = {"momentum": config.momentum} if config.optimizer == "sgd" else {}
    return kind(params, lr=config.lr, weight_decay=config.weight_decay, foreach=False, **extra)


@pytest.mark.parametrize("name", CONFIGS)
def test_a_run_saved_with_the_plain_kernel_resumes_exactly_with_it(small, monkeypatch, name):
    """New runs take torch's fused kernel (a fresh optimizer's group says so); a run saved
    before keeps its own kernel when resumed, so it still ends on the weights it would have
    reached without a stop."""
    from netbuilder.core import training

    config = CONFIGS[name]
    assert training.make_optimizer(config, list(net().parameters())).param_groups[0]["fused"]
    with monkeypatch.context() as patched:
        patched.setattr(training, "make_optimizer", _plain_optimizer)
        whole = net()
        drive(Trainer(whole, small, config))
        first = net()
        trainer = Trainer(first, small, config)
        drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == 2)
        point = saved(trainer.resume_point())
    assert point.optimizer["param_groups"][0]["fused"] is None
    resumed = Trainer(reloaded(first), small, config, resume=point)
    assert resumed.resumed
    drive(resumed)
    assert resumed.optimizer.param_groups[0]["fused"] is None
    assert equal_weights(resumed.model, whole)


@pytest.mark.parametrize("kernel", [{"fused": "yes"}, {"foreach": 1}])
def test_a_saved_kernel_choice_that_is_not_a_plain_flag_is_not_resumed(small, kernel):
    config = CONFIGS["adam+cosine"]
    first = net()
    trainer = Trainer(first, small, config)
    drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == 2)
    payload = through_a_file(trainer.resume_point().to_payload())
    point = ResumePoint.from_payload(payload)
    assert Trainer(reloaded(first), small, config, resume=point).resumed
    point.optimizer["param_groups"][0].update(kernel)
    again = Trainer(reloaded(first), small, config, resume=point)
    assert not again.resumed and again.moments_kept  # a new run that keeps the moments
    drive(again)
    assert again.optimizer.param_groups[0]["fused"] is True


def test_a_changed_device_setting_still_resumes(small):
    config = CONFIGS["adam+cosine"]
    _model, point = stopped_after_two_epochs(small, config)
    assert point.resumes(dataclasses.replace(config, device="cpu"))


def test_another_optimizer_or_network_ignores_the_moments(small):
    config = CONFIGS["adam+cosine"]
    model, point = stopped_after_two_epochs(small, config)
    sgd = Trainer(reloaded(model), small, dataclasses.replace(config, optimizer="sgd"),
                  resume=point)
    assert not sgd.resumed and not sgd.moments_kept
    wider = Trainer(net(hidden=48), small, config, resume=point)
    assert not wider.resumed and not wider.moments_kept
    events = drive(wider)
    assert events[0].first_epoch == 1 and events[-1].kind == "finished"
    assert adam_step(wider.optimizer.state_dict()) == 48


def test_other_data_starts_a_new_run_keeping_the_moments(small):
    config = CONFIGS["adam+cosine"]
    model, point = stopped_after_two_epochs(small, config)
    fewer = dataclasses.replace(small, train_x=small.train_x[:500], train_y=small.train_y[:500])
    trainer = Trainer(reloaded(model), fewer, config, resume=point)
    assert not trainer.resumed and trainer.moments_kept  # 10 batches an epoch, not 12


def test_a_finished_run_is_not_resumed(small, uninterrupted):
    _model, trainer = uninterrupted["adam+cosine"]
    point = saved(trainer.resume_point())
    assert point.finished and point.ended == "finished"
    again = Trainer(net(), small, CONFIGS["adam+cosine"], resume=point)
    assert not again.resumed and again.moments_kept


# ---------------------------------------------------------------------------------------------
# Best weights and patience


OVERFIT = TrainConfig(optimizer="adam", lr=1e-2, batch_size=20, epochs=12, seed=1)


@pytest.fixture(scope="module")
def tiny(small):
    """60 training images: the validation loss bottoms out after a few epochs and then rises
    as the network learns them by heart."""
    return dataclasses.replace(small, train_x=small.train_x[:60], train_y=small.train_y[:60])


def overfitting_net():
    model = build(NetworkSpec([1, 28, 28], [
        LayerSpec("Flatten", "flatten"),
        LayerSpec("Linear", "fc1", {"in_features": 784, "out_features": 64}),
        LayerSpec("ReLU", "relu"),
        LayerSpec("Linear", "fc2", {"in_features": 64, "out_features": 10}),
    ], num_classes=10))
    reset_weights(model, 0)
    return model


@pytest.fixture(scope="module")
def overfitted(tiny):
    model = overfitting_net()
    trainer = Trainer(model, tiny, OVERFIT)
    assert trainer.best is None and trainer.best_weights is None
    events = drive(trainer)
    assert events[-1].kind == "finished"
    return model, trainer


def test_the_best_epoch_has_the_lowest_validation_loss_and_its_weights(tiny, overfitted):
    model, trainer = overfitted
    losses = [e.val_loss for e in trainer.history]
    best = trainer.best
    assert best["val_loss"] == min(losses) and losses[best["epoch"] - 1] == min(losses)
    assert 1 < best["epoch"] < OVERFIT.epochs - 2  # it overfits afterwards: a real choice
    assert best["val_accuracy"] == trainer.history[best["epoch"] - 1].val_accuracy
    assert all(v.device.type == "cpu" for v in trainer.best_weights.values())
    assert not equal_weights(trainer.best_weights, model)  # the model keeps the last ones

    again = overfitting_net()
    drive(Trainer(again, tiny, OVERFIT), lambda e: isinstance(e, EpochEnd)
          and e.epoch == best["epoch"])
    assert equal_weights(trainer.best_weights, again)
    point = trainer.resume_point()
    assert point.best == best and point.epochs_since_best == OVERFIT.epochs - best["epoch"]


def test_patience_ends_the_run_when_the_validation_loss_stops_improving(tiny, overfitted):
    _model, whole = overfitted
    best = whole.best["epoch"]
    patient = dataclasses.replace(OVERFIT, patience=2)
    model = overfitting_net()
    trainer = Trainer(model, tiny, patient)
    events = drive(trainer)
    stopped = events[-1]
    assert stopped.kind == "stopped" and stopped.reason == "early"
    assert (stopped.epoch, stopped.step) == (best + 2, 0)
    assert stopped.message == (
        f"stopped early: the validation loss has not improved for 2 epochs (best "
        f"{whole.best['val_loss']:.4g} at epoch {best})")
    assert [e.kind for e in events].count("epoch") == best + 2 < OVERFIT.epochs
    assert not model.training
    assert equal_weights(trainer.best_weights, whole.best_weights)
    point = saved(trainer.resume_point())
    assert point.ended == "early_stopped" and point.finished and not point.resumes(patient)
    assert Trainer(overfitting_net(), tiny, patient).train()[-1].epoch == best + 2  # no error


def test_patience_counts_on_across_a_resume(tiny, overfitted):
    _model, whole = overfitted
    best = whole.best["epoch"]
    patient = dataclasses.replace(OVERFIT, patience=3)
    model = overfitting_net()
    trainer = Trainer(model, tiny, patient)
    drive(trainer, lambda e: isinstance(e, EpochEnd) and e.epoch == best + 1)
    point = saved(trainer.resume_point())
    assert point.epochs_since_best == 1
    resumed = Trainer(reloaded_plain(model), tiny, patient, resume=point)
    events = drive(resumed)
    assert events[-1].reason == "early" and events[-1].epoch == best + 3
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [best + 2, best + 3]


def reloaded_plain(model):
    fresh = overfitting_net()
    fresh.load_state_dict(through_a_file(model.state_dict()))
    return fresh


def test_patience_is_a_checked_setting():
    assert TrainConfig(patience=-1).problems() == [
        "patience: expected an integer ≥ 0 (0: off), got -1"]
    assert "patience" in TrainConfig(patience=2.5).problems()[0]
    assert TrainConfig().patience == 0 and TrainConfig(patience=3).problems() == []


# ---------------------------------------------------------------------------------------------
# The payload: round trip, named refusals, fuzzing


@pytest.fixture(scope="module")
def mid_epoch_payload(small) -> dict:
    config = dataclasses.replace(CONFIGS["adam+cosine"], epochs=2)
    trainer = Trainer(net(), small, config)
    drive(trainer, lambda e: isinstance(e, BatchEnd) and e.global_step == 16)
    return trainer.resume_point().to_payload()


def assert_same_payload(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], torch.Tensor):
            assert torch.equal(a[key], b[key]), key
        elif key in ("optimizer", "best_weights"):
            assert repr(a[key]) == repr(b[key]), key
        else:
            assert a[key] == b[key], key


def test_a_payload_round_trips_through_weights_only_loading(mid_epoch_payload):
    loaded = through_a_file(mid_epoch_payload)
    point = ResumePoint.from_payload(loaded)
    assert (point.epochs_done, point.step, point.seen) == (1, 4, 200)
    assert point.best["epoch"] == 1 and point.best_weights is not None
    assert point.generator.dtype == torch.uint8 and point.rng.shape == (RNG_STATE_BYTES,)
    assert_same_payload(point.to_payload(), mid_epoch_payload)
    assert_same_payload(saved(point).to_payload(), mid_epoch_payload)


def changed(payload: dict, **changes) -> dict:
    data = dict(payload)
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    return data


@pytest.mark.parametrize("change, said", [
    ({"version": 2}, "version: is 2, not 1"),
    ({"config": {"lr": -1.0}}, "config: learning rate: expected a number > 0"),
    ({"config": {"speed": 1}}, "config: has an unknown setting 'speed'"),
    ({"epochs_done": 3}, "epochs_done: is 3, not an integer from 0 to 2"),
    ({"epochs_done": True}, "epochs_done: is True, not an integer"),
    ({"step": -1}, "step: is -1, not an integer ≥ 0"),
    ({"step": 12}, "step: is 12, but an epoch of 600 images has 12 batches of 50"),
    ({"step": 0}, "order: is given, but no batch of the epoch in progress is done"),
    ({"global_step": 2}, "global_step: is 2, fewer than the 4 steps"),
    ({"optimizer": [1]}, "optimizer: is [1], not an optimizer's state dict"),
    ({"optimizer": {"state": {}, "param_groups": []}}, "optimizer: lacks its"),
    ({"optimizer": {"state": {9: {}}, "param_groups": [{"params": [0]}]}},
     "optimizer: has a state entry 9"),
    ({"schedule": None}, "schedule: is None, not the state of the run's cosine schedule"),
    ({"schedule": {"x": {1, 2}}}, "schedule: at ['x']: is a set"),
    ({"generator": torch.zeros(5, dtype=torch.uint8)}, "generator: is a uint8 [5] tensor"),
    ({"rng": torch.zeros(RNG_STATE_BYTES)}, "rng: is a float32"),
    ({"rng": torch.empty(RNG_STATE_BYTES, dtype=torch.uint8, device="meta")},
     "rng: is on the meta device"),
    ({"order": torch.arange(600.0)}, "order: is a float32 [600] tensor, not a 1-D int64"),
    ({"order": torch.zeros(600, dtype=torch.int64)}, "order: is not a permutation"),
    ({"order": None}, "order: is missing, but 4 batches"),
    ({"predicted": torch.zeros(5, dtype=torch.int64)}, "predicted: holds 5 values for the 600"),
    ({"loss_sum": math.nan}, "loss_sum: is nan, not a finite number"),
    ({"seen": 150}, "seen: is 150, not the 200 images of 4 batches of 50"),
    ({"start_loss": "low"}, "start_loss: is 'low', not a finite number"),
    ({"best": {"epoch": 2, "val_loss": 0.5, "val_accuracy": 0.5}},
     "best epoch: is 2, not an integer from 1 to 1"),
    ({"best": {"epoch": 1}}, "best: is {'epoch': 1}, not a dict of epoch, val_loss"),
    ({"best_weights": None}, "best_weights: must be given with best"),
    ({"best_weights": {"fc1.weight": torch.eye(2).to_sparse()}},
     "best_weights: fc1.weight is a sparse_coo tensor"),
    ({"epochs_since_best": 1}, "epochs_since_best: is 1, but the best epoch is 1 of 1"),
    ({"history": []}, "history: holds 0 epochs, but the run has done 1"),
    ({"history": [{"epoch": 2}]}, "history: at [0]: its epoch is 2, not 1"),
    ({"history": "long"}, "history: is not a list of dicts"),
    ({"ended": "crashed"}, "ended: is 'crashed', not one of"),
    ({"ended": "finished"}, "ended: is 'finished' in the middle of an epoch"),
    ({"config": KeyError}, "config: is None, not a dict of settings"),
])
def test_each_field_is_checked_by_name(mid_epoch_payload, change, said):
    with pytest.raises(ResumeError) as caught:
        ResumePoint.from_payload(changed(mid_epoch_payload, **change))
    assert said in str(caught.value)


def test_an_early_stop_needs_patience(mid_epoch_payload):
    boundary = changed(mid_epoch_payload, step=0, order=None, predicted=None, seen=0,
                       loss_sum=0.0, global_step=12, ended="early_stopped")
    with pytest.raises(ResumeError, match="ended: is 'early_stopped', but patience did not"):
        ResumePoint.from_payload(boundary)
    ResumePoint.from_payload(changed(boundary, ended=""))  # the same point, interrupted


FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def odd_tensor(kind: str, shape: list[int], dtype: torch.dtype) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "sparse":
            return torch.zeros(shape or [1], dtype=torch.float32).to_sparse()
        if kind == "meta":
            return torch.empty(shape, dtype=dtype, device="meta")
        if kind == "expanded":
            return torch.zeros(1, dtype=dtype).expand(5)
        return torch.zeros(shape, dtype=dtype)


tensors = st.builds(
    odd_tensor, st.sampled_from(["dense", "dense", "dense", "sparse", "meta", "expanded"]),
    st.lists(st.integers(0, 3), max_size=3),
    st.sampled_from([torch.float32, torch.int64, torch.uint8, torch.bool, torch.complex64]))
plain = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
              st.text(max_size=8), tensors),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 3)),
                                            inner, max_size=4)),
    max_leaves=10)
FIELDS = ["version", "config", "epochs_done", "step", "global_step", "optimizer", "schedule",
          "generator", "rng", "order", "predicted", "loss_sum", "seen", "start_loss", "best",
          "best_weights", "epochs_since_best", "history", "ended"]


def refused_or_usable(data) -> None:
    try:
        point = ResumePoint.from_payload(data)
    except ResumeError as exc:
        assert str(exc)
        return
    ResumePoint.from_payload(through_a_file(point.to_payload()))  # what it gives is usable


@FUZZ
@given(st.one_of(plain, st.dictionaries(st.sampled_from(FIELDS), plain, max_size=6)))
def test_arbitrary_values_are_refused_with_a_resume_error(value):
    refused_or_usable(value)


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS + ["other"]), plain, min_size=1, max_size=3))
def test_a_real_payload_with_arbitrary_fields(mid_epoch_payload, changes):
    refused_or_usable(changed(mid_epoch_payload, **changes))


@FUZZ
@given(st.sampled_from(FIELDS), st.sampled_from(["epochs", "lr", "patience", "batch_size",
                                                  "augment", "seed", "loss"]), plain)
def test_a_real_payload_with_arbitrary_settings_or_missing_fields(mid_epoch_payload, gone,
                                                                  setting, value):
    refused_or_usable(changed(mid_epoch_payload, **{gone: KeyError}))
    config = {**mid_epoch_payload["config"], setting: value}
    refused_or_usable(changed(mid_epoch_payload, config=config))
