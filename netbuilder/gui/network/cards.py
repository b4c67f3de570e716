"""What a layer card says and how it looks: the key arguments in a few characters, category
colours, and the painting delegate of the stack view."""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPixmapCache,
)
from PySide6.QtWidgets import QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from netbuilder.core import layer_text
from netbuilder.core.analysis_result import LayerInfo, flow_text, format_shape
from netbuilder.core.spec import (
    CONTAINERS,
    Item,
    LayerSpec,
    ParallelSpec,
    ResidualSpec,
    walk_items,
)
from netbuilder.gui.text import fill, plural

translate = QCoreApplication.translate
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
STACK_ROLE = Qt.ItemDataRole.UserRole + 2  # on a residual's or parallel's stack rows: its name
STACK_HEIGHT = 22

CARD_HEIGHT, BLOCK_HEIGHT, FLOW_HEIGHT = 50, 34, 18
PIXMAP_CACHE_KB = 40 * 1024


def category_colour(kind: str) -> QColor:
    return QColor(layer_text.category_colour(kind))


def stack_label(item: Item, stack: str) -> str:
    """What a stack row of a residual or parallel says: 'body', 'shortcut (identity)',
    'branch 1'."""
    if isinstance(item, ResidualSpec):
        if stack == "body":
            return QCoreApplication.translate("CardDelegate", "body")
        return QCoreApplication.translate("CardDelegate", "shortcut") if item.shortcut else (
            QCoreApplication.translate("CardDelegate", "shortcut: identity (drop a projection "
                                                       "here)"))
    index = int(stack.rpartition(".")[2]) if stack.rpartition(".")[2].isdigit() else 0
    branch = fill(QCoreApplication.translate("CardDelegate", "branch %1"), index + 1)
    if isinstance(item, ParallelSpec) and not item.branches[index]:
        branch += QCoreApplication.translate("CardDelegate", ": identity")
    return branch


def container_summary(item: Item) -> str:
    """The header of a container card: 'Block · 3 layers', 'Residual · + ReLU · 4 layers',
    'Parallel · concat, dim 1 · 3 branches'."""
    count = sum(1 for _ in _leaves(item))
    if isinstance(item, ResidualSpec):
        after = f" · + {item.activation}" if item.activation else ""
        layers = plural(count, QCoreApplication.translate("CardDelegate", "1 layer"),
                        QCoreApplication.translate("CardDelegate", "%1 layers"))
        return fill(QCoreApplication.translate("CardDelegate", "Residual%1 · %2"), after,
                    layers)
    if isinstance(item, ParallelSpec):
        merge = f"{item.merge}, dim {item.dim}" if item.merge == "concat" else item.merge
        return fill(QCoreApplication.translate("CardDelegate", "Parallel · %1 · %2 branches"),
                    merge, len(item.branches))
    return plural(count, QCoreApplication.translate("CardDelegate", "Block · 1 layer"),
                  QCoreApplication.translate("CardDelegate", "Block · %1 layers"))


# layer_text's words, for Qt's translation tools (lupdate reads these calls)
_WORDS = (QT_TRANSLATE_NOOP("CardDelegate", ", no bias"),
          QT_TRANSLATE_NOOP("CardDelegate", "to %1"),
          QT_TRANSLATE_NOOP("CardDelegate", "%1 in %2 groups"),
          QT_TRANSLATE_NOOP("CardDelegate", ", %1 layers"),
          QT_TRANSLATE_NOOP("CardDelegate", "dims %1…%2"),
          QT_TRANSLATE_NOOP("CardDelegate", "dim %1 → %2"))


def key_args(layer: LayerSpec) -> str:
    """The arguments a person reads first: '784 → 128', '1 → 32, k3, p1'."""
    return layer_text.key_args(
        layer, lambda text: QCoreApplication.translate("CardDelegate", text))


def card_tooltip(item: Item, info: LayerInfo | None) -> str:
    lines = [f"<b>{item.name}</b> ({item.kind})"]
    if info is not None:
        lines.append(fill(QCoreApplication.translate("CardDelegate", "in %1 → out %2"),
                          format_shape(info.input_shape), format_shape(info.output_shape)))
        lines.append(fill(QCoreApplication.translate("CardDelegate", "%1 parameters, %2 MACs"),
                          f"{info.params:,}", f"{info.macs:,}"))
        if info.error:
            lines.append(f"<span style='color:#c62828'>{info.error}</span>")
        for finding in info.findings:
            if finding.severity == "warning":
                fix = fill(QCoreApplication.translate("CardDelegate", "Fix: %1"), finding.fix)
                lines.append(f"⚠ {finding.message} <i>{fix}</i>")
    return "<br>".join(lines)


def card_accessible_text(item: Item, info: LayerInfo | None) -> tuple[str, str]:
    """What a screen reader says for a card: (name, description). The name carries what the
    card shows at a glance — "conv1, Conv2d, output 16×28×28, 160 parameters, error: …" —
    and the description the rest: the key arguments, the input shape, the warning's fix."""
    kind = container_summary(item) if isinstance(item, CONTAINERS) else item.kind
    parts = [item.name, kind]
    described = []
    if info is None:  # not analysed yet (torch is still loading)
        parts.append("…")
    else:
        if info.output_shape is not None and not info.error:
            parts.append(fill(translate("CardDelegate", "output %1"), flow_text(info.output_shape)))
        parts.append(plural(info.params, translate("CardDelegate", "1 parameter"),
                            translate("CardDelegate", "%1 parameters")))
        if info.error:
            parts.append(fill(translate("CardDelegate", "error: %1"), info.error))
        for finding in info.findings:
            if finding.severity == "warning":
                parts.append(fill(translate("CardDelegate", "warning: %1"), finding.message))
                if finding.fix:
                    described.append(fill(translate("CardDelegate", "Fix: %1"), finding.fix))
    if isinstance(item, LayerSpec):
        args = key_args(item)
        if args:
            described.insert(0, args)
        if item.frozen:
            described.append(translate("CardDelegate", "frozen"))
    if info is not None and info.input_shape is not None:
        described.append(fill(translate("CardDelegate", "input %1"), flow_text(info.input_shape)))
    return ", ".join(parts), "; ".join(described)


def stack_accessible_text(owner: Item, stack: str, shape) -> str:
    """A residual's or parallel's stack row: 'body, output 32×28×28'."""
    label = stack_label(owner, stack)
    if shape is None:
        return label
    return fill(translate("CardDelegate", "%1, output %2"), label, flow_text(shape))


class CardDelegate(QStyledItemDelegate):
    """Paints each row of the stack as a card, with the flowing shape under it. A row's height
    is its model data (Qt.SizeHintRole, set by the stack model), so laying out thousands of
    rows calls no Python."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._font_set: tuple | None = None  # (base font, the fonts and metrics made from it)
        # A card is ~200 KB as a pixmap: room for the cards of a few screens (Qt's default 10 MB
        # holds about 50).
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))

    def _fonts(self, base: QFont) -> tuple[QFont, QFont, QFont, QFontMetrics, QFontMetrics]:
        """A card's bold, small and monospace fonts and the metrics of the first two, made
        once per base font rather than for every card painted."""
        if self._font_set is None or self._font_set[0] != base:
            bold = QFont(base)
            bold.setBold(True)
            small = QFont(base)
            small.setPointSizeF(max(7.0, base.pointSizeF() * 0.9))
            mono = QFont("monospace")
            mono.setStyleHint(QFont.StyleHint.Monospace)
            mono.setPointSizeF(small.pointSizeF())
            self._font_set = (QFont(base), (bold, small, mono, QFontMetrics(bold),
                                            QFontMetrics(small)))
        return self._font_set[1]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        """A card from the pixmap cache when one with the same text, shapes, state and size
        was painted before (selecting, scrolling and editing elsewhere repaint cards that did
        not change; drawing one afresh is dozens of Python calls), else drawn and kept."""
        path = index.data(PATH_ROLE) or ""
        if index.data(STACK_ROLE):
            self._paint_stack(painter, option, path, index.data(STACK_ROLE))
            return
        item = self.document.item(path)
        if item is None:
            return
        info = self.document.analysis.row(path)
        trained = self.document.is_trained(path)
        key = self._card_key(path, item, info, trained, option)
        pixmap = QPixmapCache.find(key)
        if pixmap is None:
            ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
            pixmap = QPixmap(option.rect.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            local = QStyleOptionViewItem(option)
            local.rect = QRect(QPoint(0, 0), option.rect.size())
            card_painter = QPainter(pixmap)
            try:
                self._paint_card(card_painter, local, path, item, info, trained)
            finally:
                card_painter.end()
            QPixmapCache.insert(key, pixmap)
        painter.drawPixmap(option.rect.topLeft(), pixmap)

    def _card_key(self, path: str, item: Item, info: LayerInfo | None, trained: bool,
                  option: QStyleOptionViewItem) -> str:
        """Everything a card's picture depends on, as the pixmap cache's key."""
        if isinstance(item, LayerSpec):
            what = (item.kind, item.name, repr(item.args), item.frozen)
        else:
            what = (type(item).__name__, item.name, container_summary(item))
        shown = None if info is None else (
            info.output_shape, info.params, info.error,
            next((f.message for f in info.findings if f.severity == "warning"), None))
        state = option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        return repr(("card", path, what, shown, trained, self.document.ready, int(state.value),
                     option.rect.width(), option.rect.height(), option.palette.cacheKey(),
                     option.font.key(), self.tr("%1 params")))

    def _paint_card(self, painter: QPainter, option: QStyleOptionViewItem, path: str,
                    item: Item, info: LayerInfo | None, trained: bool) -> None:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = BLOCK_HEIGHT if isinstance(item, CONTAINERS) else CARD_HEIGHT
        card = QRect(option.rect.left() + 2, option.rect.top() + 3,
                     option.rect.width() - 10, height - 6)
        error = info is not None and info.error is not None
        warned = info is not None and any(f.severity == "warning" for f in info.findings)
        base = palette.color(QPalette.ColorRole.Base)
        dark = base.lightness() < 128
        background = QColor(base).darker(112) if not dark else QColor(base).lighter(160)
        if error:
            background = QColor("#5c1f1f") if dark else QColor("#fde2e1")
        if selected:
            background = QColor(palette.color(QPalette.ColorRole.Highlight))
            background.setAlpha(70 if not dark else 110)
        border = QColor("#c62828") if error else QColor("#e0a000") if warned else (
            palette.color(QPalette.ColorRole.Highlight) if selected
            else palette.color(QPalette.ColorRole.Mid))
        painter.setPen(QPen(border, 2 if (error or warned or selected) else 1))
        painter.setBrush(background)
        painter.drawRoundedRect(card, 6, 6)
        strip = QRect(card.left(), card.top(), 6, card.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(category_colour(item.kind))
        painter.drawRoundedRect(strip, 3, 3)
        text = palette.color(QPalette.ColorRole.Text)
        dim = QColor(text)
        dim.setAlpha(150)
        inner = card.adjusted(14, 4, -10, -4)
        bold, small, mono, bold_metrics, small_metrics = self._fonts(option.font)
        right_text = ""
        if info is not None:
            shape = format_shape(info.output_shape) if not error else self.tr("shape error")
            right_text = f"{shape}    " + fill(self.tr("%1 params"), f"{info.params:,}")
        elif not self.document.ready:  # torch is still loading: shapes and counts follow
            right_text = "…"
        if isinstance(item, CONTAINERS):
            title = f"{item.name}"
            painter.setFont(bold)
            painter.setPen(text)
            metrics = bold_metrics
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             title)
            painter.setFont(small)
            painter.setPen(dim)
            after = inner.adjusted(metrics.horizontalAdvance(title) + 10, 0, 0, 0)
            summary = container_summary(item)
            if error:
                painter.setPen(QColor("#ff8a80") if dark else QColor("#b71c1c"))
                summary = info.error
            elif warned:
                painter.setPen(QColor("#e0a000"))
                summary = "⚠ " + next(f.message for f in info.findings
                                      if f.severity == "warning")
            space = after.width() - small_metrics.horizontalAdvance(right_text) - 12
            painter.drawText(after, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             small_metrics.elidedText(summary, Qt.TextElideMode.ElideRight,
                                                            max(40, space)))
        else:
            top = QRect(inner.left(), inner.top(), inner.width(), inner.height() // 2)
            bottom = QRect(inner.left(), inner.top() + inner.height() // 2, inner.width(),
                           inner.height() - inner.height() // 2)
            painter.setFont(bold)
            painter.setPen(text)
            metrics = bold_metrics
            painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             item.name)
            painter.setFont(small)
            painter.setPen(dim)
            kind_rect = top.adjusted(metrics.horizontalAdvance(item.name) + 8, 0, 0, 0)
            frozen = self.tr("  · frozen") if item.frozen else ""
            if trained:
                frozen += self.tr("  · trained")
            painter.drawText(kind_rect,
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             item.kind + frozen)
            detail = key_args(item)
            if error:
                painter.setPen(QColor("#ff8a80") if dark else QColor("#b71c1c"))
                detail = info.error
            elif warned:
                painter.setPen(QColor("#e0a000"))
                detail = "⚠ " + next(f.message for f in info.findings if f.severity == "warning")
            elided = small_metrics.elidedText(detail, Qt.TextElideMode.ElideRight,
                                                    bottom.width())
            painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             elided)
        if right_text:
            painter.setFont(small)
            painter.setPen(dim if not error else QColor("#c62828"))
            rect = inner.adjusted(0, 0, 0, 0) if isinstance(item, CONTAINERS) else QRect(
                inner.left(), inner.top(), inner.width(), inner.height() // 2)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             right_text)
        # the tensor that flows on to the next card
        flow = QRect(card.left() + 16, card.bottom() + 3, card.width() - 16, FLOW_HEIGHT - 2)
        painter.setPen(QPen(dim, 1))
        painter.drawLine(card.left() + 10, card.bottom() + 2, card.left() + 10,
                         option.rect.bottom() - 1)
        painter.setFont(mono)
        shape_text = ("…" if not self.document.ready else "?") if (
            info is None or info.output_shape is None) else flow_text(info.output_shape)
        painter.drawText(flow, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"↓ {shape_text}")
        if focused and not selected:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1,
                                Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(-1, -1, 1, 1), 6, 6)
        painter.restore()

    def _paint_stack(self, painter: QPainter, option: QStyleOptionViewItem, path: str,
                     stack: str) -> None:
        """A residual's body or shortcut, a parallel's branch: a label with the shape that
        leaves it, where the analysis knows it."""
        owner_path = path[:-(len(stack) + 1)]
        owner = self.document.item(owner_path)
        if owner is None:
            return
        palette = option.palette
        text = QColor(palette.color(QPalette.ColorRole.Text))
        text.setAlpha(170)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.9))
        small.setItalic(True)
        painter.save()
        painter.setFont(small)
        painter.setPen(category_colour(owner.kind))
        rect = option.rect.adjusted(4, 0, -10, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         stack_label(owner, stack))
        shape = self.document.analysis.stack_shapes.get(path, (None, None))[1]
        if shape is not None:
            painter.setPen(text)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"→ {format_shape(shape)}")
        painter.restore()

    # -- rename in place (F2) -------------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("rename_edit")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        path = index.data(PATH_ROLE) or ""
        editor.setText(path.rpartition(".")[2])
        editor.selectAll()

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: QModelIndex) -> None:
        rect = QRect(option.rect.left() + 14, option.rect.top() + 5, 200, 22)
        editor.setGeometry(rect)

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:
        from netbuilder.core import editing

        path = index.data(PATH_ROLE) or ""
        name = editor.text().strip()
        if name and name != path.rpartition(".")[2]:
            self.document.edit(fill(self.tr("Rename %1 to %2"), path, name),
                               lambda spec: editing.rename(spec, path, name))


def _leaves(container: Item):
    return (item for _path, item, _depth in walk_items([container])
            if not isinstance(item, CONTAINERS))
