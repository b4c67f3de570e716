"""The training controller alone: a real session (the model), the views replaced by a fake that
records every signal the controller sends them. No MainWindow."""

from dataclasses import replace

import pytest

from netbuilder.core.data import load_digits
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.core.runs import Run
from netbuilder.gui.controllers.training import TrainingController
from netbuilder.gui.model.session import Session

SIGNALS = ("running_changed", "busy", "downloading", "status_changed", "message", "progress",
           "progress_cleared", "run_started", "run_length", "batches", "epoch_ended",
           "evaluated", "evaluation_cleared", "health_measured")


class FakeViews:
    """Stands in for the panel, plots, evaluation view and status bar: it only listens."""

    def __init__(self, controller: TrainingController):
        self.calls: list[tuple[str, tuple]] = []
        for name in SIGNALS:
            getattr(controller, name).connect(
                lambda *args, name=name: self.calls.append((name, args)))

    def names(self) -> list[str]:
        return [name for name, _args in self.calls]

    def last(self, name: str) -> tuple:
        return [args for n, args in self.calls if n == name][-1]


@pytest.fixture
def digits():
    return load_digits(seed=0)


@pytest.fixture
def setup(qtbot):
    session = Session(Project(load_template("mnist_mlp"), "digits",
                              {"epochs": 1, "batch_size": 500, "device": "cpu"}))
    controller = TrainingController(session)
    views = FakeViews(controller)
    yield session, controller, views
    controller.shutdown()


def run_to_end(qtbot, controller, **kwargs) -> None:
    controller.start_run(**kwargs)
    qtbot.waitUntil(lambda: not controller.running, timeout=120_000)


def test_a_run_streams_to_the_views_and_is_recorded_in_the_session(qtbot, setup, digits):
    session, controller, views = setup
    run_to_end(qtbot, controller, dataset=digits)
    names = views.names()
    # the freshly built model clears any evaluation of earlier weights first
    assert names[:4] == ["evaluation_cleared", "run_started", "busy", "status_changed"]
    assert views.calls[2] == ("busy", (True, False))
    assert names.index("run_length") < names.index("batches") < names.index("epoch_ended")
    assert views.last("busy") == (False, False) and views.last("running_changed") == (False,)
    steps, losses, lrs = views.last("batches")
    assert steps[-1] == 16 and len(losses) == len(lrs) and all(isinstance(x, float) for x in losses)
    event = views.last("epoch_ended")[0]
    assert event.epoch == 1 and 0.5 < event.val_accuracy <= 1
    result, images, labels, class_names = views.last("evaluated")
    assert len(labels) == len(images) == len(digits.val_labels) and class_names[0] == "0"
    assert "Finished: validation accuracy" in views.last("status_changed")[0]
    [run] = session.runs
    assert isinstance(run, Run) and run.final["epochs_done"] == 1 and len(run.epochs) == 1
    assert run.epochs[0]["global_step"] == 16 and session.dirty
    assert session.document.trained_paths == {"fc1", "fc2", "fc3"}
    assert not session.document.locked


def test_a_user_stop_still_evaluates_the_weights_it_leaves(qtbot, setup, digits):
    session, controller, views = setup
    session.update_config(epochs=50, batch_size=64)
    controller.start_run(dataset=digits)
    qtbot.waitUntil(lambda: "batches" in views.names(), timeout=60_000)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    assert session.runs[-1].final["stopped"] == "user"
    assert "evaluated" in views.names()  # the stop case no longer swallows the evaluation


def test_pause_and_resume_tell_the_panel(qtbot, setup, digits):
    session, controller, views = setup
    session.update_config(epochs=50, batch_size=64)
    controller.start_run(dataset=digits)
    qtbot.waitUntil(lambda: "batches" in views.names(), timeout=60_000)
    controller.pause_or_resume()
    qtbot.waitUntil(lambda: controller.paused, timeout=30_000)
    assert views.last("busy") == (True, True)
    assert views.last("status_changed")[0].startswith("Paused at epoch")
    controller.pause_or_resume()
    qtbot.waitUntil(lambda: not controller.paused, timeout=30_000)
    assert views.last("busy") == (True, False)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)


def test_a_network_with_shape_errors_does_not_start(setup):
    session, controller, views = setup
    session.document.edit("break", lambda spec: spec.find("fc2").args.update(in_features=5))
    controller.start_run()
    assert not controller.running and "busy" not in views.names()
    assert views.last("status_changed")[0].startswith("The network cannot run yet: fc2")
    assert session.runs == []


def test_a_diverging_run_fails_and_keeps_the_weights_it_had(qtbot, setup, digits):
    session, controller, views = setup
    session.update_config(optimizer="sgd", lr=1e30, batch_size=8000, epochs=2)
    model = controller.ensure_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run_to_end(qtbot, controller, dataset=digits)
    text = views.last("status_changed")[0]
    assert "non-finite" in text and "left as it was before this run" in text
    after = session.model.state_dict()
    assert all(bool((after[k] == v).all()) for k, v in before.items())
    assert session.document.trained_paths == set()


def test_reset_clears_what_belonged_to_the_old_weights(setup):
    session, controller, views = setup
    controller.reset()
    assert {"evaluation_cleared", "progress_cleared"} <= set(views.names())
    assert views.last("status_changed") == ("Weights reset: the network is untrained.",)
    assert session.model is not None and session.document.trained_paths == set()


def test_a_new_project_clears_the_views_of_the_old_one(setup):
    session, controller, views = setup
    controller.optimizer_state = {"state": {}}
    session.load(Project(load_template("lenet5")))
    assert views.last("status_changed") == ("",)
    assert views.last("run_started") == ("",)
    assert {"evaluation_cleared", "progress_cleared"} <= set(views.names())
    assert controller.optimizer_state is None


def test_fine_tuning_needs_examples(setup):
    _session, controller, _views = setup
    assert controller.fine_tune([]) == "Add a few labelled drawings first."


def test_settings_come_from_the_session(qtbot, setup, digits):
    session, controller, views = setup
    session.set_config(replace(session.config, epochs=2, batch_size=1000))
    run_to_end(qtbot, controller, dataset=digits)
    assert views.last("run_length") == (16, 2)
    assert session.runs[-1].settings["batch_size"] == 1000
