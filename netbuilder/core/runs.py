"""A training run as the project keeps it: its label and settings, per-epoch metrics and a thinned
curve of batch losses, and how it ended. Plain data, checked on the way in by ``core.project``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_BATCH_POINTS = 600  # per run: enough for a curve to compare, small in the project file


@dataclass
class Run:
    id: str
    label: str
    settings: dict[str, Any] = field(default_factory=dict)
    epochs: list[dict[str, float]] = field(default_factory=list)
    batches: list[tuple[int, float]] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0

    @property
    def failed(self) -> str:
        return str(self.final.get("failed", ""))

    def finish(self, rolled_back: bool) -> None:
        """Sum the run up once it ended; a rolled-back last epoch is not what the model holds."""
        kept = self.epochs[:-1] if rolled_back else self.epochs
        self.final["epochs_done"] = len(kept)
        if kept:
            self.final.update(val_accuracy=kept[-1]["val_accuracy"],
                              val_loss=kept[-1]["val_loss"])
        self.batches = thin(self.batches, MAX_BATCH_POINTS)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "settings": dict(self.settings),
                "epochs": [dict(e) for e in self.epochs],
                "batches": [[int(step), float(loss)] for step, loss in self.batches],
                "final": dict(self.final), "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        """From a dict that ``core.project.check_runs`` accepted."""
        return cls(str(data.get("id", "")), str(data.get("label", "")),
                   dict(data.get("settings", {})), [dict(e) for e in data.get("epochs", [])],
                   [(int(s), float(v)) for s, v in data.get("batches", [])],
                   dict(data.get("final", {})), float(data.get("started_at", 0.0)))


def thin(points: list, limit: int) -> list:
    """At most ``limit`` points, evenly spread over the list."""
    if len(points) <= limit:
        return list(points)
    step = len(points) / limit
    return [points[int(i * step)] for i in range(limit)]
