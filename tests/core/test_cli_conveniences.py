"""The command line's conveniences: help without torch and with defaults, templates by name,
the progress line, --verbose, broken plugins said on stderr."""

import argparse
import io
import logging
import subprocess
import sys

import pytest

from netbuilder.cli import main
from netbuilder.cli.parser import _parser
from netbuilder.cli.progress import Progress, format_eta, progress_line
from netbuilder.core import catalog as catalog_module


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300)


# --- help without torch ----------------------------------------------------------------------


def test_building_the_parser_and_its_help_does_not_import_torch():
    code = ("import argparse, sys\nfrom netbuilder.cli import _parser\nparser = _parser()\n"
            "parser.format_help()\n"
            "[sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]\n"
            "assert len([c.format_help() for c in sub.choices.values()]) == 6\n"
            "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)\n"
            "print('ok')")
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_help_imports_no_torch(argv):
    result = run("-X", "importtime", "-m", "netbuilder", *argv)
    assert result.returncode == 0, result.stderr
    assert "usage: netbuilder" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")]
    assert "netbuilder.cli.parser" in imported
    assert [name for name in imported if name.split(".")[0] == "torch"] == []


def test_training_still_exports_train_config_and_projects_check_its_limits():
    from netbuilder.core import train_config, training
    from netbuilder.core.project import SETTING_LIMITS

    assert training.TrainConfig is train_config.TrainConfig
    assert SETTING_LIMITS is train_config.SETTING_LIMITS


# --- defaults in --help ----------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {"netbuilder": parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def test_help_shows_the_default_of_every_option_that_has_one():
    checked = 0
    for name, command in _commands(_parser()).items():
        formatter = command._get_formatter()
        for action in command._actions:
            default = action.default
            if (not action.option_strings or action.nargs == 0 or default is None
                    or default is argparse.SUPPRESS or isinstance(default, bool)):
                continue
            text = formatter._get_help_string(action)
            assert "default" in text, f"{name} {action.option_strings[0]}: {text!r}"
            checked += 1
        assert "default: None" not in command.format_help(), name
    assert checked >= 25


def test_an_option_with_no_default_text_gets_the_value():
    help_text = _commands(_parser())["export"].format_help()
    assert "(default: python)" in " ".join(help_text.split())
    train_help = " ".join(_commands(_parser())["train"].format_help().split())
    assert "--keep {last,best} the weights --out and --save-project get" in train_help
    assert "(default: last)" not in train_help  # its text already says it


# --- templates by name -----------------------------------------------------------------------


def test_summary_of_a_template_by_name(capsys):
    assert main(["summary", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("LeNet5: input [N, 1, 28, 28]")
    assert "Total params: 61,706" in out


def test_templates_lists_the_shipped_networks(capsys):
    assert main(["templates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines if line and not line.startswith("Use ")}
    assert {"lenet5", "digits_cnn", "mnist_mlp", "tutorial_mymodel"} <= set(rows)
    assert rows["lenet5"].split()[1:4] == ["1×28×28", "61,706", "params"]
    assert "LeNet-5" in rows["lenet5"]
    assert rows["tutorial_mymodel"].split()[1:4] == ["10", "241", "params"]


def test_an_unknown_name_is_refused_with_a_suggestion(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["summary", "lenet"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("netbuilder summary: no template or file named lenet; `netbuilder "
                           "templates` lists the templates; did you mean 'lenet5'?")
    assert main(["train", "zzz", "--out", "w.pth"]) == 1
    err = capsys.readouterr().err
    assert "no template or file named zzz; `netbuilder templates` lists" in err
    assert "did you mean" not in err


def test_a_file_of_a_template_name_wins_over_the_template(capsys, tmp_path, monkeypatch):
    from tests.conftest import TEMPLATES

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lenet5").write_text((TEMPLATES / "mnist_mlp.json").read_text())
    main(["summary", "lenet5"])
    assert capsys.readouterr().out.startswith("MNISTClassifier:")


def test_evaluate_advice_names_the_template_not_the_package_path(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "tutorial_mymodel"]) == 1
    err = capsys.readouterr().err
    assert ("(netbuilder train tutorial_mymodel --save-project tutorial_mymodel.nbproj)"
            in err)


# --- the progress line -----------------------------------------------------------------------


@pytest.mark.parametrize("width", [200, 100, 80, 60, 45, 40, 32, 25, 20, 12, 8, 3, 1])
def test_the_progress_line_is_always_shorter_than_the_terminal(width):
    for step, total in ((1, 10), (37, 94), (9999, 10000)):
        line = progress_line(step, total, 0.123456, 123456.7, 3725.0, width)
        assert len(line) < width


def test_the_progress_line_leaves_out_the_least_useful_first():
    wide = progress_line(47, 94, 0.5, 12345.6, 65.0, 100)
    assert wide == ("  [###############...............]  47/94  loss 0.5000  ETA 1:05  "
                    "12,346 samples/s")
    medium = progress_line(47, 94, 0.5, 12345.6, 65.0, 60)
    assert medium.startswith("  [") and medium.endswith("]  47/94  loss 0.5000  ETA 1:05")
    assert progress_line(47, 94, 0.5, 12345.6, 65.0, 40) == "  47/94  loss 0.5000  ETA 1:05"
    assert progress_line(47, 94, 0.5, 12345.6, 65.0, 20) == "  47/94  ETA 1:05"
    assert progress_line(47, 94, 0.5, 12345.6, 65.0, 9) == "  47/94"


def test_eta_format():
    assert format_eta(None) == "ETA ?"
    assert format_eta(float("nan")) == "ETA ?"
    assert format_eta(4.4) == "ETA 0:04"
    assert format_eta(65) == "ETA 1:05"
    assert format_eta(3 * 3600 + 62) == "ETA 3:01:02"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Batch:
    def __init__(self, epoch, step, global_step):
        self.epoch, self.step, self.global_step = epoch, step, global_step
        self.loss, self.samples_per_s = 0.25, 1000.0


def test_progress_on_a_terminal_fits_it_and_estimates_the_time_left(monkeypatch):
    import os

    from netbuilder.cli import progress as progress_module

    clock = iter([100.0, 101.0, 102.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(progress_module.shutil, "get_terminal_size",
                        lambda: os.terminal_size((50, 20)))
    stream = _Terminal()
    progress = Progress(stream, epochs=2)
    progress.batch(_Batch(1, 1, 1), 10)  # the first step: nothing timed yet
    progress.batch(_Batch(1, 2, 2), 10)  # one step in 1 s; 18 steps to go
    progress.batch(_Batch(1, 3, 3), 10)  # two steps in 2 s; 17 to go
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 3
    assert all(len(frame) < 50 for frame in frames)
    assert "ETA ?" in frames[0] and "ETA 0:18" in frames[1] and "ETA 0:17" in frames[2]


def test_progress_off_a_terminal_writes_nothing():
    stream = io.StringIO()
    progress = Progress(stream, epochs=1)
    progress.batch(_Batch(1, 10, 10), 10)
    progress.clear()
    assert stream.getvalue() == ""


# --- --verbose and broken plugins ------------------------------------------------------------


def test_verbose_logs_on_stderr_before_or_after_the_command():
    quiet = run("-m", "netbuilder", "summary", "lenet5")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    for argv in (["-v", "summary", "lenet5"], ["summary", "lenet5", "--verbose"]):
        loud = run("-m", "netbuilder", *argv)
        assert loud.returncode == 0, loud.stderr
        assert "INFO netbuilder.cli.templates: lenet5: the shipped template" in loud.stderr
        assert loud.stdout == quiet.stdout


def test_the_verbosity_counts(capsys):
    parser = _parser()
    assert parser.parse_args(["summary", "x"]).verbose == 0
    assert parser.parse_args(["-vv", "summary", "x"]).verbose == 2
    assert parser.parse_args(["summary", "x", "-v"]).verbose == 1
    main(["-vv", "summary", "lenet5"])
    assert logging.getLogger("netbuilder").level == logging.DEBUG
    main(["summary", "lenet5"])
    assert logging.getLogger("netbuilder").level == logging.WARNING


BROKEN_PLUGIN = "def kinds():\n    raise RuntimeError('plugin exploded')\n"


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch):
    """A fake installed distribution whose netbuilder.layers entry point fails to load."""
    (tmp_path / "nb_broken_plugin.py").write_text(BROKEN_PLUGIN)
    info = tmp_path / "nb_broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nb-broken-plugin\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text("[netbuilder.layers]\nbroken = nb_broken_plugin:kinds\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog_module.reload_catalog()
    yield
    monkeypatch.undo()
    sys.modules.pop("nb_broken_plugin", None)
    assert catalog_module.reload_catalog().plugin_errors == []


def test_a_broken_plugin_is_said_once_on_stderr_as_a_command_starts(broken_plugin, capsys):
    assert main(["summary", "lenet5"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "warning: 1 layer plugin could not be loaded:",
        "  - plugin 'broken' (nb_broken_plugin:kinds): RuntimeError: plugin exploded"]
    assert "LeNet5" in captured.out
