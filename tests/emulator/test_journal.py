"""The journal of received requests."""

from __future__ import annotations

import asyncio

import aiohttp

from realtimekit_async.testing import FakeRealtimeKit, FaultKind, JournalEntry

from .conftest import (
    api,
    auth,
    call,
    eventually,
)


async def test_journal_records_requests(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Each request is journaled with raw path, query pairs, headers, body and status."""
    rec = fake.add_recording(fake.add_meeting())
    await call(http, fake, "GET", params=[("status", "UPLOADED"), ("status", "ERRORED")])
    url = api(fake, "/a%2Fb")
    async with http.get(url, headers={**auth(fake), "X-Trace": "t1"}) as response:
        assert response.status == 404
    async with http.put(api(fake, f"/{rec}"), data=b"plain text", headers=auth(fake)) as response:
        assert response.status == 400
    async with http.get(fake.recording(rec)["download_url"]) as response:
        await response.read()
    listed, encoded, text, download = fake.journal
    assert listed.query == (("status", "UPLOADED"), ("status", "ERRORED"))
    assert (listed.method, listed.body, listed.status, listed.fault) == ("GET", None, 200, None)
    assert encoded.path.endswith("/recordings/a%2Fb")
    assert encoded.headers["x-trace"] == "t1"
    assert encoded.headers["AUTHORIZATION"] == f"Bearer {fake.api_token}"
    assert text.body == "plain text"
    assert download.path.startswith("/_storage/")
    assert download.status == 200
    assert "Authorization" not in download.headers
    assert "headers" not in repr(download)
    assert isinstance(download, JournalEntry)


async def test_journal_can_be_cleared_mid_request(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Clearing the journal while a request is in flight loses only that entry."""
    fake.inject(FaultKind.SLOW, delay=0.1)
    pending = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    fake.journal.clear()
    assert (await pending)[0] == 200
    assert fake.journal == []
    await call(http, fake, "GET")
    assert len(fake.journal) == 1
