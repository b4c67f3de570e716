"""What the commands say when they fail: :class:`CommandError`, and the wording of problem
lists, OS errors and counts that several commands share."""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report in one or more lines, then exit 1."""


def _problem_lines(title: str, exc) -> str:
    return "\n".join([title, *(f"  - {p}" for p in exc.problems)])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
