"""Layer plugins that could not be loaded are shown: a footer under the Layers palette (hidden
when none failed) and Help ▸ About."""

import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from netbuilder.core import catalog as catalog_module
from netbuilder.gui.dialogs.help import about_text
from netbuilder.gui.network.palette import Palette

BROKEN_SOURCE = textwrap.dedent('''
    def exploding():
        raise RuntimeError("plugin exploded")
''')


@pytest.fixture
def broken_plugins(tmp_path, monkeypatch):
    """An installed distribution whose two netbuilder.layers entry points both fail."""
    (tmp_path / "nb_broken_plugin.py").write_text(BROKEN_SOURCE)
    info = tmp_path / "nb_broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nb-broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[netbuilder.layers]\nexploding = nb_broken_plugin:exploding\n"
        "missing = nb_broken_plugin:no_such_name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog_module.reload_catalog()
    yield
    monkeypatch.undo()  # off sys.path before rediscovering
    sys.modules.pop("nb_broken_plugin", None)
    catalog_module.reload_catalog()
    assert not [e for e in catalog_module.default_catalog().plugin_errors if "nb_broken" in e]


def test_the_footer_is_hidden_when_every_plugin_loaded(qtbot):
    catalog_module.reload_catalog()
    palette = Palette()
    qtbot.addWidget(palette)
    palette.show()
    assert catalog_module.default_catalog().plugin_errors == []
    assert palette.plugin_errors.isHidden()


def test_the_footer_counts_broken_plugins_and_unfolds_the_reasons(qtbot, broken_plugins):
    palette = Palette()
    qtbot.addWidget(palette)
    palette.resize(260, 500)
    palette.show()
    footer = palette.plugin_errors
    assert footer.isVisible()
    assert footer.summary.text() == "2 layer plugins could not be loaded"
    reasons = footer.summary.toolTip().splitlines()
    assert reasons == [
        "plugin 'exploding' (nb_broken_plugin:exploding): RuntimeError: plugin exploded",
        "plugin 'missing' (nb_broken_plugin:no_such_name): AttributeError: module "
        "'nb_broken_plugin' has no attribute 'no_such_name'",
    ]
    assert not footer.details.isVisible()
    qtbot.mouseClick(footer.toggle, Qt.MouseButton.LeftButton)
    assert footer.details.isVisible()
    assert footer.details.toPlainText().splitlines() == reasons
    assert footer.height() < palette.tree.height()  # unfolded, it still leaves the tree room
    qtbot.mouseClick(footer.toggle, Qt.MouseButton.LeftButton)
    assert not footer.details.isVisible()
    assert palette.item("Linear") is not None  # the built-in kinds are all still there


def test_one_broken_plugin_reads_in_the_singular(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    palette.plugin_errors.show_errors(["plugin 'x' (m:x): ImportError: gone"])
    assert palette.plugin_errors.summary.text() == "1 layer plugin could not be loaded"
    palette.plugin_errors.show_errors([])
    assert palette.plugin_errors.isHidden()


def test_about_lists_the_broken_plugins(qapp, broken_plugins):
    text = about_text()
    assert "<p>2 layer plugins could not be loaded</p>" in text
    assert ("<li>plugin &#x27;exploding&#x27; (nb_broken_plugin:exploding): RuntimeError: "
            "plugin exploded</li>") in text
    assert "MIT License" in text


def test_about_says_nothing_of_plugins_when_all_loaded(qapp):
    catalog_module.reload_catalog()
    assert "plugin" not in about_text()
