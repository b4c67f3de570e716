"""Regenerate the GUI's translation files from the sources, then compile them.

Run from anywhere, with the project's environment (PySide6 provides the two tools)::

    .venv/bin/python scripts/update_translations.py            # every language there is
    .venv/bin/python scripts/update_translations.py zh_CN      # one language (or a new one)
    .venv/bin/python scripts/update_translations.py --check    # also fail on untranslated texts

For each language it runs ``pyside6-lupdate`` over ``netbuilder/gui/**/*.py`` into
``netbuilder/resources/i18n/netbuilder_<code>.ts``: new texts are added as unfinished, the
translations of texts that are still there are kept, and texts no longer in the sources are
dropped (``-no-obsolete``). Then ``pyside6-lrelease`` compiles the ``.ts`` into
``netbuilder_<code>.qm`` next to it, which is what the application loads.

After adding or changing texts in the GUI: run this, translate the entries left unfinished
(Qt Linguist: ``pyside6-linguist netbuilder/resources/i18n/netbuilder_zh_CN.ts``, or any
editor: fill in ``<translation>`` and remove ``type="unfinished"``), run it again to compile,
and run ``tests/gui/test_i18n.py``.

Texts are found in ``self.tr("...")``, ``QCoreApplication.translate("Context", "...")`` and
``QT_TRANSLATE_NOOP("Context", "...")`` calls with literal strings; a text built in an
f-string or passed through a variable is invisible to lupdate.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUI = ROOT / "netbuilder" / "gui"
I18N = ROOT / "netbuilder" / "resources" / "i18n"
PREFIX = "netbuilder_"


def tool(name: str) -> str:
    """``pyside6-lupdate`` or ``pyside6-lrelease``: beside this Python first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6 (pip install -e '.[dev]')")
    return found


def sources() -> list[Path]:
    return sorted(GUI.rglob("*.py"))


def ts_file(code: str) -> Path:
    return I18N / f"{PREFIX}{code}.ts"


def existing_languages() -> list[str]:
    return sorted(p.stem[len(PREFIX):] for p in I18N.glob(f"{PREFIX}*.ts"))


def lupdate(code: str) -> None:
    I18N.mkdir(parents=True, exist_ok=True)
    command = [tool("pyside6-lupdate"), *(str(p.relative_to(ROOT)) for p in sources()),
               "-no-obsolete", "-source-language", "en", "-target-language", code,
               "-ts", str(ts_file(code).relative_to(ROOT))]
    subprocess.run(command, cwd=ROOT, check=True)


def lrelease(code: str) -> Path:
    ts = ts_file(code)
    qm = ts.with_suffix(".qm")
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT, check=True)
    return qm


def unfinished(code: str) -> list[str]:
    """The source texts of ``code`` without a finished translation."""
    missing = []
    for message in ET.parse(ts_file(code)).getroot().iter("message"):
        translation = message.find("translation")
        forms = [f.text for f in translation.findall("numerusform")] if translation is not None \
            else []
        text = translation.text if translation is not None else None
        done = (translation is not None and translation.get("type") is None
                and (all(forms) if forms else bool(text)))
        if not done:
            missing.append(message.findtext("source") or "")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*",
                        help="language codes such as zh_CN (default: every .ts file there is)")
    parser.add_argument("--check", action="store_true",
                        help="exit with an error when a text has no finished translation")
    args = parser.parse_args(argv)
    languages = args.languages or existing_languages()
    if not languages:
        parser.error(f"no {PREFIX}*.ts in {I18N}: name a language, e.g. zh_CN")
    failed = False
    for code in languages:
        lupdate(code)
        qm = lrelease(code)
        missing = unfinished(code)
        print(f"{code}: {qm.relative_to(ROOT)}; {len(missing)} text(s) left to translate")
        for text in missing:
            print(f"    {text!r}")
        failed |= bool(missing)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
