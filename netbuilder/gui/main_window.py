"""The main window: composes the views, docks and menus around one session, and wires the
controllers to them. The state lives in the :class:`Session`; the work is done by the
controllers (files, weights and exports, stack editing, training); this file only connects."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.core.project import Project
from netbuilder.core.resources import DEFAULT_TEMPLATE, load_template
from netbuilder.gui import actions, wheel_guard
from netbuilder.gui import docks as dock_layout
from netbuilder.gui.controllers.diagram import DiagramController
from netbuilder.gui.controllers.editing import EditingController
from netbuilder.gui.controllers.files import (
    FilesController,
    reason,
)
from netbuilder.gui.controllers.layer_files import LayerFilesController
from netbuilder.gui.controllers.training import TrainingController
from netbuilder.gui.controllers.weights import WeightsController
from netbuilder.gui.dialogs.help import welcome_hint
from netbuilder.gui.i18n import LANGUAGE_KEY
from netbuilder.gui.inspect.health import HealthView
from netbuilder.gui.model.session import Session
from netbuilder.gui.network.code_view import CodeView
from netbuilder.gui.network.palette import Palette
from netbuilder.gui.network.properties import PropertiesPanel
from netbuilder.gui.network.stack_view import StackView
from netbuilder.gui.network.summary_panel import SummaryPanel
from netbuilder.gui.settings import app_icon, settings
from netbuilder.gui.text import fill, plural
from netbuilder.gui.theme import apply_theme
from netbuilder.gui.training.panel import TrainingPanel
from netbuilder.gui.training.runs import RunsPanel

AUTOSAVE_MS = 15_000
RESULT_VIEWS = ("plots", "evaluation", "parameters", "draw", "try")  # see finish_building
_windows: list[MainWindow] = []  # windows keep themselves alive until closed


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None, path: Path | None = None,
                 template: str | None = None, analyze: bool = True, complete: bool = True):
        """``analyze=False``: shapes wait for :meth:`torch_ready`. ``complete=False``: the
        panels that show results (curves, evaluation, parameters, Draw, Try: pyqtgraph's, which
        take a while to make) wait for :meth:`finish_building`, so the window paints sooner."""
        super().__init__()
        wheel_guard.install(QApplication.instance())  # the wheel scrolls forms, not fields
        self.setObjectName("main_window")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        if project is None:
            project, template = Project(load_template(DEFAULT_TEMPLATE)), DEFAULT_TEMPLATE
        self.session = session = Session(project, path, template, self, analyze=analyze)
        self.document = session.document
        self.training = TrainingController(session, self)
        self.editing = EditingController(session, self)
        self.layer_files = LayerFilesController(session, self)
        self.files = FilesController(session, self, lambda p: self.weights.open_checkpoint(p),
                                     self.layer_files.allow)
        self.weights = WeightsController(session, self.training, self, self.files.maybe_save,
                                         lambda: self.code.style_box.currentData(),
                                         self.layer_files.allow)
        self.diagram = DiagramController(session, self)
        self._build_views()
        self.actions = actions.build_actions(self)
        self._quit_asked = False  # set by quit_application: closeEvent asks no second time
        actions.build_menus(self)
        self._wire()
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.files.write_recovery)
        self._autosave.start()
        self._restore_layout()
        self._update_title()
        self._changed()
        self.complete = False
        if complete:
            self.finish_building()
        if not settings().value("window/welcomed", False, type=bool):
            settings().setValue("window/welcomed", True)  # once, on the very first start
            self.welcome = welcome_hint(self)
        _windows.append(self)

    def _build_views(self) -> None:
        session, document = self.session, self.document
        self.stack = StackView(document, self)
        self.lock_banner = QLabel(self.tr("Training: the network is locked. Stop the run to "
                                          "edit it."), self)
        self.lock_banner.setObjectName("lock_banner")
        self.lock_banner.setStyleSheet("background: #3d7bd9; color: white; padding: 4px;")
        self.lock_banner.hide()
        centre = QWidget(self)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.lock_banner)
        centre_layout.addWidget(self.stack)
        self.setCentralWidget(centre)
        self.palette_panel = Palette(self)
        self.properties = PropertiesPanel(document, self)
        self.summary = SummaryPanel(document, self)
        self.summary.set_dataset(session.dataset)
        self.summary.bind(session)  # the memory row follows the training settings
        self.code = CodeView(document, self)
        self.training_panel = TrainingPanel(self)
        self.training_panel.bind(session)
        self.runs_panel = RunsPanel(session, self)
        self.health = HealthView(self)
        later = {name: QWidget(self) for name in RESULT_VIEWS}  # until finish_building
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        docks = {"palette": self._dock(self.tr("Layers"), self.palette_panel,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)}
        docks["properties"] = self._dock(self.tr("Properties"), self.properties, right,
                                         name="properties_panel")
        docks["training"] = self._dock(self.tr("Training"), self.training_panel,
                                       docks["properties"], True)
        docks["summary"] = self._dock(self.tr("Summary and problems"), self.summary, right, True)
        docks["code"] = self._dock(self.tr("Code"), self.code, bottom)
        docks["plots"] = self._dock(self.tr("Curves"), later["plots"], docks["code"],
                                    name="training_plots")
        docks["evaluation"] = self._dock(self.tr("Evaluation"), later["evaluation"],
                                         docks["plots"], name="evaluation_view")
        docks["runs"] = self._dock(self.tr("Runs"), self.runs_panel, docks["evaluation"])
        docks["parameters"] = self._dock(self.tr("Parameters"), later["parameters"],
                                         docks["runs"], name="parameters_panel")
        docks["health"] = self._dock(self.tr("Health"), self.health, docks["parameters"])
        docks["draw"] = self._dock(self.tr("Draw"), later["draw"], docks["health"], True,
                                   name="draw_panel")
        docks["try"] = self._dock(self.tr("Try"), later["try"], docks["draw"], True,
                                  name="try")
        self.docks = docks
        docks["properties"].raise_()
        docks["code"].raise_()
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

    def finish_building(self) -> None:
        """Make the panels that show results and connect them (once; at start-up right after
        the first paint, see app.main): they import pyqtgraph and make plots."""
        if self.complete:
            return
        from netbuilder.gui.inspect.draw import DrawPanel
        from netbuilder.gui.inspect.parameter_tree import ParametersPanel
        from netbuilder.gui.inspect.try_image import TryPanel
        from netbuilder.gui.training.evaluation import EvaluationView
        from netbuilder.gui.training.plots import TrainingPlots

        self.complete = True
        session = self.session
        self.plots = TrainingPlots(self)
        self.plots.setObjectName("training_plots")
        self.evaluation = EvaluationView(self)
        self.evaluation.setObjectName("evaluation_view")
        self.parameters = ParametersPanel(self)
        self.draw = DrawPanel(self._drawing_model, session, self)
        self.try_panel = TryPanel(self._drawing_model, session, self)
        for name, view in (("plots", self.plots), ("evaluation", self.evaluation),
                           ("parameters", self.parameters), ("draw", self.draw),
                           ("try", self.try_panel)):
            dock_layout.replace_widget(self.docks[name], view)
        self._wire_results()
        if session.model is not None:  # a file opened before: its weights
            self._model_changed()
        self.training.replay_runs()

    def _wire(self) -> None:
        """Controllers and the session drive the views; views send requests back."""
        session, training, panel = self.session, self.training, self.training_panel
        for source in (training, self.editing, self.files, self.weights, self.layer_files,
                       self.diagram):
            source.message.connect(self.show_message)  # a slot: gone with the window
        self.palette_panel.kind_chosen.connect(self._append_kind)
        self.layer_files.kinds_changed.connect(self.palette_panel.reload)
        self.document.changed.connect(self.palette_panel.reload)  # a project imported layers
        self.summary.dataset_chosen.connect(session.set_dataset)
        session.dataset_changed.connect(self.summary.set_dataset)
        session.dirty_changed.connect(self._update_title)
        session.path_changed.connect(self._update_title)
        session.replaced.connect(self.health.clear)
        panel.start_requested.connect(self.start_training)
        panel.pause_requested.connect(training.pause_or_resume)
        panel.stop_requested.connect(training.stop)
        panel.reset_requested.connect(training.reset)
        panel.use_best_requested.connect(training.use_best)
        training.best_offered.connect(panel.offer_best)
        panel.download_requested.connect(training.loads.download)
        training.status_changed.connect(panel.set_status)
        training.busy.connect(panel.set_running)
        training.downloading.connect(panel.set_downloading)
        training.progress.connect(panel.show_progress)
        training.progress_cleared.connect(panel.clear_progress)
        session.dataset_changed.connect(training.loads.preload)
        training.data_shape_known.connect(self.summary.offer_data_shape)
        training.running_changed.connect(self._running_changed)
        self.document.changed.connect(self._changed)
        self.document.selection_changed.connect(self._update_actions)
        self.document.edit_refused.connect(self.show_refusal)

    def _wire_results(self) -> None:
        """The connections of the panels made by :meth:`finish_building`."""
        session, training = self.session, self.training
        session.model_changed.connect(self._model_changed)
        session.weights_changed.connect(self._weights_changed)
        session.model_changed.connect(self._refresh_drawing)
        session.weights_changed.connect(self._refresh_drawing)
        training.run_started.connect(self.plots.start_run)
        training.run_length.connect(self.plots.set_run_length)
        training.batches.connect(self.plots.add_batches)
        training.epoch_ended.connect(self._epoch_ended)
        training.evaluated.connect(self.evaluation.show_result)
        training.regression_known.connect(self.plots.set_regression)
        training.busy.connect(self.try_panel.schedule_refresh)
        training.evaluation_cleared.connect(self.evaluation.clear)
        training.health_measured.connect(self._health_measured)
        self.runs_panel.overlays_changed.connect(self.plots.set_overlays)
        tree = self.parameters.tree
        tree.module_freeze_requested.connect(self.editing.freeze_module)
        tree.parameter_freeze_requested.connect(
            lambda name, frozen: self.editing.freeze_parameter(name, frozen, training.running))
        self.editing.freezing_changed.connect(self.parameters.refresh)
        self.docks["parameters"].visibilityChanged.connect(self._parameters_shown)
        self.docks["draw"].visibilityChanged.connect(self._refresh_drawing)
        self.draw.fine_tune_requested.connect(self.fine_tune)

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    @Slot(str)
    def show_refusal(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _dock(self, title: str, widget, area, scroll: bool = False, name: str = ""):
        return dock_layout.add_dock(self, title, widget, area, scroll, name)

    def _restore_layout(self) -> None:
        dock_layout.restore_layout(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        dock_layout.hide_stray_tab_bars(self)

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    # -- state shown in the window -----------------------------------------------------------

    def _update_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — netbuilder")
        self.setWindowModified(self.session.dirty)

    @Slot()
    def torch_ready(self) -> None:
        """torch has loaded (on a thread, after the first paint): shapes, counts and code
        appear, and the training panel offers the accelerators torch finds."""
        self.training_panel.add_devices()
        self.document.finish_loading()
        if self.complete:
            self.draw.classify_now()

    def _changed(self) -> None:
        analysis = self.document.analysis
        self._update_title()
        self._update_actions()
        if not self.document.ready:
            self.statusBar().showMessage(self.tr("Loading PyTorch's shape analysis…"))
            return
        state = self.tr("shapes OK") if analysis.ok else plural(
            len(analysis.errors), self.tr("1 shape error"), self.tr("%1 shape errors"))
        self.statusBar().showMessage(fill(self.tr("%1 parameters · %2 MACs · %3"),
                                          f"{analysis.total_params:,}", f"{analysis.macs:,}",
                                          state))

    def _update_actions(self) -> None:
        actions.update_enabled(self)

    def _append_kind(self, kind: str) -> None:
        self.editing.append_kind(kind)
        self.stack.setFocus()

    # -- training ------------------------------------------------------------------------------

    def start_training(self) -> None:
        self.docks["training"].raise_()
        self.docks["plots"].raise_()
        self.training.start()

    def _epoch_ended(self, event, global_step: int) -> None:
        self.plots.add_epoch(event.epoch, global_step, event.train_loss, event.val_loss,
                             event.train_accuracy, event.val_accuracy, event.lr)

    def _running_changed(self, running: bool) -> None:
        self.lock_banner.setVisible(running)
        for widget in (self.palette_panel, self.properties, self.summary):
            widget.setEnabled(not running)
        self._update_actions()

    # -- parameters and health -------------------------------------------------------------

    def _parameters_shown(self, visible: bool) -> None:
        if visible and self.session.model is None and self.document.analysis.ok:
            try:  # browse the initial weights before any training
                self.training.ensure_model()
            except Exception as exc:  # e.g. weights too large to allocate
                self.statusBar().showMessage(fill(self.tr("The network cannot be built: %1"),
                                                  reason(exc)), 8000)

    def _model_changed(self) -> None:
        self.parameters.set_model(self.session.model)
        if self.session.model is None:
            self.health.clear()

    def _weights_changed(self) -> None:
        health = self.training.last_health
        self.parameters.refresh(health.parameter_grad_norms if health else None)

    def _health_measured(self, health) -> None:
        self.health.show_health(health)
        if self.docks["parameters"].isVisible():
            self.parameters.refresh(health.parameter_grad_norms)

    # -- drawing ------------------------------------------------------------------------------

    def _drawing_model(self):
        """(model, class names, why it cannot be asked) for the Draw panel."""
        dataset = self.training.dataset
        names = list(dataset.class_names) if dataset else [
            str(i) for i in range(self.document.spec.num_classes or 10)]
        if self.training.running and not self.training.paused:
            return None, names, self.tr("Training: drawings are classified when the run "
                                        "pauses or ends.")
        model = self.session.model
        if model is None:
            return None, names, self.tr("No trained network yet: train it (F5) or load "
                                        "weights, then draw.")
        if not self.document.trained_paths:
            return model, names, self.tr("These weights are untrained: the guesses mean "
                                         "nothing yet.")
        return model, names, ""

    def _refresh_drawing(self, *_args) -> None:
        """Draw's verdict follows the model, also while it was hidden (shown again: asked)."""
        if self.docks["draw"].isVisible():
            self.draw.classify_now()

    def fine_tune(self) -> None:
        self.docks["plots"].raise_()
        problem = self.training.fine_tune(self.session.examples)
        if problem:
            self.statusBar().showMessage(problem, 8000)

    # -- windows, drops, view settings ------------------------------------------------------

    def new_window(self) -> MainWindow:
        window = MainWindow()
        window.show()
        return window

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.files.open_dropped(Path(urls[0].toLocalFile()))

    def set_theme(self, name: str) -> None:
        apply_theme(QApplication.instance(), name)
        settings().setValue("view/theme", name)
        for key, action in self.theme_actions.items():
            action.setChecked(key == name)
        self.stack.viewport().update()

    def set_language(self, code: str) -> None:
        """Remember the language ("system" or a code of available_languages()) for the next
        start: the texts already shown stay as they are."""
        changed = str(settings().value(LANGUAGE_KEY, "system")) != code
        settings().setValue(LANGUAGE_KEY, code)
        for key, action in self.language_actions.items():
            action.setChecked(key == code)
        if changed:
            QMessageBox.information(self, self.tr("Language"), self.tr(
                "The language changes when netbuilder starts again."))

    def show_help(self, page: str) -> None:
        """Help ▸ Getting Started, Keyboard Shortcuts or About."""
        from netbuilder.gui.dialogs import help as pages

        pages.show(page, self)

    def quit_application(self) -> bool:
        """File ▸ Quit (Ctrl+Q): each window with unsaved changes asks its own question in
        turn, this one first and brought to the front; a Cancel anywhere keeps every window
        open. Then all close, and Qt ends the application with its last window."""
        windows = [self, *(window for window in _windows if window is not self)]
        for window in windows:
            if window.session.dirty:
                window.show()
                window.raise_()
                window.activateWindow()
                if not window.files.maybe_save():
                    return False
        for window in windows:
            window._quit_asked = True
            if not window.close():
                window._quit_asked = False
                return False
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quit_asked and not self.files.maybe_save():
            event.ignore()
            return
        self.training.shutdown()
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        self._autosave.stop()
        self.files.discard_recovery()
        if self in _windows:
            _windows.remove(self)
        event.accept()
