"""Layer cards: the short argument texts, the tooltip, and the stack view painting every card."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from netbuilder.core import editing
from netbuilder.core.resources import load_template, template_names
from netbuilder.core.spec import LayerSpec
from netbuilder.gui.model.document import Document
from netbuilder.gui.network.cards import card_tooltip, key_args
from netbuilder.gui.network.stack_view import StackView


@pytest.fixture
def stack(qtbot):
    def make(template: str):
        document = Document(load_template(template))
        view = StackView(document)
        qtbot.addWidget(view)
        view.resize(420, 900)
        view.show()
        qtbot.waitExposed(view)
        view.expandAll()
        return document, view

    return make


def colours(view: StackView) -> set[str]:
    """The colours of a grid of pixels over the painted view (an exception in the delegate's
    paint fails the test through pytest-qt)."""
    image = view.viewport().grab().toImage()
    return {QColor(image.pixel(x, y)).name()
            for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}


@pytest.mark.parametrize("template", template_names())
def test_every_template_paints_its_cards(stack, template):
    document, view = stack(template)
    assert document.analysis.ok
    assert len(colours(view)) > 5  # cards, category strips and text, not a blank view


def test_cards_with_errors_and_a_selection_paint(stack):
    document, view = stack("mnist_mlp")
    first = next(item for item in document.spec.items if item.kind == "Linear")
    assert document.edit("break it", lambda spec: editing.set_args(
        spec, first.name, {"in_features": 5}))
    assert not document.analysis.ok
    last = [item for item in document.spec.items if item.kind == "Linear"][-1]
    document.select([last.name])
    dark = view.palette().base().color().lightness() < 128
    assert ("#5c1f1f" if dark else "#fde2e1") in colours(view)  # the error card's background


def card_image(view: StackView, path: str):
    """The painted pixels of one card's row."""
    rect = view.visualRect(view.stack_model.index_of(path))
    return view.viewport().grab(rect).toImage()


def test_a_card_painted_again_shows_what_changed_and_equals_its_first_picture(stack):
    """Cards come from a pixmap cache: each change of what a card shows gives another picture,
    and the same content gives the same picture again."""
    document, view = stack("mnist_mlp")
    first = next(item for item in document.spec.items if item.kind == "Linear")
    before = card_image(view, first.name)
    size = first.args["out_features"]
    pictures = [before]

    def changed(text, change) -> None:
        assert document.edit(text, change)
        view.viewport().repaint()
        picture = card_image(view, first.name)
        assert all(picture != other for other in pictures), text
        pictures.append(picture)

    changed("resize", lambda spec: editing.set_args(spec, first.name,
                                                     {"out_features": size + 1}))
    changed("freeze", lambda spec: editing.set_frozen(spec, [first.name], True))
    document.trained_paths = {first.name}
    view.viewport().repaint()
    trained = card_image(view, first.name)
    assert all(trained != other for other in pictures)
    document.trained_paths = set()
    document.undo_stack.undo()
    document.undo_stack.undo()
    view.viewport().repaint()
    assert card_image(view, first.name) == before
    document.select([first.name])
    view.viewport().repaint()
    assert card_image(view, first.name) != before  # selected
    document.select([])
    view.viewport().repaint()
    assert card_image(view, first.name) == before


def test_key_args_fill_their_placeholders():
    assert key_args(LayerSpec("Flatten", "f", {"start_dim": 1, "end_dim": -1})) == "dims 1…-1"
    assert key_args(LayerSpec("GroupNorm", "g", {"num_groups": 4, "num_channels": 32})) == \
        "32 in 4 groups"
    assert key_args(LayerSpec("Unflatten", "u", {"dim": 1, "unflattened_size": [1, 28, 28]})) == \
        "dim 1 → 1×28×28"
    assert key_args(LayerSpec("AdaptiveAvgPool2d", "a", {"output_size": [2, 3]})) == "to 2×3"


def test_the_tooltip_names_shapes_parameters_and_macs():
    document = Document(load_template("mnist_mlp"))
    first = next(item for item in document.spec.items if item.kind == "Linear")
    text = card_tooltip(first, document.analysis.row(first.name))
    assert "in [N, 784] → out [N, " in text
    assert f"{784 * first.args['out_features'] + first.args['out_features']:,} parameters" in text
    assert "%" not in text


def test_the_cards_list_every_word_of_the_shared_layer_text_for_translation():
    from netbuilder.core import layer_text
    from netbuilder.gui.network import cards

    assert cards._WORDS == layer_text.WORDS
