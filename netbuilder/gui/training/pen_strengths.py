"""The Training panel's strengths of the pen and scanner effects (``core.pen_augment``).

Four small spin boxes, two by two, so the row fits a narrow dock in any language. They apply
only with augmentation on; the panel enables them with its check box.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QWidget

from netbuilder.core.train_config import PEN_SETTINGS, SETTING_LIMITS

CONTEXT = "PenStrengths"
# Short label and tooltip of each effect, in PEN_SETTINGS' order.
TEXTS = {
    "stroke": (QT_TRANSLATE_NOOP("PenStrengths", "Stroke"),
               QT_TRANSLATE_NOOP("PenStrengths", "Thicker or thinner strokes, as other pens "
                                                 "draw them (0: off, 1: strongest)")),
    "blur": (QT_TRANSLATE_NOOP("PenStrengths", "Blur"),
             QT_TRANSLATE_NOOP("PenStrengths", "Blur and ink intensity, as a scanner or camera "
                                               "gives them (0: off, 1: strongest)")),
    "elastic": (QT_TRANSLATE_NOOP("PenStrengths", "Elastic"),
                QT_TRANSLATE_NOOP("PenStrengths", "A smooth random warp, like another hand's "
                                                  "writing (0: off, 1: strongest)")),
    "erase": (QT_TRANSLATE_NOOP("PenStrengths", "Erase"),
              QT_TRANSLATE_NOOP("PenStrengths", "How often a random rectangle is blanked: for "
                                                "photos, not digits (0: off, 1: every image)")),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class PenStrengths(QWidget):
    """One spin box (0–1) per effect; ``changed`` when the person edits one."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("pen_strengths")
        self.boxes: dict[str, QDoubleSpinBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, name in enumerate(PEN_SETTINGS):
            label_text, tip = TEXTS[name]
            box = QDoubleSpinBox(self)
            box.setObjectName(f"{name}_spin")
            box.setRange(*SETTING_LIMITS[name])
            box.setDecimals(2)
            box.setSingleStep(0.05)
            box.setToolTip(_tr(tip))
            box.setAccessibleName(_tr(label_text))
            label = QLabel(_tr(label_text), self)
            label.setBuddy(box)
            row, column = divmod(index, 2)
            grid.addWidget(label, row, 2 * column)
            grid.addWidget(box, row, 2 * column + 1)
            box.valueChanged.connect(self.changed)
            self.boxes[name] = box
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def values(self) -> dict[str, float]:
        return {name: box.value() for name, box in self.boxes.items()}

    def set_values(self, values: dict[str, float]) -> None:
        """Show these strengths without emitting ``changed``."""
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setValue(float(values[name]))
            box.blockSignals(False)
