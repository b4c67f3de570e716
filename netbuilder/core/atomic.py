"""Writes that never leave a half-written file where a good one was.

The data goes to a temporary file in the destination's folder, is flushed and fsynced, and then
replaces the destination in one ``os.replace``; on any error the temporary file is removed and
the old file is untouched. Every failure, whatever raised it (a full disk's OSError, torch's
RuntimeError, a pickling error), comes out as one :class:`SaveError`, an ``OSError``.

A new file gets the mode the umask gives (``0666 & ~umask``) and a replaced file keeps its mode.
Temporary files are named ``.NAME.netbuilder-PID-TOKEN.tmp`` so that the ones a killed process
left behind can be recognised, and removed by the next save into the same folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_PATTERN = re.compile(r"^\..*\.netbuilder-(?P<pid>\d{1,10})-[a-z0-9_]{8}\.tmp$")
MAX_NAME_IN_TEMP = 120  # keeps ".NAME.netbuilder-PID-TOKEN.tmp" under the usual 255-byte limit
CLOCK_SLACK_S = 2.0  # process start times are known to about a second
UNKNOWN_OWNER_AGE_S = 7 * 24 * 3600  # where no pid can be checked, only week-old files go


class SaveError(OSError):
    """A save that failed and left the old file as it was; ``strerror`` says why."""

    def __init__(self, path: str | Path, reason: str, code: int | None = None):
        super().__init__(code, reason, str(path))

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


def temp_prefix_for(path: Path) -> str:
    """``.NAME.netbuilder-PID-``; mkstemp adds 8 random characters and ``.tmp``."""
    return f".{path.name[:MAX_NAME_IN_TEMP]}.netbuilder-{os.getpid()}-"


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(file)`` on a temporary file, then move it over ``path``.

    Raises :class:`SaveError` for any failure; the temporary file is gone and ``path`` unchanged.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temps(folder)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)  # a replaced file keeps its permissions
    except OSError:
        mode = 0o666 & ~current_umask()  # a new one gets what open() would give it
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix_for(path), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _as_save_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, mode)  # mkstemp made it 0600
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, Exception):
            raise _as_save_error(path, exc) from exc
        raise  # KeyboardInterrupt and friends stay what they are
    _sync_folder(folder)
    return path


def atomic_write_bytes(path: str | Path, data: bytes | bytearray | memoryview) -> Path:
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask: read from /proc where possible, as setting it to read it races with
    other threads creating files."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _as_save_error(path: Path, exc: Exception) -> SaveError:
    if isinstance(exc, SaveError):
        return exc
    if isinstance(exc, OSError):
        return SaveError(path, exc.strerror or _first_line(exc), exc.errno)
    return SaveError(path, f"{type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------
# Temporary files a killed process left behind


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Delete this module's temporary files whose writer is gone; return what was deleted.

    Only regular files named ``.NAME.netbuilder-PID-TOKEN.tmp`` are considered. One is stale
    when process PID no longer runs (or is a zombie), or when it runs but started after the
    file was last written (the pid was reused). Nothing else in the folder is touched.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_PATTERN.match(entry.name)
        if not match:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            if _is_stale(int(match.group("pid")), info.st_mtime):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to delete
    return removed


def _is_stale(pid: int, mtime: float) -> bool:
    if pid == os.getpid():
        return False  # another thread of this process may be writing it now
    if os.name != "posix":  # no safe liveness probe here: os.kill would end the process
        return time.time() - mtime > UNKNOWN_OWNER_AGE_S
    if not _pid_exists(pid):
        return True
    state, started = _process_state(pid)
    if state == "Z":
        return True
    return started is not None and mtime < started - CLOCK_SLACK_S


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    except OSError:
        return False
    return True


def _process_state(pid: int) -> tuple[str | None, float | None]:
    """(state letter, start time in seconds since the epoch) from Linux's /proc, else Nones."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        ticks = os.sysconf("SC_CLK_TCK")
        return fields[0], boot + int(fields[19]) / ticks
    except (OSError, ValueError, IndexError, StopIteration):
        return None, None
