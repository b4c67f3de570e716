"""A project file: the network spec with the dataset and training settings it goes with.

Opening accepts a project or a bare network spec (as the templates are). Problems come back as
one :class:`ProjectError` naming every place, so the app can refuse the file and keep what it
has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netbuilder.core.atomic import atomic_write_text
from netbuilder.core.spec import FORMAT as NETWORK_FORMAT
from netbuilder.core.spec import NetworkSpec, Problem, SpecError, parse

PROJECT_FORMAT = "netbuilder.project"
PROJECT_VERSION = 1


class ProjectError(ValueError):
    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path.name} cannot be opened:"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass
class Project:
    spec: NetworkSpec
    dataset: str = "digits"
    training: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # sections later versions add

    def to_dict(self) -> dict[str, Any]:
        return {"format": PROJECT_FORMAT, "version": PROJECT_VERSION,
                "network": self.spec.to_dict(), "dataset": self.dataset,
                "training": dict(self.training), **self.extra}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> Path:
        return atomic_write_text(path, self.to_json())

    @classmethod
    def from_dict(cls, data: Any, where: str | Path = "project") -> Project:
        if isinstance(data, dict) and data.get("format", NETWORK_FORMAT) == NETWORK_FORMAT \
                and "network" not in data:
            spec, problems = parse(data)
            if problems or spec is None:
                raise ProjectError(where, problems)
            return cls(spec)
        if not isinstance(data, dict) or data.get("format") != PROJECT_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ProjectError(where, [Problem("format", f"expected a netbuilder project or "
                                                         f"network, got {found!r}")])
        version = data.get("version")
        if not isinstance(version, int) or version > PROJECT_VERSION:
            raise ProjectError(where, [Problem(
                "version", f"this project is format version {version!r}, newer than this "
                           f"netbuilder reads ({PROJECT_VERSION}); update netbuilder to open it")])
        spec, problems = parse(data.get("network"))
        problems = [Problem(f"network.{p.where}" if p.where else "network", p.message)
                    for p in problems]
        dataset = data.get("dataset", "digits")
        if not isinstance(dataset, str):
            problems.append(Problem("dataset", f"expected a dataset name, got {dataset!r}"))
        training = data.get("training", {})
        if not isinstance(training, dict):
            problems.append(Problem("training", f"expected an object, got {training!r}"))
        if problems or spec is None:
            raise ProjectError(where, problems)
        known = {"format", "version", "network", "dataset", "training"}
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(spec, dataset, dict(training), extra)

    @classmethod
    def load(cls, path: str | Path) -> Project:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ProjectError(path, [Problem("", f"cannot read the file: {reason}")]) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProjectError(path, [Problem(f"line {exc.lineno}, column {exc.colno}",
                                              f"not JSON: {exc.msg}")]) from None
        try:
            return cls.from_dict(data, path)
        except SpecError as exc:
            raise ProjectError(path, exc.problems) from None
