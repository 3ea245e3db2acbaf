"""The ``realtimekit`` command (also ``python -m realtimekit_async``): run a command, map errors.

Every command registers its handler with its parser (``set_defaults(handler=...)``); this
module parses, checks ``--format`` against what the command supports, runs the handler and
turns whatever goes wrong into one line on stderr, in the command line's terms, with the
documented exit status: 1 for an API, network, download or file error, 2 for a bad argument,
130 for Ctrl-C. Tracebacks are for bugs only.

| module | one job |
|---|---|
| ``_parser`` | the root parser and the global options (accepted before or after a command) |
| ``_shared`` | help layout, flag types, JSON output, ``add_command`` |
| ``_config`` | the session a command talks through (flags, environment, ``--emulator``) |
| ``_commands`` | get, active, start, pause, resume, stop, track, wait |
| ``_export``, ``_formats`` | list: filters, resumable export; table/json/jsonl/csv writers |
| ``_download`` | download, through the SDK's download rules |
| ``_progress`` | progress bars on stderr |
| ``_webhooks``, ``_listen`` | webhooks list/create/delete; listen (receiver, forwarding) |
| ``_local``, ``_demo`` | emulator and demo |
| ``_messages`` | SDK parameter names -> CLI options in error lines |
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager

from realtimekit_async._errors import RealtimeKitError

from ._messages import cli_terms, one_line
from ._parser import parse_args
from ._shared import CommandError

__all__ = ["main"]

logger = logging.getLogger("realtimekit_async")


def _fail(message: str) -> None:
    print(f"realtimekit: error: {one_line(message)}", file=sys.stderr)


@contextmanager
def _verbose_log(enabled: bool) -> Generator[None, None, None]:
    """With ``--verbose``, the library's DEBUG log (already redacted) goes to stderr."""
    if not enabled:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        # main() may run many times in one process (tests, docs): leave the logger as it was.
        logger.removeHandler(handler)
        logger.setLevel(level)


def _check_format(args: argparse.Namespace) -> None:
    if args.format is not None and args.format not in args.formats:
        supported = ", ".join(args.formats) or "no --format"
        command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        msg = f"realtimekit {command} does not write --format {args.format} (it writes "
        raise ValueError(msg + f"{supported})")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Args:
        argv: the arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 1 after an API, network, download or file error; 2 after a bad argument;
        130 when interrupted; 141 when stdout is a pipe that was closed.
    """
    args = parse_args(argv)
    with _verbose_log(args.verbose):
        try:
            _check_format(args)
            return int(args.handler(args))
        except (RealtimeKitError, CommandError) as exc:
            _fail(cli_terms(str(exc)))
            return 1
        except ValueError as exc:
            _fail(cli_terms(str(exc)))
            return 2
        except BrokenPipeError:
            # The reader left (`realtimekit list | head`): stop quietly, and point stdout at
            # /dev/null so Python's own flush at exit has nothing to complain about.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return 141
        except OSError as exc:
            _fail(str(exc))
            return 1
        except KeyboardInterrupt:
            _fail("interrupted")
            return 130
