"""A ``.nbproj``: one file holding a whole project, trained weights included.

It is a zip archive of three members, so that it can be mailed as one file and opened with any
unzip tool:

- ``project.json`` — the project exactly as a ``.json`` project holds it, plus a ``weights``
  section naming the other members and the layers that count as trained;
- ``weights.pth`` — the model's ``state_dict`` (buffers included), what
  ``model.load_state_dict(torch.load("weights.pth"))`` reads;
- ``training_state.pth`` (optional) — the run's resume point: optimizer and schedule state,
  random state, epoch and step, the best epoch's weights (``core.resume``).

Both ``.pth`` members are stored uncompressed and load with ``torch.load(weights_only=True)``.
Reading trusts nothing: the archive's member names, sizes and compression are checked from its
central directory before anything is decompressed, each ``.pth`` goes through the same checks
as any weights file (``core.checkpoint``), and the weights must fit the project's own network,
checked on the meta device. A file is either opened whole or refused with every reason.
Writing builds the archive in memory, then replaces the file atomically.
"""

from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

from netbuilder.core.atomic import SaveError, atomic_write_bytes
from netbuilder.core.custom_layers import Allow
from netbuilder.core.jsonfile import MAX_FILE_BYTES, JsonFileError, parse_json
from netbuilder.core.project import (
    STATE_MEMBER,
    WEIGHTS_MEMBER,
    Project,
    ProjectError,
    ProjectWeights,
)
from netbuilder.core.spec import Problem

PROJECT_MEMBER = "project.json"
MEMBERS = (PROJECT_MEMBER, WEIGHTS_MEMBER, STATE_MEMBER)
ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 100  # project.json may be deflated; text compresses, but not this much
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # the same project gives the same bytes


def is_archive(path: str | Path) -> bool:
    """Whether ``path`` starts like a zip (a ``.nbproj``), whatever its name says."""
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == ZIP_MAGIC
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Writing


def archive_bytes(project: Project, base: Path | None = None) -> bytes:
    """The ``.nbproj`` bytes of ``project`` (its weights, if any, and their resume point);
    ``base``: the folder it goes to, that custom-layer files are written relative to."""
    import torch

    members: list[tuple[str, bytes, int]] = [
        (PROJECT_MEMBER, project.to_json(base).encode("utf-8"), zipfile.ZIP_DEFLATED)]
    weights = project.weights
    if weights is not None:
        state = {key: value.detach().cpu() for key, value in weights.state_dict.items()}
        members.append((WEIGHTS_MEMBER, _torch_bytes(torch, state, WEIGHTS_MEMBER),
                        zipfile.ZIP_STORED))
        if weights.resume is not None:
            members.append((STATE_MEMBER, _torch_bytes(torch, weights.resume.to_payload(),
                                                       STATE_MEMBER), zipfile.ZIP_STORED))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compression in members:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def save_archive(project: Project, path: str | Path) -> Path:
    """Write ``project`` as a ``.nbproj`` atomically; :class:`SaveError` on any failure, with
    the old file untouched."""
    try:
        data = archive_bytes(project, Path(path).parent)
    except _SerialiseError as exc:
        raise SaveError(path, str(exc)) from None
    return atomic_write_bytes(path, data)


class _SerialiseError(Exception):
    pass


def _torch_bytes(torch, value: Any, name: str) -> bytes:
    buffer = io.BytesIO()
    try:
        torch.save(value, buffer)
    except Exception as exc:
        raise _SerialiseError(f"{name} could not be serialised ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading


def load_archive(path: str | Path, allow: Allow | None = None) -> Project:
    """The whole project a ``.nbproj`` holds, checked; :class:`ProjectError` naming each
    problem otherwise. The weights are CPU tensors that fit the project's network. ``allow``
    is asked before a custom-layer file the network names is imported."""
    path = Path(path)
    raw = _read_members(path)
    try:
        data = parse_json(_decode(raw[PROJECT_MEMBER]))
    except JsonFileError as exc:
        raise ProjectError(path, [Problem(f"{PROJECT_MEMBER}: {exc.where}".rstrip(": "),
                                          exc.message)]) from None
    project = Project.from_dict(data, path, in_archive=True, base=path.parent, allow=allow)
    section = project.weights
    present = set(raw) - {PROJECT_MEMBER}
    expected = set() if section is None else {WEIGHTS_MEMBER} | (
        {STATE_MEMBER} if section.resume else set())
    problems = [Problem(name, "the project's weights section does not name it")
                for name in sorted(present - expected)]
    problems += [Problem(name, "missing from the archive") for name in sorted(expected - present)]
    if problems:
        raise ProjectError(path, problems)
    if section is not None:
        project.weights = _checked_weights(path, project, section, raw)
    return project


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonFileError("", f"not UTF-8 text (byte {exc.start})") from None


def _read_members(path: Path) -> dict[str, bytes]:
    """The members' bytes, after checking the central directory: known names only, each once,
    sizes that the file holds (``.pth`` members stored, ``project.json`` at most 64 MB)."""

    def refuse(why: str) -> ProjectError:
        return ProjectError(path, [Problem("", why)])

    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = [info.filename for info in entries]
            for name in names:
                if name not in MEMBERS:
                    raise refuse(f"the archive holds {name[:80]!r}, which is not a member of a "
                                 f"netbuilder project ({', '.join(MEMBERS)})")
                if names.count(name) > 1:
                    raise refuse(f"the archive holds {name} more than once")
            if PROJECT_MEMBER not in names:
                raise refuse(f"the archive has no {PROJECT_MEMBER}: it is not a netbuilder "
                             "project")
            for info in entries:
                _check_entry(info, size, refuse)
            return {info.filename: archive.read(info) for info in entries}
    except ProjectError:
        raise
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    except Exception as exc:  # BadZipFile, CRC errors, unsupported compression, …
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise refuse(f"the archive is damaged or not a netbuilder project ({first[:200]})"
                     ) from None


def _check_entry(info: zipfile.ZipInfo, size: int, refuse) -> None:
    name = info.filename
    if info.header_offset + info.compress_size > size:
        raise refuse(f"{name} lies past the end of the file (truncated?)")
    if info.flag_bits & 0x1:
        raise refuse(f"{name} is encrypted")
    if name == PROJECT_MEMBER:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse(f"{name} uses a compression netbuilder does not read")
        if info.file_size > MAX_FILE_BYTES:
            raise refuse(f"{name} declares {info.file_size:,} bytes; netbuilder reads at most "
                         f"{MAX_FILE_BYTES // 2**20} MB")
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refuse(f"{name} would expand from {info.compress_size:,} to "
                         f"{info.file_size:,} bytes (a zip bomb?)")
    elif info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
        raise refuse(f"{name} is compressed or declares a size it does not hold; netbuilder "
                     "stores weights uncompressed")


def _checked_weights(path: Path, project: Project, section: ProjectWeights,
                     raw: dict[str, bytes]) -> ProjectWeights:
    """The tensors of the weights members, checked like any weights file and against the
    project's own network (on the meta device: no memory)."""
    from netbuilder.core.builder import build
    from netbuilder.core.checkpoint import CheckpointError, load_file, load_weights, read_pth

    def refuse(where: str, why: str) -> ProjectError:
        return ProjectError(path, [Problem(where, why)])

    with tempfile.TemporaryDirectory(prefix="netbuilder-") as folder:
        member = Path(folder) / WEIGHTS_MEMBER
        member.write_bytes(raw[WEIGHTS_MEMBER])
        try:
            loaded = load_file(member)
        except CheckpointError as exc:
            raise refuse(WEIGHTS_MEMBER, str(exc)) from None
        if loaded.is_checkpoint:
            raise refuse(WEIGHTS_MEMBER, "holds a checkpoint, not a plain state_dict")
        resume = None
        if section.resume:
            from netbuilder.core.resume import ResumeError, ResumePoint

            state = Path(folder) / STATE_MEMBER
            state.write_bytes(raw[STATE_MEMBER])
            try:
                resume = ResumePoint.from_payload(read_pth(state))
            except (CheckpointError, ResumeError) as exc:
                raise refuse(STATE_MEMBER, str(exc)) from None
    try:
        model = build(project.spec, device="meta")
    except Exception as exc:  # a spec that parses but torch refuses to build
        raise refuse("network", f"cannot be built ({type(exc).__name__}: {exc})"[:300]
                     ) from None
    fits = [(WEIGHTS_MEMBER, loaded.state_dict)]
    if resume is not None and resume.best_weights is not None:
        fits.append((f"{STATE_MEMBER}: best_weights", resume.best_weights))
    for where, state_dict in fits:
        try:
            with warnings.catch_warnings():  # copying into meta tensors is a (wanted) no-op
                warnings.simplefilter("ignore")
                load_weights(model, state_dict, strict=True)
        except CheckpointError as exc:
            raise refuse(where, str(exc)) from None
    layers = {name for name, module in model.named_modules() if name and (
        any(True for _ in module.parameters(recurse=False))
        or any(True for _ in module.buffers(recurse=False)))}
    unknown = [p for p in section.trained if p not in layers]
    if unknown:
        raise refuse("weights.trained", f"names {len(unknown)} layer(s) that the network does "
                                        f"not have or that hold no weights: "
                                        f"{', '.join(unknown[:5])[:300]}")
    return ProjectWeights(dict(loaded.state_dict), list(section.trained), section.source,
                          resume)


def project_model(project: Project):
    """The project's network as a CPU model holding its weights (fresh ones if it has none)."""
    from netbuilder.core.builder import build
    from netbuilder.core.checkpoint import load_weights

    model = build(project.spec)
    if project.weights is not None:
        load_weights(model, project.weights.state_dict, strict=True)
    return model
