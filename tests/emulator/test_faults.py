"""Fault injection: every kind, filters, the random rule."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from realtimekit_async._emulator._faults import FaultPlan
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from .conftest import (
    NOW,
    api,
    auth,
    call,
    eventually,
    rtk_error,
)


async def test_rate_limit_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """RATE_LIMIT answers 429 with Retry-After and Cloudflare code 971, for `times` requests."""
    fake.inject(FaultKind.RATE_LIMIT, times=2)
    fake.inject("rate_limit", retry_after=30, status=503, method="GET")
    expected = {
        "success": False,
        "errors": [
            {"code": 971, "message": "Please wait and consider throttling your request speed"}
        ],
        "messages": [],
        "result": None,
    }
    for retry_after, status in (("1", 429), ("1", 429), ("30", 503)):
        async with http.get(api(fake), headers=auth(fake)) as response:
            assert response.status == status
            assert response.headers["Retry-After"] == retry_after
            assert await response.json() == expected
    assert (await call(http, fake, "GET"))[0] == 200
    assert [e.fault for e in fake.journal] == ["rate_limit"] * 3 + [None]


async def test_server_error_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SERVER_ERROR answers an HTML page with the status it was given (503 by default)."""
    fake.inject(FaultKind.SERVER_ERROR)
    fake.inject(FaultKind.SERVER_ERROR, status=502)
    for status, title in ((503, "503 Service Unavailable"), (502, "502 Bad Gateway")):
        async with http.get(api(fake), headers=auth(fake)) as response:
            assert response.status == status
            assert response.headers["Content-Type"] == "text/html"
            assert f"<title>{title}</title>" in await response.text()


async def test_reset_fault_has_no_effect(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """RESET drops the connection before handling: the client errors, nothing changes."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.RESET, method="POST", path="/recordings")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, fake, "POST", body={"meeting_id": meeting})
    assert fake.recording_ids == []
    entry = fake.journal[-1]
    assert (entry.status, entry.fault, entry.body) == (None, "reset", {"meeting_id": meeting})
    assert (await call(http, fake, "POST", body={"meeting_id": meeting}))[0] == 200


async def test_lost_response_fault_changes_state(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """LOST_RESPONSE handles the request, then drops the connection without answering."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.LOST_RESPONSE)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, fake, "POST", body={"meeting_id": meeting})
    assert len(fake.recording_ids) == 1
    assert fake.journal[-1].status is None
    status, _ = await call(http, fake, "POST", body={"meeting_id": meeting})
    assert status == 409


async def test_slow_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SLOW waits `delay` seconds, then answers normally."""
    fake.inject(FaultKind.SLOW, delay=0.2)
    began = time.monotonic()
    slow = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    assert (await call(http, fake, "GET", "/x"))[0] == 404
    assert (await slow)[0] == 200
    assert time.monotonic() - began >= 0.2
    # The journal keeps arrival order, though the slow request finished last.
    assert [(e.status, e.fault) for e in fake.journal] == [(200, "slow"), (404, None)]


async def test_truncated_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """TRUNCATED promises more bytes than it sends, then hangs up."""
    fake.inject(FaultKind.TRUNCATED, path="/recordings")
    async with http.get(api(fake), headers=auth(fake)) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    entry = fake.journal[-1]
    assert (entry.status, entry.fault) == (200, "truncated")


async def test_success_false_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SUCCESS_FALSE answers 200 with success false and does nothing."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.SUCCESS_FALSE, method="POST")
    fake.inject(FaultKind.SUCCESS_FALSE, status=409)
    status, body = await call(http, fake, "POST", body={"meeting_id": meeting})
    assert status == 200
    assert body == rtk_error(500, "Internal server error (injected)")
    assert fake.recording_ids == []
    _, body = await call(http, fake, "GET")
    assert body["error"]["code"] == 409


async def test_fault_filters_and_clear(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Method and path restrict a fault; clear_faults drops every pending one."""
    fake.inject(FaultKind.SERVER_ERROR, method="PUT")
    fake.inject(FaultKind.SERVER_ERROR, path="/active-recording/")
    assert (await call(http, fake, "GET"))[0] == 200
    async with http.get(api(fake, "/active-recording/m"), headers=auth(fake)) as response:
        assert response.status == 503
    fake.inject(FaultKind.SERVER_ERROR)
    fake.inject_random(1.0, seed=1)
    fake.clear_faults()
    assert (await call(http, fake, "GET"))[0] == 200
    with pytest.raises(ValueError, match="kaput"):
        fake.inject("kaput")
    with pytest.raises(ValueError, match="times"):
        fake.inject(FaultKind.SLOW, times=0)
    with pytest.raises(ValueError, match="delay"):
        fake.inject(FaultKind.SLOW, delay=-1)


async def run_random(seed: int, http: aiohttp.ClientSession) -> list[str | None]:
    """Twenty GETs against a fresh emulator under a 50 % random fault rule."""
    async with FakeRealtimeKit(now=NOW) as fake:
        fake.inject_random(0.5, seed=seed, kinds=["rate_limit", FaultKind.SUCCESS_FALSE])
        for _ in range(20):
            async with http.get(api(fake), headers=auth(fake)) as response:
                await response.read()
                if response.status == 429:
                    assert response.headers["Retry-After"] == "0"
        return [entry.fault for entry in fake.journal]


async def test_inject_random_is_reproducible(http: aiohttp.ClientSession) -> None:
    """The same seed faults the same requests with the same kinds."""
    first = await run_random(3, http)
    assert first == await run_random(3, http)
    assert set(first) == {None, "rate_limit", "success_false"}
    assert first != await run_random(4, http)


async def test_inject_random_rules(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Rate 0 never faults, default kinds are transient, filters apply, bad input is refused."""
    fake.inject_random(0.0, seed=1)
    assert (await call(http, fake, "GET"))[0] == 200
    fake.inject_random(1.0, seed=1, method="PUT")
    assert (await call(http, fake, "GET"))[0] == 200
    fake.inject_random(1.0, seed=1, kinds=[FaultKind.SLOW], path="/recordings")
    assert (await call(http, fake, "GET"))[0] == 200
    assert fake.journal[-1].fault == "slow"
    plan = FaultPlan()
    plan.set_random(1.0, seed=2, kinds=None, method=None, path=None)
    kinds = {fault.kind for fault in (plan.pick("GET", "/") for _ in range(50)) if fault}
    assert kinds == {FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.RESET}
    with pytest.raises(ValueError, match="rate"):
        fake.inject_random(1.5, seed=1)
    with pytest.raises(ValueError, match="kinds"):
        fake.inject_random(0.5, seed=1, kinds=[])
