"""The aiohttp side: shutdown while requests are pending."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from .conftest import (
    NOW,
    call,
    eventually,
)


async def test_close_cancels_slow_requests(http: aiohttp.ClientSession) -> None:
    """close() does not wait for a request stuck in a SLOW fault."""
    fake = FakeRealtimeKit(now=NOW)
    await fake.start()
    fake.inject(FaultKind.SLOW, delay=30)
    pending = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    began = time.monotonic()
    await fake.close()
    assert time.monotonic() - began < 5
    with pytest.raises(aiohttp.ClientError):
        await pending
