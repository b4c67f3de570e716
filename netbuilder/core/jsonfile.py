"""Reading a JSON file someone else wrote: bounded in size and depth, every failure a message.

Network specs and projects are small (kilobytes; a project with runs and drawn examples a few
megabytes), so a file over :data:`MAX_FILE_BYTES` is refused before it is parsed, and so is
anything that is not a regular file (``/dev/zero`` would be read forever). Python's ``json``
raises ``RecursionError`` on deeply nested input and ``ValueError`` on integers of thousands of
digits; both come back as a :class:`JsonFileError` with a readable reason.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200  # far more than any spec, project or recovery file nests


class JsonFileError(ValueError):
    """The file could not be read as JSON; ``where`` is a line/column when known."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


def read_json_file(path: str | Path, limit: int = MAX_FILE_BYTES) -> Any:
    """The parsed contents of ``path``, or :class:`JsonFileError` saying why not."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise JsonFileError("", "cannot read the file: it is not a regular file")
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise JsonFileError("", f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise JsonFileError("", f"the file is larger than {limit // (1024 * 1024)} MB; "
                                "netbuilder network and project files are far smaller")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonFileError("", f"not UTF-8 text (byte {exc.start})") from None
    return parse_json(text)


def parse_json(text: str) -> Any:
    """``json.loads`` with nesting capped and every failure a :class:`JsonFileError`."""
    depth = _max_depth(text)
    if depth > MAX_DEPTH:
        raise JsonFileError("", f"the JSON is nested {depth} levels deep; netbuilder reads at "
                                f"most {MAX_DEPTH}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(f"line {exc.lineno}, column {exc.colno}",
                            f"malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise JsonFileError("", "the JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string"
        raise JsonFileError("", f"a value cannot be read: {exc}") from None


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_STEP = np.zeros(256, dtype=np.int8)
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1


def _max_depth(text: str) -> int:
    """The deepest bracket nesting outside strings: a vectorised scan before ``json.loads``."""
    structure = _STRING.sub("", text).encode("ascii", "ignore")
    codes = np.frombuffer(structure, dtype=np.uint8)
    steps = _BRACKET_STEP[codes]
    return int(np.cumsum(steps, dtype=np.int64).max()) if len(steps) else 0
