"""`netbuilder summary` shows the memory a batch needs, at the project's settings."""

from __future__ import annotations

import argparse

from netbuilder.cli import main
from netbuilder.cli.summary import _summary
from netbuilder.core.analysis import analyze
from netbuilder.core.memory import estimate_memory
from netbuilder.core.resources import TEMPLATES, load_template


def test_summary_shows_memory_at_batch_64(capsys) -> None:
    assert main(["summary", str(TEMPLATES / "lenet5.json")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    spec = load_template("lenet5")
    expected = estimate_memory(spec, analyze(spec), 64, "adam").describe()
    assert f"Memory (batch 64, adam, float32): {expected}" in lines
    assert lines[-1] == "Total params: 61,706"


def test_summary_takes_the_projects_batch_size(capsys) -> None:
    assert main(["summary", str(TEMPLATES / "tabular_classifier.json")]) == 0
    out = capsys.readouterr().out
    assert "Memory (batch 32, adam, float32): forward " in out


def test_summary_takes_a_batch_size_option(capsys) -> None:
    args = argparse.Namespace(spec=TEMPLATES / "digits_cnn.json", loss="cross_entropy",
                              allow_layer_files=False, batch_size=8)
    assert _summary(args) == 0
    assert "Memory (batch 8, adam, float32)" in capsys.readouterr().out


def test_summary_of_broken_shapes_says_memory_is_unknown(tmp_path, capsys) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "netbuilder.network", "version": 1, "input_shape": [1, 28, 28],'
                    ' "layers": [{"kind": "Linear", "name": "fc", "args": {"in_features": 3, '
                    '"out_features": 2}}]}', encoding="utf-8")
    assert main(["summary", str(path)]) == 1
    assert "Memory (batch 64): unknown until the shapes fit" in capsys.readouterr().out
