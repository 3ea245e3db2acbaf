"""The standalone emulator: its defaults, its command-line options and its serve loop.

``python -m realtimekit_async.testing``, ``realtimekit emulator``, ``realtimekit --emulator``
and ``realtimekit demo`` all start the emulator through this module, so they agree on the data
(the seed defaults live in ``_seed.py``, beside the seeding) and the options they take.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Final, TextIO

from realtimekit_async._emulator._seed import SEED_MEETINGS, SEED_RECORDINGS
from realtimekit_async._emulator._wire import HOST

if TYPE_CHECKING:
    from collections.abc import Sequence

    from realtimekit_async._emulator._fake import FakeRealtimeKit

__all__ = [
    "LATENCY",
    "PORT",
    "SEED_MEETINGS",
    "SEED_RECORDINGS",
    "add_arguments",
    "build_parser",
    "main",
    "prepare",
    "run",
    "serve",
]

#: Port to bind; 0 picks a free one.
PORT: Final = 0
#: Seconds every request waits before it is answered (to watch progress bars).
LATENCY: Final = 0.0
#: "Forever" for the latency fault: more requests than a process will ever serve.
_EVERY_REQUEST: Final = 1 << 62


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("need at least 1")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the standalone emulator's options, each with its default in the help."""
    parser.add_argument(
        "--port",
        type=_port,
        default=PORT,
        help=f"port to bind on {HOST}; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--seed-recordings",
        type=_count,
        default=SEED_RECORDINGS,
        metavar="N",
        help="deterministic recordings to create, in every status (default: %(default)s)",
    )
    parser.add_argument(
        "--seed-meetings",
        type=_positive,
        default=SEED_MEETINGS,
        metavar="N",
        help="meetings to spread them over (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds,
        default=LATENCY,
        metavar="SECONDS",
        help="delay before every answer, to watch progress bars (default: %(default)s)",
    )


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The parser of ``python -m realtimekit_async.testing``."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"Serve the RealtimeKit Recordings API emulator on {HOST} until Ctrl-C.",
    )
    add_arguments(parser)
    return parser


def prepare(
    fake: FakeRealtimeKit,
    *,
    recordings: int = SEED_RECORDINGS,
    meetings: int = SEED_MEETINGS,
    latency: float = LATENCY,
) -> None:
    """Fill a fresh emulator with the data every served emulator starts with.

    Download links are signed from now, so the seeded files can be fetched straight away.

    Raises:
        ValueError: A negative count, or no meetings.
    """
    fake.seed(recordings, meetings=meetings, fresh_links=True)
    if latency > 0:
        fake.inject("slow", times=_EVERY_REQUEST, delay=latency)


async def serve(
    port: int = PORT,
    seed_recordings: int = SEED_RECORDINGS,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
    *,
    seed_meetings: int = SEED_MEETINGS,
    latency: float = LATENCY,
) -> None:
    """Serve a seeded emulator, print how to reach it, and wait for ``stop`` (default: forever).

    The emulator runs with ``auto_advance`` on, so recordings move on with each request.

    Args:
        port: Port to bind on 127.0.0.1 (0: any free port).
        seed_recordings: How many recordings :meth:`FakeRealtimeKit.seed` creates.
        out: Where the connection details go (default: stdout).
        stop: Set it to shut down; without one, serve until cancelled (Ctrl-C).
        seed_meetings: How many meetings the recordings are spread over.
        latency: Seconds every request waits before it is answered.

    Raises:
        OSError: The port cannot be bound (in use, or not allowed).
    """
    # Imported here, so a command line that only builds its parser loads no aiohttp server.
    from realtimekit_async._emulator._fake import FakeRealtimeKit  # noqa: PLC0415

    fake = FakeRealtimeKit(auto_advance=True)
    await fake.start(port)
    try:
        prepare(fake, recordings=seed_recordings, meetings=seed_meetings, latency=latency)
        credentials = fake.credentials
        lines = (
            f"RealtimeKit emulator listening on {fake.base_url} (Ctrl-C to stop)",
            f"export CLOUDFLARE_ACCOUNT_ID={credentials['account_id']}",
            f"export REALTIMEKIT_APP_ID={credentials['app_id']}",
            f"export CLOUDFLARE_API_TOKEN={credentials['api_token']}",
            f"export REALTIMEKIT_BASE_URL={credentials['base_url']}",
        )
        print(*lines, sep="\n", file=out or sys.stdout, flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await fake.close()


def run(args: argparse.Namespace, prog: str) -> int:
    """Serve with the options :func:`add_arguments` parsed, until Ctrl-C.

    Args:
        args: The parsed options.
        prog: The program name that starts error lines.

    Returns:
        0 after Ctrl-C; 1 when the port cannot be bound (one line on stderr).
    """
    try:
        asyncio.run(
            serve(
                args.port,
                args.seed_recordings,
                sys.stdout,
                seed_meetings=args.seed_meetings,
                latency=args.latency,
            )
        )
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"{prog}: error: cannot listen on {HOST}:{args.port}: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C is the way to stop it
        print("emulator stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None, prog: str) -> int:
    """Parse ``argv`` (``--help`` and bad options exit with status 0 and 2), then :func:`run`."""
    return run(build_parser(prog).parse_args(argv), prog)
