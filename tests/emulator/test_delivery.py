"""Signed deliveries from the emulator to receivers of the tests' own making, over loopback."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

from realtimekit_async import RecordingStatus
from realtimekit_async.testing import DeliveryFault, DeliveryPolicy, FakeRealtimeKit
from realtimekit_async.webhooks import (
    RecordingStatusUpdate,
    WebhookKeyCache,
    WebhookReceiver,
    WebhookVerificationError,
    WebhookWatcher,
    parse_event,
)

from .conftest import NOW, api, auth
from .test_webhooks import hooks

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import aiohttp

    from realtimekit_async.webhooks import WebhookEvent

FAST = DeliveryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=0.5)
LIFECYCLE = ["INVOKED", "RECORDING", "PAUSED", "RECORDING", "UPLOADING", "UPLOADED"]


@dataclass
class Receiver:
    """A webhook endpoint that records what arrives and answers scripted statuses."""

    url: str = ""
    answers: list[int] = field(default_factory=list[int])
    got: list[tuple[dict[str, str], bytes]] = field(
        default_factory=list[tuple[dict[str, str], bytes]]
    )
    delay: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.got.append((dict(request.headers), body))
        await asyncio.sleep(self.delay)
        return web.Response(status=self.answers.pop(0) if self.answers else 204)

    def statuses(self) -> list[str]:
        """The recording status of each delivery received, in arrival order."""
        return [json.loads(body)["recording"]["status"] for _, body in self.got]


@pytest.fixture
async def fake() -> AsyncIterator[FakeRealtimeKit]:
    """A started emulator with fast retries."""
    async with FakeRealtimeKit(now=NOW, delivery_policy=FAST) as emulator:
        yield emulator


async def serve(handler: Any) -> tuple[web.AppRunner, str]:
    """Serve ``handler`` for POST /hook on loopback; the runner and the URL."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A started :class:`Receiver`."""
    target = Receiver()
    runner, target.url = await serve(target.handle)
    yield target
    await runner.cleanup()


async def lifecycle(http: aiohttp.ClientSession, fake: FakeRealtimeKit) -> str:
    """Drive one recording through every state over HTTP and the clock; its id."""
    meeting = fake.add_meeting(title="Design review")
    async with http.post(api(fake), json={"meeting_id": meeting}, headers=auth(fake)) as r:
        rec: str = (await r.json())["data"]["id"]
    fake.advance(5)
    for action in ("pause", "resume", "stop"):
        fake.advance(30)
        async with http.put(api(fake, f"/{rec}"), json={"action": action}, headers=auth(fake)):
            pass
    fake.advance(10)
    return rec


async def test_lifecycle_in_order_and_signed(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Every state change arrives in order, signed, and parses to RecordingStatusUpdate."""
    status, body = await hooks(
        http,
        fake,
        "POST",
        body={"name": "n", "url": receiver.url, "events": ["recording.statusUpdate"]},
    )
    assert status == 201
    webhook_id = body["data"]["id"]
    rec = await lifecycle(http, fake)
    await fake.drain_deliveries()
    assert receiver.statuses() == LIFECYCLE
    events = [parse_event(b, h, public_key=fake.webhook_public_key) for h, b in receiver.got]
    assert all(isinstance(e, RecordingStatusUpdate) for e in events)
    updates = [e for e in events if isinstance(e, RecordingStatusUpdate)]
    assert [u.recording.status for u in updates] == [RecordingStatus(s) for s in LIFECYCLE]
    assert {u.webhook_id for u in updates} == {webhook_id}
    assert len({u.delivery_id for u in updates}) == len(LIFECYCLE)
    final = updates[-1].recording
    data = fake.recording(rec)
    assert (final.id, final.file_size, final.download_url) == (
        rec,
        data["file_size"],
        data["download_url"],
    )
    headers, raw = receiver.got[-1]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(raw)["recording"]["fileSize"] == str(data["file_size"])
    assert [(d.attempt, d.status, d.ok) for d in fake.deliveries] == [(1, 204, True)] * 6
    assert [d.body for d in fake.deliveries] == [b for _, b in receiver.got]


async def test_reserialised_body_fails(fake: FakeRealtimeKit, receiver: Receiver) -> None:
    """The body is compact JSON: parsing and re-serialising it breaks the signature."""
    fake.add_webhook(receiver.url)
    rec = fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.fail_recording(rec)
    await fake.drain_deliveries()
    headers, body = receiver.got[0]
    assert json.loads(body)["recording"]["status"] == "ERRORED"
    with pytest.raises(WebhookVerificationError):
        parse_event(
            json.dumps(json.loads(body)).encode(), headers, public_key=fake.webhook_public_key
        )
    with pytest.raises(ValueError, match="ERRORED already"):
        fake.fail_recording(rec)


async def test_500_is_retried_with_same_uuid(fake: FakeRealtimeKit, receiver: Receiver) -> None:
    """A 5xx answer gets the same delivery again, same rtk-uuid and body."""
    receiver.answers = [500, 503]
    hook = fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert len(receiver.got) == 3
    assert len({h["rtk-uuid"] for h, _ in receiver.got}) == 1
    assert len({b for _, b in receiver.got}) == 1
    assert {h["rtk-webhook-id"] for h, _ in receiver.got} == {hook}
    assert [(d.attempt, d.status) for d in fake.deliveries] == [(1, 500), (2, 503), (3, 204)]


@pytest.mark.parametrize("status", [400, 401, 404, 302])
async def test_other_failures_not_retried(
    fake: FakeRealtimeKit, receiver: Receiver, status: int
) -> None:
    """Any other non-2xx answer is a failed delivery, not retried."""
    receiver.answers = [status]
    fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert len(receiver.got) == 1
    assert [(d.attempt, d.status, d.ok) for d in fake.deliveries] == [(1, status, False)]


async def test_network_errors_retried_until_attempts(fake: FakeRealtimeKit) -> None:
    """A receiver that cannot be reached is tried ``attempts`` times, errors journaled."""
    runner, url = await serve(Receiver().handle)
    await runner.cleanup()
    fake.add_webhook(url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert [d.attempt for d in fake.deliveries] == [1, 2, 3]
    assert all(d.status is None and d.error for d in fake.deliveries)
    assert len({d.delivery_id for d in fake.deliveries}) == 1


async def test_slow_receiver_times_out_and_is_retried(
    fake: FakeRealtimeKit, receiver: Receiver
) -> None:
    """An answer slower than the policy's timeout counts as a network error."""
    assert fake.delivery_policy == FAST
    fake.delivery_policy = DeliveryPolicy(attempts=2, backoff=0, timeout=0.05)
    receiver.delay = 0.2
    fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert [(d.attempt, d.status, d.error) for d in fake.deliveries] == [
        (1, None, "TimeoutError"),
        (2, None, "TimeoutError"),
    ]


async def test_duplicate_delay_drop(fake: FakeRealtimeKit, receiver: Receiver) -> None:
    """Injected faults duplicate, hold back (later ones overtake) and drop deliveries."""
    hook = fake.add_webhook(receiver.url)
    fake.inject_delivery(DeliveryFault.DUPLICATE, webhook_id=hook)
    fake.inject_delivery("delay", event="recording.statusUpdate", delay=0.1)
    fake.inject_delivery("drop", times=2)
    fake.inject_delivery("drop", webhook_id="other")
    rec = fake.add_recording(fake.add_meeting(), status="RECORDING")
    for _ in range(5):
        fake.advance(86400)  # RECORDING -> UPLOADING -> UPLOADED, then nothing changes
    rec2 = fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    fake.fail_recording(rec2)
    fake.fail_recording(fake.add_recording(fake.add_meeting(), status="PAUSED"))
    await fake.drain_deliveries()
    # UPLOADING (duplicated), UPLOADED (held back), rec2 RECORDING and ERRORED (dropped),
    # the paused one's ERRORED: delivered normally, before the held-back UPLOADED.
    assert receiver.statuses() == ["UPLOADING", "UPLOADING", "ERRORED", "UPLOADED"]
    first, second = receiver.got[0][0], receiver.got[1][0]
    assert first["rtk-uuid"] == second["rtk-uuid"]
    faults = [(d.fault, d.attempt, d.status) for d in fake.deliveries]
    assert faults == [
        ("drop", 0, None),
        ("drop", 0, None),
        (None, 1, 204),
        ("duplicate", 1, 204),
        (None, 1, 204),
        ("delay", 1, 204),
    ]
    assert fake.recording(rec)["status"] == "UPLOADED"


async def test_fault_validation_and_clearing(fake: FakeRealtimeKit, receiver: Receiver) -> None:
    """Bad fault arguments raise ValueError; cleared faults no longer apply."""
    with pytest.raises(ValueError, match="times"):
        fake.inject_delivery("drop", times=0)
    with pytest.raises(ValueError, match="delay"):
        fake.inject_delivery("delay", delay=math.inf)
    with pytest.raises(ValueError, match="explode"):
        fake.inject_delivery("explode")
    fake.inject_delivery("drop")
    fake.clear_delivery_faults()
    fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert receiver.statuses() == ["RECORDING"]


async def test_only_enabled_subscribers(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Disabled, unsubscribed and deleted webhooks get nothing; each other one its own id."""
    fake.add_webhook(receiver.url, enabled=False)
    fake.add_webhook(receiver.url, events=["meeting.started", "meeting.ended"])
    gone = fake.add_webhook(receiver.url)
    assert (await hooks(http, fake, "DELETE", f"/{gone}"))[0] == 200
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert receiver.got == []
    one, two = fake.add_webhook(receiver.url), fake.add_webhook(receiver.url, name="second")
    fake.advance(86400)
    await fake.drain_deliveries()
    assert sorted(h["rtk-webhook-id"] for h, _ in receiver.got) == sorted([one, two])
    assert receiver.got[0][1] == receiver.got[1][1]
    assert receiver.got[0][0]["rtk-uuid"] != receiver.got[1][0]["rtk-uuid"]


async def test_add_webhook_checks_arguments(fake: FakeRealtimeKit) -> None:
    """add_webhook refuses what the API would refuse, with ValueError."""
    with pytest.raises(ValueError, match="url"):
        fake.add_webhook("not a url")
    with pytest.raises(ValueError, match="enabled"):
        fake.add_webhook("http://x.example/", enabled="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="events"):
        fake.add_webhook("http://x.example/", events=["recording.statusupdate"])


async def test_changes_before_start_are_sent_on_start(receiver: Receiver) -> None:
    """Changes made before the emulator serves wait for it; close cancels what hangs."""
    fake = FakeRealtimeKit(now=NOW, delivery_policy=FAST)
    fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    assert receiver.got == []
    async with fake:
        await fake.drain_deliveries()
        assert receiver.statuses() == ["RECORDING"]
        receiver.delay = 0.3
        fake.inject_delivery("delay", delay=5)
        fake.advance(86400)
        fake.advance(86400)
        with pytest.raises(TimeoutError):
            await fake.drain_deliveries(timeout=0.05)
    assert len(receiver.got) == 2
    assert len(fake.deliveries) == 1


async def test_max_seconds_and_track_recordings(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A max_seconds stop and a track recording's start are delivered too."""
    fake.add_webhook(receiver.url)
    meeting = fake.add_meeting()
    fake.add_recording(meeting, status="RECORDING", max_seconds=60)
    fake.advance(120)
    async with http.post(api(fake, "/track"), json={"meeting_id": meeting}, headers=auth(fake)):
        pass
    await fake.drain_deliveries()
    assert receiver.statuses() == ["UPLOADING", "INVOKED"]
    for headers, body in receiver.got:
        parse_event(body, headers, public_key=fake.webhook_public_key)


async def test_key_cache_fetches_from_the_emulator(
    fake: FakeRealtimeKit, receiver: Receiver
) -> None:
    """WebhookKeyCache fetches the emulator's key and verifies its deliveries with it."""
    fake.add_webhook(receiver.url)
    fake.add_recording(fake.add_meeting(), status="INVOKED")
    fake.advance()
    await fake.drain_deliveries()
    async with WebhookKeyCache(url=fake.webhook_key_url, environ={}) as keys:
        headers, body = receiver.got[0]
        event = await keys.parse(body, headers)
        assert keys.fetches == 1
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.status is RecordingStatus.RECORDING


async def test_end_to_end_with_webhook_receiver(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """The SDK's WebhookReceiver verifies, de-duplicates and publishes every delivery."""
    seen: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        seen.append(event)

    watcher = WebhookWatcher()
    keys = WebhookKeyCache(url=fake.webhook_key_url, environ={})
    handler = WebhookReceiver(on_event, public_key=keys, watcher=watcher)
    runner, url = await serve(handler.handle)
    try:
        fake.inject_delivery("duplicate", times=6)
        status, _ = await hooks(
            http,
            fake,
            "POST",
            body={"name": "e2e", "url": url, "events": ["recording.statusUpdate"]},
        )
        assert status == 201
        rec = await lifecycle(http, fake)
        await fake.drain_deliveries()
        await handler.aclose()
    finally:
        await runner.cleanup()
        await keys.aclose()
    updates = [e for e in seen if isinstance(e, RecordingStatusUpdate)]
    assert [str(u.recording.status) for u in updates] == LIFECYCLE
    assert len(fake.deliveries) == 12
    latest = watcher.latest(rec)
    assert latest is not None
    assert latest.status is RecordingStatus.UPLOADED


def test_policy_checks() -> None:
    """DeliveryPolicy refuses values that make no sense and doubles its pause."""
    assert [DeliveryPolicy(backoff=1, max_backoff=5).pause(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    bads: list[dict[str, Any]] = [
        {"attempts": 0},
        {"backoff": -1},
        {"timeout": 0},
        {"max_backoff": math.nan},
    ]
    for bad in bads:
        with pytest.raises(ValueError, match="must be"):
            DeliveryPolicy(**bad)
