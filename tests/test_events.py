"""Hooks, per-task response capture, per-call headers and the SDK-made aiohttp session."""

from __future__ import annotations

import asyncio
import logging

import pytest

from realtimekit_async import (
    CallEvent,
    PageFetched,
    RateLimiter,
    RateLimitWait,
    RealtimeKitSession,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    capture_responses,
)
from realtimekit_async._events import emit, log_event
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from .conftest import session_for


async def test_hooks_see_every_retry_of_a_faulty_listing(fake: FakeRealtimeKit) -> None:
    """Two 503s on page 2: the hooks see both retries, every attempt and every page."""
    fake.seed(250)
    fake.inject(FaultKind.SERVER_ERROR, path="/recordings", times=2, method="GET")
    events: list[CallEvent] = []
    async with session_for(fake, hooks=[events.append]) as rtk:
        ids = [r.id async for r in rtk.list_recordings(per_page=100, prefetch=0)]
    assert len(ids) == 250
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [(r.operation, r.attempt) for r in retries] == [
        ("list recordings", 1),
        ("list recordings", 2),
    ]
    assert all("HTTP 503" in r.reason for r in retries)
    pages = [e for e in events if isinstance(e, PageFetched)]
    assert [(p.page_no, p.items, p.total_count) for p in pages] == [
        (1, 100, 250),
        (2, 100, 250),
        (3, 50, 250),
    ]
    sent = [e for e in events if isinstance(e, RequestSent)]
    answers = [e for e in events if isinstance(e, ResponseReceived)]
    assert len(sent) == len(answers) == 5
    assert [a.status for a in answers][:3] == [503, 503, 200]


async def test_rate_limit_waits_are_events(fake: FakeRealtimeKit) -> None:
    """A call that waits for the limiter says so, with the forecast pause."""
    recording = fake.add_recording(fake.add_meeting())
    events: list[CallEvent] = []
    limiter = RateLimiter(1, 0.2)
    async with session_for(fake, hooks=[events.append], rate_limiter=limiter) as rtk:
        await rtk.get_recording(recording)
        await rtk.get_recording(recording)
    waits = [e for e in events if isinstance(e, RateLimitWait)]
    assert len(waits) == 1
    assert 0 < waits[0].seconds <= 0.2


def test_a_failing_hook_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """A hook that raises does not stop the others (nor the call)."""
    seen: list[CallEvent] = []

    def broken(_: CallEvent) -> None:
        raise RuntimeError("metrics backend down")

    event = PageFetched(1, 0, 0)
    emit([broken, seen.append], event)
    assert seen == [event]
    assert "a realtimekit_async hook failed on PageFetched" in caplog.text


def test_log_event_ignores_events_without_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    """Sent requests and fetched pages are not logged twice: the answer line says it all."""
    caplog.set_level(logging.DEBUG, logger="realtimekit_async")
    log_event(RequestSent("get recording", "GET", "/r", 1))
    log_event(PageFetched(1, 0, 0))
    assert caplog.records == []


async def test_responses_are_captured_per_task(fake: FakeRealtimeKit) -> None:
    """100 concurrent tasks each capture exactly their own answer's cf-ray and status."""
    meeting = fake.add_meeting()
    recordings = [fake.add_recording(meeting) for _ in range(100)]
    async with session_for(fake) as rtk:

        async def one(recording_id: str) -> tuple[str, list[ResponseReceived]]:
            with capture_responses() as answers:
                got = await rtk.get_recording(recording_id)
            return got.id, answers

        results = await asyncio.gather(*(one(r) for r in recordings))
        with capture_responses() as outer:
            await rtk.get_recording(recordings[0])
            with capture_responses() as inner:
                await rtk.get_recording(recordings[1])
    for recording_id, answers in results:
        assert len(answers) == 1
        assert answers[0].path.endswith(recording_id)
        assert answers[0].status == 200
        assert answers[0].cf_ray
    assert len({answers[0].cf_ray for _, answers in results}) == 100
    assert (len(outer), len(inner)) == (1, 1)


async def test_per_call_and_default_headers_arrive(fake: FakeRealtimeKit) -> None:
    """default_headers go with every request; headers= adds to them for one call."""
    recording = fake.add_recording(fake.add_meeting())
    async with session_for(fake, default_headers={"X-Tenant": "acme"}) as rtk:
        await rtk.get_recording(recording)
        await rtk.get_recording(recording, headers={"X-Tenant": "other", "traceparent": "00-x"})
        [_ async for _ in rtk.list_recordings(headers={"X-Job": "export"})]
    first, second, page = fake.journal
    assert first.headers["X-Tenant"] == "acme"
    assert (second.headers["X-Tenant"], second.headers["traceparent"]) == ("other", "00-x")
    assert (page.headers["X-Job"], page.headers["X-Tenant"]) == ("export", "acme")
    assert all(e.headers["Authorization"] == f"Bearer {fake.api_token}" for e in fake.journal)


@pytest.mark.parametrize("name", ["Authorization", "authorization", "Content-Type", "Host"])
async def test_headers_the_session_owns_cannot_be_replaced(
    fake: FakeRealtimeKit, name: str
) -> None:
    """Neither default_headers nor headers= can replace the token; nothing is sent."""
    with pytest.raises(ValueError, match=f"may not set {name}"):
        session_for(fake, default_headers={name: "Bearer other"})
    async with session_for(fake) as rtk:
        with pytest.raises(ValueError, match=f"may not set {name}"):
            await rtk.get_recording("r", headers={name: "Bearer other"})
        with pytest.raises(ValueError, match=f"may not set {name}"):
            rtk.list_recordings(headers={name: "x"})
    assert fake.journal == []


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"X-A": "1\r\nX-Injected: 1"}, ValueError),
        ({"Bad Name": "1"}, ValueError),
        ({"X-A": 1}, ValueError),
        ([("X-A", "1")], TypeError),
    ],
)
def test_malformed_headers_are_refused(headers: object, error: type[Exception]) -> None:
    """Header injection, invalid names and non-string values fail at construction."""
    with pytest.raises(error):
        RealtimeKitSession(
            account_id="a",
            app_id="b",
            api_token="t",
            default_headers=headers,  # type: ignore[arg-type]
        )


def test_connection_limit_is_checked() -> None:
    """The connection limit is a whole number >= 1."""
    with pytest.raises(ValueError, match="connection_limit must be at least 1"):
        RealtimeKitSession(account_id="a", app_id="b", api_token="t", connection_limit=0)
    with pytest.raises(TypeError, match="connection_limit must be a whole number"):
        RealtimeKitSession(account_id="a", app_id="b", api_token="t", connection_limit=1.5)  # type: ignore[arg-type]
