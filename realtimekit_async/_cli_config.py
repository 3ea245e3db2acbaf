"""The session a command talks through: from flags, the environment, or an emulator."""

from __future__ import annotations

import argparse
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from ._retry import RetryPolicy
from ._session import RealtimeKitSession

if TYPE_CHECKING:
    from .testing import FakeRealtimeKit

__all__ = ["EMULATOR_MEETINGS", "EMULATOR_RECORDINGS", "connect", "prepare_emulator"]

EMULATOR_RECORDINGS: Final = 300
EMULATOR_MEETINGS: Final = 8
#: Flag name -> keyword of :meth:`RealtimeKitSession.from_env`; unset flags leave the env's value.
_FLAGS: Final = {
    "account_id": "account_id",
    "app_id": "app_id",
    "token": "api_token",
    "base_url": "base_url",
}


def prepare_emulator(
    fake: FakeRealtimeKit, *, recordings: int = EMULATOR_RECORDINGS, latency: float = 0.0
) -> None:
    """Fill a fresh emulator with the data ``--emulator`` commands see.

    Args:
        fake: a started emulator without data.
        recordings: how many recordings to seed across :data:`EMULATOR_MEETINGS` meetings.
        latency: seconds every request waits before it is answered, to watch progress bars.
    """
    fake.seed(recordings, meetings=EMULATOR_MEETINGS)
    # Seeded recordings go back weeks, so most links have expired; the emulator hands out no
    # fresh ones on a GET, so sign them anew here, or `download --all` would only show refusals.
    for recording_id in fake.recording_ids:
        if fake.recording(recording_id).get("download_url_expiry") is not None:
            fake.renew_links(recording_id)
    if latency > 0:
        fake.inject("slow", times=1 << 62, delay=latency)


@asynccontextmanager
async def connect(args: argparse.Namespace) -> AsyncGenerator[RealtimeKitSession, None]:
    """Open the session the global options describe, and close it afterwards.

    With ``--emulator``, a seeded in-process :class:`~realtimekit_async.testing.FakeRealtimeKit`
    (recordings move on with each request) serves for the length of the command. Otherwise
    ``--account-id``/``--app-id``/``--token``/``--base-url`` win over ``CLOUDFLARE_ACCOUNT_ID``,
    ``REALTIMEKIT_APP_ID``, ``CLOUDFLARE_API_TOKEN`` and ``REALTIMEKIT_BASE_URL``.

    Raises:
        ValueError: the account, app or token is missing, or the base URL is not http(s).
    """
    retry = RetryPolicy(attempts=args.max_attempts)
    if not args.emulator:
        flags: dict[str, Any] = {
            keyword: getattr(args, flag)
            for flag, keyword in _FLAGS.items()
            if getattr(args, flag) is not None
        }
        async with RealtimeKitSession.from_env(retry=retry, **flags) as rtk:
            yield rtk
        return
    from .testing import FakeRealtimeKit  # noqa: PLC0415 - the emulator loads only when asked for

    async with FakeRealtimeKit(auto_advance=True) as fake:
        prepare_emulator(fake, latency=args.emulator_latency)
        async with RealtimeKitSession(
            account_id=fake.account_id,
            app_id=fake.app_id,
            api_token=fake.api_token,
            base_url=fake.base_url,
            retry=retry,
        ) as rtk:
            yield rtk
