"""Atomic writes: one error type for every failure, file modes, and temporaries of killed saves."""

import contextlib
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from netbuilder.core import atomic
from netbuilder.core.atomic import (
    SaveError,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temps,
)


@pytest.fixture
def umask():
    """Set the process umask for one test and put the old one back."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda value: os.umask(value)
    os.umask(saved)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def fake_temp(folder: Path, name: str, pid: int) -> Path:
    path = folder / f".{name}.netbuilder-{pid}-{uuid.uuid4().hex[:8]}.tmp"
    path.write_bytes(b"half")
    return path


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mask, expected):
    umask(mask)
    path = atomic_write_text(tmp_path / "notes.txt", "hello")
    assert mode_of(path) == expected


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o755, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    umask(0o077)  # would give 0600 to a new file
    path = tmp_path / "weights.pth"
    path.write_bytes(b"old")
    path.chmod(mode)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert mode_of(path) == mode


def test_a_full_disk_is_one_save_error_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    path.write_bytes(b"old")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(SaveError) as caught:
        atomic_write_bytes(path, b"new contents")
    assert isinstance(caught.value, OSError)  # callers that catch OSError still catch it
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.strerror == os.strerror(errno.ENOSPC)
    assert str(caught.value) == f"cannot write {path}: {os.strerror(errno.ENOSPC)}"
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.pth"]


def test_any_exception_while_writing_becomes_a_save_error(tmp_path):
    path = tmp_path / "out.bin"

    def serialiser_fails(handle):
        handle.write(b"partial")
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    with pytest.raises(SaveError, match="RuntimeError: PytorchStreamWriter failed") as caught:
        atomic_write(path, serialiser_fails)
    assert caught.value.errno is None
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert os.listdir(tmp_path) == []


def test_an_interrupt_stays_an_interrupt_and_leaves_no_temporary(tmp_path):
    def interrupted(handle):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x", interrupted)
    assert os.listdir(tmp_path) == []


def test_a_missing_folder_is_a_save_error(tmp_path):
    with pytest.raises(SaveError, match="No such file or directory") as caught:
        atomic_write_text(tmp_path / "absent" / "x.txt", "text")
    assert caught.value.errno == errno.ENOENT


def test_temporaries_are_named_so_that_they_can_be_recognised(tmp_path):
    seen = []
    atomic_write(tmp_path / "model.pth", lambda handle: seen.extend(os.listdir(tmp_path)))
    assert len(seen) == 1 and atomic.TEMP_PATTERN.match(seen[0])
    assert seen[0].startswith(f".model.pth.netbuilder-{os.getpid()}-")
    long_name = "x" * 240
    atomic_write_text(tmp_path / long_name, "fits")  # the temporary name stays under 255 bytes
    assert (tmp_path / long_name).read_text() == "fits"


def test_a_save_removes_temporaries_of_dead_writers_and_nothing_else(tmp_path):
    stale = fake_temp(tmp_path, "model.pth", dead_pid())
    ours = fake_temp(tmp_path, "model.pth", os.getpid())
    unrelated = [tmp_path / name for name in (
        ".model.pth.abc123.tmp",  # an old mkstemp name: not provably ours
        ".model.pth.netbuilder-1x-abcdef01.tmp",
        "model.pth.netbuilder-99999999-abcdef01.tmp",  # no leading dot
        "notes.txt")]
    for path in unrelated:
        path.write_text("keep")
    folder_like = tmp_path / f".d.netbuilder-{dead_pid()}-abcdef01.tmp"
    folder_like.mkdir()
    atomic_write_text(tmp_path / "model.pth", "saved")
    assert not stale.exists()
    assert ours.exists() and folder_like.is_dir()
    assert all(path.read_text() == "keep" for path in unrelated)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_reused_pid_does_not_protect_an_older_temporary(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        fresh = fake_temp(tmp_path, "a.pth", live.pid)
        reused = fake_temp(tmp_path, "b.pth", live.pid)
        hour_ago = time.time() - 3600
        os.utime(reused, (hour_ago, hour_ago))  # written before that process started
        removed = remove_stale_temps(tmp_path)
        assert removed == [reused]
        assert fresh.exists()
    finally:
        live.kill()
        live.wait()


@pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")
def test_a_save_killed_midway_is_cleaned_up_by_the_next_save(tmp_path):
    script = (
        "import sys, time\n"
        "from netbuilder.core.atomic import atomic_write\n"
        "def slow(handle):\n"
        "    handle.write(b'x' * 1000); handle.flush(); print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "atomic_write(sys.argv[1], slow)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "w.pth")],
                             stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    leftovers = [name for name in os.listdir(tmp_path) if atomic.TEMP_PATTERN.match(name)]
    assert len(leftovers) == 1  # what the killed save left behind
    atomic_write_text(tmp_path / "other.txt", "next save")
    assert sorted(os.listdir(tmp_path)) == ["other.txt"]


@contextlib.contextmanager
def tiny_disk_at(folder: Path):
    """A 64 KiB tmpfs, where mounting is allowed (root on Linux); else the test is skipped."""
    folder.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_disk(tmp_path):
    with tiny_disk_at(tmp_path / "tiny") as folder:
        yield folder


def test_a_really_full_disk(tiny_disk):
    path = tiny_disk / "data.bin"
    atomic_write_bytes(path, b"old")
    with pytest.raises(SaveError) as caught:
        atomic_write_bytes(path, os.urandom(200_000))
    assert caught.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"old"
    assert os.listdir(tiny_disk) == ["data.bin"]
