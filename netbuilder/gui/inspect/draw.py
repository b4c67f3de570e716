"""Draw a digit and watch the trained network classify it, live.

The drawing goes through ``core.digits.preprocess`` (MNIST's own normalisation) and the 28×28
image the network really receives is shown beside the canvas. When the weights are calibrated
(``session.calibration``, fitted at the end of a training run) the probabilities shown are
calibrated, and below the calibration's threshold the answer is "Not sure — maybe 4 or 9";
otherwise they are the raw softmax, marked uncalibrated (see ``core.calibration.read``).
Labelled drawings become user examples, saved with the project, that a short fine-tuning run
can learn from.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEvent,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen, QPixmap

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.calibration import TARGET_PRECISION, read  # noqa: E402
from netbuilder.gui.inspect.activations import ActivationView, saliency_pixmap  # noqa: E402
from netbuilder.gui.text import fill, plural  # noqa: E402

if TYPE_CHECKING:
    from netbuilder.core.digits import Prepared


# core.digits' problems of a drawing, for Qt's translation tools
DRAWING_PROBLEMS = (
    QT_TRANSLATE_NOOP("DrawPanel", "The canvas is empty: draw a digit."),
    QT_TRANSLATE_NOOP("DrawPanel", "The drawing is too small to trust: draw the digit larger."),
    QT_TRANSLATE_NOOP("DrawPanel",
                      "The drawing is too faint to trust: use a wider or darker stroke."),
)

CANVAS = 280  # pixels of the drawing, ten times MNIST's 28
CLASSIFY_MS = 40  # classify at most this often while drawing


class DrawCanvas(QWidget):
    """White ink on black, drawn with the mouse or a pen (pressure widens the stroke)."""

    changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("draw_canvas")
        self.setFixedSize(CANVAS, CANVAS)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.brush = 18.0
        self.strokes: list[tuple[float, list[tuple[float, float, float]]]] = []
        self._current: list[tuple[float, float, float]] | None = None
        self.image = QImage(CANVAS, CANVAS, QImage.Format.Format_Grayscale8)
        self.image.fill(0)

    # -- drawing ---------------------------------------------------------------------------------

    def _begin(self, pos: QPointF, pressure: float) -> None:
        self._current = [(pos.x(), pos.y(), pressure)]
        self.strokes.append((self.brush, self._current))
        self._segment(self.brush, self._current[-1], self._current[-1])

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        point = (pos.x(), pos.y(), pressure)
        self._segment(self.brush, self._current[-1], point)
        self._current.append(point)

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.stroke_finished.emit()

    def _segment(self, width: float, a, b) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), width * max(0.2, (a[2] + b[2]) / 2))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(QPointF(a[0], a[1]), QPointF(b[0], b[1]))
        painter.end()
        self.update()
        self.changed.emit()

    def _redraw(self) -> None:
        self.image.fill(0)
        strokes, self.strokes = self.strokes, []
        for width, points in strokes:
            self.strokes.append((width, points))
            for a, b in zip(points, points[1:] or points, strict=False):
                self._segment(width, a, b)
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.strokes.clear()
        self._current = None
        self._redraw()
        self.stroke_finished.emit()

    def undo_stroke(self) -> None:
        if self.strokes:
            self.strokes.pop()
            self._redraw()
            self.stroke_finished.emit()

    def pixels(self) -> np.ndarray:
        """The drawing as uint8 [H, W] (ink bright)."""
        data = self.image.constBits()
        array = np.frombuffer(data, dtype=np.uint8).reshape(CANVAS, self.image.bytesPerLine())
        return array[:, :CANVAS].copy()

    # -- events ----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus()
            self._begin(event.position(), 1.0)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)
            self._end()

    def tabletEvent(self, event) -> None:
        pressure = max(0.05, event.pressure())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event) -> bool:
        # Esc and Ctrl+Z belong to the canvas while it has focus (not to the window's undo)
        if event.type() == QEvent.Type.ShortcutOverride and (
                event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Undo)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
        elif event.matches(QKeySequence.StandardKey.Undo):
            self.undo_stroke()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.drawImage(QRectF(0, 0, CANVAS, CANVAS), self.image)
        if not self.strokes:
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             self.tr("Draw a digit here"))
        painter.end()


class DrawPanel(QWidget):
    """Canvas, live probabilities, the 28×28 input, activations and user examples."""

    fine_tune_requested = Signal()

    def __init__(self, model_source, session, parent=None):
        """``model_source()`` gives (model or None, class names, why-not message or '');
        labelled drawings go into ``session`` (they are saved with the project)."""
        super().__init__(parent)
        self.setObjectName("draw_panel")
        self.model_source = model_source
        self.session = session
        self.prepared: Prepared | None = None
        self.probabilities: list[float] = []
        self.canvas = DrawCanvas(self)
        self.canvas.setAccessibleName(self.tr("Drawing canvas"))
        self.canvas.setAccessibleDescription(self.tr(
            "Draw a digit with the mouse or a pen; Esc clears it"))
        self.brush = QSlider(Qt.Orientation.Horizontal, self)
        self.brush.setObjectName("brush_width")
        self.brush.setRange(4, 40)
        self.brush.setValue(18)
        self.brush.valueChanged.connect(lambda v: setattr(self.canvas, "brush", float(v)))
        self.clear_button = QPushButton(self.tr("Clear (Esc)"), self)
        self.clear_button.setObjectName("clear_drawing")
        self.undo_button = QPushButton(self.tr("Undo stroke"), self)
        self.undo_button.setObjectName("undo_stroke")
        self.preview = QLabel(self)
        self.preview.setObjectName("model_input")
        self.preview.setFixedSize(140, 140)
        self.preview.setToolTip(self.tr("The 28×28 image the network receives"))
        self.saliency_check = QCheckBox(self.tr("Saliency"), self)
        self.saliency_check.setObjectName("saliency_check")
        self.saliency_check.setToolTip(self.tr("Where a change of the input would change the "
                                               "top class most"))
        self.top = QLabel("–", self)
        self.top.setObjectName("top_class")
        font = self.top.font()
        font.setPointSize(font.pointSize() * 3)
        font.setBold(True)
        self.top.setFont(font)
        self.top3 = QLabel(self)
        self.top3.setObjectName("top3")
        self.verdict = QLabel(self)
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.calibration_state = QLabel(self)
        self.calibration_state.setObjectName("calibration_state")
        small = self.calibration_state.font()
        small.setPointSizeF(small.pointSizeF() * 0.85)
        self.calibration_state.setFont(small)
        self.message = QLabel(self)
        self.message.setObjectName("draw_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b07800")
        self.bars = pg.PlotWidget(self)
        self.bars.setObjectName("probability_plot")
        self.bars.setAccessibleName(self.tr("Class probabilities"))
        self.bars.setMouseEnabled(False, False)
        self.bars.setYRange(0, 1, padding=0.02)
        self.bars.hideButtons()
        self.bars.setMinimumHeight(140)
        self.bars.setMinimumWidth(220)
        self.bars.setBackground(self.palette().color(self.backgroundRole()))
        self.bars.getPlotItem().showGrid(y=True, alpha=0.2)
        self.bar_item = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#3d7bd9")
        self.bars.addItem(self.bar_item)
        self.show_activations = QCheckBox(self.tr("Show what the network sees"), self)
        self.show_activations.setObjectName("show_activations")
        self.activations = ActivationView(self)
        self.activations.setVisible(False)
        self.label_box = QComboBox(self)
        self.label_box.setObjectName("example_label")
        self.add_button = QPushButton(self.tr("Add as example"), self)
        self.add_button.setObjectName("add_example")
        self.examples_label = QLabel(self)
        self.examples_label.setObjectName("examples_label")
        self.fine_tune_button = QPushButton(self.tr("Fine-tune"), self)
        self.fine_tune_button.setObjectName("fine_tune")
        self.fine_tune_button.setToolTip(self.tr("A short run on your examples mixed with "
                                                 "training images"))

        tools = QHBoxLayout()
        tools.addWidget(QLabel(self.tr("Brush"), self))
        tools.addWidget(self.brush, 1)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        left = QVBoxLayout()
        left.addWidget(self.canvas)
        left.addLayout(tools)
        seen = QVBoxLayout()
        seen.addWidget(QLabel(self.tr("Network input (28×28)"), self))
        seen.addWidget(self.preview)
        seen.addWidget(self.saliency_check)
        seen.addStretch(1)
        result = QGridLayout()
        result.addWidget(self.top, 0, 0)
        result.addWidget(self.top3, 0, 1)
        result.addWidget(self.verdict, 1, 0, 1, 2)
        result.addWidget(self.bars, 2, 0, 1, 2)
        result.addWidget(self.calibration_state, 3, 0, 1, 2)
        result.addWidget(self.message, 4, 0, 1, 2)
        teach = QHBoxLayout()
        teach.addWidget(QLabel(self.tr("This is a"), self))
        teach.addWidget(self.label_box)
        teach.addWidget(self.add_button)
        teach.addWidget(self.examples_label, 1)
        teach.addWidget(self.fine_tune_button)
        top_row = QHBoxLayout()
        top_row.addLayout(left)
        top_row.addLayout(seen)
        top_row.addLayout(result, 1)
        teach.addWidget(self.show_activations)
        layout = QVBoxLayout(self)
        layout.addLayout(top_row)
        layout.addLayout(teach)  # a row of its own: the panel fits a 1280×800 window
        layout.addWidget(self.activations, 1)
        self.activations.setSizePolicy(QSizePolicy.Policy.Expanding,
                                       QSizePolicy.Policy.Expanding)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CLASSIFY_MS)
        self._timer.timeout.connect(self.classify_now)
        self.canvas.changed.connect(self._schedule)
        self.canvas.stroke_finished.connect(self.classify_now)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo_stroke)
        self.show_activations.toggled.connect(self._toggle_activations)
        self.saliency_check.toggled.connect(lambda _on: self.classify_now())
        self.add_button.clicked.connect(self.add_example)
        self.fine_tune_button.clicked.connect(self.fine_tune_requested)
        self.set_class_names([str(i) for i in range(10)])
        session.examples_changed.connect(self._update_examples)
        session.calibration_changed.connect(self.classify_now)
        self._update_examples()
        self.classify_now()

    # -- classification ----------------------------------------------------------------------

    def set_class_names(self, names: list[str]) -> None:
        current = self.label_box.currentIndex()
        self.label_box.clear()
        self.label_box.addItems(names)
        self.label_box.setCurrentIndex(max(0, min(current, len(names) - 1)))
        self.bars.getAxis("bottom").setTicks([list(enumerate(names))])
        self.bars.setXRange(-0.6, len(names) - 0.4, padding=0)

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def classify_now(self) -> None:
        if not self.session.document.ready:  # torch is loading: the window asks again then
            return
        from netbuilder.core.activations import layer_activations, saliency
        from netbuilder.core.digits import check_model, classify, preprocess

        self._timer.stop()
        self.prepared = preprocess(self.canvas.pixels())
        self._show_input()
        model, names, why_not = self.model_source()
        notes = []
        if self.prepared.problem:
            notes.append(QCoreApplication.translate("DrawPanel", self.prepared.problem))
        if model is None or why_not:
            self._show_probabilities([])
            self.message.setText(" ".join(notes + [why_not or self.tr(
                "No network to ask yet: train one (F5) or load weights.")]))
            return
        problem = check_model(model, len(names))
        if problem:
            self._show_probabilities([])
            self.message.setText(" ".join(notes + [problem]))
            return
        if not self.canvas.strokes:
            self._show_probabilities([])
            self.message.setText(" ".join(notes))
            return
        self.probabilities = classify(model, self.prepared.tensor)
        calibration = self.session.calibration
        if calibration is not None and len(self.probabilities) > 1:
            self.probabilities = calibration.rescale(self.probabilities)
        self._show_probabilities(self.probabilities, names)
        self.message.setText(" ".join(notes))
        if self.saliency_check.isChecked():
            heat, _target = saliency(model, self.prepared.tensor)
            self.preview.setPixmap(saliency_pixmap(self.prepared.image, heat.numpy(), 140))
        if self.show_activations.isChecked():
            acts = layer_activations(model, self.prepared.tensor)
            self.activations.show_activations(acts[0] if isinstance(acts, tuple) else acts)

    def predicted(self) -> int | None:
        if not self.probabilities:
            return None
        return int(np.argmax(self.probabilities))

    def _show_input(self) -> None:
        image = np.ascontiguousarray(self.prepared.image)
        qimage = QImage(image.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(
            140, 140, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))

    def _show_probabilities(self, probabilities: list[float], names: list[str] | None = None
                            ) -> None:
        self._show_calibration()
        if not probabilities:
            self.bar_item.setOpts(x=[], height=[])
            self.top.setText("–")
            self.top3.setText("")
            self.verdict.setText("")
            self.probabilities = []
            return
        names = names or [str(i) for i in range(len(probabilities))]
        self.bar_item.setOpts(x=list(range(len(probabilities))), height=probabilities)
        order = np.argsort(probabilities)[::-1][:3]
        self.top3.setText("<br>".join(f"{names[i]}: {probabilities[i]:.1%}" for i in order))
        reading = read(probabilities, self.session.calibration)
        top = names[reading.top]
        self.top.setText("?" if reading.sure is False else top)
        if reading.sure is False:
            text = (fill(self.tr("Not sure — maybe %1 or %2"), top, names[reading.second])
                    if reading.second is not None else fill(self.tr("Not sure — maybe %1"), top))
        elif reading.second is not None:
            text = fill(self.tr("%1 (%2), or maybe %3 (%4)"), top,
                        f"{probabilities[reading.top]:.0%}", names[reading.second],
                        f"{probabilities[reading.second]:.0%}")
        else:
            text = fill(self.tr("%1 (%2)"), top, f"{probabilities[reading.top]:.0%}")
        self.verdict.setText(text)

    def _show_calibration(self) -> None:
        """Say whether the probabilities are calibrated, and what "not sure" means."""
        calibration = self.session.calibration
        if calibration is None:
            self.calibration_state.setText(self.tr("Uncalibrated"))
            self.calibration_state.setToolTip(self.tr(
                "These probabilities are the network's raw softmax, which is often "
                "over-confident. A training run calibrates them on its validation split; "
                "checkpoints and projects saved after it keep the calibration."))
            return
        self.calibration_state.setText(fill(self.tr("Calibrated: not sure below %1"),
                                            f"{calibration.threshold:.0%}"))
        self.calibration_state.setToolTip(fill(self.tr(
            "Probabilities calibrated on the validation split by temperature scaling "
            "(temperature %1). Below %2 the answer is “not sure”: on validation, the "
            "answers at or above it were at least %3 right."),
            f"{calibration.temperature:.3g}", f"{calibration.threshold:.0%}",
            f"{TARGET_PRECISION:.1%}"))

    def _toggle_activations(self, on: bool) -> None:
        self.activations.setVisible(on)
        if on:
            self.classify_now()
        else:
            self.activations.clear()

    # -- user examples -----------------------------------------------------------------------

    def add_example(self) -> None:
        if self.prepared is None or not self.canvas.strokes or self.prepared.problem:
            self.message.setText(self.tr("Draw a clear digit first, then label it."))
            return
        self.session.add_example({"label": self.label_box.currentIndex(),
                              "pixels": self.prepared.image.reshape(-1).tolist()})
        self.canvas.clear()

    @property
    def examples(self) -> list[dict]:
        return self.session.examples

    def _update_examples(self) -> None:
        count = len(self.examples)
        self.examples_label.setText(plural(count, self.tr("1 example"),
                                           self.tr("%1 examples")))
        self.fine_tune_button.setEnabled(count > 0)
