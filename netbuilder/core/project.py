"""A project file: the network spec with the dataset, training settings, runs, drawn examples
and — once trained — the weights and the state to resume training from.

A project without weights is plain JSON (``.json``: small, diffable). One with weights is a
``.nbproj``: a zip holding that same JSON as ``project.json``, the weights as ``weights.pth``
(a plain ``state_dict``) and the run's optimizer, schedule and random state as
``training_state.pth`` (see :mod:`netbuilder.core.project_archive`).

Opening accepts a project or a bare network spec (as the templates are). The whole file is
checked into plain, typed values before anything uses it — every section, every run, every
drawn example — so a window or the CLI either gets a complete :class:`Project` or a
:class:`ProjectError` naming the file and each bad field, never half of one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netbuilder.core.atomic import atomic_write_text
from netbuilder.core.custom_layers import Allow, prepare_network
from netbuilder.core.jsonfile import JsonFileError, read_json_file
from netbuilder.core.registry import (
    CSV_CHOICE,
    CSV_PREFIX,
    DATASET_NAMES,
    DEFAULT_DATASET,
    FOLDER_CHOICE,
    FOLDER_PREFIX,
    TRAINING_CHOICES,
    csv_path,
    folder_path,
    is_dataset_name,
    names,
)
from netbuilder.core.spec import FORMAT as NETWORK_FORMAT
from netbuilder.core.spec import NetworkSpec, Problem, SpecError
from netbuilder.core.spec_parse import parse
from netbuilder.core.train_config import SETTING_LIMITS

PROJECT_FORMAT = "netbuilder.project"
# 2 adds the weights section and the patience setting, 3 the weights' calibration; 1 and 2 open
PROJECT_VERSION = 3
ARCHIVE_SUFFIX = ".nbproj"
WEIGHTS_MEMBER = "weights.pth"
STATE_MEMBER = "training_state.pth"
WEIGHTS_FIELDS = ("file", "trained", "source", "training_state")
MAX_TRAINED_PATHS = 100_000
DATASETS = DATASET_NAMES  # the older name of core.registry.DATASET_NAMES
# What the app's controls accept; a file asking for more is refused, not clamped.
SETTING_CHOICES = {key: names(choices) for key, choices in TRAINING_CHOICES.items()}
INTEGER_SETTINGS = ("batch_size", "epochs", "seed", "patience")
BOOLEAN_SETTINGS = ("augment", "fresh")
# kept in Project.extra (with "preprocessing" and, beside weights, "calibration", if any)
SECTIONS = ("runs", "user_examples")
RUN_FIELDS = ("id", "label", "settings", "epochs", "batches", "final", "started_at")
MAX_TEXT = 10_000


class ProjectError(ValueError):
    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path.name} cannot be opened:"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass
class ProjectWeights:
    """The weights a project keeps (only a ``.nbproj`` holds them): the model's whole
    ``state_dict`` (CPU tensors, buffers included), which layers count as trained, what made
    them, and the run's resume point (a :class:`netbuilder.core.resume.ResumePoint`) or None."""

    state_dict: dict[str, Any]
    trained: list[str] = field(default_factory=list)
    source: str = ""
    resume: Any = None


@dataclass
class Project:
    spec: NetworkSpec
    dataset: str = DEFAULT_DATASET
    training: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # runs and user_examples, checked
    weights: ProjectWeights | None = None

    def to_dict(self, base: Path | None = None) -> dict[str, Any]:
        """The project as JSON data; ``base``: the folder of the file it goes to (custom-layer
        files are written relative to it)."""
        data = {"format": PROJECT_FORMAT, "version": PROJECT_VERSION,
                "network": self.spec.to_dict(base), "dataset": self.dataset,
                "training": dict(self.training), **self.extra}
        if self.weights is not None:
            data["weights"] = {
                "file": WEIGHTS_MEMBER, "trained": sorted(self.weights.trained),
                "source": self.weights.source,
                "training_state": STATE_MEMBER if self.weights.resume is not None else None}
        return data

    def to_json(self, base: Path | None = None) -> str:
        return json.dumps(self.to_dict(base), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> Path:
        """Plain JSON, or a ``.nbproj`` archive when the path says so or there are weights
        (which a ``.json`` cannot hold: that raises ValueError, nothing written)."""
        path = Path(path)
        if self.weights is not None or path.suffix.lower() == ARCHIVE_SUFFIX:
            if path.suffix.lower() != ARCHIVE_SUFFIX:
                raise ValueError(f"{path.name}: a project with trained weights is saved as "
                                 f"{ARCHIVE_SUFFIX}, not {path.suffix or 'a file without suffix'}")
            from netbuilder.core.project_archive import save_archive

            return save_archive(self, path)
        return atomic_write_text(path, self.to_json(path.parent))

    def without_weights(self) -> Project:
        """The same project as plain JSON can hold it (Save As ▸ untrained, a spec's parts):
        without the weights' calibration either."""
        extra = {k: v for k, v in self.extra.items() if k != "calibration"}
        return Project(self.spec.copy(), self.dataset, dict(self.training), extra)

    @classmethod
    def from_dict(cls, data: Any, where: str | Path = "project", in_archive: bool = False,
                  base: Path | None = None, allow: Allow | None = None) -> Project:
        """Check all of ``data``; raises :class:`ProjectError` listing every problem.

        Custom-layer files the network names are found relative to ``base`` and imported only
        when netbuilder ships them or ``allow`` says yes (see
        :func:`netbuilder.core.custom_layers.prepare_network`).

        ``in_archive``: ``data`` is a ``.nbproj``'s ``project.json``, whose weights section
        names the archive's members; the returned project's weights then hold only the checked
        section (``resume`` is the name of the state member, or None) for the reader to fill.
        """
        if isinstance(data, dict) and data.get("format", NETWORK_FORMAT) == NETWORK_FORMAT \
                and "network" not in data:
            problems: list[Problem] = []
            data = prepare_network(data, base, allow, problems)
            spec, found = parse(data)
            problems += found
            if problems or spec is None:
                raise ProjectError(where, problems)
            return cls(spec)
        if not isinstance(data, dict) or data.get("format") != PROJECT_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ProjectError(where, [Problem("format", f"expected a netbuilder project or "
                                                         f"network, got {_shown(found)}")])
        version = data.get("version")
        if not _is_int(version) or version < 1:
            raise ProjectError(where, [Problem(
                "version", f"expected a format version ≥ 1, got {_shown(version)}")])
        if version > PROJECT_VERSION:
            raise ProjectError(where, [Problem(
                "version", f"this project is format version {version}, newer than this "
                           f"netbuilder reads ({PROJECT_VERSION}); update netbuilder to open it")])
        spec_problems: list[Problem] = []
        network = prepare_network(data.get("network"), base, allow, spec_problems)
        spec, found = parse(network)
        problems = [Problem(f"network.{p.where}" if p.where else "network", p.message)
                    for p in spec_problems + found]
        dataset = dataset_beside(check_dataset(data.get("dataset", DEFAULT_DATASET), problems),
                                 base)
        training = check_settings(data.get("training", {}), "training", problems)
        extra = {"runs": check_runs(data.get("runs", []), problems),
                 "user_examples": check_examples(data.get("user_examples", []), problems)}
        if data.get("preprocessing") is not None:  # a table's column statistics
            extra["preprocessing"] = check_table_preprocessing(data["preprocessing"], problems)
        if data.get("calibration") is not None:  # the weights' temperature and threshold
            extra["calibration"] = check_calibration(data, problems)
        known = {"format", "version", "network", "dataset", "training", "preprocessing",
                 "calibration", *SECTIONS}
        if "weights" in data and version >= 2:
            known.add("weights")
            weights = check_weights_section(data["weights"], problems)
            if not in_archive:
                problems.append(Problem("weights", f"the project refers to {WEIGHTS_MEMBER}, "
                                                   f"which only a {ARCHIVE_SUFFIX} file holds"))
        else:
            weights = None
        for unknown in sorted(set(data) - known, key=str):
            problems.append(Problem(_key(unknown), "unknown field of a project"))
        if problems or spec is None:
            raise ProjectError(where, problems)
        project = cls(spec, dataset, training, extra)
        if weights is not None:  # the archive reader puts the tensors in
            project.weights = ProjectWeights({}, weights["trained"], weights["source"],
                                             weights["training_state"])
        return project

    @classmethod
    def load(cls, path: str | Path, allow: Allow | None = None) -> Project:
        """A ``.json`` project or spec, or a ``.nbproj`` archive (told apart by content);
        ``allow`` is asked before a custom-layer file the network names is imported."""
        path = Path(path)
        from netbuilder.core.project_archive import is_archive, load_archive

        if is_archive(path):
            return load_archive(path, allow)
        try:
            data = read_json_file(path)
        except JsonFileError as exc:
            raise ProjectError(path, [Problem(exc.where, exc.message)]) from None
        try:
            return cls.from_dict(data, path, base=path.parent, allow=allow)
        except SpecError as exc:
            raise ProjectError(path, exc.problems) from None


# ---------------------------------------------------------------------------------------------
# The sections, each checked into plain values; problems name the field


def check_dataset(value: Any, problems: list[Problem]) -> str:
    """A dataset name the app knows, or ``folder:PATH``."""
    if is_dataset_name(value):
        return value
    problems.append(Problem("dataset", f"expected one of {', '.join(DATASET_NAMES)}, "
                                       f"{FOLDER_CHOICE} or {CSV_CHOICE}, got {_shown(value)}"))
    return DEFAULT_DATASET


def dataset_beside(name: str, base: Path | None) -> str:
    """A folder or CSV dataset whose path is relative, made absolute against ``base`` (the
    folder of the project naming it): a project folder moves with its data."""
    for prefix, path_of in ((FOLDER_PREFIX, folder_path), (CSV_PREFIX, csv_path)):
        path = path_of(name)
        if name.startswith(prefix) and path and base is not None and not Path(path).is_absolute():
            absolute = os.path.normpath(os.path.join(os.path.abspath(base), path))
            return prefix + absolute + name[len(prefix) + len(path):]  # options kept
    return name


def check_settings(value: Any, where: str, problems: list[Problem]) -> dict[str, Any]:
    """Training settings: known keys only, each of the right type and within the app's limits.
    Missing keys are left out (the defaults apply)."""
    if not isinstance(value, dict):
        problems.append(Problem(where, f"expected an object of settings, got {_shown(value)}"))
        return {}
    settings: dict[str, Any] = {}
    for key, item in value.items():
        here = f"{where}.{_key(key)}"
        if key in SETTING_CHOICES:
            ok = isinstance(item, str) and item in SETTING_CHOICES[key]
            expected = "one of " + ", ".join(SETTING_CHOICES[key])
        elif key in INTEGER_SETTINGS:
            low, high = SETTING_LIMITS[key]
            ok = _is_int(item) and low <= item <= high
            expected = f"an integer from {low:g} to {high:g}"
        elif key in SETTING_LIMITS:
            low, high = SETTING_LIMITS[key]
            ok = _is_number(item) and low <= item <= high
            expected = f"a number from {low:g} to {high:g}"
        elif key in BOOLEAN_SETTINGS:
            ok, expected = isinstance(item, bool), "true or false"
        else:
            problems.append(Problem(here, "unknown setting"))
            continue
        if ok:
            settings[key] = float(item) if expected.startswith("a number") else item
        else:
            problems.append(Problem(here, f"expected {expected}, got {_shown(item)}"))
    return settings


def check_weights_section(value: Any, problems: list[Problem]) -> dict[str, Any]:
    """A ``.nbproj``'s weights section: which members hold what, and which layers are trained
    (the paths are checked against the network by the archive reader)."""
    checked: dict[str, Any] = {"trained": [], "source": "", "training_state": None}
    if not isinstance(value, dict):
        problems.append(Problem("weights", f"expected an object, got {_shown(value)}"))
        return checked
    for unknown in sorted(set(value) - set(WEIGHTS_FIELDS), key=str):
        problems.append(Problem(f"weights.{_key(unknown)}", "unknown field of the weights"))
    if value.get("file") != WEIGHTS_MEMBER:
        problems.append(Problem("weights.file", f"expected {WEIGHTS_MEMBER!r}, got "
                                                f"{_shown(value.get('file'))}"))
    state = value.get("training_state")
    if state not in (None, STATE_MEMBER):
        problems.append(Problem("weights.training_state",
                                f"expected {STATE_MEMBER!r} or null, got {_shown(state)}"))
    checked["training_state"] = state
    checked["source"] = _text(value.get("source", ""), "weights.source", problems)
    trained = value.get("trained", [])
    if not (isinstance(trained, list) and len(trained) <= MAX_TRAINED_PATHS
            and all(isinstance(p, str) and 0 < len(p) <= 1000 for p in trained)):
        problems.append(Problem("weights.trained", "expected a list of layer paths, got "
                                                   f"{_shown(trained)}"))
    else:
        checked["trained"] = list(trained)
    return checked


def check_calibration(data: dict[str, Any], problems: list[Problem]) -> dict[str, float]:
    """The weights' calibration (core.calibration) as plain values; it belongs to weights, so
    a project without a weights section may not carry one."""
    from netbuilder.core.calibration import Calibration, CalibrationError

    try:
        checked = Calibration.from_dict(data["calibration"]).to_dict()
    except CalibrationError as exc:
        where, _, message = str(exc).partition(": ")
        problems.append(Problem(where, message))
        return {}
    if "weights" not in data:
        problems.append(Problem("calibration", "belongs to trained weights, and the project "
                                               "holds none"))
    return checked


def check_table_preprocessing(value: Any, problems: list[Problem]) -> dict[str, Any]:
    """How a table's raw rows become the network's input (core.tabular), checked whole."""
    from netbuilder.core.tabular import TabularError, check_preprocessing

    try:
        return check_preprocessing(value)
    except TabularError as exc:
        problems.append(Problem("preprocessing", str(exc)))
        return {}


def check_runs(value: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    """The run history: each run's label, settings, per-epoch metrics and batch losses."""
    if not isinstance(value, list):
        problems.append(Problem("runs", f"expected a list of runs, got {_shown(value)}"))
        return []
    runs = []
    for index, run in enumerate(value):
        here = f"runs[{index}]"
        if not isinstance(run, dict):
            problems.append(Problem(here, f"expected a run object, got {_shown(run)}"))
            continue
        count = len(problems)
        for unknown in sorted(set(run) - set(RUN_FIELDS), key=str):
            problems.append(Problem(f"{here}.{_key(unknown)}", "unknown field of a run"))
        checked = {
            "id": _text(run.get("id", f"run{index + 1}"), f"{here}.id", problems),
            "label": _text(run.get("label", ""), f"{here}.label", problems),
            "settings": _flat(run.get("settings", {}), f"{here}.settings", problems, _scalar),
            "epochs": _list(run.get("epochs", []), f"{here}.epochs", problems,
                            lambda v, w: _flat(v, w, problems, _metric)),
            "batches": _list(run.get("batches", []), f"{here}.batches", problems,
                             lambda v, w: _point(v, w, problems)),
            "final": _flat(run.get("final", {}), f"{here}.final", problems, _scalar),
            "started_at": _checked(run.get("started_at", 0.0), f"{here}.started_at", problems,
                                   _metric, "a number"),
        }
        if len(problems) == count:
            runs.append(checked)
    return runs


def check_examples(value: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    """Drawn digits: a class index and 784 pixel values 0–255 (a 28×28 image)."""
    if not isinstance(value, list):
        problems.append(Problem("user_examples",
                                f"expected a list of drawn examples, got {_shown(value)}"))
        return []
    examples = []
    for index, example in enumerate(value):
        here = f"user_examples[{index}]"
        if not isinstance(example, dict) or set(example) != {"label", "pixels"}:
            problems.append(Problem(here, "expected an object with label and pixels, got "
                                          f"{_shown(example)}"))
            continue
        label, pixels = example["label"], example["pixels"]
        if not (_is_int(label) and 0 <= label < 1000):
            problems.append(Problem(f"{here}.label",
                                    f"expected a class index ≥ 0, got {_shown(label)}"))
        elif not (isinstance(pixels, list) and len(pixels) == 784
                  and all(_is_int(p) and 0 <= p <= 255 for p in pixels)):
            problems.append(Problem(f"{here}.pixels", "expected 784 integers from 0 to 255 (a "
                                                      "28×28 image)"))
        else:
            examples.append({"label": label, "pixels": list(pixels)})
    return examples


def project_from_checkpoint(data: dict[str, Any], spec: NetworkSpec,
                            where: str | Path = "checkpoint") -> Project:
    """The project a full checkpoint describes: its network, dataset, settings and the runs
    in its history (the window's runs; the CLI's per-epoch history is not a run list)."""
    problems: list[Problem] = []
    extra = data.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    dataset = check_dataset(extra.get("dataset", DEFAULT_DATASET), problems)
    training = check_settings(data.get("training", {}), "training", problems)
    history = data.get("history")
    runs = [r for r in history if isinstance(r, dict) and "epochs" in r] if isinstance(
        history, list) else []
    checked_runs = check_runs(runs, problems)
    if problems:
        raise ProjectError(where, problems)
    return Project(spec, dataset, training, {"runs": checked_runs, "user_examples": []})


def check_recovery_info(value: Any) -> dict[str, Any]:
    """The autosave's note (original path, time, process); anything odd is dropped."""
    info = value if isinstance(value, dict) else {}
    path = info.get("path")
    saved_at = info.get("saved_at")
    return {"path": path if isinstance(path, str) and path and "\0" not in path else None,
            "saved_at": float(saved_at) if _is_number(saved_at) and 0 <= saved_at < 1e11
            else 0.0}


def _text(value: Any, where: str, problems: list[Problem]) -> str:
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    problems.append(Problem(where, f"expected text, got {_shown(value)}"))
    return ""


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool)) or _is_number(value)


def _metric(value: Any) -> bool:
    """A number as runs record them; NaN and infinity are allowed (a run can blow up)."""
    return _is_number(value)


def _checked(value: Any, where: str, problems: list[Problem], ok: Callable[[Any], bool],
             expected: str) -> Any:
    if ok(value):
        return value
    problems.append(Problem(where, f"expected {expected}, got {_shown(value)}"))
    return None


def _flat(value: Any, where: str, problems: list[Problem], ok: Callable[[Any], bool]
          ) -> dict[str, Any]:
    """An object of text keys to plain values (no nesting)."""
    if not isinstance(value, dict):
        problems.append(Problem(where, f"expected an object, got {_shown(value)}"))
        return {}
    for key, item in value.items():
        if not ok(item) or (isinstance(item, str) and len(item) > MAX_TEXT):
            problems.append(Problem(f"{where}.{_key(key)}",
                                    f"expected a plain value, got {_shown(item)}"))
    return dict(value)


def _list(value: Any, where: str, problems: list[Problem],
          check: Callable[[Any, str], Any]) -> list[Any]:
    if not isinstance(value, list):
        problems.append(Problem(where, f"expected a list, got {_shown(value)}"))
        return []
    return [check(item, f"{where}[{index}]") for index, item in enumerate(value)]


def _point(value: Any, where: str, problems: list[Problem]) -> list[float]:
    """A batch point: [global step, loss]."""
    if isinstance(value, list) and len(value) == 2 and _is_int(value[0]) \
            and _is_number(value[1]):
        return [value[0], value[1]]
    problems.append(Problem(where, f"expected [step, loss], got {_shown(value)}"))
    return [0, 0.0]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        return True
    return _is_int(value)



def _key(key: Any) -> str:
    """A field name as a place in a message: plain names bare, anything odd quoted."""
    if isinstance(key, str) and key.isidentifier() and len(key) <= 40:
        return key
    return _shown(key, 40)


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
