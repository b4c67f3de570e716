"""A pyqtgraph layout view whose painting does not hold the interpreter lock.

pyqtgraph's ``GraphicsView.paintEvent`` is a Python override: it tells the scene a paint is
coming (``prepareForPaint``: view boxes update their auto range and matrices), then calls
Qt's. Called from Python, Qt's painting of the whole frame (blits of the cached axes and
curves, the rasterised lines) runs with the interpreter lock held, and the training thread —
which needs the lock for every step of a small network — waits. This view leaves
``paintEvent`` to Qt, so no Python is called to paint the frame except the items' own
``paint``/``boundingRect``, each taking the lock only for itself; the scene hears of the paint
from a small event filter on the viewport instead. Measured with ``py-spy --gil`` while
``mnist_mlp`` trained in the window: the GUI thread held the lock 189 samples with
pyqtgraph's override, 85 without.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would prefer PyQt6

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QGraphicsView  # noqa: E402


class _PaintNotice(QObject):
    """Tells the view's scene before each paint of its viewport (what pyqtgraph's override
    did)."""

    def __init__(self, view: pg.GraphicsView) -> None:
        super().__init__(view)
        self._view = view
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            scene = self._view.scene()
            if scene is not None:
                scene.prepareForPaint()
        return False


class LiveLayoutView(pg.GraphicsLayoutWidget):
    """``pg.GraphicsLayoutWidget`` painted by Qt without Python around the frame."""

    paintEvent = QGraphicsView.paintEvent  # noqa: N815 (Qt's name): Qt's, not pyqtgraph's

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._paint_notice = _PaintNotice(self)
