"""Stopping an aiohttp server without dropping a connection it has just accepted."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["stop_serving"]


async def stop_serving(runner: web.AppRunner) -> None:
    """Close *runner*'s sites, then its connections, leaving no socket open.

    asyncio accepts a connection in one turn of the loop and attaches its transport to the
    server in a later one. If the server closes in between, the attach fails an assertion
    inside asyncio and the accepted socket is dropped unclosed (a ResourceWarning; seen when
    Ctrl-C comes right after a client connected). Three turns of the loop first (one to
    see the connection, one to accept it, one to attach it) let every connection made before
    this call attach, so that the runner closes it with the others.
    """
    try:
        for _ in range(3):
            await asyncio.sleep(0)
    finally:
        # Even when cancelled meanwhile: the server must not outlive its owner.
        await runner.cleanup()
