"""core.run_log and `netbuilder train --log-dir`: TensorBoard's own event reader finds the step
and epoch scalars and the weight histograms; metrics.csv has a row per epoch."""

import csv
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn

from netbuilder.cli import main
from netbuilder.core.run_log import CSV_COLUMNS, MISSING_TENSORBOARD, RunLog, RunLogError
from netbuilder.core.training_events import BatchEnd, EpochEnd, Finished, Started


def events_in(folder):
    reader = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    reader.Reload()
    return reader


def rows_in(folder):
    with open(folder / "metrics.csv", newline="") as file:
        return list(csv.DictReader(file))


def fake_run(epochs=2, steps=3, regression=False, first_epoch=1, global_step=0):
    yield Started(epochs, steps, 30, 10, "cpu", first_epoch=first_epoch,
                  global_step=global_step)
    done = global_step
    for epoch in range(first_epoch, epochs + 1):
        for step in range(1, steps + 1):
            done += 1
            yield BatchEnd(epoch, step, done, 1.0 / done, 0.01, 100.0)
        extra = (0.5, 0.4) if regression else (None, None)
        yield EpochEnd(epoch, 1.0 / epoch, 0.8, 1.1 / epoch, 0.75, 0.01, 2.0, 15.0, *extra)
    yield Finished(epochs, 4.0)


def test_a_run_gives_scalars_per_step_and_epoch_histograms_and_a_csv(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with RunLog(tmp_path / "log", model) as log:
        for event in fake_run():
            log.handle(event)
    assert log.tensorboard and log.problems == []
    reader = events_in(tmp_path / "log")
    tags = reader.Tags()
    assert [s.step for s in reader.Scalars("step/train_loss")] == [1, 2, 3, 4, 5, 6]
    assert reader.Scalars("step/train_loss")[3].value == pytest.approx(0.25)
    for tag in ("epoch/train_loss", "epoch/val_loss", "epoch/val_accuracy",
                "epoch/train_accuracy", "epoch/lr"):
        assert [s.step for s in reader.Scalars(tag)] == [1, 2], tag
    assert "epoch/val_rmse" not in tags["scalars"]
    assert sorted(tags["histograms"]) == ["weights/0.bias", "weights/0.weight",
                                          "weights/2.bias", "weights/2.weight"]
    assert [h.step for h in reader.Histograms("weights/0.weight")] == [1, 2]
    rows = rows_in(tmp_path / "log")
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert [r["global_step"] for r in rows] == ["3", "6"]
    assert float(rows[1]["val_loss"]) == pytest.approx(0.55)
    assert rows[0]["val_accuracy"] == "0.75" and rows[0]["val_rmse"] == ""


def test_a_regression_logs_r2_rmse_and_mae(tmp_path):
    with RunLog(tmp_path, every=2) as log:
        for event in fake_run(regression=True):
            log.handle(event)
    reader = events_in(tmp_path)
    scalars = reader.Tags()["scalars"]
    assert {"epoch/val_r2", "epoch/train_r2", "epoch/val_rmse", "epoch/val_mae"} <= set(scalars)
    assert "epoch/val_accuracy" not in scalars
    assert [s.step for s in reader.Scalars("step/train_loss")] == [2, 4, 6]  # every 2nd step
    assert reader.Tags()["histograms"] == []  # no model given
    rows = rows_in(tmp_path)
    assert (rows[0]["val_r2"], rows[0]["val_rmse"], rows[0]["val_mae"]) == ("0.75", "0.5", "0.4")
    assert rows[0]["val_accuracy"] == ""


def test_a_resumed_run_adds_rows_and_goes_on_on_the_same_axes(tmp_path):
    with RunLog(tmp_path) as log:
        for event in fake_run(epochs=1):
            log.handle(event)
    with RunLog(tmp_path) as log:
        for event in fake_run(epochs=2, first_epoch=2, global_step=3):
            log.handle(event)
    with open(tmp_path / "metrics.csv") as file:
        assert file.read().count("epoch,global_step") == 1
    assert [r["epoch"] for r in rows_in(tmp_path)] == ["1", "2"]
    steps = [s.step for s in events_in(tmp_path).Scalars("step/train_loss")]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_without_tensorboard_the_csv_is_still_written(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with RunLog(tmp_path, nn.Linear(2, 2)) as log:
        for event in fake_run():
            log.handle(event)
    assert not log.tensorboard
    assert log.problems == [MISSING_TENSORBOARD]
    assert MISSING_TENSORBOARD.startswith("TensorBoard logging needs the tensorboard package: "
                                          "pip install 'netbuilder[tensorboard]'")
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]
    assert len(rows_in(tmp_path)) == 2


def test_a_folder_that_cannot_be_used_is_named(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunLogError, match="cannot write the training log to .*file"):
        RunLog(tmp_path / "file")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "metrics.csv").write_text("a,b\n1,2\n")
    with pytest.raises(RunLogError, match="has other columns than a netbuilder training log"):
        RunLog(tmp_path / "other")
    with pytest.raises(ValueError, match="every: expected an integer ≥ 1, got 0"):
        RunLog(tmp_path / "ok", every=0)


def test_a_failing_write_ends_the_log_not_the_run(tmp_path):
    log = RunLog(tmp_path)
    events = list(fake_run())
    log.handle(events[0])

    class Full:
        closed = False

        def writerow(self, row):
            raise OSError(28, "No space left on device")

    log._csv = Full()
    for event in events[1:]:
        log.handle(event)  # never raises
    assert log.problems == [f"the training log in {tmp_path} stopped: No space left on device"]
    assert log.writer is None


def test_train_log_dir_from_the_command_line(tmp_path, capsys):
    folder = tmp_path / "runs" / "lenet"
    status = main(["train", "lenet5", "--epochs", "2", "--limit", "200", "--batch-size", "50",
                   "--out", str(tmp_path / "w.pth"), "--log-dir", str(folder)])
    out = capsys.readouterr().out
    assert status == 0
    assert f"wrote the training log to {folder} (tensorboard --logdir {folder}; metrics.csv)" \
        in out
    reader = events_in(folder)
    assert [s.step for s in reader.Scalars("step/train_loss")] == list(range(1, 9))
    assert [s.step for s in reader.Scalars("epoch/val_accuracy")] == [1, 2]
    histograms = reader.Tags()["histograms"]
    assert "weights/conv1.weight" in histograms and "weights/fc3.bias" in histograms
    assert [h.step for h in reader.Histograms("weights/fc3.weight")] == [1, 2]
    rows = rows_in(folder)
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert list(rows[0]) == list(CSV_COLUMNS)


def test_train_log_dir_that_cannot_be_written_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    status = main(["train", "lenet5", "--epochs", "1", "--limit", "100", "--out",
                   str(tmp_path / "w.pth"), "--log-dir", str(tmp_path / "taken")])
    captured = capsys.readouterr()
    assert status == 1
    assert "netbuilder train: --log-dir: cannot write the training log to" in captured.err
    assert "epoch 1/1" not in captured.out
    assert not (tmp_path / "w.pth").exists()
