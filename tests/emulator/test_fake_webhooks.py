"""The emulator's webhook side as a user meets it: the SDK's calls and a watcher-fed wait."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from aiohttp import web

from realtimekit_async import RealtimeKitSession, RecordingStatus, WebhookEventName
from realtimekit_async.testing import DeliveryPolicy, FakeRealtimeKit
from realtimekit_async.webhooks import WebhookReceiver, WebhookWatcher

from .conftest import NOW

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

FAST = DeliveryPolicy(attempts=2, backoff=0.01, timeout=1)


async def test_session_calls_round_trip() -> None:
    """The SDK's seven webhook calls work against the emulator and agree with each other."""
    async with (
        FakeRealtimeKit(now=NOW) as fake,
        RealtimeKitSession(**fake.credentials) as rtk,
    ):
        events = await rtk.list_webhook_events()
        assert events == tuple(WebhookEventName)
        made = await rtk.create_webhook(
            name="hooks", url="https://hooks.example/rtk", events=["recording.statusUpdate"]
        )
        assert made.events == (WebhookEventName.RECORDING_STATUS_UPDATE,)
        assert made.created_at == NOW
        assert await rtk.get_webhook(made.id) == made
        assert await rtk.list_webhooks() == (made,)
        off = await rtk.update_webhook(made.id, enabled=False)
        assert (off.enabled, off.name, off.url) == (False, "hooks", made.url)
        again = await rtk.replace_webhook(
            made.id, name="r", url="http://other.example/", events=["meeting.ended"]
        )
        assert (again.enabled, again.events) == (True, (WebhookEventName.MEETING_ENDED,))
        assert await rtk.delete_webhook(made.id) == again
        assert await rtk.list_webhooks() == ()


@asynccontextmanager
async def receiving(watcher: WebhookWatcher, fake: FakeRealtimeKit) -> AsyncGenerator[str]:
    """Serve a WebhookReceiver publishing to ``watcher``; yields its URL."""
    receiver = WebhookReceiver(public_key=fake.webhook_public_key, watcher=watcher)
    app = web.Application()
    app.router.add_post("/webhooks", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks"
    finally:
        await receiver.aclose()
        await runner.cleanup()


async def clock(fake: FakeRealtimeKit) -> None:
    """Move the emulator one step every 20 ms."""
    while True:
        await asyncio.sleep(0.02)
        fake.advance(1)


async def test_watcher_fed_wait_returns_on_the_event() -> None:
    """wait_for_status(watcher=...) returns on the delivered event, polling only once."""
    watcher = WebhookWatcher()
    async with FakeRealtimeKit(now=NOW, delivery_policy=FAST) as fake:
        async with receiving(watcher, fake) as url, RealtimeKitSession(**fake.credentials) as rtk:
            await rtk.create_webhook(name="w", url=url, events=["recording.statusUpdate"])
            rec = await rtk.start_recording(fake.add_meeting(), max_seconds=60)
            ticking = asyncio.create_task(clock(fake))
            fake.journal.clear()
            try:
                done = await rtk.wait_for_status(
                    rec.id, "UPLOADED", timeout=30, watcher=watcher, fallback_interval=30
                )
            finally:
                ticking.cancel()
            await fake.drain_deliveries()
        assert done.status is RecordingStatus.UPLOADED
        assert [e.method for e in fake.journal if e.path.startswith("/client")] == ["GET"]


async def test_watcher_fed_wait_falls_back_to_polling() -> None:
    """With every delivery dropped, the wait still ends, by its fallback polls."""
    watcher = WebhookWatcher()
    async with FakeRealtimeKit(now=NOW, delivery_policy=FAST) as fake:
        fake.inject_delivery("drop", times=100)
        async with receiving(watcher, fake) as url, RealtimeKitSession(**fake.credentials) as rtk:
            await rtk.create_webhook(name="w", url=url, events=["recording.statusUpdate"])
            rec = await rtk.start_recording(fake.add_meeting(), max_seconds=60)
            ticking = asyncio.create_task(clock(fake))
            fake.journal.clear()
            try:
                done = await rtk.wait_for_status(
                    rec.id, "UPLOADED", timeout=30, watcher=watcher, fallback_interval=0.1
                )
            finally:
                ticking.cancel()
        assert done.status is RecordingStatus.UPLOADED
        assert len([e for e in fake.journal if e.path.startswith("/client")]) > 1
        assert {d.fault for d in fake.deliveries} == {"drop"}
        assert watcher.latest(rec.id) is None
