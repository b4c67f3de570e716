"""The Simplified Chinese translation: complete, faithful to the placeholders, and used.

After changing texts in netbuilder/gui run ``python scripts/update_translations.py``, translate
what it reports as left, and run it again (see its docstring).
"""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QMenu, QMessageBox

from netbuilder.core.catalog import default_catalog
from netbuilder.core.project import Project
from netbuilder.core.resources import load_template
from netbuilder.gui import i18n
from netbuilder.gui.main_window import MainWindow
from netbuilder.gui.network.palette import CATEGORY_NAMES
from netbuilder.gui.settings import settings

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "netbuilder" / "gui"
TS = i18n.I18N_DIR / "netbuilder_zh_CN.ts"
QM = i18n.translation_file("zh_CN")

PLACEHOLDER = re.compile(r"%n|%\d+|\{[^{}]*\}")  # Qt's %1 … and str.format's {name:spec}
TAG = re.compile(r"<[^<>]+>")
ACCELERATOR = re.compile(r"&([A-Za-z0-9])")
SHORTCUT_HINT = re.compile(r"\((?:Shift\+|Ctrl\+)?(?:F\d+|Esc)\)")


def messages(path: Path) -> list[tuple[str, ET.Element]]:
    """(context, message element) of every message in a .ts file."""
    root = ET.parse(path).getroot()
    return [(context.findtext("name") or "", message)
            for context in root.iter("context") for message in context.findall("message")]


def translations(message: ET.Element) -> list[str]:
    """The translated texts: one, or one per numerus form."""
    translation = message.find("translation")
    assert translation is not None
    forms = translation.findall("numerusform")
    return [f.text or "" for f in forms] if forms else [translation.text or ""]


def shipped() -> dict[tuple[str, str], ET.Element]:
    return {(context, message.findtext("source") or ""): message
            for context, message in messages(TS)}


def lupdate() -> str:
    beside = Path(sys.executable).parent / "pyside6-lupdate"
    found = str(beside) if beside.exists() else shutil.which("pyside6-lupdate")
    if found is None:
        pytest.skip("pyside6-lupdate is not installed")
    return found


# -- the .ts file ------------------------------------------------------------------------------


def test_every_text_of_the_sources_has_a_finished_translation(tmp_path):
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate(), *sorted(str(p) for p in GUI.rglob("*.py")), "-ts", str(fresh)],
                   check=True, capture_output=True)
    extracted = {(context, message.findtext("source") or "")
                 for context, message in messages(fresh)}
    assert len(extracted) > 300  # lupdate did read the sources
    ours = shipped()
    missing = sorted(extracted - set(ours))
    assert not missing, ("texts not in the shipped translation (run "
                         f"scripts/update_translations.py and translate them): {missing}")
    for key in extracted:
        texts = translations(ours[key])
        assert all(t.strip() for t in texts), f"empty translation of {key}"


# A call with one literal and no context, through a helper (``_tr("text")``): lupdate only
# reads self.tr("…"), translate("Context", "…") and QT_TRANSLATE_NOOP("Context", "…").
HIDDEN_TEXT = re.compile(r"""(?<![\w.])(?!tr\b)(\w*tr|\w*translate)\(\s*("[^"]*"|'[^']*')\s*\)""")


def test_no_text_hides_from_lupdate_behind_a_helper():
    hidden = [f"{path.relative_to(GUI)}: {match.group(0)}"
              for path in sorted(GUI.rglob("*.py"))
              for match in HIDDEN_TEXT.finditer(path.read_text(encoding="utf-8"))]
    assert hidden == []


def test_the_shipped_translation_is_finished():
    entries = messages(TS)
    assert len(entries) > 300
    for context, message in entries:
        state = message.find("translation").get("type")
        assert state is None, f"{context}: {message.findtext('source')!r} is {state}"
        assert all(t.strip() for t in translations(message)), message.findtext("source")
    root = ET.parse(TS).getroot()
    assert root.get("language") == "zh_CN"
    assert not ET.parse(TS).getroot().findall(".//translation[@type='vanished']")
    assert not ET.parse(TS).getroot().findall(".//translation[@type='obsolete']")


def test_translations_keep_placeholders_tags_accelerators_and_shortcuts():
    for context, message in messages(TS):
        source = message.findtext("source") or ""
        for text in translations(message):
            where = f"{context}: {source!r} → {text!r}"
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), where
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(source)), where
            assert [k.upper() for k in ACCELERATOR.findall(text)] == \
                [k.upper() for k in ACCELERATOR.findall(source)], where
            for hint in SHORTCUT_HINT.findall(source):
                assert hint in text, where
            assert text.count("\n") == source.count("\n"), where
            if "{" in source:  # str.format: a stray brace would raise
                assert text.count("{") == text.count("}") == len(PLACEHOLDER.findall(text)), where


def test_every_palette_category_is_marked_for_translation():
    assert set(default_catalog().categories()) <= set(CATEGORY_NAMES)


# -- the compiled file and the translator ------------------------------------------------------


def test_the_compiled_translation_is_there_loads_and_matches_the_source():
    assert QM.is_file()
    translator = QTranslator()
    assert translator.load(str(QM))
    assert translator.translate("MainWindow", "&File") == "文件(&F)"
    assert translator.translate("TrainingPanel", "Learning rate") == "学习率"
    stale = [(context, message.findtext("source")) for context, message in messages(TS)
             if message.get("numerus") != "yes" and translator.translate(
                 context, message.findtext("source") or "", message.findtext("comment"))
             != translations(message)[0]]
    assert not stale, f"compile the .ts again (scripts/update_translations.py): {stale}"


def test_languages_and_their_resolution():
    assert i18n.available_languages() == {"en": "English", "zh_CN": "简体中文"}
    assert i18n.resolve_language("zh_CN") == "zh_CN"
    assert i18n.resolve_language("zh_SG") == "zh_CN"  # Simplified Chinese too
    assert i18n.resolve_language("zh_TW") == "en"  # Traditional: not what we have
    assert i18n.resolve_language("en_GB") == "en"
    assert i18n.resolve_language("fr_FR") == "en"
    for code in set(i18n.available_languages()) - {"en"}:  # English needs no file
        assert i18n.translation_file(code).is_file()


def test_english_installs_nothing(qapp):
    assert i18n.install_translator(qapp, "en") == "en"
    assert i18n.install_translator(qapp, "fr") == "en"
    assert i18n.installed_translators() == []
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_the_stored_setting(qapp):
    assert i18n.language_setting() is None  # "system" by default
    settings().setValue(i18n.LANGUAGE_KEY, "zh_CN")
    assert i18n.language_setting() == "zh_CN"
    settings().setValue(i18n.LANGUAGE_KEY, "system")
    assert i18n.language_setting() is None


@pytest.fixture
def chinese(qapp):
    """Chinese for one test; English again afterwards, for the tests that follow."""
    assert i18n.install_translator(qapp, "zh_CN") == "zh_CN"
    installed = i18n.installed_translators()
    yield installed
    for translator in installed:
        QCoreApplication.removeTranslator(translator)
    i18n.remove_translators(qapp)
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_installing_chinese_translates_netbuilder_and_qt(chinese):
    assert len(chinese) == 2  # netbuilder's and Qt's own (qtbase) translations
    assert QCoreApplication.translate("MainWindow", "&Edit") == "编辑(&E)"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"


@pytest.fixture
def chinese_window(chinese, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    window = MainWindow(Project(load_template("digits_cnn")), template="digits_cnn")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_window_in_chinese(chinese_window):
    window = chinese_window
    titles = {name: window.findChild(QMenu, f"menu_{name}").title()
              for name in ("file", "edit", "view", "train", "help")}
    assert titles == {"file": "文件(&F)", "edit": "编辑(&E)", "view": "视图(&V)",
                      "train": "训练(&T)", "help": "帮助(&H)"}
    assert window.findChild(QMenu, "menu_export").title() == "导出(&E)"
    docks = {name: dock.windowTitle() for name, dock in window.docks.items()}
    assert docks["palette"] == "层"
    assert docks["properties"] == "属性"
    assert docks["training"] == "训练"
    assert docks["plots"] == "曲线"
    assert docks["parameters"] == "参数"
    assert window.actions["open"].text() == "打开(&O)…"
    assert window.training_panel.start.text() == "开始 (F5)"
    assert window.palette_panel.filter.placeholderText() == "筛选层…"
    # layer kinds are torch.nn names: they stay as they are; their categories are translated
    for kind in ("Linear", "Conv2d", "ReLU", "MaxPool2d"):
        assert window.palette_panel.item(kind).text(0) == kind
    assert window.palette_panel.item("Conv2d").parent().text(0) == "卷积"
    assert window.palette_panel.item("Linear").parent().text(0) == "线性"
    # loss and optimizer names are PyTorch's
    assert window.training_panel.loss.itemText(0) == "cross_entropy"
    assert window.training_panel.optimizer.findText("adam") >= 0
    assert "（模板）" in window.windowTitle()
    window.palette_panel.filter.setText("卷积")  # the filter knows the translated category
    assert "Conv2d" in window.palette_panel.visible_kinds()
    assert "Linear" not in window.palette_panel.visible_kinds()


def test_the_language_menu(chinese_window, monkeypatch):
    window = chinese_window
    said = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text, *a, **k: said.append((title, text)))
    menu = window.findChild(QMenu, "menu_language")
    assert menu is not None and menu.title() == "语言(&L)"
    actions = window.language_actions
    assert [actions[c].text() for c in ("system", "en", "zh_CN")] == \
        ["跟随系统", "English", "简体中文"]
    assert all(a.isCheckable() for a in actions.values())
    assert actions["system"].isChecked()
    actions["zh_CN"].trigger()
    assert settings().value(i18n.LANGUAGE_KEY) == "zh_CN"
    assert actions["zh_CN"].isChecked() and not actions["system"].isChecked()
    assert said == [("语言", "语言将在 netbuilder 下次启动时更改。")]
    actions["zh_CN"].trigger()  # the same again: nothing to say
    assert len(said) == 1
    actions["en"].trigger()
    assert settings().value(i18n.LANGUAGE_KEY) == "en" and len(said) == 2


def test_what_is_wrong_with_a_drawing_is_said_in_chinese(chinese):
    from netbuilder.core import digits
    from netbuilder.gui.inspect.draw import DRAWING_PROBLEMS

    assert DRAWING_PROBLEMS == digits.PROBLEMS  # every problem core can report is listed
    said = [QCoreApplication.translate("DrawPanel", text) for text in digits.PROBLEMS]
    assert said[0] == "画布是空的：请写一个数字。"
    assert all(text != english for text, english in zip(said, digits.PROBLEMS, strict=True))
