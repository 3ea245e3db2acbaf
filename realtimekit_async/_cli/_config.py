"""The session a command talks through: from flags, the environment, or an emulator."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from realtimekit_async._retry import RetryPolicy
from realtimekit_async._session import RealtimeKitSession

if TYPE_CHECKING:
    from realtimekit_async.testing import FakeRealtimeKit

    from ._shared import Handler

__all__ = ["connect", "session_handler"]

#: Flag name -> keyword of :meth:`RealtimeKitSession.from_env`; unset flags leave the env's value.
_FLAGS: Final = {
    "account_id": "account_id",
    "app_id": "app_id",
    "token": "api_token",
    "base_url": "base_url",
}

SessionCommand = Callable[[RealtimeKitSession, argparse.Namespace], Awaitable[int]]


@asynccontextmanager
async def emulated(args: argparse.Namespace) -> AsyncGenerator[FakeRealtimeKit, None]:
    """A seeded in-process emulator for the length of a ``--emulator`` command."""
    # The emulator loads only when asked for; it starts with the data `realtimekit emulator` has.
    from realtimekit_async._emulator._serve import prepare  # noqa: PLC0415
    from realtimekit_async.testing import FakeRealtimeKit  # noqa: PLC0415

    async with FakeRealtimeKit(auto_advance=True) as fake:
        prepare(fake, latency=args.emulator_latency)
        yield fake


@asynccontextmanager
async def connect(
    args: argparse.Namespace, fake: FakeRealtimeKit | None = None
) -> AsyncGenerator[RealtimeKitSession, None]:
    """Open the session the global options describe, and close it afterwards.

    With *fake* (``--emulator``), the session talks to it. Otherwise
    ``--account-id``/``--app-id``/``--token``/``--base-url`` win over ``CLOUDFLARE_ACCOUNT_ID``,
    ``REALTIMEKIT_APP_ID``, ``CLOUDFLARE_API_TOKEN`` and ``REALTIMEKIT_BASE_URL``.

    Raises:
        ValueError: the account, app or token is missing, or the base URL is not http(s).
    """
    retry = RetryPolicy(attempts=args.max_attempts)
    if fake is not None:
        async with RealtimeKitSession(**fake.credentials, retry=retry) as rtk:
            yield rtk
        return
    flags: dict[str, Any] = {
        keyword: getattr(args, flag)
        for flag, keyword in _FLAGS.items()
        if getattr(args, flag) is not None
    }
    async with RealtimeKitSession.from_env(retry=retry, **flags) as rtk:
        yield rtk


async def _run(command: SessionCommand, args: argparse.Namespace) -> int:
    if not args.emulator:
        async with connect(args) as rtk:
            return await command(rtk, args)
    async with emulated(args) as fake, connect(args, fake) as rtk:
        return await command(rtk, args)


def session_handler(command: SessionCommand) -> Handler:
    """The handler of a command that runs *command* against a session of its own."""

    def handler(args: argparse.Namespace) -> int:
        return asyncio.run(_run(command, args))

    return handler
