"""Try the trained network on a file of one's own: an image, or one row of a table.

For a network that takes images (``[C, H, W]`` with 1 or 3 channels) an image comes from
Open Image…, a drop, or the clipboard (Paste, Ctrl+V); it is prepared by
``netbuilder.core.try_input`` exactly as the training images were, and what the network
receives is shown scaled up with sharp pixels, with the saliency map over it on request. For a
network trained on a table (``session.preprocessing``) a form holds one field per raw column.
The answer is the class probabilities, best first and the top one highlighted, or the predicted
number of a regression. Draw stays the place for 1×28×28 digits.

``TryPanel(model_getter, session)``: ``model_getter()`` gives the model to ask, or None when it
may not be asked (no model, or training is running); it may also give Draw's
``(model, class names, why not)`` triple, whose class names are used when the dataset's own
are not known before loading (an image folder's). The panel follows the session's
``model_changed``, ``weights_changed`` and ``dataset_changed`` (and network edits) by itself,
once per burst of signals and only while it is visible.

The table's form is :class:`~netbuilder.gui.inspect.try_table.TableRowPage`; this module holds
the panel, its image page and the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, Qt, QTimer
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QKeySequence,
    QPalette,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.registry import dataset_info, folder_path, is_csv, is_folder
from netbuilder.gui.inspect.activations import SALIENCY_ALPHA, SALIENCY_COLOR
from netbuilder.gui.inspect.probability_bars import ProbabilityBars
from netbuilder.gui.inspect.try_table import TableRowPage, table_preprocessing
from netbuilder.gui.settings import settings
from netbuilder.gui.text import fill

PREVIEW = 192  # pixels of the input preview's square
TOP_SHOWN = 10  # classes listed at most
ERROR_COLOUR = "#c62828"
WARNING_COLOUR = "#b07800"
LAST_FOLDER_KEY = "try/last_folder"
NONE, IMAGE, TABLE = "none", "image", "table"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _image_file(path: str) -> bool:
    from netbuilder.core.data import IMAGE_SUFFIXES

    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def input_pixmap(x: np.ndarray, heat: np.ndarray | None = None, size: int = PREVIEW) -> QPixmap:
    """``x`` (float ``[C, H, W]`` in [0, 1], 1 or 3 channels) as a picture, scaled up by a
    whole factor (nearest: every input pixel a sharp square) to fit ``size``, or scaled down
    to fit it when larger; ``heat`` ([H, W] in [0, 1]) drawn over it in translucent red."""
    channels, height, width = x.shape
    rgb = np.repeat(x, 3, axis=0) if channels == 1 else x
    rgb = rgb.transpose(1, 2, 0).astype(np.float32) * 255.0
    if heat is not None:
        alpha = (np.clip(np.nan_to_num(heat), 0.0, 1.0) * SALIENCY_ALPHA)[..., None]
        rgb = rgb * (1.0 - alpha) + np.asarray(SALIENCY_COLOR, np.float32) * alpha
    rgb = np.ascontiguousarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8))
    image = QImage(rgb.data, width, height, width * 3, QImage.Format.Format_RGB888)
    factor = size // max(height, width)
    if factor >= 1:
        image = image.scaled(width * factor, height * factor,
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    else:
        image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return QPixmap.fromImage(image)  # copies: rgb may go


class TryPanel(QWidget):
    """Open, drop or paste an image, or fill in a table row, and see what the network says."""

    def __init__(self, model_getter: Callable[[], object], session,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("try_panel")
        self.model_getter = model_getter
        self.session = session
        self.mode = NONE
        self.source: bytes | None = None  # the image as its file's bytes (pasted: PNG)
        self.source_name = ""
        self.input: np.ndarray | None = None  # [C, H, W] float, what the network receives
        self.heat: np.ndarray | None = None
        self._prepared: tuple | None = None  # (source, shape, options), image size, tensor
        self.result: list[tuple[str, float]] | float | None = None
        self._row_asked = False  # Predict was pressed with these columns: follow the weights
        self._stale = True
        self.setAcceptDrops(True)

        self.hint = QLabel(self)
        self.hint.setObjectName("try_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {WARNING_COLOUR}")

        # -- image page
        self.image_page = QWidget(self)
        self.image_page.setObjectName("try_image_page")
        self.image_page.setAccessibleName(self.tr("Try an image: open, drop or paste one"))
        self.image_page.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # for Ctrl+V
        self.open_button = QPushButton(self.tr("Open Image…"), self.image_page)
        self.open_button.setObjectName("try_open")
        self.paste_button = QPushButton(self.tr("Paste"), self.image_page)
        self.paste_button.setObjectName("try_paste")
        self.paste_button.setToolTip(self.tr("Paste an image from the clipboard (Ctrl+V)"))
        self.preview = QLabel(self.image_page)
        self.preview.setObjectName("try_input")
        self.preview.setFixedSize(PREVIEW + 4, PREVIEW + 4)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setWordWrap(True)
        self.preview.setToolTip(self.tr("The image exactly as the network receives it"))
        self.caption = QLabel(self.image_page)
        self.caption.setObjectName("try_caption")
        self.caption.setWordWrap(True)
        self.saliency_check = QCheckBox(self.tr("Show saliency"), self.image_page)
        self.saliency_check.setObjectName("try_saliency")
        self.saliency_check.setToolTip(self.tr("Where a change of the input would change the "
                                               "top class most"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.paste_button)
        buttons.addStretch(1)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(self.preview)
        centred.addStretch(1)
        image_layout = QVBoxLayout(self.image_page)
        image_layout.setContentsMargins(0, 0, 0, 0)
        image_layout.addLayout(buttons)
        image_layout.addLayout(centred)
        image_layout.addWidget(self.caption)
        image_layout.addWidget(self.saliency_check)
        self.paste_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste),
                                        self.image_page)
        self.paste_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        # -- table page
        self.table_page = TableRowPage(self)
        self.predict_button = self.table_page.predict_button

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("try_stack")
        self.none_page = QWidget(self)
        self.stack.addWidget(self.none_page)
        self.stack.addWidget(self.image_page)
        self.stack.addWidget(self.table_page)

        # -- the answer
        self.error = QLabel(self)
        self.error.setObjectName("try_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.top = QLabel(self)
        self.top.setObjectName("try_top")
        self.top.setWordWrap(True)
        self.top.setTextFormat(Qt.TextFormat.PlainText)
        font = self.top.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.top.setFont(font)
        self.bars = ProbabilityBars(self)
        self.more = QLabel(self)
        self.more.setObjectName("try_more")
        self.more.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.stack)
        layout.addWidget(self.error)
        layout.addWidget(self.top)
        layout.addWidget(self.bars)
        layout.addWidget(self.more)
        layout.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.open_button.clicked.connect(self.open_dialog)
        self.paste_button.clicked.connect(self.paste)
        self.paste_shortcut.activated.connect(self.paste)
        self.saliency_check.toggled.connect(lambda _on: self._ask_image())
        self.table_page.predict_requested.connect(self.predict_row)
        session.model_changed.connect(self.schedule_refresh)
        session.weights_changed.connect(self.schedule_refresh)
        session.dataset_changed.connect(self.schedule_refresh)
        session.document.changed.connect(self.schedule_refresh)
        self.refresh()

    # -- following the session ------------------------------------------------------------------

    def schedule_refresh(self, *_args) -> None:
        """Refresh once the current burst of signals is over (while hidden: when shown)."""
        self._stale = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.schedule_refresh()

    def _model(self) -> tuple[object, list[str]]:
        got = self.model_getter()
        if isinstance(got, tuple):
            model = got[0] if got else None
            names = [str(name) for name in got[1]] if len(got) > 1 and got[1] else []
            return model, names
        return got, []

    def class_names(self, fallback: list[str] | None = None) -> list[str]:
        """The dataset's class names when known before loading (named datasets), else the
        ones the model getter gave, else none (the outputs are then named 0, 1, …)."""
        info = dataset_info(self.session.dataset)
        if info is not None and info.class_names:
            return list(info.class_names)
        folder = Path(folder_path(self.session.dataset)) if is_folder(
            self.session.dataset) else None
        if folder is not None and folder.is_dir():  # as load_folder names them
            try:
                return sorted(p.name for p in folder.iterdir()
                              if p.is_dir() and not p.name.startswith("."))
            except OSError:
                pass
        return list(fallback or [])

    def refresh(self) -> None:
        """Choose the page for the network's input, then ask the model again."""
        self._timer.stop()
        if not self.session.document.ready:  # torch is loading: its first analysis comes back
            self._stale = True
            return
        self._stale = False
        shape = list(self.session.document.spec.input_shape)
        table, table_problem = table_preprocessing(self.session.preprocessing, shape)
        problem = table_problem
        if table:
            mode = TABLE
        elif not table_problem and len(shape) == 3 and shape[0] in (1, 3):
            mode = IMAGE
        else:
            mode = NONE
            if not problem and is_csv(self.session.dataset):
                problem = self.tr("Train the network on the table first: the form needs its "
                                  "columns.")
            elif not problem:
                problem = fill(self.tr("This network takes %1 inputs: neither an image (1 or 3 "
                                       "channels × height × width) nor a table row."),
                               "×".join(map(str, shape)))
        self.mode = mode
        current = {NONE: self.none_page, IMAGE: self.image_page, TABLE: self.table_page}[mode]
        for page in (self.none_page, self.image_page, self.table_page):
            # the stack takes the current page's height, not the tallest page's
            ignored = QSizePolicy.Policy.Ignored
            page.setSizePolicy(QSizePolicy.Policy.Preferred if page is current else ignored,
                               QSizePolicy.Policy.Maximum if page is current else ignored)
        self.stack.setCurrentWidget(current)
        self.stack.updateGeometry()
        self.paste_shortcut.setEnabled(mode == IMAGE)
        if mode == TABLE and self.table_page.show_columns(table):
            self._row_asked = False  # other columns: wait for Predict again
        model, _names = self._model()
        if problem:
            self.hint.setText(problem)
        elif model is None:
            self.hint.setText(self.tr("The network is training: try it when the run pauses or "
                                      "ends.") if self.session.model is not None else
                              self.tr("No trained network yet: train it first (F5) or load "
                                      "weights, then try it here."))
        elif not self.session.document.trained_paths:
            self.hint.setText(self.tr("These weights are untrained: the answers mean nothing "
                                      "yet."))
        else:
            self.hint.setText("")
        self.hint.setVisible(bool(self.hint.text()))
        if mode == IMAGE:
            self._ask_image()
        elif mode == TABLE and self._row_asked:
            self.predict_row()
        else:
            self._show_result(None)
            self.error.clear()
            self.error.hide()

    # -- images ---------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        from netbuilder.core.data import IMAGE_SUFFIXES

        store = settings()
        folder = str(store.value(LAST_FOLDER_KEY, "") or "")
        patterns = " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES))
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open Image"), folder,
            fill(self.tr("Images (%1);;All files (*)"), patterns))
        if path:
            store.setValue(LAST_FOLDER_KEY, str(Path(path).parent))
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Try the image file at ``path``; False (and the reason shown) when it is unusable."""
        from netbuilder.core.try_input import TryInputError, open_image, read_image_file

        name = Path(path).name
        try:
            data = read_image_file(path, name)
            open_image(data, name)  # refused now if Pillow does not know it
        except TryInputError as exc:
            self._show_error(str(exc))
            return False
        return self.set_image(data, name)

    def paste(self) -> bool:
        """The clipboard's image, or the first image file it holds."""
        clipboard = QGuiApplication.clipboard()
        image = clipboard.image()
        if not image.isNull():
            return self.set_qimage(image, self.tr("the pasted image"))
        mime = clipboard.mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime else []
        if files:
            return self.open_path(files[0])
        self._show_error(self.tr("The clipboard holds no image."))
        return False

    def set_qimage(self, image: QImage, name: str) -> bool:
        """A Qt image (pasted or dropped), handed to Pillow as PNG bytes."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if image.isNull() or not image.save(buffer, "PNG"):
            self._show_error(fill(self.tr("%1 cannot be read as an image."), name))
            return False
        return self.set_image(bytes(buffer.data()), name)

    def set_image(self, data: bytes, name: str) -> bool:
        """Try these encoded image bytes (a file's, or PNG); False when unusable."""
        from netbuilder.core.try_input import TryInputError, open_image

        try:
            open_image(data, name)
        except TryInputError as exc:
            self._show_error(str(exc))
            return False
        self.source, self.source_name = data, name
        if self.mode != IMAGE:
            self.refresh()
        else:
            self._ask_image()
        return self.input is not None

    def _ask_image(self) -> None:
        """Prepare the image for the current input shape, show it, and ask the model."""
        from netbuilder.core.try_input import (
            TryInputError,
            folder_input_options,
            image_input,
            open_image,
            predict,
            saliency,
        )

        self.error.hide()
        self.heat = None
        if self.mode != IMAGE:
            return
        if self.source is None:
            self.input = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("Drop an image here, open one or paste one "
                                         "(Ctrl+V)."))
            self.caption.setText("")
            self._show_result(None)
            return
        shape = list(self.session.document.spec.input_shape)
        options = folder_input_options(self.session.dataset)
        key = (self.source, tuple(shape), tuple(sorted(options.items())))
        try:
            if self._prepared is None or self._prepared[0] != key:
                image = open_image(self.source, self.source_name)
                self._prepared = (key, image.size, image_input(image, shape, **options))
            _key, original, x = self._prepared
        except TryInputError as exc:
            self.input = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText("")
            self.caption.setText("")
            self._show_result(None)
            self._show_error(str(exc))
            return
        self.input = x[0].numpy()
        channels, height, width = shape
        self.caption.setText(fill(
            self.tr("%1 (%2×%3 pixels) as the network receives it: %4×%5, %6, %7."),
            self.source_name, original[0], original[1], width, height,
            self.tr("in colour") if channels == 3 else self.tr("in grey"),
            self.tr("centre cropped") if options["fit"] == "crop" else self.tr("resized to fit")))
        model, names = self._model()
        if model is None:
            self._show_input()
            self._show_result(None)
            return
        try:
            result = predict(model, x, self.class_names(names))
            if self.saliency_check.isChecked():
                self.heat = saliency(model, x)
        except (TryInputError, RuntimeError, ValueError, TypeError) as exc:
            self._show_input()
            self._show_result(None)
            self._show_error(fill(self.tr("The network cannot take this input: %1"),
                                  _first_line(exc)))
            return
        self._show_input()
        self._show_result(result)

    def _show_input(self) -> None:
        if self.input is None:
            return
        self.preview.setText("")
        self.preview.setPixmap(input_pixmap(self.input, self.heat))

    # -- drops ----------------------------------------------------------------------------------

    def _droppable(self, mime) -> bool:
        if self.mode != IMAGE or mime is None:
            return False
        if mime.hasImage():
            return True
        return any(url.isLocalFile() and _image_file(url.toLocalFile()) for url in mime.urls())

    def dragEnterEvent(self, event) -> None:
        if self._droppable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()  # the window may take it (a project file)

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not self._droppable(mime):
            event.ignore()
            return
        event.acceptProposedAction()
        files = [url.toLocalFile() for url in mime.urls()
                 if url.isLocalFile() and _image_file(url.toLocalFile())]
        if files:
            self.open_path(files[0])
        else:
            self.set_qimage(QImage(mime.imageData()), self.tr("the dropped image"))

    # -- table rows -----------------------------------------------------------------------------

    @property
    def fields(self) -> dict[str, QLineEdit | QComboBox]:
        """The table form's fields, column name → field."""
        return self.table_page.fields

    def values(self) -> dict[str, str]:
        """The form's values, column name → text."""
        return self.table_page.values()

    def predict_row(self) -> None:
        """Ask the model about the form's row; a bad value is shown in red."""
        if self.mode != TABLE:
            return
        self.error.hide()
        model, _names = self._model()
        if model is None:
            self._show_result(None)
            return
        result, problem = self.table_page.ask(model)
        self._show_result(result)
        if problem:
            self._show_error(problem)
        else:
            self._row_asked = True

    # -- the answer -----------------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _show_result(self, result: list[tuple[str, float]] | float | None) -> None:
        self.result = result
        if result is None:
            self.top.setText("")
            self.bars.set_entries([])
            self.more.setText("")
        elif isinstance(result, float):
            target = self.table_page.preprocessing.get("target", "")
            self.top.setText(fill(self.tr("Predicted %1: %2"), target, f"{result:.6g}"))
            self.bars.set_entries([])
            self.more.setText("")
        else:
            self.top.setText(result[0][0] if result else "")
            self.bars.set_entries(result[:TOP_SHOWN])
            hidden = len(result) - TOP_SHOWN
            self.more.setText(fill(self.tr("… and %1 more classes"), hidden)
                              if hidden > 0 else "")
        self.top.setVisible(bool(self.top.text()))
        self.bars.setVisible(bool(self.bars.entries))
        self.more.setVisible(bool(self.more.text()))
