"""The webhook calls of the session over loopback, and waits fed by webhook events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web

from realtimekit_async import (
    NotFoundError,
    OutcomeUnknownError,
    RealtimeKitSession,
    Recording,
    RecordingFailedError,
    RecordingStatus,
    RetryPolicy,
    WaitTimeoutError,
    Webhook,
    WebhookEventName,
)
from realtimekit_async.testing import FakeRealtimeKit
from realtimekit_async.webhooks import RecordingStatusUpdate, WebhookWatcher

from .conftest import session_for

WEBHOOK = {
    "id": "901e9adf-ebd9-41f0-9098-28171bc04ddd",
    "name": "test",
    "url": "https://example.test/hooks",
    "events": ["recording.statusUpdate"],
    "enabled": True,
    "created_at": "2021-09-09T10:25:12.330Z",
    "updated_at": "2021-09-09T10:25:12.376Z",
}


class ManagementApi:
    """A loopback stand-in for the Webhooks management API that records what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, Any]] = []
        self.fail_next: int | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body: dict[str, object] | None = json.loads(await request.read() or b"null")
        self.received.append((request.method, request.path, body))
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return web.Response(status=status, text="<html>oops</html>")
        tail = request.path.rsplit("/webhooks", 1)[1]
        if tail == "/all":
            data: object = ["meeting.started", "recording.statusUpdate", "meeting.pollCreated"]
        elif tail == "/missing":
            error = {"success": False, "error": {"code": 404, "message": "Webhook not found"}}
            return web.json_response(error, status=404)
        elif request.method == "GET" and not tail:
            data = [WEBHOOK, WEBHOOK | {"id": "second"}]
        else:
            data = {**WEBHOOK, **(body or {})}
        status = 201 if request.method == "POST" else 200
        return web.json_response({"success": True, "data": data}, status=status)


@pytest.fixture
async def management() -> AsyncIterator[tuple[ManagementApi, str]]:
    """The stand-in API and its root URL."""
    api = ManagementApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield api, f"http://127.0.0.1:{runner.addresses[0][1]}/client/v4"
    finally:
        await runner.cleanup()


def _session(url: str, **options: Any) -> RealtimeKitSession:
    async def no_sleep(_: float) -> None:
        pass

    return RealtimeKitSession(
        account_id="acc", app_id="app", api_token="t", base_url=url, sleep=no_sleep, **options
    )


async def test_the_seven_webhook_calls(management: tuple[ManagementApi, str]) -> None:
    """Create, list, get, patch, put, delete and list events send what the API documents."""
    api, url = management
    async with _session(url) as rtk:
        created = await rtk.create_webhook(
            name="test", url="https://example.test/hooks", events=["recording.statusUpdate"]
        )
        listed = await rtk.list_webhooks()
        got = await rtk.get_webhook(created.id)
        patched = await rtk.update_webhook(created.id, enabled=False)
        replaced = await rtk.replace_webhook(
            created.id, name="n", url="https://example.test/h", events=["meeting.started"]
        )
        deleted = await rtk.delete_webhook(created.id)
        events = await rtk.list_webhook_events()
    assert isinstance(created, Webhook)
    assert created.events == (WebhookEventName.RECORDING_STATUS_UPDATE,)
    assert [w.id for w in listed] == [created.id, "second"]
    assert got == created
    assert patched.enabled is False
    assert (replaced.name, replaced.events) == ("n", (WebhookEventName.MEETING_STARTED,))
    assert deleted.id == created.id
    assert events[-1] == "meeting.pollCreated"
    prefix = "/client/v4/accounts/acc/realtime/kit/app/webhooks"
    item = f"{prefix}/{created.id}"
    assert [(m, p) for m, p, _ in api.received] == [
        ("POST", prefix),
        ("GET", prefix),
        ("GET", item),
        ("PATCH", item),
        ("PUT", item),
        ("DELETE", item),
        ("GET", f"{prefix}/all"),
    ]
    assert api.received[0][2] == {
        "name": "test",
        "url": "https://example.test/hooks",
        "events": ["recording.statusUpdate"],
        "enabled": True,
    }
    assert api.received[3][2] == {"enabled": False}


async def test_a_create_is_never_sent_twice(management: tuple[ManagementApi, str]) -> None:
    """A 502 after a create may have registered it: OutcomeUnknownError, one request."""
    api, url = management
    api.fail_next = 502
    async with _session(url) as rtk:
        with pytest.raises(OutcomeUnknownError, match="create webhook may or may not"):
            await rtk.create_webhook(name="n", url="https://example.test/h", events=["x.y"])
    assert len(api.received) == 1


async def test_idempotent_webhook_calls_are_retried(management: tuple[ManagementApi, str]) -> None:
    """A 503 on a delete is retried like any safe call; a 404 is raised as NotFoundError."""
    api, url = management
    api.fail_next = 503
    async with _session(url, retry=RetryPolicy(backoff_initial=0)) as rtk:
        await rtk.delete_webhook("abc")
        with pytest.raises(NotFoundError, match="Webhook not found"):
            await rtk.get_webhook("missing")
    assert [m for m, _, _ in api.received] == ["DELETE", "DELETE", "GET"]


async def test_webhook_arguments_are_checked_before_sending(
    management: tuple[ManagementApi, str],
) -> None:
    """Bad URLs, event names and ids fail before any request."""
    api, url = management
    async with _session(url) as rtk:
        with pytest.raises(ValueError, match="absolute http"):
            await rtk.create_webhook(name="n", url="ftp://x", events=["meeting.started"])
        with pytest.raises(ValueError, match=r"did you mean 'meeting\.started'"):
            await rtk.create_webhook(name="n", url="https://x.test", events=["Meeting.Started"])
        with pytest.raises(ValueError, match="webhook_id"):
            await rtk.delete_webhook("../other")
    assert api.received == []


# --- waits fed by webhook events ---------------------------------------------------------------


def _update(recording: Recording, status: str) -> RecordingStatusUpdate:
    """The event a receiver would publish for *recording* reaching *status*."""
    moved = attrs.evolve(recording, status=RecordingStatus(status))
    return RecordingStatusUpdate(
        event=WebhookEventName.RECORDING_STATUS_UPDATE,
        delivery_id=f"d-{status}",
        webhook_id="w-1",
        data={},
        recording=moved,
    )


async def test_wait_returns_on_the_event_without_polling_again(fake: FakeRealtimeKit) -> None:
    """One poll, then the matching event ends the wait: no second request."""
    recording_id = fake.add_recording(fake.add_meeting(), status="RECORDING")
    watcher = WebhookWatcher()
    async with session_for(fake) as rtk:
        first = await rtk.get_recording(recording_id)
        task = asyncio.create_task(
            rtk.wait_for_status(recording_id, "UPLOADED", watcher=watcher, timeout=30)
        )
        while not watcher.subscriber_count:
            await asyncio.sleep(0.01)
        watcher.publish(_update(first, "UPLOADING"))
        watcher.publish(_update(first, "UPLOADED"))
        done = await task
    assert done.status is RecordingStatus.UPLOADED
    assert len(fake.journal) == 2  # the get above, and the one poll of the wait
    assert watcher.subscriber_count == 0


async def test_wait_falls_back_to_polling_when_deliveries_are_lost(
    fake: FakeRealtimeKit,
) -> None:
    """No event arrives: the wait polls every fallback interval and sees the upload."""
    recording_id = fake.add_recording(fake.add_meeting(), status="UPLOADING")
    watcher = WebhookWatcher()
    async with session_for(fake) as rtk:
        task = asyncio.create_task(
            rtk.wait_for_status(recording_id, watcher=watcher, fallback_interval=0.05, timeout=30)
        )
        # Once the first poll has its answer (UPLOADING), the upload finishes unannounced.
        while not fake.journal or fake.journal[0].status is None:
            await asyncio.sleep(0.01)
        fake.advance(60)
        done = await task
    assert done.status is RecordingStatus.UPLOADED
    assert len(fake.journal) >= 2


async def test_an_event_that_rules_out_the_status_ends_the_wait(fake: FakeRealtimeKit) -> None:
    """An ERRORED event raises RecordingFailedError at once, with the recording."""
    recording_id = fake.add_recording(fake.add_meeting(), status="RECORDING")
    watcher = WebhookWatcher()
    async with session_for(fake) as rtk:
        first = await rtk.get_recording(recording_id)
        task = asyncio.create_task(rtk.wait_for_status(recording_id, watcher=watcher))
        while not watcher.subscriber_count:
            await asyncio.sleep(0.01)
        watcher.publish(_update(first, "ERRORED"))
        with pytest.raises(RecordingFailedError, match="ended ERRORED") as caught:
            await task
    assert caught.value.recording.status is RecordingStatus.ERRORED


async def test_a_watched_wait_still_ends_on_time(fake: FakeRealtimeKit) -> None:
    """Neither events nor progress: WaitTimeoutError after the timeout."""
    recording_id = fake.add_recording(fake.add_meeting(), status="RECORDING")
    async with session_for(fake) as rtk:
        with pytest.raises(WaitTimeoutError, match="still RECORDING"):
            await rtk.wait_for_status(
                recording_id, watcher=WebhookWatcher(), timeout=0.2, fallback_interval=0.05
            )
