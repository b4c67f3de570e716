"""``netbuilder train``'s progress line: a bar, the step, the loss, the speed and the time left,
fitted to the terminal's width; off when stderr is not a terminal (a log file keeps one line
per epoch)."""

from __future__ import annotations

import shutil
import time

BAR_MIN, BAR_MAX = 10, 30  # the bar's width in characters, when there is room for one
REDRAW_S = 0.1  # the line is redrawn at most this often


def format_eta(seconds: float | None) -> str:
    """``ETA 1:05``, ``ETA 1:02:03``; ``ETA ?`` before any step has been timed."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "ETA ?"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"ETA {hours}:{minutes:02d}:{secs:02d}" if hours else f"ETA {minutes}:{secs:02d}"


def progress_line(step: int, total: int, loss: float, samples_per_s: float,
                  eta_s: float | None, width: int) -> str:
    """One progress line shorter than ``width`` (a full-width line makes some terminals wrap):
    what does not fit is left out, the least useful first (the speed, the bar, the loss, the
    time left), down to the step alone."""
    count = f"{step}/{total}"
    eta, loss_text = format_eta(eta_s), f"loss {loss:.4f}"
    speed = f"{samples_per_s:,.0f} samples/s"
    for with_bar, parts in ((True, (count, loss_text, eta, speed)),
                            (True, (count, loss_text, eta)),
                            (False, (count, loss_text, eta)),
                            (False, (count, eta)),
                            (False, (count,))):
        text = "  " + "  ".join(parts)
        if with_bar:
            room = width - 1 - len(text) - 4  # "  [" and "]" around the bar
            if room < BAR_MIN:
                continue
            bar = min(room, BAR_MAX)
            filled = bar * step // max(total, 1)
            return f"  [{'#' * filled}{'.' * (bar - filled)}]{text}"
        if len(text) < width:
            return text
    return count[:max(width - 1, 0)]


class Progress:
    """Draws :func:`progress_line` in place on a terminal, at most every :data:`REDRAW_S`, and
    estimates the time left from the steps of the run so far."""

    def __init__(self, stream, epochs: int = 1) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.epochs = epochs
        self.last = 0.0
        self.width = 0
        self.start: tuple[float, int] | None = None  # (time, global step) of the first batch

    def batch(self, event, total_steps: int) -> None:
        now = time.monotonic()
        if self.start is None:
            self.start = (now, event.global_step)
        if not self.enabled or (now - self.last < REDRAW_S and event.step != total_steps):
            return
        self.last = now
        self.width = shutil.get_terminal_size().columns
        line = progress_line(event.step, total_steps, event.loss, event.samples_per_s,
                             self._eta(now, event, total_steps), self.width)
        self.stream.write("\r" + line.ljust(self.width - 1))
        self.stream.flush()

    def _eta(self, now: float, event, total_steps: int) -> float | None:
        """Seconds left in the run: the steps to go at the mean pace of the steps done so far
        (the validations of the epochs done included in that pace)."""
        started, first = self.start
        done = event.global_step - first
        if done < 1 or now <= started:
            return None
        left = (self.epochs - event.epoch) * total_steps + total_steps - event.step
        return left * (now - started) / done

    def clear(self) -> None:
        if self.enabled:
            width = self.width or shutil.get_terminal_size().columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
