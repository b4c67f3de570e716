"""Training events cross threads as they are: frozen dataclasses of plain values."""

import dataclasses
import typing

import pytest

from netbuilder.core import training, training_events
from netbuilder.core.health import Health


def event_classes():
    return typing.get_args(training_events.Event)


def test_every_event_is_a_frozen_dataclass_with_its_kind():
    kinds = set()
    for cls in event_classes():
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls
        kinds.add(dataclasses.fields(cls)[-1].default)
        assert dataclasses.fields(cls)[-1].name == "kind"
    assert kinds == {"started", "batch", "epoch", "paused", "resumed", "stopped", "failed",
                     "finished", "health"}


def test_events_refuse_changes_and_still_import_from_training():
    event = training.Stopped("user", "stopped at epoch 1, step 3", 1, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.step = 4
    assert training.HealthReport(Health(1)).kind == "health"
    for cls in event_classes():
        assert getattr(training, cls.__name__) is cls
