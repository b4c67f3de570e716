"""Finds what a person would see as a layout fault: text cut off, or a panel that scrolls
sideways. The screenshot tool prints it and the tests assert there is none, at 1280×800 in
every language, so that a wider translation cannot clip a label unnoticed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QStyle,
    QStyleOptionComboBox,
    QTextEdit,
    QToolButton,
    QWidget,
)

# Text views scroll their content by nature (code lines, logs): not a layout fault.
_CONTENT_SCROLLERS = (QPlainTextEdit, QTextEdit)


def _shown(widget: QWidget) -> bool:
    """Visible and not covered by another tab: what a screenshot would show."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def _name(widget: QWidget) -> str:
    parts = []
    while widget is not None and len(parts) < 3:
        parts.append(widget.objectName() or type(widget).__name__)
        widget = widget.parentWidget()
    return "/".join(reversed(parts))


def _clipped_text(widget: QWidget) -> str | None:
    """The text of a label or button narrower than the text needs, else None."""
    if isinstance(widget, QLabel):
        text = widget.text()
        if (not text or widget.wordWrap() or widget.pixmap() is not None
                and not widget.pixmap().isNull()):
            return None
        needed = widget.minimumSizeHint().width()
    elif isinstance(widget, QAbstractButton) and not isinstance(widget, QToolButton):
        text = widget.text()
        if not text:
            return None
        needed = widget.minimumSizeHint().width()
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
        if not text:
            return None
        option = QStyleOptionComboBox()
        widget.initStyleOption(option)
        field = widget.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option,
            QStyle.SubControl.SC_ComboBoxEditField, widget)
        return text if field.width() + 1 < widget.fontMetrics().horizontalAdvance(text) else None
    else:
        return None
    return text if widget.width() + 1 < needed else None


def layout_problems(window: QWidget) -> list[str]:
    """One line per fault in what ``window`` shows now (hidden tabs are not looked at)."""
    found = []
    for area in window.findChildren(QAbstractScrollArea):
        if isinstance(area, _CONTENT_SCROLLERS) or not _shown(area):
            continue
        if area.horizontalScrollBar().isVisible():
            found.append(f"{_name(area)}: scrolls sideways")
    for widget in window.findChildren(QWidget):
        if not _shown(widget):
            continue
        text = _clipped_text(widget)
        if text is not None:
            found.append(f"{_name(widget)}: {text!r} is cut off "
                         f"({widget.width()} px wide)")
    return found
