"""The language of the window: netbuilder's own translations and Qt's for standard dialogs.

Translations live in ``netbuilder/resources/i18n/netbuilder_<code>.ts`` (the source, edited
with Qt Linguist or by hand) and ``netbuilder_<code>.qm`` (compiled); ``python
scripts/update_translations.py`` regenerates both from the sources under ``netbuilder/gui``.
English is the source language and needs no file.

The choice is kept in the settings under ``view/language``: ``"system"`` (the default) follows
the system locale, otherwise a code of :func:`available_languages`. It takes effect when the
application starts (``install_translator`` runs before the first window is built).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from netbuilder.core.resources import RESOURCES

I18N_DIR = RESOURCES / "i18n"
LANGUAGE_KEY = "view/language"
SOURCE_LANGUAGE = "en"
_LANGUAGES = {"en": "English", "zh_CN": "简体中文"}  # code → the language's own name
_installed: list[QTranslator] = []  # kept referenced: Qt does not own installed translators


def available_languages() -> dict[str, str]:
    """Language code → the language's name in that language, English first."""
    return dict(_LANGUAGES)


def translation_file(code: str) -> Path:
    """The compiled translation of ``code`` (it need not exist)."""
    return I18N_DIR / f"netbuilder_{code}.qm"


def resolve_language(code: str | None) -> str:
    """The available language for ``code``: None or "system" follow the system locale.

    An exact code wins; otherwise a locale whose language and script match one we have
    (``zh_SG`` → ``zh_CN``, both Simplified Chinese); anything else is English.
    """
    if code is None or code == "system":
        code = QLocale.system().name()
    if code in _LANGUAGES:
        return code
    wanted = QLocale(code)
    for candidate in _LANGUAGES:
        have = QLocale(candidate)
        if (have.language() == wanted.language() and have.script() == wanted.script()
                and wanted.language() != QLocale.Language.C):
            return candidate
    return SOURCE_LANGUAGE


def language_setting() -> str | None:
    """The stored choice: a language code, or None to follow the system."""
    from netbuilder.gui.settings import settings

    value = str(settings().value(LANGUAGE_KEY, "system") or "system")
    return None if value == "system" else value


def installed_translators() -> list[QTranslator]:
    """The translators :func:`install_translator` has installed (and not removed)."""
    return list(_installed)


def remove_translators(app: QCoreApplication | None = None) -> None:
    """Uninstall what :func:`install_translator` installed: texts are English again."""
    app = app or QCoreApplication.instance()
    while _installed:
        translator = _installed.pop()
        if app is not None:
            app.removeTranslator(translator)


def install_translator(app: QCoreApplication, code: str | None) -> str:
    """Translate the application into ``code`` (None: the system's language).

    Loads ``netbuilder_<code>.qm`` and Qt's own ``qtbase_<code>.qm`` (standard buttons and
    dialogs) when Qt ships it; replaces what an earlier call installed. Returns the language
    now used: ``"en"`` when there is no translation for ``code`` or its file does not load.
    """
    remove_translators(app)
    language = resolve_language(code)
    if language == SOURCE_LANGUAGE:
        return SOURCE_LANGUAGE
    own = QTranslator(app)
    if not own.load(str(translation_file(language))):
        return SOURCE_LANGUAGE
    app.installTranslator(own)
    _installed.append(own)
    qt = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if folder and qt.load(QLocale(language), "qtbase", "_", folder):
        app.installTranslator(qt)
        _installed.append(qt)
    return language
