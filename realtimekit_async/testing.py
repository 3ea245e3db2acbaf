"""A faithful in-process emulator of the RealtimeKit Recordings API, for tests and demos.

:class:`FakeRealtimeKit` serves all six recording endpoints on ``127.0.0.1`` with the
recording state machine, paging, both error envelopes, presigned downloads, fault injection
(:class:`FaultKind`) and a journal of received requests (:class:`JournalEntry`)::

    async with FakeRealtimeKit() as fake:
        meeting_id = fake.add_meeting(title="Daily standup")
        async with RealtimeKitSession(
            account_id=fake.account_id,
            app_id=fake.app_id,
            api_token=fake.api_token,
            base_url=fake.base_url,
        ) as rtk:
            recording = await rtk.start_recording(meeting_id)

Run ``python -m realtimekit_async.testing [--port N] [--seed-recordings N]`` to serve it
standalone (with ``auto_advance`` on); it prints the environment for
``RealtimeKitSession.from_env()`` and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING, TextIO

from realtimekit_async._emulator._fake import FakeRealtimeKit
from realtimekit_async._emulator._faults import FaultKind
from realtimekit_async._emulator._journal import JournalEntry

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["FakeRealtimeKit", "FaultKind", "JournalEntry", "main", "serve"]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m realtimekit_async.testing",
        description="Serve the RealtimeKit Recordings API emulator on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    parser.add_argument(
        "--seed-recordings",
        type=int,
        default=0,
        metavar="N",
        help="create N deterministic recordings across five meetings",
    )
    return parser.parse_args(argv)


async def serve(
    port: int,
    seed_recordings: int,
    out: TextIO,
    stop: asyncio.Event | None = None,
    *,
    prepare: Callable[[FakeRealtimeKit, int], None] | None = None,
) -> None:
    """Serve the emulator, print how to reach it, and wait for ``stop`` (default: forever).

    Args:
        port: Port to bind on 127.0.0.1 (0: any free port).
        seed_recordings: How many recordings :meth:`FakeRealtimeKit.seed` creates.
        out: Where the connection details go.
        stop: Set it to shut down; without one, serve until cancelled (Ctrl-C).
        prepare: Fills the started emulator instead of a plain :meth:`FakeRealtimeKit.seed`;
            called with the emulator and ``seed_recordings``.
    """
    fake = FakeRealtimeKit(auto_advance=True)
    await fake.start(port)
    try:
        if prepare is not None:
            prepare(fake, seed_recordings)
        elif seed_recordings:
            fake.seed(seed_recordings)
        lines = (
            f"RealtimeKit emulator listening on {fake.base_url} (Ctrl-C to stop)",
            f"export CLOUDFLARE_ACCOUNT_ID={fake.account_id}",
            f"export REALTIMEKIT_APP_ID={fake.app_id}",
            f"export CLOUDFLARE_API_TOKEN={fake.api_token}",
            f"export REALTIMEKIT_BASE_URL={fake.base_url}",
        )
        print(*lines, sep="\n", file=out, flush=True)
        await (stop or asyncio.Event()).wait()
    finally:
        await fake.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the standalone emulator until Ctrl-C.

    Args:
        argv: Command-line arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status, 0.
    """
    args = _parse_args(argv)
    # Ctrl-C is the documented way to stop; asyncio.run turns it into KeyboardInterrupt.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.seed_recordings, sys.stdout))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
