"""Files shipped inside the package: network templates and the embedded digits."""

from __future__ import annotations

from pathlib import Path

from netbuilder.core.spec import NetworkSpec

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
TEMPLATES = RESOURCES / "templates"
DIGITS_FILE = RESOURCES / "data" / "digits.npz"
DEFAULT_TEMPLATE = "digits_cnn"


def template_names() -> list[str]:
    """Shipped templates, by file stem, sorted."""
    return sorted(p.stem for p in TEMPLATES.glob("*.json"))


def load_template(name: str) -> NetworkSpec:
    path = TEMPLATES / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no template {name!r}; available: {', '.join(template_names())}")
    return NetworkSpec.load(path)
