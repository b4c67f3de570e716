"""The activation column: rows per layer, grid and strip pictures, reuse, saliency.

The time an update takes is measured by benchmarks/activations.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QLabel, QScrollArea

from netbuilder.core.activations import Activation, feature_grid, layer_activations, saliency
from netbuilder.core.builder import build
from netbuilder.core.resources import load_template
from netbuilder.gui.inspect.activations import (
    BLANK,
    BLANK_INDEX,
    GRID,
    IMAGE,
    LEVELS,
    STRIP,
    ActivationView,
    colour_table,
    picture_of,
    saliency_pixmap,
    to_pixmap,
)


def digit(seed: int = 0) -> torch.Tensor:
    torch.manual_seed(seed)
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 4:24, 12:16] = 1.0
    return x + 0.05 * torch.rand_like(x)


def activations_of(name: str, seed: int = 0) -> list[Activation]:
    torch.manual_seed(1)
    return layer_activations(build(load_template(name)), digit(seed))


@pytest.fixture
def view(qtbot):
    widget = ActivationView()
    qtbot.addWidget(widget)
    widget.resize(360, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def picture_label(view: ActivationView, path: str) -> QLabel:
    return view.row_widget(path).picture


def test_starts_empty_with_a_hint(view):
    assert view.rows() == []
    assert view.findChild(QLabel, "activation_placeholder").isVisible()
    assert not view.findChild(QScrollArea, "activation_scroll").isVisible()


def test_one_row_per_layer_of_digits_cnn(view):
    acts = activations_of("digits_cnn")
    view.show_activations(acts)
    assert view.rows() == [a.path for a in acts] == [
        "features.conv1", "features.bn1", "features.relu1", "features.pool1",
        "features.conv2", "features.bn2", "features.relu2", "features.pool2",
        "flatten", "fc1", "relu3", "dropout", "fc2",
    ]
    captions = [label.text() for label in view.findChildren(QLabel, "activation_caption")]
    assert captions[0] == "features.conv1 · Conv2d · 32×28×28"
    assert "features.pool2 · MaxPool2d · 64×7×7" in captions
    assert "fc2 · Linear · 10" in captions
    assert not view.findChild(QLabel, "activation_placeholder").isVisible()
    assert view.findChild(QScrollArea, "activation_scroll").isVisible()


def test_conv_rows_show_grids_of_the_right_size(view):
    acts = activations_of("digits_cnn")
    view.show_activations(acts)
    assert view.picture_size("features.conv1") == (6 * 28 + 5, 6 * 28 + 5)
    assert view.picture_size("features.pool1") == (6 * 14 + 5, 6 * 14 + 5)
    assert view.picture_size("features.conv2") == (8 * 14 + 7, 8 * 14 + 7)
    assert view.picture_size("features.pool2") == (8 * 7 + 7, 8 * 7 + 7)
    for act in acts:
        if act.values.dim() == 3:
            assert view.picture_size(act.path) == tuple(feature_grid(act.values).shape)
            pixmap = picture_label(view, act.path).pixmap()
            height, width = view.picture_size(act.path)
            assert pixmap.width() % width == 0 and pixmap.height() % height == 0
            assert pixmap.width() // width == pixmap.height() // height >= 1  # square pixels


def test_vector_rows_show_strips(view):
    view.show_activations(activations_of("digits_cnn"))
    assert view.picture_size("fc2") == (1, 10)
    assert view.picture_size("fc1") == (1, 128)
    assert view.picture_size("flatten") == (25, 128)  # 3136 cells wrapped at 128
    fc2 = picture_label(view, "fc2").pixmap()
    assert fc2.width() >= 10 * 8 and fc2.height() >= 8  # readable cells
    fc1 = picture_label(view, "fc1").pixmap()
    assert fc1.width() > fc1.height() > 1


def test_sequence_rows_show_images(view):
    acts = activations_of("rows_lstm")
    view.show_activations(acts)
    assert view.rows() == ["rows", "lstm", "fc"]
    assert view.picture_size("rows") == (28, 28)
    assert view.picture_size("lstm") == (1, 128)
    pixmap = picture_label(view, "rows").pixmap()
    assert pixmap.width() == pixmap.height() > 28


def test_same_layers_reuse_the_rows_and_update_the_pictures(view):
    view.show_activations(activations_of("digits_cnn", seed=0))
    rows = [view.row_widget(path) for path in view.rows()]
    pictures = [row.picture for row in rows]
    before = picture_label(view, "features.conv1").pixmap().toImage()
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 10:14, 2:26] = 1.0  # a different stroke
    torch.manual_seed(1)
    view.show_activations(layer_activations(build(load_template("digits_cnn")), x))
    assert all(a is b for a, b in zip(rows, [view.row_widget(p) for p in view.rows()],
                                      strict=True))
    assert all(row.picture is pic for row, pic in zip(rows, pictures, strict=True))
    assert len(view.findChildren(QLabel, "activation_caption")) == len(rows)
    after = picture_label(view, "features.conv1").pixmap().toImage()
    assert after.size() == before.size() and after != before


def test_another_model_replaces_the_rows(view, qtbot):
    view.show_activations(activations_of("digits_cnn"))
    view.show_activations(activations_of("lenet5"))
    assert view.rows()[:3] == ["conv1", "relu1", "pool1"]
    assert view.rows()[-1] == "fc3"
    assert view.picture_size("conv1") == (2 * 28 + 1, 3 * 28 + 2)  # 6 maps → 2 × 3
    qtbot.waitUntil(
        lambda: len(view.findChildren(QLabel, "activation_caption")) == len(view.rows()))
    texts = {label.text() for label in view.findChildren(QLabel, "activation_caption")}
    assert not any(text.startswith("features.") for text in texts)
    view.show_activations(activations_of("rows_lstm"))
    assert view.rows() == ["rows", "lstm", "fc"]


def test_clear_empties(view, qtbot):
    view.show_activations(activations_of("digits_cnn"))
    view.clear()
    assert view.rows() == []
    with pytest.raises(KeyError):
        view.picture_size("features.conv1")
    assert view.findChild(QLabel, "activation_placeholder").isVisible()
    qtbot.waitUntil(lambda: not view.findChildren(QLabel, "activation_caption"))
    view.show_activations(activations_of("mnist_mlp"))
    assert view.rows() == ["flatten", "fc1", "relu", "fc2", "relu2", "fc3"]


def test_many_maps_show_the_first_64(view):
    maps = torch.rand(100, 5, 5)
    view.show_activations([Activation("conv", "Conv2d", maps)])
    assert view.picture_size("conv") == (8 * 5 + 7, 8 * 5 + 7)
    assert "64" in picture_label(view, "conv").toolTip()
    assert view.findChild(QLabel, "activation_caption").text() == "conv · Conv2d · 100×5×5"


def test_odd_shapes_do_not_break_it(view):
    view.show_activations([
        Activation("scalar", "Loss", torch.tensor(3.0)),
        Activation("video", "Conv3d", torch.rand(2, 3, 4, 5)),  # → 6 maps of 4×5
        Activation("broken", "Linear", torch.tensor([float("nan"), 1.0, float("inf"), 2.0])),
        Activation("flat", "ReLU", torch.zeros(7)),
        Activation("empty", "Linear", torch.zeros(0)),
    ])
    assert view.picture_size("scalar") == (1, 1)
    assert view.picture_size("video") == (2 * 4 + 1, 3 * 5 + 2)
    assert view.picture_size("broken") == (1, 4)
    assert view.picture_size("flat") == (1, 7)


def test_picture_layouts_and_colours():
    grid = picture_of(torch.rand(5, 4, 4))
    assert grid.layout == GRID and grid.values.shape == (9, 14)
    assert np.all(grid.values[5:, 9:] == BLANK)  # the sixth cell is left out
    assert np.all(np.isnan(grid.values[4, :9]))  # the gap under the first row
    assert picture_of(torch.rand(3, 9)).layout == IMAGE
    strip = picture_of(torch.rand(130))
    assert strip.layout == STRIP and strip.values.shape == (2, 128)
    assert np.all(strip.values[1, 2:] == BLANK) and np.all(strip.values[:, :2] >= 0)
    assert np.isnan(picture_of(torch.tensor([1.0, float("nan")])).values[0, 1])  # → gap colour
    table = colour_table(QColor("#808080"))
    pixmap = to_pixmap(grid.values, table)
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    assert (image.width(), image.height()) == (14, 9)
    assert QColor(image.pixel(4, 4)).name() == "#808080"  # gap
    assert QColor.fromRgba(image.pixel(13, 8)).alpha() == 0  # blank
    assert len(table) == 256
    low, high = QColor.fromRgba(table[0]), QColor.fromRgba(table[LEVELS - 1])
    assert low.lightness() < 20 and high.lightness() > 200  # inferno: dark → bright
    assert QColor.fromRgba(table[BLANK_INDEX]).alpha() == 0


def test_palette_change_redraws_the_gaps(view, qtbot):
    view.show_activations([Activation("conv", "Conv2d", torch.rand(2, 3, 3))])
    palette = QPalette(view.palette())
    palette.setColor(QPalette.ColorRole.Mid, QColor("#123456"))
    view.setPalette(palette)
    image = picture_label(view, "conv").pixmap().toImage()
    scale = image.width() // 7
    assert QColor(image.pixel(3 * scale, 0)).name() == "#123456"


def test_saliency_pixmap():
    torch.manual_seed(1)
    model = build(load_template("digits_cnn"))
    x = digit()
    heat, _target = saliency(model, x)
    image = (x[0, 0].clamp(0, 1).numpy() * 255).astype(np.uint8)
    pixmap = saliency_pixmap(image, heat.numpy(), size=140)
    assert (pixmap.width(), pixmap.height()) == (140, 140)
    assert (saliency_pixmap(image, heat.numpy(), size=56).width()) == 56
    # no saliency: the grey digit; full saliency: red over it
    plain = saliency_pixmap(image, np.zeros((28, 28)), size=28).toImage()
    assert QColor(plain.pixel(14, 10)).name() == QColor(*(int(image[10, 14]),) * 3).name()
    red = saliency_pixmap(np.zeros((28, 28), np.uint8), np.ones((28, 28)), size=28).toImage()
    colour = QColor(red.pixel(0, 0))
    assert colour.red() > 150 and colour.green() < 40 and colour.blue() < 40
    with pytest.raises(ValueError):
        saliency_pixmap(image, np.zeros((14, 14)))
