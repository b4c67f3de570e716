"""The network diagram: SVG that parses and says everything, escaped; PNG that opens; the CLI."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from netbuilder.cli import main
from netbuilder.cli.export import _export
from netbuilder.cli.messages import CommandError
from netbuilder.core import diagram_png
from netbuilder.core.analysis import analyze, format_shape
from netbuilder.core.diagram import escape, layout, svg_text, write_diagram
from netbuilder.core.layer_text import key_args
from netbuilder.core.resources import TEMPLATES, load_template
from netbuilder.core.spec import LayerSpec, NetworkSpec, ParallelSpec, ResidualSpec

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'a<&">\'b'


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", ["digits_cnn", "resnet_digits", "inception_digits",
                                  "complex_model", "rows_lstm"])
def test_svg_names_every_layer_and_shape(name: str) -> None:
    spec = load_template(name)
    analysis = analyze(spec)
    texts = _texts(svg_text(layout(spec, analysis)))
    joined = "\n".join(texts)
    for path, layer in spec.layers():
        assert layer.name in texts, path
        row = analysis.row(path)
        assert format_shape(row.output_shape) in joined, path
    for path, item, _depth in spec.walk():
        if not isinstance(item, LayerSpec):
            assert any(text.startswith(f"{item.name} · ") for text in texts), path
    assert f"output {format_shape(analysis.output_shape)}" in texts


def test_hostile_names_are_escaped() -> None:
    spec = NetworkSpec([4], [
        LayerSpec("Linear", HOSTILE, {"in_features": 4, "out_features": 3}),
        ResidualSpec("r<x>", body=[LayerSpec("ReLU", "&amp;")]),
        ParallelSpec("p\"q", branches=[[LayerSpec("Tanh", "</text><script>")], []]),
    ], class_name='Net"<svg onload=alert(1)>')
    svg = svg_text(layout(spec, analyze(spec)))
    texts = _texts(svg)  # parses: nothing broke out of its element
    assert HOSTILE in texts
    assert "&amp;" in texts
    assert "</text><script>" in texts
    assert 'Net"<svg onload=alert(1)>' in texts
    assert "<script>" not in svg
    assert escape("\x00<") == "?&lt;"


def test_svg_draws_merges_and_branches() -> None:
    spec = load_template("inception_digits")
    svg = svg_text(layout(spec, analyze(spec)))
    root = ET.fromstring(svg.encode())
    texts = _texts(svg)
    assert [t for t in texts if t.startswith("branch ")] == [
        "branch 1", "branch 2", "branch 3", "branch 4"]
    assert "concat, dim 1" in texts
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    resnet = load_template("resnet_digits")
    texts = _texts(svg_text(layout(resnet, analyze(resnet))))
    assert texts.count("sum, then ReLU") == 3
    assert "shortcut (identity)" in texts


def test_cards_fit_their_text_and_columns_do_not_overlap() -> None:
    spec = load_template("inception_digits")
    diagram = layout(spec, analyze(spec))
    rects = [p for p in diagram.primitives if p[0] == "rect"]
    for _kind, x, y, w, h, *_rest in rects:
        assert 0 <= x and x + w <= diagram.width + 0.01
        assert 0 <= y and y + h <= diagram.height + 0.01
    cards = [r for r in rects if r[4] == 60 and r[3] > 100]  # the layer cards
    for index, a in enumerate(cards):
        for b in cards[index + 1:]:
            apart = (a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
                     or a[2] + a[4] <= b[2] or b[2] + b[4] <= a[2])
            assert apart, (a, b)


def test_long_names_are_cut_not_clipped() -> None:
    spec = NetworkSpec([4], [LayerSpec("Linear", "x" * 500, {"in_features": 4,
                                                            "out_features": 2})])
    diagram = layout(spec, analyze(spec))
    assert diagram.width < 600
    assert any(p[0] == "text" and p[3].endswith("…") for p in diagram.primitives)


def test_broken_shapes_are_drawn_in_red() -> None:
    spec = NetworkSpec([1, 28, 28], [LayerSpec("Linear", "fc", {"in_features": 3,
                                                               "out_features": 2})])
    texts = _texts(svg_text(layout(spec, analyze(spec))))
    assert "shapes do not fit" in texts


def test_png_opens_with_a_sensible_size(tmp_path: Path) -> None:
    spec = load_template("resnet_digits")
    out = tmp_path / "net.png"
    assert write_diagram(spec, analyze(spec), out) == "png"
    with Image.open(out) as image:
        assert image.format == "PNG"
        width, height = image.size
    diagram = layout(spec, analyze(spec))
    assert (width, height) == (round(diagram.width * 2), round(diagram.height * 2))
    assert 400 < width < 3000 and height > width


def test_a_huge_network_is_refused_as_png_with_the_reason(tmp_path: Path,
                                                        monkeypatch) -> None:
    monkeypatch.setattr(diagram_png, "MAX_PIXELS", 100_000)  # lenet5 at scale 1 is larger
    spec = load_template("lenet5")
    with pytest.raises(ValueError, match="too large for a PNG.*SVG"):
        write_diagram(spec, analyze(spec), tmp_path / "big.png")
    assert not (tmp_path / "big.png").exists()
    assert write_diagram(spec, analyze(spec), tmp_path / "big.svg") == "svg"


def test_unknown_format_is_named(tmp_path: Path) -> None:
    spec = load_template("lenet5")
    with pytest.raises(ValueError, match="svg or png, not 'gif'"):
        write_diagram(spec, analyze(spec), tmp_path / "net.gif")


def test_key_args_read_like_the_cards() -> None:
    assert key_args(LayerSpec("Conv2d", "c", {"in_channels": 1, "out_channels": 32,
                                              "kernel_size": 3, "padding": 1})) == (
        "1 → 32, k3, p1")
    assert key_args(LayerSpec("Linear", "f", {"in_features": 784, "out_features": 128,
                                              "bias": False})) == "784 → 128, no bias"
    assert key_args(LayerSpec("Dropout", "d", {"p": 0.25})) == "p=0.25"


def _export_args(spec: Path, fmt: str, out: Path) -> argparse.Namespace:
    return argparse.Namespace(spec=spec, format=fmt, out=out, weights=None, style="class",
                              allow_layer_files=False)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_cli_export_writes_the_diagram(tmp_path: Path, fmt: str, capsys) -> None:
    out = tmp_path / f"net.{fmt}"
    assert _export(_export_args(TEMPLATES / "lenet5.json", fmt, out)) == 0
    assert f"wrote {out} ({fmt} diagram of LeNet5" in capsys.readouterr().out
    if fmt == "svg":
        assert "conv1" in _texts(out.read_text(encoding="utf-8"))
    else:
        with Image.open(out) as image:
            assert image.size[0] > 300


def test_cli_export_refuses_weights_for_a_diagram(tmp_path: Path) -> None:
    args = _export_args(TEMPLATES / "lenet5.json", "svg", tmp_path / "n.svg")
    args.weights = tmp_path / "w.pth"
    with pytest.raises(CommandError, match="holds no weights"):
        _export(args)


def test_cli_export_names_an_unwritable_target(tmp_path: Path) -> None:
    args = _export_args(TEMPLATES / "lenet5.json", "png", tmp_path / "missing" / "n.png")
    with pytest.raises(CommandError, match="cannot write"):
        _export(args)


def test_export_command_line_takes_svg(tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    assert main(["export", str(TEMPLATES / "lenet5.json"), "--format", "svg",
                 "--out", str(out)]) == 0
    assert out.exists()


def test_png_limit_is_sane() -> None:
    assert 10_000_000 <= diagram_png.MAX_PIXELS < Image.MAX_IMAGE_PIXELS
