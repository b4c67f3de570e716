"""The core stays Qt-free: checked by import-linter, and by importing it in a clean process."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=where, capture_output=True, text=True,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"})


def test_import_linter_contract_is_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "core stays Qt-free KEPT" in result.stdout
    assert "views do not import controllers KEPT" in result.stdout


@pytest.mark.parametrize("where, line, contract", [
    ("core/sneaky.py", "from PySide6 import QtCore", "core stays Qt-free"),
    ("training/sneaky.py", "from netbuilder.gui.controllers import training",
     "views do not import controllers"),
])
def test_import_linter_catches_a_broken_rule(tmp_path, where, line, contract):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "netbuilder", tmp_path / "netbuilder",
                    ignore=shutil.ignore_patterns("resources", "__pycache__"))
    target = tmp_path / "netbuilder" / ("gui/" if not where.startswith("core") else "") / where
    target.write_text(line + "\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
    assert sum("BROKEN" in text for text in result.stdout.splitlines()) == 1


def test_importing_the_core_loads_no_qt():
    code = ("import sys, netbuilder.core.analysis, netbuilder.core.codegen, netbuilder.cli\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'PySide6', 'pyqtgraph', 'shiboken6'} or m.startswith('netbuilder.gui')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
