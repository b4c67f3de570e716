"""One application-wide Python event filter that hands each event type to its watchers.

An application-wide filter written in Python costs a call into the interpreter for every event
of every widget (a selection that shows another properties page sends a few hundred: show, hide,
polish, layout, paint). The accessibility namer and the wheel guard each want a couple of event
types; two filters of their own doubled that cost (about 4 ms of a 10 ms selection at 1,000
layers). This filter is installed once, dispatches by event type from a dict, and leaves the
application while no watcher is on (``quiet_run`` turns both off while a run trains).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject

Handler = Callable[[QObject, QEvent], bool]


class AppFilter(QObject):
    """Watchers by name, each a map from event type to handler; a handler returning True
    swallows the event."""

    def __init__(self) -> None:
        super().__init__()
        self._watchers: dict[str, dict[QEvent.Type, Handler]] = {}
        self._on: set[str] = set()
        self._handlers: dict[QEvent.Type, tuple[Handler, ...]] = {}
        self._installed: QCoreApplication | None = None

    def watch(self, name: str, handlers: dict[QEvent.Type, Handler]) -> None:
        """Add (or replace) watcher ``name``, on."""
        self._watchers[name] = dict(handlers)
        self._on.add(name)
        self._update()

    def set_on(self, name: str, on: bool) -> None:
        """Turn watcher ``name`` on or off; with every watcher off the filter leaves the app."""
        if name not in self._watchers:
            return
        (self._on.add if on else self._on.discard)(name)
        self._update()

    def is_on(self, name: str) -> bool:
        return name in self._on

    def installed(self) -> bool:
        """Whether the filter watches the application now."""
        return self._installed is not None

    def _update(self) -> None:
        handlers: dict[QEvent.Type, list[Handler]] = {}
        for name in sorted(self._on):
            for kind, handler in self._watchers[name].items():
                handlers.setdefault(kind, []).append(handler)
        self._handlers = {kind: tuple(found) for kind, found in handlers.items()}
        app = QCoreApplication.instance()
        if self._handlers and self._installed is None and app is not None:
            app.installEventFilter(self)
            self._installed = app
        elif not self._handlers and self._installed is not None:
            self._installed.removeEventFilter(self)
            self._installed = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        handlers = self._handlers.get(event.type())
        if handlers is None:
            return False
        for handler in handlers:
            if handler(watched, event):
                return True
        return False


_filter: AppFilter | None = None


def app_filter() -> AppFilter:
    """The application's one filter (made on first use; installed while a watcher is on)."""
    global _filter
    if _filter is None:
        _filter = AppFilter()
    return _filter
