"""A layer plugin that fails to load is recorded and logged with its traceback; one that
loads says what it added (visible with the CLI's --verbose)."""

import logging
from importlib.metadata import EntryPoint

from torch import nn

from netbuilder.core.catalog import ENTRY_POINT_GROUP, LayerKind, build_catalog

LOGGER = "netbuilder.core.catalog"


def good_kinds():
    return [LayerKind("Twice", "Custom", nn.Identity, (), "Passes its input on.")]


def exploding_kinds():
    raise RuntimeError("plugin exploded")


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, ENTRY_POINT_GROUP)


def test_a_broken_plugin_is_recorded_and_logged_with_its_traceback(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    catalog = build_catalog([
        entry("good", f"{__name__}:good_kinds"),
        entry("exploding", f"{__name__}:exploding_kinds"),
        entry("missing", "nb_no_such_module_here:kinds"),
    ])
    assert "Twice" in catalog
    assert catalog.plugin_errors == [
        f"plugin 'exploding' ({__name__}:exploding_kinds): RuntimeError: plugin exploded",
        "plugin 'missing' (nb_no_such_module_here:kinds): ModuleNotFoundError: "
        "No module named 'nb_no_such_module_here'",
    ]
    records = [r for r in caplog.records if r.name == LOGGER]
    assert all(r.levelno == logging.INFO for r in records)  # the CLI and window tell people
    failed = [r for r in records if r.exc_info is not None]
    assert [r.getMessage() for r in failed] == [
        f"layer plugin 'exploding' ({__name__}:exploding_kinds) could not be loaded",
        "layer plugin 'missing' (nb_no_such_module_here:kinds) could not be loaded",
    ]
    assert failed[0].exc_info[0] is RuntimeError
    assert "exploding_kinds" in caplog.text  # the traceback names the failing function
    added = [r.getMessage() for r in records if r.exc_info is None]
    assert added == [f"layer plugin 'good' ({__name__}:good_kinds) added Twice"]


def test_a_plugin_failing_half_way_says_what_it_had_added(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    def half():
        return [*good_kinds(), "not a kind"]

    class Half:
        name, value, group = "half", "somewhere:half", ENTRY_POINT_GROUP

        def load(self):
            return half

    catalog = build_catalog([Half()])
    assert catalog.plugin_errors == [
        "plugin 'half' (somewhere:half): TypeError: expected LayerKind, got str"]
    assert caplog.records[-1].getMessage() == (
        "layer plugin 'half' (somewhere:half) could not be loaded (after adding Twice)")
