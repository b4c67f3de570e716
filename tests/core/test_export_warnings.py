"""Exports keep the terminal quiet: torch's deprecation notices are dropped, warnings that may
matter for the file come back in the result (and its report) instead of on stderr."""

import json
import warnings

import torch
from torch import nn

from netbuilder.core.builder import build
from netbuilder.core.exporters import export_verified, relevant_warnings, verification_images
from netbuilder.core.resources import load_template


class Branching(nn.Module):
    """Python control flow on a tensor: tracing it raises a TracerWarning (a relevant one)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x):
        if x.abs().sum() >= 0:  # always true, so the traced program still verifies
            x = x * 1.0
        return self.fc(x.flatten(1))


def test_torchscript_export_writes_nothing_to_stderr_and_reports_no_noise(tmp_path, capfd):
    model = build(load_template("mnist_mlp"))
    result = export_verified(model, "torchscript", tmp_path / "m.pt", verification_images(16))
    out, err = capfd.readouterr()
    assert err == ""
    assert out == ""
    assert result.passed
    assert result.warnings == []  # torch.jit.trace/save/load "is deprecated" dropped
    assert "\n" not in result.describe()
    report = json.loads((tmp_path / "m.pt.verification.json").read_text())
    assert report["warnings"] == []


def test_a_relevant_warning_is_returned_not_printed(tmp_path, capfd):
    result = export_verified(Branching(), "torchscript", tmp_path / "b.pt",
                             verification_images(16))
    _out, err = capfd.readouterr()
    assert err == ""
    assert result.passed
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("TracerWarning: Converting a tensor to a Python boolean")
    assert result.describe().splitlines()[1] == f"warning: {result.warnings[0]}"
    report = json.loads((tmp_path / "b.pt.verification.json").read_text())
    assert report["warnings"] == result.warnings


def test_torch_export_program_is_quiet_too(tmp_path, capfd):
    result = export_verified(build(load_template("mnist_mlp")), "pt2", tmp_path / "m.pt2",
                             verification_images(16))
    _out, err = capfd.readouterr()
    assert err == ""
    assert result.warnings == []


def test_deprecations_are_noise_and_repeats_are_shown_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("`torch.jit.trace` is deprecated.", FutureWarning, stacklevel=1)
        warnings.warn("old", DeprecationWarning, stacklevel=1)
        for _ in range(2):
            warnings.warn("the output may differ\nsecond line", UserWarning, stacklevel=1)
        warnings.warn("trace may be wrong", torch.jit.TracerWarning, stacklevel=1)
    assert relevant_warnings(caught) == ["UserWarning: the output may differ",
                                         "TracerWarning: trace may be wrong"]


def test_the_command_line_prints_an_exporters_warnings_on_stderr(tmp_path, capsys, monkeypatch):
    from netbuilder.cli import main
    from netbuilder.core import exporters

    real = exporters.export_verified

    def warning_export(*args, **kwargs):
        result = real(*args, **kwargs)
        result.warnings.append("TracerWarning: a tensor became a Python boolean")
        return result

    monkeypatch.setattr(exporters, "export_verified", warning_export)
    out_file = tmp_path / "m.pt"
    assert main(["export", "mnist_mlp", "--format", "torchscript", "--out", str(out_file)]) == 0
    out, err = capsys.readouterr()
    assert "verification passed" in out
    assert "TracerWarning" not in out
    assert "warning: TracerWarning: a tensor became a Python boolean" in err.splitlines()
