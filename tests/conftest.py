"""Shared test set-up: paths to the shipped templates."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "netbuilder" / "resources" / "templates"


@pytest.fixture
def template_path():
    def find(name: str) -> Path:
        return TEMPLATES / f"{name}.json"

    return find


# The longest check of the suite trains digits_cnn for 10 epochs in a child process (the
# README's "≥ 98 % after 10 epochs"). It starts when the session starts and runs beside the
# other tests on one thread; its test only waits for it. The result does not depend on timing.
LONG_RUN_TEST = "test_digits_cnn_with_augmentation_reaches_98_percent"


def _start_long_run():
    import os
    import subprocess
    import sys
    import tempfile

    folder = tempfile.mkdtemp(prefix="netbuilder-long-run-")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "netbuilder", "train", str(TEMPLATES / "digits_cnn.json"),
         "--augment", "--epochs", "10", "--out", "c.pth"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pytest_collection_modifyitems(session, config, items):
    import os

    # First in line: under pytest-xdist the worker that takes it waits while the other worker
    # runs the rest, and no worker is left with nothing to do at the end while it trains.
    items.sort(key=lambda item: item.name != LONG_RUN_TEST)  # stable: the rest keep order
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker collects everything: the one
        return  # that runs the test starts the run (the other worker goes on meanwhile)
    if any(item.name == LONG_RUN_TEST for item in items):
        config.stash[_LONG_RUN] = _start_long_run()


_LONG_RUN = pytest.StashKey()


def pytest_unconfigure(config):
    process = config.stash.get(_LONG_RUN, None)
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def long_digits_cnn_run(request):
    """(returncode, stdout, stderr) of the 10-epoch digits_cnn run started with the session."""
    process = request.config.stash.get(_LONG_RUN, None)
    if process is None:  # under pytest-xdist: started here, by the worker that runs the test
        process = request.config.stash[_LONG_RUN] = _start_long_run()
    stdout, stderr = process.communicate(timeout=900)
    return process.returncode, stdout, stderr


@pytest.fixture(scope="session")
def trained_digits_cnn(tmp_path_factory):
    """The state_dict of digits_cnn after 3 augmented epochs on the embedded digits (seed 0),
    trained once per test session: under pytest-xdist the first worker that asks trains it
    and the others wait for its file (test_digits and test_draw both need it)."""
    import fcntl
    import os

    import torch

    from netbuilder.core.builder import build
    from netbuilder.core.data import load_digits
    from netbuilder.core.resources import load_template
    from netbuilder.core.training import TrainConfig, Trainer, reset_weights

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid{os.getpid()}")
    path = shared / f"digits_cnn-{run}.pth"
    with open(shared / f"digits_cnn-{run}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            model = build(load_template("digits_cnn"))
            reset_weights(model, 0)
            data = load_digits().on_device("cpu")
            Trainer(model, data, TrainConfig(epochs=3, augment=True, device="cpu")).train()
            torch.save(model.state_dict(), path.with_suffix(".part"))
            path.with_suffix(".part").replace(path)
        fcntl.flock(lock, fcntl.LOCK_UN)
    return torch.load(path, weights_only=True)
