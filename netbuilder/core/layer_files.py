"""The custom-layer files a network names: where each one is and which version (sha256) it is.

A network file says ``"custom_layers": [{"path": "my_layers.py", "sha256": "…"}]``. The path is
written relative to the file that names it, so a project folder can be moved or mailed; in
memory it is absolute. This module only reads and writes these references; importing the code
they point to is :mod:`netbuilder.core.custom_layers`' job, and only when a person allows it.
It imports neither torch nor Qt.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIELD = "custom_layers"
MAX_FILES = 32
MAX_PATH = 4096
MAX_FILE_BYTES = 1_000_000  # a layer file is source code, not data
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class LayerFileRef:
    """One custom-layer file as a network names it."""

    path: str  # absolute once resolved; as written in the file before that
    sha256: str  # of the version the network was saved with


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_layer_source(path: str | Path) -> tuple[bytes, str]:
    """The bytes of a layer file and their sha256; OSError or ValueError say why not."""
    path = Path(path)
    with open(path, "rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_FILE_BYTES // 1000} kB: a layer file "
                         "holds source code")
    return data, digest(data)


def check_refs(value: Any, problems: list) -> list[LayerFileRef]:
    """The ``custom_layers`` field checked into references; each problem names its entry."""
    from netbuilder.core.spec import Problem

    if not isinstance(value, list) or len(value) > MAX_FILES:
        problems.append(Problem(FIELD, f"expected a list of at most {MAX_FILES} files, each "
                                       f"{{\"path\": …, \"sha256\": …}}, got {_shown(value)}"))
        return []
    refs = []
    for index, entry in enumerate(value):
        here = f"{FIELD}[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"path", "sha256"}:
            problems.append(Problem(here, "expected an object with path and sha256, got "
                                          f"{_shown(entry)}"))
            continue
        path, sha = entry["path"], entry["sha256"]
        if not (isinstance(path, str) and 0 < len(path) <= MAX_PATH and "\0" not in path
                and path.endswith(".py")):
            problems.append(Problem(f"{here}.path", f"expected the path of a .py file, got "
                                                    f"{_shown(path)}"))
        elif not (isinstance(sha, str) and _SHA256.match(sha)):
            problems.append(Problem(f"{here}.sha256", "expected 64 lowercase hexadecimal digits, "
                                                      f"got {_shown(sha)}"))
        else:
            refs.append(LayerFileRef(path, sha))
    return refs


def resolved(ref: LayerFileRef, base: Path | None) -> LayerFileRef:
    """The reference with an absolute path: relative ones are relative to ``base``."""
    path = Path(ref.path)
    if not path.is_absolute():
        if base is None:
            return ref
        path = Path(base) / path
    return LayerFileRef(os.path.realpath(path), ref.sha256)


def written(ref: LayerFileRef, base: Path | None) -> dict[str, str]:
    """The reference as a file stores it: relative to ``base`` (POSIX slashes) when given."""
    path = ref.path
    if base is not None and Path(path).is_absolute():
        try:
            path = Path(os.path.relpath(path, os.path.abspath(base))).as_posix()
        except ValueError:  # another drive on Windows: keep it absolute
            pass
    return {"path": path, "sha256": ref.sha256}


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
