"""The ``realtimekit`` command (also ``python -m realtimekit_async``): dispatch and error handling.

An API or download error ends the command with one line on stderr (status, code, message,
cf-ray: ``str(exc)``) and exit status 1; a bad argument with one line and status 2. Tracebacks
are for bugs only. The parser lives in :mod:`._cli_parser`, the commands in ``_cli_*`` modules.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager

from ._cli_parser import build_parser
from ._errors import RealtimeKitError

__all__ = ["main"]

logger = logging.getLogger("realtimekit_async")


def _fail(message: object) -> None:
    text = " ".join(str(message).splitlines())  # one line, whatever the message holds
    print(f"realtimekit: error: {text}", file=sys.stderr)


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


async def _run(args: argparse.Namespace) -> int:
    # Imported per command, so `realtimekit --help` and `demo` load no more than they use.
    from ._cli_config import connect  # noqa: PLC0415

    async with connect(args) as rtk:
        if args.command == "list":
            from ._cli_export import run_list  # noqa: PLC0415

            return await run_list(rtk, args)
        if args.command == "download":
            from ._cli_download import run_download  # noqa: PLC0415

            return await run_download(rtk, args)
        from ._cli_commands import COMMANDS  # noqa: PLC0415

        return await COMMANDS[args.command](rtk, args)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from ._demo import run_demo  # noqa: PLC0415 - the emulator loads only when asked for

        asyncio.run(run_demo(sys.stdout))
        return 0
    if args.command == "emulator":
        from ._emulator._serve import run  # noqa: PLC0415 - the emulator loads only when asked for

        return run(args, "realtimekit")  # the same as `python -m realtimekit_async.testing`
    return asyncio.run(_run(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Args:
        argv: the arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 1 after an API, network, download or file error; 2 after a bad argument;
        130 when interrupted; 141 when stdout is a pipe that was closed.
    """
    args = build_parser().parse_args(argv)
    with _verbose_log(args.verbose):
        try:
            return _dispatch(args)
        except RealtimeKitError as exc:
            _fail(exc)
            return 1
        except ValueError as exc:
            _fail(exc)
            return 2
        except BrokenPipeError:
            # The reader left (`realtimekit list | head`): stop quietly, and point stdout at
            # /dev/null so Python's own flush at exit has nothing to complain about.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return 141
        except OSError as exc:
            _fail(exc)
            return 1
        except KeyboardInterrupt:
            _fail("interrupted")
            return 130
