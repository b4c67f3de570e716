"""The window's actions and menus, declared as tables: id, text, shortcut, handler and when it
is enabled. ``build_actions`` makes the QActions (``window.actions[id]``, object name
``action_<id>``), ``build_menus`` lays out the menu bar, ``update_enabled`` re-evaluates the
conditions. Texts are marked for lupdate in the MainWindow context and translated when built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from operator import attrgetter

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence

from netbuilder.gui.i18n import LANGUAGE_KEY, available_languages
from netbuilder.gui.settings import settings
from netbuilder.gui.theme import THEMES

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    handler: str  # dotted attribute of the window, e.g. "files.save"
    shortcut: object = None  # a QKeySequence.StandardKey, a string, or None
    enabled_when: str | None = None  # a key of CONDITIONS
    stack_only: bool = False  # the shortcut acts only while the stack has focus
    args: tuple = ()
    fallback: str = ""  # the keys where the platform binds none to the standard key


ACTIONS = (
    ActionSpec("new", QT_TRANSLATE_NOOP("MainWindow", "&New"), "files.new_network", Key.New),
    ActionSpec(
        "template",
        QT_TRANSLATE_NOOP("MainWindow", "New from &Template…"),
        "files.new_from_template",
        "Ctrl+Shift+N",
    ),
    ActionSpec("window", QT_TRANSLATE_NOOP("MainWindow", "New &Window"), "new_window"),
    ActionSpec("open", QT_TRANSLATE_NOOP("MainWindow", "&Open…"), "files.open_dialog", Key.Open),
    ActionSpec("save", QT_TRANSLATE_NOOP("MainWindow", "&Save"), "files.save", Key.Save),
    ActionSpec(
        "save_as", QT_TRANSLATE_NOOP("MainWindow", "Save &As…"), "files.save_as", Key.SaveAs
    ),
    ActionSpec(
        "export_code", QT_TRANSLATE_NOOP("MainWindow", "&Python code…"), "weights.export_code"
    ),
    ActionSpec(
        "import_model",
        QT_TRANSLATE_NOOP("MainWindow", "&Import PyTorch Model…"),
        "files.import_model_dialog",
    ),
    ActionSpec(
        "add_layer_file",
        QT_TRANSLATE_NOOP("MainWindow", "Add Layers from &File…"),
        "layer_files.add_dialog",
        None,
        "idle",
    ),
    ActionSpec(
        "export_weights",
        QT_TRANSLATE_NOOP("MainWindow", "&Weights (state_dict)…"),
        "weights.export_weights",
    ),
    ActionSpec(
        "export_script",
        QT_TRANSLATE_NOOP("MainWindow", "&Training Script…"),
        "weights.export_script",
    ),
    ActionSpec(
        "export_diagram",
        QT_TRANSLATE_NOOP("MainWindow", "&Diagram (SVG, PNG)…"),
        "diagram.export_dialog",
    ),
    ActionSpec(
        "export_onnx",
        QT_TRANSLATE_NOOP("MainWindow", "&ONNX…"),
        "weights.export_program",
        args=("onnx",),
    ),
    ActionSpec(
        "export_torchscript",
        QT_TRANSLATE_NOOP("MainWindow", "Torch&Script…"),
        "weights.export_program",
        args=("torchscript",),
    ),
    ActionSpec(
        "export_pt2",
        QT_TRANSLATE_NOOP("MainWindow", "torch.e&xport Program…"),
        "weights.export_program",
        args=("pt2",),
    ),
    ActionSpec(
        "save_checkpoint",
        QT_TRANSLATE_NOOP("MainWindow", "Save &Checkpoint…"),
        "weights.save_checkpoint",
    ),
    ActionSpec(
        "load_weights", QT_TRANSLATE_NOOP("MainWindow", "&Load Weights…"), "weights.load_weights"
    ),
    ActionSpec(
        "open_checkpoint",
        QT_TRANSLATE_NOOP("MainWindow", "Open C&heckpoint or Weights…"),
        "weights.open_checkpoint_dialog",
    ),
    ActionSpec("quit", QT_TRANSLATE_NOOP("MainWindow", "&Quit"), "quit_application", Key.Quit,
               fallback="Ctrl+Q"),  # the application, each window asking (none on Windows)
    ActionSpec(
        "cut", QT_TRANSLATE_NOOP("MainWindow", "Cu&t"), "editing.cut", Key.Cut, "selection", True
    ),
    ActionSpec(
        "copy",
        QT_TRANSLATE_NOOP("MainWindow", "&Copy"),
        "editing.copy",
        Key.Copy,
        "selection",
        True,
    ),
    ActionSpec(
        "paste", QT_TRANSLATE_NOOP("MainWindow", "&Paste"), "editing.paste", Key.Paste, None, True
    ),
    ActionSpec(
        "delete",
        QT_TRANSLATE_NOOP("MainWindow", "&Delete"),
        "editing.delete",
        Key.Delete,
        "selection",
        True,
    ),
    ActionSpec(
        "duplicate",
        QT_TRANSLATE_NOOP("MainWindow", "D&uplicate"),
        "editing.duplicate",
        "Ctrl+D",
        "selection",
        True,
    ),
    ActionSpec(
        "rename",
        QT_TRANSLATE_NOOP("MainWindow", "Re&name"),
        "stack.rename_current",
        "F2",
        "current",
        True,
    ),
    ActionSpec(
        "up",
        QT_TRANSLATE_NOOP("MainWindow", "Move &Up"),
        "editing.shift",
        "Alt+Up",
        "selection",
        True,
        (-1,),
    ),
    ActionSpec(
        "down",
        QT_TRANSLATE_NOOP("MainWindow", "Move Do&wn"),
        "editing.shift",
        "Alt+Down",
        "selection",
        True,
        (1,),
    ),
    ActionSpec(
        "group",
        QT_TRANSLATE_NOOP("MainWindow", "&Group into Block"),
        "editing.group",
        "Ctrl+G",
        "selection",
        True,
    ),
    ActionSpec(
        "group_residual",
        QT_TRANSLATE_NOOP("MainWindow", "Group into &Residual"),
        "editing.group",
        None,
        "selection",
        True,
        ("Residual",),
    ),
    ActionSpec(
        "group_parallel",
        QT_TRANSLATE_NOOP("MainWindow", "Group into &Parallel"),
        "editing.group",
        None,
        "selection",
        True,
        ("Parallel",),
    ),
    ActionSpec(
        "ungroup",
        QT_TRANSLATE_NOOP("MainWindow", "Ungr&oup"),
        "editing.ungroup",
        "Ctrl+Shift+G",
        "block",
        True,
    ),
    ActionSpec(
        "select_all",
        QT_TRANSLATE_NOOP("MainWindow", "Select &All"),
        "editing.select_all",
        Key.SelectAll,
        None,
        True,
    ),
    ActionSpec(
        "train", QT_TRANSLATE_NOOP("MainWindow", "&Start Training"), "start_training", "F5", "idle"
    ),
    ActionSpec(
        "pause",
        QT_TRANSLATE_NOOP("MainWindow", "&Pause / Resume"),
        "training.pause_or_resume",
        "F6",
        "running",
    ),
    ActionSpec(
        "stop", QT_TRANSLATE_NOOP("MainWindow", "S&top"), "training.stop", "Shift+F5", "running"
    ),
    ActionSpec(
        "reset", QT_TRANSLATE_NOOP("MainWindow", "&Reset Weights"), "training.reset", None, "idle"
    ),
    ActionSpec("getting_started", QT_TRANSLATE_NOOP("MainWindow", "&Getting Started"),
               "show_help", Key.HelpContents, args=("getting_started",)),
    ActionSpec("shortcuts", QT_TRANSLATE_NOOP("MainWindow", "&Keyboard Shortcuts"),
               "show_help", args=("shortcuts",)),
    ActionSpec("about", QT_TRANSLATE_NOOP("MainWindow", "&About netbuilder"), "show_help",
               args=("about",)),
)

MENUS = (
    (
        QT_TRANSLATE_NOOP("MainWindow", "&File"),
        "file",
        (
            "new",
            "template",
            "window",
            "-",
            "open",
            "@recent",
            "save",
            "save_as",
            "-",
            "open_checkpoint",
            "load_weights",
            "save_checkpoint",
            "import_model",
            (
                QT_TRANSLATE_NOOP("MainWindow", "&Export"),
                "export",
                (
                    "export_code",
                    "export_weights",
                    "export_script",
                    "export_diagram",
                    "-",
                    "export_onnx",
                    "export_torchscript",
                    "export_pt2",
                ),
            ),
            "-",
            "quit",
        ),
    ),
    (
        QT_TRANSLATE_NOOP("MainWindow", "&Edit"),
        "edit",
        (
            "undo",
            "redo",
            "-",
            "cut",
            "copy",
            "paste",
            "delete",
            "duplicate",
            "rename",
            "-",
            "up",
            "down",
            "group",
            "group_residual",
            "group_parallel",
            "ungroup",
            "-",
            "select_all",
        ),
    ),
    (QT_TRANSLATE_NOOP("MainWindow", "&Layers"), "layers", ("add_layer_file",)),
    (QT_TRANSLATE_NOOP("MainWindow", "&View"), "view", ("@docks", "-", "@theme", "@language")),
    (QT_TRANSLATE_NOOP("MainWindow", "&Train"), "train", ("train", "pause", "stop", "-", "reset")),
    (QT_TRANSLATE_NOOP("MainWindow", "&Help"), "help",
     ("getting_started", "shortcuts", "-", "about")),
)


def _is_block(window) -> bool:
    """A block, residual or parallel is selected: Ungroup applies."""
    from netbuilder.core.spec import CONTAINERS

    current = window.document.item(window.document.current() or "")
    return isinstance(current, CONTAINERS)


CONDITIONS = {
    "selection": lambda w: bool(w.document.selection),
    "current": lambda w: w.document.item(w.document.current() or "") is not None,
    "block": _is_block,
    "idle": lambda w: not w.training.running,
    "running": lambda w: w.training.running,
}


def _translate(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def build_actions(window) -> dict[str, QAction]:
    """Every action of the table, plus undo and redo from the document's undo stack."""
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(_translate(spec.text), window)
        action.setObjectName(f"action_{spec.id}")
        if spec.shortcut is not None:
            keys = (
                QKeySequence.keyBindings(spec.shortcut)
                if isinstance(spec.shortcut, Key)
                else [QKeySequence(spec.shortcut)]
            )
            action.setShortcuts(keys or [QKeySequence(spec.fallback)])
        action.triggered.connect(partial(_run, window, spec))
        if spec.stack_only:  # typing Delete or Ctrl+C in a field stays in the field
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.stack.addAction(action)
        else:
            window.addAction(action)
        actions[spec.id] = action
    stack = window.document.undo_stack
    undo = stack.createUndoAction(window, _translate(QT_TRANSLATE_NOOP("MainWindow", "&Undo")))
    undo.setShortcuts(QKeySequence.keyBindings(Key.Undo))
    redo = stack.createRedoAction(window, _translate(QT_TRANSLATE_NOOP("MainWindow", "&Redo")))
    redo_keys = QKeySequence.keyBindings(Key.Redo)
    if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
        redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
    redo.setShortcuts(redo_keys)
    for name, action in (("undo", undo), ("redo", redo)):
        action.setObjectName(f"action_{name}")
        window.addAction(action)
        actions[name] = action
    return actions


def _run(window, spec: ActionSpec, _checked: bool = False) -> None:
    attrgetter(spec.handler)(window)(*spec.args)


def update_enabled(window) -> None:
    for spec in ACTIONS:
        if spec.enabled_when is not None:
            window.actions[spec.id].setEnabled(CONDITIONS[spec.enabled_when](window))


def build_menus(window) -> None:
    bar = window.menuBar()
    for title, name, entries in MENUS:
        _fill(window, bar.addMenu(_translate(title)), name, entries)


def _fill(window, menu, name: str, entries) -> None:
    menu.setObjectName(f"menu_{name}")
    for entry in entries:
        if entry == "-":
            menu.addSeparator()
        elif isinstance(entry, tuple):
            title, sub_name, sub_entries = entry
            _fill(window, menu.addMenu(_translate(title)), sub_name, sub_entries)
        elif entry == "@recent":
            window.recent_menu = menu.addMenu(
                _translate(QT_TRANSLATE_NOOP("MainWindow", "Open &Recent"))
            )
            window.recent_menu.setObjectName("menu_recent")
            window.recent_menu.aboutToShow.connect(partial(_fill_recent, window))
        elif entry == "@docks":
            for dock in window.docks.values():
                menu.addAction(dock.toggleViewAction())
        elif entry == "@theme":
            current = str(settings().value("view/theme", "system"))
            window.theme_actions = _choices(
                menu.addMenu(_translate(QT_TRANSLATE_NOOP("MainWindow", "&Theme"))),
                "theme",
                {key: _translate(label) for key, label in THEMES.items()},
                current,
                window.set_theme,
            )
        elif entry == "@language":
            current = str(settings().value(LANGUAGE_KEY, "system"))
            languages = {
                "system": _translate(QT_TRANSLATE_NOOP("MainWindow", "System")),
                **available_languages(),
            }
            submenu = menu.addMenu(_translate(QT_TRANSLATE_NOOP("MainWindow", "&Language")))
            submenu.setObjectName("menu_language")
            window.language_actions = _choices(
                submenu, "language", languages, current, window.set_language
            )
        else:
            menu.addAction(window.actions[entry])


def _choices(menu, kind: str, labels: dict[str, str], current: str, choose) -> dict:
    """Checkable entries, one per choice; each in its own words (languages)."""
    actions = {}
    for key, label in labels.items():
        action = menu.addAction(label)
        action.setCheckable(True)
        action.setChecked(key == current)
        action.setObjectName(f"action_{kind}_{key}")
        action.triggered.connect(partial(_choose, choose, key))
        actions[key] = action
    return actions


def _choose(choose, key: str, _checked: bool = False) -> None:
    choose(key)


def _fill_recent(window) -> None:
    from pathlib import Path

    menu = window.recent_menu
    menu.clear()
    recent = window.files.recent_files()
    if not recent:
        menu.addAction(_translate(QT_TRANSLATE_NOOP("MainWindow", "(none)"))).setEnabled(False)
    for entry in recent:
        action = menu.addAction(entry)
        action.triggered.connect(partial(_open_recent, window, Path(entry)))


def _open_recent(window, path, _checked: bool = False) -> None:
    window.files.open_path(path)
