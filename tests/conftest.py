"""Shared test set-up: paths to the shipped templates."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "netbuilder" / "resources" / "templates"


@pytest.fixture
def template_path():
    def find(name: str) -> Path:
        return TEMPLATES / f"{name}.json"

    return find
