"""The health view fills its table only where it is seen (measurements arrive twice a second
during a run, mostly while the panel is behind another tab), and catches up when shown."""

from __future__ import annotations

from netbuilder.core.health import Health, ModuleHealth
from netbuilder.gui.inspect.health import HealthView


def measured(step: int) -> Health:
    return Health(step, {"fc1": ModuleHealth("fc1", 0.5, 1e-3),
                         "relu": ModuleHealth("relu", None, None, 0.1)})


def test_a_hidden_view_fills_its_table_when_it_is_shown(qtbot):
    view = HealthView()
    qtbot.addWidget(view)
    view.show_health(measured(10))
    assert view.health.step == 10  # kept for whoever asks
    assert view.table.rowCount() == 0  # not drawn while nobody sees it
    view.show_health(measured(20))
    view.show()
    qtbot.waitExposed(view)
    assert view.table.rowCount() == 2
    assert view.title.text() == "Measured at step 20"
    assert view.table.item(0, 0).text() == "fc1"
    assert view.table.item(1, 3).text() == "10%"


def test_a_shown_view_fills_its_table_at_once(qtbot):
    view = HealthView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.show_health(measured(30))
    assert view.table.rowCount() == 2
    assert view.title.text() == "Measured at step 30"
    view.clear()
    view.hide()
    view.show()
    assert view.table.rowCount() == 0  # cleared stays cleared
