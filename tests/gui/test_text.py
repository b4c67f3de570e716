"""The text helper: Qt-style placeholders filled in one pass; no QApplication needed."""

from netbuilder.gui.text import fill, plural


def test_fill_replaces_each_placeholder_with_its_value():
    assert fill("Rename %1 to %2", "fc1", "fc2") == "Rename fc1 to fc2"
    assert fill("%2 之后是 %1", "a", "b") == "b 之后是 a"  # a translation may reorder them
    assert fill("%1 and %1", 3) == "3 and 3"


def test_a_value_containing_a_placeholder_is_not_substituted_again():
    assert fill("Rename %1 to %2", "odd%2name", "new") == "Rename odd%2name to new"
    assert fill("%1 %2", "%1", "%2") == "%1 %2"


def test_placeholders_without_a_value_and_other_percent_signs_stay():
    assert fill("%1 of %2", "one") == "one of %2"
    assert fill("accuracy %1 %", "98.1") == "accuracy 98.1 %"
    assert fill("no placeholders") == "no placeholders"


def test_plural_picks_the_form_and_formats_the_count():
    assert plural(1, "1 layer", "%1 layers") == "1 layer"
    assert plural(0, "1 layer", "%1 layers") == "0 layers"
    assert plural(12345, "1 layer", "%1 layers") == "12,345 layers"
