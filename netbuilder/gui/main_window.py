"""The main window: composes the panels and owns the actions, the project file and autosave."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import torch
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from netbuilder import __version__
from netbuilder.core import editing
from netbuilder.core.atomic import atomic_write_text
from netbuilder.core.builder import build
from netbuilder.core.checkpoint import (
    CheckpointError,
    infer_spec,
    load_file,
    load_weights,
    memory_problem,
    non_finite_keys,
    reconcile,
    save_checkpoint,
    save_state_dict,
)
from netbuilder.core.codegen import generate
from netbuilder.core.exporters import FORMATS, ExportError, export_verified
from netbuilder.core.jsonfile import JsonFileError, read_json_file
from netbuilder.core.project import (
    Project,
    ProjectError,
    check_recovery_info,
    project_from_checkpoint,
)
from netbuilder.core.resources import DEFAULT_TEMPLATE, load_template
from netbuilder.core.spec import BlockSpec, NetworkSpec, SpecError
from netbuilder.core.train_script import training_script
from netbuilder.gui.controllers.training import TrainingController
from netbuilder.gui.dialogs.template import TemplateDialog
from netbuilder.gui.dialogs.weights import MATCHING, ReconcileDialog
from netbuilder.gui.i18n import LANGUAGE_KEY, available_languages
from netbuilder.gui.inspect.draw import DrawPanel
from netbuilder.gui.inspect.health import HealthView
from netbuilder.gui.inspect.parameter_tree import ParametersPanel, apply_freeze_to_model
from netbuilder.gui.model.document import Document
from netbuilder.gui.network.cards import plural
from netbuilder.gui.network.code_view import CodeView
from netbuilder.gui.network.palette import Palette
from netbuilder.gui.network.properties import PropertiesPanel
from netbuilder.gui.network.stack_view import LAYERS_MIME, StackView, insert_kinds, layers_mime
from netbuilder.gui.network.summary_panel import SummaryPanel
from netbuilder.gui.settings import app_icon, recovery_dir, settings
from netbuilder.gui.theme import THEMES, apply_theme
from netbuilder.gui.training.evaluation import EvaluationView
from netbuilder.gui.training.panel import TrainingPanel
from netbuilder.gui.training.plots import TrainingPlots
from netbuilder.gui.training.runs import RunsPanel

MAX_RECENT = 8
AUTOSAVE_MS = 15_000
_windows: list[MainWindow] = []  # windows keep themselves alive until closed


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None, path: Path | None = None,
                 template: str | None = None, analyze: bool = True):
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        if project is None:
            project, template = Project(load_template(DEFAULT_TEMPLATE)), DEFAULT_TEMPLATE
        self.project = project
        self.path: Path | None = path
        self.template_name = template
        self.document = Document(project.spec, self, analyze=analyze)
        self.recovery_file = recovery_dir() / f"recovery-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"

        self.stack = StackView(self.document, self)
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
        self.properties = PropertiesPanel(self.document, self)
        self.summary = SummaryPanel(self.document, self)
        self.summary.set_dataset(project.dataset)
        self.code = CodeView(self.document, self)
        self.training_panel = TrainingPanel(self)
        self.plots = TrainingPlots(self)
        self.plots.setObjectName("training_plots")
        self.evaluation = EvaluationView(self)
        self.evaluation.setObjectName("evaluation_view")
        self.training = TrainingController(self.document, self.training_panel, self.plots,
                                           self.evaluation, self)
        self.runs_panel = RunsPanel(self.training, self)
        self.parameters = ParametersPanel(self)
        self.health = HealthView(self)
        self.draw = DrawPanel(self._drawing_model, self)
        self.draw.set_examples(list(project.extra.get("user_examples", [])))
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
        docks["plots"] = self._dock(self.tr("Curves"), self.plots, docks["code"])
        docks["evaluation"] = self._dock(self.tr("Evaluation"), self.evaluation, docks["plots"])
        docks["runs"] = self._dock(self.tr("Runs"), self.runs_panel, docks["evaluation"])
        docks["parameters"] = self._dock(self.tr("Parameters"), self.parameters, docks["runs"],
                                         name="parameters_panel")
        docks["health"] = self._dock(self.tr("Health"), self.health, docks["parameters"])
        docks["draw"] = self._dock(self.tr("Draw"), self.draw, docks["health"], True)
        self.docks = docks
        self.docks["properties"].raise_()
        self.docks["code"].raise_()
        self._apply_project_training(project)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_actions()
        self._build_menus()
        self.statusBar().showMessage(self.tr("Ready"), 3000)

        self.palette_panel.kind_chosen.connect(self.append_kind)
        self.summary.dataset_chosen.connect(self._dataset_chosen)
        self.training_panel.dataset_changed.connect(self._dataset_chosen)
        self.training.running_changed.connect(self._running_changed)
        self.training.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.runs_panel.overlays_changed.connect(self.plots.set_overlays)
        self.training.run_added.connect(self._run_added)
        self.training.model_changed.connect(self._model_changed)
        self.training.weights_changed.connect(self._weights_changed)
        self.training.health_measured.connect(self._health_measured)
        self.parameters.tree.module_freeze_requested.connect(self.freeze_module)
        self.parameters.tree.parameter_freeze_requested.connect(self.freeze_parameter)
        self.docks["parameters"].visibilityChanged.connect(self._parameters_shown)
        self.draw.example_added.connect(self._run_added)
        self.draw.fine_tune_requested.connect(self.fine_tune)
        self.training.weights_changed.connect(self._refresh_drawing)
        self.training.model_changed.connect(self._refresh_drawing)
        self.document.undo_stack.cleanChanged.connect(self._update_title)
        self.document.changed.connect(self._changed)
        self.document.selection_changed.connect(self._update_actions)
        self.document.edit_refused.connect(self._refused)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.write_recovery)
        self._autosave.start()
        self._restore_layout()
        self._update_title()
        self._update_actions()
        self._changed()
        if not analyze:
            self.statusBar().showMessage(self.tr("Loading PyTorch's shape analysis…"))
        _windows.append(self)

    # -- layout --------------------------------------------------------------------------------

    def _dock(self, title: str, widget, area, scroll: bool = False,
              name: str = "") -> QDockWidget:
        """A dock in ``area``, or, when ``area`` is another dock, a tab on top of it (added
        this way, not added then tabified, Qt leaves no stray tab bar behind)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name or widget.objectName()}")
        if scroll:  # tall forms scroll instead of making the window taller than the screen
            area_widget = QScrollArea(dock)
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            dock.setWidget(area_widget)
        else:
            dock.setWidget(widget)
        if isinstance(area, QDockWidget):
            self.tabifyDockWidget(area, dock)
        else:
            self.addDockWidget(area, dock)
        return dock

    def _restore_layout(self) -> None:
        store = settings()
        geometry = store.value("window/geometry")
        state = store.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
            self.resizeDocks([self.docks["palette"]], [210], Qt.Orientation.Horizontal)
            self.resizeDocks([self.docks["properties"]], [340], Qt.Orientation.Horizontal)
            self.resizeDocks([self.docks["properties"], self.docks["summary"]], [440, 300],
                             Qt.Orientation.Vertical)
            self.resizeDocks([self.docks["code"]], [230], Qt.Orientation.Vertical)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._hide_stray_tab_bars()

    def _hide_stray_tab_bars(self) -> None:
        """Qt (6.11) leaves a duplicate tab bar behind when a window gets a second group of
        tabbed docks before it is shown; hide any tab bar that is not beside its docks."""
        self.layout().activate()
        docks = {dock.windowTitle(): dock for dock in self.docks.values()}
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            shown = [docks[bar.tabText(i)] for i in range(bar.count())
                     if bar.tabText(i) in docks and docks[bar.tabText(i)].isVisible()]
            if not shown:
                continue
            dock = shown[0].geometry()
            beside = (bar.geometry().left() < dock.right() and dock.left() < bar.geometry().right()
                      and (abs(bar.geometry().top() - dock.bottom()) <= 8
                           or abs(bar.geometry().bottom() - dock.top()) <= 8))
            if not beside:
                bar.hide()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1280, 800)

    # -- actions and menus ---------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(slot)
        action.setObjectName(name or f"action_{text.strip('&.…').lower().replace(' ', '_')}")
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        a = self._action
        self.act_new = a(self.tr("&New"), self.new_network, key.New, "action_new")
        self.act_template = a(self.tr("New from &Template…"), self.new_from_template,
                              "Ctrl+Shift+N", "action_template")
        self.act_window = a(self.tr("New &Window"), self.new_window, None, "action_window")
        self.act_open = a(self.tr("&Open…"), self.open_dialog, key.Open, "action_open")
        self.act_save = a(self.tr("&Save"), self.save, key.Save, "action_save")
        self.act_save_as = a(self.tr("Save &As…"), self.save_as, key.SaveAs, "action_save_as")
        self.act_export_code = a(self.tr("&Python code…"), self.export_code, None,
                                 "action_export_code")
        self.act_export_weights = a(self.tr("&Weights (state_dict)…"), self.export_weights, None,
                                    "action_export_weights")
        self.act_export_script = a(self.tr("&Training Script…"), self.export_script, None,
                                   "action_export_script")
        self.act_export_onnx = a(self.tr("&ONNX…"), lambda: self.export_program("onnx"), None,
                                 "action_export_onnx")
        self.act_export_torchscript = a(self.tr("Torch&Script…"),
                                        lambda: self.export_program("torchscript"), None,
                                        "action_export_torchscript")
        self.act_export_pt2 = a(self.tr("torch.e&xport Program…"),
                                lambda: self.export_program("pt2"), None, "action_export_pt2")
        self.act_save_checkpoint = a(self.tr("Save &Checkpoint…"), self.save_checkpoint, None,
                                     "action_save_checkpoint")
        self.act_load_weights = a(self.tr("&Load Weights…"), self.load_weights, None,
                                  "action_load_weights")
        self.act_open_checkpoint = a(self.tr("Open C&heckpoint or Weights…"),
                                     self.open_checkpoint_dialog, None, "action_open_checkpoint")
        self.act_quit = a(self.tr("&Quit"), self.close, key.Quit, "action_quit")
        stack = self.document.undo_stack
        self.act_undo = stack.createUndoAction(self, self.tr("&Undo"))
        self.act_undo.setShortcuts(QKeySequence.keyBindings(key.Undo))
        self.act_undo.setObjectName("action_undo")
        self.act_redo = stack.createRedoAction(self, self.tr("&Redo"))
        redo_keys = QKeySequence.keyBindings(key.Redo)
        if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        self.act_redo.setShortcuts(redo_keys)
        self.act_redo.setObjectName("action_redo")
        self.addActions([self.act_undo, self.act_redo])
        self.act_cut = a(self.tr("Cu&t"), self.cut, key.Cut, "action_cut")
        self.act_copy = a(self.tr("&Copy"), self.copy, key.Copy, "action_copy")
        self.act_paste = a(self.tr("&Paste"), self.paste, key.Paste, "action_paste")
        self.act_delete = a(self.tr("&Delete"), self.delete, key.Delete, "action_delete")
        self.act_duplicate = a(self.tr("D&uplicate"), self.duplicate, "Ctrl+D",
                               "action_duplicate")
        self.act_rename = a(self.tr("Re&name"), self.stack.rename_current, "F2",
                            "action_rename")
        self.act_up = a(self.tr("Move &Up"), lambda: self.shift(-1), "Alt+Up", "action_up")
        self.act_down = a(self.tr("Move Do&wn"), lambda: self.shift(1), "Alt+Down",
                          "action_down")
        self.act_group = a(self.tr("&Group into Block"), self.group, "Ctrl+G", "action_group")
        self.act_ungroup = a(self.tr("Ungr&oup Block"), self.ungroup, "Ctrl+Shift+G",
                             "action_ungroup")
        self.act_select_all = a(self.tr("Select &All"), self.select_all, key.SelectAll,
                                "action_select_all")
        self.act_about = a(self.tr("&About netbuilder"), self.about, None, "action_about")
        self.act_train = a(self.tr("&Start Training"), self.start_training, "F5", "action_train")
        self.act_pause = a(self.tr("&Pause / Resume"), self.training.pause_or_resume, "F6",
                           "action_pause")
        self.act_stop = a(self.tr("S&top"), self.training.stop, "Shift+F5", "action_stop")
        self.act_reset = a(self.tr("&Reset Weights"), self.training.reset, None,
                           "action_reset")
        for action in (self.act_delete, self.act_duplicate, self.act_rename, self.act_up,
                       self.act_down, self.act_group, self.act_ungroup, self.act_copy,
                       self.act_cut, self.act_paste, self.act_select_all):
            # only when the stack has focus: typing Delete or Ctrl+C in a field stays there
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(action)
            self.stack.addAction(action)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.setObjectName("menu_file")
        file_menu.addActions([self.act_new, self.act_template, self.act_window])
        file_menu.addSeparator()
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.setObjectName("menu_recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addActions([self.act_save, self.act_save_as])
        file_menu.addSeparator()
        file_menu.addActions([self.act_open_checkpoint, self.act_load_weights,
                              self.act_save_checkpoint])
        export = file_menu.addMenu(self.tr("&Export"))
        export.setObjectName("menu_export")
        export.addActions([self.act_export_code, self.act_export_weights,
                           self.act_export_script])
        export.addSeparator()
        export.addActions([self.act_export_onnx, self.act_export_torchscript,
                           self.act_export_pt2])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = bar.addMenu(self.tr("&Edit"))
        edit.setObjectName("menu_edit")
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_delete,
                         self.act_duplicate, self.act_rename])
        edit.addSeparator()
        edit.addActions([self.act_up, self.act_down, self.act_group, self.act_ungroup])
        edit.addSeparator()
        edit.addAction(self.act_select_all)
        view = bar.addMenu(self.tr("&View"))
        view.setObjectName("menu_view")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        theme_menu = view.addMenu(self.tr("&Theme"))
        self.theme_actions = {}
        current = str(settings().value("view/theme", "system"))
        for name, label in THEMES.items():
            action = theme_menu.addAction(self.tr(label))
            action.setCheckable(True)
            action.setChecked(name == current)
            action.setObjectName(f"action_theme_{name}")
            action.triggered.connect(lambda _checked=False, n=name: self.set_theme(n))
            self.theme_actions[name] = action
        language_menu = view.addMenu(self.tr("&Language"))
        language_menu.setObjectName("menu_language")
        self.language_actions = {}
        current = str(settings().value(LANGUAGE_KEY, "system"))
        for code, label in {"system": self.tr("System"), **available_languages()}.items():
            action = language_menu.addAction(label)  # each language in its own words
            action.setCheckable(True)
            action.setChecked(code == current)
            action.setObjectName(f"action_language_{code}")
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_actions[code] = action
        train_menu = bar.addMenu(self.tr("&Train"))
        train_menu.setObjectName("menu_train")
        train_menu.addActions([self.act_train, self.act_pause, self.act_stop])
        train_menu.addSeparator()
        train_menu.addAction(self.act_reset)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.setObjectName("menu_help")
        help_menu.addAction(self.act_about)

    # -- state shown in the window -----------------------------------------------------------

    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.tr("Untitled") if self.template_name is None else (
            self.tr("%1 (template)").replace("%1", self.template_name))

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.display_name()}[*] — netbuilder")
        self.setWindowModified(not self.document.undo_stack.isClean())

    def _changed(self) -> None:
        analysis = self.document.analysis
        self._update_title()
        self._update_actions()
        state = self.tr("shapes OK") if analysis.ok else plural(
            len(analysis.errors), self.tr("1 shape error"), self.tr("%1 shape errors"))
        self.statusBar().showMessage(
            self.tr("%1 parameters · %2 MACs · %3").replace("%1", f"{analysis.total_params:,}")
            .replace("%2", f"{analysis.macs:,}").replace("%3", state))

    def _update_actions(self) -> None:
        selection = self.document.selection
        current = self.document.spec.find(self.document.current() or "")
        for action in (self.act_delete, self.act_duplicate, self.act_up, self.act_down,
                       self.act_group, self.act_copy, self.act_cut):
            action.setEnabled(bool(selection))
        self.act_rename.setEnabled(current is not None)
        self.act_ungroup.setEnabled(isinstance(current, BlockSpec))

    def _refused(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    # -- editing -------------------------------------------------------------------------------

    def insertion_point(self) -> tuple[str, int]:
        """After the current item, in its block; at the end when nothing is selected."""
        current = self.document.current()
        if not current:
            return "", len(self.document.spec.items)
        parent, _name = editing.split_path(current)
        _items, index = editing.locate(self.document.spec, current)
        return parent, index + 1

    def append_kind(self, kind: str) -> None:
        parent, index = self.insertion_point()
        insert_kinds(self.document, [kind], parent, index)
        self.stack.setFocus()

    def delete(self) -> None:
        paths = self.document.selection
        label = paths[0] if len(paths) == 1 else plural(len(paths), self.tr("1 item"),
                                                         self.tr("%1 items"))
        self.document.edit(self.tr("Delete %1").replace("%1", label),
                           lambda spec: editing.remove(spec, paths))

    def duplicate(self) -> None:
        paths = self.document.selection
        self.document.edit(self.tr("Duplicate"), lambda spec: editing.duplicate(
            spec, editing.in_document_order(spec, paths)))

    def shift(self, delta: int) -> None:
        paths = self.document.selection
        text = self.tr("Move Up") if delta < 0 else self.tr("Move Down")
        self.document.edit(text, lambda spec: editing.shift(spec, paths, delta))

    def group(self) -> None:
        paths = self.document.selection
        self.document.edit(self.tr("Group into Block"), lambda spec: editing.group(
            spec, editing.in_document_order(spec, paths)))

    def ungroup(self) -> None:
        current = self.document.current()
        if current:
            self.document.edit(self.tr("Ungroup %1").replace("%1", current),
                               lambda spec: editing.ungroup(spec, current))

    def select_all(self) -> None:
        self.document.select([path for path, _item in
                              ((p, i) for p, i, depth in self.document.spec.walk() if depth == 0)])

    def copy(self) -> None:
        if self.document.selection:
            QGuiApplication.clipboard().setMimeData(
                layers_mime(self.document, self.document.selection))
            self.statusBar().showMessage(plural(len(self.document.selection),
                                                self.tr("Copied 1 item"),
                                                self.tr("Copied %1 items")), 3000)

    def cut(self) -> None:
        self.copy()
        self.delete()

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        raw = bytes(mime.data(LAYERS_MIME)).decode("utf-8") if mime.hasFormat(LAYERS_MIME) \
            else mime.text()
        try:
            items = editing.items_from_clipboard(json.loads(raw))
        except (json.JSONDecodeError, editing.EditError):
            self.statusBar().showMessage(self.tr("The clipboard holds no netbuilder layers."),
                                         5000)
            return
        parent, index = self.insertion_point()
        self.document.edit(plural(len(items), self.tr("Paste 1 item"), self.tr("Paste %1 items")),
                           lambda spec: editing.insert(spec, parent, index, items))

    def _dataset_chosen(self, name: str) -> None:
        if name != self.project.dataset:
            self.project.dataset = name
            self.statusBar().showMessage(self.tr("Dataset: %1").replace("%1", name), 3000)
        self.summary.set_dataset(name)
        if self.training_panel.dataset_name() != name:
            self.training_panel.set_dataset(name)

    # -- training ------------------------------------------------------------------------------

    def start_training(self) -> None:
        self.docks["training"].raise_()
        self.docks["plots"].raise_()
        self.training.start()

    def _running_changed(self, running: bool) -> None:
        self.lock_banner.setVisible(running)
        for widget in (self.palette_panel, self.properties, self.summary):
            widget.setEnabled(not running)
        self.act_train.setEnabled(not running)
        self.act_reset.setEnabled(not running)
        self.act_pause.setEnabled(running)
        self.act_stop.setEnabled(running)

    # -- parameters and health -------------------------------------------------------------

    def _parameters_shown(self, visible: bool) -> None:
        if visible and self.training.model is None and self.document.analysis.ok:
            try:  # browse the initial weights before any training
                self.training.ensure_model()
            except Exception as exc:  # e.g. weights too large to allocate
                self.statusBar().showMessage(self.tr("The network cannot be built: %1").replace(
                    "%1", _reason(exc)), 8000)

    def _model_changed(self) -> None:
        self.parameters.set_model(self.training.model)
        if self.training.model is None:
            self.health.clear()

    def _weights_changed(self) -> None:
        health = self.training.last_health
        self.parameters.refresh(health.parameter_grad_norms if health else None)

    def _health_measured(self, health) -> None:
        self.health.show_health(health)
        if self.docks["parameters"].isVisible():
            self.parameters.refresh(health.parameter_grad_norms)

    def freeze_module(self, path: str, frozen: bool) -> None:
        """Freezing a layer or block is part of the network: saved, undoable."""
        paths = [path] if path else [item.name for item in self.document.spec.items]
        label = path or self.tr("the whole network")
        text = (self.tr("Freeze %1") if frozen else self.tr("Unfreeze %1")).replace("%1", label)
        if self.document.edit(text, lambda spec: editing.set_frozen(spec, paths, frozen)):
            model = self.training.model
            if model is not None:
                apply_freeze_to_model(model, path, frozen, True)
            self.parameters.refresh()

    def freeze_parameter(self, name: str, frozen: bool) -> None:
        """One tensor: applies to the current weights (a layer's freezing is kept in the
        network; a single tensor's until the network is rebuilt)."""
        if self.training.running:
            self.statusBar().showMessage(self.tr("Stop the run to change what trains."), 5000)
            self.parameters.refresh()
            return
        model = self.training.model
        if model is not None:
            apply_freeze_to_model(model, name, frozen, False)
        self.parameters.refresh()

    # -- drawing ------------------------------------------------------------------------------

    def _drawing_model(self):
        """(model, class names, why it cannot be asked) for the Draw panel."""
        dataset = self.training.dataset
        names = list(dataset.class_names) if dataset else [
            str(i) for i in range(self.document.spec.num_classes or 10)]
        if self.training.running and not self.training.paused:
            return None, names, self.tr("Training: drawings are classified when the run "
                                        "pauses or ends.")
        model = self.training.model
        if model is None:
            return None, names, self.tr("No trained network yet: train it (F5) or load "
                                        "weights, then draw.")
        if not self.document.trained_paths:
            return model, names, self.tr("These weights are untrained: the guesses mean "
                                         "nothing yet.")
        return model, names, ""

    def _refresh_drawing(self) -> None:
        if self.docks["draw"].isVisible():
            self.draw.classify_now()

    def fine_tune(self) -> None:
        self.docks["plots"].raise_()
        problem = self.training.fine_tune(self.draw.examples)
        if problem:
            self.statusBar().showMessage(problem, 8000)

    def _run_added(self) -> None:
        """A finished run belongs to the project: it now has unsaved changes."""
        self.document.undo_stack.resetClean()
        self._update_title()

    def _apply_project_training(self, project: Project) -> None:
        self.training_panel.set_settings(project.training)
        self.training_panel.set_dataset(project.dataset)
        self.training.set_runs(list(project.extra.get("runs", [])))

    # -- files ---------------------------------------------------------------------------------

    def current_project(self) -> Project:
        extra = dict(self.project.extra)
        extra["runs"] = list(self.training.runs)
        extra["user_examples"] = list(self.draw.examples)
        return Project(self.document.spec.copy(), self.training_panel.dataset_name()
                       or self.project.dataset, self.training_panel.settings(), extra)

    def maybe_save(self) -> bool:
        """True when it is fine to discard the current network."""
        if self.document.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("Save the changes to %1?").replace("%1", self.display_name()),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def load_project(self, project: Project, path: Path | None, template: str | None = None
                     ) -> None:
        """Show a project that was checked whole (``Project.from_dict``); the path is set
        last, so Save never writes one file's name over another's content."""
        self.project = project
        self.summary.set_dataset(project.dataset)
        self.training.model = None
        self.training.optimizer_state = None
        self.evaluation.clear()
        self.draw.set_examples(list(project.extra.get("user_examples", [])))
        self._apply_project_training(project)
        self.document.replace(project.spec)
        self.path = path
        self.template_name = template
        if path is None and template is None:
            self.document.undo_stack.resetClean()
        self._update_title()

    def new_network(self) -> None:
        if self.maybe_save():
            self.load_project(Project(NetworkSpec([1, 28, 28], [], "Net", 10)), None)

    def new_from_template(self) -> None:
        dialog = TemplateDialog(self)
        if dialog.exec() and dialog.chosen() and self.maybe_save():
            name = dialog.chosen()
            self.load_project(Project(load_template(name)), None, name)

    def new_window(self) -> MainWindow:
        window = MainWindow()
        window.show()
        return window

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(settings().value("files/last_dir",
                                                                             ""))
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open network"), start, self.tr("netbuilder files (*.json)"))
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        """Open a project or spec file; on a bad file say why and keep the current one."""
        try:
            project = Project.load(path)
        except ProjectError as exc:
            QMessageBox.warning(self, self.tr("Cannot open %1").replace("%1", path.name),
                                str(exc))
            self._forget_recent(path)
            return False
        if not self.maybe_save():
            return False
        self.load_project(project, path.resolve())
        self._remember_recent(path.resolve())
        self.statusBar().showMessage(self.tr("Opened %1").replace("%1", str(path)), 4000)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(
            Path(str(settings().value("files/last_dir", ""))) / f"{self.document.spec.class_name}"
            ".json")
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save network"), start,
                                              self.tr("netbuilder project (*.json)"))
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        return self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            self.current_project().save(path)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Cannot save"), self.tr(
                "%1 could not be written: %2").replace("%1", str(path)).replace(
                "%2", exc.strerror or str(exc)))
            return False
        self.path = path.resolve()
        self.template_name = None
        self.document.undo_stack.setClean()
        self._remember_recent(self.path)
        self._update_title()
        self.statusBar().showMessage(self.tr("Saved %1").replace("%1", str(path)), 4000)
        return True

    def _refuse_shape_errors(self) -> bool:
        """True (after saying why) when the shapes do not fit: nothing to export yet."""
        if self.document.analysis.ok:
            return False
        QMessageBox.warning(self, self.tr("Cannot export"), self.tr(
            "The shapes do not fit together yet:\n%1").replace(
            "%1", "\n".join(str(f) for f in self.document.analysis.errors)))
        return True

    def export_code(self) -> None:
        if self._refuse_shape_errors():
            return
        start = str((self.path.parent if self.path else Path.cwd())
                    / f"{self.document.spec.class_name.lower()}.py")
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export Python code"), start,
                                              self.tr("Python (*.py)"))
        if name:
            self.export_code_to(Path(name))

    def export_code_to(self, path: Path) -> bool:
        try:
            atomic_write_text(path, generate(self.document.spec,
                                             self.code.style_box.currentData()))
        except (OSError, ValueError) as exc:  # a failed write, or a spec codegen refuses
            QMessageBox.warning(self, self.tr("Cannot export"), f"{path}: {_reason(exc)}")
            return False
        self.statusBar().showMessage(self.tr("Wrote %1").replace("%1", str(path)), 4000)
        return True

    def _remember_recent(self, path: Path) -> None:
        store = settings()
        recent = [p for p in store.value("files/recent", [], list) or [] if p != str(path)]
        store.setValue("files/recent", [str(path), *recent][:MAX_RECENT])
        store.setValue("files/last_dir", str(path.parent))

    def _forget_recent(self, path: Path) -> None:
        store = settings()
        recent = store.value("files/recent", [], list) or []
        store.setValue("files/recent", [p for p in recent if Path(p) != path.resolve()])

    def recent_files(self) -> list[str]:
        return list(settings().value("files/recent", [], list) or [])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        if not recent:
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)
        for entry in recent:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _c=False, p=entry: self.open_path(Path(p)))

    # -- drop a file on the window -------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        self.open_dropped(Path(urls[0].toLocalFile()))

    def open_dropped(self, path: Path) -> bool:
        if path.suffix.lower() == ".json":
            return self.open_path(path)
        if path.suffix.lower() in (".pth", ".pt"):
            return self.open_checkpoint(path)
        QMessageBox.warning(self, self.tr("Cannot open %1").replace("%1", path.name), self.tr(
            "%1 is not a file netbuilder opens: drop a project or network (.json), or "
            "weights or a checkpoint (.pth).").replace("%1", path.name))
        return False

    # -- weights -------------------------------------------------------------------------------

    def _weights_path(self, title: str, save: bool, suffix: str = ".pth") -> Path | None:
        last = str(settings().value("files/last_dir", "") or "")
        start = str(self.path.parent) if self.path else (last or str(Path.cwd()))
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        name, _ = ask(self, title, start, self.tr("PyTorch weights (*.pth *.pt)"))
        if not name:
            return None
        path = Path(name)
        return path.with_suffix(suffix) if save and not path.suffix else path

    def _refuse_while_training(self) -> bool:
        if self.training.running:
            QMessageBox.warning(self, self.tr("Training"), self.tr(
                "Stop the run first: the weights are changing."))
            return True
        return False

    def export_weights(self) -> None:
        path = self._weights_path(self.tr("Export weights"), save=True)
        if path is not None:
            self.export_weights_to(path)

    def _write_weights(self, path: Path, write, failed_title: str, done: str) -> bool:
        """Run ``write()`` (an atomic save); say what happened; the old file survives errors."""
        if self._refuse_while_training():
            return False
        try:
            write()
        except Exception as exc:  # full disk, torch's zip writer, a network too big to build
            QMessageBox.warning(self, failed_title, self.tr(
                "%1 could not be written: %2. The file that was there is unchanged.").replace(
                "%1", str(path)).replace("%2", _reason(exc)))
            return False
        self.statusBar().showMessage(done.replace("%1", str(path)), 5000)
        return True

    def export_weights_to(self, path: Path) -> bool:
        """A plain state_dict: what model.load_state_dict(torch.load(path)) reads."""
        model = self._model_or_explain(self.tr("Cannot export weights"))
        if model is None:
            return False
        return self._write_weights(
            path, lambda: save_state_dict(model, path),
            self.tr("Cannot export weights"), self.tr("Wrote %1 (plain state_dict)"))

    def export_script(self) -> None:
        start = str((self.path.parent if self.path else Path.cwd()) / "train.py")
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export training script"), start,
                                              self.tr("Python (*.py)"))
        if name:
            self.export_script_to(Path(name))

    def export_script_to(self, path: Path) -> bool:
        """A standalone script with the current settings: python, or torchrun for DDP."""
        if self._refuse_shape_errors():
            return False
        settings = self.training_panel.settings()
        try:
            source = training_script(self.document.spec, self.training_panel.config(),
                                     settings["val_split"], path.name)
        except ValueError as exc:  # SpecError, TrainingError: said, nothing written
            QMessageBox.warning(self, self.tr("Cannot export"), str(exc))
            return False
        return self._write_weights(path, lambda: atomic_write_text(path, source),
                                   self.tr("Cannot export"), self.tr(
                                       "Wrote %1 — run it with python or torchrun"))

    def export_program(self, fmt: str) -> None:
        suffix = FORMATS[fmt]
        start = str((self.path.parent if self.path else Path.cwd())
                    / f"{self.document.spec.class_name.lower()}{suffix}")
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export %1").replace("%1", fmt), start, f"*{suffix}")
        if name:
            self.export_program_to(fmt, Path(name))

    def export_program_to(self, fmt: str, path: Path) -> bool:
        """ONNX, TorchScript or torch.export with the current weights, verified."""
        if self._refuse_while_training():
            return False
        if self._refuse_shape_errors():
            return False
        model = self._model_or_explain(self.tr("Export failed"))
        if model is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = export_verified(model, fmt, path)
        except ExportError as exc:
            QMessageBox.warning(self, self.tr("Export failed"), str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
            model.to(self.training.device_data.train_x.device
                     if self.training.device_data is not None else "cpu")
        untrained = "" if self.document.trained_paths else self.tr(
            "\n\nNote: these weights are untrained.")
        QMessageBox.information(self, self.tr("Exported %1").replace("%1", path.name),
                                result.describe() + untrained)
        self.statusBar().showMessage(result.describe(), 8000)
        return True

    def save_checkpoint(self) -> None:
        path = self._weights_path(self.tr("Save checkpoint"), save=True)
        if path is not None:
            self.save_checkpoint_to(path)

    def save_checkpoint_to(self, path: Path) -> bool:
        """Architecture, weights, optimizer state, settings and run history in one file."""
        dataset = self.training.dataset
        model = self._model_or_explain(self.tr("Cannot save checkpoint"))
        if model is None:
            return False

        def write() -> None:
            save_checkpoint(path, self.document.spec, model,
                            self.training.optimizer_state, self.training_panel.settings(),
                            list(self.training.runs),
                            dataset.class_names if dataset else [str(i) for i in range(10)],
                            extra={"dataset": self.training_panel.dataset_name()})

        return self._write_weights(path, write, self.tr("Cannot save checkpoint"),
                                   self.tr("Wrote %1 (full checkpoint)"))

    def load_weights(self) -> None:
        path = self._weights_path(self.tr("Load weights into this network"), save=False)
        if path is not None:
            self.load_weights_from(path)

    def load_weights_from(self, path: Path) -> bool:
        """Load a state_dict (or a checkpoint's weights) into the current network."""
        if self._refuse_while_training():
            return False
        try:
            loaded = load_file(path)
        except CheckpointError as exc:
            QMessageBox.warning(self, self.tr("Cannot load weights"), str(exc))
            return False
        return self._apply_weights(loaded.state_dict, path.name)

    def _model_or_explain(self, title: str):
        """The current model, or None after saying why it cannot be built (e.g. its weights
        would not fit in memory)."""
        try:
            if self.training.model is None:
                problem = memory_problem(self.document.spec)
                if problem:
                    raise MemoryError(problem)
            return self.training.ensure_model()
        except Exception as exc:  # SpecError from the builder, an allocation failure
            QMessageBox.warning(self, title, self.tr(
                "The network cannot be built: %1").replace("%1", _reason(exc)))
            return None

    def _warn_non_finite(self, state_dict, file_name: str) -> None:
        bad = non_finite_keys(state_dict)
        if bad:
            QMessageBox.warning(self, self.tr("Weights hold NaN or infinity"), self.tr(
                "%1 holds NaN or infinite values in %2. The network's outputs will not be "
                "numbers until it is trained again or other weights are loaded.").replace(
                "%1", file_name).replace("%2", ", ".join(bad[:5]) + (" …" if len(bad) > 5
                                                                      else "")))

    def _apply_weights(self, state_dict, file_name: str) -> bool:
        model = self._model_or_explain(self.tr("Cannot load weights"))
        if model is None:
            return False
        report = reconcile(model, state_dict)
        strict = report.perfect
        if not strict and ReconcileDialog(report, file_name, self).exec() != MATCHING:
            return False
        try:
            load_weights(model, state_dict, strict=strict)
        except CheckpointError as exc:  # checked before anything is copied: model unchanged
            QMessageBox.warning(self, self.tr("Cannot load weights"), str(exc))
            return False
        self.training.mark_loaded(report.matching)
        self._warn_non_finite(state_dict, file_name)
        if strict:
            self.statusBar().showMessage(self.tr("Loaded all %1 tensors from %2").replace(
                "%1", str(len(report.matching))).replace("%2", file_name), 5000)
            return True
        self.statusBar().showMessage(self.tr(
            "Loaded %1 matching tensors from %2; %3 left as they were").replace(
            "%1", str(len(report.matching))).replace("%2", file_name).replace(
            "%3", str(len(report.missing) + len(report.mismatched))), 8000)
        return True

    def open_checkpoint_dialog(self) -> None:
        path = self._weights_path(self.tr("Open checkpoint or weights"), save=False)
        if path is not None:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: Path) -> bool:
        """A checkpoint restores its network and weights; plain weights go into the current
        network when they fit it, else into a network read off them where that is possible."""
        if self._refuse_while_training():
            return False
        try:
            loaded = load_file(path)
        except CheckpointError as exc:
            QMessageBox.warning(self, self.tr("Cannot open %1").replace("%1", path.name),
                                str(exc))
            return False
        if loaded.is_checkpoint:
            data = loaded.checkpoint
            try:  # everything checked and built before the window changes
                project = project_from_checkpoint(data, loaded.spec, path)
                model = self._loaded_model(loaded.spec, loaded.state_dict)
            except (ProjectError, CheckpointError, SpecError) as exc:
                QMessageBox.warning(self, self.tr("Cannot open %1").replace("%1", path.name),
                                    str(exc))
                return False
            if not self.maybe_save():
                return False
            self.load_project(project, None)
            self.training.model = model
            self.training.optimizer_state = data.get("optimizer")
            self.training.mark_loaded(list(loaded.state_dict))
            self._warn_non_finite(loaded.state_dict, path.name)
            self.statusBar().showMessage(self.tr("Opened checkpoint %1").replace(
                "%1", path.name), 5000)
            return True
        current = self._model_or_explain(self.tr("Cannot open %1").replace("%1", path.name))
        if current is None:
            return False
        if reconcile(current, loaded.state_dict).perfect:
            return self._apply_weights(loaded.state_dict, path.name)
        try:
            spec, note = infer_spec(loaded.state_dict, self.document.spec.input_shape,
                                    path.name)
            model = self._loaded_model(spec, loaded.state_dict)
        except (CheckpointError, SpecError) as exc:
            QMessageBox.warning(self, self.tr("Cannot open %1").replace("%1", path.name),
                                str(exc))
            return False
        answer = QMessageBox.question(
            self, self.tr("Open %1").replace("%1", path.name),
            self.tr("These weights do not fit the current network. Open them as a new network?"
                    "\n\n%1").replace("%1", note),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Open)
        if answer != QMessageBox.StandardButton.Open or not self.maybe_save():
            return False
        self.load_project(Project(spec, self.training_panel.dataset_name() or "digits",
                                  self.training_panel.settings()), None)
        self.document.undo_stack.resetClean()
        self.training.model = model
        self.training.mark_loaded(list(loaded.state_dict))
        self._warn_non_finite(loaded.state_dict, path.name)
        self.statusBar().showMessage(note, 10000)
        return True

    def _loaded_model(self, spec: NetworkSpec, state_dict):
        """A model of ``spec`` holding ``state_dict`` exactly, built aside from the window."""
        model = build(spec)
        load_weights(model, state_dict, strict=True)
        device = self.training.device_data.train_x.device if (
            self.training.device_data is not None) else None
        return model.to(device) if device is not None else model

    # -- recovery ------------------------------------------------------------------------------

    def write_recovery(self) -> None:
        """Keep a copy of unsaved work; removed again once saved or closed cleanly."""
        if self.document.undo_stack.isClean():
            self.recovery_file.unlink(missing_ok=True)
            return
        data = self.current_project().to_dict()
        data["recovery"] = {"path": str(self.path) if self.path else None,
                            "saved_at": time.time(), "pid": os.getpid()}
        try:
            atomic_write_text(self.recovery_file, json.dumps(data, indent=1))
        except OSError as exc:
            self.statusBar().showMessage(self.tr("Autosave failed: %1").replace(
                "%1", exc.strerror or str(exc)), 5000)

    # -- misc ----------------------------------------------------------------------------------

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

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About netbuilder"), about_text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        self.training.shutdown()
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        self._autosave.stop()
        self.recovery_file.unlink(missing_ok=True)
        if self in _windows:
            _windows.remove(self)
        event.accept()


def _reason(exc: BaseException) -> str:
    """The first line of why something failed, for a message box."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def about_text() -> str:
    pitch = QApplication.translate(
        "MainWindow", "Stack layers into a torch.nn.Sequential, see the shapes that flow, and "
        "export readable PyTorch code.")
    digits = QApplication.translate(
        "MainWindow", "Embedded digits: the MNIST database (LeCun, Cortes, Burges; CC BY-SA 3.0).")
    return (f"<h3>netbuilder {__version__}</h3>"
            f"<p>{pitch}</p>"
            f"<p>PyTorch {torch.__version__}<br>Qt {qVersion()} · PySide6 {pyside_version}</p>"
            f"<p>{digits}</p>")


def recovery_files() -> list[Path]:
    """Recovery files left by windows of processes that are no longer running."""
    found = []
    for path in sorted(recovery_dir().glob("recovery-*.json")):
        try:
            pid = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        found.append(path)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def offer_recovery(parent=None) -> list[MainWindow]:
    """After a crash: ask to restore each unsaved network; returns the windows opened."""
    windows = []
    for path in recovery_files():
        try:
            data = read_json_file(path)
            info = check_recovery_info(data.pop("recovery", {}) if isinstance(data, dict)
                                       else {})
            project = Project.from_dict(data, path)
        except (JsonFileError, ProjectError):
            path.unlink(missing_ok=True)
            continue
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info["saved_at"]))
        original = info.get("path") or QApplication.translate("MainWindow", "an unsaved network")
        answer = QMessageBox.question(
            parent, QApplication.translate("MainWindow", "Restore unsaved work?"),
            QApplication.translate(
                "MainWindow", "netbuilder did not close properly. Restore %1 as it was at %2?"
            ).replace("%1", str(original)).replace("%2", when),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        path.unlink(missing_ok=True)
        if answer == QMessageBox.StandardButton.Yes:
            window = MainWindow(project, None)
            if info.get("path"):
                window.path = Path(info["path"])
            window.template_name = None
            window.document.undo_stack.resetClean()
            window._update_title()
            window.write_recovery()
            window.show()
            windows.append(window)
    return windows
