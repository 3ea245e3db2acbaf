import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from realtimekit_async import RecordingStatus
from realtimekit_async.webhooks import (
    RecordingStatusUpdate,
    WebhookEvent,
    WebhookKeyCache,
    WebhookReceiver,
    WebhookWatcher,
)

from .webhook_signing import body_of, public_pem, signed_headers, webhook_sample

UPLOADED = "recording.statusUpdate.uploaded.json"


@asynccontextmanager
async def receiving(receiver: WebhookReceiver) -> AsyncGenerator[tuple[aiohttp.ClientSession, str]]:
    """Serve *receiver* at /webhooks on loopback; yield a client and the URL."""
    app = web.Application()
    app.router.add_post("/webhooks", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            yield http, f"http://127.0.0.1:{port}/webhooks"
    finally:
        await receiver.aclose()
        await runner.cleanup()


async def post(http: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a delivery; return the status."""
    async with http.post(url, data=body, headers=headers) as response:
        return response.status


async def test_valid_delivery_is_answered_and_handled() -> None:
    """A signed delivery gets 204 and the callback receives the typed event."""
    seen: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        seen.append(event)

    receiver = WebhookReceiver(on_event, public_key=public_pem())
    body = body_of(webhook_sample(UPLOADED))
    async with receiving(receiver) as (http, url):
        assert await post(http, url, body, signed_headers(body)) == 204
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.01)
    assert len(seen) == 1
    assert isinstance(seen[0], RecordingStatusUpdate)
    assert seen[0].recording.status is RecordingStatus.UPLOADED


async def test_answer_does_not_wait_for_the_callback() -> None:
    """The 2xx goes out while the callback is still running; aclose() lets it finish."""
    release = asyncio.Event()
    done: list[str] = []

    async def slow(event: WebhookEvent) -> None:
        await release.wait()
        done.append(str(event.event))

    receiver = WebhookReceiver(slow, public_key=public_pem())
    body = body_of(webhook_sample("meeting.started.json"))
    async with receiving(receiver) as (http, url):
        assert await post(http, url, body, signed_headers(body)) == 204
        assert receiver.pending == 1
        release.set()
    assert done == ["meeting.started"]
    assert receiver.pending == 0


async def test_forged_and_malformed_requests() -> None:
    """Bad signatures answer 401, signed garbage 400, oversized bodies 413; no callback runs."""
    calls: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        calls.append(event)  # pragma: no cover - must not run

    receiver = WebhookReceiver(on_event, public_key=public_pem(), max_body_size=4096)
    body = body_of(webhook_sample(UPLOADED))
    async with receiving(receiver) as (http, url):
        assert await post(http, url, body, {}) == 401
        assert await post(http, url, body, signed_headers(body, n=1)) == 401
        assert await post(http, url, body + b" ", signed_headers(body)) == 401
        assert await post(http, url, b"[]", signed_headers(b"[]")) == 400
        assert await post(http, url, b"x" * 5000, {}) == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield b"y" * 2000  # no Content-Length: the limit applies while reading

        async with http.post(url, data=chunks()) as response:
            assert response.status == 413
    assert calls == []


async def test_duplicates_are_skipped() -> None:
    """A redelivery with the same rtk-uuid is answered 204 and not handled twice."""
    seen: list[str | None] = []

    async def on_event(event: WebhookEvent) -> None:
        seen.append(event.delivery_id)

    receiver = WebhookReceiver(on_event, public_key=public_pem())
    body = body_of(webhook_sample(UPLOADED))
    async with receiving(receiver) as (http, url):
        for delivery_id in ("a", "a", "b"):
            headers = signed_headers(body, delivery_id=delivery_id)
            assert await post(http, url, body, headers) == 204
    assert seen == ["a", "b"]


async def test_callback_errors_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    """An exception in the callback is logged with the event; the sender already got 204."""

    async def broken(event: WebhookEvent) -> None:
        raise RuntimeError("boom")

    receiver = WebhookReceiver(broken, public_key=public_pem())
    body = body_of(webhook_sample("meeting.started.json"))
    with caplog.at_level(logging.ERROR, logger="realtimekit_async.webhooks"):
        async with receiving(receiver) as (http, url):
            assert await post(http, url, body, signed_headers(body)) == 204
    assert any("callback failed" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_publishes_to_a_watcher_without_a_callback() -> None:
    """With only a watcher, each new event is published to it."""
    watcher = WebhookWatcher()
    receiver = WebhookReceiver(public_key=public_pem(), watcher=watcher, store=None)
    body = body_of(webhook_sample(UPLOADED))
    async with receiving(receiver) as (http, url):
        waiting = asyncio.create_task(
            watcher.wait("6a2b9c8d-1e0f-4a3b-8c7d-5e4f3a2b1c0d", "UPLOADED", timeout=5)
        )
        await asyncio.sleep(0)
        assert await post(http, url, body, signed_headers(body)) == 204
        recording = await waiting
    assert recording is not None
    assert recording.file_size == 73_400_320


async def test_key_server_down_answers_503() -> None:
    """When the key cannot be fetched, the answer is 503 so that RealtimeKit retries."""
    keys = WebhookKeyCache(
        url="http://127.0.0.1:9/.well-known/webhooks.json", environ={}, timeout=2
    )
    receiver = WebhookReceiver(public_key=keys)
    body = body_of(webhook_sample(UPLOADED))
    async with receiving(receiver) as (http, url):
        assert await post(http, url, body, signed_headers(body)) == 503
    await keys.aclose()


async def test_aclose_cancels_callbacks_that_overrun() -> None:
    """aclose(timeout) cancels callbacks still running after the timeout."""
    cancelled = asyncio.Event()

    async def stuck(event: WebhookEvent) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    receiver = WebhookReceiver(stuck, public_key=public_pem())
    app = web.Application()
    app.router.add_post("/webhooks", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks"
    body = body_of(webhook_sample("meeting.started.json"))
    async with aiohttp.ClientSession() as http:
        assert await post(http, url, body, signed_headers(body)) == 204
    await receiver.aclose(timeout=0.05)
    assert cancelled.is_set()
    await runner.cleanup()
