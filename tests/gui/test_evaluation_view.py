"""The evaluation view, fed by a real (small, quickly trained) network on the embedded digits."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QListWidget, QTableWidget

from netbuilder.core.builder import build
from netbuilder.core.data import load_digits
from netbuilder.core.resources import load_template
from netbuilder.core.training import TrainConfig, Trainer, evaluate, reset_weights
from netbuilder.gui.training.evaluation import (
    EvaluationView,
    contrast_ratio,
    images_as_uint8,
    pg,  # pyqtgraph, imported there after choosing PySide6
    thumbnail,
)

VAL = 500


@pytest.fixture(scope="module")
def evaluated():
    """A network trained for one epoch on 2,000 digits, evaluated on 500 validation images."""
    digits = load_digits()
    data = digits.on_device("cpu")
    data.train_x, data.train_y = data.train_x[:2000], data.train_y[:2000]
    data.val_x, data.val_y = data.val_x[:VAL], data.val_y[:VAL]
    model = build(load_template("mnist_mlp"))
    reset_weights(model, 0)
    Trainer(model, data, TrainConfig(epochs=1, batch_size=100, device="cpu")).train()
    result = evaluate(model, data.val_x, data.val_y, data.num_classes)
    return {
        "result": result,
        "uint8": digits.val_images[:VAL],
        "float": data.val_x,
        "labels": data.val_y.tolist(),
        "names": digits.class_names,
    }


@pytest.fixture
def view(qtbot, evaluated):
    widget = EvaluationView()
    qtbot.addWidget(widget)
    widget.resize(1100, 850)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def shown(view, evaluated, images="uint8"):
    view.show_result(evaluated["result"], evaluated[images], evaluated["labels"],
                     evaluated["names"])


def table_of(view) -> QTableWidget:
    table = view.findChild(QTableWidget, "confusion_table")
    assert table is not None
    return table


def click_cell(qtbot, table: QTableWidget, row: int, column: int) -> None:
    item = table.item(row, column)
    table.scrollToItem(item)
    rect = table.visualItemRect(item)
    assert table.viewport().rect().contains(rect.center())
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def gallery_title(view) -> str:
    return view.findChild(QLabel, "gallery_title").text()


# -- before a result, and after clear() -----------------------------------------------------------


def test_hint_before_any_result_and_after_clear(view, evaluated):
    hint = view.findChild(QLabel, "evaluation_hint")
    assert hint.isVisible() and "validation images" in hint.text()
    assert not table_of(view).isVisible() and view.gallery_indices() == []

    shown(view, evaluated)
    assert not hint.isVisible() and table_of(view).isVisible()

    view.clear()
    assert hint.isVisible() and not table_of(view).isVisible()
    assert view.gallery_indices() == [] and view.confusion_total() == 0
    assert not view.has_result()


# -- what it shows -------------------------------------------------------------------------------


def test_confusion_table_counts_are_the_results(view, evaluated):
    result = evaluated["result"]
    shown(view, evaluated)
    table = table_of(view)
    assert table.rowCount() == table.columnCount() == 10
    assert view.confusion_total() == VAL == result.count
    cells = [[int(table.item(r, c).text()) for c in range(10)] for r in range(10)]
    assert cells == result.confusion
    names = evaluated["names"]
    assert [table.horizontalHeaderItem(c).text() for c in range(10)] == names
    assert [table.verticalHeaderItem(r).text() for r in range(10)] == names


def test_headline_shows_accuracy_and_loss(view, evaluated):
    result = evaluated["result"]
    shown(view, evaluated)
    text = view.findChild(QLabel, "accuracy_label").text()
    correct = sum(result.confusion[i][i] for i in range(10))
    assert f"{result.accuracy * 100:.2f} %" in text
    assert f"({correct} of {VAL})" in text
    assert f"{result.loss:.4g}" in text
    assert 0.5 < result.accuracy < 1.0  # learnt something, but still makes mistakes to show


def test_gallery_defaults_to_the_most_confidently_wrong_in_order(view, evaluated):
    result = evaluated["result"]
    shown(view, evaluated)
    wrong = result.most_confident_wrong
    assert wrong and view.gallery_indices() == [w.index for w in wrong]
    assert gallery_title(view) == "Most confidently wrong"
    gallery = view.findChild(QListWidget, "gallery")
    assert gallery.viewMode() == QListWidget.ViewMode.IconMode
    first = wrong[0]
    assert gallery.item(0).text() == f"{first.true} → {first.predicted} " \
                                     f"({first.confidence * 100:.0f} %)"
    assert not gallery.item(0).icon().isNull()
    assert not view.findChild(QLabel, "gallery_title").text().startswith("True")


def test_clicking_an_off_diagonal_cell_shows_its_examples(qtbot, view, evaluated):
    result, labels = evaluated["result"], evaluated["labels"]
    shown(view, evaluated)
    r, c = max(((r, c) for r in range(10) for c in range(10) if r != c),
               key=lambda rc: result.confusion[rc[0]][rc[1]])
    count = result.confusion[r][c]
    assert count > 0
    click_cell(qtbot, table_of(view), r, c)
    assert view.gallery_indices() == result.examples(r, c, labels)
    assert len(view.gallery_indices()) == count
    noun = "image" if count == 1 else "images"
    assert gallery_title(view) == f"True {r}, predicted {c}: {count} {noun}"
    assert all(labels[i] == r and result.predictions[i] == c for i in view.gallery_indices())

    # Back to the default with the button.
    button = view.wrong_button
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert view.gallery_indices() == [w.index for w in result.most_confident_wrong]
    assert gallery_title(view) == "Most confidently wrong" and not button.isVisible()


def test_clicking_a_diagonal_cell_shows_correct_examples(qtbot, view, evaluated):
    result, labels = evaluated["result"], evaluated["labels"]
    shown(view, evaluated, images="float")
    click_cell(qtbot, table_of(view), 3, 3)
    indices = view.gallery_indices()
    assert indices == result.examples(3, 3, labels)
    assert len(indices) == result.confusion[3][3] > 0
    assert all(labels[i] == 3 == result.predictions[i] for i in indices)
    assert gallery_title(view).startswith("True 3, predicted 3: ")


def test_an_empty_cell_shows_no_images(qtbot, view, evaluated):
    result = evaluated["result"]
    shown(view, evaluated)
    empty = next(((r, c) for r in range(10) for c in range(10) if not result.confusion[r][c]),
                 None)
    assert empty is not None  # 500 images in 100 cells: a seeded run always leaves some empty
    click_cell(qtbot, table_of(view), *empty)
    assert view.gallery_indices() == []
    assert gallery_title(view).endswith(": no images")


def test_arrow_keys_move_through_the_cells(qtbot, view, evaluated):
    result, labels = evaluated["result"], evaluated["labels"]
    shown(view, evaluated)
    table = table_of(view)
    click_cell(qtbot, table, 2, 2)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert view.shown_cell() == (2, 3)
    assert view.gallery_indices() == result.examples(2, 3, labels)


def test_per_class_bars_are_the_per_class_accuracy(view, evaluated):
    result = evaluated["result"]
    shown(view, evaluated)
    plot = view.findChild(pg.PlotWidget, "per_class_plot")
    assert plot is not None
    bars = [i for i in plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1
    heights = np.asarray(bars[0].opts["height"], dtype=float)
    assert len(heights) == 10
    np.testing.assert_allclose(heights, result.per_class_accuracy)
    ticks = plot.getAxis("bottom")._tickLevels  # what setTicks stored
    assert [name for _x, name in ticks[0]] == evaluated["names"]


def test_showing_again_replaces_everything(view, evaluated):
    shown(view, evaluated)
    shown(view, evaluated, images="float")
    assert view.confusion_total() == VAL
    plot = view.findChild(pg.PlotWidget, "per_class_plot")
    assert sum(isinstance(i, pg.BarGraphItem) for i in plot.getPlotItem().items) == 1


def test_mismatched_images_are_refused(view, evaluated):
    with pytest.raises(ValueError, match="images"):
        view.show_result(evaluated["result"], evaluated["uint8"][:10], evaluated["labels"],
                         evaluated["names"])


# -- pixels ---------------------------------------------------------------------------------------


def test_float_and_uint8_images_give_the_same_pixels(evaluated):
    as_uint8 = images_as_uint8(evaluated["uint8"])
    from_float = images_as_uint8(evaluated["float"])
    assert as_uint8.shape == (VAL, 28, 28) and as_uint8.dtype == np.uint8
    np.testing.assert_array_equal(as_uint8, from_float)


def test_thumbnail_keeps_the_pixels(evaluated):
    image = images_as_uint8(evaluated["uint8"])[0]
    pixmap = thumbnail(image)
    assert (pixmap.width(), pixmap.height()) == (56, 56)
    qimage = pixmap.toImage()
    for y, x in [(0, 0), (14, 14), (10, 20), (27, 5), (20, 13)]:
        assert QColor(qimage.pixel(2 * x + 1, 2 * y + 1)).red() == image[y, x]


def _dark() -> QPalette:
    palette = QPalette()
    for role, colour in {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023", QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#34363b", QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d7bd9", QPalette.ColorRole.PlaceholderText: "#8a8d93",
    }.items():
        palette.setColor(role, QColor(colour))
    return palette


def _light() -> QPalette:
    palette = QPalette()
    for role, colour in {
        QPalette.ColorRole.Window: "#efefef", QPalette.ColorRole.WindowText: "#000000",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.Text: "#000000",
        QPalette.ColorRole.Highlight: "#308cc6", QPalette.ColorRole.PlaceholderText: "#7f7f7f",
    }.items():
        palette.setColor(role, QColor(colour))
    return palette


@pytest.mark.parametrize("palette, dark", [(_dark, True), (_light, False)])
def test_cells_are_readable_and_it_paints(view, evaluated, palette, dark):
    shown(view, evaluated)
    view.setPalette(palette())
    table = table_of(view)
    base = table.palette().color(QPalette.ColorRole.Base)
    assert (base.lightness() < 80) == dark
    for r in range(10):
        for c in range(10):
            item = table.item(r, c)
            background = item.background().color()
            foreground = item.foreground().color()
            if int(item.text()):
                assert contrast_ratio(background, foreground) >= 4.5, (r, c)
            else:
                assert background == base
    # The diagonal is green, a non-empty off-diagonal cell red.
    diagonal = table.item(1, 1).background().color()
    assert diagonal.green() > diagonal.red()
    result = evaluated["result"]
    r, c = next((r, c) for r in range(10) for c in range(10) if r != c and result.confusion[r][c])
    wrong = table.item(r, c).background().color()
    assert wrong.red() > wrong.green()
    plot = view.findChild(pg.PlotWidget, "per_class_plot")
    assert plot.backgroundBrush().color() == base

    picture = view.grab()
    assert not picture.isNull() and picture.width() > 500
    pixels = picture.toImage()
    colours = {pixels.pixel(x, y) for x in range(0, pixels.width(), 7)
               for y in range(0, pixels.height(), 7)}
    assert len(colours) > 20  # something was drawn, not one flat colour
