"""The session a command talks through: from flags, the environment, or an emulator."""

from __future__ import annotations

import argparse
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Final

from ._retry import RetryPolicy
from ._session import RealtimeKitSession

__all__ = ["connect"]

#: Flag name -> keyword of :meth:`RealtimeKitSession.from_env`; unset flags leave the env's value.
_FLAGS: Final = {
    "account_id": "account_id",
    "app_id": "app_id",
    "token": "api_token",
    "base_url": "base_url",
}


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
    # The emulator loads only when asked for; it starts with the data `realtimekit emulator` has.
    from ._emulator._serve import prepare  # noqa: PLC0415
    from .testing import FakeRealtimeKit  # noqa: PLC0415

    async with FakeRealtimeKit(auto_advance=True) as fake:
        prepare(fake, latency=args.emulator_latency)
        async with RealtimeKitSession(**fake.credentials, retry=retry) as rtk:
            yield rtk
