"""A faithful in-process emulator of the RealtimeKit Recordings API, for tests and demos.

:class:`FakeRealtimeKit` serves all six recording endpoints on ``127.0.0.1`` with the
recording state machine, paging, both error envelopes, presigned downloads, fault injection
(:class:`FaultKind`) and a journal of received requests (:class:`JournalEntry`). It also
serves the Webhooks management API and POSTs signed deliveries to registered webhooks
(:class:`Delivery`, :class:`DeliveryFault`, :class:`DeliveryPolicy`); its
:attr:`~FakeRealtimeKit.credentials` open a session in one line::

    async with FakeRealtimeKit() as fake:
        meeting_id = fake.add_meeting(title="Daily standup")
        async with RealtimeKitSession(**fake.credentials) as rtk:
            recording = await rtk.start_recording(meeting_id)

Run ``python -m realtimekit_async.testing`` (the same as ``realtimekit emulator``; ``--help``
shows the options and their defaults) to serve it standalone with 300 seeded recordings and
``auto_advance`` on; it prints the environment for ``RealtimeKitSession.from_env()`` and
serves until Ctrl-C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from realtimekit_async._emulator import _serve
from realtimekit_async._emulator._delivery import Delivery, DeliveryFault, DeliveryPolicy
from realtimekit_async._emulator._fake import Credentials, FakeRealtimeKit
from realtimekit_async._emulator._faults import FaultKind
from realtimekit_async._emulator._journal import JournalEntry
from realtimekit_async._emulator._serve import serve

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "Credentials",
    "Delivery",
    "DeliveryFault",
    "DeliveryPolicy",
    "FakeRealtimeKit",
    "FaultKind",
    "JournalEntry",
    "main",
    "serve",
]

PROG = "python -m realtimekit_async.testing"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the standalone emulator until Ctrl-C (``realtimekit emulator`` does the same).

    Args:
        argv: Command-line arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 after Ctrl-C; 1 when the port cannot be bound. ``--help`` exits with 0 and a bad
        option with 2 (:class:`SystemExit`), as argparse does.
    """
    return _serve.main(argv, PROG)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
