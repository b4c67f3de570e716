"""The command line on a bad day: mistyped words, no display, closed pipes, odd numbers."""

import json
import os
import subprocess
import sys

import pytest
import torch

from netbuilder.cli import main
from netbuilder.core.builder import build
from netbuilder.core.checkpoint import save_checkpoint
from netbuilder.core.resources import load_template
from tests.conftest import TEMPLATES


def run(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "netbuilder", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env, **kwargs)


def headless_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return env


@pytest.mark.parametrize("words, expected", [
    (["sumary", "x.json"], "unknown command 'sumary'; did you mean 'summary'?"),
    (["evalute"], "did you mean 'evaluate'?"),
    (["help"], "for help: netbuilder --help"),
    (["frobnicate"], "commands: summary, export, train, evaluate"),
    (["missing.json"], "missing.json does not exist"),
])
def test_unknown_words_are_errors_with_a_suggestion(capsys, words, expected):
    assert main(words) == 2
    assert expected in capsys.readouterr().err


def test_without_a_display_the_window_is_not_started(tmp_path):
    result = run(env=headless_env(), cwd=tmp_path)
    assert result.returncode == 1
    assert "no display to open the window on" in result.stderr
    assert "netbuilder --help" in result.stderr
    assert "Traceback" not in result.stderr and "qt.qpa" not in result.stderr


def test_help_says_no_command_opens_the_window_with_a_file():
    result = run("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "With no command, netbuilder opens its window" in text
    assert "'netbuilder FILE' opens FILE" in text


def test_a_closed_pipe_ends_quietly(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "netbuilder", "summary",
                                str(TEMPLATES / "digits_cnn.json")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head` exiting before netbuilder writes
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 141
    assert b"Traceback" not in err and b"BrokenPipe" not in err


@pytest.mark.parametrize("option, value", [
    ("--seed", "18446744073709551616"), ("--seed", "-1"), ("--epochs", "0"), ("--batch-size", "0"),
    ("--batch-size", "99999999999"), ("--val-split", "nan"), ("--weight-decay", "inf"),
])
def test_out_of_range_numbers_are_refused_by_name(tmp_path, capsys, option, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", str(TEMPLATES / "mnist_mlp.json"), "--out", str(tmp_path / "w.pth"),
              option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert option in err and "expected" in err
    assert not (tmp_path / "w.pth").exists()


def test_summary_of_dev_zero_is_refused_unread(capsys):
    assert main(["summary", "/dev/zero"]) == 1
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ('{"version": 1, "input_shape": [' + "7" * 5001 + "]}", "a value cannot be read"),
    ('{"format": "netbuilder.network", "version": -3, "input_shape": [4], "layers": []}',
     "version: expected a positive integer"),
    ('{"input_shape": [4], "layers": [{"kind": "Dropout", "name": "d", "args": {"p": 1'
     + "0" * 400 + "}}]}", "d.p: expected a number from 0 to 1"),
])
def test_hostile_specs_give_a_message_not_a_traceback(tmp_path, capsys, text, message):
    path = tmp_path / "spec.json"
    path.write_text(text)
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_summary_reads_a_project_file(tmp_path, capsys):
    from netbuilder.core.project import Project

    path = tmp_path / "p.json"
    Project(load_template("mnist_mlp"), "digits", {"epochs": 2}).save(path)
    assert main(["summary", str(path)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Total params: 109,386"


def test_python_export_of_a_huge_network_builds_nothing(tmp_path, capsys):
    spec = {"input_shape": [200_000], "layers": [
        {"kind": "Linear", "name": "fc1",
         "args": {"in_features": 200_000, "out_features": 200_000}}]}  # 160 GB of weights
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(spec))
    out = tmp_path / "huge.py"
    assert main(["export", str(path), "--format", "python", "--out", str(out)]) == 0
    assert "nn.Linear(200000, 200000)" in out.read_text()
    assert "40,000,200,000 parameters" in capsys.readouterr().out


def _checkpoint(tmp_path, **training):
    spec = load_template("mnist_mlp")
    path = tmp_path / "c.pth"
    save_checkpoint(path, spec, build(spec), None, training)
    return path


@pytest.mark.parametrize("training, message", [
    ({"optimizer": 'adam"\nimport os; os.system("touch pwned")\n#'},
     "training.optimizer: expected one of adam, sgd, adamw, rmsprop"),
    ({"lr": float("inf")}, "training.lr: expected a number from"),
    ({"epochs": 2**40}, "training.epochs: expected an integer from 1 to 10000"),
])
def test_script_export_refuses_hostile_checkpoint_settings(tmp_path, capsys, training,
                                                          message):
    out = tmp_path / "train.py"
    assert main(["export", str(_checkpoint(tmp_path, **training)), "--format", "script",
                 "--out", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "pwned").exists()


def test_script_export_of_a_good_checkpoint_keeps_its_settings(tmp_path):
    out = tmp_path / "train.py"
    assert main(["export", str(_checkpoint(tmp_path, optimizer="sgd", epochs=7, lr=0.05)),
                 "--format", "script", "--out", str(out)]) == 0
    compile(out.read_text(), str(out), "exec")
    assert "sgd" in out.read_text()


def test_non_finite_weights_are_warned_about(tmp_path, capsys):
    spec = load_template("mnist_mlp")
    model = build(spec)
    with torch.no_grad():
        model.fc1.weight[0, 0] = float("nan")
    weights = tmp_path / "nan.pth"
    torch.save(model.state_dict(), weights)
    assert main(["evaluate", str(TEMPLATES / "mnist_mlp.json"), str(weights)]) == 0
    err = capsys.readouterr().err
    assert "warning: nan.pth holds NaN or infinite values in fc1.weight" in err
