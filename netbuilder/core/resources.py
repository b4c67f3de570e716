"""Files shipped inside the package: network templates and the embedded digits."""

from __future__ import annotations

from pathlib import Path

from netbuilder.core.spec import NetworkSpec, Problem

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
TEMPLATES = RESOURCES / "templates"
DIGITS_FILE = RESOURCES / "data" / "digits.npz"
DEFAULT_TEMPLATE = "digits_cnn"


def template_names() -> list[str]:
    """Shipped templates, by file stem, sorted."""
    return sorted(p.stem for p in TEMPLATES.glob("*.json"))


def load_template(name: str) -> NetworkSpec:
    """A template's network."""
    return load_template_project(name).spec


def load_template_project(name: str):
    """A template as a project: its network and, for a project template (such as
    ``tutorial_mymodel``, which trains on a CSV shipped beside the templates), its dataset and
    training settings."""
    from netbuilder.core.project import Project, ProjectError
    from netbuilder.core.spec import SpecError

    path = TEMPLATES / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no template {name!r}; available: {', '.join(template_names())}")
    try:
        return Project.load(path)
    except ProjectError as exc:  # a shipped file: say it as a spec error, as before
        raise SpecError([Problem(f"{path.name}: {p.where}", p.message)
                         for p in exc.problems]) from None
