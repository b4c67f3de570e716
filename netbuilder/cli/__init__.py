"""The ``netbuilder`` command: headless sub-commands that share the app's core.

Bad input never ends in a traceback: every problem is printed with where it is, and the exit
status is 1.

The package, by role: :mod:`.parser` (the command line and its option types), :mod:`.inputs`
(the files a command is given, the dataset of a run), one module per command
(:mod:`.summary`, :mod:`.export`, :mod:`.train` with :mod:`.save_project` and
:mod:`.progress`, :mod:`.evaluate`, :mod:`.import_command`, :mod:`.templates`, which also finds
a template by its name) and :mod:`.messages` (:class:`CommandError` and shared wording). This
module is the entry point: :func:`main`, and the window when no command is given. Nothing here
imports torch at start-up: the commands import the core's torch modules when they run.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from netbuilder.cli.evaluate import _evaluate
from netbuilder.cli.export import _export
from netbuilder.cli.import_command import _import
from netbuilder.cli.messages import CommandError, _count
from netbuilder.cli.parser import _parser
from netbuilder.cli.summary import _summary
from netbuilder.cli.templates import _resolve_network, _templates
from netbuilder.cli.train import _train

# What `netbuilder.cli` offers: the console script and `python -m netbuilder` call main; tests
# read the parser (_parser) and commands raise CommandError.
__all__ = ["COMMANDS", "CommandError", "main", "_parser"]


COMMANDS = ("summary", "export", "train", "evaluate", "import", "templates")
OPENABLE = (".json", ".nbproj", ".pth", ".pt")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        return _open_window(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"summary": _summary, "export": _export, "train": _train,
                "evaluate": _evaluate, "import": _import, "templates": _templates}
    if args.command is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose)
    logging.getLogger(__name__).debug("netbuilder %s: %s", args.command, vars(args))
    try:
        _warn_broken_plugins()
        if getattr(args, "spec", None) is not None:
            args.spec = _resolve_network(args.spec)
        status = handlers[args.command](args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return status
    except CommandError as exc:
        print(f"netbuilder {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `netbuilder evaluate … | head`: the reader has gone
        _silence_stdout()
        return 141  # as a Unix tool killed by SIGPIPE


def _configure_logging(verbose: int) -> None:
    """Diagnostics go to stderr through ``logging``: warnings only, -v adds what netbuilder
    does, -vv the details. netbuilder's own loggers get the level even where the root logger
    was set up before (a host program, pytest)."""
    level = logging.WARNING if verbose < 1 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("netbuilder").setLevel(level)


def _warn_broken_plugins() -> None:
    """Layer plugins that failed to load, said once as a command starts (they are otherwise
    only missing from the catalog, which is hard to understand)."""
    from netbuilder.core.catalog import default_catalog

    errors = default_catalog().plugin_errors
    if errors:
        lines = "\n".join(f"  - {error}" for error in errors)
        print(f"warning: {_count(len(errors), 'layer plugin')} could not be loaded:\n{lines}",
              file=sys.stderr)


def _open_window(argv: list[str]) -> int:
    """No command: the desktop app, with FILE opened in it; a mistyped command is an error."""
    if argv:
        path = Path(argv[0])
        if not path.exists():
            if path.suffix.lower() in OPENABLE:
                return _usage_error(f"{path} does not exist")
            return _usage_error(f"unknown command {argv[0]!r}{_suggestion(argv[0])}")
    if len(argv) > 1:
        return _usage_error(f"give at most one FILE to open, got {len(argv)} words; commands: "
                            f"{', '.join(COMMANDS)}")
    problem = _no_display()
    if problem:
        print(f"netbuilder: {problem}. The commands {', '.join(COMMANDS)} work without one "
              "(see netbuilder --help).", file=sys.stderr)
        return 1
    from netbuilder.gui.app import main as gui_main  # the desktop app

    return gui_main(argv)


def _suggestion(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    if word.lower().lstrip("-") in ("help", "h", "?"):
        return "; for help: netbuilder --help"
    return f"; commands: {', '.join(COMMANDS)} (or give a FILE to open in the window)"


def _usage_error(message: str) -> int:
    print(f"netbuilder: {message}", file=sys.stderr)
    return 2


def _no_display() -> str:
    """Why no window can be shown here (Linux/BSD without X11 or Wayland), or ''."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return ""
    if platform and not platform.startswith(("xcb", "wayland")):
        return ""  # offscreen, vnc, eglfs…: Qt draws without a desktop session
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
